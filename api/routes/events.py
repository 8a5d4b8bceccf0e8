"""``/events``: the last 30 days of events a key may see, oldest first, by cursor (``after``), so a
receiver that was down catches up by itself."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.auth import Authenticated, Context, Reader
from api.problems import ApiError, responses
from api.schemas import PRINTABLE
from billing import parse_event_id as parse_id
from billing import parse_event_types

router = APIRouter(tags=["events"], route_class=Authenticated)


class EventOut(BaseModel):
    id: str
    type: str
    created_at: str
    data: dict[str, Any]


class EventPage(BaseModel):
    data: list[EventOut]
    next_cursor: str | None = Field(description="pass as ?after= for the next page; null: nothing more for now")


@router.get("/events", response_model=EventPage, responses=responses(403))
def list_events(
    who: Reader,
    ctx: Context,
    after: Annotated[str | None, Query(pattern=PRINTABLE, max_length=40, description="an event id")] = None,
    type: Annotated[
        list[str] | None, Query(max_length=20, description="event types (repeated, or comma-separated)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EventPage:
    """Events after ``after``, oldest first, of the given types; a reseller key sees its accounts' only,
    without amounts."""
    after_id = parse_id(after) if after else None
    if after and after_id is None:
        raise ApiError(422, "invalid_cursor", "after must be an event id such as evt_123")
    types = parse_event_types([t for given in type or () for t in given.split(",")])
    page = ctx.billing.events.list(actor=who.actor, now=ctx.now(), after=after_id, types=types, limit=limit)
    return EventPage(data=[EventOut(**event) for event in page.events], next_cursor=page.next_after)
