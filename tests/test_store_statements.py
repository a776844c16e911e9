"""Every statement the store generates, for every label and link, is one Neo4j accepts.

The `.cypher` files are checked by the catalog's tests; these are made from the models'
metadata, so a renamed label or relationship type, or a builder's typo, fails here before it
fails a load.
"""

from __future__ import annotations

import re

import pytest

from nhgraph.schema.models import MODEL_CLASSES, class_name
from nhgraph.store import db, statements

LABELS = [class_name(cls) for cls in MODEL_CLASSES]
PER_LABEL = [
    statements.element_statement,
    statements.update_statement,
    statements.hash_statement,
    statements.remove_statement,
    statements.removal_statement,
    statements.lock_statement,
    statements.lock_removed_statement,
    statements.incoming_statement,
    statements.unhash_statement,
    statements.remove_ids_statement,
    statements.read_statement,
    statements.read_some_statement,
]
CASES = (
    [(f"{b.__name__}:{label}", b(label)) for b in PER_LABEL for label in LABELS]
    + [
        (
            f"link_statement:{class_name(cls)}.{name}",
            statements.link_statement(class_name(cls), link),
        )
        for cls in MODEL_CLASSES
        for name, link in cls.links().items()
    ]
    + [
        (f"concept_statement:{class_name(cls)}", statements.concept_statement(class_name(cls)))
        for cls in MODEL_CLASSES
        if cls.is_concept
    ]
    + [
        (f"read_some_statement(lock):{label}", statements.read_some_statement(label, lock=True))
        for label in LABELS
    ]
    + [
        (f"{b.__name__}{shown}:{label}", b(label, only))
        for b in (statements.read_keyed_page_statement, statements.read_unkeyed_statement)
        for shown, only in (("", None), ("(fields)", ("id", "name")))
        for label in LABELS
    ]
    + [
        (
            f"surroundings_statement:{class_name(cls)}",
            statements.surroundings_statement((class_name(cls),)),
        )
        for cls in MODEL_CLASSES
        if not cls.is_concept
    ]
    + [
        (
            "surroundings_statement:every label",
            statements.surroundings_statement(
                tuple(class_name(cls) for cls in MODEL_CLASSES if not cls.is_concept)
            ),
        ),
        ("counts_statement", statements.counts_statement()),
        ("CREATE", statements.CREATE),
        ("CREATE_RETURNING", statements.CREATE_RETURNING),
        ("CREATE_EDGES", statements.CREATE_EDGES),
    ]
)
MINIMUM_CASES = 200  # 20 classes x 8 builders, the walks, the links and the fixed statements


def test_the_suite_covers_every_builder() -> None:
    assert len(CASES) >= MINIMUM_CASES


@pytest.mark.parametrize("statement", [s for _, s in CASES], ids=[name for name, _ in CASES])
def test_neo4j_accepts_the_generated_statement(statement: str, graph: db.Database) -> None:
    parameters = dict.fromkeys(re.findall(r"\$(\w+)", statement))
    graph.read(f"EXPLAIN {statement}", parameters)
