"""The web app: the pages people open in a browser, served by the API at ``/``.

The app is static files (HTML, the app's modules and styles, and the npm packages copied at
``make setup``: see :mod:`nhgraph.web.vendor`) and the map's layers read from the graph (see
:mod:`nhgraph.web.layers`). Everything else it shows it asks of ``/graphql``, as any other
client does, with the key the person enters sent in the ``Authorization`` header: the API's
role rules are the only gate, and the app holds no authority of its own (no cookie, so no
cross-site request can act for anyone).

Every page and file is sent with a Content-Security-Policy that allows only this origin
(no inline script or style, no remote font, image or connection, unless a tile URL is
configured), ``nosniff``, no referrer, and no framing.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nhgraph import __version__
from nhgraph.access import Unauthenticated, principal_for
from nhgraph.config import Settings
from nhgraph.store.db import Database
from nhgraph.web.layers import LAYERS, LayerCache
from nhgraph.web.paths import INDEX, MANIFEST, STATIC, VENDOR

# Browsers refuse a module script served with another type.
mimetypes.add_type("text/javascript", ".mjs")

#: Paths whose answers carry the app's headers (GraphiQL, at /graphql, loads its own scripts):
#: the app's, and linked data's (nhgraph.api.linked), whose HTML pages use the app's styles.
_APP_PREFIXES = ("/static/", "/assets/", "/map/", "/app/", "/id/", "/def/")
_APP_PATHS = frozenset({"/", "/favicon.ico", "/def", "/shapes"})


def content_security_policy(settings: Settings) -> str:
    """The app's policy: this origin only, plus the tile server's when one is configured."""
    tiles = ""
    if settings.web_tile_url:
        parts = urlsplit(settings.web_tile_url.replace("{", "").replace("}", ""))
        tiles = f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data:{tiles}; font-src 'self'; connect-src 'self'{tiles}; "
        "worker-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    )


def is_installed() -> bool:
    """Whether ``make setup`` copied the npm packages (the app cannot draw without them)."""
    return MANIFEST.exists()


class AppHeaders:
    """Puts the app's security headers on its pages and files (not on ``/graphql``): a pure
    ASGI middleware, which every request passes through at the cost of a path test, where
    Starlette's ``@app.middleware("http")`` ran each request through a task group and streams
    of its own (a fifth of a cached GraphQL answer's time)."""

    def __init__(self, app: ASGIApp, policy: str) -> None:
        """The middleware around ``app``, with this Content-Security-Policy."""
        self.app = app
        self.headers = [
            (b"content-security-policy", policy.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Passes the request on, adding the headers to an app path's response."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path in _APP_PATHS or path.startswith(_APP_PREFIXES)):
            await self.app(scope, receive, send)
            return

        async def headed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers[name.decode()] = value.decode()
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-cache"
            await send(message)

        await self.app(scope, receive, headed)


def mount(app: FastAPI, settings: Settings, database: Database) -> None:
    """Serve the app at ``/`` on this API: its page, files, configuration and map layers."""
    policy = content_security_policy(settings)
    layers = LayerCache(database)
    app.state.layers = layers

    app.add_middleware(AppHeaders, policy=policy)

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        if not is_installed():
            return Response(
                "The web app's packages are not installed: run `make setup` (it needs npm).",
                status_code=503,
                media_type="text/plain",
            )
        return FileResponse(INDEX, media_type="text/html", headers={"Cache-Control": "no-store"})

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return FileResponse(VENDOR / "nhsuk-assets" / "images" / "favicon.ico")

    @app.get("/app/config.json", include_in_schema=False)
    async def config() -> JSONResponse:
        return JSONResponse(
            {
                "version": __version__,
                "tileUrl": settings.web_tile_url,
                "tileAttribution": settings.web_tile_attribution,
                "production": settings.env == "production",
            }
        )

    @app.get("/map/{name}.geojson", include_in_schema=False)
    async def layer(name: str, request: Request) -> Response:
        try:
            principal_for(settings, request.headers)
        except Unauthenticated as error:
            raise HTTPException(401, str(error), headers={"WWW-Authenticate": "Bearer"}) from error
        if name not in LAYERS:
            raise HTTPException(404, f"no map layer '{name}' (layers: {', '.join(LAYERS)})")
        found = await run_in_threadpool(layers.get, name)
        headers = {"ETag": found.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
        if found.etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(
                found.gzipped,
                media_type="application/geo+json",
                headers={**headers, "Content-Encoding": "gzip"},
            )
        return Response(found.body, media_type="application/geo+json", headers=headers)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if VENDOR.joinpath("nhsuk-assets").is_dir():
        app.mount("/assets", StaticFiles(directory=VENDOR / "nhsuk-assets"), name="assets")


def _etags(header: str) -> set[str]:
    """The ETags an If-None-Match header names (weak ones as their strong selves)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


__all__ = ["content_security_policy", "is_installed", "mount"]
