"""The ONS postcode directory layout: region filter, live postcodes, named errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from bench.nspl import HEADER, write_nspl, write_nspl_over
from nhgraph.config import Settings
from nhgraph.load import load, read_sources
from nhgraph.loaders.errors import InputError, Problem
from nhgraph.loaders.postcodes import read_postcodes
from nhgraph.schema.models import Node, PostcodeUnit
from nhgraph.store import db

from .world import ON


def test_london_live_postcodes_are_kept(tmp_path: Path) -> None:
    from nhgraph.loaders.postcodes import load_postcodes

    path = write_nspl(tmp_path / "nspl.csv", 2000)
    data = load_postcodes(path)
    # every 14th row is London (share 0.07), and one row in ten is terminated
    assert 120 <= len(data.models) <= 143
    assert all(m.lsoa.startswith("E01") for m in data.models)
    assert all(" " in m.id for m in data.models)


def test_a_directory_over_given_lsoas_keeps_every_live_row_of_england(tmp_path: Path) -> None:
    """The bench's England-wide directory: every region's rows kept under England, each in the
    LSOA it was written for, one row in ten terminated and left out."""
    from nhgraph.loaders.postcodes import ENGLAND, load_postcodes

    lsoas = [("E01000001", "E12000007"), ("E01008162", "E12000001"), ("E01033768", "E12000009")]
    path = write_nspl_over(tmp_path / "nspl.csv", lsoas, 10)
    kept = load_postcodes(path, ENGLAND).models
    assert len(kept) == 27
    assert {m.lsoa for m in kept} == {code for code, _ in lsoas}
    assert len({m.id for m in kept}) == 27
    assert [m.id for m in load_postcodes(path).models if m.lsoa != "E01000001"] == []


def test_postcodes_load_and_link_to_lsoas(
    graph: db.Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    path = write_nspl(tmp_path / "nspl.csv", 3000)
    sources = read_sources(["ons-geography", f"postcodes:{path}"], neo4j_settings)
    result = load(graph, sources, on=ON)
    kept = result.written.created["Postcode"]
    assert kept > 150
    linked = graph.read("MATCH (:Postcode)-[:IN_LSOA]->(:Lsoa) RETURN count(*) AS n")
    assert linked == [{"n": kept}]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("pcd,lat,long\nAB1 0AA,57.1,-2.1\n", "no column for lsoa, region"),
        (",".join(HEADER) + "\nAB1 0AA,truncated\n", "fields where the header has"),
        ("", "is empty"),
    ],
)
def test_broken_postcode_files_are_named(tmp_path: Path, content: str, expected: str) -> None:
    from nhgraph.loaders.postcodes import load_postcodes

    path = tmp_path / "nspl.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=expected) as caught:
        load_postcodes(path)
    assert str(path) in str(caught.value)


def test_a_malformed_london_postcode_is_named_with_its_line(tmp_path: Path) -> None:
    from nhgraph.loaders.postcodes import load_postcodes

    path = write_nspl(tmp_path / "nspl.csv", 100)
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[1].split(",")
    fields[2] = "NOT A PC"  # pcds of row 0, a London row
    lines[1] = ",".join(fields)
    path.write_text("".join(lines))
    with pytest.raises(InputError, match=r"nspl.csv:2: Postcode id: 'NOT A PC' is not a UK"):
        load_postcodes(path)


def test_the_shipped_practice_postcodes_are_read_by_local_authority() -> None:
    from nhgraph.config import PROJECT_ROOT
    from nhgraph.loaders.postcodes import load_postcode_extract

    data = load_postcode_extract(PROJECT_ROOT / "data" / "reference")
    # 1,055 postcodes of London's practices and PCNs; 2 lie outside London (PROVENANCE.md).
    assert len(data.models) == 1053
    by_id = {m.id: m for m in data.models}
    assert by_id["N20 0DH"].lsoa == "E01000265"  # Oakleigh Road Health Centre, Barnet
    assert by_id["N20 0DH"].latitude == pytest.approx(51.625215)


def test_a_local_authority_layout_keeps_london_and_refuses_another_region(tmp_path: Path) -> None:
    from nhgraph.loaders.postcodes import load_postcodes

    path = tmp_path / "extract.csv"
    path.write_text(
        "postcode,latitude,longitude,LSOA21CD,LAD_CODE_via_LSOA21\n"
        "N20 0DH,51.625215,-0.158867,E01000265,E09000003\n"
        "BN1 1AA,50.8225,-0.1372,E01016876,E06000043\n"
        "SL4 1AA,51.48,-0.61,E01016500,\n"
    )
    assert [m.id for m in load_postcodes(path).models] == ["N20 0DH"]
    with pytest.raises(InputError, match="no region column to select E12000008"):
        load_postcodes(path, region="E12000008")


def test_a_short_row_of_another_region_is_named_though_not_kept(tmp_path: Path) -> None:
    """Rows of other regions are only counted for their fields, and still must have them all."""
    from nhgraph.loaders.postcodes import load_postcodes

    path = write_nspl(tmp_path / "nspl.csv", 200)
    lines = path.read_text().splitlines(keepends=True)
    row = next(i for i, text in enumerate(lines) if i and "E12000007" not in text)
    lines[row] = ",".join(lines[row].split(",")[:-2]) + "\n"  # two fields short
    path.write_text("".join(lines))
    with pytest.raises(InputError, match=rf"nspl.csv:{row + 1}: has \d+ fields where the header"):
        load_postcodes(path)


def test_quoted_rows_of_another_region_may_hold_commas(tmp_path: Path) -> None:
    from nhgraph.loaders.postcodes import load_postcodes

    path = write_nspl(tmp_path / "nspl.csv", 200)
    kept = len(load_postcodes(path).models)
    lines = path.read_text().splitlines(keepends=True)
    row = next(i for i, text in enumerate(lines) if i and "E12000007" not in text)
    fields = lines[row].rstrip("\n").split(",")
    fields[0] = '"AB1, 0AA"'  # a quoted comma: one field, though one comma more
    lines[row] = ",".join(fields) + "\n"
    path.write_text("".join(lines))
    assert len(load_postcodes(path).models) == kept


@pytest.mark.parametrize("block", [1 << 24, 4096, 333])
def test_each_kept_postcode_is_named_by_its_own_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """Lines are counted per block, not per row: each kept row must still carry its line,
    whatever the block size (small blocks end mid-file many times)."""
    from nhgraph.loaders import postcodes

    monkeypatch.setattr(postcodes, "_BLOCK", block)
    path = write_nspl(tmp_path / "nspl.csv", 3000)
    lines = path.read_text().split("\n")
    kept = list(postcodes.read_postcodes(path))
    assert len(kept) > 150
    for line, record in kept:
        assert lines[line - 1].startswith(f"{record['id']},"), (line, record)
    # a short row after the first block is named by its line too
    row = len(lines) - 5
    lines[row] = ",".join(lines[row].split(",")[:-1])
    path.write_text("\n".join(lines))
    with pytest.raises(InputError, match=rf"nspl.csv:{row + 1}: has \d+ fields"):
        list(postcodes.read_postcodes(path))


def test_a_byte_that_is_not_utf8_is_named_by_its_line(tmp_path: Path) -> None:
    from nhgraph.loaders.postcodes import load_postcodes

    path = write_nspl(tmp_path / "nspl.csv", 500)
    lines = path.read_bytes().split(b"\n")
    lines[300] = b"\xff" + lines[300][1:]
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError, match=r"nspl.csv:301: is not UTF-8"):
        load_postcodes(path)


def test_a_region_row_the_csv_module_refuses_is_named_by_its_line(tmp_path: Path) -> None:
    """A carriage return inside a London row (a file edited on another system, say) is not
    CSV: the row is named, not read as two."""
    from nhgraph.loaders.postcodes import load_postcodes

    path = write_nspl(tmp_path / "nspl.csv", 500)
    lines = path.read_bytes().split(b"\n")
    row = next(i for i, text in enumerate(lines) if i and b"E12000007" in text)
    lines[row] = lines[row].replace(b",", b"\r,", 1)
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError, match=rf"nspl.csv:{row + 1}: is not valid CSV"):
        load_postcodes(path)


def _geography(graph: db.Database) -> None:
    from nhgraph.config import PROJECT_ROOT
    from nhgraph.loaders.ons import load_geography
    from nhgraph.store import write_models

    write_models(graph, load_geography(PROJECT_ROOT / "data" / "reference").models)


def _stream(graph: db.Database, path: Path, size: int = 40) -> object:
    """A postcode file written while it is read, in batches small enough to be many."""
    from nhgraph.loaders.postcodes import postcode_batches, postcode_source
    from nhgraph.schema.models import PostcodeUnit
    from nhgraph.store import write_stream

    data = postcode_source(path)
    return write_stream(
        graph, PostcodeUnit, postcode_batches(data, path, size=size), replace_sources=[data.name]
    )


def _postcodes(graph: db.Database) -> dict[str, str]:
    rows = graph.read("MATCH (p:Postcode)-[:IN_LSOA]->(l:Lsoa) RETURN p.id AS p, l.id AS l")
    return {row["p"]: row["l"] for row in rows}


def test_a_postcode_file_written_while_read_matches_one_read_first(
    graph: db.Database, tmp_path: Path
) -> None:
    """Streamed in batches of 40, the file gives the graph that reading it whole gives; a
    second load changes nothing; a new version updates, adds and removes."""
    from nhgraph.loaders.postcodes import load_postcodes
    from nhgraph.store import WriteSummary

    path = write_nspl(tmp_path / "nspl.csv", 3000)
    _geography(graph)
    summary = _stream(graph, path)
    assert isinstance(summary, WriteSummary)
    expected = {m.id: m.lsoa for m in load_postcodes(path).models}
    assert len(expected) > 150  # several batches of 40
    assert summary.created == {"Postcode": len(expected)}
    assert _postcodes(graph) == expected
    [stamp] = graph.read(
        "MATCH (p:Postcode) RETURN count(DISTINCT p.loaded_at) AS times, "
        "count(p.content_hash) AS hashes, collect(DISTINCT p.source_version) AS versions"
    )
    assert stamp == {"times": 1, "hashes": len(expected), "versions": ["nspl.csv"]}

    again = _stream(graph, path)
    assert not again.changed  # type: ignore[attr-defined]
    assert again.unchanged == {"Postcode": len(expected)}  # type: ignore[attr-defined]

    lines = path.read_text().splitlines()
    london = [i for i, line in enumerate(lines) if ",E12000007," in line and ",202001," not in line]
    dropped, moved = lines[london[0]], lines[london[1]]
    other_lsoa = next(v for v in expected.values() if v not in moved)
    fields = moved.split(",")
    fields[21] = other_lsoa
    lines[london[1]] = ",".join(fields)
    del lines[london[0]]
    path.write_text("\n".join(lines) + "\n")
    third = _stream(graph, path)
    assert third.removed == {"Postcode": 1}  # type: ignore[attr-defined]
    assert third.updated == {"Postcode": 1}  # type: ignore[attr-defined]
    after = _postcodes(graph)
    assert dropped.split(",")[2] not in after
    assert after[fields[2]] == other_lsoa


def _count(graph: db.Database) -> int:
    return int(graph.read("MATCH (p:Postcode) RETURN count(p) AS n")[0]["n"])


def test_a_bad_row_late_in_a_streamed_file_leaves_the_graph_as_it_was(
    graph: db.Database, tmp_path: Path
) -> None:
    """Batches before it were already sent to Neo4j: the transaction rolls them back."""
    path = write_nspl(tmp_path / "nspl.csv", 3000)
    _geography(graph)
    _stream(graph, write_nspl(tmp_path / "first.csv", 300))
    before = _count(graph)
    lines = path.read_text().splitlines()
    last_london = max(i for i, line in enumerate(lines) if ",E12000007," in line)
    lines[last_london] = lines[last_london].replace(",51.5,", ",north,")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as raised:
        _stream(graph, path)
    [problem] = raised.value.problems
    assert problem.line == last_london + 1
    assert "latitude" in str(problem)
    assert _count(graph) == before


def test_a_postcode_listed_twice_is_named_with_both_lines(
    graph: db.Database, tmp_path: Path
) -> None:
    path = write_nspl(tmp_path / "nspl.csv", 600)
    lines = path.read_text().splitlines()
    london = [i for i, line in enumerate(lines) if ",E12000007," in line]
    lines.append(lines[london[0]])
    path.write_text("\n".join(lines) + "\n")
    _geography(graph)
    with pytest.raises(InputError) as raised:
        _stream(graph, path)
    [problem] = raised.value.problems
    assert problem.line == len(lines)
    assert f"is also on line {london[0] + 1}" in str(problem)
    assert _count(graph) == 0


def test_a_postcode_in_no_stored_lsoa_writes_nothing(graph: db.Database, tmp_path: Path) -> None:
    from nhgraph.store import DanglingReference

    path = write_nspl(tmp_path / "nspl.csv", 3000)
    lines = path.read_text().splitlines()
    last_london = max(i for i, line in enumerate(lines) if ",E12000007," in line)
    fields = lines[last_london].split(",")
    fields[21] = "E01999999"
    lines[last_london] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    _geography(graph)
    with pytest.raises(DanglingReference) as raised:
        _stream(graph, path)
    assert raised.value.missing == [("Postcode", fields[2], "lsoa", "E01999999")]
    assert _count(graph) == 0


def _other_regions(rows: list[str]) -> list[str]:
    return [row for row in rows if ",E12000007," not in row]


def _london_terminated(rows: list[str]) -> list[str]:
    """Every row kept, London's with a termination date (doterm, the fifth field)."""
    ended = []
    for row in rows:
        fields = row.split(",")
        if ",E12000007," in row:
            fields[4] = "202001"
        ended.append(",".join(fields))
    return ended


@pytest.mark.parametrize(
    "rewrite",
    [_other_regions, _london_terminated, lambda _rows: []],
    ids=["other", "dead", "header"],
)
def test_a_file_with_no_live_postcode_of_the_region_is_refused_and_keeps_the_stored_ones(
    graph: db.Database, tmp_path: Path, rewrite: Callable[[list[str]], list[str]]
) -> None:
    """Loaded, a file of another region (or of London's terminated postcodes, or of only the
    header) would replace every stored postcode with none."""
    from nhgraph.loaders.postcodes import load_postcodes

    _geography(graph)
    _stream(graph, write_nspl(tmp_path / "first.csv", 300))
    before = _postcodes(graph)
    assert len(before) > 10
    path = write_nspl(tmp_path / "nspl.csv", 600)
    header, *rows = path.read_text().splitlines()
    path.write_text("\n".join([header, *rewrite(rows)]) + "\n")
    expected = r"nspl.csv: has no live postcode in region E12000007: nothing was loaded"
    with pytest.raises(InputError, match=expected):
        _stream(graph, path)
    assert _postcodes(graph) == before
    with pytest.raises(InputError, match=expected):
        load_postcodes(path)


def test_postcodes_are_outside_the_graph_shacl_judges() -> None:
    """What lets `nhgraph load postcodes:FILE` skip SHACL: no shape sees a postcode, and no
    node links to one, so the judged graph is the same after the load as before."""
    from nhgraph.load import NOT_SHACL_VALIDATED
    from nhgraph.schema.models import MODEL_CLASSES

    assert "Postcode" in NOT_SHACL_VALIDATED
    targets = {link.target for cls in MODEL_CLASSES for link in cls.links().values()}
    assert "Lsoa" in targets
    assert "Postcode" not in targets


def test_the_cli_loads_a_postcode_file_while_reading_it(
    graph: db.Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    from .command_line import settings_env

    path = write_nspl(tmp_path / "nspl.csv", 3000)
    _geography(graph)
    env = {**os.environ, **settings_env(neo4j_settings)}
    command = [sys.executable, "-m", "nhgraph", "load", f"postcodes:{path}"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "writing while reading" in done.stderr
    kept = _count(graph)
    assert kept > 150
    assert f"read {kept} postcodes" in done.stdout
    assert "loaded" in done.stdout
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 0
    assert "nothing changed" in again.stdout

    path.write_text(path.read_text().replace(",51.5,", ",north,", 1))
    broken = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert broken.returncode == 1, broken.stderr
    assert "the data break the model" in broken.stderr
    assert "nothing written" in broken.stderr
    assert _count(graph) == kept


def test_a_streamed_write_neo4j_asks_to_retry_is_refused_not_replayed(
    graph: db.Database, tmp_path: Path
) -> None:
    """The driver retries a unit of work on a transient error; a stream's batches are
    spent by then, and a replay would commit an empty source, removing every stored
    postcode of it. The retry is refused instead, and the graph stays as it was."""
    from neo4j.exceptions import TransientError

    from nhgraph.loaders.postcodes import postcode_source
    from nhgraph.schema.models import PostcodeUnit
    from nhgraph.store import write_stream

    path = write_nspl(tmp_path / "nspl.csv", 3000)
    _geography(graph)
    _stream(graph, path)
    before = _postcodes(graph)
    assert before

    def batches() -> Iterator[list[Node]]:
        from nhgraph.loaders.postcodes import load_postcodes

        yield list(load_postcodes(path).models[:10])
        raise TransientError("a deadlock, say")

    with pytest.raises(db.DatabaseError, match="running it again may succeed"):
        write_stream(graph, PostcodeUnit, batches(), replace_sources=[postcode_source(path).name])
    assert _postcodes(graph) == before


def test_a_stream_too_large_for_the_server_says_so_and_what_to_set(graph: db.Database) -> None:
    """Running out of transaction memory is not a reason to retry: a rerun fails the same
    way. The stream says it is too large and names the heap to set, with the numbers, and
    writes nothing (issue 23, defect 12)."""
    from nhgraph.schema.models import PostcodeUnit
    from nhgraph.store import write_models, write_stream

    from .world import world

    settings = graph.settings
    if settings.neo4j_heap != "512m" or not settings.manages_local_server:
        pytest.skip("sized for the project's own test server (512m heap)")
    write_models(graph, [m for m in world() if type(m).__name__ in ("Region", "System", "Place")])
    write_models(graph, [m for m in world() if type(m).__name__ == "Lsoa"])
    before = graph.read(
        "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r"
    )
    huge = "x" * 2_000_000  # 150 postcodes of 2 MB each: beyond a 512m heap's transactions

    def batches() -> Iterator[list[Node]]:
        for batch in range(30):
            # Past the model's bounds (model_construct skips them): the server's limit is tested.
            yield [
                PostcodeUnit.model_construct(
                    id=f"nw1 {batch}{i:02d}", lsoa="E01000800", source="t", source_version=huge
                )
                for i in range(5)
            ]

    with pytest.raises(db.TooLarge) as caught:
        write_stream(graph, PostcodeUnit, batches(), replace_sources=["t"])
    message = str(caught.value)
    assert "too large for one transaction" in message
    # Every row was written and the commit ran out: it needed more than the limit, no more
    # is known, and twice the heap is what to try.
    assert "ran out as it committed all 150 rows to write" in message, message
    assert "NHGRAPH_NEO4J_HEAP (now 512m; try 1g" in message, message
    assert "retry" not in message
    assert "run the load again" not in message
    assert (
        graph.read(
            "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r"
        )
        == before
    )


def test_a_directory_too_large_for_the_server_says_so_however_neo4j_ends_it(
    graph: db.Database, neo4j_settings: Settings, tmp_path: Path
) -> None:
    """Many ordinary postcodes over every London LSOA, not a few huge ones: Neo4j's transaction
    pool runs out while a batch's CREATE is pipelined, and the next batch's lookup of its new
    LSOAs meets a transaction the driver reports as "Transaction failed", the memory error its
    cause (England's directory on a 2g heap did). That is still too large, said so with what to
    set, and nothing is written."""
    import csv

    from nhgraph.config import PROJECT_ROOT
    from nhgraph.load import load_postcode_file

    settings = graph.settings
    if settings.neo4j_heap != "512m" or not settings.manages_local_server:
        pytest.skip("sized for the project's own test server (512m heap)")
    load(graph, read_sources(["ons-geography"], neo4j_settings), on=ON)
    before = graph.read(
        "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r"
    )
    with (PROJECT_ROOT / "data" / "reference" / "london_lsoa21.csv").open(encoding="utf-8") as f:
        lsoas = [(row["LSOA21CD"], "E12000007") for row in csv.DictReader(f)]
    # About 180,000 live postcodes at 4 to 6.5 KB of transaction state each: well past the
    # 358 MiB a 512m heap lets a transaction use, which runs out half way through the writes;
    # each batch of 5,000 names some 125 LSOAs not yet seen.
    path = write_nspl_over(tmp_path / "nspl.csv", lsoas, 40)
    with pytest.raises(db.TooLarge) as caught:
        load_postcode_file(graph, path)
    message = str(caught.value)
    assert message.startswith("writing Postcode nodes as they are read"), message
    assert "too large for one transaction" in message
    # Not only "try twice the heap": the whole file is counted, and what it needs is said.
    live = sum(1 for _ in read_postcodes(path))
    assert f"the source holds {live:,} rows to write" in message, message
    need = re.search(r"which need about ([\d.]+) (GiB|MiB) in one transaction", message)
    assert need is not None, message
    need_gib = float(need.group(1)) / (1 if need.group(2) == "GiB" else 1024)
    assert 0.8 < need_gib < 1.6, message  # 180,000 postcodes at about 6.5 KB
    assert re.search(r"NHGRAPH_NEO4J_HEAP \(now 512m; set at least [2-3]g", message), message
    assert (
        graph.read(
            "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r"
        )
        == before
    )


def _sent(
    *rows: tuple[int, BaseException | None],
) -> list[tuple[Future[list[dict[str, Any]]], int]]:
    """Writes as the stream's pipeline leaves them: run (a result), failed, or not yet run."""
    sent: list[tuple[Future[list[dict[str, Any]]], int]] = []
    for count, failure in rows:
        future: Future[list[dict[str, Any]]] = Future()
        if failure is None:
            future.set_result([])
        elif not isinstance(failure, KeyboardInterrupt):  # KeyboardInterrupt: never ran
            future.set_exception(failure)
        sent.append((future, count))
    return sent


def test_a_stream_too_large_counts_only_the_writes_that_ran_and_reads_on_past_a_bad_row() -> None:
    """The rows written are those of the writes the server ran (not those failed or still
    queued); the rest of the source is counted to where it fails, and the refusal says it is
    at least that; the heap named holds the whole with its commit."""
    from nhgraph.store.stream import COMMIT_GROWTH, StreamReach, too_large_for

    limit = 300 * 2**20
    error = db.TooLarge("writing Postcode nodes as they are read: too large", limit=limit)
    failed = db.TooLarge("too large", limit=limit)
    # Four batches of 1,000 read and sent: two ran, one failed, one never ran.
    reach = StreamReach(read=4000, done=4000)
    reach.sent = _sent((1000, None), (1000, None), (1000, failed), (1000, KeyboardInterrupt()))

    def rest() -> Iterator[list[Node]]:
        yield [PostcodeUnit.model_construct(id=f"N1 {i}AA") for i in range(5000)]
        raise InputError(
            [Problem("nspl.csv", 9001, "Postcode id", "is not a postcode")], unreadable=False
        )

    refusal = too_large_for(Settings(neo4j_heap="512m"), "writing", error, reach, rest())
    assert refusal is not None
    message = str(refusal)
    assert "ran out with 2,000 rows written, 153.6 KB a row" in message, message  # 300 MiB
    # 4,000 read and 5,000 more before the bad row, every one to be written.
    assert "the source holds 9,000 rows to write (at least: reading on" in message, message
    assert "nspl.csv, line 9001" in message or "nspl.csv:9001" in message, message
    need = limit / 2000 * 9_000 * COMMIT_GROWTH
    assert f"set at least {db.heap_for(need)}" in message, message
    assert refusal.limit == limit


def test_a_stream_too_large_without_a_stated_limit_or_a_write_keeps_the_plain_refusal() -> None:
    from nhgraph.store.stream import StreamReach, too_large_for

    settings = Settings(neo4j_heap="512m")
    reach = StreamReach(read=5000, done=5000)
    reach.sent = _sent((5000, None))
    heap = db.TooLarge("Java heap space", limit=None)
    assert too_large_for(settings, "writing", heap, reach, iter([])) is None
    nothing = StreamReach(read=5000, done=0)
    nothing.sent = _sent((5000, KeyboardInterrupt()))
    stated = db.TooLarge("too large", limit=2**28)
    assert too_large_for(settings, "writing", stated, nothing, iter([])) is None
