"""The HSDS round trip: export London, import the export into a graph holding only the
reference data (and the neighbourhoods' footprints, which service areas name), export again:
the two exports are equal.

"Equal" is compared on the ndjson records of ``json/`` (``services``, ``organizations``,
``taxonomies``, ``taxonomy_terms``), record by record, keyed by id (the files are in the order
of nhgraph's own ids, which an import does not keep: a service imported is named by its UUID):

- every id of a service, organisation, location, taxonomy and term, and every reference to
  one (``organization_id``, ``taxonomy_term_id``, ``parent_organization_id``), is equal: the
  importer keeps a feed's UUIDs (``hsds_id``) and finds nhgraph's own organisations by their
  identifiers and IRIs;
- every field is equal but two: ``last_modified`` and ``assured_date``, which say when the
  record was last loaded and validated, and so are the import's time, not the export's;
- the ids of records that exist only as part of a service (schedules, service areas,
  attributes, phones, services at locations) are ``part_uuid("urn:uuid:<service's HSDS id>",
  kind, key)``, so they are equal too; a test checks each is made from the service it is
  nested in and the key it says, on both sides.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.export import hsds, hsds_files
from nhgraph.load import load, read_sources
from nhgraph.ontology.ids import part_uuid
from nhgraph.store import db

from .world import ON

DEMO = PROJECT_ROOT / "data" / "demo"
TIMES = ("last_modified", "assured_date")
FILES = ("services", "organizations", "taxonomies", "taxonomy_terms")
#: The nested records that are parts of a service, and the key each one's id is made from.
PARTS = {
    "schedules": ("schedule", lambda r: r.get("description") if r.get("opens_at") else "24/7"),
    "service_areas": ("service_area", lambda r: r["uri"].rsplit("/", 1)[-1]),
    "attributes": (
        "attribute",
        lambda r: f"{_scheme(r['taxonomy_term'])}/{r['taxonomy_term']['term']}",
    ),
    "phones": ("phone", lambda _r: "main"),
}


def _scheme(term: dict[str, Any]) -> str:
    return str(term.get("taxonomy", "")).rstrip("/").rsplit("/", 1)[-1]


def _records(folder: Path, name: str) -> dict[str, dict[str, Any]]:
    lines = (folder / "json" / f"{name}.ndjson").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    by_id = {r["id"]: r for r in records}
    assert len(by_id) == len(records), f"{name}: ids given twice"
    return by_id


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k not in TIMES}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def _parts_keyed(service: dict[str, Any]) -> dict[str, Any]:
    """The service with each part's id replaced by the (kind, key) it is the part_uuid of, in
    this service (by its HSDS id); a part whose id is not that is kept as is, so that a test
    fails on it."""
    iri = f"urn:uuid:{service['id']}"
    out = dict(service)
    for field, (kind, key_of) in PARTS.items():
        parts = []
        for part in service.get(field) or []:
            part = dict(part)
            key = key_of(part)
            if part["id"] == part_uuid(iri, kind, key):
                part["id"] = f"{kind}:{key}"
            parts.append(part)
        out[field] = sorted(parts, key=lambda p: json.dumps(p, sort_keys=True))
    return out


def _parts_sorted(service: dict[str, Any]) -> dict[str, Any]:
    out = dict(service)
    for field in PARTS:
        out[field] = sorted(service.get(field) or [], key=lambda p: json.dumps(p, sort_keys=True))
    return out


def _service_ids(graph: db.Database) -> dict[str, str]:
    """HSDS id -> nhgraph id of every stored service, as the export names them."""
    rows = graph.read("MATCH (s:Service) RETURN s.id AS id, s.hsds_id AS hsds_id")
    return {hsds.record_id("Service", r["id"], r["hsds_id"]): r["id"] for r in rows}


def _footprints(target: Path) -> Path:
    """The demo's neighbourhood footprints alone: the geography service areas name."""
    for place in sorted(DEMO.iterdir()):
        footprint = place / "footprint.yaml"
        if footprint.is_file():
            (target / place.name).mkdir(parents=True)
            shutil.copy(footprint, target / place.name / "footprint.yaml")
    return target


@pytest.fixture(scope="module")
def exports(
    database: db.Database, neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("round-trip")
    database.reset()
    london = read_sources(["reference", str(DEMO)], neo4j_settings)
    assert load(database, london, on=ON, workers=2, save_findings=False).report.conforms
    first = hsds_files.write(hsds.Directory(database), root / "first").path
    first_ids = _service_ids(database)
    database.reset()
    footprints = _footprints(root / "footprints")
    reference = read_sources(["reference", str(footprints)], neo4j_settings)
    assert load(database, reference, on=ON, workers=2, save_findings=False).report.conforms
    imported = read_sources([f"hsds:{first}"], neo4j_settings, database=database)
    result = load(database, imported, on=ON, workers=2, save_findings=False)
    assert result.report.conforms, result.report.to_text()
    second = hsds_files.write(hsds.Directory(database), root / "second").path
    second_ids = _service_ids(database)
    yield {
        "first": Path(first),
        "second": Path(second),
        "first_ids": first_ids,
        "second_ids": second_ids,
        "imported": imported[0],
    }
    database.reset()


def test_the_import_holds_every_exported_service(exports: dict[str, Any]) -> None:
    services = _records(exports["first"], "services")
    assert len(services) >= 400  # London's demo directory
    imported = exports["imported"]
    assert imported.name == "hsds:first"
    made = [m for m in imported.models if type(m).__name__ == "Service"]
    assert sorted(m.hsds_id for m in made) == sorted(services)  # type: ignore[attr-defined]
    # Every provider is one the reference data holds: none is copied as a local organisation.
    assert not [m for m in imported.models if type(m).__name__ == "Organisation"]


@pytest.mark.parametrize("name", FILES)
def test_the_two_exports_hold_the_same_records(exports: dict[str, Any], name: str) -> None:
    first, second = _records(exports["first"], name), _records(exports["second"], name)
    assert sorted(first) == sorted(second)
    for uuid, record in first.items():
        one, two = _without_times(record), _without_times(second[uuid])
        if name == "services":  # the parts in one order (an import does not keep theirs)
            one, two = _parts_sorted(one), _parts_sorted(two)
        assert one == two, uuid  # part ids included: they are made from the service's HSDS id


def test_part_ids_are_made_from_each_side_s_service(exports: dict[str, Any]) -> None:
    # Each part's id is the part_uuid of its own service's HSDS id and its key, on both sides.
    for side in ("first", "second"):
        for uuid, record in _records(exports[side], "services").items():
            keyed = _parts_keyed(_without_times(record))
            for field in PARTS:
                assert all(":" in str(p["id"]) for p in keyed[field]), (side, uuid, field)
