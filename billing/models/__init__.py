"""All ORM models; importing this package registers every table on ``Base.metadata``."""

from billing.models.api import ApiKey, IdempotencyRecord
from billing.models.audit import AuditEvent
from billing.models.catalog import PlanLevel, Price, Solution
from billing.models.codes import PrepaidCode, RedeemAttempt, Redemption
from billing.models.deployment import DeploymentFact
from billing.models.invoicing import Invoice, InvoiceLine, LicenseChange, LineCredit, Payment
from billing.models.ledger import CreditEntry, CreditSpend
from billing.models.licensing import Assignment, Cohort, PlanChange
from billing.models.notices import Alert, EmailFailure, ReminderNotice
from billing.models.outbox import ChannelPacing, OutboxMessage
from billing.models.parties import Account, Reseller, ResellerChannel, ResellerMember, Staff

__all__ = [
    "Account",
    "Alert",
    "ApiKey",
    "Assignment",
    "AuditEvent",
    "ChannelPacing",
    "Cohort",
    "CreditEntry",
    "CreditSpend",
    "DeploymentFact",
    "EmailFailure",
    "IdempotencyRecord",
    "Invoice",
    "InvoiceLine",
    "LicenseChange",
    "LineCredit",
    "OutboxMessage",
    "Payment",
    "PlanChange",
    "PlanLevel",
    "PrepaidCode",
    "Price",
    "RedeemAttempt",
    "Redemption",
    "ReminderNotice",
    "Reseller",
    "ResellerChannel",
    "ResellerMember",
    "Solution",
    "Staff",
]
