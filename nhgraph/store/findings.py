"""Validation status as data: a validation run's results kept in the graph, for the API.

A saved run is a ``ValidationRun`` (when, the day judged, the counts by severity, the shapes'
digest, what triggered it) and its ``ValidationFinding`` nodes, one per result, each naming the
node it is about as ``'Label/id'`` and its run by id. Findings are bookkeeping, kept apart from
the model as the ``Edit`` records are: no edge joins them to anything, and no model class has
their labels, so the stored-graph validation, the questions, the walk around an edit and the
reader never meet them. Only the latest run's findings are current: a save replaces the previous
ones in the transaction that writes the new ones, so a reader sees one whole run or the other.

A run keeps at most ``cap`` findings, Violations first; those not stored are counted on it.
Findings about records only governance reads (agreements, named professionals), or whose
message or value names one, are marked ``restricted`` when saved, and counted apart, so that
the API can leave them, and their counts, out for the other roles.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from nhgraph import queries
from nhgraph.ontology.report import ValidationReport, ValidationResult
from nhgraph.schema.registry import IRI_SEGMENTS
from nhgraph.store.db import Database, Transaction
from nhgraph.store.rows import in_batches
from nhgraph.store.version import advance

#: The labels of the validation status: bookkeeping, not classes of the model.
BOOKKEEPING_LABELS = frozenset(
    {"ValidationLog", "ValidationRun", "ValidationFinding", "GraphVersion"}
)
#: The model's labels whose records only governance and admin read: agreements, and posts
#: (which may name a professional).
RESTRICTED_LABELS = frozenset({"DataSharingAgreement", "Post"})
#: The findings one run keeps by default (``NHGRAPH_VALIDATION_MAX_FINDINGS``).
DEFAULT_MAX_FINDINGS = 5000
#: The runs whose summaries are kept (the latest with its findings, the others without).
RUNS_KEPT = 20
#: The longest value a finding keeps (a value is the offending datum, which may be long).
VALUE_MAX = 300
#: Findings written per statement.
BATCH = 1000

Trigger = Literal["validate", "load"]
SEVERITIES = ("Violation", "Warning", "Info")

_LABEL_OF_SEGMENT = {segment: label for label, segment in IRI_SEGMENTS.items()}
#: A node of a restricted label as a report writes it (``agreement/dsa-1``): a message or value
#: naming one is restricted too, whatever node the finding is about.
_RESTRICTED_MENTION = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(IRI_SEGMENTS[label]) for label in sorted(RESTRICTED_LABELS))
    + r")/"
)


@dataclass(frozen=True)
class SavedRun:
    """What a saved run holds: its id and time, its counts, and what was stored of it."""

    id: str
    at: datetime
    on: date
    trigger: Trigger
    conforms: bool
    counts: dict[str, int]
    restricted_counts: dict[str, int]
    stored: int
    not_stored: int
    restricted_not_stored: int
    cap: int
    shapes: str

    def summary(self) -> str:
        """One line for a person: the run, its counts, and what the cap left out."""
        kept = f"{self.stored} finding(s) stored"
        if self.not_stored:
            kept += f", {self.not_stored} not stored (the cap is {self.cap})"
        return (
            f"saved validation run {self.id}: {self.counts['Violation']} violation(s), "
            f"{self.counts['Warning']} warning(s); {kept}"
        )


def node_key(result: ValidationResult) -> tuple[str | None, str | None]:
    """The finding's node as ``'Label/id'`` and its label, or None for a focus that is not a
    stored record (a concept, a blank node)."""
    segment, slash, _ = result.focus_node.partition("/")
    label = _LABEL_OF_SEGMENT.get(segment) if slash else None
    if label is None or result.focus_id is None:
        return None, None
    return f"{label}/{result.focus_id}", label


def is_restricted(result: ValidationResult, label: str | None) -> bool:
    """Whether only governance may read the finding: it is about an agreement or a post, or
    its message or value names one."""
    if label in RESTRICTED_LABELS:
        return True
    return any(
        text is not None and _RESTRICTED_MENTION.search(text) is not None
        for text in (result.message, result.value)
    )


def _rank(result: ValidationResult) -> tuple[int, str, str, str]:
    severity = SEVERITIES.index(result.severity) if result.severity in SEVERITIES else 3
    return (severity, result.rule, result.focus_node, result.value or "")


def finding_rows(results: Sequence[ValidationResult]) -> list[dict[str, Any]]:
    """The findings as rows to store, Violations first (the order the cap keeps them in).

    No row keeps the focus node's name (the node has it); a restricted finding keeps no
    value, which may be an agreement's detail or a professional's name.
    """
    rows = []
    for result in sorted(results, key=_rank):
        node, label = node_key(result)
        restricted = is_restricted(result, label)
        value = None if restricted or result.value is None else result.value[:VALUE_MAX]
        rows.append(
            {
                "node": node,
                "rule": result.rule,
                "severity": result.severity,
                "message": result.message,
                "path": result.path,
                "value": value,
                "focus": result.focus_node,
                "restricted": restricted,
            }
        )
    return rows


def save_run_in(
    tx: Transaction,
    report: ValidationReport,
    *,
    on: date,
    trigger: Trigger,
    shapes: str,
    cap: int = DEFAULT_MAX_FINDINGS,
) -> SavedRun:
    """Save the report as the latest run in this transaction, replacing the previous run's
    findings (a load saves its run in its own write transaction, so both commit or neither)."""
    rows = finding_rows(report.results)
    kept, left = rows[:cap], rows[cap:]
    counts = Counter(row["severity"] for row in rows)
    restricted = Counter(row["severity"] for row in rows if row["restricted"])
    run = SavedRun(
        id=uuid.uuid4().hex,
        at=datetime.now().astimezone(),
        on=on,
        trigger=trigger,
        conforms=report.conforms,
        counts={s: counts[s] for s in SEVERITIES},
        restricted_counts={s: restricted[s] for s in SEVERITIES},
        stored=len(kept),
        not_stored=len(left),
        restricted_not_stored=sum(1 for row in left if row["restricted"]),
        cap=cap,
        shapes=shapes,
    )
    tx.run(
        queries.load("validation_run_start"),
        {
            "id": run.id,
            "at": run.at,
            "on": run.on,
            "trigger": run.trigger,
            "conforms": run.conforms,
            "violations": run.counts["Violation"],
            "warnings": run.counts["Warning"],
            "infos": run.counts["Info"],
            "restricted_violations": run.restricted_counts["Violation"],
            "restricted_warnings": run.restricted_counts["Warning"],
            "restricted_infos": run.restricted_counts["Info"],
            "stored": run.stored,
            "not_stored": run.not_stored,
            "restricted_not_stored": run.restricted_not_stored,
            "cap": run.cap,
            "shapes": run.shapes,
        },
    )
    tx.run(queries.load("validation_run_replace"), {"id": run.id, "keep": RUNS_KEPT - 1})
    for batch in in_batches(kept, BATCH):
        tx.run(
            queries.load("validation_findings_add"), {"run": run.id, "at": run.at, "rows": batch}
        )
    return run


def save_run(
    database: Database,
    report: ValidationReport,
    *,
    on: date,
    trigger: Trigger,
    shapes: str,
    cap: int = DEFAULT_MAX_FINDINGS,
) -> SavedRun:
    """Save the report as the latest run, in a transaction of its own."""

    def work(tx: Transaction) -> SavedRun:
        run = save_run_in(tx, report, on=on, trigger=trigger, shapes=shapes, cap=cap)
        advance(tx)  # the validation status served changes with the run
        return run

    return database.execute_write(work, what="saving the validation run")
