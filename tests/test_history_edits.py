"""History of edits, on the small world over real HTTP: an edit is a change set (kind edit, its
editor and action, the receipt's id) with one change per node it wrote; its node's ``history``
shows it; ``asAt`` a moment before it answers without it, and the present is untouched; a
refused edit records nothing; bad moments and hostile arguments are refused by name."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nhgraph import edits, questions
from nhgraph.access import Principal
from nhgraph.config import Settings
from nhgraph.history import change_sets, history_of
from nhgraph.store import db, write_models
from nhgraph.store.history import HistoryRefused, as_it_stood, parse_moment, prune

from .clients import ADMIN, INTEGRATOR, Client
from .command_line import run_cli, settings_env
from .conftest import LiveServer
from .world import CAMDEN, world

CAMDEN_INTEGRATOR = Principal("camden-integrator", "integrator", frozenset({CAMDEN}))
LSOA = "E01000802"


@pytest.fixture(scope="module")
def edited(database: db.Database, api_settings: Settings) -> Iterator[dict[str, Any]]:
    """The small world written, a moment noted, then one LSOA moved from camden-north to
    camden-south by an edit; and a live API over it."""
    database.reset()
    write_models(database, world())
    time.sleep(0.05)
    before_edit = datetime.now(UTC)
    time.sleep(0.05)
    receipt = edits.move_lsoas(
        database,
        CAMDEN_INTEGRATOR,
        lsoas=[LSOA],
        from_neighbourhood="camden-north",
        to_neighbourhood="camden-south",
    )
    with LiveServer(api_settings) as server:
        yield {"before": before_edit, "receipt": receipt, "client": Client(server), "db": database}
    database.reset()


def _neighbourhoods_of(row: dict[str, Any]) -> list[str]:
    return sorted(n["id"] for n in row["neighbourhoods"])


def test_an_edit_is_a_change_set_with_its_editor_and_its_changes(edited: dict[str, Any]) -> None:
    database, receipt = edited["db"], edited["receipt"]
    rows, _ = change_sets(database, limit=10)
    assert [r["kind"] for r in rows] == ["edit", "load"]
    edit = rows[0]
    assert edit["id"] == receipt.id
    assert (edit["editor"], edit["reason"]) == ("camden-integrator", "move_lsoas")
    assert edit["updated"] == 2
    assert edit["created"] == edit["removed"] == 0
    # The Edit record of before is the same node: the change set carries its label.
    [record] = database.read("MATCH (e:Edit) RETURN e.id AS id, labels(e) AS labels")
    assert record["id"] == receipt.id
    assert "ChangeSet" in record["labels"]


def test_the_history_of_an_edited_node_shows_the_edit_then_its_load(
    edited: dict[str, Any],
) -> None:
    rows, more = history_of(edited["db"], "camden-north")
    assert not more
    assert [(r["kind"], r["operation"]) for r in rows] == [("edit", "updated"), ("load", "created")]
    edit = rows[0]
    assert edit["by"] == "camden-integrator"
    assert edit["fields"] == ["lsoas"]
    assert LSOA in edit["before"]["lsoas"]
    assert LSOA not in edit["after"]["lsoas"]
    # The newest change's after is the node as it is now.
    [now] = edited["db"].read("MATCH (n:Neighbourhood {id: 'camden-north'}) RETURN n")
    assert LSOA not in [lsoa for lsoa in edit["after"]["lsoas"]]
    assert now["n"]["id"] == "camden-north"


def test_as_at_before_the_edit_answers_without_it_and_leaves_the_present(
    edited: dict[str, Any],
) -> None:
    database = edited["db"]
    present = questions.who_serves(database, lsoa=LSOA)
    then = questions.who_serves(database, lsoa=LSOA, as_at=edited["before"])
    assert _neighbourhoods_of(present) == ["camden-south"]
    assert _neighbourhoods_of(then) == ["camden-north"]
    # Rolled back: the present is as it was, and a later as-at changes nothing either.
    assert _neighbourhoods_of(questions.who_serves(database, lsoa=LSOA)) == ["camden-south"]
    after_edit = datetime.now(UTC)
    assert _neighbourhoods_of(questions.who_serves(database, lsoa=LSOA, as_at=after_edit)) == [
        "camden-south"
    ]


def test_a_concurrent_reader_never_sees_the_undone_state(edited: dict[str, Any]) -> None:
    database = edited["db"]
    seen: list[list[str]] = []

    def peek(reader: Any) -> list[str]:
        inside = reader.read(
            "MATCH (n:Neighbourhood)-[:COVERS]->(:Lsoa {id: $id}) RETURN n.id AS id", {"id": LSOA}
        )
        # Meanwhile, outside the as-at transaction, the present is read.
        seen.append(
            [
                r["id"]
                for r in database.read(
                    "MATCH (n:Neighbourhood)-[:COVERS]->(:Lsoa {id: $id}) RETURN n.id AS id",
                    {"id": LSOA},
                )
            ]
        )
        return [r["id"] for r in inside]

    assert as_it_stood(database, edited["before"], peek) == ["camden-north"]
    assert seen == [["camden-south"]]


def test_a_refused_edit_records_nothing(edited: dict[str, Any]) -> None:
    database = edited["db"]
    [count] = database.read("MATCH (s:ChangeSet) RETURN count(s) AS n")
    [changes] = database.read("MATCH (c:Change) RETURN count(c) AS n")
    outsider = Principal("hackney-integrator", "integrator", frozenset({"E09000012"}))
    with pytest.raises(edits.EditRefused):
        edits.move_lsoas(
            database,
            outsider,
            lsoas=[LSOA],
            from_neighbourhood="camden-south",
            to_neighbourhood="camden-north",
        )
    assert database.read("MATCH (s:ChangeSet) RETURN count(s) AS n") == [count]
    assert database.read("MATCH (c:Change) RETURN count(c) AS n") == [changes]


def test_moments_that_cannot_be_answered_are_refused_by_name(edited: dict[str, Any]) -> None:
    database = edited["db"]
    cases = {
        "as_at_in_future": datetime.now(UTC) + timedelta(days=1),
        "as_at_before_history": datetime(2001, 1, 1, tzinfo=UTC),
    }
    assert len(cases) >= 2
    for code, moment in cases.items():
        with pytest.raises(HistoryRefused) as refused:
            questions.who_serves(database, lsoa=LSOA, as_at=moment)
        assert refused.value.code == code
    with pytest.raises(HistoryRefused) as refused:
        as_it_stood(database, edited["before"], len, max_changes=1)
    assert refused.value.code == "as_at_too_far"
    assert "NHGRAPH_AS_AT_MAX_CHANGES" in refused.value.message
    with pytest.raises(HistoryRefused) as refused:
        parse_moment("last tuesday")
    assert refused.value.code == "invalid_as_at"


def test_graphql_history_and_as_at(edited: dict[str, Any]) -> None:
    client: Client = edited["client"]
    query = """query($at: DateTime) {
      neighbourhood(id: "camden-north") {
        history { kind by operation changes { field before after } }
      }
      then: resident(lsoa: "E01000802", asAt: $at) { ... on Resident { neighbourhoods { id } } }
      now: resident(lsoa: "E01000802") { ... on Resident { neighbourhoods { id } } }
      place(id: "E09000007", asAt: $at) { id neighbourhoods { id } }
    }"""
    data = client.data(query, {"at": edited["before"].isoformat()})
    history = data["neighbourhood"]["history"]
    assert [(h["kind"], h["operation"]) for h in history] == [
        ("edit", "updated"),
        ("load", "created"),
    ]
    assert history[0]["changes"][0]["field"] == "lsoas"
    lsoas = history[0]["changes"][0]
    assert LSOA in lsoas["before"]
    assert LSOA not in lsoas["after"]
    assert data["then"]["neighbourhoods"] == [{"id": "camden-north"}]
    assert data["now"]["neighbourhoods"] == [{"id": "camden-south"}]
    assert {n["id"] for n in data["place"]["neighbourhoods"]} >= {"camden-north", "camden-south"}
    gaps = client.data(
        "query($at: DateTime) { gaps(asAt: $at) { lsoasInNoNeighbourhood { subject } } }",
        {"at": edited["before"].isoformat()},
        key=INTEGRATOR,
    )
    assert isinstance(gaps["gaps"]["lsoasInNoNeighbourhood"], list)
    page = client.data(
        "{ changes(first: 1) { items { kind editor } hasNextPage endCursor } }", key=ADMIN
    )
    assert page["changes"]["items"] == [{"kind": "edit", "editor": "camden-integrator"}]
    assert page["changes"]["hasNextPage"]
    rest = client.data(
        "query($after: String) { changes(first: 5, after: $after) { items { kind } hasNextPage } }",
        {"after": page["changes"]["endCursor"]},
        key=ADMIN,
    )
    assert rest["changes"] == {"items": [{"kind": "load"}], "hasNextPage": False}
    placed = client.data('{ changes(place: "E09000007") { items { kind } } }', key=ADMIN)
    assert [i["kind"] for i in placed["changes"]["items"]] == ["edit", "load"]


#: A place's map nested as deep as its fields go, each level naming camden-north's LSOAs.
DEEP_MAP = """
  neighbourhoods { id lsoas ints { id neighbourhoods { id lsoas } } }
  ints { id neighbourhoods { id lsoas } }
"""


def _lsoas_of(value: Any, neighbourhood: str, depth: int = 0) -> list[tuple[int, bool]]:
    """Every level of a response where the neighbourhood is given with its LSOAs: (how deep,
    whether LSOA is among them)."""
    found: list[tuple[int, bool]] = []
    if isinstance(value, list):
        for item in value:
            found += _lsoas_of(item, neighbourhood, depth)
    elif isinstance(value, dict):
        if value.get("id") == neighbourhood and "lsoas" in value:
            found.append((depth, LSOA in value["lsoas"]))
        for item in value.values():
            found += _lsoas_of(item, neighbourhood, depth + 1)
    return found


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "resolvers"])
def test_every_level_under_an_as_at_root_answers_as_it_stood(
    edited: dict[str, Any], api_settings: Settings, compiled: bool
) -> None:
    """place(asAt:) and resident(asAt:) { place }: the neighbourhoods, INTs, their
    neighbourhoods and places under them all read as the graph stood, not the present, on
    both paths (the compiled one answers place(asAt:) in one statement where the changes
    since are undone; the resolvers through the loaders of the moment at every level)."""
    at = {"at": edited["before"].isoformat()}
    with LiveServer(api_settings.model_copy(update={"api_compiled": compiled})) as server:
        client, path = Client(server), server.app.state.compiled
        for root in ('place(id: "E09000007"', f'resident(lsoa: "{LSOA}"'):
            resident = root.startswith("resident")
            place = "{ ... on Resident { place { %s } } }" if resident else "{ %s }"
            selection = place % DEEP_MAP
            answered = path.answered
            then = client.data(f"query($at: DateTime) {{ {root}, asAt: $at) {selection} }}", at)
            # A resident's place is its resolvers' (see nhgraph.graphql.compiled).
            assert path.answered - answered == (1 if compiled and not resident else 0)
            now = client.data(f"{{ {root}) {selection} }}")
            before, present = _lsoas_of(then, "camden-north"), _lsoas_of(now, "camden-north")
            assert len({depth for depth, _ in before}) >= 3, before  # three levels deep at least
            assert all(had for _, had in before), (root, before)
            assert sorted(d for d, _ in before) == sorted(d for d, _ in present)
            assert not any(had for _, had in present), (root, present)
        # The compiled path answers a resident asAt too, as the resolvers do.
        query = (
            f'query($at: DateTime) {{ resident(lsoa: "{LSOA}", asAt: $at) {{ ... on Resident '
            "{ neighbourhoods { id } ints { id } } } }"
        )
        answered = path.answered
        resident = client.data(query, at)["resident"]
        assert path.answered - answered == (1 if compiled else 0)
        assert resident["neighbourhoods"] == [{"id": "camden-north"}]
        refused = client.errors(
            '{ place(id: "E09000007", asAt: "2001-01-01T00:00:00Z") { id ints { id } } }'
        )
        assert refused[0]["extensions"]["reason"] == "as_at_before_history", refused


#: Hostile or malformed arguments, each refused by name and none reaching the database.
HOSTILE = {
    "future": (
        '{ resident(lsoa: "E01000802", asAt: "2999-01-01T00:00:00Z") { __typename } }',
        None,
    ),
    "before history": ('{ place(id: "E09000007", asAt: "2001-01-01T00:00:00Z") { id } }', None),
    "malformed": ('{ resident(lsoa: "E01000802", asAt: "yesterday") { __typename } }', None),
    "history too long": (
        '{ neighbourhood(id: "camden-north") { history(first: 100000) { kind } } }',
        None,
    ),
    "page too long": ("{ changes(first: 100000) { items { id } } }", ADMIN),
    "bad cursor": ('{ changes(after: "not-a-cursor") { items { id } } }', ADMIN),
    "huge place": ('{ changes(place: "' + "x" * 5000 + '") { items { id } } }', ADMIN),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_history_arguments_are_refused(edited: dict[str, Any], name: str) -> None:
    assert len(HOSTILE) >= 7
    query, key = HOSTILE[name]
    errors = edited["client"].errors(query, key=key)
    assert errors[0]["message"], errors


def test_changes_are_not_for_the_public(edited: dict[str, Any]) -> None:
    errors = edited["client"].errors("{ changes { items { id } } }")
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


def test_the_command_line_shows_history_and_refuses_an_unknown_id(
    edited: dict[str, Any], neo4j_settings: Settings
) -> None:
    env = settings_env(neo4j_settings)
    done = run_cli("history", "camden-north", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    import json

    rows = json.loads(done.stdout)
    assert [r["kind"] for r in rows] == ["edit", "load"]
    unknown = run_cli("history", "ods:NOSUCH", env=env)
    assert unknown.returncode == 2
    assert "ods:NOSUCH" in unknown.stderr
    listed = run_cli("changes", "--format", "csv", env=env)
    assert listed.returncode == 0, listed.stdout
    assert listed.stdout.count("\n") == 3, listed.stdout
    asked = run_cli(
        "ask",
        "who_serves",
        "-p",
        f"lsoa={LSOA}",
        "--as-at",
        edited["before"].isoformat(),
        "--format",
        "json",
        env=env,
    )
    assert asked.returncode == 0, asked.stderr
    assert [n["id"] for n in json.loads(asked.stdout)[0]["neighbourhoods"]] == ["camden-north"]
    future = run_cli("ask", "lsoas_in_no_neighbourhood", "--as-at", "2999-01-01", env=env)
    assert future.returncode == 2
    assert "future" in future.stderr
    malformed = run_cli("ask", "lsoas_in_no_neighbourhood", "--as-at", "soon", env=env)
    assert malformed.returncode == 2
    assert "ISO 8601" in malformed.stderr


def test_pruning_drops_old_change_sets_and_refuses_as_at_before_it(
    edited: dict[str, Any], neo4j_settings: Settings
) -> None:
    """Last in the module: it drops the history the tests above read."""
    database = edited["db"]
    env = settings_env(neo4j_settings)
    kept = run_cli("history", "--prune", env=env)
    assert kept.returncode == 0, kept.stderr
    assert "kept whole" in kept.stdout
    recent = run_cli("history", "--prune", "--days", "1", env=env)
    assert recent.returncode == 0, recent.stderr
    assert "pruned 0 change set(s)" in recent.stdout
    assert len(change_sets(database)[0]) == 2
    assert prune(database, datetime.now(UTC)) == 2
    assert change_sets(database)[0] == []
    assert database.read("MATCH (c:Change) RETURN count(c) AS n") == [{"n": 0}]
    with pytest.raises(HistoryRefused) as refused:
        questions.who_serves(database, lsoa=LSOA, as_at=edited["before"])
    assert refused.value.code == "as_at_before_history"
    assert "pruned" in refused.value.message
    # The present is untouched by pruning.
    assert _neighbourhoods_of(questions.who_serves(database, lsoa=LSOA)) == ["camden-south"]
