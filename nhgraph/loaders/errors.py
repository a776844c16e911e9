"""The errors loaders raise: each problem names the file, the line, the record and the rule."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nhgraph.schema.identifiers import SHOWN_MAX


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


def shown_value(value: object) -> str:
    """A refused value as a problem repeats it: its repr, cut short past SHOWN_MAX characters
    (a 50 MB name is named by its start and length, not printed)."""
    text = repr(value)
    if len(text) <= SHOWN_MAX + 2:
        return text
    size = f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters"
    return f"{text[:SHOWN_MAX]}... ({size})"


class InputError(ValueError):
    """Input that cannot become models; ``unreadable`` when the file itself cannot be read."""

    def __init__(self, problems: list[Problem], *, unreadable: bool) -> None:
        self.problems = problems
        self.unreadable = unreadable
        super().__init__("\n".join(str(p) for p in problems))


def read_text(path: Path) -> str:
    """The file as text, through the bounded reader (:func:`nhgraph.loaders.bounded.read_text`)."""
    from nhgraph.loaders.bounded import read_text as bounded_read_text

    return bounded_read_text(path)
