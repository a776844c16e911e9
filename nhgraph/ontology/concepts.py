"""Writes the SKOS concept schemes (``concepts.ttl``) from the vocabulary enums.

The enums in :mod:`nhgraph.schema.vocabulary` are the one source; ``python -m
nhgraph.ontology.concepts`` rewrites the Turtle, and a test fails when the committed file
differs from what the enums give.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from nhgraph.ontology.namespaces import CONCEPT, NHG, PREFIXES
from nhgraph.ontology.rdf import concept_iri
from nhgraph.schema.vocabulary import CONCEPT_SCHEMES, Concept, Tier

CONCEPTS_TTL = Path(__file__).with_name("concepts.ttl")

#: The OWL class whose instances each scheme's concepts are.
SCHEME_CLASS: dict[str, URIRef] = {
    "tier": NHG.Tier,
    "organisation-kind": NHG.OrganisationKind,
    "function": NHG.Function,
    "role": NHG.Role,
    "cohort": NHG.Cohort,
    "purpose": NHG.Purpose,
    "lawful-basis": NHG.LawfulBasis,
    "article9-condition": NHG.Article9Condition,
    "data-category": NHG.DataCategory,
    "party-role": NHG.PartyRole,
    "agreement-status": NHG.AgreementStatus,
    "channel": NHG.Channel,
    "service-status": NHG.ServiceStatus,
}


def scheme_iri(enum: type[Concept]) -> URIRef:
    """The IRI of the SKOS concept scheme an enum is."""
    return CONCEPT[enum.scheme]


def _expand(prefixed: str) -> URIRef:
    prefix, _, local = prefixed.partition(":")
    return PREFIXES[prefix][local]


def concepts_graph() -> Graph:
    """Every enum of the vocabulary as a SKOS scheme with its concepts, as one graph."""
    graph = Graph(bind_namespaces="none")
    for prefix in ("nhg", "nhgc", "skos", "rdfs", "owl", "dpv", "eu-gdpr", "dpv-pd"):
        graph.bind(prefix, PREFIXES[prefix])
    for enum in CONCEPT_SCHEMES:
        scheme = scheme_iri(enum)
        graph.add((scheme, RDF.type, SKOS.ConceptScheme))
        graph.add((scheme, SKOS.prefLabel, Literal(enum.scheme_label, lang="en")))
        graph.add((scheme, RDFS.comment, Literal((enum.__doc__ or "").strip(), lang="en")))
        for order, member in enumerate(enum, start=1):
            concept = concept_iri(member)
            graph.add((concept, RDF.type, SKOS.Concept))
            graph.add((concept, RDF.type, SCHEME_CLASS[enum.scheme]))
            graph.add((concept, SKOS.inScheme, scheme))
            graph.add((concept, SKOS.topConceptOf, scheme))
            graph.add((concept, SKOS.notation, Literal(member.value)))
            graph.add((concept, SKOS.prefLabel, Literal(member.label, lang="en")))
            graph.add((concept, SKOS.definition, Literal(member.definition, lang="en")))
            if member.exact_match:
                graph.add((concept, SKOS.exactMatch, _expand(member.exact_match)))
            if enum is Tier:
                graph.add((concept, NHG.order, Literal(order)))
    graph.add((NHG.ConceptSchemes, RDF.type, OWL.Ontology))
    return graph


def render() -> str:
    """The concept schemes as the committed Turtle file reads, header included."""
    header = (
        "# nhgraph concept schemes (SKOS). GENERATED from nhgraph/schema/vocabulary.py by\n"
        "# `python -m nhgraph.ontology.concepts`: edit the enums, not this file.\n"
    )
    body: str = concepts_graph().serialize(format="turtle")
    return header + body


def write(path: Path = CONCEPTS_TTL) -> Path:
    """Write the committed concepts file (a test fails when it is stale)."""
    path.write_text(render(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write())
