import pytest

from billing.catalog import CatalogFileError, default_catalog_text, parse_catalog
from billing.money import Money

HEADER = "solution,solution_name,license_kind,level,level_name,rank,interval,currency,unit_price"


def test_the_default_catalog_has_room_desk_and_visitor_each_with_three_ordered_levels(billing):
    solutions = {s.slug: s for s in billing.catalog.solutions()}
    assert {"room": "device", "desk": "user", "visitor": "device"}.items() <= {
        slug: s.license_kind for slug, s in solutions.items()
    }.items()
    for solution in solutions.values():
        assert [level.slug for level in solution.levels] == ["standard", "professional", "enterprise"]


def test_the_default_catalog_carries_the_shipped_room_prices(billing):
    room = billing.catalog.solution("room")
    assert room.level("standard").prices[("year", "USD")] == Money(500, "USD")
    assert room.level("professional").prices[("year", "USD")] == Money(1000, "USD")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("room,Room,device,gold,Gold,1,year,USD,abc", "unit_price"),
        ("room,Room,device,gold,Gold,1,week,USD,5", "interval"),
        ("room,Room,seat,gold,Gold,1,year,USD,5", "license_kind"),
        ("room,Room,device,gold,Gold,1,year,XXX,5", "currency"),
        ("room,Room,device,gold,Gold,x,year,USD,5", "rank"),
        ("Room!,Room,device,gold,Gold,1,year,USD,5", "slug"),
        ("room,Room,device,gold,Gold,1,year,USD", "fields"),
        ("room,Room,device,gold,Gold,1,year,USD,5.001", "unit_price"),
    ],
)
def test_a_bad_line_is_refused_with_its_line_number_and_reason(line, reason):
    text = f"# comment\n{HEADER}\nroom,Room,device,basic,Basic,1,year,USD,5\n{line}\n"
    with pytest.raises(CatalogFileError) as refused:
        parse_catalog(text)
    assert refused.value.line == 4
    assert reason in str(refused.value)


def test_contradicting_lines_are_refused():
    with pytest.raises(CatalogFileError, match="rank 1 is already taken"):
        parse_catalog(f"{HEADER}\nroom,Room,device,a,A,1,year,USD,5\nroom,Room,device,b,B,1,year,USD,6\n")
    with pytest.raises(CatalogFileError, match="already given"):
        parse_catalog(f"{HEADER}\nroom,Room,device,a,A,1,year,USD,5\nroom,Room,device,a,A,1,year,USD,6\n")
    with pytest.raises(CatalogFileError, match="header"):
        parse_catalog("solution,level\nroom,a\n")


def test_a_bad_file_changes_nothing(billing):
    before = billing.catalog.solutions()
    text = default_catalog_text().replace(
        "room,Room booking,device,standard,Standard,1,year,USD,5.00",
        "room,Room booking,device,standard,Standard,1,year,USD,5.00\n"
        "room,Room booking,user,premium,Premium,4,year,USD,50.00",
    )
    with pytest.raises(CatalogFileError, match="another name or license kind"):
        billing.catalog.load(text=text)
    assert billing.catalog.solutions() == before


def test_loading_updates_prices_and_can_reorder_levels(billing):
    text = (
        f"{HEADER}\n"
        "room,Room booking,device,standard,Standard,2,year,USD,6.00\n"
        "room,Room booking,device,professional,Professional,1,year,USD,11.00\n"
    )
    report = billing.catalog.load(text=text)
    assert (report.solutions, report.levels, report.prices) == (1, 2, 2)
    room = billing.catalog.solution("room")
    assert [level.slug for level in room.levels][:2] == ["professional", "standard"]
    assert room.level("standard").prices == {("year", "USD"): Money(600, "USD")}
    assert [level.slug for level in room.levels] == ["professional", "standard", "enterprise"]


def test_a_solution_cannot_change_its_license_kind(billing):
    with pytest.raises(CatalogFileError, match="cannot change its license kind"):
        billing.catalog.load(text=f"{HEADER}\nroom,Room booking,user,standard,Standard,1,year,USD,5\n")
