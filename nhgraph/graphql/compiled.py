"""A query's whole selection compiled into one Cypher statement, whose answer is the response.

The resolvers of :mod:`.map`, :mod:`.services` and :mod:`.sharing` answer a query a level at
a time: one batch read per level through the DataLoaders, each computing every field of its
kind (an INT's memberships and alignments, a neighbourhood's LSOAs and population) whether
the query selects them or not, and strawberry then walks every value in Python. Here, as
@neo4j/graphql, Hasura and PostGraphile do, the selection itself becomes the statement: one
``RETURN`` of nested ``COLLECT`` subqueries that fetches exactly the fields selected, in the
order the response nests them, so a place's whole map is one round trip whatever its size.

What is compiled: the map's types (places, neighbourhoods, INTs and their memberships and
aligned specialists, teams, organisations), services and data-sharing agreements, each
node's ``validation`` findings, the root fields that find one by id, and the lists
(connections) with their filters, sorting, keyset cursors and counts. ``about``, ``viewer``
and ``resident`` (one ``who_serves`` statement already) are answered in Python from the same
functions their resolvers call, projected onto the selection without strawberry's executor.

The rules of the roles are compiled in: a plan is made for a document and the role's
permissions, a role that may not read agreements is never given a plan that reads them (the
resolvers answer, with their FORBIDDEN error), and findings about what only governance reads
are filtered in the statement, as :mod:`.validation` filters them.

What is left to the resolvers (the plan is ``None`` and the request takes strawberry's path):
mutations, introspection, the analysis fields (gaps, overlaps, coverage: named questions with
their own statements), the validation runs, a resident's ``place`` (its whole map), and
directives (``@include``/``@skip``), ``asAt`` on a root field other than a place or a
resident, and a node's ``history``. A place given ``asAt`` is a statement of its own, run in
the rolled-back transaction where every change since the moment is undone (so its whole
selection is read as the graph stood), and a resident passes the moment to ``who_serves``;
neither answer is cached. The Cypher text is the
compiler's own: field and type names come from this module's tables, never from the document,
and every argument is a parameter; the response's keys (aliases) are put on in Python.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values

from nhgraph.graphql.pagination import decode_cursor, encode_cursor

#: A converter of a raw value to its response value (None: the value as it comes).
Convert = Callable[[Any], Any] | None
#: What a parameter's value is made from: the request's argument values (one dict per field
#: with arguments, in plan order) and the day.
ParameterMaker = Callable[[list[dict[str, Any]], date], Any]


class NotCompiled(Exception):
    """The selection uses something the compiler leaves to the resolvers (the message says
    what); the request takes strawberry's path."""


class Fallback(Exception):
    """A request the plan cannot answer exactly (a cursor that is not ours, an argument out of
    bounds): the resolvers answer it, with their own error."""


@dataclass
class Selected:
    """A field as the response has it: its key (alias or name), the nodes merged under the key
    (fragments repeat fields), its definition and the type it is on."""

    key: str
    name: str
    nodes: list[FieldNode]
    definition: GraphQLField | None

    def selection(self) -> list[SelectionSetNode]:
        """The sub-selections of every node merged under this key."""
        return [n.selection_set for n in self.nodes if n.selection_set is not None]


def _applies(condition: str | None, type_: GraphQLObjectType) -> bool:
    if condition is None or condition == type_.name:
        return True
    return any(interface.name == condition for interface in type_.interfaces)


def collect_fields(
    sets: Iterable[SelectionSetNode],
    type_: GraphQLObjectType,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> list[Selected]:
    """The fields a selection asks of an object of this type, fragments flattened and fields of
    one key merged, in the order the response gives them."""
    found: dict[str, Selected] = {}

    def walk(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise NotCompiled("directives are answered by the resolvers")
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                name = selection.name.value
                if key in found:
                    found[key].nodes.append(selection)
                else:
                    found[key] = Selected(key, name, [selection], type_.fields.get(name))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if _applies(None if condition is None else condition.name.value, type_):
                    walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                if _applies(fragment.type_condition.name.value, type_):
                    walk(fragment.selection_set)

    for selection_set in sets:
        walk(selection_set)
    return list(found.values())


class Shape:
    """How a row of the statement (a list, one value per selected field) becomes an object of
    the response: its keys, in order, and each value's converter."""

    __slots__ = ("convert", "keys")

    def __init__(self, keys: list[str], convert: list[Convert]) -> None:
        """The shape of an object with these keys, each value converted as given."""
        self.keys = tuple(keys)
        self.convert = tuple(convert)

    def __call__(self, row: list[Any] | None) -> dict[str, Any] | None:
        """The response's object of one row (None for a node not found)."""
        if row is None:
            return None
        return {
            key: value if convert is None else convert(value)
            for key, convert, value in zip(self.keys, self.convert, row, strict=True)
        }


def _each(shape: Convert) -> Convert:
    if shape is None:
        return None

    def convert(rows: list[Any]) -> list[Any]:
        return [shape(row) for row in rows]

    return convert


def _isoformat(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _float(value: Any) -> Any:
    return None if value is None else float(value)


def _enum(schema: GraphQLSchema, name: str) -> Callable[[Any], Any]:
    """The converter of a stored notation to the GraphQL name of its enum value (KeyError for a
    notation the vocabulary does not hold: the resolvers then answer, with their error)."""
    enum_type = schema.type_map[name]
    names = {str(value.value): key for key, value in enum_type.values.items()}  # type: ignore[attr-defined]

    def convert(value: Any) -> Any:
        return None if value is None else names[value]

    return convert


def _enums(schema: GraphQLSchema, name: str) -> Callable[[Any], Any]:
    one = _enum(schema, name)

    def convert(values: Any) -> Any:
        return [one(value) for value in values or []]

    return convert


# --- the tables: each field of each compiled type, as a Cypher expression over its node ---------

#: A field's compiler: given the compiler, the node's variable and the field, its expression and
#: its converter.
FieldCompiler = Callable[["Compiler", str, Selected], tuple[str, Convert]]

#: The label each node type's findings name (the model's class name, as :mod:`.validation`).
FINDING_LABELS = {
    "Place": "Place",
    "Neighbourhood": "Neighbourhood",
    "IntegratedNeighbourhoodTeam": "Int",
    "Team": "Team",
    "Organisation": "Organisation",
    "Service": "Service",
    "DataSharingAgreement": "DataSharingAgreement",
}


def prop(name: str, default: str | None = None, convert: str | None = None) -> FieldCompiler:
    """A stored property (``coalesce``-d with a default where the resolvers give one)."""

    def compile_(c: Compiler, var: str, _f: Selected) -> tuple[str, Convert]:
        expression = f"{var}.{name}" if default is None else f"coalesce({var}.{name}, {default})"
        return expression, c.converter(convert)

    return compile_


def related_one(pattern: str, type_name: str, order: str | None = None) -> FieldCompiler:
    """One related node (the first by ``order``), or null: ``{s}`` is the node, ``{t}`` the
    related one."""

    def compile_(c: Compiler, var: str, f: Selected) -> tuple[str, Convert]:
        target = c.variable()
        projection, shape = c.object(target, type_name, f)
        ordered = f" WITH {target} ORDER BY {order.format(t=target)}" if order else ""
        text = pattern.format(s=var, t=target)
        return f"COLLECT {{ MATCH {text}{ordered} RETURN {projection} }}[0]", shape

    return compile_


def one_system(c: Compiler, var: str, _f: Selected) -> tuple[str, Convert]:
    """A place's system when it is in one; null for a place split across systems."""
    t = c.variable()
    ids = f"COLLECT {{ MATCH ({var})-[:PART_OF]->({t}:System) RETURN {t}.id }}"
    return f"CASE WHEN size({ids}) = 1 THEN {ids}[0] END", None


def system_ids(c: Compiler, var: str, _f: Selected) -> tuple[str, Convert]:
    """Every system a place is part of, by id."""
    t = c.variable()
    return (
        f"COLLECT {{ MATCH ({var})-[:PART_OF]->({t}:System) RETURN {t}.id ORDER BY {t}.id }}",
        None,
    )


def related_many(pattern: str, type_name: str, order: str = "{t}.id") -> FieldCompiler:
    """The related nodes, ordered as the resolvers order their ids."""

    def compile_(c: Compiler, var: str, f: Selected) -> tuple[str, Convert]:
        target = c.variable()
        projection, shape = c.object(target, type_name, f)
        text = pattern.format(s=var, t=target)
        ordering = order.format(t=target)
        expression = (
            f"COLLECT {{ MATCH {text} WITH {target} ORDER BY {ordering} RETURN {projection} }}"
        )
        return expression, _each(shape)

    return compile_


def ids(pattern: str) -> FieldCompiler:
    """The ids of related nodes, in order."""

    def compile_(c: Compiler, var: str, _f: Selected) -> tuple[str, Convert]:
        target = c.variable()
        text = pattern.format(s=var, t=target)
        return f"COLLECT {{ MATCH {text} RETURN {target}.id ORDER BY {target}.id }}", None

    return compile_


def population(pattern: str) -> FieldCompiler:
    """The residents of the LSOAs a pattern reaches (0 for none, as the batch reads sum)."""

    def compile_(c: Compiler, var: str, _f: Selected) -> tuple[str, Convert]:
        lsoa = c.variable()
        text = pattern.format(s=var, t=lsoa)
        # Not sum() in the subquery: Neo4j reads an aggregate in a subquery expression as one
        # of the enclosing RETURN, and refuses the statement.
        return (
            f"reduce(total = 0, people IN COLLECT {{ MATCH {text} RETURN {lsoa}.population }}"
            " | total + coalesce(people, 0))",
            None,
        )

    return compile_


def validation(c: Compiler, var: str, f: Selected) -> tuple[str, Convert]:
    """A node's current findings, Violations first, without those the role may not read."""
    finding = c.variable()
    label = FINDING_LABELS[c.current_type]
    projection, shape = c.object(finding, "ValidationFinding", f)
    hidden = "" if c.sees_restricted else f" WHERE NOT coalesce({finding}.restricted, false)"
    return (
        f"COLLECT {{ MATCH ({finding}:ValidationFinding {{node: '{label}/' + {var}.id}}){hidden}"
        f" WITH {finding} ORDER BY CASE {finding}.severity WHEN 'Violation' THEN 0"
        f" WHEN 'Warning' THEN 1 ELSE 2 END, {finding}.rule, {finding}.message"
        f" RETURN {projection} }}",
        _each(shape),
    )


def _current(var: str) -> str:
    """Current today: begun (or no start) and not ended (or no end), as the resolvers judge."""
    return (
        f"({var}.start IS NULL OR {var}.start <= $today)"
        f" AND ({var}.end IS NULL OR {var}.end >= $today)"
    )


def memberships(c: Compiler, var: str, f: Selected) -> tuple[str, Convert]:
    """An INT's memberships, innermost tier first, in one tier if asked, current unless asked."""
    member, team = c.variable(), c.variable()
    arguments = c.arguments(f)
    tier = c.parameter(lambda a, _: _stored(a[arguments].get("tier")))
    ended = c.parameter(lambda a, _: bool(a[arguments]["includeEnded"]))
    projection, shape = c.object(member, "Membership", f, team=team)
    return (
        f"COLLECT {{ MATCH ({var})<-[:OF_INT]-({member}:Membership)-[:MEMBER]->({team}:Team)"
        f" WHERE ({tier} IS NULL OR {member}.tier = {tier}) AND ({ended} OR {_current(member)})"
        f" WITH {member}, {team}, CASE {member}.tier WHEN 'hyper_local' THEN 1 WHEN 'consistent'"
        f" THEN 2 WHEN 'tailored' THEN 3 WHEN 'aligned' THEN 4 ELSE 5 END AS ring"
        f" ORDER BY ring, {team}.id RETURN {projection} }}",
        _each(shape),
    )


def specialists(c: Compiler, var: str, f: Selected) -> tuple[str, Convert]:
    """An INT's aligned specialists, by specialty, current unless asked."""
    alignment, role, provider = c.variable(), c.variable(), c.variable()
    arguments = c.arguments(f)
    ended = c.parameter(lambda a, _: bool(a[arguments]["includeEnded"]))
    projection, shape = c.object(alignment, "SpecialistAlignment", f, role=role, provider=provider)
    return (
        f"COLLECT {{ MATCH ({var})<-[:ALIGNED_TO]-({alignment}:SpecialistAlignment)"
        f" WHERE {ended} OR {_current(alignment)}"
        f" OPTIONAL MATCH ({alignment})-[:IN_SPECIALTY]->({role}:Role)"
        f" OPTIONAL MATCH ({alignment})-[:PROVIDED_BY]->({provider}:Organisation)"
        f" WITH {alignment}, {role}, {provider} ORDER BY {role}.id, {alignment}.id"
        f" RETURN {projection} }}",
        _each(shape),
    )


def integrator(c: Compiler, var: str, f: Selected) -> tuple[str, Convert]:
    """The organisation appointed integrator of the place today (the latest appointment)."""
    appointment, organisation = c.variable(), c.variable()
    projection, shape = c.object(organisation, "Organisation", f)
    return (
        f"COLLECT {{ MATCH ({appointment}:IntegratorAppointment)-[:INTEGRATOR_FOR]->({var})"
        f" WHERE {appointment}.start <= $today AND ({appointment}.end IS NULL"
        f" OR {appointment}.end >= $today)"
        f" MATCH ({appointment})-[:INTEGRATOR]->({organisation}:Organisation)"
        f" WITH {appointment}, {organisation} ORDER BY {appointment}.start DESC LIMIT 1"
        f" RETURN {projection} }}[0]",
        shape,
    )


def bound(name: str, type_name: str) -> FieldCompiler:
    """A node the enclosing pattern has matched already (a membership's team, an alignment's
    role or provider), by the name :meth:`Compiler.object` was given it under."""

    def compile_(c: Compiler, _var: str, f: Selected) -> tuple[str, Convert]:
        target = c.bound[name]
        projection, shape = c.object(target, type_name, f)
        return f"CASE WHEN {target} IS NULL THEN null ELSE {projection} END", shape

    return compile_


def bound_property(name: str, key: str) -> FieldCompiler:
    """A property of a node the enclosing pattern has matched already."""

    def compile_(c: Compiler, _var: str, _f: Selected) -> tuple[str, Convert]:
        return f"{c.bound[name]}.{key}", None

    return compile_


NODE = {"id": prop("id"), "name": prop("name"), "illustrative": prop("illustrative", "false")}

FIELDS: dict[str, dict[str, FieldCompiler]] = {
    "Place": {
        **NODE,
        "validation": validation,
        "system": one_system,
        "systems": system_ids,
        "lsoaCount": lambda _c, var, _f: (f"COUNT {{ (:Lsoa)-[:IN_PLACE]->({var}) }}", None),
        "population": population("({t}:Lsoa)-[:IN_PLACE]->({s})"),
        "neighbourhoods": related_many("({t}:Neighbourhood)-[:IN_PLACE]->({s})", "Neighbourhood"),
        "ints": related_many("({t}:Int)-[:IN_PLACE]->({s})", "IntegratedNeighbourhoodTeam"),
        "integrator": integrator,
    },
    "Neighbourhood": {
        **NODE,
        "validation": validation,
        "lsoas": ids("({s})-[:COVERS]->({t}:Lsoa)"),
        "population": population("({s})-[:COVERS]->({t}:Lsoa)"),
        "priorities": ids("({s})-[:PRIORITISES]->({t}:Cohort)"),
        "place": related_one("({s})-[:IN_PLACE]->({t}:Place)", "Place"),
        "ints": related_many("({t}:Int)-[:SERVES]->({s})", "IntegratedNeighbourhoodTeam"),
    },
    "IntegratedNeighbourhoodTeam": {
        **NODE,
        "validation": validation,
        "place": related_one("({s})-[:IN_PLACE]->({t}:Place)", "Place"),
        "neighbourhoods": related_many("({s})-[:SERVES]->({t}:Neighbourhood)", "Neighbourhood"),
        "memberships": memberships,
        "specialists": specialists,
    },
    "Membership": {
        "id": prop("id"),
        "tier": prop("tier", convert="enum:Tier"),
        "start": prop("start", convert="date"),
        "end": prop("end", convert="date"),
        "team": bound("team", "Team"),
    },
    "SpecialistAlignment": {
        "id": prop("id"),
        "specialty": bound_property("role", "id"),
        "specialtyLabel": bound_property("role", "label"),
        "sessionsPerWeek": prop("sessions_per_week", convert="float"),
        "start": prop("start", convert="date"),
        "end": prop("end", convert="date"),
        "provider": bound("provider", "Organisation"),
    },
    "Team": {
        **NODE,
        "validation": validation,
        "functions": ids("({s})-[:CARRIES]->({t}:Function)"),
        "provider": related_one("({s})-[:PROVIDED_BY]->({t}:Organisation)", "Organisation"),
    },
    "Organisation": {
        **NODE,
        "validation": validation,
        "kind": prop("kind", convert="enum:OrganisationKind"),
        "openDate": prop("open_date", convert="date"),
        "closeDate": prop("close_date", convert="date"),
        "postcode": prop("postcode"),
        "places": related_many("({s})-[:OPERATES_IN]->({t}:Place)", "Place"),
    },
    "Service": {
        **NODE,
        "validation": validation,
        "function": related_one("({s})-[:OF_FUNCTION]->({t}:Function)", "Function.id"),
        "status": prop("status", convert="enum:ServiceStatus"),
        "channels": prop("channels", "[]", convert="enums:Channel"),
        "hours": prop("hours", "[]"),
        "open24x7": prop("open_24_7", "false"),
        "selfReferral": prop("self_referral", "false"),
        "phone": prop("phone"),
        "url": prop("url"),
        "minAge": prop("min_age"),
        "maxAge": prop("max_age"),
        "cohorts": ids("({s})-[:FOR_COHORT]->({t}:Cohort)"),
        "lsoas": ids("({s})-[:FOR_AREA]->({t}:Lsoa)"),
        "provider": related_one("({s})-[:PROVIDED_BY]->({t}:Organisation)", "Organisation"),
        "team": related_one("({s})-[:DELIVERED_BY]->({t}:Team)", "Team"),
        "neighbourhoods": related_many("({s})-[:FOR_AREA]->({t}:Neighbourhood)", "Neighbourhood"),
        "places": related_many("({s})-[:FOR_AREA]->({t}:Place)", "Place"),
    },
    "DataSharingAgreement": {
        **NODE,
        "validation": validation,
        "status": prop("status", convert="enum:AgreementStatus"),
        "purposes": prop("purposes", "[]", convert="enums:Purpose"),
        "lawfulBasis": prop("lawful_basis", convert="enum:LawfulBasis"),
        "article9Condition": prop("article9_condition", convert="enum:Article9Condition"),
        "validFrom": prop("valid_from", convert="date"),
        "validTo": prop("valid_to", convert="date"),
        "reviewDate": prop("review_date", convert="date"),
        "controllers": related_many("({s})-[:CONTROLLER]->({t}:Organisation)", "Organisation"),
        "jointControllers": related_many(
            "({s})-[:JOINT_CONTROLLER]->({t}:Organisation)", "Organisation"
        ),
        "processors": related_many("({s})-[:PROCESSOR]->({t}:Organisation)", "Organisation"),
    },
    "ValidationFinding": {
        "rule": prop("rule"),
        "severity": prop("severity"),
        "message": prop("message"),
        "path": prop("path"),
        "value": prop("value"),
        "node": prop("node"),
        "at": prop("at", convert="date"),
    },
}

#: A property of a related node, not a node: ``System.id`` is the system's id alone.
_SCALAR_TARGETS = {"System.id", "Function.id"}


# --- the root fields ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListSpec:
    """A root list: its label, node type, and each filter argument's condition on ``{n}``
    (``{p}`` is the argument's parameter), as the named list queries have them.

    ``anchors`` are the filters whose matches are found from the node the argument names (a
    pattern that ends at ``{n}``, read through that node's id index) rather than by testing
    every node of the label: few match, so those are top-N sorted. ``keyed`` are the filters
    on a property with composite indexes (property, id) and (property, name): a page reads
    one in order from the cursor. Any other filter reads the id or name index in order and
    tests each node until the page is full.
    """

    label: str
    type_name: str
    filters: dict[str, str]
    agreements: bool = False
    anchors: dict[str, str] = field(default_factory=dict)
    keyed: tuple[str, ...] = ()


LISTS = {
    "places": ListSpec(
        "Place",
        "Place",
        {"system": "EXISTS {{ ({n})-[:PART_OF]->(:System {{id: {p}}}) }}"},
        anchors={"system": "(:System {{id: {p}}})<-[:PART_OF]-({n}:Place)"},
    ),
    "neighbourhoods": ListSpec(
        "Neighbourhood",
        "Neighbourhood",
        {"place": "EXISTS {{ ({n})-[:IN_PLACE]->(:Place {{id: {p}}}) }}"},
        anchors={"place": "(:Place {{id: {p}}})<-[:IN_PLACE]-({n}:Neighbourhood)"},
    ),
    "ints": ListSpec(
        "Int",
        "IntegratedNeighbourhoodTeam",
        {"place": "EXISTS {{ ({n})-[:IN_PLACE]->(:Place {{id: {p}}}) }}"},
        anchors={"place": "(:Place {{id: {p}}})<-[:IN_PLACE]-({n}:Int)"},
    ),
    "organisations": ListSpec(
        "Organisation",
        "Organisation",
        {
            "place": "EXISTS {{ ({n})-[:OPERATES_IN]->(:Place {{id: {p}}}) }}",
            "kind": "{n}.kind = {p}",
        },
        anchors={"place": "(:Place {{id: {p}}})<-[:OPERATES_IN]-({n}:Organisation)"},
        keyed=("kind",),
    ),
    "services": ListSpec(
        "Service",
        "Service",
        {
            "place": "EXISTS {{ ({n})-[:FOR_AREA]->(a) WHERE a.id = {p}"
            " OR EXISTS {{ (a)-[:IN_PLACE]->(:Place {{id: {p}}}) }} }}",
            "function": "EXISTS {{ ({n})-[:OF_FUNCTION]->(:Function {{id: {p}}}) }}",
            "status": "{n}.status = {p}",
        },
        anchors={
            # The place's own services and those of the LSOAs and neighbourhoods in it.
            "place": "(:Place {{id: {p}}})<-[:IN_PLACE*0..1]-()<-[:FOR_AREA]-({n}:Service)",
        },
    ),
    "dataSharingAgreements": ListSpec(
        "DataSharingAgreement",
        "DataSharingAgreement",
        {
            "place": "EXISTS {{ ({n})-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]->(:Organisation)"
            "-[:OPERATES_IN]->(:Place {{id: {p}}}) }}",
            "status": "{n}.status = {p}",
        },
        agreements=True,
    ),
}

#: The root fields that find one node by id: the label and node type.
BY_ID = {
    "place": ("Place", "Place", False),
    "neighbourhood": ("Neighbourhood", "Neighbourhood", False),
    "int": ("Int", "IntegratedNeighbourhoodTeam", False),
    "organisation": ("Organisation", "Organisation", False),
    "service": ("Service", "Service", False),
    "dataSharingAgreement": ("DataSharingAgreement", "DataSharingAgreement", True),
}


def _argument(index: int, name: str) -> ParameterMaker:
    """The maker of a parameter that is one argument of one field, as Neo4j stores it."""
    return lambda arguments, _: _stored(arguments[index].get(name))


def _stored(value: Any) -> Any:
    """An argument as Neo4j stores it: an enum as its notation."""
    return getattr(value, "value", value)


@dataclass
class Plan:
    """A compiled operation: its one statement (None when every root field is answered in
    Python), how its parameters are made, how its rows become the response, and the Python
    roots' answers."""

    statement: str | None
    parameters: dict[str, ParameterMaker]
    argument_fields: list[tuple[GraphQLField, FieldNode]]
    #: (key, ("cypher", index, shape) | ("as_at", statement, shape, index) | ("python", answer))
    roots: list[tuple[str, Any]]
    needs_principal: bool = False
    #: Whether a root field is given ``asAt``: its answer is not the present's to cache.
    as_at: bool = False

    def arguments(self, variables: VariableValues | None) -> list[dict[str, Any]]:
        """Each compiled field's argument values for these (coerced) variables, defaults
        applied, as the executor gives them to a resolver."""
        return [
            get_argument_values(definition, node, variables)
            for definition, node in self.argument_fields
        ]

    def statement_parameters(self, arguments: list[dict[str, Any]], today: date) -> dict[str, Any]:
        """The statement's parameters for one request (Fallback when it cannot be answered
        exactly here)."""
        values = {name: make(arguments, today) for name, make in self.parameters.items()}
        values["today"] = today
        return values


class Compiler:
    """Compiles one operation for one role into a :class:`Plan`."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        *,
        sees_agreements: bool,
        page_size: int,
    ) -> None:
        """A compiler against this schema, for a role that does or does not read agreements."""
        self.schema = schema
        self.fragments = fragments
        self.sees_agreements = sees_agreements
        self.sees_restricted = sees_agreements
        self.page_size = page_size
        self.count = 0
        self.parameters: dict[str, ParameterMaker] = {}
        self.argument_fields: list[tuple[GraphQLField, FieldNode]] = []
        self.bound: dict[str, str] = {}
        self.current_type = ""
        self._converters: dict[str, Convert] = {}

    def variable(self) -> str:
        """A fresh Cypher variable."""
        self.count += 1
        return f"v{self.count}"

    def parameter(self, make: ParameterMaker) -> str:
        """A fresh parameter, made per request by ``make``; its ``$name``."""
        name = f"p{len(self.parameters)}"
        self.parameters[name] = make
        return f"${name}"

    def arguments(self, f: Selected) -> int:
        """The index of this field's argument values in a request's arguments."""
        if f.definition is None:
            raise NotCompiled(f"no field {f.name}")
        self.argument_fields.append((f.definition, f.nodes[0]))
        return len(self.argument_fields) - 1

    def converter(self, name: str | None) -> Convert:
        """The converter a table names: date, float, enum:Name, enums:Name."""
        if name is None:
            return None
        if name not in self._converters:
            kind, _, argument = name.partition(":")
            convert: Convert
            if kind == "date":
                convert = _isoformat
            elif kind == "float":
                convert = _float
            elif kind == "enum":
                convert = _enum(self.schema, argument)
            else:
                convert = _enums(self.schema, argument)
            self._converters[name] = convert
        return self._converters[name]

    def object(self, var: str, type_name: str, f: Selected, **bound: str) -> tuple[str, Convert]:
        """The projection of a node as the selection under ``f`` asks for it, and its shape."""
        if type_name in _SCALAR_TARGETS:
            return f"{var}.id", None
        type_ = self.schema.type_map[type_name]
        assert isinstance(type_, GraphQLObjectType)
        table = FIELDS.get(type_name)
        if table is None:
            raise NotCompiled(f"{type_name} is answered by its resolvers")
        outer_bound, outer_type = self.bound, self.current_type
        self.bound = {**outer_bound, **bound}
        try:
            keys: list[str] = []
            expressions: list[str] = []
            converters: list[Convert] = []
            for selected in collect_fields(f.selection(), type_, self.fragments):
                self.current_type = type_name
                keys.append(selected.key)
                if selected.name == "__typename":
                    expressions.append(f"'{type_name}'")
                    converters.append(None)
                    continue
                compile_field = table.get(selected.name)
                if compile_field is None:
                    raise NotCompiled(f"{type_name}.{selected.name} is answered by its resolver")
                expression, convert = compile_field(self, var, selected)
                expressions.append(expression)
                converters.append(convert)
        finally:
            self.bound, self.current_type = outer_bound, outer_type
        return "[" + ", ".join(expressions) + "]", Shape(keys, converters)

    # -- roots --------------------------------------------------------------------------------

    def by_id(self, f: Selected) -> tuple[str, Convert]:
        """A node found by its id."""
        label, type_name, agreements = BY_ID[f.name]
        if agreements and not self.sees_agreements:
            raise NotCompiled("agreements are refused to this role by the resolvers")
        index = self.arguments(f)
        node_id = self.parameter(lambda a, _: str(a[index]["id"]))
        var = self.variable()
        projection, shape = self.object(var, type_name, f)
        return (
            f"COLLECT {{ MATCH ({var}:{label} {{id: {node_id}}}) RETURN {projection} }}[0]",
            shape,
        )

    def connection(self, f: Selected) -> tuple[str, Convert]:
        """A page of a list, its count and where it sits, as :func:`~.pagination.page` gives."""
        spec = LISTS[f.name]
        if spec.agreements and not self.sees_agreements:
            raise NotCompiled("agreements are refused to this role by the resolvers")
        index = self.arguments(f)
        node = self.variable()
        search = self.parameter(lambda a, _: a[index].get("search"))
        conditions = [f"({search} IS NULL OR toLower({node}.name) CONTAINS toLower({search}))"]
        given = [search]
        named: dict[str, str] = {}
        for argument, condition in spec.filters.items():
            parameter = named[argument] = self.parameter(_argument(index, argument))
            given.append(parameter)
            conditions.append(f"({parameter} IS NULL OR {condition.format(n=node, p=parameter)})")
        where = " AND ".join(conditions)
        unfiltered = " AND ".join(f"{parameter} IS NULL" for parameter in given)
        maximum = self.page_size

        def limit(a: list[dict[str, Any]], _: date) -> int:
            first = a[index].get("first")
            size = maximum if first is None else first
            if not 0 <= size <= maximum:
                raise Fallback("first out of bounds")
            return int(size) + 1

        def after(a: list[dict[str, Any]], _: date) -> tuple[str, str] | None:
            cursor = a[index].get("after")
            if cursor is None:
                return None
            try:
                return decode_cursor(cursor)
            except ValueError as error:
                raise Fallback(str(error)) from error

        sort = self.parameter(lambda a, _: a[index]["sort"].value)
        size = self.parameter(limit)
        after_key = self.parameter(lambda a, d: (after(a, d) or (None, None))[0])
        after_id = self.parameter(lambda a, d: (after(a, d) or (None, None))[1])
        type_ = self.schema.type_map[f"{spec.type_name}Connection"]
        assert isinstance(type_, GraphQLObjectType)
        fields = collect_fields(f.selection(), type_, self.fragments)
        node_shapes: dict[str, Convert] = {}
        page_columns: list[str] = []
        wants_page = False
        for selected in fields:
            if selected.name in ("edges", "nodes", "pageInfo"):
                wants_page = True
            if selected.name == "nodes":
                projection, shape = self.object(node, spec.type_name, selected)
                page_columns.append(projection)
                node_shapes[selected.key] = shape
            elif selected.name == "edges":
                edge_type = self.schema.type_map[f"{spec.type_name}Edge"]
                assert isinstance(edge_type, GraphQLObjectType)
                for edge_field in collect_fields(selected.selection(), edge_type, self.fragments):
                    if edge_field.name == "node":
                        projection, shape = self.object(node, spec.type_name, edge_field)
                        page_columns.append(projection)
                        node_shapes[f"{selected.key}.{edge_field.key}"] = shape
            elif selected.name not in ("totalCount", "pageInfo", "__typename"):
                raise NotCompiled(f"{type_.name}.{selected.name}")
        key = self.variable()
        # Each CASE is decided by the parameters before either side runs. Unfiltered, the count
        # is the label's count. An anchored filter (a place, a system) finds its few matches from
        # the node it names, and top-N sorts them; a keyed one (a kind) reads its composite index
        # in order from the cursor; any other filter, or none, reads the id or name index in
        # order and stops when the page is full. England's organisations: 81 ms a page by sorting
        # every one, 11 ms so; its 10,435 pharmacies 43 ms, 8 ms.
        label = f"({node}:{spec.label})"
        anchors = [
            (named[argument], pattern.format(n=node, p=named[argument]))
            for argument, pattern in spec.anchors.items()
        ]
        counts = [f"WHEN {unfiltered} THEN COUNT {{ MATCH {label} }}"] + [
            f"WHEN {parameter} IS NOT NULL THEN COUNT {{ MATCH {pattern}"
            f" WITH DISTINCT {node} WHERE {where} RETURN {node} }}"
            for parameter, pattern in anchors
        ]
        for prop in spec.keyed:
            alone = " AND ".join(f"{p} IS NULL" for p in given if p != named[prop])
            counts += [
                f"WHEN {named[prop]} IS NOT NULL AND {alone} THEN COUNT {{ MATCH {label}"
                f" WHERE {node}.{prop} = {named[prop]} }}",
                f"WHEN {named[prop]} IS NOT NULL THEN COUNT {{ MATCH {label}"
                f" WHERE {node}.{prop} = {named[prop]} AND {where} }}",
            ]
        total = (
            f"CASE {' '.join(counts)} ELSE COUNT {{ MATCH {label} WHERE {where} }} END"
            if any(s.name == "totalCount" for s in fields)
            else "0"
        )
        columns = ", ".join([key, f"{node}.id", *page_columns])
        by_name = (
            f"{node}.name >= coalesce({after_key}, '') AND ({after_id} IS NULL"
            f" OR {node}.name > {after_key} OR {node}.id > {after_id})"
        )
        by_id = f"{node}.id > coalesce({after_id}, '')"

        def in_order(prefix: str = "", equal: str = "") -> str:
            """The page read from an index in order: the id or name index, or with ``prefix`` a
            composite index whose first property ``equal`` fixes."""
            fixed = f"{equal} AND " if equal else ""
            return (
                f"CASE {sort} WHEN 'name' THEN COLLECT {{ MATCH {label}"
                f" WHERE {fixed}{by_name} AND {where}"
                f" WITH {node}, {node}.name AS {key}"
                f" ORDER BY {prefix}{node}.name, {node}.id LIMIT {size}"
                f" RETURN [{columns}] }}"
                f" ELSE COLLECT {{ MATCH {label} WHERE {fixed}{by_id} AND {where}"
                f" WITH {node}, {node}.id AS {key} ORDER BY {prefix}{node}.id LIMIT {size}"
                f" RETURN [{columns}] }} END"
            )

        def sorted_from(pattern: str) -> str:
            """The page of an anchored filter's matches, top-N sorted."""
            return (
                f"COLLECT {{ MATCH {pattern} WITH DISTINCT {node} WHERE {where}"
                f" WITH {node}, CASE {sort} WHEN 'name' THEN {node}.name"
                f" ELSE {node}.id END AS {key}"
                f" WHERE {after_id} IS NULL OR {key} > {after_key}"
                f" OR ({key} = {after_key} AND {node}.id > {after_id})"
                f" WITH {node}, {key} ORDER BY {key}, {node}.id LIMIT {size}"
                f" RETURN [{columns}] }}"
            )

        pages = [
            f"WHEN {parameter} IS NOT NULL THEN {sorted_from(pattern)}"
            for parameter, pattern in anchors
        ] + [
            f"WHEN {named[prop]} IS NOT NULL THEN"
            f" {in_order(f'{node}.{prop}, ', f'{node}.{prop} = {named[prop]}')}"
            for prop in spec.keyed
        ]
        page = (
            (f"CASE {' '.join(pages)} ELSE {in_order()} END" if pages else in_order())
            if wants_page
            else "[]"
        )
        build = _connection(self.schema, self.fragments, spec.type_name, fields, node_shapes)
        return f"[{total}, {page}, {size}, {after_id} IS NOT NULL]", build


def _connection(
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    type_name: str,
    fields: list[Selected],
    node_shapes: dict[str, Convert],
) -> Callable[[list[Any]], dict[str, Any]]:
    """The builder of a connection from its raw ``[total, page, limit + 1, after given]``; the
    edges' and pageInfo's fields, and where each node projection sits in a page row (in the
    order :meth:`Compiler.connection` put them), are found here once, not per request."""
    edge_type = schema.type_map[f"{type_name}Edge"]
    info_type = schema.type_map["PageInfo"]
    assert isinstance(edge_type, GraphQLObjectType)
    assert isinstance(info_type, GraphQLObjectType)
    columns: dict[str, int] = {}
    edge_fields: dict[str, list[Selected]] = {}
    info_fields: dict[str, list[Selected]] = {}
    for selected in fields:
        if selected.name == "nodes":
            columns[selected.key] = 2 + len(columns)
        elif selected.name == "edges":
            edge_fields[selected.key] = collect_fields(selected.selection(), edge_type, fragments)
            for edge_field in edge_fields[selected.key]:
                if edge_field.name == "node":
                    columns[f"{selected.key}.{edge_field.key}"] = 2 + len(columns)
        elif selected.name == "pageInfo":
            info_fields[selected.key] = collect_fields(selected.selection(), info_type, fragments)

    def build(raw: list[Any]) -> dict[str, Any]:
        total, rows, size, after_given = raw
        limit = size - 1
        page = rows[:limit]
        cursors = [encode_cursor(str(row[0]), row[1]) for row in page]
        out: dict[str, Any] = {}
        for selected in fields:
            if selected.name == "__typename":
                out[selected.key] = f"{type_name}Connection"
            elif selected.name == "totalCount":
                out[selected.key] = total
            elif selected.name == "nodes":
                shape = node_shapes[selected.key]
                at = columns[selected.key]
                out[selected.key] = [shape(row[at]) if shape else row[at] for row in page]
            elif selected.name == "edges":
                edges = []
                for row, cursor in zip(page, cursors, strict=True):
                    edge: dict[str, Any] = {}
                    for edge_field in edge_fields[selected.key]:
                        if edge_field.name == "cursor":
                            edge[edge_field.key] = cursor
                        elif edge_field.name == "__typename":
                            edge[edge_field.key] = f"{type_name}Edge"
                        else:
                            name = f"{selected.key}.{edge_field.key}"
                            shape = node_shapes[name]
                            value = row[columns[name]]
                            edge[edge_field.key] = shape(value) if shape else value
                    edges.append(edge)
                out[selected.key] = edges
            elif selected.name == "pageInfo":
                facts = {
                    "hasNextPage": len(rows) > limit,
                    "hasPreviousPage": bool(after_given),
                    "startCursor": cursors[0] if cursors else None,
                    "endCursor": cursors[-1] if cursors else None,
                    "__typename": "PageInfo",
                }
                out[selected.key] = {s.key: facts[s.name] for s in info_fields[selected.key]}
        return out

    return build


def compile_operation(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    *,
    sees_agreements: bool,
    page_size: int,
    python_roots: Mapping[str, Callable[[Compiler, Selected], Any]],
) -> Plan:
    """The plan of a query operation for a role; NotCompiled when a field it selects is left to
    the resolvers. ``python_roots`` compiles the root fields answered in Python (their
    projection over the objects their functions return)."""
    if operation.operation is not OperationType.QUERY:
        raise NotCompiled("only queries are compiled")
    root = schema.query_type
    assert root is not None
    compiler = Compiler(schema, fragments, sees_agreements=sees_agreements, page_size=page_size)
    columns: list[str] = []
    roots: list[tuple[str, Any]] = []
    needs_principal = as_at = False
    for selected in collect_fields([operation.selection_set], root, fragments):
        if any(arg.name.value == "asAt" for node in selected.nodes for arg in node.arguments or ()):
            # The graph as it stood: a node by id is its own statement, run where every change
            # since is undone (and rolled back), so every level of its selection is read then;
            # a resident passes the moment to who_serves.
            as_at = True
            if selected.name in BY_ID:
                moment_index = compiler.arguments(selected)
                expression, shape = compiler.by_id(selected)
                roots.append(
                    (selected.key, ("as_at", f"RETURN {expression} AS data", shape, moment_index))
                )
                continue
            if selected.name not in python_roots:
                raise NotCompiled(f"Query.{selected.name}(asAt:) is answered by its resolver")
        if selected.name == "__typename":
            roots.append((selected.key, ("const", "Query")))
        elif selected.name in BY_ID:
            expression, shape = compiler.by_id(selected)
            roots.append((selected.key, ("cypher", len(columns), shape)))
            columns.append(expression)
        elif selected.name in LISTS:
            expression, shape = compiler.connection(selected)
            roots.append((selected.key, ("cypher", len(columns), shape)))
            columns.append(expression)
        elif selected.name in python_roots:
            needs_principal = needs_principal or selected.name == "viewer"
            answer = python_roots[selected.name](compiler, selected)
            roots.append((selected.key, ("python", answer)))
        else:
            raise NotCompiled(f"Query.{selected.name} is answered by its resolver")
    statement = None
    if columns:
        statement = "RETURN [" + ", ".join(columns) + "] AS data"
    return Plan(
        statement,
        compiler.parameters,
        compiler.argument_fields,
        roots,
        needs_principal=needs_principal,
        as_at=as_at,
    )


# --- the Python roots: an object graph projected onto a selection ------------------------------


def project(
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    type_: GraphQLNamedType,
    sets: list[SelectionSetNode],
) -> Callable[[Any], Any]:
    """The projector of Python objects (strawberry types as their functions return them) onto
    a selection: each field's attribute, leaves serialised as the executor serialises them. A
    field a resolver computes is left to strawberry (NotCompiled)."""
    if isinstance(type_, GraphQLUnionType):
        members = {member.name: project(schema, fragments, member, sets) for member in type_.types}

        def union(value: Any) -> Any:
            return None if value is None else members[_type_name(value)](value)

        return union
    if not isinstance(type_, GraphQLObjectType):
        serialize = type_.serialize  # type: ignore[attr-defined]

        def leaf(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, list):
                return [None if v is None else serialize(v) for v in value]
            return serialize(value)

        return leaf
    steps: list[tuple[str, str | None, Callable[[Any], Any] | None]] = []
    for selected in collect_fields(sets, type_, fragments):
        if selected.name == "__typename":
            steps.append((selected.key, None, None))
            continue
        assert selected.definition is not None
        definition = selected.definition.extensions["strawberry-definition"]
        if definition.base_resolver is not None:
            raise NotCompiled(f"{type_.name}.{selected.name} is computed by its resolver")
        target = get_named_type(selected.definition.type)
        steps.append(
            (
                selected.key,
                definition.python_name,
                project(schema, fragments, target, selected.selection()),
            )
        )
    type_name = type_.name

    def build(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, list):
            return [build(v) for v in value]
        out: dict[str, Any] = {}
        for key, attribute, convert in steps:
            if attribute is None:
                out[key] = type_name
            else:
                item = getattr(value, attribute)
                out[key] = convert(item) if convert is not None else item
        return out

    return build


def _type_name(value: Any) -> str:
    definition = value.__strawberry_definition__
    return str(definition.name)


def canonical(variables: Mapping[str, Any] | None) -> str:
    """The variables as one canonical text, for keys of the response cache."""
    try:
        return orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # an integer past 64 bits: the standard library writes it
        return json.dumps(variables or {}, sort_keys=True, separators=(",", ":"), default=str)
