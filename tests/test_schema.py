"""The models check identifiers, dates and ranges at the edge, naming the field and value."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import TypeAdapter, ValidationError

from nhgraph.schema.identifiers import LsoaCode, OrganisationId, Postcode, normalise_postcode
from nhgraph.schema.models import (
    DataSharingAgreement,
    Lsoa,
    Membership,
    Neighbourhood,
    Organisation,
    Post,
    Service,
    SpecialistAlignment,
)
from nhgraph.schema.vocabulary import Tier


@pytest.mark.parametrize(
    "raw", ["se17eh", " SE1 7EH ", "SE17EH", "se1  7eh", "SE1 7EH", "SE1 7EH\n"]
)
def test_postcodes_are_normalised(raw: str) -> None:
    assert TypeAdapter(Postcode).validate_python(raw) == "SE1 7EH"


@pytest.mark.parametrize("raw", ["SE1", "12345", "SE1 7E", "", "SE1 7EHX", "XSE1 7EH"])
def test_bad_postcodes_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a UK postcode"):
        normalise_postcode(raw)


@pytest.mark.parametrize(
    ("model", "data", "field", "value"),
    [
        (Lsoa, {"id": "E02000001", "name": "x", "place": "E09000007"}, "id", "E02000001"),
        (Lsoa, {"id": "E01000001", "name": "x", "place": "E05000007"}, "place", "E05000007"),
        (
            Lsoa,
            {"id": "E01000001", "name": "x", "place": "E09000007", "imd_decile": 11},
            "imd_decile",
            "11",
        ),
        (Organisation, {"id": "ods:U1234", "name": "x", "kind": "pcn"}, "", "U1234"),
        (Organisation, {"id": "ods:F84003", "name": "x", "kind": "spaceship"}, "kind", "spaceship"),
        (
            Organisation,
            {"id": "nhs:F84003", "name": "x", "kind": "gp_practice"},
            "id",
            "nhs:F84003",
        ),
        (Neighbourhood, {"id": "n-1", "name": "x", "place": "E09000007", "lsoas": []}, "lsoas", ""),
        (Membership, {"id": "m-1", "team": "t-1", "int": "i-1"}, "tier", ""),
        (Membership, {"id": "m-1", "team": "t-1", "int": "i-1", "tier": "outer"}, "tier", "outer"),
        (
            SpecialistAlignment,
            {
                "id": "a-1",
                "int": "i-1",
                "provider": "ods:RAL",
                "specialty": "consultant_geriatrician",
                "sessions_per_week": 0,
                "start": "2025-01-01",
            },
            "sessions_per_week",
            "0",
        ),
    ],
)
def test_errors_name_the_field_and_the_value(
    model: type, data: dict[str, object], field: str, value: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        model(**data)
    text = str(caught.value)
    assert field in text, text
    assert value in text, text


def test_an_ods_code_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match="not the ODS code of a gp_practice"):
        Organisation(id="ods:U12345", name="a PCN as a practice", kind="gp_practice")


def test_organisation_ids_are_normalised() -> None:
    assert TypeAdapter(OrganisationId).validate_python(" ods:f84003 ") == "ods:F84003"
    assert TypeAdapter(LsoaCode).validate_python(" e01000001") == "E01000001"


def test_date_ranges_are_checked() -> None:
    with pytest.raises(ValidationError, match=r"ends \(2020-01-01\) before it starts"):
        Organisation(
            id="ods:F84003",
            name="x",
            kind="gp_practice",
            open_date=date(2021, 1, 1),
            close_date=date(2020, 1, 1),
        )


def test_a_service_age_range_is_checked() -> None:
    with pytest.raises(ValidationError, match="min_age 90 is above max_age 10"):
        Service(
            id="s-1",
            name="x",
            provider="ods:RAL",
            function="frailty",
            places=["E09000007"],
            min_age=90,
            max_age=10,
        )


def test_opening_hours_are_checked() -> None:
    with pytest.raises(ValidationError, match="is not opening hours"):
        Service(
            id="s-1",
            name="x",
            provider="ods:RAL",
            function="frailty",
            places=["E09000007"],
            hours=["weekdays 9 to 5"],
        )


def test_agreements_need_two_parties_and_a_lawful_basis_when_active() -> None:
    base = {
        "id": "a-1",
        "name": "x",
        "purposes": ["direct_care"],
        "status": "active",
        "valid_from": "2025-01-01",
    }
    with pytest.raises(ValidationError, match="at least two parties"):
        DataSharingAgreement(**base, controllers=["ods:RAL"], lawful_basis="a6_1_e")
    with pytest.raises(ValidationError, match="Article 6"):
        DataSharingAgreement(**base, controllers=["ods:RAL", "ods:RKE"])
    with pytest.raises(ValidationError, match="article9_condition"):
        DataSharingAgreement(
            **base,
            controllers=["ods:RAL", "ods:RKE"],
            lawful_basis="a6_1_e",
            data_categories=["health"],
        )


def test_names_of_professionals_only_when_public() -> None:
    with pytest.raises(ValidationError, match="holder_is_public"):
        Post(id="p-1", role="gp", organisation="ods:F84003", holder_name="Dr A Person")
    post = Post(
        id="p-1",
        role="gp",
        organisation="ods:F84003",
        holder_name="Dr A Person",
        holder_is_public=True,
    )
    assert post.holder_name == "Dr A Person"


def test_tiers_are_skos_concepts_with_labels() -> None:
    assert [t.value for t in Tier] == ["hyper_local", "consistent", "tailored", "aligned"]
    assert Tier.CONSISTENT.label == "Consistent functions"
