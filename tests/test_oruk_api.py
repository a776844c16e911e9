"""The ORUK 3.0 API (/oruk) over real HTTP on London loaded (the reference data, the demo
dataset, and services at sites from bench/oruk_data.py, since London's demo services have no
sites): every endpoint's pages and items validated against the published ORUK 3.0 schemas
(formats asserted), the validator's own mocks passing and failing as their folders say, the
postcode and proximity filters against who_serves and an independent haversine, the filters,
the paging edges and every bad parameter answered 400/404 in one error shape, CORS open."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bench.oruk_data import sited_services
from nhgraph import questions
from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.export import hsds
from nhgraph.load import load, read_sources
from nhgraph.ontology.ids import hsds_uuid
from nhgraph.ontology.rdf import node_iri
from nhgraph.store import db

from . import standards
from .conftest import LiveServer

SITED = 80

#: Each collection endpoint, its list schema, its item schema and the per_page that gives it
#: several pages on London.
COLLECTIONS = [
    ("services", "service_list", "service", 37),
    ("service_at_locations", "service_at_location_list", "service_at_location", 9),
    ("organizations", "organization_list", "organization", 7),
    ("taxonomies", "taxonomy_list", "taxonomy", 2),
    ("taxonomy_terms", "taxonomy_term_list", "taxonomy_term", 9),
]


@pytest.fixture(scope="module")
def london(database: db.Database, neo4j_settings: Settings) -> Iterator[list[dict[str, Any]]]:
    database.reset()
    load(
        database,
        read_sources(["reference", str(PROJECT_ROOT / "data" / "demo")], neo4j_settings),
        workers=2,
    )
    yield sited_services(database, SITED)
    database.reset()


@pytest.fixture(scope="module")
def oruk(london: list[dict[str, Any]], neo4j_settings: Settings) -> Iterator[httpx.Client]:
    del london  # loaded first
    with (
        LiveServer(neo4j_settings) as server,
        httpx.Client(base_url=f"{server.url}/oruk", timeout=60) as client,
    ):
        yield client


def service_uuid(service_id: str) -> str:
    """The HSDS id of a service with no stored hsds_id: the id rule, computed here."""
    return hsds_uuid(str(node_iri("Service", service_id)))


def every(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every record of a collection, by ndjson."""
    response = client.get(path, params={**params, "format": "ndjson"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


# -- the check itself can fail -----------------------------------------------------------------

MOCK_SCHEMAS = {
    "api_details": "api_details",
    "organization": "organization",
    "organization_full": "organization",
    "organization_list": "organization_list",
    "service_at_location_full": "service_at_location",
    "service_at_location_list": "service_at_location_list",
    "service_full": "service",
    "service_list": "service_list",
    "taxonomy": "taxonomy",
    "taxonomy_list": "taxonomy_list",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_term_list": "taxonomy_term_list",
}
#: The responses of the profile's required endpoints: one failing fails the validation.
REQUIRED = {"api_details", "service_full", "service_list"}


def _mocks(folder: str) -> list[tuple[str, Any]]:
    path = standards.require(standards.MOCKS) / folder
    return [(f.stem, json.loads(f.read_text())) for f in sorted(path.glob("*.json"))]


def test_the_validators_default_mocks_all_pass() -> None:
    mocks = _mocks("V3.0-UK-Default")
    assert len(mocks) >= 10
    for name, body in mocks:
        standards.assert_valid(body, MOCK_SCHEMAS[name], f"V3.0-UK-Default/{name}")


def test_the_validators_warn_mocks_pass_every_required_endpoint_and_break_an_optional_one() -> None:
    mocks = _mocks("V3.0-UK-Warn")
    assert len(mocks) >= 10
    failing = {name for name, body in mocks if standards.problems(body, MOCK_SCHEMAS[name])}
    assert failing, "a Warn mock must break an optional endpoint's schema"
    assert not failing & REQUIRED


def test_the_validators_fail_mocks_break_a_required_endpoint() -> None:
    mocks = _mocks("V3.0-UK-Fail")
    assert len(mocks) >= 10
    failing = {name for name, body in mocks if standards.problems(body, MOCK_SCHEMAS[name])}
    assert failing & REQUIRED, failing
    # the Fail mocks fail on formats (uri): the format checkers really run
    problems = standards.problems(dict(mocks)["service_full"], "service")
    assert any("is not a 'uri'" in p for p in problems), problems


@pytest.mark.parametrize(("form", "bad"), sorted(standards.FORMATS.items()))
def test_each_format_the_schemas_use_is_checked(form: str, bad: str) -> None:
    assert len(standards.FORMATS) >= 4
    assert not standards.FORMAT_CHECKER.conforms(bad, form)


# -- every endpoint validates ------------------------------------------------------------------


def test_api_details_name_the_profile(oruk: httpx.Client) -> None:
    response = oruk.get("/")
    assert response.status_code == 200
    body = response.json()
    standards.assert_valid(body, "api_details")
    assert body["version"] == "HSDS-UK-3.0"
    document = httpx.get(body["openapi_url"])
    assert document.status_code == 200
    assert {"/services", "/services/{id}", "/service_at_locations"} <= set(document.json()["paths"])


@pytest.mark.parametrize(("path", "list_schema", "item_schema", "per_page"), COLLECTIONS)
def test_first_middle_and_last_pages_validate(
    oruk: httpx.Client, path: str, list_schema: str, item_schema: str, per_page: int
) -> None:
    assert len(COLLECTIONS) >= 5
    first = oruk.get(f"/{path}", params={"per_page": per_page}).json()
    pages = first["total_pages"]
    assert pages >= 3, f"{path}: {first['total_items']} items give too few pages to test"
    seen: list[str] = []
    for page in range(1, pages + 1):
        body = oruk.get(f"/{path}", params={"per_page": per_page, "page": page}).json()
        if page in (1, pages // 2, pages):
            standards.assert_valid(body, list_schema, f"/{path} page {page}")
            for item in body["contents"]:
                standards.assert_valid(item, item_schema, f"/{path} page {page} item")
        assert body["page_number"] == page
        assert body["first_page"] == (page == 1)
        assert body["last_page"] == (page == pages)
        assert body["size"] == len(body["contents"])
        assert body["total_items"] == first["total_items"]
        seen += [item["id"] for item in body["contents"]]
    assert len(seen) == len(set(seen)) == first["total_items"]
    assert seen == [r["id"] for r in every(oruk, f"/{path}")]


@pytest.mark.parametrize(("path", "list_schema", "item_schema", "per_page"), COLLECTIONS)
def test_ten_random_ids_validate_fully_nested(
    oruk: httpx.Client, path: str, list_schema: str, item_schema: str, per_page: int
) -> None:
    del list_schema, per_page
    ids = [r["id"] for r in every(oruk, f"/{path}")]
    for wanted in random.Random(19).sample(ids, min(10, len(ids))):
        response = oruk.get(f"/{path}/{wanted}")
        assert response.status_code == 200, response.text
        body = response.json()
        standards.assert_valid(body, item_schema, f"/{path}/{wanted}")
        assert body["id"] == wanted


@pytest.mark.parametrize(("path", "list_schema", "item_schema", "per_page"), COLLECTIONS)
def test_ndjson_lines_validate_and_hold_every_item(
    oruk: httpx.Client, path: str, list_schema: str, item_schema: str, per_page: int
) -> None:
    del list_schema, per_page
    lines = every(oruk, f"/{path}")
    total = oruk.get(f"/{path}", params={"per_page": 1}).json()["total_items"]
    assert len(lines) == total > 0
    for line in lines:
        standards.assert_valid(line, item_schema, f"/{path} ndjson")


def test_a_fully_nested_service_carries_what_the_mapping_says(
    oruk: httpx.Client, london: list[dict[str, Any]]
) -> None:
    sited = london[0]
    body = oruk.get(f"/services/{service_uuid(sited['service'])}").json()
    standards.assert_valid(body, "service")
    assert body["organization"]["uri"].startswith("https://w3id.org/nhgraph/id/organisation/")
    [area] = body["service_areas"]
    assert area["extent_type"] == "geojson"
    assert json.loads(area["extent"])["type"] in ("Polygon", "MultiPolygon")
    [sal] = body["service_at_locations"]
    assert sal["location"]["addresses"][0]["postal_code"] == sited["postcode"]
    assert {s["byday"] for s in body["schedules"]} >= {"MO,TU,WE,TH,FR"}
    link_types = {a["link_type"] for a in body["attributes"]}
    assert {"function", "access_channel"} <= link_types
    # the item of a list is the one-to-one fields with the organization, no extents
    listed = oruk.get("/services", params={"per_page": 100}).json()["contents"]
    assert all("service_areas" not in item and "organization" in item for item in listed)


def test_a_lsoa_service_area_carries_its_ons_uri(oruk: httpx.Client) -> None:
    gateway = next(r for r in every(oruk, "/services") if "24/7 gateway" in r["name"])
    body = oruk.get(f"/services/{gateway['id']}").json()
    [area] = body["service_areas"]
    assert area["uri"].startswith("http://statistics.data.gov.uk/id/statistical-geography/E09")
    assert [s["byday"] for s in body["schedules"]] == ["MO,TU,WE,TH,FR,SA,SU"]


def test_nothing_private_is_served(oruk: httpx.Client, database: db.Database) -> None:
    """No agreement and no named professional appears anywhere in the directory."""
    private = [
        r["name"]
        for r in database.read(
            "MATCH (a:DataSharingAgreement) RETURN a.name AS name UNION "
            "MATCH (p:Post) WHERE p.holder_name IS NOT NULL RETURN p.holder_name AS name"
        )
    ]
    assert len(private) >= 10
    text = "".join(
        oruk.get(f"/{path}", params={"format": "ndjson", "full": "true"}).text
        for path in ("services", "organizations", "service_at_locations")
    )
    assert not [name for name in private if name in text]


# -- filters -------------------------------------------------------------------------------------


def _service_ids(client: httpx.Client, path: str = "/services", **params: Any) -> set[str]:
    records = every(client, path, **params)
    return {r["service_id"] if "service_id" in r else r["id"] for r in records}


def test_the_postcode_filter_gives_exactly_who_serves(
    oruk: httpx.Client, database: db.Database, london: list[dict[str, Any]]
) -> None:
    postcodes = sorted({s["postcode"] for s in london})[:6] + [
        r["id"] for r in database.read("MATCH (p:Postcode) RETURN p.id AS id ORDER BY id LIMIT 4")
    ]
    assert len(postcodes) >= 10
    sited = {s["service"] for s in london}
    for postcode in postcodes:
        expected = {
            service_uuid(s["id"])
            for s in questions.who_serves(database, postcode=postcode)["services"]
        }
        assert expected, postcode
        assert _service_ids(oruk, postcode=postcode) == expected, postcode
        page = oruk.get("/services", params={"postcode": postcode, "per_page": 100}).json()
        assert page["total_items"] == len(expected)
        at_sites = {service_uuid(s) for s in sited} & expected
        assert _service_ids(oruk, "/service_at_locations", postcode=postcode) == at_sites


def _haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two WGS84 points on a sphere of the mean Earth radius."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_proximity_keeps_the_sites_within_the_distance(
    oruk: httpx.Client, database: db.Database, london: list[dict[str, Any]]
) -> None:
    centroids = {
        r["id"]: (r["lat"], r["lon"])
        for r in database.read(
            "MATCH (p:Postcode) RETURN p.id AS id, p.latitude AS lat, p.longitude AS lon"
        )
    }
    cases = [(london[i]["postcode"], metres) for i in (0, 7, 21) for metres in (1500, 5000, 12000)]
    assert len(cases) >= 9
    checked = 0
    for postcode, metres in cases:
        found = {
            r["id"]
            for r in every(oruk, "/service_at_locations", postcode=postcode, proximity=metres)
        }
        for sited in london:
            distance = _haversine(centroids[postcode], centroids[sited["postcode"]])
            if abs(distance - metres) < metres * 0.005:
                continue  # the two earth models may differ this close to the edge
            key = hsds.service_at_location_id(
                service_uuid(sited["service"]), hsds_uuid(str(node_iri("Site", sited["site"])))
            )
            assert (key in found) == (distance <= metres), (postcode, metres, distance)
            checked += 1
        assert found, (postcode, metres)
    assert checked >= len(cases) * SITED * 0.9


def test_a_term_an_organisation_a_search_and_a_date_filter_services(
    oruk: httpx.Client, database: db.Database
) -> None:
    frailty = hsds.TERM_BY_KEY[("function", "frailty")]
    expected = {
        service_uuid(r["id"])
        for r in database.read(
            "MATCH (s:Service)-[:OF_FUNCTION]->(:Function {id: 'frailty'}) RETURN s.id AS id"
        )
    }
    assert expected
    assert _service_ids(oruk, taxonomy_term_id=frailty.id) == expected
    cohort = hsds.TAXONOMY_BY_SCHEME["cohort"]
    with_cohort = {
        service_uuid(r["id"])
        for r in database.read("MATCH (s:Service) WHERE (s)-[:FOR_COHORT]->() RETURN s.id AS id")
    }
    assert _service_ids(oruk, taxonomy_id=cohort.id) == with_cohort
    tier = hsds.TAXONOMY_BY_SCHEME["tier"]
    assert _service_ids(oruk, taxonomy_id=tier.id) == set()
    organisation = oruk.get("/organizations", params={"per_page": 1}).json()["contents"][0]
    provided = every(oruk, "/services", organization_id=organisation["id"])
    assert provided
    assert {r["organization_id"] for r in provided} == {organisation["id"]}
    assert _service_ids(oruk, search="DROP-IN") == {
        service_uuid(f"oruk-service-{i:05d}") for i in range(SITED)
    }
    everything = _service_ids(oruk)
    assert _service_ids(oruk, modified_after="2000-01-01T00:00:00Z") == everything
    assert _service_ids(oruk, modified_after="2999-01-01") == set()
    minimal = every(oruk, "/services", minimal="true")
    assert all(set(r) == {"id", "last_modified"} for r in minimal)


# -- errors --------------------------------------------------------------------------------------

BAD = [
    ("/services?page=0", 400, "invalid_parameter", "page"),
    ("/services?page=-1", 400, "invalid_parameter", "page"),
    ("/services?page=two", 400, "invalid_parameter", "page"),
    ("/services?page=999", 400, "page_out_of_range", "page"),
    ("/services?per_page=0", 400, "invalid_parameter", "per_page"),
    ("/services?per_page=101", 400, "invalid_parameter", "per_page"),
    ("/taxonomies?page=4", 400, "page_out_of_range", "page"),
    ("/services?per_pge=5", 400, "unknown_parameter", "per_pge"),
    ("/services?page=1&page=2", 400, "repeated_parameter", "page"),
    ("/services?format=xml", 400, "invalid_parameter", "format"),
    ("/services?full=maybe", 400, "invalid_parameter", "full"),
    ("/services/not-a-uuid", 400, "invalid_id", "id"),
    ("/services/00000000-0000-0000-0000-000000000000", 404, "not_found", "id"),
    ("/organizations/12345", 400, "invalid_id", "id"),
    ("/organizations/00000000-0000-0000-0000-000000000000", 404, "not_found", "id"),
    ("/service_at_locations/00000000-0000-0000-0000-000000000000", 404, "not_found", "id"),
    ("/taxonomies/00000000-0000-0000-0000-000000000000", 404, "not_found", "id"),
    ("/taxonomy_terms/xyz", 400, "invalid_id", "id"),
    ("/services?modified_after=yesterday", 400, "invalid_parameter", "modified_after"),
    ("/services?taxonomy_term_id=nope", 400, "invalid_id", "taxonomy_term_id"),
    (
        "/services?taxonomy_term_id=00000000-0000-0000-0000-000000000000",
        400,
        "unknown_taxonomy_term",
        "taxonomy_term_id",
    ),
    (
        "/services?taxonomy_id=00000000-0000-0000-0000-000000000000",
        400,
        "unknown_taxonomy",
        "taxonomy_id",
    ),
    ("/services?postcode=banana", 400, "invalid_postcode", "postcode"),
    ("/services?postcode=ZZ99%209ZZ", 404, "postcode_not_found", "postcode"),
    ("/service_at_locations?postcode=ZZ99%209ZZ&proximity=100", 404, "postcode_not_found", None),
    ("/service_at_locations?proximity=100", 400, "invalid_parameter", "proximity"),
    ("/service_at_locations?postcode=BR1%201HN&proximity=0", 400, "invalid_parameter", None),
    ("/service_at_locations?postcode=BR1%201HN&proximity=1e9", 400, "invalid_parameter", None),
    ("/services?search=" + "x" * 201, 400, "invalid_parameter", "search"),
    ("/no_such_endpoint", 404, "not_found", None),
]


@pytest.mark.parametrize(("url", "status", "code", "parameter"), BAD)
def test_bad_requests_are_clear_errors_in_one_shape(
    oruk: httpx.Client, url: str, status: int, code: str, parameter: str | None
) -> None:
    assert len(BAD) >= 25
    response = oruk.get(url)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) <= {"status", "code", "message", "parameter"}
    assert (body["status"], body["code"]) == (status, code)
    assert body["message"]
    if parameter:
        assert body["parameter"] == parameter
    assert response.headers["access-control-allow-origin"] == "*"


def test_an_empty_list_is_an_empty_first_page(oruk: httpx.Client) -> None:
    body = oruk.get("/services", params={"search": "no service is called this"}).json()
    standards.assert_valid(body, "service_list")
    assert body == {
        "total_items": 0,
        "total_pages": 0,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": [],
    }
    assert oruk.get("/services", params={"search": "nothing", "page": 2}).status_code == 400


# -- open -----------------------------------------------------------------------------------------


def test_it_is_open_to_any_origin_and_any_key_is_ignored(oruk: httpx.Client) -> None:
    headers = {"Origin": "https://signposting.example", "Authorization": "Bearer not-a-key"}
    response = oruk.get("/services", params={"per_page": 1}, headers=headers)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = oruk.options(
        "/services",
        headers={
            "Origin": "https://signposting.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    # the app's page headers (CSP, frame options) are not put on the directory's answers
    assert "content-security-policy" not in response.headers
