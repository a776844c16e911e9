"""The ONS postcode directory layout: region filter, live postcodes, named errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.nspl import HEADER, write_nspl
from nhgraph import db
from nhgraph.config import Settings
from nhgraph.loaders.errors import InputError
from nhgraph.loaders.pipeline import load, read_sources

from .world import ON


def test_london_live_postcodes_are_kept(tmp_path: Path) -> None:
    from nhgraph.loaders.postcodes import load_postcodes

    path = write_nspl(tmp_path / "nspl.csv", 2000)
    data = load_postcodes(path)
    # every 14th row is London (share 0.07), and one row in ten is terminated
    assert 120 <= len(data.models) <= 143
    assert all(m.lsoa.startswith("E01") for m in data.models)
    assert all(" " in m.id for m in data.models)


def test_postcodes_load_and_link_to_lsoas(
    graph: db.Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    path = write_nspl(tmp_path / "nspl.csv", 3000)
    sources = read_sources(["ons-geography", f"postcodes:{path}"], neo4j_settings)
    result = load(graph, sources, on=ON)
    kept = result.written.created["Postcode"]
    assert kept > 150
    linked = graph.read("MATCH (:Postcode)-[:IN_LSOA]->(:Lsoa) RETURN count(*) AS n")
    assert linked == [{"n": kept}]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("pcd,lat,long\nAB1 0AA,57.1,-2.1\n", "no column for lsoa, region"),
        (",".join(HEADER) + "\nAB1 0AA,truncated\n", "fields where the header has"),
        ("", "is empty"),
    ],
)
def test_broken_postcode_files_are_named(tmp_path: Path, content: str, expected: str) -> None:
    from nhgraph.loaders.postcodes import load_postcodes

    path = tmp_path / "nspl.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=expected) as caught:
        load_postcodes(path)
    assert str(path) in str(caught.value)


def test_a_malformed_london_postcode_is_named_with_its_line(tmp_path: Path) -> None:
    from nhgraph.loaders.postcodes import load_postcodes

    path = write_nspl(tmp_path / "nspl.csv", 100)
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[1].split(",")
    fields[2] = "NOT A PC"  # pcds of row 0, a London row
    lines[1] = ",".join(fields)
    path.write_text("".join(lines))
    with pytest.raises(InputError, match=r"nspl.csv:2: Postcode id: 'NOT A PC' is not a UK"):
        load_postcodes(path)
