"""Every .cypher file keeps its header contract, and Neo4j accepts it (EXPLAIN)."""

from __future__ import annotations

import pytest

from nhgraph import queries
from nhgraph.store import db

NAMES = queries.names()
MINIMUM_QUERIES = 39  # raise this as questions are added, so the suite cannot shrink unnoticed


def test_the_catalog_does_not_shrink() -> None:
    assert len(NAMES) >= MINIMUM_QUERIES


@pytest.mark.parametrize("name", NAMES)
def test_header_parameters_match_the_statement(name: str) -> None:
    query = queries.load(name)
    assert query.purpose
    assert query.columns, f"{name}: declare the result columns"
    assert set(query.parameters) == query.used_parameters(), (
        f"{name}: header declares {sorted(query.parameters)}, "
        f"statement uses {sorted(query.used_parameters())}"
    )


@pytest.mark.parametrize("name", NAMES)
def test_neo4j_accepts_the_statement(name: str, graph: db.Database) -> None:
    query = queries.load(name)
    parameters = dict.fromkeys(query.parameters)
    graph.read(f"EXPLAIN {query.text}", parameters)


def test_schema_statements_are_idempotent_forms() -> None:
    statements = queries.schema_statements()
    assert statements
    assert all("IF NOT EXISTS" in statement for statement in statements)


def test_unknown_query_lists_the_known_ones() -> None:
    with pytest.raises(queries.QueryCatalogError, match="place_by_id"):
        queries.load("drop_everything")


def test_header_must_declare_its_contract() -> None:
    with pytest.raises(queries.QueryCatalogError, match="lacks columns"):
        queries.parse("x", "// name: x\n// purpose: p\n// parameters: a\nRETURN $a")
    with pytest.raises(queries.QueryCatalogError, match="header names 'y'"):
        queries.parse(
            "x", "// name: y\n// purpose: p\n// parameters: none\n// columns: a\nRETURN 1 AS a"
        )


def test_parameters_in_comments_and_strings_are_not_counted() -> None:
    assert queries.used_parameters("RETURN $a, '$b' // $c\n, \"$d\"") == {"a"}


def test_each_index_and_constraint_is_on_a_property_nodes_have() -> None:
    """An index on a property no node has costs a declaration and misleads a reader: the
    label is a model class and the property one of its stored (non-link) fields, or a named
    query creates nodes of the label with that property."""
    import re

    from nhgraph.schema.models import MODEL_CLASSES, class_name

    stored = {class_name(cls): set(cls.model_fields) - set(cls.links()) for cls in MODEL_CLASSES}
    created = " ".join(queries.load(name).text for name in NAMES)
    pattern = re.compile(r"FOR \(n:(\w+)\) (?:ON \(n\.(\w+)\)|REQUIRE n\.(\w+) IS UNIQUE)")
    found = [pattern.search(statement) for statement in queries.schema_statements()]
    assert all(found) and len(found) >= 21
    for match in found:
        assert match is not None
        label, prop = match.group(1), match.group(2) or match.group(3)
        written = re.search(rf":{label} \{{[^}}]*\b{prop}:", created)
        assert prop in stored.get(label, set()) or written, f"{label}.{prop}: no node has it"
