"""The pure part of bench/hsds_import.py, so that it does not rot: the generated feed is the same
for the same seed, realistic (spread over the areas and organisations given, schedules and
terms), and every service of it passes the importer's own reading without a problem."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bench import hsds_import
from nhgraph.loaders import hsds

GEO = {
    "lsoas": {
        "E09000007": ["E01000907", "E01000908", "E01000909"],
        "E09000019": ["E01002704", "E01002705"],
    },
    "providers": ["ods:F84003", "ods:RKE"],
    "postcodes": [("NW1 7EH", 51.538, -0.14)],
}


def test_the_feed_is_the_same_for_the_same_seed() -> None:
    assert hsds_import.generate(50, GEO) == hsds_import.generate(50, GEO)
    assert hsds_import.generate(50, GEO) != hsds_import.generate(50, GEO, seed=2)


def test_the_feed_is_spread_and_reads_without_a_problem(tmp_path: Path) -> None:
    services = hsds_import.generate(400, GEO)
    folder = hsds_import.write_feed(tmp_path / "council", services)
    records, version = hsds.read_records(hsds.feed_files(folder), 50_000)
    assert len(records) == 400
    assert len(version) == 12
    assert len({r.id for r in records}) == 400
    kinds = Counter(
        "ods" if s["organization"].get("organization_identifiers") else "local" for s in services
    )
    assert min(kinds.values()) > 100
    areas = Counter(
        "point"
        if not s["service_areas"]
        else "place"
        if "E09" in s["service_areas"][0]["uri"]
        else "lsoa"
        for s in services
    )
    assert set(areas) == {"point", "place", "lsoa"}
    assert any(len(s["schedules"]) == 2 for s in services)
    problems: list[hsds.Problem] = []
    tables = hsds._tables(records, problems)
    drafts = [hsds._service(r, tables, problems) for r in records]
    assert problems == [], "\n".join(map(str, problems[:5]))
    assert all(d is not None and d.values["hours"] for d in drafts)
    assert (
        json.loads((folder / "services.ndjson").read_text().splitlines()[0])["id"]
        == (services[0]["id"])
    )
