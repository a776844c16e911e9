"""Validation status: which records break which rule today, as the latest saved validation run
found it (``nhgraph validate --stored --save``, and every load that changes the graph).

Every node type's ``validation`` field gives the current findings about that node, batched
through the request's findings loader; ``latestValidation`` and ``validationRuns`` give the
runs' summaries, and a run's ``findings`` the current findings across the graph. Findings about
records only governance reads (agreements, named professionals), or whose message names one,
are left out for the other roles, and so are their counts: a summary counts only what the
caller may read, so that neither a list nor a number reveals what the role may not see.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Self

import strawberry

from nhgraph.graphql.context import Info, read
from nhgraph.graphql.pagination import bad_input
from nhgraph.store.db import Record


def _sees_restricted(info: Info) -> bool:
    """Restricted findings are about agreements or posts: for the roles that read agreements."""
    return info.context.principal.may_read_agreements()


@strawberry.type(description="A rule a record breaks, as the latest saved validation run found.")
class ValidationFinding:
    """One SHACL result kept in the graph: the rule, its severity, what is wrong, and when the
    run that found it was saved."""

    rule: str = strawberry.field(description="The shape (or its named constraint) broken.")
    severity: str = strawberry.field(description="Violation, Warning or Info.")
    message: str
    path: str | None = strawberry.field(description="The property the rule is about, if one.")
    value: str | None = strawberry.field(description="The offending value, if the rule names one.")
    node: str | None = strawberry.field(description="The record it is about, as Label/id.")
    at: datetime = strawberry.field(description="When the run that found it was saved.")

    @classmethod
    def from_row(cls, row: Record) -> Self:
        """The finding from its stored properties."""
        return cls(
            rule=row["rule"],
            severity=row["severity"],
            message=row["message"],
            path=row["path"],
            value=row["value"],
            node=row["node"],
            at=row["at"],
        )


def visible(info: Info, rows: list[Record]) -> list[ValidationFinding]:
    """The findings the caller may read, from their stored rows."""
    sees = _sees_restricted(info)
    return [ValidationFinding.from_row(row) for row in rows if sees or not row["restricted"]]


async def node_findings(info: Info, label: str, node_id: str) -> list[ValidationFinding]:
    """The current findings about one node, through the request's findings loader."""
    return visible(info, await info.context.loaders_of(info).findings.load(f"{label}/{node_id}"))


def _first(info: Info, first: int) -> int:
    maximum = info.context.settings.api_max_page_size
    if not 0 <= first <= maximum:
        raise bad_input(f"first must be between 0 and {maximum}, not {first}", argument="first")
    return first


@strawberry.type(description="A saved validation run: when, what triggered it, and its counts.")
class ValidationRun:
    """A validation run kept in the graph. Its counts are of what the caller may read; only the
    latest run's findings are kept."""

    id: strawberry.ID
    at: datetime = strawberry.field(description="When the run was saved.")
    on: date = strawberry.field(description="The day validated for (date rules read it).")
    trigger: str = strawberry.field(
        description="validate (nhgraph validate --stored --save) or load."
    )
    latest: bool = strawberry.field(description="True for the run whose findings are current.")
    conforms: bool = strawberry.field(
        description="True when the run found no Violation about what the caller may read."
    )
    violations: int
    warnings: int
    not_stored: int = strawberry.field(
        description="Findings past the cap, counted but not kept (NHGRAPH_VALIDATION_MAX_FINDINGS)."
    )
    max_findings: int = strawberry.field(description="The cap on findings the run kept.")
    shapes: str = strawberry.field(description="A digest of the shapes that judged the graph.")

    @classmethod
    def from_row(cls, run: dict[str, Any], *, latest: bool, sees_restricted: bool) -> Self:
        """The run's summary, less what is restricted unless the caller reads it."""

        def count(name: str) -> int:
            total = int(run[name])
            return total if sees_restricted else total - int(run[f"restricted_{name}"])

        violations = count("violations")
        return cls(
            id=strawberry.ID(run["id"]),
            at=run["at"],
            on=run["on"],
            trigger=run["trigger"],
            latest=latest,
            conforms=violations == 0,
            violations=violations,
            warnings=count("warnings"),
            not_stored=count("not_stored"),
            max_findings=int(run["cap"]),
            shapes=run["shapes"],
        )

    @strawberry.field(
        description="The current findings across the graph, Violations first (empty for a run "
        "that is not the latest: only the latest run's findings are kept)."
    )
    async def findings(
        self,
        info: Info,
        severity: str | None = None,
        rule: str | None = None,
        first: int = 100,
    ) -> list[ValidationFinding]:
        """The latest run's findings the caller may read, of one severity and rule if asked."""
        limit = _first(info, first)
        if not self.latest:
            return []
        parameters = {
            "severity": severity,
            "rule": rule,
            "restricted": _sees_restricted(info),
            "first": limit,
        }
        rows = await read(info.context.database, "api_validation_findings", parameters)
        return visible(info, [row["finding"] for row in rows])


async def _runs(info: Info, first: int) -> list[ValidationRun]:
    rows = await read(info.context.database, "api_validation_runs", {"first": first})
    sees = _sees_restricted(info)
    return [
        ValidationRun.from_row(row["run"], latest=bool(row["latest"]), sees_restricted=sees)
        for row in rows
    ]


@strawberry.type
class ValidationQuery:
    """The root fields of the validation status: the latest run, and the runs kept."""

    @strawberry.field(description="The latest saved validation run, if any was saved.")
    async def latest_validation(self, info: Info) -> ValidationRun | None:
        """The run whose findings are current, or None before any run is saved."""
        runs = await _runs(info, 1)
        return runs[0] if runs and runs[0].latest else None

    @strawberry.field(description="The saved validation runs, latest first (20 are kept).")
    async def validation_runs(self, info: Info, first: int = 10) -> list[ValidationRun]:
        """The runs kept, latest first, at most ``first``."""
        return await _runs(info, _first(info, first))
