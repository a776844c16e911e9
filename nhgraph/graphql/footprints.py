"""Edits over the API: their answers (the edit made, or why not, with the rules broken) and
the footprint and team edits (LSOAs to a neighbourhood, LSOAs moved, a team to an INT, a
specialist aligned).

Every edit is one of :mod:`nhgraph.edits`' functions, which hold the rules (the caller's
places, ids, defaults, parties); a resolver only passes its arguments, with the caller and the
day of the request, and turns the receipt or the refusal into its GraphQL answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from starlette.concurrency import run_in_threadpool

from nhgraph import edits
from nhgraph.access import Principal
from nhgraph.graphql.context import Info
from nhgraph.graphql.permissions import Edits
from nhgraph.ontology.report import ValidationResult
from nhgraph.schema import vocabulary as v
from nhgraph.store.db import Database


@strawberry.type(description="One SHACL result: the rule, where, and what is wrong.")
class RuleResult:
    """One SHACL result in an edit's answer: the rule, its severity, the node and path, and what is
    wrong."""

    rule: str
    severity: str
    node: str | None
    path: str | None
    value: str | None
    message: str

    @classmethod
    def of(cls, result: ValidationResult) -> RuleResult:
        """The API's form of a validation result, naming the node by its id."""
        return cls(
            rule=result.rule,
            severity=result.severity,
            node=result.focus_id,
            path=result.path,
            value=result.value,
            message=result.message,
        )


@strawberry.type(description="An edit made: its record, and any warnings the shapes gave.")
class EditDone:
    """The answer to an edit that was made: its record, what it wrote, and any warnings the shapes
    gave."""

    edit: strawberry.ID
    action: str
    by: str
    at: datetime
    nodes: list[str] = strawberry.field(description="What it wrote, as Label/id.")
    warnings: list[RuleResult]

    @classmethod
    def of(cls, receipt: edits.EditReceipt) -> EditDone:
        """The answer from the edit's receipt, each node written given as Label/id."""
        return cls(
            edit=strawberry.ID(receipt.id),
            action=receipt.action,
            by=receipt.by,
            at=receipt.at,
            nodes=[f"{label}/{node_id}" for label, node_id in receipt.nodes],
            warnings=[RuleResult.of(w) for w in receipt.warnings],
        )


@strawberry.type(name="EditRefused", description="An edit refused; nothing was changed.")
class EditRefusal:
    """The answer to an edit that was refused, why, and the rules it broke; nothing was changed."""

    code: str = strawberry.field(
        description="not_found, invalid (the model refused a value), rule_broken (a SHACL "
        "Violation: see rules) or outside_your_places"
    )
    message: str
    rules: list[RuleResult]

    @classmethod
    def of(cls, refused: edits.EditRefused) -> EditRefusal:
        """The answer from the refusal the edits raised, keeping its code, message and rules."""
        return cls(
            code=refused.code,
            message=refused.message,
            rules=[RuleResult.of(r) for r in refused.rules],
        )


EditResult = Annotated[EditDone | EditRefusal, strawberry.union("EditResult")]


async def run(
    info: Info, edit: Callable[..., edits.EditReceipt], *args: Any, **arguments: Any
) -> EditDone | EditRefusal:
    """Make an edit off the event loop, as the caller, on the request's day."""
    database: Database = info.context.database
    principal: Principal = info.context.principal

    def work() -> edits.EditReceipt:
        return edit(database, principal, *args, on=info.context.today, **arguments)

    try:
        receipt = await run_in_threadpool(work)
    except edits.EditRefused as refused:
        return EditRefusal.of(refused)
    return EditDone.of(receipt)


@strawberry.type
class FootprintMutation:
    """Footprints and teams: which LSOAs a neighbourhood covers, who is in an INT."""

    @strawberry.mutation(
        permission_classes=[Edits],
        description="Add LSOAs to a neighbourhood's footprint.",
    )
    async def add_lsoas_to_neighbourhood(
        self, info: Info, neighbourhood: strawberry.ID, lsoas: list[str]
    ) -> EditResult:
        """Adds LSOAs to a neighbourhood's footprint, as the caller, if the rules allow it."""
        return await run(
            info, edits.add_lsoas_to_neighbourhood, neighbourhood=neighbourhood, lsoas=lsoas
        )

    @strawberry.mutation(
        permission_classes=[Edits],
        description="Move LSOAs from one neighbourhood's footprint to another's.",
    )
    async def move_lsoas(
        self,
        info: Info,
        lsoas: list[str],
        from_neighbourhood: strawberry.ID,
        to_neighbourhood: strawberry.ID,
    ) -> EditResult:
        """Moves LSOAs from one neighbourhood's footprint to another's, as the caller, if the rules
        allow it."""
        return await run(
            info,
            edits.move_lsoas,
            lsoas=lsoas,
            from_neighbourhood=from_neighbourhood,
            to_neighbourhood=to_neighbourhood,
        )

    @strawberry.mutation(
        permission_classes=[Edits], description="Add a team to an INT, in a tier, from a day."
    )
    async def add_team_to_int(
        self,
        info: Info,
        int: strawberry.ID,
        team: strawberry.ID,
        tier: v.Tier,
        start: date | None = None,
    ) -> EditResult:
        """Adds a team to an INT in a tier from a day (today unless given), as the caller."""
        return await run(
            info, edits.add_team_to_int, int_id=int, team=team, tier=tier.value, start=start
        )

    @strawberry.mutation(
        permission_classes=[Edits],
        description="Align a specialist role (never a named person) to an INT.",
    )
    async def align_specialist(
        self,
        info: Info,
        int: strawberry.ID,
        specialty: str,
        provider: strawberry.ID,
        sessions_per_week: float,
        start: date | None = None,
        end: date | None = None,
    ) -> EditResult:
        """Aligns a specialist role, never a named person, to an INT for a period, as the caller."""
        return await run(
            info,
            edits.align_specialist,
            int_id=int,
            specialty=specialty,
            provider=provider,
            sessions_per_week=sessions_per_week,
            start=start,
            end=end,
        )
