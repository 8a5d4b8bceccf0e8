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
