"""What an operator watches: the metrics on their own port, parsed as Prometheus does, and the JSON log lines,
after known traffic through a real uvicorn server."""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from billing.models import OutboxMessage
from bot import logsafe
from bot.assembly import assemble
from bot.sandbox.standin import SlackStandIn
from bot.serving import serving
from bot.settings import LogSettings
from tests.billing.builders import account, code
from tests.bot import serve_harness as harness
from tests.conftest import STAFF


def _scrape(port: int) -> dict[str, list[tuple[dict[str, str], float]]]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def _value(samples: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    return sum(value for found, value in samples.get(name, []) if all(found.get(k) == v for k, v in labels.items()))


@pytest.fixture
def served(database_url):
    """``joanbot serve``'s app with metrics on their own port, a portal key and the stand-in."""
    metrics_port = harness.free_port()
    with SlackStandIn() as standin:
        runtime, server = harness.runtime(database_url, standin.url, JOANBOT_METRICS_PORT=str(metrics_port))
        billing = runtime.billing
        now = runtime.clock()
        account(billing, "acme", now=now)
        key = billing.api_keys.create(name="portal", scope="portal", read_only=False, actor=STAFF, now=now).key
        with serving(assemble(runtime, server)) as base:
            yield base, metrics_port, key, runtime, standin


def test_metrics_count_exactly_the_traffic_sent_by_route_template_never_a_raw_slug(served):
    base, port, key, runtime, standin = served
    auth = {"Authorization": f"Bearer {key}"}
    with runtime.billing.db.write() as session:
        session.execute(
            insert(OutboxMessage).values(
                dedupe_key="metrics-test",
                channel_id="CNOWHERE",
                payload={},
                state="pending",
                attempts=0,
                outcome_unknown=False,
                next_attempt_at=runtime.clock() + timedelta(days=1),
                created_at=runtime.clock() - timedelta(minutes=20),
            )
        )
    for _ in range(3):
        assert httpx.get(f"{base}/healthz").status_code == 200
    for _ in range(2):
        assert httpx.get(f"{base}/api/v1/accounts/acme", headers=auth).status_code == 200
    assert httpx.get(f"{base}/api/v1/accounts/secret-customer", headers=auth).status_code == 404
    refused = httpx.post(f"{base}/api/v1/accounts/acme/redemptions", headers=auth, json={"code": "JOAN-NOPE"})
    assert refused.status_code in (404, 422)
    valid = code(runtime.billing, now=runtime.clock())
    assert httpx.post(f"{base}/api/v1/accounts/acme/redemptions", headers=auth, json={"code": valid}).is_success
    body, headers = harness.signed_help(standin.response_url("m"))
    while httpx.get(f"{base}/readyz").json()["slack"] != "ok":
        time.sleep(0.1)
    assert httpx.post(f"{base}/slack/events", content=body, headers=headers).status_code == 200

    samples = _scrape(port)

    total = "joanbot_http_requests_total"
    health = {"surface": "health", "route": "/healthz", "method": "GET", "status": "200"}
    assert _value(samples, total, **health) == 3
    account_route = {"surface": "api", "route": "/api/v1/accounts/{account}", "method": "GET"}
    assert _value(samples, total, **account_route, status="200") == 2
    assert _value(samples, total, **account_route, status="404") == 1
    assert _value(samples, total, surface="slack", route="/slack/events", method="POST", status="200") == 1
    assert _value(samples, "joanbot_http_request_duration_seconds_count", surface="health", route="/healthz") == 3
    assert _value(samples, "joanbot_redemptions_total", door="api", result="ok") == 1
    assert _value(samples, "joanbot_redemptions_total", door="api") == 2
    assert _value(samples, "joanbot_outbox_messages", kind="slack", state="pending") == 1
    assert _value(samples, "joanbot_outbox_oldest_pending_seconds", kind="slack") >= 20 * 60
    assert {labels["kind"] for labels, _ in samples["joanbot_outbox_oldest_pending_seconds"]} >= {
        "slack",
        "email",
        "webhook",
    }
    deadline = time.monotonic() + 20
    while _value(_scrape(port), "joanbot_sweep_runs_total") < 1:  # the lifespan's sweep, run at start
        assert time.monotonic() < deadline
        time.sleep(0.2)
    samples = _scrape(port)
    assert _value(samples, "joanbot_sweep_runs_total", result="ok") == 1
    assert _value(samples, "joanbot_sweep_last_success_timestamp_seconds") > 0
    labels = [value for series in samples.values() for found, _ in series for value in found.values()]
    assert not [value for value in labels if "acme" in value or "secret-customer" in value]


def test_json_logs_one_object_a_line_one_access_line_per_request_and_no_code_or_key(served):
    base, _port, key, runtime, _standin = served
    stream = io.StringIO()
    logsafe.configure(LogSettings(level="INFO", format="json"), stream=stream)
    try:
        valid = code(runtime.billing, now=runtime.clock())
        auth = {"Authorization": f"Bearer {key}", "X-Request-Id": "req-42"}
        sent = [
            httpx.get(f"{base}/healthz"),
            httpx.get(f"{base}/api/v1/accounts/acme", headers=auth),
            httpx.post(f"{base}/api/v1/accounts/acme/redemptions", headers=auth, json={"code": valid}),
            httpx.post(f"{base}/api/v1/accounts/acme/redemptions", headers=auth, json={"code": valid}),
            httpx.get(f"{base}/api/v1/accounts/acme", headers={"Authorization": f"Bearer {key}x"}),
        ]
        time.sleep(0.2)
    finally:
        logsafe.configure(LogSettings())
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]  # every line parses

    access = [line for line in lines if line["logger"] == "joanbot.access"]
    assert len(access) == len(sent)
    for line in access:
        assert {"time", "level", "logger", "message", "request_id", "surface", "route", "method", "status"} <= set(line)
        assert line["level"] == "INFO" and isinstance(line["duration_ms"], float)
    assert [line["status"] for line in access] == [response.status_code for response in sent]
    assert access[1]["request_id"] == "req-42" and sent[1].headers["x-request-id"] == "req-42"
    assert sent[3].json()["request_id"] == "req-42"  # the refusal's problem body names the request
    text = stream.getvalue()
    assert valid not in text and valid.replace("-", "") not in text
    assert key not in text and key[:12] not in text


@pytest.mark.parametrize("setting", ["JOANBOT_LOG_FORMAT", "JOANBOT_LOG_LEVEL"])
def test_a_bad_log_setting_is_refused_by_name(setting):
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match=setting):
        LogSettings.from_env({setting: "LOUD"})
