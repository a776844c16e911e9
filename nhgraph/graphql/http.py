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
from typing import Any

import anyio.to_thread
import orjson
from cross_web import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from nhgraph.config import Settings
from nhgraph.graphql.context import Context
from nhgraph.graphql.guard import Prepared
from nhgraph.graphql.plans import CompiledPath
from nhgraph.graphql.schema import GuardedSchema, too_slow
from nhgraph.store import db

log = logging.getLogger(__name__)


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    """A GraphQL-shaped answer holding one error, for refusals made before GraphQL runs."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


class GraphQLEndpoint(GraphQLRouter[Context, None]):
    """Strawberry's FastAPI router, reading bodies strictly and keeping the time budget."""

    def __init__(self, schema: GuardedSchema, settings: Settings, **kwargs: Any) -> None:
        """The router of this schema, under these settings' time budget."""
        super().__init__(schema, **kwargs)
        self.guard = schema.guard
        self.seconds = settings.api_request_seconds
        self.compiled = CompiledPath(schema._schema, settings)
        self.via_get = self.allow_queries_via_get

    def _prepare(
        self, request_data: GraphQLRequestData, context: Context, method: str
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
        try:
            data = self.compiled.answer(
                request_data.query,
                request_data.operation_name,
                operation,
                prepared.fragments,
                prepared.variables,
                request_data.variables,
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
                    return await super().execute_single(
                        request, request_adapter, sub_response, context, root_value, request_data
                    )
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
