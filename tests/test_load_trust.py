"""Loads that must not be trusted blindly (issue 23): a file taking over another source's
record, a reload that loses part of a source, links cut by another source's reload, and a
load racing an edit. Each refusal leaves the graph exactly as it was.

The small world is split the way sources are: `geo` (the region, systems, places, LSOAs and
postcode), `camden` (the rest), and a postcode file streamed on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nhgraph.config import Settings
from nhgraph.load import LoadResult, load, load_postcode_file, read_sources
from nhgraph.schema.models import Lsoa, Node, PostcodeUnit, Team
from nhgraph.store import DanglingReference, GraphChanged, NotTheOwner, RemovalsRefused, db

from .command_line import run_cli, settings_env
from .world import ON, world, write_bundle

#: Every node with its properties but the load time, and every edge: "exactly as before".
SNAPSHOT = (
    "MATCH (n) OPTIONAL MATCH (n)-[r]->(m) "
    "WITH n, collect([type(r), m.id]) AS out "
    "RETURN labels(n)[0] AS label, n.id AS id, properties(n) AS props, out ORDER BY label, id"
)
GEOGRAPHY = ("Region", "System", "Place", "Lsoa", "Organisation")
HEADER = "postcode,latitude,longitude,LSOA21CD,LAD_CODE_via_LSOA21\n"


def _snapshot(graph: db.Database) -> list[dict[str, object]]:
    rows = graph.read(SNAPSHOT)
    for row in rows:
        row["out"] = sorted(map(str, row["out"]))
    return rows


def _geo(models: list[Node]) -> list[Node]:
    """The geography of the world: what an ONS source would own."""
    return [
        m
        for m in models
        if type(m).__name__ in GEOGRAPHY[:4]
        or (type(m).__name__ == "Organisation" and str(m.id).startswith("ons:"))  # type: ignore[attr-defined]
    ]


def _rest(models: list[Node]) -> list[Node]:
    geo = {id(m) for m in _geo(models)}
    return [m for m in models if id(m) not in geo and not isinstance(m, PostcodeUnit)]


def _folder(path: Path, files: dict[str, list[Node]]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.yaml"):
        old.unlink()
    for name, models in files.items():
        write_bundle(path / name, models)
    return path


def _load(
    graph: db.Database, settings: Settings, *folders: Path, allow_removals: bool = False
) -> LoadResult:
    sources = read_sources([str(f) for f in folders], settings)
    return load(graph, sources, on=ON, allow_removals=allow_removals)


def _postcode_file(path: Path, rows: dict[str, str]) -> Path:
    lines = [f"{code},51.53,-0.14,{lsoa},E09000007\n" for code, lsoa in rows.items()]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def split(graph: db.Database, neo4j_settings: Settings, tmp_path: Path) -> dict[str, Path]:
    """The world loaded as two team-of-teams sources (`geo`, `camden`) and a postcode file."""
    models = world()
    geo = _folder(tmp_path / "geo", {"geo.yaml": _geo(models)})
    camden = _folder(
        tmp_path / "camden",
        {
            "footprint.yaml": [m for m in _rest(models) if type(m).__name__ != "Team"],
            "teams.yaml": [m for m in _rest(models) if type(m).__name__ == "Team"],
        },
    )
    _load(graph, neo4j_settings, geo, camden)
    postcodes = _postcode_file(
        tmp_path / "postcodes.csv",
        {f"NW1 {i}ZZ": f"E0100080{i}" for i in range(5)},  # NW1 3ZZ is in E01000803
    )
    load_postcode_file(graph, postcodes)
    return {"geo": geo, "camden": camden, "postcodes": postcodes}


# -- 6: a record belongs to its source ------------------------------------------------------------


def test_a_file_may_not_take_over_a_record_another_source_owns(
    graph: db.Database, neo4j_settings: Settings, split: dict[str, Path]
) -> None:
    before = _snapshot(graph)
    models = _rest(world())
    restated = Lsoa(id="E01000801", name="Camden E01000801", place="E09000007")
    _folder(split["camden"], {"footprint.yaml": [*models, restated]})
    with pytest.raises(NotTheOwner) as refused:
        _load(graph, neo4j_settings, split["camden"], allow_removals=True)
    message = str(refused.value)
    assert "Lsoa E01000801 belongs to 'team-of-teams:geo'" in message
    assert "'team-of-teams:camden'" in message
    assert str(split["camden"] / "footprint.yaml") in message
    assert _snapshot(graph) == before


def test_the_command_line_refuses_a_takeover_and_names_both_sources(
    graph: db.Database, neo4j_settings: Settings, split: dict[str, Path]
) -> None:
    before = _snapshot(graph)
    restated = Lsoa(id="E01000802", name="Camden E01000802", place="E09000007")
    _folder(split["camden"], {"footprint.yaml": [*_rest(world()), restated]})
    done = run_cli("load", str(split["camden"]), env=settings_env(neo4j_settings))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Lsoa E01000802 belongs to 'team-of-teams:geo'" in done.stderr
    assert _snapshot(graph) == before


def test_a_record_may_pass_between_sources_reloaded_together(
    graph: db.Database, neo4j_settings: Settings, split: dict[str, Path]
) -> None:
    """The owner gives the record up in the same load: no other source's record is taken."""
    models = world()
    moved = next(m for m in models if isinstance(m, Lsoa) and m.id == "E01000805")
    _folder(split["geo"], {"geo.yaml": [m for m in _geo(models) if m is not moved]})
    _folder(split["camden"], {"footprint.yaml": [*_rest(models), moved]})
    _load(graph, neo4j_settings, split["geo"], split["camden"])
    owner = graph.read("MATCH (l:Lsoa {id: 'E01000805'}) RETURN l.source AS s")
    assert owner == [{"s": "team-of-teams:camden"}]


def test_a_postcode_file_may_not_take_over_a_postcode_a_file_owns(
    graph: db.Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    _load(graph, neo4j_settings, _folder(tmp_path / "world", {"world.yaml": world()}))
    before = _snapshot(graph)
    path = _postcode_file(tmp_path / "nspl.csv", {"NW1 2AA": "E01000801"})  # world's NW1 2AA
    with pytest.raises(NotTheOwner) as refused:
        load_postcode_file(graph, path)
    assert "Postcode NW1 2AA belongs to 'team-of-teams:world'" in str(refused.value)
    assert f"'ONS postcode directory (OGL v3.0; Royal Mail and OS data)' ({path})" in str(
        refused.value
    )
    assert _snapshot(graph) == before


# -- 7: a reload that loses part of a source ------------------------------------------------------


def _cut_teams(folder: Path, keep: int) -> list[str]:
    """teams.yaml cut short at a record boundary (still valid YAML): the teams dropped."""
    teams = [m for m in _rest(world()) if isinstance(m, Team)]
    write_bundle(folder / "teams.yaml", teams[:keep])  # type: ignore[arg-type]
    return sorted(t.id for t in teams[keep:])


def test_a_reload_that_loses_much_of_a_source_is_refused_and_names_what_would_go(
    graph: db.Database, neo4j_settings: Settings, split: dict[str, Path]
) -> None:
    before = _snapshot(graph)
    dropped = _cut_teams(split["camden"], keep=3)
    # The memberships of the dropped teams are still in footprint.yaml: they would name
    # no team, so the dropped ones go from memberships too to make the reload consistent.
    kept = set(t.id for t in _rest(world()) if isinstance(t, Team)) - set(dropped)
    rest = [
        m
        for m in _rest(world())
        if type(m).__name__ != "Team" and getattr(m, "team", None) in (None, *kept)
    ]
    write_bundle(split["camden"] / "footprint.yaml", rest)
    with pytest.raises(RemovalsRefused) as refused:
        _load(graph, neo4j_settings, split["camden"])
    message = str(refused.value)
    assert "'team-of-teams:camden' would lose" in message
    assert f"Team {len(dropped)} ({', '.join(dropped[:5])} and" in message
    assert "NHGRAPH_MAX_REMOVAL_SHARE (10%)" in message
    assert "--allow-removals" in message
    assert _snapshot(graph) == before

    done = _load(graph, neo4j_settings, split["camden"], allow_removals=True)
    assert done.written.removed["Team"] == len(dropped)
    assert done.written.removed_ids["Team"] == dropped


def test_the_command_line_asks_for_allow_removals_and_lists_what_went(
    neo4j_settings: Settings, split: dict[str, Path]
) -> None:
    models = [m for m in _rest(world()) if type(m).__name__ not in ("Team", "Membership")]
    models += [m for m in _rest(world()) if isinstance(m, Team)][:2]
    _folder(split["camden"], {"footprint.yaml": models})
    env = settings_env(neo4j_settings)
    refused = run_cli("load", str(split["camden"]), env=env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "would lose" in refused.stderr
    assert "--allow-removals" in refused.stderr
    # A share set higher lets the same reload through without the flag.
    allowed = run_cli("load", str(split["camden"]), env={**env, "NHGRAPH_MAX_REMOVAL_SHARE": "0.9"})
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "removed Membership: camden-int-1-adult-social-care-m" in allowed.stdout
    assert "removed Team: " in allowed.stdout


def test_a_removal_within_the_share_needs_no_flag(
    graph: db.Database, neo4j_settings: Settings, split: dict[str, Path]
) -> None:
    models = [m for m in _rest(world()) if m.id != "camden-frailty"]  # type: ignore[attr-defined]
    _folder(split["camden"], {"footprint.yaml": models})
    done = _load(graph, neo4j_settings, split["camden"])
    assert done.written.removed == {"Service": 1}
    assert done.written.removed_ids == {"Service": ["camden-frailty"]}


def test_a_postcode_file_cut_short_is_refused_unless_allowed(
    graph: db.Database, split: dict[str, Path]
) -> None:
    before = _snapshot(graph)
    path = _postcode_file(split["postcodes"], {"NW1 0ZZ": "E01000800"})  # 1 of 5 left
    with pytest.raises(RemovalsRefused, match=r"would lose 4 of its 5 records.*Postcode 4"):
        load_postcode_file(graph, path)
    assert _snapshot(graph) == before
    done = load_postcode_file(graph, path, allow_removals=True)
    assert done.written.removed_ids == {"Postcode": ["NW1 1ZZ", "NW1 2ZZ", "NW1 3ZZ", "NW1 4ZZ"]}


# -- 8: links of other sources --------------------------------------------------------------------


def _geo_without(folder: Path, lsoa: str) -> None:
    _folder(folder, {"geo.yaml": [m for m in _geo(world()) if m.id != lsoa]})  # type: ignore[attr-defined]


def test_a_reload_that_would_cut_other_sources_links_is_refused_naming_them(
    graph: db.Database, neo4j_settings: Settings, split: dict[str, Path]
) -> None:
    before = _snapshot(graph)
    _geo_without(split["geo"], "E01000803")
    with pytest.raises(RemovalsRefused) as refused:
        _load(graph, neo4j_settings, split["geo"])
    message = str(refused.value)
    assert "Lsoa E01000803" in message
    assert "Postcode NW1 3ZZ -IN_LSOA-> Lsoa E01000803" in message
    assert "from 'ONS postcode directory" in message
    assert "Neighbourhood camden-south -COVERS-> Lsoa E01000803" in message
    assert "from 'team-of-teams:camden'" in message
    assert _snapshot(graph) == before


def test_a_kept_record_naming_a_node_its_own_load_removes_is_a_dangling_reference(
    graph: db.Database, neo4j_settings: Settings, split: dict[str, Path]
) -> None:
    """camden-south, reloaded unchanged with the geography, still covers E01000803."""
    before = _snapshot(graph)
    _geo_without(split["geo"], "E01000803")
    with pytest.raises(DanglingReference, match="Neighbourhood camden-south: lsoas names unknown"):
        _load(graph, neo4j_settings, split["geo"], split["camden"], allow_removals=True)
    assert _snapshot(graph) == before


def test_links_cut_by_an_allowed_removal_are_repaired_by_their_sources_reload(
    graph: db.Database, neo4j_settings: Settings, split: dict[str, Path]
) -> None:
    """With --allow-removals the postcode loses its link, and says so at its source's next
    reload (never "nothing changed"); once the LSOA is back, that reload links it again."""
    models = world()
    for model in models:  # camden-south gives E01000803 up first
        if getattr(model, "id", None) == "camden-south":
            model.lsoas = ["E01000804", "E01000805"]  # type: ignore[attr-defined]
    _folder(split["camden"], {"footprint.yaml": _rest(models)})
    _load(graph, neo4j_settings, split["camden"])
    _geo_without(split["geo"], "E01000803")
    _load(graph, neo4j_settings, split["geo"], allow_removals=True)
    assert graph.read("MATCH (p:Postcode {id: 'NW1 3ZZ'})-->(l) RETURN l.id AS l") == []

    with pytest.raises(DanglingReference, match="Postcode NW1 3ZZ: lsoa names unknown E01000803"):
        load_postcode_file(graph, split["postcodes"])

    _folder(split["geo"], {"geo.yaml": _geo(world())})
    _load(graph, neo4j_settings, split["geo"])
    again = load_postcode_file(graph, split["postcodes"])
    assert again.written.updated == {"Postcode": 1}
    linked = graph.read("MATCH (p:Postcode {id: 'NW1 3ZZ'})-[:IN_LSOA]->(l) RETURN l.id AS l")
    assert linked == [{"l": "E01000803"}]
    assert not load_postcode_file(graph, split["postcodes"]).written.changed


# -- 4: a load racing an edit ---------------------------------------------------------------------


def _racing(graph: db.Database, change: str) -> Callable[[str], None]:
    """A step hook that commits ``change`` in a transaction of its own once the load has
    planned and before it writes: an edit committed in between."""

    def step(name: str) -> None:
        if name == "writing":
            graph.write(change)

    return step


@pytest.mark.parametrize(
    ("change", "node"),
    [
        # A node the load updates: it would have been overwritten with the file's version.
        (
            "MATCH (n:Neighbourhood {id: 'camden-north'}) "
            "SET n.name = 'Edited', n.content_hash = 'edited'",
            "Neighbourhood camden-north",
        ),
        # A node the load removes: it would have been removed with the edit in it.
        (
            "MATCH (n:Service {id: 'camden-frailty'}) SET n.name = 'Edited', n.content_hash = 'e'",
            "Service camden-frailty",
        ),
        # A node the load leaves as it was planned: the plan no longer holds.
        (
            "MATCH (n:Int {id: 'camden-int-1'}) SET n.name = 'Edited', n.content_hash = 'e'",
            "Int camden-int-1",
        ),
        # A new link into a node the load removes.
        (
            "MATCH (p:Place {id: 'E09000007'}), (n:Service {id: 'camden-frailty'}) "
            "CREATE (n)<-[:FOLLOWS]-(p)",
            "Service camden-frailty",
        ),
    ],
    ids=["updated", "removed", "unchanged", "linked"],
)
def test_an_edit_committed_between_the_plan_and_the_write_is_not_reverted(
    graph: db.Database, neo4j_settings: Settings, split: dict[str, Path], change: str, node: str
) -> None:
    models = [m for m in _rest(world()) if getattr(m, "id", None) != "camden-frailty"]
    for model in models:
        if getattr(model, "id", None) == "camden-north":
            model.name = "Camden North, renamed by the file"  # type: ignore[attr-defined]
    _folder(split["camden"], {"footprint.yaml": models})
    sources = read_sources([str(split["camden"])], neo4j_settings)
    with pytest.raises(GraphChanged, match=f"{node} changed since the load compared it"):
        load(graph, sources, on=ON, step=_racing(graph, change), allow_removals=True)
    kept = graph.read("MATCH (n) WHERE n.name = 'Edited' OR ()-[:FOLLOWS]->(n) RETURN n.id AS id")
    assert kept == [{"id": node.split()[1]}]  # the edit is there, and the load wrote nothing
    renamed = graph.read("MATCH (n {name: 'Camden North, renamed by the file'}) RETURN n")
    assert renamed == []


def test_a_load_run_again_after_the_race_loads(
    graph: db.Database, neo4j_settings: Settings, split: dict[str, Path]
) -> None:
    """GraphChanged is retryable: the same load, planned again, writes."""
    models = [m for m in _rest(world()) if getattr(m, "id", None) != "camden-frailty"]
    _folder(split["camden"], {"footprint.yaml": models})
    sources = read_sources([str(split["camden"])], neo4j_settings)
    change = "MATCH (n:Service {id: 'camden-frailty'}) SET n.content_hash = 'e'"
    with pytest.raises(GraphChanged, match="run the load again"):
        load(graph, sources, on=ON, step=_racing(graph, change))
    done = load(graph, sources, on=ON)
    assert done.written.removed == {"Service": 1}
