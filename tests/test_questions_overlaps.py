"""The overlap questions on the small hand-built world: where more than one answer claims
the same residents, coterminosity of PCNs with neighbourhoods and INTs among them."""

from __future__ import annotations

from datetime import date

from nhgraph.schema.models import (
    Int,
    Membership,
    Neighbourhood,
    Node,
    Organisation,
    PcnMembership,
    PostcodeUnit,
    Service,
    Team,
)
from nhgraph.store import db, write_models

from .asking import DAY, ask, find
from .world import world


def test_lsoas_in_several_neighbourhoods(graph: db.Database) -> None:
    models = world()
    for model in models:
        if isinstance(model, Neighbourhood) and model.id == "camden-south":
            model.lsoas = [*model.lsoas, "E01000800"]  # also in camden-north
    write_models(graph, models)
    [row] = ask(graph, "lsoas_in_several_neighbourhoods")
    assert row["lsoa"] == "E01000800"
    assert row["population"] == 1500
    assert sorted(row["neighbourhoods"]) == ["camden-north", "camden-south"]  # type: ignore[arg-type]


def test_neighbourhoods_with_several_ints(graph: db.Database) -> None:
    models = [
        *world(),
        Int(
            id="camden-int-2",
            name="Camden INT 2",
            place="E09000007",
            neighbourhoods=["camden-south"],
        ),
    ]
    write_models(graph, models)
    assert ask(graph, "neighbourhoods_with_several_ints") == [
        {
            "place": "E09000007",
            "neighbourhood": "camden-south",
            "name": "Camden South",
            "ints": ["camden-int-1", "camden-int-2"],
            "population": 1503 + 1504 + 1505,
            "most_deprived_decile": 3,
        }
    ]
    assert ask(graph, "neighbourhoods_with_several_ints", place="E09000012") == []


def _coterminosity_world() -> list[Node]:
    """Practices placed by postcode: U22222 has F83001 (camden-north) and F83002 (camden-south);
    U11111 has F83003 (camden-north). F83001's earlier U11111 membership ended in 2022."""
    models = world()
    find(models, Organisation, "ods:F83001").postcode = "NW1 2AA"  # E01000800, camden-north
    models += [
        PostcodeUnit(id="NW1 9ZZ", lsoa="E01000804"),  # camden-south
        Organisation(
            id="ods:F83002", name="South practice", kind="gp_practice", postcode="NW1 9ZZ"
        ),
        Organisation(
            id="ods:F83003", name="North practice", kind="gp_practice", postcode="NW1 2AA"
        ),
        PcnMembership(
            id="f83002-u22222", practice="ods:F83002", pcn="ods:U22222", start=date(2020, 1, 1)
        ),
        PcnMembership(
            id="f83003-u11111", practice="ods:F83003", pcn="ods:U11111", start=date(2020, 1, 1)
        ),
    ]
    return models


def test_pcns_split_across_neighbourhoods(graph: db.Database) -> None:
    write_models(graph, _coterminosity_world())
    assert ask(graph, "pcns_split_across_neighbourhoods", on=DAY) == [
        {
            "pcn": "ods:U22222",
            "pcn_name": "Camden South PCN",
            "practices": 2,
            "neighbourhoods": [
                {"neighbourhood": "camden-north", "place": "E09000007", "practices": 1},
                {"neighbourhood": "camden-south", "place": "E09000007", "practices": 1},
            ],
            "places": ["E09000007"],
        }
    ]
    # In 2021 F83001 was in U11111: then U11111 spanned camden-north only, and U22222 did not
    # yet have two practices placed.
    assert ask(graph, "pcns_split_across_neighbourhoods", on=date(2021, 6, 1)) == []
    assert ask(graph, "pcns_split_across_neighbourhoods", on=DAY, place="E09000012") == []


def test_neighbourhoods_split_across_pcns(graph: db.Database) -> None:
    write_models(graph, _coterminosity_world())
    assert ask(graph, "neighbourhoods_split_across_pcns", on=DAY) == [
        {
            "place": "E09000007",
            "neighbourhood": "camden-north",
            "name": "Camden North",
            "pcns": [
                {"pcn": "ods:U11111", "name": "Camden North PCN", "practices": 1},
                {"pcn": "ods:U22222", "name": "Camden South PCN", "practices": 1},
            ],
            "practices": 2,
            "population": 1500 + 1501 + 1502,
        }
    ]
    # In 2021 both north practices were in U11111.
    assert ask(graph, "neighbourhoods_split_across_pcns", on=date(2021, 6, 1)) == []


def test_pcns_split_across_ints(graph: db.Database) -> None:
    models = world()
    find(models, Int, "camden-int-1").neighbourhoods = ["camden-north"]
    models += [
        Int(
            id="camden-int-2",
            name="Camden INT 2",
            place="E09000007",
            neighbourhoods=["camden-south"],
        ),
        Team(
            id="u22222-practices", name="PCN", provider="ods:U22222", functions=["general_practice"]
        ),
        Membership(
            id="u22222-int1", team="u22222-practices", int="camden-int-1", tier="hyper_local"
        ),
        Membership(
            id="u22222-int2",
            team="u22222-practices",
            int="camden-int-2",
            tier="hyper_local",
            start=date(2026, 1, 1),
        ),
    ]
    write_models(graph, models)
    assert ask(graph, "pcns_split_across_ints", on=DAY) == [
        {
            "pcn": "ods:U22222",
            "pcn_name": "Camden South PCN",
            "ints": ["camden-int-1", "camden-int-2"],
            "places": ["E09000007"],
        }
    ]
    assert ask(graph, "pcns_split_across_ints", on=date(2025, 6, 1)) == []  # before int-2's


def test_functions_duplicated_in_consistent_tier(graph: db.Database) -> None:
    models = [
        *world(),
        Team(
            id="council-nursing",
            name="Nursing",
            provider="ons:E09000007",
            functions=["district_nursing"],
        ),
        Membership(
            id="council-nursing-m", team="council-nursing", int="camden-int-1", tier="consistent"
        ),
        # the same function in the tailored tier is not a duplicate of the consistent offer
        Team(
            id="extra-sp", name="SP", provider="local:camden-vcs", functions=["social_prescribing"]
        ),
        Membership(id="extra-sp-m", team="extra-sp", int="camden-int-1", tier="tailored"),
    ]
    write_models(graph, models)
    assert ask(graph, "functions_duplicated_in_consistent_tier", on=DAY) == [
        {
            "place": "E09000007",
            "int": "camden-int-1",
            "function": "district_nursing",
            "teams": ["camden-int-1-district-nursing", "council-nursing"],
            "providers": ["ods:RKE", "ons:E09000007"],
        }
    ]


def test_services_overlapping(graph: db.Database) -> None:
    models = [
        *world(),
        # Another provider's frailty service for E01000800, which camden-frailty covers through
        # camden-north: one LSOA of 1,500 residents shared.
        Service(
            id="council-frailty",
            name="Council frailty",
            provider="ons:E09000007",
            function="frailty",
            lsoas=["E01000800"],
        ),
        # The same provider twice is not an overlap of providers.
        Service(
            id="rke-frailty-2",
            name="Second frailty",
            provider="ods:RKE",
            function="frailty",
            lsoas=["E01000801"],
        ),
    ]
    write_models(graph, models)
    assert ask(graph, "services_overlapping") == [
        {
            "function": "frailty",
            "services": ["camden-frailty", "council-frailty"],
            "providers": ["ods:RKE", "ons:E09000007"],
            "lsoas": 1,
            "population": 1500,
            "most_deprived_decile": 3,
        }
    ]
    assert ask(graph, "services_overlapping", place="E09000012") == []
