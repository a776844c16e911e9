"""The catalog of named Cypher statements, one ``.cypher`` file each, loaded by name.

The files live in four folders, by who asks them:

- ``questions/``: the questions users ask (``nhgraph ask``, :mod:`nhgraph.questions`, the
  API's gaps and overlaps);
- ``api/``: the API's batch reads (one per kind of node, for its DataLoaders) and list pages;
- ``hsds/``: the directory read for Open Referral UK / HSDS 3.0 (:mod:`nhgraph.export.hsds`),
  in keyset pages;
- ``fhir/``: the FHIR API's and export's reads (:mod:`nhgraph.export.fhir`);
- ``internal/``: what nhgraph itself runs (the edit statements, node counts, finding a
  postcode's or a point's LSOA) and ``constraints.cypher``, the schema.

Names are unique across the folders, so a statement is loaded by its name alone. Each file
starts with a header of ``//`` comment lines::

    // name: lsoas_in_no_neighbourhood
    // purpose: Gaps: LSOAs that no neighbourhood footprint covers, ...
    // parameters: place
    // columns: place, place_name, lsoa, lsoa_name, population, imd_decile
    // kind: gap
    // subject: lsoa, lsoa_name

``parameters``, ``columns`` and ``subject`` are comma-separated (``none`` when empty). A
question, and only a question, says its ``kind`` (gap, overlap, sharing, resident,
specialist) and its ``subject``: the columns saying what a row is about, the identifying
column first and then, where there is one, the column naming it. The header is the contract
the API and the CLI rely on, and the tests check it against the statement (every declared
parameter is used as ``$name``, and every ``$name`` is declared).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from nhgraph.errors import NhgraphError

#: The folder of each kind of statement.
QUESTIONS = "questions"
API = "api"
INTERNAL = "internal"
HSDS = "hsds"
#: The FHIR API's and export's reads: keyset pages of FHIR ids, their counts, their contents.
FHIR = "fhir"
FOLDERS = (QUESTIONS, API, HSDS, INTERNAL, FHIR)

#: The multi-statement file of constraints and indexes, applied by the database layer.
SCHEMA_FILE = "constraints.cypher"

_HEADER = re.compile(r"^//\s*(?P<key>[a-z_]+)\s*:\s*(?P<value>.*)$")
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
#: A string literal (either quote, escapes kept inside), a ``//`` comment, or a statement's
#: end, in one alternation: whichever starts first wins, so a ``//`` in a string (an IRI) is
#: text and a quote in a comment is comment.
_LEXEME = re.compile(
    r"""(?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?P<comment>//[^\n]*)|(?P<end>;)"""
)


class QuestionKind(StrEnum):
    """What a question finds: the analysts' gaps and overlaps, data sharing, a resident's
    services, an INT's specialists."""

    gap = "gap"
    overlap = "overlap"
    sharing = "sharing"
    resident = "resident"
    specialist = "specialist"
    impact = "impact"


class QueryCatalogError(NhgraphError, LookupError):
    """A query that is not in the catalog, or whose file breaks the header contract."""

    code = "unknown_query"
    exit_code = 2


@dataclass(frozen=True)
class Query:
    """A named Cypher statement with the contract its header declares."""

    name: str
    purpose: str
    parameters: tuple[str, ...]
    columns: tuple[str, ...]
    text: str
    kind: QuestionKind | None = None
    subject: tuple[str, ...] = ()

    @property
    def is_question(self) -> bool:
        """Whether users may ask it: only the questions declare a kind."""
        return self.kind is not None

    def used_parameters(self) -> set[str]:
        """The ``$names`` the statement uses (ignoring comments and string literals)."""
        return used_parameters(self.text)


def _lexemes(cypher: str, *, keep_strings: bool) -> list[str]:
    """The text cut at each statement's end, comments dropped, in one pass over it.

    String literals are kept as they are, or emptied (``''``) when only the statement's own
    words matter, as for the parameters it uses.
    """
    statements: list[str] = []
    current: list[str] = []
    position = 0
    for match in _LEXEME.finditer(cypher):
        current.append(cypher[position : match.start()])
        position = match.end()
        if match["string"] is not None:
            current.append(match["string"] if keep_strings else "''")
        elif match["end"] is not None:
            statements.append("".join(current))
            current = []
    current.append(cypher[position:])
    statements.append("".join(current))
    return statements


def used_parameters(cypher: str) -> set[str]:
    """The ``$names`` a Cypher text uses, ignoring comments and string literals."""
    return set(_PARAMETER.findall(";".join(_lexemes(cypher, keep_strings=False))))


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
    columns = _split_list(header["columns"])
    kind, subject = _kind_and_subject(name, header, columns)
    return Query(
        name=name,
        purpose=header["purpose"],
        parameters=_split_list(header["parameters"]),
        columns=columns,
        text="\n".join(body).strip().rstrip(";"),
        kind=kind,
        subject=subject,
    )


def _kind_and_subject(
    name: str, header: dict[str, str], columns: tuple[str, ...]
) -> tuple[QuestionKind | None, tuple[str, ...]]:
    """A question's kind and subject, which go together and name only its own columns."""
    if "kind" not in header and "subject" not in header:
        return None, ()
    if "kind" not in header or "subject" not in header:
        lacking = "kind" if "kind" not in header else "subject"
        raise QueryCatalogError(f"{name}.cypher: header lacks {lacking}")
    try:
        kind = QuestionKind(header["kind"])
    except ValueError:
        raise QueryCatalogError(
            f"{name}.cypher: kind '{header['kind']}' is not one of "
            f"{', '.join(k.value for k in QuestionKind)}"
        ) from None
    subject = _split_list(header["subject"])
    unknown = [column for column in subject if column not in columns]
    if not subject or unknown:
        raise QueryCatalogError(
            f"{name}.cypher: the subject must name result columns"
            + (f" (not {', '.join(unknown)})" if unknown else "")
        )
    return kind, subject


def _root() -> Traversable:
    return resources.files(__package__)


@cache
def _folders() -> dict[str, str]:
    """The folder of each named statement; a name in two folders breaks the catalog."""
    found: dict[str, str] = {}
    for folder in FOLDERS:
        for entry in _root().joinpath(folder).iterdir():
            if not entry.name.endswith(".cypher") or entry.name == SCHEMA_FILE:
                continue
            name = entry.name.removesuffix(".cypher")
            if name in found:
                raise QueryCatalogError(
                    f"{name}.cypher is in both {found[name]}/ and {folder}/; names are unique"
                )
            found[name] = folder
    return found


def names() -> list[str]:
    """Every named statement in the catalog, of every folder, sorted."""
    return sorted(_folders())


def question_names() -> list[str]:
    """The questions users ask, sorted: what ``nhgraph ask --list`` shows."""
    return [name for name, folder in sorted(_folders().items()) if folder == QUESTIONS]


def questions_of(kind: QuestionKind | str) -> list[str]:
    """The questions of one kind, sorted (the gaps, say)."""
    wanted = QuestionKind(kind)
    return [name for name in question_names() if load(name).kind is wanted]


@cache
def load(name: str) -> Query:
    """The named statement; an unknown name is an error that lists the known ones."""
    folder = _folders().get(name) if _NAME.fullmatch(name) else None
    if folder is None:
        raise QueryCatalogError(f"no query named '{name}'; known: {', '.join(names())}")
    source = _root().joinpath(folder, f"{name}.cypher").read_text("utf-8")
    query = parse(name, source)
    if query.is_question != (folder == QUESTIONS):
        raise QueryCatalogError(
            f"{folder}/{name}.cypher: a question, and only a question, declares a kind and a "
            f"subject, and lives in {QUESTIONS}/"
        )
    return query


def question(name: str) -> Query:
    """The named question; a statement that is not one (an API read, an edit) is refused,
    as an unknown name is, naming the questions there are."""
    folder = _folders().get(name) if _NAME.fullmatch(name) else None
    if folder is None:
        raise QueryCatalogError(
            f"no question named '{name}'; questions: {', '.join(question_names())}"
        )
    if folder != QUESTIONS:
        raise QueryCatalogError(
            f"'{name}' is not a question ({_READS.get(folder, 'internal')}, "
            f"in {folder}/); questions: {', '.join(question_names())}"
        )
    return load(name)


#: What a statement that is not a question is, by its folder (for the refusal above).
_READS = {API: "an API read", HSDS: "an HSDS read"}


def split_statements(source: str) -> list[str]:
    """The statements of a multi-statement text, without its comments (strings kept whole,
    so a ``;`` or ``//`` inside one neither ends a statement nor starts a comment)."""
    return [
        statement.strip() for statement in _lexemes(source, keep_strings=True) if statement.strip()
    ]


def schema_statements() -> list[str]:
    """The constraint and index statements, each idempotent (``IF NOT EXISTS``)."""
    return split_statements(_root().joinpath(INTERNAL, SCHEMA_FILE).read_text("utf-8"))


def schema_name(statement: str) -> str:
    """The name a schema statement gives its constraint or index: the word after CONSTRAINT or
    INDEX (``CREATE POINT INDEX name ...`` has a kind before it)."""
    words = statement.split()
    for at, word in enumerate(words[:-1]):
        if word.upper() in {"CONSTRAINT", "INDEX"}:
            return words[at + 1]
    raise ValueError(f"not a schema statement: {statement[:80]}")
