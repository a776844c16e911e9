"""``nhgraph export fhir DIR``: every FHIR resource as ndjson, one file per type (the FHIR Bulk
Data layout: ``Organization.ndjson``, ``Location.ndjson`` ...), and a collection Bundle of them
all (``Bundle.json``), in which references resolve, so a validator can check the whole.

With ``--place`` the export is of one place: its resources (what ``fhir_place`` names: its
areas, INTs, organisations, teams, affiliations, services, sites and posts) and everything they
reference, transitively, so that the place's Bundle is closed too (every reference resolves
inside it) and validates on its own, at a size the HL7 validator checks in seconds.

The folder is written beside its destination under a temporary name and renamed into place
when every file is complete, so a reader never sees half an export, and a failed one leaves
nothing behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nhgraph.errors import NhgraphError
from nhgraph.export.fhir import (
    FHIR_BASE,
    RESOURCE_TYPES,
    RESTRICTED_TYPES,
    Resource,
    every,
    place_resources,
)
from nhgraph.store.db import Reader


class ExportRefused(NhgraphError):
    """The export cannot be written where it was asked (the folder exists, or is not a folder)."""

    code = "export_refused"
    exit_code = 2


@dataclass
class Written:
    """What an export wrote: resources per type, and the files."""

    folder: Path
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Every resource written (the Bundle holds each once more)."""
        return sum(self.counts.values())


def _line(resource: dict[str, object]) -> str:
    return json.dumps(resource, separators=(",", ":"), ensure_ascii=False)


def write_fhir(
    reader: Reader,
    folder: Path,
    *,
    agreements: bool = False,
    bundle: bool = True,
    replace: bool = False,
    today: date | None = None,
    progress: Callable[[str, int], None] | None = None,
    place: str | None = None,
) -> Written:
    """Write every resource of the graph to ``folder`` (which must not exist unless
    ``replace``), or with ``place`` only that place's and what they reference; data-sharing
    agreements (Contract) only when ``agreements`` is asked. PlaceNotFound (before anything is
    written) when ``place`` names no place."""
    folder = folder.resolve()
    if folder.exists() and not (replace and folder.is_dir()):
        raise ExportRefused(
            f"{folder} already exists; give a new folder, or --replace to write over a folder"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    day = today or date.today()
    types = [t for t in RESOURCE_TYPES if agreements or t not in RESTRICTED_TYPES]
    of_place = place_resources(reader, place, agreements=agreements, today=day) if place else None

    def every_of(resource_type: str) -> Iterator[Resource]:
        if of_place is None:
            return every(reader, resource_type, today=day)
        return iter(of_place.get(resource_type, []))

    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    written = Written(folder)
    try:
        bundle_file = (staging / "Bundle.json").open("w", encoding="utf-8") if bundle else None
        try:
            if bundle_file:
                bundle_file.write(
                    '{"resourceType":"Bundle","type":"collection",'
                    f'"timestamp":"{day.isoformat()}T00:00:00Z","entry":[\n'
                )
            first = True
            for resource_type in types:
                count = 0
                with (staging / f"{resource_type}.ndjson").open("w", encoding="utf-8") as out:
                    for resource in every_of(resource_type):
                        line = _line(resource)
                        out.write(line + "\n")
                        if bundle_file:
                            url = f"{FHIR_BASE}/{resource_type}/{resource['id']}"
                            bundle_file.write(
                                ("" if first else ",\n")
                                + f'{{"fullUrl":"{url}","resource":{line}}}'
                            )
                            first = False
                        count += 1
                written.counts[resource_type] = count
                if progress:
                    progress(resource_type, count)
            if bundle_file:
                bundle_file.write("\n]}\n")
        finally:
            if bundle_file:
                bundle_file.close()
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written
