"""The id of the request being served: the caller's ``X-Request-Id`` or one made up by the web app. It is
echoed in the response header, in problem+json bodies and in every log line written while serving."""

from __future__ import annotations

from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("joanbot_request_id", default=None)
