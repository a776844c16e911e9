"""What every node of the model is: a pydantic model with an id, its provenance, its link
fields and its names (label, IRI segment, file key, hub), declared once per class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from nhgraph.schema.bounds import (
    Name,
)
from nhgraph.schema.vocabulary import (
    Concept,
)


@dataclass(frozen=True)
class Link:
    """Marks a field whose values are ids of other nodes: the target class and the edge type."""

    target: str
    rel: str


#: Each class's link fields, by class (see Node.links).
_LINKS: dict[type, Mapping[str, Link]] = {}


def link(target: str, rel: str) -> Link:
    """The field marker that says a field's values are ids of nodes of the target class, joined by
    edges of this type."""
    return Link(target, rel)


class Node(BaseModel):
    """What every node has: an id, and where it came from."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_assignment=True)

    # Each class's names, declared once and read by the registry (schema/registry.py), the
    # RDF mapping, the store, team-of-teams files, edits, validation and the API.
    #: The name shared by the OWL class, the Neo4j label and the GraphQL type.
    node_label: ClassVar[str] = ""
    #: The path segment of its instances' IRIs (``.../id/<segment>/<id>``); none for concepts.
    iri_segment: ClassVar[str] = ""
    #: The key its records are listed under in a team-of-teams file; none for concepts.
    file_key: ClassVar[str | None] = None
    #: A hub (region, system, place): so many nodes link to it that a check of the nodes
    #: around an edit stops there rather than reading everything in the place.
    is_hub: ClassVar[bool] = False
    #: Classes whose instances are SKOS concepts rather than graph records.
    is_concept: ClassVar[bool] = False
    #: The concept scheme a concept class's ids come from.
    concept_scheme: ClassVar[type[Concept] | None] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """A class's label is its own name unless it declares another."""
        super().__pydantic_init_subclass__(**kwargs)
        if "node_label" not in cls.__dict__:
            cls.node_label = cls.__name__

    source: Name | None = Field(default=None, description="The dataset the record came from.")
    source_version: Name | None = Field(default=None, description="That dataset's version.")
    loaded_at: datetime | None = Field(default=None, description="When it was loaded.")
    illustrative: bool = Field(
        default=False, description="True for invented demo data, never to be taken as real."
    )

    @classmethod
    def links(cls) -> Mapping[str, Link]:
        """The fields of this class that point at other nodes.

        Worked out once per class and kept (read-only): writers ask for every row they write.
        """
        found = _LINKS.get(cls)
        if found is None:
            found = _LINKS[cls] = MappingProxyType(
                {
                    name: meta
                    for name, field in cls.model_fields.items()
                    for meta in field.metadata
                    if isinstance(meta, Link)
                }
            )
        return found


def check_range(start: date | None, end: date | None, what: str) -> None:
    """Refuse a period that ends before it starts, naming what it is the period of."""
    if start is not None and end is not None and end < start:
        raise ValueError(f"{what} ends ({end}) before it starts ({start})")


def class_name(cls: type[Node]) -> str:
    """The name shared by the OWL class, the Neo4j label and the GraphQL type."""
    return cls.node_label
