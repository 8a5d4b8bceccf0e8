"""Credits, invoices and buying licenses (a quote, then its commit by ``quote_id``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api import pages, render
from api import schemas as s
from api.auth import Authenticated, Caller, Context, Reader, Writer
from api.idempotent import respond
from api.problems import ApiError, responses
from api.routes.accounts import AccountSlug
from api.routes.redemptions import IdempotencyKey
from billing import amounts_visible

router = APIRouter(tags=["money"], route_class=Authenticated)


def portal_only(who: Caller, what: str) -> None:
    if not who.is_portal:
        raise ApiError(403, "not_allowed", f"only portal keys may {what}")


@router.get("/accounts/{account}/credits", response_model=s.CreditsOut, responses=responses(404))
def get_credits(account: AccountSlug, who: Reader, ctx: Context) -> s.CreditsOut:
    """The credit balance per currency by source, the top-ups, and the redeemed codes (balances and
    top-ups only where prices are shown)."""
    overview = ctx.billing.credits.overview(account=account, actor=who.actor, now=ctx.now())
    return s.CreditsOut(
        balances=[
            s.BalanceOut(
                currency=b.currency,
                topped_up=s.Money.of(b.topped_up),
                promo=s.Money.of(b.promo),
                adjustment=s.Money.of(b.adjustment),
                total=s.Money.of(b.total),
            )
            for b in overview.balances
        ],
        top_ups=[
            s.TopUpOut(
                code_prefix=t.code_prefix, amount=s.Money.of(t.amount), activated_on=t.activated_on, source=t.source
            )
            for t in overview.top_ups
        ],
        codes=[
            s.RedeemedCodeOut(
                code_prefix=c.code_prefix,
                solution_name=c.solution_name,
                kind=c.license_kind,
                paired=c.paired,
                allowed=c.allowed,
                expires_on=c.expires_on,
                duration=c.duration,
            )
            for c in overview.codes
        ],
    )


@router.get("/accounts/{account}/invoices", response_model=s.InvoicePage, responses=responses(403, 404, 409))
def list_invoices(
    account: AccountSlug, who: Reader, ctx: Context, limit: pages.Limit = 100, cursor: pages.Cursor = None
) -> s.InvoicePage:
    """The account's invoices, newest first, with their lines, credit applied, paid and remaining. Portal
    keys, accounts that do not pay through a reseller."""
    portal_only(who, "see invoices")
    view = ctx.billing.accounts.get_account(slug=account, actor=who.actor)
    if not amounts_visible(who.actor, view):
        raise ApiError(409, "not_billed_directly", f"{view.name} pays through a reseller: it has no invoices here")
    found = ctx.billing.invoices.list(account=account, actor=who.actor, limit=limit + 1, before=pages.after_id(cursor))
    page = found[:limit]
    more = len(found) > limit
    return s.InvoicePage(
        data=[render.invoice(x) for x in page], next_cursor=pages.cursor(str(page[-1].id)) if more else None
    )


@router.post("/accounts/{account}/licenses/quote", response_model=s.QuoteOut, responses=responses(403, 404, 409))
def quote_licenses(account: AccountSlug, body: s.QuoteIn, who: Reader, ctx: Context) -> s.QuoteOut:
    """Quote a new license total (card and invoice accounts): the lines, amount, service period and a
    ``quote_id`` to buy with."""
    portal_only(who, "buy licenses")
    quoted = ctx.billing.subscriptions.quote_total(
        account=account, solution=body.solution, units=body.units, actor=who.actor, now=ctx.now()
    )
    return render.quote(quoted)


@router.post(
    "/accounts/{account}/licenses", status_code=201, response_model=s.PurchaseOut, responses=responses(403, 404, 409)
)
def buy_licenses(
    account: AccountSlug, body: s.PurchaseIn, who: Writer, ctx: Context, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Buy what a quote said: 201 with the invoice; 409 ``quote_changed`` when the quote no longer holds;
    fewer licenses than today is staff-only (403)."""
    portal_only(who, "buy licenses")

    def work() -> s.PurchaseOut:
        receipt = ctx.billing.subscriptions.commit(
            quote_id=body.quote_id, account=account, actor=who.actor, now=ctx.now(), request_ref=f"api:{who.key.name}"
        )
        return s.PurchaseOut(
            units_after=receipt.quote.units_after, invoice=render.invoice(receipt.invoice) if receipt.invoice else None
        )

    return respond(
        ctx, who, path=f"/accounts/{account}/licenses", key=idempotency_key, request=body, status=201, work=work
    )
