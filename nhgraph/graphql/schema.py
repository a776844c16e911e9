"""The GraphQL schema, composed of its domains, and the guards every request passes through.

``Query`` and ``Mutation`` are each domain's part (:mod:`.map`, :mod:`.services`,
:mod:`.resident`, :mod:`.sharing`, :mod:`.analysis`, :mod:`.footprints`, :mod:`.validation`)
put together; the root fields keep the order the published SDL gives them (the service, the
resident, a node by id, the lists, then analysis, data sharing and the validation status),
which is the order apps meet them in.
``schema`` (no limits) is what the SDL file is exported from; :func:`build_schema` adds, for a
running service, the limits on depth, aliases, tokens and cost, introspection and error detail
as configured, and the translation of a Neo4j outage into HTTP 503.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.types.base import get_object_definition

from nhgraph import __version__
from nhgraph.config import Settings
from nhgraph.graphql.analysis import AnalysisQuery
from nhgraph.graphql.cost import cost_limit
from nhgraph.graphql.enums import VOCABULARIES
from nhgraph.graphql.footprints import FootprintMutation
from nhgraph.graphql.map import MapQuery
from nhgraph.graphql.resident import ResidentQuery
from nhgraph.graphql.services import ServicesMutation, ServicesQuery
from nhgraph.graphql.sharing import SharingMutation, SharingQuery
from nhgraph.graphql.validation import ValidationQuery
from nhgraph.store.db import DatabaseUnavailable

T = TypeVar("T")

#: Where the SDL is kept in the repository; a test fails when it differs from the schema's.
SDL_PATH = Path(__file__).with_name("schema.graphql")

#: Distinct query texts whose parse and validation are kept (apps send a handful).
CACHED_DOCUMENTS = 256

#: The codes of errors a caller made or may act on: shown even when error detail is off.
EXPECTED_CODES = frozenset(
    {"FORBIDDEN", "BAD_USER_INPUT", "QUERY_TOO_COSTLY", "SERVICE_UNAVAILABLE", "NOT_FOUND"}
)


@strawberry.type(description="The service itself.")
class About:
    """What the service is, which version runs, and whether its data is the illustrative dataset."""

    name: str
    version: str
    illustrative_data: bool = strawberry.field(
        description="True while the team-of-teams data served is the illustrative demo dataset."
    )


@strawberry.type
class AboutQuery:
    """The root field that says what the service is."""

    @strawberry.field(description="What this service is and which version runs.")
    def about(self) -> About:
        """The service's name and version; the data served is the illustrative dataset."""
        return About(name="nhgraph", version=__version__, illustrative_data=True)


#: The root query fields (by their Python names) in the order the published SDL has them.
QUERY_FIELDS = (
    "about",
    "resident",
    "place",
    "neighbourhood",
    "int_",
    "organisation",
    "service",
    "data_sharing_agreement",
    "places",
    "neighbourhoods",
    "ints",
    "organisations",
    "services",
    "data_sharing_agreements",
    "gaps",
    "overlaps",
    "data_sharing_coverage",
    "partners_outside_agreements",
    "agreements_expiring",
    "latest_validation",
    "validation_runs",
)


def _in_order(cls: type[T], names: Sequence[str]) -> type[T]:
    """The type with its fields in this order; KeyError naming a field the order leaves out,
    so that a new root field is placed on purpose."""
    definition = get_object_definition(cls, strict=True)
    position = {name: index for index, name in enumerate(names)}
    missing = [f.python_name for f in definition.fields if f.python_name not in position]
    if missing or len(definition.fields) != len(names):
        raise KeyError(f"{cls.__name__}: the field order does not list exactly {missing or names}")
    definition.fields.sort(key=lambda f: position[f.python_name])
    return cls


@strawberry.type
class Query(
    AboutQuery,
    ResidentQuery,
    MapQuery,
    ServicesQuery,
    SharingQuery,
    AnalysisQuery,
    ValidationQuery,
):
    """Every domain's reading."""


_in_order(Query, QUERY_FIELDS)


@strawberry.type
class Mutation(FootprintMutation, ServicesMutation, SharingMutation):
    """Every domain's edits, each a function of :mod:`nhgraph.edits`."""


class ServiceUnavailable(SchemaExtension):
    """While Neo4j is unreachable, answer 503 with one clear error, not a stack of 500s.

    The driver reconnects by itself, so nothing needs restarting when Neo4j is back: the next
    request simply succeeds.
    """

    def on_execute(self) -> Iterator[None]:
        """After execution, turns a database outage into one SERVICE_UNAVAILABLE error with no data
        and an HTTP 503."""
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        outage = next(
            (e for e in result.errors if isinstance(e.original_error, DatabaseUnavailable)),
            None,
        )
        if outage is None:
            return
        context = self.execution_context.context
        response = getattr(context, "response", None)
        if response is not None:
            response.status_code = 503
        result.data = None
        result.errors = [
            GraphQLError(
                "the graph database is unavailable; try again shortly",
                extensions={"code": "SERVICE_UNAVAILABLE"},
            )
        ]


def _should_mask(error: GraphQLError) -> bool:
    """Mask what the caller did not cause (an internal failure), keep what they can act on."""
    if (error.extensions or {}).get("code") in EXPECTED_CODES:
        return False
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with this deployment's guards.

    Parsing and validating a document cost more than answering a resident (about 10 ms of CPU
    against 2), so both are cached by the query's text: the validation rules are made once
    here, not per request, or the cache would never hit. The cost limit depends on the
    request's variables, so it runs after the cached validation, on every request.
    """
    rules: list[type] = [
        depth_rule(settings.api_max_depth, should_ignore=None),
        aliases_rule(settings.api_max_aliases),
    ]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    # Factories, not instances: strawberry makes a fresh extension for each request. The
    # order matters: the token limit sets the parser's options before the parse cache parses,
    # and the validation cache records its errors before the cost limit adds its own.
    extensions: list[Any] = [
        partial(MaxTokensLimiter, max_token_count=settings.api_max_tokens),
        partial(ParserCache, maxsize=CACHED_DOCUMENTS),
        partial(AddValidationRules, rules),
        partial(ValidationCache, maxsize=CACHED_DOCUMENTS),
        cost_limit(settings.api_max_cost, settings.api_max_page_size),
        ServiceUnavailable,
    ]
    if not settings.error_detail:
        extensions.append(partial(MaskErrors, should_mask_error=_should_mask))
    return strawberry.Schema(
        query=Query, mutation=Mutation, types=VOCABULARIES, extensions=extensions
    )


schema = strawberry.Schema(query=Query, mutation=Mutation, types=VOCABULARIES)


def sdl() -> str:
    """The schema in SDL, as committed to ``schema.graphql``."""
    return schema.as_str() + "\n"
