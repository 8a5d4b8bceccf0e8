from billing import Billing
from handlers.outbound.webhooks import Deliverer
from tests.billing.builders import account, licenses
from tests.conftest import at
from tests.webhooks.receiver import Receiver


def test_a_redemption_reaches_the_receiver_signed(hooks: Billing, receiver: Receiver, deliverer: Deliverer, clock):
    account(hooks, now=at("2026-03-01"))
    licenses(hooks, units=7, now=clock())
    assert deliverer.drain(sleep=lambda s: None) == 2
    assert receiver.types() == ["code.redeemed", "licenses.added"]
    assert receiver.of_type("licenses.added")[0]["data"]["units"] == 7
    assert receiver.unverified == []
