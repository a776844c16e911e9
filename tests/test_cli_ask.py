"""`nhgraph ask`, run as a real process: the questions, their formats, and what it refuses."""

from __future__ import annotations

from nhgraph import queries
from nhgraph.config import Settings
from nhgraph.schema.models import Neighbourhood
from nhgraph.store import db, write_models

from .asking import find
from .command_line import run_cli, settings_env
from .world import world


def test_ask_on_the_command_line(graph: db.Database, neo4j_settings: Settings) -> None:
    import json

    write_models(graph, world())
    env = settings_env(neo4j_settings)
    done = run_cli(
        "ask", "places_without_integrator", "--param", "on=2026-06-01", "--format", "json", env=env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {"place": "E09000012", "name": "Hackney", "population": 4800, "most_deprived_decile": 2}
    ]
    done = run_cli(
        "ask", "specialists_for_int", "-p", "int=camden-int-1", "--format", "csv", env=env
    )
    assert done.stdout.splitlines()[0].startswith("specialty,specialty_label,provider")
    assert "consultant_geriatrician" in done.stdout
    assert run_cli("ask", "no_such_question", env=env).returncode == 2
    wrong = run_cli("ask", "lsoas_in_no_neighbourhood", "-p", "borough=x", env=env)
    assert wrong.returncode == 2
    assert "takes place" in wrong.stderr
    listed = run_cli("ask", "--list", env=env)
    assert all(name in listed.stdout for name in queries.question_names())
    assert "lsoas_in_no_neighbourhood  (gap)  [place]" in listed.stdout
    assert "api_places" not in listed.stdout
    assert "edit_record" not in listed.stdout
    internal = run_cli("ask", "edit_record", "-p", "id=x", env=env)
    assert internal.returncode == 2
    assert "'edit_record' is not a question" in internal.stderr
    assert "who_serves" in internal.stderr


def test_who_serves_on_the_command_line(graph: db.Database, neo4j_settings: Settings) -> None:
    import json

    write_models(graph, world())
    env = settings_env(neo4j_settings)
    done = run_cli(
        "ask", "who_serves", "-p", "postcode=nw12aa", "-p", "age=82", "--format", "json", env=env
    )
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert (row["lsoa"], row["resolved"]["by"]) == ("E01000800", "postcode")
    unknown = run_cli("ask", "who_serves", "-p", "postcode=SE1 7EH", env=env)
    assert unknown.returncode == 2
    assert "postcode_not_found" in unknown.stderr
    point = run_cli("ask", "who_serves", "-p", "latitude=53.48", "-p", "longitude=-2.24", env=env)
    assert point.returncode == 2
    assert "point_outside_area" in point.stderr


def test_nested_answers_print_as_json_in_csv(graph: db.Database, neo4j_settings: Settings) -> None:
    import csv
    import io
    import json

    models = world()
    find(models, Neighbourhood, "camden-south").lsoas.append("E01000800")
    write_models(graph, models)
    done = run_cli(
        "ask",
        "lsoas_in_several_neighbourhoods",
        "--format",
        "csv",
        env=settings_env(neo4j_settings),
    )
    assert done.returncode == 0, done.stderr
    [row] = list(csv.DictReader(io.StringIO(done.stdout)))
    assert sorted(json.loads(row["neighbourhoods"])) == ["camden-north", "camden-south"]
