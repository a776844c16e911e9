"""The FHIR API at /fhir on London, over real HTTP: every resource type read and searched is
valid UK Core (the HL7 validator), the searches give what GraphQL gives for the same
questions, paging walks every match once, and every bad request is an OperationOutcome with
its 4xx, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from nhgraph.api.fhir import FHIR_JSON, POSTCODE_PARAMETER, SEARCH_PARAMETERS
from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.export import fhir
from nhgraph.load import load, read_sources
from nhgraph.store import db

from .asking import DAY
from .clients import ADMIN, GOVERNANCE, INTEGRATOR, Client
from .conftest import LiveServer
from .fhir_validator import Validator


@pytest.fixture(scope="module")
def server(database: db.Database, api_settings: Settings) -> Iterator[LiveServer]:
    database.reset()
    sources = read_sources(["reference", str(PROJECT_ROOT / "data" / "demo")], api_settings)
    load(database, sources, on=DAY, workers=2)
    with LiveServer(api_settings) as live:
        yield live
    database.reset()


def get(server: LiveServer, path: str, key: str | None = None, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(f"{server.url}/fhir/{path}", params=params, headers=headers, timeout=60)


def ok(server: LiveServer, path: str, key: str | None = None, **params: str) -> dict[str, Any]:
    response = get(server, path, key, **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body: dict[str, Any] = response.json()
    return body


def every_id(server: LiveServer, path: str, **params: str) -> list[str]:
    """Every match of a search, following the next links to the end."""
    found: list[str] = []
    url: str | None = f"{server.url}/fhir/{path}"
    query: dict[str, str] | None = {**params, "_count": "100"}
    while url:
        response = httpx.get(url, params=query, timeout=60)
        assert response.status_code == 200, response.text
        bundle = response.json()
        found += [entry["resource"]["id"] for entry in bundle["entry"]]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
        query = None
    assert len(found) == bundle["total"]
    return found


def graphql(server: LiveServer, query: str, key: str | None = None, **variables: Any) -> Any:
    return Client(server).data(query, variables, key)


# -- valid UK Core ---------------------------------------------------------------------------


def test_the_capability_statement_declares_every_search(
    server: LiveServer, fhir_validator: Validator, tmp_path: Path
) -> None:
    statement = ok(server, "metadata")
    declared = {
        r["type"]: {p["name"]: p for p in r["searchParam"]}
        for r in statement["rest"][0]["resource"]
    }
    assert set(declared) == set(fhir.RESOURCE_TYPES)
    for resource_type, parameters in SEARCH_PARAMETERS.items():
        assert set(parameters) <= set(declared[resource_type]), resource_type
    assert declared["HealthcareService"]["postcode"]["definition"] == POSTCODE_PARAMETER
    result = fhir_validator.check_json(statement, tmp_path, "metadata")
    assert result.errors == 0, result.of("error")


#: One read and one search of each type, as a public caller and as governance.
READS = [
    ("Organization", "F84003", None),
    ("Organization", "ons-E09000007", None),
    ("Organization", "team-e09000007-int1-district-nursing", None),
    ("Organization", "int-e09000007-int1", None),
    ("Location", "E01000001", None),
    ("Location", "E09000007", None),
    ("Location", "neighbourhood-e09000007-n1", None),
    ("HealthcareService", "e09000001-gateway", None),
    ("OrganizationAffiliation", "membership-e09000001-int1-district-nursing-m", None),
    ("Contract", "e09000001-direct-care", GOVERNANCE),
]


@pytest.mark.parametrize(("resource_type", "fid", "key"), READS)
def test_a_read_is_valid_uk_core(
    server: LiveServer,
    fhir_validator: Validator,
    tmp_path: Path,
    resource_type: str,
    fid: str,
    key: str | None,
) -> None:
    resource = ok(server, f"{resource_type}/{fid}", key)
    assert (resource["resourceType"], resource["id"]) == (resource_type, fid)
    result = fhir_validator.check_json(resource, tmp_path, fid)
    assert result.errors == 0, result.of("error")


assert len(READS) >= 10


SEARCHES = [
    ("Organization", {"type": "team", "_count": "50"}, None),
    ("Organization", {"name:contains": "camden"}, None),
    ("Location", {"partof": "Location/E09000007", "_count": "50"}, None),
    ("Location", {"near": "51.53|-0.14|2|km"}, None),
    ("HealthcareService", {"service-type": "frailty", "_count": "50"}, None),
    ("OrganizationAffiliation", {"primary-organization": "Organization/int-e09000007-int1"}, None),
    ("Contract", {"status": "executed"}, ADMIN),
]


@pytest.mark.parametrize(("resource_type", "params", "key"), SEARCHES)
def test_a_searchset_is_valid(
    server: LiveServer,
    fhir_validator: Validator,
    tmp_path: Path,
    resource_type: str,
    params: dict[str, str],
    key: str | None,
) -> None:
    bundle = ok(server, resource_type, key, **params)
    assert bundle["type"] == "searchset", bundle
    assert bundle["entry"], bundle
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {resource_type}
    result = fhir_validator.check_json(bundle, tmp_path, f"search-{resource_type}")
    assert result.errors == 0, result.of("error")[:10]


assert len(SEARCHES) >= 7


# -- the same answers as GraphQL ---------------------------------------------------------------


def test_organizations_by_kind_and_name_are_graphqls(server: LiveServer) -> None:
    data = graphql(
        server,
        "query($k: OrganisationKind, $s: String) { organisations(kind: $k, search: $s, first: 100)"
        " { totalCount nodes { id } } }",
        k="GP_PRACTICE",
        s="medical",
    )["organisations"]
    theirs = [fhir.organization_id(n["id"]) for n in data["nodes"]]
    ours = every_id(server, "Organization", **{"type": "gp_practice", "name:contains": "medical"})
    assert len(ours) == data["totalCount"] > 100
    assert ours[: len(theirs)] == theirs  # both in code order


def test_services_for_a_postcode_are_who_serves(server: LiveServer) -> None:
    postcodes = [
        r["id"]
        for r in server.database.read("MATCH (p:Postcode) RETURN p.id AS id ORDER BY id LIMIT 5")
    ]
    assert len(postcodes) == 5
    compared = 0
    for postcode in postcodes:
        data = graphql(
            server,
            "query($p: String) { resident(postcode: $p) { ... on Resident { services { id } } } }",
            p=postcode,
        )
        theirs = sorted(s["id"] for s in data["resident"]["services"])
        ours = sorted(every_id(server, "HealthcareService", postcode=postcode))
        assert ours == theirs, postcode
        compared += len(theirs)
    assert compared > 0


def test_services_of_a_function_are_graphqls(server: LiveServer) -> None:
    data = graphql(
        server,
        "query($f: String) { services(function: $f, first: 100) { totalCount nodes { id } } }",
        f="frailty",
    )["services"]
    ours = every_id(server, "HealthcareService", **{"service-type": "frailty"})
    assert len(ours) == data["totalCount"] > 100
    assert set(n["id"] for n in data["nodes"]) <= set(ours)


def test_neighbourhoods_of_a_place_are_graphqls(server: LiveServer) -> None:
    data = graphql(
        server,
        "query($p: String) { neighbourhoods(place: $p, first: 100) { nodes { id } } }",
        p="E09000007",
    )["neighbourhoods"]
    theirs = sorted(fhir.location_id("Neighbourhood", n["id"]) for n in data["nodes"])
    ours = every_id(server, "Location", partof="E09000007")
    assert sorted(i for i in ours if i.startswith("neighbourhood-")) == theirs
    assert all(i.startswith(("neighbourhood-", "E01")) for i in ours)


def test_paging_walks_every_match_once_and_back(server: LiveServer) -> None:
    ids = every_id(server, "Organization", type="team")
    assert len(ids) == len(set(ids)) > 1000
    first = ok(server, "Organization", type="team", _count="30")
    second = httpx.get(
        next(link["url"] for link in first["link"] if link["relation"] == "next"), timeout=60
    ).json()
    back = httpx.get(
        next(link["url"] for link in second["link"] if link["relation"] == "previous"), timeout=60
    ).json()
    assert [e["resource"]["id"] for e in back["entry"]] == [
        e["resource"]["id"] for e in first["entry"]
    ]
    assert not any(link["relation"] == "previous" for link in back["link"])


@pytest.mark.parametrize("resource_type", ["HealthcareService", "Location", "Organization"])
def test_a_previous_page_is_the_page_before_it(server: LiveServer, resource_type: str) -> None:
    """From the third page back: the second, whole, in order, with a previous link of its own
    (a HealthcareService page is one statement that reads a previous page backwards)."""

    def link(bundle: dict[str, Any], relation: str) -> str:
        return next(x["url"] for x in bundle["link"] if x["relation"] == relation)

    def ids(bundle: dict[str, Any]) -> list[str]:
        return [e["resource"]["id"] for e in bundle["entry"]]

    pages = [ok(server, resource_type, _count="40")]
    for _ in range(2):
        pages.append(httpx.get(link(pages[-1], "next"), timeout=60).json())
    back = httpx.get(link(pages[2], "previous"), timeout=60).json()
    assert ids(back) == ids(pages[1])
    assert len(ids(back)) == 40
    assert ids(back) == sorted(ids(back))
    assert back["total"] == pages[0]["total"] > 120
    again = httpx.get(link(back, "previous"), timeout=60).json()
    assert ids(again) == ids(pages[0])
    assert ids(httpx.get(link(back, "next"), timeout=60).json()) == ids(pages[2])


# -- roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "status"), [(None, 401), (INTEGRATOR, 403), (GOVERNANCE, 200), (ADMIN, 200)]
)
def test_agreements_are_for_governance_and_admins(
    server: LiveServer, key: str | None, status: int
) -> None:
    for path in ("Contract", "Contract/e09000001-direct-care"):
        response = get(server, path, key)
        assert response.status_code == status, response.text
        if status != 200:
            assert response.json()["resourceType"] == "OperationOutcome"


def test_a_key_no_one_holds_is_401(server: LiveServer) -> None:
    response = get(server, "Organization/F84003", "not-a-key-anyone-holds-000000000")
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"


# -- errors ---------------------------------------------------------------------------------------

BAD = [
    ("Organization", {"bogus": "1"}, 400),
    ("Organization", {"name:exact": "x"}, 400),
    ("Organization", {"active": "maybe"}, 400),
    ("Organization", {"_count": "0"}, 400),
    ("Organization", {"_count": "100000"}, 400),
    ("Organization", {"_count": "ten"}, 400),
    ("Organization", {"_after": "not a cursor!"}, 400),
    ("Organization", {"type": "nope|x"}, 400),
    ("Organization", {"identifier": "a,b"}, 400),
    ("Organization", {"partof": "Location/E09000007"}, 400),
    ("Organization", {"name": "x" * 300}, 400),
    ("Location", {"near": "abc"}, 400),
    ("Location", {"near": "91|0|1|km"}, 400),
    ("Location", {"near": "51.5|-0.1|5000|km"}, 400),
    ("Location", {"near": "51.5|-0.1|1|parsec"}, 400),
    ("Location", {"near": "nan|0|1|km"}, 400),
    ("HealthcareService", {"postcode": "not a postcode"}, 400),
    ("HealthcareService", {"service-type": "juggling"}, 400),
    ("HealthcareService", {"active": "1"}, 400),
    ("OrganizationAffiliation", {"tier": "consistent"}, 400),
    ("Patient", {}, 404),
    ("Organization/ZZZZZ9", {}, 404),
    ("Organization/nope_x", {}, 400),
    ("Organization/F84003", {"name": "x"}, 400),
    ("Location/E01999999", {}, 404),
    ("HealthcareService/no-such-service", {}, 404),
    ("Organization/F84003/_history", {}, 404),
]


@pytest.mark.parametrize(("path", "params", "status"), BAD)
def test_a_bad_request_is_an_operation_outcome(
    server: LiveServer, path: str, params: dict[str, str], status: int
) -> None:
    response = get(server, path, **params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["severity"] == "error"
    assert body["issue"][0]["diagnostics"]


assert len(BAD) >= 25


def test_a_repeated_parameter_is_refused(server: LiveServer) -> None:
    response = httpx.get(f"{server.url}/fhir/Organization?name=a&name=b", timeout=60)
    assert response.status_code == 400
    assert "given 2 times" in response.json()["issue"][0]["diagnostics"]


def test_a_postcode_not_loaded_is_an_empty_searchset_saying_so(server: LiveServer) -> None:
    bundle = ok(server, "HealthcareService", postcode="ZE2 9ZZ")
    assert bundle["total"] == 0
    [note] = [e["resource"] for e in bundle["entry"]]
    assert note["resourceType"] == "OperationOutcome"
    assert "ZE2 9ZZ" in note["issue"][0]["diagnostics"]
