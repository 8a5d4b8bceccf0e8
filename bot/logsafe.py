"""Log redaction: no code-shaped text, no Slack token and no API key reaches any log line.

Bolt logs a whole request body at INFO when a signature check fails, and a code typed into ``/joan`` would
ride along. Redaction therefore happens where every record is made (the record factory), so it holds for
every logger and handler, including ones added later (a test's capture, a log shipper).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from billing import STARTS_A_WORD, redact

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
