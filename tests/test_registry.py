"""One registry of names: every class declares its label, IRI segment, file key and hub once,
and what reads them (RDF, the store, files, the two-hop walk around an edit) agrees."""

from __future__ import annotations

import re

import pytest

from nhgraph.ontology.rdf import node_iri
from nhgraph.schema import registry
from nhgraph.schema.models import MODEL_CLASSES, PostcodeUnit
from nhgraph.store.statements import LOCK_CLAUSE, surroundings_statement


def test_every_class_has_one_label_and_labels_are_unique() -> None:
    labels = [cls.node_label for cls in MODEL_CLASSES]
    assert len(labels) == len(set(labels)) == len(MODEL_CLASSES)
    assert PostcodeUnit.node_label == "Postcode"  # the label is not always the Python name
    assert all(registry.BY_LABEL[cls.node_label] is cls for cls in MODEL_CLASSES)


def test_every_record_class_has_an_iri_segment_and_a_file_key_concepts_neither() -> None:
    for cls in MODEL_CLASSES:
        if cls.is_concept:
            assert not cls.iri_segment, cls
            assert cls.file_key is None, cls
            assert cls.concept_scheme is not None, cls
        else:
            assert cls.iri_segment, cls
            assert cls.file_key, cls
            assert cls.concept_scheme is None, cls
    segments = list(registry.IRI_SEGMENTS.values())
    assert len(segments) == len(set(segments))
    assert len(registry.BY_FILE_KEY) == len([c for c in MODEL_CLASSES if not c.is_concept])


def test_an_iri_is_built_from_the_declared_segment() -> None:
    assert str(node_iri("DataSharingAgreement", "x-1")).endswith("/id/agreement/x-1")
    assert str(node_iri("Postcode", "N20 0DH")).startswith("https://w3id.org/nhgraph/id/postcode/")


def test_the_hubs_are_the_region_system_and_place() -> None:
    assert {"Region", "System", "Place"} == registry.HUB_LABELS


def test_the_walk_around_an_edit_stops_at_the_registrys_hubs_and_concepts() -> None:
    """The edit's walk spells the hubs in Cypher; it must spell the registry's, and lock the
    seeds it reads."""
    text = surroundings_statement(("Lsoa", "Neighbourhood"))
    [through] = re.findall(r"NOT \(a:(\w+(?: OR a:\w+)*)\)", text)
    [kept_out] = re.findall(r"WHERE NOT \(m:(\w+(?: OR m:\w+)*)\)", text)
    assert set(through.split(" OR a:")) == registry.HUB_LABELS | registry.CONCEPT_LABELS
    assert set(kept_out.split(" OR m:")) == registry.CONCEPT_LABELS
    assert text.index(LOCK_CLAUSE) < text.index("RETURN labels(m)")
    assert "UNWIND $ids[0] AS id MATCH (n:Lsoa {id: id})" in text
    assert "UNWIND $ids[1] AS id MATCH (n:Neighbourhood {id: id})" in text


def test_an_unknown_label_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="Neighbourhood"):
        registry.model_class("Borough")
