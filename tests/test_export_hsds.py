"""``nhgraph export hsds DIR`` on London with services at sites: the ndjson records validate
against the ORUK 3.0 schemas, the CSV headers are the data package's, the tables' columns are
the published schemas' (so the field lists in the code cannot drift), the files agree with the
API's records, and the export is all or nothing (refused on a non-empty folder, and a failure
leaves the folder as it was)."""

from __future__ import annotations

import csv
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.oruk_data import sited_services
from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.export import hsds, hsds_files
from nhgraph.load import load, read_sources
from nhgraph.store import db

from . import standards
from .command_line import run_cli, settings_env
from .conftest import make_test_settings

#: Columns the ORUK schemas do not list as properties but the tables carry (see hsds_files).
EXTRA_COLUMNS = {"attribute.csv": {"link_entity"}, "phones.csv": {"service_id"}}


@pytest.fixture(scope="module")
def london(database: db.Database, neo4j_settings: Settings) -> Iterator[db.Database]:
    database.reset()
    load(
        database,
        read_sources(["reference", str(PROJECT_ROOT / "data" / "demo")], neo4j_settings),
        workers=2,
    )
    sited_services(database, 20)
    yield database
    database.reset()


class Exported:
    """What one run of ``nhgraph export hsds`` said and how it ended."""

    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        self.exit_code = done.returncode
        self.output = done.stdout + done.stderr


def _export(folder: Path, *extra: str, port: int | None = None) -> Exported:
    env = settings_env(make_test_settings())
    if port is not None:
        env["NHGRAPH_NEO4J_BOLT_PORT"] = str(port)
        env.pop("NHGRAPH_NEO4J_URI", None)
    return Exported(run_cli("export", "hsds", str(folder), *extra, env=env))


@pytest.fixture(scope="module")
def exported(london: db.Database, tmp_path_factory: pytest.TempPathFactory) -> Path:
    del london
    folder = tmp_path_factory.mktemp("export") / "london"
    result = _export(folder)
    assert result.exit_code == 0, result.output
    assert "services" in result.output
    return folder


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_json_records_validate(exported: Path) -> None:
    schemas = {
        "services.ndjson": "service",
        "organizations.ndjson": "organization",
        "taxonomies.ndjson": "taxonomy",
        "taxonomy_terms.ndjson": "taxonomy_term",
    }
    assert set(schemas) == set(hsds_files.JSON_FILES)
    for name, schema in schemas.items():
        records = _lines(exported / "json" / name)
        assert records, name
        for record in records:
            standards.assert_valid(record, schema, f"json/{name}")


def test_the_services_are_the_apis_fully_nested_services(
    exported: Path, london: db.Database
) -> None:
    records = _lines(exported / "json" / "services.ndjson")
    directory = hsds.Directory(london)
    assert len(records) == directory.service_page(hsds.NO_FILTERS, 1, 1).total
    for record in records[:: max(1, len(records) // 10)]:
        assert directory.service(record["id"]) == record


def test_the_csv_headers_are_the_datapackages(exported: Path) -> None:
    package = json.loads((exported / "datapackage.json").read_text())
    resources = package["resources"]
    assert len(resources) == len(hsds_files.TABLES) >= 12
    for resource in resources:
        with (exported / resource["path"]).open(newline="") as handle:
            header = next(csv.reader(handle))
        assert header == [f["name"] for f in resource["schema"]["fields"]], resource["path"]


def test_the_tables_are_the_published_oruk_tables(exported: Path) -> None:
    """Each table's columns are its ORUK 3.0 schema's scalar properties, in order, with their
    types (plus the named extra columns), so the field lists in the code match the standard."""
    folder = standards.require(standards.ORUK) / "schema"
    published = {}
    for file in folder.glob("*.json"):
        schema = json.loads(file.read_text())
        if "path" in schema and file.name != "service_with_definitions.json":
            published[schema["path"]] = [
                (name, spec.get("type"), spec.get("format"))
                for name, spec in schema["properties"].items()
                if spec.get("type") not in ("array", "object") and "$ref" not in spec
            ]
    assert len(published) >= 15
    for path, columns in hsds_files.TABLES.items():
        ours = [c for c in columns if c[0] not in EXTRA_COLUMNS.get(path, set())]
        assert ours == published[path], path
    core = standards.require(standards.HSDS_CORE) / "schema"
    for path, extra in EXTRA_COLUMNS.items():
        name = "attribute.json" if path == "attribute.csv" else "phone.json"
        assert extra <= set(json.loads((core / name).read_text())["properties"])
    del exported


def test_the_rows_hold_every_record(exported: Path) -> None:
    services = _lines(exported / "json" / "services.ndjson")
    with (exported / "services.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == [s["id"] for s in services]
    with (exported / "service_at_location.csv").open(newline="") as handle:
        sals = list(csv.DictReader(handle))
    assert len(sals) == sum(len(s["service_at_locations"]) for s in services) >= 20
    with (exported / "attribute.csv").open(newline="") as handle:
        attributes = list(csv.DictReader(handle))
    assert {a["link_entity"] for a in attributes} == {"service"}


def test_a_non_empty_folder_is_refused_unless_forced(exported: Path) -> None:
    before = sorted(p.name for p in exported.iterdir())
    result = _export(exported)
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert "--force" in result.output
    assert sorted(p.name for p in exported.iterdir()) == before
    forced = _export(exported, "--force")
    assert forced.exit_code == 0, forced.output
    assert sorted(p.name for p in exported.iterdir()) == before
    assert not [p for p in exported.parent.iterdir() if p.name.startswith(".")]


def test_a_file_in_place_of_the_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("keep me")
    result = _export(target)
    assert result.exit_code == 2
    assert "is a file" in result.output
    assert target.read_text() == "keep me"


def test_a_failed_export_leaves_the_folder_as_it_was(exported: Path, tmp_path: Path) -> None:
    """The store away mid-export (no Neo4j at the port): exit 1, nothing written, nothing
    replaced, no staging folder left behind."""
    from bench.common import free_port

    del exported
    previous = tmp_path / "previous"
    previous.mkdir()
    (previous / "services.csv").write_text("the last good export\n")
    result = _export(previous, "--force", port=free_port())
    assert result.exit_code == 1, result.output
    assert [p.name for p in previous.iterdir()] == ["services.csv"]
    assert (previous / "services.csv").read_text() == "the last good export\n"
    fresh = tmp_path / "fresh"
    assert _export(fresh, port=free_port()).exit_code == 1
    assert not fresh.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["previous"]


# -- the id rule -----------------------------------------------------------------------------


def _row(**node: Any) -> dict[str, Any]:
    return {
        "id": "camden-frailty",
        "node": {
            "id": "camden-frailty",
            "name": "Frailty",
            "hours": ["Mon-Fri 08:00-18:30"],
            "channels": ["phone"],
            **node,
        },
        "provider": None,
        "function": "frailty",
        "cohorts": [],
        "sites": [{"id": "camden-hub", "name": "Camden hub", "postcode": "NW1 2AA"}],
        "lsoas": [{"id": "E01000907", "name": "Camden 001A", "boundaries": []}],
        "neighbourhoods": [],
        "places": [],
    }


def test_a_node_without_a_stored_id_is_uuid5_over_its_iri_and_its_parts_follow() -> None:
    from nhgraph.ontology.ids import hsds_uuid, part_uuid
    from nhgraph.ontology.rdf import node_iri

    record = hsds.service_record(_row(), {}, full=True)
    expected = hsds_uuid(str(node_iri("Service", "camden-frailty")))
    assert record["id"] == expected
    parent = f"urn:uuid:{expected}"
    assert record["schedules"][0]["id"] == part_uuid(parent, "schedule", "Mon-Fri 08:00-18:30")
    assert record["service_areas"][0]["id"] == part_uuid(parent, "service_area", "E01000907")
    location = hsds_uuid(str(node_iri("Site", "camden-hub")))
    [sal] = record["service_at_locations"]
    assert sal["location"]["id"] == location
    assert sal["id"] == part_uuid(parent, "service_at_location", location)
    assert sal["location"]["addresses"][0]["id"] == part_uuid(
        f"urn:uuid:{location}", "address", "physical"
    )
    assert {a["id"] for a in record["attributes"]} == {
        part_uuid(parent, "attribute", "function/frailty"),
        part_uuid(parent, "attribute", "channel/phone"),
    }


def test_a_stored_hsds_id_is_kept_and_names_the_parts() -> None:
    from nhgraph.ontology.ids import part_uuid

    feed = "0b6a8f1e-3c1d-4a57-9b0e-2f4f7c1d2e3a"
    record = hsds.service_record(_row(hsds_id=feed), {}, full=True)
    assert record["id"] == feed
    assert record["schedules"][0]["id"] == part_uuid(
        f"urn:uuid:{feed}", "schedule", "Mon-Fri 08:00-18:30"
    )
    assert (
        hsds.service_record(_row(), {}, full=True)["schedules"][0]["id"]
        != (record["schedules"][0]["id"])
    )
