"""Edits over the API: their answers (the edit made, or why not, with the rules broken) and
the footprint and team edits (LSOAs to a neighbourhood, LSOAs moved, a team to an INT, a
specialist aligned).

Every edit is one of :mod:`nhgraph.edits`' functions, which hold the rules (the caller's
places, ids, defaults, parties); a resolver only passes its arguments, with the caller and the
day of the request, and turns the receipt or the refusal into its GraphQL answer.

Every mutation takes ``dryRun``: the edit is checked and made in its transaction, then rolled
back, so that a client (the web app) shows what it would change, its warnings or its refusal,
before the same mutation makes it.
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


#: The argument every mutation takes: check the edit, and change nothing.
DryRun = Annotated[
    bool,
    strawberry.argument(
        description="Check the edit and change nothing: the answer is the real one's, with "
        "committed false."
    ),
]


@strawberry.type(
    description="An edit made (or, in a dry run, that would be): its record, what it "
    "changes, and any warnings the shapes gave."
)
class EditDone:
    """The answer to an edit that was made, or checked in a dry run: its record, what it wrote,
    what it changes, and any warnings the shapes gave."""

    edit: strawberry.ID = strawberry.field(
        description="The Edit record's id; empty for a dry run, which records nothing."
    )
    action: str
    by: str
    at: datetime
    nodes: list[str] = strawberry.field(description="What it wrote, as Label/id.")
    warnings: list[RuleResult]
    committed: bool = strawberry.field(
        description="False for a dry run: it was checked as it would be made, and nothing "
        "was changed."
    )
    changes: list[str] = strawberry.field(
        description="What it changes, in words a person reads, one node's change a line."
    )

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
            committed=receipt.committed,
            changes=list(receipt.changes),
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
    """Make an edit off the event loop, as the caller, on the request's day (or, with
    ``dry_run`` among the arguments, check it and change nothing)."""
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
        self,
        info: Info,
        neighbourhood: strawberry.ID,
        lsoas: list[str],
        dry_run: DryRun = False,
    ) -> EditResult:
        """Adds LSOAs to a neighbourhood's footprint, as the caller, if the rules allow it."""
        return await run(
            info,
            edits.add_lsoas_to_neighbourhood,
            neighbourhood=neighbourhood,
            lsoas=lsoas,
            dry_run=dry_run,
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
        dry_run: DryRun = False,
    ) -> EditResult:
        """Moves LSOAs from one neighbourhood's footprint to another's, as the caller, if the rules
        allow it."""
        return await run(
            info,
            edits.move_lsoas,
            lsoas=lsoas,
            from_neighbourhood=from_neighbourhood,
            to_neighbourhood=to_neighbourhood,
            dry_run=dry_run,
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
        dry_run: DryRun = False,
    ) -> EditResult:
        """Adds a team to an INT in a tier from a day (today unless given), as the caller."""
        return await run(
            info,
            edits.add_team_to_int,
            int_id=int,
            team=team,
            tier=tier.value,
            start=start,
            dry_run=dry_run,
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
        dry_run: DryRun = False,
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
            dry_run=dry_run,
        )
