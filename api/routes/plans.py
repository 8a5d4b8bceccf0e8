"""Changing a subscription's level or interval: a quote, its commit by ``quote_id``, and withdrawing a change
scheduled for the renewal. Portal keys only, as buying licenses; billing decides what the Portal may do."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from api import render
from api import schemas as s
from api.auth import Authenticated, Context, Reader, Writer
from api.idempotent import respond
from api.problems import responses
from api.routes.accounts import AccountSlug
from api.routes.assignments import SolutionSlug
from api.routes.money import portal_only
from api.routes.redemptions import IdempotencyKey

router = APIRouter(tags=["plans"], route_class=Authenticated)


@router.post("/accounts/{account}/plan/quote", response_model=s.PlanQuoteOut, responses=responses(403, 404, 409))
def quote_plan_change(account: AccountSlug, body: s.PlanQuoteIn, who: Reader, ctx: Context) -> s.PlanQuoteOut:
    """Quote a change of level or interval: the credit for the unused part, the new plan's lines, the
    amount due, when it takes effect, and a ``quote_id``."""
    portal_only(who, "change plans")
    quoted = ctx.billing.plans.quote(
        account=account,
        solution=body.solution,
        level=body.level,
        interval=body.interval,
        actor=who.actor,
        now=ctx.now(),
    )
    return render.plan_quote(quoted)


@router.post(
    "/accounts/{account}/plan", status_code=201, response_model=s.PlanChangeOut, responses=responses(403, 404, 409)
)
def change_plan(
    account: AccountSlug, body: s.PlanIn, who: Writer, ctx: Context, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Carry out a quoted change: 201 with the invoice (now), or the change scheduled for the renewal."""
    portal_only(who, "change plans")

    def work() -> s.PlanChangeOut:
        receipt = ctx.billing.plans.commit(
            quote_id=body.quote_id, account=account, actor=who.actor, now=ctx.now(), request_ref=f"api:{who.key.name}"
        )
        return render.plan_change(receipt)

    return respond(ctx, who, path=f"/accounts/{account}/plan", key=idempotency_key, request=body, status=201, work=work)


@router.delete(
    "/accounts/{account}/plan/scheduled/{solution}",
    status_code=204,
    response_class=Response,
    responses=responses(403, 404, 409),
)
def withdraw_plan_change(account: AccountSlug, solution: SolutionSlug, who: Writer, ctx: Context) -> Response:
    """Withdraw the change scheduled for the solution's renewal: 204; 404 when none is scheduled."""
    portal_only(who, "change plans")
    ctx.billing.plans.withdraw(
        account=account, solution=solution, actor=who.actor, now=ctx.now(), request_ref=f"api:{who.key.name}"
    )
    return Response(status_code=204)
