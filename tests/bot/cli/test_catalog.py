"""``joanbot catalog``: a refused file names its bad line."""


def test_a_catalog_file_with_a_bad_line_is_refused_naming_the_line(joanbot, tmp_path):
    bad = tmp_path / "catalog.csv"
    bad.write_text(
        "solution,solution_name,license_kind,level,level_name,rank,interval,currency,unit_price\n"
        "room,Room booking,device,standard,Standard,1,year,USD,5\n"
        "room,Room booking,device,gold,Gold,9,fortnight,USD,5\n"
    )
    code, _, err = joanbot("catalog", "load", str(bad))
    assert code == 1 and "line 3" in err and "interval" in err
