"""The billing core's error tree.

Every anticipated failure is a small class with a stable ``code``; the outer layers own the wording shown
to people (a Slack field error, a CLI line). ``str(error)`` is an operator-facing English sentence.
"""

from __future__ import annotations

from typing import Any, ClassVar


class BillingError(Exception):
    """Base class: bad input or a rule that refuses the request. Nothing was changed."""

    code: ClassVar[str] = "billing_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(BillingError):
    code = "not_found"


class InvalidInput(BillingError):
    code = "invalid_input"


class PermissionDenied(BillingError):
    code = "permission_denied"


class Conflict(BillingError):
    code = "conflict"
