"""The billing core's public face: the ``Billing`` service, the views its use cases return, their errors, and
the value rules (money, dates, wording) the doors show them with. Nothing outside ``billing/`` imports
anything else of it (``tests/test_architecture.py``); a name a door needs is added here.

The core itself: catalog, accounts, pre-paid codes, license cohorts, subscriptions, invoices, renewals,
reminders. Free of Slack.
"""

from billing import (
    deployment,
    outbox_drain,
)  # the code key's fingerprint in the database: the runtime and readiness ask it
from billing.account_changes import AccountEdit
from billing.accounts import AccountView, amounts_visible, for_actor
from billing.actors import SYSTEM, Actor, NotAllowed, operator
from billing.alerts import AlertAlreadyAcknowledged, AlertNotFound, AlertView
from billing.api_keys import ApiKeyView
from billing.assignments import MAX_SUBJECT, AlreadyAssigned
from billing.attempts import TooManyAttempts
from billing.audit import AuditEntry
from billing.book_check import BookReport
from billing.book_rows import FILES as BOOK_FILES
from billing.breakdown import Breakdown, SolutionBreakdown
from billing.catalog import SolutionView
from billing.codeformat import CODE_SHAPED, KEY_MIN_BYTES, STARTS_A_WORD, CodeKey, redact
from billing.codes import CodeView, code_prefix
from billing.contacts import InvalidEmail
from billing.db import Database
from billing.deployment import KeyCheck
from billing.email_plan import Audience
from billing.emails import ReminderEmail
from billing.errors import BillingError, Conflict, InvalidInput, NotFound, PermissionDenied
from billing.events import parse_id as parse_event_id
from billing.forecast import DEFAULT_MONTHS, MAX_MONTHS, Forecast, SolutionMonth
from billing.idempotency import fingerprint
from billing.identity import ChatUser
from billing.invoicing import InvoiceView, LineView, line_text
from billing.issuing import DEFAULT_MAX_CREDIT_CODE, IssuedBatch, IssuedCode
from billing.ledger import CreditsOverview
from billing.licensing import CohortView
from billing.models.api import ApiScope
from billing.models.catalog import BillingInterval, LicenseKind
from billing.models.invoicing import ChangeKind
from billing.models.ledger import CreditSource
from billing.models.outbox import OutboxMedium, OutboxState
from billing.money import CURRENCIES, Money
from billing.outbox import Claim
from billing.overview import DueRenewal
from billing.payments import PaymentQuote, PaymentReceipt
from billing.periods import describe_term, format_date, parse_date, term_months, zone
from billing.plan_changes import PlanReceipt
from billing.plan_levels import LevelConflict, level_clash
from billing.plan_quotes import PlanQuote, Timing
from billing.proration import DEFAULT_POLICY, POLICIES, ProrationPolicy, policy_named
from billing.quote_ids import InvalidQuoteId, QuoteChanged
from billing.quotes import Quote
from billing.redemption import Receipt
from billing.redemption_plan import NOT_CHOSEN, RedemptionPlan, RenewalChoice, choice_required
from billing.reminders import NoticeView, RenewalDraft
from billing.resellers import ResellerView
from billing.service import Billing, BillingSettings
from billing.sheets import Row, Tone, breakdown_rows, payment_sheet, plain_text, quote_sheet
from billing.subscriptions import ChangeReceipt
from billing.units import NotANumber, parse_whole
from billing.webhook_outbox import WebhookClaim
from billing.webhook_urls import Resolver, WebhookUrlRefused, checked_addresses, system_resolver
from billing.webhook_urls import parse as parse_webhook_url
from billing.webhooks import EndpointView, parse_event_types
from billing.wording import license_phrase, plural

__all__ = [
    "BOOK_FILES",
    "CODE_SHAPED",
    "CURRENCIES",
    "DEFAULT_MAX_CREDIT_CODE",
    "DEFAULT_MONTHS",
    "DEFAULT_POLICY",
    "KEY_MIN_BYTES",
    "MAX_MONTHS",
    "MAX_SUBJECT",
    "NOT_CHOSEN",
    "POLICIES",
    "STARTS_A_WORD",
    "SYSTEM",
    "AccountEdit",
    "AccountView",
    "Actor",
    "AlertAlreadyAcknowledged",
    "AlertNotFound",
    "AlertView",
    "AlreadyAssigned",
    "ApiKeyView",
    "ApiScope",
    "Audience",
    "AuditEntry",
    "Billing",
    "BillingError",
    "BillingInterval",
    "BillingSettings",
    "BookReport",
    "Breakdown",
    "ChangeKind",
    "ChangeReceipt",
    "ChatUser",
    "Claim",
    "CodeKey",
    "CodeView",
    "CohortView",
    "Conflict",
    "CreditSource",
    "CreditsOverview",
    "Database",
    "DueRenewal",
    "EndpointView",
    "Forecast",
    "InvalidEmail",
    "InvalidInput",
    "InvalidQuoteId",
    "InvoiceView",
    "IssuedBatch",
    "IssuedCode",
    "KeyCheck",
    "LevelConflict",
    "LicenseKind",
    "LineView",
    "Money",
    "NotANumber",
    "NotAllowed",
    "NotFound",
    "NoticeView",
    "OutboxMedium",
    "OutboxState",
    "PaymentQuote",
    "PaymentReceipt",
    "PermissionDenied",
    "PlanQuote",
    "PlanReceipt",
    "ProrationPolicy",
    "Quote",
    "QuoteChanged",
    "Receipt",
    "RedemptionPlan",
    "ReminderEmail",
    "RenewalChoice",
    "RenewalDraft",
    "ResellerView",
    "Resolver",
    "Row",
    "SolutionBreakdown",
    "SolutionMonth",
    "SolutionView",
    "Timing",
    "Tone",
    "TooManyAttempts",
    "WebhookClaim",
    "WebhookUrlRefused",
    "amounts_visible",
    "breakdown_rows",
    "checked_addresses",
    "choice_required",
    "code_prefix",
    "deployment",
    "describe_term",
    "fingerprint",
    "for_actor",
    "format_date",
    "level_clash",
    "license_phrase",
    "line_text",
    "operator",
    "outbox_drain",
    "parse_date",
    "parse_event_id",
    "parse_event_types",
    "parse_webhook_url",
    "parse_whole",
    "payment_sheet",
    "plain_text",
    "plural",
    "policy_named",
    "quote_sheet",
    "redact",
    "system_resolver",
    "term_months",
    "zone",
]
