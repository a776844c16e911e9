"""Copy the browser app's npm packages into the package, at ``make setup``.

The app is served with nothing fetched from elsewhere at run time (it must work on an intranet
with no internet), so the files it loads are copied here from ``web/node_modules`` (installed
by ``npm ci --prefix web`` from the lock file) into ``nhgraph/web/static/vendor/``, which git
ignores. The NHS.UK frontend's stylesheet names a font on assets.nhs.uk: its ``@font-face``
rules are dropped, so the browser falls back to the stack's Arial, and the
Content-Security-Policy's ``font-src 'self'`` would block any that were missed.

Run as ``python -m nhgraph.web.vendor [NODE_MODULES]``; it exits non-zero, naming the file,
when a package file is missing (a different version was installed than the lock names).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

from nhgraph.config import PROJECT_ROOT
from nhgraph.web.paths import MANIFEST, VENDOR

NODE_MODULES = PROJECT_ROOT / "web" / "node_modules"

#: What the app loads, as (file in node_modules, file under vendor/).
FILES: tuple[tuple[str, str], ...] = (
    ("nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css", "nhsuk-frontend.min.css"),
    ("nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js", "nhsuk-frontend.min.js"),
    ("maplibre-gl/dist/maplibre-gl.mjs", "maplibre/maplibre-gl.mjs"),
    ("maplibre-gl/dist/maplibre-gl-worker.mjs", "maplibre/maplibre-gl-worker.mjs"),
    ("maplibre-gl/dist/maplibre-gl.css", "maplibre/maplibre-gl.css"),
)
#: Folders copied whole: the frontend's icons and logos, which its stylesheet names by
#: root-absolute URLs (``/assets/images/...``), so the API serves this folder at ``/assets``.
FOLDERS: tuple[tuple[str, str], ...] = (("nhsuk-frontend/dist/nhsuk/assets", "nhsuk-assets"),)

_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
_SOURCE_MAP = re.compile(r"/[*/]# sourceMappingURL=[^\s*]+(?:\s*\*/)?\s*$")
_REMOTE = re.compile(r"url\(\s*['\"]?https?://")


class VendorError(RuntimeError):
    """A package file the app needs is missing, or still names a remote resource."""


def _clean(name: str, text: str) -> str:
    """The file's text without remote fonts or a source map comment (no map is served)."""
    if name.endswith(".css"):
        text = _FONT_FACE.sub("", text)
        if _REMOTE.search(text):
            raise VendorError(f"{name}: still loads a remote resource after the fonts are dropped")
    return _SOURCE_MAP.sub("", text)


def copy(node_modules: Path = NODE_MODULES, vendor: Path = VENDOR) -> dict[str, str]:
    """Copy the app's files from ``node_modules`` into ``vendor``, and return (and write) the
    manifest: each file's sha256."""
    missing = [source for source, _ in FILES + FOLDERS if not (node_modules / source).exists()]
    if missing:
        raise VendorError(
            f"{node_modules}: missing {', '.join(missing)} (run `npm ci --prefix web`)"
        )
    if vendor.exists():
        shutil.rmtree(vendor)
    manifest: dict[str, str] = {}
    for source, target in FILES:
        text = _clean(target, (node_modules / source).read_text(encoding="utf-8"))
        path = vendor / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        manifest[target] = hashlib.sha256(text.encode()).hexdigest()
    for source, target in FOLDERS:
        shutil.copytree(node_modules / source, vendor / target)
        for path in sorted((vendor / target).rglob("*")):
            if path.is_file():
                manifest[str(path.relative_to(vendor))] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    vendor.mkdir(parents=True, exist_ok=True)
    (vendor / MANIFEST.name).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def main(argv: list[str] | None = None) -> int:
    """The ``make setup`` step: copy, and say what was copied."""
    args = sys.argv[1:] if argv is None else argv
    try:
        manifest = copy(Path(args[0]) if args else NODE_MODULES)
    except (VendorError, OSError) as error:
        print(f"nhgraph.web.vendor: {error}", file=sys.stderr)
        return 1
    print(f"nhgraph.web.vendor: {len(manifest)} files in {VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
