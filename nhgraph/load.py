"""`nhgraph load`: read, check against the model, validate with SHACL, write all or nothing.

1. Read every source (reference loaders by name, team-of-teams folders): problems name the
   file, line and field, and stop the load before anything is written.
2. Validate with SHACL the graph as it would be after the load: what is stored, less what
   the loaded sources held before, plus what they hold now. Violations refuse the load;
   warnings are reported.
3. Write in one transaction, UNWIND batches on stable ids, only nodes whose content changed,
   removing what a reloaded source no longer holds. The write runs during validation and its
   transaction commits only once validation has passed. A load that fails at any point, or
   a process killed midway, leaves the previous graph exactly as it was, since the
   transaction never commits.
4. The validation report is kept in the graph as the latest validation run, in the same
   transaction (:mod:`nhgraph.store.findings`): the data and its validation status commit
   together.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import Graph

from nhgraph.config import Settings
from nhgraph.errors import NhgraphError
from nhgraph.loaders import hsds, ods, ons  # noqa: F401  (register themselves)
from nhgraph.loaders.bundle import check_duplicates, find_files, read_files
from nhgraph.loaders.errors import InputError, Problem
from nhgraph.loaders.postcodes import load_postcodes, postcode_batches, postcode_source
from nhgraph.loaders.reference import Reference, parse_regions
from nhgraph.loaders.sources import LOADERS, SourceData
from nhgraph.loaders.vintages import Vintages, summary_counts, vintages_in
from nhgraph.ontology.rdf import models_to_graph, new_graph, records_to_graph
from nhgraph.ontology.report import ValidationReport
from nhgraph.ontology.shapes import shapes_digest
from nhgraph.ontology.validation import fields_the_shapes_read, validate_graph
from nhgraph.schema.identifiers import LONDON
from nhgraph.schema.models import Node, PostcodeUnit, class_name
from nhgraph.store import (
    DanglingReference,
    Progress,
    WritePlan,
    WriteSummary,
    plan_write,
    read_records,
    stored_counts,
    write_models,
    write_stream,
)
from nhgraph.store.db import Database, Transaction, get_database
from nhgraph.store.findings import DEFAULT_MAX_FINDINGS, SavedRun, save_run_in
from nhgraph.store.gazetteer import Gazetteer
from nhgraph.store.guard import NotTheOwner, check_links, check_share, from_others
from nhgraph.store.memory import collector_paused

#: The name `nhgraph load` gives the shipped London reference data: every registered loader.
REFERENCE = "reference"
#: The prefix naming an ONSPD/NSPL postcode file: ``postcodes:/data/NSPL.csv``.
POSTCODES = "postcodes:"
#: The prefix naming an HSDS / ORUK feed, a folder or ndjson file: ``hsds:/data/camden``.
HSDS = hsds.PREFIX
#: Classes too numerous to validate with SHACL at each load (checked by the model and by the
#: write's dangling-link check instead).
NOT_SHACL_VALIDATED = frozenset({"Postcode"})


class LoadRefused(NhgraphError):
    """SHACL found violations: nothing was written."""

    code = "load_refused"

    def __init__(self, report: ValidationReport) -> None:
        """The refusal of a load whose validation report has Violations, so nothing was written."""
        self.report = report
        super().__init__(f"the load breaks {len(report.violations)} rule(s); nothing written")


@dataclass
class LoadResult:
    """What a load did: the sources read, the validation report, what was written, the rows
    skipped by reason, and the validation run saved with it (None when nothing was judged)."""

    sources: list[SourceData]
    report: ValidationReport
    written: WriteSummary
    skipped: Counter[str] = field(default_factory=Counter)
    run: SavedRun | None = None


def team_of_teams(folder: Path, vintages: Vintages | None = None) -> SourceData:
    """A team-of-teams dataset: a folder of YAML files (one folder per place, say).

    With ``vintages`` (the reference folder's LSOA 2011 to 2021 lookup), a footprint or
    service area that names 2011 LSOAs is mapped to 2021's (:mod:`nhgraph.loaders.vintages`):
    what was mapped is counted in the source's summary, and a complex change refuses the
    load, naming the record and the 2021 LSOAs to choose from.
    """
    files = [p for p in find_files([folder]) if p.suffix in (".yaml", ".yml", ".json")]
    if not files:
        raise InputError(
            [Problem(str(folder), None, "", "holds no .yaml or .json files")], unreadable=True
        )
    digest = hashlib.sha1()
    for path in files:
        digest.update(path.read_bytes())
    data = SourceData(f"team-of-teams:{folder.name}", digest.hexdigest()[:12])
    problems: list[Problem] = []
    for model, path in read_files(files):
        update: dict[str, object] = {"source": data.name, "source_version": data.version}
        if vintages is not None:
            update |= _current_lsoas(model, path, vintages, data, problems)
        data.models.append(model.model_copy(update=update))
        data.files[(class_name(type(model)), str(model.id))] = str(path)  # type: ignore[attr-defined]
    if problems:
        raise InputError(problems, unreadable=False)
    return data


def hsds_feed(
    path: Path, settings: Settings, *, name: str | None = None, database: Database | None = None
) -> SourceData:
    """An HSDS / ORUK feed (`hsds:PATH`), its organisations and areas matched against the graph
    the load writes to. The source is named ``hsds:<folder or file name>`` unless ``name`` is
    given, so that a newer feed of the same directory replaces the older one."""
    source = None if name is None else name if name.startswith(HSDS) else HSDS + name
    return hsds.read_feed(
        path,
        Gazetteer(database or get_database(settings)),
        name=source,
        max_records=settings.hsds_max_records,
    )


def _current_lsoas(
    model: Node, path: Path, vintages: Vintages, data: SourceData, problems: list[Problem]
) -> dict[str, object]:
    """A record's lists of LSOAs with 2011 codes mapped to 2021's (the fields that change)."""
    changed: dict[str, object] = {}
    for name, target in type(model).links().items():
        codes = getattr(model, name)
        if target.target != "Lsoa" or not isinstance(codes, list) or not codes:
            continue
        mapped = vintages.map(codes)
        where = f"{class_name(type(model))} {model.id} {name}"  # type: ignore[attr-defined]
        for old, parts in mapped.complex.items():
            problems.append(
                Problem(
                    str(path),
                    None,
                    where,
                    f"{old} is a 2011 LSOA whose boundary changed in a complex way (ONS "
                    f"change X): it is not mapped for you; write the 2021 LSOAs meant, from "
                    f"{', '.join(parts)}",
                )
            )
        data.skipped.update(summary_counts(f"{path.parent.name}/{path.name}", mapped))
        if mapped.codes != codes:
            changed[name] = mapped.codes
    return changed


@collector_paused()
def read_sources(
    specs: Sequence[str],
    settings: Settings,
    *,
    source_name: str | None = None,
    database: Database | None = None,
) -> list[SourceData]:
    """Every source named: 'reference', a registered loader's name, a dataset folder, or an
    HSDS feed (``hsds:PATH``, named ``source_name`` where given, matched against ``database``,
    by default the settings' own)."""
    found: list[SourceData] = []
    problems: list[Problem] = []
    unreadable = False
    feeds = [spec for spec in specs if spec.startswith(HSDS)]
    if source_name is not None and len(feeds) != 1:
        raise InputError(
            [Problem(source_name, None, "", "a source name is for one HSDS feed (hsds:PATH)")],
            unreadable=True,
        )
    for spec in specs:
        try:
            if spec.startswith(HSDS):
                found.append(
                    hsds_feed(
                        Path(spec.removeprefix(HSDS)),
                        settings,
                        name=source_name,
                        database=database,
                    )
                )
            elif spec.startswith(POSTCODES):
                found.append(load_postcodes(Path(spec.removeprefix(POSTCODES))))
            elif spec == REFERENCE:
                reference = reference_of(settings)
                found += [loader(reference) for loader in LOADERS.values()]
            elif spec in LOADERS:
                found.append(LOADERS[spec](reference_of(settings)))
            elif Path(spec).exists():
                found.append(team_of_teams(Path(spec), vintages_in(settings.reference_dir)))
            else:
                problems.append(
                    Problem(
                        spec,
                        None,
                        "",
                        "is neither a folder nor a source "
                        f"({', '.join([REFERENCE, *LOADERS, POSTCODES + 'FILE', HSDS + 'PATH'])})",
                    )
                )
                unreadable = True
        except InputError as error:
            problems += error.problems
            unreadable = unreadable or error.unreadable
    if problems:
        raise InputError(problems, unreadable=unreadable)
    everything = [m for source in found for m in source.models]
    origin = {i: source.name for source in found for i, _ in enumerate(source.models)}
    duplicates = check_duplicates(everything, origin)
    if duplicates:
        raise InputError(duplicates, unreadable=False)
    return found


def reference_of(settings: Settings) -> Reference:
    """The reference files and regions the settings name (NHGRAPH_REFERENCE_DIR and
    NHGRAPH_REFERENCE_REGIONS; `nhgraph load --from/--region` set them)."""
    return Reference(settings.reference_dir, parse_regions(settings.reference_regions))


def graph_after_load(database: Database, sources: Sequence[SourceData]) -> Graph:
    """The RDF graph as it would be after the load (what SHACL is asked about), with only the
    fields the shapes read."""
    names = {source.name for source in sources}
    stored = {
        label
        for label, count in stored_counts(database).items()
        if count and label not in NOT_SHACL_VALIDATED
    }
    fields = fields_the_shapes_read()
    graph = records_to_graph(
        read_records(database, stored, fields=fields),
        new_graph(),
        skip_sources=names,
        fields=fields,
    )
    models: list[Node] = [
        m for s in sources for m in s.models if class_name(type(m)) not in NOT_SHACL_VALIDATED
    ]
    return models_to_graph(models, graph, provenance=False, fields=fields)


@collector_paused()
def load(
    database: Database,
    sources: Sequence[SourceData],
    *,
    on: date | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    step: Callable[[str], None] | None = None,
    save_findings: bool = True,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    allow_removals: bool = False,
    on_plan: Callable[[WritePlan], None] | None = None,
) -> LoadResult:
    """Validate and write the sources; LoadRefused (nothing written) on any violation.

    ``on_plan`` is shown the plan once it has passed its checks and before anything is
    written (the command line works out from it what the load changes, and what that touches).

    Unless ``save_findings`` is false, the report is saved as the latest validation run (at
    most ``max_findings`` findings) in the load's own transaction.

    Refused before anything is written, too: a record another source owns (NotTheOwner),
    and, unless ``allow_removals``, a reload that removes more than NHGRAPH_MAX_REMOVAL_SHARE
    of a source's records or nodes that other sources link to (RemovalsRefused). The write
    refuses with GraphChanged if a node it updates or removes changed since the plan.
    """
    announce = step or (lambda _message: None)
    everything = [m for source in sources for m in source.models]
    names = [source.name for source in sources]
    skipped: Counter[str] = Counter()
    for source in sources:
        skipped.update(source.skipped)
    announce("comparing")
    planned = plan_write(database, everything, replace_sources=names, track_updates=True)
    check_plan(planned, sources, database.settings.max_removal_share, allow_removals)
    if on_plan is not None:
        on_plan(planned)
    if not planned.changed:
        # The graph after the load is the graph now, which was validated when it was loaded.
        return LoadResult(list(sources), ValidationReport(conforms=True), planned.summary, skipped)
    database.ensure_schema()
    verdict = _Verdict()
    with ThreadPoolExecutor(1, thread_name_prefix="nhgraph-write") as pool:
        # The write runs while SHACL judges the graph after the load: its transaction waits,
        # open, for the verdict, commits on a pass and rolls back on a refusal. Neo4j works
        # while Python validates, instead of each waiting for the other.
        announce("writing")
        rows_made = threading.Event()
        writing = pool.submit(
            write_models,
            database,
            everything,
            replace_sources=names,
            progress=progress,
            then=verdict.wait,
            prepared=rows_made.set,
            expect=planned,
            allow_removals=allow_removals,
        )
        # Python makes the rows before building the graph to validate: the two would share
        # one interpreter lock, and Neo4j, the longer part, could start only when both ended.
        while not rows_made.wait(0.05) and not writing.done():
            pass
        announce("validating")
        try:
            graph = graph_after_load(database, sources)
            report = validate_graph(graph, on=on, copy=False, workers=workers)
        except BaseException:
            verdict.refuse()
            raise
        if not report.conforms:
            verdict.refuse()
            with suppress(Exception):
                writing.result()  # rolled back (or failed on its own: the report says more)
            raise LoadRefused(report)
        announce("committing")
        saved: list[SavedRun] = []
        if save_findings:
            day, digest = on or date.today(), shapes_digest()

            def keep(tx: Transaction) -> None:
                saved.append(
                    save_run_in(tx, report, on=day, trigger="load", shapes=digest, cap=max_findings)
                )

            verdict.then = keep
        verdict.allow()
        written = writing.result()
    # The last one saved is the one committed (a transaction retried saves its run again).
    return LoadResult(list(sources), report, written, skipped, run=saved[-1] if saved else None)


def check_plan(
    planned: WritePlan, sources: Sequence[SourceData], max_share: float, allow_removals: bool
) -> None:
    """Refuse a planned load that restates another source's records, names a node it
    removes, or (unless allowed) removes too much or what other sources link to."""
    if planned.foreign:
        files = {key: path for source in sources for key, path in source.files.items()}
        raise NotTheOwner(
            [(*c, files.get((c[0], c[1]))) for c in planned.foreign]  # (label, id)
        )
    if planned.dangling:
        raise DanglingReference(planned.dangling)
    names = {source.name for source in sources}
    check_share(planned.view, max_share, allow_removals)
    links = [
        link
        for found in planned.view.incoming.values()
        for link in from_others(found, names, planned.view.removed)
    ]
    check_links(links, names, allow_removals)


@collector_paused()
def load_postcode_file(
    database: Database,
    path: Path,
    *,
    region: str = LONDON,
    progress: Progress | None = None,
    allow_removals: bool = False,
) -> LoadResult:
    """A postcode directory loaded on its own (`nhgraph load postcodes:FILE`), written while
    it is read: Neo4j writes one batch of the region's postcodes while Python reads on.

    Still all or nothing, in one transaction: a row the model refuses (named by line) or a
    postcode in no stored LSOA rolls it back. SHACL is not asked: postcodes are not in the
    graph it judges (NOT_SHACL_VALIDATED) and nothing links to them, so that graph is the
    same after this load as before it, and was judged when it was loaded.
    """
    data = postcode_source(path)
    database.ensure_schema()
    written = write_stream(
        database,
        PostcodeUnit,
        postcode_batches(data, path, region),
        replace_sources=[data.name],
        progress=progress,
        max_removal_share=database.settings.max_removal_share,
        allow_removals=allow_removals,
        where=str(path),
    )
    return LoadResult([data], ValidationReport(conforms=True), written, data.skipped)


class _Refused(RuntimeError):
    """Raised inside the write transaction so that it rolls back."""


class _Verdict:
    """Validation's decision, which the open write transaction waits for before committing.

    An event rather than a queue: a transaction retried after a transient error asks again.
    """

    def __init__(self) -> None:
        self._decided = threading.Event()
        self._allowed = False
        #: What the transaction writes last once allowed (the validation run), if anything.
        self.then: Callable[[Transaction], None] | None = None

    def allow(self) -> None:
        self._allowed = True
        self._decided.set()

    def refuse(self) -> None:
        self._decided.set()

    def wait(self, tx: Transaction) -> None:
        self._decided.wait()
        if not self._allowed:
            raise _Refused("validation refused the load")
        if self.then is not None:
            self.then(tx)
