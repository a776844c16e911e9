"""A small, hand-built world that conforms to every rule, for the shape and query tests.

Two places of one system; Camden has two neighbourhoods and one INT with the whole core offer
in its consistent tier; Hackney has one neighbourhood and one INT. Tests copy it and break one
thing at a time.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from nhgraph.schema.models import (
    DataSharingAgreement,
    Int,
    IntegratorAppointment,
    Lsoa,
    Membership,
    Neighbourhood,
    Node,
    Organisation,
    PcnMembership,
    Place,
    PostcodeUnit,
    Region,
    Service,
    Site,
    SpecialistAlignment,
    System,
    Team,
)

CAMDEN, HACKNEY = "E09000007", "E09000012"
CORE = [
    "district_nursing",
    "adult_social_care",
    "community_mental_health",
    "social_prescribing",
    "care_coordination",
]


def world() -> list[Node]:
    """A fresh list of models (tests may change them)."""
    models: list[Node] = [
        Region(id="E12000007", name="London"),
        System(id="QMJ", ons_code="E54000028", name="North Central London", regions=["E12000007"]),
        System(id="QMF", ons_code="E54000029", name="North East London", regions=["E12000007"]),
        Place(id=CAMDEN, name="Camden", systems=["QMJ"]),
        Place(id=HACKNEY, name="Hackney", systems=["QMF"]),
    ]
    camden_lsoas = [f"E0100{i:04d}" for i in range(800, 806)]
    hackney_lsoas = [f"E0100{i:04d}" for i in range(1700, 1703)]
    models += [
        Lsoa(id=code, name=f"Camden {code}", place=CAMDEN, population=1500 + i, imd_decile=3)
        for i, code in enumerate(camden_lsoas)
    ]
    models += [
        Lsoa(id=code, name=f"Hackney {code}", place=HACKNEY, population=1600, imd_decile=2)
        for code in hackney_lsoas
    ]
    models += [
        PostcodeUnit(id="nw1 2aa", lsoa=camden_lsoas[0], latitude=51.53, longitude=-0.14),
        Neighbourhood(
            id="camden-north",
            name="Camden North",
            place=CAMDEN,
            lsoas=camden_lsoas[:3],
            priorities=["older_people"],
        ),
        Neighbourhood(id="camden-south", name="Camden South", place=CAMDEN, lsoas=camden_lsoas[3:]),
        Neighbourhood(id="hackney-east", name="Hackney East", place=HACKNEY, lsoas=hackney_lsoas),
        Organisation(
            id="ods:F83001",
            name="A Camden practice",
            kind="gp_practice",
            open_date=date(1974, 4, 1),
        ),
        Organisation(id="ods:U11111", name="Camden North PCN", kind="pcn", places=[CAMDEN]),
        Organisation(id="ods:U22222", name="Camden South PCN", kind="pcn", places=[CAMDEN]),
        Organisation(id="ods:RKE", name="A community trust", kind="nhs_trust", places=[CAMDEN]),
        Organisation(
            id="ons:E09000007",
            name="London Borough of Camden",
            kind="local_authority",
            places=[CAMDEN],
        ),
        Organisation(
            id="ons:E09000012",
            name="London Borough of Hackney",
            kind="local_authority",
            places=[HACKNEY],
        ),
        Organisation(
            id="local:camden-vcs",
            name="An illustrative VCFSE",
            kind="vcfse",
            places=[CAMDEN],
            illustrative=True,
        ),
        PcnMembership(
            id="f83001-u11111",
            practice="ods:F83001",
            pcn="ods:U11111",
            start=date(2019, 7, 1),
            end=date(2022, 3, 31),
        ),
        PcnMembership(
            id="f83001-u22222", practice="ods:F83001", pcn="ods:U22222", start=date(2022, 4, 1)
        ),
        IntegratorAppointment(
            id="camden-integrator",
            place=CAMDEN,
            organisation="ods:RKE",
            start=date(2025, 4, 1),
            functions=["care_coordination"],
        ),
        Int(
            id="camden-int-1",
            name="Camden INT 1",
            place=CAMDEN,
            neighbourhoods=["camden-north", "camden-south"],
        ),
        Int(
            id="hackney-int-1", name="Hackney INT 1", place=HACKNEY, neighbourhoods=["hackney-east"]
        ),
    ]
    for provider, int_id in (("ods:RKE", "camden-int-1"), ("ons:E09000012", "hackney-int-1")):
        for function in CORE:
            team_id = f"{int_id}-{function}".replace("_", "-")
            models.append(
                Team(id=team_id, name=f"{function} team", provider=provider, functions=[function])
            )
            models.append(
                Membership(id=f"{team_id}-m", team=team_id, int=int_id, tier="consistent")
            )
    models += [
        Team(
            id="camden-pharmacy",
            name="Pharmacy",
            provider="ods:F83001",
            functions=["community_pharmacy"],
        ),
        Membership(
            id="camden-pharmacy-m", team="camden-pharmacy", int="camden-int-1", tier="hyper_local"
        ),
        SpecialistAlignment(
            id="camden-geriatrics",
            int="camden-int-1",
            provider="ods:RKE",
            specialty="consultant_geriatrician",
            sessions_per_week=2,
            start=date(2025, 5, 1),
        ),
        Site(id="camden-hub", name="Camden hub", postcode="nw12aa", organisation="ods:RKE"),
        Service(
            id="camden-frailty",
            name="Frailty service",
            provider="ods:RKE",
            function="frailty",
            neighbourhoods=["camden-north"],
            sites=["camden-hub"],
            min_age=65,
            max_age=120,
            cohorts=["frailty"],
            channels=["phone", "home_visit"],
            hours=["Mon-Fri 08:00-18:00"],
        ),
        Service(
            id="camden-gateway",
            name="Camden 24/7 gateway",
            provider="ods:RKE",
            function="urgent_care_gateway",
            places=[CAMDEN],
            open_24_7=True,
            channels=["phone", "online"],
            self_referral=True,
        ),
        DataSharingAgreement(
            id="camden-direct-care",
            name="Camden direct care agreement",
            controllers=["ods:RKE", "ons:E09000007"],
            processors=["local:camden-vcs"],
            purposes=["direct_care"],
            lawful_basis="a6_1_e",
            article9_condition="a9_2_h",
            data_categories=["identifying", "health"],
            status="active",
            valid_from=date(2024, 1, 1),
            valid_to=date(2030, 12, 31),
        ),
    ]
    return models


#: The day the world is validated for (far from the agreement's end).
ON = date(2026, 6, 1)


def write_bundle(path: Path, models: list[Node]) -> Path:
    """Write models as a team-of-teams YAML file, as an integrator would keep it."""
    from collections import defaultdict

    import yaml

    from nhgraph.schema.registry import BY_FILE_KEY

    key_of = {cls: cls.file_key for cls in BY_FILE_KEY.values()}
    document: dict[str, list[dict[str, object]]] = defaultdict(list)
    for model in models:
        document[key_of[type(model)]].append(model.model_dump(mode="json", exclude_defaults=True))
    path.write_text(yaml.safe_dump(dict(document), sort_keys=False), encoding="utf-8")
    return path
