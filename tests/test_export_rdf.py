"""`nhgraph export rdf` on London: Turtle and JSON-LD parse with Apache Jena RIOT and conform
to the shapes with both engines (pySHACL and Jena SHACL); N-Triples parse; a broken file fails
RIOT, which proves the check can fail; the public export holds no agreement and no name.

Jena runs once for the whole module (tests/jena/RdfCheck.java: RIOT's `--validate`, then Jena
SHACL), on files written by the export the operator runs.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF
from typer.testing import CliRunner

from nhgraph.access import PUBLIC
from nhgraph.cli import app
from nhgraph.config import PROJECT_ROOT, Settings, get_settings
from nhgraph.export.formats import RdfFormat
from nhgraph.export.rdf import export_rdf, write_rdf
from nhgraph.ontology.namespaces import NHG
from nhgraph.ontology.report import read_report
from nhgraph.ontology.shapes import load_shapes
from nhgraph.ontology.validation import add_validation_context, validate_graph
from nhgraph.store import db

from .asking import DAY
from .conftest import load_london_demo, make_test_settings

JENA_LIB = PROJECT_ROOT / "jena" / "target" / "lib"
CHECK = Path(__file__).with_name("jena") / "RdfCheck.java"
SUFFIX = {RdfFormat.turtle: "ttl", RdfFormat.jsonld: "jsonld", RdfFormat.ntriples: "nt"}
RDFLIB = {RdfFormat.turtle: "turtle", RdfFormat.jsonld: "json-ld", RdfFormat.ntriples: "nt"}

needs_jena = pytest.mark.skipif(
    not any(JENA_LIB.glob("jena-cmds-*.jar")) or shutil.which("java") is None,
    reason="Jena's jars are not fetched (make setup fetches them)",
)


@pytest.fixture(scope="module")
def london(database: db.Database, neo4j_settings: Settings) -> Iterator[db.Database]:
    load_london_demo(database, neo4j_settings, DAY)
    yield database
    database.reset()


@pytest.fixture(scope="module")
def files(london: db.Database, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each format's export of London, the public Turtle, and a deliberately broken file."""
    folder = tmp_path_factory.mktemp("rdf")
    written = {}
    for rdf_format in RdfFormat:
        path = folder / f"london.{SUFFIX[rdf_format]}"
        done = export_rdf(london, path, rdf_format)
        assert done.triples > 100_000, done.summary()
        written[rdf_format.value] = path
    written["public"] = folder / "public.ttl"
    export_rdf(london, written["public"], RdfFormat.turtle, principal=PUBLIC)
    broken = folder / "broken.ttl"
    text = written[RdfFormat.turtle].read_text()
    broken.write_text(text.replace(" .\n", " \n", 1))  # one statement left unterminated
    written["broken"] = broken
    return written


@pytest.fixture(scope="module")
def jena(files: Mapping[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """RIOT's exit code and Jena SHACL's verdict for every file, from one JVM."""
    if not any(JENA_LIB.glob("jena-cmds-*.jar")) or shutil.which("java") is None:
        pytest.skip("Jena's jars are not fetched (make setup fetches them)")
    folder = tmp_path_factory.mktemp("jena")
    shapes = folder / "shapes.ttl"
    load_shapes().serialize(shapes, format="turtle")
    context = Graph()
    add_validation_context(context, DAY)
    context_file = folder / "context.ttl"
    context.serialize(context_file, format="turtle")
    done = subprocess.run(
        [
            "java",
            "-cp",
            f"{JENA_LIB}/*",
            str(CHECK),
            str(shapes),
            str(context_file),
            *[str(path) for path in files.values()],
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    verdicts = {}
    for line in done.stdout.splitlines():
        step, path, verdict = line.split("\t")
        verdicts[f"{step}:{path}"] = verdict
    verdicts["stderr"] = done.stderr
    return verdicts


_PARSED: dict[Path, Graph] = {}


def _parsed(path: Path, rdf_format: RdfFormat) -> Graph:
    """Each file parsed once for the module (London is seconds of parsing per format); a test
    that adds to a graph adds to a copy."""
    if path not in _PARSED:
        _PARSED[path] = Graph().parse(path, format=RDFLIB[rdf_format])
    return _PARSED[path]


def _copy(graph: Graph) -> Graph:
    copied = Graph()
    copied += graph
    return copied


@needs_jena
@pytest.mark.parametrize("rdf_format", list(RdfFormat))
def test_riot_parses_every_format(
    rdf_format: RdfFormat, files: Mapping[str, Path], jena: Mapping[str, str]
) -> None:
    assert jena[f"riot:{files[rdf_format.value]}"] == "0", jena["stderr"][-2000:]


@needs_jena
def test_riot_refuses_a_broken_file(files: Mapping[str, Path], jena: Mapping[str, str]) -> None:
    assert jena[f"riot:{files['broken']}"] != "0"
    assert "not terminated" in jena["stderr"].lower() or "error" in jena["stderr"].lower()
    assert f"shacl:{files['broken']}" not in jena


@needs_jena
@pytest.mark.parametrize("rdf_format", [RdfFormat.turtle, RdfFormat.jsonld])
def test_jena_shacl_finds_no_violation(
    rdf_format: RdfFormat, files: Mapping[str, Path], jena: Mapping[str, str]
) -> None:
    path = files[rdf_format.value]
    report = Graph().parse(f"{path}.report.ttl", format="turtle")
    data = _copy(_parsed(path, rdf_format))
    add_validation_context(data, DAY)
    results = read_report(report, data, load_shapes())
    violations = [r for r in results if r.severity == "Violation"]
    assert not violations, "\n".join(f"{r.rule} {r.focus_node} {r.message}" for r in violations)
    # The demo's planted warnings are found by Jena too: the shapes were run, not skipped.
    assert any(r.severity == "Warning" for r in results)
    assert jena[f"shacl:{path}"] in ("true", "false")


def test_pyshacl_finds_no_violation(files: Mapping[str, Path]) -> None:
    """The Turtle export passes pySHACL (the JSON-LD one holds the same triples, tested below,
    and Jena judges both): a London run of pySHACL is the module's dearest step."""
    data = _copy(_parsed(files[RdfFormat.turtle.value], RdfFormat.turtle))
    report = validate_graph(data, on=DAY, copy=False, workers=2)
    assert report.conforms, report.to_text()
    assert report.warnings, "the demo's planted warnings are found"


def test_the_three_formats_hold_the_same_triples(files: Mapping[str, Path]) -> None:
    graphs = {f: _parsed(files[f.value], f) for f in RdfFormat}
    sizes = {f.value: len(g) for f, g in graphs.items()}
    assert len(set(sizes.values())) == 1, sizes
    turtle, ntriples = graphs[RdfFormat.turtle], graphs[RdfFormat.ntriples]
    assert set(turtle) == set(ntriples)


def test_the_export_holds_every_stored_node_with_provenance(
    london: db.Database, files: Mapping[str, Path]
) -> None:
    data = _parsed(files[RdfFormat.turtle.value], RdfFormat.turtle)
    for label in ("Lsoa", "Postcode", "Organisation", "Neighbourhood", "Int", "Service"):
        stored = london.read(f"MATCH (n:{label}) RETURN count(n) AS count")[0]["count"]
        assert stored > 0, label
        assert len(set(data.subjects(RDF.type, NHG[label]))) == stored, label
    assert len(set(data.subjects(RDF.type, NHG.DataSharingAgreement))) > 0
    assert set(data.objects(None, NHG.sourceVersion)), "provenance is kept"
    assert (None, RDF.type, NHG.ValidationContext) not in data, "no validation machinery"


def test_the_public_export_holds_no_agreement(files: Mapping[str, Path]) -> None:
    public = _parsed(files["public"], RdfFormat.turtle)
    assert not set(public.subjects(RDF.type, NHG.DataSharingAgreement))
    assert not [o for o in public.objects() if "/id/agreement/" in str(o)]
    assert not set(public.objects(None, NHG.holderName))
    assert validate_graph(_copy(public), on=DAY, copy=False, workers=2).conforms


def test_the_command_streams_ntriples_to_stdout_without_the_vocabulary(
    london: db.Database,
) -> None:
    env = {"NHGRAPH_NEO4J_URI": london.uri, "NHGRAPH_ENV": "test"}
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["export", "rdf", "--format", "ntriples", "--no-vocabulary", "--public"], env=env
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    graph = Graph().parse(data=result.stdout_bytes.decode(), format="nt")
    assert (None, RDF.type, NHG.Lsoa) in graph
    assert (NHG.Lsoa, None, None) not in graph, "the vocabulary is left out"
    assert "triples" in result.stderr


def test_a_failed_export_leaves_the_file_as_it_was(london: db.Database, tmp_path: Path) -> None:
    path = tmp_path / "kept.ttl"
    path.write_text("what was there")
    away = db.Database(make_test_settings(neo4j_uri="bolt://127.0.0.1:9"))
    try:
        with pytest.raises(db.DatabaseError):
            export_rdf(away, path, RdfFormat.turtle)
    finally:
        away.close()
    assert path.read_text() == "what was there"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.ttl"], "no partial file is left"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        export_rdf(london, tmp_path / "no" / "such.ttl", RdfFormat.turtle)


def test_ntriples_are_written_a_page_at_a_time(london: db.Database) -> None:
    class Sink:
        def __init__(self) -> None:
            self.writes = 0
            self.size = 0

        def write(self, data: bytes) -> int:
            self.writes += 1
            self.size += len(data)
            return len(data)

    sink = Sink()
    done = write_rdf(london, sink, RdfFormat.ntriples)  # type: ignore[arg-type]
    assert sink.writes > 10, "one write per page, not one for the whole graph"
    assert done.triples > 100_000
