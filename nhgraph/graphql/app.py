"""The FastAPI application: GraphQL at /graphql, and the probes /healthz and /readyz.

``/healthz`` says the process is alive (it never touches Neo4j, so an orchestrator does not
restart a healthy API because the database is briefly away); ``/readyz`` says Neo4j answers,
and is 503 when it does not, so traffic waits rather than failing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from strawberry.fastapi import GraphQLRouter

from nhgraph import __version__, db
from nhgraph.config import Settings, get_settings
from nhgraph.graphql.schema import schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for these settings (the environment's when none are given)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        db.close_all()

    app = FastAPI(title="nhgraph", version=__version__, lifespan=lifespan)
    app.state.settings = settings

    @app.get("/healthz", tags=["probes"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["probes"])
    async def readyz() -> JSONResponse:
        database = db.get_database(settings)
        try:
            await run_in_threadpool(database.verify)
        except db.DatabaseError as error:
            return JSONResponse(
                status_code=503, content={"status": "unavailable", "neo4j": str(error)}
            )
        return JSONResponse({"status": "ready", "neo4j": database.uri})

    graphql_app: GraphQLRouter[None, None] = GraphQLRouter(
        schema, graphql_ide="graphiql" if settings.env != "production" else None
    )
    app.include_router(graphql_app, prefix="/graphql")
    return app
