"""The billing core: catalog, accounts, pre-paid codes, license cohorts, renewals. Free of Slack."""

from billing.actors import SYSTEM, Actor, operator
from billing.codeformat import CodeKey
from billing.db import Database
from billing.errors import BillingError, Conflict, InvalidInput, NotFound, PermissionDenied
from billing.service import Billing, BillingSettings

__all__ = [
    "SYSTEM",
    "Actor",
    "Billing",
    "BillingError",
    "BillingSettings",
    "CodeKey",
    "Conflict",
    "Database",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "operator",
]
