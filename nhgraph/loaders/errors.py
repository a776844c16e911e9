"""The errors loaders raise: each problem names the file, the line, the record and the rule."""

from __future__ import annotations

from dataclasses import dataclass

from nhgraph.errors import NhgraphError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, where it is and what rule it breaks."""

    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        """The problem as one line: the file (and line), where in it, and what is wrong."""
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
        """The error listing every problem, with the exit code (and, for an unreadable file, the
        code) the command line gives."""
        self.problems = problems
        self.unreadable = unreadable
        self.exit_code = 2 if unreadable else 1
        if unreadable:
            self.code = "unreadable_input"
        super().__init__("\n".join(str(p) for p in problems))
