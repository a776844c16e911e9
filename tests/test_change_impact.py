"""What a change touches, in the test world with a practice planted that closes in the next
release: a team it provides in Camden's INT, a clinic it runs for one LSOA, an agreement that
names it, and a neighbourhood whose two practices are in two PCNs until it closes.

The residents' count is checked against who_serves itself: every LSOA's answer is asked before
the release is loaded for real and after, and the LSOAs whose answers differ are the ones the
impact counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from nhgraph import questions
from nhgraph.config import Settings
from nhgraph.history.diff import dry_run
from nhgraph.history.impact import CHANGES, Impact, change_impact
from nhgraph.loaders.sources import SourceData
from nhgraph.schema.models import (
    DataSharingAgreement,
    Lsoa,
    Membership,
    Node,
    Organisation,
    PcnMembership,
    Service,
    Team,
)
from nhgraph.store import write_models
from nhgraph.store.db import Database

from .command_line import run_cli, settings_env
from .world import CAMDEN, ON, world

ODS = "ods-test"
CLOSING, STAYING = "ods:F83099", "ods:F83098"
CLINIC_LSOA = "E01000801"


def _planted() -> tuple[list[Node], list[Node]]:
    """The world (its ODS part re-sourced as a release) with the planted practice; and the
    next release, in which that practice (and its PCN membership) is gone."""
    release: list[Node] = [
        Organisation(id=CLOSING, name="A closing practice", kind="gp_practice", postcode="NW1 2AA"),
        Organisation(id=STAYING, name="A staying practice", kind="gp_practice", postcode="NW1 2AA"),
        PcnMembership(
            id="f83099-u11111", practice=CLOSING, pcn="ods:U11111", start=date(2022, 4, 1)
        ),
        PcnMembership(
            id="f83098-u22222", practice=STAYING, pcn="ods:U22222", start=date(2022, 4, 1)
        ),
    ]
    others: list[Node] = [
        Team(
            id="camden-closing-team", name="Closing team", provider=CLOSING, functions=["frailty"]
        ),
        Membership(
            id="camden-closing-team-m",
            team="camden-closing-team",
            int="camden-int-1",
            tier="hyper_local",
        ),
        Service(
            id="camden-closing-clinic",
            name="A closing clinic",
            provider=CLOSING,
            function="frailty",
            lsoas=[CLINIC_LSOA],
        ),
        DataSharingAgreement(
            id="camden-closing-agreement",
            name="An agreement naming the closing practice",
            controllers=[CLOSING, "ons:E09000007"],
            purposes=["direct_care"],
            lawful_basis="a6_1_e",
            status="active",
            valid_from=date(2024, 1, 1),
        ),
    ]
    base = [m.model_copy(update={"source": "world"}) for m in world()]
    first = [m.model_copy(update={"source": ODS}) for m in release]
    return [*base, *[m.model_copy(update={"source": "world"}) for m in others], *first], [
        m for m in first if CLOSING not in (str(m.id), getattr(m, "practice", None))
    ]


def _answers(database: Database, lsoas: list[str]) -> dict[str, str]:
    return {
        code: json.dumps(
            questions.who_serves(database, lsoa=code, on=ON), default=str, sort_keys=True
        )
        for code in lsoas
    }


@pytest.fixture(scope="module")
def touched(database: Database) -> Iterator[dict[str, Any]]:
    database.reset()
    everything, release = _planted()
    write_models(database, everything)
    lsoas = sorted(str(m.id) for m in everything if isinstance(m, Lsoa))
    population = {str(m.id): m.population for m in everything if isinstance(m, Lsoa)}
    next_release = [SourceData(ODS, "2", models=list(release))]
    before = _answers(database, lsoas)
    planned = dry_run(database, next_release)
    impact = change_impact(database, planned.changes, on=ON, apply=planned.apply(database))
    standalone = change_impact(database, planned.changes, on=ON)
    unchanged = _answers(database, lsoas) == before
    write_models(database, release, replace_sources=[ODS], allow_removals=True)
    after = _answers(database, lsoas)
    yield {
        "planned": planned,
        "impact": impact,
        "standalone": standalone,
        "unchanged": unchanged,
        "changed_lsoas": sorted(c for c in lsoas if before[c] != after[c]),
        "population": population,
    }
    database.reset()


def test_the_change_is_the_practices_closure(touched: dict[str, Any]) -> None:
    changes = touched["planned"].changes
    assert {(c.label, c.node_id, c.operation) for c in changes} == {
        ("Organisation", CLOSING, "removed"),
        ("PcnMembership", "f83099-u11111", "removed"),
        # The nodes of other sources that name the practice lose the link, as the write does.
        ("Team", "camden-closing-team", "updated"),
        ("Service", "camden-closing-clinic", "updated"),
        ("DataSharingAgreement", "camden-closing-agreement", "updated"),
    }
    for change in changes:
        if change.operation == "updated":
            assert change.before is not None
            assert change.after is not None
            [field] = change.fields
            assert CLOSING in str(change.before[field])
            assert CLOSING not in str(change.after[field])
    assert touched["unchanged"], "the dry run and its impact wrote nothing"


def test_the_int_that_loses_its_teams_provider_is_listed_and_no_other(
    touched: dict[str, Any],
) -> None:
    impact: Impact = touched["impact"]
    [row] = impact.of("int_loses_provider")
    assert (row["id"], row["organisation"]) == ("camden-int-1", CLOSING)
    assert "camden-closing-team" in row["detail"]
    camden = [f"E0100{i:04d}" for i in range(800, 806)]
    assert row["lsoas"] == len(camden)
    assert row["population"] == sum(touched["population"][c] for c in camden)
    assert "hackney-int-1" not in impact.ids("int_loses_provider")


def test_the_agreement_and_the_service_are_listed(touched: dict[str, Any]) -> None:
    impact: Impact = touched["impact"]
    [agreement] = impact.of("agreement_names_changed")
    assert agreement["id"] == "camden-closing-agreement"
    assert agreement["detail"] == "controller, closes"
    # The world's own agreement names none of the changed organisations.
    assert "camden-direct-care" not in impact.ids("agreement_names_changed")
    [service] = impact.of("service_provider_closes")
    assert service["id"] == "camden-closing-clinic"
    assert (service["lsoas"], service["population"]) == (1, touched["population"][CLINIC_LSOA])


def test_the_residents_counted_are_those_whose_answer_changes(touched: dict[str, Any]) -> None:
    [residents] = touched["impact"].of("residents_answer_changes")
    changed = touched["changed_lsoas"]
    assert changed, "the closure changes some residents' answers"
    assert residents["id"] == CAMDEN
    assert residents["lsoas"] == len(changed)
    assert residents["population"] == sum(touched["population"][c] for c in changed)


def test_the_neighbourhood_whose_pcns_change_is_compared_before_and_after(
    touched: dict[str, Any],
) -> None:
    [hood] = touched["impact"].of(CHANGES)
    assert hood["id"] == "camden-north"
    assert hood["detail"] == "PCNs ods:U11111, ods:U22222 -> ods:U22222"
    # Asked on its own (no after to compare), the question names it as one that may change.
    assert touched["standalone"].ids("neighbourhood_pcns_may_change") == {"camden-north"}
    assert not touched["standalone"].of(CHANGES)


def test_a_recorded_change_set_touches_what_its_dry_run_said(
    touched: dict[str, Any], database: Database
) -> None:
    """The closure's recorded change set, asked for its impact afterwards (the graph as it
    stood just before it, and just after), touches what the dry run said it would."""
    from nhgraph.history import change_sets
    from nhgraph.history.impact import change_set_impact

    rows, _ = change_sets(database, limit=2)
    newest, first = rows
    recorded = change_set_impact(database, newest["id"], on=ON)
    assert recorded.rows == touched["impact"].rows
    # The first change set had nothing before it to touch.
    assert change_set_impact(database, first["id"], on=ON).rows == []


@pytest.mark.usefixtures("touched")
def test_graphql_asks_change_impact_of_a_change_set(
    api_settings: Settings, database: Database
) -> None:
    from nhgraph.history import change_sets

    from .clients import ADMIN, Client
    from .conftest import LiveServer

    [newest], _ = change_sets(database, limit=1)
    query = (
        "query($c: ID, $o: OrganisationChanges) { changeImpact(changeSet: $c, organisations: $o, "
        'on: "2026-06-01") { subject detail } }'
    )
    with LiveServer(api_settings) as server:
        client = Client(server)
        found = client.data(query, {"c": newest["id"]}, key=ADMIN)["changeImpact"]
        kinds = {(f["subject"], f["detail"]["kind"]) for f in found}
        assert ("camden-int-1", "int_loses_provider") in kinds
        assert ("camden-closing-agreement", "agreement_names_changed") in kinds
        [unknown] = client.errors(query, {"c": "no-such-change-set"}, key=ADMIN)
        assert unknown["extensions"]["code"] == "BAD_USER_INPUT"
        assert "no-such-change-set" in unknown["message"]
        for both_or_neither in ({"c": newest["id"], "o": {"changed": [STAYING]}}, {}):
            [error] = client.errors(query, both_or_neither, key=ADMIN)
            assert "one of them, not both" in error["message"]
        assert client.errors(query, {"c": newest["id"]})  # the public may not ask


@pytest.mark.usefixtures("touched")
def test_change_impact_is_a_named_question(database: Database) -> None:
    # The graph now holds the next release: a change to the staying practice is asked.
    rows = questions.ask(
        database, "change_impact", {"changed": [STAYING], "closed": [], "renamed": [], "on": ON}
    )
    assert {r["kind"] for r in rows} == {"neighbourhood_pcns_may_change"}
    with pytest.raises(questions.NotAnswerable, match="changed, closed, renamed, on"):
        questions.ask(database, "change_impact", {"ids": [STAYING]})


@pytest.mark.usefixtures("touched")
def test_the_cli_asks_change_impact(neo4j_settings: Settings) -> None:
    done = run_cli(
        "ask",
        "change_impact",
        "--param",
        f"changed={STAYING}",
        "--param",
        "closed=",
        "--param",
        "renamed=",
        "--format",
        "json",
        env=settings_env(neo4j_settings),
    )
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in json.loads(done.stdout)] == ["camden-north"]


@pytest.mark.usefixtures("touched")
def test_graphql_asks_change_impact_with_bounded_lists(api_settings: Settings) -> None:
    from .clients import ADMIN, Client
    from .conftest import LiveServer

    query = (
        'query($o: OrganisationChanges!) { changeImpact(organisations: $o, on: "2026-06-01") '
        "{ subject name population detail } }"
    )
    with LiveServer(api_settings) as server:
        client = Client(server)
        found = client.data(query, {"o": {"changed": [STAYING]}}, key=ADMIN)["changeImpact"]
        assert [(f["subject"], f["detail"]["kind"]) for f in found] == [
            ("camden-north", "neighbourhood_pcns_may_change")
        ]
        [error] = client.errors(query, {"o": {"changed": ["ods:X"] * 2001}}, key=ADMIN)
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert client.errors(query, {"o": {"changed": [STAYING]}})  # the public may not ask


@pytest.mark.usefixtures("touched")
def test_an_int_that_gains_or_loses_a_team_or_a_teams_provider_is_listed(
    database: Database,
) -> None:
    from nhgraph.store.changes import NodeChange

    joins = Membership(
        id="hackney-pharmacy-m", team="camden-pharmacy", int="hackney-int-1", tier="tailored"
    )
    leaves = Membership(
        id="camden-pharmacy-m", team="camden-pharmacy", int="camden-int-1", tier="hyper_local"
    )
    team = Team(
        id="camden-pharmacy",
        name="Pharmacy",
        provider="ods:F83001",
        functions=["community_pharmacy"],
    )
    changes = [
        NodeChange.of(None, joins),
        NodeChange.of(leaves, None),
        NodeChange.of(team, team.model_copy(update={"provider": "ods:RKE"})),
    ]
    impact = change_impact(database, changes, on=ON)
    [gains] = impact.of("int_gains_team")
    assert (gains["id"], gains["organisation"]) == ("hackney-int-1", "ods:F83001")
    assert impact.ids("int_loses_team") == {"camden-int-1"}
    [provider] = impact.of("int_team_provider_changes")
    assert provider["id"] == "camden-int-1"
    assert provider["detail"] == "team camden-pharmacy: provider ods:F83001 -> ods:RKE"
    # An unchanged team names no INT.
    assert "int_team_provider_changes" not in {
        r["kind"] for r in change_impact(database, [NodeChange.of(team, team)], on=ON).rows
    }
