"""The map: places, neighbourhoods, INTs, their teams and memberships, specialists aligned by
role, and organisations, with the root fields that find them by id or a page at a time.

Each type is built once from the row its loader returned (``from_row``); related nodes are
resolved through the request's DataLoaders by id, never by a query per item.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self

import strawberry

from nhgraph.graphql.context import Info, many, one
from nhgraph.graphql.history import HistoryEntry, moment_of, node_history, refused
from nhgraph.graphql.pagination import Connection, SortBy, enum_value, page
from nhgraph.graphql.validation import ValidationFinding, node_findings
from nhgraph.schema import vocabulary as v
from nhgraph.store.db import Record
from nhgraph.store.history import HistoryRefused


def node_fields(row: Record) -> dict[str, Any]:
    """The fields every node type shares, from its loader's row."""
    return {
        "id": strawberry.ID(row["id"]),
        "name": str(row["node"]["name"]),
        "illustrative": bool(row["node"].get("illustrative")),
    }


@strawberry.interface(description="A node of the graph: an id, a name, and whether it is invented.")
class GraphNode:
    """What every node of the map shares, so a client can ask for an id and a name and know an
    invented record from a real one."""

    id: strawberry.ID
    name: str
    illustrative: bool = strawberry.field(
        description="True for records of the illustrative dataset, not real ones."
    )

    @strawberry.field(
        description="The rules it breaks today, as the latest saved validation run found "
        "(Violations first; empty when it breaks none or no run was saved)."
    )
    async def validation(self, info: Info) -> list[ValidationFinding]:
        """The node's current findings, by its label (each type is named as its model class)
        and id, through the findings loader."""
        return await node_findings(info, type(self).__name__, str(self.id))

    @strawberry.field(
        description="Its changes, newest first (at most first, 1-100): when each was recorded, "
        "by which load (source and release) or editor, and the fields it changed, before and "
        "after. Empty for a node loaded before history was kept."
    )
    async def history(self, info: Info, first: int = 20) -> list[HistoryEntry]:
        """The node's recorded changes, newest first."""
        return await node_history(info, str(self.id), first)


@strawberry.type(description="An organisation: a practice, PCN, trust, council, VCFSE, ...")
class Organisation(GraphNode):
    """An organisation of the map (a practice, PCN, trust, council or VCFSE), with the places it
    operates in."""

    kind: v.OrganisationKind
    open_date: date | None
    close_date: date | None
    postcode: str | None
    place_ids: strawberry.Private[list[str]]

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The organisation from its loader's row, keeping its places' ids for the places field."""
        node = row["node"]
        return cls(
            **node_fields(row),
            kind=v.OrganisationKind.of(node["kind"]),
            open_date=node.get("open_date"),
            close_date=node.get("close_date"),
            postcode=node.get("postcode"),
            place_ids=list(row["places"]),
        )

    @strawberry.field(description="The places (boroughs) it operates in.")
    async def places(self, info: Info) -> list[Place]:
        """The places (boroughs) the organisation operates in, through the place loader."""
        return await many(info.context.loaders_of(info).place, self.place_ids, Place.from_row)


@strawberry.type(description="A team and the functions it carries.")
class Team(GraphNode):
    """A team and the functions it carries, with the organisation that provides it."""

    functions: list[str]
    provider_id: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The team from its loader's row, keeping its provider's id for the provider field."""
        return cls(
            **node_fields(row), functions=list(row["functions"]), provider_id=row["provider"]
        )

    @strawberry.field
    async def provider(self, info: Info) -> Organisation | None:
        """The organisation that provides the team, through the organisation loader."""
        return await one(
            info.context.loaders_of(info).organisation, self.provider_id, Organisation.from_row
        )


def _current(start: date | None, end: date | None, on: date) -> bool:
    return (start is None or start <= on) and (end is None or end >= on)


@strawberry.type(description="A team's membership of an INT, in a tier, for a period.")
class Membership:
    """A team's membership of an INT, in a tier, for a period."""

    id: strawberry.ID
    tier: v.Tier
    start: date | None
    end: date | None
    team_id: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The membership from its row in the INT's batch read, keeping the team's id for the team
        field."""
        return cls(
            id=strawberry.ID(row["id"]),
            tier=v.Tier.of(row["tier"]),
            start=row["start"],
            end=row["end"],
            team_id=row["team"],
        )

    @strawberry.field
    async def team(self, info: Info) -> Team | None:
        """The team that is the member, through the team loader."""
        return await one(info.context.loaders_of(info).team, self.team_id, Team.from_row)


@strawberry.type(description="A specialist aligned to an INT by role (never by a person's name).")
class SpecialistAlignment:
    """A specialist role aligned to an INT for a period, never a named person."""

    id: strawberry.ID
    specialty: str | None
    specialty_label: str | None
    sessions_per_week: float | None
    start: date | None
    end: date | None
    provider_id: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The alignment from its row in the INT's batch read, keeping the provider's id."""
        return cls(
            id=strawberry.ID(row["id"]),
            specialty=row["specialty"],
            specialty_label=row["specialty_label"],
            sessions_per_week=row["sessions_per_week"],
            start=row["start"],
            end=row["end"],
            provider_id=row["provider"],
        )

    @strawberry.field
    async def provider(self, info: Info) -> Organisation | None:
        """The organisation that provides the specialist, through the organisation loader."""
        return await one(
            info.context.loaders_of(info).organisation, self.provider_id, Organisation.from_row
        )


@strawberry.type(
    name="IntegratedNeighbourhoodTeam",
    description="An integrated neighbourhood team (INT): a team of teams. GraphQL reserves the "
    "name Int, so the type is spelt out; the query field is `int`.",
)
class Int(GraphNode):
    """An integrated neighbourhood team (INT): a team of teams, with its place, neighbourhoods,
    memberships and specialists."""

    place_id: strawberry.Private[str | None]
    neighbourhood_ids: strawberry.Private[list[str]]
    all_memberships: strawberry.Private[list[Membership]]
    all_specialists: strawberry.Private[list[SpecialistAlignment]]

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The INT from its loader's row, with all its memberships and alignments, ended ones too,
        so the fields can filter them by day."""
        return cls(
            **node_fields(row),
            place_id=row["place"],
            neighbourhood_ids=list(row["neighbourhoods"]),
            all_memberships=[Membership.from_row(m) for m in row["memberships"]],
            all_specialists=[SpecialistAlignment.from_row(a) for a in row["alignments"]],
        )

    @strawberry.field
    async def place(self, info: Info) -> Place | None:
        """The place the INT is in, through the place loader."""
        return await one(info.context.loaders_of(info).place, self.place_id, Place.from_row)

    @strawberry.field
    async def neighbourhoods(self, info: Info) -> list[Neighbourhood]:
        """The neighbourhoods the INT serves, through the neighbourhood loader."""
        loader = info.context.loaders_of(info).neighbourhood
        return await many(loader, self.neighbourhood_ids, Neighbourhood.from_row)

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
        """The INT's team memberships, in one tier if asked, and current today unless ended ones are
        asked for."""
        today = info.context.today
        return [
            membership
            for membership in self.all_memberships
            if (tier is None or membership.tier is v.Tier.of(tier))
            and (include_ended or _current(membership.start, membership.end, today))
        ]

    @strawberry.field(description="Specialists aligned to the INT; current ones unless asked.")
    def specialists(self, info: Info, include_ended: bool = False) -> list[SpecialistAlignment]:
        """The specialists aligned to the INT, current today unless ended ones are asked for."""
        today = info.context.today
        return [
            alignment
            for alignment in self.all_specialists
            if include_ended or _current(alignment.start, alignment.end, today)
        ]


@strawberry.type(description="A neighbourhood: a footprint of LSOAs, of roughly 30-50k people.")
class Neighbourhood(GraphNode):
    """A Neighbourhood: a footprint of LSOAs, its residents, its priority cohorts, and the INTs that
    serve it."""

    lsoas: list[str] = strawberry.field(description="The LSOA codes it covers.")
    population: int | None = strawberry.field(
        description="Residents of its LSOAs (ONS mid-year estimates)."
    )
    priorities: list[str] = strawberry.field(description="The cohorts it prioritises.")
    place_id: strawberry.Private[str | None]
    int_ids: strawberry.Private[list[str]]

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The neighbourhood from its loader's row, keeping its place's and INTs' ids for the
        related fields."""
        return cls(
            **node_fields(row),
            lsoas=list(row["lsoas"]),
            population=row["population"],
            priorities=list(row["priorities"]),
            place_id=row["place"],
            int_ids=list(row["ints"]),
        )

    @strawberry.field
    async def place(self, info: Info) -> Place | None:
        """The place a neighbourhood is in, from its batch read."""
        return await one(info.context.loaders_of(info).place, self.place_id, Place.from_row)

    @strawberry.field
    async def ints(self, info: Info) -> list[Int]:
        """The INTs that serve the neighbourhood, through the INT loader."""
        return await many(info.context.loaders_of(info).int_, self.int_ids, Int.from_row)


@strawberry.type(description="A place: a London borough, where an integrator organises INTs.")
class Place(GraphNode):
    """A place: a London borough, where an integrator organises the INTs of its neighbourhoods."""

    system: str | None = strawberry.field(
        description="The integrated care board (system) it is part of, when it is in one; "
        "null for a place split across systems (see systems)."
    )
    systems: list[str] = strawberry.field(
        description="Every integrated care board (system) its LSOAs are in, by id: one for "
        "most places, two for a place split across systems."
    )
    lsoa_count: int
    population: int | None
    neighbourhood_ids: strawberry.Private[list[str]]
    int_ids: strawberry.Private[list[str]]
    integrator_id: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The place from its loader's row, taking the first integrator appointed today, if any."""
        integrators = row["integrator"]
        return cls(
            **node_fields(row),
            system=row["system"],
            systems=list(row["systems"]),
            lsoa_count=int(row["lsoas"]),
            population=row["population"],
            neighbourhood_ids=list(row["neighbourhoods"]),
            int_ids=list(row["ints"]),
            integrator_id=integrators[0] if integrators else None,
        )

    @strawberry.field
    async def neighbourhoods(self, info: Info) -> list[Neighbourhood]:
        """The place's neighbourhoods, through the neighbourhood loader."""
        loader = info.context.loaders_of(info).neighbourhood
        return await many(loader, self.neighbourhood_ids, Neighbourhood.from_row)

    @strawberry.field
    async def ints(self, info: Info) -> list[Int]:
        """The place's INTs, through the INT loader."""
        return await many(info.context.loaders_of(info).int_, self.int_ids, Int.from_row)

    @strawberry.field(description="The integrator appointed today, if any.")
    async def integrator(self, info: Info) -> Organisation | None:
        """The organisation appointed integrator of the place today, through the organisation
        loader."""
        loader = info.context.loaders_of(info).organisation
        return await one(loader, self.integrator_id, Organisation.from_row)


@strawberry.type
class MapQuery:
    """The map's root fields: a node by id, and the lists."""

    @strawberry.field(description="A place (borough) by its ONS code.")
    async def place(
        self,
        info: Info,
        id: strawberry.ID,
        as_at: Annotated[
            datetime | None,
            strawberry.argument(
                description="Read as the graph stood at this moment (record time): the "
                "place and everything selected under it (neighbourhoods, INTs, teams) then."
            ),
        ] = None,
    ) -> Place | None:
        """A place by its ONS code, through the place loader (as it stood, with ``asAt``: the
        whole selection under it is then read as it stood, see Context.loaders_of)."""
        moment = moment_of(as_at)
        info.context.stand_at(info, moment)
        try:
            return await one(info.context.loaders_of(info).place, id, Place.from_row)
        except HistoryRefused as refusal:
            raise refused(refusal) from refusal

    @strawberry.field
    async def neighbourhood(self, info: Info, id: strawberry.ID) -> Neighbourhood | None:
        """A neighbourhood by its id, through the neighbourhood loader."""
        return await one(info.context.loaders_of(info).neighbourhood, id, Neighbourhood.from_row)

    @strawberry.field(name="int", description="An integrated neighbourhood team by id.")
    async def int_(self, info: Info, id: strawberry.ID) -> Int | None:
        """An INT by its id, through the INT loader."""
        return await one(info.context.loaders_of(info).int_, id, Int.from_row)

    @strawberry.field(description="An organisation by its ODS code (or nhgraph id).")
    async def organisation(self, info: Info, id: strawberry.ID) -> Organisation | None:
        """An organisation by its ODS code or nhgraph id, through the organisation loader."""
        return await one(info.context.loaders_of(info).organisation, id, Organisation.from_row)

    @strawberry.field(description="Places, a page at a time.")
    async def places(
        self,
        info: Info,
        system: str | None = None,
        search: str | None = None,
        sort: SortBy = SortBy.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Place]:
        """Places, in one system or matching a search, sorted and a page at a time."""
        filters = {"system": system, "search": search}
        loader = info.context.loaders_of(info).place
        return await page(
            info, "api_list_places", loader, Place.from_row, filters, sort, first, after
        )

    @strawberry.field
    async def neighbourhoods(
        self,
        info: Info,
        place: str | None = None,
        search: str | None = None,
        sort: SortBy = SortBy.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Neighbourhood]:
        """Neighbourhoods, in one place or matching a search, sorted and a page at a time."""
        filters = {"place": place, "search": search}
        loader = info.context.loaders_of(info).neighbourhood
        return await page(
            info,
            "api_list_neighbourhoods",
            loader,
            Neighbourhood.from_row,
            filters,
            sort,
            first,
            after,
        )

    @strawberry.field
    async def ints(
        self,
        info: Info,
        place: str | None = None,
        search: str | None = None,
        sort: SortBy = SortBy.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Int]:
        """INTs, in one place or matching a search, sorted and a page at a time."""
        filters = {"place": place, "search": search}
        loader = info.context.loaders_of(info).int_
        return await page(info, "api_list_ints", loader, Int.from_row, filters, sort, first, after)

    @strawberry.field
    async def organisations(
        self,
        info: Info,
        place: str | None = None,
        kind: v.OrganisationKind | None = None,
        search: str | None = None,
        sort: SortBy = SortBy.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Organisation]:
        """Organisations, in one place, of one kind or matching a search, sorted and a page at a
        time."""
        filters = {"place": place, "kind": enum_value(kind), "search": search}
        loader = info.context.loaders_of(info).organisation
        return await page(
            info,
            "api_list_organisations",
            loader,
            Organisation.from_row,
            filters,
            sort,
            first,
            after,
        )
