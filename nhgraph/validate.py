"""Validation as the users run it: of files before a load, and of the stored graph, whose
report may be saved in the graph as its validation status (``--save``).

Files are read into models (the model check, with file, line and field named), mapped to RDF
with the Turtle files given alongside, and checked with the SHACL shapes. The stored graph is
read from Neo4j as plain records, without the model check, so that whatever is wrong in it is
reported by rule rather than refused on the way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from rdflib import Graph

from nhgraph.loaders.bounded import parse_turtle
from nhgraph.loaders.bundle import BUNDLE_SUFFIXES, read_files
from nhgraph.loaders.bundle import find_files as find_input_files
from nhgraph.loaders.errors import InputError, Problem
from nhgraph.ontology.rdf import models_to_graph, new_graph, records_to_graph
from nhgraph.ontology.report import ValidationReport
from nhgraph.ontology.shapes import shapes_digest
from nhgraph.ontology.validation import fields_the_shapes_read, validate_graph
from nhgraph.schema.models import Node
from nhgraph.store import read_records
from nhgraph.store.db import Database
from nhgraph.store.findings import DEFAULT_MAX_FINDINGS, SavedRun, save_run


def read_inputs(paths: Sequence[Path]) -> tuple[Graph, list[Node]]:
    """The RDF graph of input files (team-of-teams YAML/JSON, and Turtle), and their models.

    Raises InputError listing every problem of every file; ``unreadable`` is set when a file
    could not be read at all (missing, not UTF-8, not YAML/Turtle, empty).
    """
    graph = new_graph()
    problems: list[Problem] = []
    unreadable = False
    files = find_input_files(list(paths))
    if not files:
        raise InputError(
            [Problem(", ".join(map(str, paths)), None, "", "holds no data files")], unreadable=True
        )
    bundles: list[Path] = []
    for path in files:
        if not path.exists():
            problems.append(Problem(str(path), None, "", "does not exist"))
            unreadable = True
        elif path.suffix == ".ttl":
            try:
                parse_turtle(graph, path)
            except InputError as error:
                problems += error.problems
                unreadable = True
        elif path.suffix in BUNDLE_SUFFIXES:
            bundles.append(path)
        else:
            problems.append(
                Problem(str(path), None, "", "is not a data file (.yaml, .yml, .json or .ttl)")
            )
            unreadable = True
    models: list[Node] = []
    try:
        models = [model for model, _ in read_files(bundles)]
    except InputError as error:
        problems += error.problems
        unreadable = unreadable or error.unreadable
    if problems:
        raise InputError(problems, unreadable=unreadable)
    models_to_graph(models, graph, provenance=False)
    return graph, models


def stored_graph(database: Database, extra_shapes: Sequence[Path] = ()) -> Graph:
    """The stored graph as RDF, node by node, as it is (not checked by the models), with the
    fields the shapes read (:func:`~nhgraph.ontology.validation.fields_the_shapes_read`)."""
    fields = fields_the_shapes_read(extra_shapes)
    return records_to_graph(read_records(database, fields=fields), new_graph(), fields=fields)


def validate_paths(
    paths: Sequence[Path],
    *,
    on: date | None = None,
    extra_shapes: Sequence[Path] = (),
    workers: int = 1,
) -> ValidationReport:
    """The validation report of input files, read into models, mapped to RDF and checked by the
    shapes for the day (today unless given)."""
    graph, _ = read_inputs(paths)
    return validate_graph(graph, on=on, extra_shapes=extra_shapes, copy=False, workers=workers)


def validate_stored(
    database: Database,
    *,
    on: date | None = None,
    extra_shapes: Sequence[Path] = (),
    workers: int = 1,
) -> ValidationReport:
    """The validation report of the graph stored in Neo4j, read as plain records and checked by the
    shapes for the day (today unless given)."""
    return validate_graph(
        stored_graph(database, extra_shapes),
        on=on,
        extra_shapes=extra_shapes,
        copy=False,
        workers=workers,
    )


def save_stored_report(
    database: Database,
    report: ValidationReport,
    *,
    on: date | None = None,
    extra_shapes: Sequence[Path] = (),
    cap: int = DEFAULT_MAX_FINDINGS,
) -> SavedRun:
    """Keep a stored-graph validation report in the graph as the latest run, replacing the
    previous run's findings, so that the API shows which records break which rule today."""
    return save_run(
        database,
        report,
        on=on or date.today(),
        trigger="validate",
        shapes=shapes_digest(extra_shapes),
        cap=cap,
    )
