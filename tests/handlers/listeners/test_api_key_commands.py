"""``/joan api-key``: admins create, list and revoke Portal API keys; the key appears once, ephemerally."""

from __future__ import annotations

import json

from billing import Actor
from tests.handlers.listeners.test_commands import _command

ADMIN = Actor(ref="slack:THOME/UADMIN", role="admin")


def test_an_admin_creates_a_key_seen_once_in_an_ephemeral_reply_then_lists_and_revokes_it(shop):
    reply = _command(shop, "api-key create portal-prod scope=portal read-only", ADMIN)[0].only
    assert reply["response_type"] == "ephemeral"
    shown = json.dumps(reply["blocks"])
    assert "jbk_" in shown and "portal, read-only" in shown
    listed = _command(shop, "api-key list", ADMIN)[0].only
    assert "portal-prod" in listed["text"] and "last used never" in listed["text"]
    key = shown.split("```")[1]
    assert key not in listed["text"]
    revoked = _command(shop, "api-key revoke portal-prod", ADMIN)[0].only
    assert revoked["text"].startswith("Revoked API key *portal-prod*")
    assert shop.billing.api_keys.list(actor=ADMIN) == []


def test_sales_may_not_create_keys_and_a_missing_scope_shows_the_usage(shop):
    assert _command(shop, "api-key create erp scope=portal", shop.sales)[0].only["text"] == (
        "You do not have permission to do that."
    )
    assert "Usage: /joan api-key create NAME" in _command(shop, "api-key create erp", ADMIN)[0].only["text"]
