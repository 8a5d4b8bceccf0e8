"""``/accounts``: the accounts a key may see, one account's plan, and its contact addresses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from api import pages, render
from api import schemas as s
from api.auth import Authenticated, Context, Reader, Writer
from api.problems import FieldError, problem, responses
from api.schemas import PRINTABLE
from billing import InvalidEmail

router = APIRouter(tags=["accounts"], route_class=Authenticated)
AccountSlug = Annotated[str, Path(pattern=PRINTABLE, min_length=1, max_length=100)]


@router.get("/accounts", response_model=s.AccountPage, responses=responses(403, 404))
def list_accounts(
    who: Reader,
    ctx: Context,
    reseller: Annotated[
        str | None, Query(pattern=PRINTABLE, max_length=100, description="portal keys: one reseller's")
    ] = None,
    limit: pages.Limit = 100,
    cursor: pages.Cursor = None,
) -> s.AccountPage:
    """The accounts the key may see, by slug; portal keys may ask for one reseller's (``?reseller=``)."""
    found = ctx.billing.accounts.list_accounts(
        actor=who.actor, reseller=reseller if who.is_portal else None, limit=limit + 1, after=pages.after(cursor)
    )
    page = found[:limit]
    more = len(found) > limit
    return s.AccountPage(
        data=[render.account(who, view) for view in page], next_cursor=pages.cursor(page[-1].slug) if more else None
    )


@router.get("/accounts/{account}", response_model=s.AccountPlanOut, responses=responses(404))
def get_account(account: AccountSlug, who: Reader, ctx: Context) -> s.AccountPlanOut:
    """The account and its plan: per solution the level, kind, total, in use, free, over capacity, each
    renewal date with its licenses, upcoming blocks and a scheduled plan change; the payment method, interval
    and unit price only for portal keys on accounts that do not pay through a reseller."""
    breakdown = ctx.billing.licenses.breakdown(account=account, actor=who.actor, now=ctx.now())
    return render.plan(who, breakdown)


@router.put("/accounts/{account}/contacts", response_model=s.ContactsOut, responses=responses(403, 404))
def put_contacts(account: AccountSlug, body: s.ContactsIn, who: Writer, ctx: Context) -> s.ContactsOut | JSONResponse:
    """Replace the account's own contact addresses, where its reminder emails go (an empty list clears them)."""
    try:
        view = ctx.billing.contacts.set_account_emails(
            slug=account, emails=body.emails, actor=who.actor, now=ctx.now(), request_ref=f"api:{who.key.name}"
        )
    except InvalidEmail as error:
        return _bad_email(error, body.emails)
    return s.ContactsOut(account=view.slug, contact_emails=list(view.contact_emails))


def _bad_email(error: InvalidEmail, given: list[str]) -> JSONResponse:
    """422 naming the offending entry, ``emails.<index>``, as a request validation error would."""
    address = str(error.details.get("address", ""))
    index = next((i for i, text in enumerate(given) if text.strip() == address), None)
    field = "emails" if index is None else f"emails.{index}"
    return problem(422, error.code, error.message, errors=[FieldError(field=field, message=error.message)])
