from __future__ import annotations

import pytest
from sqlalchemy import select

from billing.actors import NotAllowed
from billing.api_keys import ApiKeyNameTaken, InvalidScope
from billing.models import ApiKey
from tests.billing.builders import reseller
from tests.conftest import SALES, STAFF, at


def test_a_key_is_jbk_and_43_url_safe_characters_stored_only_as_a_keyed_hash(billing):
    created = billing.api_keys.create(name="portal", scope="portal", read_only=False, actor=STAFF, now=at("2026-03-01"))
    assert created.key.startswith("jbk_") and len(created.key) == 47
    assert all(c.isalnum() or c in "-_" for c in created.key[4:])
    with billing.db.read() as session:
        (digest, shown) = session.execute(select(ApiKey.digest, ApiKey.shown)).one()
    assert len(digest) == 32 and created.key.encode() not in digest and shown == created.key[:10]


def test_authenticating_finds_the_live_key_records_its_use_and_forgets_a_revoked_one(billing):
    reseller(billing, now=at("2026-03-01"))
    key = billing.api_keys.create(
        name="erp", scope="reseller=northwind", read_only=True, actor=STAFF, now=at("2026-03-01")
    ).key
    found = billing.api_keys.authenticate(key=key, now=at("2026-03-02"))
    assert found is not None and found.actor().role == "reseller" and found.actor().ref == "api:erp"
    assert billing.api_keys.list(actor=STAFF)[0].last_used_at == at("2026-03-02")
    assert billing.api_keys.authenticate(key=key[:-1], now=at("2026-03-02")) is None
    billing.api_keys.revoke(name="erp", actor=STAFF, now=at("2026-03-03"))
    assert billing.api_keys.authenticate(key=key, now=at("2026-03-03")) is None
    assert billing.api_keys.list(actor=STAFF) == []


def test_only_admins_manage_keys_and_a_live_name_or_a_bad_scope_is_refused(billing):
    with pytest.raises(NotAllowed):
        billing.api_keys.create(name="x1", scope="portal", read_only=False, actor=SALES, now=at("2026-03-01"))
    billing.api_keys.create(name="x1", scope="portal", read_only=False, actor=STAFF, now=at("2026-03-01"))
    with pytest.raises(ApiKeyNameTaken):
        billing.api_keys.create(name="x1", scope="portal", read_only=False, actor=STAFF, now=at("2026-03-01"))
    with pytest.raises(InvalidScope):
        billing.api_keys.create(name="x2", scope="staff", read_only=False, actor=STAFF, now=at("2026-03-01"))
