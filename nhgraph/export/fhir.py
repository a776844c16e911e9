r"""The stored graph as FHIR R4 resources following UK Core STU2: what a health system's
directory and care records read (the NHS's Directory of Services and ODS speak FHIR).

One function per resource type turns the rows of a named query (``nhgraph/queries/fhir/``) into
plain JSON dicts; the FHIR API (:mod:`nhgraph.api.fhir`) and ``nhgraph export fhir`` share them,
and both read the graph a keyset page at a time, never every match at once.

The mapping (``../shared/standards/mapping.md`` section 4, checked with the HL7 validator):

- ``Organization`` (UKCore-Organization) for organisations (ODS codes in the
  ``odsOrganisationCode`` slice, other schemes under ``https://w3id.org/nhgraph/id/organisation/
  <scheme>``), teams and INTs (type ``team``);
- ``Location`` for sites and, as areas (``physicalType`` ``area``), for places, neighbourhoods
  and LSOAs (ONS identifier, ``partOf`` an LSOA's one neighbourhood, else its place; the LSOA's
  boundary in the core ``location-boundary-geojson`` extension);
- ``HealthcareService`` (UKCore-HealthcareService) for services;
- ``OrganizationAffiliation`` (UKCore-OrganizationAffiliation) for a team's membership of an
  INT, a practice's PCN membership, a specialist alignment and an integrator appointment;
- ``PractitionerRole`` (UKCore-PractitionerRole) for a post whose holder is public;
- ``Contract`` for data-sharing agreements: FHIR's ``Consent`` records a person's choices about
  their own data (its ``patient``, ``policy`` and ``provision`` say so), while a data-sharing
  agreement is an agreement between organisations about what they share, which is what a
  ``Contract`` is ("a formally recorded ... agreement"). Only governance and admins see them.

Resource ids are stable and FHIR-shaped (``[A-Za-z0-9\\-.]{1,64}``): an ODS organisation is its
code (``F84003``), another scheme ``scheme-code`` (``ons-E09000007``), a team ``team-<id>``, an
INT ``int-<id>``, an LSOA or place its ONS code, a neighbourhood ``neighbourhood-<id>``, a site
``site-<id>``, an affiliation ``membership-``, ``pcn-membership-``, ``alignment-`` or
``integrator-<id>``; a service, post or agreement its own id. Codes come from nhgraph's concept
schemes, as code systems named by their IRIs (``https://w3id.org/nhgraph/def/<scheme>``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from nhgraph import queries
from nhgraph.errors import NhgraphError
from nhgraph.ontology.namespaces import CONCEPT, ID
from nhgraph.store.db import Reader, Record

Resource = dict[str, Any]

UK_CORE: Final = "https://fhir.hl7.org.uk/StructureDefinition/"
ODS_ORGANISATION: Final = "https://fhir.nhs.uk/Id/ods-organization-code"
ODS_SITE: Final = "https://fhir.nhs.uk/Id/ods-site-code"
ONS_GEOGRAPHY: Final = "http://statistics.data.gov.uk/id/statistical-geography"
ORGANIZATION_TYPE: Final = "http://terminology.hl7.org/CodeSystem/organization-type"
ORGANIZATION_ROLE: Final = "http://hl7.org/fhir/organization-role"
LOCATION_TYPE: Final = "http://terminology.hl7.org/CodeSystem/location-physical-type"
BOUNDARY: Final = "http://hl7.org/fhir/StructureDefinition/location-boundary-geojson"
ORGANIZATION_PERIOD: Final = "http://hl7.org/fhir/StructureDefinition/organization-period"
#: nhgraph's extension for what FHIR has no element for: a specialist's sessions a week.
SESSIONS_PER_WEEK: Final = "https://w3id.org/nhgraph/fhir/StructureDefinition/sessions-per-week"

#: The base of the fullUrls of an export's Bundle, so that its relative references resolve.
FHIR_BASE: Final = "https://w3id.org/nhgraph/fhir"
#: FHIR's id rule.
FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
#: The largest page a keyset read asks for.
PAGE_MAX: Final = 1000

#: The resource types nhgraph serves, in the order the export writes them.
RESOURCE_TYPES: Final = (
    "Organization",
    "Location",
    "HealthcareService",
    "OrganizationAffiliation",
    "PractitionerRole",
    "Contract",
)
#: The UK Core profile each type claims (Contract has none: it is checked against R4 alone).
PROFILES: Final = {
    name: f"{UK_CORE}UKCore-{name}"
    for name in (
        "Organization",
        "Location",
        "HealthcareService",
        "OrganizationAffiliation",
        "PractitionerRole",
    )
}
#: The types only governance and admins may read (as GraphQL's agreements).
RESTRICTED_TYPES: Final = frozenset({"Contract"})

#: HL7 organization-type codes for nhgraph's organisation kinds (extensible binding).
HL7_ORGANIZATION_TYPE: Final[dict[str, tuple[str, str]]] = {
    "icb": ("govt", "Government"),
    "local_authority": ("govt", "Government"),
    "vcfse": ("cg", "Community Group"),
    "housing": ("other", "Other"),
    "employment_service": ("other", "Other"),
}
PROVIDER: Final = ("prov", "Healthcare Provider")
TEAM: Final = ("team", "Organizational team")


def code_system(scheme: str) -> str:
    """The code system of one of nhgraph's concept schemes: the scheme's IRI."""
    return f"{CONCEPT}{scheme}"


def identifier_system(segment: str) -> str:
    """The identifier system of nhgraph's own ids of a kind of node."""
    return f"{ID}{segment}"


class NotFhir(ValueError):
    """A FHIR id, identifier or reference that names nothing nhgraph holds (a 404 or 400)."""


# -- ids ------------------------------------------------------------------------------------


def organization_id(organisation: str) -> str:
    """The FHIR id of an organisation: its ODS code, else ``scheme-code``."""
    scheme, _, code = organisation.partition(":")
    return code if scheme == "ods" else f"{scheme}-{code}"


def location_id(label: str, node: str) -> str:
    """The FHIR id of a site, LSOA, neighbourhood or place."""
    return {"Site": f"site-{node}", "Neighbourhood": f"neighbourhood-{node}"}.get(label, node)


_ORGANIZATION_PREFIXES: Final = (("team-", "Team"), ("int-", "Int"))
_SCHEMES: Final = ("charity", "cqc", "ons", "companies", "local")
_LOCATION_PREFIXES: Final = (("site-", "Site"), ("neighbourhood-", "Neighbourhood"))
_AFFILIATION_PREFIXES: Final = (
    ("pcn-membership-", "PcnMembership"),
    ("membership-", "Membership"),
    ("alignment-", "SpecialistAlignment"),
    ("integrator-", "IntegratorAppointment"),
)


def organization_node(fid: str) -> tuple[str, str]:
    """The label and node id a FHIR Organization id names (NotFhir when it names none)."""
    for prefix, label in _ORGANIZATION_PREFIXES:
        if fid.startswith(prefix):
            return label, fid.removeprefix(prefix)
    scheme, dash, code = fid.partition("-")
    if dash and scheme in _SCHEMES:
        return "Organisation", f"{scheme}:{code}"
    if re.fullmatch(r"[A-Z0-9]{3,6}", fid):
        return "Organisation", f"ods:{fid}"
    raise NotFhir(f"'{fid}' is not the id of an Organization nhgraph serves")


def location_node(fid: str) -> tuple[str, str]:
    """The label and node id a FHIR Location id names."""
    for prefix, label in _LOCATION_PREFIXES:
        if fid.startswith(prefix):
            return label, fid.removeprefix(prefix)
    if re.fullmatch(r"E01[0-9]{6}", fid):
        return "Lsoa", fid
    if re.fullmatch(r"E09[0-9]{6}", fid):
        return "Place", fid
    raise NotFhir(f"'{fid}' is not the id of a Location nhgraph serves")


def affiliation_node(fid: str) -> tuple[str, str]:
    """The label and node id a FHIR OrganizationAffiliation id names."""
    for prefix, label in _AFFILIATION_PREFIXES:
        if fid.startswith(prefix):
            return label, fid.removeprefix(prefix)
    raise NotFhir(f"'{fid}' is not the id of an OrganizationAffiliation nhgraph serves")


def _reference(resource_type: str, fid: str, display: str | None = None) -> dict[str, str]:
    reference = {"reference": f"{resource_type}/{fid}"}
    if display:
        reference["display"] = display
    return reference


def _coding(scheme: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": code_system(scheme), "code": code}
    if display:
        coding["display"] = display
    return coding


def _label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _period(start: Any, end: Any) -> dict[str, str] | None:
    period = {
        key: value.isoformat()
        for key, value in (("start", start), ("end", end))
        if isinstance(value, date)
    }
    return period or None


def _meta(profile: str | None) -> dict[str, Any]:
    return {"meta": {"profile": [f"{UK_CORE}{profile}"]}} if profile else {}


# -- resources ------------------------------------------------------------------------------


def _organisation(row: Record, today: date) -> Resource:
    node = row["node"]
    scheme, _, code = node["id"].partition(":")
    if scheme == "ods":
        identifier = {"system": ODS_ORGANISATION, "value": code}
    else:
        identifier = {"system": identifier_system(f"organisation/{scheme}"), "value": code}
    kind = node["kind"]
    hl7_code, hl7_display = HL7_ORGANIZATION_TYPE.get(kind, PROVIDER)
    opened, closed = node.get("open_date"), node.get("close_date")
    resource: Resource = {
        "resourceType": "Organization",
        "id": organization_id(node["id"]),
        **_meta("UKCore-Organization"),
        "identifier": [identifier],
        "active": (opened is None or opened <= today) and (closed is None or closed >= today),
        "type": [
            {
                "coding": [
                    {"system": ORGANIZATION_TYPE, "code": hl7_code, "display": hl7_display},
                ]
            },
            {"coding": [_coding("organisation-kind", kind)], "text": _label(kind)},
        ],
        "name": node["name"],
    }
    period = _period(opened, closed)
    if period:
        resource["extension"] = [{"url": ORGANIZATION_PERIOD, "valuePeriod": period}]
    if node.get("postcode"):
        resource["address"] = [{"postalCode": node["postcode"], "country": "GB"}]
    if row.get("pcn"):
        resource["partOf"] = _reference("Organization", organization_id(row["pcn"]))
    return resource


def _team(row: Record) -> Resource:
    node = row["node"]
    resource: Resource = {
        "resourceType": "Organization",
        "id": f"team-{node['id']}",
        **_meta("UKCore-Organization"),
        "identifier": [{"system": identifier_system("team"), "value": node["id"]}],
        "active": True,
        "type": [{"coding": [{"system": ORGANIZATION_TYPE, "code": TEAM[0], "display": TEAM[1]}]}],
        "name": node["name"],
    }
    if row.get("provider"):
        resource["partOf"] = _reference("Organization", organization_id(row["provider"]))
    return resource


def _int(row: Record) -> Resource:
    node = row["node"]
    return {
        "resourceType": "Organization",
        "id": f"int-{node['id']}",
        **_meta("UKCore-Organization"),
        "identifier": [{"system": identifier_system("int"), "value": node["id"]}],
        "active": True,
        "type": [
            {
                "coding": [{"system": ORGANIZATION_TYPE, "code": TEAM[0], "display": TEAM[1]}],
                "text": "Integrated neighbourhood team",
            }
        ],
        "name": node["name"],
    }


def organization(row: Record, today: date) -> Resource:
    """An Organization from a row of ``fhir_organizations``."""
    if row["label"] == "Team":
        return _team(row)
    if row["label"] == "Int":
        return _int(row)
    return _organisation(row, today)


def _area(fid: str, node: Mapping[str, Any], kind: str, segment: str) -> Resource:
    if segment in ("lsoa", "place"):
        identifier = {"system": ONS_GEOGRAPHY, "value": node["id"]}
    else:
        identifier = {"system": identifier_system(segment), "value": node["id"]}
    return {
        "resourceType": "Location",
        "id": fid,
        **_meta("UKCore-Location"),
        "identifier": [identifier],
        "status": "active",
        "name": node["name"],
        "description": kind,
        "mode": "kind",
        "physicalType": {"coding": [{"system": LOCATION_TYPE, "code": "area", "display": "Area"}]},
    }


def location(row: Record) -> Resource:
    """A Location from a row of ``fhir_locations``: a site, or an area."""
    label, node = row["label"], row["node"]
    fid = location_id(label, node["id"])
    if label == "Site":
        resource: Resource = {
            "resourceType": "Location",
            "id": fid,
            **_meta("UKCore-Location"),
            "identifier": [{"system": identifier_system("site"), "value": node["id"]}],
            "status": "active",
            "name": node["name"],
            "mode": "instance",
            "physicalType": {
                "coding": [{"system": LOCATION_TYPE, "code": "bu", "display": "Building"}]
            },
            "address": {"postalCode": node["postcode"], "country": "GB"},
        }
        if row.get("latitude") is not None and row.get("longitude") is not None:
            resource["position"] = {"latitude": row["latitude"], "longitude": row["longitude"]}
        if row.get("organisation"):
            resource["managingOrganization"] = _reference(
                "Organization", organization_id(row["organisation"])
            )
        return resource
    if label == "Place":
        return _area(fid, node, "Place (London borough)", "place")
    if label == "Neighbourhood":
        resource = _area(fid, node, "Neighbourhood", "neighbourhood")
        if row.get("place"):
            resource["partOf"] = _reference("Location", row["place"])
        return resource
    resource = _area(fid, node, "Lower layer super output area (2021)", "lsoa")
    boxes = [
        node.get(k) for k in ("min_latitude", "max_latitude", "min_longitude", "max_longitude")
    ]
    if all(isinstance(v, int | float) for v in boxes):
        resource["position"] = {
            "latitude": round((boxes[0] + boxes[1]) / 2, 6),
            "longitude": round((boxes[2] + boxes[3]) / 2, 6),
        }
    if node.get("boundary"):
        data = base64.b64encode(node["boundary"].encode()).decode()
        resource["extension"] = [
            {
                "url": BOUNDARY,
                "valueAttachment": {"contentType": "application/geo+json", "data": data},
            }
        ]
    hoods = row.get("neighbourhoods") or []
    if len(hoods) == 1:
        resource["partOf"] = _reference("Location", location_id("Neighbourhood", hoods[0]))
    elif row.get("place"):
        resource["partOf"] = _reference("Location", row["place"])
    return resource


_DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS: Final = re.compile(r"(\w{3})(?:-(\w{3}))? (\d\d:\d\d)-(\d\d:\d\d)")


def available_time(hours: Sequence[str], open_24_7: bool) -> list[dict[str, Any]]:
    """FHIR availableTime from nhgraph's opening hours ("Mon-Fri 08:00-18:30"); 24/7 is every
    day, all day. 24:00 (the end of the day) is 23:59:59, since FHIR times stop there."""
    if open_24_7:
        return [{"daysOfWeek": list(_DAYS), "allDay": True}]
    times = []
    for entry in hours:
        match = _HOURS.fullmatch(entry)
        if not match:
            continue
        first, last, opens, closes = match.groups()
        start = _DAYS.index(first.lower())
        end = _DAYS.index((last or first).lower())
        times.append(
            {
                "daysOfWeek": list(_DAYS[start : end + 1]),
                "availableStartTime": f"{opens}:00",
                "availableEndTime": "23:59:59" if closes == "24:00" else f"{closes}:00",
            }
        )
    return times


def _ages(minimum: int | None, maximum: int | None) -> str | None:
    if minimum is not None and maximum is not None:
        return f"Aged {minimum} to {maximum}"
    if minimum is not None:
        return f"Aged {minimum} and over"
    if maximum is not None:
        return f"Aged up to {maximum}"
    return None


def healthcare_service(row: Record) -> Resource:
    """A HealthcareService from a row of ``fhir_services``."""
    node = row["node"]
    resource: Resource = {
        "resourceType": "HealthcareService",
        "id": node["id"],
        **_meta("UKCore-HealthcareService"),
        "identifier": [{"system": identifier_system("service"), "value": node["id"]}],
        "active": node.get("status") != "ended",
        "name": node["name"],
    }
    if row.get("provider"):
        resource["providedBy"] = _reference("Organization", organization_id(row["provider"]))
    function = row.get("function")
    if function:
        resource["type"] = [
            {"coding": [_coding("function", function["id"], function.get("label"))]}
        ]
    if row.get("sites"):
        resource["location"] = [_reference("Location", f"site-{s}") for s in row["sites"]]
    areas = [
        *(_reference("Location", code) for code in row.get("lsoas") or []),
        *(_reference("Location", f"neighbourhood-{h}") for h in row.get("neighbourhoods") or []),
        *(_reference("Location", code) for code in row.get("places") or []),
    ]
    if areas:
        resource["coverageArea"] = areas
    telecom = []
    if node.get("phone"):
        telecom.append({"system": "phone", "value": node["phone"], "use": "work"})
    if node.get("url"):
        telecom.append({"system": "url", "value": node["url"], "use": "work"})
    if telecom:
        resource["telecom"] = telecom
    eligibility: list[dict[str, Any]] = [
        {"code": {"coding": [_coding("cohort", c["id"], c.get("label"))]}}
        for c in row.get("cohorts") or []
    ]
    ages = _ages(node.get("min_age"), node.get("max_age"))
    if ages:
        eligibility.append({"comment": ages})
    if eligibility:
        resource["eligibility"] = eligibility
    characteristic = [
        {"coding": [_coding("channel", channel)], "text": _label(channel)}
        for channel in node.get("channels") or []
    ]
    if node.get("self_referral"):
        characteristic.append({"text": "Self-referral accepted"})
    if characteristic:
        resource["characteristic"] = characteristic
    times = available_time(node.get("hours") or [], bool(node.get("open_24_7")))
    if times:
        resource["availableTime"] = times
    if node.get("status") == "paused":
        resource["notAvailable"] = [{"description": "Paused: not taking referrals"}]
    return resource


def organization_affiliation(row: Record) -> Resource:
    """An OrganizationAffiliation from a row of ``fhir_affiliations``."""
    label, node = row["label"], row["node"]
    resource: Resource = {
        "resourceType": "OrganizationAffiliation",
        **_meta("UKCore-OrganizationAffiliation"),
    }
    period = _period(node.get("start"), node.get("end"))
    today = date.today()
    end = node.get("end")
    resource["active"] = end is None or end >= today
    if period:
        resource["period"] = period
    member = {"system": ORGANIZATION_ROLE, "code": "member", "display": "Member"}
    if label == "Membership":
        resource["id"] = f"membership-{node['id']}"
        resource["organization"] = _reference("Organization", f"int-{row['primary']}")
        resource["participatingOrganization"] = _reference(
            "Organization", f"team-{row['participating']}"
        )
        resource["code"] = [
            {"coding": [member]},
            {"coding": [_coding("tier", node["tier"])], "text": _label(node["tier"])},
        ]
    elif label == "PcnMembership":
        resource["id"] = f"pcn-membership-{node['id']}"
        resource["organization"] = _reference("Organization", organization_id(row["primary"]))
        resource["participatingOrganization"] = _reference(
            "Organization", organization_id(row["participating"])
        )
        resource["code"] = [{"coding": [member], "text": "Member of the primary care network"}]
    elif label == "SpecialistAlignment":
        resource["id"] = f"alignment-{node['id']}"
        resource["organization"] = _reference("Organization", f"int-{row['primary']}")
        participating = (
            f"team-{row['team']}" if row.get("team") else organization_id(row["participating"])
        )
        resource["participatingOrganization"] = _reference("Organization", participating)
        resource["code"] = [{"coding": [_coding("tier", "aligned")], "text": "Aligned specialist"}]
        if row.get("specialty"):
            resource["specialty"] = [
                {"coding": [_coding("role", row["specialty"]["id"], row["specialty"]["label"])]}
            ]
        resource["extension"] = [
            {"url": SESSIONS_PER_WEEK, "valueDecimal": node["sessions_per_week"]}
        ]
    else:
        resource["id"] = f"integrator-{node['id']}"
        resource["participatingOrganization"] = _reference(
            "Organization", organization_id(row["participating"])
        )
        # nhgraph has no concept scheme of organisation roles: the role is said in words.
        resource["code"] = [{"text": "Integrator of the place"}]
        if row.get("place"):
            resource["location"] = [_reference("Location", row["place"])]
        if row.get("functions"):
            resource["specialty"] = [
                {"coding": [_coding("function", f["id"], f.get("label"))]} for f in row["functions"]
            ]
    ordered = {"resourceType": resource.pop("resourceType"), "id": resource.pop("id")}
    return {**ordered, **resource}


def practitioner_role(row: Record) -> Resource:
    """A PractitionerRole from a row of ``fhir_roles`` (a post whose holder is public)."""
    node = row["node"]
    resource: Resource = {
        "resourceType": "PractitionerRole",
        "id": node["id"],
        **_meta("UKCore-PractitionerRole"),
        "identifier": [{"system": identifier_system("post"), "value": node["id"]}],
        "active": True,
        "organization": _reference("Organization", organization_id(row["organisation"])),
    }
    if node.get("holder_name"):
        resource["practitioner"] = {"display": node["holder_name"]}
    if row.get("role"):
        resource["code"] = [{"coding": [_coding("role", row["role"]["id"], row["role"]["label"])]}]
    if row.get("specialty"):
        resource["specialty"] = [
            {"coding": [_coding("role", row["specialty"]["id"], row["specialty"]["label"])]}
        ]
    return resource


#: nhgraph's agreement statuses as FHIR contract statuses (a required binding).
CONTRACT_STATUS: Final = {
    "draft": "negotiable",
    "active": "executed",
    "suspended": "disputed",
    "ended": "terminated",
}


def contract(row: Record) -> Resource:
    """A Contract from a row of ``fhir_contracts`` (a data-sharing agreement)."""
    node = row["node"]
    parties = [
        {
            "reference": [_reference("Organization", organization_id(party))],
            "role": {"coding": [_coding("party-role", role)], "text": _label(role)},
        }
        for role, key in (
            ("controller", "controllers"),
            ("joint_controller", "joint_controllers"),
            ("processor", "processors"),
        )
        for party in row.get(key) or []
    ]
    term: dict[str, Any] = {"offer": {"party": parties}}
    if node.get("lawful_basis"):
        term["type"] = {"coding": [_coding("lawful-basis", node["lawful_basis"])]}
    if node.get("article9_condition"):
        term["subType"] = {"coding": [_coding("article9-condition", node["article9_condition"])]}
    if node.get("data_categories"):
        term["asset"] = [
            {"type": [{"coding": [_coding("data-category", c)]} for c in node["data_categories"]]}
        ]
    resource: Resource = {
        "resourceType": "Contract",
        "id": node["id"],
        "identifier": [{"system": identifier_system("agreement"), "value": node["id"]}],
        "status": CONTRACT_STATUS.get(node["status"], "negotiable"),
        "name": node["id"],
        "title": node["name"],
        "type": {"text": "Data-sharing agreement"},
        "subType": [{"coding": [_coding("purpose", p)]} for p in node.get("purposes") or []],
        "term": [term],
    }
    period = _period(node.get("valid_from"), node.get("valid_to"))
    if period:
        resource["applies"] = period
    if row.get("framework"):
        resource["instantiatesUri"] = f"{ID}agreement/{row['framework']}"
    return resource


# -- reading the graph a page at a time -----------------------------------------------------


@dataclass(frozen=True)
class Family:
    """How one resource type is read: its export page and its searchset page."""

    resource_type: str
    #: The keyset page of ids the export reads.
    page: str
    #: The searchset page in one statement (the total and the page's ids).
    search: str


def _family(resource_type: str, stem: str) -> Family:
    return Family(resource_type, f"fhir_{stem}_page", f"fhir_{stem}_search")


FAMILIES: Final = {
    "Organization": _family("Organization", "organization"),
    "Location": _family("Location", "location"),
    "HealthcareService": _family("HealthcareService", "service"),
    "OrganizationAffiliation": _family("OrganizationAffiliation", "affiliation"),
    "PractitionerRole": _family("PractitionerRole", "role"),
    "Contract": _family("Contract", "contract"),
}

#: Every filter of each page query, null unless a search gives it.
NO_FILTERS: Final[dict[str, dict[str, Any]]] = {
    "Organization": {
        "label": None,
        "node": None,
        "name": None,
        "contains": None,
        "kinds": None,
        "teams": True,
        "ints": True,
        "active": None,
        "partof": None,
    },
    "Location": {
        "label": None,
        "node": None,
        "name": None,
        "contains": None,
        "partof": None,
        "south": None,
        "north": None,
        "west": None,
        "east": None,
    },
    "HealthcareService": {
        "ids": None,
        "node": None,
        "provider": None,
        "function": None,
        "area": None,
        "active": None,
        "name": None,
        "contains": None,
    },
    "OrganizationAffiliation": {
        "label": None,
        "node": None,
        "primary_label": None,
        "primary": None,
        "participating_label": None,
        "participating": None,
    },
    "PractitionerRole": {"node": None, "organisation": None},
    "Contract": {"node": None, "status": None, "party": None},
}


def _filters(resource_type: str, filters: Mapping[str, Any], today: date) -> dict[str, Any]:
    values = dict(NO_FILTERS[resource_type])
    values.update(filters)
    if resource_type == "Organization":
        values["today"] = today
    return values


def page_ids(
    reader: Reader,
    resource_type: str,
    filters: Mapping[str, Any],
    *,
    after: str | None,
    limit: int,
    today: date,
    before: str | None = None,
    skip: int = 0,
) -> list[str]:
    """One keyset page of the FHIR ids of a search: at most ``limit``, after ``after`` (or,
    for a previous page, before ``before``, skipping ``skip`` of those)."""
    family = FAMILIES[resource_type]
    parameters = _filters(resource_type, filters, today)
    parameters.update(after=after, before=before, skip=skip, limit=max(1, min(limit, PAGE_MAX)))
    return [row["fid"] for row in reader.read(queries.load(family.page), parameters)]


def _split(fids: Sequence[str], parse: Any) -> dict[str, list[str]]:
    by_label: dict[str, list[str]] = {}
    for fid in fids:
        label, node = parse(fid)
        by_label.setdefault(label, []).append(node)
    return by_label


def resources(
    reader: Reader, resource_type: str, fids: Sequence[str], today: date
) -> list[Resource]:
    """The resources of these FHIR ids, in their order; ids naming nothing are left out."""
    if not fids:
        return []
    built: list[Resource]
    if resource_type == "Organization":
        split = _split(fids, organization_node)
        rows = reader.read(
            queries.load("fhir_organizations"),
            {
                "organisations": split.get("Organisation", []),
                "teams": split.get("Team", []),
                "ints": split.get("Int", []),
                "today": today,
            },
        )
        built = [organization(row, today) for row in rows]
    elif resource_type == "Location":
        split = _split(fids, location_node)
        rows = reader.read(
            queries.load("fhir_locations"),
            {
                "lsoas": split.get("Lsoa", []),
                "neighbourhoods": split.get("Neighbourhood", []),
                "places": split.get("Place", []),
                "sites": split.get("Site", []),
            },
        )
        built = [location(row) for row in rows]
    elif resource_type == "HealthcareService":
        rows = reader.read(queries.load("fhir_services"), {"ids": list(fids)})
        built = [healthcare_service(row) for row in rows]
    elif resource_type == "OrganizationAffiliation":
        split = _split(fids, affiliation_node)
        rows = reader.read(
            queries.load("fhir_affiliations"),
            {
                "memberships": split.get("Membership", []),
                "pcn_memberships": split.get("PcnMembership", []),
                "alignments": split.get("SpecialistAlignment", []),
                "integrators": split.get("IntegratorAppointment", []),
            },
        )
        built = [organization_affiliation(row) for row in rows]
    elif resource_type == "PractitionerRole":
        rows = reader.read(queries.load("fhir_roles"), {"ids": list(fids)})
        built = [practitioner_role(row) for row in rows]
    elif resource_type == "Contract":
        rows = reader.read(queries.load("fhir_contracts"), {"ids": list(fids)})
        built = [contract(row) for row in rows]
    else:
        raise NotFhir(f"nhgraph serves no {resource_type} resources")
    by_id = {resource["id"]: resource for resource in built}
    return [by_id[fid] for fid in fids if fid in by_id]


@dataclass(frozen=True)
class SearchPage:
    """One page of a search: the count of every match, the page's resources in id order, and
    whether a page comes before and after it."""

    total: int
    resources: list[Resource]
    has_previous: bool
    has_next: bool


#: The types whose searchset page is one statement (count, page and content together).
_ONE_STATEMENT: Final = {"HealthcareService": ("fhir_service_search", healthcare_service)}


def search_page(
    reader: Reader,
    resource_type: str,
    filters: Mapping[str, Any],
    *,
    size: int,
    after: str | None,
    before: str | None,
    today: date,
) -> SearchPage:
    """The page of ``size`` matches after the cursor ``after`` (or just before ``before``),
    with the total. The count and the page are one statement (``fhir_*_search``: a COUNT
    subquery and a keyset page cut at its LIMIT); a HealthcareService page carries its content
    too (the searched type most asked for: one round trip), the others' content is read by
    :func:`resources` (two)."""
    limit = max(1, min(size, PAGE_MAX)) + 1  # one more than the page: is there a next?
    parameters = _filters(resource_type, filters, today)
    parameters.update(after=after, before=before, limit=limit)
    one = _ONE_STATEMENT.get(resource_type)
    if one is not None:
        name, build = one
        [row] = reader.read(queries.load(name), parameters)
        rows = list(row["rows"])
        more = len(rows) > size
        if before is not None:  # read backwards from the cursor: the nearest come first
            rows = rows[:size]
        rows = sorted(rows, key=lambda r: str(r["id"]))[:size]
        found = [build(r) for r in rows]
    else:
        [row] = reader.read(queries.load(FAMILIES[resource_type].search), parameters)
        fids = list(row["page"])
        more = len(fids) > size
        fids = sorted(fids[:size]) if before is not None else fids[:size]
        found = resources(reader, resource_type, fids, today)
    if before is not None:
        return SearchPage(int(row["total"]), found, more, True)
    return SearchPage(int(row["total"]), found, after is not None, more)


def read(reader: Reader, resource_type: str, fid: str, today: date | None = None) -> Resource:
    """The resource of one FHIR id; NotFhir when nhgraph holds none."""
    try:
        found = resources(reader, resource_type, [fid], today or date.today())
    except NotFhir:
        found = []
    if not found:
        raise NotFhir(f"{resource_type}/{fid} is not known")
    return found[0]


def every(
    reader: Reader,
    resource_type: str,
    *,
    filters: Mapping[str, Any] | None = None,
    page_size: int = 500,
    today: date | None = None,
) -> Iterator[Resource]:
    """Every resource of a type matching the filters, a keyset page at a time."""
    day = today or date.today()
    after: str | None = None
    while True:
        fids = page_ids(
            reader, resource_type, filters or {}, after=after, limit=page_size, today=day
        )
        if not fids:
            return
        yield from resources(reader, resource_type, fids, day)
        if len(fids) < page_size:
            return
        after = fids[-1]


# -- a place and what it references ---------------------------------------------------------


class PlaceNotFound(NhgraphError):
    """``--place`` names no place the graph holds."""

    code = "place_not_found"
    exit_code = 2


#: How each column of ``fhir_place`` becomes FHIR ids: (resource type, node id -> FHIR id).
_PLACE_COLUMNS: Final[dict[str, tuple[str, Any]]] = {
    "place": ("Location", lambda n: location_id("Place", n)),
    "lsoas": ("Location", lambda n: location_id("Lsoa", n)),
    "neighbourhoods": ("Location", lambda n: location_id("Neighbourhood", n)),
    "sites": ("Location", lambda n: location_id("Site", n)),
    "ints": ("Organization", lambda n: f"int-{n}"),
    "teams": ("Organization", lambda n: f"team-{n}"),
    "organisations": ("Organization", organization_id),
    "memberships": ("OrganizationAffiliation", lambda n: f"membership-{n}"),
    "alignments": ("OrganizationAffiliation", lambda n: f"alignment-{n}"),
    "integrators": ("OrganizationAffiliation", lambda n: f"integrator-{n}"),
    "pcn_memberships": ("OrganizationAffiliation", lambda n: f"pcn-membership-{n}"),
    "services": ("HealthcareService", str),
    "posts": ("PractitionerRole", str),
    "agreements": ("Contract", str),
}


def references(value: Any) -> Iterator[str]:
    """Every ``reference`` (``Type/id``) a resource holds, however deep."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def place_resources(
    reader: Reader,
    place: str,
    *,
    agreements: bool = False,
    today: date | None = None,
    batch: int = PAGE_MAX,
) -> dict[str, list[Resource]]:
    """The resources of a place (``fhir_place`` says which) and, transitively, every resource
    they reference, by type in id order: a set in which every reference resolves, so that a
    collection Bundle of it validates on its own. PlaceNotFound when the graph holds no place
    of this id; NotFhir if a reference names a resource the graph does not hold."""
    day = today or date.today()
    rows = reader.read(queries.load("fhir_place"), {"place": place, "agreements": agreements})
    if not rows:
        raise PlaceNotFound(f"no place has the id '{place}' (a place is a borough's ONS code)")
    [row] = rows
    wanted: dict[str, set[str]] = {}
    for column, (resource_type, fid_of) in _PLACE_COLUMNS.items():
        value = row[column]
        for node in [value] if isinstance(value, str) else value:
            wanted.setdefault(resource_type, set()).add(fid_of(node))
    held: dict[str, dict[str, Resource]] = {t: {} for t in RESOURCE_TYPES}
    while wanted:
        found: list[Resource] = []
        for resource_type, fids in wanted.items():
            ordered = sorted(fids)
            for start in range(0, len(ordered), batch):
                chunk = ordered[start : start + batch]
                got = resources(reader, resource_type, chunk, day)
                if len(got) < len(chunk):
                    missing = sorted(set(chunk) - {r["id"] for r in got})
                    raise NotFhir(f"{resource_type}/{missing[0]} is referenced but not held")
                found += got
        for resource in found:
            held[resource["resourceType"]][resource["id"]] = resource
        wanted = {}
        for resource in found:
            for reference in references(resource):
                resource_type, _, fid = reference.partition("/")
                if fid not in held.get(resource_type, {}):
                    wanted.setdefault(resource_type, set()).add(fid)
    return {t: [held[t][fid] for fid in sorted(held[t])] for t in RESOURCE_TYPES if held[t]}
