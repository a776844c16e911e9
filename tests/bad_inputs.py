"""The bad-input corpus, team-of-teams side: YAML and JSON files, Turtle, dataset folders.

Each case writes one bad thing into a dataset folder that otherwise holds the small world
(``world.yaml``), and says what a refusal must say: the exit code, the file and line it names,
and the rule. ``tests/bad_reference_inputs.py`` holds the reference files' cases; the runners
are ``tests/test_bad_inputs.py`` (no Neo4j) and ``tests/test_bad_inputs_load.py`` (loads into
the real Neo4j, which must be left unchanged).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nhgraph.loaders.bounded import MAX_ALIASES, MAX_DEPTH, MAX_NODES, MAX_STRING
from nhgraph.schema.bounds import NAME_MAX


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, and what its refusal says."""

    id: str
    importer: str  # team-of-teams, turtle, or a reference loader's name
    #: Writes the input into a dataset (or reference) folder; returns the file and line to
    #: name when they are known only once it is written.
    build: Callable[[Path], str | None]
    exit_code: int
    says: str  # the rule, as the message words it
    at: str  # the file named, with ":line:" where the line is known
    env: Mapping[str, str] = field(default_factory=dict)


def _file(name: str, content: str | bytes) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)

    return build


def neighbourhood(body: str = "", lsoas: str = "[E01000800]") -> str:
    """A neighbourhood record whose fifth line is ``lsoas`` and whose sixth is ``body``."""
    return (
        "neighbourhoods:\n"
        "  - id: bad-north\n"
        "    name: Bad North\n"
        "    place: E09000007\n"
        f"    lsoas: {lsoas}\n" + (f"    {body}\n" if body else "")
    )


def _team(name: str, content: str | bytes, exit_code: int, says: str, at: str) -> Case:
    return Case(name, "team-of-teams", _file(at.split(":")[0], content), exit_code, says, at)


def _alias_bomb(levels: int = 9) -> str:
    lines = [
        'a0: &a0 ["E01000800", "E01000800", "E01000800", "E01000800", "E01000800",'
        ' "E01000800", "E01000800", "E01000800", "E01000800"]'
    ]
    for level in range(1, levels):
        items = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{items}]")
    return "\n".join(lines) + "\n" + neighbourhood(lsoas=f"*a{levels - 1}")


ALIAS_BOMB = _alias_bomb()
BOMB_LINE = 6  # the anchor (a5) whose expansion passes the bound


def _many_aliases() -> str:
    items = ", ".join(["*code"] * (MAX_ALIASES + 1))
    return "code: &code E01000800\n" + neighbourhood(lsoas=f"[{items}]")


def _deep(depth: int) -> str:
    return neighbourhood(lsoas="[E01000800]", body="priorities: " + "[" * depth + "]" * depth)


def _symlink_outside(folder: Path) -> None:
    outside = folder.parent / "elsewhere" / "E09000007-camden"
    outside.mkdir(parents=True)
    (outside / "more.yaml").write_text(neighbourhood(), encoding="utf-8")
    os.symlink(outside, folder / "E09000007-camden")


def _symlink_loop(folder: Path) -> None:
    (folder / "camden").mkdir()
    os.symlink(folder, folder / "camden" / "again")


def _symlink_to_nothing(folder: Path) -> None:
    os.symlink(folder / "gone", folder / "E09000007-camden")


def _symlink_twice(folder: Path) -> None:
    (folder / "camden").mkdir()
    (folder / "camden" / "more.yaml").write_text(neighbourhood(), encoding="utf-8")
    os.symlink(folder / "camden", folder / "camden-too")


def _self_loop(folder: Path) -> None:
    os.symlink(folder / "loop", folder / "loop")


def _sparse(name: str, size: int) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        with (folder / name).open("wb") as handle:
            handle.truncate(size)

    return build


def _over_limit(name: str, content: str) -> Callable[[Path], None]:
    """A real file of just over 1 MB, for a run whose limit is set to 1 MB."""

    def build(folder: Path) -> None:
        (folder / name).write_text(content + "#" * (1 << 20) + "\n", encoding="utf-8")

    return build


def _turtle_deep(depth: int) -> str:
    return (
        "@prefix ex: <http://example.org/> .\nex:a ex:p "
        + "[ ex:p " * depth
        + "1"
        + (" ]" * depth)
        + " .\n"
    )


LSOA = "lsoas:\n  - id: E01000899\n    name: Camden X\n    place: E09000007\n"
POSTCODE = "postcodes:\n  - id: NW1 9ZZ\n    lsoa: E01000800\n"
SERVICE = (
    "services:\n  - id: bad-service\n    name: Bad\n    provider: 'ods:F83001'\n"
    "    function: frailty\n    places: [E09000007]\n"
)
AGREEMENT = (
    "data_sharing_agreements:\n  - id: bad-dsa\n    name: Bad\n"
    "    controllers: ['ods:F83001', 'ods:F83002']\n    purposes: [direct_care]\n"
    "    status: draft\n    valid_from: 2025-01-01\n"
)
ALIGNMENT = (
    "specialist_alignments:\n  - id: bad-align\n    int: e09000007-int1\n"
    "    provider: 'ods:RAL'\n    specialty: geriatrician\n    start: 2025-01-01\n"
)
LONG = "x" * (NAME_MAX + 1)

TEAM_CASES: list[Case] = [
    # -- what a file may expand to (defect 9) ---------------------------------------------------
    _team(
        "alias-bomb-in-a-field",
        ALIAS_BOMB,
        2,
        f"more than {MAX_NODES} values (the limit)",
        f"bad.yaml:{BOMB_LINE}:",
    ),
    _team(
        "too-many-aliases",
        _many_aliases(),
        2,
        f"more than {MAX_ALIASES} aliases (the limit)",
        "bad.yaml:6:",
    ),
    _team("recursive-alias", "loop: &loop [*loop]\n", 2, "inside its own anchor", "bad.yaml:1:"),
    _team(
        "nesting-past-the-limit",
        _deep(MAX_DEPTH),
        2,
        f"nests deeper than {MAX_DEPTH} levels (the limit)",
        "bad.yaml:6:",
    ),
    _team(
        "nesting-past-libyaml",
        _deep(5000),
        2,
        f"nests deeper than {MAX_DEPTH} levels (the limit)",
        "bad.yaml:6:",
    ),
    _team(
        "a-value-past-the-limit",
        neighbourhood(body="name: " + "y" * (MAX_STRING + 1)),
        2,
        f"longer than {MAX_STRING} characters (the limit)",
        "bad.yaml:6:",
    ),
    _team(
        "json-nested-past-the-limit",
        '{"neighbourhoods": ' + "[" * 40 + "]" * 40 + "}",
        2,
        f"nests deeper than {MAX_DEPTH} levels (the limit)",
        "bad.json:1:",
    ),
    # -- duplicate keys (defect 11) -------------------------------------------------------------
    _team(
        "duplicate-key-in-a-record",
        neighbourhood(body="name: Again"),
        2,
        "key 'name': is given twice in one mapping (first on line 3)",
        "bad.yaml:6:",
    ),
    _team(
        "duplicate-class-key",
        neighbourhood() + neighbourhood(),
        2,
        "key 'neighbourhoods': is given twice",
        "bad.yaml:6:",
    ),
    _team(
        "duplicate-key-in-json",
        '{"places": [{"id": "E09000099", "name": "A", "name": "B", "system": "QMJ"}]}',
        2,
        "key 'name': is given twice",
        "bad.json:1:",
    ),
    _team(
        "duplicate-quoted-key",
        neighbourhood(body='"place": E09000012'),
        2,
        "key 'place': is given twice",
        "bad.yaml:6:",
    ),
    # -- Unicode digits in codes (defect 11) ----------------------------------------------------
    _team(
        "arabic-indic-digits-in-an-lsoa",
        neighbourhood(lsoas="[E01000\u0668\u0660\u0660]"),
        1,
        "is not an ONS LSOA code",
        "bad.yaml:5:",
    ),
    _team(
        "full-width-digits-in-a-place",
        neighbourhood().replace("E09000007", "E0900000\uff17"),
        1,
        "is not an ONS local authority district (place",
        "bad.yaml:4:",
    ),
    _team(
        "arabic-indic-digits-in-an-ods-code",
        SERVICE.replace("ods:F83001", "ods:F8\u0663001"),
        1,
        "is not an NHS ODS code",
        "bad.yaml:4:",
    ),
    _team(
        "devanagari-digits-in-a-charity",
        SERVICE.replace("ods:F83001", "charity:\u0967\u0968\u0969\u096a\u096b\u096c"),
        1,
        "is not a Charity Commission number",
        "bad.yaml:4:",
    ),
    _team(
        "full-width-digits-in-opening-hours",
        SERVICE + "    hours: ['Mon \uff10\uff18:00-18:30']\n",
        1,
        "is not opening hours",
        "bad.yaml:7:",
    ),
]
