"""Where the web app's files are: the static folder, and the vendor copy inside it (apart from
:mod:`nhgraph.web.vendor`, so that running that module does not import it twice)."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).parent / "static"
VENDOR = STATIC / "vendor"
#: The stamp ``make setup`` checks; also the manifest of what was copied.
MANIFEST = VENDOR / "manifest.json"
INDEX = STATIC / "index.html"
#: The web app's GraphQL documents, one operation a file: the API registers them as persisted
#: operations, and ``operations.mjs`` (generated from them) is what the app sends.
OPERATIONS = Path(__file__).parent / "operations"
OPERATIONS_MODULE = STATIC / "operations.mjs"
