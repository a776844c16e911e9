"""``python -m bench [NAME ...] [--FLAG ...]`` runs the benchmarks (all of them when no name is
given); flags are left in sys.argv for the benchmarks that read one (``peer --quick``)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "neo4j_startup",
    "validation",
    "load",
    "questions",
    "api",
    "edits",
    "web",
    "peer",
    "hsds_import",
    "fhir",
    "oruk",
    "england",
    "england_postcodes",
    "dry_run",
    "history",
]


def main(names: list[str]) -> None:
    """Runs the named benchmarks in turn, or all of them, refusing a name it does not know."""
    for name in names or BENCHMARKS:
        if name not in BENCHMARKS:
            sys.exit(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")
        importlib.import_module(f"bench.{name}").run()


if __name__ == "__main__":
    main([arg for arg in sys.argv[1:] if not arg.startswith("--")])
