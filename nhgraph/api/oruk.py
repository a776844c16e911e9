"""Open Referral UK 3.0: the public directory as an ORUK API, mounted at ``/oruk``.

Read-only and open, as the profile requires: no key is asked for, and a key that is sent is
not read (every caller is the public); ``Access-Control-Allow-Origin: *`` on every answer,
errors included, so a signposting page on any site can read it. Only what the public may see
is served (:mod:`nhgraph.export.hsds` reads nothing else).

Endpoints (ORUK-site ``openapi.json``): ``/`` (``version: HSDS-UK-3.0``), ``/services`` and
``/services/{id}``, ``/service_at_locations`` (+ ``postcode``, ``proximity``) and ``/{id}``,
``/organizations``, ``/taxonomies``, ``/taxonomy_terms`` and their ``/{id}``; and
``/openapi.json``, this API's own OpenAPI document.

Decisions where the profile is silent:

- ``page`` starts at 1; page 1 of an empty list is an empty page (``empty: true``), as the
  validator expects of an empty feed (a warning, not a failure); a page past the last is 400
  ``page_out_of_range``: the validator only asks for pages 1 to ``total_pages`` (from the
  first page's own figures), so any other page is a client's mistake worth naming, not an
  empty success that hides it.
- ``per_page`` is 1 to ``NHGRAPH_API_MAX_PAGE_SIZE`` (the GraphQL lists' maximum too);
  default 50.
- An unknown query parameter is 400 ``unknown_parameter``, naming it and the ones the
  endpoint takes: a misspelt filter (``postcod``) silently ignored would answer the whole
  directory as if it were filtered. Every parameter the ORUK openapi declares for an endpoint
  is taken (``full``, ``minimal``, ``full_service``, ``top_only``, ``parent_id``).
- ``postcode`` without ``proximity``: the services whose area holds the postcode, exactly
  the services :func:`nhgraph.questions.who_serves` gives for it (so active ones); with
  ``proximity`` (metres, 1 to 100,000): the sites whose postcode's centroid is that near the
  postcode's centroid. A postcode not in the lookup is 404 ``postcode_not_found``.
- An unknown taxonomy term or taxonomy id in a filter is 400 (the vocabulary is closed); an
  unknown ``organization_id`` is an empty list (organisations come and go).
- Errors have one shape: ``{"status": 400, "code": "...", "message": "...", "parameter":
  "..."}`` (HSDS defines none); never a 500 for bad input. A store past the request's time
  budget (``NHGRAPH_API_REQUEST_SECONDS``) is 503 ``request_too_slow``; Neo4j away, 503.
- ``format=ndjson`` streams every match, one record a line, unpaged, read from the store
  a batch at a time (bounded memory); each batch's reads have the request's time budget, and
  a failure mid-way breaks the connection off, so a cut stream never looks whole.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from nhgraph import questions
from nhgraph.config import Settings
from nhgraph.errors import NhgraphError
from nhgraph.export import hsds
from nhgraph.schema.identifiers import normalise_postcode
from nhgraph.store import db

log = logging.getLogger(__name__)

CORS: Final = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Max-Age": "86400",
}
DEFAULT_PER_PAGE: Final = 50
MAX_PROXIMITY_METRES: Final = 100_000
MAX_SEARCH: Final = 200
NDJSON: Final = "application/x-ndjson"

_PAGING = {"page", "per_page", "format"}
_SERVICE_FILTERS = {
    "search",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "full",
    "minimal",
    "postcode",
    "proximity",
}
#: The query parameters each endpoint takes (the ORUK openapi's, plus postcode/proximity on
#: /services, where the resident's question is most often asked).
ALLOWED: Final[dict[str, frozenset[str]]] = {
    "services": frozenset(_PAGING | _SERVICE_FILTERS),
    "service_at_locations": frozenset(_PAGING | (_SERVICE_FILTERS - {"minimal"})),
    "organizations": frozenset(_PAGING | {"search", "full", "full_service"}),
    "taxonomies": frozenset(_PAGING | {"search"}),
    "taxonomy_terms": frozenset(_PAGING | {"search", "taxonomy_id", "top_only", "parent_id"}),
    "one": frozenset({"full_service"}),
}


class OrukError(NhgraphError):
    """A request the API answers with a 4xx in the ORUK error shape."""

    def __init__(self, status: int, code: str, message: str, parameter: str | None = None):
        """The answer's status, an app-readable code, a message and the parameter at fault."""
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter

    def body(self) -> dict[str, Any]:
        """The error as JSON."""
        body: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.parameter:
            body["parameter"] = self.parameter
        return body


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"status": status, "code": code, "message": message}, status_code=status, headers=CORS
    )


class OrukRoute(APIRoute):
    """A route whose every answer is open to any origin, and whose failures are ORUK errors."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The handler, wrapped: errors become their JSON, and CORS headers go on everything."""
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except OrukError as error:
                return JSONResponse(error.body(), status_code=error.status, headers=CORS)
            except db.DeadlineExceeded as error:
                log.warning("oruk %s: %s", request.url.path, error)
                return _error(503, "request_too_slow", "the request took longer than allowed")
            except db.DatabaseError as error:
                log.warning("oruk %s: %s", request.url.path, error)
                return _error(503, "service_unavailable", "the directory is unavailable")
            response.headers.update(CORS)
            return response

        return handle


# -- reading parameters ----------------------------------------------------------------------


def _check_known(request: Request, endpoint: str) -> dict[str, str]:
    allowed = ALLOWED[endpoint]
    params = request.query_params
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise OrukError(
            400,
            "unknown_parameter",
            f"unknown query parameter {', '.join(unknown)}; this endpoint takes "
            f"{', '.join(sorted(allowed)) or 'none'}",
            unknown[0],
        )
    repeated = sorted(k for k in set(params) if len(params.getlist(k)) > 1)
    if repeated:
        raise OrukError(400, "repeated_parameter", f"{repeated[0]} is given twice", repeated[0])
    return dict(params)


def _int(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise OrukError(400, "invalid_parameter", f"{name} must be a whole number", name) from None
    if not low <= value <= high:
        raise OrukError(400, "invalid_parameter", f"{name} must be {low} to {high}", name)
    return value


def _bool(params: dict[str, str], name: str) -> bool:
    text = params.get(name, "").lower()
    if text in ("", "false", "0"):
        return False
    if text in ("true", "1"):
        return True
    raise OrukError(400, "invalid_parameter", f"{name} must be true or false", name)


def _uuid(text: str, name: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise OrukError(400, "invalid_id", f"{name} '{text[:60]}' is not a UUID", name) from None


def _format(params: dict[str, str]) -> bool:
    value = params.get("format", "json").lower()
    if value not in ("json", "ndjson"):
        raise OrukError(400, "invalid_parameter", "format must be json or ndjson", "format")
    return value == "ndjson"


def _search(params: dict[str, str]) -> str | None:
    text = params.get("search", "").strip()
    if len(text) > MAX_SEARCH:
        raise OrukError(
            400, "invalid_parameter", f"search is longer than {MAX_SEARCH} characters", "search"
        )
    return text or None


def _modified_after(params: dict[str, str]) -> datetime | None:
    text = params.get("modified_after")
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        raise OrukError(
            400,
            "invalid_parameter",
            f"modified_after '{text[:60]}' is not a date-time (2026-01-31T09:00:00Z)",
            "modified_after",
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _taxonomy(params: dict[str, str]) -> hsds.Taxonomy | None:
    if not params.get("taxonomy_id"):
        return None
    found = hsds.TAXONOMY_BY_ID.get(_uuid(params["taxonomy_id"], "taxonomy_id"))
    if found is None:
        raise OrukError(400, "unknown_taxonomy", "no taxonomy has this id", "taxonomy_id")
    return found


def _term(params: dict[str, str]) -> hsds.Term | None:
    if not params.get("taxonomy_term_id"):
        return None
    found = hsds.TERM_BY_ID.get(_uuid(params["taxonomy_term_id"], "taxonomy_term_id"))
    if found is None:
        raise OrukError(
            400, "unknown_taxonomy_term", "no taxonomy term has this id", "taxonomy_term_id"
        )
    return found


# -- answers ---------------------------------------------------------------------------------


def paged(contents: list[dict[str, Any]], total: int, page: int, per_page: int) -> dict[str, Any]:
    """A list page with the profile's paging fields; past the last page is refused."""
    pages = math.ceil(total / per_page)
    if page > max(pages, 1):
        raise OrukError(
            400,
            "page_out_of_range",
            f"page {page} is past the last page ({pages} of {per_page} to a page, {total} items)",
            "page",
        )
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not contents,
        "contents": contents,
    }


def _chunks(batches: Iterable[Iterable[dict[str, Any]]], seconds: float) -> Iterator[bytes]:
    """The ndjson answer a batch at a time: each batch (one statement's records) read under
    the request's time budget and written as one chunk of lines, so the server hops between
    its threads once a batch, not once a line. A failure mid-way breaks the stream off (its
    status is already sent) and is logged."""
    iterator = iter(batches)
    while True:
        try:
            with db.deadline(seconds):
                batch = list(next(iterator))
        except StopIteration:
            return
        except db.DatabaseError as error:
            # The status is sent: the connection is broken off rather than ended, so a client
            # sees a cut stream as a failure, never as the whole directory.
            log.warning("oruk ndjson stream broken off: %s", error)
            raise
        if batch:
            yield b"".join(
                json.dumps(record, separators=(",", ":")).encode() + b"\n" for record in batch
            )


def _batched(records: Iterable[dict[str, Any]], size: int = hsds.BATCH) -> Iterator[list[Any]]:
    """Records in lists of ``size``: the batches of a stream whose reader yields one by one."""
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def router(settings: Settings, database: db.Database) -> APIRouter:
    """The ORUK 3.0 API on this database, to mount at ``/oruk``."""
    api = APIRouter(route_class=OrukRoute, tags=["Open Referral UK 3.0"])
    directory = hsds.Directory(database)
    seconds = settings.api_request_seconds
    max_per_page = settings.api_max_page_size

    async def work(call: Callable[[], Any]) -> Any:
        def bounded() -> Any:
            with db.deadline(seconds):
                return call()

        return await run_in_threadpool(bounded)

    def paging(params: dict[str, str]) -> tuple[int, int]:
        page = _int(params, "page", 1, 1, 10_000_000)
        per_page = _int(params, "per_page", DEFAULT_PER_PAGE, 1, max_per_page)
        return page, per_page

    def service_filters(params: dict[str, str]) -> hsds.Filters:
        organisation = None
        if params.get("organization_id"):
            organisation = directory.index.organisation(
                database, _uuid(params["organization_id"], "organization_id")
            )
            if organisation is None:
                return hsds.Filters(nothing=True)
        filters = hsds.filters_for(
            term=_term(params),
            taxonomy=_taxonomy(params),
            search=_search(params),
            organisation=organisation,
            modified_after=_modified_after(params),
        )
        return _near(params, filters)

    def _near(params: dict[str, str], filters: hsds.Filters) -> hsds.Filters:
        text = params.get("postcode")
        proximity = params.get("proximity")
        if not text:
            if proximity:
                raise OrukError(400, "invalid_parameter", "proximity needs a postcode", "proximity")
            return filters
        try:
            postcode = normalise_postcode(text)
        except ValueError as error:
            raise OrukError(400, "invalid_postcode", str(error), "postcode") from None
        if not proximity:
            try:
                answer = questions.who_serves(database, postcode=postcode)
            except questions.NotAnswerable as error:
                status = 404 if error.code.endswith("not_found") else 400
                raise OrukError(status, error.code, str(error), "postcode") from None
            ids = tuple(s["id"] for s in answer["services"])
            return replace(filters, services=ids)
        try:
            metres = float(proximity)
        except ValueError:
            metres = math.nan
        if not 0 < metres <= MAX_PROXIMITY_METRES:
            raise OrukError(
                400,
                "invalid_parameter",
                f"proximity must be metres, more than 0 and at most {MAX_PROXIMITY_METRES}",
                "proximity",
            )
        centroid = directory.centroid(postcode)
        if centroid is None:
            raise OrukError(
                404,
                "postcode_not_found",
                f"{postcode} is not in the postcode lookup (or has no centroid)",
                "postcode",
            )
        return replace(filters, point=centroid, metres=metres)

    def ndjson(
        records: Iterable[dict[str, Any]] | None = None,
        *,
        batches: Iterable[Iterable[dict[str, Any]]] | None = None,
    ) -> StreamingResponse:
        chunks = batches if batches is not None else _batched(records or ())
        return StreamingResponse(_chunks(chunks, seconds), media_type=NDJSON)

    @api.get("/", summary="What this API is: ORUK 3.0")
    async def details(request: Request) -> dict[str, str]:
        _check_known(request, "one")
        base = str(request.url_for("oruk_openapi"))
        return {"version": hsds.VERSION, "profile": hsds.PROFILE, "openapi_url": base}

    @api.get("/openapi.json", name="oruk_openapi", include_in_schema=False)
    async def openapi(request: Request) -> dict[str, Any]:
        return get_openapi(
            title="nhgraph Open Referral UK 3.0",
            version=hsds.VERSION,
            description="The public directory of the neighbourhood health service, as ORUK 3.0.",
            routes=api.routes,
            servers=[{"url": str(request.url_for("oruk_openapi")).removesuffix("/openapi.json")}],
        )

    @api.get("/services", summary="Services, paged (or every one as ndjson)")
    async def services(request: Request) -> Response:
        params = _check_known(request, "services")
        stream = _format(params)
        full, minimal = _bool(params, "full"), _bool(params, "minimal")
        page, per_page = paging(params)

        def shape(record: dict[str, Any]) -> dict[str, Any]:
            if minimal:
                return {k: record[k] for k in ("id", "last_modified") if k in record}
            return record

        filters = await work(lambda: service_filters(params))
        if stream:
            if full:
                return ndjson(shape(r) for r in directory.services(filters, full=True))
            return ndjson(
                batches=([shape(r) for r in batch] for batch in directory.service_batches(filters))
            )

        def one_page() -> dict[str, Any]:
            found = directory.service_page(filters, page, per_page, full=full)
            return paged([shape(r) for r in found.contents], found.total, page, per_page)

        return JSONResponse(await work(one_page))

    @api.get("/services/{id}", summary="One service, fully nested")
    async def service(request: Request, id: str) -> Response:
        _check_known(request, "one")
        wanted = _uuid(id, "id")
        found = await work(lambda: directory.service(wanted))
        if found is None:
            raise OrukError(404, "not_found", f"no service has the id {wanted}", "id")
        return JSONResponse(found)

    @api.get("/service_at_locations", summary="Services at locations, paged or ndjson")
    async def service_at_locations(request: Request) -> Response:
        params = _check_known(request, "service_at_locations")
        stream = _format(params)
        _bool(params, "full")  # every item is already fully nested with its location
        page, per_page = paging(params)
        filters = await work(lambda: service_filters(params))
        if stream:
            return ndjson(directory.service_at_locations(filters))

        def one_page() -> dict[str, Any]:
            found = directory.service_at_location_page(filters, page, per_page)
            return paged(found.contents, found.total, page, per_page)

        return JSONResponse(await work(one_page))

    @api.get("/service_at_locations/{id}", summary="One service at a location")
    async def service_at_location(request: Request, id: str) -> Response:
        _check_known(request, "one")
        wanted = _uuid(id, "id")
        found = await work(lambda: directory.service_at_location(wanted))
        if found is None:
            raise OrukError(404, "not_found", f"no service_at_location has the id {wanted}", "id")
        return JSONResponse(found)

    @api.get("/organizations", summary="The directory's organisations")
    async def organizations(request: Request) -> Response:
        params = _check_known(request, "organizations")
        stream = _format(params)
        _bool(params, "full")
        _bool(params, "full_service")  # declared by the profile; organisations carry no services
        search = _search(params)
        page, per_page = paging(params)
        if stream:
            return ndjson(directory.organisations(search))

        def one_page() -> dict[str, Any]:
            found = directory.organisation_page(search, page, per_page)
            return paged(found.contents, found.total, page, per_page)

        return JSONResponse(await work(one_page))

    @api.get("/organizations/{id}", summary="One organisation")
    async def organization(request: Request, id: str) -> Response:
        params = _check_known(request, "one")
        _bool(params, "full_service")
        wanted = _uuid(id, "id")
        found = await work(lambda: directory.organisation(wanted))
        if found is None:
            raise OrukError(404, "not_found", f"no organization has the id {wanted}", "id")
        return JSONResponse(found)

    @api.get("/taxonomies", summary="nhgraph's concept schemes as taxonomies")
    async def taxonomies(request: Request) -> Response:
        params = _check_known(request, "taxonomies")
        stream = _format(params)
        page, per_page = paging(params)
        records = [hsds.taxonomy_record(t) for t in hsds.taxonomies(_search(params))]
        if stream:
            return ndjson(records)
        start = (page - 1) * per_page
        return JSONResponse(paged(records[start : start + per_page], len(records), page, per_page))

    @api.get("/taxonomies/{id}", summary="One taxonomy with its terms")
    async def taxonomy(request: Request, id: str) -> Response:
        _check_known(request, "one")
        found = hsds.TAXONOMY_BY_ID.get(_uuid(id, "id"))
        if found is None:
            raise OrukError(404, "not_found", f"no taxonomy has the id {id}", "id")
        return JSONResponse(hsds.taxonomy_record(found, with_terms=True))

    @api.get("/taxonomy_terms", summary="The terms of nhgraph's concept schemes")
    async def taxonomy_terms(request: Request) -> Response:
        params = _check_known(request, "taxonomy_terms")
        stream = _format(params)
        page, per_page = paging(params)
        _bool(params, "top_only")  # every term is a top concept of its scheme
        terms = hsds.taxonomy_terms(_search(params), _taxonomy(params))
        if params.get("parent_id"):
            _uuid(params["parent_id"], "parent_id")
            terms = []  # no term has a parent
        records = [hsds.term_record(t) for t in terms]
        if stream:
            return ndjson(records)
        start = (page - 1) * per_page
        return JSONResponse(paged(records[start : start + per_page], len(records), page, per_page))

    @api.get("/taxonomy_terms/{id}", summary="One taxonomy term")
    async def taxonomy_term(request: Request, id: str) -> Response:
        _check_known(request, "one")
        found = hsds.TERM_BY_ID.get(_uuid(id, "id"))
        if found is None:
            raise OrukError(404, "not_found", f"no taxonomy term has the id {id}", "id")
        return JSONResponse(hsds.term_record(found))

    @api.options("/{path:path}", include_in_schema=False)
    async def preflight(path: str) -> Response:
        del path
        return Response(status_code=204, headers=CORS)

    @api.get("/{path:path}", include_in_schema=False)
    async def unknown(path: str) -> Response:
        raise OrukError(404, "not_found", f"no endpoint /{path[:60]} in this ORUK API")

    return api


def warm_up(database: db.Database) -> None:
    """Have Neo4j plan the directory's statements before the first request (see
    :meth:`hsds.Directory.warm_up`); run beside the app's start, never in its way (Neo4j away,
    or the app shut down meanwhile, ends it quietly)."""
    try:
        hsds.Directory(database).warm_up()
    except Exception as error:  # a warm-up only saves time: nothing it meets may stop the app
        log.info("oruk: statements not warmed up: %s", error)


def mount(app: FastAPI, settings: Settings, database: db.Database) -> None:
    """Serve the ORUK API at ``/oruk`` on this app."""
    app.include_router(router(settings, database), prefix="/oruk")
