"""Lists are paginated by cursor: following ``next_cursor`` visits every account once, in slug order."""

from tests.api.conftest import bearer, new_key
from tests.billing.builders import account
from tests.conftest import at


def test_following_next_cursor_lists_every_account_once_and_ends(billing, client):
    slugs = [f"acct-{n:02d}" for n in range(7)]
    for slug in slugs:
        account(billing, slug, now=at("2024-01-01"))
    headers = bearer(new_key(billing))

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/accounts", params=params, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [a["slug"] for a in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == slugs and pages == 3


def test_invoices_page_newest_first_with_next_cursor(billing, client):
    from tests.billing.builders import add, subscribe

    account(billing, "globex", pays="card", now=at("2026-03-01"))
    subscribe(billing, 3, "globex", now=at("2026-03-01"))
    add(billing, 2, "globex", now=at("2026-04-01"))
    add(billing, 1, "globex", now=at("2026-05-01"))
    headers = bearer(new_key(billing))

    numbers, cursor = [], None
    for _ in range(4):
        page = client.get(
            "/api/v1/accounts/globex/invoices",
            params={"limit": 1, "cursor": cursor} if cursor else {"limit": 1},
            headers=headers,
        )
        assert page.status_code == 200, page.text
        assert len(page.json()["data"]) == 1
        numbers.append(page.json()["data"][0]["number"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break

    assert len(numbers) == 3 and numbers == sorted(numbers, reverse=True)
    forged = client.get("/api/v1/accounts/globex/invoices", params={"cursor": "YWJj"}, headers=headers)
    assert (forged.status_code, forged.json()["code"]) == (422, "invalid_cursor")
