"""The FastAPI application: GraphQL at /graphql, and the probes /healthz and /readyz.

``/healthz`` says the process is alive (it never touches Neo4j, so an orchestrator does not
restart a healthy API because the database is briefly away); ``/readyz`` says Neo4j answers,
and is 503 when it does not, so traffic waits rather than failing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from strawberry.fastapi import GraphQLRouter

from nhgraph import __version__, edits
from nhgraph.access import Unauthenticated, principal_for
from nhgraph.config import Settings, get_settings
from nhgraph.graphql.context import Context
from nhgraph.graphql.schema import build_schema
from nhgraph.store import db


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for these settings (the environment's when none are given)."""
    settings = settings or get_settings()

    # The app owns its driver (not the process-wide one), so that shutting one app down
    # never closes a driver something else in the process is using.
    database = db.Database(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(edits.warm_up)
        yield
        database.close()

    app = FastAPI(title="nhgraph", version=__version__, lifespan=lifespan)
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
            return JSONResponse(
                status_code=503, content={"status": "unavailable", "neo4j": str(error)}
            )
        return JSONResponse({"status": "ready", "neo4j": database.uri})

    async def context_getter(request: Request) -> Context:
        try:
            principal = principal_for(settings, request.headers)
        except Unauthenticated as error:
            raise HTTPException(
                status_code=401, detail=str(error), headers={"WWW-Authenticate": "Bearer"}
            ) from error
        return Context(settings, database, principal)

    graphql_app: GraphQLRouter[Context, None] = GraphQLRouter(
        build_schema(settings),
        graphql_ide="graphiql" if settings.env != "production" else None,
        context_getter=context_getter,
    )
    app.include_router(graphql_app, prefix="/graphql")
    return app
