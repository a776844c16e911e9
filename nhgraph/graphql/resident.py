"""The resident's view: who serves a resident, tier by tier, each item with the reason it
applies; or why the resident could not be placed, with a code an app can act on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

import strawberry

from nhgraph import questions
from nhgraph.graphql.context import Info, one
from nhgraph.graphql.history import AsAt, guarded, moment_of
from nhgraph.graphql.map import Place
from nhgraph.schema import vocabulary as v
from nhgraph.store.db import Database, Record


@strawberry.type(description="An area or team that applies to the resident, and why.")
class Reasoned:
    """An area or INT that applies to the resident, with the reason it applies."""

    id: str
    name: str | None
    reason: str

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The item from its entry in a ``who_serves`` row."""
        return cls(id=row["id"], name=row["name"], reason=row["reason"])


@strawberry.type(description="A team around the resident, in its tier, and why.")
class ResidentTeam:
    """A team around the resident, in its tier of one of the resident's INTs, with its provider and
    the reason it applies."""

    tier: v.Tier
    int: str
    team: str
    team_name: str | None
    provider: str | None
    provider_name: str | None
    functions: list[str]
    reason: str

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The team from its entry in a ``who_serves`` row."""
        return cls(
            tier=v.Tier.of(row["tier"]),
            int=row["int"],
            team=row["team"],
            team_name=row["team_name"],
            provider=row["provider"],
            provider_name=row["provider_name"],
            functions=list(row["functions"]),
            reason=row["reason"],
        )


@strawberry.type(description="A service the resident is eligible for, and why.")
class ResidentService:
    """A service or gateway the resident is eligible for, how to reach it, and the reason it
    applies."""

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

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """A service or a gateway. ``who_serves`` projects a gateway without ``open_24_7``
        (it picks only services open around the clock), so a missing value is true."""
        return cls(
            id=row["id"],
            name=row["name"],
            function=row.get("function"),
            provider=row.get("provider"),
            provider_name=row.get("provider_name"),
            channels=list(row.get("channels") or []),
            hours=list(row.get("hours") or []),
            open24x7=bool(row.get("open_24_7", True)),
            self_referral=bool(row.get("self_referral")),
            phone=row.get("phone"),
            url=row.get("url"),
            cohorts=list(row.get("cohorts") or []),
            reason=row["reason"],
        )


@strawberry.type(description="A specialist role aligned to one of the resident's INTs.")
class ResidentSpecialist:
    """A specialist role aligned to one of the resident's INTs, with the reason it applies."""

    specialty: str | None
    label: str | None
    int: str
    provider: str | None
    provider_name: str | None
    sessions_per_week: float | None
    reason: str

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The specialist from its entry in a ``who_serves`` row."""
        return cls(
            specialty=row["specialty"],
            label=row["label"],
            int=row["int"],
            provider=row["provider"],
            provider_name=row["provider_name"],
            sessions_per_week=row["sessions_per_week"],
            reason=row["reason"],
        )


@strawberry.type(description="The place's integrator on the day asked.")
class ResidentIntegrator:
    """The integrator of the resident's place on the day asked, since when, and the reason it
    applies."""

    organisation: str
    name: str | None
    since: date | None
    reason: str

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The integrator from its entry in a ``who_serves`` row."""
        return cls(
            organisation=row["organisation"],
            name=row["name"],
            since=row["since"],
            reason=row["reason"],
        )


@strawberry.type(description="Who serves a resident: the team of teams, tier by tier.")
class Resident:
    """Who serves a resident: their LSOA and place, and the team of teams around them, by tier."""

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

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The resident view from a ``who_serves`` row."""
        return cls(
            lsoa=row["lsoa"],
            lsoa_name=row["lsoa_name"],
            postcode=row["postcode"],
            resolved_by=row["resolved"]["by"],
            place_id=row["place"],
            place_name=row["place_name"],
            system=row["system"],
            system_name=row["system_name"],
            neighbourhoods=[Reasoned.from_row(n) for n in row["neighbourhoods"]],
            ints=[Reasoned.from_row(i) for i in row["ints"]],
            teams=[ResidentTeam.from_row(t) for t in row["teams"]],
            services=[ResidentService.from_row(x) for x in row["services"]],
            specialists=[ResidentSpecialist.from_row(s) for s in row["specialists"]],
            integrator=ResidentIntegrator.from_row(row["integrator"])
            if row["integrator"]
            else None,
            gateways=[ResidentService.from_row(x) for x in row["gateways"]],
        )

    @strawberry.field(description="The place, with the whole of its map.")
    async def place(self, info: Info) -> Place | None:
        """The resident's place with the whole of its map, through the place loader."""
        loader = info.context.loaders_of(info).place
        return await one(loader, self.place_id, Place.from_row)


@strawberry.type(description="Why a resident could not be placed, with a code an app can act on.")
class ResidentNotFound:
    """Why a resident could not be placed, with a code an app can act on."""

    code: str = strawberry.field(
        description="invalid_postcode, postcode_not_found, invalid_lsoa, lsoa_not_found, "
        "invalid_point, point_outside_area, ambiguous_resident or no_resident (an age outside "
        "0-130 is refused as BAD_USER_INPUT before the resident is looked for)"
    )
    message: str


ResidentResult = Annotated[Resident | ResidentNotFound, strawberry.union("ResidentResult")]


@strawberry.type
class ResidentQuery:
    """The resident's root field: who serves a resident, or why they could not be placed."""

    @strawberry.field(
        description="Who serves a resident, found by one of: a postcode, an LSOA code, or a "
        "latitude and longitude. Teams come tier by tier, each item with the reason it applies."
    )
    async def resident(
        self,
        info: Info,
        postcode: str | None = None,
        lsoa: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        age: int | None = None,
        cohort: str | None = None,
        function: str | None = None,
        on: date | None = None,
        as_at: AsAt = None,
    ) -> ResidentResult:
        """Who serves the resident found by postcode, LSOA or point, on the day asked (today unless
        given); a refusal of ``who_serves`` becomes a ResidentNotFound. With ``asAt``, as the
        graph stood then (a moment refused is BAD_USER_INPUT)."""
        moment = moment_of(as_at)
        info.context.stand_at(info, moment)
        return await guarded(
            lambda: resident_answer(
                info.context.database,
                info.context.today,
                postcode=postcode,
                lsoa=lsoa,
                latitude=latitude,
                longitude=longitude,
                age=age,
                cohort=cohort,
                function=function,
                on=on,
                as_at=moment,
            )
        )


def resident_answer(
    database: Database,
    today: date,
    postcode: str | None = None,
    lsoa: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    age: int | None = None,
    cohort: str | None = None,
    function: str | None = None,
    on: date | None = None,
    as_at: datetime | None = None,
) -> Resident | ResidentNotFound:
    """Who serves the resident, on the day asked (today unless given), as the ``resident`` field
    answers (its resolver and the compiled path call this); a refusal of ``who_serves`` becomes
    a ResidentNotFound. Synchronous: callers run it off the event loop."""
    try:
        row = questions.who_serves(
            database,
            postcode=postcode,
            lsoa=lsoa,
            latitude=latitude,
            longitude=longitude,
            age=age,
            cohort=cohort,
            function=function,
            on=on or today,
            as_at=as_at,
        )
    except questions.NotAnswerable as refusal:
        return ResidentNotFound(code=refusal.code, message=refusal.message)
    return Resident.from_row(row)
