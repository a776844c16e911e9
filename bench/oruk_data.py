"""Services at sites on London, for the ORUK API's tests and benchmark: London's demo services
have no sites, so the service_at_location endpoints, the proximity filter and a services/s
figure over more than London's 449 services need some. Each generated service is at one site
at a real London postcode (from the loaded lookup), for the neighbourhood covering that
postcode's LSOA, provided by one of the demo's providers. Marked illustrative, from the source
``bench:oruk``, so they are never taken for real ones."""

from __future__ import annotations

import random
from typing import Any

from nhgraph.schema.models import Service, Site
from nhgraph.schema.vocabulary import Channel, CohortCode, FunctionCode
from nhgraph.store import db, write_models

SOURCE = "bench:oruk"

_POSTCODES = """
MATCH (p:Postcode)-[:IN_LSOA]->(:Lsoa)<-[:COVERS]-(n:Neighbourhood)
WHERE p.latitude IS NOT NULL
WITH p, min(n.id) AS neighbourhood
RETURN p.id AS postcode, neighbourhood ORDER BY p.id
"""
_PROVIDERS = (
    "MATCH (:Service)-[:PROVIDED_BY]->(o:Organisation) RETURN DISTINCT o.id AS id ORDER BY id"
)


def sited_services(database: db.Database, count: int, *, seed: int = 19) -> list[dict[str, Any]]:
    """Write ``count`` services, each at its own site, on the London already loaded; the
    (service, site, postcode) written, in id order."""
    rng = random.Random(seed)
    postcodes = database.read(_POSTCODES)
    providers = [r["id"] for r in database.read(_PROVIDERS)]
    if not postcodes or not providers:
        raise RuntimeError("load London (reference and the demo dataset) first")
    functions = list(FunctionCode)
    models: list[Any] = []
    written = []
    for i in range(count):
        where = postcodes[rng.randrange(len(postcodes))]
        provider = providers[rng.randrange(len(providers))]
        site = Site(
            id=f"oruk-site-{i:05d}",
            name=f"Community hub {i}",
            postcode=where["postcode"],
            organisation=provider,
            source=SOURCE,
            illustrative=True,
        )
        service = Service(
            id=f"oruk-service-{i:05d}",
            name=f"Drop-in clinic {i}",
            provider=provider,
            function=rng.choice(functions),
            sites=[site.id],
            neighbourhoods=[where["neighbourhood"]],
            cohorts=[rng.choice(list(CohortCode))] if i % 3 == 0 else [],
            channels=[Channel.IN_PERSON] + ([Channel.PHONE] if i % 2 else []),
            hours=["Mon-Fri 09:00-17:00"] + (["Sat 10:00-13:00"] if i % 4 == 0 else []),
            min_age=18 if i % 5 == 0 else None,
            self_referral=i % 2 == 0,
            phone="020 7946 0000",
            source=SOURCE,
            illustrative=True,
        )
        models += [site, service]
        written.append({"service": service.id, "site": site.id, "postcode": site.postcode})
    write_models(database, models)
    return written
