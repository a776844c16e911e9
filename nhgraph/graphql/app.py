"""The FastAPI application: GraphQL at /graphql, FHIR R4 at /fhir (:mod:`nhgraph.api.fhir`), the
web app at / (see :mod:`nhgraph.web`), and the probes /healthz and /readyz.

``/healthz`` says the process is alive (it never touches Neo4j, so an orchestrator does not
restart a healthy API because the database is briefly away); ``/readyz`` says Neo4j answers,
and is 503 when it does not, so traffic waits rather than failing.

In production the API tells a stranger nothing it does not need: no OpenAPI documents
(``/docs``, ``/redoc``, ``/openapi.json``), and ``/readyz`` answers only its status; where
Neo4j is and why it failed go to the log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from nhgraph import __version__, edits
from nhgraph.access import Unauthenticated, principal_for
from nhgraph.api import linked, oruk
from nhgraph.api.fhir import router as fhir_router
from nhgraph.config import Settings, get_settings
from nhgraph.graphql.context import Context
from nhgraph.graphql.http import BodyLimit, CompiledFront, GraphQLEndpoint
from nhgraph.graphql.persisted import PersistedOperations, read_registry
from nhgraph.graphql.schema import build_schema
from nhgraph.store import db
from nhgraph.web import mount as mount_web

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for these settings (the environment's when none are given)."""
    settings = settings or get_settings()
    # Read before anything is opened: a persisted operation's file that does not validate
    # stops the start, naming the file.
    registry = read_registry(settings)

    # The app owns its driver (not the process-wide one), so that shutting one app down
    # never closes a driver something else in the process is using.
    database = db.Database(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(edits.warm_up)
        # In the background: planning the directory's statements can take seconds on a busy
        # machine, and the app must not wait for it to answer its probes.
        warming = threading.Thread(target=oruk.warm_up, args=(database,), daemon=True)
        app.state.warming = warming  # a test that counts round trips waits for it to end
        warming.start()
        yield
        database.close()

    production = settings.env == "production"
    documents: dict[str, Any] = (
        {"docs_url": None, "redoc_url": None, "openapi_url": None} if production else {}
    )
    app = FastAPI(title="nhgraph", version=__version__, lifespan=lifespan, **documents)
    app.state.settings = settings
    app.state.database = database

    @app.get("/healthz", tags=["probes"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["probes"])
    async def readyz() -> JSONResponse:
        try:
            await run_in_threadpool(database.verify)
        except db.DatabaseError as error:
            log.warning("readyz: Neo4j at %s is unavailable: %s", database.uri, error)
            detail = {} if production else {"neo4j": str(error)}
            return JSONResponse(status_code=503, content={"status": "unavailable", **detail})
        return JSONResponse({"status": "ready", **({} if production else {"neo4j": database.uri})})

    async def context_getter(request: Request) -> Context:
        try:
            principal = principal_for(settings, request.headers)
        except Unauthenticated as error:
            raise HTTPException(
                status_code=401, detail=str(error), headers={"WWW-Authenticate": "Bearer"}
            ) from error
        return Context(settings, database, principal)

    graphql_app = GraphQLEndpoint(
        build_schema(settings),
        settings,
        database,
        graphql_ide=None if production else "graphiql",
        context_getter=context_getter,
    )
    app.include_router(graphql_app, prefix="/graphql")
    app.state.compiled = graphql_app.compiled
    app.include_router(fhir_router(settings, database), prefix="/fhir")
    # The last added is the outermost: the body is bounded first, a persisted operation's hash
    # is then turned into its text, and the compiled front sees an ordinary request.
    app.add_middleware(CompiledFront, endpoint=graphql_app, settings=settings, database=database)
    app.add_middleware(PersistedOperations, registry=registry, only=settings.api_persisted_only)
    app.add_middleware(BodyLimit, max_bytes=settings.api_max_body_bytes)
    # The open ORUK directory, outside every key check (the profile asks no key of anyone).
    oruk.mount(app, settings, database)
    # Linked data: nhgraph's IRIs (/id/..., /def, /shapes) answer on this API.
    app.include_router(linked.router(settings, database))
    mount_web(app, settings, database)
    return app
