"""The GraphQL types, by domain: the map (places, neighbourhoods, INTs, teams, organisations),
services, the resident's view, data-sharing agreements, and connections for lists.

Each node type wraps the row its loader returned. Related nodes are resolved through the
request's DataLoaders by id (see :mod:`nhgraph.graphql.context`), never by a query per item.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Annotated, Generic, TypeVar

import strawberry
from strawberry.scalars import JSON

from nhgraph.graphql.access import ReadsAgreements
from nhgraph.schema import vocabulary as v
from nhgraph.store.db import Record

Tier = strawberry.enum(v.Tier, description="The tiers of the team of teams around the resident.")
OrganisationKind = strawberry.enum(v.OrganisationKind, description="What an organisation is.")
ServiceStatus = strawberry.enum(v.ServiceStatus, description="Whether a service runs.")
AgreementStatus = strawberry.enum(v.AgreementStatus, description="Where an agreement stands.")
Purpose = strawberry.enum(v.Purpose, description="Why data is shared.")
Channel = strawberry.enum(v.Channel, description="How a resident reaches a service.")
LawfulBasis = strawberry.enum(v.LawfulBasis, description="UK GDPR Article 6 lawful basis.")
Article9Condition = strawberry.enum(
    v.Article9Condition, description="UK GDPR Article 9 condition for health data."
)

Info = strawberry.Info


C = TypeVar("C", bound=v.Concept)
T = TypeVar("T")


def _enum(cls: type[C], value: str | None) -> C | None:
    return None if value is None else cls.of(value)


async def _one(info: Info, kind: str, node_id: str | None, cls: Callable[..., T]) -> T | None:
    if node_id is None:
        return None
    row = await info.context.loaders[kind].load(node_id)
    return None if row is None else cls(row=row)


async def _many(info: Info, kind: str, ids: list[str], cls: Callable[..., T]) -> list[T]:
    rows = await info.context.loaders[kind].load_many(ids)
    return [cls(row=row) for row in rows if row is not None]


@strawberry.interface(description="A node of the graph: an id, a name, and whether it is invented.")
class GraphNode:
    row: strawberry.Private[Record]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row["id"])

    @strawberry.field
    def name(self) -> str:
        return str(self.row["node"]["name"])

    @strawberry.field(description="True for records of the illustrative dataset, not real ones.")
    def illustrative(self) -> bool:
        return bool(self.row["node"].get("illustrative"))


# -- the map -----------------------------------------------------------------------------------


@strawberry.type(description="An organisation: a practice, PCN, trust, council, VCFSE, ...")
class Organisation(GraphNode):
    @strawberry.field
    def kind(self) -> v.OrganisationKind:
        return v.OrganisationKind.of(self.row["node"]["kind"])

    @strawberry.field
    def open_date(self) -> date | None:
        return self.row["node"].get("open_date")

    @strawberry.field
    def close_date(self) -> date | None:
        return self.row["node"].get("close_date")

    @strawberry.field
    def postcode(self) -> str | None:
        return self.row["node"].get("postcode")

    @strawberry.field(description="The places (boroughs) it operates in.")
    async def places(self, info: Info) -> list[Place]:
        return await _many(info, "place", self.row["places"], Place)


@strawberry.type(description="A team and the functions it carries.")
class Team(GraphNode):
    @strawberry.field
    def functions(self) -> list[str]:
        return list(self.row["functions"])

    @strawberry.field
    async def provider(self, info: Info) -> Organisation | None:
        return await _one(info, "organisation", self.row["provider"], Organisation)


@strawberry.type(description="A team's membership of an INT, in a tier, for a period.")
class Membership:
    id: strawberry.ID
    tier: v.Tier
    start: date | None
    end: date | None
    team_id: strawberry.Private[str]

    @strawberry.field
    async def team(self, info: Info) -> Team | None:
        return await _one(info, "team", self.team_id, Team)


@strawberry.type(description="A specialist aligned to an INT by role (never by a person's name).")
class SpecialistAlignment:
    id: strawberry.ID
    specialty: str | None
    specialty_label: str | None
    sessions_per_week: float | None
    start: date | None
    end: date | None
    provider_id: strawberry.Private[str | None]

    @strawberry.field
    async def provider(self, info: Info) -> Organisation | None:
        return await _one(info, "organisation", self.provider_id, Organisation)


def _current(start: date | None, end: date | None, on: date) -> bool:
    return (start is None or start <= on) and (end is None or end >= on)


@strawberry.type(
    name="IntegratedNeighbourhoodTeam",
    description="An integrated neighbourhood team (INT): a team of teams. GraphQL reserves the "
    "name Int, so the type is spelt out; the query field is `int`.",
)
class Int(GraphNode):
    @strawberry.field
    async def place(self, info: Info) -> Place | None:
        return await _one(info, "place", self.row["place"], Place)

    @strawberry.field
    async def neighbourhoods(self, info: Info) -> list[Neighbourhood]:
        return await _many(info, "neighbourhood", self.row["neighbourhoods"], Neighbourhood)

    @strawberry.field(
        description="Team memberships, innermost tier first; current ones only unless "
        "`includeEnded` (a membership is current on a day between its start and end)."
    )
    def memberships(
        self,
        info: Info,
        tier: v.Tier | None = None,
        include_ended: bool = False,
    ) -> list[Membership]:
        today = info.context.today
        return [
            Membership(
                id=strawberry.ID(m["id"]),
                tier=v.Tier.of(m["tier"]),
                start=m["start"],
                end=m["end"],
                team_id=m["team"],
            )
            for m in self.row["memberships"]
            if (tier is None or m["tier"] == v.Tier.of(tier).value)
            and (include_ended or _current(m["start"], m["end"], today))
        ]

    @strawberry.field(description="Specialists aligned to the INT; current ones unless asked.")
    def specialists(self, info: Info, include_ended: bool = False) -> list[SpecialistAlignment]:
        today = info.context.today
        return [
            SpecialistAlignment(
                id=strawberry.ID(a["id"]),
                specialty=a["specialty"],
                specialty_label=a["specialty_label"],
                sessions_per_week=a["sessions_per_week"],
                start=a["start"],
                end=a["end"],
                provider_id=a["provider"],
            )
            for a in self.row["alignments"]
            if include_ended or _current(a["start"], a["end"], today)
        ]


@strawberry.type(description="A neighbourhood: a footprint of LSOAs, of roughly 30-50k people.")
class Neighbourhood(GraphNode):
    @strawberry.field(description="The LSOA codes it covers.")
    def lsoas(self) -> list[str]:
        return list(self.row["lsoas"])

    @strawberry.field(description="Residents of its LSOAs (ONS mid-year estimates).")
    def population(self) -> int | None:
        return self.row["population"]

    @strawberry.field(description="The cohorts it prioritises.")
    def priorities(self) -> list[str]:
        return list(self.row["priorities"])

    @strawberry.field
    async def place(self, info: Info) -> Place | None:
        return await _one(info, "place", self.row["place"], Place)

    @strawberry.field
    async def ints(self, info: Info) -> list[Int]:
        return await _many(info, "int", self.row["ints"], Int)


@strawberry.type(description="A place: a London borough, where an integrator organises INTs.")
class Place(GraphNode):
    @strawberry.field(description="The integrated care board (system) it is part of.")
    def system(self) -> str | None:
        return self.row["system"]

    @strawberry.field
    def lsoa_count(self) -> int:
        return int(self.row["lsoas"])

    @strawberry.field
    def population(self) -> int | None:
        return self.row["population"]

    @strawberry.field
    async def neighbourhoods(self, info: Info) -> list[Neighbourhood]:
        return await _many(info, "neighbourhood", self.row["neighbourhoods"], Neighbourhood)

    @strawberry.field
    async def ints(self, info: Info) -> list[Int]:
        return await _many(info, "int", self.row["ints"], Int)

    @strawberry.field(description="The integrator appointed today, if any.")
    async def integrator(self, info: Info) -> Organisation | None:
        found = self.row["integrator"]
        return await _one(info, "organisation", found[0] if found else None, Organisation)


# -- services ----------------------------------------------------------------------------------


@strawberry.type(description="A service residents can use, with who it is for and when it runs.")
class Service(GraphNode):
    @strawberry.field
    def function(self) -> str | None:
        return self.row["function"]

    @strawberry.field
    def status(self) -> v.ServiceStatus:
        return v.ServiceStatus.of(self.row["node"]["status"])

    @strawberry.field
    def channels(self) -> list[v.Channel]:
        return [v.Channel.of(c) for c in self.row["node"].get("channels") or []]

    @strawberry.field
    def hours(self) -> list[str]:
        return list(self.row["node"].get("hours") or [])

    @strawberry.field(name="open24x7")
    def open_24_7(self) -> bool:
        return bool(self.row["node"].get("open_24_7"))

    @strawberry.field
    def self_referral(self) -> bool:
        return bool(self.row["node"].get("self_referral"))

    @strawberry.field
    def phone(self) -> str | None:
        return self.row["node"].get("phone")

    @strawberry.field
    def url(self) -> str | None:
        return self.row["node"].get("url")

    @strawberry.field
    def min_age(self) -> int | None:
        return self.row["node"].get("min_age")

    @strawberry.field
    def max_age(self) -> int | None:
        return self.row["node"].get("max_age")

    @strawberry.field
    def cohorts(self) -> list[str]:
        return list(self.row["cohorts"])

    @strawberry.field(description="LSOA codes it is for (besides neighbourhoods and places).")
    def lsoas(self) -> list[str]:
        return list(self.row["lsoas"])

    @strawberry.field
    async def provider(self, info: Info) -> Organisation | None:
        return await _one(info, "organisation", self.row["provider"], Organisation)

    @strawberry.field
    async def team(self, info: Info) -> Team | None:
        return await _one(info, "team", self.row["team"], Team)

    @strawberry.field
    async def neighbourhoods(self, info: Info) -> list[Neighbourhood]:
        return await _many(info, "neighbourhood", self.row["neighbourhoods"], Neighbourhood)

    @strawberry.field
    async def places(self, info: Info) -> list[Place]:
        return await _many(info, "place", self.row["places"], Place)


# -- data sharing ------------------------------------------------------------------------------


@strawberry.type(description="A data-sharing agreement between partners (governance only).")
class DataSharingAgreement(GraphNode):
    @strawberry.field
    def status(self) -> v.AgreementStatus:
        return v.AgreementStatus.of(self.row["node"]["status"])

    @strawberry.field
    def purposes(self) -> list[v.Purpose]:
        return [v.Purpose.of(p) for p in self.row["node"].get("purposes") or []]

    @strawberry.field
    def lawful_basis(self) -> v.LawfulBasis | None:
        return _enum(v.LawfulBasis, self.row["node"].get("lawful_basis"))

    @strawberry.field
    def article9_condition(self) -> v.Article9Condition | None:
        return _enum(v.Article9Condition, self.row["node"].get("article9_condition"))

    @strawberry.field
    def valid_from(self) -> date:
        return self.row["node"]["valid_from"]

    @strawberry.field
    def valid_to(self) -> date | None:
        return self.row["node"].get("valid_to")

    @strawberry.field
    def review_date(self) -> date | None:
        return self.row["node"].get("review_date")

    @strawberry.field
    async def controllers(self, info: Info) -> list[Organisation]:
        return await _many(info, "organisation", self.row["controllers"], Organisation)

    @strawberry.field
    async def joint_controllers(self, info: Info) -> list[Organisation]:
        return await _many(info, "organisation", self.row["joint_controllers"], Organisation)

    @strawberry.field
    async def processors(self, info: Info) -> list[Organisation]:
        return await _many(info, "organisation", self.row["processors"], Organisation)


@strawberry.type(description="Whether two partners may share data for a purpose, and by what.")
class CoveragePair:
    purpose: v.Purpose
    covered: bool
    agreement: str | None
    lawful_basis: str | None
    article9_condition: str | None
    partner_a: str
    partner_a_name: str | None
    partner_b: str
    partner_b_name: str | None


# -- the resident's view -------------------------------------------------------------------------


@strawberry.type(description="An area or team that applies to the resident, and why.")
class Reasoned:
    id: str
    name: str | None
    reason: str


@strawberry.type(description="A team around the resident, in its tier, and why.")
class ResidentTeam:
    tier: v.Tier
    int: str
    team: str
    team_name: str | None
    provider: str | None
    provider_name: str | None
    functions: list[str]
    reason: str


@strawberry.type(description="A service the resident is eligible for, and why.")
class ResidentService:
    id: str
    name: str
    function: str | None
    provider: str | None
    provider_name: str | None
    channels: list[str]
    hours: list[str]
    open24x7: bool
    self_referral: bool
    phone: str | None
    url: str | None
    cohorts: list[str]
    reason: str


@strawberry.type(description="A specialist role aligned to one of the resident's INTs.")
class ResidentSpecialist:
    specialty: str | None
    label: str | None
    int: str
    provider: str | None
    provider_name: str | None
    sessions_per_week: float | None
    reason: str


@strawberry.type(description="The place's integrator on the day asked.")
class ResidentIntegrator:
    organisation: str
    name: str | None
    since: date | None
    reason: str


@strawberry.type(description="Who serves a resident: the team of teams, tier by tier.")
class Resident:
    lsoa: str
    lsoa_name: str | None
    postcode: str | None
    resolved_by: str = strawberry.field(description="postcode, lsoa or point")
    place_id: str
    place_name: str | None
    system: str | None
    system_name: str | None
    neighbourhoods: list[Reasoned]
    ints: list[Reasoned]
    teams: list[ResidentTeam]
    services: list[ResidentService]
    specialists: list[ResidentSpecialist]
    integrator: ResidentIntegrator | None
    gateways: list[ResidentService]

    @strawberry.field(description="The place, with the whole of its map.")
    async def place(self, info: Info) -> Place | None:
        return await _one(info, "place", self.place_id, Place)


def _service(x: Record) -> ResidentService:
    return ResidentService(
        id=x["id"],
        name=x["name"],
        function=x.get("function"),
        provider=x.get("provider"),
        provider_name=x.get("provider_name"),
        channels=list(x.get("channels") or []),
        hours=list(x.get("hours") or []),
        open24x7=bool(x.get("open_24_7", True)),
        self_referral=bool(x.get("self_referral")),
        phone=x.get("phone"),
        url=x.get("url"),
        cohorts=list(x.get("cohorts") or []),
        reason=x["reason"],
    )


def resident_from(row: Record) -> Resident:
    """The resident view from a ``who_serves`` row."""
    return Resident(
        lsoa=row["lsoa"],
        lsoa_name=row["lsoa_name"],
        postcode=row["postcode"],
        resolved_by=row["resolved"]["by"],
        place_id=row["place"],
        place_name=row["place_name"],
        system=row["system"],
        system_name=row["system_name"],
        neighbourhoods=[
            Reasoned(id=n["id"], name=n["name"], reason=n["reason"]) for n in row["neighbourhoods"]
        ],
        ints=[Reasoned(id=i["id"], name=i["name"], reason=i["reason"]) for i in row["ints"]],
        teams=[
            ResidentTeam(
                tier=v.Tier.of(t["tier"]),
                int=t["int"],
                team=t["team"],
                team_name=t["team_name"],
                provider=t["provider"],
                provider_name=t["provider_name"],
                functions=list(t["functions"]),
                reason=t["reason"],
            )
            for t in row["teams"]
        ],
        services=[_service(x) for x in row["services"]],
        specialists=[
            ResidentSpecialist(
                specialty=s["specialty"],
                label=s["label"],
                int=s["int"],
                provider=s["provider"],
                provider_name=s["provider_name"],
                sessions_per_week=s["sessions_per_week"],
                reason=s["reason"],
            )
            for s in row["specialists"]
        ],
        integrator=ResidentIntegrator(
            organisation=row["integrator"]["organisation"],
            name=row["integrator"]["name"],
            since=row["integrator"]["since"],
            reason=row["integrator"]["reason"],
        )
        if row["integrator"]
        else None,
        gateways=[_service(x) for x in row["gateways"]],
    )


@strawberry.type(description="Why a resident could not be placed, with a code an app can act on.")
class ResidentNotFound:
    code: str = strawberry.field(
        description="invalid_postcode, postcode_not_found, invalid_lsoa, lsoa_not_found, "
        "invalid_point, point_outside_area, ambiguous_resident, no_resident or invalid_age"
    )
    message: str


ResidentResult = Annotated[Resident | ResidentNotFound, strawberry.union("ResidentResult")]


# -- analysis ------------------------------------------------------------------------------------


@strawberry.type(description="One gap or overlap found by a named question, with its row.")
class Finding:
    question: str
    place: str | None
    subject: str = strawberry.field(description="The LSOA, neighbourhood, INT, PCN or place.")
    name: str | None
    population: int | None
    most_deprived_decile: int | None
    detail: JSON = strawberry.field(description="The question's whole row.")


# -- connections ---------------------------------------------------------------------------------

N = TypeVar("N")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type(description="A page of a list, with how many items match in all.")
class Connection(Generic[N]):
    total_count: int
    edges: list[Edge[N]]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[N]:
        return [edge.node for edge in self.edges]


@strawberry.enum(description="The order of a list: by id, or by name then id.")
class SortBy(Enum):
    ID = "id"
    NAME = "name"


def encode_cursor(key: str, node_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([key, node_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The (sort key, id) a cursor holds; ValueError naming the cursor when it is not ours."""
    try:
        key, node_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except Exception as error:
        raise ValueError(f"'{cursor}' is not a cursor this API gave out") from error
    if not isinstance(key, str) or not isinstance(node_id, str):
        raise ValueError(f"'{cursor}' is not a cursor this API gave out")
    return key, node_id


__all__ = [
    "Connection",
    "CoveragePair",
    "DataSharingAgreement",
    "Edge",
    "Finding",
    "Int",
    "Neighbourhood",
    "Organisation",
    "PageInfo",
    "Place",
    "ReadsAgreements",
    "Resident",
    "ResidentNotFound",
    "ResidentResult",
    "Service",
    "SortBy",
    "Team",
]
