"""No drift between the pydantic models, the vocabulary, the concept schemes and the shapes."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from nhgraph.ontology import concepts
from nhgraph.ontology.rdf import all_predicates, class_iri, node_iri
from nhgraph.ontology.shapes import VOCABULARY_TTL, load_shapes
from nhgraph.schema.models import MODEL_CLASSES, class_name
from nhgraph.schema.vocabulary import CONCEPT_SCHEMES

VOCABULARY = Graph().parse(VOCABULARY_TTL)
SHAPES = load_shapes()
CLASS_NAMES = [class_name(cls) for cls in MODEL_CLASSES]


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_every_model_class_is_an_owl_class_with_label_and_definition(name: str) -> None:
    iri = class_iri(name)
    assert (iri, RDF.type, OWL.Class) in VOCABULARY
    assert VOCABULARY.value(iri, RDFS.label) is not None
    assert VOCABULARY.value(iri, SKOS.definition) is not None


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_every_model_class_has_a_shape(name: str) -> None:
    targets = set(SHAPES.subjects(SH.targetClass, class_iri(name)))
    assert targets, f"no shape targets nhg:{name}"
    assert any(str(t).endswith(f"#{name}Shape") for t in targets), f"no {name}Shape"


@pytest.mark.parametrize(
    ("owner", "predicate"), sorted({(f"{c}.{f}", str(p)) for (c, f), p in all_predicates().items()})
)
def test_every_field_maps_to_a_property_of_the_vocabulary(owner: str, predicate: str) -> None:
    declared = {
        s
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
        for s in VOCABULARY.subjects(RDF.type, kind)
    }
    assert URIRef(predicate) in declared, f"{owner} -> {predicate} is not in nhgraph.ttl"


def test_every_vocabulary_class_is_used_by_a_model_or_a_scheme() -> None:
    used = {class_iri(n) for n in CLASS_NAMES} | set(concepts.SCHEME_CLASS.values())
    used.add(class_iri("ValidationContext"))
    declared = set(VOCABULARY.subjects(RDF.type, OWL.Class))
    assert declared <= used, declared - used


def test_concept_schemes_file_is_current() -> None:
    committed = concepts.CONCEPTS_TTL.read_text(encoding="utf-8")
    assert committed == concepts.render(), "run: python -m nhgraph.ontology.concepts"


def test_every_scheme_has_a_class_and_every_concept_a_label() -> None:
    graph = Graph().parse(concepts.CONCEPTS_TTL)
    for enum in CONCEPT_SCHEMES:
        assert enum.scheme in concepts.SCHEME_CLASS
        for member in enum:
            iri = concepts.concept_iri(member)
            assert (iri, SKOS.inScheme, concepts.scheme_iri(enum)) in graph
            assert graph.value(iri, SKOS.prefLabel) is not None


def test_iris_are_stable_and_built_from_official_codes() -> None:
    assert str(node_iri("Lsoa", "E01000001")) == "https://w3id.org/nhgraph/id/lsoa/E01000001"
    assert str(node_iri("Organisation", "ods:F84003")).endswith("/organisation/ods/F84003")
    assert str(node_iri("Postcode", "SE1 7EH")).endswith("/postcode/SE17EH")
    assert str(node_iri("Function", "frailty")) == "https://w3id.org/nhgraph/def/function/frailty"


def test_literals_are_shared_by_value_and_type() -> None:
    """Literals are cached: True and 1 (equal in Python) must still keep their own types."""
    from datetime import date

    from rdflib.namespace import XSD

    from nhgraph.ontology.rdf import _literal

    assert _literal(1).datatype == XSD.integer
    assert _literal(True).datatype == XSD.boolean
    assert _literal(1).datatype == XSD.integer
    assert _literal(1.0).datatype == XSD.decimal
    assert _literal("2026-01-01").datatype == XSD.string
    assert _literal(date(2026, 1, 1)).datatype == XSD.date
    assert _literal(["a"]).datatype == XSD.string  # unhashable values are made, not cached


def test_stored_records_become_rdf_without_the_replaced_sources() -> None:
    from nhgraph.ontology.rdf import new_graph, records_to_graph

    records = {
        "Place": [
            {"id": "E09000007", "name": "Camden", "source": "ons-geography", "system": "QMJ"},
            {"id": "E09000012", "name": "Hackney", "source": "team-of-teams:x"},
        ]
    }
    graph = records_to_graph(records, new_graph(), skip_sources={"team-of-teams:x"})
    camden, hackney = node_iri("Place", "E09000007"), node_iri("Place", "E09000012")
    assert (camden, RDF.type, class_iri("Place")) in graph
    assert (hackney, None, None) not in graph
    # What SHACL judges carries no provenance: no shape reads it.
    assert not any(str(p).endswith("source") for p in graph.predicates(camden, None))
    every = records_to_graph(records, new_graph())
    assert (hackney, RDF.type, class_iri("Place")) in every


def test_an_hsds_uuid_is_uuid5_over_the_iri_and_the_same_every_time() -> None:
    """The exchange formats' UUIDs come from the IRI alone: stable across exports and machines,
    and different for different IRIs and parts."""
    import uuid

    from nhgraph.ontology.ids import hsds_uuid, part_uuid

    iri = "https://w3id.org/nhgraph/id/organisation/ods/F84003"
    assert hsds_uuid(iri) == str(uuid.uuid5(uuid.NAMESPACE_URL, iri))
    assert uuid.UUID(hsds_uuid(iri)).version == 5
    assert hsds_uuid(iri) != hsds_uuid(iri.replace("F84003", "F84004"))
    assert part_uuid(iri, "schedule", "0") == hsds_uuid(f"{iri}#schedule/0")
    assert part_uuid(iri, "schedule", "0") != part_uuid(iri, "service_area", "0")
