"""Cursor pagination, the same for every list: ``limit`` and ``cursor`` in, ``next_cursor`` out.

A cursor is the last item's key (a slug, an id) in URL-safe base64: opaque to clients, checked on the way in.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Query

from api.problems import ApiError
from api.schemas import PRINTABLE

Limit = Annotated[int, Query(ge=1, le=500, description="at most this many items")]
Cursor = Annotated[
    str | None, Query(pattern=PRINTABLE, max_length=200, description="the `next_cursor` of the previous page")
]


def cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def after(given: str | None) -> str | None:
    """The key a cursor carries; 422 ``invalid_cursor`` for one this API did not give."""
    if given is None:
        return None
    try:
        return base64.b64decode(given + "=" * (-len(given) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid() from None


def after_id(given: str | None) -> int | None:
    key = after(given)
    if key is None:
        return None
    if not key.isdigit() or len(key) > 18:
        raise invalid()
    return int(key)


def invalid() -> ApiError:
    return ApiError(422, "invalid_cursor", "that cursor is not one this API gave")
