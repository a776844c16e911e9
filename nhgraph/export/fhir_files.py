"""``nhgraph export fhir DIR``: every FHIR resource as ndjson, one file per type (the FHIR Bulk
Data layout: ``Organization.ndjson``, ``Location.ndjson`` ...), and a collection Bundle of them
all (``Bundle.json``), in which references resolve, so a validator can check the whole.

The folder is written beside its destination under a temporary name and renamed into place
when every file is complete, so a reader never sees half an export, and a failed one leaves
nothing behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nhgraph.errors import NhgraphError
from nhgraph.export.fhir import FHIR_BASE, RESOURCE_TYPES, RESTRICTED_TYPES, every
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
) -> Written:
    """Write every resource of the graph to ``folder`` (which must not exist unless
    ``replace``); data-sharing agreements (Contract) only when ``agreements`` is asked."""
    folder = folder.resolve()
    if folder.exists() and not (replace and folder.is_dir()):
        raise ExportRefused(
            f"{folder} already exists; give a new folder, or --replace to write over a folder"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    day = today or date.today()
    types = [t for t in RESOURCE_TYPES if agreements or t not in RESTRICTED_TYPES]
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
                    for resource in every(reader, resource_type, today=day):
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
