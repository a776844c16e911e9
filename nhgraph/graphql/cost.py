"""A cost limit: refuse, before running it, a query that would ask for too much work.

Depth and alias limits stop the obvious abuse; cost stops the quiet one, a shallow query that
fans out (every place, every neighbourhood, every INT, every team), or that asks the costly
questions many times over. The estimate multiplies down the tree: a field with ``first``
counts that many items (the maximum page size when it is absent or a variable), any other list
counts ``LIST_FACTOR`` items, and every field selected costs its weight (one, unless
``WEIGHTS`` says more) per item it is selected on.

The weights price the fields by the work behind them, measured on London: placing a resident
by a point is a point-in-polygon search (about 270 ms), each London-wide gap, overlap or
coverage question about 85 ms, an edit a SHACL validation and a write; a field read through a
DataLoader costs next to nothing. Each named fragment is priced once and its price reused
wherever it is spread, and the count stops once it passes a ceiling far above the limit, so
the estimate's own work grows with the document's size, never with what it stands for.
"""

from __future__ import annotations

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
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
)

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


#: The weight of one resident placed by postcode or LSOA (an index lookup, about 4 ms).
RESIDENT_WEIGHT = 25
#: The weight of one resident placed by latitude and longitude (point-in-polygon, ~270 ms).
POINT_WEIGHT = 1000
#: The weight of one London-wide named question (a gap, an overlap, coverage; ~85 ms).
QUESTION_WEIGHT = 250
#: The weight of one edit (the models, a SHACL validation of its neighbourhood, a write).
EDIT_WEIGHT = 250

_QUESTIONS = {
    "Gaps": (
        "lsoasInNoNeighbourhood",
        "neighbourhoodsWithoutInt",
        "intsMissingCoreOffer",
        "intsWithoutSpecialty",
        "priorityCohortsWithoutService",
        "placesWithoutIntegrator",
    ),
    "Overlaps": (
        "lsoasInSeveralNeighbourhoods",
        "neighbourhoodsWithSeveralInts",
        "pcnsSplitAcrossNeighbourhoods",
        "neighbourhoodsSplitAcrossPcns",
        "pcnsSplitAcrossInts",
        "functionsDuplicatedInConsistentTier",
        "servicesOverlapping",
    ),
    "Query": ("dataSharingCoverage", "partnersOutsideAgreements", "agreementsExpiring"),
}
_EDITS = (
    "addLsoasToNeighbourhood",
    "moveLsoas",
    "addTeamToInt",
    "alignSpecialist",
    "addService",
    "endService",
    "registerDataSharingAgreement",
    "endDataSharingAgreement",
)

#: The weight of each field that costs more than one, by its schema coordinate (``Type.field``;
#: a test checks each names a field of the schema). ``Query.resident`` is priced by how the
#: resident is found (see :func:`weight`).
WEIGHTS: dict[str, int] = {
    **{f"{owner}.{name}": QUESTION_WEIGHT for owner, names in _QUESTIONS.items() for name in names},
    **{f"Mutation.{name}": EDIT_WEIGHT for name in _EDITS},
    "Query.resident": RESIDENT_WEIGHT,
    "Query.changes": QUESTION_WEIGHT,
}


#: The weight of one node's history (a read of its changes, one per node: no loader batches it).
HISTORY_WEIGHT = 25
#: What ``asAt`` adds to a field: a write transaction undoing what changed since, rolled back.
AS_AT_WEIGHT = 250


def weight(parent: GraphQLNamedType, selection: FieldNode) -> int:
    """What one selection of this field costs per item it is selected on."""
    name = selection.name.value
    if name == "history" and (
        parent.name == "GraphNode"
        or any(i.name == "GraphNode" for i in getattr(parent, "interfaces", ()))
    ):
        return HISTORY_WEIGHT
    if any(a.name.value == "asAt" for a in selection.arguments or ()):
        return AS_AT_WEIGHT + WEIGHTS.get(f"{parent.name}.{name}", 1)
    if parent.name == "Query" and name == "resident":
        arguments = {a.name.value for a in selection.arguments or ()}
        if arguments & {"latitude", "longitude"}:
            return POINT_WEIGHT
    return WEIGHTS.get(f"{parent.name}.{name}", 1)


class _Estimator:
    """Walks one operation, with its variables, through the schema's types.

    Every figure saturates at ``ceiling``: past it the query is refused whatever the rest
    would add, so the walk stops adding. A fragment's cost per item is kept by name.
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        page_size: int,
        ceiling: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.page_size = page_size
        self.ceiling = ceiling
        self.memo: dict[str, int] = {}
        self.pricing: set[str] = set()

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

    def _times(self, a: int, b: int) -> int:
        return min(a * b, self.ceiling)

    def _fragment(self, name: str) -> int:
        known = self.memo.get(name)
        if known is not None:
            return known
        fragment = self.fragments.get(name)
        if fragment is None or name in self.pricing:
            return 0  # unknown or cyclic: validation reports those
        self.pricing.add(name)
        target = self.schema.get_type(fragment.type_condition.name.value)
        cost = self.memo[name] = self.cost(fragment.selection_set, target)
        self.pricing.discard(name)
        return cost

    def cost(self, selection_set: SelectionSetNode | None, parent: Any) -> int:
        """The cost of a selection set per item of its parent type it is selected on."""
        if selection_set is None or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType
        ):
            return 0
        total = 0
        for selection in selection_set.selections:
            if total >= self.ceiling:
                return self.ceiling
            if isinstance(selection, FieldNode):
                total += weight(parent, selection)
                fields = {} if isinstance(parent, GraphQLUnionType) else parent.fields
                definition = fields.get(selection.name.value)
                if definition is None or selection.selection_set is None:
                    continue
                named, is_list = _unwrap(definition.type)
                factor = 1
                if "first" in definition.args:
                    factor = self._first(selection)
                elif is_list and selection.name.value not in _PAGE_FIELDS:
                    factor = LIST_FACTOR
                inner = self.cost(selection.selection_set, named)
                total += self._times(max(factor, 1), inner)
            elif isinstance(selection, InlineFragmentNode):
                target = (
                    self.schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else parent
                )
                total += self.cost(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment(selection.name.value)
        return min(total, self.ceiling)


def estimate_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    document: DocumentNode,
    variables: dict[str, Any] | None,
    page_size: int,
    ceiling: int,
) -> int:
    """The estimated cost of the operation, at most ``ceiling``."""
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    estimator = _Estimator(schema, fragments, dict(variables or {}), page_size, ceiling)
    return estimator.cost(operation.selection_set, root)


def cost_error(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    document: DocumentNode,
    variables: dict[str, Any] | None,
    *,
    max_cost: int,
    page_size: int,
) -> GraphQLError | None:
    """The QUERY_TOO_COSTLY error of an operation that costs more than ``max_cost``, with the
    figures; None when it is within. Past a thousand times the limit, the figure given is that
    ceiling (the count stops there)."""
    ceiling = max_cost * 1000
    cost = estimate_cost(schema, operation, document, variables, page_size, ceiling)
    if cost <= max_cost:
        return None
    about = f"more than {ceiling}" if cost >= ceiling else f"about {cost}"
    return GraphQLError(
        f"the query would cost {about} units, more than the {max_cost} allowed: ask for smaller "
        "pages (first), fewer nested lists, or fewer residents placed by a point, questions "
        "or edits in one request",
        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": max_cost},
    )
