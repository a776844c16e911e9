"""The RDF syntaxes the export and the linked-data API write, apart from the export itself so
that the command line names them without importing rdflib."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class RdfFormat(StrEnum):
    """The RDF syntaxes the export and the linked-data API write."""

    turtle = "turtle"
    jsonld = "jsonld"
    ntriples = "ntriples"


#: Each format's media type (what the API answers with, and negotiates on).
MEDIA_TYPES: Mapping[RdfFormat, str] = {
    RdfFormat.turtle: "text/turtle",
    RdfFormat.jsonld: "application/ld+json",
    RdfFormat.ntriples: "application/n-triples",
}
