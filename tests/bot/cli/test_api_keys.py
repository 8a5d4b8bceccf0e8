def test_api_keys_create_prints_the_key_alone_on_a_line_then_list_and_revoke_name_it(joanbot):
    code, out, err = joanbot("api-keys", "create", "portal-prod", "--scope", "portal")
    assert code == 0 and out.startswith("jbk_") and out.count("\n") == 1 and "shown only now" in err
    key = out.strip()
    code, out, _ = joanbot("api-keys", "list")
    assert code == 0 and "portal-prod" in out and key not in out and key[:10] in out
    assert joanbot("api-keys", "revoke", "portal-prod")[0] == 0
    assert "portal-prod" not in joanbot("api-keys", "list")[1]


def test_api_keys_create_with_an_unknown_reseller_or_scope_fails_politely(joanbot):
    code, _, err = joanbot("api-keys", "create", "erp", "--scope", "reseller=nosuch")
    assert code == 1 and "nosuch" in err
    code, _, err = joanbot("api-keys", "create", "erp", "--scope", "everything")
    assert code == 1 and "portal or reseller=SLUG" in err
