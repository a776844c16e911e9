"""Models into Neo4j and back: links, idempotence, and all-or-nothing on a dangling link."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from nhgraph.schema.models import Int, Neighbourhood, Team
from nhgraph.store import DanglingReference, content_hash, db, read_records, write_models

from .world import world


def test_models_round_trip_through_neo4j(graph: db.Database) -> None:
    models = world()
    summary = write_models(graph, models)
    assert summary.nodes["Lsoa"] == 9
    records = read_records(graph)
    by_id = {r["id"]: r for r in records["Neighbourhood"]}
    assert by_id["camden-north"]["lsoas"] == ["E01000800", "E01000801", "E01000802"]
    assert by_id["camden-north"]["place"] == "E09000007"
    assert by_id["camden-north"]["priorities"] == ["older_people"]
    [agreement] = records["DataSharingAgreement"]
    assert agreement["controllers"] == ["ods:RKE", "ons:E09000007"]
    assert agreement["valid_from"].isoformat() == "2024-01-01"
    for label, rows in records.items():
        expected = sum(1 for m in models if type(m).__name__.replace("Unit", "") == label)
        assert len(rows) == expected, label
    assert all(r["loaded_at"] is not None for r in records["Lsoa"])


def test_records_are_read_page_by_page_in_one_state_and_unkeyed_nodes_too(
    graph: db.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 2 walk every LSOA once, in id order, with its links and dates as Python dates; a
    node written by hand with no id, or a number for one, is read too (validation reports it)."""
    from nhgraph.store import reader

    models = world()
    write_models(graph, models)
    graph.write("CREATE (:Lsoa {name: 'no id'}), (:Lsoa {id: 7, name: 'a number'})")
    whole = read_records(graph)
    monkeypatch.setattr(reader, "READ_PAGE", 2)
    paged = read_records(graph)
    lsoas = [r["id"] for r in paged["Lsoa"]]  # every record has an id, None where none is stored
    keyed = [i for i in lsoas if isinstance(i, str)]
    assert keyed == sorted(keyed)
    assert len(keyed) == 9
    assert sorted(map(str, lsoas[9:])) == ["7", "None"]
    for label, rows in whole.items():
        assert sorted(rows, key=lambda r: str(r["id"])) == sorted(
            paged[label], key=lambda r: str(r["id"])
        ), label
    [agreement] = paged["DataSharingAgreement"]
    assert type(agreement["valid_from"]) is date
    assert paged["Neighbourhood"][0]["lsoas"]  # links folded back into the fields


def test_writing_the_same_models_twice_changes_nothing(graph: db.Database) -> None:
    write_models(graph, world())
    count = "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r"
    first = graph.read(count)
    write_models(graph, world())
    assert graph.read(count) == first


def test_an_edit_replaces_the_links_of_a_field(graph: db.Database) -> None:
    write_models(graph, world())
    moved = Neighbourhood(
        id="camden-north", name="Camden North", place="E09000007", lsoas=["E01000800"]
    )
    write_models(graph, [moved])
    rows = graph.read(
        "MATCH (:Neighbourhood {id: 'camden-north'})-[:COVERS]->(l) RETURN l.id AS id"
    )
    assert rows == [{"id": "E01000800"}]


def test_a_write_neo4j_asks_to_retry_is_counted_once(graph: db.Database) -> None:
    """The driver runs the unit of work again after a transient error: the summary is of
    the write that committed, not the sum of the attempts."""
    from neo4j.exceptions import TransientError

    attempts: list[int] = []

    def deadlock_once(_tx: object) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise TransientError("a deadlock, say")

    models = world()
    summary = write_models(graph, models, then=deadlock_once)
    assert len(attempts) == 2
    assert summary.nodes["Lsoa"] == 9
    assert sum(summary.created.values()) == len(models)
    stored = graph.read("MATCH (n) WHERE n.content_hash IS NOT NULL RETURN count(n) AS n")
    assert stored == [{"n": len(models)}]  # the concepts (no hash) apart
    assert summary.relationships == graph.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]


def test_concepts_record_their_source_version_and_first_load(graph: db.Database) -> None:
    from nhgraph import __version__
    from nhgraph.store import CONCEPT_SOURCE

    concepts = (
        "MATCH (n) WHERE n:Function OR n:Role OR n:Cohort RETURN n.id AS id, n.label AS label, "
        "n.source AS source, n.source_version AS version, n.loaded_at AS at ORDER BY id"
    )
    write_models(graph, world())
    first = graph.read(concepts)
    assert len(first) >= 40
    assert {(r["source"], r["version"]) for r in first} == {(CONCEPT_SOURCE, __version__)}
    assert all(r["at"] is not None for r in first)
    write_models(graph, world())
    assert graph.read(concepts) == first  # the time of the first load stays
    # A concept as an older nhgraph left it: another label, no provenance. The schemes win,
    # and it is given a load time.
    graph.write(
        "MATCH (n:Function {id: 'district_nursing'}) SET n.label = 'An older label' "
        "REMOVE n.source, n.source_version, n.loaded_at"
    )
    write_models(graph, world())
    after = {r["id"]: r for r in graph.read(concepts)}
    nursing = next(r for r in first if r["id"] == "district_nursing")
    assert after["district_nursing"]["label"] == nursing["label"]
    assert after["district_nursing"]["version"] == __version__
    assert after["district_nursing"]["at"] > nursing["at"]
    assert sum(after[r["id"]] != r for r in first) == 1


def test_a_dangling_link_writes_nothing(graph: db.Database) -> None:
    write_models(graph, world())
    before = graph.read("MATCH (n) RETURN count(n) AS n")
    new = [
        Team(id="ghost-team", name="Ghost", provider="ods:Y99999", functions=["frailty"]),
        Int(id="ghost-int", name="Ghost INT", place="E09000007", neighbourhoods=["nowhere"]),
    ]
    with pytest.raises(DanglingReference) as caught:
        write_models(graph, new)
    message = str(caught.value)
    assert "Team ghost-team: provider names unknown ods:Y99999" in message
    assert "Int ghost-int: neighbourhoods names unknown nowhere" in message
    assert graph.read("MATCH (n) RETURN count(n) AS n") == before


def test_load_times_a_node_s_own_kept_an_edit_retimed(graph: db.Database) -> None:
    """The load time is sent once per statement; a model's own load time still wins."""
    from datetime import UTC, datetime

    def at(id_: str) -> datetime:
        [row] = graph.read("MATCH (n {id: $id}) RETURN n.loaded_at AS at", {"id": id_})
        return row["at"]  # type: ignore[no-any-return]

    own = datetime(2024, 2, 29, 12, 0, tzinfo=UTC)
    models = world()
    for model in models:
        if model.id == "E01000801":  # type: ignore[attr-defined]
            model.loaded_at = own
    write_models(graph, models)
    kept = at("E01000801")
    first = at("camden-north")
    assert kept == own
    assert first is not None
    assert first != own
    for model in models:  # an edit: camden-north is updated, the rest unchanged
        if isinstance(model, Neighbourhood) and model.id == "camden-north":
            model.name = "Camden North (renamed)"
    write_models(graph, models)
    edited = at("camden-north")
    untouched = at("camden-south")
    assert edited > first
    assert untouched == first  # unchanged nodes keep the time they last changed


def test_new_nodes_link_to_stored_nodes_and_to_later_new_ones(graph: db.Database) -> None:
    """Edges of new nodes: to a node already stored (found by id, then by element id), and to
    a node of the same class created after it in the same write (made last)."""
    from nhgraph.schema.models import DataSharingAgreement

    write_models(graph, world())
    [agreement] = [m for m in world() if isinstance(m, DataSharingAgreement)]
    acceding = agreement.model_copy(update={"id": "a-acceding", "framework": "z-framework"})
    framework = agreement.model_copy(update={"id": "z-framework"})
    team = Team(id="new-team", name="New", provider="ods:RKE", functions=["frailty"])
    summary = write_models(graph, [acceding, framework, team])
    assert summary.created == {"DataSharingAgreement": 2, "Team": 1}
    edges = graph.read(
        "MATCH (a)-[r:ACCEDES_TO|PROVIDED_BY]->(b) WHERE a.id IN ['a-acceding', 'new-team'] "
        "RETURN a.id AS a, type(r) AS r, b.id AS b ORDER BY a"
    )
    assert edges == [
        {"a": "a-acceding", "r": "ACCEDES_TO", "b": "z-framework"},
        {"a": "new-team", "r": "PROVIDED_BY", "b": "ods:RKE"},
    ]
    controllers = graph.read(
        "MATCH (:DataSharingAgreement {id: 'a-acceding'})-[:CONTROLLER]->(o) "
        "RETURN o.id AS id ORDER BY id"
    )
    assert [row["id"] for row in controllers] == ["ods:RKE", "ons:E09000007"]


def test_content_hash_keeps_the_format_the_stored_graphs_hold() -> None:
    """Stored nodes carry hashes made by ``json.dumps(sort_keys=True, default=str)`` and
    SHA-1: a faster hash of other text would make every stored node look changed."""
    row = {
        "id": "x",
        "props": {
            "id": "x",
            "name": 'Café "Ünï"',
            "n": 3,
            "f": 0.1,
            "b": True,
            "none": None,
            "when": date(2026, 1, 2),
            "loaded_at": 1,
            "source_version": "v",
        },
        "links": {"b": ["2", "1"], "a": []},
    }
    kept = {k: v for k, v in row["props"].items() if k not in ("loaded_at", "source_version")}
    text = json.dumps([kept, row["links"]], sort_keys=True, default=str)
    assert content_hash(row) == hashlib.sha1(text.encode()).hexdigest()[:20]
    assert content_hash(row) == "bfea8d8cf208ed6c3cca"  # as written before the encoder was kept
    row["props"]["n"] = 4
    assert content_hash(row) != "bfea8d8cf208ed6c3cca"


def test_batches_of_one_link_to_nodes_made_in_earlier_and_later_batches(
    graph: db.Database,
) -> None:
    """Batches are made while earlier ones are written: a batch linking to a node of an
    earlier batch waits for its element id; one linking to a later batch's node defers it."""
    from nhgraph.schema.models import DataSharingAgreement

    write_models(graph, world())
    [agreement] = [m for m in world() if isinstance(m, DataSharingAgreement)]
    chain = [
        agreement.model_copy(update={"id": f"b-{n}", "framework": f"b-{n - 1}" if n else None})
        for n in range(4)
    ]
    chain.insert(0, agreement.model_copy(update={"id": "a-first", "framework": "b-3"}))
    summary = write_models(graph, chain, batch_size=1)
    assert summary.created == {"DataSharingAgreement": 5}
    edges = graph.read(
        "MATCH (a:DataSharingAgreement)-[:ACCEDES_TO]->(b) RETURN a.id AS a, b.id AS b ORDER BY a"
    )
    assert edges == [
        {"a": "a-first", "b": "b-3"},
        {"a": "b-1", "b": "b-0"},
        {"a": "b-2", "b": "b-1"},
        {"a": "b-3", "b": "b-2"},
    ]


def test_batches_grow_from_a_small_first_one_to_the_batch_size() -> None:
    from nhgraph.store.rows import FIRST_BATCH, ramped

    sizes = [len(batch) for batch in ramped(list(range(10_000)), 2_000)]
    assert sizes[0] == FIRST_BATCH < 2_000
    assert sizes == sorted(sizes[:-1]) + sizes[-1:]
    assert max(sizes) == 2_000
    assert sum(sizes) == 10_000
    assert [len(b) for b in ramped(list(range(5)), 2)] == [2, 2, 1]
    assert list(ramped([], 10)) == []


@pytest.mark.parametrize("rows_first", [False, True], ids=["rows-by-batch", "rows-first"])
def test_a_class_written_in_growing_batches_keeps_every_node_and_link(
    graph: db.Database, rows_first: bool
) -> None:
    """Rows are made batch by batch (or all first, when the caller has work of its own):
    both write every node of a class larger than the first batch, with each of its links."""
    from nhgraph.schema.models import DataSharingAgreement
    from nhgraph.store.rows import FIRST_BATCH

    write_models(graph, world())
    [agreement] = [m for m in world() if isinstance(m, DataSharingAgreement)]
    count = 3 * FIRST_BATCH + 7
    chain = [
        agreement.model_copy(update={"id": f"g-{n}", "framework": f"g-{n - 1}" if n else None})
        for n in range(count)
    ]
    told: list[bool] = []
    summary = write_models(
        graph,
        chain,
        batch_size=2 * FIRST_BATCH,
        prepared=(lambda: told.append(True)) if rows_first else None,
    )
    assert summary.created == {"DataSharingAgreement": count}
    assert told == ([True] if rows_first else [])
    [found] = graph.read(
        "MATCH (a:DataSharingAgreement)-[:ACCEDES_TO]->(b:DataSharingAgreement) "
        "WHERE a.id STARTS WITH 'g-' "
        "RETURN count(*) AS edges, "
        "sum(CASE WHEN toInteger(substring(a.id, 2)) = toInteger(substring(b.id, 2)) + 1 "
        "THEN 1 ELSE 0 END) AS right, count(DISTINCT a.content_hash) AS hashes"
    )
    assert found == {"edges": count - 1, "right": count - 1, "hashes": count - 1}


def test_an_error_while_a_batch_is_being_written_writes_nothing(graph: db.Database) -> None:
    """A failure in the making of a batch, with the previous batch still at Neo4j, rolls the
    whole write back, and the writing thread is finished before the rollback."""
    import threading

    from nhgraph.schema.models import DataSharingAgreement

    write_models(graph, world())
    before = graph.read("MATCH (n) RETURN count(n) AS n")
    [agreement] = [m for m in world() if isinstance(m, DataSharingAgreement)]
    many = [agreement.model_copy(update={"id": f"c-{n}"}) for n in range(6)]

    def progress(step: str, done: int) -> None:
        if step == "nodes" and done and len(ticks) == 2:
            raise RuntimeError("the progress bar broke")
        ticks.append(step)

    ticks: list[str] = []
    with pytest.raises(RuntimeError, match="progress bar broke"):
        write_models(graph, many, batch_size=2, progress=progress)
    assert ticks == ["nodes", "nodes"]
    assert graph.read("MATCH (n) RETURN count(n) AS n") == before
    assert not [t for t in threading.enumerate() if t.name.startswith("nhgraph-write")]


def test_the_cycle_collector_is_paused_while_writing_and_resumed_after(
    graph: db.Database,
) -> None:
    """Paused in the write's transaction, resumed after; nested pauses resume only at the
    outermost; a collector that was off before stays off."""
    import gc

    from nhgraph.store.memory import collector_paused

    assert gc.isenabled()
    seen: list[bool] = []
    write_models(graph, world(), then=lambda _tx: seen.append(gc.isenabled()))
    assert seen == [False]
    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_class_linking_to_itself_cannot_be_streamed(graph: db.Database) -> None:
    """A streamed batch could link to a node of a later batch, which the stream cannot wait
    for: such a class is refused by name, before anything is asked of Neo4j."""
    from nhgraph.schema.models import DataSharingAgreement
    from nhgraph.store import write_stream

    agreements = [m for m in world() if isinstance(m, DataSharingAgreement)]
    with pytest.raises(ValueError, match="DataSharingAgreement links to DataSharingAgreement"):
        write_stream(graph, DataSharingAgreement, [agreements])
    assert graph.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]
