"""The errors loaders raise: each problem names the file, the line, the record and the rule."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nhgraph.errors import NhgraphError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, where it is and what rule it breaks."""

    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"
        )


class InputError(NhgraphError):
    """Input that cannot become models; ``unreadable`` when the file itself cannot be read.

    Exit code 2 for a file that cannot be read, 1 for one whose records break the model.
    """

    code = "invalid_input"

    def __init__(self, problems: list[Problem], *, unreadable: bool) -> None:
        self.problems = problems
        self.unreadable = unreadable
        self.exit_code = 2 if unreadable else 1
        if unreadable:
            self.code = "unreadable_input"
        super().__init__("\n".join(str(p) for p in problems))


def read_text(path: Path) -> str:
    """The file as text: UTF-8 (a byte-order mark is dropped), or a clear refusal."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(
            [Problem(str(path), None, "", f"cannot be read: {error.strerror}")], unreadable=True
        ) from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(
            [
                Problem(
                    str(path),
                    line,
                    "",
                    f"is not UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8",
                )
            ],
            unreadable=True,
        ) from error
    if not text.strip():
        raise InputError([Problem(str(path), None, "", "is empty")], unreadable=True)
    return text
