"""``PATCH /accounts/{account}``: correct an account. Portal keys may change its name and time zone; every
other field is staff's (the CLI and Slack), so naming one is 403, as is any change by a reseller key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from api import render
from api import schemas as s
from api.auth import Authenticated, Context, Writer
from api.problems import responses
from api.schemas import PRINTABLE
from billing import AccountEdit

router = APIRouter(tags=["accounts"], route_class=Authenticated)
AccountSlug = Annotated[str, Path(pattern=PRINTABLE, min_length=1, max_length=100)]


class AccountPatch(s.Strict):
    """The fields to change; those left out stay as they are."""

    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    time_zone: Annotated[str | None, Field(min_length=1, max_length=64, examples=["Europe/Paris"])] = None
    # Staff's alone: named here so that a portal key asking for them is told 403, not 422.
    reseller: Annotated[str | None, Field(max_length=40, description="staff only (403 for keys)")] = None
    payment_method: Annotated[str | None, Field(max_length=10, description="staff only (403 for keys)")] = None
    currency: Annotated[str | None, Field(max_length=3, description="staff only (403 for keys)")] = None


@router.patch("/accounts/{account}", response_model=s.AccountOut, responses=responses(403, 404, 409))
def patch_account(account: AccountSlug, body: AccountPatch, who: Writer, ctx: Context) -> s.AccountOut:
    """Correct the account's name and time zone (the time zone moves its "today" and its reminder days).

    Any other field is staff-only: 403 `not_allowed`. Each change is audited with before and after."""
    edit = AccountEdit(**body.model_dump(exclude_unset=True))
    view = ctx.billing.account_changes.set(
        slug=account, edit=edit, actor=who.actor, now=ctx.now(), request_ref=f"api:{who.key.name}"
    )
    return render.account(who, view)
