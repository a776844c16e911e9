"""The store: everything that faces Neo4j, and nothing else does.

``db`` is the thin layer that owns the driver; the generated statements are in ``statements``;
``rows`` makes models into rows and content hashes; ``concepts`` keeps the concept nodes;
``plan`` compares what a write brings with what is stored; ``writer`` and ``stream`` write in
one transaction (all at once, or while a source is read); ``reader`` reads records back;
``findings`` keeps a validation run's results in the graph, apart from the model.
``localserver`` runs the project's own Neo4j. Loaders, validation, the questions, the edits and
the API read and write the graph through these names.
"""

from nhgraph.store.concepts import CONCEPT_SOURCE
from nhgraph.store.guard import GraphChanged, NotTheOwner, RemovalsRefused
from nhgraph.store.plan import (
    DanglingReference,
    Progress,
    WritePlan,
    WriteSummary,
    plan_write,
    stored_counts,
)
from nhgraph.store.reader import model_of, read_record_pages, read_records, read_records_of
from nhgraph.store.rows import content_hash, node_rows
from nhgraph.store.stream import write_stream
from nhgraph.store.writer import write_models

__all__ = [
    "CONCEPT_SOURCE",
    "DanglingReference",
    "GraphChanged",
    "NotTheOwner",
    "Progress",
    "RemovalsRefused",
    "WritePlan",
    "WriteSummary",
    "content_hash",
    "model_of",
    "node_rows",
    "plan_write",
    "read_record_pages",
    "read_records",
    "read_records_of",
    "stored_counts",
    "write_models",
    "write_stream",
]
