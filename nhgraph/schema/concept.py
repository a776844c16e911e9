"""The base of every closed vocabulary: an enum whose members are SKOS concepts.

A member's value is the concept's notation (and the last segment of its IRI); ``label`` and
``definition`` are its ``skos:prefLabel`` and ``skos:definition``; :func:`in_scheme` names the
scheme an enum is.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar

C = TypeVar("C", bound=type["Concept"])


class Concept(StrEnum):
    """A SKOS concept: a notation, a preferred label and a definition."""

    label: str
    definition: str
    #: The concept scheme's name, as used in IRIs (``.../def/<scheme>/<notation>``).
    scheme: ClassVar[str]
    scheme_label: ClassVar[str]
    #: Concepts of other vocabularies this one matches exactly (prefixed names).
    exact_match: str | None

    def __new__(
        cls, value: str, label: str, definition: str, exact_match: str | None = None
    ) -> Any:
        """A member of a concept scheme: its notation as the string value, with its label,
        definition and any exact match."""
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.definition = definition
        member.exact_match = exact_match
        return member

    @classmethod
    def of(cls, notation: str) -> Self:
        """The member with this notation (ValueError naming the scheme when there is none)."""
        try:
            return cls(notation)  # type: ignore[call-arg]
        except ValueError as error:
            raise ValueError(f"'{notation}' is not a {cls.__name__} notation") from error


def in_scheme(name: str, label: str) -> Callable[[C], C]:
    """Name the concept scheme an enum is (set after the class, or Enum would make members)."""

    def decorate(cls: C) -> C:
        cls.scheme = name
        cls.scheme_label = label
        return cls

    return decorate
