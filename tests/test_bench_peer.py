"""The pure logic of bench/peer.py, without node or a server: the normalisation that decides
whether nhgraph and @neo4j/graphql gave the same answers (it must fail on a real difference and
pass on a difference of spelling or order only), the reading of wrk's report, and the figures."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from graphql import build_schema, parse, validate

from bench import peer
from nhgraph.config import PROJECT_ROOT

TEAM = {
    "tier": "HYPER_LOCAL",
    "teamName": "KENTISH TOWN PCN practices",
    "providerName": "KENTISH TOWN PCN",
    "functions": ["general_practice"],
    "reason": "member of INT e09000007-int1, which serves neighbourhood e09000007-n1",
}
SERVICE = {
    "name": "Camden 24/7 gateway",
    "function": "urgent_care_gateway",
    "channels": ["phone", "online"],
    "hours": [],
    "phone": "0300 000 0000",
    "reason": "for the place E09000007",
}


def nhgraph_resident() -> dict[str, Any]:
    """The answer nhgraph gives to the resident query, as its API spells it."""
    return {
        "data": {
            "resident": {
                "__typename": "Resident",
                "lsoa": "E01000871",
                "postcode": None,
                "placeName": "Camden",
                "neighbourhoods": [
                    {"id": "e09000007-n1", "name": "Camden 1", "reason": "covers the LSOA"}
                ],
                "ints": [{"id": "e09000007-int1", "name": "Camden INT 1", "reason": "serves"}],
                "teams": [TEAM, {**TEAM, "tier": "CONSISTENT", "teamName": "District nursing"}],
                "services": [SERVICE],
                "specialists": [
                    {
                        "label": "Consultant geriatrician",
                        "providerName": "ROYAL FREE",
                        "sessionsPerWeek": 2.0,
                        "reason": "aligned to INT e09000007-int1",
                    }
                ],
                "integrator": {"name": "WHITTINGTON HEALTH NHS TRUST", "since": "2025-04-01"},
                "gateways": [{"name": SERVICE["name"], "phone": SERVICE["phone"], "channels": []}],
            }
        }
    }


def peer_resident() -> dict[str, Any]:
    """The same answer as the peer spells it: who_serves's own column names and stored values."""
    ours = nhgraph_resident()["data"]["resident"]
    teams = [
        {
            "tier": team["tier"].lower(),
            "team_name": team["teamName"],
            "provider_name": team["providerName"],
            "functions": team["functions"],
            "reason": team["reason"],
        }
        for team in ours["teams"]
    ]
    return {
        "data": {
            "resident": {
                "lsoa": ours["lsoa"],
                "postcode": None,
                "place_name": ours["placeName"],
                "neighbourhoods": ours["neighbourhoods"],
                "ints": ours["ints"],
                "teams": teams,
                "services": ours["services"],
                "specialists": [
                    {
                        "label": "Consultant geriatrician",
                        "provider_name": "ROYAL FREE",
                        "sessions_per_week": 2,
                        "reason": "aligned to INT e09000007-int1",
                    }
                ],
                "integrator": ours["integrator"],
                "gateways": ours["gateways"],
            }
        }
    }


def nhgraph_map() -> dict[str, Any]:
    """The answer nhgraph gives to operations/place_map.graphql for a place with one INT."""
    provider = {"id": "ods:U51577", "name": "KENTISH TOWN PCN", "kind": "PCN"}
    return {
        "data": {
            "place": {
                "name": "Camden",
                "population": 210163,
                "integrator": {"name": "WHITTINGTON HEALTH NHS TRUST", "kind": "NHS_TRUST"},
                "neighbourhoods": [
                    {
                        "id": "e09000007-n1",
                        "name": "Camden 1",
                        "population": 43843,
                        "lsoas": ["E01000871", "E01000872"],
                    },
                    {"id": "e09000007-n2", "name": "Camden 2", "population": 1, "lsoas": []},
                ],
                "ints": [
                    {
                        "id": "e09000007-int1",
                        "name": "Camden INT 1",
                        "neighbourhoods": [{"id": "e09000007-n1"}],
                        "memberships": [
                            {
                                "tier": "HYPER_LOCAL",
                                "team": {
                                    "name": "KENTISH TOWN PCN practices",
                                    "functions": ["general_practice"],
                                    "provider": provider,
                                },
                            },
                            {
                                "tier": "CONSISTENT",
                                "team": {
                                    "name": "District nursing",
                                    "functions": ["district_nursing", "care_coordination"],
                                    "provider": None,
                                },
                            },
                        ],
                        "specialists": [
                            {
                                "specialty": "consultant_geriatrician",
                                "sessionsPerWeek": 2.0,
                                "provider": {"name": "ROYAL FREE"},
                            }
                        ],
                    }
                ],
            }
        }
    }


def peer_map() -> dict[str, Any]:
    """The same map as the peer answers it: lists of related nodes, stored values, no order."""
    return {
        "data": {
            "places": [
                {
                    "name": "Camden",
                    "population": 210163,
                    "integrator": {"name": "WHITTINGTON HEALTH NHS TRUST", "kind": "nhs_trust"},
                    "neighbourhoods": [
                        {"id": "e09000007-n2", "name": "Camden 2", "population": 1, "lsoas": []},
                        {
                            "id": "e09000007-n1",
                            "name": "Camden 1",
                            "population": 43843,
                            "lsoas": [{"id": "E01000872"}, {"id": "E01000871"}],
                        },
                    ],
                    "ints": [
                        {
                            "id": "e09000007-int1",
                            "name": "Camden INT 1",
                            "neighbourhoods": [{"id": "e09000007-n1"}],
                            "memberships": [
                                {
                                    "tier": "consistent",
                                    "team": [
                                        {
                                            "name": "District nursing",
                                            "functions": [
                                                {"id": "care_coordination"},
                                                {"id": "district_nursing"},
                                            ],
                                            "provider": [],
                                        }
                                    ],
                                },
                                {
                                    "tier": "hyper_local",
                                    "team": [
                                        {
                                            "name": "KENTISH TOWN PCN practices",
                                            "functions": [{"id": "general_practice"}],
                                            "provider": [
                                                {
                                                    "id": "ods:U51577",
                                                    "name": "KENTISH TOWN PCN",
                                                    "kind": "pcn",
                                                }
                                            ],
                                        }
                                    ],
                                },
                            ],
                            "specialists": [
                                {
                                    "specialty": [{"id": "consultant_geriatrician"}],
                                    "sessions_per_week": 2,
                                    "provider": [{"name": "ROYAL FREE"}],
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    }


# -- the same answers ------------------------------------------------------------------------


def test_the_same_resident_spelt_two_ways_is_the_same_answer() -> None:
    peer.check_same("resident", "E01000871", nhgraph_resident(), peer_resident())


def test_the_same_map_spelt_and_ordered_two_ways_is_the_same_answer() -> None:
    peer.check_same("map", "E09000007", nhgraph_map(), peer_map())


def test_a_different_provider_in_the_resident_answer_is_named() -> None:
    theirs = peer_resident()
    theirs["data"]["resident"]["teams"][1]["provider_name"] = "SOMEONE ELSE"
    with pytest.raises(
        peer.AnswersDiffer, match=r"resident E01000871: .*\.teams\[1\]\.providerName"
    ):
        peer.check_same("resident", "E01000871", nhgraph_resident(), theirs)


def test_teams_in_another_order_differ_for_the_resident() -> None:
    """Both run the same statement, so the resident's lists keep its order and are compared so."""
    theirs = peer_resident()
    theirs["data"]["resident"]["teams"].reverse()
    with pytest.raises(peer.AnswersDiffer, match=r"\.teams\[0\]\.teamName"):
        peer.check_same("resident", "E01000871", nhgraph_resident(), theirs)


def test_a_missing_service_is_counted() -> None:
    theirs = peer_resident()
    theirs["data"]["resident"]["services"] = []
    with pytest.raises(peer.AnswersDiffer, match=r"\.services: 1 items from nhgraph, 0 from"):
        peer.check_same("resident", "E01000871", nhgraph_resident(), theirs)


def test_a_resident_not_found_by_nhgraph_but_found_by_the_peer_differs() -> None:
    ours = {"data": {"resident": {"__typename": "ResidentNotFound", "code": "lsoa_not_found"}}}
    with pytest.raises(peer.AnswersDiffer, match="missing from"):
        peer.check_same("resident", "E01000871", ours, peer_resident())


def test_a_resident_nhgraph_does_not_answer_is_refused() -> None:
    with pytest.raises(peer.AnswersDiffer, match="nhgraph found nothing"):
        peer.check_same("resident", "E01000871", {"data": {"resident": None}}, peer_resident())


def test_an_answer_with_errors_is_no_answer() -> None:
    errors = {"data": None, "errors": [{"message": "boom"}]}
    with pytest.raises(peer.AnswersDiffer, match="not an answer"):
        peer.check_same("resident", "E01000871", nhgraph_resident(), errors)
    with pytest.raises(peer.AnswersDiffer, match="not an answer"):
        peer.check_same("map", "E09000007", errors, peer_map())


def test_an_ended_membership_the_peer_kept_differs() -> None:
    theirs = peer_map()
    memberships = theirs["data"]["places"][0]["ints"][0]["memberships"]
    memberships.append(copy.deepcopy(memberships[0]))
    with pytest.raises(peer.AnswersDiffer, match=r"\.memberships: 2 items from nhgraph, 3 from"):
        peer.check_same("map", "E09000007", nhgraph_map(), theirs)


def test_a_different_lsoa_in_a_neighbourhood_differs() -> None:
    theirs = peer_map()
    theirs["data"]["places"][0]["neighbourhoods"][1]["lsoas"][0]["id"] = "E01999999"
    with pytest.raises(peer.AnswersDiffer, match=r"\.neighbourhoods\[0\]\.lsoas\[1\]"):
        peer.check_same("map", "E09000007", nhgraph_map(), theirs)


def test_a_different_provider_kind_differs() -> None:
    theirs = peer_map()
    team = theirs["data"]["places"][0]["ints"][0]["memberships"][1]["team"][0]
    team["provider"][0]["kind"] = "gp_practice"
    with pytest.raises(peer.AnswersDiffer, match="'PCN', the peer 'GP_PRACTICE'"):
        peer.check_same("map", "E09000007", nhgraph_map(), theirs)


def test_a_different_population_differs() -> None:
    theirs = peer_map()
    theirs["data"]["places"][0]["population"] = 210164
    with pytest.raises(peer.AnswersDiffer, match=r"\.population: nhgraph 210163"):
        peer.check_same("map", "E09000007", nhgraph_map(), theirs)


def test_a_membership_with_two_teams_is_refused() -> None:
    theirs = peer_map()
    membership = theirs["data"]["places"][0]["ints"][0]["memberships"][0]
    membership["team"].append(membership["team"][0])
    with pytest.raises(peer.AnswersDiffer, match="expected one related node"):
        peer.check_same("map", "E09000007", nhgraph_map(), theirs)


def test_two_places_from_the_peer_are_refused() -> None:
    theirs = peer_map()
    theirs["data"]["places"].append(theirs["data"]["places"][0])
    with pytest.raises(peer.AnswersDiffer, match="expected one place"):
        peer.check_same("map", "E09000007", nhgraph_map(), theirs)


def test_first_difference_names_a_key_only_one_side_has() -> None:
    assert peer.first_difference({"a": 1}, {"a": 1}) is None
    assert peer.first_difference({"a": 1}, {"a": 1, "b": 2}) == ".b: missing from nhgraph's answer"
    assert peer.first_difference([1, 2], [1, 3]) == "[1]: nhgraph 2, the peer 3"


# -- the queries ------------------------------------------------------------------------------


def _selection(document: str) -> str:
    """A GraphQL document without comments or layout."""
    return re.sub(r"\s+", " ", re.sub(r"#[^\n]*", "", document)).strip()


def test_nhgraph_is_asked_for_the_map_as_operations_place_map_asks() -> None:
    operation = (PROJECT_ROOT / "nhgraph/graphql/operations/place_map.graphql").read_text()
    assert _selection(peer.NHGRAPH_MAP) == _selection(operation)


def test_nhgraphs_queries_are_valid_against_its_published_schema() -> None:
    schema = build_schema((PROJECT_ROOT / "nhgraph/graphql/schema.graphql").read_text())
    for query in (peer.NHGRAPH_RESIDENT, peer.NHGRAPH_MAP):
        assert validate(schema, parse(query)) == []


def test_each_side_is_asked_the_same_questions() -> None:
    lsoas = ["E01000871", "E01000872"]
    for side in peer.SIDES:
        bodies = peer.bodies("resident", side, lsoas, peer.ON)
        assert [body["variables"]["lsoa"] for body in bodies] == lsoas
        assert all(body["variables"]["on"] == peer.ON.isoformat() for body in bodies)


# -- wrk's report and the figures ------------------------------------------------------------


def _report(**changes: Any) -> str:
    report = {
        "requests": 400,
        "duration_us": 2_000_000,
        "errors": 0,
        "socket_errors": 0,
        "p50_us": 5000,
        "p99_us": 9000,
        "first_error": "",
        "quantiles": [1000 * (i + 1) for i in range(4)],
    }
    return "Running 2s test\nWRK_JSON " + json.dumps({**report, **changes}) + "\n"


def test_wrk_report_is_read() -> None:
    phase = peer.parse_wrk(_report())
    assert (phase.requests, phase.seconds, phase.quantiles) == (400, 2.0, [1.0, 2.0, 3.0, 4.0])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"errors": 3, "first_error": '200 {"errors": ...}'}, "3 answered with an error"),
        ({"socket_errors": 1}, "1 socket errors"),
        ({"requests": 0, "quantiles": []}, "0 requests"),
    ],
)
def test_a_phase_with_errors_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        peer.parse_wrk(_report(**changes))


def test_a_wrk_output_without_its_report_is_refused() -> None:
    with pytest.raises(RuntimeError, match="no WRK_JSON line"):
        peer.parse_wrk("PANIC: unprotected error in call to Lua API\n")


def test_quantiles_are_merged_by_the_requests_each_phase_stands_for() -> None:
    slow_few = peer.Phase(requests=10, seconds=1, quantiles=[100.0, 100.0])
    fast_many = peer.Phase(requests=90, seconds=1, quantiles=[1.0, 2.0])
    assert peer.merged_quantile([slow_few, fast_many], 0.5) == 2.0
    assert peer.merged_quantile([slow_few, fast_many], 0.99) == 100.0


def test_figures_and_ratios() -> None:
    def side(ms: float, requests: int, cpu: float) -> dict[int, list[peer.Phase]]:
        return {
            1: [peer.Phase(requests=requests, seconds=1, quantiles=[ms] * 4)],
            8: [
                peer.Phase(
                    requests=requests * 4,
                    seconds=1,
                    quantiles=[ms * 2] * 4,
                    cpu={"server": cpu, "neo4j": cpu},
                )
            ],
        }

    ours, theirs = peer.summarise(side(5, 100, 1.0)), peer.summarise(side(10, 50, 1.0))
    assert ours["in_flight_8"]["requests_per_second"] == 400
    assert ours["cpu_ms_per_request"] == {"server": 2.5, "server_and_neo4j": 5.0}
    assert peer.ratios(ours, theirs) == {
        "median_ratio_to_peer": 0.5,
        "throughput_ratio_to_peer": 2.0,
        "cpu_ratio_to_peer": 0.5,
        "cpu_with_neo4j_ratio_to_peer": 0.5,
    }
    assert peer.median_of_runs([{"a": {"b": 1}}, {"a": {"b": 3}}, {"a": {"b": 2}}]) == {
        "a": {"b": 2}
    }
