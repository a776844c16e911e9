"""Everything a request is checked for before it runs: parsing, validation, the shape limits,
which operation to run, the cost and the arguments' bounds, in one function that the HTTP
layer runs in a worker thread, never on the event loop.

Parsing and validation are cached by the query's text (apps send a handful of texts), the
cost and the arguments are judged on every request because they depend on its variables.
Each step's work grows with the size of the document (at most ``NHGRAPH_API_MAX_TOKENS``
tokens and ``NHGRAPH_API_MAX_BODY_BYTES`` bytes), never with what its fragments stand for;
the shape limits run before graphql-core's own rules, whose check of overlapping fields
compares fields pairwise, and a document they refuse is not given to those rules.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import VariableValues, get_variable_values
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from nhgraph.config import Settings
from nhgraph.graphql.arguments import argument_errors
from nhgraph.graphql.cost import cost_error
from nhgraph.graphql.limits import shape_errors

#: Distinct query texts whose parse and validation are kept (apps send a handful).
CACHED_DOCUMENTS = 256
#: Verdicts kept (a document with its variables), and the longest variables kept with one.
CACHED_VERDICTS = 4096
MAX_CACHED_VARIABLES_CHARS = 2048


def _canonical(variables: dict[str, Any] | None) -> str:
    try:
        return orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # an integer past 64 bits: the standard library writes it
        return json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))


#: Characters a query's text may hold. The token limit does not bound a string literal, which
#: graphql-core's lexer reads a character at a time (900 KB took about 1.5 s); apps' queries
#: are a few kilobytes, and long values belong in variables, which are read as JSON.
MAX_QUERY_CHARS = 100_000


@dataclass
class Prepared:
    """A request as checked: its document (None when it does not parse), the errors to
    answer with instead of running it (empty to run it), whether it is a request error the
    HTTP layer answers 400 (``request_error``), and whether it is a mutation."""

    document: DocumentNode | None
    errors: list[GraphQLError] = field(default_factory=list)
    request_error: str | None = None
    mutation: bool = False
    #: The operation to run, its fragments and its coerced variables, once all checks pass.
    operation: OperationDefinitionNode | None = None
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    variables: VariableValues | None = None


class Guard:
    """The checks of one deployment, with their caches."""

    def __init__(self, settings: Settings) -> None:
        """The checks under these settings; :meth:`bind` gives them the schema once built."""
        self.settings = settings
        self.schema: GraphQLSchema | None = None
        self.hide_suggestions = settings.env == "production"
        rules = [
            *specified_rules,
            MaybeNullValidationRule,
            OneOfInputValidationRule,
        ]
        if not settings.introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = tuple(rules)
        self._verdicts: OrderedDict[tuple[str, str | None, str], Prepared] = OrderedDict()
        self._lock = threading.Lock()
        self._parse = lru_cache(maxsize=CACHED_DOCUMENTS)(self._parse_uncached)
        self._validate = lru_cache(maxsize=CACHED_DOCUMENTS)(self._validate_uncached)

    def bind(self, schema: GraphQLSchema) -> None:
        """Checks against this schema from now on."""
        self.schema = schema

    def _parse_uncached(self, query: str) -> DocumentNode | GraphQLError:
        try:
            return parse(query, max_tokens=self.settings.api_max_tokens)
        except GraphQLError as error:
            return error

    def _validate_uncached(self, query: str) -> tuple[GraphQLError, ...]:
        document = self._parse(query)
        assert self.schema is not None
        assert isinstance(document, DocumentNode)
        settings = self.settings
        shape = shape_errors(document, settings.api_max_depth, settings.api_max_aliases)
        if shape:
            return tuple(shape)
        errors = validate(self.schema, document, self.rules, hide_suggestions=self.hide_suggestions)
        return tuple(errors)

    def kept(
        self, query: str, operation_name: str | None, variables: dict[str, Any] | None
    ) -> Prepared | None:
        """The verdict kept for this request, if one is (a lookup: safe on the event loop)."""
        try:
            key = (query, operation_name, _canonical(variables))
        except (TypeError, ValueError):
            return None
        with self._lock:
            return self._verdicts.get(key)

    def prepare(
        self, query: str, operation_name: str | None, variables: dict[str, Any] | None
    ) -> Prepared:
        """The request checked: the errors to answer with, or none, and its document.

        A verdict that lets a request run is kept by the query's text, the operation and the
        variables (apps send the same few operations with a bounded set of variables: a
        postcode, a place), so a repeat is judged by one lookup; a refusal is judged afresh."""
        try:
            key = (query, operation_name, _canonical(variables))
        except (TypeError, ValueError):
            return self._prepare(query, operation_name, variables)
        if len(key[2]) > MAX_CACHED_VARIABLES_CHARS:
            return self._prepare(query, operation_name, variables)
        with self._lock:
            kept = self._verdicts.get(key)
            if kept is not None:
                self._verdicts.move_to_end(key)
                return kept
        prepared = self._prepare(query, operation_name, variables)
        if prepared.operation is not None:
            with self._lock:
                self._verdicts[key] = prepared
                while len(self._verdicts) > CACHED_VERDICTS:
                    self._verdicts.popitem(last=False)
        return prepared

    def _prepare(
        self, query: str, operation_name: str | None, variables: dict[str, Any] | None
    ) -> Prepared:
        assert self.schema is not None, "Guard.bind was not called"
        if len(query) > MAX_QUERY_CHARS:
            too_large = GraphQLError(
                f"the query is {len(query)} characters long, more than the {MAX_QUERY_CHARS} "
                "allowed: pass long values as variables",
                extensions={"code": "QUERY_TOO_LARGE", "limit": MAX_QUERY_CHARS},
            )
            return Prepared(None, [too_large])
        document = self._parse(query)
        if isinstance(document, GraphQLError):
            return Prepared(None, [document])
        errors = list(self._validate(query))
        if errors:
            return Prepared(document, errors)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is None and len(operations) > 1:
            return Prepared(
                document,
                request_error=f"the document holds {len(operations)} operations: say which to "
                "run with operationName",
            )
        chosen = [
            o
            for o in operations
            if operation_name is None or (o.name is not None and o.name.value == operation_name)
        ]
        if len(chosen) != 1:
            return Prepared(document)  # no such operation: strawberry answers 400 itself
        operation = chosen[0]
        mutation = operation.operation is OperationType.MUTATION
        coerced = get_variable_values(
            self.schema,
            operation.variable_definitions or (),
            variables or {},
            max_errors=10,
            hide_suggestions=self.hide_suggestions,
        )
        if isinstance(coerced, list):
            return Prepared(document, coerced, mutation=mutation)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        settings = self.settings
        too_costly = cost_error(
            self.schema,
            operation,
            document,
            variables,
            max_cost=settings.api_max_cost,
            page_size=settings.api_max_page_size,
        )
        if too_costly is not None:
            return Prepared(document, [too_costly], mutation=mutation)
        out_of_bounds = argument_errors(
            self.schema, operation, fragments, coerced, settings.api_max_page_size
        )
        if out_of_bounds:
            return Prepared(document, out_of_bounds, mutation=mutation)
        return Prepared(
            document,
            mutation=mutation,
            operation=operation,
            fragments=fragments,
            variables=coerced,
        )


class UsePrepared(SchemaExtension):
    """Hands strawberry the document and the verdict :class:`Guard` reached, so that it
    neither parses nor validates again (on the event loop). A request that reached the schema
    without the HTTP layer (``context.prepared`` unset) is checked here, inline."""

    def __init__(self, guard: Guard) -> None:
        """The extension of one request, reading the verdicts of this guard."""
        super().__init__()
        self.guard = guard
        self.prepared: Prepared | None = None

    def _verdict(self) -> Prepared:
        if self.prepared is None:
            context = self.execution_context
            prepared = getattr(context.context, "prepared", None)
            if prepared is None and context.query is not None:
                prepared = self.guard.prepare(
                    context.query, context._provided_operation_name, context.variables
                )
            self.prepared = prepared or Prepared(None)
        return self.prepared

    def on_parse(self) -> Iterator[None]:
        """Gives strawberry the parsed document (a syntax error is left to strawberry's parse,
        which reports it in its own words)."""
        document = self._verdict().document
        if document is not None:
            self.execution_context.graphql_document = document
        yield

    def on_validate(self) -> Iterator[None]:
        """Gives strawberry the errors found, so its own validation is skipped."""
        prepared = self._verdict()
        if prepared.document is not None:
            self.execution_context.pre_execution_errors = list(prepared.errors)
        yield
