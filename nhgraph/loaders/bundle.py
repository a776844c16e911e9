"""The team-of-teams files: YAML (or JSON) documents that an integrator can edit and review.

A file holds lists of records under keys named after the classes::

    neighbourhoods:
      - id: camden-north
        name: Camden North
        place: E09000007
        lsoas: [E01000800, E01000801]

Every problem is reported with the file, the line, the record and the field, and all of a
file's problems are reported at once, so an editor can fix them in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from nhgraph.loaders.bounded import check_size, read_text, read_yaml
from nhgraph.loaders.errors import InputError, Problem
from nhgraph.schema.models import Node
from nhgraph.schema.problems import describe
from nhgraph.schema.registry import BY_FILE_KEY

BUNDLE_SUFFIXES = (".yaml", ".yml", ".json")
_LINE = "__line__"
_LINES = "__lines__"


#: libyaml's parser where PyYAML was built with it (about 5 times faster on the demo's files),
#: else the pure-Python one; both give each node its line.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe loader that remembers the line each mapping starts on."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    mapping[_LINES] = {
        key.value: key.start_mark.line + 1 for key, _ in node.value if hasattr(key, "value")
    }
    return dict(mapping)


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    """A date as YAML reads it (``2025-04-01``); a day that does not exist names its line."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError as error:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a date ({error})", node.start_mark
        ) from error


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _field_line(record: dict[str, Any], field: str) -> int | None:
    line = record.get(_LINES, {}).get(field)
    return line if line is not None else record.get(_LINE)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k not in (_LINE, _LINES)}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def read_bundle(path: Path) -> list[Node]:
    """The models of one file; an InputError lists every problem with file, line and field."""
    document = read_yaml(path, read_text(path), _LineLoader)
    if not isinstance(document, dict):
        raise InputError(
            [Problem(str(path), None, "", "must be a mapping of lists, such as 'neighbourhoods:'")],
            unreadable=True,
        )
    problems: list[Problem] = []
    models: list[Node] = []
    for key, records in document.items():
        if key in (_LINE, _LINES):
            continue
        cls = BY_FILE_KEY.get(key)
        if cls is None:
            problems.append(
                Problem(
                    str(path),
                    document.get(_LINE),
                    key,
                    f"unknown key; expected one of {', '.join(BY_FILE_KEY)}",
                )
            )
            continue
        if not isinstance(records, list):
            problems.append(Problem(str(path), None, key, "must be a list of records"))
            continue
        for index, record in enumerate(records):
            where = f"{key}[{index}]"
            if not isinstance(record, dict):
                problems.append(Problem(str(path), None, where, "must be a mapping of fields"))
                continue
            record_id = record.get("id")
            if record_id is not None:
                where += f" (id {record_id})"
            try:
                models.append(cls.model_validate(_strip_lines(record)))
            except ValidationError as error:
                problems.extend(
                    Problem(
                        str(path),
                        _field_line(record, refused.path[0]) if refused.path else record.get(_LINE),
                        f"{where} {refused.field}".strip(),
                        refused.text,
                    )
                    for refused in describe(error)
                )
    if problems:
        raise InputError(problems, unreadable=False)
    return models


def read_files(paths: Sequence[Path]) -> list[tuple[Node, Path]]:
    """The models of team-of-teams files, each with the file it was read from.

    Every file is read before anything is refused, so one InputError lists every problem of
    every file and the ids given twice across them; ``unreadable`` is set when a file could
    not be read at all.
    """
    found: list[tuple[Node, Path]] = []
    problems: list[Problem] = []
    unreadable = False
    for path in paths:
        try:
            models = read_bundle(path)
        except InputError as error:
            problems += error.problems
            unreadable = unreadable or error.unreadable
            continue
        found += [(model, path) for model in models]
    problems += check_duplicates(
        [model for model, _ in found], {i: str(path) for i, (_, path) in enumerate(found)}
    )
    if problems:
        raise InputError(problems, unreadable=unreadable)
    return found


def find_files(paths: list[Path]) -> list[Path]:
    """The input files under the given paths (folders are searched for data files)."""
    found: list[Path] = []
    for path in paths:
        found += _walk(path) if path.is_dir() else [path]
    return found


#: Folders deep a dataset may nest (a dataset is one folder per place, one level down).
MAX_FOLDER_DEPTH = 16


def _walk(root: Path) -> list[Path]:
    """The data files of a dataset folder, in path order, following links to folders inside
    the dataset; a link that leaves the dataset, loops, points at nothing or reaches a
    folder read already is refused, never skipped, and so is a file over the size limit."""
    top = root.resolve()
    found: list[Path] = []
    problems: list[Problem] = []
    read = {top: root}  # each real folder, and the path it was read by
    folders = [(root, 0)]
    while folders:
        folder, depth = folders.pop()
        for entry in sorted(folder.iterdir()):
            try:
                real = entry.resolve()
            except (OSError, RuntimeError):  # a link to itself, through others
                problems.append(Problem(str(entry), None, "", "is a link that loops"))
                continue
            if entry.is_symlink():
                if not real.exists():
                    problems.append(Problem(str(entry), None, "", f"links to nothing ({real})"))
                    continue
                if not real.is_relative_to(top):
                    problems.append(
                        Problem(
                            str(entry),
                            None,
                            "",
                            f"links outside the dataset {root} (to {real}); copy it in, or "
                            "load it as a dataset of its own",
                        )
                    )
                    continue
            if real.is_dir():
                if real in read:
                    problems.append(
                        Problem(
                            str(entry),
                            None,
                            "",
                            f"is {read[real]} again (a link to a folder read already, or a "
                            "loop); each folder is read once",
                        )
                    )
                elif depth + 1 > MAX_FOLDER_DEPTH:
                    problems.append(
                        Problem(
                            str(entry),
                            None,
                            "",
                            f"nests deeper than {MAX_FOLDER_DEPTH} folders (the limit)",
                        )
                    )
                else:
                    read[real] = entry
                    folders.append((entry, depth + 1))
            elif (
                entry.suffix in (*BUNDLE_SUFFIXES, ".ttl")
                and real.is_file()
                and not entry.name.endswith(".schema.json")  # the editors' schema, not data
            ):
                try:
                    check_size(entry)
                except InputError as error:
                    problems += error.problems
                    continue
                found.append(entry)
    if problems:
        raise InputError(problems, unreadable=True)
    return sorted(found)


def check_duplicates(models: list[Node], sources: dict[int, str]) -> list[Problem]:
    """Two records of one class with one id, across files."""
    seen: dict[tuple[str, str], str] = {}
    problems = []
    for index, model in enumerate(models):
        key = (type(model).__name__, str(model.id))  # type: ignore[attr-defined]
        if key in seen:
            problems.append(
                Problem(
                    sources.get(index, "?"),
                    None,
                    f"{key[0]} {key[1]}",
                    f"duplicate id (also in {seen[key]})",
                )
            )
        else:
            seen[key] = sources.get(index, "?")
    return problems


def bundle_json_schema() -> str:
    """The JSON Schema of a team-of-teams file, generated from the models, for editors."""
    import json

    from pydantic import create_model

    fields: dict[str, Any] = {key: (list[cls], []) for key, cls in BY_FILE_KEY.items()}  # type: ignore[valid-type]
    bundle = create_model("TeamOfTeamsFile", **fields)
    schema = bundle.model_json_schema()
    schema["title"] = "nhgraph team-of-teams file"
    schema["additionalProperties"] = False
    return json.dumps(schema, indent=2, sort_keys=True)
