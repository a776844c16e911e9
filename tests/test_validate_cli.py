"""`nhgraph validate` on files and on the stored graph: reports, formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from nhgraph.config import Settings
from nhgraph.schema.models import Neighbourhood
from nhgraph.store import db, write_models

from .command_line import run_cli, settings_env
from .world import world, write_bundle


@pytest.fixture
def world_file(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "world.yaml", world())


def test_a_conforming_file_exits_0(world_file: Path) -> None:
    done = run_cli("validate", str(world_file), "--on", "2026-06-01")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "conforms" in done.stdout


def test_a_violation_exits_1_naming_rule_and_node(tmp_path: Path) -> None:
    models = world()
    for model in models:
        if isinstance(model, Neighbourhood) and model.id == "camden-north":
            model.lsoas = [*model.lsoas, "E01001700"]  # a Hackney LSOA
    path = write_bundle(tmp_path / "broken.yaml", models)
    done = run_cli("validate", str(path), "--on", "2026-06-01", "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["conforms"] is False
    [result] = report["rules"]["nhgsh:Neighbourhood-lsoa-in-place"]
    assert result["focus_id"] == "camden-north"
    assert result["focus_name"] == "Camden North"
    assert result["value"] == "lsoa/E01001700"
    assert "E09000012" in result["message"]


def test_a_warning_alone_exits_0_and_is_shown(world_file: Path) -> None:
    done = run_cli("validate", str(world_file), "--on", "2030-11-01")
    assert done.returncode == 0
    assert "Warning nhgsh:DataSharingAgreement-expiring" in done.stdout
    assert "camden-direct-care" in done.stdout


def test_ttl_format_is_the_shacl_report_graph(tmp_path: Path) -> None:
    models = [m for m in world() if getattr(m, "id", None) != "camden-integrator"]
    path = write_bundle(tmp_path / "w.yaml", models)
    done = run_cli("validate", str(path), "--on", "2030-11-01", "--format", "ttl")
    report = Graph().parse(data=done.stdout, format="turtle")
    [node] = list(report.subjects(RDF.type, SH.ValidationReport))
    assert report.value(node, SH.conforms).toPython() is True
    assert len(list(report.subjects(RDF.type, SH.ValidationResult))) == 1


def test_model_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "neighbourhoods:\n"
        "  - id: camden-north\n"
        "    name: Camden North\n"
        "    place: E09000007\n"
        "    lsoas: [E01000800, E02000801]\n"
    )
    done = run_cli("validate", str(path))
    assert done.returncode == 1
    assert f"{path}:5: neighbourhoods[0] (id camden-north) lsoas.1" in done.stderr
    assert "'E02000801' is not an ONS LSOA code" in done.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"neighbourhoods: [unclosed\n", "is not valid YAML"),
        (b"places:\n  - id: E09000007\n    name: Caf\xe9\n", "is not UTF-8"),
        (b"", "is empty"),
        (b"- just a list\n", "must be a mapping"),
        (b"wards: []\n", "unknown key"),
    ],
)
def test_unreadable_input_exits_2_naming_the_file(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "input.yaml"
    path.write_bytes(content)
    done = run_cli("validate", str(path))
    assert done.returncode == (1 if expected == "unknown key" else 2), done.stderr
    assert str(path) in done.stderr
    assert expected in done.stderr


def test_a_missing_file_and_bad_turtle_exit_2(tmp_path: Path) -> None:
    done = run_cli("validate", str(tmp_path / "nowhere.yaml"))
    assert done.returncode == 2
    assert "does not exist" in done.stderr
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .")
    done = run_cli("validate", str(bad))
    assert done.returncode == 2
    assert "is not valid Turtle" in done.stderr


def test_a_broken_extra_shapes_file_exits_2(world_file: Path, tmp_path: Path) -> None:
    shapes = tmp_path / "core-offer-E09000007.ttl"
    shapes.write_text("this is not turtle")
    done = run_cli("validate", str(world_file), "--shapes", str(shapes))
    assert done.returncode == 2
    assert str(shapes) in done.stderr


def test_duplicate_ids_across_files_are_refused(tmp_path: Path) -> None:
    write_bundle(tmp_path / "a.yaml", world())
    write_bundle(tmp_path / "b.yaml", [m for m in world() if type(m).__name__ == "Place"])
    done = run_cli("validate", str(tmp_path))
    assert done.returncode == 1
    assert "duplicate id" in done.stderr
    assert "E09000007" in done.stderr


def test_validate_stored_graph(graph: db.Database, neo4j_settings: Settings) -> None:
    write_models(graph, world())
    env = settings_env(neo4j_settings)
    done = run_cli("validate", "--stored", "--on", "2026-06-01", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    # Break the stored graph behind the loader's back: a membership loses its tier.
    graph.write("MATCH (m:Membership {id: 'camden-int-1-district-nursing-m'}) REMOVE m.tier")
    done = run_cli("validate", "--stored", "--on", "2026-06-01", "--format", "json", env=env)
    assert done.returncode == 1
    rules = json.loads(done.stdout)["rules"]
    [result] = rules["nhgsh:Membership-tier"]
    assert result["focus_id"] == "camden-int-1-district-nursing-m"
    assert "nhgsh:CoreOffer-district_nursing" in rules
