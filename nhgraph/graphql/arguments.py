"""Every argument's domain and size, checked before any work: strings bounded in length,
lists in count, numbers to their domain.

GraphQL types say only "a string", "a list", "an Int" (any 32-bit integer): a 10 MB search, an
edit of 20,000 LSOAs or ``agreementsExpiring(days: 2147483647)`` are all well typed. Each
argument and input field therefore has a :class:`Bound` here, by its schema coordinate
(``Query.resident(age:)``, ``ServiceInput.hours``), or by its name (``(first:)``), or else the
default of its type; numbers have no default, so a new Int or Float argument is bounded on
purpose (a test fails otherwise). The models' bounds (:mod:`nhgraph.schema.bounds`) are reused
where a field is the model's. A value out of bounds is refused with BAD_USER_INPUT naming the
argument, the field it belongs to and the bound, before anything is read or written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.execution.values import VariableValues, get_argument_values

from nhgraph.schema import bounds

#: Characters in a string argument unless said otherwise (a name, an id, a filter).
STRING_MAX = bounds.NAME_MAX
#: Items in a list argument unless said otherwise (parties, purposes, kinds, cohorts).
LIST_MAX = 100
#: LSOAs one edit or service may name: more than any place holds (Birmingham, the largest
#: English district, has about 640; London's largest borough about 220).
LSOA_LIST_MAX = 2_000
#: Organisations one change may name: more than a London ODS release changes (about 350).
CHANGED_MAX = 2_000
#: Characters of a code typed by a person (a postcode, an LSOA code), with room for spaces.
CODE_MAX = 20
#: Characters of a cursor this API gives out (a sort key of at most a name, and an id).
CURSOR_MAX = 1_000
#: A person's age in years, as the resident question and the services' ages allow.
AGE = (0, 130)
#: Days ahead an agreement may be asked to expire within: ten years.
DAYS = (0, 3_660)


@dataclass(frozen=True)
class Bound:
    """The size and domain of one argument: ``length`` for a string (each string of a list),
    ``items`` for a list, ``low``/``high`` for a number; ``page`` for a page size, whose
    highest is the deployment's ``NHGRAPH_API_MAX_PAGE_SIZE``."""

    length: int = STRING_MAX
    items: int = LIST_MAX
    low: float | None = None
    high: float | None = None
    page: bool = False


#: Bounds by schema coordinate, then by argument name (``(name:)``).
BOUNDS: dict[str, Bound] = {
    "(first:)": Bound(low=0, page=True),
    "(after:)": Bound(length=CURSOR_MAX),
    "(search:)": Bound(length=bounds.SHORT_MAX),
    "Query.resident(postcode:)": Bound(length=CODE_MAX),
    "Query.resident(lsoa:)": Bound(length=CODE_MAX),
    "Query.resident(latitude:)": Bound(low=-90, high=90),
    "Query.resident(longitude:)": Bound(low=-180, high=180),
    "Query.resident(age:)": Bound(low=AGE[0], high=AGE[1]),
    "Query.agreementsExpiring(days:)": Bound(low=DAYS[0], high=DAYS[1]),
    "Mutation.addLsoasToNeighbourhood(lsoas:)": Bound(length=CODE_MAX, items=LSOA_LIST_MAX),
    "Mutation.moveLsoas(lsoas:)": Bound(length=CODE_MAX, items=LSOA_LIST_MAX),
    "Mutation.alignSpecialist(sessionsPerWeek:)": Bound(low=0, high=10),
    "ServiceInput.lsoas": Bound(length=CODE_MAX, items=LSOA_LIST_MAX),
    "OrganisationChanges.changed": Bound(items=CHANGED_MAX),
    "OrganisationChanges.closed": Bound(items=CHANGED_MAX),
    "OrganisationChanges.renamed": Bound(items=CHANGED_MAX),
    "ServiceInput.minAge": Bound(low=AGE[0], high=AGE[1]),
    "ServiceInput.maxAge": Bound(low=AGE[0], high=AGE[1]),
    "ServiceInput.hours": Bound(length=bounds.SHORT_MAX, items=bounds.SHORT_LIST_MAX),
    "ServiceInput.phone": Bound(length=bounds.SHORT_MAX),
    "ServiceInput.url": Bound(length=bounds.URL_MAX),
}

#: The most refusals one request is told of.
MAX_REPORTED = 10


def bound_of(coordinate: str, name: str) -> Bound | None:
    """The bound of an argument or input field (None for a number with no bound declared)."""
    return BOUNDS.get(coordinate) or BOUNDS.get(f"({name}:)")


def _is_number(graphql_type: Any) -> bool:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return getattr(graphql_type, "name", None) in ("Int", "Float")


class _Checker:
    """Checks the coerced arguments of every field of an operation, each fragment once."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
        page_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.page_size = page_size
        self.checked: set[str] = set()
        self.errors: list[GraphQLError] = []

    def refuse(self, label: str, coordinate: str, message: str, limit: Any) -> None:
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(
                GraphQLError(
                    f"{label} {message} ({coordinate})",
                    extensions={
                        "code": "BAD_USER_INPUT",
                        "argument": label,
                        "coordinate": coordinate,
                        "limit": limit,
                    },
                )
            )

    def value(
        self, label: str, coordinate: str, graphql_type: GraphQLInputType, value: Any
    ) -> None:
        """Checks one value (an argument's, an input field's or a list item's) against the
        bound of the coordinate it is given for, and inside it."""
        while isinstance(graphql_type, GraphQLNonNull):
            graphql_type = graphql_type.of_type
        if value is None:
            return
        name = label.rsplit(".", 1)[-1]
        bound = bound_of(coordinate, name) or Bound()
        if isinstance(graphql_type, GraphQLList):
            if len(value) > bound.items:
                self.refuse(
                    label,
                    coordinate,
                    f"may hold at most {bound.items} items, not {len(value)}",
                    bound.items,
                )
                return
            for item in value:
                self.value(label, coordinate, graphql_type.of_type, item)
            return
        if isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, field in graphql_type.fields.items():
                self.value(
                    f"{label}.{field_name}",
                    f"{graphql_type.name}.{field_name}",
                    field.type,
                    value.get(field.out_name or field_name)
                    if isinstance(value, dict)
                    else getattr(value, field.out_name or field_name, None),
                )
            return
        if isinstance(value, str) and len(value) > bound.length:
            self.refuse(
                label,
                coordinate,
                f"may be at most {bound.length} characters, not {len(value)}",
                bound.length,
            )
        elif isinstance(value, int | float) and not isinstance(value, bool):
            high = self.page_size if bound.page else bound.high
            if (bound.low is not None and value < bound.low) or (high is not None and value > high):
                self.refuse(
                    label,
                    coordinate,
                    f"must be between {bound.low} and {high}, not {value}",
                    [bound.low, high],
                )

    def selection(self, selection_set: SelectionSetNode | None, parent: Any) -> None:
        if selection_set is None or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType
        ):
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                fields = {} if isinstance(parent, GraphQLUnionType) else parent.fields
                definition = fields.get(selection.name.value)
                if definition is None:
                    continue
                if selection.arguments:
                    try:
                        values = get_argument_values(definition, selection, self.variables)
                    except GraphQLError as error:
                        self.errors.append(error)
                        continue
                    for name, argument in definition.args.items():
                        if name in values:
                            coordinate = f"{parent.name}.{selection.name.value}({name}:)"
                            self.value(name, coordinate, argument.type, values[name])
                target = definition.type
                while isinstance(target, GraphQLNonNull | GraphQLList):
                    target = target.of_type
                self.selection(selection.selection_set, target)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                self.selection(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in self.checked:
                    continue
                self.checked.add(name)
                target = self.schema.get_type(fragment.type_condition.name.value)
                self.selection(fragment.selection_set, target)


def argument_errors(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: VariableValues,
    page_size: int,
) -> list[GraphQLError]:
    """The refusals of every argument of the operation that is out of its bounds, given the
    operation's coerced variables (empty when all are within)."""
    root = schema.get_root_type(operation.operation)
    checker = _Checker(schema, fragments, variables, page_size)
    checker.selection(operation.selection_set, root)
    return checker.errors


def unbounded_numbers(schema: GraphQLSchema) -> list[str]:
    """The Int and Float arguments and input fields with no bound declared (a test keeps
    this empty)."""
    missing = []
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__"):
            continue
        if isinstance(graphql_type, GraphQLObjectType):
            for field_name, field in graphql_type.fields.items():
                for name, argument in field.args.items():
                    coordinate = f"{type_name}.{field_name}({name}:)"
                    if _is_number(argument.type) and bound_of(coordinate, name) is None:
                        missing.append(coordinate)
        if isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, input_field in graphql_type.fields.items():
                coordinate = f"{type_name}.{field_name}"
                if _is_number(input_field.type) and bound_of(coordinate, field_name) is None:
                    missing.append(coordinate)
    return missing
