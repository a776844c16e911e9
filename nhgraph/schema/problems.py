"""What the models refused, in words: one reading of pydantic's errors for every caller.

A file's loader, a team-of-teams file, a question's argument and an edit all turn a pydantic
``ValidationError`` into a message that names the field; they read it here, so each says it
the same way (pydantic's "Value error, " prefix dropped, the refused value shown unless it is a
whole record).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from nhgraph.schema.identifiers import SHOWN_MAX


@dataclass(frozen=True)
class Refused:
    """One thing a model refused: the field's path, the rule's message, the value shown."""

    path: tuple[str, ...]
    message: str
    shown: str

    @property
    def field(self) -> str:
        """The field's dotted path (empty when the record as a whole is refused)."""
        return ".".join(self.path)

    @property
    def text(self) -> str:
        """The message with the refused value, as a problem's message reads."""
        return f"{self.message}{self.shown}"


def shown_value(value: object) -> str:
    """A refused value as a problem repeats it: its repr, cut short past SHOWN_MAX characters
    (a 50 MB name is named by its start and length, not printed)."""
    text = repr(value)
    if len(text) <= SHOWN_MAX + 2:
        return text
    size = f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters"
    return f"{text[:SHOWN_MAX]}... ({size})"


def describe(error: ValidationError) -> list[Refused]:
    """Each thing the models refused, in the order pydantic found them."""
    found = []
    for issue in error.errors():
        value = issue.get("input")
        found.append(
            Refused(
                path=tuple(str(part) for part in issue["loc"]),
                message=issue["msg"].removeprefix("Value error, "),
                shown="" if isinstance(value, dict) else f" (value {shown_value(value)})",
            )
        )
    return found
