"""The London graph for benchmarks: the real reference data, and a synthetic team-of-teams
layer of realistic size (neighbourhoods of about 40k residents built from MSOAs, two
neighbourhoods per INT, the core offer, practices as hyper-local teams). The synthetic layer is
for measuring only; the illustrative demo dataset is the loader's."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from nhgraph.config import PROJECT_ROOT
from nhgraph.loaders.ods import load_organisations
from nhgraph.loaders.ons import load_geography
from nhgraph.schema.models import (
    DataSharingAgreement,
    Int,
    IntegratorAppointment,
    Lsoa,
    Membership,
    Neighbourhood,
    Node,
    Organisation,
    Service,
    SpecialistAlignment,
    Team,
)

CORE = [
    "district_nursing",
    "adult_social_care",
    "community_mental_health",
    "social_prescribing",
    "care_coordination",
]


def london_models() -> list[Node]:
    """The real London reference data with a synthetic team-of-teams layer of realistic size, for
    measuring only."""
    folder = PROJECT_ROOT / "data" / "reference"
    reference = load_geography(folder).models + load_organisations(folder).models
    lsoas = [m for m in reference if isinstance(m, Lsoa)]
    orgs = [m for m in reference if isinstance(m, Organisation)]
    trusts = [o.id for o in orgs if o.kind.value == "nhs_trust"]
    practices = [o.id for o in orgs if o.kind.value == "gp_practice"]
    models: list[Node] = list(reference)

    by_place_msoa: dict[str, dict[str, list[Lsoa]]] = defaultdict(lambda: defaultdict(list))
    for lsoa in lsoas:
        by_place_msoa[lsoa.place][lsoa.msoa or lsoa.id].append(lsoa)
    practice_cycle = iter(practices * 2)
    for p_index, (place, msoas) in enumerate(sorted(by_place_msoa.items())):
        trust = trusts[p_index % len(trusts)]
        council = f"ons:{place}"
        groups: list[list[str]] = [[]]
        population = 0
        for _, members in sorted(msoas.items()):
            if population > 40000:
                groups.append([])
                population = 0
            groups[-1] += [m.id for m in members]
            population += sum(m.population or 0 for m in members)
        hoods = []
        for g_index, group in enumerate(groups):
            hood = f"{place.lower()}-n{g_index + 1}"
            hoods.append(hood)
            models.append(
                Neighbourhood(
                    id=hood,
                    name=f"Neighbourhood {g_index + 1}",
                    place=place,
                    lsoas=group,
                    illustrative=True,
                )
            )
            models.append(
                Service(
                    id=f"{hood}-frailty",
                    name="Frailty",
                    provider=trust,
                    function="frailty",
                    neighbourhoods=[hood],
                    min_age=65,
                    max_age=120,
                    channels=["phone"],
                    illustrative=True,
                )
            )
        for i_index in range(0, len(hoods), 2):
            int_id = f"{place.lower()}-int{i_index // 2 + 1}"
            models.append(
                Int(
                    id=int_id,
                    name=f"INT {i_index // 2 + 1}",
                    place=place,
                    neighbourhoods=hoods[i_index : i_index + 2],
                    illustrative=True,
                )
            )
            for function in CORE:
                team = f"{int_id}-{function}".replace("_", "-")
                models.append(
                    Team(
                        id=team,
                        name=function,
                        provider=trust if function != "adult_social_care" else council,
                        functions=[function],
                        illustrative=True,
                    )
                )
                models.append(
                    Membership(
                        id=f"{team}-m", team=team, int=int_id, tier="consistent", illustrative=True
                    )
                )
            for _ in range(4):
                practice = next(practice_cycle)
                team = f"{int_id}-gp-{practice.split(':')[1].lower()}"
                models.append(
                    Team(
                        id=team,
                        name="General practice",
                        provider=practice,
                        functions=["general_practice"],
                        illustrative=True,
                    )
                )
                models.append(
                    Membership(
                        id=f"{team}-m", team=team, int=int_id, tier="hyper_local", illustrative=True
                    )
                )
            models.append(
                SpecialistAlignment(
                    id=f"{int_id}-geriatrics",
                    int=int_id,
                    provider=trust,
                    specialty="consultant_geriatrician",
                    sessions_per_week=1.5,
                    start=date(2025, 4, 1),
                    illustrative=True,
                )
            )
        models.append(
            IntegratorAppointment(
                id=f"{place.lower()}-integrator",
                place=place,
                organisation=trust,
                start=date(2025, 4, 1),
                illustrative=True,
            )
        )
        models.append(
            DataSharingAgreement(
                id=f"{place.lower()}-direct-care",
                name="Direct care",
                controllers=[trust, council],
                purposes=["direct_care"],
                lawful_basis="a6_1_e",
                article9_condition="a9_2_h",
                data_categories=["health"],
                status="active",
                valid_from=date(2024, 1, 1),
                valid_to=date(2029, 3, 31),
                illustrative=True,
            )
        )
    return models
