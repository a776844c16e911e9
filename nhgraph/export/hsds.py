"""The public directory as HSDS 3.0 / Open Referral UK 3.0 records: one mapping, which the ORUK
API (:mod:`nhgraph.api.oruk`) and ``nhgraph export hsds`` both use, so a response and a file say
the same thing.

It reads the graph through the named queries in ``nhgraph/queries/hsds/``, in keyset pages
(``WHERE id > $after ... ORDER BY id LIMIT $limit``), never collecting every match: the registry
grows to England. Only what the public role may see is read: services, their providers and
sites, areas and the vocabulary; never agreements, teams, memberships or named professionals.

Ids (HSDS requires a UUID in every ``id`` and ``*_id``): a node's record carries its stored
``hsds_id`` where it has one (the importer keeps a feed's UUID there), else
``hsds_uuid(node IRI)`` (:mod:`nhgraph.ontology.ids`, the IRI from
:func:`nhgraph.ontology.rdf.node_iri`). A record that is only part of a node takes
``part_uuid("urn:uuid:<the parent's HSDS id>", kind, key)``, the parent being the service (or
location, or organisation) it belongs to. The parent is named by its HSDS id, not its nhgraph
IRI: a record imported from a feed keeps the feed's id but may have another nhgraph id, and its
parts must still come out with the ids they went in with (the export, import, export round
trip); for a node without a stored id the HSDS id is itself uuid5 over its IRI, so nothing
changes from export to export.

============================  ===========  ======================  =====================
record                        parent       kind                    key
============================  ===========  ======================  =====================
service_at_location           service      ``service_at_location`` the location's HSDS id
schedule                      service      ``schedule``            the hours text, or ``24/7``
service_area                  service      ``service_area``        the area's id (E01…, slug)
attribute                     service      ``attribute``           ``<scheme>/<notation>``
phone                         service      ``phone``               ``main``
address                       location     ``address``             ``physical``
organization_identifier       organisation ``identifier``          ``<scheme>:<code>``
============================  ===========  ======================  =====================

Taxonomies and terms are nhgraph's SKOS schemes, ids ``hsds_uuid(scheme IRI)`` and
``hsds_uuid(concept IRI)``.

Mapping decisions (``../shared/standards/mapping.md`` §3 is the starting point):

- ``status``: active → ``active``, paused → ``temporarily closed``, ended → ``defunct``.
- ``last_modified`` is the node's ``loaded_at`` (RFC 3339, UTC); ``assured_date`` its date:
  the day the record last passed nhgraph's models and SHACL.
- Function, cohorts, channels and self-referral are ``attributes`` linking terms of the
  ``function``, ``cohort``, ``channel`` and ``referral`` taxonomies; ``link_type`` is
  ``function``, ``eligibility`` (cohorts, as mapping.md suggests), ``access_channel`` and
  ``referral``. Self-referral has no SKOS scheme in nhgraph: the ``referral`` taxonomy has one
  term, whose ``term_uri`` is the ontology's own property ``nhg:selfReferral``. The ``tier``
  taxonomy is served but no service links to it: a tier belongs to a team's membership of an
  INT, not to a service.
- Hours ``Mon-Fri 08:00-18:30`` become a WEEKLY schedule (``byday MO,TU,WE,TH,FR``,
  ``opens_at``/``closes_at`` as HH:MM, the form HSDS describes); 24/7 is one schedule on all
  seven days with a description, since HSDS has no all-day flag.
- Service areas: an LSOA or a place carries its ONS linked-data URI
  (``http://statistics.data.gov.uk/id/statistical-geography/<code>``), a neighbourhood its
  nhgraph IRI; ``extent`` (``extent_type: geojson``) is the LSOA boundary, or for a
  neighbourhood or place a MultiPolygon of its LSOAs' polygons (not dissolved: nhgraph stores
  no outline of its own). Extents are large (a borough is ~200 kB), so they are in a fully
  nested service (``/services/{id}``, the export) and not in list pages or ndjson, which
  carry the one-to-one fields the profile's lists are made of.
- The phone has no place in ORUK 3.0 (``service.phones`` was removed); it is carried as HSDS
  core's ``phones[{id, service_id, number}]``, an extra property ORUK allows (not under the
  validator's ``--strict``), so a phone is not lost in exchange.
- A location is a site: ``physical``, named, at its postcode's centroid; its one address has
  ``address_1`` the site's name (nhgraph stores no street lines), ``city`` the borough of the
  postcode, ``state_province`` ``London`` (ORUK requires one; every place is a London
  borough), ``country`` ``GB``. A service with no site has no service_at_location (London's
  demo services have none).
- Organisations: the directory's, meaning those that provide a service and the PCN each
  provider practice is a member of today (``parent_organization_id``). ``description`` (ORUK
  requires one) is generated from the kind and the code; ``uri`` is the nhgraph IRI;
  ``organization_identifiers``: ODS codes as ``GB-NHS`` / ``ODS organisation code``,
  charities ``GB-CHC``, companies ``GB-COH`` (org-id.guide), CQC and ONS codes without a
  scheme; ``local:`` organisations have none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from threading import Lock
from typing import Any, Final

from nhgraph import queries
from nhgraph.ontology.ids import hsds_uuid, part_uuid
from nhgraph.ontology.namespaces import CONCEPT, NHG
from nhgraph.ontology.rdf import concept_iri, node_iri
from nhgraph.schema.vocabulary import (
    Channel,
    CohortCode,
    Concept,
    FunctionCode,
    OrganisationKind,
    Tier,
)
from nhgraph.store import version
from nhgraph.store.db import Reader

Record = dict[str, Any]

#: The profile an ORUK API says it follows (``GET /``), and the version string the ORUK
#: validator reads to pick the 3.0 rules.
VERSION: Final = "HSDS-UK-3.0"
PROFILE: Final = "https://openreferraluk.org/specifications/3.0/"
ONS_GEOGRAPHY: Final = "http://statistics.data.gov.uk/id/statistical-geography/"

#: Rows read from the store per round trip when every record is streamed; fully nested
#: services (with their areas' extents) are read fewer at a time.
BATCH: Final = 200
FULL_BATCH: Final = 50

STATUS: Final = {"active": "active", "paused": "temporarily closed", "ended": "defunct"}

_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HOURS = re.compile(r"^(\w{3})(?:-(\w{3}))? (\d\d:\d\d)-(\d\d:\d\d)$")

#: Organisation id scheme → (org-id.guide scheme or None, identifier_type).
IDENTIFIER_SCHEMES: Final[dict[str, tuple[str | None, str]]] = {
    "ods": ("GB-NHS", "ODS organisation code"),
    "charity": ("GB-CHC", "Charity Commission number"),
    "companies": ("GB-COH", "Companies House number"),
    "cqc": (None, "CQC id"),
    "ons": (None, "ONS code"),
}


# -- taxonomies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One taxonomy term: a concept of an nhgraph scheme (or the one referral term)."""

    scheme: str
    notation: str
    name: str
    description: str
    uri: str

    @property
    def id(self) -> str:
        """The term's HSDS id: uuid5 over its IRI."""
        return hsds_uuid(self.uri)


@dataclass(frozen=True)
class Taxonomy:
    """One taxonomy: an nhgraph SKOS scheme, with its terms and the link type it gives."""

    scheme: str
    name: str
    description: str
    uri: str
    link_type: str
    terms: tuple[Term, ...]

    @property
    def id(self) -> str:
        """The taxonomy's HSDS id: uuid5 over the scheme's IRI."""
        return hsds_uuid(self.uri)


def _scheme(enum: type[Concept], link_type: str) -> Taxonomy:
    terms = tuple(
        Term(enum.scheme, m.value, m.label, m.definition, str(concept_iri(m))) for m in enum
    )
    return Taxonomy(
        enum.scheme,
        enum.scheme_label,
        (enum.__doc__ or enum.scheme_label).strip(),
        str(CONCEPT[enum.scheme]),
        link_type,
        terms,
    )


REFERRAL: Final = Taxonomy(
    "referral",
    "Referral routes",
    "How a resident may come to a service: self-referral, without a professional's referral.",
    str(CONCEPT["referral"]),
    "referral",
    (
        Term(
            "referral",
            "self_referral",
            "Self-referral",
            "A resident may refer themselves, without a professional's referral.",
            str(NHG.selfReferral),
        ),
    ),
)

#: The taxonomies served, in the order they are listed.
TAXONOMIES: Final[tuple[Taxonomy, ...]] = (
    _scheme(FunctionCode, "function"),
    _scheme(CohortCode, "eligibility"),
    _scheme(Channel, "access_channel"),
    _scheme(Tier, "tier"),
    REFERRAL,
)
TAXONOMY_BY_SCHEME: Final = {t.scheme: t for t in TAXONOMIES}
TAXONOMY_BY_ID: Final = {t.id: t for t in TAXONOMIES}
TERM_BY_ID: Final = {term.id: term for t in TAXONOMIES for term in t.terms}
TERM_BY_KEY: Final = {(term.scheme, term.notation): term for t in TAXONOMIES for term in t.terms}


def taxonomy_record(taxonomy: Taxonomy, *, with_terms: bool = False) -> Record:
    """An HSDS taxonomy; with its terms nested for ``/taxonomies/{id}``."""
    record: Record = {
        "id": taxonomy.id,
        "name": taxonomy.name,
        "description": taxonomy.description,
        "uri": taxonomy.uri,
        "version": "nhgraph",
    }
    if with_terms:
        record["taxonomy_terms"] = [term_record(term) for term in taxonomy.terms]
    return record


def term_record(term: Term) -> Record:
    """An HSDS taxonomy term, naming its taxonomy by IRI and by id."""
    taxonomy = TAXONOMY_BY_SCHEME[term.scheme]
    return {
        "id": term.id,
        "name": term.name,
        "description": term.description,
        "taxonomy": taxonomy.uri,
        "taxonomy_id": taxonomy.id,
        "term_uri": term.uri,
        "term": term.notation,
    }


# -- filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What a list asks for, in the store's words (ids, notations), after the API has read the
    HSDS parameters (UUIDs) into them. ``services`` narrows to a list of service ids (the
    postcode filter); ``point`` and ``metres`` to sites near a point."""

    search: str | None = None
    term: Term | None = None
    scheme: str | None = None
    organisation: str | None = None
    modified_after: datetime | None = None
    services: tuple[str, ...] | None = None
    point: tuple[float, float] | None = None
    metres: float | None = None
    #: A filter that can match nothing (a tier term: no service has one).
    nothing: bool = False

    def parameters(self) -> Record:
        """The named queries' filter parameters."""
        term = self.term
        return {
            "search": self.search,
            "function": term.notation if term and term.scheme == "function" else None,
            "cohort": term.notation if term and term.scheme == "cohort" else None,
            "channel": term.notation if term and term.scheme == "channel" else None,
            "self_referral": True if term and term.scheme == "referral" else None,
            "scheme": self.scheme,
            "organisation": self.organisation,
            "modified_after": self.modified_after.isoformat() if self.modified_after else None,
            "services": list(self.services) if self.services is not None else None,
        }

    def point_parameters(self) -> Record:
        """The proximity parameters (all null when there is no point)."""
        if self.point is None:
            return {"latitude": None, "longitude": None, "metres": None}
        return {"latitude": self.point[0], "longitude": self.point[1], "metres": self.metres}


NO_FILTERS: Final = Filters()


def filters_for(
    *,
    term: Term | None = None,
    taxonomy: Taxonomy | None = None,
    **others: Any,
) -> Filters:
    """Filters from a term and a taxonomy: a tier (term or taxonomy) matches no service."""
    nothing = (term is not None and term.scheme == "tier") or (
        taxonomy is not None and taxonomy.scheme == "tier"
    )
    return Filters(
        term=term, scheme=taxonomy.scheme if taxonomy else None, nothing=nothing, **others
    )


# -- ids -------------------------------------------------------------------------------------


def record_id(label: str, node_id: str, stored: str | None) -> str:
    """A node's HSDS id: its stored ``hsds_id``, else uuid5 over its IRI."""
    return stored or hsds_uuid(str(node_iri(label, node_id)))


def _iri(label: str, node_id: str) -> str:
    return str(node_iri(label, node_id))


def parent(uuid: str) -> str:
    """The name a record's parts are made from: its HSDS id as a URN."""
    return f"urn:uuid:{uuid}"


def service_at_location_id(service_uuid: str, location_uuid: str) -> str:
    """The id of a service at a location: a part of the service, keyed by the location's id."""
    return part_uuid(parent(service_uuid), "service_at_location", location_uuid)


@dataclass
class _Index:
    token: str | None
    services: dict[str, str] = field(default_factory=dict)
    organisations: dict[str, str] = field(default_factory=dict)
    service_at_locations: dict[str, tuple[str, str]] = field(default_factory=dict)


class IdIndex:
    """Finds a node from its HSDS id. A UUID cannot be turned back into an IRI, so the index maps
    each id to its node once, reading only ids in keyset pages, and is kept until the graph's
    version token changes (every committed write changes it). Without a token (a graph
    written by hand) it is read again each time."""

    def __init__(self) -> None:
        """An empty index, read on first use."""
        self._index: _Index | None = None
        self._lock = Lock()

    def _current(self, reader: Reader) -> _Index:
        token = version.current(reader)
        with self._lock:
            if self._index is not None and token is not None and self._index.token == token:
                return self._index
            index = _Index(token)
            for row in _pages(reader, "hsds_service_page", NO_FILTERS.parameters()):
                index.services[record_id("Service", row["id"], row["hsds_id"])] = row["id"]
            for row in _pages(reader, "hsds_organisation_page", {"search": None, "on": _today()}):
                index.organisations[record_id("Organisation", row["id"], row["hsds_id"])] = row[
                    "id"
                ]
            for row in _sal_pages(reader, NO_FILTERS):
                key = service_at_location_id(
                    record_id("Service", row["service"], row["service_hsds_id"]),
                    record_id("Site", row["site"], row["site_hsds_id"]),
                )
                index.service_at_locations[key] = (row["service"], row["site"])
            self._index = index
            return index

    def service(self, reader: Reader, uuid: str) -> str | None:
        """The id of the service with this HSDS id, or None."""
        return self._current(reader).services.get(uuid)

    def organisation(self, reader: Reader, uuid: str) -> str | None:
        """The id of the directory organisation with this HSDS id, or None."""
        return self._current(reader).organisations.get(uuid)

    def service_at_location(self, reader: Reader, uuid: str) -> tuple[str, str] | None:
        """The (service, site) with this HSDS id, or None."""
        return self._current(reader).service_at_locations.get(uuid)


def _today() -> date:
    return date.today()


def _pages(reader: Reader, name: str, parameters: Mapping[str, Any]) -> Iterator[Record]:
    """Every row of a keyset-paged query, BATCH at a time, in id order."""
    after: str | None = None
    query = queries.load(name)
    while True:
        rows = reader.read(query, {**parameters, "after_id": after, "skip": 0, "limit": BATCH})
        yield from rows
        if len(rows) < BATCH:
            return
        after = rows[-1]["id"]


def _sal_pages(reader: Reader, filters: Filters) -> Iterator[Record]:
    after: tuple[str | None, str | None] = (None, None)
    query = queries.load("hsds_service_at_location_page")
    while True:
        rows = reader.read(
            query,
            {
                **filters.parameters(),
                **filters.point_parameters(),
                "after_service": after[0],
                "after_site": after[1],
                "skip": 0,
                "limit": BATCH,
            },
        )
        yield from rows
        if len(rows) < BATCH:
            return
        after = (rows[-1]["service"], rows[-1]["site"])


# -- records ---------------------------------------------------------------------------------


def _instant(value: Any) -> datetime | None:
    """A stored time: a datetime, or its text (``toString`` in a statement: the list pages
    and streams read times as text, which the driver hands over far faster)."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def _timestamp(value: Any) -> str | None:
    instant = _instant(value)
    if instant is None:
        return None
    return instant.isoformat().replace("+00:00", "Z")


def _day(value: Any) -> str | None:
    instant = _instant(value)
    return instant.date().isoformat() if instant is not None else None


def _drop_none(record: Record) -> Record:
    return {key: value for key, value in record.items() if value is not None}


def organisation_record(row: Record) -> Record:
    """An HSDS organization from a ``hsds_organisations`` row."""
    node = row["node"]
    oid = node["id"]
    uuid = record_id("Organisation", oid, node.get("hsds_id"))
    scheme, _, code = oid.partition(":")
    try:
        kind = OrganisationKind.of(str(node.get("kind"))).label
    except ValueError:
        kind = "Organisation"
    iri = _iri("Organisation", oid)
    own = parent(uuid)
    identifiers = []
    if scheme in IDENTIFIER_SCHEMES:
        id_scheme, id_type = IDENTIFIER_SCHEMES[scheme]
        identifiers.append(
            _drop_none(
                {
                    "id": part_uuid(own, "identifier", oid),
                    "organization_id": uuid,
                    "identifier_scheme": id_scheme,
                    "identifier_type": id_type,
                    "identifier": code,
                }
            )
        )
        description = f"{kind}, {id_type} {code}."
    else:
        description = f"{kind}."
    return _drop_none(
        {
            "id": uuid,
            "name": node["name"],
            "description": description,
            "uri": iri,
            "parent_organization_id": (
                record_id("Organisation", row["pcn"], row.get("pcn_hsds_id"))
                if row.get("pcn")
                else None
            ),
            "organization_identifiers": identifiers,
        }
    )


def _schedules(service_uuid: str, iri: str, node: Record) -> list[Record]:
    schedules = []
    if node.get("open_24_7"):
        schedules.append(
            {
                "id": part_uuid(iri, "schedule", "24/7"),
                "service_id": service_uuid,
                "freq": "WEEKLY",
                "byday": "MO,TU,WE,TH,FR,SA,SU",
                "description": "Open 24 hours a day, 7 days a week.",
            }
        )
    for entry in node.get("hours") or []:
        match = _HOURS.match(entry)
        if match is None:  # the model allows no other form; never guess one
            continue
        first, last, opens, closes = match.groups()
        start = _DAYS.index(first)
        end = _DAYS.index(last) if last else start
        days = [_DAYS[i][:2].upper() for i in range(start, end + 1)]
        schedules.append(
            {
                "id": part_uuid(iri, "schedule", entry),
                "service_id": service_uuid,
                "freq": "WEEKLY",
                "byday": ",".join(days),
                "opens_at": opens,
                "closes_at": closes,
                "description": entry,
            }
        )
    return schedules


def _attribute(service_uuid: str, iri: str, term: Term) -> Record:
    taxonomy = TAXONOMY_BY_SCHEME[term.scheme]
    return {
        "id": part_uuid(iri, "attribute", f"{term.scheme}/{term.notation}"),
        "link_id": service_uuid,
        "link_type": taxonomy.link_type,
        "taxonomy_term_id": term.id,
        "taxonomy_term": term_record(term),
    }


def _attributes(service_uuid: str, iri: str, row: Record) -> list[Record]:
    keys: list[tuple[str, str]] = []
    if row.get("function"):
        keys.append(("function", row["function"]))
    keys += [("cohort", c) for c in sorted(row.get("cohorts") or [])]
    keys += [("channel", c) for c in row["node"].get("channels") or []]
    if row["node"].get("self_referral"):
        keys.append(("referral", "self_referral"))
    return [_attribute(service_uuid, iri, TERM_BY_KEY[key]) for key in keys if key in TERM_BY_KEY]


def _extent(boundaries: Sequence[Sequence[str | None]]) -> str | None:
    """One GeoJSON geometry from (LSOA code, boundary) pairs: the one, or a MultiPolygon of all
    their polygons in LSOA code order."""
    shapes = [json.loads(b) for _, b in sorted(boundaries, key=lambda p: str(p[0])) if b]
    if not shapes:
        return None
    if len(shapes) == 1:
        return json.dumps(shapes[0], separators=(",", ":"))
    polygons: list[Any] = []
    for shape in shapes:
        if shape.get("type") == "Polygon":
            polygons.append(shape["coordinates"])
        elif shape.get("type") == "MultiPolygon":
            polygons.extend(shape["coordinates"])
    return json.dumps({"type": "MultiPolygon", "coordinates": polygons}, separators=(",", ":"))


def _service_areas(service_uuid: str, iri: str, row: Record, full: bool) -> list[Record]:
    areas = []
    for kind, label in (
        ("lsoas", "Lsoa"),
        ("neighbourhoods", "Neighbourhood"),
        ("places", "Place"),
    ):
        for area in sorted(row.get(kind) or [], key=lambda a: str(a["id"])):
            uri = (
                _iri(label, area["id"]) if label == "Neighbourhood" else ONS_GEOGRAPHY + area["id"]
            )
            extent = _extent(area.get("boundaries") or []) if full else None
            areas.append(
                _drop_none(
                    {
                        "id": part_uuid(iri, "service_area", area["id"]),
                        "service_id": service_uuid,
                        "name": area.get("name") or area["id"],
                        "uri": uri,
                        "extent": extent,
                        "extent_type": "geojson" if extent else None,
                    }
                )
            )
    return areas


def location_record(site: Record) -> Record:
    """An HSDS location from a site (with its postcode's centroid and borough)."""
    uuid = record_id("Site", site["id"], site.get("hsds_id"))
    return _drop_none(
        {
            "id": uuid,
            "location_type": "physical",
            "name": site["name"],
            "latitude": site.get("latitude"),
            "longitude": site.get("longitude"),
            "addresses": [
                {
                    "id": part_uuid(parent(uuid), "address", "physical"),
                    "location_id": uuid,
                    "address_1": site["name"],
                    "city": site.get("place") or "London",
                    "state_province": "London",
                    "postal_code": site["postcode"],
                    "country": "GB",
                    "address_type": "physical",
                }
            ],
        }
    )


def service_at_location_record(service_uuid: str, site: Record) -> Record:
    """An HSDS service_at_location: the service at one of its sites, the location nested."""
    location = location_record(site)
    return {
        "id": service_at_location_id(service_uuid, location["id"]),
        "service_id": service_uuid,
        "location_id": location["id"],
        "location": location,
    }


def service_record(row: Record, organisations: Mapping[str, Record], *, full: bool) -> Record:
    """An HSDS service from a ``hsds_services`` row: the one-to-one fields with the nested
    organization (a list's item), and with ``full`` every related record too."""
    node = row["node"]
    sid = node["id"]
    uuid = record_id("Service", sid, node.get("hsds_id"))
    iri = parent(uuid)
    organisation = organisations.get(row["provider"]) if row.get("provider") else None
    record = _drop_none(
        {
            "id": uuid,
            "organization_id": organisation["id"] if organisation else None,
            "name": node["name"],
            "url": node.get("url"),
            "status": STATUS.get(node.get("status") or "active", "active"),
            "minimum_age": node.get("min_age"),
            "maximum_age": node.get("max_age"),
            "assured_date": _day(node.get("loaded_at")),
            "last_modified": _timestamp(node.get("loaded_at")),
            "organization": organisation,
        }
    )
    if full:
        record["schedules"] = _schedules(uuid, iri, node)
        record["service_areas"] = _service_areas(uuid, iri, row, full)
        record["service_at_locations"] = [
            service_at_location_record(uuid, site)
            for site in sorted(row.get("sites") or [], key=lambda x: str(x["id"]))
        ]
        record["attributes"] = _attributes(uuid, iri, row)
        if node.get("phone"):
            record["phones"] = [
                {
                    "id": part_uuid(iri, "phone", "main"),
                    "service_id": uuid,
                    "number": node["phone"],
                }
            ]
    return record


# -- the directory ---------------------------------------------------------------------------


def _summaries(items: Sequence[Record]) -> list[Record]:
    """List items (rows of ``hsds_service_list`` or ``hsds_service_batch``, each a service's
    summary with its provider's organisation row) as HSDS services, in id order."""
    rows = {item["provider"]: item["organisation"] for item in items if item.get("organisation")}
    organisations = {oid: organisation_record(row) for oid, row in rows.items()}
    ordered = sorted(items, key=lambda item: str(item["id"]))
    return [service_record(item, organisations, full=False) for item in ordered]


def _at_locations(items: Sequence[Record]) -> list[Record]:
    """List items (rows of ``hsds_service_at_location_list`` or ``..._batch``, each a service's
    summary with its provider's organisation row and one of its sites) as HSDS
    service_at_locations, in the items' (service, site) order."""
    rows = {item["provider"]: item["organisation"] for item in items if item.get("organisation")}
    organisations = {oid: organisation_record(row) for oid, row in rows.items()}
    records = []
    for item in items:
        service = service_record(item, organisations, full=False)
        record = service_at_location_record(service["id"], item["site"])
        record["service"] = service
        records.append(record)
    return records


@dataclass(frozen=True)
class Page:
    """One page of a list: its records and the count of every match."""

    total: int
    contents: list[Record]


class Directory:
    """The public directory read from the store, as HSDS records."""

    def __init__(self, reader: Reader, index: IdIndex | None = None) -> None:
        """The directory of this reader (a database), finding ids through ``index``."""
        self.reader = reader
        self.index = index or IdIndex()

    def warm_up(self) -> None:
        """Run each HSDS statement once, selecting nothing, so that Neo4j has planned them before
        the first request: planning one takes a second or more on a busy machine, longer than
        the page itself."""
        none = NO_FILTERS
        for name, parameters in (
            ("hsds_service_count", none.parameters()),
            ("hsds_service_page", {**none.parameters(), "after_id": None, "skip": 0, "limit": 1}),
            ("hsds_services", {"ids": [], "full": False}),
            ("hsds_service_summaries", {"ids": []}),
            (
                "hsds_service_list",
                {**none.parameters(), "on": _today(), "skip": 0, "limit": 1, "services": []},
            ),
            (
                "hsds_service_batch",
                {**none.parameters(), "on": _today(), "after_id": None, "limit": 1, "services": []},
            ),
            ("hsds_organisations", {"ids": [], "on": _today()}),
            ("hsds_organisation_count", {"search": None, "on": _today()}),
            (
                "hsds_organisation_page",
                {"search": None, "on": _today(), "after_id": None, "skip": 0, "limit": 1},
            ),
            ("hsds_postcode", {"postcode": ""}),
            (
                "hsds_service_at_location_page",
                {
                    **none.parameters(),
                    **none.point_parameters(),
                    "after_service": None,
                    "after_site": None,
                    "skip": 0,
                    "limit": 1,
                },
            ),
            (
                "hsds_service_at_location_list",
                {
                    **none.parameters(),
                    **none.point_parameters(),
                    "on": _today(),
                    "skip": 0,
                    "limit": 1,
                    "services": [],
                },
            ),
            (
                "hsds_service_at_location_batch",
                {
                    **none.parameters(),
                    **none.point_parameters(),
                    "on": _today(),
                    "after_service": None,
                    "after_site": None,
                    "limit": 1,
                    "services": [],
                },
            ),
        ):
            self.reader.read(queries.load(name), parameters)

    # services

    def _services(self, ids: Sequence[str], *, full: bool) -> list[Record]:
        if not ids:
            return []
        rows = (
            self.reader.read(queries.load("hsds_services"), {"ids": list(ids), "full": True})
            if full
            else self.reader.read(queries.load("hsds_service_summaries"), {"ids": list(ids)})
        )
        providers = sorted({r["provider"] for r in rows if r.get("provider")})
        organisations = self._organisations_by_id(providers)
        by_id = {r["id"]: r for r in rows}
        return [service_record(by_id[i], organisations, full=full) for i in ids if i in by_id]

    def _organisations_by_id(self, ids: Sequence[str]) -> dict[str, Record]:
        if not ids:
            return {}
        rows = self.reader.read(
            queries.load("hsds_organisations"), {"ids": list(ids), "on": _today()}
        )
        return {r["id"]: organisation_record(r) for r in rows}

    def service_page(
        self, filters: Filters, page: int, per_page: int, *, full: bool = False
    ) -> Page:
        """Page ``page`` (from 1) of the services matching, ``per_page`` to a page; ``full``:
        each fully nested."""
        if filters.nothing:
            return Page(0, [])
        parameters = filters.parameters()
        if not full:  # a list page: one statement, the count, the page and its providers
            [row] = self.reader.read(
                queries.load("hsds_service_list"),
                {**parameters, "on": _today(), "skip": (page - 1) * per_page, "limit": per_page},
            )
            return Page(row["total"], _summaries(row["items"]))
        [count] = self.reader.read(queries.load("hsds_service_count"), parameters)
        rows = self.reader.read(
            queries.load("hsds_service_page"),
            {**parameters, "after_id": None, "skip": (page - 1) * per_page, "limit": per_page},
        )
        return Page(count["total"], self._services([r["id"] for r in rows], full=full))

    def services(self, filters: Filters, *, full: bool) -> Iterator[Record]:
        """Every service matching, in id order, read BATCH at a time."""
        if filters.nothing:
            return
        if not full:
            for batch in self.service_batches(filters):
                yield from batch
            return
        # A fully nested service carries its areas' extents (a borough's is ~200 kB): fewer
        # of them are held at once.
        chunk = FULL_BATCH if full else BATCH
        ids: list[str] = []
        for row in _pages(self.reader, "hsds_service_page", filters.parameters()):
            ids.append(row["id"])
            if len(ids) == chunk:
                yield from self._services(ids, full=full)
                ids = []
        yield from self._services(ids, full=full)

    def service_batches(self, filters: Filters) -> Iterator[list[Record]]:
        """Every service matching as list items (not nested), in id order, a batch of BATCH
        a statement: what an ndjson stream writes a batch at a time."""
        if filters.nothing:
            return
        query = queries.load("hsds_service_batch")
        parameters = {**filters.parameters(), "on": _today(), "limit": BATCH}
        after: str | None = None
        while True:
            rows = self.reader.read(query, {**parameters, "after_id": after})
            if rows:
                yield _summaries([row["item"] for row in rows])
            if len(rows) < BATCH:
                return
            after = rows[-1]["item"]["id"]

    def service(self, uuid: str) -> Record | None:
        """The fully nested service with this HSDS id, or None."""
        sid = self.index.service(self.reader, uuid)
        found = self._services([sid], full=True) if sid else []
        return found[0] if found else None

    def centroid(self, postcode: str) -> tuple[float, float] | None:
        """A postcode's centroid (latitude, longitude), or None when it is not in the lookup."""
        rows = self.reader.read(queries.load("hsds_postcode"), {"postcode": postcode})
        if not rows or rows[0]["latitude"] is None or rows[0]["longitude"] is None:
            return None
        return (float(rows[0]["latitude"]), float(rows[0]["longitude"]))

    # services at locations

    def _service_at_locations(self, pairs: Sequence[tuple[str, str]]) -> list[Record]:
        services = self.reader.read(
            queries.load("hsds_services"),
            {"ids": sorted({s for s, _ in pairs}), "full": False},
        )
        organisations = self._organisations_by_id(
            sorted({r["provider"] for r in services if r.get("provider")})
        )
        by_id = {r["id"]: r for r in services}
        records = []
        for service, site in pairs:
            row = by_id.get(service)
            if row is None:
                continue
            sites = {x["id"]: x for x in row.get("sites") or []}
            if site not in sites:
                continue
            one = service_record(row, organisations, full=False)
            record = service_at_location_record(one["id"], sites[site])
            record["service"] = one
            records.append(record)
        return records

    def service_at_location_page(self, filters: Filters, page: int, per_page: int) -> Page:
        """Page ``page`` of the services at sites matching, in one round trip."""
        if filters.nothing:
            return Page(0, [])
        [row] = self.reader.read(
            queries.load("hsds_service_at_location_list"),
            {
                **filters.parameters(),
                **filters.point_parameters(),
                "on": _today(),
                "skip": (page - 1) * per_page,
                "limit": per_page,
            },
        )
        return Page(row["total"], _at_locations(row["items"]))

    def service_at_locations(self, filters: Filters) -> Iterator[Record]:
        """Every service at a site matching, in (service, site) order, one statement a batch."""
        if filters.nothing:
            return
        query = queries.load("hsds_service_at_location_batch")
        after: tuple[str | None, str | None] = (None, None)
        while True:
            rows = self.reader.read(
                query,
                {
                    **filters.parameters(),
                    **filters.point_parameters(),
                    "on": _today(),
                    "after_service": after[0],
                    "after_site": after[1],
                    "limit": BATCH,
                },
            )
            items = [r["item"] for r in rows]
            yield from _at_locations(items)
            if len(items) < BATCH:
                return
            after = (items[-1]["id"], items[-1]["site"]["id"])

    def service_at_location(self, uuid: str) -> Record | None:
        """The service at a location with this HSDS id, or None."""
        pair = self.index.service_at_location(self.reader, uuid)
        found = self._service_at_locations([pair]) if pair else []
        return found[0] if found else None

    # organisations

    def organisation_page(self, search: str | None, page: int, per_page: int) -> Page:
        """Page ``page`` of the directory's organisations whose name holds ``search``."""
        parameters = {"search": search, "on": _today()}
        [count] = self.reader.read(queries.load("hsds_organisation_count"), parameters)
        rows = self.reader.read(
            queries.load("hsds_organisation_page"),
            {**parameters, "after_id": None, "skip": (page - 1) * per_page, "limit": per_page},
        )
        found = self._organisations_by_id([r["id"] for r in rows])
        return Page(count["total"], [found[r["id"]] for r in rows if r["id"] in found])

    def organisations(self, search: str | None = None) -> Iterator[Record]:
        """Every organisation of the directory, in id order, BATCH at a time."""
        ids: list[str] = []
        parameters = {"search": search, "on": _today()}
        for row in _pages(self.reader, "hsds_organisation_page", parameters):
            ids.append(row["id"])
            if len(ids) == BATCH:
                found = self._organisations_by_id(ids)
                yield from (found[i] for i in ids if i in found)
                ids = []
        found = self._organisations_by_id(ids)
        yield from (found[i] for i in ids if i in found)

    def organisation(self, uuid: str) -> Record | None:
        """The directory organisation with this HSDS id, or None."""
        oid = self.index.organisation(self.reader, uuid)
        found = self._organisations_by_id([oid]) if oid else {}
        return found.get(oid) if oid else None


def taxonomies(search: str | None = None) -> list[Taxonomy]:
    """The taxonomies whose name holds ``search`` (case-insensitive)."""
    needle = (search or "").lower()
    return [t for t in TAXONOMIES if needle in t.name.lower()]


def taxonomy_terms(search: str | None = None, taxonomy: Taxonomy | None = None) -> list[Term]:
    """The terms whose name holds ``search``, of ``taxonomy`` or of all."""
    needle = (search or "").lower()
    chosen = (taxonomy,) if taxonomy else TAXONOMIES
    return [term for t in chosen for term in t.terms if needle in term.name.lower()]


__all__ = [
    "PROFILE",
    "TAXONOMIES",
    "VERSION",
    "Directory",
    "Filters",
    "IdIndex",
    "Page",
    "filters_for",
]
