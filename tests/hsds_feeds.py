"""HSDS 3.0 / ORUK 3.0 feeds as a council's directory gives them, for the import tests: fully
nested services with organisations, locations, schedules, service areas and attributes.

The codes are London's, from the shipped reference data: a trust (RKE), a GP practice
(F84003), LSOAs of Camden and Islington, a postcode's point and its LSOA.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

ONS_LSOA = "http://statistics.data.gov.uk/id/statistical-geography/"
TERM = "https://w3id.org/nhgraph/def/"
#: A Bromley postcode's point (BR1 1HN) and the 2021 LSOA it is in.
POINT = (51.40039, 0.015177)
POINT_LSOA = "E01034386"
CAMDEN = "E09000007"


def uid(name: str) -> str:
    """A stable UUID for a name of the tests' feeds."""
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.feeds.test"))


def term(scheme: str, notation: str, *, how: str = "uri") -> dict[str, Any]:
    """An attribute naming an nhgraph concept: by term_uri, or by taxonomy and name."""
    taxonomy_term: dict[str, Any] = {"id": uid(f"term-{scheme}-{notation}"), "description": "-"}
    if how == "uri":
        taxonomy_term |= {"name": notation, "term_uri": f"{TERM}{scheme}/{notation}"}
    else:
        taxonomy_term |= {"name": notation.replace("_", " "), "taxonomy": scheme}
    return {
        "id": uid(f"attribute-{scheme}-{notation}"),
        "link_type": "service",
        "taxonomy_term_id": taxonomy_term["id"],
        "taxonomy_term": taxonomy_term,
    }


def ods_organisation(code: str, name: str) -> dict[str, Any]:
    return {
        "id": uid(f"org-{code}"),
        "name": name,
        "description": f"{name}, from the council's directory",
        "organization_identifiers": [
            {
                "id": uid(f"org-{code}-ods"),
                "identifier_scheme": "GB-NHS",
                "identifier_type": "ODS organisation code",
                "identifier": code,
            }
        ],
    }


def local_organisation(name: str) -> dict[str, Any]:
    return {
        "id": uid(f"org-{name}"),
        "name": name,
        "description": "A community group",
        "attributes": [term("organisation-kind", "vcfse")],
    }


def service(
    name: str,
    *,
    organisation: dict[str, Any] | None = None,
    lsoas: tuple[str, ...] = ("E01000907",),
    **extra: Any,
) -> dict[str, Any]:
    """One nested service: weekday hours, an LSOA area, a function, a cohort and a channel."""
    sid = uid(f"service-{name}")
    record: dict[str, Any] = {
        "id": sid,
        "name": name,
        "description": f"{name}: a service of the council's directory",
        "status": "active",
        "url": "https://example.org/services/" + name.lower().replace(" ", "-"),
        "minimum_age": 18,
        "maximum_age": 99,
        "organization": organisation or local_organisation("Camden Carers Circle"),
        "schedules": [
            {
                "id": uid(f"{name}-schedule"),
                "service_id": sid,
                "freq": "WEEKLY",
                "byday": "MO,TU,WE,TH,FR",
                "opens_at": "09:00",
                "closes_at": "17:30",
            }
        ],
        "service_areas": [
            {"id": uid(f"{name}-area-{code}"), "service_id": sid, "uri": ONS_LSOA + code}
            for code in lsoas
        ],
        "service_at_locations": [
            {
                "id": uid(f"{name}-sal"),
                "service_id": sid,
                "location": {
                    "id": uid(f"{name}-location"),
                    "location_type": "physical",
                    "name": f"{name} centre",
                    "latitude": 51.5380,
                    "longitude": -0.1400,
                    "addresses": [
                        {
                            "id": uid(f"{name}-address"),
                            "address_1": "1 High Street",
                            "city": "London",
                            "state_province": "Greater London",
                            "postal_code": "NW1 7EH",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "attributes": [
            term("function", "community_support"),
            term("cohort", "older_people", how="name"),
            term("channel", "phone"),
        ],
    }
    record.update(extra)
    return record


def feed() -> list[dict[str, Any]]:
    """Three services: a VCFSE group's, a trust's (ODS) and a 24/7 line for a whole borough."""
    return [
        service("Carers cafe"),
        service(
            "Falls clinic",
            organisation=ods_organisation("RKE", "Whittington Health"),
            lsoas=("E01000907", "E01000908"),
            attributes=[term("function", "frailty"), term("cohort", "frailty")],
        ),
        service(
            "Night line",
            organisation=local_organisation("Camden Carers Circle"),
            service_areas=[{"id": uid("night-area"), "uri": ONS_LSOA + CAMDEN}],
            schedules=[
                {
                    "id": uid("night-schedule"),
                    "freq": "WEEKLY",
                    "byday": "MO,TU,WE,TH,FR,SA,SU",
                    "opens_at": "00:00",
                    "closes_at": "23:59",
                }
            ],
            minimum_age=None,
            maximum_age=None,
        ),
        _at_point(service("Bromley walk", service_areas=[])),
    ]


def _at_point(record: dict[str, Any]) -> dict[str, Any]:
    """The service with its location at POINT (and no service area: the point decides)."""
    location = record["service_at_locations"][0]["location"]
    location["latitude"], location["longitude"] = POINT
    location["addresses"][0]["postal_code"] = "BR1 1HN"
    return record


def other_feed() -> list[dict[str, Any]]:
    """Another directory's feed: one service whose area is a GeoJSON point."""
    return [
        service(
            "Islington lunch club",
            organisation=local_organisation("Islington Lunch Club"),
            service_areas=[
                {
                    "id": uid("lunch-area"),
                    "extent": json.dumps({"type": "Point", "coordinates": [POINT[1], POINT[0]]}),
                    "extent_type": "geojson",
                }
            ],
        )
    ]


def write_feed(folder: Path, services: list[dict[str, Any]], name: str = "services.json") -> Path:
    """The services as one JSON array in a folder (what a council's export gives)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    (folder / name).write_text(json.dumps(services, indent=1), encoding="utf-8")
    return folder


def write_ndjson(path: Path, services: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(s) + "\n" for s in services), encoding="utf-8")
    return path
