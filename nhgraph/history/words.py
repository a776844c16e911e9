"""A set of node changes in the users' words: practices opened, closed, renamed, moved.

The same words describe a dry run's plan, a diff of two releases on disk and a recorded change
set, since all three are a sequence of :class:`~nhgraph.store.changes.NodeChange`. An
organisation that ODS no longer lists as active is left out by the loader, so its closure is
the removal of its node (and of its PCN memberships); a practice's move to another PCN is its
memberships changing: the PCN it belonged to (a membership without an end) before and after.
What the words do not name is counted per label and operation, so that nothing is hidden.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from nhgraph.store.changes import NodeChange, Record

#: How the words name each kind of organisation ODS publishes (others are "organisation").
NOUNS: Mapping[str, str] = {
    "gp_practice": "practice",
    "pcn": "pcn",
    "nhs_trust": "trust",
    "community_pharmacy": "pharmacy",
}
#: The verb for an organisation created and removed, by noun (a PCN forms and dissolves).
OPENED = {"pcn": "formed"}
CLOSED = {"pcn": "dissolved"}
#: Said of every trust that closes: ODS's etr file has no successor column, so none is named.
NO_SUCCESSOR = "successor not given: ODS etr names none"
#: The labels whose changes the words name (every other change is counted).
WORDED = frozenset({"Organisation", "PcnMembership"})
#: The organisation fields the words name when they change (the rest are counted).
NAMED_FIELDS = frozenset({"name", "postcode"})


@dataclass(frozen=True)
class Event:
    """One thing that happened to an organisation, as a user says it: ``practice_closed``,
    ``pcn_renamed``, ``practice_moved_pcn``, with the values before and after."""

    event: str
    organisation: str
    name: str
    before: str | None = None
    after: str | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The event as JSON."""
        return asdict(self)


@dataclass
class Words:
    """The events a set of changes tells, and every change counted by label and operation
    (``other`` counts the changes that no event names)."""

    events: list[Event] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    other: Counter[tuple[str, str]] = field(default_factory=Counter)

    def of(self, event: str) -> list[Event]:
        """The events of one kind."""
        return [e for e in self.events if e.event == event]

    def as_dict(self) -> dict[str, Any]:
        """The words as JSON: events, then the counts (all changes, and those no event names)."""
        return {
            "events": [e.as_dict() for e in self.events],
            "counts": [
                {"label": label, "operation": op, "count": n, "unnamed": self.other[(label, op)]}
                for (label, op), n in sorted(self.counts.items())
            ],
        }


def _noun(record: Record) -> str:
    return NOUNS.get(str(record.get("kind")), "organisation")


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def describe(changes: Sequence[NodeChange], names: Mapping[str, str] | None = None) -> Words:
    """The changes in the users' words, events sorted by kind then organisation.

    ``names`` gives the names of organisations the changes do not carry (a practice whose PCN
    membership changed while the practice itself did not); an organisation found in neither is
    named by its id.
    """
    words = Words()
    known: dict[str, str] = dict(names or {})
    for change in changes:
        if change.label == "Organisation":
            record = change.after or change.before or {}
            known[change.node_id] = str(record.get("name", change.node_id))
    closed: set[str] = set()
    for change in changes:
        if not change.changed:
            continue
        words.counts[(change.label, change.operation)] += 1
        if change.label == "Organisation":
            told = list(_organisation_events(change))
            if change.operation == "removed":
                closed.add(change.node_id)
            if not told:
                words.other[(change.label, change.operation)] += 1
            words.events += told
        elif change.label != "PcnMembership":
            words.other[(change.label, change.operation)] += 1
    moves, explained = _pcn_moves(changes, closed, known)
    words.events += moves
    for change in changes:
        if change.label == "PcnMembership" and change.changed and change.node_id not in explained:
            words.other[(change.label, change.operation)] += 1
    words.events.sort(key=lambda e: (e.event, e.organisation))
    return words


def _organisation_events(change: NodeChange) -> Iterable[Event]:
    """The events of one organisation's change: opened, closed, renamed, moved postcode."""
    before, after = change.before or {}, change.after or {}
    noun = _noun(after or before)
    name = str((after or before).get("name", change.node_id))
    if change.operation == "created":
        yield Event(f"{noun}_{OPENED.get(noun, 'opened')}", change.node_id, name, None, name)
        return
    if change.operation == "removed":
        note = NO_SUCCESSOR if noun == "trust" else ""
        yield Event(f"{noun}_{CLOSED.get(noun, 'closed')}", change.node_id, name, name, None, note)
        return
    fields = set(change.fields)
    if "name" in fields:
        yield Event(
            f"{noun}_renamed", change.node_id, name, _text(before["name"]), _text(after["name"])
        )
    if "postcode" in fields:
        yield Event(
            f"{noun}_moved_postcode",
            change.node_id,
            name,
            _text(before.get("postcode")),
            _text(after.get("postcode")),
        )
    if "kind" in fields:
        yield Event(
            "organisation_kind_changed",
            change.node_id,
            name,
            _text(before.get("kind")),
            _text(after.get("kind")),
        )


def _current(record: Record | None) -> str | None:
    """The PCN of a membership that has no end (ePCN's "current membership"), else None."""
    if record is None or record.get("end") is not None:
        return None
    return str(record["pcn"])


def _pcn_moves(
    changes: Sequence[NodeChange], closed: set[str], names: Mapping[str, str]
) -> tuple[list[Event], set[str]]:
    """Each practice whose current PCNs differ before and after its membership changes: moved
    (one set for another), joined or left; a practice that closed is not said to leave. Also
    the ids of the membership changes these events explain."""
    by_practice: dict[str, list[NodeChange]] = defaultdict(list)
    for change in changes:
        if change.label == "PcnMembership" and change.changed:
            record = change.after or change.before or {}
            by_practice[str(record["practice"])].append(change)
    events: list[Event] = []
    explained: set[str] = set()
    for practice, items in sorted(by_practice.items()):
        if practice in closed:
            explained.update(c.node_id for c in items)  # they go with the practice
            continue
        before = sorted({p for c in items if (p := _current(c.before)) is not None})
        after = sorted({p for c in items if (p := _current(c.after)) is not None})
        if before == after:
            continue
        kind = (
            "practice_moved_pcn"
            if before and after
            else ("practice_joined_pcn" if after else "practice_left_pcn")
        )
        events.append(
            Event(
                kind,
                practice,
                names.get(practice, practice),
                ", ".join(f"{p} {names.get(p, '')}".strip() for p in before) or None,
                ", ".join(f"{p} {names.get(p, '')}".strip() for p in after) or None,
            )
        )
        explained.update(c.node_id for c in items)
    return events, explained
