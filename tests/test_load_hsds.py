"""`nhgraph load hsds:PATH`: an Open Referral feed into the graph, matched to London's
organisations, areas and terms, all or nothing, named by file, record and field.

One graph for the module: London's reference data, a council's feed (`hsds:camden`) and another
directory's (`hsds:islington`). Every refusal is checked against a snapshot of that graph (every
node's properties but boundaries, every edge) and its version; the last test changes it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nhgraph.config import Settings, get_settings
from nhgraph.load import LoadResult, load, read_sources
from nhgraph.loaders.errors import InputError
from nhgraph.store import RemovalsRefused, db
from nhgraph.store.version import current

from .command_line import run_cli, settings_env
from .conftest import make_test_settings
from .hsds_feeds import (
    CAMDEN,
    ONS_LSOA,
    POINT,
    POINT_LSOA,
    feed,
    other_feed,
    term,
    uid,
    write_feed,
    write_ndjson,
)
from .world import ON

#: Every node with its properties (boundaries left out: megabytes that no load here touches)
#: and every edge: "exactly as before".
SNAPSHOT = (
    "MATCH (n) OPTIONAL MATCH (n)-[r]->(m) "
    "WITH n, collect([type(r), coalesce(m.id, '')]) AS out "
    "RETURN labels(n) AS labels, n.id AS id, "
    "n {.*, boundary: null} AS props, out ORDER BY id, labels[0]"
)
COUNTS = "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r"
#: The feeds' records in full, with their edges: what a refused feed would have changed.
FEEDS = (
    "MATCH (n) WHERE n.source STARTS WITH 'hsds:' OPTIONAL MATCH (n)-[r]->(m) "
    "WITH n, collect([type(r), coalesce(m.id, '')]) AS out "
    "RETURN labels(n) AS labels, n.id AS id, properties(n) AS props, out ORDER BY id"
)


def _snapshot(graph: db.Database) -> list[dict[str, object]]:
    rows = graph.read(SNAPSHOT)
    for row in rows:
        row["out"] = sorted(map(str, row["out"]))
    return rows


def _state(graph: db.Database) -> tuple[object, ...]:
    """The graph as a refusal must leave it: its version (every committed write changes it),
    its node and edge counts, and the feeds' records in full."""
    rows = graph.read(FEEDS)
    for row in rows:
        row["out"] = sorted(map(str, row["out"]))
    return current(graph), graph.read(COUNTS), rows


def _load(
    graph: db.Database,
    settings: Settings,
    *specs: str,
    source_name: str | None = None,
    allow_removals: bool = False,
) -> LoadResult:
    sources = read_sources(list(specs), settings, source_name=source_name, database=graph)
    return load(graph, sources, on=ON, allow_removals=allow_removals, save_findings=False)


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("feeds")
    return {
        "camden": write_feed(root / "camden", feed()),
        "islington": write_feed(root / "islington", other_feed()),
        "root": root,
    }


@pytest.fixture(scope="module")
def london(
    database: db.Database, neo4j_settings: Settings, feeds: dict[str, Path]
) -> Iterator[db.Database]:
    """London's reference data and the two feeds."""
    database.reset()
    sources = read_sources(["reference"], neo4j_settings)
    assert load(database, sources, on=ON, workers=2, save_findings=False).report.conforms
    result = _load(
        database,
        neo4j_settings,
        f"hsds:{feeds['camden']}",
        f"hsds:{feeds['islington']}",
    )
    assert result.report.conforms, result.report.to_text()
    yield database
    database.reset()


def _services(graph: db.Database) -> dict[str, dict[str, Any]]:
    rows = graph.read(
        "MATCH (s:Service)-[:PROVIDED_BY]->(o:Organisation) "
        "OPTIONAL MATCH (s)-[:FOR_AREA]->(a) "
        "RETURN s.name AS name, properties(s) AS s, o.id AS provider, o.source AS org_source, "
        "collect(a.id) AS areas"
    )
    return {row["name"]: row for row in rows}


def test_the_feed_is_loaded_and_matched(london: db.Database) -> None:
    services = _services(london)
    assert set(services) == {
        "Carers cafe",
        "Falls clinic",
        "Night line",
        "Bromley walk",
        "Islington lunch club",
    }
    falls = services["Falls clinic"]
    # Matched to the ODS trust London's reference data holds, not copied.
    assert falls["provider"] == "ods:RKE"
    assert falls["org_source"] != "hsds:camden"
    assert sorted(falls["areas"]) == ["E01000907", "E01000908"]
    assert falls["s"]["hsds_id"] == uid("service-Falls clinic")
    cafe = services["Carers cafe"]
    # A group the graph does not hold: a local organisation, marked with the feed's source.
    assert cafe["provider"] == f"local:{uid('org-Camden Carers Circle')}"
    assert cafe["org_source"] == "hsds:camden"
    assert cafe["s"]["source"] == "hsds:camden"
    assert cafe["s"]["hours"] == ["Mon-Fri 09:00-17:30"]
    assert (cafe["s"]["min_age"], cafe["s"]["max_age"]) == (18, 99)
    assert services["Night line"]["s"]["open_24_7"] is True
    assert services["Night line"]["areas"] == [CAMDEN]
    # No service area: the LSOA its location's point is in; a Point extent likewise.
    assert services["Bromley walk"]["areas"] == [POINT_LSOA]
    assert services["Islington lunch club"]["areas"] == [POINT_LSOA]
    assert services["Islington lunch club"]["s"]["source"] == "hsds:islington"
    terms = london.read(
        "MATCH (s:Service {name: 'Falls clinic'})-[r]->(c) WHERE c:Function OR c:Cohort "
        "RETURN type(r) AS rel, c.id AS id ORDER BY rel"
    )
    assert [(r["rel"], r["id"]) for r in terms] == [
        ("FOR_COHORT", "frailty"),
        ("OF_FUNCTION", "frailty"),
    ]
    sites = london.read(
        "MATCH (:Service {name: 'Carers cafe'})-[:AT_SITE]->(s:Site) RETURN properties(s) AS s"
    )
    assert [(r["s"]["postcode"], r["s"]["hsds_id"]) for r in sites] == [
        ("NW1 7EH", uid("Carers cafe-location"))
    ]


def test_reloading_the_same_feed_changes_nothing(
    london: db.Database, neo4j_settings: Settings, feeds: dict[str, Path]
) -> None:
    before, version = _snapshot(london), current(london)
    assert version is not None
    result = _load(london, neo4j_settings, f"hsds:{feeds['camden']}")
    assert not result.written.changed
    assert result.written.unchanged["Service"] == 4
    assert current(london) == version
    assert _snapshot(london) == before


# -- bad input: each refused whole, named by file, record and field, the graph unchanged ------


def _change(edit: Callable[[list[dict[str, Any]]], None]) -> Callable[[Path], Path]:
    """A bad feed: the good one with one edit, written as services.json."""

    def write(folder: Path) -> Path:
        services = copy.deepcopy(feed())
        edit(services)
        return write_feed(folder, services)

    return write


def _set(index: int, path: str, value: Any) -> Callable[[Path], Path]:
    """The good feed with one field of one service set (``schedules.0.byday``)."""

    def edit(services: list[dict[str, Any]]) -> None:
        target: Any = services[index]
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return _change(edit)


def _raw(text: str, name: str = "services.json") -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*"):
            old.unlink()
        (folder / name).write_text(text, encoding="utf-8")
        return folder

    return write


def _duplicate(services: list[dict[str, Any]]) -> None:
    services.append(copy.deepcopy(services[0]))


def _no_organisation(services: list[dict[str, Any]]) -> None:
    del services[1]["organization"]


def _deep(folder: Path) -> Path:
    services = feed()
    nested: Any = "x"
    for _ in range(30):
        nested = {"a": [nested]}
    services[0]["alert"] = nested
    return write_feed(folder, services)


def _ndjson_line(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    write_ndjson(folder / "services.ndjson", feed())
    with (folder / "services.ndjson").open("a", encoding="utf-8") as handle:
        handle.write('{"id": "oops", "name": \n')
    return folder


CAFE = f"services[0] (id '{uid('service-Carers cafe')}')"
FALLS = f"services[1] (id '{uid('service-Falls clinic')}')"
NIGHT = f"services[2] (id '{uid('service-Night line')}')"

#: (case, the bad feed, where the error is, what it says)
BAD: list[tuple[str, Callable[[Path], Path], str, str]] = [
    (
        "unknown-taxonomy-term",
        _set(0, "attributes.0", term("function", "astrology")),
        f"{CAFE} attributes[0].taxonomy_term",
        "unknown taxonomy term",
    ),
    (
        "unknown-term-of-another-taxonomy",
        _set(
            0,
            "attributes.1.taxonomy_term",
            {"id": uid("esd"), "name": "Carers", "description": "-", "taxonomy": "esd"},
        ),
        f"{CAFE} attributes[1].taxonomy_term",
        "unknown taxonomy term 'Carers'",
    ),
    (
        "term-of-a-scheme-not-about-services",
        _set(0, "attributes.0", term("tier", "consistent")),
        f"{CAFE} attributes[0].taxonomy_term",
        "tier scheme, which says nothing about a service",
    ),
    (
        "two-functions",
        _set(0, "attributes.1", term("function", "diabetes")),
        f"{CAFE} attributes",
        "names 2 functions",
    ),
    (
        "lsoa-outside-london",
        _set(0, "service_areas.0.uri", ONS_LSOA + "E01012345"),
        f"{CAFE} service_areas[0].uri",
        "area outside London: 'E01012345' is not an LSOA the graph holds",
    ),
    (
        "borough-outside-london",
        _set(2, "service_areas.0.uri", ONS_LSOA + "E09000099"),
        f"{NIGHT} service_areas[0].uri",
        "area outside London: 'E09000099' is not a London borough",
    ),
    (
        "neighbourhood-not-held",
        _set(0, "service_areas.0.uri", "https://w3id.org/nhgraph/id/neighbourhood/nowhere"),
        f"{CAFE} service_areas[0].uri",
        "'nowhere' is not a neighbourhood the graph holds",
    ),
    (
        "point-outside-london",
        _set(
            0,
            "service_areas.0",
            {"id": uid("mcr"), "extent": '{"type": "Point", "coordinates": [-2.24, 53.48]}'},
        ),
        f"{CAFE} service_areas[0].extent",
        "area outside London: the point (53.48, -2.24) is in none of the LSOAs",
    ),
    (
        "location-outside-london",
        _set(3, "service_at_locations.0.location.latitude", 55.95),
        "services[3]",
        "service_at_locations[0].location: area outside London",
    ),
    (
        "area-naming-nothing",
        _set(0, "service_areas.0.uri", "https://example.org/areas/north"),
        f"{CAFE} service_areas[0]",
        "names no area nhgraph knows",
    ),
    (
        "age-range-reversed",
        _set(1, "maximum_age", 10),
        f"{FALLS} minimum_age",
        "minimum_age 18 is above maximum_age 10: the age range is reversed",
    ),
    (
        "age-not-whole",
        _set(0, "maximum_age", 17.5),
        f"{CAFE} maximum_age",
        "is not a whole number of years",
    ),
    (
        "schedule-bad-byday",
        _set(0, "schedules.0.byday", "MO,XX"),
        f"{CAFE} schedules[0].byday",
        "'XX' is not a day",
    ),
    (
        "schedule-opens-after-it-closes",
        _set(0, "schedules.0.opens_at", "18:00"),
        f"{CAFE} schedules[0].opens_at",
        "opens_at must be before closes_at",
    ),
    (
        "schedule-bad-time",
        _set(0, "schedules.0.closes_at", "25:00"),
        f"{CAFE} schedules[0].closes_at",
        "is not a time",
    ),
    (
        "schedule-monthly",
        _set(0, "schedules.0.freq", "MONTHLY"),
        f"{CAFE} schedules[0].freq",
        "only weekly schedules",
    ),
    (
        "schedule-without-days",
        _set(0, "schedules.0.byday", None),
        f"{CAFE} schedules[0].byday",
        "is not a list of days",
    ),
    (
        "service-id-not-a-uuid",
        _set(0, "id", "carers-cafe"),
        "services[0] (id 'carers-cafe') id",
        "'carers-cafe' is not a UUID",
    ),
    (
        "nested-id-not-a-uuid",
        _set(1, "schedules.0.id", "schedule-1"),
        f"{FALLS} schedules[0].id",
        "'schedule-1' is not a UUID",
    ),
    (
        "organisation-id-not-a-uuid",
        _set(1, "organization.id", 42),
        f"{FALLS} organization.id",
        "is not a UUID",
    ),
    ("malformed-json", _raw('[{"id": "x",\n  "name": }]'), "services.json:2", "is not valid JSON"),
    ("malformed-ndjson-line", _ndjson_line, "services.ndjson:5", "is not valid JSON"),
    (
        "no-organisation",
        _change(_no_organisation),
        f"{FALLS} organization_id",
        "a service needs its organization",
    ),
    (
        "duplicate-ids",
        _change(_duplicate),
        f"services[4] (id '{uid('service-Carers cafe')}') id",
        "is given twice: services[0]",
    ),
    (
        "unknown-status",
        _set(0, "status", "open"),
        f"{CAFE} status",
        "is not an HSDS status",
    ),
    (
        "name-too-long",
        _set(0, "name", "n" * 400),
        "services[0]",
        "name: String should have at most 300 characters",
    ),
    ("nested-too-deep", _deep, "services.json", "nests deeper than 20 levels"),
    ("not-a-service", _raw('["a service"]'), "services[0]", "must be an object"),
]


def test_every_bad_input_has_a_case() -> None:
    assert len(BAD) >= 28
    assert len({case for case, *_ in BAD}) == len(BAD)


@pytest.mark.parametrize(("case", "write", "where", "says"), BAD, ids=[c for c, *_ in BAD])
def test_a_bad_feed_is_refused_whole_with_the_graph_unchanged(
    london: db.Database,
    neo4j_settings: Settings,
    tmp_path: Path,
    case: str,
    write: Callable[[Path], Path],
    where: str,
    says: str,
) -> None:
    folder = write(tmp_path / "camden")  # a newer feed of the loaded source
    before = _state(london)
    with pytest.raises(InputError) as refused:
        _load(london, neo4j_settings, f"hsds:{folder}")
    text = str(refused.value)
    assert str(folder) in text, text
    assert where in text, text
    assert says in text, text
    assert _state(london) == before, case


def test_a_feed_over_the_record_bound_is_refused_unread(
    london: db.Database, tmp_path: Path
) -> None:
    folder = write_feed(tmp_path / "camden", feed())
    settings = make_test_settings(hsds_max_records=3)
    before = _state(london)
    with pytest.raises(InputError, match=r"more than 3 records .*NHGRAPH_HSDS_MAX_RECORDS"):
        read_sources([f"hsds:{folder}"], settings, database=london)
    assert _state(london) == before


def test_a_feed_file_over_the_size_bound_is_refused_unread(
    london: db.Database, neo4j_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = feed()
    services[0]["description"] = "x" * (1 << 20)
    folder = write_feed(tmp_path / "camden", services)
    monkeypatch.setenv("NHGRAPH_INPUT_MAX_MB", "1")
    get_settings.cache_clear()
    before = _state(london)
    try:
        with pytest.raises(InputError, match=r"services\.json: is 1\.0 MB, more than 1 MB"):
            read_sources([f"hsds:{folder}"], neo4j_settings, database=london)
    finally:
        monkeypatch.delenv("NHGRAPH_INPUT_MAX_MB")
        get_settings.cache_clear()
    assert _state(london) == before


def test_the_command_line_names_the_problem_and_writes_nothing(
    london: db.Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    folder = _set(1, "maximum_age", 10)(tmp_path / "camden")
    before = _state(london)
    done = run_cli("load", f"hsds:{folder}", env=settings_env(neo4j_settings))
    assert done.returncode == 1, done.stderr
    assert f"{FALLS} minimum_age" in done.stderr, done.stderr
    assert "nothing written" in done.stderr
    assert _state(london) == before


def test_a_source_name_is_for_one_feed(neo4j_settings: Settings) -> None:
    with pytest.raises(InputError, match="a source name is for one HSDS feed"):
        read_sources(["reference"], neo4j_settings, source_name="camden")


# -- a newer feed: updates, removals, and nothing of other sources touched --------------------


def test_a_newer_feed_updates_and_removes_never_touching_other_sources(
    london: db.Database, neo4j_settings: Settings, feeds: dict[str, Path]
) -> None:
    def others() -> list[dict[str, object]]:
        return [
            row
            for row in _snapshot(london)
            # Every other source's node; bookkeeping (the graph's version) has no source.
            if row["props"].get("source") not in (None, "hsds:camden")  # type: ignore[attr-defined]
        ]

    services = feed()
    services[0]["name"] = "Carers cafe and garden"
    services[0]["schedules"][0]["byday"] = "MO,WE,FR"
    del services[2]  # the night line is no longer in the directory
    # A newer file of the same directory, named by date: --source says which feed it renews.
    newer = write_ndjson(feeds["root"] / "camden-2026-02.ndjson", services)
    before, untouched = _snapshot(london), others()
    with pytest.raises(RemovalsRefused):  # a quarter of the source: past the removal share
        _load(london, neo4j_settings, f"hsds:{newer}", source_name="camden")
    assert _snapshot(london) == before
    result = _load(
        london, neo4j_settings, f"hsds:{newer}", source_name="camden", allow_removals=True
    )
    assert result.written.updated["Service"] == 1
    assert result.written.removed["Service"] == 1
    assert result.written.removed["Site"] == 1
    found = _services(london)
    assert "Night line" not in found
    cafe = found["Carers cafe and garden"]
    assert cafe["s"]["hsds_id"] == uid("service-Carers cafe")
    assert cafe["s"]["hours"] == ["Mon 09:00-17:30", "Wed 09:00-17:30", "Fri 09:00-17:30"]
    assert cafe["s"]["source"] == "hsds:camden"
    assert found["Islington lunch club"]["s"]["source"] == "hsds:islington"
    assert others() == untouched  # reference data and the other feed, exactly as they were


def test_a_point_is_matched_to_the_lsoa_the_store_finds(london: db.Database) -> None:
    from nhgraph.store.gazetteer import lsoas_of_points

    assert lsoas_of_points(london, [POINT, (53.48, -2.24)]) == [POINT_LSOA, None]


def test_the_feed_json_is_what_the_tests_think(feeds: dict[str, Path]) -> None:
    written = json.loads((feeds["camden"] / "services.json").read_text(encoding="utf-8"))
    assert len(written) == 4
