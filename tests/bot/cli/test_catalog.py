"""``joanbot catalog``: a refused file names its bad line."""

import pytest


def test_a_catalog_file_with_a_bad_line_is_refused_naming_the_line(joanbot, tmp_path):
    bad = tmp_path / "catalog.csv"
    bad.write_text(
        "solution,solution_name,license_kind,level,level_name,rank,interval,currency,unit_price\n"
        "room,Room booking,device,standard,Standard,1,year,USD,5\n"
        "room,Room booking,device,gold,Gold,9,fortnight,USD,5\n"
    )
    code, _, err = joanbot("catalog", "load", str(bad))
    assert code == 1 and "line 3" in err and "interval" in err


HEADER = "solution,solution_name,license_kind,level,level_name,rank,interval,currency,unit_price\n"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            "room,Room booking,device,gold,Gold,2,year,USD,5\n",
            "line 2: rank 2 of Room booking is held by level 'professional'",
        ),
        ("room,Room booking,device,gold,Gold,9,year,USD,0.00\n", "line 2: unit_price is zero: write 'free'"),
        (
            "room,Room booking,device,gold,Gold,9,year,USD,5\nroom,Room booking,device,silver,Silver,9,year,USD,5\n",
            "line 3: rank 9",
        ),
    ],
)
def test_a_catalog_with_a_taken_rank_or_a_zero_price_is_refused_and_changes_nothing(joanbot, tmp_path, lines, message):
    joanbot("catalog", "show")
    before = joanbot("catalog", "show")[1]
    (tmp_path / "c.csv").write_text(HEADER + lines)

    code, _out, err = joanbot("catalog", "load", "c.csv")

    assert code == 1 and message in err and len(err.strip().splitlines()) == 1
    assert joanbot("catalog", "show")[1] == before


def test_a_level_written_free_loads_at_no_charge(joanbot, tmp_path):
    (tmp_path / "c.csv").write_text(HEADER + "room,Room booking,device,trial,Trial,9,year,USD,free\n")

    code, out, _err = joanbot("catalog", "load", "c.csv")

    assert (code, out.strip()) == (0, "Loaded 1 price for 1 level of 1 solution.")
    assert "9. Trial (trial): per year $0.00" in joanbot("catalog", "show")[1]


def test_catalog_show_lists_names_and_prices_per_interval_then_currency(joanbot):
    out = joanbot("catalog", "show")[1]

    assert "Room booking (room, per device)" in out
    assert "1. Standard (standard): per year 18.50 AED, €5.00, £4.50, $5.00; per month $0.50" in out


def test_a_missing_catalog_file_is_a_one_line_refusal(joanbot):
    code, _out, err = joanbot("catalog", "load", "nowhere.csv")

    assert code == 1 and "cannot read nowhere.csv" in err
