"""The checks of a document without a server: the shape limits and the cost estimate measure
each fragment once and give the figures a full walk would, and every bound and weight names
a part of the schema."""

from __future__ import annotations

import re
import sys
from types import FrameType

import pytest
from graphql import OperationDefinitionNode, parse

from nhgraph.graphql import arguments, cost
from nhgraph.graphql.limits import shape_errors
from nhgraph.graphql.schema import schema

SCHEMA = schema._schema


def _cost(query: str, variables: dict[str, object] | None = None, ceiling: int = 10**12) -> int:
    document = parse(query)
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return cost.estimate_cost(SCHEMA, operation, document, variables, 100, ceiling)


def test_a_fragment_costs_what_its_fields_would_cost_written_out() -> None:
    written_out = "{ a: about { name } b: about { name } c: about { name } d: about { name } }"
    spread = (
        "{ ...F0 } fragment F0 on Query { ...F1 ...F1 } "
        "fragment F1 on Query { ...F2 ...F2 } fragment F2 on Query { about { name } }"
    )
    assert _cost(spread) == _cost(written_out) == 8


def _walks(query: str, ceiling: int) -> tuple[int, int]:
    """The cost, and how many selection sets the estimator walked to find it (counted by a
    trace of its own calls, stopped past 100,000: a walk per path would never end)."""
    calls = 0
    code = cost._Estimator.cost.__code__

    def trace(frame: FrameType, event: str, _arg: object) -> None:
        nonlocal calls
        if event == "call" and frame.f_code is code:
            calls += 1
            if calls > 100_000:
                raise RuntimeError("the estimator walks each path, not each fragment once")

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        found = _cost(query, ceiling=ceiling)
    finally:
        sys.settrace(previous)
    return found, calls


def _doubling_chain(length: int) -> str:
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(length))
    return f"{{ ...F0 }} {chain} fragment F{length} on Query {{ about {{ name }} }}"


def test_the_cost_of_a_doubling_chain_is_counted_in_time_linear_in_its_length() -> None:
    """Counted in work, not seconds (a busy machine took 2.8 s once): each fragment's
    selection set is walked once, so twice the chain is about twice the walks, where a walk
    per path would be 2**60 of them."""
    query = _doubling_chain(60)
    priced, walks = _walks(query, ceiling=10**30)
    assert priced == 2 * 2**60
    assert _walks(query, ceiling=5_000_000)[0] == 5_000_000  # saturates at the ceiling
    _, half = _walks(_doubling_chain(30), ceiling=10**30)
    assert walks <= 2 * half + 5, (walks, half)
    assert walks <= 4 * 62, walks


def test_weights_price_residents_by_how_they_are_found() -> None:
    by_point = _cost("{ resident(latitude: 51.5, longitude: -0.1) { __typename } }")
    by_lsoa = _cost('{ resident(lsoa: "E01000800") { __typename } }')
    assert (by_point, by_lsoa) == (cost.POINT_WEIGHT + 1, cost.RESIDENT_WEIGHT + 1)
    # What is asked of a resident (a union) is priced too.
    placed = _cost('{ resident(lsoa: "x") { ... on Resident { place { ints { id } } } } }')
    assert placed == cost.RESIDENT_WEIGHT + 1 + 1 + cost.LIST_FACTOR  # place, ints, ids
    assert _cost("{ gaps { placesWithoutIntegrator { subject } } }") == (
        1 + cost.QUESTION_WEIGHT + cost.LIST_FACTOR
    )


def test_every_weight_names_a_field_of_the_schema() -> None:
    assert len(cost.WEIGHTS) >= 25
    for coordinate in cost.WEIGHTS:
        owner, field = coordinate.split(".")
        assert field in SCHEMA.get_type(owner).fields, coordinate  # type: ignore[union-attr]


def test_every_number_argument_has_a_bound_and_every_bound_names_the_schema() -> None:
    assert arguments.unbounded_numbers(SCHEMA) == []
    coordinates = set()
    for name, graphql_type in SCHEMA.type_map.items():
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            coordinates.add(f"{name}.{field_name}")
            coordinates.update(f"{name}.{field_name}({a}:)" for a in getattr(field, "args", {}))
    names = {re.sub(r".*\((\w+):\)$", r"(\1:)", c) for c in coordinates if c.endswith(":)")}
    for key in arguments.BOUNDS:
        assert key in coordinates or key in names, key


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ " + " ".join(["about { name }"] * 11) + " }", "QUERY_TOO_REPETITIVE"),
        (
            "{ ...A ...A ...A ...A ...A ...A } "
            "fragment A on Query { about { name } about { name } }",
            "QUERY_TOO_REPETITIVE",
        ),
        (
            "{ a: about { name } ...B } "
            "fragment B on Query { b: about { name } c: about { name } }",
            "TOO_MANY_ALIASES",
        ),
        (
            '{ resident(lsoa: "x") { ... on Resident { place { ints { place { name } } } } } }',
            "QUERY_TOO_DEEP",
        ),
    ],
)
def test_shape_limits_count_what_fragments_stand_for(query: str, code: str) -> None:
    errors = shape_errors(parse(query), max_depth=3, max_aliases=2)
    assert [e.extensions["code"] for e in errors if e.extensions] == [code]


def test_shape_limits_pass_an_ordinary_query_and_survive_cycles() -> None:
    ordinary = (
        '{ place(id: "E09000007") { name ints { id } neighbourhoods { id } } about { name } }'
    )
    assert shape_errors(parse(ordinary), max_depth=8, max_aliases=20) == []
    # A cycle is validation's to report; measuring it must not loop.
    cyclic = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A about { name } }"
    assert shape_errors(parse(cyclic), max_depth=8, max_aliases=20) == []
