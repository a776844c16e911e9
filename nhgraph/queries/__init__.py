"""The catalog of named Cypher queries: one ``.cypher`` file per question, loaded by name.

Each file starts with a header of ``//`` comment lines::

    // name: place_by_id
    // purpose: One place (borough) by its ONS code.
    // parameters: id
    // columns: place

``parameters`` and ``columns`` are comma-separated (``none`` when empty). The header is the
contract the API and the CLI rely on, and the tests check it against the statement (every
declared parameter is used as ``$name``, and every ``$name`` is declared).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_HEADER = re.compile(r"^//\s*(?P<key>[a-z_]+)\s*:\s*(?P<value>.*)$")
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"//[^\n]*")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")

#: The multi-statement file of constraints and indexes, applied by the database layer.
SCHEMA_FILE = "constraints.cypher"


class QueryCatalogError(LookupError):
    """A query that is not in the catalog, or whose file breaks the header contract."""


@dataclass(frozen=True)
class Query:
    """A named Cypher statement with the contract its header declares."""

    name: str
    purpose: str
    parameters: tuple[str, ...]
    columns: tuple[str, ...]
    text: str

    def used_parameters(self) -> set[str]:
        """The ``$names`` the statement uses (ignoring comments and string literals)."""
        return used_parameters(self.text)


def used_parameters(cypher: str) -> set[str]:
    """The ``$names`` a Cypher text uses, ignoring comments and string literals."""
    stripped = _STRING.sub("''", _COMMENT.sub("", cypher))
    return set(_PARAMETER.findall(stripped))


def _split_list(value: str) -> tuple[str, ...]:
    value = value.strip()
    if value in ("", "none"):
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def parse(name: str, source: str) -> Query:
    """Parse one catalog file; the header must name the file and declare its contract."""
    header: dict[str, str] = {}
    body: list[str] = []
    in_header = True
    for line in source.splitlines():
        match = _HEADER.match(line.strip()) if in_header else None
        if match:
            header[match["key"]] = match["value"].strip()
            continue
        if in_header and line.strip().startswith("//"):
            continue  # free-text comment lines in the header
        in_header = False
        body.append(line)
    missing = {"name", "purpose", "parameters", "columns"} - header.keys()
    if missing:
        raise QueryCatalogError(f"{name}.cypher: header lacks {', '.join(sorted(missing))}")
    if header["name"] != name:
        raise QueryCatalogError(
            f"{name}.cypher: header names '{header['name']}', the file is '{name}'"
        )
    return Query(
        name=name,
        purpose=header["purpose"],
        parameters=_split_list(header["parameters"]),
        columns=_split_list(header["columns"]),
        text="\n".join(body).strip().rstrip(";"),
    )


def names() -> list[str]:
    """Every named query in the catalog, sorted."""
    files = resources.files(__package__)
    return sorted(
        entry.name.removesuffix(".cypher")
        for entry in files.iterdir()
        if entry.name.endswith(".cypher") and entry.name != SCHEMA_FILE
    )


@cache
def load(name: str) -> Query:
    """The named query; an unknown name is an error that lists the known ones."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name not in names():
        raise QueryCatalogError(f"no query named '{name}'; known: {', '.join(names())}")
    source = resources.files(__package__).joinpath(f"{name}.cypher").read_text("utf-8")
    return parse(name, source)


def schema_statements() -> list[str]:
    """The constraint and index statements, each idempotent (``IF NOT EXISTS``)."""
    source = resources.files(__package__).joinpath(SCHEMA_FILE).read_text("utf-8")
    text = _COMMENT.sub("", source)
    return [statement.strip() for statement in text.split(";") if statement.strip()]
