"""What a set of changes touches: INTs, agreements, services, neighbourhoods and residents.

The named question ``change_impact`` is asked of the graph before the change (a closed
organisation is still there to follow its links from), with the organisations the changes
name: those that change at all, those that close (removed), those renamed. A practice whose
PCN membership changes counts as changed, and so do its PCNs.

Whether a neighbourhood's practices' PCNs change needs the graph after the change as well:
given ``apply`` (a write of the change inside a transaction), the PCNs of the neighbourhoods
the change may touch are read before, and after inside a write transaction that is always
rolled back, never committed; only the neighbourhoods whose PCNs differ are then reported,
with both sets. Without ``apply`` (the question asked on its own) they are reported as ones
that may change, with their PCNs now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from nhgraph import queries
from nhgraph.errors import Refusal
from nhgraph.store.changes import NodeChange
from nhgraph.store.db import Database, Reader, Record, Transaction
from nhgraph.store.history import (
    HistoryRefused,
    as_it_stood,
    change_set_changes,
    change_set_moment,
)

#: The columns of an impact row (the question's own).
COLUMNS = (
    "kind",
    "id",
    "name",
    "organisation",
    "organisation_name",
    "detail",
    "lsoas",
    "population",
)
#: The question's row for a neighbourhood that may change, replaced when the after is known.
MAY_CHANGE = "neighbourhood_pcns_may_change"
CHANGES = "neighbourhood_pcns_change"


#: The labels whose change can move a practice into or out of a neighbourhood by itself.
PLACING = frozenset({"Neighbourhood", "Lsoa", "Postcode"})


class _Nothing:
    """A reader of a graph after the change that holds no neighbourhood to compare."""

    def read(self, query: object, parameters: object = None) -> list[Record]:
        """Nothing: no neighbourhood is asked about."""
        del query, parameters
        return []


@dataclass(frozen=True)
class Touched:
    """The organisations a set of changes names, as the question takes them."""

    changed: list[str]
    closed: list[str]
    renamed: list[str]
    #: postcodes practices have after the change (a new practice, one that moved)
    postcodes_after: list[str] = field(default_factory=list)

    def parameters(self, on: date) -> dict[str, Any]:
        """The question's parameters."""
        return {"changed": self.changed, "closed": self.closed, "renamed": self.renamed, "on": on}


def touched(changes: Sequence[NodeChange]) -> Touched:
    """The organisations the changes name: every organisation changed or removed, the practice
    and PCNs of every PCN membership changed; which of them close and which are renamed."""
    changed: set[str] = set()
    closed: set[str] = set()
    renamed: set[str] = set()
    postcodes: set[str] = set()
    for change in changes:
        if not change.changed:
            continue
        if change.label == "Organisation":
            changed.add(change.node_id)
            if change.operation == "removed":
                closed.add(change.node_id)
            elif change.operation == "updated" and "name" in change.fields:
                renamed.add(change.node_id)
            after = change.after or {}
            if after.get("kind") == "gp_practice" and after.get("postcode"):
                postcodes.add(str(after["postcode"]))
        elif change.label == "PcnMembership":
            for record in (change.before, change.after):
                if record is not None:
                    changed.update((str(record["practice"]), str(record["pcn"])))
    return Touched(sorted(changed), sorted(closed), sorted(renamed), sorted(postcodes))


@dataclass
class Impact:
    """What the changes touch, as rows of the question's columns, sorted by kind and id."""

    rows: list[Record]

    def of(self, kind: str) -> list[Record]:
        """The rows of one kind."""
        return [row for row in self.rows if row["kind"] == kind]

    def ids(self, kind: str) -> set[str]:
        """The ids the rows of one kind are about."""
        return {str(row["id"]) for row in self.of(kind)}


def _pcns(
    reader: Reader, neighbourhoods: list[str], postcodes: list[str], on: date
) -> dict[str, Record]:
    rows = reader.read(
        queries.load("neighbourhood_pcns"),
        {"neighbourhoods": neighbourhoods, "postcodes": postcodes, "on": on},
    )
    return {str(row["neighbourhood"]): row for row in rows}


def _order(row: Record) -> tuple[str, str, str, str]:
    return (str(row["kind"]), str(row["id"]), str(row["organisation"]), str(row["detail"]))


@dataclass
class Probe:
    """An impact asked of the graph before the change, waiting for the graph after it to say
    which neighbourhoods' PCNs change: :meth:`finish` with a reader of the graph after (a
    rolled-back transaction holding the change, or the graph once a load has committed)."""

    rows: list[Record]
    touched: Touched
    on: date
    candidates: list[str]
    before: dict[str, Record]

    def finish(self, after_reader: Reader | None) -> Impact:
        """The impact, the neighbourhoods' PCNs compared with the graph after the change (or,
        without a reader, the neighbourhoods that may change, with their PCNs now)."""
        if after_reader is None:
            return Impact(sorted(self.rows, key=_order))
        after = _pcns(after_reader, self.candidates, self.touched.postcodes_after, self.on)
        kept = [r for r in self.rows if r["kind"] != MAY_CHANGE]
        for hood in sorted(self.before.keys() | after.keys()):
            old = list((self.before.get(hood) or {}).get("pcns") or [])
            new = list((after.get(hood) or {}).get("pcns") or [])
            if old == new:
                continue
            name = (after.get(hood) or self.before.get(hood) or {}).get("name")
            kept.append(
                {
                    "kind": CHANGES,
                    "id": hood,
                    "name": name,
                    "organisation": None,
                    "organisation_name": None,
                    "detail": f"PCNs {', '.join(old) or 'none'} -> {', '.join(new) or 'none'}",
                    "lsoas": None,
                    "population": None,
                }
            )
        kept.sort(key=_order)
        return Impact(kept)


def team_rows(database: Reader, changes: Sequence[NodeChange], on: date) -> list[Record]:
    """The INTs that gain or lose a team (a membership created or removed), and those whose
    team changes provider (a team updated with another provider), from the change's records
    and the graph before it."""
    rows: list[Record] = []
    moved = [c for c in changes if c.label == "Team" and "provider" in c.fields]
    joined = [c for c in changes if c.label == "Membership" and c.operation != "updated"]
    teams = sorted(
        {c.node_id for c in moved} | {str((c.after or c.before or {})["team"]) for c in joined}
    )
    if not teams:
        return rows
    found = {
        str(r["team"]): r
        for r in database.read(queries.load("team_ints"), {"teams": teams, "on": on})
    }
    for change in joined:
        record = change.after or change.before or {}
        team = found.get(str(record["team"]), {})
        rows.append(
            {
                "kind": "int_gains_team" if change.operation == "created" else "int_loses_team",
                "id": record["int"],
                "name": None,
                "organisation": team.get("provider"),
                "organisation_name": team.get("provider_name"),
                "detail": f"team {record['team']} ({team.get('team_name') or 'new'}), "
                f"{record.get('tier')} tier",
                "lsoas": None,
                "population": None,
            }
        )
    for change in moved:
        team = found.get(change.node_id, {})
        before, after = change.before or {}, change.after or {}
        rows += [
            {
                "kind": "int_team_provider_changes",
                "id": entry["id"],
                "name": entry["name"],
                "organisation": after.get("provider"),
                "organisation_name": None,
                "detail": f"team {change.node_id}: provider {before.get('provider')} -> "
                f"{after.get('provider')}",
                "lsoas": None,
                "population": None,
            }
            for entry in team.get("ints") or []
        ]
    return rows


def probe(database: Reader, changes: Sequence[NodeChange], *, on: date | None = None) -> Probe:
    """The impact's first half, asked of the graph before the change."""
    day = on or date.today()
    found = touched(changes)
    teams = team_rows(database, changes, day)
    if not found.changed:
        return Probe(teams, found, day, [], {})
    new = {c.node_id for c in changes if c.label == "Organisation" and c.operation == "created"}
    if set(found.changed) <= new:
        # Only organisations the graph does not hold yet (a first load): nothing links to them.
        return Probe(teams, found, day, [], _pcns(database, [], found.postcodes_after, day))
    rows = database.read(queries.question("change_impact"), found.parameters(day)) + teams
    candidates = sorted({str(r["id"]) for r in rows if r["kind"] == MAY_CHANGE})
    return Probe(
        rows, found, day, candidates, _pcns(database, candidates, found.postcodes_after, day)
    )


def change_impact(
    database: Database,
    changes: Sequence[NodeChange],
    *,
    on: date | None = None,
    apply: Callable[[Transaction], object] | None = None,
) -> Impact:
    """What the changes touch, asked of the graph before them; with ``apply`` (the change
    written into a transaction), the neighbourhoods' PCNs after the change are read in a
    write transaction that is rolled back, never committed (see the module's docstring)."""
    asked = probe(database, changes, on=on)
    if apply is None or not asked.touched.changed:
        return asked.finish(None) if apply is None else asked.finish(_Nothing())
    if not asked.before and not any(c.label in PLACING for c in changes):
        # No neighbourhood holds a changed practice before or after (nor do neighbourhoods,
        # LSOAs or postcodes themselves change): there is nothing to compare, nor to write.
        return asked.finish(_Nothing())

    def after_change(tx: Transaction) -> Impact:
        apply(tx)
        return asked.finish(tx)

    return database.execute_rolled_back(after_change, what="the graph after the change")


def impact_as_dict(impact: Impact) -> list[Mapping[str, Any]]:
    """The impact's rows as JSON (dates as text)."""
    return [{c: row.get(c) for c in COLUMNS} for row in impact.rows]


#: The step back from a change set's moment that reads the graph just before it (a moment is
#: read to the microsecond; changes recorded after it are undone).
_JUST_BEFORE = timedelta(microseconds=1)


def change_set_impact(database: Database, change_set: str, *, on: date | None = None) -> Impact:
    """What a recorded change set touched: its changes read back, the impact asked of the graph
    as it stood just before it, and the neighbourhoods' PCNs compared with the graph just after
    it (each read in a transaction that rolls back). ChangeSetUnknown for an id not kept; the
    first change set kept has nothing before it to touch, and so no impact."""
    moment = change_set_moment(database, change_set)
    if moment is None:
        raise ChangeSetUnknown(change_set)
    changes = change_set_changes(database, change_set)
    try:
        asked = as_it_stood(database, moment - _JUST_BEFORE, lambda r: probe(r, changes, on=on))
    except HistoryRefused as refused:
        if refused.code != "as_at_before_history":
            raise
        return Impact([])
    if not asked.touched.changed:
        return asked.finish(None)
    return as_it_stood(database, moment, asked.finish)


class ChangeSetUnknown(Refusal):
    """A change set id that names none kept (never recorded, or pruned)."""

    exit_code = 2

    def __init__(self, change_set: str) -> None:
        """The refusal naming the id."""
        super().__init__(
            "unknown_change_set", f"no change set {change_set!r} is kept (see `nhgraph changes`)"
        )
