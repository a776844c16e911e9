"""Gaps and Overlaps are the catalog's gap and overlap questions, and a finding's subject is the
one each question's header declares."""

from __future__ import annotations

import pytest

from nhgraph import queries
from nhgraph.graphql.analysis import Gaps, Overlaps, subject_of
from nhgraph.graphql.schema import schema


def _fields(cls: type) -> set[str]:
    """The fields the API serves on the type (its GraphQL fields, not private attributes)."""
    served = schema._schema.get_type(cls.__name__)  # graphql-core's type, as the SDL has it
    return {field.python_name for field in cls.__strawberry_definition__.fields} & {  # type: ignore[attr-defined]
        _snake(name)
        for name in served.fields  # type: ignore[union-attr]
    }


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


@pytest.mark.parametrize(("cls", "kind"), [(Gaps, "gap"), (Overlaps, "overlap")])
def test_every_question_of_the_kind_is_a_field_and_no_other(cls: type, kind: str) -> None:
    assert _fields(cls) == set(queries.questions_of(kind))


def test_a_findings_subject_is_read_from_the_header() -> None:
    assert subject_of("lsoas_in_no_neighbourhood") == ("lsoa", "lsoa_name")
    assert subject_of("functions_duplicated_in_consistent_tier") == ("int", None)
    for kind in ("gap", "overlap"):
        for question in queries.questions_of(kind):
            subject, name = subject_of(question)
            columns = queries.load(question).columns
            assert subject in columns, question
            assert name is None or name in columns, question
