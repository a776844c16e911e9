"""Any region, or all of England: the regions a reference load keeps, England's files read in
the publishers' layouts, a place split across systems modelled as it is, and 2011 LSOAs mapped
to 2021's by ONS's change indicator.

England's files are read from ``../shared/data/england/`` (beside the repository); tests that
need them skip with a message where they are absent, and fail under CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nhgraph.config import PROJECT_ROOT
from nhgraph.loaders.errors import InputError
from nhgraph.loaders.reference import Reference, parse_regions
from nhgraph.loaders.vintages import read_vintages, vintages_in
from nhgraph.ontology.rdf import models_to_graph
from nhgraph.ontology.validation import validate_graph
from nhgraph.schema.models import Lsoa, Place, Region, System

ENGLAND = PROJECT_ROOT.parent / "shared" / "data" / "england"
LONDON_DIR = PROJECT_ROOT / "data" / "reference"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def england() -> Path:
    """England's files, or a skip (a failure under CI) naming where they were looked for."""
    if not (ENGLAND / "england_lsoa21.csv").exists():
        why = f"England's reference files are not at {ENGLAND} (see README, England)"
        if _in_ci():
            pytest.fail(f"{why}; CI is set, so this test may not be skipped")
        pytest.skip(why)
    return ENGLAND


# Regions --------------------------------------------------------------------------------------


def test_regions_are_all_or_ons_region_codes() -> None:
    assert parse_regions("all") is None
    assert parse_regions(" E12000007, e12000008 ") == {"E12000007", "E12000008"}
    for bad in ("", "E12000010", "London", "E12000007,E09000001"):
        with pytest.raises(InputError) as refused:
            parse_regions(bad)
        assert "--region" in str(refused.value.problems[0])


def test_londons_extracts_hold_london_only() -> None:
    assert Reference(LONDON_DIR).prefix == "london"
    with pytest.raises(InputError) as refused:
        Reference(LONDON_DIR, frozenset({"E12000008"}))
    assert "holds London's files only" in refused.value.problems[0].message
    with pytest.raises(InputError):
        Reference(LONDON_DIR, None)


def test_the_settings_name_the_regions_and_refuse_others() -> None:
    from pydantic import ValidationError

    from nhgraph.config import Settings

    assert Settings().reference_regions == "E12000007"
    assert Settings(reference_regions="all").reference_regions == "all"
    with pytest.raises(ValidationError):
        Settings(reference_regions="E09000001")


# England's files ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def south_east(england: Path) -> list[object]:
    from nhgraph.loaders.ons import load_geography

    return load_geography(Reference(england, frozenset({"E12000008"}))).models


def test_one_region_of_england_is_read_from_englands_files(south_east: list[object]) -> None:
    lsoas = [m for m in south_east if isinstance(m, Lsoa)]
    places = {m.id: m for m in south_east if isinstance(m, Place)}
    assert len(lsoas) == 5571  # PROVENANCE: South East's LSOAs
    assert len(places) == 64
    assert [m.id for m in south_east if isinstance(m, Region)] == ["E12000008"]
    # Every LSOA names its own system, one its place is part of.
    assert all(lsoa.system in places[lsoa.place].systems for lsoa in lsoas)
    # Places of every kind of local authority code, not only London's E09.
    assert {code[:3] for code in places} == {"E06", "E07"}


def test_a_place_split_across_systems_is_part_of_each(south_east: list[object]) -> None:
    places = {m.id: m for m in south_east if isinstance(m, Place)}
    lsoas = [m for m in south_east if isinstance(m, Lsoa)]
    # Guildford (E07000209): Surrey Heartlands (QXU) and Frimley (QNQ), largest share first.
    assert places["E07000209"].systems == ["QXU", "QNQ"]
    sides = {lsoa.system for lsoa in lsoas if lsoa.place == "E07000209"}
    assert sides == {"QXU", "QNQ"}
    # A system reaching into a second region is in the regions loaded (East of England's QHG).
    systems = {m.id: m for m in south_east if isinstance(m, System)}
    assert systems["QHG"].regions == ["E12000008"]


def test_organisations_are_those_of_the_systems_kept(england: Path) -> None:
    from nhgraph.loaders.ods import load_organisations

    data = load_organisations(Reference(england, frozenset({"E12000001"})))
    assert data.skipped["epraccur: another system's"] > 10_000
    kinds = {getattr(m, "kind", None) for m in data.models}
    assert {k.value for k in kinds if k} >= {"gp_practice", "pcn", "nhs_trust"}


def test_all_of_england_has_its_twelve_split_places(england: Path) -> None:
    from nhgraph.loaders.ons import load_geography

    data = load_geography(Reference(england, None))
    places = [m for m in data.models if isinstance(m, Place)]
    assert len(places) == 296
    split = sorted(p.id for p in places if len(p.systems) > 1)
    assert len(split) == 12  # PROVENANCE: the LADs split across ICBs
    assert "E06000065" in split  # North Yorkshire


# The shapes: a world with a split place --------------------------------------------------------


def _world(lsoa_system: str, place_systems: list[str]) -> list[object]:
    return [
        Region(id="E12000008", name="South East"),
        System(id="QXU", ons_code="E54000063", name="Surrey Heartlands", regions=["E12000008"]),
        System(id="QNQ", ons_code="E54000034", name="Frimley", regions=["E12000008"]),
        Place(id="E07000209", name="Guildford", systems=place_systems),
        Lsoa(id="E01030400", name="Guildford 001A", place="E07000209", system="QXU"),
        Lsoa(id="E01030401", name="Guildford 001B", place="E07000209", system=lsoa_system),
    ]


def test_a_place_in_two_systems_conforms() -> None:
    report = validate_graph(models_to_graph(_world("QNQ", ["QXU", "QNQ"])))  # type: ignore[arg-type]
    assert report.conforms, report.to_text()


def test_an_lsoa_in_a_system_its_place_is_not_part_of_is_a_violation() -> None:
    report = validate_graph(models_to_graph(_world("QNQ", ["QXU"])))  # type: ignore[arg-type]
    assert not report.conforms
    assert any("which its place" in v.message for v in report.violations), report.to_text()


def test_a_place_in_no_system_is_refused_by_the_model() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Place(id="E07000209", name="Guildford", systems=[])


# Vintages: ONS's lookup rows, each change indicator -----------------------------------------


@pytest.fixture(scope="module")
def lookup(england: Path):  # type: ignore[no-untyped-def]
    return read_vintages(england / "england_lsoa11_lsoa21.csv")


def test_unchanged_codes_are_kept(lookup) -> None:  # type: ignore[no-untyped-def]
    mapped = lookup.map(["E01000001"])  # City of London 001A: U
    assert mapped.codes == ["E01000001"]
    assert not mapped.changes


def test_merged_codes_map_to_the_one_2021_lsoa(lookup) -> None:  # type: ignore[no-untyped-def]
    mapped = lookup.map(["E01000852", "E01000854"])  # both M into E01035711
    assert mapped.codes == ["E01035711"]
    assert mapped.changes["merged"] == 2


def test_split_codes_map_to_every_part_with_a_warning(lookup) -> None:  # type: ignore[no-untyped-def]
    mapped = lookup.map(["E01000010"])  # S into E01034473 and E01034474
    assert mapped.codes == ["E01034473", "E01034474"]
    assert mapped.split == {"E01000010": ["E01034473", "E01034474"]}


def test_complex_codes_are_reported_not_guessed(lookup) -> None:  # type: ignore[no-untyped-def]
    mapped = lookup.map(["E01008187", "E01000001"])  # X: E01035624 and E01035637
    assert mapped.codes == ["E01000001"]
    assert mapped.complex == {"E01008187": ["E01035624", "E01035637"]}


def test_the_shipped_london_lookup_is_found() -> None:
    found = vintages_in(LONDON_DIR)
    assert found is not None
    assert found.path.name == "london_lsoa11_lsoa21.csv"
    assert found.map(["E01000010"]).codes == ["E01034473", "E01034474"]


def test_a_change_indicator_ons_does_not_use_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "lookup.csv"
    bad.write_text("LSOA11CD,LSOA21CD,CHGIND\nE01000001,E01000001,U\nE01000002,E01000002,Q\n")
    with pytest.raises(InputError) as refused:
        read_vintages(bad)
    problem = refused.value.problems[0]
    assert (problem.line, problem.where) == (3, "CHGIND")


def _footprint(folder: Path, lsoas: list[str]) -> Path:
    place = folder / "camden"
    place.mkdir(parents=True)
    (place / "footprint.yaml").write_text(
        "neighbourhoods:\n"
        "  - id: camden-old\n"
        "    name: Camden (2011 footprint)\n"
        "    place: E09000007\n"
        f"    lsoas: [{', '.join(lsoas)}]\n"
    )
    return folder


def test_a_2011_footprint_is_mapped_and_the_summary_says_so(tmp_path: Path) -> None:
    from nhgraph.load import team_of_teams

    vintages = vintages_in(LONDON_DIR)
    # E01000852 and E01000854 merged into E01035711 (Camden); E01000010 was split.
    data = team_of_teams(_footprint(tmp_path, ["E01000852", "E01000854", "E01000010"]), vintages)
    (hood,) = data.models
    assert hood.lsoas == ["E01035711", "E01034473", "E01034474"]  # type: ignore[attr-defined]
    notes = " | ".join(data.skipped)
    assert "mapped to 2021 (merged)" in notes
    assert "WARNING 2011 LSOA E01000010 was split" in notes


def test_a_complex_2011_code_in_a_footprint_refuses_the_load(tmp_path: Path, england: Path) -> None:
    from nhgraph.load import team_of_teams

    with pytest.raises(InputError) as refused:
        team_of_teams(_footprint(tmp_path, ["E01008187"]), vintages_in(england))
    problem = refused.value.problems[0]
    assert "camden-old lsoas" in problem.where
    assert "E01035624, E01035637" in problem.message


# A region loaded end to end: Yorkshire and the Humber, with North Yorkshire in three systems --


@pytest.fixture(scope="module")
def yorkshire(england: Path, database, neo4j_settings):  # type: ignore[no-untyped-def]
    from nhgraph.load import load, read_sources

    settings = neo4j_settings.model_copy(
        update={"reference_dir": england, "reference_regions": "E12000003"}
    )
    database.reset()
    result = load(database, read_sources(["reference"], settings), workers=1)
    yield database, result
    database.reset()


def test_a_region_of_england_loads_and_validates(yorkshire) -> None:  # type: ignore[no-untyped-def]
    database, result = yorkshire
    assert result.report.conforms
    counts = {
        r["label"]: r["n"]
        for r in database.read(
            "MATCH (n:Lsoa|Place|Region) RETURN labels(n)[0] AS label, count(*) AS n"
        )
    }
    assert counts == {"Lsoa": 3355, "Place": 15, "Region": 1}  # PROVENANCE: Y&H's LSOAs
    assert any("E06000065" in reason for reason in result.skipped)  # the split place, noted


def test_who_serves_answers_the_residents_own_system_in_a_split_place(yorkshire) -> None:  # type: ignore[no-untyped-def]
    from nhgraph import questions

    database, _ = yorkshire
    sides = database.read(
        "MATCH (l:Lsoa)-[:IN_PLACE]->(:Place {id: 'E06000065'}), (l)-[:IN_SYSTEM]->(s:System) "
        "WITH s.id AS system, min(l.id) AS lsoa RETURN system, lsoa ORDER BY system"
    )
    assert len(sides) == 3  # North Yorkshire: QE1, QOQ and QWO
    for side in sides:
        row = questions.who_serves(database, lsoa=side["lsoa"])
        assert row["system"] == side["system"]
        assert row["place"] == "E06000065"
    systems = database.read(
        "MATCH (:Place {id: 'E06000065'})-[:PART_OF]->(s:System) RETURN s.id AS id ORDER BY id"
    )
    assert [r["id"] for r in systems] == ["QE1", "QOQ", "QWO"]


# The command line ---------------------------------------------------------------------------


def test_the_command_refuses_an_unknown_region(neo4j_settings) -> None:  # type: ignore[no-untyped-def]
    from tests.command_line import run_cli, settings_env

    done = run_cli("load", "reference", "--region", "E12000099", env=settings_env(neo4j_settings))
    assert done.returncode == 2
    assert "unknown region E12000099" in " ".join(done.stderr.split())


def test_the_command_refuses_another_region_from_londons_extracts(neo4j_settings) -> None:  # type: ignore[no-untyped-def]
    from tests.command_line import run_cli, settings_env

    done = run_cli("load", "reference", "--region", "E12000008", env=settings_env(neo4j_settings))
    assert done.returncode == 2
    assert "holds London's files only" in " ".join(done.stderr.split())


def test_the_demo_loads_a_region_of_england_with_an_illustrative_layer(  # type: ignore[no-untyped-def]
    england: Path, neo4j_settings, database
) -> None:
    """``nhgraph demo --from ENGLAND --region R`` generates the team-of-teams layer for R,
    marked illustrative, and loads and validates it beside R's reference data."""
    import subprocess
    import sys

    from tests.command_line import settings_env

    database.reset()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nhgraph",
            "demo",
            "--no-serve",
            "--from",
            str(england),
            "--region",
            "E12000001",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **settings_env(neo4j_settings)},
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "ILLUSTRATIVE team-of-teams layer for region(s) E12000001" in done.stdout
    assert "conforms" in done.stdout
    [row] = database.read(
        "MATCH (i:Int)-[:IN_PLACE]->(p:Place)-[:PART_OF]->(:System)-[:IN_REGION]->(r:Region) "
        "RETURN count(DISTINCT i) AS ints, collect(DISTINCT r.id) AS regions, "
        "all(x IN collect(i.illustrative) WHERE x) AS illustrative"
    )
    assert row["ints"] > 0
    assert row["regions"] == ["E12000001"]
    assert row["illustrative"]
    database.reset()


def test_the_demo_refuses_another_region_from_londons_extracts(neo4j_settings) -> None:  # type: ignore[no-untyped-def]
    from tests.command_line import run_cli, settings_env

    done = run_cli("demo", "--no-serve", "--region", "E12000001", env=settings_env(neo4j_settings))
    assert done.returncode == 2
    assert "holds London's files only" in " ".join(done.stderr.split())


# The map of a region of England ----------------------------------------------------------------


def test_the_map_of_the_south_west_outlines_every_place(  # type: ignore[no-untyped-def]
    england: Path, database, neo4j_settings
) -> None:
    """Every place of the South West gets a valid outline on the map, Cornwall's among them:
    the rounding for the screen leaves some LSOA rings crossing themselves, and uniting
    Cornwall's 336 LSOAs failed in GEOS ("side location conflict"), so England's map layers
    could not be built at all."""
    import json

    from shapely.geometry import shape

    from nhgraph.load import load, read_sources
    from nhgraph.web.layers import Memo, build

    settings = neo4j_settings.model_copy(
        update={"reference_dir": england, "reference_regions": "E12000009"}
    )
    database.reset()
    try:
        load(database, read_sources(["ons-geography"], settings), workers=1)
        places = {r["id"] for r in database.read("MATCH (p:Place) RETURN p.id AS id")}
        _, built = build(database, Memo())
    finally:
        database.reset()
    areas = json.loads(built["areas"].body)["features"]
    outlined = {f["properties"]["id"] for f in areas if f["properties"]["kind"] == "place"}
    assert "E06000052" in places  # Cornwall
    assert outlined == places
    assert len(places) >= 25
    for feature in areas:
        outline = shape(feature["geometry"])
        assert outline.is_valid, feature["id"]
        assert outline.geom_type in ("Polygon", "MultiPolygon"), feature["id"]
    assert json.loads(built["lsoas"].body)["features"]
