"""Services: what residents can use, who it is for and when it runs; the root fields that find
them, and the edits that add and end them."""

from __future__ import annotations

from typing import Self

import strawberry

from nhgraph import edits
from nhgraph.graphql.context import Info, many, one
from nhgraph.graphql.footprints import DryRun, EditResult, run
from nhgraph.graphql.map import GraphNode, Neighbourhood, Organisation, Place, Team, node_fields
from nhgraph.graphql.pagination import Connection, SortBy, enum_value, page
from nhgraph.graphql.permissions import Edits
from nhgraph.schema import vocabulary as v
from nhgraph.store.db import Record


@strawberry.type(description="A service residents can use, with who it is for and when it runs.")
class Service(GraphNode):
    """A service residents can use: who provides it, who it is for, where and when it runs, and how
    to reach it."""

    function: str | None
    status: v.ServiceStatus
    channels: list[v.Channel]
    hours: list[str]
    open_24_7: bool = strawberry.field(name="open24x7")
    self_referral: bool
    phone: str | None
    url: str | None
    min_age: int | None
    max_age: int | None
    cohorts: list[str]
    lsoas: list[str] = strawberry.field(
        description="LSOA codes it is for (besides neighbourhoods and places)."
    )
    provider_id: strawberry.Private[str | None]
    team_id: strawberry.Private[str | None]
    neighbourhood_ids: strawberry.Private[list[str]]
    place_ids: strawberry.Private[list[str]]

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The service from its loader's row, keeping its provider's, team's, neighbourhoods' and
        places' ids for the related fields."""
        node = row["node"]
        return cls(
            **node_fields(row),
            function=row["function"],
            status=v.ServiceStatus.of(node["status"]),
            channels=[v.Channel.of(c) for c in node.get("channels") or []],
            hours=list(node.get("hours") or []),
            open_24_7=bool(node.get("open_24_7")),
            self_referral=bool(node.get("self_referral")),
            phone=node.get("phone"),
            url=node.get("url"),
            min_age=node.get("min_age"),
            max_age=node.get("max_age"),
            cohorts=list(row["cohorts"]),
            lsoas=list(row["lsoas"]),
            provider_id=row["provider"],
            team_id=row["team"],
            neighbourhood_ids=list(row["neighbourhoods"]),
            place_ids=list(row["places"]),
        )

    @strawberry.field
    async def provider(self, info: Info) -> Organisation | None:
        """The organisation that provides the service, through the organisation loader."""
        return await one(
            info.context.loaders_of(info).organisation, self.provider_id, Organisation.from_row
        )

    @strawberry.field
    async def team(self, info: Info) -> Team | None:
        """The team that delivers the service, if any, through the team loader."""
        return await one(info.context.loaders_of(info).team, self.team_id, Team.from_row)

    @strawberry.field
    async def neighbourhoods(self, info: Info) -> list[Neighbourhood]:
        """The neighbourhoods the service is for, through the neighbourhood loader."""
        loader = info.context.loaders_of(info).neighbourhood
        return await many(loader, self.neighbourhood_ids, Neighbourhood.from_row)

    @strawberry.field
    async def places(self, info: Info) -> list[Place]:
        """The places the service is for, through the place loader."""
        return await many(info.context.loaders_of(info).place, self.place_ids, Place.from_row)


@strawberry.input(description="A service to add.")
class ServiceInput:
    """Its fields are the model's (``open24x7`` is ``open_24_7``), so it converts by name."""

    id: str
    name: str
    provider: str
    function: str
    team: str | None = None
    lsoas: list[str] = strawberry.field(default_factory=list)
    neighbourhoods: list[str] = strawberry.field(default_factory=list)
    places: list[str] = strawberry.field(default_factory=list)
    min_age: int | None = None
    max_age: int | None = None
    cohorts: list[str] = strawberry.field(default_factory=list)
    channels: list[v.Channel] = strawberry.field(default_factory=list)
    hours: list[str] = strawberry.field(default_factory=list)
    open_24_7: bool = strawberry.field(default=False, name="open24x7")
    self_referral: bool = False
    phone: str | None = None
    url: str | None = None


@strawberry.type
class ServicesQuery:
    """The services' root fields: a service by id, and the list."""

    @strawberry.field
    async def service(self, info: Info, id: strawberry.ID) -> Service | None:
        """A service by its id, through the service loader."""
        return await one(info.context.loaders_of(info).service, id, Service.from_row)

    @strawberry.field
    async def services(
        self,
        info: Info,
        place: str | None = None,
        function: str | None = None,
        status: v.ServiceStatus | None = None,
        search: str | None = None,
        sort: SortBy = SortBy.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Service]:
        """Services, in one place, of one function or status or matching a search, sorted and a page
        at a time."""
        filters = {
            "place": place,
            "function": function,
            "status": enum_value(status),
            "search": search,
        }
        loader = info.context.loaders_of(info).service
        return await page(
            info, "api_list_services", loader, Service.from_row, filters, sort, first, after
        )


@strawberry.type
class ServicesMutation:
    """The services' edits: adding a service and ending one."""

    @strawberry.mutation(permission_classes=[Edits], description="Add a service.")
    async def add_service(
        self, info: Info, service: ServiceInput, dry_run: DryRun = False
    ) -> EditResult:
        """Adds a service, as the caller, if the rules allow it."""
        return await run(info, edits.add_service, strawberry.asdict(service), dry_run=dry_run)

    @strawberry.mutation(permission_classes=[Edits], description="End a service.")
    async def end_service(
        self, info: Info, id: strawberry.ID, dry_run: DryRun = False
    ) -> EditResult:
        """Ends a service on the day of the request; it stays on record, no longer offered."""
        return await run(info, edits.end_service, service=id, dry_run=dry_run)
