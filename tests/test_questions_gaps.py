"""The gap questions on the small hand-built world (answers worked out by hand): what is
missing, and for how many people; with them the specialists an INT has (the other side of
ints_without_specialty) and the refusal of a parameter a question does not take."""

from __future__ import annotations

from datetime import date

import pytest

from nhgraph import questions
from nhgraph.ontology import shapes
from nhgraph.schema.models import Lsoa, Neighbourhood, Service
from nhgraph.store import db, write_models

from .asking import CAMDEN_POPULATION, DAY, ask
from .world import CORE, world


def test_lsoas_in_no_neighbourhood(graph: db.Database) -> None:
    models = world()
    for model in models:
        if isinstance(model, Neighbourhood) and model.id == "camden-south":
            model.lsoas = ["E01000803", "E01000804"]  # E01000805 (population 1505) left out
    write_models(graph, models)
    assert ask(graph, "lsoas_in_no_neighbourhood") == [
        {
            "place": "E09000007",
            "place_name": "Camden",
            "lsoa": "E01000805",
            "lsoa_name": "Camden E01000805",
            "population": 1505,
            "imd_decile": 3,
        }
    ]
    assert ask(graph, "lsoas_in_no_neighbourhood", place="E09000012") == []


def test_neighbourhoods_without_int(graph: db.Database) -> None:
    models = [
        *world(),
        Lsoa(
            id="E01000806", name="Camden E01000806", place="E09000007", population=900, imd_decile=1
        ),
        Neighbourhood(id="camden-west", name="Camden West", place="E09000007", lsoas=["E01000806"]),
    ]
    write_models(graph, models)
    assert ask(graph, "neighbourhoods_without_int") == [
        {
            "place": "E09000007",
            "neighbourhood": "camden-west",
            "name": "Camden West",
            "population": 900,
            "most_deprived_decile": 1,
        }
    ]


def test_places_without_integrator(graph: db.Database) -> None:
    write_models(graph, world())
    # Camden's integrator starts 2025-04-01; Hackney has none. Hackney: 3 LSOAs of 1,600.
    assert ask(graph, "places_without_integrator", on=DAY) == [
        {"place": "E09000012", "name": "Hackney", "population": 4800, "most_deprived_decile": 2}
    ]
    before = ask(graph, "places_without_integrator", on=date(2025, 1, 1))
    assert [(r["place"], r["population"]) for r in before] == [
        ("E09000007", 1500 + 1501 + 1502 + 1503 + 1504 + 1505),
        ("E09000012", 4800),
    ]


def test_ints_without_specialty_and_specialists_for_int(graph: db.Database) -> None:
    write_models(graph, world())
    geriatrician = "consultant_geriatrician"
    # Camden's geriatrician is aligned from 2025-05-01 for 2 sessions; Hackney has none.
    assert ask(graph, "ints_without_specialty", specialty=geriatrician, on=DAY) == [
        {
            "place": "E09000012",
            "int": "hackney-int-1",
            "name": "Hackney INT 1",
            "population": 4800,
            "most_deprived_decile": 2,
        }
    ]
    early = ask(graph, "ints_without_specialty", specialty=geriatrician, on=date(2025, 4, 1))
    assert [r["int"] for r in early] == ["camden-int-1", "hackney-int-1"]
    assert ask(graph, "specialists_for_int", int="camden-int-1", on=DAY) == [
        {
            "specialty": geriatrician,
            "specialty_label": "Consultant geriatrician",
            "provider": "ods:RKE",
            "provider_name": "A community trust",
            "sessions_per_week": 2.0,
            "post": None,
            "start": date(2025, 5, 1),
            "end": None,
        }
    ]
    assert (
        ask(
            graph,
            "specialists_for_int",
            int="camden-int-1",
            specialty="consultant_psychiatrist",
            on=DAY,
        )
        == []
    )


def test_ints_missing_core_offer(graph: db.Database) -> None:
    models = [m for m in world() if m.id != "camden-int-1-district-nursing-m"]  # type: ignore[attr-defined]
    write_models(graph, models)
    assert ask(graph, "ints_missing_core_offer", on=DAY) == [
        {
            "place": "E09000007",
            "int": "camden-int-1",
            "name": "Camden INT 1",
            "missing": ["district_nursing"],
            "population": CAMDEN_POPULATION,
            "most_deprived_decile": 3,
        }
    ]
    # A place's own addition (Hackney requires frailty) applies to that place only.
    offer = [
        *(dict(r) for r in shapes.core_offer()),
        {"function": "frailty", "place": "E09000012"},
    ]
    rows = ask(graph, "ints_missing_core_offer", core_offer=offer, on=DAY)
    assert [(r["int"], r["missing"]) for r in rows] == [
        ("hackney-int-1", ["frailty"]),  # decile 2 ranks first
        ("camden-int-1", ["district_nursing"]),
    ]
    assert ask(graph, "ints_missing_core_offer", place="E09000012", on=DAY) == []


def test_the_core_offer_is_read_from_the_shapes() -> None:
    offer = shapes.core_offer()
    assert {r["function"] for r in offer if r["place"] is None} == set(CORE)


def test_priority_cohorts_without_service(graph: db.Database) -> None:
    models = world()
    # camden-north prioritises older people; its frailty service is for the frailty cohort and
    # the gateway names no cohort: nothing answers older people.
    write_models(graph, models)
    assert ask(graph, "priority_cohorts_without_service") == [
        {
            "place": "E09000007",
            "neighbourhood": "camden-north",
            "name": "Camden North",
            "cohort": "older_people",
            "cohort_label": "Older people",
            "population": 1500 + 1501 + 1502,
            "most_deprived_decile": 3,
        }
    ]
    # A service for older people in one of its LSOAs answers it.
    models.append(
        Service(
            id="older-people-lsoa",
            name="Older people's club",
            provider="local:camden-vcs",
            function="social_prescribing",
            lsoas=["E01000802"],
            cohorts=["older_people"],
        )
    )
    write_models(graph, models)
    assert ask(graph, "priority_cohorts_without_service") == []


def test_an_unknown_parameter_is_refused_not_ignored(graph: db.Database) -> None:
    with pytest.raises(questions.NotAnswerable, match="takes place"):
        ask(graph, "lsoas_in_no_neighbourhood", borough="E09000007")
