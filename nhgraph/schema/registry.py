"""One registry of names: each class's label, IRI segment, file key and hub, read off the models.

Every class declares its names once, as class variables of its model (``schema/models.py``);
the maps below are derived from them, so the RDF mapping, the store, team-of-teams files, the
edits, validation and the API's loaders cannot spell a class two ways. LinkML and
@neo4j/graphql work the same way: one model that every projection reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nhgraph.schema.models import MODEL_CLASSES, Node
from nhgraph.schema.vocabulary import Concept

#: Every class of the model by its label (the OWL class, Neo4j label and GraphQL type name).
BY_LABEL: Mapping[str, type[Node]] = MappingProxyType({c.node_label: c for c in MODEL_CLASSES})

#: The classes of a team-of-teams file by the key their records are listed under.
BY_FILE_KEY: Mapping[str, type[Node]] = MappingProxyType(
    {c.file_key: c for c in MODEL_CLASSES if c.file_key is not None}
)

#: The IRI path segment of each (non-concept) class, by label.
IRI_SEGMENTS: Mapping[str, str] = MappingProxyType(
    {c.node_label: c.iri_segment for c in MODEL_CLASSES if c.iri_segment}
)

#: The concept scheme behind each concept class, by label (functions, roles, cohorts).
CONCEPT_SCHEMES_BY_LABEL: Mapping[str, type[Concept]] = MappingProxyType(
    {c.node_label: c.concept_scheme for c in MODEL_CLASSES if c.concept_scheme is not None}
)

#: The labels of the hubs (region, system, place), where a walk around an edit stops.
HUB_LABELS: frozenset[str] = frozenset(c.node_label for c in MODEL_CLASSES if c.is_hub)

#: The labels of the concept classes.
CONCEPT_LABELS: frozenset[str] = frozenset(CONCEPT_SCHEMES_BY_LABEL)


def model_class(label: str) -> type[Node]:
    """The model of a label, or a KeyError naming the labels there are."""
    try:
        return BY_LABEL[label]
    except KeyError:
        raise KeyError(f"{label!r} is not a class of the model ({', '.join(BY_LABEL)})") from None
