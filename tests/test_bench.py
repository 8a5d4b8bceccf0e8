"""The benchmark runs end to end at a tiny size and prints every row of the table (no timing is asserted)."""

import pytest

from bench.__main__ import main

ROWS = (
    "issue 2,000 codes vs raw executemany",
    "redeem 50 codes one by one vs the minimal work in raw SQL",
    "one redemption, N lapsed cohorts",
    "breakdown, account with 500 cohorts, p99",
    "due selection, 20,000 cohorts, vs raw SQL",
    "whole sweep without posting vs the raw query",
    "sweep memory growth",
    "forecast, 12 months, 20,000 blocks, vs the raw SQL aggregate",
    "Bolt dispatch of a signed command, p99",
    "import dry run, 300 accounts with 900 blocks",
    "import --apply, 300 accounts with 900 blocks, vs raw insert",
)


@pytest.mark.slow
def test_the_quick_benchmark_prints_every_row_of_the_table_for_sqlite(capsys, monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    main(["--quick", "--sqlite-only"])
    table = capsys.readouterr().out.split("\npath ", 1)[1]
    rows = [line for line in table.splitlines() if " | sqlite " in line]
    for path in ROWS:
        assert any(line.startswith(path) for line in rows), (path, table)
    assert table.rstrip().endswith(("all targets met", "SOME TARGETS MISSED"))
