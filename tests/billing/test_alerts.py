import contextlib
from datetime import date

from billing import codeformat
from billing.codes import UnknownCode
from tests.billing.builders import account, code, licenses, redeem, reseller
from tests.conftest import STAFF, at


def _open(billing):
    return sorted((a.kind, a.subject_key, a.version) for a in billing.alerts.open_alerts(actor=STAFF))


def test_a_lapsed_cohort_opens_an_alert_that_resolves_when_renewed(billing):
    account(billing, now=at("2024-01-01"))
    old = licenses(billing, now=at("2024-01-01"))
    assert billing.alerts.sweep(now=at("2024-12-31")).opened == 0
    changes = billing.alerts.sweep(now=at("2025-01-01"))
    assert changes.opened == 1
    assert _open(billing) == [("lapsed", f"cohort:{old.cohort_id}", 1)]
    assert billing.alerts.sweep(now=at("2025-01-02")).opened == 0  # posted once, not every day

    redeem(billing, code(billing, now=at("2025-01-05")), now=at("2025-01-05"), renews=old.cohort_id)
    assert billing.alerts.sweep(now=at("2025-01-05")).resolved == 1
    assert _open(billing) == []


def _capacity_alerts(billing):
    return [a for a in billing.alerts.open_alerts(actor=STAFF) if a.kind == "over_capacity"]


def test_over_capacity_opens_says_by_how_much_and_reopens_as_a_new_alert(billing):
    account(billing, now=at("2024-01-01"))
    licenses(billing, units=2, months=1, now=at("2024-01-01"))
    licenses(billing, units=1, months=12, now=at("2024-01-01"))
    for device in ("a", "b", "c"):
        billing.assignments.assign(account="acme", solution="room", subject=device, actor=STAFF, now=at("2024-01-02"))
    billing.alerts.sweep(now=at("2024-02-01"))  # the 2-license block lapsed: 3 devices on 1 license
    (alert,) = _capacity_alerts(billing)
    assert alert.details["over_by"] == 2

    billing.assignments.unassign(account="acme", solution="room", subject="c", actor=STAFF, now=at("2024-02-02"))
    assert billing.alerts.sweep(now=at("2024-02-02")).updated == 1
    (updated,) = _capacity_alerts(billing)
    assert (updated.id, updated.details["over_by"], updated.version) == (alert.id, 1, 2)

    billing.assignments.unassign(account="acme", solution="room", subject="b", actor=STAFF, now=at("2024-02-03"))
    billing.alerts.sweep(now=at("2024-02-03"))
    assert _capacity_alerts(billing) == []

    licenses(billing, units=2, months=1, now=at("2024-02-04"))
    for device in ("b", "c"):
        billing.assignments.assign(account="acme", solution="room", subject=device, actor=STAFF, now=at("2024-02-04"))
    billing.alerts.sweep(now=at("2024-03-05"))  # the new block lapsed too: the condition is back
    (again,) = _capacity_alerts(billing)
    assert again.id != alert.id and again.details["over_by"] == 2


def test_repeated_failed_redemptions_raise_an_alert(billing):
    account(billing, now=at("2024-01-01"))
    for _ in range(5):
        with contextlib.suppress(UnknownCode):
            redeem(billing, codeformat.grouped(codeformat.generate()), now=at("2024-01-02"))
    billing.alerts.sweep(now=at("2024-01-02", hour=13))
    assert [(a.kind, a.details["failures"]) for a in billing.alerts.open_alerts(actor=STAFF)] == [
        ("failed_redemptions", 5)
    ]
    assert billing.alerts.sweep(now=at("2024-01-04")).resolved == 1


def test_a_reseller_code_near_its_redeem_by_date_raises_an_alert_until_redeemed(billing):
    reseller(billing, now=at("2024-01-01"))
    account(billing, reseller="northwind", now=at("2024-01-01"))
    text = code(billing, now=at("2024-01-01"), reseller="northwind", redeem_by=date(2024, 2, 1))
    assert billing.alerts.sweep(now=at("2024-01-24")).opened == 0
    assert billing.alerts.sweep(now=at("2024-01-25")).opened == 1
    redeem(billing, text, now=at("2024-01-26"))
    assert billing.alerts.sweep(now=at("2024-01-26")).resolved == 1


def test_acknowledging_bumps_the_version_once_and_resellers_see_only_their_own(billing):
    from billing.actors import Actor

    reseller(billing, "northwind", now=at("2024-01-01"))
    reseller(billing, "southwind", now=at("2024-01-01"))
    account(billing, "acme", reseller="northwind", now=at("2024-01-01"))
    licenses(billing, account_slug="acme", now=at("2024-01-01"))
    billing.alerts.sweep(now=at("2025-01-01"))
    south = Actor(ref="s", role="reseller", reseller_id=billing.resellers.get_reseller(slug="southwind").id)
    north = Actor(ref="n", role="reseller", reseller_id=billing.resellers.get_reseller(slug="northwind").id)
    assert billing.alerts.open_alerts(actor=south) == []
    (alert,) = billing.alerts.open_alerts(actor=north)
    acknowledged = billing.alerts.acknowledge(alert_id=alert.id, actor=north, now=at("2025-01-01", hour=13))
    assert (acknowledged.acknowledged_by, acknowledged.version) == ("n", 2)
    import pytest

    from billing.alerts import AlertAlreadyAcknowledged, AlertNotFound

    with pytest.raises(AlertNotFound):
        billing.alerts.acknowledge(alert_id=alert.id, actor=south, now=at("2025-01-01", hour=14))
    with pytest.raises(AlertAlreadyAcknowledged):
        billing.alerts.acknowledge(alert_id=alert.id, actor=north, now=at("2025-01-01", hour=14))


def _failing_message(billing, key, *, error, unreachable):
    """A message to channel C1 whose last attempt failed, as the delivery side reported it."""
    from billing.models import OutboxMessage
    from billing.models.outbox import DeliveryFailure

    failure = DeliveryFailure.UNREACHABLE if unreachable else DeliveryFailure.RETRYABLE
    with billing.db.write() as session:
        session.add(
            OutboxMessage(
                dedupe_key=key,
                channel_id="C1",
                payload={},
                next_attempt_at=at("2024-01-01"),
                created_at=at("2024-01-01"),
                last_error=error,
                failure=failure,
            )
        )


def test_a_channel_is_unreachable_when_the_delivery_side_says_so_whatever_the_error_text(billing):
    _failing_message(billing, "retry", error="ratelimited", unreachable=False)
    assert billing.alerts.sweep(now=at("2024-01-02")).opened == 0

    _failing_message(billing, "gone", error="some_new_chat_error", unreachable=True)
    assert billing.alerts.sweep(now=at("2024-01-02")).opened == 1
    assert _open(billing) == [("channel_unreachable", "channel:C1", 1)]


def test_over_capacity_is_decided_on_the_accounts_own_date_like_the_lapsed_alert(billing):
    account(billing, tz="Pacific/Auckland", now=at("2024-01-01"))
    licenses(billing, units=2, now=at("2024-01-01", hour=0))  # 1 Jan 2024 in Auckland: renewing 1 Jan 2025
    for device in ("a", "b"):
        billing.assignments.assign(account="acme", solution="room", subject=device, actor=STAFF, now=at("2024-01-02"))

    billing.alerts.sweep(now=at("2024-12-31", hour=12))  # 1 Jan 2025, 01:00 in Auckland: the block lapsed there

    assert sorted(a.kind for a in billing.alerts.open_alerts(actor=STAFF)) == ["lapsed", "over_capacity"]
    (alert,) = _capacity_alerts(billing)
    assert alert.details["over_by"] == 2


def test_an_account_behind_utc_is_not_over_capacity_before_its_own_renewal_date(billing):
    account(billing, tz="America/Los_Angeles", now=at("2024-01-01"))
    licenses(billing, units=2, now=at("2024-01-01", hour=20))  # 1 Jan 2024 there: renewing 1 Jan 2025
    for device in ("a", "b"):
        billing.assignments.assign(account="acme", solution="room", subject=device, actor=STAFF, now=at("2024-01-02"))

    billing.alerts.sweep(now=at("2025-01-01", hour=3))  # still 31 Dec 2024 in Los Angeles

    assert billing.alerts.open_alerts(actor=STAFF) == []
