"""Edits to the map, as integrators make them: checked by the models and the SHACL shapes on
what they touch, then written in one transaction with a record of who made them and when.

An edit is a set of changed models (new ones, or stored ones with fields changed). Before
anything is written, the nodes within two links of them are read from Neo4j into RDF, the
changed models replace their stored selves there, and the shapes judge the changed nodes and
the nodes they name (``focus``). A Violation refuses the whole edit and nothing is written;
Warnings are returned with the receipt. The write and its ``Edit`` record (who, when, what)
commit together or not at all.

Validation and the write are two steps, not one transaction: an edit racing another on the
same nodes could pass on a view the other has just changed. Integrators edit their own places,
so such races are rare; the stored graph's validation (``nhgraph validate``) still finds any.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import ValidationError
from rdflib import Graph, URIRef

from nhgraph import queries
from nhgraph.errors import Refusal
from nhgraph.ontology.rdf import add_model, add_record, new_graph, node_iri
from nhgraph.ontology.report import ValidationResult
from nhgraph.ontology.validation import validate_focus
from nhgraph.schema.models import Node, class_name
from nhgraph.schema.registry import BY_LABEL, HUB_LABELS
from nhgraph.store import DanglingReference, model_of, read_records_of, write_models
from nhgraph.store.db import Database, Transaction

N = TypeVar("N", bound=Node)

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
    """What an edit did: its record's id, who and when, the nodes it wrote, and warnings."""

    id: str
    action: str
    by: str
    at: datetime
    nodes: list[tuple[str, str]]
    warnings: list[ValidationResult] = field(default_factory=list)


def read(database: Database, cls: type[N], node_id: str) -> N:
    """The stored node as its model; EditRefused ``not_found`` naming class and id if absent."""
    found = read_records_of(database, cls, [node_id]).get(node_id)
    if found is None:
        raise EditNotFound(f"there is no {class_name(cls)} '{node_id}'")
    model = model_of(cls, found)
    assert isinstance(model, cls)
    return model


def exists(database: Database, cls: type[Node], node_id: str) -> bool:
    """Whether a node of this class and id is stored (a new one must not overwrite it)."""
    return bool(read_records_of(database, cls, [node_id]))


def _key(model: Node) -> tuple[str, str]:
    return class_name(type(model)), str(model.id)  # type: ignore[attr-defined]


def _targets(model: Node) -> Iterable[tuple[str, str]]:
    for name, link in type(model).links().items():
        value = getattr(model, name)
        for target in value if isinstance(value, list) else [value]:
            if target is not None:
                yield link.target, str(target)


def surroundings(database: Database, seeds: Iterable[tuple[str, str]]) -> Graph:
    """The stored nodes (seeds that exist, and what lies within two links of them) as RDF,
    read label by label. A seed that is not stored is left out: the shapes then name it.
    """
    by_label: dict[str, set[str]] = defaultdict(set)
    for label, node_id in seeds:
        by_label[label].add(node_id)
    element_ids: list[str] = []
    records: dict[tuple[str, str], dict[str, Any]] = {}
    for label, ids in by_label.items():
        cls = BY_LABEL[label]
        if cls.is_concept:
            continue
        for node_id, record in read_records_of(database, cls, ids).items():
            element_ids.append(record["element_id"])
            records[(label, node_id)] = record
    around: dict[str, set[str]] = defaultdict(set)
    for row in database.read(queries.load("edit_surroundings"), {"element_ids": element_ids}):
        if row["label"] in BY_LABEL and not BY_LABEL[row["label"]].is_concept:
            around[row["label"]].update(row["ids"])
    for label, ids in around.items():
        missing = ids - {node_id for (lab, node_id) in records if lab == label}
        for node_id, record in read_records_of(database, BY_LABEL[label], missing).items():
            records[(label, node_id)] = record
    graph = new_graph()
    for (label, _), record in records.items():
        record.pop("element_id", None)
        add_record(graph, label, record)
    return graph


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


def check(
    database: Database,
    changed: Sequence[Node],
    *,
    also: Sequence[tuple[str, str]] = (),
    on: date | None = None,
) -> list[ValidationResult]:
    """The shapes' results for the changed nodes (and ``also``: nodes an edit changes the
    meaning of, such as the INT a team joins) as they would be after the edit."""
    keys = [_key(model) for model in changed]
    seeds = set(keys) | set(also)
    for model in changed:
        seeds.update(_targets(model))
    graph = surroundings(database, seeds)
    focus = [_replace(graph, model) for model in changed]
    # The nodes an edit names are judged too (an LSOA put in a second neighbourhood is the
    # LSOA's warning), except hubs and concepts: what makes a place right is not in view.
    named = {
        (label, node_id)
        for label, node_id in seeds - set(keys)
        if label not in HUB_LABELS and not BY_LABEL[label].is_concept
    }
    focus += [node_iri(label, node_id) for label, node_id in sorted(named)]
    report = validate_focus(graph, focus, on=on or date.today())
    return list(report.results)


def commit(
    database: Database,
    changed: Sequence[Node],
    *,
    action: str,
    by: str,
    also: Sequence[tuple[str, str]] = (),
    on: date | None = None,
) -> EditReceipt:
    """Check the edit, then write it with its record; EditRefused when a rule is broken."""
    at = datetime.now().astimezone()
    stamped = []
    for model in changed:
        try:
            stamped.append(
                model.model_copy(
                    update={"source": EDIT_SOURCE, "source_version": by, "loaded_at": at}
                )
            )
        except ValidationError as error:  # pragma: no cover - the fields are the model's own
            raise EditRefused("invalid", str(error)) from error
    results = check(database, stamped, also=also, on=on)
    violations = [r for r in results if r.severity == "Violation"]
    if violations:
        shown = "; ".join(f"{r.rule} at {r.focus_id}: {r.message}" for r in violations)
        raise EditRefused(
            "rule_broken", f"{action} breaks {len(violations)} rule(s): {shown}", violations
        )
    edit_id = str(uuid.uuid4())
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
        write_models(database, stamped, then=record)
    except DanglingReference as error:  # the shapes name unknown targets first; a backstop
        raise EditNotFound(str(error)) from error
    return EditReceipt(
        id=edit_id,
        action=action,
        by=by,
        at=at,
        nodes=nodes,
        warnings=[r for r in results if r.severity != "Violation"],
    )
