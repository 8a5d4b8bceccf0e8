"""The poster: drains the outbox into Slack, exactly once per message.

- Never inside a database transaction: claim (short transaction), call Slack, record (short transaction).
- About one message per second per channel (the outbox paces claims), any number of posters at once.
- 429: the message goes back with ``Retry-After``; the poster does not sleep on it.
- slack_sdk's default client re-sends a post after a dropped connection, a duplicate nobody sees: this
  client has no retry handlers. Instead every post carries message metadata with its outbox key, and
  after an uncertain outcome (a timeout, a 5xx, a crash after posting) the poster looks the message up
  by that key in the channel's history before posting again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from billing import AlertNotFound, Billing, Claim, outbox_drain
from handlers import notices

# Slack errors that mean the channel itself cannot be posted to: the outbox is told, and billing alerts sales.
UNREACHABLE_ERRORS = ("not_in_channel", "channel_not_found", "is_archived")

log = logging.getLogger("joanbot.poster")

METADATA_EVENT = "joanbot_notice"
RECONCILE_LOOKBACK = timedelta(seconds=60)
MAX_BACKOFF = timedelta(minutes=30)

Clock = Callable[[], datetime]


def posting_client(token: str, base_url: str | None = None, timeout: int = 10) -> WebClient:
    """A WebClient that never retries on its own (see the module docstring)."""
    kwargs: dict[str, Any] = {"token": token, "timeout": timeout, "retry_handlers": []}
    if base_url:
        kwargs["base_url"] = base_url
    return WebClient(**kwargs)


RETRY_BASE_SECONDS = 5.0


def backoff(attempts: int, base: float = RETRY_BASE_SECONDS) -> timedelta:
    """Exponential with jitter: 5 s, 10 s, 20 s ... up to 30 min."""
    seconds = min(MAX_BACKOFF.total_seconds(), base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * (0.8 + 0.4 * random.random()))


class Poster:
    def __init__(
        self, billing: Billing, client: WebClient, *, clock: Clock, retry_base: float = RETRY_BASE_SECONDS
    ) -> None:
        self.billing = billing
        self.client = client
        self.clock = clock  # the composition root's clock, so a simulation moves the poster's time too
        self.retry_base = retry_base

    # -- rendering: fresh at send time, so a renewed cohort or a resolved alert is said as it is now --

    def render(self, claim: Claim) -> tuple[dict[str, Any], str | None] | str:
        """The message to send, and the ts to edit (for edits); or why there is nothing left to say."""
        payload, now = claim.payload, self.clock()
        if payload["kind"] == "reminders":
            views = self.billing.reminders.views_to_post(notice_ids=payload["notice_ids"], now=now)
            to_send = [v for v in views if v.to_send]
            if not to_send:
                dropped = sorted({v.dropped.words for v in views if v.dropped is not None})
                return "nothing left to say" + (f": {', '.join(dropped)}" if dropped else "")
            return notices.reminder_digest(to_send, note=payload.get("note")), None
        try:
            alert = self.billing.alerts.get(alert_id=int(payload["alert_id"]))
        except AlertNotFound:
            return "nothing left to say"
        message = notices.alert_message(alert, note=payload.get("note"))
        if payload["kind"] == "alert_edit":
            return (message, alert.message_ts) if alert.message_ts else "nothing left to say"
        return message, None

    # -- the loop --------------------------------------------------------------------------------------

    def post_one(self) -> bool | None:
        """Claim and deliver one message: None when nothing could be claimed right now, else whether it is
        now in Slack."""
        claim = self.billing.outbox.claim(now=self.clock())
        if claim is None:
            return None
        return self.deliver(claim)

    def drain(
        self, *, until: datetime | None = None, sleep: Callable[[float], object] = time.sleep, max_wait: float = 5.0
    ) -> int:
        """Post until the outbox is empty (or ``until`` passes), sleeping while channels are paced. Returns how
        many messages Slack took (not the attempts, which may fail)."""
        return outbox_drain.drain(
            self.post_one,
            self.billing.outbox.next_ready_at,
            clock=self.clock,
            sleep=sleep,
            until=until,
            max_wait=max_wait,
        )

    def deliver(self, claim: Claim) -> bool:
        """Post (or edit) one claimed message; True when it is in Slack now."""
        outbox = self.billing.outbox
        rendered = self.render(claim)
        if isinstance(rendered, str):
            outbox.cancel(claim, now=self.clock(), reason=rendered)
            return False
        message, edit_ts = rendered
        try:
            if edit_ts is not None:
                self.client.chat_update(channel=claim.channel_id, ts=edit_ts, **message)
                outbox.finish(claim, now=self.clock(), ts=edit_ts)
                return True
            if claim.must_reconcile:
                found = self._find_posted(claim)
                if found is not None:
                    log.info("outbox %s was already posted (ts %s): not posting again", claim.dedupe_key, found)
                    outbox.finish(claim, now=self.clock(), ts=found)
                    return True
            response = self.client.chat_postMessage(
                channel=claim.channel_id,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": claim.dedupe_key}},
                unfurl_links=False,
                **message,
            )
            if not outbox.finish(claim, now=self.clock(), ts=str(response["ts"])):
                log.warning("outbox %s: claim lost after posting; the next claimant will find it", claim.dedupe_key)
            return True
        except SlackApiError as error:
            self._failed(claim, error)
        except (URLError, TimeoutError, ConnectionError, OSError) as error:
            log.warning("outbox %s: outcome unknown (%s); will reconcile", claim.dedupe_key, type(error).__name__)
            delay = backoff(claim.attempts, self.retry_base)
            outbox.retry_later(claim, now=self.clock(), delay=delay, error=type(error).__name__, outcome_unknown=True)
        return False

    def _failed(self, claim: Claim, error: SlackApiError) -> None:
        response = error.response
        status = response.status_code
        code = str(response.get("error") or f"http_{status}")
        now = self.clock()
        if status == 429:
            retry_after = float(response.headers.get("Retry-After", response.headers.get("retry-after", 1)))
            delay = timedelta(seconds=retry_after + random.random() * 0.5)
            log.info("outbox %s: rate limited, back in %.1fs", claim.dedupe_key, delay.total_seconds())
            self.billing.outbox.retry_later(claim, now=now, delay=delay, error="ratelimited")
            return
        uncertain = status >= 500
        delay = backoff(claim.attempts, self.retry_base)
        unreachable = code in UNREACHABLE_ERRORS
        state = self.billing.outbox.retry_later(
            claim, now=now, delay=delay, error=code, outcome_unknown=uncertain, unreachable=unreachable
        )
        level = logging.ERROR if state == "dead" or unreachable else logging.WARNING
        log.log(
            level,
            "outbox %s to %s failed: %s (attempt %d, now %s)",
            claim.dedupe_key,
            claim.channel_id,
            code,
            claim.attempts,
            state,
        )

    def _find_posted(self, claim: Claim) -> str | None:
        """The ts of a message already posted for this claim, found by its metadata key, or None."""
        oldest = (claim.first_claimed_at - RECONCILE_LOOKBACK).timestamp()
        cursor: str | None = None
        while True:
            page = self.client.conversations_history(
                channel=claim.channel_id, oldest=f"{oldest:.6f}", limit=200, include_all_metadata=True, cursor=cursor
            )
            messages: list[dict[str, Any]] = page.get("messages", [])
            for message in messages:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("key") == claim.dedupe_key:
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
