"""Data sharing: agreements between partners, whether two partners may share for a purpose,
and the edits that register and end agreements (governance reads them; admins and the
integrators of the parties' places edit them)."""

from __future__ import annotations

from datetime import date
from typing import Self

import strawberry

from nhgraph import edits, questions
from nhgraph.graphql.analysis import Finding, findings
from nhgraph.graphql.context import Info, many, one
from nhgraph.graphql.footprints import DryRun, EditResult, run
from nhgraph.graphql.history import AsAt, guarded, moment_of
from nhgraph.graphql.map import GraphNode, Organisation, node_fields
from nhgraph.graphql.pagination import Connection, SortBy, bad_input, enum_value, page
from nhgraph.graphql.permissions import Edits, ReadsAgreements
from nhgraph.schema import vocabulary as v
from nhgraph.store.db import Record


@strawberry.type(description="A data-sharing agreement between partners (governance only).")
class DataSharingAgreement(GraphNode):
    """A data-sharing agreement between partners: its purposes, lawful basis, period and parties
    (governance only)."""

    status: v.AgreementStatus
    purposes: list[v.Purpose]
    lawful_basis: v.LawfulBasis | None
    article9_condition: v.Article9Condition | None
    valid_from: date
    valid_to: date | None
    review_date: date | None
    controller_ids: strawberry.Private[list[str]]
    joint_controller_ids: strawberry.Private[list[str]]
    processor_ids: strawberry.Private[list[str]]

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The agreement from its loader's row, keeping its parties' ids for the party fields."""
        node = row["node"]
        basis, condition = node.get("lawful_basis"), node.get("article9_condition")
        return cls(
            **node_fields(row),
            status=v.AgreementStatus.of(node["status"]),
            purposes=[v.Purpose.of(p) for p in node.get("purposes") or []],
            lawful_basis=None if basis is None else v.LawfulBasis.of(basis),
            article9_condition=None if condition is None else v.Article9Condition.of(condition),
            valid_from=node["valid_from"],
            valid_to=node.get("valid_to"),
            review_date=node.get("review_date"),
            controller_ids=list(row["controllers"]),
            joint_controller_ids=list(row["joint_controllers"]),
            processor_ids=list(row["processors"]),
        )

    @strawberry.field
    async def controllers(self, info: Info) -> list[Organisation]:
        """The agreement's controllers, through the organisation loader."""
        loader = info.context.loaders_of(info).organisation
        return await many(loader, self.controller_ids, Organisation.from_row)

    @strawberry.field
    async def joint_controllers(self, info: Info) -> list[Organisation]:
        """The agreement's joint controllers, through the organisation loader."""
        loader = info.context.loaders_of(info).organisation
        return await many(loader, self.joint_controller_ids, Organisation.from_row)

    @strawberry.field
    async def processors(self, info: Info) -> list[Organisation]:
        """The agreement's processors, through the organisation loader."""
        loader = info.context.loaders_of(info).organisation
        return await many(loader, self.processor_ids, Organisation.from_row)


@strawberry.type(description="Whether two partners may share data for a purpose, and by what.")
class CoveragePair:
    """Whether two partners may share data for a purpose, and the agreement and legal grounds that
    allow it."""

    purpose: v.Purpose
    covered: bool
    agreement: str | None
    lawful_basis: str | None
    article9_condition: str | None
    partner_a: str
    partner_a_name: str | None
    partner_b: str
    partner_b_name: str | None

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The pair from a ``sharing_coverage`` row."""
        return cls(
            purpose=v.Purpose.of(row["purpose"]),
            covered=bool(row["covered"]),
            agreement=row["agreement"],
            lawful_basis=row["lawful_basis"],
            article9_condition=row["article9_condition"],
            partner_a=row["partner_a"],
            partner_a_name=row["partner_a_name"],
            partner_b=row["partner_b"],
            partner_b_name=row["partner_b_name"],
        )


@strawberry.input(description="A data-sharing agreement to register.")
class AgreementInput:
    """Its fields are the model's, so it converts by name (the status is always active)."""

    id: str
    name: str
    controllers: list[str]
    purposes: list[v.Purpose]
    valid_from: date
    joint_controllers: list[str] = strawberry.field(default_factory=list)
    processors: list[str] = strawberry.field(default_factory=list)
    lawful_basis: v.LawfulBasis | None = None
    article9_condition: v.Article9Condition | None = None
    data_categories: list[str] = strawberry.field(default_factory=list)
    valid_to: date | None = None
    review_date: date | None = None
    framework: str | None = None


@strawberry.type
class SharingQuery:
    """The data-sharing root fields, for governance and admin: agreements, coverage, partners
    outside agreements, and agreements expiring."""

    @strawberry.field(permission_classes=[ReadsAgreements])
    async def data_sharing_agreement(
        self, info: Info, id: strawberry.ID
    ) -> DataSharingAgreement | None:
        """A data-sharing agreement by its id, through the agreement loader."""
        return await one(info.context.loaders_of(info).agreement, id, DataSharingAgreement.from_row)

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
        """Data-sharing agreements, in one place, of one status or matching a search, sorted and a
        page at a time."""
        filters = {"place": place, "status": enum_value(status), "search": search}
        loader = info.context.loaders_of(info).agreement
        return await page(
            info,
            "api_list_agreements",
            loader,
            DataSharingAgreement.from_row,
            filters,
            sort,
            first,
            after,
        )

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
        as_at: AsAt = None,
    ) -> list[CoveragePair]:
        """Every pair of partners and purpose for one INT or one place, on the day asked (today
        unless given), with the agreement that covers it or none."""
        if (int is None) == (place is None):
            raise bad_input("give one of: int, place")
        given = {
            "int": int,
            "place": place,
            "purposes": [p.value for p in purposes] if purposes else None,
            "on": on or info.context.today,
        }
        moment, database = moment_of(as_at), info.context.database
        rows = await guarded(
            lambda: questions.ask(database, "sharing_coverage", given, as_at=moment)
        )
        return [CoveragePair.from_row(row) for row in rows]

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
        """Partners of INTs today that are party to no agreement in force, of the kinds asked,
        London-wide or in a place."""
        return await findings(
            info,
            "partners_outside_agreements",
            {"place": place, "kinds": [k.value for k in kinds] if kinds else None},
        )

    @strawberry.field(permission_classes=[ReadsAgreements])
    async def agreements_expiring(self, info: Info, days: int = v.EXPIRY_DAYS) -> list[Finding]:
        """Active agreements that end within the given number of days of today, soonest first."""
        return await findings(info, "agreements_expiring", {"days": days})


@strawberry.type
class SharingMutation:
    """The data-sharing edits: registering an agreement and ending one."""

    @strawberry.mutation(
        permission_classes=[Edits],
        description="Register a data-sharing agreement; each party that operates in places "
        "must operate in one of yours.",
    )
    async def register_data_sharing_agreement(
        self, info: Info, agreement: AgreementInput, dry_run: DryRun = False
    ) -> EditResult:
        """Registers a data-sharing agreement, as the caller; each party that operates in places
        must operate in one of the caller's."""
        return await run(
            info,
            edits.register_data_sharing_agreement,
            strawberry.asdict(agreement),
            dry_run=dry_run,
        )

    @strawberry.mutation(
        permission_classes=[Edits], description="End a data-sharing agreement on a day."
    )
    async def end_data_sharing_agreement(
        self, info: Info, id: strawberry.ID, on: date | None = None, dry_run: DryRun = False
    ) -> EditResult:
        """Ends a data-sharing agreement on a day (the day of the request unless given)."""
        return await run(
            info, edits.end_data_sharing_agreement, agreement=id, end=on, dry_run=dry_run
        )
