"""London's official reference data as models: geography (ONS) and organisations (NHS ODS).

This reads the London extracts the project ships (``data/reference``, see PROVENANCE.md
there), whose columns are the publishers' own. It keeps what the model needs and counts what
it leaves out, with the reason, so a load can report it (epraccur mixes GP practices with
other prescribing settings; ePCN keeps ended memberships).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nhgraph.schema.models import (
    Lsoa,
    Node,
    Organisation,
    PcnMembership,
    Place,
    Region,
    System,
)

SOURCE_ONS = "ONS geography (OGL v3.0)"
SOURCE_ODS = "NHS ODS (OGL v3.0)"


@dataclass
class ReferenceData:
    """The models read, and what was left out of each file and why."""

    models: list[Node] = field(default_factory=list)
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _ods_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    return date(int(value[:4]), int(value[4:6]), int(value[6:8]))


def read_reference(folder: Path) -> ReferenceData:
    """Region, systems, places, LSOAs, and the NHS organisations and PCN memberships."""
    data = ReferenceData()
    add = data.models.append
    add(Region(id="E12000007", name="London", source=SOURCE_ONS))
    for row in _rows(folder / "london_icbs.csv"):
        add(
            System(
                id=row["ICB24CDH"],
                ons_code=row["ICB24CD"],
                name=row["ICB24NM"],
                region="E12000007",
                source=SOURCE_ONS,
            )
        )
    places = {}
    for row in _rows(folder / "london_boroughs.csv"):
        places[row["LAD_CODE"]] = row["LAD_NAME"]
        add(
            Place(
                id=row["LAD_CODE"], name=row["LAD_NAME"], system=row["ICB24CDH"], source=SOURCE_ONS
            )
        )
        add(
            Organisation(
                id=f"ons:{row['LAD_CODE']}",
                name=f"{row['LAD_NAME']} council",
                kind="local_authority",
                places=[row["LAD_CODE"]],
                source=SOURCE_ONS,
            )
        )
    population = {
        r["LSOA21CD"]: int(r["usual_residents_2021"])
        for r in _rows(folder / "london_lsoa21_population_census2021.csv")
    }
    decile = {
        r["lsoa21_code"]: int(r["IMD_decile"]) for r in _rows(folder / "london_lsoa21_imd2025.csv")
    }
    msoa = {
        r["LSOA21CD"]: r["MSOA21CD"] for r in _rows(folder / "london_lsoa21_msoa21_derived.csv")
    }
    for row in _rows(folder / "london_lsoa21.csv"):
        code = row["LSOA21CD"]
        add(
            Lsoa(
                id=code,
                name=row["LSOA21NM"],
                place=row["LAD_CODE"],
                msoa=msoa.get(code),
                population=population.get(code),
                imd_decile=decile.get(code),
                source=SOURCE_ONS,
            )
        )

    practices = set()
    for row in _rows(folder / "london_gp_practices_epraccur.csv"):
        if row["prescribing_setting"] != "4":
            data.skipped[("epraccur", f"prescribing setting {row['prescribing_setting']}")] += 1
            continue
        if row["status_code"] != "A":
            data.skipped[("epraccur", f"status {row['status_code']}")] += 1
            continue
        practices.add(row["practice_code"])
        add(
            Organisation(
                id=f"ods:{row['practice_code']}",
                name=row["name"],
                kind="gp_practice",
                postcode=row["postcode"] or None,
                open_date=_ods_date(row["open_date"]),
                source=SOURCE_ODS,
            )
        )
    pcns = set()
    for row in _rows(folder / "london_pcns_epcn.csv"):
        if row["close_date"]:
            data.skipped[("epcn", "closed")] += 1
            continue
        pcns.add(row["pcn_code"])
        add(
            Organisation(
                id=f"ods:{row['pcn_code']}",
                name=row["pcn_name"],
                kind="pcn",
                postcode=row["postcode"] or None,
                open_date=_ods_date(row["open_date"]),
                source=SOURCE_ODS,
            )
        )
    for row in _rows(folder / "london_pcn_core_partners_epcn.csv"):
        practice, pcn = row["partner_organisation_code"], row["pcn_code"]
        if practice not in practices or pcn not in pcns:
            data.skipped[("epcn core partners", "practice or PCN not open in London")] += 1
            continue
        start = _ods_date(row["practice_to_pcn_relationship_start_date"])
        assert start is not None
        add(
            PcnMembership(
                id=f"{practice}-{pcn}-{start.isoformat()}".lower(),
                practice=f"ods:{practice}",
                pcn=f"ods:{pcn}",
                start=start,
                end=_ods_date(row["practice_to_pcn_relationship_end_date"]),
                source=SOURCE_ODS,
            )
        )
    for row in _rows(folder / "london_nhs_trusts_etr.csv"):
        if row["close_date"]:
            data.skipped[("etr", "closed")] += 1
            continue
        add(
            Organisation(
                id=f"ods:{row['org_code']}",
                name=row["name"],
                kind="nhs_trust",
                postcode=row["postcode"] or None,
                open_date=_ods_date(row["open_date"]),
                source=SOURCE_ODS,
            )
        )
    for row in _rows(folder / "london_pharmacies_edispensary.csv"):
        if row["status_code"] != "A" or row["organisation_subtype_code"] != "1":
            data.skipped[("edispensary", "not an active community pharmacy")] += 1
            continue
        add(
            Organisation(
                id=f"ods:{row['org_code']}",
                name=row["name"],
                kind="community_pharmacy",
                postcode=row["postcode"] or None,
                open_date=_ods_date(row["open_date"]),
                source=SOURCE_ODS,
            )
        )
    return data
