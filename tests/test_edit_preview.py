"""A dry run of an edit (issue 17's preview): checked exactly as the edit would be, in its own
transaction, then rolled back. It answers what the real edit would (what changes, the warnings,
or the same refusal) and changes nothing: no node, property, link, claim, lock or ``Edit``
record is left behind, so the real edit made after it succeeds with the same changes.

Each of the eight edits is previewed in the edits layer and through its GraphQL mutation; a
test holds the cases to every mutation of the schema, so a ninth edit cannot go untested.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from nhgraph import edits
from nhgraph.access import PUBLIC, Principal
from nhgraph.config import Settings
from nhgraph.graphql.schema import SDL_PATH, schema
from nhgraph.ontology.report import ValidationResult
from nhgraph.store import db, write_models
from nhgraph.store.locks import CLAIM
from nhgraph.store.statements import LOCK

from .clients import GOVERNANCE, INTEGRATOR, KEYS, ROLE_KEYS, Client, operation_header
from .command_line import run_cli, settings_env
from .conftest import LiveServer, make_test_settings
from .world import CAMDEN, HACKNEY, world

CAMDEN_INTEGRATOR = Principal("camden-integrator", "integrator", frozenset({CAMDEN}))
HACKNEY_INTEGRATOR = Principal("hackney-integrator", "integrator", frozenset({HACKNEY}))
ADMIN = Principal("admin", "admin")

Edit = Callable[..., edits.EditReceipt]

AGREEMENT = {
    "id": "camden-care-records",
    "name": "Camden shared care records",
    "controllers": ["ods:RKE", "ods:F83001"],
    "purposes": ["direct_care"],
    "valid_from": date(2026, 1, 1),
    "lawful_basis": "a6_1_e",
    "article9_condition": "a9_2_h",
    "data_categories": ["health"],
}
SERVICE = {
    "id": "camden-falls",
    "name": "Falls prevention",
    "provider": "ods:RKE",
    "function": "frailty",
    "neighbourhoods": ["camden-south"],
    "min_age": 60,
    "channels": ["phone"],
}

#: One edit of each kind that the Camden integrator may make on the small world, by its name:
#: the function, its positional arguments and its keyword arguments.
CASES: dict[str, tuple[Edit, tuple[Any, ...], dict[str, Any]]] = {
    "add_lsoas_to_neighbourhood": (
        edits.add_lsoas_to_neighbourhood,
        (),
        {"neighbourhood": "camden-north", "lsoas": ["E01000803"]},
    ),
    "move_lsoas": (
        edits.move_lsoas,
        (),
        {
            "lsoas": ["E01000802"],
            "from_neighbourhood": "camden-north",
            "to_neighbourhood": "camden-south",
        },
    ),
    "add_team_to_int": (
        edits.add_team_to_int,
        (),
        {
            "int_id": "camden-int-1",
            "team": "hackney-int-1-district-nursing",
            "tier": "consistent",
            "start": date(2026, 12, 1),
        },
    ),
    "align_specialist": (
        edits.align_specialist,
        (),
        {
            "int_id": "camden-int-1",
            "specialty": "consultant_psychiatrist",
            "provider": "ods:RKE",
            "sessions_per_week": 1.5,
        },
    ),
    "add_service": (edits.add_service, (SERVICE,), {}),
    "end_service": (edits.end_service, (), {"service": "camden-frailty"}),
    "register_data_sharing_agreement": (edits.register_data_sharing_agreement, (AGREEMENT,), {}),
    "end_data_sharing_agreement": (
        edits.end_data_sharing_agreement,
        (),
        {"agreement": "camden-direct-care", "end": date(2026, 11, 30)},
    ),
}
MINIMUM_CASES = 8  # one per edit: raise it as edits are added, so the suite cannot shrink


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _mutations() -> dict[str, Any]:
    """The schema's Mutation fields, by name."""
    mutation = schema._schema.mutation_type
    assert mutation is not None
    return dict(mutation.fields)


def dump(database: db.Database) -> tuple[list[str], list[str]]:
    """Every node (labels and properties) and every relationship (type, ends and properties),
    each as sorted JSON: two dumps are equal only if the graph is exactly as it was."""
    nodes = database.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS properties")
    links = database.read(
        "MATCH (a)-[r]->(b) RETURN type(r) AS type, labels(a) AS a_labels, a.id AS a, "
        "labels(b) AS b_labels, b.id AS b, properties(r) AS properties"
    )

    def text(rows: list[dict[str, Any]]) -> list[str]:
        return sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)

    return text(nodes), text(links)


def assert_untouched(database: db.Database, before: tuple[list[str], list[str]]) -> None:
    """Nothing was written: no claim's placeholder, no lock property, no record, and every
    node, link and property as it was."""
    marked = database.read(
        f"MATCH (n) WHERE n.{CLAIM} IS NOT NULL OR n.{LOCK} IS NOT NULL RETURN count(n) AS n"
    )
    assert marked == [{"n": 0}]
    assert database.read("MATCH (e:Edit) RETURN count(e) AS n") == [{"n": 0}]
    after = dump(database)
    assert len(after[0]) == len(before[0])
    assert len(after[1]) == len(before[1])
    assert after == before


def _rules(results: list[ValidationResult]) -> list[tuple[str, str, str | None, str]]:
    return [(r.rule, r.severity, r.focus_id, r.message) for r in results]


def _refusal(edit: Edit, *args: Any, **kwargs: Any) -> edits.EditRefused:
    with pytest.raises(edits.EditRefused) as refused:
        edit(*args, **kwargs)
    return refused.value


@pytest.fixture
def small_world(graph: db.Database) -> db.Database:
    write_models(graph, world())
    return graph


def test_the_cases_cover_every_mutation() -> None:
    assert len(CASES) >= MINIMUM_CASES
    assert {_camel(name) for name in CASES} == set(_mutations())
    assert set(GRAPHQL_CASES) == set(_mutations())
    for name, field in _mutations().items():
        dry_run = field.args["dryRun"]
        assert str(dry_run.type) == "Boolean!", name
        assert dry_run.default_value is False, name


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_dry_run_writes_nothing_and_the_real_edit_then_gives_the_same_answer(
    small_world: db.Database, name: str
) -> None:
    edit, args, kwargs = CASES[name]
    before = dump(small_world)
    dry = edit(small_world, CAMDEN_INTEGRATOR, *args, dry_run=True, **kwargs)
    assert (dry.committed, dry.id, dry.action) == (False, "", name)
    assert dry.changes, dry
    assert_untouched(small_world, before)
    # The claim of a new id was rolled back with the rest: the real edit takes the same id.
    real = edit(small_world, CAMDEN_INTEGRATOR, *args, **kwargs)
    assert real.committed
    assert real.id
    assert real.changes == dry.changes
    assert real.nodes == dry.nodes
    assert _rules(real.warnings) == _rules(dry.warnings)
    [record] = small_world.read("MATCH (e:Edit) RETURN e.id AS id, e.action AS action")
    assert record == {"id": real.id, "action": name}
    assert dump(small_world) != before


def test_the_changes_say_what_each_edit_changes(small_world: db.Database) -> None:
    def changes(name: str) -> list[str]:
        edit, args, kwargs = CASES[name]
        return edit(small_world, CAMDEN_INTEGRATOR, *args, dry_run=True, **kwargs).changes

    assert changes("move_lsoas") == [
        "neighbourhood camden-north: loses E01000802 from lsoas",
        "neighbourhood camden-south: gains E01000802 in lsoas",
    ]
    assert changes("add_team_to_int") == [
        "membership hackney-int-1-district-nursing-in-camden-int-1: added (team "
        "hackney-int-1-district-nursing, int camden-int-1, tier consistent, start 2026-12-01)"
    ]
    assert changes("add_service") == [
        "service camden-falls: added (name Falls prevention, provider ods:RKE, function "
        "frailty, neighbourhoods camden-south, min age 60, channels phone)"
    ]
    gateway = {**SERVICE, "id": "camden-phone", "channels": ["phone"], "self_referral": True}
    assert edits.add_service(small_world, CAMDEN_INTEGRATOR, gateway, dry_run=True).changes == [
        "service camden-phone: added (name Falls prevention, provider ods:RKE, function "
        "frailty, neighbourhoods camden-south, min age 60, channels phone, self referral yes)"
    ]
    assert changes("end_service") == ["service camden-frailty: status active → ended"]
    assert changes("end_data_sharing_agreement") == [
        "data sharing agreement camden-direct-care: status active → ended",
        "data sharing agreement camden-direct-care: valid to 2030-12-31 → 2026-11-30",
    ]
    # A node written over without being read first (the same team again, in another tier) is
    # told against its stored self.
    edit, args, kwargs = CASES["add_team_to_int"]
    edit(small_world, CAMDEN_INTEGRATOR, *args, **kwargs)
    again = edit(
        small_world, CAMDEN_INTEGRATOR, *args, dry_run=True, **{**kwargs, "tier": "tailored"}
    )
    assert again.changes == [
        "membership hackney-int-1-district-nursing-in-camden-int-1: tier consistent → tailored"
    ]
    assert edit(small_world, CAMDEN_INTEGRATOR, *args, dry_run=True, **kwargs).changes == [
        "membership hackney-int-1-district-nursing-in-camden-int-1: unchanged"
    ]
    # A Warning is previewed as the edit would give it: E01000803 would be in two
    # neighbourhoods.
    edit, args, kwargs = CASES["add_lsoas_to_neighbourhood"]
    dry = edit(small_world, CAMDEN_INTEGRATOR, *args, dry_run=True, **kwargs)
    assert [w.severity for w in dry.warnings] == ["Warning"]


#: Edits the rules refuse, each with its code: who makes it, the function and its arguments.
REFUSED: dict[str, tuple[str, Principal, Edit, tuple[Any, ...], dict[str, Any]]] = {
    "lsoa outside the place": (
        "rule_broken",
        CAMDEN_INTEGRATOR,
        edits.add_lsoas_to_neighbourhood,
        (),
        {"neighbourhood": "camden-north", "lsoas": ["E01001700"]},
    ),
    "unknown framework": (
        "rule_broken",
        ADMIN,
        edits.register_data_sharing_agreement,
        ({**AGREEMENT, "framework": "no-such-framework"},),
        {},
    ),
    "footprint emptied": (
        "invalid",
        CAMDEN_INTEGRATOR,
        edits.move_lsoas,
        (),
        {
            "lsoas": ["E01000800", "E01000801", "E01000802"],
            "from_neighbourhood": "camden-north",
            "to_neighbourhood": "camden-south",
        },
    ),
    "service id taken": (
        "invalid",
        CAMDEN_INTEGRATOR,
        edits.add_service,
        ({**SERVICE, "id": "camden-frailty"},),
        {},
    ),
    "no such INT": (
        "not_found",
        CAMDEN_INTEGRATOR,
        edits.add_team_to_int,
        (),
        {"int_id": "no-such-int", "team": "camden-pharmacy", "tier": "tailored"},
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_dry_run_is_refused_as_the_real_edit_is(small_world: db.Database, case: str) -> None:
    code, principal, edit, args, kwargs = REFUSED[case]
    before = dump(small_world)
    dry = _refusal(edit, small_world, principal, *args, dry_run=True, **kwargs)
    assert_untouched(small_world, before)
    real = _refusal(edit, small_world, principal, *args, **kwargs)
    assert_untouched(small_world, before)
    assert type(dry) is type(real)
    assert (dry.code, dry.message) == (real.code, real.message)
    assert dry.code == code
    assert _rules(dry.rules) == _rules(real.rules)
    assert bool(dry.rules) == (code == "rule_broken")


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_dry_run_outside_your_places_is_refused(small_world: db.Database, name: str) -> None:
    edit, args, kwargs = CASES[name]
    before = dump(small_world)
    dry = _refusal(edit, small_world, HACKNEY_INTEGRATOR, *args, dry_run=True, **kwargs)
    real = _refusal(edit, small_world, HACKNEY_INTEGRATOR, *args, **kwargs)
    assert dry.code == "outside_your_places"
    assert (dry.code, dry.message) == (real.code, real.message)
    assert_untouched(small_world, before)


@pytest.mark.parametrize("principal", [PUBLIC, Principal("ico-lead", "governance")])
def test_a_dry_run_by_a_role_that_may_not_edit_is_refused(
    small_world: db.Database, principal: Principal
) -> None:
    before = dump(small_world)
    for edit, args, kwargs in CASES.values():
        refused = _refusal(edit, small_world, principal, *args, dry_run=True, **kwargs)
        assert refused.code == "outside_your_places"
        assert "may not edit" in refused.message
    assert_untouched(small_world, before)


# -- over GraphQL -----------------------------------------------------------------------------

RESULT = """
  __typename
  ... on EditDone { edit action by committed changes nodes warnings { rule severity node } }
  ... on EditRefused { code message rules { rule severity node message } }
"""

#: Each mutation with a valid edit by the Camden integrator: its arguments and variables (the
#: same edits as CASES, in the API's spelling).
GRAPHQL_CASES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "addLsoasToNeighbourhood": ('neighbourhood: "camden-north", lsoas: ["E01000803"]', "", {}),
    "moveLsoas": (
        'lsoas: ["E01000802"], fromNeighbourhood: "camden-north", toNeighbourhood: "camden-south"',
        "",
        {},
    ),
    "addTeamToInt": (
        'int: "camden-int-1", team: "hackney-int-1-district-nursing", tier: CONSISTENT',
        "",
        {},
    ),
    "alignSpecialist": (
        'int: "camden-int-1", specialty: "consultant_psychiatrist", provider: "ods:RKE", '
        "sessionsPerWeek: 1.5",
        "",
        {},
    ),
    "addService": (
        "service: $input",
        ", $input: ServiceInput!",
        {
            "input": {
                **{k: v for k, v in SERVICE.items() if k not in ("min_age", "channels")},
                "minAge": 60,
                "channels": ["PHONE"],
            }
        },
    ),
    "endService": ('id: "camden-frailty"', "", {}),
    "registerDataSharingAgreement": (
        "agreement: $input",
        ", $input: AgreementInput!",
        {
            "input": {
                "id": "camden-care-records",
                "name": "Camden shared care records",
                "controllers": ["ods:RKE", "ods:F83001"],
                "purposes": ["DIRECT_CARE"],
                "validFrom": "2026-01-01",
                "lawfulBasis": "PUBLIC_TASK",
                "article9Condition": "HEALTH_OR_SOCIAL_CARE",
                "dataCategories": ["health"],
            }
        },
    ),
    "endDataSharingAgreement": ('id: "camden-direct-care", on: "2026-11-30"', "", {}),
}


def _document(field: str) -> str:
    arguments, declared, _ = GRAPHQL_CASES[field]
    return (
        f"mutation ($dry: Boolean!{declared}) "
        f"{{ {field}({arguments}, dryRun: $dry) {{ {RESULT} }} }}"
    )


@pytest.fixture(scope="module")
def server(neo4j_settings: Settings) -> Iterator[LiveServer]:
    settings = make_test_settings(api_keys=KEYS, neo4j_uri=neo4j_settings.neo4j_uri)
    with LiveServer(settings) as live:
        yield live


@pytest.fixture
def api(server: LiveServer, small_world: db.Database) -> tuple[Client, db.Database]:
    """The module's server, on a fresh small world for each test (edits change it)."""
    return Client(server), small_world


@pytest.mark.parametrize("field", sorted(GRAPHQL_CASES))
def test_each_mutation_previews_then_makes_the_edit(
    api: tuple[Client, db.Database], field: str
) -> None:
    client, database = api
    variables = GRAPHQL_CASES[field][2]
    before = dump(database)
    dry = client.data(_document(field), {**variables, "dry": True}, key=INTEGRATOR)[field]
    assert dry["__typename"] == "EditDone", dry
    assert (dry["committed"], dry["edit"]) == (False, "")
    assert dry["changes"]
    assert_untouched(database, before)
    real = client.data(_document(field), {**variables, "dry": False}, key=INTEGRATOR)[field]
    assert real["__typename"] == "EditDone", real
    assert real["committed"] is True
    assert {k: real[k] for k in ("changes", "nodes", "warnings", "action", "by")} == {
        k: dry[k] for k in ("changes", "nodes", "warnings", "action", "by")
    }
    [record] = database.read("MATCH (e:Edit) RETURN e.id AS id")
    assert record["id"] == real["edit"]


def test_a_mutation_without_dry_run_commits(api: tuple[Client, db.Database]) -> None:
    client, database = api
    done = client.data(
        'mutation { endService(id: "camden-frailty") { ... on EditDone { committed edit } } }',
        key=INTEGRATOR,
    )["endService"]
    assert done["committed"] is True
    assert done["edit"]
    [row] = database.read("MATCH (s:Service {id: 'camden-frailty'}) RETURN s.status AS status")
    assert row["status"] == "ended"


def test_a_refused_preview_over_graphql_names_the_rules_and_changes_nothing(
    api: tuple[Client, db.Database],
) -> None:
    client, database = api
    before = dump(database)
    document = (
        "mutation ($dry: Boolean!) { addLsoasToNeighbourhood(neighbourhood: "
        f'"camden-north", lsoas: ["E01001700"], dryRun: $dry) {{ {RESULT} }} }}'
    )
    dry, real = (
        client.data(document, {"dry": dry}, key=INTEGRATOR)["addLsoasToNeighbourhood"]
        for dry in (True, False)
    )
    assert dry == real
    assert dry["code"] == "rule_broken"
    assert [(r["severity"], r["node"]) for r in dry["rules"]] == [("Violation", "camden-north")]
    assert "outside the neighbourhood's place" in dry["rules"][0]["message"]
    outside = client.data(
        'mutation { moveLsoas(lsoas: ["E01001702"], fromNeighbourhood: "hackney-east", '
        f'toNeighbourhood: "hackney-east", dryRun: true) {{ {RESULT} }} }}',
        key=INTEGRATOR,
    )["moveLsoas"]
    assert outside["code"] == "outside_your_places"
    assert_untouched(database, before)


@pytest.mark.parametrize("key", [None, GOVERNANCE], ids=["public", "governance"])
def test_a_preview_by_a_caller_who_may_not_edit_is_forbidden(
    api: tuple[Client, db.Database], key: str | None
) -> None:
    client, database = api
    before = dump(database)
    for field in GRAPHQL_CASES:
        [error] = client.errors(_document(field), {**GRAPHQL_CASES[field][2], "dry": True}, key=key)
        assert error["extensions"]["code"] == "FORBIDDEN", field
    assert_untouched(database, before)


def test_the_documented_preview_runs_and_changes_nothing(api: tuple[Client, db.Database]) -> None:
    client, database = api
    path = SDL_PATH.parent / "operations" / "move_lsoas_preview.graphql"
    header = operation_header(path)
    before = dump(database)
    done = client.data(
        path.read_text(encoding="utf-8"),
        json.loads(header["variables"]),
        key=ROLE_KEYS[header["role"]],
    )["moveLsoas"]
    assert done["__typename"] == "EditDone", done
    assert done["committed"] is False
    assert "neighbourhood camden-south: gains E01000802 in lsoas" in done["changes"]
    assert_untouched(database, before)


# -- at the command line ----------------------------------------------------------------------


def test_the_command_line_previews_an_edit_and_writes_nothing(
    small_world: db.Database, neo4j_settings: Settings
) -> None:
    before = dump(small_world)
    move = ["move-lsoas", "E01000802", "--from", "camden-north", "--to", "camden-south"]
    done = run_cli("edit", *move, "--dry-run", "--format", "json", env=settings_env(neo4j_settings))
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert (answer["committed"], answer["edit"]) == (False, "")
    assert answer["changes"] == [
        "neighbourhood camden-north: loses E01000802 from lsoas",
        "neighbourhood camden-south: gains E01000802 in lsoas",
    ]
    text = run_cli("edit", *move, "--dry-run", env=settings_env(neo4j_settings))
    assert text.returncode == 0, text.stderr
    assert "dry run" in text.stdout
    assert "change: neighbourhood camden-north: loses E01000802 from lsoas" in text.stdout
    refused = run_cli(
        "edit",
        "add-lsoas-to-neighbourhood",
        "camden-north",
        "E01001700",
        "--dry-run",
        "--format",
        "json",
        env=settings_env(neo4j_settings),
    )
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["code"] == "rule_broken"
    assert_untouched(small_world, before)
