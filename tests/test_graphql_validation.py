"""The validation status over GraphQL: each node's findings, the runs' summaries, and the roles.

The small world is broken behind the loader's back (a team without a provider, an INT in no
place, an LSOA in two neighbourhoods, an agreement without a lawful basis), a place's own
shape names the agreements an organisation is party to, and the run is saved; the API must
show each finding on its node, and keep agreements out of what the public and integrators see,
counts too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graphql import GraphQLInterfaceType

from nhgraph.config import Settings
from nhgraph.graphql import schema as graphql_schema
from nhgraph.schema.registry import BY_LABEL
from nhgraph.store import db, write_models
from nhgraph.validate import save_stored_report, validate_stored

from .clients import GOVERNANCE, INTEGRATOR, KEYS, Client
from .conftest import LiveServer, make_test_settings
from .world import ON, world

BREAKS = (
    "MATCH (:Team {id: 'camden-pharmacy'})-[r:PROVIDED_BY]->() DELETE r",
    "MATCH (:Int {id: 'hackney-int-1'})-[r:IN_PLACE]->() DELETE r",
    "MATCH (n:Neighbourhood {id: 'camden-south'}), (l:Lsoa {id: 'E01000800'}) "
    "CREATE (n)-[:COVERS]->(l)",
    "MATCH (a:DataSharingAgreement) REMOVE a.lawful_basis",
)

#: A shape of the test's own whose message names an agreement the organisation is party to:
#: the finding is about a public node, and its message must not reach the public.
PARTY_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix nhg: <https://w3id.org/nhgraph/def#> .
@prefix nhgsh: <https://w3id.org/nhgraph/shapes#> .

nhgsh:Test-party-to-agreements a sh:NodeShape ; sh:targetClass nhg:Organisation ;
    sh:severity sh:Warning ;
    sh:sparql [ a sh:SPARQLConstraint ;
        sh:message "The organisation is party to {?value}" ;
        sh:select '''SELECT $this ?value
                     WHERE { ?value <https://w3id.org/dpv#hasDataController> $this }'''
    ] .
"""


@pytest.fixture(scope="module")
def client(
    database: db.Database, neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Client]:
    database.reset()
    write_models(database, world())
    for statement in BREAKS:
        database.write(statement)
    shapes = tmp_path_factory.mktemp("shapes") / "party.ttl"
    shapes.write_text(PARTY_SHAPE, encoding="utf-8")
    report = validate_stored(database, on=ON, extra_shapes=[shapes])
    save_stored_report(database, report, on=ON, extra_shapes=[shapes])
    settings = make_test_settings(api_keys=KEYS, neo4j_uri=neo4j_settings.neo4j_uri)
    with LiveServer(settings) as server:
        yield Client(server)
    database.reset()


FINDING = "rule severity message path value node at"


def _rules(findings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(f["rule"], f["severity"]) for f in findings]


def test_each_node_shows_its_findings_with_rule_and_severity(client: Client) -> None:
    query = f"""{{
      broken: int(id: "hackney-int-1") {{ validation {{ {FINDING} }} }}
      fine: int(id: "camden-int-1") {{
        validation {{ rule }}
        memberships(tier: HYPER_LOCAL) {{ team {{ id validation {{ {FINDING} }} }} }}
      }}
    }}"""
    data = client.data(query)
    [finding] = data["broken"]["validation"]
    assert (finding["rule"], finding["severity"]) == ("nhgsh:IntShape[nhg:inPlace]", "Violation")
    assert finding["message"] == "An INT is in exactly one place"
    assert (finding["path"], finding["node"]) == ("nhg:inPlace", "Int/hackney-int-1")
    assert finding["at"].startswith("20")
    assert data["fine"]["validation"] == []
    [membership] = data["fine"]["memberships"]
    assert membership["team"]["id"] == "camden-pharmacy"
    assert _rules(membership["team"]["validation"]) == [
        ("nhgsh:TeamShape[nhg:providedBy]", "Violation")
    ]


def test_a_node_that_breaks_nothing_has_no_findings(client: Client) -> None:
    data = client.data('{ place(id: "E09000007") { validation { rule } } }')
    assert data == {"place": {"validation": []}}


@pytest.mark.parametrize("key", [None, INTEGRATOR])
def test_a_finding_naming_an_agreement_is_not_shown_to_the_public_or_integrators(
    client: Client, key: str | None
) -> None:
    query = '{ organisation(id: "ods:RKE") { validation { message } } }'
    assert client.data(query, key=key) == {"organisation": {"validation": []}}
    run = client.data("{ latestValidation { findings { node message } } }", key=key)
    shown = run["latestValidation"]["findings"]
    assert not any("agreement" in f["message"] for f in shown)
    assert not any((f["node"] or "").startswith("DataSharingAgreement/") for f in shown)
    assert {f["node"] for f in shown} == {
        "Int/hackney-int-1",
        "Team/camden-pharmacy",
        "Lsoa/E01000800",
    }


def test_governance_sees_the_agreements_findings(client: Client) -> None:
    query = """{
      organisation(id: "ods:RKE") { validation { message severity } }
      dataSharingAgreement(id: "camden-direct-care") { validation { rule severity } }
    }"""
    data = client.data(query, key=GOVERNANCE)
    assert data["organisation"]["validation"] == [
        {
            "message": "The organisation is party to agreement/camden-direct-care",
            "severity": "Warning",
        }
    ]
    assert _rules(data["dataSharingAgreement"]["validation"]) == [
        ("nhgsh:DataSharingAgreement-article6", "Violation")
    ]


SUMMARY = """{ latestValidation {
  trigger latest conforms violations warnings notStored maxFindings shapes on
} }"""


def test_the_summary_counts_only_what_the_role_may_read(client: Client) -> None:
    public = client.data(SUMMARY)["latestValidation"]
    governance = client.data(SUMMARY, key=GOVERNANCE)["latestValidation"]
    # Team, INT and agreement Violations; the LSOA's Warning and two party Warnings (the
    # agreement has two controllers), of which the agreement's three are restricted.
    assert (governance["violations"], governance["warnings"]) == (3, 3)
    assert (public["violations"], public["warnings"]) == (2, 1)
    assert public["conforms"] is governance["conforms"] is False
    for summary in (public, governance):
        assert summary["trigger"] == "validate"
        assert summary["latest"] is True
        assert summary["on"] == ON.isoformat()
        assert summary["notStored"] == 0
        assert summary["maxFindings"] == 5000
        assert len(summary["shapes"]) == 16


def test_the_findings_list_filters_by_severity_and_rule(client: Client) -> None:
    query = """query ($severity: String, $rule: String, $first: Int!) {
      latestValidation { findings(severity: $severity, rule: $rule, first: $first) { node } }
    }"""

    def nodes(**variables: Any) -> list[str]:
        given = {"severity": None, "rule": None, "first": 100, **variables}
        data = client.data(query, given, key=GOVERNANCE)
        return [f["node"] for f in data["latestValidation"]["findings"]]

    assert nodes(severity="Warning") == [
        "Lsoa/E01000800",
        "Organisation/ods:RKE",
        "Organisation/ons:E09000007",
    ]
    assert nodes(rule="nhgsh:TeamShape[nhg:providedBy]") == ["Team/camden-pharmacy"]
    everything = nodes()
    assert len(everything) == 6
    assert nodes(first=2) == everything[:2]
    assert everything[:3] == sorted(everything[:3])  # Violations first, by rule then node
    errors = client.errors(query, {"severity": None, "rule": None, "first": 1000})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


NESTED = """query ($first: Int) {
  places(first: $first) {
    nodes {
      validation { rule }
      neighbourhoods { validation { rule } }
      ints { validation { rule } memberships { team { validation { rule } } } }
    }
  }
}"""


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "resolvers"])
def test_findings_come_in_one_round_trip_per_level(
    client: Client, monkeypatch: pytest.MonkeyPatch, compiled: bool
) -> None:
    """The resolvers read the findings once per level the query asks them at (four here),
    however many nodes each level holds. Counted by the findings' own statement: two sibling
    levels may share one batch or not, as their answers come, so the request's total varies by
    one. The compiled path reads the whole answer, findings too, in one statement."""
    monkeypatch.setattr(client.server.app.state.compiled, "enabled", compiled)
    statements: list[str] = []
    read = client.database.read

    def counted(query: Any, parameters: Any = None) -> Any:
        statements.append(getattr(query, "name", ""))
        return read(query, parameters)

    monkeypatch.setattr(client.database, "read", counted)
    for first in (1, 2):
        statements.clear()
        data = client.data(NESTED, {"first": first})
        assert len(data["places"]["nodes"]) == first
        if compiled:
            assert len(statements) == 1, (first, statements)
            continue
        findings_reads = statements.count("api_validation")
        # Two places hold three INTs and more teams: one read per node would be many more.
        assert 1 <= findings_reads <= 4, (first, statements)


def test_every_node_type_is_named_as_its_model_class() -> None:
    """The validation field asks for findings by the type's Python name as the node's label."""
    schema = graphql_schema.schema
    interface = schema._schema.get_type("GraphNode")
    assert isinstance(interface, GraphQLInterfaceType)
    implementing = schema._schema.get_implementations(interface).objects
    names = set()
    for graphql_type in implementing:
        definition = schema.get_type_by_name(graphql_type.name)
        assert definition is not None
        names.add(definition.origin.__name__)  # type: ignore[union-attr]
        assert "validation" in graphql_type.fields
    assert names == {
        "Place",
        "Neighbourhood",
        "Int",
        "Team",
        "Organisation",
        "Service",
        "DataSharingAgreement",
    }
    assert names <= set(BY_LABEL)


# These change the saved runs, so they come last.


def test_an_earlier_run_keeps_its_summary_and_no_findings(client: Client) -> None:
    save_stored_report(client.database, validate_stored(client.database, on=ON), on=ON)
    query = "{ validationRuns(first: 5) { latest warnings findings { node } } }"
    runs = client.data(query, key=GOVERNANCE)["validationRuns"]
    assert [run["latest"] for run in runs] == [True, False]
    assert runs[0]["warnings"] == 1  # without the test's own shape
    assert len(runs[0]["findings"]) == 4
    assert runs[1]["findings"] == []


def test_before_any_run_there_is_no_status(client: Client) -> None:
    client.database.write(
        "MATCH (n) WHERE n:ValidationRun OR n:ValidationFinding OR n:ValidationLog DETACH DELETE n"
    )
    data = client.data(
        "{ latestValidation { id } validationRuns { id } "
        'int(id: "hackney-int-1") { validation { rule } } }'
    )
    assert data == {"latestValidation": None, "validationRuns": [], "int": {"validation": []}}
