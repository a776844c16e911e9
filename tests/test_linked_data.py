"""Linked data over real HTTP: every kind of IRI, the vocabulary, its concepts and the shapes
resolve by content negotiation; unknown nodes are 404 and unserved formats 406; agreements and
professionals' names are hidden from the roles that may not read them; the HTML answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from nhgraph.config import Settings
from nhgraph.ontology.namespaces import NHG
from nhgraph.ontology.rdf import node_iri, predicate
from nhgraph.schema.models import Node, Post, class_name
from nhgraph.schema.registry import IRI_SEGMENTS
from nhgraph.store import db, write_models

from .clients import GOVERNANCE, INTEGRATOR
from .conftest import LiveServer
from .world import world

PARSERS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}
HOLDER = "Dr Ada Example"


def _models() -> list[Node]:
    models = world()
    models.append(
        Post(
            id="camden-geriatrician",
            role="consultant_geriatrician",
            organisation="ods:RKE",
            holder_name=HOLDER,
            holder_is_public=True,
        )
    )
    return models


def _first_of_each_kind() -> dict[str, tuple[str, str]]:
    """One node of each IRI kind in the test world: (label, IRI path) by segment."""
    found: dict[str, tuple[str, str]] = {}
    for model in _models():
        label = class_name(type(model))
        segment = IRI_SEGMENTS.get(label)
        if segment and segment not in found:
            iri = str(node_iri(label, str(model.id)))
            found[segment] = (label, urlsplit(iri).path.removeprefix("/nhgraph"))
    return found


KINDS = _first_of_each_kind()


def test_the_world_has_a_node_of_every_kind_of_iri() -> None:
    assert set(KINDS) == set(IRI_SEGMENTS.values())
    assert len(KINDS) >= 15


@pytest.fixture(scope="module")
def server(database: db.Database, api_settings: Settings) -> Iterator[LiveServer]:
    database.reset()
    write_models(database, _models())
    with LiveServer(api_settings) as live:
        yield live
    database.reset()


def get(server: LiveServer, path: str, accept: str | None = None, **extra: Any) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    key = extra.pop("key", None)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return httpx.get(server.url + path, headers=headers, timeout=30, **extra)


def _graph(response: httpx.Response) -> Graph:
    media = response.headers["content-type"].split(";")[0]
    return Graph().parse(data=response.text, format=PARSERS[media])


CASES = [(segment, media) for segment in sorted(KINDS) for media in PARSERS]


def test_there_is_a_case_for_each_kind_and_format() -> None:
    assert len(CASES) >= 45


@pytest.mark.parametrize(("segment", "media"), CASES)
def test_every_kind_of_iri_answers_in_every_rdf_format(
    server: LiveServer, segment: str, media: str
) -> None:
    label, path = KINDS[segment]
    key = GOVERNANCE if label == "DataSharingAgreement" else None
    response = get(server, path, media, key=key)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)
    assert response.headers["vary"] == "Accept"
    graph = _graph(response)
    subject = URIRef("https://w3id.org/nhgraph" + path)
    assert (subject, RDF.type, NHG[label]) in graph
    # The labels of what it links to come with it (a concise bounded description).
    linked = {o for o in graph.objects(subject) if isinstance(o, URIRef) and "/id/" in str(o)}
    for target in linked:
        assert (target, RDF.type, None) in graph, target


def test_a_description_names_what_it_links_to(server: LiveServer) -> None:
    graph = _graph(get(server, "/id/neighbourhood/camden-south", "text/turtle"))
    place = URIRef("https://w3id.org/nhgraph/id/place/E09000007")
    assert str(graph.value(place, RDFS.label)) == "Camden"
    assert (NHG.Neighbourhood, RDFS.label, None) in graph


def test_a_description_names_what_links_to_it(server: LiveServer) -> None:
    neighbourhood = URIRef("https://w3id.org/nhgraph/id/neighbourhood/camden-south")
    graph = _graph(get(server, "/id/neighbourhood/camden-south", "text/turtle"))
    int_iri = URIRef("https://w3id.org/nhgraph/id/int/camden-int-1")
    assert (int_iri, predicate("Int", "neighbourhoods"), neighbourhood) in graph
    assert (int_iri, RDF.type, NHG.Int) in graph
    assert graph.value(int_iri, RDFS.label) is not None
    hackney = URIRef("https://w3id.org/nhgraph/id/int/hackney-int-1")
    assert (hackney, None, None) not in graph


def test_what_links_to_a_node_is_shown_only_to_roles_that_may_see_it(server: LiveServer) -> None:
    agreement = URIRef("https://w3id.org/nhgraph/id/agreement/camden-direct-care")
    trust = "/id/organisation/ods/RKE"
    for key in (None, INTEGRATOR):
        graph = _graph(get(server, trust, "text/turtle", key=key))
        assert (agreement, None, None) not in graph, key
    graph = _graph(get(server, trust, "text/turtle", key=GOVERNANCE))
    trust_iri = URIRef("https://w3id.org/nhgraph/id/organisation/ods/RKE")
    assert (agreement, predicate("DataSharingAgreement", "controllers"), trust_iri) in graph
    assert (agreement, RDF.type, NHG.DataSharingAgreement) in graph


@pytest.mark.usefixtures("server")
def test_a_description_lists_a_bounded_number_of_what_links_to_it(
    database: db.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nhgraph.access import PUBLIC
    from nhgraph.api import linked

    place = URIRef("https://w3id.org/nhgraph/id/place/E09000007")
    everything = linked.describe_node(database, linked.NodeKey("Place", "E09000007"), PUBLIC)
    assert everything is not None
    in_place = predicate("Lsoa", "place")
    lsoas = {
        s for s in everything.subjects(in_place, place) if (s, RDF.type, NHG.Lsoa) in everything
    }
    assert len(lsoas) > 2
    monkeypatch.setattr(linked, "INCOMING_SHOWN", 2)
    bounded = linked.describe_node(database, linked.NodeKey("Place", "E09000007"), PUBLIC)
    assert bounded is not None
    shown = {s for s in bounded.subjects(in_place, place) if (s, RDF.type, NHG.Lsoa) in bounded}
    assert shown == set(sorted(lsoas, key=str)[:2])
    notes = [str(note) for note in bounded.objects(place, RDFS.comment)]
    assert any(f"{len(lsoas)} Lsoa nodes link to it" in note for note in notes), notes


ACCEPTS = [
    ("text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("text/html;q=0.1, */*;q=0.9", "text/turtle"),
    ("application/*", "application/ld+json"),
    ("*/*", "text/turtle"),
    (None, "text/turtle"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("image/png, text/turtle;q=0.2", "text/turtle"),
    ("text/turtle;q=bad, application/n-triples;q=0.1", "application/n-triples"),
]


@pytest.mark.parametrize(("accept", "expected"), ACCEPTS)
def test_the_accept_header_chooses_by_q_value(
    server: LiveServer, accept: str | None, expected: str
) -> None:
    assert len(ACCEPTS) >= 10
    response = get(server, "/id/team/camden-pharmacy", accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(expected)


def test_format_overrides_the_accept_header(server: LiveServer) -> None:
    response = get(server, "/id/team/camden-pharmacy?format=ntriples", "text/html")
    assert response.headers["content-type"].startswith("application/n-triples")
    response = get(server, "/id/team/camden-pharmacy?format=html", "text/turtle")
    assert response.headers["content-type"].startswith("text/html")


def test_an_unserved_format_is_406_or_400_with_a_clear_body(server: LiveServer) -> None:
    for accept in ("image/png", "application/xml", "text/turtle;q=0"):
        response = get(server, "/id/team/camden-pharmacy", accept)
        assert response.status_code == 406, accept
        assert "text/turtle" in response.text
        assert "?format=" in response.text
        assert response.headers["vary"] == "Accept"
    response = get(server, "/def", "image/png")
    assert response.status_code == 406
    response = get(server, "/id/team/camden-pharmacy?format=rdfxml")
    assert response.status_code == 400
    assert "rdfxml" in response.text
    assert "turtle" in response.text


NOT_FOUND = [
    "/id/lsoa/E01999999",
    "/id/nothing/E01000800",
    "/id/organisation/ods",
    "/id/organisation/ods/X99999",
    "/id/postcode/NOTAPOSTCODE",
    "/id/lsoa/E01000800/more",
    "/id/lsoa/" + "E" * 400,
    "/def/tier/nowhere",
    "/def/no-such-scheme",
]


@pytest.mark.parametrize("path", NOT_FOUND)
def test_unknown_nodes_are_404(server: LiveServer, path: str) -> None:
    assert len(NOT_FOUND) >= 8
    response = get(server, path, "text/turtle")
    assert response.status_code == 404
    assert "nothing is known" in response.text or "no concept" in response.text
    assert response.headers["vary"] == "Accept"


def test_an_agreement_is_hidden_from_roles_that_may_not_read_it(server: LiveServer) -> None:
    path = KINDS["agreement"][1]
    unknown = get(server, "/id/agreement/no-such-agreement", "text/turtle")
    for key in (None, INTEGRATOR):
        hidden = get(server, path, "text/turtle", key=key)
        assert hidden.status_code == 404
        assert hidden.text == unknown.text.replace("no-such-agreement", path.rsplit("/", 1)[1])
    shown = get(server, path, "text/turtle", key=GOVERNANCE)
    assert shown.status_code == 200
    assert "Camden direct care agreement" in shown.text


def test_a_wrong_key_is_refused(server: LiveServer) -> None:
    response = get(server, "/id/team/camden-pharmacy", "text/turtle", key="no-one-holds-this")
    assert response.status_code == 401


def test_a_professionals_name_is_not_for_the_public(server: LiveServer) -> None:
    path = KINDS["post"][1]
    public = get(server, path, "text/turtle")
    assert public.status_code == 200
    assert HOLDER not in public.text
    assert HOLDER in get(server, path, "text/turtle", key=INTEGRATOR).text


def test_an_lsoa_and_a_postcode_send_a_browser_to_the_web_app(server: LiveServer) -> None:
    browser = "text/html,application/xhtml+xml,*/*;q=0.8"
    lsoa = get(server, KINDS["lsoa"][1], browser)
    assert lsoa.status_code == 303
    assert lsoa.headers["location"] == "/#/map?lsoa=E01000800"
    postcode = get(server, KINDS["postcode"][1], browser)
    assert postcode.status_code == 303
    assert postcode.headers["location"] == "/#/resident?postcode=NW1%202AA"


def test_other_nodes_answer_with_a_page_of_their_triples(server: LiveServer) -> None:
    response = get(server, "/id/place/E09000007", "text/html")
    assert response.status_code == 200
    page = response.text
    assert "<h1>Place Camden</h1>" in page
    assert 'href="/#/gaps?place=E09000007"' in page, "the web app's page for it"
    assert 'href="/id/system/QMJ"' in page, "what it links to, as links on this service"
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    service = get(server, KINDS["service"][1], "text/html")
    assert service.status_code == 200
    assert "Open it in the web app" not in service.text
    assert "<script" not in page, "the policy allows no inline code"
    assert "style=" not in page


def test_the_page_escapes_what_it_shows(server: LiveServer, database: db.Database) -> None:
    models = [m for m in _models() if class_name(type(m)) == "Team"][:1]
    team = models[0].model_copy(update={"name": "<script>alert(1)</script>"})
    write_models(database, [team])
    try:
        page = get(server, f"/id/team/{team.id}", "text/html").text
        assert "<script>alert" not in page
        assert "&lt;script&gt;" in page
    finally:
        write_models(database, _models())


VOCABULARY = [
    ("/def", NHG.Neighbourhood, OWL.Class),
    ("/def/", NHG.Neighbourhood, OWL.Class),
    ("/def/tier", URIRef("https://w3id.org/nhgraph/def/tier"), SKOS.ConceptScheme),
    ("/def/tier/consistent", URIRef("https://w3id.org/nhgraph/def/tier/consistent"), SKOS.Concept),
    (
        "/def/function/district_nursing",
        URIRef("https://w3id.org/nhgraph/def/function/district_nursing"),
        SKOS.Concept,
    ),
    ("/shapes", URIRef("https://w3id.org/nhgraph/shapes"), OWL.Ontology),
]


@pytest.mark.parametrize(("path", "subject", "kind"), VOCABULARY)
@pytest.mark.parametrize("media", [*PARSERS, "text/html"])
def test_the_vocabulary_concepts_and_shapes_answer_at_their_iris(
    server: LiveServer, path: str, subject: URIRef, kind: URIRef, media: str
) -> None:
    assert len(VOCABULARY) >= 6
    response = get(server, path, media)
    assert response.status_code == 200, response.text
    assert response.headers["vary"] == "Accept"
    assert response.headers["content-type"].startswith(media)
    if media == "text/html":
        assert str(subject).rsplit("/", 1)[-1].split("#")[-1] in response.text
        assert response.headers["x-content-type-options"] == "nosniff"
        return
    assert (subject, RDF.type, kind) in _graph(response)


def test_a_scheme_lists_its_concepts(server: LiveServer) -> None:
    graph = _graph(get(server, "/def/tier", "text/turtle"))
    scheme = URIRef("https://w3id.org/nhgraph/def/tier")
    assert len(set(graph.subjects(SKOS.inScheme, scheme))) == 4


def test_the_shapes_hold_every_node_shape(server: LiveServer) -> None:
    from rdflib.namespace import SH

    from nhgraph.ontology.shapes import load_shapes

    graph = _graph(get(server, "/shapes", "text/turtle"))
    assert set(graph.subjects(RDF.type, SH.NodeShape)) == set(
        load_shapes().subjects(RDF.type, SH.NodeShape)
    )


def _paths(routes: list[Any], prefix: str = "") -> Iterator[str]:
    """Every route's path, through the routers FastAPI includes (kept apart, with a prefix)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _paths(inner.routes, prefix + (route.include_context.prefix or ""))
        else:
            yield prefix + getattr(route, "path", "")


def test_linked_routes_do_not_clash_with_the_apps(server: LiveServer) -> None:
    paths = list(_paths(server.app.routes))
    linked = {"/id/{segment}/{rest:path}", "/def", "/def/{path:path}", "/shapes"}
    assert linked <= set(paths)
    others = [p for p in paths if p not in linked]
    assert not [p for p in others if p.startswith(("/id", "/def", "/shapes"))], others
    assert all(paths.count(path) == 1 for path in linked)
