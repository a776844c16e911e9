"""Edits to the map, as integrators make them: read, checked by the models and the SHACL shapes
on what they touch, and written, all in one transaction with a record of who made them and when.

An edit is a set of changed models (new ones, or stored ones with fields changed). Everything
an edit does runs in one write transaction (:func:`serialised`): the nodes it changes are
write-locked as they are read; then its seeds (the changed nodes, the nodes they name and the
nodes whose meaning it changes) are locked and read with what lies within two links of them,
the changed models replace their stored selves there, and the shapes judge the changed nodes
and the nodes they name. A Violation refuses the whole edit and the transaction rolls back;
Warnings are returned with the receipt. The write and its ``Edit`` record (who, when, what)
commit together or not at all.

Because the locks are taken before the reads and held until the commit, two edits of the same
nodes cannot both pass on a view the other is changing: the second waits, then reads, judges
and writes on the first's result (or is refused by it). A load writes the nodes it changes
under the same locks, so a load and an edit serialise the same way. A deadlock between two
edits is Neo4j's to detect; the driver then runs the whole edit again, from its first read.
A new node cannot be locked before it exists: two edits making a node of the same id meet at
the id's uniqueness constraint, and the second is refused.

A dry run (``dry_run=True``) is the same edit to the last step: the same locks, reads, claims
and judgement, and the nodes written in the transaction, so that it is refused exactly as the
edit would be; then, in place of the ``Edit`` record and the commit, :class:`Rehearsed` carries
its receipt out of the work and the transaction rolls back, claims and locks with it. Its
receipt says ``committed`` False and has no id (an empty one: there is no record to name).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from rdflib import Graph, URIRef

from nhgraph import queries
from nhgraph.errors import Refusal
from nhgraph.ontology.rdf import add_model, add_record, new_graph, node_iri
from nhgraph.ontology.report import ValidationResult
from nhgraph.ontology.validation import validate_focus
from nhgraph.schema.models import Node, class_name
from nhgraph.schema.registry import BY_LABEL, HUB_LABELS
from nhgraph.store import DanglingReference, model_of, read_records_of, write_models
from nhgraph.store.db import ConstraintViolation, Database, Transaction
from nhgraph.store.history import ChangeSetMeta
from nhgraph.store.locks import CLAIM
from nhgraph.store.reader import read_around

N = TypeVar("N", bound=Node)
R = TypeVar("R")

#: The source recorded on nodes an edit writes.
EDIT_SOURCE = "api-edit"


class EditRefused(Refusal):
    """An edit that was not made, with a code, a message and the rules it broke (if any).

    The codes: ``invalid`` (the model refused a value, or the edit contradicts the graph, such
    as an id already taken), ``rule_broken`` (a SHACL Violation, see ``rules``),
    ``outside_your_places`` and ``not_found`` (see :class:`EditNotFound`).
    """

    def __init__(self, code: str, message: str, rules: Sequence[ValidationResult] = ()) -> None:
        """The refusal, with the rules it broke when a SHACL Violation is the reason."""
        super().__init__(code, message)
        self.rules = list(rules)


class EditNotFound(EditRefused):
    """An edit naming a node that is not stored: the command line exits 2, as for a question
    with no answer, because what was asked for is not there to edit."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        """The refusal of an edit naming a node that is not stored, always with the code
        ``not_found``."""
        super().__init__("not_found", message)


@dataclass
class EditReceipt:
    """What an edit did, or would do (a dry run, ``committed`` False): its record's id (empty
    for a dry run, which records nothing), who and when, the nodes it wrote, what changed in
    words a person reads, and warnings."""

    id: str
    action: str
    by: str
    at: datetime
    nodes: list[tuple[str, str]]
    warnings: list[ValidationResult] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    committed: bool = True


class Rehearsed(Exception):
    """Raised by a dry run's work once it has been checked and written in its transaction: the
    transaction rolls back (so nothing it did is kept), and the edit answers with the receipt
    it carries. Neither the database layer nor the driver retries it: it is no error of
    theirs, and it is not a refusal."""

    def __init__(self, receipt: EditReceipt) -> None:
        """The exception carrying the dry run's receipt out of its transaction."""
        super().__init__(receipt.action)
        self.receipt = receipt


def read(tx: Transaction, cls: type[N], node_id: str) -> N:
    """The stored node as its model, write-locked until the edit's transaction ends;
    EditRefused ``not_found`` naming class and id if absent."""
    found = read_records_of(tx, cls, [node_id], lock=True).get(node_id)
    if found is None:
        raise EditNotFound(f"there is no {class_name(cls)} '{node_id}'")
    model = model_of(cls, found)
    assert isinstance(model, cls)
    return model


def exists(tx: Transaction, cls: type[Node], node_id: str) -> bool:
    """Whether a node of this class and id is stored (a new one must not overwrite it)."""
    return bool(read_records_of(tx, cls, [node_id]))


def serialised(database: Database, work: Callable[[Transaction], R], *, what: str) -> R:
    """Run an edit's work (reads, checks and write) in one write transaction.

    A refusal raised by the work rolls the transaction back, so a refused edit writes nothing;
    a transient failure (a deadlock with another edit) runs the work again from the start.
    Two edits making a node of the same id at once meet at its uniqueness constraint: the
    second is refused ``invalid``, as it would be had it come after.
    A dry run's work ends in :class:`Rehearsed`, which rolls it back too and is raised on,
    for the caller to answer with its receipt (see :meth:`EditSession.run
    <nhgraph.edits.operations.EditSession.run>`).
    """
    try:
        return database.execute_write(work, what=what)
    except ConstraintViolation as error:
        raise EditRefused(
            "invalid", f"{what}: a node of that id is already stored (made meanwhile): {error}"
        ) from error


def _key(model: Node) -> tuple[str, str]:
    return class_name(type(model)), str(model.id)  # type: ignore[attr-defined]


def _targets(model: Node) -> Iterable[tuple[str, str]]:
    for name, link in type(model).links().items():
        value = getattr(model, name)
        for target in value if isinstance(value, list) else [value]:
            if target is not None:
                yield link.target, str(target)


def surroundings(
    tx: Transaction, seeds: Iterable[tuple[str, str]]
) -> tuple[Graph, dict[tuple[str, str], dict[str, Any]]]:
    """The stored seeds, write-locked, and what lies within two links of them: as RDF, and as
    records by (label, id). One statement locks and reads them all. A seed that is not stored
    is left out (the shapes then name it); concepts are not read (the shapes have them).
    """
    by_label: dict[str, set[str]] = defaultdict(set)
    for label, node_id in seeds:
        if not BY_LABEL[label].is_concept:
            by_label[label].add(node_id)
    records = read_around(tx, by_label)
    graph = new_graph()
    for (label, _), record in records.items():
        add_record(graph, label, record, provenance=False)
    return graph, records


def _replace(graph: Graph, model: Node) -> URIRef:
    subject = node_iri(*_key(model))
    graph.remove((subject, None, None))
    add_model(graph, model)
    return subject


def warm_up() -> None:
    """Parse the shapes and concepts once, so that the first edit is not seconds slower."""
    from nhgraph.ontology.shapes import concepts_graph, load_shapes

    load_shapes()
    concepts_graph()


def _seeds(
    changed: Sequence[Node],
    also: Sequence[tuple[str, str]],
    before: Mapping[tuple[str, str], Node],
) -> set[tuple[str, str]]:
    """The nodes an edit locks, reads around and judges: the changed nodes, ``also``, and the
    nodes whose links to a changed node it adds or removes (every target, for a new node).
    A target whose link stays as it was is read (it lies around the changed node) but not
    judged again: nothing about it changes."""
    seeds = {_key(model) for model in changed} | set(also)
    for model in changed:
        targets = set(_targets(model))
        old = before.get(_key(model))
        seeds.update(targets ^ set(_targets(old)) if old is not None else targets)
    return seeds


def _judge(
    graph: Graph,
    changed: Sequence[Node],
    seeds: set[tuple[str, str]],
    on: date | None,
) -> list[ValidationResult]:
    """The shapes' results for the changed nodes, put in place of their stored selves, and for
    the nodes they name, except hubs and concepts (what makes a place right is not in view)."""
    keys = {_key(model) for model in changed}
    focus = [_replace(graph, model) for model in changed]
    named = {
        (label, node_id)
        for label, node_id in seeds - keys
        if label not in HUB_LABELS and not BY_LABEL[label].is_concept
    }
    focus += [node_iri(label, node_id) for label, node_id in sorted(named)]
    report = validate_focus(graph, focus, on=on or date.today(), around=True)
    return list(report.results)


def check(
    tx: Transaction,
    changed: Sequence[Node],
    *,
    also: Sequence[tuple[str, str]] = (),
    before: Mapping[tuple[str, str], Node] | None = None,
    on: date | None = None,
) -> list[ValidationResult]:
    """The shapes' results for the changed nodes (and ``also``: nodes an edit changes the
    meaning of, such as the INT a team joins) as they would be after the edit; ``before``
    holds the stored selves of the changed nodes the edit read (by label and id)."""
    seeds = _seeds(changed, also, before or {})
    graph, _ = surroundings(tx, seeds)
    return _judge(graph, changed, seeds, on)


#: Fields no change is told of: where a node came from, which an edit keeps (see _stamped).
_UNTOLD = frozenset({"id", "source", "source_version", "loaded_at"})
#: Labels that are read as letters, not as a word.
_ACRONYMS = {"Int": "INT", "Lsoa": "LSOA"}


def _words(label: str) -> str:
    """A label as a person reads it: ``DataSharingAgreement`` is "data sharing agreement"."""
    return _ACRONYMS.get(label) or re.sub(r"(?<!^)(?=[A-Z])", " ", label).lower()


def _told(value: Any) -> str:
    """A field's value as a person reads it: dates as days, concepts by their id, lists by
    their items, yes or no, nothing as "none"."""
    if value is None or value == []:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_told(item) for item in value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(getattr(value, "value", value))


def changes_of(model: Node, old: Node | None) -> list[str]:
    """What an edit changes in one node, in words a person reads: "added" with its fields for a
    new node; for a stored one, each list field's items gained and lost, and each other field
    old → new. Worked out from the models, so every edit tells its changes the same way."""
    label, node_id = _key(model)
    what = f"{_words(label)} {node_id}"
    fields = [name for name in type(model).model_fields if name not in _UNTOLD]
    if old is None:
        given = model.model_dump(include=set(fields), exclude_defaults=True)
        shown = ", ".join(f"{name.replace('_', ' ')} {_told(given[name])}" for name in given)
        return [f"{what}: added" + (f" ({shown})" if shown else "")]
    told = []
    for name in fields:
        new_value, old_value = getattr(model, name), getattr(old, name)
        if new_value == old_value:
            continue
        field_words = name.replace("_", " ")
        if isinstance(new_value, list) and isinstance(old_value, list):
            gained = [item for item in new_value if item not in old_value]
            lost = [item for item in old_value if item not in new_value]
            if lost:
                told.append(f"{what}: loses {_told(lost)} from {field_words}")
            if gained:
                told.append(f"{what}: gains {_told(gained)} in {field_words}")
        else:
            told.append(f"{what}: {field_words} {_told(old_value)} → {_told(new_value)}")
    return told or [f"{what}: unchanged"]


def _stored_self(
    model: Node, before: Mapping[tuple[str, str], Node], stored: dict[str, Any] | None
) -> Node | None:
    """The stored self a changed model is told against: the one the edit read, else the one
    read around it (a node written over without being read first); None for a new node."""
    read_before = before.get(_key(model))
    if read_before is not None or stored is None or CLAIM in stored:
        return read_before
    return model_of(type(model), stored)


def _stamped(model: Node, stored: dict[str, Any] | None, by: str, at: datetime) -> Node:
    """A node keeps its owner: a stored node stays its source's (the ``Edit`` record says who
    changed it, and when); a node an edit makes (its id claimed, not yet written) is the
    edit's (``api-edit``, by its editor)."""
    if stored is not None and CLAIM not in stored:
        update = {name: stored.get(name) for name in ("source", "source_version", "loaded_at")}
    else:
        update = {"source": EDIT_SOURCE, "source_version": by, "loaded_at": at}
    return model.model_copy(update=update)


def commit(
    database: Database,
    tx: Transaction,
    changed: Sequence[Node],
    *,
    action: str,
    by: str,
    also: Sequence[tuple[str, str]] = (),
    before: Mapping[tuple[str, str], Node] | None = None,
    on: date | None = None,
    dry_run: bool = False,
) -> EditReceipt:
    """Check the edit in its transaction, then write it there with its record; EditRefused
    when a rule is broken (the caller's transaction then rolls back). A dry run is checked and
    written the same way, without the record, and then raises :class:`Rehearsed` with its
    receipt, so that the caller's transaction rolls back."""
    at = datetime.now().astimezone()
    seeds = _seeds(changed, also, before or {})
    graph, stored = surroundings(tx, seeds)
    stamped = [_stamped(model, stored.get(_key(model)), by, at) for model in changed]
    results = _judge(graph, stamped, seeds, on)
    violations = [r for r in results if r.severity == "Violation"]
    if violations:
        shown = "; ".join(f"{r.rule} at {r.focus_id}: {r.message}" for r in violations)
        raise EditRefused(
            "rule_broken", f"{action} breaks {len(violations)} rule(s): {shown}", violations
        )
    told = [
        change
        for model in stamped
        for change in changes_of(model, _stored_self(model, before or {}, stored.get(_key(model))))
    ]
    edit_id = "" if dry_run else str(uuid.uuid4())
    nodes = [_key(model) for model in stamped]

    def record(tx: Transaction) -> None:
        tx.run(
            queries.load("edit_record"),
            {
                "id": edit_id,
                "action": action,
                "by": by,
                "at": at,
                "nodes": [{"label": label, "id": node_id} for label, node_id in nodes],
            },
        )

    try:
        write_models(
            database,
            stamped,
            then=None if dry_run else record,
            within=tx,
            concepts=False,
            change_set=ChangeSetMeta(kind="edit", id=edit_id or None, editor=by, reason=action),
        )
    except DanglingReference as error:  # the shapes name unknown targets first; a backstop
        raise EditNotFound(str(error)) from error
    receipt = EditReceipt(
        id=edit_id,
        action=action,
        by=by,
        at=at,
        nodes=nodes,
        warnings=[r for r in results if r.severity != "Violation"],
        changes=told,
        committed=not dry_run,
    )
    if dry_run:
        raise Rehearsed(receipt)
    return receipt
