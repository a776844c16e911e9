"""From the pydantic models to RDF (rdflib), so that SHACL can validate them.

One table says which predicate each field becomes: nhgraph's own terms by default
(``nhg:<fieldInCamelCase>``), and W3C ORG, DPV, schema.org, PROV and RDFS terms where they say
the same thing. Instance IRIs are stable and built from official codes
(``nhgid:lsoa/E01000001``, ``nhgid:organisation/ods/F84003``); concepts are
``nhgc:<scheme>/<notation>``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from functools import cache, lru_cache
from typing import Any, get_args
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SDO, XSD

from nhgraph.ontology.namespaces import CONCEPT, DPV, ID, NHG, ORG, PREFIXES
from nhgraph.ontology.speedups import PreparedQueryGraph
from nhgraph.schema.models import MODEL_CLASSES, Link, Node, class_name
from nhgraph.schema.registry import BY_LABEL, CONCEPT_SCHEMES_BY_LABEL, IRI_SEGMENTS
from nhgraph.schema.vocabulary import Concept

#: Fields every class shares, and fields whose predicate is another vocabulary's term.
COMMON_PREDICATES: dict[str, URIRef] = {
    "id": DCTERMS.identifier,
    "name": RDFS.label,
    "label": RDFS.label,
    "source": DCTERMS.source,
    "source_version": NHG.sourceVersion,
    "loaded_at": PROV.generatedAtTime,
    "illustrative": NHG.illustrative,
    "postcode": SDO.postalCode,
    "latitude": SDO.latitude,
    "longitude": SDO.longitude,
}
CLASS_PREDICATES: dict[tuple[str, str], URIRef] = {
    ("Membership", "team"): ORG.member,
    ("Membership", "int"): ORG.organization,
    ("PcnMembership", "practice"): ORG.member,
    ("PcnMembership", "pcn"): ORG.organization,
    ("Post", "organisation"): ORG.postIn,
    ("Post", "role"): ORG.role,
    ("Site", "organisation"): ORG.siteOf,
    ("DataSharingAgreement", "controllers"): DPV.hasDataController,
    ("DataSharingAgreement", "joint_controllers"): DPV.hasJointDataControllers,
    ("DataSharingAgreement", "processors"): DPV.hasDataProcessor,
    ("DataSharingAgreement", "purposes"): DPV.hasPurpose,
    ("DataSharingAgreement", "lawful_basis"): DPV.hasLegalBasis,
    ("DataSharingAgreement", "data_categories"): DPV.hasPersonalData,
}

#: Multi-valued fields named in the plural in Python and in the singular in RDF.
SINGULAR: dict[str, str] = {"channels": "channel", "hours": "openingHours"}

#: Fields that are kept out of RDF.
NOT_IN_RDF: frozenset[str] = frozenset(
    # Boundaries are kept in Neo4j for finding the LSOA of a point; no rule reads them, and
    # megabytes of GeoJSON literals would only slow validation.
    {"boundary", "min_latitude", "max_latitude", "min_longitude", "max_longitude"}
)


def camel(name: str) -> str:
    """The camelCase form of a snake_case field name, as RDF properties are named."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def predicate(cls_name: str, field: str) -> URIRef:
    """The predicate a field of a class becomes."""
    if (cls_name, field) in CLASS_PREDICATES:
        return CLASS_PREDICATES[(cls_name, field)]
    if field in COMMON_PREDICATES:
        return COMMON_PREDICATES[field]
    cls = BY_LABEL[cls_name]
    link = cls.links().get(field)
    if link is not None:  # the edge's name, as in Neo4j: IN_PLACE -> nhg:inPlace
        return NHG[camel(link.rel.lower())]
    return NHG[camel(SINGULAR.get(field, field))]


def class_iri(cls_name: str) -> URIRef:
    """The IRI of a model class in nhgraph's ontology."""
    return NHG[cls_name]


def concept_iri(concept: Concept) -> URIRef:
    """The IRI of a concept in its SKOS scheme (``.../<scheme>/<notation>``)."""
    return CONCEPT[f"{type(concept).scheme}/{concept.value}"]


@lru_cache(maxsize=200_000)
def node_iri(cls_name: str, node_id: str) -> URIRef:
    """The stable IRI of a node, from its class and id (official codes where there are).

    Kept once made: links name the same places, LSOAs and organisations thousands of times."""
    if cls_name in CONCEPT_SCHEMES_BY_LABEL:
        return CONCEPT[f"{CONCEPT_SCHEMES_BY_LABEL[cls_name].scheme}/{quote(node_id)}"]
    segment = IRI_SEGMENTS[cls_name]
    if cls_name == "Organisation":
        scheme, _, code = node_id.partition(":")
        return ID[f"{segment}/{quote(scheme)}/{quote(code)}"]
    if cls_name == "Postcode":
        return ID[f"{segment}/{quote(node_id.replace(' ', ''))}"]
    return ID[f"{segment}/{quote(node_id)}"]


def _literal(value: Any) -> Literal:
    """The typed literal of a value; the same value gives the same (immutable) Literal, since
    making one costs rdflib ~40 us and London repeats most: dates, counts, kinds, flags."""
    try:
        return _known_literal(type(value).__name__, value)
    except TypeError:  # not hashable
        return _make_literal(value)


@lru_cache(maxsize=200_000)
def _known_literal(_kind: str, value: Any) -> Literal:
    return _make_literal(value)


#: The datatypes, looked up once: rdflib's namespace attribute costs microseconds a lookup.
_BOOLEAN, _INTEGER, _DECIMAL = XSD.boolean, XSD.integer, XSD.decimal
_DATE_TIME, _DATE, _STRING = XSD.dateTime, XSD.date, XSD.string
_TYPE = RDF.type


def _make_literal(value: Any) -> Literal:
    if isinstance(value, bool):
        return Literal(value, datatype=_BOOLEAN)
    if isinstance(value, int):
        return Literal(value, datatype=_INTEGER)
    if isinstance(value, float):
        return Literal(str(value), datatype=_DECIMAL)
    if isinstance(value, datetime):
        return Literal(value.isoformat(), datatype=_DATE_TIME)
    if isinstance(value, date):
        return Literal(value.isoformat(), datatype=_DATE)
    return Literal(str(value), datatype=_STRING)


def concept_type(annotation: Any) -> type[Concept] | None:
    """The concept scheme a field's values come from, if they are concepts."""
    stack = [annotation]
    while stack:
        current = stack.pop()
        if isinstance(current, type) and issubclass(current, Concept):
            return current
        stack.extend(get_args(current))
    return None


@cache
def field_kinds(cls_name: str) -> dict[str, tuple[URIRef, Link | None, type[Concept] | None]]:
    """For each field of a class: its predicate, its link (if any) and its concept scheme."""
    cls = BY_LABEL[cls_name]
    links = cls.links()
    kinds = {}
    for field, info in cls.model_fields.items():
        if field in NOT_IN_RDF:
            continue
        link = links.get(field)
        scheme = None if link else concept_type(info.annotation)
        kinds[field] = (predicate(cls_name, field), link, scheme)
    return kinds


#: Where a node came from: the load's business, which no shape reads (a test holds this), so a
#: graph built only to be validated leaves them out (a fifth of London's triples).
PROVENANCE: frozenset[str] = frozenset({"source", "source_version"})


def add_record(
    graph: Graph,
    cls_name: str,
    values: Mapping[str, Any],
    *,
    provenance: bool = True,
    only: Collection[str] | None = None,
) -> URIRef:
    """Add one record's triples, from plain values (a model's, or a stored node's).

    Values are not checked here: a stored node with a wrong code or an unknown concept becomes
    a triple that the shapes then refuse, which is what validating the stored graph is for.
    With ``only``, just those fields become triples (the type always): the ones the shapes
    read, for a graph built to be validated.
    """
    subject = node_iri(cls_name, str(values["id"]))
    # The store's own add: Graph.add only checks that each part is an rdflib term, which
    # every part made here is (a tenth of building London's graph).
    store_add = graph.store.add
    kept = only if only is None or isinstance(only, frozenset) else frozenset(only)
    type_iri, fields = _record_plan(cls_name, provenance, kept)
    store_add((subject, _TYPE, type_iri), graph)
    for field, p, target, scheme in fields:
        value = values.get(field)
        if value is None or (field == "illustrative" and value is False):
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, Enum):
                item = item.value
            obj: URIRef | Literal
            if target is not None:
                obj = node_iri(target, str(item))
            elif scheme is not None:
                obj = _concept_object(scheme, str(item))
            else:
                obj = _literal(item)
            store_add((subject, p, obj), graph)
    return subject


@lru_cache(maxsize=1024)
def _record_plan(
    cls_name: str, provenance: bool, only: frozenset[str] | None
) -> tuple[URIRef, tuple[tuple[str, URIRef, str | None, str | None], ...]]:
    """A class's type and the fields :func:`add_record` turns into triples: (field, predicate,
    the linked label or None, the concept scheme or None), worked out once a class."""
    return class_iri(cls_name), tuple(
        (field, p, link.target if link else None, scheme.scheme if scheme else None)
        for field, (p, link, scheme) in field_kinds(cls_name).items()
        if (provenance or field not in PROVENANCE) and (only is None or field in only)
    )


@lru_cache(maxsize=100_000)
def _concept_object(scheme: str, notation: str) -> URIRef:
    """The IRI of a concept by its scheme and notation (the same few thousand, many times)."""
    return CONCEPT[f"{scheme}/{quote(notation)}"]


def add_model(
    graph: Graph, model: Node, *, provenance: bool = True, only: Collection[str] | None = None
) -> URIRef:
    """Add one model's triples; returns its IRI."""
    # The fields (extra="forbid"), without pydantic's __iter__.
    return add_record(
        graph, class_name(type(model)), model.__dict__, provenance=provenance, only=only
    )


def models_to_graph(
    models: Iterable[Node],
    graph: Graph | None = None,
    *,
    provenance: bool = True,
    fields: Mapping[str, Collection[str]] | None = None,
) -> Graph:
    """The RDF graph of a set of models (a new graph unless one is given); with ``fields``,
    only the fields it names for a class (see :func:`add_record`)."""
    graph = graph if graph is not None else new_graph()
    for model in models:
        only = None if fields is None else fields.get(class_name(type(model)))
        add_model(graph, model, provenance=provenance, only=only)
    return graph


def records_to_graph(
    records: Mapping[str, Iterable[Mapping[str, Any]]],
    graph: Graph,
    *,
    skip_sources: Collection[str] = (),
    provenance: bool = False,
    fields: Mapping[str, Collection[str]] | None = None,
) -> Graph:
    """Add stored records (by label, as the store reads them) to a graph SHACL is to judge,
    without provenance unless asked (an export keeps it), leaving out those of the sources in
    ``skip_sources`` (the ones a load replaces). Returns the graph."""
    skip = frozenset(skip_sources)
    for label, rows in records.items():
        only = None if fields is None else fields.get(label)
        for record in rows:
            if skip and record.get("source") in skip:
                continue
            add_record(graph, label, record, provenance=provenance, only=only)
    return graph


def new_graph() -> Graph:
    """An empty graph with nhgraph's prefixes, ready to be validated without a copy."""
    graph = PreparedQueryGraph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def all_predicates() -> dict[tuple[str, str], URIRef]:
    """Every (class, field) of the model with the predicate it becomes."""
    return {
        (class_name(cls), field): predicate(class_name(cls), field)
        for cls in MODEL_CLASSES
        for field in cls.model_fields
        if field not in NOT_IN_RDF
    }
