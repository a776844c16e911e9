"""What London's demo data lacks, on the small world: a site (a Location with its address,
point and managing organisation) and a post whose holder is public (a PractitionerRole), each
valid UK Core; a post whose holder is not public is no PractitionerRole at all."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from nhgraph.export import fhir
from nhgraph.schema.models import Post
from nhgraph.store import db, write_models

from .fhir_validator import Validator
from .world import world

PUBLIC_POST = Post(
    id="camden-geriatrician",
    role="consultant_geriatrician",
    organisation="ods:RKE",
    holder_name="Dr A Example",
    holder_is_public=True,
    specialty="consultant_geriatrician",
)
PRIVATE_POST = Post(id="camden-nurse", role="district_nurse", organisation="ods:RKE")


def test_a_site_and_a_public_post_are_valid_uk_core(
    graph: db.Database, fhir_validator: Validator, tmp_path: Path
) -> None:
    write_models(graph, [*world(), PUBLIC_POST, PRIVATE_POST])
    today = date(2026, 6, 1)
    site = fhir.read(graph, "Location", "site-camden-hub", today)
    assert site["managingOrganization"] == {"reference": "Organization/RKE"}
    assert site["address"]["postalCode"] == "NW1 2AA"
    assert site["position"] == {"latitude": 51.53, "longitude": -0.14}
    roles = list(fhir.every(graph, "PractitionerRole", today=today))
    assert [role["id"] for role in roles] == ["camden-geriatrician"]
    assert roles[0]["practitioner"] == {"display": "Dr A Example"}
    for resource in (site, roles[0]):
        result = fhir_validator.check_json(resource, tmp_path, resource["id"])
        assert result.errors == 0, result.of("error")


def test_a_private_post_cannot_be_read(graph: db.Database) -> None:
    write_models(graph, [*world(), PRIVATE_POST])
    with pytest.raises(fhir.NotFhir, match="not known"):
        fhir.read(graph, "PractitionerRole", "camden-nurse")
    assert list(fhir.every(graph, "PractitionerRole")) == []
