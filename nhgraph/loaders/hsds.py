"""An Open Referral feed (HSDS 3.0 / ORUK 3.0) read into nhgraph's models, as one source.

A council's "find a service" directory gives its services fully nested: each service with its
``organization``, ``service_at_locations`` (``location``, ``addresses``), ``schedules``,
``service_areas``, ``attributes`` (taxonomy terms), ``minimum_age`` and ``maximum_age``. This
reader takes a folder of such JSON (a file holding one service, an array of them, a list page
with ``contents``, or ndjson, one service a line; files named ``organizations``,
``taxonomies`` or ``taxonomy_terms`` are the tables that nested records may refer to by id) or
one ndjson file, and makes a :class:`~nhgraph.loaders.sources.SourceData` that the ordinary
load validates and writes, all or nothing.

What is matched, and how:

- an organisation the graph already holds is linked, not copied: by an ODS code among its
  ``organization_identifiers`` (scheme ``GB-NHS``, or a type naming ODS), or by its ``uri``
  where that is an nhgraph organisation IRI (an nhgraph export). Any other organisation becomes
  a node of the feed's source, ``local:<uuid>`` (or the charity, company or local id its nhgraph
  IRI names), its kind from an attribute of the organisation-kind taxonomy, else ``vcfse``;
- a service area by ONS code (an LSOA ``E01...``, a place ``E09...``, bare or ending its
  ``uri``, as the ONS linked-data URIs do), by an nhgraph LSOA, place or neighbourhood IRI, or
  by a GeoJSON ``Point`` extent in an LSOA boundary; a service with no service area is for the
  LSOAs its locations' coordinates fall in. An area the graph does not hold is outside London;
- taxonomy terms by ``term_uri`` (an nhgraph concept IRI), by a taxonomy naming an nhgraph
  scheme (its IRI, name or label) and the term's notation or label, or by the id an nhgraph
  export gives a concept: functions (one per service), cohorts and channels; organisation kinds
  on organisations. A term nhgraph does not know is an error;
- schedules (weekly ``byday`` with ``opens_at`` and ``closes_at``) become opening hours; all
  seven days from 00:00 to midnight is ``open_24_7``;
- a location with a postcode becomes a site.

Each record keeps its feed UUID as ``hsds_id``, and a new service is named by it, so an export
of the import gives back the feed's ids. Problems are named by file, record (index and id) and
field, all of them at once; any problem refuses the whole feed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

from pydantic import ValidationError

from nhgraph.loaders.bounded import read_text
from nhgraph.loaders.errors import InputError, Problem
from nhgraph.loaders.sources import SourceData
from nhgraph.ontology.ids import hsds_uuid
from nhgraph.ontology.namespaces import CONCEPT, ID, NHG
from nhgraph.ontology.rdf import concept_iri
from nhgraph.schema.identifiers import check_hsds_id, quoted
from nhgraph.schema.models import Node, Organisation, Service, Site
from nhgraph.schema.problems import describe
from nhgraph.schema.vocabulary import (
    CONCEPT_SCHEMES,
    Channel,
    CohortCode,
    Concept,
    FunctionCode,
    OrganisationKind,
    ServiceStatus,
)

#: The prefix naming an HSDS feed in `nhgraph load`: ``hsds:/data/camden`` or ``hsds:feed.ndjson``.
PREFIX: Final = "hsds:"
#: Levels of nesting one record may have: a list page, its service, a service_at_location, its
#: location, an address, its attribute and that attribute's term are fourteen with the arrays.
MAX_DEPTH: Final = 20
#: Suffixes read in a folder: JSON documents and newline-delimited JSON.
JSON_SUFFIXES: Final = (".json",)
NDJSON_SUFFIXES: Final = (".ndjson", ".jsonl")
#: Files of a folder that are not records (the tabular form's descriptor).
NOT_RECORDS: Final = frozenset({"datapackage.json"})
#: Tables a nested record may refer to by id instead of nesting the record.
TABLES: Final = frozenset({"organizations", "taxonomies", "taxonomy_terms"})
#: HSDS tables whose records are parts of services, written beside the nested services by a
#: tabular-minded export: their content is in the nested services, so they are not read twice.
PART_TABLES: Final = frozenset(
    {
        "locations",
        "service_at_locations",
        "schedules",
        "service_areas",
        "attributes",
        "addresses",
        "organization_identifiers",
        "contacts",
        "phones",
        "languages",
        "funding",
        "cost_options",
        "accessibility",
    }
)

#: HSDS service status -> nhgraph's (and back: an nhgraph export writes the first of each).
STATUSES: Final = {
    "active": ServiceStatus.ACTIVE,
    "temporarily closed": ServiceStatus.PAUSED,
    "inactive": ServiceStatus.ENDED,
    "defunct": ServiceStatus.ENDED,
}
DAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES: Final = dict(zip(DAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)(?::00)?(?:Z|[+-]00:?00)?$", re.ASCII)
_ONS = re.compile(r"(?:^|/)(E0[19][0-9]{6})/?$", re.ASCII)
_ODS_SCHEMES: Final = frozenset({"gb-nhs", "gb-ods", "ods"})
#: nhgraph organisation schemes a new node of a feed may be named in (ODS and ONS organisations
#: belong to the reference loaders: one the graph does not hold becomes ``local:<uuid>``).
_OWN_SCHEMES: Final = frozenset({"charity", "companies", "cqc", "local"})
#: Service fields the models refuse, by the HSDS field a feed's author would look for.
_HSDS_FIELD: Final = {
    "name": "name",
    "min_age": "minimum_age",
    "max_age": "maximum_age",
    "url": "url",
    "phone": "phones",
    "hours": "schedules",
    "lsoas": "service_areas",
    "places": "service_areas",
    "neighbourhoods": "service_areas",
    "cohorts": "attributes",
    "channels": "attributes",
    "postcode": "addresses.postal_code",
    "kind": "attributes",
}


class Gazetteer(Protocol):
    """What the reader asks the graph: which areas and organisations it holds, and the LSOA a
    point is in (the store answers, :mod:`nhgraph.store.gazetteer`)."""

    def known_areas(
        self, lsoas: set[str], places: set[str], neighbourhoods: set[str]
    ) -> set[tuple[str, str]]:
        """The (label, id) of those the graph holds."""
        ...

    def known_organisations(self, ids: set[str]) -> set[str]:
        """The ids of those the graph holds."""
        ...

    def lsoas_of_points(self, points: Sequence[tuple[float, float]]) -> list[str | None]:
        """The LSOA holding each point, None where none does."""
        ...


@dataclass
class Record:
    """One record of the feed, where it came from: its file, its index there (or line) and kind."""

    file: str
    index: int
    kind: str
    data: Any
    line: int | None = None

    @property
    def id(self) -> str | None:
        """The record's id as the feed gives it, where it gives one."""
        value = self.data.get("id") if isinstance(self.data, dict) else None
        return str(value) if value is not None else None

    def where(self, path: str = "") -> str:
        """The record and field as a problem names them:
        ``services[3] (id '...') schedules[0].byday``."""
        name = f"{self.kind}s[{self.index}]"
        if self.id is not None:
            name += f" (id {quoted(self.id)})"
        return f"{name} {path}" if path else name

    def problem(self, path: str, message: str) -> Problem:
        """A problem with this record (and field)."""
        return Problem(self.file, self.line, self.where(path), message)


# -- reading the files ----------------------------------------------------------------------


def feed_name(path: Path) -> str:
    """The source name of a feed: ``hsds:`` and its folder's or file's name without suffix."""
    return f"{PREFIX}{path.stem if path.is_file() else path.name}"


def feed_files(path: Path) -> list[Path]:
    """The files of a feed: the ndjson file given, or a folder's JSON and ndjson files."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(
            [Problem(str(path), None, "", "is neither a folder nor a file")], unreadable=True
        )
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and p.suffix.lower() in (*JSON_SUFFIXES, *NDJSON_SUFFIXES)
        and p.name not in NOT_RECORDS
    )
    if not files:
        raise InputError(
            [Problem(str(path), None, "", "holds no .json or .ndjson files of HSDS records")],
            unreadable=True,
        )
    return files


def _kind_of(path: Path) -> str:
    """Which records a file holds, by its name or its folder's (``organizations.json``,
    ``taxonomy_terms/x.json``): services unless it names another table."""
    for name in (path.stem.lower(), path.parent.name.lower()):
        if name in TABLES or name in PART_TABLES:
            return name.removesuffix("s") if name != "taxonomies" else "taxonomy"
    return "service"


def _depth(value: Any) -> int:
    """How deep a parsed JSON value nests (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, level = stack.pop()
        children = (
            current.values()
            if isinstance(current, dict)
            else current
            if isinstance(current, list)
            else None
        )
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _parse(path: Path, text: str, line: int | None) -> Any:
    try:
        value = json.loads(text)
    except RecursionError as error:
        raise InputError(
            [
                Problem(
                    str(path),
                    line,
                    "",
                    f"is not valid JSON: it nests deeper than {MAX_DEPTH} levels (the limit)",
                )
            ],
            unreadable=True,
        ) from error
    except ValueError as error:
        at = getattr(error, "lineno", None)
        raise InputError(
            [Problem(str(path), line or at, "", f"is not valid JSON: {error}")], unreadable=True
        ) from error
    if _depth(value) > MAX_DEPTH:
        raise InputError(
            [Problem(str(path), line, "", f"nests deeper than {MAX_DEPTH} levels (the limit)")],
            unreadable=True,
        )
    return value


def read_records(files: Sequence[Path], max_records: int) -> tuple[list[Record], str]:
    """Every record of the files, and a digest of their bytes (the feed's version).

    Files are bounded by NHGRAPH_INPUT_MAX_MB, records by ``max_records``, nesting by
    MAX_DEPTH; malformed JSON is named by file and line."""
    records: list[Record] = []
    digest = hashlib.sha1()
    problems: list[Problem] = []
    counts: Counter[str] = Counter()
    for path in files:
        text = read_text(path)
        digest.update(path.name.encode())
        digest.update(text.encode())
        kind = _kind_of(path)
        found: list[tuple[Any, int | None]] = []
        try:
            if path.suffix.lower() in NDJSON_SUFFIXES:
                for number, row in enumerate(text.splitlines(), start=1):
                    if row.strip():
                        found.append((_parse(path, row, number), number))
                        if len(found) + len(records) > max_records:
                            break
            else:
                document = _parse(path, text, None)
                if isinstance(document, dict) and isinstance(document.get("contents"), list):
                    document = document["contents"]  # a list page of the API
                items = document if isinstance(document, list) else [document]
                found = [(item, None) for item in items]
        except InputError as error:
            problems += error.problems
            continue
        for item, at_line in found:
            index = counts[kind]
            counts[kind] += 1
            records.append(Record(str(path), index, kind, item, at_line))
        if len(records) > max_records:
            raise InputError(
                [
                    Problem(
                        str(path),
                        None,
                        "",
                        f"the feed holds more than {max_records} records (the limit, "
                        "NHGRAPH_HSDS_MAX_RECORDS); nothing of it was loaded",
                    )
                ],
                unreadable=True,
            )
    if problems:
        raise InputError(problems, unreadable=True)
    return records, digest.hexdigest()[:12]


# -- taxonomy terms -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Terms:
    """nhgraph's concepts as an HSDS feed may name them."""

    by_uri: dict[str, Concept]
    by_uuid: dict[str, Concept]
    schemes: dict[str, type[Concept]]

    @classmethod
    def build(cls) -> _Terms:
        by_uri: dict[str, Concept] = {}
        by_uuid: dict[str, Concept] = {}
        schemes: dict[str, type[Concept]] = {}
        for scheme in CONCEPT_SCHEMES:
            iri = str(CONCEPT[scheme.scheme])
            for key in (iri, scheme.scheme, scheme.scheme_label, hsds_uuid(iri)):
                schemes[key.lower()] = scheme
            for member in scheme:
                term = str(concept_iri(member))
                by_uri[term] = member
                by_uuid[hsds_uuid(term)] = member
        return cls(by_uri, by_uuid, schemes)

    def find(self, term: Mapping[str, Any]) -> Concept | None:
        """The concept a taxonomy_term names, or None."""
        uri = term.get("term_uri")
        if isinstance(uri, str) and uri in self.by_uri:
            return self.by_uri[uri]
        for key in ("taxonomy", "taxonomy_id"):
            scheme_name = term.get(key)
            scheme = self.schemes.get(scheme_name.lower()) if isinstance(scheme_name, str) else None
            if scheme is None:
                continue
            for name_key in ("term", "code", "name"):
                wanted = term.get(name_key)
                if not isinstance(wanted, str):
                    continue
                for member in scheme:
                    if wanted.strip().lower() in (member.value, member.label.lower()):
                        return member
        term_id = term.get("id")
        if isinstance(term_id, str) and term_id.lower() in self.by_uuid:
            return self.by_uuid[term_id.lower()]
        return None


_TERMS: _Terms | None = None


def _terms() -> _Terms:
    global _TERMS
    if _TERMS is None:
        _TERMS = _Terms.build()
    return _TERMS


#: The one term of the ``referral`` taxonomy an nhgraph export gives a service residents may
#: refer themselves to: its term_uri is the ontology's property (no SKOS scheme holds it).
SELF_REFERRAL: Final = str(NHG.selfReferral)
_REFERRAL_SCHEME: Final = str(CONCEPT["referral"])


def _self_referral(term: Mapping[str, Any]) -> bool:
    if term.get("term_uri") == SELF_REFERRAL:
        return True
    taxonomy = str(term.get("taxonomy") or "").lower()
    wanted = str(term.get("term") or term.get("name") or "").strip().lower()
    return taxonomy in (_REFERRAL_SCHEME, "referral") and wanted in (
        "self_referral",
        "self-referral",
    )


# -- one service ----------------------------------------------------------------------------


@dataclass
class _Draft:
    """A service as read, before its areas and organisation are matched against the graph."""

    record: Record
    values: dict[str, Any]
    organisation: _OrgDraft | None
    areas: list[tuple[str, str, str]] = field(default_factory=list)  # (label, id, field path)
    points: list[tuple[float, float, str]] = field(default_factory=list)  # area extents
    location_points: list[tuple[float, float, str]] = field(default_factory=list)


@dataclass
class _OrgDraft:
    record: Record
    path: str
    uuid: str
    name: Any
    candidates: list[str]
    own_id: str | None
    kind: OrganisationKind | None


def _check_ids(record: Record, value: Any, path: str, problems: list[Problem]) -> None:
    """Every ``id`` and ``*_id`` of a record is a UUID (HSDS 3.0)."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        current, at = stack.pop()
        if isinstance(current, dict):
            for key, child in current.items():
                where = f"{at}.{key}" if at else key
                if (key == "id" or key.endswith("_id")) and child is not None:
                    if not isinstance(child, str):
                        problems.append(record.problem(where, f"is not a UUID (value {child!r})"))
                        continue
                    try:
                        check_hsds_id(child)
                    except ValueError as error:
                        problems.append(record.problem(where, str(error)))
                elif isinstance(child, dict | list):
                    stack.append((child, where))
        elif isinstance(current, list):
            stack.extend((child, f"{at}[{i}]") for i, child in enumerate(current))


def _dicts(
    record: Record, value: Any, path: str, problems: list[Problem]
) -> list[tuple[int, dict[str, Any]]]:
    """The objects of an array field (none when absent); anything else is a problem."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(record.problem(path, "must be an array of objects"))
        return []
    found = []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            found.append((i, item))
        else:
            problems.append(record.problem(f"{path}[{i}]", "must be an object"))
    return found


def _time(value: Any) -> tuple[int, int] | None:
    if not isinstance(value, str):
        return None
    match = _TIME.fullmatch(value.strip())
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours == 24 and minutes:
        return None
    return hours, minutes


def _runs(days: list[str]) -> list[tuple[str, str]]:
    """Days as runs in week order: MO,TU,WE,FR -> (MO, WE), (FR, FR)."""
    order = sorted({DAYS.index(d) for d in days})
    runs: list[tuple[str, str]] = []
    for index in order:
        if runs and DAYS.index(runs[-1][1]) == index - 1:
            runs[-1] = (runs[-1][0], DAYS[index])
        else:
            runs.append((DAYS[index], DAYS[index]))
    return runs


def _schedule(
    record: Record, schedule: Mapping[str, Any], path: str, problems: list[Problem]
) -> tuple[list[str], bool]:
    """A weekly schedule as opening hours ('Mon-Fri 08:00-18:30'), and whether it is 24/7."""
    before = len(problems)
    freq = schedule.get("freq")
    if freq is not None and str(freq).upper() != "WEEKLY":
        problems.append(
            record.problem(f"{path}.freq", f"only weekly schedules are taken in (value {freq!r})")
        )
    byday, opens, closes = (
        schedule.get("byday"),
        schedule.get("opens_at"),
        schedule.get("closes_at"),
    )
    every_day = isinstance(byday, str) and {d.strip().upper() for d in byday.split(",")} == set(
        DAYS
    )
    if opens is None and closes is None and every_day:
        return [], True  # every day with no hours: open 24/7, as an nhgraph export says
    if byday is None and opens is None and closes is None:
        problems.append(
            record.problem(
                path, "gives no byday, opens_at and closes_at: nhgraph keeps opening hours"
            )
        )
        return [], False
    days: list[str] = []
    if not isinstance(byday, str) or not byday.strip():
        problems.append(
            record.problem(
                f"{path}.byday", f"is not a list of days such as 'MO,TU' (value {byday!r})"
            )
        )
    else:
        for day in byday.split(","):
            code = day.strip().upper()
            if code not in DAYS:
                problems.append(
                    record.problem(
                        f"{path}.byday",
                        f"{day.strip()!r} is not a day (MO, TU, WE, TH, FR, SA or SU; no "
                        "numbered days in a weekly schedule)",
                    )
                )
            else:
                days.append(code)
    start, end = _time(opens), _time(closes)
    if start is None or start[0] == 24:
        problems.append(
            record.problem(f"{path}.opens_at", f"is not a time such as '08:00' (value {opens!r})")
        )
    if end is None:
        problems.append(
            record.problem(f"{path}.closes_at", f"is not a time such as '18:30' (value {closes!r})")
        )
    if start is not None and end is not None and start[0] != 24:
        if end == (0, 0):
            end = (24, 0)  # closing at midnight
        if end == (23, 59):
            end = (24, 0) if start == (0, 0) else end
        if start >= end:
            problems.append(
                record.problem(
                    f"{path}.opens_at",
                    f"opens at {opens} and closes at {closes}: opens_at must be before closes_at",
                )
            )
    if len(problems) > before or start is None or end is None:
        return [], False
    if len(set(days)) == 7 and start == (0, 0) and end == (24, 0):
        return [], True
    text = f"{start[0]:02d}:{start[1]:02d}-{end[0]:02d}:{end[1]:02d}"
    return [
        f"{DAY_NAMES[first]} {text}"
        if first == last
        else f"{DAY_NAMES[first]}-{DAY_NAMES[last]} {text}"
        for first, last in _runs(days)
    ], False


def _age(record: Record, value: Any, path: str, problems: list[Problem]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        problems.append(record.problem(path, f"is not a whole number of years (value {value!r})"))
        return None
    if not 0 <= value <= 130:
        problems.append(record.problem(path, f"is not an age from 0 to 130 (value {value!r})"))
        return None
    return int(value)


def _concepts(
    record: Record,
    attributes: list[tuple[int, dict[str, Any]]],
    path: str,
    table: Mapping[str, Mapping[str, Any]],
    problems: list[Problem],
) -> list[tuple[Concept | str, str]]:
    """The concepts the attributes name (or SELF_REFERRAL), each with its field path; unknown
    terms are problems."""
    found: list[tuple[Concept | str, str]] = []
    terms = _terms()
    for i, attribute in attributes:
        at = f"{path}[{i}]"
        term = attribute.get("taxonomy_term")
        term_id = attribute.get("taxonomy_term_id")
        if not isinstance(term, dict):
            term = table.get(str(term_id).lower()) if term_id is not None else None
        if term is None and isinstance(term_id, str):
            term = {"id": term_id}
        if not isinstance(term, dict):
            problems.append(record.problem(at, "names no taxonomy_term nor taxonomy_term_id"))
            continue
        if _self_referral(term):
            found.append((SELF_REFERRAL, at))
            continue
        concept = terms.find(term)
        if concept is None:
            shown = term.get("term_uri") or term.get("name") or term.get("id")
            problems.append(
                record.problem(
                    f"{at}.taxonomy_term",
                    f"unknown taxonomy term {quoted(str(shown))} (taxonomy "
                    f"{quoted(str(term.get('taxonomy')))}): nhgraph knows the terms of its own "
                    "schemes (https://w3id.org/nhgraph/def/<scheme>/<notation>: function, "
                    "cohort, channel, organisation-kind, ...)",
                )
            )
            continue
        found.append((concept, at))
    return found


def _organisation(
    record: Record,
    data: Mapping[str, Any],
    path: str,
    table: Mapping[str, Mapping[str, Any]],
    problems: list[Problem],
) -> _OrgDraft | None:
    """The organisation a service names (nested, or by organization_id in the feed's table)."""
    org = data.get("organization")
    org_path = f"{path}organization"
    if not isinstance(org, dict):
        org_id = data.get("organization_id")
        org = table.get(str(org_id).lower()) if isinstance(org_id, str) else None
        org_path = f"{path}organization_id"
        if org is None:
            problems.append(
                record.problem(
                    org_path,
                    "a service needs its organization: nest it, or give an organization_id "
                    "that a file of organizations holds"
                    + (f" ({quoted(str(org_id))} is in none)" if org_id is not None else ""),
                )
            )
            return None
    uuid = org.get("id")
    if not isinstance(uuid, str):
        problems.append(record.problem(f"{org_path}.id", "an organization needs its id (a UUID)"))
        return None
    candidates: list[str] = []
    own_id: str | None = None
    uri = org.get("uri")
    prefix = str(ID["organisation/"])
    if isinstance(uri, str) and uri.startswith(prefix):
        scheme, _, code = uri.removeprefix(prefix).partition("/")
        if scheme and code:
            candidates.append(f"{scheme}:{code}")
            if scheme in _OWN_SCHEMES:
                own_id = f"{scheme}:{code}"
    for _, identifier in _dicts(
        record,
        org.get("organization_identifiers"),
        f"{org_path}.organization_identifiers",
        problems,
    ):
        scheme = str(identifier.get("identifier_scheme") or "").strip().lower()
        kind = str(identifier.get("identifier_type") or "").lower()
        given = identifier.get("identifier")
        if (scheme in _ODS_SCHEMES or "ods" in kind.split()) and isinstance(given, str):
            candidates.insert(0, f"ods:{given.strip().upper()}")
    kinds = [
        c
        for c, _ in _concepts(
            record,
            _dicts(record, org.get("attributes"), f"{org_path}.attributes", problems),
            f"{org_path}.attributes",
            {},
            problems,
        )
        if isinstance(c, OrganisationKind)
    ]
    return _OrgDraft(
        record,
        org_path,
        uuid.lower(),
        org.get("name"),
        candidates,
        own_id,
        kinds[0] if kinds else None,
    )


def _service(
    record: Record, tables: Mapping[str, Mapping[str, Mapping[str, Any]]], problems: list[Problem]
) -> _Draft | None:
    """One service record as a draft; its problems are added to ``problems``."""
    data = record.data
    if not isinstance(data, dict):
        problems.append(record.problem("", "must be an object (an HSDS service)"))
        return None
    before = len(problems)
    _check_ids(record, data, "", problems)
    if len(problems) > before:
        return None  # ids are what everything else is matched by
    uuid = data.get("id")
    if not isinstance(uuid, str):
        problems.append(record.problem("id", "a service needs its id (a UUID)"))
        return None
    uuid = uuid.lower()
    values: dict[str, Any] = {"id": uuid, "hsds_id": uuid, "name": data.get("name")}
    status = data.get("status", "active")
    if status not in STATUSES:
        problems.append(
            record.problem(
                "status", f"is not an HSDS status ({', '.join(STATUSES)}) (value {status!r})"
            )
        )
    else:
        values["status"] = STATUSES[status]
    if data.get("url") is not None:
        values["url"] = data.get("url")
    phones = data.get("phones")
    if (
        isinstance(phones, list)
        and phones
        and isinstance(phones[0], dict)
        and phones[0].get("number")
    ):
        values["phone"] = phones[0]["number"]
    low = _age(record, data.get("minimum_age"), "minimum_age", problems)
    high = _age(record, data.get("maximum_age"), "maximum_age", problems)
    if low is not None and high is not None and low > high:
        problems.append(
            record.problem(
                "minimum_age",
                f"minimum_age {low} is above maximum_age {high}: the age range is reversed",
            )
        )
    values["min_age"], values["max_age"] = low, high
    organisation = _organisation(record, data, "", tables["organization"], problems)
    # taxonomy terms
    functions: list[FunctionCode] = []
    cohorts: list[str] = []
    channels: list[str] = []
    attributes = _dicts(record, data.get("attributes"), "attributes", problems)
    for concept, at in _concepts(
        record, attributes, "attributes", tables["taxonomy_term"], problems
    ):
        if isinstance(concept, FunctionCode):
            functions.append(concept)
        elif isinstance(concept, CohortCode):
            cohorts.append(concept.value)
        elif isinstance(concept, Channel):
            channels.append(concept.value)
        elif concept == SELF_REFERRAL:
            values["self_referral"] = True
        elif isinstance(concept, ServiceStatus):
            values["status"] = concept
        elif isinstance(concept, Concept):
            problems.append(
                record.problem(
                    f"{at}.taxonomy_term",
                    f"is a term of nhgraph's {type(concept).scheme} scheme, which says nothing "
                    "about a service (give function, cohort or channel terms)",
                )
            )
    distinct = sorted(set(functions))
    if len(distinct) > 1:
        problems.append(
            record.problem(
                "attributes",
                f"names {len(distinct)} functions ({', '.join(distinct)}): an nhgraph service "
                "has one",
            )
        )
    values["function"] = distinct[0] if distinct else FunctionCode.COMMUNITY_SUPPORT
    values["cohorts"] = sorted(set(cohorts))
    values["channels"] = sorted(set(channels))
    # schedules: the service's own and its locations'
    hours: list[str] = []
    always = False
    schedules = [
        (f"schedules[{i}]", s)
        for i, s in _dicts(record, data.get("schedules"), "schedules", problems)
    ]
    draft = _Draft(record, values, organisation)
    sites: list[Site] = []
    for i, sal in _dicts(
        record, data.get("service_at_locations"), "service_at_locations", problems
    ):
        at = f"service_at_locations[{i}]"
        schedules += [
            (f"{at}.schedules[{j}]", s)
            for j, s in _dicts(record, sal.get("schedules"), f"{at}.schedules", problems)
        ]
        location = sal.get("location")
        if not isinstance(location, dict):
            continue
        lat, lon = location.get("latitude"), location.get("longitude")
        if (
            isinstance(lat, int | float)
            and isinstance(lon, int | float)
            and not isinstance(lat, bool)
        ):
            draft.location_points.append((float(lat), float(lon), f"{at}.location"))
        postcode = next(
            (
                a.get("postal_code")
                for _, a in _dicts(
                    record, location.get("addresses"), f"{at}.location.addresses", problems
                )
                if a.get("postal_code")
            ),
            None,
        )
        if postcode is None or not isinstance(location.get("id"), str):
            continue
        site_id = str(location["id"]).lower()
        name = location.get("name") or next(
            (
                a.get("address_1")
                for _, a in _dicts(record, location.get("addresses"), "", [])
                if a.get("address_1")
            ),
            values["name"],
        )
        try:
            sites.append(Site(id=site_id, hsds_id=site_id, name=name, postcode=postcode))
        except ValidationError as error:
            problems.extend(
                record.problem(
                    f"{at}.location.{_HSDS_FIELD.get(refused.field, refused.field)}",
                    refused.text,
                )
                for refused in describe(error)
            )
    for at, schedule in schedules:
        entries, all_week = _schedule(record, schedule, at, problems)
        hours += [e for e in entries if e not in hours]
        always = always or all_week
    values["hours"], values["open_24_7"] = hours, always
    values["sites"] = sorted({s.id for s in sites})
    draft.values["_sites"] = sites
    # service areas
    for i, area in _dicts(record, data.get("service_areas"), "service_areas", problems):
        at = f"service_areas[{i}]"
        found = _area(area)
        if found is not None:
            draft.areas.append((*found, at))
            continue
        point = _extent_point(area.get("extent"))
        if point is not None:
            draft.points.append((*point, f"{at}.extent"))
            continue
        problems.append(
            record.problem(
                at,
                "names no area nhgraph knows: give a uri with an ONS LSOA or borough code "
                "(http://statistics.data.gov.uk/id/statistical-geography/E01000001), an nhgraph "
                "neighbourhood IRI, or a GeoJSON Point extent "
                f"(uri {quoted(str(area.get('uri')))})",
            )
        )
    return draft


def _area(area: Mapping[str, Any]) -> tuple[str, str] | None:
    """The (label, id) a service area names by code or IRI, without asking the graph."""
    for key in ("uri", "name", "service_area"):
        value = area.get(key)
        if not isinstance(value, str):
            continue
        value = value.strip()
        for label, segment in (
            ("Lsoa", "lsoa"),
            ("Place", "place"),
            ("Neighbourhood", "neighbourhood"),
        ):
            prefix = str(ID[f"{segment}/"])
            if value.startswith(prefix):
                return label, value.removeprefix(prefix)
        match = _ONS.search(value)
        if match and (key == "uri" or match.group(1) == value):
            code = match.group(1)
            return ("Lsoa" if code.startswith("E01") else "Place"), code
    return None


def _extent_point(extent: Any) -> tuple[float, float] | None:
    if not isinstance(extent, str) or len(extent) > 1_000:
        return None
    try:
        shape = json.loads(extent)
    except ValueError:
        return None
    if isinstance(shape, dict) and shape.get("type") == "Point":
        coordinates = shape.get("coordinates")
        if (
            isinstance(coordinates, list)
            and len(coordinates) >= 2
            and all(isinstance(c, int | float) for c in coordinates[:2])
        ):
            return float(coordinates[1]), float(coordinates[0])
    return None


# -- the feed -------------------------------------------------------------------------------


def _tables(
    records: Sequence[Record], problems: list[Problem]
) -> dict[str, dict[str, Mapping[str, Any]]]:
    """The feed's organisations and taxonomy terms by id, for records that name them by id."""
    tables: dict[str, dict[str, Mapping[str, Any]]] = {"organization": {}, "taxonomy_term": {}}
    for record in records:
        if record.kind == "taxonomy" and isinstance(record.data, dict):
            for term in record.data.get("taxonomy_terms") or []:
                if isinstance(term, dict) and isinstance(term.get("id"), str):
                    tables["taxonomy_term"][term["id"].lower()] = term
        if record.kind not in tables:
            continue
        if not isinstance(record.data, dict):
            problems.append(record.problem("", "must be an object"))
            continue
        _check_ids(record, record.data, "", problems)
        if record.id is not None:
            tables[record.kind][record.id.lower()] = record.data
    return tables


def read_feed(
    path: Path,
    gazetteer: Gazetteer,
    *,
    name: str | None = None,
    max_records: int = 50_000,
) -> SourceData:
    """An HSDS feed (a folder or ndjson file) as one source's models, every problem named by
    file, record and field; InputError, and nothing of the feed, on any."""
    records, version = read_records(feed_files(path), max_records)
    data = SourceData(name or feed_name(path), version)
    problems: list[Problem] = []
    tables = _tables(records, problems)
    drafts: list[_Draft] = []
    first: dict[str, Record] = {}
    for record in records:
        if record.kind != "service":
            continue
        draft = _service(record, tables, problems)
        if draft is None:
            continue
        uuid = draft.values["id"]
        if uuid in first:
            problems.append(
                record.problem(
                    "id",
                    f"is given twice: {first[uuid].where()} in {first[uuid].file} has it too",
                )
            )
            continue
        first[uuid] = record
        drafts.append(draft)
    if problems:
        raise InputError(problems, unreadable=False)
    _match(drafts, gazetteer, data, problems)
    if problems:
        raise InputError(problems, unreadable=False)
    return data


def _match(
    drafts: list[_Draft], gazetteer: Gazetteer, data: SourceData, problems: list[Problem]
) -> None:
    """Match the drafts' organisations and areas against the graph, and make the models."""
    wanted = {c for d in drafts if d.organisation for c in d.organisation.candidates}
    held = gazetteer.known_organisations(wanted) if wanted else set()
    lsoas = {i for d in drafts for label, i, _ in d.areas if label == "Lsoa"}
    places = {i for d in drafts for label, i, _ in d.areas if label == "Place"}
    hoods = {i for d in drafts for label, i, _ in d.areas if label == "Neighbourhood"}
    known = gazetteer.known_areas(lsoas, places, hoods) if drafts else set()
    points = [
        (lat, lon)
        for d in drafts
        for lat, lon, _ in (d.points or ([] if d.areas else d.location_points))
    ]
    lsoa_of = iter(gazetteer.lsoas_of_points(points))
    organisations: dict[str, tuple[Organisation, Record]] = {}
    sites: dict[str, Site] = {}
    for draft in drafts:
        record, values = draft.record, dict(draft.values)
        own_sites: list[Site] = values.pop("_sites")
        org = draft.organisation
        assert org is not None  # a service without one is refused before matching
        matched = next((c for c in org.candidates if c in held), None)
        if matched is None:
            matched = _local_organisation(org, data, organisations, problems)
        values["provider"] = matched
        areas: dict[str, list[str]] = {"lsoas": [], "places": [], "neighbourhoods": []}
        for label, ident, at in draft.areas:
            if (label, ident) not in known:
                what = {
                    "Lsoa": "an LSOA",
                    "Place": "a London borough",
                    "Neighbourhood": "a neighbourhood",
                }[label]
                problems.append(
                    record.problem(
                        f"{at}.uri",
                        f"area outside London: {quoted(ident)} is not {what} the graph holds",
                    )
                )
                continue
            key = {"Lsoa": "lsoas", "Place": "places", "Neighbourhood": "neighbourhoods"}[label]
            areas[key].append(ident)
        for lat, lon, at in draft.points or ([] if draft.areas else draft.location_points):
            lsoa = next(lsoa_of)
            if lsoa is None:
                problems.append(
                    record.problem(
                        at,
                        f"area outside London: the point ({lat}, {lon}) is in none of the LSOAs "
                        "the graph holds",
                    )
                )
            else:
                areas["lsoas"].append(lsoa)
        values.update({k: sorted(set(v)) for k, v in areas.items()})
        if not any(areas.values()) and not (draft.areas or draft.points or draft.location_points):
            problems.append(
                record.problem(
                    "service_areas",
                    "a service needs an area: give service_areas, or locations with latitude "
                    "and longitude",
                )
            )
            continue
        _add(data, Service, values, record, problems)
        for site in own_sites:
            if site.id not in sites:
                sites[site.id] = site
                _add(data, Site, site.model_dump(exclude_defaults=True), record, problems)


def _local_organisation(
    org: _OrgDraft,
    data: SourceData,
    made: dict[str, tuple[Organisation, Record]],
    problems: list[Problem],
) -> str:
    """The id of the feed's own organisation for an organisation the graph does not hold."""
    ident = org.own_id or f"local:{org.uuid}"
    if ident in made:
        earlier, where = made[ident]
        if org.name != earlier.name:
            problems.append(
                org.record.problem(
                    f"{org.path}.name",
                    f"organization {quoted(org.uuid)} is named {quoted(str(org.name))} here and "
                    f"{quoted(earlier.name)} in {where.where()} of {where.file}",
                )
            )
        return ident
    values = {
        "id": ident,
        "hsds_id": org.uuid,
        "name": org.name,
        "kind": org.kind or OrganisationKind.VCFSE,
    }
    model = _add(data, Organisation, values, org.record, problems, prefix=f"{org.path}.")
    if isinstance(model, Organisation):
        made[ident] = (model, org.record)
    return ident


def _add(
    data: SourceData,
    cls: type[Node],
    values: dict[str, Any],
    record: Record,
    problems: list[Problem],
    *,
    prefix: str = "",
) -> Node | None:
    """A model of the source, or problems naming the record and the HSDS field."""
    try:
        model = cls(**values, source=data.name, source_version=data.version)
    except ValidationError as error:
        for refused in describe(error):
            hsds = _HSDS_FIELD.get(refused.path[0], refused.field) if refused.path else ""
            problems.append(record.problem(f"{prefix}{hsds}", refused.text))
        return None
    data.models.append(model)
    data.files[(cls.node_label, str(model.__dict__["id"]))] = record.file
    return model


def iter_services(records: Sequence[Record]) -> Iterator[Record]:
    """The service records of a feed (the benchmark parses without matching)."""
    return (r for r in records if r.kind == "service")


__all__ = ["PREFIX", "Gazetteer", "feed_name", "read_feed", "read_records"]
