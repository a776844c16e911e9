"""The namespaces of nhgraph's vocabulary and instance data, and the ones it reuses."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SH, SKOS, XSD, DefinedNamespace

#: The vocabulary (classes and properties): https://w3id.org/nhgraph/def#Neighbourhood
NHG = Namespace("https://w3id.org/nhgraph/def#")
#: Concept schemes: https://w3id.org/nhgraph/def/tier/consistent
CONCEPT = Namespace("https://w3id.org/nhgraph/def/")
#: Instance data, built from official codes: https://w3id.org/nhgraph/id/lsoa/E01000001
ID = Namespace("https://w3id.org/nhgraph/id/")
#: SHACL shapes.
SHAPE = Namespace("https://w3id.org/nhgraph/shapes#")

ORG = Namespace("http://www.w3.org/ns/org#")
DPV = Namespace("https://w3id.org/dpv#")
EU_GDPR = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
DPV_PD = Namespace("https://w3id.org/dpv/pd#")

PREFIXES: dict[str, Namespace | type[DefinedNamespace]] = {
    "nhg": NHG,
    "nhgc": CONCEPT,
    "nhgid": ID,
    "nhgsh": SHAPE,
    "org": ORG,
    "dpv": DPV,
    "eu-gdpr": EU_GDPR,
    "dpv-pd": DPV_PD,
    "skos": SKOS,
    "schema": SDO,
    "prov": PROV,
    "dcterms": DCTERMS,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "sh": SH,
    "xsd": XSD,
}
