"""Every .cypher file keeps its header contract, and Neo4j accepts it (EXPLAIN); the
questions are apart from the API's and nhgraph's own statements, each with its kind."""

from __future__ import annotations

import ast
import fnmatch
import re
import tomllib

import pytest

from nhgraph import queries, questions
from nhgraph.config import PROJECT_ROOT
from nhgraph.store import db

NAMES = queries.names()
# Raise these as statements are added, so the suite cannot shrink unnoticed.
MINIMUM_QUERIES = 43
MINIMUM_QUESTIONS = 20


def test_the_catalog_does_not_shrink() -> None:
    assert len(NAMES) >= MINIMUM_QUERIES
    assert len(queries.question_names()) >= MINIMUM_QUESTIONS


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
    with pytest.raises(queries.QueryCatalogError, match="api_places"):
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
    # A // inside a string is text, not the start of a comment (an IRI, say).
    assert queries.used_parameters("RETURN 'https://x', $a") == {"a"}
    assert queries.used_parameters('RETURN "https://x/$b", $a // $c') == {"a"}
    # Escaped quotes stay inside their string; a quote inside a comment starts none.
    assert queries.used_parameters("RETURN 'it\\'s $b', $a // don't $c\n, $d") == {"a", "d"}


def test_statements_split_at_their_end_and_not_inside_a_string() -> None:
    text = "CREATE INDEX a; // the next; one\nRETURN 'a;b // c' AS s;\n\n// the end; done"
    assert queries.split_statements(text) == ["CREATE INDEX a", "RETURN 'a;b // c' AS s"]


def _readme_questions(kind: str) -> set[str]:
    """The questions README's table lists in the row of one kind."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    [row] = re.findall(rf"^\| {kind} \| (.*) \|$", readme, re.MULTILINE)
    return set(re.findall(r"`([a-z_]+)`", row)) & set(NAMES)


def test_the_gaps_and_overlaps_are_those_readme_lists() -> None:
    assert set(queries.questions_of("gap")) == _readme_questions("gaps")
    assert set(queries.questions_of(queries.QuestionKind.overlap)) == _readme_questions("overlaps")
    assert set(queries.questions_of("sharing")) == _readme_questions("data sharing")
    assert queries.questions_of("resident") == ["who_serves"]
    assert set(queries.questions_of("specialist")) <= _readme_questions("specialists")
    every_kind = [name for kind in queries.QuestionKind for name in queries.questions_of(kind)]
    assert sorted(every_kind) == queries.question_names()


def test_only_questions_say_a_kind_and_a_subject_of_their_own_columns() -> None:
    for name in NAMES:
        query = queries.load(name)
        assert query.is_question == (name in queries.question_names()), name
        assert set(query.subject) <= set(query.columns), name
        assert bool(query.subject) == query.is_question, name
    assert queries.load("lsoas_in_no_neighbourhood").subject == ("lsoa", "lsoa_name")
    assert queries.load("services_overlapping").subject == ("function",)
    with pytest.raises(queries.QueryCatalogError, match="lacks subject"):
        queries.parse(
            "x",
            "// name: x\n// purpose: p\n// parameters: none\n// columns: a\n"
            "// kind: gap\nRETURN 1 AS a",
        )
    with pytest.raises(queries.QueryCatalogError, match="not one of gap"):
        queries.parse(
            "x",
            "// name: x\n// purpose: p\n// parameters: none\n// columns: a\n"
            "// kind: gaps\n// subject: a\nRETURN 1 AS a",
        )
    with pytest.raises(queries.QueryCatalogError, match="not b"):
        queries.parse(
            "x",
            "// name: x\n// purpose: p\n// parameters: none\n// columns: a\n"
            "// kind: gap\n// subject: b\nRETURN 1 AS a",
        )


@pytest.mark.parametrize("name", ["edit_record", "api_places", "node_counts"])
def test_a_statement_that_is_not_a_question_is_not_asked(name: str, graph: db.Database) -> None:
    with pytest.raises(queries.QueryCatalogError, match=f"'{name}' is not a question"):
        questions.ask(graph, name, {})
    assert graph.read("MATCH (e:Edit) RETURN count(e) AS n") == [{"n": 0}]
    with pytest.raises(queries.QueryCatalogError, match="no question named 'nothing'"):
        queries.question("nothing")


def test_every_name_the_code_loads_is_in_the_catalog() -> None:
    """queries.load("...") is looked up at run time: a typo or a file moved away would only
    fail when that path runs, so every literal name in the package is checked here."""
    loaded: set[str] = set()
    for path in (PROJECT_ROOT / "nhgraph").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("load", "question")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "queries"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                loaded.add(str(node.args[0].value))
    assert len(loaded) >= 6
    assert loaded <= set(NAMES), loaded - set(NAMES)


def test_every_statement_file_is_in_the_package_data() -> None:
    """A wheel holds only the data files pyproject names: each .cypher file must match."""
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["nhgraph"]
    package = PROJECT_ROOT / "nhgraph"
    files = [str(p.relative_to(package)) for p in (package / "queries").rglob("*.cypher")]
    assert len(files) == len(NAMES) + 1  # and constraints.cypher
    for file in files:
        assert any(
            fnmatch.fnmatch(file, pattern) and file.count("/") == pattern.count("/")
            for pattern in patterns
        ), file


def test_each_index_and_constraint_is_on_a_property_nodes_have() -> None:
    """An index on a property no node has costs a declaration and misleads a reader: the
    label is a model class and the property one of its stored (non-link) fields (or one the
    store derives from them), or a named query creates nodes of the label with that property."""
    import re

    from nhgraph.schema.models import MODEL_CLASSES, class_name
    from nhgraph.store.rows import BOX_CORNERS
    from nhgraph.store.stage import STAGE, STAGED

    stored = {class_name(cls): set(cls.model_fields) - set(cls.links()) for cls in MODEL_CLASSES}
    stored["Lsoa"] |= set(BOX_CORNERS)  # derived by the store from the box's four numbers
    # A large load's staged nodes: the marks its staging statement sets.
    stored[STAGED] = set(re.findall(r"n\.(\w+) = \$", STAGE))
    assert stored[STAGED] >= {"nhg_stage", "nhg_staged_at"}
    created = " ".join(queries.load(name).text for name in NAMES)
    # One property, or several (a composite index: each is checked).
    pattern = re.compile(
        r"FOR \(n:(\w+)\) (?:ON \((n\.\w+(?:, n\.\w+)*)\)|REQUIRE n\.(\w+) IS UNIQUE)"
    )
    found = [pattern.search(statement) for statement in queries.schema_statements()]
    assert all(found)
    assert len(found) >= 21
    composite = 0
    for match in found:
        assert match is not None
        label = match.group(1)
        props = [
            p.removeprefix("n.") for p in (match.group(2) or f"n.{match.group(3)}").split(", ")
        ]
        composite += len(props) > 1
        for prop in props:
            written = re.search(rf":{label} \{{[^}}]*\b{prop}:", created)
            assert prop in stored.get(label, set()) or written, f"{label}.{prop}: no node has it"
    assert composite >= 2  # the (kind, id) and (kind, name) indexes are read, not skipped


def test_every_list_pages_by_keyset_and_limit_never_by_collecting_every_match() -> None:
    """A page of a list costs its page, not the list: the statement counts in a subquery and
    takes the page with a keyset WHERE and a LIMIT (England's lists are seven times London's)."""
    from nhgraph import queries

    names = [name for name in queries.names() if name.startswith("api_list_")]
    assert len(names) >= 6
    for name in names:
        text = queries.load(name).text
        assert "LIMIT $limit" in text, name
        assert "COUNT {" in text, name
        assert "collect(" not in text.lower(), name
