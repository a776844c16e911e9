"""The FHIR R4 face of the graph at ``/fhir``: UK Core resources read by id and searched, in
``application/fhir+json``, for health systems that speak FHIR rather than nhgraph's GraphQL.

``GET /fhir/metadata`` is the CapabilityStatement, which declares every search parameter,
among them ``postcode`` on HealthcareService (nhgraph's own: the services ``who_serves`` finds
for a resident of that postcode). ``GET /fhir/{type}/{id}`` reads; ``GET /fhir/{type}?...``
searches, answering a searchset Bundle with its total and self, next and previous links
(keyset cursors ``_after`` and ``_before``; ``_count`` at most NHGRAPH_API_MAX_PAGE_SIZE).

Every error is an OperationOutcome: an unknown type or id is 404; an unknown search parameter
is 400 (FHIR allows a server to ignore one, but a typo that silently widens a search to all of
London is worse than a refusal, as ``nhgraph ask`` refuses an unknown parameter); a malformed
value 400; a key no one holds 401; data-sharing agreements (Contract) without a key 401 and for
a role other than governance or admin 403, as GraphQL hides them. Each request runs within
NHGRAPH_API_REQUEST_SECONDS (the store's deadline): past it the answer is 503, as Neo4j away is.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from nhgraph import __version__, questions
from nhgraph.access import Principal, Unauthenticated, principal_for
from nhgraph.config import Settings
from nhgraph.export import fhir
from nhgraph.schema.vocabulary import FunctionCode, OrganisationKind
from nhgraph.store import db

log = logging.getLogger(__name__)

FHIR_JSON: Final = "application/fhir+json"
POSTCODE_PARAMETER: Final = (
    "https://w3id.org/nhgraph/fhir/SearchParameter/HealthcareService-postcode"
)
#: Parameters every search takes: the page size, the keyset cursors, the format.
COMMON: Final = ("_count", "_after", "_before", "_format")
FORMATS: Final = frozenset({"json", "application/json", FHIR_JSON, "application/fhir json"})
#: The longest value a search parameter may have.
VALUE_MAX: Final = 200


class FhirError(Exception):
    """An answer that is an OperationOutcome: status, issue code and what went wrong."""

    def __init__(self, status: int, code: str, message: str) -> None:
        """An error answered with this HTTP status and FHIR issue code."""
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def outcome(code: str, message: str, severity: str = "error") -> dict[str, Any]:
    """An OperationOutcome with one issue."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message}],
    }


def _answer(body: Mapping[str, Any], status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(dict(body), status_code=status, media_type=FHIR_JSON, headers=headers)


def _invalid(message: str) -> FhirError:
    return FhirError(400, "invalid", message)


# -- search parameters ----------------------------------------------------------------------

#: Each type's search parameters: name -> (FHIR type, what it finds).
SEARCH_PARAMETERS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "Organization": {
        "identifier": ("token", "An identifier: an ODS code, or an nhgraph id (system|value)"),
        "name": ("string", "The name starts with this (name:contains: holds it), any case"),
        "type": ("token", "An HL7 organization-type code or an nhgraph organisation kind"),
        "active": ("token", "Open today (true) or not (false); teams and INTs are active"),
        "partof": ("reference", "A team's provider, or a practice's current PCN"),
    },
    "Location": {
        "identifier": ("token", "An ONS code (LSOA, place) or an nhgraph id"),
        "name": ("string", "The name starts with this (name:contains: holds it), any case"),
        "partof": ("reference", "The area it is part of: an LSOA's neighbourhood or place"),
        "near": (
            "special",
            "lat|lon|distance|unit (km, m or mi): LSOAs whose bounding box, and sites whose "
            "postcode's point, is within a box of that distance around the point",
        ),
    },
    "HealthcareService": {
        "identifier": ("token", "An nhgraph service id"),
        "name": ("string", "The name starts with this (name:contains: holds it), any case"),
        "organization": ("reference", "The providing organisation"),
        "service-type": ("token", "A function code of nhgraph's function scheme"),
        "coverage-area": ("reference", "An area Location the service is for"),
        "active": ("token", "Not ended (true) or ended (false)"),
        "postcode": (
            "string",
            "The services who_serves finds for a resident of this postcode (active ones)",
        ),
    },
    "OrganizationAffiliation": {
        "primary-organization": ("reference", "The INT or PCN side"),
        "participating-organization": ("reference", "The team, practice, provider or integrator"),
    },
    "PractitionerRole": {
        "organization": ("reference", "The organisation of the post"),
    },
    "Contract": {
        "status": ("token", "The contract status (executed, negotiable, disputed, terminated)"),
    },
}
#: Parameters whose name may carry the :contains modifier.
_STRING_MODIFIERS: Final = ("contains",)


def _single(request: Request, name: str) -> str:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise _invalid(f"{name} is given {len(values)} times; give it once")
    value = values[0].strip()
    if not value or len(value) > VALUE_MAX:
        raise _invalid(f"{name} must be 1 to {VALUE_MAX} characters")
    return value


def _token(value: str) -> tuple[str | None, str]:
    if "," in value:
        raise _invalid(f"'{value}': one value only (nhgraph does not search on several)")
    system, bar, code = value.rpartition("|")
    if not bar:
        return None, value
    if not code:
        raise _invalid(f"'{value}' has no code after the |")
    return system or None, code


def _boolean(name: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise _invalid(f"{name} must be true or false, not '{value}'")
    return value == "true"


def _reference(name: str, value: str, resource_type: str) -> str:
    """The FHIR id a reference parameter names (``Type/id`` or ``id``)."""
    kind, slash, fid = value.rpartition("/")
    if slash and kind.rsplit("/", 1)[-1] != resource_type:
        raise _invalid(f"{name} takes a {resource_type} reference, not '{value}'")
    fid = fid if slash else value
    if not fhir.FHIR_ID.fullmatch(fid):
        raise _invalid(f"{name}: '{fid}' is not a FHIR id")
    return fid


_NOTHING: Final = "-"  # a node id no node has: a parameter naming nothing nhgraph holds


def _organisation_of(name: str, value: str) -> tuple[str, str]:
    try:
        return fhir.organization_node(_reference(name, value, "Organization"))
    except fhir.NotFhir:
        return "None", _NOTHING


_KINDS: Final = {kind.value for kind in OrganisationKind}
_FUNCTIONS: Final = {function.value for function in FunctionCode}


def _organization_filters(given: dict[str, str]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if "identifier" in given:
        system, value = _token(given["identifier"])
        prefix = fhir.identifier_system("")
        if system in (None, fhir.ODS_ORGANISATION):
            filters.update(label="Organisation", node=f"ods:{value.upper()}")
        elif system and system.startswith(f"{prefix}organisation/"):
            filters.update(label="Organisation", node=f"{system.rsplit('/', 1)[1]}:{value}")
        elif system == f"{prefix}team":
            filters.update(label="Team", node=value)
        elif system == f"{prefix}int":
            filters.update(label="Int", node=value)
        else:
            filters.update(label="None", node=_NOTHING)
    if "name" in given:
        filters["name"] = given["name"]
    if "name:contains" in given:
        filters["contains"] = given["name:contains"]
    if "type" in given:
        system, code = _token(given["type"])
        hl7 = {k for k, (c, _) in fhir.HL7_ORGANIZATION_TYPE.items() if c == code}
        if code == fhir.PROVIDER[0]:
            hl7 = _KINDS - set(fhir.HL7_ORGANIZATION_TYPE)
        kinds: set[str] = set()
        if system in (None, fhir.ORGANIZATION_TYPE):
            kinds |= hl7
        if system in (None, fhir.code_system("organisation-kind")) and code in _KINDS:
            kinds.add(code)
        team = code == fhir.TEAM[0] and system in (None, fhir.ORGANIZATION_TYPE)
        if system not in (None, fhir.ORGANIZATION_TYPE, fhir.code_system("organisation-kind")):
            raise _invalid(f"type: nhgraph knows no code system '{system}'")
        filters.update(kinds=sorted(kinds), teams=team, ints=team)
    if "active" in given:
        filters["active"] = _boolean("active", given["active"])
    if "partof" in given:
        label, node = _organisation_of("partof", given["partof"])
        filters["partof"] = node if label == "Organisation" else _NOTHING
    return filters


_UNITS: Final = {"km": 1.0, "m": 0.001, "mi": 1.609344, "[mi_i]": 1.609344}
#: The widest box ``near`` may ask for, in km (London is about 50 km across).
NEAR_MAX_KM: Final = 100.0


def _near(value: str) -> dict[str, float]:
    parts = value.split("|")
    if not 2 <= len(parts) <= 4:
        raise _invalid(f"near must be lat|lon|distance|unit, not '{value}'")
    try:
        latitude, longitude = float(parts[0]), float(parts[1])
        distance = float(parts[2]) if len(parts) > 2 and parts[2] else 1.0
    except ValueError as error:
        raise _invalid(f"near: '{value}' holds a value that is not a number") from error
    unit = parts[3] if len(parts) > 3 and parts[3] else "km"
    if unit not in _UNITS:
        raise _invalid(f"near: unit must be one of {', '.join(_UNITS)}, not '{unit}'")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or not all(
        math.isfinite(v) for v in (latitude, longitude, distance)
    ):
        raise _invalid(f"near: ({latitude}, {longitude}) is not a latitude and longitude")
    km = distance * _UNITS[unit]
    if not 0 < km <= NEAR_MAX_KM:
        raise _invalid(f"near: the distance must be above 0 and at most {NEAR_MAX_KM:g} km")
    dlat = km / 111.32
    dlon = km / max(111.32 * math.cos(math.radians(latitude)), 1e-6)
    return {
        "south": latitude - dlat,
        "north": latitude + dlat,
        "west": longitude - dlon,
        "east": longitude + dlon,
    }


def _location_filters(given: dict[str, str]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if "identifier" in given:
        system, value = _token(given["identifier"])
        prefix = fhir.identifier_system("")
        label, node = "None", _NOTHING
        if system in (None, fhir.ONS_GEOGRAPHY) and re.fullmatch(r"E0[19][0-9]{6}", value):
            label, node = ("Lsoa" if value.startswith("E01") else "Place"), value
        elif system == f"{prefix}neighbourhood":
            label, node = "Neighbourhood", value
        elif system == f"{prefix}site":
            label, node = "Site", value
        filters.update(label=label, node=node)
    if "name" in given:
        filters["name"] = given["name"]
    if "name:contains" in given:
        filters["contains"] = given["name:contains"]
    if "partof" in given:
        try:
            filters["partof"] = fhir.location_node(
                _reference("partof", given["partof"], "Location")
            )[1]
        except fhir.NotFhir:
            filters["partof"] = _NOTHING
    if "near" in given:
        filters.update(_near(given["near"]))
    return filters


def _service_filters(given: dict[str, str]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if "identifier" in given:
        system, value = _token(given["identifier"])
        ok = system in (None, fhir.identifier_system("service"))
        filters["node"] = value if ok else _NOTHING
    if "name" in given:
        filters["name"] = given["name"]
    if "name:contains" in given:
        filters["contains"] = given["name:contains"]
    if "organization" in given:
        label, node = _organisation_of("organization", given["organization"])
        filters["provider"] = node if label == "Organisation" else _NOTHING
    if "service-type" in given:
        system, code = _token(given["service-type"])
        if system not in (None, fhir.code_system("function")):
            raise _invalid(f"service-type: nhgraph knows no code system '{system}'")
        if code not in _FUNCTIONS:
            raise _invalid(f"service-type: '{code}' is not a function of nhgraph's scheme")
        filters["function"] = code
    if "coverage-area" in given:
        try:
            filters["area"] = fhir.location_node(
                _reference("coverage-area", given["coverage-area"], "Location")
            )[1]
        except fhir.NotFhir:
            filters["area"] = _NOTHING
    if "active" in given:
        filters["active"] = _boolean("active", given["active"])
    return filters


def _affiliation_filters(given: dict[str, str]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for parameter, side in (
        ("primary-organization", "primary"),
        ("participating-organization", "participating"),
    ):
        if parameter in given:
            label, node = _organisation_of(parameter, given[parameter])
            filters[side] = node
            filters[f"{side}_label"] = label
    return filters


def _role_filters(given: dict[str, str]) -> dict[str, Any]:
    if "organization" not in given:
        return {}
    label, node = _organisation_of("organization", given["organization"])
    return {"organisation": node if label == "Organisation" else _NOTHING}


_STATUS_BACK: Final = {status: ours for ours, status in fhir.CONTRACT_STATUS.items()}


def _contract_filters(given: dict[str, str]) -> dict[str, Any]:
    if "status" not in given:
        return {}
    _, code = _token(given["status"])
    if code not in _STATUS_BACK:
        raise _invalid(f"status must be one of {', '.join(_STATUS_BACK)}, not '{code}'")
    return {"status": _STATUS_BACK[code]}


FILTERS: Final[dict[str, Callable[[dict[str, str]], dict[str, Any]]]] = {
    "Organization": _organization_filters,
    "Location": _location_filters,
    "HealthcareService": _service_filters,
    "OrganizationAffiliation": _affiliation_filters,
    "PractitionerRole": _role_filters,
    "Contract": _contract_filters,
}


def _given(request: Request, resource_type: str) -> dict[str, str]:
    """The search parameters of the request, each once; an unknown one is refused."""
    declared = SEARCH_PARAMETERS[resource_type]
    allowed = {*declared, *COMMON}
    allowed |= {
        f"{name}:{modifier}"
        for name, (kind, _) in declared.items()
        if kind == "string" and name != "postcode"
        for modifier in _STRING_MODIFIERS
    }
    names = list(dict.fromkeys(request.query_params.keys()))
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise FhirError(
            400,
            "not-supported",
            f"{resource_type} has no search parameter {', '.join(sorted(unknown))}; it takes "
            f"{', '.join([*declared, *COMMON])}",
        )
    return {name: _single(request, name) for name in names}


# -- the answers ----------------------------------------------------------------------------


def _principal(settings: Settings, request: Request) -> Principal:
    try:
        return principal_for(settings, request.headers)
    except Unauthenticated as error:
        raise FhirError(401, "login", str(error)) from error


def _allowed(resource_type: str, principal: Principal) -> None:
    if resource_type not in fhir.FAMILIES:
        raise FhirError(
            404,
            "not-supported",
            f"nhgraph serves no {resource_type} resources; it serves "
            f"{', '.join(t for t in fhir.RESOURCE_TYPES)}",
        )
    if resource_type in fhir.RESTRICTED_TYPES and not principal.may_read_agreements():
        if principal.role == "public":
            raise FhirError(
                401, "login", "data-sharing agreements are for governance and admins: send a key"
            )
        raise FhirError(
            403, "forbidden", f"data-sharing agreements are not for the {principal.role} role"
        )


def _page_size(settings: Settings, given: Mapping[str, str]) -> int:
    if "_count" not in given:
        return min(20, settings.api_max_page_size)
    value = given["_count"]
    if not value.isdigit() or not 1 <= int(value) <= settings.api_max_page_size:
        raise _invalid(f"_count must be a whole number from 1 to {settings.api_max_page_size}")
    return int(value)


def _cursor(given: Mapping[str, str], name: str) -> str | None:
    value = given.get(name)
    if value is not None and not fhir.FHIR_ID.fullmatch(value):
        raise _invalid(f"{name} must be a FHIR id (a cursor from a link), not '{value}'")
    return value


def search(
    settings: Settings,
    database: db.Database,
    resource_type: str,
    given: Mapping[str, str],
    filters: Mapping[str, Any],
    base: str,
    today: date,
) -> dict[str, Any]:
    """A searchset Bundle: one keyset page of the matches, the total, and paging links."""
    size = _page_size(settings, given)
    after, before = _cursor(given, "_after"), _cursor(given, "_before")
    if after and before:
        raise _invalid("give _after or _before, not both")
    filters = dict(filters)
    notes: list[dict[str, Any]] = []
    if "postcode" in given:
        try:
            found = questions.who_serves(database, postcode=given["postcode"], on=today)
            filters["ids"] = sorted({service["id"] for service in found["services"]})
        except questions.NotAnswerable as error:
            if error.code != "postcode_not_found":
                raise _invalid(f"postcode: {error}") from error
            filters["ids"] = []
            notes.append(outcome("not-found", str(error), severity="warning"))
    with db.deadline(settings.api_request_seconds):
        page = fhir.search_page(
            database,
            resource_type,
            filters,
            size=size,
            after=after,
            before=before,
            today=today,
        )
    found_resources = page.resources
    fids = [resource["id"] for resource in found_resources]
    has_previous, has_next, total = page.has_previous, page.has_next, page.total
    kept = {k: v for k, v in given.items() if k not in ("_after", "_before")}
    kept["_count"] = str(size)

    def link(relation: str, **cursor: str) -> dict[str, str]:
        return {
            "relation": relation,
            "url": f"{base}/{resource_type}?{urlencode({**kept, **cursor})}",
        }

    links = [{"relation": "self", "url": f"{base}/{resource_type}?{urlencode(given)}"}]
    if has_next and fids:
        links.append(link("next", _after=fids[-1]))
    if has_previous and fids:
        links.append(link("previous", _before=fids[0]))
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": f"{base}/{resource_type}/{resource['id']}",
            "resource": resource,
            "search": {"mode": "match"},
        }
        for resource in found_resources
    ]
    entries += [{"resource": note, "search": {"mode": "outcome"}} for note in notes]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "total": total,
        "link": links,
        "entry": entries,
    }


def capability_statement(settings: Settings, base: str) -> dict[str, Any]:
    """What the API serves: each resource type, its profile, read and search, and every
    search parameter (nhgraph's ``postcode`` among them)."""
    resources: list[dict[str, Any]] = []
    for resource_type in fhir.RESOURCE_TYPES:
        entry: dict[str, Any] = {"type": resource_type}
        profile = fhir.PROFILES.get(resource_type)
        if profile:
            entry["supportedProfile"] = [profile]
        entry["interaction"] = [{"code": "read"}, {"code": "search-type"}]
        parameters = [
            {"name": name, "type": kind, "documentation": what}
            for name, (kind, what) in SEARCH_PARAMETERS[resource_type].items()
        ]
        for parameter in parameters:
            if parameter["name"] == "postcode":
                parameter["definition"] = POSTCODE_PARAMETER
        parameters.append(
            {
                "name": "_count",
                "type": "number",
                "documentation": f"Resources a page, 1 to {settings.api_max_page_size}",
            }
        )
        entry["searchParam"] = parameters
        if resource_type in fhir.RESTRICTED_TYPES:
            entry["documentation"] = "Data-sharing agreements: for governance and admin keys"
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date.today().isoformat(),
        "publisher": "nhgraph",
        "kind": "instance",
        "software": {"name": "nhgraph", "version": __version__},
        "implementation": {"description": "nhgraph's FHIR R4 API (UK Core STU2)", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Public without a key; Contract needs a governance or admin "
                    "key (Authorization: Bearer <key> or X-API-Key)"
                },
                "resource": resources,
            }
        ],
    }


def router(settings: Settings, database: db.Database) -> APIRouter:
    """The FHIR routes, for create_app to mount at /fhir."""
    routes = APIRouter(tags=["fhir"])

    def base_of(request: Request) -> str:
        return str(request.base_url).rstrip("/") + "/fhir"

    async def answering(work: Callable[[], dict[str, Any]]) -> JSONResponse:
        try:
            return _answer(await run_in_threadpool(work))
        except FhirError as error:
            headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
            return _answer(outcome(error.code, error.message), error.status, **headers)
        except db.DeadlineExceeded as error:
            log.warning("fhir: %s", error)
            return _answer(outcome("timeout", "the request took longer than allowed"), 503)
        except db.DatabaseError as error:
            log.warning("fhir: %s", error)
            return _answer(outcome("transient", "the database is not available"), 503)
        except Exception:  # a bug: still an OperationOutcome, and the log has the trace
            log.exception("fhir: the request failed")
            return _answer(outcome("exception", "the request failed inside nhgraph"), 500)

    @routes.get("/metadata")
    async def metadata(request: Request) -> JSONResponse:
        base = base_of(request)
        return await answering(lambda: capability_statement(settings, base))

    @routes.get("/{resource_type}")
    async def search_type(request: Request, resource_type: str) -> JSONResponse:
        base = base_of(request)

        def work() -> dict[str, Any]:
            principal = _principal(settings, request)
            _allowed(resource_type, principal)
            given = _given(request, resource_type)
            if given.get("_format", "json") not in FORMATS:
                raise _invalid("_format: nhgraph answers JSON only")
            filters = FILTERS[resource_type](given)
            return search(settings, database, resource_type, given, filters, base, date.today())

        return await answering(work)

    @routes.get("/{resource_type}/{fid}")
    async def read(request: Request, resource_type: str, fid: str) -> JSONResponse:
        def work() -> dict[str, Any]:
            principal = _principal(settings, request)
            _allowed(resource_type, principal)
            unknown = [k for k in request.query_params if k != "_format"]
            if unknown:
                raise FhirError(400, "not-supported", f"a read takes no {', '.join(unknown)}")
            if not fhir.FHIR_ID.fullmatch(fid):
                raise _invalid(f"'{fid[:80]}' is not a FHIR id ([A-Za-z0-9-.], 1 to 64)")
            with db.deadline(settings.api_request_seconds):
                try:
                    return fhir.read(database, resource_type, fid)
                except fhir.NotFhir as error:
                    raise FhirError(404, "not-found", str(error)) from error

        return await answering(work)

    @routes.get("/{resource_type}/{fid}/{rest:path}")
    async def beyond(resource_type: str, fid: str, rest: str) -> JSONResponse:
        message = f"nhgraph's FHIR API has no /{resource_type}/{fid}/{rest[:80]}"
        return _answer(outcome("not-supported", message), 404)

    return routes
