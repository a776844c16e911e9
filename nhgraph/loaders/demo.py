"""The illustrative demo dataset: a team-of-teams map for all 33 London places (or for every
place of any regions of England, from England's files: ``--from DIR --region all --to OUT``).

Neighbourhood footprints, INTs, team memberships and agreements are not published as open
data, so this generator builds a realistic one on the real reference data: footprints are
runs of neighbouring MSOAs (ONS numbers them geographically) of 30-50k residents, practices
join the INT of the neighbourhood their PCN mostly sits in, teams come from real NHS trusts
and councils, and VCFSE and care providers are invented and marked so. Everything it writes is
``illustrative: true``. It also plants known gaps and overlaps (listed in PLANTED and in the
dataset's README) so that tests and analysts can find them.

Run ``python -m nhgraph.loaders.demo`` to rewrite ``data/demo``; a test fails if the committed
files differ from what the generator gives.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

from nhgraph.config import PROJECT_ROOT
from nhgraph.loaders.ods import load_organisations
from nhgraph.loaders.ons import load_geography
from nhgraph.loaders.reference import Reference
from nhgraph.schema.identifiers import make_slug
from nhgraph.schema.models import Lsoa, Organisation, Place

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"

#: Real trusts chosen (illustratively) per ICB: community services, mental health, acute.
TRUSTS: dict[str, dict[str, str]] = {
    "QMJ": {"community": "ods:RKE", "mental_health": "ods:G6V2S", "acute": "ods:RAL"},
    "QMF": {"community": "ods:RAT", "mental_health": "ods:RWK", "acute": "ods:R1H"},
    "QRV": {"community": "ods:RYX", "mental_health": "ods:RV3", "acute": "ods:RYJ"},
    "QKK": {"community": "ods:RJ1", "mental_health": "ods:RV5", "acute": "ods:RJZ"},
    "QWE": {"community": "ods:RAX", "mental_health": "ods:RQY", "acute": "ods:RJ7"},
}
TARGET_POPULATION = 38_000
VALID_FROM = "2025-04-01"

#: What the generator plants, for tests and analysts to find (and nothing else of these kinds).
PLANTED: dict[str, Any] = {
    "lsoa_in_no_neighbourhood": {"place": "E09000007"},
    "lsoa_in_two_neighbourhoods": {"place": "E09000012"},
    "int_missing_district_nursing": {"place": "E09000019"},
    "int_without_geriatrician": {"place": "E09000022"},
    "pcn_split_across_ints": {"place": "E09000028"},
    "vcfse_outside_every_agreement": {"place": "E09000030"},
    "agreement_expiring_soon": {"place": "E09000033", "valid_to": "2027-01-31"},
    "place_without_integrator": {"place": "E09000001"},
    "neighbourhood_without_int": {"place": "E09000033"},
    "priority_cohort_without_service": {"place": "E09000025", "cohort": "severe_mental_illness"},
}


def _practice_lsoas(reference: Reference) -> dict[str, tuple[str, str]]:
    """Practice code -> (its LSOA 2021, its PCN code), from NHS Digital's mapping."""
    path = reference.file("gp_practice_pcn_geography_2024.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {r["PRAC_CODE"]: (r["PRAC_LSOA21"], r["PCN_CODE"]) for r in csv.DictReader(handle)}


def _by_system(path: Path, open_ids: set[str]) -> dict[str, list[str]]:
    """ICB -> the open organisations of an ODS file whose high-level health geography it is."""
    found: dict[str, list[str]] = defaultdict(list)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if f"ods:{row['org_code']}" in open_ids:
                found[row["high_level_health_geography"]].append(f"ods:{row['org_code']}")
    return {icb: sorted(ids) for icb, ids in found.items()}


def _trusts(reference: Reference, open_ids: set[str]) -> dict[str, dict[str, str]]:
    """Real trusts chosen (illustratively) per ICB: London's by hand (TRUSTS); elsewhere a
    community, a mental health and an acute trust of the ICB told apart by their names."""
    chosen = dict(TRUSTS)
    names: dict[str, str] = {}
    with reference.file("nhs_trusts_etr.csv").open(encoding="utf-8-sig", newline="") as handle:
        names = {f"ods:{r['org_code']}": r["name"].upper() for r in csv.DictReader(handle)}
    for icb, ids in _by_system(reference.file("nhs_trusts_etr.csv"), open_ids).items():
        if icb in chosen or not ids:
            continue

        def pick(*words: str, ids: list[str] = ids) -> str:
            return next((i for i in ids if any(w in names[i] for w in words)), ids[0])

        chosen[icb] = {
            "community": pick("COMMUNITY", "CARE"),
            "mental_health": pick("MENTAL", "PARTNERSHIP", "PSYCH"),
            "acute": pick("HOSPITAL", "UNIVERSITY", "ACUTE"),
        }
    return chosen


def generate(
    reference: Reference | None = None,
) -> dict[str, dict[str, dict[str, list[dict[str, Any]]]]]:
    """Folder -> file -> key -> records, for every place of the reference's regions (London's
    shipped extracts by default)."""
    reference = reference or Reference(REFERENCE_DIR)
    geography = load_geography(reference).models
    organisations = load_organisations(reference).models
    places = sorted((m for m in geography if isinstance(m, Place)), key=lambda p: p.id)
    lsoas = [m for m in geography if isinstance(m, Lsoa)]
    open_orgs = {m.id: m for m in organisations if isinstance(m, Organisation)}
    practice_info = _practice_lsoas(reference)
    pharmacies = sorted(o.id for o in open_orgs.values() if o.kind.value == "community_pharmacy")
    trusts_of = _trusts(reference, set(open_orgs))
    # London's INTs take pharmacies in turn across London (as the committed demo has them);
    # elsewhere, from the place's own system.
    system_pharmacies = (
        {}
        if reference.is_london_extract
        else _by_system(reference.file("pharmacies_edispensary.csv"), set(pharmacies))
    )
    by_place: dict[str, dict[str, list[Lsoa]]] = defaultdict(lambda: defaultdict(list))
    for lsoa in lsoas:
        by_place[lsoa.place][lsoa.msoa or lsoa.id].append(lsoa)

    out: dict[str, dict[str, dict[str, list[dict[str, Any]]]]] = {}
    pharmacy_turn = 0
    for place in places:
        trusts = trusts_of[place.systems[0]]
        local_pharmacies = system_pharmacies.get(place.systems[0]) or pharmacies
        council = f"ons:{place.id}"
        folder = f"{place.id}-{make_slug(place.name)}"
        files: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        ill = {"illustrative": True}

        # Footprints: runs of MSOAs (in ONS order) of about 38k residents.
        groups: list[list[Lsoa]] = [[]]
        population = 0
        for _, members in sorted(by_place[place.id].items()):
            if population >= TARGET_POPULATION and len(groups[-1]) > 0:
                groups.append([])
                population = 0
            groups[-1] += sorted(members, key=lambda m: m.id)
            population += sum(m.population or 0 for m in members)
        if len(groups) > 1 and sum(m.population or 0 for m in groups[-1]) < 20_000:
            tail = groups.pop()  # fold a small remainder into its neighbour
            groups[-1] += tail
        hoods: list[dict[str, Any]] = []
        lsoa_hood: dict[str, str] = {}
        for index, group in enumerate(groups, start=1):
            hood: dict[str, Any] = {
                "id": f"{place.id.lower()}-n{index}",
                "name": f"{place.name} neighbourhood {index}",
                "place": place.id,
                "lsoas": [m.id for m in group],
                "priorities": ["older_people", "babies_children_young_people"],
                **ill,
            }
            hoods.append(hood)
            for m in group:
                lsoa_hood[m.id] = hood["id"]
        if place.id == PLANTED["lsoa_in_no_neighbourhood"]["place"]:
            hoods[0]["lsoas"] = hoods[0]["lsoas"][:-1]
        if place.id == PLANTED["lsoa_in_two_neighbourhoods"]["place"]:
            hoods[1]["lsoas"].append(hoods[0]["lsoas"][-1])
        if place.id == PLANTED["priority_cohort_without_service"]["place"]:
            hoods[0]["priorities"].append(PLANTED["priority_cohort_without_service"]["cohort"])
        files["footprint.yaml"]["neighbourhoods"] = hoods

        # INTs: two neighbourhoods each.
        served = hoods[:-1] if place.id == PLANTED["neighbourhood_without_int"]["place"] else hoods
        ints: list[dict[str, Any]] = []
        for index in range(0, len(served), 2):
            pair = served[index : index + 2]
            ints.append(
                {
                    "id": f"{place.id.lower()}-int{index // 2 + 1}",
                    "name": f"{place.name} INT {index // 2 + 1}",
                    "place": place.id,
                    "neighbourhoods": [h["id"] for h in pair],
                    **ill,
                }
            )
        hood_int = {h: i["id"] for i in ints for h in i["neighbourhoods"]}
        teams = files["teams.yaml"]
        teams["ints"] = ints

        # Invented local partners.
        vcfse = f"local:{place.id.lower()}-community-connect"
        care = f"local:{place.id.lower()}-homecare"
        teams["organisations"] += [
            {
                "id": vcfse,
                "name": f"{place.name} Community Connect (invented VCFSE)",
                "kind": "vcfse",
                "places": [place.id],
                **ill,
            },
            {
                "id": care,
                "name": f"{place.name} Homecare (invented care provider)",
                "kind": "domiciliary_care",
                "places": [place.id],
                **ill,
            },
        ]

        # PCNs: each joins the INT where most of its practices sit.
        pcn_int: dict[str, str] = {}
        place_pcns = sorted(
            {
                pcn
                for code, (lsoa, pcn) in practice_info.items()
                if lsoa in lsoa_hood and f"ods:{pcn}" in open_orgs
            }
        )
        for pcn in place_pcns:
            votes: Counter[str | None] = Counter(
                hood_int.get(lsoa_hood[lsoa])
                for code, (lsoa, p) in practice_info.items()
                if p == pcn and lsoa in lsoa_hood
            )
            votes.pop(None, None)
            if votes:
                pcn_int[pcn] = sorted(
                    ((k, v) for k, v in votes.items() if k is not None),
                    key=lambda kv: (-kv[1], kv[0]),
                )[0][0]
        for int_record in ints:
            int_id: str = int_record["id"]
            core = [
                ("district_nursing", trusts["community"], "District nursing"),
                ("adult_social_care", council, "Adult social care"),
                ("community_mental_health", trusts["mental_health"], "Community mental health"),
                ("social_prescribing", vcfse, "Social prescribing link workers"),
                ("care_coordination", trusts["community"], "Care coordination"),
            ]
            if place.id == PLANTED["int_missing_district_nursing"]["place"] and int_id.endswith(
                "int1"
            ):
                core = core[1:]
            for function, provider, name in core:
                team = f"{int_id}-{function.replace('_', '-')}"
                teams["teams"].append(
                    {
                        "id": team,
                        "name": f"{name} ({int_record['name']})",
                        "provider": provider,
                        "functions": [function],
                        **ill,
                    }
                )
                teams["memberships"].append(
                    {"id": f"{team}-m", "team": team, "int": int_id, "tier": "consistent", **ill}
                )
            tailored = f"{int_id}-homecare"
            teams["teams"].append(
                {
                    "id": tailored,
                    "name": "Homecare",
                    "provider": care,
                    "functions": ["domiciliary_care"],
                    **ill,
                }
            )
            teams["memberships"].append(
                {"id": f"{tailored}-m", "team": tailored, "int": int_id, "tier": "tailored", **ill}
            )
            int_pcns = [pcn for pcn, target in sorted(pcn_int.items()) if target == int_id]
            split = (
                place.id == PLANTED["pcn_split_across_ints"]["place"]
                and len(ints) > 1
                and int_id == ints[1]["id"]
                and pcn_int
            )
            if split:
                int_pcns.append(sorted(p for p, t in pcn_int.items() if t == ints[0]["id"])[0])
            for pcn_code in int_pcns:
                team = f"{int_id}-pcn-{pcn_code.lower()}"
                teams["teams"].append(
                    {
                        "id": team,
                        "name": f"{open_orgs['ods:' + pcn_code].name} practices",
                        "provider": f"ods:{pcn_code}",
                        "functions": ["general_practice"],
                        **ill,
                    }
                )
                teams["memberships"].append(
                    {"id": f"{team}-m", "team": team, "int": int_id, "tier": "hyper_local", **ill}
                )
            for _ in range(2):
                pharmacy = local_pharmacies[pharmacy_turn % len(local_pharmacies)]
                pharmacy_turn += 1
                team = f"{int_id}-pharmacy-{pharmacy.split(':')[1].lower()}"
                teams["teams"].append(
                    {
                        "id": team,
                        "name": open_orgs[pharmacy].name,
                        "provider": pharmacy,
                        "functions": ["community_pharmacy"],
                        **ill,
                    }
                )
                teams["memberships"].append(
                    {"id": f"{team}-m", "team": team, "int": int_id, "tier": "hyper_local", **ill}
                )
            specialties = [("consultant_geriatrician", 2.0), ("consultant_diabetologist", 1.0)]
            if place.id == PLANTED["int_without_geriatrician"]["place"] and int_id.endswith("int2"):
                specialties = specialties[1:]
            for specialty, sessions in specialties:
                teams["specialist_alignments"].append(
                    {
                        "id": f"{int_id}-{specialty.replace('_', '-')}",
                        "int": int_id,
                        "provider": trusts["acute"],
                        "specialty": specialty,
                        "sessions_per_week": sessions,
                        "start": VALID_FROM,
                        **ill,
                    }
                )

        # Services: per neighbourhood, and a 24/7 gateway per place.
        services = files["services.yaml"]
        services["services"].append(
            {
                "id": f"{place.id.lower()}-gateway",
                "name": f"{place.name} 24/7 gateway",
                "provider": trusts["community"],
                "function": "urgent_care_gateway",
                "places": [place.id],
                "open_24_7": True,
                "channels": ["phone", "online"],
                "self_referral": True,
                "phone": "0300 000 0000",
                **ill,
            }
        )
        for hood in hoods:
            services["services"] += [
                {
                    "id": f"{hood['id']}-frailty",
                    "name": f"Frailty service ({hood['name']})",
                    "provider": trusts["community"],
                    "function": "frailty",
                    "neighbourhoods": [hood["id"]],
                    "min_age": 65,
                    "cohorts": ["older_people", "frailty"],
                    "channels": ["phone", "home_visit"],
                    "hours": ["Mon-Fri 08:00-18:00"],
                    **ill,
                },
                {
                    "id": f"{hood['id']}-family-hub",
                    "name": f"Family hub ({hood['name']})",
                    "provider": council,
                    "function": "health_visiting",
                    "neighbourhoods": [hood["id"]],
                    "max_age": 19,
                    "cohorts": ["babies_children_young_people"],
                    "channels": ["in_person", "phone"],
                    "hours": ["Mon-Fri 09:00-17:00", "Sat 10:00-13:00"],
                    "self_referral": True,
                    **ill,
                },
            ]

        # Governance: the integrator, and the place's direct care agreement.
        governance = files["governance.yaml"]
        if place.id != PLANTED["place_without_integrator"]["place"]:
            governance["integrators"].append(
                {
                    "id": f"{place.id.lower()}-integrator",
                    "place": place.id,
                    "organisation": trusts["community"],
                    "start": VALID_FROM,
                    "functions": ["care_coordination", "integration_hub"],
                    **ill,
                }
            )
        expiring = place.id == PLANTED["agreement_expiring_soon"]["place"]
        parties = [
            trusts["community"],
            trusts["mental_health"],
            council,
            *sorted(f"ods:{p}" for p in set(pcn_int)),
        ]
        processors = [care] + (
            [] if place.id == PLANTED["vcfse_outside_every_agreement"]["place"] else [vcfse]
        )
        governance["data_sharing_agreements"].append(
            {
                "id": f"{place.id.lower()}-direct-care",
                "name": f"{place.name} direct care data-sharing agreement",
                "controllers": parties,
                "processors": processors,
                "purposes": ["direct_care"],
                "lawful_basis": "a6_1_e",
                "article9_condition": "a9_2_h",
                "data_categories": ["identifying", "health", "social_care"],
                "status": "active",
                "valid_from": VALID_FROM,
                "valid_to": PLANTED["agreement_expiring_soon"]["valid_to"]
                if expiring
                else "2028-03-31",
                "review_date": "2026-04-01",
                **ill,
            }
        )
        out[folder] = {name: dict(content) for name, content in files.items()}
    return out


HEADER = (
    "# ILLUSTRATIVE demo data for nhgraph, generated by `python -m nhgraph.loaders.demo` on\n"
    "# real ONS/ODS reference data. Not a real team-of-teams map: do not use it as one.\n"
    "# yaml-language-server: $schema=../team-of-teams.schema.json\n"
)


def write(target: Path = DEMO_DIR, reference: Reference | None = None) -> Path:
    """Write the demo dataset, one folder per place, and its JSON Schema (data/demo; or, for
    other regions of England, the folder given)."""
    from nhgraph.loaders.bundle import bundle_json_schema
    from nhgraph.loaders.demo_readme import readme

    generated = generate(reference)
    if target.exists():
        for child in target.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
    target.mkdir(parents=True, exist_ok=True)
    for folder, files in generated.items():
        (target / folder).mkdir()
        for name, content in files.items():
            text = yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=100)
            (target / folder / name).write_text(HEADER + text, encoding="utf-8")
    (target / "team-of-teams.schema.json").write_text(bundle_json_schema() + "\n")
    (target / "README.md").write_text(readme(generated, PLANTED), encoding="utf-8")
    return target


def main(argv: list[str]) -> Path:
    """``python -m nhgraph.loaders.demo [--from DIR --region all|E12... --to DIR]``: London's
    committed demo by default; an illustrative layer for other regions of England from
    England's files, into the folder given (never data/demo)."""
    import argparse

    from nhgraph.loaders.reference import parse_regions

    parser = argparse.ArgumentParser(prog="python -m nhgraph.loaders.demo")
    parser.add_argument("--from", dest="folder", type=Path, default=REFERENCE_DIR)
    parser.add_argument("--region", default="E12000007")
    parser.add_argument("--to", dest="target", type=Path, default=None)
    args = parser.parse_args(argv)
    reference = Reference(args.folder, parse_regions(args.region))
    if args.target is None and not reference.is_london_extract:
        parser.error("--to is needed for a layer made from England's files")
    return write(args.target or DEMO_DIR, reference)


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1:]))
