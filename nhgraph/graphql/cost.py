"""A cost limit: refuse, before running it, a query that would ask for too many items.

Depth and alias limits stop the obvious abuse; cost stops the quiet one, a shallow query that
fans out (every place, every neighbourhood, every INT, every team). The estimate multiplies
down the tree: a field with ``first`` counts that many items (the maximum page size when it is
absent or a variable), any other list counts ``LIST_FACTOR`` items, and every field selected
costs one per item it is selected on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

#: The items a list without ``first`` is assumed to hold (an INT's teams, a place's INTs).
LIST_FACTOR = 10
#: Connection fields whose item count is their parent's ``first``.
_PAGE_FIELDS = {"edges", "nodes"}


def _unwrap(graphql_type: Any) -> tuple[GraphQLNamedType, bool]:
    is_list = False
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        if isinstance(graphql_type, GraphQLList):
            is_list = True
        graphql_type = graphql_type.of_type
    return graphql_type, is_list


class _Estimator:
    """Walks one operation, with its variables, through the schema's types."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        page_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.page_size = page_size

    def _first(self, selection: FieldNode) -> int:
        argument = next((a for a in selection.arguments or () if a.name.value == "first"), None)
        if argument is None:
            return self.page_size
        if isinstance(argument.value, IntValueNode):
            return int(argument.value.value)
        if isinstance(argument.value, VariableNode):
            value = self.variables.get(argument.value.name.value)
            if isinstance(value, int):
                return value
        return self.page_size

    def cost(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType | None,
        multiplier: int,
        seen: frozenset[str] = frozenset(),
    ) -> int:
        if selection_set is None or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += multiplier
                definition = parent.fields.get(selection.name.value)
                if definition is None or selection.selection_set is None:
                    continue
                named, is_list = _unwrap(definition.type)
                factor = 1
                if "first" in definition.args:
                    factor = self._first(selection)
                elif is_list and selection.name.value not in _PAGE_FIELDS:
                    factor = LIST_FACTOR
                total += self.cost(
                    selection.selection_set, named, multiplier * max(factor, 1), seen
                )
            elif isinstance(selection, InlineFragmentNode):
                target = (
                    self.schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else parent
                )
                total += self.cost(selection.selection_set, target, multiplier, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue  # unknown or cyclic: validation reports those
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self.cost(fragment.selection_set, target, multiplier, seen | {name})
        return total


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    page_size: int,
) -> int:
    """The estimated items the operation asks for (0 when there is no such operation)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name is not None and o.name.value == operation_name)
    ]
    if len(chosen) != 1:
        return 0  # no operation, or an ambiguous one: execution refuses those itself
    operation = chosen[0]
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    estimator = _Estimator(schema, fragments, dict(variables or {}), page_size)
    return estimator.cost(operation.selection_set, root, 1)


def cost_limit(max_cost: int, page_size: int) -> type[SchemaExtension]:
    """An extension refusing, before execution, an operation that costs more than
    ``max_cost``. It runs as an extension, not a validation rule, because a page size given
    as a variable is only known with the request's variables (and validation is cached by the
    query's text alone). It must come after the validation cache in the schema's extensions."""

    class CostLimit(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            document = context.graphql_document
            # After validation (cached or not): a document that is not valid is reported as
            # such, and the cost of one that is valid is added to nothing.
            if document is not None and not context.pre_execution_errors:
                cost = estimate_cost(
                    context.schema._schema,
                    document,
                    context.operation_name,
                    context.variables,
                    page_size,
                )
                if cost > max_cost:
                    context.pre_execution_errors = [
                        GraphQLError(
                            f"the query would cost about {cost} items, more than the {max_cost} "
                            "allowed: ask for smaller pages (first) or fewer nested lists",
                            extensions={
                                "code": "QUERY_TOO_COSTLY",
                                "cost": cost,
                                "limit": max_cost,
                            },
                        )
                    ]
            yield

    return CostLimit
