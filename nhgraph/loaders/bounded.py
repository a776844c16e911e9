"""The bounded reader: what any input file may hold, and expand to, before it is built.

Every importer reads its files here (team-of-teams YAML and JSON, Turtle, the reference CSVs,
GeoJSON boundaries; postcode files stream through :mod:`nhgraph.loaders.postcodes` with the
same size and line bounds). A file is measured before it is read, and a YAML document is
measured as a stream of events, where an alias is one event, before any of it is composed or
built: an alias bomb (``lsoas: *a``, nine aliases of nine aliases...) is refused at the size
it would expand to, not after expanding it. Each refusal is an InputError whose Problem names
the file, the line where known, and the bound.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import orjson
import yaml

from nhgraph.loaders.errors import InputError, Problem

#: Aliases (``*name``) one YAML file may use.
MAX_ALIASES: Final = 1_000
#: Values (scalars, lists, mappings) one YAML file may hold, counting each alias as all it
#: stands for: the whole London demo dataset holds about 60,000.
MAX_NODES: Final = 500_000
#: Levels of nesting one YAML or JSON document may have (a team-of-teams record is four deep).
MAX_DEPTH: Final = 16
#: Characters in one YAML value (model fields have their own, smaller bounds).
MAX_STRING: Final = 1_000_000
#: Characters in one line of a postcode file (an ONSPD row is about 300).
MAX_LINE: Final = 1 << 16
_MB: Final = 1 << 20


def _refuse(path: Path, line: int | None, message: str) -> InputError:
    return InputError([Problem(str(path), line, "", message)], unreadable=True)


def input_limit() -> tuple[int, str]:
    """The largest file read whole, in bytes, and the setting that raises it."""
    from nhgraph.config import get_settings

    return get_settings().input_max_mb * _MB, "NHGRAPH_INPUT_MAX_MB"


def postcode_limit() -> tuple[int, str]:
    """The largest postcode file, in bytes, and the setting that raises it."""
    from nhgraph.config import get_settings

    return get_settings().postcode_file_max_mb * _MB, "NHGRAPH_POSTCODE_FILE_MAX_MB"


def check_size(path: Path, limit: tuple[int, str] | None = None) -> None:
    """Refuse a file larger than the limit (by default, that of files read whole) unread."""
    most, setting = limit or input_limit()
    try:
        size = path.stat().st_size
    except OSError as error:
        raise _refuse(path, None, f"cannot be read: {error.strerror}") from error
    if size > most:
        raise _refuse(
            path,
            None,
            f"is {size / _MB:.1f} MB, more than {most // _MB} MB (the limit, {setting}); "
            "nothing of it was read",
        )


def read_text(path: Path) -> str:
    """The file as text: UTF-8 (a byte-order mark is dropped), within the size limit, or a
    clear refusal."""
    most, setting = input_limit()
    check_size(path, (most, setting))
    try:
        with path.open("rb") as handle:
            raw = handle.read(most + 1)  # a file that grows, or lies about its size, stops here
    except OSError as error:
        raise _refuse(path, None, f"cannot be read: {error.strerror}") from error
    if len(raw) > most:
        raise _refuse(path, None, f"is more than {most // _MB} MB (the limit, {setting})")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise _refuse(
            path, line, f"is not UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8"
        ) from error
    if not text.strip():
        raise _refuse(path, None, "is empty")
    nul = text.find("\x00")
    if nul != -1:  # no text format nhgraph reads has one; a binary or damaged file has
        line = text.count("\n", 0, nul) + 1
        raise _refuse(path, line, "holds a NUL character: is it a text file, and whole?")
    return text


def read_yaml(path: Path, text: str, loader: type[yaml.SafeLoader]) -> Any:
    """A YAML (or JSON) document, built only once its events are within the bounds; a key
    given twice in one mapping is refused, naming both lines."""
    try:
        _check_events(path, text, loader)
        parser = loader(text)
        try:
            return parser.get_single_data()
        finally:
            parser.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        problem = str(error.problem)
        if "maximum nesting depth" in problem:
            problem = f"nests deeper than {MAX_DEPTH} levels (the limit)"
        raise _refuse(
            path, mark.line + 1 if mark else None, f"is not valid YAML/JSON: {problem}"
        ) from error
    except yaml.YAMLError as error:
        raise _refuse(path, None, f"is not valid YAML/JSON: {error}") from error


class _Collection:
    """A sequence or mapping being read: its size as expanded so far, its anchor, and (for a
    mapping) the keys met and the line each was on."""

    __slots__ = ("anchor", "keys", "size", "values")

    def __init__(self, anchor: str | None, mapping: bool) -> None:
        self.anchor = anchor
        self.size = 1
        self.values = 0  # children read: in a mapping, even ones are keys
        self.keys: dict[str, int] | None = {} if mapping else None


def _check_events(path: Path, text: str, loader: type[yaml.SafeLoader]) -> None:
    """Read the document's events once, streamed, before anything is composed: depth, values
    as expanded through aliases, aliases, string lengths, recursive aliases and keys given
    twice. Memory stays that of one event whatever the document would expand to."""
    anchors: dict[str, int] = {}  # each complete anchor's size as expanded
    open_: list[_Collection] = []
    expanded = aliases = 0
    duplicates: list[Problem] = []
    parser = loader(text)
    try:
        while parser.check_event():
            event = parser.get_event()  # type: ignore[no-untyped-call]
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, yaml.CollectionEndEvent):
                done = open_.pop()
                if done.anchor is not None:
                    anchors[done.anchor] = done.size
                if open_:
                    open_[-1].size += done.size
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            parent = open_[-1] if open_ else None
            if parent is not None:
                if parent.keys is not None and parent.values % 2 == 0:
                    _key(path, event, line, parent.keys, duplicates)
                parent.values += 1
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise _refuse(path, line, f"has more than {MAX_ALIASES} aliases (the limit)")
                if event.anchor not in anchors:
                    raise _refuse(
                        path, line, f"uses *{event.anchor} inside its own anchor, or before it"
                    )
                size = anchors[event.anchor]
            else:
                size = 1
                if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_STRING:
                    raise _refuse(
                        path, line, f"has a value longer than {MAX_STRING} characters (the limit)"
                    )
            expanded += size
            if expanded > MAX_NODES:
                raise _refuse(
                    path,
                    line,
                    f"holds, or expands through its aliases to, more than {MAX_NODES} values "
                    "(the limit)",
                )
            if isinstance(event, yaml.CollectionStartEvent):
                if len(open_) >= MAX_DEPTH:
                    raise _refuse(path, line, f"nests deeper than {MAX_DEPTH} levels (the limit)")
                open_.append(_Collection(event.anchor, isinstance(event, yaml.MappingStartEvent)))
            elif parent is not None:
                parent.size += size
            if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
                anchors[event.anchor] = 1
    finally:
        parser.dispose()
    if duplicates:
        raise InputError(duplicates, unreadable=True)


def _key(
    path: Path, event: yaml.Event, line: int | None, keys: dict[str, int], found: list[Problem]
) -> None:
    """A mapping's key: refused when the mapping has had it already (a merge key aside)."""
    if not isinstance(event, yaml.ScalarEvent) or event.value == "<<":
        return
    if event.value not in keys:
        keys[event.value] = line or 0
        return
    found.append(
        Problem(
            str(path),
            line,
            f"key {event.value!r}",
            f"is given twice in one mapping (first on line {keys[event.value]}); the last "
            "would silently win, so say it once",
        )
    )


def read_json(path: Path) -> Any:
    """A JSON document (GeoJSON boundaries), within the size limit.

    Parsed by orjson, several times faster than the json module on England's boundary files
    (82 MB); it refuses nesting past 1,024 levels as a JSONDecodeError of its own.
    """
    text = read_text(path)
    try:
        return orjson.loads(text)
    except RecursionError as error:
        raise _refuse(path, None, "is not valid JSON: it nests too deeply") from error
    except ValueError as error:
        if "depth limit" in str(error):
            raise _refuse(path, None, "is not valid JSON: it nests too deeply") from error
        line = getattr(error, "lineno", None)
        raise _refuse(path, line, f"is not valid JSON: {error}") from error


def parse_turtle(graph: Any, path: Path) -> None:
    """Add a Turtle file to an rdflib graph, within the size limit."""
    text = read_text(path)
    try:
        graph.parse(data=text, format="turtle", publicID=path.absolute().as_uri())
    except RecursionError as error:
        raise _refuse(path, None, "is not valid Turtle: it nests too deeply") from error
    except Exception as error:  # rdflib's parsers raise several types
        raise _refuse(path, None, f"is not valid Turtle: {error}") from error
