"""What the Slack stand-in records and how it is scripted: calls received, scripted replies, fault drills,
messages held per channel."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Call:
    """One request the stand-in received. ``method`` is the Web API method, ``response_url`` or ``upload``."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    path: str
    raw: bytes = b""
    at: float = field(default_factory=time.monotonic)

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else self.body.get("token")


@dataclass(frozen=True)
class Reply:
    """A scripted answer: a JSON body, an HTTP status, extra headers, and a delay before answering.
    ``drop``: close the connection without answering (the request's effect stands)."""

    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


@dataclass
class Faults:
    """Misbehaviour of ``chat.postMessage`` for fault drills, decided by a seeded random generator.

    ``server_errors``: share of posts answered 500 without storing them. ``lost_responses``: share of posts
    stored and then answered with a dropped connection (the caller cannot know it worked).
    ``channel_rate``: at most one message per ``channel_rate`` seconds per channel, else 429 with
    ``Retry-After``. ``unpostable``: channels answering ``not_in_channel``. ``slow_posts``: a delay between
    storing a post and answering, a window for a poster to crash in.
    """

    server_errors: float = 0.0
    lost_responses: float = 0.0
    channel_rate: float | None = None
    retry_after: int = 1
    unpostable: set[str] = field(default_factory=set)
    slow_posts: float = 0.0  # seconds between storing a post and answering it (a window to crash in)
    seed: int = 7
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)


@dataclass(frozen=True)
class Posted:
    """A message the stand-in holds, as a channel's history would show it."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] | None
    at: float


Responder = Callable[[Call], Reply | dict[str, Any]]


def parse_body(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
    body: dict[str, Any] = dict(parse_qsl(query))
    if not raw:
        return body
    if "json" in content_type:
        try:
            parsed = json.loads(raw)
        except ValueError:
            return body
        return {**body, **parsed} if isinstance(parsed, dict) else body
    if "x-www-form-urlencoded" in content_type:
        return {**body, **dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))}
    return body
