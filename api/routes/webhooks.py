"""``/webhooks``: the Portal's own webhook endpoints (portal keys only; the secret is in the 201, once)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from api.auth import Authenticated, Context, Reader, SlowWriter, Writer
from api.problems import responses
from api.schemas import PRINTABLE, Slug, Strict
from billing import EndpointView

router = APIRouter(tags=["webhooks"], route_class=Authenticated)
Name = Annotated[str, Path(pattern=PRINTABLE, min_length=1, max_length=60)]


class WebhookIn(Strict):
    name: str = Field(pattern=PRINTABLE, min_length=1, max_length=60)
    url: str = Field(pattern=PRINTABLE, min_length=1, max_length=2000)
    events: list[Annotated[str, Field(pattern=PRINTABLE, max_length=40)]] | None = Field(
        default=None, max_length=20, description="event types to receive; absent or empty: every type"
    )
    reseller: Slug | None = Field(default=None, description="only this reseller's accounts' events, no amounts")


class WebhookOut(BaseModel):
    name: str
    url: str
    events: list[str] | None
    reseller: str | None
    state: str
    created_at: datetime
    failing_since: datetime | None


class WebhookCreated(WebhookOut):
    secret: str = Field(description="the signing secret (whsec_...), shown this once")


class WebhookList(BaseModel):
    data: list[WebhookOut]


def _out(view: EndpointView) -> WebhookOut:
    events = list(view.event_types) if view.event_types else None
    return WebhookOut(
        name=view.name,
        url=view.url,
        events=events,
        reseller=view.reseller,
        state=view.state,
        created_at=view.created_at,
        failing_since=view.failing_since,
    )


@router.get("/webhooks", response_model=WebhookList, responses=responses(403))
def list_webhooks(who: Reader, ctx: Context) -> WebhookList:
    """Every webhook endpoint, with its state (an endpoint failing for three days is disabled)."""
    return WebhookList(data=[_out(view) for view in ctx.billing.webhooks.all(actor=who.actor)])


@router.post("/webhooks", status_code=201, response_model=WebhookCreated, responses=responses(403, 409))
def add_webhook(body: WebhookIn, who: SlowWriter, ctx: Context) -> WebhookCreated:
    """Register an endpoint (https:// only); the answer carries its signing secret, this once."""
    view, secret = ctx.billing.webhooks.add(
        name=body.name, url=body.url, event_types=body.events, reseller=body.reseller, actor=who.actor, now=ctx.now()
    )
    return WebhookCreated(**_out(view).model_dump(), secret=secret)


@router.delete("/webhooks/{name}", status_code=204, responses=responses(403, 404))
def remove_webhook(name: Name, who: Writer, ctx: Context) -> Response:
    """Forget an endpoint; what was still to be delivered to it is cancelled."""
    ctx.billing.webhooks.remove(name=name, actor=who.actor, now=ctx.now())
    return Response(status_code=204)
