"""The named questions on a small hand-built graph (answers worked out by hand below) and on
the demo dataset (every planted gap and overlap found, and nothing else of its kind)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from nhgraph import db, queries
from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.loaders.graph import write_models
from nhgraph.loaders.pipeline import load, read_sources
from nhgraph.schema.models import Lsoa, Neighbourhood

from .world import ON, world

DAY = ON  # 2026-06-01


def ask(database: db.Database, name: str, **parameters: object) -> list[dict[str, object]]:
    query = queries.load(name)
    values = dict.fromkeys(query.parameters)
    values.update(parameters)
    return database.read(query, values)


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


def test_lsoas_in_several_neighbourhoods(graph: db.Database) -> None:
    models = world()
    for model in models:
        if isinstance(model, Neighbourhood) and model.id == "camden-south":
            model.lsoas = [*model.lsoas, "E01000800"]  # also in camden-north
    write_models(graph, models)
    [row] = ask(graph, "lsoas_in_several_neighbourhoods")
    assert row["lsoa"] == "E01000800" and row["population"] == 1500
    assert sorted(row["neighbourhoods"]) == ["camden-north", "camden-south"]  # type: ignore[arg-type]


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
        {"place": "E09000012", "name": "Hackney", "population": 4800}
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
        {"place": "E09000012", "int": "hackney-int-1", "name": "Hackney INT 1", "population": 4800}
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


# -- the demo dataset: each planted gap is found, and nothing else of its kind -----------------


@pytest.fixture(scope="module")
def demo(database: db.Database, neo4j_settings: Settings) -> Iterator[db.Database]:
    database.reset()
    sources = read_sources(["reference", str(PROJECT_ROOT / "data" / "demo")], neo4j_settings)
    load(database, sources, on=DAY, workers=2)
    yield database
    database.reset()


def test_the_demo_gaps_are_exactly_the_planted_ones(demo: db.Database) -> None:
    today = date(2026, 11, 23)
    assert [r["place"] for r in ask(demo, "lsoas_in_no_neighbourhood")] == ["E09000007"]
    assert [r["place"] for r in ask(demo, "lsoas_in_several_neighbourhoods")] == ["E09000012"]
    assert [r["place"] for r in ask(demo, "neighbourhoods_without_int")] == ["E09000033"]
    assert [r["place"] for r in ask(demo, "places_without_integrator", on=today)] == ["E09000001"]
    lacking = ask(demo, "ints_without_specialty", specialty="consultant_geriatrician", on=today)
    assert [(r["place"], r["int"]) for r in lacking] == [("E09000022", "e09000022-int2")]


def test_ask_on_the_command_line(graph: db.Database, neo4j_settings: Settings) -> None:
    import json

    from .test_cli import run_cli, settings_env

    write_models(graph, world())
    env = settings_env(neo4j_settings)
    done = run_cli(
        "ask", "places_without_integrator", "--param", "on=2026-06-01", "--format", "json", env=env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {"place": "E09000012", "name": "Hackney", "population": 4800}
    ]
    done = run_cli(
        "ask", "specialists_for_int", "-p", "int=camden-int-1", "--format", "csv", env=env
    )
    assert done.stdout.splitlines()[0].startswith("specialty,specialty_label,provider")
    assert "consultant_geriatrician" in done.stdout
    assert run_cli("ask", "no_such_question", env=env).returncode == 2
    wrong = run_cli("ask", "lsoas_in_no_neighbourhood", "-p", "borough=x", env=env)
    assert wrong.returncode == 2 and "takes place" in wrong.stderr
    listed = run_cli("ask", "--list", env=env)
    assert all(name in listed.stdout for name in queries.names())


def test_who_serves_a_resident_of_an_lsoa(graph: db.Database) -> None:
    write_models(graph, world())
    [row] = ask(graph, "who_serves_lsoa", lsoa="E01000800", age=82, on=DAY)
    assert (row["place"], row["place_name"], row["system"]) == ("E09000007", "Camden", "QMJ")
    assert row["neighbourhoods"] == [{"id": "camden-north", "name": "Camden North"}]
    assert row["ints"] == [
        {
            "id": "camden-int-1",
            "name": "Camden INT 1",
            "reason": "serves neighbourhood camden-north",
        }
    ]
    teams = row["teams"]
    assert [(t["tier"], t["team"]) for t in teams] == [  # type: ignore[union-attr]
        ("hyper_local", "camden-pharmacy"),
        ("consistent", "camden-int-1-adult-social-care"),
        ("consistent", "camden-int-1-care-coordination"),
        ("consistent", "camden-int-1-community-mental-health"),
        ("consistent", "camden-int-1-district-nursing"),
        ("consistent", "camden-int-1-social-prescribing"),
    ]
    assert teams[0]["provider"] == "ods:F83001"  # type: ignore[index]
    assert teams[0]["functions"] == ["community_pharmacy"]  # type: ignore[index]
    services = {s["id"]: s["reason"] for s in row["services"]}  # type: ignore[union-attr]
    assert services == {
        "camden-frailty": "for the neighbourhood camden-north",
        "camden-gateway": "for the place E09000007",
    }
    [specialist] = row["specialists"]  # type: ignore[misc]
    assert (specialist["specialty"], specialist["sessions_per_week"]) == (
        "consultant_geriatrician",
        2.0,
    )
    assert row["integrator"]["organisation"] == "ods:RKE"  # type: ignore[index]
    assert [g["id"] for g in row["gateways"]] == ["camden-gateway"]  # type: ignore[union-attr]


def test_who_serves_filters_services_by_age_and_answers_nothing_for_unknown(
    graph: db.Database,
) -> None:
    write_models(graph, world())
    [child] = ask(graph, "who_serves_lsoa", lsoa="E01000800", age=10, on=DAY)
    assert [s["id"] for s in child["services"]] == ["camden-gateway"]  # type: ignore[union-attr]
    [hackney] = ask(graph, "who_serves_lsoa", lsoa="E01001700", on=DAY)
    assert hackney["integrator"] is None and hackney["specialists"] == []
    assert hackney["services"] == [] and hackney["gateways"] == []
    assert {t["provider"] for t in hackney["teams"]} == {"ons:E09000012"}  # type: ignore[union-attr]
    assert ask(graph, "who_serves_lsoa", lsoa="E01999999", on=DAY) == []
