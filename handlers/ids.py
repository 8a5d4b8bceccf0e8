"""Every Slack id the app uses, named once. ``manifest.yml`` must agree (a test checks both ways)."""

from __future__ import annotations

COMMAND = "/joan"

# Global shortcuts (callback ids).
SHORTCUT_ISSUE = "issue_codes"
SHORTCUT_REDEEM = "redeem_code"

# Modals (view callback ids).
VIEW_ISSUE = "issue_codes_modal"
VIEW_REDEEM = "redeem_code_modal"
VIEW_REDEEM_CONFIRM = "redeem_confirm_modal"
VIEW_BREAKDOWN = "breakdown_modal"
VIEW_INFO = "info_modal"

# Buttons and selects (action ids).
ACTION_REDEEM_CONFIRM = "redeem_confirm"
ACTION_REDEEM_CANCEL = "redeem_cancel"
ACTION_REDEEM_PREVIEW = "redeem_preview"
ACTION_PANEL_BREAKDOWN = "panel_breakdown"
ACTION_PANEL_REDEEM = "panel_redeem"
ACTION_PANEL_ACCOUNTS = "panel_accounts"
ACTION_HOME_ISSUE = "home_issue"
ACTION_HOME_REDEEM = "home_redeem"
ACTION_RENEWAL_CHOICE = "renewal_choice"
ACTION_CHANGE_CONFIRM = "plan_change_confirm"
ACTION_CHANGE_CANCEL = "plan_change_cancel"
ACTION_LICENSES_CONFIRM = "licenses_confirm"
ACTION_LICENSES_CANCEL = "licenses_cancel"
ACTION_PAYMENT_CONFIRM = "payment_confirm"
ACTION_PAYMENT_CANCEL = "payment_cancel"
# Buttons on what the daily sweep posts (reminder digests and problem alerts).
ACTION_REMINDER_ISSUE_RENEWAL = "reminder_issue_renewal_code"
ACTION_REMINDER_HANDLED = "reminder_mark_handled"
ACTION_ALERT_ACKNOWLEDGE = "alert_acknowledge"
# Typeahead (external_select) action ids: answered by the options listener.
ACTION_ACCOUNT_SELECT = "account_select"
ACTION_RESELLER_SELECT = "reseller_select"
# Input elements read at submission (no listener of their own).
ACTION_CODE_INPUT = "code_input"
ACTION_PLAN_SELECT = "plan_select"
ACTION_UNITS_INPUT = "units_input"
ACTION_TERM_SELECT = "term_select"
ACTION_COUNT_INPUT = "count_input"
ACTION_REDEEM_BY = "redeem_by_input"
ACTION_REFERENCE_INPUT = "reference_input"

# Input blocks (where field errors are shown).
BLOCK_CODE = "code"
BLOCK_ACCOUNT = "account"
BLOCK_RESELLER = "reseller"
BLOCK_PLAN = "plan"
BLOCK_UNITS = "units"
BLOCK_TERM = "term"
BLOCK_COUNT = "count"
BLOCK_REDEEM_BY = "redeem_by"
BLOCK_REFERENCE = "reference"
BLOCK_RENEWAL = "renewal"

# Events.
EVENT_APP_HOME_OPENED = "app_home_opened"

SHORTCUTS = (SHORTCUT_ISSUE, SHORTCUT_REDEEM)
VIEWS = (VIEW_ISSUE, VIEW_REDEEM, VIEW_REDEEM_CONFIRM, VIEW_BREAKDOWN, VIEW_INFO)
EVENTS = (EVENT_APP_HOME_OPENED,)
