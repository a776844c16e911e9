"""The GraphQL schema, composed of its domains, and the guards every request passes through.

``Query`` and ``Mutation`` are each domain's part (:mod:`.map`, :mod:`.services`,
:mod:`.resident`, :mod:`.sharing`, :mod:`.analysis`, :mod:`.footprints`, :mod:`.validation`)
put together; the root fields keep the order the published SDL gives them (the service, the
resident, a node by id, the lists, then analysis, data sharing and the validation status),
which is the order apps meet them in.
``schema`` (no limits) is what the SDL file is exported from; :func:`build_schema` adds, for a
running service, the checks of :mod:`.guard` (limits on depth, aliases, tokens, cost and
arguments; introspection and suggestions as configured), error detail as configured, and the
translation of a Neo4j outage into HTTP 503 and of a spent time budget into REQUEST_TOO_SLOW.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.types.base import get_object_definition

from nhgraph import __version__
from nhgraph.access import Principal
from nhgraph.config import Settings
from nhgraph.graphql.analysis import AnalysisQuery
from nhgraph.graphql.context import Info
from nhgraph.graphql.enums import VOCABULARIES
from nhgraph.graphql.footprints import FootprintMutation
from nhgraph.graphql.guard import Guard, UsePrepared
from nhgraph.graphql.history import HistoryQuery
from nhgraph.graphql.map import MapQuery
from nhgraph.graphql.resident import ResidentQuery
from nhgraph.graphql.services import ServicesMutation, ServicesQuery
from nhgraph.graphql.sharing import SharingMutation, SharingQuery
from nhgraph.graphql.validation import ValidationQuery
from nhgraph.store.db import DatabaseUnavailable, DeadlineExceeded

T = TypeVar("T")

#: Where the SDL is kept in the repository; a test fails when it differs from the schema's.
SDL_PATH = Path(__file__).with_name("schema.graphql")

#: The codes of errors a caller made or may act on: shown even when error detail is off.
EXPECTED_CODES = frozenset(
    {
        "FORBIDDEN",
        "BAD_USER_INPUT",
        "QUERY_TOO_COSTLY",
        "SERVICE_UNAVAILABLE",
        "NOT_FOUND",
        "REQUEST_TOO_SLOW",
    }
)


def too_slow(seconds: float) -> GraphQLError:
    """The one error of a request whose time budget was spent (its Neo4j work is ended)."""
    return GraphQLError(
        f"the request took longer than the {seconds:g} s allowed, and was stopped: ask for "
        "less in one request",
        extensions={"code": "REQUEST_TOO_SLOW", "seconds": seconds},
    )


@strawberry.type(description="The service itself.")
class About:
    """What the service is, which version runs, and whether its data is the illustrative dataset."""

    name: str
    version: str
    illustrative_data: bool = strawberry.field(
        description="True while the team-of-teams data served is the illustrative demo dataset."
    )


@strawberry.type(description="Who the request is made as: the holder of its key, or the public.")
class Viewer:
    """The request's principal, as an app shows it (the key itself is never echoed)."""

    name: str
    role: str = strawberry.field(description="public, integrator, governance or admin")
    places: list[str] = strawberry.field(description="The places an integrator may edit.")
    may_edit: bool
    may_read_agreements: bool
    may_read_analysis: bool


def about_now() -> About:
    """The service's name and version; the data served is the illustrative dataset."""
    return About(name="nhgraph", version=__version__, illustrative_data=True)


def viewer_of(principal: Principal) -> Viewer:
    """The principal as the ``viewer`` field gives it (the resolver and the compiled path)."""
    return Viewer(
        name=principal.name,
        role=principal.role,
        places=sorted(principal.places),
        may_edit=principal.may_edit(),
        may_read_agreements=principal.may_read_agreements(),
        may_read_analysis=principal.may_read_analysis(),
    )


@strawberry.type
class AboutQuery:
    """The root fields that say what the service is, and who is asking."""

    @strawberry.field(description="What this service is and which version runs.")
    def about(self) -> About:
        """The service's name and version; the data served is the illustrative dataset."""
        return about_now()

    @strawberry.field(
        description="Who the request is made as, and what that role may do (an app signs in "
        "by asking this with the key)."
    )
    def viewer(self, info: Info) -> Viewer:
        """The request's principal: what the web app shows as signed in, and which of its
        views it offers (the API's rules still decide every answer)."""
        return viewer_of(info.context.principal)


#: The root query fields (by their Python names) in the order the published SDL has them.
QUERY_FIELDS = (
    "about",
    "viewer",
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
    "change_impact",
    "data_sharing_coverage",
    "partners_outside_agreements",
    "agreements_expiring",
    "latest_validation",
    "validation_runs",
    "changes",
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
    HistoryQuery,
):
    """Every domain's reading."""


_in_order(Query, QUERY_FIELDS)


@strawberry.type
class Mutation(FootprintMutation, ServicesMutation, SharingMutation):
    """Every domain's edits, each a function of :mod:`nhgraph.edits`."""


class ServiceUnavailable(SchemaExtension):
    """While Neo4j is unreachable, answer 503 with one clear error, not a stack of 500s; when
    the request's time budget ran out in Neo4j, answer one REQUEST_TOO_SLOW error.

    The driver reconnects by itself, so nothing needs restarting when Neo4j is back: the next
    request simply succeeds.
    """

    def __init__(self, seconds: float) -> None:
        """The extension of one request whose time budget is ``seconds``."""
        super().__init__()
        self.seconds = seconds

    def on_execute(self) -> Iterator[None]:
        """After execution, turns a database outage into one SERVICE_UNAVAILABLE error with no data
        and an HTTP 503, and a spent budget into one REQUEST_TOO_SLOW error with no data."""
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        causes = [e.original_error for e in result.errors]
        if any(isinstance(c, DeadlineExceeded) for c in causes):
            result.data = None
            result.errors = [too_slow(self.seconds)]
            return
        if not any(isinstance(c, DatabaseUnavailable) for c in causes):
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


class GuardedSchema(strawberry.Schema):
    """The schema of a running service, with the :class:`Guard` that checks its requests."""

    def __init__(self, guard: Guard, **kwargs: Any) -> None:
        """The schema built from ``kwargs``, checked by ``guard`` (bound to it here)."""
        super().__init__(**kwargs)
        self.guard = guard
        guard.bind(self._schema)


def build_schema(settings: Settings) -> GuardedSchema:
    """The schema with this deployment's guards.

    Parsing and validating a document cost more than answering a resident (about 10 ms of CPU
    against 2), so :class:`Guard` caches both by the query's text, and runs them (with the
    cost and the arguments' bounds, judged on every request) where the HTTP layer tells it,
    off the event loop; strawberry is handed its verdict and does neither again.
    """
    guard = Guard(settings)
    # Factories, not instances: strawberry makes a fresh extension for each request.
    extensions: list[Any] = [
        partial(UsePrepared, guard),
        partial(ServiceUnavailable, settings.api_request_seconds),
    ]
    if not settings.error_detail:
        extensions.append(partial(MaskErrors, should_mask_error=_should_mask))
    return GuardedSchema(
        guard, query=Query, mutation=Mutation, types=VOCABULARIES, extensions=extensions
    )


schema = strawberry.Schema(query=Query, mutation=Mutation, types=VOCABULARIES)


def sdl() -> str:
    """The schema in SDL, as committed to ``schema.graphql``."""
    return schema.as_str() + "\n"
