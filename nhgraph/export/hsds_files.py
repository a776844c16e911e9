"""``nhgraph export hsds DIR``: the whole public directory as HSDS 3.0 / ORUK 3.0 files.

What DIR holds (the records are those of :mod:`nhgraph.export.hsds`, as the ORUK API serves
them):

- ``json/``: one ndjson file per top-level record, one record a line, in id order:
  ``services.ndjson`` (fully nested, as ``/services/{id}`` answers: organization, schedules,
  service areas with extents, services at locations, attributes, phones),
  ``organizations.ndjson``, ``taxonomies.ndjson`` (each with its terms) and
  ``taxonomy_terms.ndjson``. ndjson is what an ORUK feed streams (``format=ndjson``) and what
  ``nhgraph load hsds:PATH`` reads.
- the HSDS tabular form: one CSV per table with ``datapackage.json`` (a Frictionless tabular
  data package). The tables and their columns are ORUK 3.0's (each schema file's ``path``
  and its scalar properties, in order: ``services.csv``, ``service_at_location.csv``,
  ``schedule.csv`` ...), plus two columns HSDS core has and ORUK's own tables need:
  ``attribute.link_entity`` (ORUK lists it in ``tabular_required`` but not in the properties)
  and ``phones.service_id`` (ORUK's phone table links only to contacts, and nhgraph's phone is
  a service's). A test holds these lists to the published schema files.

A non-empty DIR is refused unless ``force``; everything is written to a temporary folder
beside DIR and renamed into place at the end, so a failure (the store away, the disk full)
leaves DIR as it was: nothing half-written.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from nhgraph.errors import NhgraphError
from nhgraph.export import hsds

#: (name, type, format) of each column, per table file, in ORUK 3.0's order.
Column = tuple[str, str, str | None]
UUID: Final = "uuid"

TABLES: Final[dict[str, tuple[Column, ...]]] = {
    "organizations.csv": (
        ("id", "string", UUID),
        ("name", "string", None),
        ("description", "string", None),
        ("email", "string", "email"),
        ("website", "string", "uri"),
        ("logo", "string", None),
        ("uri", "string", "uri"),
        ("parent_organization_id", "string", UUID),
    ),
    "services.csv": (
        ("id", "string", UUID),
        ("organization_id", "string", UUID),
        ("name", "string", None),
        ("description", "string", None),
        ("url", "string", "uri"),
        ("email", "string", "email"),
        ("status", "string", None),
        ("fees", "string", None),
        ("accreditations", "string", None),
        ("minimum_age", "number", None),
        ("maximum_age", "number", None),
        ("assured_date", "string", None),
        ("assurer_email", "string", "email"),
        ("alert", "string", None),
        ("last_modified", "string", "date-time"),
    ),
    "attribute.csv": (
        ("id", "string", UUID),
        ("link_id", "string", UUID),
        ("taxonomy_term_id", "string", UUID),
        ("link_type", "string", None),
        ("link_entity", "string", None),
    ),
    "service_at_location.csv": (
        ("id", "string", UUID),
        ("service_id", "string", UUID),
        ("location_id", "string", UUID),
    ),
    "locations.csv": (
        ("id", "string", UUID),
        ("location_type", "string", None),
        ("name", "string", None),
        ("description", "string", None),
        ("latitude", "number", None),
        ("longitude", "number", None),
        ("external_identifier", "string", None),
        ("external_identifier_type", "string", None),
    ),
    "phones.csv": (
        ("id", "string", UUID),
        ("contact_id", "string", UUID),
        ("number", "string", None),
        ("description", "string", None),
        ("service_id", "string", UUID),
    ),
    "address.csv": (
        ("id", "string", UUID),
        ("location_id", "string", UUID),
        ("attention", "string", None),
        ("address_1", "string", None),
        ("city", "string", None),
        ("region", "string", None),
        ("state_province", "string", None),
        ("postal_code", "string", None),
        ("country", "string", None),
        ("address_type", "string", None),
    ),
    "schedule.csv": (
        ("id", "string", UUID),
        ("service_id", "string", UUID),
        ("service_at_location_id", "string", UUID),
        ("valid_from", "string", None),
        ("valid_to", "string", None),
        ("dtstart", "string", None),
        ("freq", "string", None),
        ("interval", "number", None),
        ("byday", "string", None),
        ("bymonthday", "string", None),
        ("description", "string", None),
        ("opens_at", "string", None),
        ("closes_at", "string", None),
        ("schedule_link", "string", "uri"),
        ("attending_type", "string", None),
        ("notes", "string", None),
    ),
    "service_areas.csv": (
        ("id", "string", UUID),
        ("service_id", "string", UUID),
        ("name", "string", None),
        ("extent", "string", None),
        ("extent_type", "string", None),
        ("uri", "string", None),
        ("service_area", "string", None),
    ),
    "taxonomy_terms.csv": (
        ("id", "string", UUID),
        ("name", "string", None),
        ("description", "string", None),
        ("parent_id", "string", UUID),
        ("taxonomy", "string", None),
        ("taxonomy_id", "string", UUID),
        ("term_uri", "string", "uri"),
        ("term", "string", None),
    ),
    "organization_identifiers.csv": (
        ("id", "string", UUID),
        ("organization_id", "string", UUID),
        ("identifier_scheme", "string", None),
        ("identifier_type", "string", None),
        ("identifier", "string", None),
    ),
    "taxonomies.csv": (
        ("id", "string", UUID),
        ("name", "string", None),
        ("description", "string", None),
        ("uri", "string", "uri"),
        ("version", "string", None),
    ),
}

JSON_FILES: Final = (
    "services.ndjson",
    "organizations.ndjson",
    "taxonomies.ndjson",
    "taxonomy_terms.ndjson",
)


class ExportRefused(NhgraphError):
    """An export that would overwrite what is there, or that cannot be written."""

    code = "export_refused"
    exit_code = 2


@dataclass(frozen=True)
class Written:
    """What an export wrote: records per file."""

    path: Path
    counts: dict[str, int]


def _field(column: Column) -> dict[str, Any]:
    name, kind, form = column
    if form == "date-time":
        return {"name": name, "type": "datetime"}
    return {"name": name, "type": kind, **({"format": form} if form else {})}


def datapackage() -> dict[str, Any]:
    """The Frictionless data package describing the CSV tables."""
    return {
        "profile": "tabular-data-package",
        "name": "nhgraph-hsds",
        "title": "nhgraph public directory, HSDS 3.0 / Open Referral UK 3.0 tabular form",
        "resources": [
            {
                "name": path.removesuffix(".csv"),
                "path": path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": [_field(c) for c in columns], "primaryKey": "id"},
            }
            for path, columns in TABLES.items()
        ],
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Tables:
    """The open CSV writers, one per table, each with its header written."""

    def __init__(self, folder: Path) -> None:
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        self.counts: dict[str, int] = {}
        for path, columns in TABLES.items():
            handle = (folder / path).open("w", encoding="utf-8", newline="")
            self._files[path] = handle
            writer = csv.writer(handle)
            writer.writerow([c[0] for c in columns])
            self._writers[path] = writer
            self.counts[path] = 0

    def add(self, path: str, record: dict[str, Any], **extra: Any) -> None:
        row = {**record, **extra}
        self._writers[path].writerow([_cell(row.get(c[0])) for c in TABLES[path]])
        self.counts[path] += 1

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()


def _service_rows(tables: _Tables, service: dict[str, Any]) -> None:
    tables.add("services.csv", service)
    for schedule in service.get("schedules", []):
        tables.add("schedule.csv", schedule)
    for area in service.get("service_areas", []):
        tables.add("service_areas.csv", area)
    for attribute in service.get("attributes", []):
        tables.add("attribute.csv", attribute, link_entity="service")
    for phone in service.get("phones", []):
        tables.add("phones.csv", phone)
    for sal in service.get("service_at_locations", []):
        tables.add("service_at_location.csv", sal)
        location = sal["location"]
        tables.add("locations.csv", location)
        for address in location.get("addresses", []):
            tables.add("address.csv", address)


def _ndjson(path: Path, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Write each record as a line of ``path``, passing it on."""
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
            yield record


def write(directory: hsds.Directory, target: Path, *, force: bool = False) -> Written:
    """Write the directory's public records to ``target``, all or nothing."""
    target = target.resolve()
    if target.exists() and not target.is_dir():
        raise ExportRefused(f"{target} is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise ExportRefused(f"{target} is not empty; give --force to replace what it holds")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp's folder is private; the export is for others to read
        (staging / "json").mkdir()
        tables = _Tables(staging)
        counts: dict[str, int] = {}
        try:
            for name, records in (
                ("services.ndjson", directory.services(hsds.NO_FILTERS, full=True)),
                ("organizations.ndjson", directory.organisations()),
            ):
                counts[name] = 0
                for record in _ndjson(staging / "json" / name, records):
                    counts[name] += 1
                    if name == "services.ndjson":
                        _service_rows(tables, record)
                    else:
                        tables.add("organizations.csv", record)
                        for identifier in record.get("organization_identifiers", []):
                            tables.add("organization_identifiers.csv", identifier)
            taxonomies = [hsds.taxonomy_record(t, with_terms=True) for t in hsds.TAXONOMIES]
            counts["taxonomies.ndjson"] = sum(
                1 for _ in _ndjson(staging / "json" / "taxonomies.ndjson", taxonomies)
            )
            terms = [hsds.term_record(term) for t in hsds.TAXONOMIES for term in t.terms]
            counts["taxonomy_terms.ndjson"] = sum(
                1 for _ in _ndjson(staging / "json" / "taxonomy_terms.ndjson", terms)
            )
            for record in taxonomies:
                tables.add("taxonomies.csv", record)
            for term in terms:
                tables.add("taxonomy_terms.csv", term)
        finally:
            tables.close()
        counts.update(tables.counts)
        (staging / "datapackage.json").write_text(
            json.dumps(datapackage(), indent=2) + "\n", encoding="utf-8"
        )
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Written(target, counts)


def _swap(staging: Path, target: Path) -> None:
    """Put the staged folder at ``target``; what was there is removed only once the new one is
    in place (a rename of each, on the same file system)."""
    if not target.exists():
        staging.rename(target)
        return
    old = target.with_name(f".{target.name}.old-{staging.name.rsplit('.', 1)[-1]}")
    target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)
