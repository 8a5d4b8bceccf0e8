"""Log redaction: no code-shaped text, no Slack token and no API key reaches any log line.

Bolt logs a whole request body at INFO when a signature check fails, and a code typed into ``/joan`` would
ride along. Redaction therefore happens where every record is made (the record factory), so it holds for
every logger and handler, including ones added later (a test's capture, a log shipper).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

from api.request_id import REQUEST_ID
from billing import STARTS_A_WORD, redact
from bot.settings import LogSettings

# A Slack token (xoxb-, xoxp-, xapp-...), in any case, its hyphens plain, URL-encoded or JSON-escaped, after
# anything but a letter or digit, or after an escape (``%22``, ``\\u0022``) that ends in one.
_HYPHEN = r"(?:-|%(?:25)?2[dD]|(?:\\|%5[cC])+u002[dD])"
TOKEN = re.compile(STARTS_A_WORD + rf"(?i:x(?:ox[a-z]|app){_HYPHEN}[A-Za-z0-9]+(?:{_HYPHEN}[A-Za-z0-9]+)*)")
# A Portal API key (a /joan api-key reply, a bad header), in any case, after an escape too (its URL-safe
# characters are the same URL-encoded or JSON-escaped).
API_KEY = re.compile(STARTS_A_WORD + r"(?i:jbk_)[A-Za-z0-9_-]{8,}")


def scrub(text: str) -> str:
    return API_KEY.sub("[api key]", TOKEN.sub("[token]", redact(text)))


class _RedactedRecord(logging.LogRecord):
    def getMessage(self) -> str:
        return scrub(super().getMessage())


class RedactingFilter(logging.Filter):
    """For handlers: also scrubs the formatted traceback text, which ``getMessage`` does not cover."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


_installed = False


def install() -> None:
    """Make every log record redact itself; idempotent."""
    global _installed
    if _installed:
        return
    base = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if type(record) is logging.LogRecord:
            record.__class__ = _RedactedRecord
        else:  # someone else's record class: format now, redacted
            record.msg, record.args = scrub(record.getMessage()), None
        return record

    logging.setLogRecordFactory(factory)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())
    _installed = True


# Fields an access line carries beside the message (``extra=`` of the web app's log call).
ACCESS_FIELDS = ("surface", "route", "method", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time``, ``level``, ``logger``, ``message``, ``request_id``, and an access
    line's fields. The message is the redacted one (the record scrubs itself); so is a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(self.formatException(record.exc_info))
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


_ours: logging.Handler | None = None


def configure(settings: LogSettings, *, stream: IO[str] | None = None) -> None:
    """Our handler on the root logger (replacing the one an earlier call added), text or JSON, at the
    configured level; redaction installed."""
    global _ours
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    if _ours is not None:
        root.removeHandler(_ours)
    root.addHandler(handler)
    root.setLevel(settings.level)
    _ours = handler
    install()
