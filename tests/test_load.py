"""`nhgraph load`: London from the shipped data, idempotence, refusals that write nothing."""

from __future__ import annotations

import csv
import io
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.load import LoadRefused, load, read_sources
from nhgraph.loaders.errors import InputError
from nhgraph.schema.models import Neighbourhood, Team
from nhgraph.store import db
from nhgraph.store.findings import BOOKKEEPING_LABELS
from nhgraph.store.history import HISTORY_LABELS

from .command_line import settings_env
from .world import ON, world, write_bundle

REFERENCE = PROJECT_ROOT / "data" / "reference"
DEMO = PROJECT_ROOT / "data" / "demo"
COUNT_ALL = "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r"


# The tests using `london` come first: the `graph` fixture of later tests empties the graph.
@pytest.fixture(scope="module")
def london(database: db.Database, neo4j_settings: Settings) -> Iterator[db.Database]:
    """The database with London loaded (reference data and the demo dataset)."""
    database.reset()
    sources = read_sources(["reference", str(DEMO)], neo4j_settings)
    result = load(database, sources, on=ON, workers=2)
    assert result.report.conforms
    yield database
    database.reset()


def test_london_is_loaded_with_provenance(london: db.Database) -> None:
    counts = {
        r["label"]: r["n"]
        for r in london.read("MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n")
    }
    assert counts["Lsoa"] == 4994
    assert counts["Place"] == 33
    assert counts["Neighbourhood"] >= 150
    assert counts["Int"] >= 66  # several INTs per place
    assert counts["Organisation"] > 3000
    # Every node, the concepts (functions, roles, cohorts) too: its source, version, load time;
    # but the load's validation run and change set, which are bookkeeping, not data of a source.
    missing = london.read(
        "MATCH (n) WHERE n.source IS NULL OR n.source_version IS NULL OR n.loaded_at IS NULL "
        "RETURN labels(n)[0] AS label, count(n) AS n ORDER BY label"
    )
    assert {row["label"] for row in missing} <= BOOKKEEPING_LABELS | set(HISTORY_LABELS)
    assert counts["ChangeSet"] >= 1
    assert counts["ValidationRun"] == 1
    illustrative = london.read(
        "MATCH (n:Neighbourhood) WHERE n.illustrative <> true RETURN count(n) AS n"
    )
    assert illustrative == [{"n": 0}]


def test_neighbourhoods_are_30_to_50k_residents(london: db.Database) -> None:
    rows = london.read(
        "MATCH (n:Neighbourhood)-[:COVERS]->(l:Lsoa) WITH n, sum(l.population) AS people "
        "RETURN percentileCont(people, 0.1) AS low, percentileCont(people, 0.9) AS high"
    )
    assert rows[0]["low"] >= 25_000
    assert rows[0]["high"] <= 60_000


def test_reloading_unchanged_data_changes_nothing(
    london: db.Database, neo4j_settings: Settings
) -> None:
    before = london.read("MATCH (n:Lsoa {id: 'E01000001'}) RETURN n.loaded_at AS at")
    sources = read_sources(["reference", str(DEMO)], neo4j_settings)
    result = load(london, sources, on=ON, workers=2)
    assert not result.written.changed
    assert sum(result.written.unchanged.values()) == sum(len(s.models) for s in sources)
    assert london.read("MATCH (n:Lsoa {id: 'E01000001'}) RETURN n.loaded_at AS at") == before


def test_the_planted_warnings_are_reported(london: db.Database) -> None:
    from nhgraph.validate import validate_stored

    report = validate_stored(london, on=ON, workers=2)
    assert report.conforms
    rules = {(r.rule, r.focus_node) for r in report.results}
    assert ("nhgsh:CoreOffer-district_nursing", "int/e09000019-int1") in rules
    assert any(rule == "nhgsh:Lsoa-one-neighbourhood" for rule, _ in rules)
    assert len(report.results) == 2  # the agreement expires in 2027, after ON


def test_lsoas_carry_their_boundaries(london: db.Database) -> None:
    rows = london.read(
        "MATCH (l:Lsoa {id: 'E01000001'}) RETURN l.boundary AS b, l.min_latitude AS south, "
        "l.max_latitude AS north"
    )
    import json

    geometry = json.loads(rows[0]["b"])
    assert geometry["type"] in ("Polygon", "MultiPolygon")
    assert 51.4 < rows[0]["south"] < rows[0]["north"] < 51.6  # the City of London
    missing = london.read("MATCH (l:Lsoa) WHERE l.boundary IS NULL RETURN count(l) AS n")
    assert missing == [{"n": 0}]
    # Coordinates keep 6 decimals (ONS publishes up to 15), and the box is the kept polygon's.
    points = [p for ring in geometry["coordinates"] for p in ring]
    if geometry["type"] == "MultiPolygon":
        points = [p for polygon in geometry["coordinates"] for ring in polygon for p in ring]
    assert all(round(c, 6) == c for p in points for c in p)
    assert any(len(repr(c).split(".")[1]) == 6 for p in points for c in p)
    assert rows[0]["south"] == min(p[1] for p in points)
    assert rows[0]["north"] == max(p[1] for p in points)


# -- refusals on small inputs: nothing is written -------------------------------------------------


def _load_folder(database: db.Database, settings: Settings, folder: Path) -> None:
    load(database, read_sources([str(folder)], settings), on=ON)


def test_a_violation_refuses_the_load_and_writes_nothing(
    graph: db.Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    _load_folder(graph, neo4j_settings, write_bundle_dir(tmp_path / "ok", world()))
    before = graph.read(COUNT_ALL)
    models = world()
    for model in models:
        if isinstance(model, Neighbourhood) and model.id == "camden-north":
            model.lsoas = [*model.lsoas, "E01001700"]  # a Hackney LSOA in a Camden footprint
    with pytest.raises(LoadRefused) as refused:  # the same source (folder name), reloaded
        _load_folder(graph, neo4j_settings, write_bundle_dir(tmp_path / "bad" / "ok", models))
    assert "nhgsh:Neighbourhood-lsoa-in-place" in refused.value.report.to_text()
    assert graph.read(COUNT_ALL) == before


def test_a_validation_that_fails_rolls_the_running_write_back(
    graph: db.Database, neo4j_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write runs during validation: validation breaking off must leave nothing written."""
    from nhgraph import load as pipeline
    from nhgraph.ontology.shapes import ShapesError

    before = graph.read(COUNT_ALL)
    sources = read_sources([str(write_bundle_dir(tmp_path / "ok", world()))], neo4j_settings)

    def broken(*_args: object, **_kwargs: object) -> None:
        time.sleep(1)  # the write has started by now
        raise ShapesError("a shapes file cannot be read")

    monkeypatch.setattr(pipeline, "validate_graph", broken)
    with pytest.raises(ShapesError):
        load(graph, sources, on=ON)
    assert graph.read(COUNT_ALL) == before


def test_a_link_no_shape_checks_is_refused_by_the_write(graph: db.Database) -> None:
    """Postcodes are not validated with SHACL: a postcode of an unknown LSOA passes validation
    and the write, running alongside it, refuses it; nothing is written."""
    from nhgraph.loaders.sources import SourceData
    from nhgraph.schema.models import PostcodeUnit
    from nhgraph.store import DanglingReference

    before = graph.read(COUNT_ALL)
    source = SourceData("postcodes", "test")
    source.models.append(PostcodeUnit(id="N1 1AA", lsoa="E01999999", source="postcodes"))
    with pytest.raises(DanglingReference, match="Postcode N1 1AA: lsoa names unknown E01999999"):
        load(graph, [source], on=ON)
    assert graph.read(COUNT_ALL) == before


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ("team_missing_organisation", "nhgsh:TeamShape[nhg:providedBy]"),
        ("unknown_lsoa", "nhgsh:NeighbourhoodShape[nhg:covers]"),
    ],
)
def test_references_to_missing_nodes_are_refused(
    graph: db.Database, neo4j_settings: Settings, tmp_path: Path, change: str, rule: str
) -> None:
    models = world()
    if change == "team_missing_organisation":
        models.append(Team(id="ghost", name="Ghost", provider="ods:Y99999", functions=["frailty"]))
    else:
        for model in models:
            if isinstance(model, Neighbourhood) and model.id == "camden-south":
                model.lsoas = [*model.lsoas, "E01999999"]  # no such LSOA
    with pytest.raises(LoadRefused) as refused:
        _load_folder(graph, neo4j_settings, write_bundle_dir(tmp_path / "x", models))
    assert rule in refused.value.report.to_text()
    assert graph.read(
        "MATCH (n) WHERE NOT n:Function AND NOT n:Role AND NOT n:Cohort RETURN count(n) AS n"
    ) == [{"n": 0}]


def test_duplicate_ids_and_wrong_kinds_are_model_errors(
    neo4j_settings: Settings, tmp_path: Path
) -> None:
    folder = write_bundle_dir(tmp_path / "dup", world())
    write_bundle(folder / "again.yaml", [m for m in world() if type(m).__name__ == "Team"][:1])
    with pytest.raises(InputError, match="duplicate id"):
        read_sources([str(folder)], neo4j_settings)
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "orgs.yaml").write_text(
        "organisations:\n  - {id: 'ods:U12345', name: A PCN, kind: gp_practice}\n"
    )
    with pytest.raises(InputError, match=r"orgs.yaml:2.*not the ODS code of a gp_practice"):
        read_sources([str(wrong)], neo4j_settings)


def write_bundle_dir(folder: Path, models: list[object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_bundle(folder / "team-of-teams.yaml", models)  # type: ignore[arg-type]
    return folder


# -- publishers' files gone wrong ------------------------------------------------------------------


def _reference_copy(tmp_path: Path) -> Path:
    target = tmp_path / "reference"
    shutil.copytree(REFERENCE, target)
    return target


@pytest.mark.parametrize(
    ("file", "damage", "expected"),
    [
        ("london_lsoa21.csv", "drop_column", "lacks the column(s) LAD_CODE"),
        ("london_lsoa21.csv", "latin1", "is not UTF-8"),
        ("london_lsoa21.csv", "truncate", "fields where the header has"),
        ("london_lsoa21.csv", "bad_quote", "is not valid CSV"),
        ("london_boroughs.csv", "empty", "is empty"),
        ("london_lsoa21.csv", "unknown_place", "unknown place 'E09999999'"),
        ("london_gp_practices_epraccur.csv", "bad_code", "is not an NHS ODS code"),
    ],
)
def test_broken_reference_files_are_named(
    tmp_path: Path, neo4j_settings: Settings, file: str, damage: str, expected: str
) -> None:
    folder = _reference_copy(tmp_path)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if damage == "drop_column":
        path.write_text(text.replace(",LAD_CODE,", ",LAD,", 1))
    elif damage == "latin1":
        path.write_bytes(text.replace("Camden 001A", "Camdén 001A").encode("latin-1"))
    elif damage == "truncate":
        path.write_text("".join(lines[:100]) + lines[100].split(",")[0] + "\n")
    elif damage == "bad_quote":
        path.write_text("".join(lines[:50]) + 'E01000050,"Unclosed quote\n' + "".join(lines[51:]))
    elif damage == "empty":
        path.write_text("")
    elif damage == "unknown_place":
        path.write_text(text.replace(",E09000007,", ",E09999999,", 1))
    elif damage == "bad_code":  # the first active GP practice gets a malformed code
        parsed = list(csv.reader(io.StringIO(text)))
        index = next(i for i, row in enumerate(parsed) if i and row[12] == "A" and row[20] == "4")
        lines[index] = lines[index].replace(parsed[index][0], "F8300!", 1)
        path.write_text("".join(lines))
    settings = neo4j_settings.model_copy(update={"reference_dir": folder})
    with pytest.raises(InputError) as caught:
        read_sources(["reference"], settings)
    message = str(caught.value)
    assert file in message, message
    assert expected in message, message


def test_a_byte_order_mark_is_accepted(tmp_path: Path, neo4j_settings: Settings) -> None:
    folder = _reference_copy(tmp_path)
    path = folder / "london_boroughs.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    settings = neo4j_settings.model_copy(update={"reference_dir": folder})
    sources = read_sources(["ons-geography"], settings)
    assert sum(1 for m in sources[0].models if type(m).__name__ == "Place") == 33


def test_a_load_killed_midway_leaves_the_graph_as_it_was(
    graph: db.Database, neo4j_settings: Settings
) -> None:
    # A node of another source, which the load leaves alone (it may not restate it).
    graph.write("CREATE (:Place {id: 'E09999999', name: 'before', source: 'earlier'})")
    before = graph.read(COUNT_ALL)
    process = subprocess.Popen(
        [sys.executable, "-m", "nhgraph", "load", "reference", str(DEMO), "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**__import__("os").environ, **settings_env(neo4j_settings)},
    )
    assert process.stderr is not None
    for line in process.stderr:
        if line.strip() == "writing":
            break
    time.sleep(0.5)  # inside the write transaction (London takes seconds to write)
    assert process.poll() is None, "the load finished before the kill: give it more to write"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    # What it staged (when killed before its switch) is not the graph's: unlabelled for the
    # model and unlinked, swept by a later load (tests/test_stage.py).
    unstaged = COUNT_ALL.replace("MATCH (n) ", "MATCH (n) WHERE NOT n:NhgStaged ", 1)
    assert graph.read(unstaged) == before


def test_a_broken_boundary_file_is_named(tmp_path: Path, neo4j_settings: Settings) -> None:
    folder = _reference_copy(tmp_path)
    path = folder / "geo" / "london_lsoa21_bgc.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"properties": {}}]}')
    settings = neo4j_settings.model_copy(update={"reference_dir": folder})
    with pytest.raises(InputError, match=r"london_lsoa21_bgc.geojson: features\[0\]"):
        read_sources(["ons-geography"], settings)


def test_a_write_too_large_for_the_server_is_named_and_writes_nothing(
    graph: db.Database, neo4j_settings: Settings
) -> None:
    from nhgraph.schema.models import Region
    from nhgraph.store import write_models

    if neo4j_settings.neo4j_heap != "512m" or not neo4j_settings.manages_local_server:
        pytest.skip("sized for the project's own test server (512m heap)")
    graph.write("CREATE (:Place {id: 'E09000007', name: 'before', source: 'earlier'})")
    before = graph.read(COUNT_ALL)
    huge = "x" * 2_000_000  # 150 regions of 2 MB names: beyond a 512m heap's transactions
    # Names past the model's bound (model_construct skips it): the server's limit is tested.
    regions = [Region.model_construct(id=f"E12{i:06d}", name=huge) for i in range(150)]
    with pytest.raises(db.TooLarge, match="NHGRAPH_NEO4J_HEAP"):
        write_models(graph, regions, batch_size=5)
    assert graph.read(COUNT_ALL) == before
