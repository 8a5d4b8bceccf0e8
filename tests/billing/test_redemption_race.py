"""Single use under concurrency: 16 workers, each on its own connection, race to redeem one code."""

import threading

import pytest
from sqlalchemy import func, select

from billing import BillingError
from billing.actors import Actor
from billing.models import Cohort, Redemption
from tests.billing.builders import account, code
from tests.conftest import at

WORKERS = 16
TRIALS = 10


def _race(billing, text, accounts):
    barrier = threading.Barrier(WORKERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        actor = Actor(ref=f"slack:THOME/U{n}", role="sales")
        barrier.wait()
        try:
            billing.redemptions.redeem(
                code=text, account=accounts[n % len(accounts)], actor=actor, now=at("2024-01-02")
            )
            outcome = "redeemed"
        except BillingError as error:
            outcome = error.code
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.slow
def test_sixteen_workers_racing_to_redeem_one_code_produce_exactly_one_cohort_trial_after_trial(billing):
    account(billing, "acme", now=at("2024-01-01"))
    account(billing, "globex", now=at("2024-01-01"))
    for trial in range(TRIALS):
        text = code(billing, units=trial + 1, now=at("2024-01-01"))
        outcomes = _race(billing, text, ["acme", "globex"])
        assert outcomes.count("redeemed") == 1, (trial, outcomes)
        assert set(outcomes) - {"redeemed"} <= {"code_already_redeemed"}, outcomes
        assert len(outcomes) == WORKERS
    with billing.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Cohort)) == TRIALS
        assert session.scalar(select(func.count()).select_from(Redemption)) == TRIALS
        assert session.scalar(select(func.count(func.distinct(Redemption.code_id)))) == TRIALS


def test_the_database_refuses_a_second_redemption_row_even_without_the_python_checks(billing):
    """The UNIQUE(code_id) backstop, hit directly."""
    from sqlalchemy.exc import IntegrityError

    account(billing, now=at("2024-01-01"))
    receipt = billing.redemptions.redeem(
        code=code(billing, now=at("2024-01-01")),
        account="acme",
        actor=Actor(ref="x", role="sales"),
        now=at("2024-01-02"),
    )
    with pytest.raises(IntegrityError), billing.db.write() as session:
        first = session.get(Redemption, receipt.redemption_id)
        session.add(
            Redemption(
                code_id=first.code_id,
                account_id=first.account_id,
                redeemed_by="y",
                on_behalf=True,
                redeemed_at=at("2024-01-03"),
            )
        )
        session.flush()
