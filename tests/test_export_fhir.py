"""``nhgraph export fhir DIR`` on London: every resource as ndjson, one file per type, and a
collection Bundle of them all that the HL7 validator (UK Core STU2) passes with no errors;
a deliberately broken resource fails it; a failed export leaves nothing behind."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nhgraph.config import Settings
from nhgraph.export import fhir
from nhgraph.export.fhir_files import ExportRefused, write_fhir
from nhgraph.store import db

from .asking import DAY
from .command_line import run_cli, settings_env
from .conftest import load_london_demo, make_test_settings
from .fhir_validator import Validator, collection_chunks, references


@pytest.fixture(scope="module")
def london(database: db.Database, neo4j_settings: Settings) -> Iterator[db.Database]:
    load_london_demo(database, neo4j_settings, DAY)
    yield database
    database.reset()


@pytest.fixture(scope="module")
def exported(london: db.Database, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """London exported by the command line, as an operator runs it, agreements included."""
    folder = tmp_path_factory.mktemp("fhir") / "london"
    done = run_cli("export", "fhir", str(folder), "--agreements", env=settings_env(london.settings))
    assert done.returncode == 0, done.stderr
    return folder


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _graph_counts(database: db.Database) -> dict[str, int]:
    def n(label: str, where: str = "") -> int:
        return int(database.read(f"MATCH (n:{label}) {where} RETURN count(n) AS c")[0]["c"])

    return {
        "Organization": n("Organisation") + n("Team") + n("Int"),
        "Location": n("Lsoa") + n("Neighbourhood") + n("Place") + n("Site"),
        "HealthcareService": n("Service"),
        "OrganizationAffiliation": n("Membership")
        + n("PcnMembership")
        + n("SpecialistAlignment")
        + n("IntegratorAppointment"),
        "PractitionerRole": n("Post", "WHERE n.holder_is_public"),
        "Contract": n("DataSharingAgreement"),
    }


def test_every_type_has_its_ndjson_file_with_every_node(
    exported: Path, london: db.Database
) -> None:
    counts = _graph_counts(london)
    assert counts["Organization"] > 1000
    assert counts["Location"] > 5000
    for resource_type in fhir.RESOURCE_TYPES:
        lines = _lines(exported / f"{resource_type}.ndjson")
        assert len(lines) == counts[resource_type], resource_type
        assert {r["resourceType"] for r in lines} <= {resource_type}
        ids = [r["id"] for r in lines]
        assert len(set(ids)) == len(ids), f"{resource_type}: ids repeat"
        assert all(fhir.FHIR_ID.fullmatch(i) for i in ids), resource_type


def test_every_reference_resolves_inside_the_bundle(exported: Path) -> None:
    bundle = json.loads((exported / "Bundle.json").read_text("utf-8"))
    assert bundle["type"] == "collection"
    held = {
        entry["resource"]["resourceType"] + "/" + entry["resource"]["id"]
        for entry in bundle["entry"]
    }
    assert len(held) == len(bundle["entry"])
    dangling = {ref for ref in references(bundle) if ref not in held}
    assert not dangling, sorted(dangling)[:10]


def test_the_london_bundle_has_no_errors(
    exported: Path, fhir_validator: Validator, tmp_path: Path
) -> None:
    """Every resource of London, in collection Bundles of about 1,500 in which every reference
    resolves (see collection_chunks: the validator is quadratic in a Bundle's size)."""
    bundle = json.loads((exported / "Bundle.json").read_text("utf-8"))
    pieces = collection_chunks(bundle, 1500)
    seen: set[str] = set()
    errors: list[str] = []
    warnings = 0
    kinds: Counter[str] = Counter()
    for index, piece in enumerate(pieces):
        seen |= {e["fullUrl"] for e in piece["entry"]}
        result = fhir_validator.check_json(piece, tmp_path, f"london-{index}")
        errors += result.of("error")
        warnings += result.warnings
        kinds += result.warning_kinds()
    assert seen == {e["fullUrl"] for e in bundle["entry"]}  # every resource was validated
    assert not errors, errors[:20]
    print(
        f"London: {len(pieces)} Bundles, 0 errors, {warnings} warnings: {dict(kinds.most_common())}"
    )
    # What may remain is what cannot be checked offline: nhgraph's own code systems, and the
    # recommendations (narrative), never a broken rule of a profile.
    allowed = ("CodeSystem is unknown", "None of the codings provided", "Constraint failed: dom-6")
    assert all(kind.startswith(allowed) for kind in kinds), kinds


def test_each_type_on_its_own_validates(
    exported: Path, fhir_validator: Validator, tmp_path: Path
) -> None:
    """One resource of each kind outside a Bundle (references then cannot be resolved, which
    the validator does not count as an error)."""
    checked = 0
    for resource_type in fhir.RESOURCE_TYPES:
        lines = _lines(exported / f"{resource_type}.ndjson")
        samples: dict[str, dict[str, Any]] = {}
        for resource in lines:
            samples.setdefault(resource["id"].split("-")[0], resource)
        for key, resource in list(samples.items())[:8]:
            result = fhir_validator.check_json(resource, tmp_path, f"{resource_type}-{key}")
            assert result.errors == 0, (resource_type, resource["id"], result.of("error"))
            checked += 1
    assert checked >= 10


def test_an_organization_with_two_ods_codes_fails(
    exported: Path, fhir_validator: Validator, tmp_path: Path
) -> None:
    [practice] = [r for r in _lines(exported / "Organization.ndjson") if r["id"] == "F84003"]
    broken = dict(practice)
    broken["identifier"] = [
        *practice["identifier"],
        {"system": fhir.ODS_ORGANISATION, "value": "F84004"},
    ]
    result = fhir_validator.check_json(broken, tmp_path, "two-ods")
    assert result.errors >= 1
    assert any("odsOrganisationCode" in message for message in result.of("error"))
    # and the unbroken one passes, so it is the second code that fails it
    assert fhir_validator.check_json(practice, tmp_path, "one-ods").errors == 0


def test_agreements_are_left_out_unless_asked(london: db.Database, tmp_path: Path) -> None:
    written = write_fhir(london, tmp_path / "public", bundle=False)
    assert "Contract" not in written.counts
    assert not (tmp_path / "public" / "Contract.ndjson").exists()
    assert written.counts["HealthcareService"] == _graph_counts(london)["HealthcareService"]


def test_an_existing_folder_is_refused_and_kept(london: db.Database, tmp_path: Path) -> None:
    folder = tmp_path / "there"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep me")
    with pytest.raises(ExportRefused, match="already exists"):
        write_fhir(london, folder)
    assert [p.name for p in folder.iterdir()] == ["mine.txt"]


def test_a_failed_export_leaves_nothing(tmp_path: Path) -> None:
    """Neo4j unreachable half way (here from the start): no folder, no staging left."""
    away = db.Database(make_test_settings(neo4j_uri="bolt://127.0.0.1:9", neo4j_retry_seconds=0))
    try:
        with pytest.raises(db.DatabaseUnavailable):
            write_fhir(away, tmp_path / "never")
    finally:
        away.close()
    assert list(tmp_path.iterdir()) == []


def test_the_command_refuses_an_existing_folder(neo4j_settings: Settings, tmp_path: Path) -> None:
    done = run_cli("export", "fhir", str(tmp_path), env=settings_env(neo4j_settings))
    assert done.returncode == 2
    assert "already exists" in done.stderr


def test_the_bundle_holds_every_type_london_has(exported: Path) -> None:
    """London has no public named posts, so no PractitionerRole; every other type is there."""
    bundle = json.loads((exported / "Bundle.json").read_text("utf-8"))
    kinds = Counter(entry["resource"]["resourceType"] for entry in bundle["entry"])
    assert set(kinds) == set(fhir.RESOURCE_TYPES) - {"PractitionerRole"}


# -- a collection Bundle of one place --------------------------------------------------------

PLACE = "E09000007"  # Camden


@pytest.fixture(scope="module")
def camden(london: db.Database, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Camden exported by the command line with --place, agreements included."""
    folder = tmp_path_factory.mktemp("fhir-place") / "camden"
    done = run_cli(
        "export",
        "fhir",
        str(folder),
        "--place",
        PLACE,
        "--agreements",
        env=settings_env(london.settings),
    )
    assert done.returncode == 0, done.stderr
    return folder


def test_a_place_bundle_holds_the_place_and_what_belongs_to_it(
    camden: Path, london: db.Database
) -> None:
    bundle = json.loads((camden / "Bundle.json").read_text("utf-8"))
    assert bundle["type"] == "collection"
    held = {e["resource"]["resourceType"] + "/" + e["resource"]["id"] for e in bundle["entry"]}
    assert len(held) == len(bundle["entry"])  # each once
    assert f"Location/{PLACE}" in held

    def ids(statement: str) -> set[str]:
        return {row["id"] for row in london.read(statement, {"place": PLACE})}

    lsoas = ids("MATCH (n:Lsoa)-[:IN_PLACE]->(:Place {id: $place}) RETURN n.id AS id")
    ints = ids("MATCH (n:Int)-[:IN_PLACE]->(:Place {id: $place}) RETURN n.id AS id")
    organisations = ids(
        "MATCH (n:Organisation)-[:OPERATES_IN]->(:Place {id: $place}) RETURN n.id AS id"
    ) | ids(
        "MATCH (n:Organisation), (:Postcode {id: n.postcode})-[:IN_LSOA]->(:Lsoa)"
        "-[:IN_PLACE]->(:Place {id: $place}) RETURN n.id AS id"
    )
    services = ids(
        "MATCH (s:Service)-[:FOR_AREA]->(a) WHERE a.id = $place "
        "OR EXISTS { (a)-[:IN_PLACE]->(:Place {id: $place}) } RETURN DISTINCT s.id AS id"
    )
    assert len(lsoas) > 100
    assert ints
    assert len(organisations) > 20
    assert services
    assert {f"Location/{code}" for code in lsoas} <= held
    assert {f"Organization/int-{i}" for i in ints} <= held
    assert {f"Organization/{fhir.organization_id(o)}" for o in organisations} <= held
    assert {f"HealthcareService/{s}" for s in services} <= held
    # the place's INT memberships are there; and the Bundle is not all of London
    memberships = ids(
        "MATCH (m:Membership)-[:OF_INT]->(:Int)-[:IN_PLACE]->(:Place {id: $place}) "
        "RETURN m.id AS id"
    )
    assert memberships
    assert {f"OrganizationAffiliation/membership-{m}" for m in memberships} <= held
    every_lsoa = int(london.read("MATCH (n:Lsoa) RETURN count(n) AS c")[0]["c"])
    lsoas_held = sum(1 for key in held if key.startswith("Location/E01"))
    assert lsoas_held < every_lsoa / 4
    # the ndjson files hold the same resources as the Bundle
    lines = {
        f"{r['resourceType']}/{r['id']}"
        for resource_type in fhir.RESOURCE_TYPES
        if (camden / f"{resource_type}.ndjson").exists()
        for r in _lines(camden / f"{resource_type}.ndjson")
    }
    assert lines == held


def test_every_reference_of_a_place_bundle_resolves_inside_it(camden: Path) -> None:
    bundle = json.loads((camden / "Bundle.json").read_text("utf-8"))
    held = {e["resource"]["resourceType"] + "/" + e["resource"]["id"] for e in bundle["entry"]}
    found = list(references(bundle))
    assert len(found) > 200
    dangling = {ref for ref in found if ref not in held}
    assert not dangling, sorted(dangling)[:10]
    # a place's service may cover an area of another place: that area comes with it
    outside = [k for k in held if k.startswith("Location/E09") and k != f"Location/{PLACE}"]
    for key in outside:
        assert any(ref == key for ref in found), f"{key} is held but nothing references it"


def test_a_place_bundle_has_no_errors(
    camden: Path, fhir_validator: Validator, tmp_path: Path
) -> None:
    """The place's Bundle whole, as it is written (no cutting: it is closed by itself)."""
    bundle = json.loads((camden / "Bundle.json").read_text("utf-8"))
    result = fhir_validator.check(camden / "Bundle.json")
    assert not result.of("error"), result.of("error")[:20]
    assert result.errors == 0
    allowed = ("CodeSystem is unknown", "None of the codings provided", "Constraint failed: dom-6")
    assert all(kind.startswith(allowed) for kind in result.warning_kinds())
    # and it fails when one of its entries breaks a profile: the entries are validated
    broken = json.loads(json.dumps(bundle))
    practice = next(
        e["resource"]
        for e in broken["entry"]
        if e["resource"]["resourceType"] == "Organization"
        and e["resource"]["identifier"][0]["system"] == fhir.ODS_ORGANISATION
    )
    practice["identifier"].append({"system": fhir.ODS_ORGANISATION, "value": "F84004"})
    errors = fhir_validator.check_json(broken, tmp_path, "camden-broken").of("error")
    assert any("odsOrganisationCode" in message for message in errors), errors[:5]


def test_an_unknown_place_exits_2_naming_it(london: db.Database, tmp_path: Path) -> None:
    folder = tmp_path / "nowhere"
    done = run_cli(
        "export", "fhir", str(folder), "--place", "E09000099", env=settings_env(london.settings)
    )
    assert done.returncode == 2, done.stderr
    assert "E09000099" in done.stderr
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == []  # no staging folder left either
