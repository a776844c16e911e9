"""The read side of the API: the resident's view, nodes by id, lists, and the analysts'
gaps, overlaps and data-sharing coverage, each over the named queries of the catalog."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool

from nhgraph import __version__, questions
from nhgraph.graphql.access import ReadsAgreements, ReadsAnalysis
from nhgraph.graphql.context import read
from nhgraph.graphql.types import (
    Connection,
    CoveragePair,
    DataSharingAgreement,
    Edge,
    Finding,
    Int,
    Neighbourhood,
    Organisation,
    PageInfo,
    Place,
    ResidentNotFound,
    ResidentResult,
    Service,
    SortBy,
    decode_cursor,
    encode_cursor,
    resident_from,
)
from nhgraph.schema import vocabulary as v
from nhgraph.store.db import Record

Info = strawberry.Info
T = TypeVar("T")


@strawberry.type(description="The service itself.")
class About:
    name: str
    version: str
    illustrative_data: bool = strawberry.field(
        description="True while the team-of-teams data served is the illustrative demo dataset."
    )


def _bad_input(message: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", **extensions})


async def _page(
    info: Info,
    list_query: str,
    kind: str,
    cls: Callable[..., Any],
    filters: Mapping[str, Any],
    sort: SortBy,
    first: int | None,
    after: str | None,
) -> Connection[Any]:
    """One page of a list: the named list query gives the matching ids and how many there
    are, then the page's nodes come through the kind's DataLoader."""
    maximum = info.context.settings.api_max_page_size
    limit = maximum if first is None else first
    if not 0 <= limit <= maximum:
        raise _bad_input(f"first must be between 0 and {maximum}, not {first}", argument="first")
    after_key = after_id = None
    if after is not None:
        try:
            after_key, after_id = decode_cursor(after)
        except ValueError as error:
            raise _bad_input(str(error), argument="after") from error
    [found] = await read(
        info.context.database,
        list_query,
        {
            **filters,
            "sort": sort.value,
            "after_key": after_key,
            "after_id": after_id,
            "limit": limit + 1,
        },
    )
    page = found["page"][:limit]
    rows = await info.context.loaders[kind].load_many([entry["id"] for entry in page])
    edges = [
        Edge(cursor=encode_cursor(str(entry["key"]), entry["id"]), node=cls(row=row))
        for entry, row in zip(page, rows, strict=True)
        if row is not None
    ]
    return Connection(
        total_count=found["total"],
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(found["page"]) > limit,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


async def _by_id(info: Info, kind: str, node_id: str, cls: Callable[..., T]) -> T | None:
    row = await info.context.loaders[kind].load(node_id)
    return None if row is None else cls(row=row)


# -- gaps and overlaps ---------------------------------------------------------------------------

#: For each question: the column naming what the finding is about, and the one naming it.
_SUBJECTS: Mapping[str, tuple[str, str | None]] = {
    "lsoas_in_no_neighbourhood": ("lsoa", "lsoa_name"),
    "neighbourhoods_without_int": ("neighbourhood", "name"),
    "ints_missing_core_offer": ("int", "name"),
    "ints_without_specialty": ("int", "name"),
    "priority_cohorts_without_service": ("neighbourhood", "name"),
    "places_without_integrator": ("place", "name"),
    "lsoas_in_several_neighbourhoods": ("lsoa", "lsoa_name"),
    "neighbourhoods_with_several_ints": ("neighbourhood", "name"),
    "pcns_split_across_neighbourhoods": ("pcn", "pcn_name"),
    "neighbourhoods_split_across_pcns": ("neighbourhood", "name"),
    "pcns_split_across_ints": ("pcn", "pcn_name"),
    "functions_duplicated_in_consistent_tier": ("int", None),
    "services_overlapping": ("function", None),
    "partners_outside_agreements": ("organisation", "name"),
    "agreements_expiring": ("agreement", "name"),
}


def _plain(row: Record) -> Any:
    return json.loads(json.dumps(row, default=str))


async def _findings(info: Info, question: str, given: dict[str, Any]) -> list[Finding]:
    place = given.get("place")
    query_takes = set(questions.parameters_for(question, {}))
    asked = {k: val for k, val in given.items() if k in query_takes}
    rows = await run_in_threadpool(questions.ask, info.context.database, question, asked)
    subject, name = _SUBJECTS[question]
    findings = []
    for row in rows:
        row_place = row.get("place")
        if place is not None and "place" not in query_takes:
            places = row.get("places") or [row_place]
            if place not in places:
                continue
        findings.append(
            Finding(
                question=question,
                place=row_place if isinstance(row_place, str) else None,
                subject=str(row[subject]),
                name=row.get(name) if name else None,
                population=row.get("population"),
                most_deprived_decile=row.get("most_deprived_decile", row.get("imd_decile")),
                detail=_plain(row),
            )
        )
    return findings


@strawberry.type(description="Gaps in the team of teams: what is missing, and for how many people.")
class Gaps:
    place: strawberry.Private[str | None]

    @strawberry.field
    async def lsoas_in_no_neighbourhood(self, info: Info) -> list[Finding]:
        return await _findings(info, "lsoas_in_no_neighbourhood", {"place": self.place})

    @strawberry.field
    async def neighbourhoods_without_int(self, info: Info) -> list[Finding]:
        return await _findings(info, "neighbourhoods_without_int", {"place": self.place})

    @strawberry.field(
        description="INTs missing part of the core offer (the SHACL shapes say which)."
    )
    async def ints_missing_core_offer(self, info: Info) -> list[Finding]:
        return await _findings(info, "ints_missing_core_offer", {"place": self.place})

    @strawberry.field
    async def ints_without_specialty(
        self, info: Info, specialty: str = "consultant_geriatrician"
    ) -> list[Finding]:
        return await _findings(
            info, "ints_without_specialty", {"place": self.place, "specialty": specialty}
        )

    @strawberry.field
    async def priority_cohorts_without_service(self, info: Info) -> list[Finding]:
        return await _findings(info, "priority_cohorts_without_service", {"place": self.place})

    @strawberry.field
    async def places_without_integrator(self, info: Info) -> list[Finding]:
        return await _findings(info, "places_without_integrator", {"place": self.place})


@strawberry.type(description="Overlaps: where more than one answer claims the same residents.")
class Overlaps:
    place: strawberry.Private[str | None]

    @strawberry.field
    async def lsoas_in_several_neighbourhoods(self, info: Info) -> list[Finding]:
        return await _findings(info, "lsoas_in_several_neighbourhoods", {"place": self.place})

    @strawberry.field
    async def neighbourhoods_with_several_ints(self, info: Info) -> list[Finding]:
        return await _findings(info, "neighbourhoods_with_several_ints", {"place": self.place})

    @strawberry.field
    async def pcns_split_across_neighbourhoods(self, info: Info) -> list[Finding]:
        return await _findings(info, "pcns_split_across_neighbourhoods", {"place": self.place})

    @strawberry.field
    async def neighbourhoods_split_across_pcns(self, info: Info) -> list[Finding]:
        return await _findings(info, "neighbourhoods_split_across_pcns", {"place": self.place})

    @strawberry.field
    async def pcns_split_across_ints(self, info: Info) -> list[Finding]:
        return await _findings(info, "pcns_split_across_ints", {"place": self.place})

    @strawberry.field
    async def functions_duplicated_in_consistent_tier(self, info: Info) -> list[Finding]:
        return await _findings(
            info, "functions_duplicated_in_consistent_tier", {"place": self.place}
        )

    @strawberry.field
    async def services_overlapping(self, info: Info) -> list[Finding]:
        return await _findings(info, "services_overlapping", {"place": self.place})


def _enum_value(value: Any) -> Any:
    return None if value is None else value.value


@strawberry.type
class Query:
    @strawberry.field(description="What this service is and which version runs.")
    def about(self) -> About:
        return About(name="nhgraph", version=__version__, illustrative_data=True)

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
    ) -> ResidentResult:
        try:
            row = await run_in_threadpool(
                lambda: questions.who_serves(
                    info.context.database,
                    postcode=postcode,
                    lsoa=lsoa,
                    latitude=latitude,
                    longitude=longitude,
                    age=age,
                    cohort=cohort,
                    function=function,
                    on=on or info.context.today,
                )
            )
        except questions.NotAnswerable as refusal:
            return ResidentNotFound(code=refusal.code, message=refusal.message)
        return resident_from(row)

    @strawberry.field(description="A place (borough) by its ONS code.")
    async def place(self, info: Info, id: strawberry.ID) -> Place | None:
        return await _by_id(info, "place", id, Place)

    @strawberry.field
    async def neighbourhood(self, info: Info, id: strawberry.ID) -> Neighbourhood | None:
        return await _by_id(info, "neighbourhood", id, Neighbourhood)

    @strawberry.field(name="int", description="An integrated neighbourhood team by id.")
    async def int_(self, info: Info, id: strawberry.ID) -> Int | None:
        return await _by_id(info, "int", id, Int)

    @strawberry.field(description="An organisation by its ODS code (or nhgraph id).")
    async def organisation(self, info: Info, id: strawberry.ID) -> Organisation | None:
        return await _by_id(info, "organisation", id, Organisation)

    @strawberry.field
    async def service(self, info: Info, id: strawberry.ID) -> Service | None:
        return await _by_id(info, "service", id, Service)

    @strawberry.field(permission_classes=[ReadsAgreements])
    async def data_sharing_agreement(
        self, info: Info, id: strawberry.ID
    ) -> DataSharingAgreement | None:
        return await _by_id(info, "agreement", id, DataSharingAgreement)

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
        filters = {"system": system, "search": search}
        return await _page(info, "api_list_places", "place", Place, filters, sort, first, after)

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
        filters = {"place": place, "search": search}
        return await _page(
            info,
            "api_list_neighbourhoods",
            "neighbourhood",
            Neighbourhood,
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
        filters = {"place": place, "search": search}
        return await _page(info, "api_list_ints", "int", Int, filters, sort, first, after)

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
        filters = {"place": place, "kind": _enum_value(kind), "search": search}
        return await _page(
            info,
            "api_list_organisations",
            "organisation",
            Organisation,
            filters,
            sort,
            first,
            after,
        )

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
        filters = {
            "place": place,
            "function": function,
            "status": _enum_value(status),
            "search": search,
        }
        return await _page(
            info, "api_list_services", "service", Service, filters, sort, first, after
        )

    @strawberry.field(permission_classes=[ReadsAgreements])
    async def data_sharing_agreements(
        self,
        info: Info,
        place: str | None = None,
        status: v.AgreementStatus | None = None,
        search: str | None = None,
        sort: SortBy = SortBy.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DataSharingAgreement]:
        filters = {"place": place, "status": _enum_value(status), "search": search}
        return await _page(
            info,
            "api_list_agreements",
            "agreement",
            DataSharingAgreement,
            filters,
            sort,
            first,
            after,
        )

    @strawberry.field(
        permission_classes=[ReadsAnalysis], description="Gaps, London-wide or in a place."
    )
    def gaps(self, place: str | None = None) -> Gaps:
        return Gaps(place=place)

    @strawberry.field(permission_classes=[ReadsAnalysis])
    def overlaps(self, place: str | None = None) -> Overlaps:
        return Overlaps(place=place)

    @strawberry.field(
        permission_classes=[ReadsAgreements],
        description="For an INT or a place: every pair of partners and purpose, with the "
        "agreement that covers it or none. Uncovered pairs come first.",
    )
    async def data_sharing_coverage(
        self,
        info: Info,
        int: str | None = None,
        place: str | None = None,
        purposes: list[v.Purpose] | None = None,
        on: date | None = None,
    ) -> list[CoveragePair]:
        if (int is None) == (place is None):
            raise _bad_input("give one of: int, place")
        given = {
            "int": int,
            "place": place,
            "purposes": [p.value for p in purposes] if purposes else None,
            "on": on or info.context.today,
        }
        rows = await run_in_threadpool(
            questions.ask, info.context.database, "sharing_coverage", given
        )
        return [
            CoveragePair(
                purpose=v.Purpose.of(r["purpose"]),
                covered=bool(r["covered"]),
                agreement=r["agreement"],
                lawful_basis=r["lawful_basis"],
                article9_condition=r["article9_condition"],
                partner_a=r["partner_a"],
                partner_a_name=r["partner_a_name"],
                partner_b=r["partner_b"],
                partner_b_name=r["partner_b_name"],
            )
            for r in rows
        ]

    @strawberry.field(
        permission_classes=[ReadsAgreements],
        description="Partners of INTs named in no agreement in force (filter by kinds).",
    )
    async def partners_outside_agreements(
        self,
        info: Info,
        place: str | None = None,
        kinds: list[v.OrganisationKind] | None = None,
    ) -> list[Finding]:
        return await _findings(
            info,
            "partners_outside_agreements",
            {"place": place, "kinds": [k.value for k in kinds] if kinds else None},
        )

    @strawberry.field(permission_classes=[ReadsAgreements])
    async def agreements_expiring(self, info: Info, days: int = v.EXPIRY_DAYS) -> list[Finding]:
        return await _findings(info, "agreements_expiring", {"days": days})
