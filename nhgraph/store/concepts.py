"""Concept nodes: the functions, roles and cohorts that links point at, from nhgraph's schemes.

They are merged at the start of every write, so a link to a concept never dangles, and each
records its source, version and first load time like every other node.
"""

from __future__ import annotations

from datetime import datetime

from nhgraph import __version__
from nhgraph.schema.registry import CONCEPT_SCHEMES_BY_LABEL
from nhgraph.store.db import Transaction
from nhgraph.store.statements import concept_statement

#: Where the concept nodes come from: nhgraph's own schemes (schema/vocabulary.py), at the
#: package's version. Like every node, each records its source, version and load time.
CONCEPT_SOURCE = "nhgraph concept schemes"


def ensure_concepts(tx: Transaction, loaded_at: datetime) -> dict[tuple[str, str], str]:
    """The concept nodes (functions, roles, cohorts) the links point at, from the schemes;
    returns their element ids, so new nodes can be linked to them without a lookup."""
    found: dict[tuple[str, str], str] = {}
    for label, scheme in CONCEPT_SCHEMES_BY_LABEL.items():
        rows = [
            {
                "id": member.value,
                "props": {
                    "id": member.value,
                    "label": member.label,
                    "source": CONCEPT_SOURCE,
                    "source_version": __version__,
                },
            }
            for member in scheme
        ]
        for row in tx.run(concept_statement(label), {"rows": rows, "loaded_at": loaded_at}):
            found[(label, row["id"])] = row["e"]
    return found
