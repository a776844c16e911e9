"""One violating example per SHACL rule, each a change to the conforming world.

Each case names the rule (the shape's IRI in nhgsh:), the severity, the focus node the report
must name, and the change, made on the RDF graph so that rules the pydantic models would
already refuse can be broken too (data can also arrive as Turtle, or from the stored graph).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from nhgraph.ontology.namespaces import CONCEPT, DPV, ID, NHG, ORG
from nhgraph.ontology.rdf import models_to_graph

from .world import ON, world


def iri(path: str) -> URIRef:
    return ID[path]


def d(day: str) -> Literal:
    return Literal(day, datatype=XSD.date)


@dataclass(frozen=True)
class Case:
    rule: str
    severity: str
    focus: str | tuple[str, ...]
    change: Callable[[Graph], None]
    on: date = ON
    #: Other rules the change is expected to break too (as real data would).
    also: tuple[str, ...] = ()


def _remove(graph: Graph, s: str, p: URIRef) -> None:
    graph.remove((iri(s), p, None))


def _set(graph: Graph, s: str, p: URIRef, o: object) -> None:
    graph.set((iri(s), p, o))  # type: ignore[arg-type]


def _second_integrator(g: Graph) -> None:
    a = iri("integrator/camden-integrator-2")
    g.add((a, RDF.type, NHG.IntegratorAppointment))
    g.add((a, DCTERMS.identifier, Literal("camden-integrator-2")))
    g.add((a, NHG.integratorFor, iri("place/E09000007")))
    g.add((a, NHG.integrator, iri("organisation/ons/E09000007")))
    g.add((a, NHG.start, d("2026-01-01")))


def _named_post(g: Graph) -> None:
    p = iri("post/camden-geriatrician")
    g.add((p, RDF.type, NHG.Post))
    g.add((p, DCTERMS.identifier, Literal("camden-geriatrician")))
    g.add((p, ORG.role, CONCEPT["role/consultant_geriatrician"]))
    g.add((p, ORG.postIn, iri("organisation/ods/RKE")))
    g.add((p, NHG.holderName, Literal("Dr A Person")))


CASES: list[Case] = [
    Case(
        "nhgsh:Neighbourhood-lsoa-in-place",
        "Violation",
        "neighbourhood/camden-north",
        lambda g: g.add((iri("neighbourhood/camden-north"), NHG.covers, iri("lsoa/E01001700"))),
        also=("nhgsh:Lsoa-one-neighbourhood",),
    ),
    Case(
        "nhgsh:Int-one-place",
        "Violation",
        "int/camden-int-1",
        lambda g: g.add((iri("int/camden-int-1"), NHG.serves, iri("neighbourhood/hackney-east"))),
    ),
    Case(
        "nhgsh:Membership-tier",
        "Violation",
        "membership/camden-int-1-district-nursing-m",
        lambda g: _remove(g, "membership/camden-int-1-district-nursing-m", NHG.tier),
        also=("nhgsh:CoreOffer-district_nursing",),
    ),
    Case(
        "nhgsh:DataSharingAgreement-two-parties",
        "Violation",
        "agreement/camden-direct-care",
        lambda g: (
            _remove(g, "agreement/camden-direct-care", DPV.hasDataProcessor),
            g.remove(
                (
                    iri("agreement/camden-direct-care"),
                    DPV.hasDataController,
                    iri("organisation/ods/RKE"),
                )
            ),
        ),
    ),
    Case(
        "nhgsh:DataSharingAgreement-dates",
        "Violation",
        "agreement/camden-direct-care",
        lambda g: _set(g, "agreement/camden-direct-care", NHG.validTo, d("2023-12-31")),
    ),
    Case(
        "nhgsh:DataSharingAgreement-article6",
        "Violation",
        "agreement/camden-direct-care",
        lambda g: _remove(g, "agreement/camden-direct-care", DPV.hasLegalBasis),
    ),
    Case(
        "nhgsh:DataSharingAgreement-article9",
        "Violation",
        "agreement/camden-direct-care",
        lambda g: _remove(g, "agreement/camden-direct-care", NHG.article9Condition),
    ),
    Case("nhgsh:Place-one-integrator-a-day", "Violation", "place/E09000007", _second_integrator),
    Case(
        "nhgsh:PcnMembership-one-pcn-a-day",
        "Violation",
        ("pcn-membership/f83001-u11111", "pcn-membership/f83001-u22222"),
        lambda g: _set(g, "pcn-membership/f83001-u11111", NHG.end, d("2023-03-31")),
    ),
    Case(
        "nhgsh:SpecialistAlignment-specialty",
        "Violation",
        "alignment/camden-geriatrics",
        lambda g: _remove(g, "alignment/camden-geriatrics", NHG.inSpecialty),
    ),
    Case(
        "nhgsh:SpecialistAlignment-sessions",
        "Violation",
        "alignment/camden-geriatrics",
        lambda g: _set(
            g,
            "alignment/camden-geriatrics",
            NHG.sessionsPerWeek,
            Literal("0", datatype=XSD.decimal),
        ),
    ),
    Case(
        "nhgsh:Service-age-range",
        "Violation",
        "service/camden-frailty",
        lambda g: _set(g, "service/camden-frailty", NHG.minAge, Literal(130)),
    ),
    Case(
        "nhgsh:Hsds-id",
        "Violation",
        "service/camden-frailty",
        lambda g: _set(g, "service/camden-frailty", NHG.hsdsId, Literal("not-a-uuid")),
    ),
    Case("nhgsh:Post-named-only-if-public", "Violation", "post/camden-geriatrician", _named_post),
    Case(
        "nhgsh:Organisation-open-before-close",
        "Violation",
        "organisation/ods/F83001",
        lambda g: _set(g, "organisation/ods/F83001", NHG.closeDate, d("1970-01-01")),
    ),
    Case(
        "nhgsh:Place-a-system",
        "Violation",
        "place/E09000012",
        lambda g: _remove(g, "place/E09000012", NHG.partOf),
    ),
    Case(
        # A Camden LSOA said to be in North East London, which Camden is not part of.
        "nhgsh:Lsoa-system-of-its-place",
        "Violation",
        "lsoa/E01000800",
        lambda g: g.add((iri("lsoa/E01000800"), NHG.inSystem, iri("system/QMF"))),
    ),
    Case(
        "nhgsh:Lsoa-one-neighbourhood",
        "Warning",
        "lsoa/E01000800",
        lambda g: g.add((iri("neighbourhood/camden-south"), NHG.covers, iri("lsoa/E01000800"))),
    ),
    Case(
        "nhgsh:CoreOffer-district_nursing",
        "Warning",
        "int/camden-int-1",
        lambda g: g.remove((iri("membership/camden-int-1-district-nursing-m"), None, None)),
    ),
    Case(
        "nhgsh:CoreOffer-care_coordination",
        "Warning",
        "int/hackney-int-1",
        lambda g: _set(
            g, "membership/hackney-int-1-care-coordination-m", NHG.tier, CONCEPT["tier/tailored"]
        ),
    ),
    Case(
        "nhgsh:DataSharingAgreement-expiring",
        "Warning",
        "agreement/camden-direct-care",
        lambda _: None,
        on=date(2030, 11, 1),
    ),
    Case(
        "nhgsh:LsoaShape[dcterms:identifier]",
        "Violation",
        "lsoa/E01000801",
        lambda g: _set(g, "lsoa/E01000801", DCTERMS.identifier, Literal("E02000801")),
    ),
    Case(
        "nhgsh:NeighbourhoodShape[rdfs:label]",
        "Violation",
        "neighbourhood/camden-south",
        lambda g: _remove(g, "neighbourhood/camden-south", RDFS.label),
    ),
]

#: The suite must not shrink unnoticed: raise this when cases are added.
MINIMUM_CASES = 22


def world_graph() -> Graph:
    return models_to_graph(world())


def broken_graph(case: Case) -> Graph:
    graph = world_graph()
    case.change(graph)
    return graph


def focus_set(case: Case) -> set[str]:
    return {case.focus} if isinstance(case.focus, str) else set(case.focus)


def case_id(case: Case) -> str:
    focus = case.focus if isinstance(case.focus, str) else case.focus[0]
    return f"{case.rule}@{focus}"
