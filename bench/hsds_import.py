"""Importing an HSDS / ORUK feed: 10,000 services in the layout a council's directory gives
(fully nested, ndjson), loaded into London's reference data, all or nothing.

The feed is generated, deterministically (a seeded random, the graph's own codes): services
spread over London's LSOAs and boroughs (a fifth are for a borough, a tenth found by their
location's point, the rest for one to three LSOAs), provided by London's ODS organisations
(half, named by ODS code) or by 1,000 local groups, each with weekday and weekend schedules,
a function, cohorts and channels as taxonomy terms, an age range, a location with a postcode.

Runs its own Neo4j (a fresh home on a free port). Measured in the same run, so that the ratios
hold on a shared, noisy machine:

- ``parse_s``: the feed's files read and parsed (JSON, bounds), the floor of any import;
- ``read_s``: the whole read, matched against the graph (organisations, areas, points, terms)
  into models;
- ``load_s``: the load of what was read (plan, write, SHACL over the whole graph after it,
  commit); ``import_s`` = ``read_s + load_s``, the target (30 s or less);
- ``reload_s``: the same feed again (nothing changes, nothing is written);
- ``refused_s``: the same feed with its last service naming an unknown term: refused whole,
  the graph's version unchanged;
- ``baseline_team_of_teams_s``: London's team-of-teams demo dataset loaded into the same
  reference data, the load nhgraph has always done (449 services, teams, INTs...).

``python -m bench hsds_import --quick`` runs it with 300 services; its figures are not written.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common import own_neo4j, write_results
from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.load import load, read_sources
from nhgraph.loaders import hsds
from nhgraph.loaders.errors import InputError
from nhgraph.store import db
from nhgraph.store.gazetteer import lsoas_of_points
from nhgraph.store.reader import read_records
from nhgraph.store.version import current

SERVICES = 10_000
QUICK_SERVICES = 300
LOCAL_GROUPS = 1_000
SEED = 19
ONS = "http://statistics.data.gov.uk/id/statistical-geography/"
TERM = "https://w3id.org/nhgraph/def/"
FUNCTIONS = (
    "community_support",
    "social_prescribing",
    "housing_support",
    "employment_support",
    "community_mental_health",
    "adult_social_care",
    "public_health",
    "frailty",
)
COHORTS = ("older_people", "families", "working_age_adults", "underserved", "frailty")
CHANNELS = ("phone", "online", "in_person", "home_visit", "video")
DEMO = PROJECT_ROOT / "data" / "demo"


def _uid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "urn:bench:hsds:" + "/".join(map(str, parts))))


def _term(scheme: str, notation: str) -> dict[str, Any]:
    term_uri = f"{TERM}{scheme}/{notation}"
    return {
        "id": _uid("attribute", scheme, notation),
        "link_type": scheme,
        "taxonomy_term_id": str(uuid.uuid5(uuid.NAMESPACE_URL, term_uri)),
        "taxonomy_term": {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, term_uri)),
            "name": notation.replace("_", " "),
            "description": notation,
            "taxonomy": f"{TERM}{scheme}",
            "term_uri": term_uri,
        },
    }


def geography(database: db.Database) -> dict[str, Any]:
    """What the generator draws from, read from the graph: LSOAs by place, ODS organisations
    that provide services, postcodes with their point."""
    records = read_records(database, {"Lsoa", "Organisation", "Postcode"})
    lsoas: dict[str, list[str]] = {}
    for lsoa in records["Lsoa"]:
        lsoas.setdefault(str(lsoa["place"]), []).append(str(lsoa["id"]))
    providers = sorted(
        str(o["id"])
        for o in records["Organisation"]
        if str(o["id"]).startswith("ods:") and o.get("kind") in ("gp_practice", "nhs_trust")
    )
    located = sorted(
        (str(p["id"]), float(p["latitude"]), float(p["longitude"]))
        for p in records.get("Postcode", [])
        if p.get("latitude") is not None and p.get("longitude") is not None
    )
    # Only points the stored boundaries hold (a postcode's centroid may fall just outside its
    # generalised LSOA): a point outside every LSOA is, rightly, refused by the import.
    inside = lsoas_of_points(database, [(lat, lon) for _, lat, lon in located])
    postcodes = [p for p, lsoa in zip(located, inside, strict=True) if lsoa is not None]
    return {
        "lsoas": {k: sorted(v) for k, v in sorted(lsoas.items())},
        "providers": providers,
        "postcodes": postcodes,
    }


def generate(count: int, geo: dict[str, Any], seed: int = SEED) -> list[dict[str, Any]]:
    """``count`` nested HSDS services, the same for the same seed and geography."""
    rng = random.Random(seed)
    places = list(geo["lsoas"])
    groups = [
        {
            "id": _uid("group", i),
            "name": f"Community group {i:04d}",
            "description": "A voluntary group of the borough's directory",
            "attributes": [_term("organisation-kind", "vcfse")],
        }
        for i in range(LOCAL_GROUPS)
    ]
    services = []
    for i in range(count):
        sid = _uid("service", i)
        place = rng.choice(places)
        if geo["providers"] and rng.random() < 0.5:
            code = rng.choice(geo["providers"]).removeprefix("ods:")
            organisation = {
                "id": _uid("org", code),
                "name": f"Organisation {code}",
                "description": "An NHS organisation",
                "organization_identifiers": [
                    {
                        "id": _uid("org", code, "ods"),
                        "identifier_scheme": "GB-NHS",
                        "identifier_type": "ODS organisation code",
                        "identifier": code,
                    }
                ],
            }
        else:
            organisation = groups[rng.randrange(LOCAL_GROUPS)]
        roll = rng.random()
        if roll < 0.2:
            areas = [{"id": _uid(sid, "area", place), "uri": ONS + place}]
        elif roll < 0.3 and geo["postcodes"]:
            areas = []
        else:
            picks = rng.sample(
                geo["lsoas"][place], min(len(geo["lsoas"][place]), rng.randint(1, 3))
            )
            areas = [{"id": _uid(sid, "area", c), "uri": ONS + c} for c in sorted(picks)]
        postcode, latitude, longitude = (
            rng.choice(geo["postcodes"]) if geo["postcodes"] else ("NW1 7EH", None, None)
        )
        opens = rng.choice(("08:00", "09:00", "09:30", "10:00"))
        closes = rng.choice(("16:00", "17:00", "17:30", "18:30", "20:00"))
        schedules = [
            {
                "id": _uid(sid, "weekdays"),
                "service_id": sid,
                "freq": "WEEKLY",
                "byday": "MO,TU,WE,TH,FR",
                "opens_at": opens,
                "closes_at": closes,
            },
        ]
        if rng.random() < 0.4:
            schedules.append(
                {
                    "id": _uid(sid, "saturday"),
                    "service_id": sid,
                    "freq": "WEEKLY",
                    "byday": "SA",
                    "opens_at": "10:00",
                    "closes_at": "13:00",
                }
            )
        low = rng.choice((None, 0, 16, 18, 50, 65))
        high = rng.choice((None, 25, 64, 99)) if low is None or low < 25 else None
        location = {
            "id": _uid(sid, "location"),
            "location_type": "physical",
            "name": f"Service {i:05d} centre",
            "addresses": [
                {
                    "id": _uid(sid, "address"),
                    "address_1": f"{i % 300 + 1} High Street",
                    "city": "London",
                    "state_province": "London",
                    "postal_code": postcode,
                    "country": "GB",
                    "address_type": "physical",
                }
            ],
        }
        if latitude is not None:
            location["latitude"], location["longitude"] = latitude, longitude
        attributes = [_term("function", rng.choice(FUNCTIONS))]
        attributes += [_term("cohort", c) for c in rng.sample(COHORTS, rng.randint(0, 2))]
        attributes += [_term("channel", c) for c in rng.sample(CHANNELS, rng.randint(1, 3))]
        services.append(
            {
                "id": sid,
                "name": f"Service {i:05d}",
                "description": "A service of the council's directory",
                "status": "active" if rng.random() < 0.95 else "temporarily closed",
                "url": f"https://directory.example.org/services/{i}",
                "minimum_age": low,
                "maximum_age": high,
                "organization_id": organisation["id"],
                "organization": organisation,
                "schedules": schedules,
                "service_areas": areas,
                "service_at_locations": [
                    {
                        "id": _uid(sid, "sal"),
                        "service_id": sid,
                        "location_id": location["id"],
                        "location": location,
                    }
                ],
                "attributes": attributes,
            }
        )
    return services


def write_feed(folder: Path, services: Sequence[dict[str, Any]]) -> Path:
    """The services as one ndjson file in a folder, as an ORUK feed streams them."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "services.ndjson"
    with path.open("w", encoding="utf-8") as handle:
        for service in services:
            handle.write(json.dumps(service, separators=(",", ":")) + "\n")
    return folder


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def measure(database: db.Database, settings: Settings, count: int, work: Path) -> dict[str, Any]:
    """Generate, import, reload and refuse a feed of ``count`` services in the graph as it is
    (its reference data loaded); the figures."""
    geo = geography(database)
    services = generate(count, geo)
    feed = write_feed(work / "council", services)
    size_mb = (feed / "services.ndjson").stat().st_size / (1 << 20)
    parse_s, _ = _timed(lambda: hsds.read_records(hsds.feed_files(feed), settings.hsds_max_records))
    spec = f"hsds:{feed}"
    read_s, sources = _timed(lambda: read_sources([spec], settings, database=database))
    load_s, result = _timed(lambda: load(database, sources, workers=2, save_findings=False))
    assert result.report.conforms, result.report.to_text()
    assert result.written.created["Service"] == count, result.written
    reload_s, again = _timed(
        lambda: load(database, read_sources([spec], settings, database=database), workers=2)
    )
    assert not again.written.changed
    bad = [dict(s) for s in services]
    bad[-1] = {**bad[-1], "attributes": [_term("function", "astrology")]}
    write_feed(work / "council", bad)
    version = current(database)
    started = time.perf_counter()
    refusal = ""
    try:
        load(database, read_sources([spec], settings, database=database), workers=2)
    except InputError as error:
        refusal = str(error)
    if "unknown taxonomy term" not in refusal:
        raise AssertionError(f"the bad feed was not refused as it should be: {refusal!r}")
    refused_s = time.perf_counter() - started
    assert current(database) == version
    return {
        "services": count,
        "feed_mb": round(size_mb, 1),
        "records_loaded": sum(len(s.models) for s in sources),
        "parse_s": round(parse_s, 2),
        "read_s": round(read_s, 2),
        "load_s": round(load_s, 2),
        "import_s": round(read_s + load_s, 2),
        "reload_s": round(reload_s, 2),
        "refused_s": round(refused_s, 2),
        "services_per_s": round(count / (read_s + load_s)),
    }


def run() -> None:
    """Runs the benchmark (``--quick``: 300 services, nothing written)."""
    quick = "--quick" in sys.argv
    count = QUICK_SERVICES if quick else SERVICES
    with own_neo4j("nhgraph-bench-hsds-") as (database, settings, _home):
        reference_s, _ = _timed(
            lambda: load(database, read_sources(["reference"], settings), workers=2)
        )
        # The baseline first: the import then validates the bigger graph (London's demo too).
        baseline_s, demo = _timed(
            lambda: load(database, read_sources([str(DEMO)], settings), workers=2)
        )
        with tempfile.TemporaryDirectory(prefix="nhgraph-hsds-feed-") as work:
            figures = measure(database, settings, count, Path(work))
    figures["reference_load_s"] = round(reference_s, 2)
    figures["baseline_team_of_teams_s"] = round(baseline_s, 2)
    figures["baseline_team_of_teams_records"] = sum(len(s.models) for s in demo.sources)
    figures["import_ratio_to_baseline"] = round(figures["import_s"] / baseline_s, 2)
    figures["import_ratio_to_parse"] = round(figures["import_s"] / figures["parse_s"], 1)
    figures["target_s"] = 30
    figures["meets_target"] = figures["import_s"] <= 30
    if quick:
        print(f"hsds_import --quick: {json.dumps(figures)}")
    else:
        write_results("hsds_import", figures)


if __name__ == "__main__":
    run()
