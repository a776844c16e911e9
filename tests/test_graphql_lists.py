"""Every path a filtered list takes (issue 22): a place's or a system's matches found from the
node it names, a kind read through its composite index in order, a function counted from the
function, a status or a search read through the id or name index in order and filtered. Each
path, each sort, on the compiled statement and on the resolvers' named queries, walked a page
of 2 at a time, must give exactly what a plain statement (every node tested, then sorted)
gives: the same nodes, in the same order, once each, with the same count.

The world is the small one and services and organisations made to catch each path out: a
service for a place, its LSOAs and one of its neighbourhoods at once (found three ways, listed
once), services with one name (the name sort's ties), every status, a rare and a common
function, and organisations with one name of different kinds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from nhgraph.config import Settings
from nhgraph.schema.models import Node, Organisation, Service
from nhgraph.store import db, write_models

from .clients import Client
from .conftest import LiveServer
from .world import world

CAMDEN, HACKNEY = "E09000007", "E09000012"


def _extra() -> list[Node]:
    """Services and organisations that give every path something to get wrong."""
    services: list[Node] = [
        Service(
            id="camden-everywhere",
            name="Shared name",
            provider="ods:RKE",
            function="social_prescribing",
            places=[CAMDEN],
            lsoas=["E01000800", "E01000801"],
            neighbourhoods=["camden-north"],
        ),
        Service(
            id="camden-lsoa-only",
            name="Shared name",
            provider="ods:RKE",
            function="frailty",
            lsoas=["E01000802"],
            status="paused",
        ),
        Service(
            id="hackney-place",
            name="Hackney care navigation",
            provider="ods:RKE",
            function="social_prescribing",
            places=[HACKNEY],
        ),
        Service(
            id="hackney-ended",
            name="An ended service",
            provider="ods:RKE",
            function="frailty",
            places=[HACKNEY],
            status="ended",
        ),
        Service(
            id="hackney-frailty",
            name="Care for Hackney",
            provider="ods:RKE",
            function="frailty",
            places=[HACKNEY],
        ),
    ]
    organisations: list[Node] = [
        Organisation(id=f"ods:{code}", name="Same name", kind=kind)
        for code, kind in [
            ("U90001", "pcn"),
            ("Y90001", "gp_practice"),
            ("U90002", "pcn"),
            ("RZZ", "nhs_trust"),
        ]
    ]
    return services + organisations


@pytest.fixture(scope="module")
def clients(database: db.Database, api_settings: Settings) -> Iterator[tuple[Client, Client]]:
    """The API on this world twice: compiled (as deployed) and by the resolvers."""
    database.reset()
    write_models(database, world() + _extra())
    with (
        LiveServer(api_settings) as compiled,
        LiveServer(api_settings.model_copy(update={"api_compiled": False})) as resolvers,
    ):
        yield Client(compiled), Client(resolvers)
    database.reset()


SERVICES = """
query ($after: String, $first: Int, $sort: SortBy!, $place: String, $function: String,
       $status: ServiceStatus, $search: String) {
  services(after: $after, first: $first, sort: $sort, place: $place, function: $function,
           status: $status, search: $search) {
    totalCount edges { node { id name } } pageInfo { hasNextPage endCursor }
  }
}
"""
ORGANISATIONS = """
query ($after: String, $first: Int, $sort: SortBy!, $kind: OrganisationKind, $place: String,
       $search: String) {
  organisations(after: $after, first: $first, sort: $sort, kind: $kind, place: $place,
                search: $search) {
    totalCount edges { node { id name } } pageInfo { hasNextPage endCursor }
  }
}
"""
#: Every node tested against every filter, then sorted: what each path must equal.
PLAIN_SERVICES = """
MATCH (n:Service)
WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
  AND ($place IS NULL OR EXISTS { (n)-[:FOR_AREA]->(a) WHERE a.id = $place
                                   OR EXISTS { (a)-[:IN_PLACE]->(:Place {id: $place}) } })
  AND ($function IS NULL OR EXISTS { (n)-[:OF_FUNCTION]->(:Function {id: $function}) })
  AND ($status IS NULL OR n.status = $status)
RETURN n.id AS id, n.name AS name
ORDER BY CASE $sort WHEN 'name' THEN n.name ELSE n.id END, n.id
"""
PLAIN_ORGANISATIONS = """
MATCH (n:Organisation)
WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
  AND ($place IS NULL OR EXISTS { (n)-[:OPERATES_IN]->(:Place {id: $place}) })
  AND ($kind IS NULL OR n.kind = $kind)
RETURN n.id AS id, n.name AS name
ORDER BY CASE $sort WHEN 'name' THEN n.name ELSE n.id END, n.id
"""
SERVICE_PATHS: list[dict[str, str]] = [
    {},
    {"place": CAMDEN},
    {"place": HACKNEY},
    {"place": CAMDEN, "status": "ACTIVE"},
    {"function": "frailty"},
    {"function": "social_prescribing", "search": "care"},
    {"status": "ACTIVE"},
    {"status": "ENDED"},
    {"search": "shared"},
    {"search": "no such name"},
]
ORGANISATION_PATHS: list[dict[str, str]] = [
    {"kind": "PCN"},
    {"kind": "PCN", "search": "same"},
    {"kind": "GP_PRACTICE"},
    {"kind": "COMMUNITY_PHARMACY"},
    {"search": "same"},
    {"place": CAMDEN, "kind": "NHS_TRUST"},
]
CASES = [("services", f) for f in SERVICE_PATHS] + [
    ("organisations", f) for f in ORGANISATION_PATHS
]


def test_the_suite_walks_every_path() -> None:
    assert len(CASES) * 2 * 2 >= 64


def _plain(database: db.Database, field: str, filters: dict[str, str], sort: str) -> list[Any]:
    names = ["place", "search"] + (["function", "status"] if field == "services" else ["kind"])
    parameters: dict[str, Any] = dict.fromkeys(names)
    parameters.update({k: v.lower() for k, v in filters.items() if k in ("status", "kind")})
    parameters.update({k: v for k, v in filters.items() if k not in ("status", "kind")})
    parameters["sort"] = sort.lower()
    statement = PLAIN_SERVICES if field == "services" else PLAIN_ORGANISATIONS
    return [{"id": r["id"], "name": r["name"]} for r in database.read(statement, parameters)]


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "resolvers"])
@pytest.mark.parametrize("sort", ["ID", "NAME"])
@pytest.mark.parametrize(
    ("field", "filters"),
    CASES,
    ids=[f"{field}:{','.join(f.values()) or 'none'}" for field, f in CASES],
)
def test_each_path_pages_exactly_what_testing_every_node_finds(
    clients: tuple[Client, Client],
    database: db.Database,
    compiled: bool,
    sort: str,
    field: str,
    filters: dict[str, str],
) -> None:
    client = clients[0 if compiled else 1]
    query = SERVICES if field == "services" else ORGANISATIONS
    expected = _plain(database, field, filters, sort)
    assert client.walk(query, field, {"sort": sort, **filters}, len(expected)) == expected


def test_the_world_gives_each_path_matches_and_ties(
    clients: tuple[Client, Client],  # noqa: ARG001 (its world)
    database: db.Database,
) -> None:
    """The cases are not vacuous: a service found three ways in one place, names shared by
    several nodes, and paths that find none."""
    camden = _plain(database, "services", {"place": CAMDEN}, "ID")
    assert [s["id"] for s in camden].count("camden-everywhere") == 1
    assert len(camden) >= 3
    assert len(_plain(database, "services", {"search": "shared"}, "NAME")) == 2
    assert len(_plain(database, "organisations", {"kind": "PCN", "search": "same"}, "ID")) == 2
    assert _plain(database, "services", {"search": "no such name"}, "ID") == []
