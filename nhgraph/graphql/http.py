"""The HTTP edge of GraphQL: bodies bounded in size and read strictly, every refusal a
GraphQL-shaped error, and each request held to its time budget.

Strawberry's router answers a body it cannot read with a 500 (a JSON string, deep nesting,
bytes that are not UTF-8) or with plain text, and runs its parse, validation and cost checks on
the event loop, where one costly document stalls every other request (``/healthz``
included). Here the checks of :class:`~nhgraph.graphql.guard.Guard` run in a worker thread,
and the whole request runs under ``NHGRAPH_API_REQUEST_SECONDS``: a query past it is answered
REQUEST_TOO_SLOW at once, and its Neo4j transactions are given the same deadline, so the
server ends them too. An edit is not abandoned mid-way (its answer would then be a guess):
its transaction has the deadline, and Neo4j ends and rolls it back when it is spent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date
from typing import Any

import anyio.to_thread
import orjson
from cross_web import HTTPException
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from nhgraph.access import Principal, Unauthenticated, principal_for
from nhgraph.config import Settings
from nhgraph.graphql.compiled import Fallback, Plan
from nhgraph.graphql.context import Context
from nhgraph.graphql.guard import Prepared
from nhgraph.graphql.plans import CompiledPath, Lru
from nhgraph.graphql.schema import GuardedSchema, too_slow
from nhgraph.store import db

log = logging.getLogger(__name__)


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    """A GraphQL-shaped answer holding one error, for refusals made before GraphQL runs."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


class GraphQLEndpoint(GraphQLRouter[Context, None]):
    """Strawberry's FastAPI router, reading bodies strictly and keeping the time budget."""

    def __init__(
        self, schema: GuardedSchema, settings: Settings, database: db.Database, **kwargs: Any
    ) -> None:
        """The router of this schema, under these settings' time budget, on this database."""
        super().__init__(schema, **kwargs)
        self.guard = schema.guard
        self.seconds = settings.api_request_seconds
        self.compiled = CompiledPath(schema._schema, settings, database)
        self.via_get = self.allow_queries_via_get

    def _prepare(
        self, request_data: GraphQLRequestData, context: Context, method: str, declined: bool
    ) -> tuple[Prepared, dict[str, Any] | None]:
        """The request checked and, when the compiled path answers it, its ``data`` (else None:
        the resolvers answer), in one worker thread: a compiled query costs one hop off the
        event loop, not one for the checks and one per level of the query."""
        assert request_data.query is not None
        prepared = self.guard.prepare(
            request_data.query, request_data.operation_name, request_data.variables
        )
        operation = prepared.operation
        if operation is None or prepared.mutation or (method == "GET" and not self.via_get):
            return prepared, None
        if declined:
            return prepared, None  # the front tried it already (see CompiledFront)
        try:
            data = self.compiled.answer(
                request_data.query,
                request_data.operation_name,
                operation,
                prepared.fragments,
                prepared.variables,
                context,
            )
        except db.DeadlineExceeded:
            raise
        except Exception:
            # The resolvers answer it instead, with the error they give (a Neo4j outage, a
            # value the vocabulary does not hold), so both paths fail alike.
            log.debug("the compiled path left a request to the resolvers", exc_info=True)
            return prepared, None
        return prepared, data

    def encode_json(self, data: object) -> bytes:
        """The response's JSON, by orjson: several times faster than the standard library's
        encoder on a map's answer, and the same text for the values GraphQL gives."""
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        """The JSON of a body (bytes) or of a query parameter (text): a body must be UTF-8 and
        an object (or a list, which strawberry refuses as a batch), and nesting too deep for
        the parser is refused rather than crashing it."""
        if isinstance(data, bytes):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as error:
                raise HTTPException(400, f"the body is not UTF-8 ({error.reason})") from error
        else:
            text = data
        try:
            value = json.loads(text)
        except RecursionError as error:
            raise HTTPException(400, "the body's JSON nests too deeply") from error
        if isinstance(data, bytes) and not isinstance(value, dict | list):
            raise HTTPException(
                400, f"the body must be a JSON object, not a {type(value).__name__}"
            )
        return value

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        """Strawberry's run, with its plain-text refusals answered as GraphQL errors."""
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as error:
            return JSONResponse(
                error_body(error.reason, "BAD_REQUEST"), status_code=error.status_code
            )

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """One operation, checked in a worker thread, then run, all within the time budget."""
        with db.deadline(self.seconds):
            try:
                async with asyncio.timeout(self.seconds) as budget:
                    if request_data.query is not None:
                        prepared, data = await anyio.to_thread.run_sync(
                            self._prepare,
                            request_data,
                            context,
                            request_adapter.method,
                            request.scope.get("state", {}).get("compiled_declined", False),
                            abandon_on_cancel=True,
                        )
                        if prepared.request_error is not None:
                            raise HTTPException(400, prepared.request_error)
                        if prepared.document is None:
                            return ExecutionResult(data=None, errors=prepared.errors)
                        if data is not None:
                            return ExecutionResult(data=data, errors=None)
                        if prepared.mutation:
                            budget.reschedule(None)  # Neo4j's deadline ends the edit
                        context.prepared = prepared
                    try:
                        return await super().execute_single(
                            request,
                            request_adapter,
                            sub_response,
                            context,
                            root_value,
                            request_data,
                        )
                    finally:
                        if context.prepared is not None and context.prepared.mutation:
                            # An edit made here is read at once, whatever the recheck window.
                            self.compiled.versions.invalidate()
            except TimeoutError:
                return ExecutionResult(data=None, errors=[too_slow(self.seconds)])


class BodyLimit:
    """Refuses, with 413 and a GraphQL-shaped error, a request body over ``max_bytes``: by
    its Content-Length before it is read, or as soon as the bytes read pass the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        """The middleware around ``app``, letting through bodies of at most ``max_bytes``."""
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send: Send, status: int, message: str, code: str) -> None:
        response = JSONResponse(error_body(message, code, limit=self.max_bytes), status_code=status)
        await response({"type": "http"}, _nothing, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Passes the request on with its body counted, or refuses it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"the request body is larger than the {self.max_bytes} bytes allowed"
        # The server (h11) has refused a Content-Length that is not a number already.
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(send, 413, too_large, "BODY_TOO_LARGE")
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except _TooLarge:
            if not started:
                await self._refuse(send, 413, too_large, "BODY_TOO_LARGE")


class _TooLarge(Exception):
    """The body passed the limit while it was read."""


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


#: The largest body whose cache key the front remembers by the body itself (apps' queries are
#: a few kilobytes; a larger body is parsed and checked, then found in the cache by its plan).
MAX_SEEN_BODY_BYTES = 16_384


class CompiledFront:
    """The fast way in for the queries the compiler answers: a POST of a JSON body to
    ``/graphql`` is checked, planned and answered here, off FastAPI's routing and strawberry's
    router, in at most one worker thread's hop; anything else, and any request this path does
    not answer exactly, is passed on, body and all, to the app behind it (strawberry's router,
    which answers as it always has, errors included).

    Here too the whole request runs within ``NHGRAPH_API_REQUEST_SECONDS``. With the response
    cache on, the graph's version token is read first (one read shared by the requests that
    arrive while it is in flight: :class:`~nhgraph.graphql.plans.VersionWatch`) and a kept
    answer is sent as the bytes it was sent as before.
    """

    def __init__(
        self,
        app: ASGIApp,
        endpoint: GraphQLEndpoint,
        settings: Settings,
        database: db.Database,
        path: str = "/graphql",
    ) -> None:
        """The front of ``app`` for the endpoint's compiled path, at ``path``."""
        self.app = app
        self.endpoint = endpoint
        self.settings = settings
        self.database = database
        self.path = path
        self.versions = endpoint.compiled.versions
        #: The cache keys of bodies seen, by body, key holder and day (see ``_answer``).
        self.seen = Lru(max(settings.api_cache_entries, 1))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answers a compiled query, or passes the request on."""
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"].rstrip("/") != self.path
            or not self.endpoint.compiled.enabled
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client has gone
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        answer = None
        cache: list[bytes] = []
        try:
            answer = await self._answer(scope, body, cache)
        except TimeoutError:
            answer = orjson.dumps(
                {"data": None, "errors": [too_slow(self.settings.api_request_seconds).formatted]}
            )
        except Exception:
            # Neo4j away while the version is read, say: the router answers, as it always has
            # (a 503 with SERVICE_UNAVAILABLE for an outage).
            log.debug("the compiled front left a request to the router", exc_info=True)
            answer, cache = None, []
        if answer is not None:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(answer)).encode()),
                        *[(b"x-nhgraph-cache", state) for state in cache[:1]],
                    ],
                }
            )
            await send({"type": "http.response.body", "body": answer})
            return
        scope.setdefault("state", {})["compiled_declined"] = True
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _answer(self, scope: Scope, body: bytes, cache: list[bytes]) -> bytes | None:
        """The response body of a request the compiled path answers, or None; with the cache
        on, ``cache`` is given ``hit`` or ``miss`` (sent as ``X-Nhgraph-Cache``)."""
        headers = Headers(scope=scope)
        if "application/json" not in headers.get("content-type", ""):
            return None
        try:
            principal = principal_for(self.settings, headers)
        except Unauthenticated:
            return None
        seconds = self.settings.api_request_seconds
        path = self.endpoint.compiled
        seen = None
        if path.caching and len(body) <= MAX_SEEN_BODY_BYTES:
            # A body sent before by the same key's holder on the same day: its answer's key is
            # known, and nothing need be parsed or checked again (the verdict and the plan are
            # functions of the body, the role and the settings).
            seen = (body, principal.name, principal.role, date.today())
            key = self.seen.get(seen)
            if key is not None:
                async with asyncio.timeout(seconds):
                    token = await self.versions.current()
                if token is not None:
                    kept = path.cached(key, token)
                    if kept is not None:
                        cache.append(b"hit")
                        return kept
        try:
            # UTF-8 only, as the router reads bodies (json.loads would guess UTF-16 from bytes).
            request = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError):
            return None
        if not isinstance(request, dict):
            return None
        query = request.get("query")
        variables = request.get("variables")
        operation_name = request.get("operationName")
        if (
            not isinstance(query, str)
            or not isinstance(variables, dict | None)
            or not isinstance(operation_name, str | None)
        ):
            return None
        with db.deadline(seconds):
            async with asyncio.timeout(seconds):
                return await self._compiled(
                    query, operation_name, variables, principal, seen, cache
                )

    async def _compiled(
        self,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        principal: Principal,
        seen: tuple[Any, ...] | None,
        cache: list[bytes],
    ) -> bytes | None:
        guard, path = self.endpoint.guard, self.endpoint.compiled
        context = Context(self.settings, self.database, principal)
        prepared = guard.kept(query, operation_name, variables)
        sees = principal.may_read_agreements()
        known, plan = False, None
        if prepared is not None:
            known, plan = path.kept(query, operation_name, sees)
        if prepared is None or not known:
            prepared, plan = await anyio.to_thread.run_sync(
                self._prepare, query, operation_name, variables, sees, abandon_on_cancel=True
            )
        if plan is None or prepared is None or prepared.operation is None:
            return None
        try:
            arguments, parameters = path.bind(plan, prepared.variables, context)
        except Fallback:
            return None
        key = path.cache_key(plan, variables, context)
        token = None
        if key is not None:
            if seen is not None:
                self.seen.put(seen, key)
            token = await self.versions.current()
            if token is not None:
                kept = path.cached(key, token)
                if kept is not None:
                    cache.append(b"hit")
                    return kept
            cache.append(b"miss")
        try:
            data = await anyio.to_thread.run_sync(
                path.run, plan, parameters, arguments, context, abandon_on_cancel=True
            )
        except db.DeadlineExceeded as error:
            raise TimeoutError from error
        except Exception:
            log.debug("the compiled path left a request to the resolvers", exc_info=True)
            return None
        answer = orjson.dumps({"data": data})
        if key is not None and token is not None:
            path.keep(key, token, answer)
        return answer

    def _prepare(
        self, query: str, operation_name: str | None, variables: dict[str, Any] | None, sees: bool
    ) -> tuple[Prepared, Plan | None]:
        prepared = self.endpoint.guard.prepare(query, operation_name, variables)
        operation = prepared.operation
        if operation is None or prepared.mutation:
            return prepared, None
        plan = self.endpoint.compiled.plan(
            query, operation_name, operation, prepared.fragments, sees
        )
        return prepared, plan
