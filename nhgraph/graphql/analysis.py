"""The analysts' view: gaps and overlaps in the team of teams, each a named question of the
catalog, answered as findings (what it is about, for how many people, and the whole row)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from nhgraph import queries, questions
from nhgraph.graphql.context import Info
from nhgraph.graphql.history import AsAt, guarded, moment_of
from nhgraph.graphql.pagination import bad_input
from nhgraph.graphql.permissions import ReadsAnalysis
from nhgraph.history.impact import ChangeSetUnknown, change_set_impact
from nhgraph.store.db import Record


def subject_of(question: str) -> tuple[str, str | None]:
    """The column naming what a finding is about and the one naming it, as the question's
    header declares them (``// subject:``): the catalog, not a second list, says so."""
    subject = queries.load(question).subject
    return subject[0], subject[1] if len(subject) > 1 else None


@strawberry.type(description="One gap or overlap found by a named question, with its row.")
class Finding:
    """One gap or overlap a named question found: what it is about, where, for how many people, and
    the whole row."""

    question: str
    place: str | None
    subject: str = strawberry.field(description="The LSOA, neighbourhood, INT, PCN or place.")
    name: str | None
    population: int | None
    most_deprived_decile: int | None
    detail: JSON = strawberry.field(description="The question's whole row.")

    @classmethod
    def from_row(cls, question: str, row: Record) -> Finding:
        """The finding from a question's row, its subject and name read from the columns the
        question's header names."""
        subject, name = subject_of(question)
        place = row.get("place")
        return cls(
            question=question,
            place=place if isinstance(place, str) else None,
            subject=str(row[subject]),
            name=row.get(name) if name else None,
            population=row.get("population"),
            most_deprived_decile=row.get("most_deprived_decile", row.get("imd_decile")),
            detail=json.loads(json.dumps(row, default=str)),
        )


async def findings(
    info: Info, question: str, given: dict[str, Any], as_at: datetime | None = None
) -> list[Finding]:
    """The question's rows as findings (as the graph stood at ``as_at``, when given). A
    question without ``$place`` is filtered by place here, on the row's place (or places)."""
    place = given.get("place")
    query_takes = set(questions.parameters_for(question, {}))
    asked = {k: val for k, val in given.items() if k in query_takes}
    database = info.context.database
    rows = await guarded(lambda: questions.ask(database, question, asked, as_at=as_at))
    if place is not None and "place" not in query_takes:
        rows = [row for row in rows if place in (row.get("places") or [row.get("place")])]
    return [Finding.from_row(question, row) for row in rows]


@strawberry.type(description="Gaps in the team of teams: what is missing, and for how many people.")
class Gaps:
    """The gap questions, London-wide or in the one place asked about."""

    place: strawberry.Private[str | None]
    as_at: strawberry.Private[datetime | None] = None

    @strawberry.field
    async def lsoas_in_no_neighbourhood(self, info: Info) -> list[Finding]:
        """LSOAs that no neighbourhood covers, so their residents have no INT."""
        return await findings(info, "lsoas_in_no_neighbourhood", {"place": self.place}, self.as_at)

    @strawberry.field
    async def neighbourhoods_without_int(self, info: Info) -> list[Finding]:
        """Neighbourhoods that no INT serves."""
        return await findings(info, "neighbourhoods_without_int", {"place": self.place}, self.as_at)

    @strawberry.field(
        description="INTs missing part of the core offer (the SHACL shapes say which)."
    )
    async def ints_missing_core_offer(self, info: Info) -> list[Finding]:
        """INTs missing part of the core offer, as the SHACL shapes define it."""
        return await findings(info, "ints_missing_core_offer", {"place": self.place}, self.as_at)

    @strawberry.field
    async def ints_without_specialty(
        self, info: Info, specialty: str = "consultant_geriatrician"
    ) -> list[Finding]:
        """INTs with no specialist of the asked role aligned today (a consultant geriatrician unless
        told)."""
        return await findings(
            info,
            "ints_without_specialty",
            {"place": self.place, "specialty": specialty},
            self.as_at,
        )

    @strawberry.field
    async def priority_cohorts_without_service(self, info: Info) -> list[Finding]:
        """Cohorts a neighbourhood prioritises that no active service names for it, its LSOAs or its
        place."""
        return await findings(
            info, "priority_cohorts_without_service", {"place": self.place}, self.as_at
        )

    @strawberry.field
    async def places_without_integrator(self, info: Info) -> list[Finding]:
        """Places with no integrator appointed today."""
        return await findings(info, "places_without_integrator", {"place": self.place}, self.as_at)


@strawberry.type(description="Overlaps: where more than one answer claims the same residents.")
class Overlaps:
    """The overlap questions, London-wide or in the one place asked about."""

    place: strawberry.Private[str | None]
    as_at: strawberry.Private[datetime | None] = None

    @strawberry.field
    async def lsoas_in_several_neighbourhoods(self, info: Info) -> list[Finding]:
        """LSOAs that more than one neighbourhood claims."""
        return await findings(
            info, "lsoas_in_several_neighbourhoods", {"place": self.place}, self.as_at
        )

    @strawberry.field
    async def neighbourhoods_with_several_ints(self, info: Info) -> list[Finding]:
        """Neighbourhoods that more than one INT serves."""
        return await findings(
            info, "neighbourhoods_with_several_ints", {"place": self.place}, self.as_at
        )

    @strawberry.field
    async def pcns_split_across_neighbourhoods(self, info: Info) -> list[Finding]:
        """PCNs whose member practices today sit in more than one neighbourhood (coterminosity)."""
        return await findings(
            info, "pcns_split_across_neighbourhoods", {"place": self.place}, self.as_at
        )

    @strawberry.field
    async def neighbourhoods_split_across_pcns(self, info: Info) -> list[Finding]:
        """Neighbourhoods whose practices today belong to more than one PCN (coterminosity)."""
        return await findings(
            info, "neighbourhoods_split_across_pcns", {"place": self.place}, self.as_at
        )

    @strawberry.field
    async def pcns_split_across_ints(self, info: Info) -> list[Finding]:
        """PCNs that provide teams to more than one INT today (coterminosity)."""
        return await findings(info, "pcns_split_across_ints", {"place": self.place}, self.as_at)

    @strawberry.field
    async def functions_duplicated_in_consistent_tier(self, info: Info) -> list[Finding]:
        """Functions supplied by more than one team in an INT's consistent tier today."""
        return await findings(
            info, "functions_duplicated_in_consistent_tier", {"place": self.place}, self.as_at
        )

    @strawberry.field
    async def services_overlapping(self, info: Info) -> list[Finding]:
        """Active services of one function, from different providers, covering the same LSOAs."""
        return await findings(info, "services_overlapping", {"place": self.place}, self.as_at)


@strawberry.input(
    description="The organisations a change names: every one that changes, and of those the "
    "ones that close and the ones renamed (a practice whose PCN membership changes, and its "
    "PCNs, count as changed)."
)
class OrganisationChanges:
    """The organisations a change names, as the change_impact question takes them."""

    changed: list[str]
    closed: list[str] = strawberry.field(default_factory=list)
    renamed: list[str] = strawberry.field(default_factory=list)


@strawberry.type
class AnalysisQuery:
    """The analysts' root fields: the gaps and the overlaps, for callers allowed to read the
    analysis."""

    @strawberry.field(
        permission_classes=[ReadsAnalysis], description="Gaps, London-wide or in a place."
    )
    def gaps(
        self,
        place: str | None = None,
        as_at: AsAt = None,
    ) -> Gaps:
        """The gap questions, London-wide or in one place (as the graph stood, with asAt)."""
        return Gaps(place=place, as_at=moment_of(as_at))

    @strawberry.field(permission_classes=[ReadsAnalysis])
    def overlaps(
        self,
        place: str | None = None,
        as_at: AsAt = None,
    ) -> Overlaps:
        """The overlap questions, London-wide or in one place (as the graph stood, with asAt)."""
        return Overlaps(place=place, as_at=moment_of(as_at))

    @strawberry.field(
        permission_classes=[ReadsAnalysis],
        description="What a change to organisations touches (the change_impact question, asked "
        "of the graph as it stands, before the change): INTs that lose a team's provider, "
        "agreements naming them, services of one that closes, neighbourhoods whose PCNs may "
        "change, and per place the residents whose answer names one that closes or is renamed. "
        "Each finding's detail says its kind. For a recorded change set (`changeSet`), asked of "
        "the graph as it stood before it, the neighbourhoods' PCNs compared with after it.",
    )
    async def change_impact(
        self,
        info: Info,
        organisations: OrganisationChanges | None = None,
        change_set: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="A recorded change set (`changes` lists them): what it touched, "
                "asked of the graph as it stood just before it and compared with the graph "
                "just after it. Give this or `organisations`, not both."
            ),
        ] = None,
        on: date | None = None,
    ) -> list[Finding]:
        """The change_impact question's rows as findings (the subject is the INT, agreement,
        service, neighbourhood or place; the row's ``kind`` says which), for the organisations
        given or for a recorded change set."""
        if (organisations is None) == (change_set is None):
            raise bad_input(
                "changeImpact takes organisations or changeSet: one of them, not both",
                reason="change_impact_arguments",
            )
        if change_set is not None:
            database = info.context.database
            try:
                impact = await guarded(lambda: change_set_impact(database, str(change_set), on=on))
            except ChangeSetUnknown as unknown:
                raise bad_input(unknown.message, reason=unknown.code) from unknown
            return [Finding.from_row("change_impact", row) for row in impact.rows]
        assert organisations is not None
        given = {
            "changed": organisations.changed,
            "closed": organisations.closed,
            "renamed": organisations.renamed,
            "on": on,
        }
        return await findings(info, "change_impact", given)
