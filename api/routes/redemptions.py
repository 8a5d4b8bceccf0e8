"""``/accounts/{account}/redemptions``: preview a code, then redeem it (idempotently)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from api import render
from api import schemas as s
from api.auth import Authenticated, Context, Reader, Writer
from api.idempotent import respond
from api.problems import responses
from api.routes.accounts import AccountSlug
from api.schemas import PRINTABLE

router = APIRouter(tags=["redemptions"], route_class=Authenticated)
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", pattern=PRINTABLE, min_length=1, max_length=255)]


@router.post(
    "/accounts/{account}/redemptions/preview", response_model=s.RedemptionPlanOut, responses=responses(403, 404, 409)
)
def preview_redemption(account: AccountSlug, body: s.RedemptionIn, who: Reader, ctx: Context) -> s.RedemptionPlanOut:
    """What redeeming the code would do (a new block, or the renewal of ``renews``, with the resulting
    dates; the renewal candidates). Changes nothing, but a refused code counts toward the rate limits."""
    decided = ctx.billing.redemptions.preview(
        code=body.code, account=account, renews=body.renews, actor=who.actor, now=ctx.now()
    )
    return render.redemption_plan(who, decided)


@router.post(
    "/accounts/{account}/redemptions",
    status_code=201,
    response_model=s.RedemptionOut,
    responses=responses(403, 404, 409),
)
def redeem(
    account: AccountSlug, body: s.RedemptionIn, who: Writer, ctx: Context, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Redeem the code into the account: 201 with the resulting block or credit. With ``Idempotency-Key``,
    the same key and body answer the first response again."""

    def work() -> s.RedemptionOut:
        receipt = ctx.billing.redemptions.redeem(
            code=body.code,
            account=account,
            renews=body.renewal_choice,
            actor=who.actor,
            now=ctx.now(),
            scope=f"api:{idempotency_key}" if idempotency_key else None,
            request_ref=f"api:{who.key.name}",
        )
        decided = render.redemption_plan(who, receipt.plan)
        return s.RedemptionOut(**decided.model_dump(), redemption_id=receipt.redemption_id, block_id=receipt.cohort_id)

    return respond(
        ctx, who, path=f"/accounts/{account}/redemptions", key=idempotency_key, request=body, status=201, work=work
    )
