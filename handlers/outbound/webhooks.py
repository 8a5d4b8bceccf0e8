"""The webhook deliverer: drains the outbox's webhooks into signed POSTs, as the poster drains Slack posts.

- Claims a batch under one fenced lease (``billing.webhook_outbox``), never inside a transaction while it
  POSTs, and never starts a POST that its lease might not outlast (the rest of the batch goes back).
- Each POST follows Standard Webhooks: ``webhook-id`` (the event's id, the same on every attempt),
  ``webhook-timestamp`` (the wall clock at the attempt) and ``webhook-signature`` made by the
  ``standardwebhooks`` library, one ``v1,`` signature per live secret (two for 24 h after a rotation).
- Before each POST the host is resolved and every address checked (``billing.webhook_urls``); the request
  goes to the checked address (TLS still verifies the host name), so DNS cannot move it inside.
- A 2xx is delivered. Anything else, a timeout (10 s) or a dropped connection is retried with exponential
  backoff and jitter for three days; any number of deliverers may run at once.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks import Webhook

from billing import (
    Billing,
    OutboxMedium,
    Resolver,
    WebhookClaim,
    WebhookUrlRefused,
    checked_addresses,
    outbox_drain,
    system_resolver,
)
from billing import parse_webhook_url as parse

log = logging.getLogger("joanbot.webhooks")

Clock = Callable[[], datetime]
TIMEOUT_SECONDS = 10.0
RETRY_BASE_SECONDS = 5.0
MAX_BACKOFF = timedelta(hours=6)
RESOLVED_FOR = 30.0  # seconds a checked resolution is reused within a run of deliveries
USER_AGENT = "joanbot-webhooks/1"


def backoff(attempts: int, base: float = RETRY_BASE_SECONDS) -> timedelta:
    """Exponential with jitter: 5 s, 10 s, 20 s ... up to 6 hours (about 22 attempts in three days)."""
    seconds = min(MAX_BACKOFF.total_seconds(), base * 2 ** max(0, attempts))
    return timedelta(seconds=seconds * (0.8 + 0.4 * random.random()))


def signature(secrets_: tuple[str, ...] | list[str], webhook_id: str, at: datetime, body: str) -> str:
    """The ``webhook-signature`` header: a ``v1,`` signature per secret, space-separated."""
    return " ".join(Webhook(secret).sign(webhook_id, at, body) for secret in secrets_)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    said: str  # the status code, or what went wrong


class Deliverer:
    def __init__(
        self,
        billing: Billing,
        *,
        clock: Clock,
        sales_channel: str | None = None,
        timeout: float = TIMEOUT_SECONDS,
        retry_base: float = RETRY_BASE_SECONDS,
        resolve: Resolver = system_resolver,
        wall: Callable[[], float] = time.time,
        batch: int = 100,
        verify: bool | str = True,
    ) -> None:
        self.billing = billing
        self.clock = clock
        self.sales_channel = sales_channel
        self.timeout = timeout
        self.retry_base = retry_base
        self.batch = batch
        self._resolve = resolve
        self._wall = wall  # the signature's timestamp is real time, whatever the business clock says
        self._resolved: dict[tuple[str, int], tuple[float, str]] = {}
        self._client = httpx.Client(timeout=timeout, verify=verify, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    # -- the loop ----------------------------------------------------------------------------------------

    def drain(
        self, *, until: datetime | None = None, sleep: Callable[[float], object] = time.sleep, max_wait: float = 5.0
    ) -> int:
        """Deliver until nothing is ready (or ``until`` passes), sleeping through backoffs."""
        return outbox_drain.drain(
            self.deliver_batch,
            lambda: self.billing.outbox.next_ready_at(medium=OutboxMedium.WEBHOOK),
            clock=self.clock,
            sleep=sleep,
            until=until,
            max_wait=max_wait,
        )

    def deliver_batch(self) -> int | None:
        """Claim a batch and attempt each delivery in it: None when nothing could be claimed, else how many the
        receivers took."""
        lease = self.billing.settings.outbox_lease
        claims = self.billing.webhook_deliveries.claim(now=self.clock(), lease=lease, limit=self.batch)
        delivered: list[WebhookClaim] = []
        for index, claim in enumerate(claims):
            if self.clock() + timedelta(seconds=self.timeout + 1) >= claim.lease_until:
                self.billing.webhook_deliveries.release(claims[index:], now=self.clock())
                break
            outcome = self.post(claim)
            if outcome.ok:
                delivered.append(claim)
            else:
                self._failed(claim, outcome.said)
        self.billing.webhook_deliveries.delivered(delivered, now=self.clock())
        return len(delivered) if claims else None

    def _failed(self, claim: WebhookClaim, said: str) -> None:
        delay = backoff(claim.attempts, self.retry_base)
        state = self.billing.webhook_deliveries.attempt_failed(
            claim, now=self.clock(), delay=delay, error=said, sales_channel=self.sales_channel
        )
        level = logging.ERROR if state == "failed" else logging.WARNING
        log.log(
            level,
            "webhook %s to %s: %s (attempt %d, now %s)",
            claim.webhook_id,
            claim.endpoint,
            said,
            claim.attempts + 1,
            state,
        )

    # -- one POST ----------------------------------------------------------------------------------------

    def post(self, claim: WebhookClaim) -> Outcome:
        return self.send(claim.url, claim.secrets, claim.webhook_id, claim.body)

    def send(self, url: str, secrets_: tuple[str, ...] | list[str], webhook_id: str, body: str) -> Outcome:
        at = datetime.fromtimestamp(int(self._wall()), UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature(secrets_, webhook_id, at, body),
        }
        try:
            pinned, extensions, host_header = self._pinned(url)
            headers["host"] = host_header
            response = self._client.post(pinned, content=body.encode(), headers=headers, extensions=extensions)
        except WebhookUrlRefused as refused:
            return Outcome(False, f"refused: {refused}")
        except httpx.TimeoutException:
            return Outcome(False, f"no answer within {self.timeout:g} s")
        except (httpx.HTTPError, OSError) as error:
            return Outcome(False, f"{type(error).__name__}: {error}"[:200])
        if 200 <= response.status_code < 300:
            return Outcome(True, str(response.status_code))
        return Outcome(False, f"HTTP {response.status_code}")

    def _pinned(self, url: str) -> tuple[str, dict[str, object], str]:
        """The URL with its host replaced by a checked address, the TLS name to verify, and the Host header."""
        target = parse(url, allow_http=self.billing.webhooks.allow_http)
        key, now = (target.host, target.port), time.monotonic()
        cached = self._resolved.get(key)
        if cached is None or now - cached[0] > RESOLVED_FOR:
            cached = self._resolved[key] = (now, checked_addresses(target, resolve=self._resolve)[0])
        address = cached[1]
        parts = urlsplit(target.url)
        netloc = f"[{address}]:{target.port}" if ":" in address else f"{address}:{target.port}"
        default_port = 443 if target.scheme == "https" else 80
        host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
        extensions: dict[str, object] = {"sni_hostname": target.host} if target.scheme == "https" else {}
        return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), extensions, host_header

    # -- ``joanbot webhooks test`` --------------------------------------------------------------------------

    def test(self, name: str) -> Outcome:
        """POST a signed ``webhook.test`` event to an endpoint now, outside the outbox and the event log."""
        endpoint = self.billing.webhooks.endpoint(name=name)
        now = self.clock()
        webhook_id = f"evt_test_{secrets.token_hex(8)}"
        body = {"id": webhook_id, "type": "webhook.test", "created_at": now.isoformat(), "data": {"endpoint": name}}
        text = json.dumps(body, separators=(",", ":"))
        return self.send(endpoint.url, self.billing.webhooks.signing_secrets(endpoint, now=now), webhook_id, text)
