"""Every argument's domain and size over real HTTP (issue 23, 11): a value out of bounds is
refused before any work, with BAD_USER_INPUT naming the argument and the bound. Each was
accepted before (a 10 MB search took 4 s, 20,000 LSOAs 15.6 s and a 2 MB refusal)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from .clients import ADMIN, GOVERNANCE, INTEGRATOR, Client

SERVICE = (
    "mutation ($s: ServiceInput!) { addService(service: $s) { __typename } }",
    "s",
    {"id": "x", "name": "x", "provider": "ods:RKE", "function": "frailty"},
)
AGREEMENT = (
    "mutation ($a: AgreementInput!) { registerDataSharingAgreement(agreement: $a) { __typename } }",
    "a",
    {
        "id": "x",
        "name": "x",
        "controllers": ["ods:RKE"],
        "purposes": ["DIRECT_CARE"],
        "validFrom": "2026-01-01",
    },
)
MOVE = (
    'mutation ($l: [String!]!) { moveLsoas(lsoas: $l, fromNeighbourhood: "camden-north", '
    'toNeighbourhood: "camden-south") { __typename } }'
)


def _input(template: tuple[str, str, dict[str, Any]], **changes: Any) -> tuple[str, Any]:
    query, name, values = template
    return query, {name: {**values, **changes}}


#: (query, variables, key, the argument named, the bound named): each out of its bounds.
CASES: dict[str, tuple[str, dict[str, Any] | None, str | None, str, str]] = {
    "a 500,000-character search": (
        "query ($s: String) { places(search: $s) { totalCount } }",
        {"s": "x" * 500_000},
        None,
        "search",
        "100 characters",
    ),
    "a long search as a literal": (
        '{ ints(search: "' + "x" * 101 + '") { totalCount } }',
        None,
        None,
        "search",
        "100 characters",
    ),
    "a long id": (
        '{ place(id: "' + "E" * 301 + '") { id } }',
        None,
        None,
        "id",
        "300 characters",
    ),
    "a long cursor": (
        '{ places(after: "' + "a" * 1001 + '") { totalCount } }',
        None,
        None,
        "after",
        "1000 characters",
    ),
    "a long postcode": (
        '{ resident(postcode: "' + "N" * 21 + '") { __typename } }',
        None,
        None,
        "postcode",
        "20 characters",
    ),
    "20,000 LSOAs to add": (
        'mutation ($l: [String!]!) { addLsoasToNeighbourhood(neighbourhood: "camden-north", '
        "lsoas: $l) { __typename } }",
        {"l": [f"E01{i:06d}" for i in range(20_000)]},
        INTEGRATOR,
        "lsoas",
        "2000 items",
    ),
    "2,001 LSOAs to move": (
        MOVE,
        {"l": [f"E01{i:06d}" for i in range(2_001)]},
        INTEGRATOR,
        "lsoas",
        "2000 items",
    ),
    "a long LSOA code": (MOVE, {"l": ["E" * 21]}, INTEGRATOR, "lsoas", "20 characters"),
    "agreements expiring in 2147483647 days": (
        "{ agreementsExpiring(days: 2147483647) { subject } }",
        None,
        GOVERNANCE,
        "days",
        "between 0 and 3660",
    ),
    "agreements expiring -1 days ago": (
        "{ agreementsExpiring(days: -1) { subject } }",
        None,
        GOVERNANCE,
        "days",
        "between 0 and 3660",
    ),
    "a resident aged 2147483647": (
        'query ($a: Int) { resident(lsoa: "E01000800", age: $a) { __typename } }',
        {"a": 2147483647},
        None,
        "age",
        "between 0 and 130",
    ),
    "a resident aged -1": (
        '{ resident(lsoa: "E01000800", age: -1) { __typename } }',
        None,
        None,
        "age",
        "between 0 and 130",
    ),
    "a latitude of 91": (
        "{ resident(latitude: 91, longitude: 0) { __typename } }",
        None,
        None,
        "latitude",
        "between -90 and 90",
    ),
    "a page of 101": ("{ places(first: 101) { totalCount } }", None, None, "first", "0 and 100"),
    "a page of -1": ("{ services(first: -1) { totalCount } }", None, None, "first", "0 and 100"),
    "100 sessions a week": (
        'mutation { alignSpecialist(int: "camden-int-1", specialty: "x", provider: "ods:RKE", '
        "sessionsPerWeek: 100) { __typename } }",
        None,
        INTEGRATOR,
        "sessionsPerWeek",
        "between 0 and 10",
    ),
    "a service for ages up to 1000": (
        *_input(SERVICE, maxAge=1000),
        ADMIN,
        "service.maxAge",
        "between 0 and 130",
    ),
    "a service open 51 hours": (
        *_input(SERVICE, hours=["Mo 09:00-17:00"] * 51),
        ADMIN,
        "service.hours",
        "50 items",
    ),
    "a 3,000-character url": (
        *_input(SERVICE, url="https://x/" + "a" * 3_000),
        ADMIN,
        "service.url",
        "2000 characters",
    ),
    "a 301-character agreement name": (
        *_input(AGREEMENT, name="n" * 301),
        ADMIN,
        "agreement.name",
        "300 characters",
    ),
    "101 controllers": (
        *_input(AGREEMENT, controllers=[f"ods:R{i}" for i in range(101)]),
        ADMIN,
        "agreement.controllers",
        "100 items",
    ),
    "a long coverage INT in a fragment": (
        '{ ...C } fragment C on Query { dataSharingCoverage(int: "' + "i" * 301 + '") '
        "{ covered } }",
        None,
        GOVERNANCE,
        "int",
        "300 characters",
    ),
}


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 22


@pytest.mark.parametrize(
    ("query", "variables", "key", "argument", "bound"), CASES.values(), ids=CASES.keys()
)
def test_an_argument_out_of_its_bounds_is_refused_before_any_work(
    client: Client,
    query: str,
    variables: dict[str, Any] | None,
    key: str | None,
    argument: str,
    bound: str,
) -> None:
    before = client.database.round_trips
    started = time.monotonic()
    response = client.post(query, variables, key)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["argument"] == argument
    assert error["message"].startswith(f"{argument} "), error["message"]
    assert bound in error["message"], error["message"]
    assert len(response.content) < 2_000, "the refusal does not echo the value"
    assert client.database.round_trips == before, "refused before reaching Neo4j"
    assert elapsed < 5, elapsed  # generous: 20,000 LSOAs took 15.6 s before


@pytest.mark.parametrize(
    ("query", "variables", "key"),
    [
        ('{ resident(lsoa: "E01000800", age: 130) { __typename } }', None, None),
        ("{ agreementsExpiring(days: 3660) { subject } }", None, GOVERNANCE),
        ("{ places(first: 0, search: " + '"' + "x" * 100 + '") { totalCount } }', None, None),
        (MOVE, {"l": ["E01000803"]}, INTEGRATOR),
    ],
)
def test_a_value_at_its_bound_is_accepted(
    client: Client, query: str, variables: dict[str, Any] | None, key: str | None
) -> None:
    response = client.post(query, variables, key)
    assert "BAD_USER_INPUT" not in response.text, response.text
    assert response.json().get("data"), response.text
