"""A redemption request as it travels through Slack: typed once, encoded once, decoded once.

Typed as ``/joan redeem CODE ACCOUNT [renews=BLOCK|new]``, it goes out in the Confirm and Preview buttons'
value and in the confirm modal's ``private_metadata`` (``encode``/``decode``), and the modal's renewal radio
carries only the block to renew (``renewal_value``/``chosen_renewal``). Whatever comes back is only a request, never a
permission: billing authorizes it again from the person who clicked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TypeGuard

from billing import NOT_CHOSEN, InvalidInput, RenewalChoice

NEW_LICENSES = "new"  # the radio option for "new licenses, no renewal"


class UnreadableRequest(InvalidInput):
    """A button value, modal metadata or radio value that none of our builders wrote."""

    code = "unreadable_request"

    def __init__(self) -> None:
        super().__init__("that request is not one of mine: start again with /joan redeem")


@dataclass(frozen=True)
class RedeemRequest:
    code: str  # as typed: billing reads it into the canonical code, once per attempt
    account: str
    # The cohort (license block) to renew; None for new licenses; NOT_CHOSEN until the person says which.
    renews: RenewalChoice = NOT_CHOSEN

    def renewing(self, renews: RenewalChoice) -> RedeemRequest:
        return replace(self, renews=renews)

    @property
    def chosen(self) -> bool:
        return self.renews is not NOT_CHOSEN

    def encode(self) -> str:
        fields: dict[str, object] = {"c": self.code, "a": self.account}
        if self.renews is not NOT_CHOSEN:
            fields["r"] = self.renews  # absent: not chosen
        return json.dumps(fields, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None) -> RedeemRequest:
        try:
            data = json.loads(text or "")
        except ValueError:
            raise UnreadableRequest() from None
        if not isinstance(data, dict):
            raise UnreadableRequest()
        code, account, renews = data.get("c"), data.get("a"), data.get("r", NOT_CHOSEN)
        if not isinstance(code, str) or not isinstance(account, str) or not _renews(renews):
            raise UnreadableRequest()
        return cls(code, account, renews)


def _renews(value: object) -> TypeGuard[RenewalChoice]:
    return value is None or value is NOT_CHOSEN or (isinstance(value, int) and not isinstance(value, bool))


def renewal_value(renews: int | None) -> str:
    """The radio option's value for renewing cohort ``renews`` (None: new licenses)."""
    return NEW_LICENSES if renews is None else str(renews)


def chosen_renewal(value: str) -> int | None:
    """The cohort a radio value names (None: new licenses)."""
    if value == NEW_LICENSES:
        return None
    if not value.isascii() or not value.isdigit():
        raise UnreadableRequest()
    return int(value)
