"""Who is acting, and what that lets them see.

The outer layer decides who someone is (their Slack team and user, or the operator at the CLI); the
billing core decides what that identity may touch. A reseller member sees only their reseller's
accounts; an account they may not see does not exist for them (``AccountNotFound``, never "forbidden").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from billing.errors import PermissionDenied

Role = Literal["admin", "sales", "reseller", "operator", "system", "portal"]
STAFF_ROLES: frozenset[Role] = frozenset({"admin", "sales", "operator"})


class NotAllowed(PermissionDenied):
    code = "not_allowed"


@dataclass(frozen=True)
class Actor:
    """``ref`` is what the audit log records, e.g. ``slack:T0001/U0001`` or ``cli:alice``."""

    ref: str
    role: Role
    reseller_id: int | None = None
    on_behalf_of: str | None = None  # the end user an API client names; the audit log records it too
    # An API key: one identity that may serve every customer (the Portal's one key), so its failed
    # redemptions count per account it tries, never across them.
    shared: bool = False

    def __post_init__(self) -> None:
        if (self.role == "reseller") != (self.reseller_id is not None):
            raise ValueError("a reseller member needs a reseller id, and only they have one")

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role in ("admin", "operator")

    @property
    def person(self) -> str:
        """Who the redemption rate limit counts: an API client's end user apart from the key's other users
        (one portal key serves every customer), by a digest that fits the attempts table."""
        if self.on_behalf_of is None:
            return self.ref
        return f"{self.ref}/{hashlib.sha256(self.on_behalf_of.encode()).hexdigest()[:16]}"

    @property
    def sees_every_account(self) -> bool:
        """Staff, the system and a ``portal`` API key; a portal key still holds no staff-only right."""
        return self.is_staff or self.role in ("system", "portal")

    def may_see_account(self, account_reseller_id: int | None) -> bool:
        return self.sees_every_account or (self.reseller_id is not None and self.reseller_id == account_reseller_id)

    def require_staff(self, what: str) -> None:
        if not self.is_staff:
            raise NotAllowed(f"only the vendor's staff may {what}")

    def require_staff_or_portal(self, what: str) -> None:
        """Buying more licenses: staff, or the Portal acting for the customer."""
        if not (self.is_staff or self.role == "portal"):
            raise NotAllowed(f"only the vendor's staff or the Portal may {what}")

    def require_admin(self, what: str) -> None:
        if not self.is_admin:
            raise NotAllowed(f"only admins may {what}")


SYSTEM = Actor(ref="system", role="system")


def operator(name: str) -> Actor:
    """The person at the ops CLI: full rights, recorded by their login name."""
    return Actor(ref=f"cli:{name}", role="operator")
