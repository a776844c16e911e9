"""``nhgraph edit``, run as a real process on the small world: each edit made, with its record,
and each refusal with its code and exit code, writing nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nhgraph.config import Settings
from nhgraph.store import db, write_models

from .command_line import run_cli, settings_env
from .world import CAMDEN, world

AS_ADMIN = ["--as", "operator", "--format", "json"]
AS_CAMDEN = ["--as", "camden-integrator", "--integrator-of", CAMDEN, "--format", "json"]


@pytest.fixture
def small_world(graph: db.Database) -> db.Database:
    write_models(graph, world())
    return graph


def edit(settings: Settings, *args: str) -> tuple[int, Any]:
    """Run ``nhgraph edit ARGS``: its exit code and its JSON answer."""
    done = run_cli("edit", *args, env=settings_env(settings))
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout)


def _lsoas(database: db.Database, neighbourhood: str) -> list[str]:
    rows = database.read(
        "MATCH (:Neighbourhood {id: $id})-[:COVERS]->(l:Lsoa) RETURN l.id AS id ORDER BY id",
        {"id": neighbourhood},
    )
    return [r["id"] for r in rows]


def _records(database: db.Database) -> list[dict[str, Any]]:
    return [r["e"] for r in database.read("MATCH (e:Edit) RETURN e {.*} AS e ORDER BY e.at")]


def _one(database: db.Database, query: str) -> Any:
    [row] = database.read(query)
    return row["v"]


AGREEMENT = [
    "camden-care-records",
    "--name",
    "Camden shared care records",
    "--controller",
    "ods:RKE",
    "--controller",
    "ods:F83001",
    "--purpose",
    "direct_care",
    "--valid-from",
    "2026-01-01",
    "--lawful-basis",
    "a6_1_e",
    "--article9-condition",
    "a9_2_h",
    "--data-category",
    "health",
]

#: Each subcommand with its arguments, the nodes it writes, and a read of what it changed.
EDITS = {
    "add-lsoas-to-neighbourhood": (
        ["camden-north", "E01000803"],
        ["Neighbourhood/camden-north"],
        "MATCH (:Neighbourhood {id: 'camden-north'})-[:COVERS]->(l:Lsoa {id: 'E01000803'}) "
        "RETURN count(l) AS v",
        1,
    ),
    "move-lsoas": (
        ["E01000802", "--from", "camden-north", "--to", "camden-south"],
        ["Neighbourhood/camden-north", "Neighbourhood/camden-south"],
        "MATCH (:Neighbourhood {id: 'camden-south'})-[:COVERS]->(l:Lsoa {id: 'E01000802'}) "
        "RETURN count(l) AS v",
        1,
    ),
    "add-team-to-int": (
        ["camden-int-1", "hackney-int-1-district-nursing", "--tier", "tailored"],
        ["Membership/hackney-int-1-district-nursing-in-camden-int-1"],
        "MATCH (m:Membership {id: 'hackney-int-1-district-nursing-in-camden-int-1'}) "
        "RETURN m.tier AS v",
        "tailored",
    ),
    "align-specialist": (
        [
            "camden-int-1",
            "--specialty",
            "consultant_psychiatrist",
            "--provider",
            "ods:RKE",
            "--sessions-per-week",
            "1.5",
        ],
        ["SpecialistAlignment/camden-int-1-consultant_psychiatrist-ods-rke"],
        "MATCH (a:SpecialistAlignment {id: 'camden-int-1-consultant_psychiatrist-ods-rke'}) "
        "RETURN a.sessions_per_week AS v",
        1.5,
    ),
    "add-service": (
        [
            "camden-falls",
            "--name",
            "Falls prevention",
            "--provider",
            "ods:RKE",
            "--function",
            "frailty",
            "--neighbourhood",
            "camden-south",
            "--min-age",
            "60",
            "--channel",
            "phone",
        ],
        ["Service/camden-falls"],
        "MATCH (s:Service {id: 'camden-falls'}) RETURN s.min_age AS v",
        60,
    ),
    "end-service": (
        ["camden-frailty"],
        ["Service/camden-frailty"],
        "MATCH (s:Service {id: 'camden-frailty'}) RETURN s.status AS v",
        "ended",
    ),
    "register-data-sharing-agreement": (
        AGREEMENT,
        ["DataSharingAgreement/camden-care-records"],
        "MATCH (d:DataSharingAgreement {id: 'camden-care-records'}) RETURN d.status AS v",
        "active",
    ),
    "end-data-sharing-agreement": (
        ["camden-direct-care", "--on", "2026-11-30"],
        ["DataSharingAgreement/camden-direct-care"],
        "MATCH (d:DataSharingAgreement {id: 'camden-direct-care'}) "
        "RETURN toString(d.valid_to) AS v",
        "2026-11-30",
    ),
}


def test_every_edit_of_the_api_has_a_subcommand() -> None:
    from strawberry.types.base import get_object_definition

    from nhgraph.graphql.schema import Mutation

    mutations = {f.python_name for f in get_object_definition(Mutation, strict=True).fields}
    assert {name.replace("-", "_") for name in EDITS} == mutations


@pytest.mark.parametrize("subcommand", sorted(EDITS))
def test_each_edit_is_made_with_its_record(
    small_world: db.Database, neo4j_settings: Settings, subcommand: str
) -> None:
    args, nodes, query, expected = EDITS[subcommand]
    code, done = edit(neo4j_settings, subcommand, *args, *AS_CAMDEN)
    assert code == 0, done
    assert done["done"] is True
    assert (done["action"], done["by"]) == (subcommand.replace("-", "_"), "camden-integrator")
    assert done["nodes"] == nodes
    assert _one(small_world, query) == expected
    [record] = _records(small_world)
    assert (record["id"], record["by"], record["nodes"]) == (
        done["edit"],
        "camden-integrator",
        nodes,
    )


@pytest.mark.usefixtures("small_world")
def test_the_receipt_in_text_names_the_edit_what_it_wrote_and_its_warnings(
    neo4j_settings: Settings,
) -> None:
    done = run_cli(
        "edit",
        "add-lsoas-to-neighbourhood",
        "camden-north",
        "E01000803",
        "--as",
        "operator",
        env=settings_env(neo4j_settings),
    )
    assert done.returncode == 0, done.stderr
    assert "add_lsoas_to_neighbourhood done by operator" in done.stdout
    assert "wrote Neighbourhood/camden-north" in done.stdout
    # E01000803 is now in two neighbourhoods: a Warning, and the edit is still made.
    assert "warning:" in done.stdout
    assert "E01000803" in done.stdout


def _nothing_written(database: db.Database) -> None:
    assert _records(database) == []
    assert _lsoas(database, "camden-north") == ["E01000800", "E01000801", "E01000802"]
    assert _lsoas(database, "hackney-east") == ["E01001700", "E01001701", "E01001702"]


def test_not_found_exits_2_and_writes_nothing(
    small_world: db.Database, neo4j_settings: Settings
) -> None:
    args = ["E01000800", "--from", "no-such-hood", "--to", "camden-south"]
    code, refused = edit(neo4j_settings, "move-lsoas", *args, *AS_ADMIN)
    assert (code, refused["done"], refused["code"]) == (2, False, "not_found")
    assert "no-such-hood" in refused["message"]
    _nothing_written(small_world)


def test_an_invalid_value_exits_1_naming_the_field(
    small_world: db.Database, neo4j_settings: Settings
) -> None:
    args = ["camden-int-1", "--specialty", "consultant_geriatrician", "--provider", "ods:RKE"]
    code, refused = edit(
        neo4j_settings, "align-specialist", *args, "--sessions-per-week", "0", *AS_ADMIN
    )
    assert (code, refused["code"]) == (1, "invalid")
    assert "sessions_per_week" in refused["message"]
    _nothing_written(small_world)
    assert _one(small_world, "MATCH (a:SpecialistAlignment) RETURN count(a) AS v") == 1


def test_a_broken_rule_exits_1_with_the_rules_broken(
    small_world: db.Database, neo4j_settings: Settings
) -> None:
    code, refused = edit(
        neo4j_settings, "add-lsoas-to-neighbourhood", "camden-north", "E01001700", *AS_ADMIN
    )
    assert (code, refused["code"]) == (1, "rule_broken")
    assert [(r["severity"], r["node"]) for r in refused["rules"]] == [("Violation", "camden-north")]
    assert "outside the neighbourhood's place" in refused["rules"][0]["message"]
    _nothing_written(small_world)
    text = run_cli(
        "edit", "add-lsoas-to-neighbourhood", "camden-north", "E01001700",
        env=settings_env(neo4j_settings),
    )  # fmt: skip
    assert text.returncode == 1
    assert "refused (rule_broken)" in text.stderr
    assert "broken:" in text.stderr


def test_an_integrator_outside_its_places_exits_1(
    small_world: db.Database, neo4j_settings: Settings
) -> None:
    code, refused = edit(
        neo4j_settings, "add-lsoas-to-neighbourhood", "hackney-east", "E01001700", *AS_CAMDEN
    )
    assert (code, refused["code"]) == (1, "outside_your_places")
    assert "E09000012" in refused["message"]
    hackney = ["hackney-x", *AGREEMENT[1:6], "ons:E09000012", *AGREEMENT[7:]]
    code, refused = edit(neo4j_settings, "register-data-sharing-agreement", *hackney, *AS_CAMDEN)
    assert (code, refused["code"]) == (1, "outside_your_places")
    _nothing_written(small_world)
    assert _one(small_world, "MATCH (d:DataSharingAgreement) RETURN count(d) AS v") == 1
