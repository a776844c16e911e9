"""NHS ODS organisations: GP practices (epraccur), PCNs and their member practices (ePCN),
NHS trusts (etr) and community pharmacies (edispensary).

epraccur is read with or without its header row: ODS publishes it headerless in a fixed
27-column layout, and the project's extract has the names. It mixes GP practices with other
prescribing settings; only active GP practices (prescribing setting 4) are kept, and what is
left out is counted by reason.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from pathlib import Path

from nhgraph.loaders.bounded import read_text
from nhgraph.loaders.csvfiles import rows
from nhgraph.loaders.errors import Problem
from nhgraph.loaders.reference import Reference, as_reference
from nhgraph.loaders.sources import SourceData, register
from nhgraph.schema.models import Organisation, PcnMembership

#: The columns of ODS's headerless epraccur file, in order ("null" columns are empty).
EPRACCUR_LAYOUT = (
    "practice_code",
    "name",
    "national_grouping",
    "high_level_health_geography",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "address_line_4",
    "address_line_5",
    "postcode",
    "open_date",
    "close_date",
    "status_code",
    "organisation_subtype_code",
    "commissioner_code",
    "join_provider_purchaser_date",
    "left_provider_purchaser_date",
    "contact_telephone_number",
    "null_1",
    "null_2",
    "null_3",
    "amended_record_indicator",
    "null_4",
    "provider_purchaser",
    "null_5",
    "prescribing_setting",
    "null_6",
)


_ODS_DATE = re.compile(r"[0-9]{8}")


def ods_date(value: str) -> date | None:
    """An ODS date (``YYYYMMDD``); empty is none; anything else is refused with what ODS writes."""
    value = value.strip()
    if not value:
        return None
    if not _ODS_DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not an ODS date: ODS writes YYYYMMDD, such as 20250401")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError as error:
        raise ValueError(f"{value!r} is not a date ({error})") from None


def _date(data: SourceData, path: Path, line: int, row: dict[str, str], column: str) -> date | None:
    """A row's ODS date; one that is not becomes a problem naming the file, line and column."""
    try:
        return ods_date(row[column])
    except ValueError as error:
        data.problems.append(Problem(str(path), line, column, str(error)))
        return None


def _epraccur(path: Path) -> tuple[list[str] | None, list[str]]:
    first = read_text(path).lstrip().split("\n", 1)[0]
    if first.lower().startswith("practice_code") or "name" in first.lower().split(","):
        return None, ["practice_code", "name", "status_code", "prescribing_setting"]
    return list(EPRACCUR_LAYOUT), ["practice_code"]


#: The ODS files a load reads, each named in the source version by its series.
_RELEASE_FILES = (
    ("epraccur", "gp_practices_epraccur.csv"),
    ("epcn", "pcns_epcn.csv"),
    ("etr", "nhs_trusts_etr.csv"),
    ("edispensary", "pharmacies_edispensary.csv"),
)


def release_of(reference: Reference) -> str:
    """The source version a load of these ODS files records: each series with a digest of its
    file (``epraccur 3f2a9c01d4; epcn ...``), so that a change set names the release that made
    it, and two loads of the same files name the same one."""
    parts = []
    for series, stem in _RELEASE_FILES:
        path = reference.file(stem)
        digest = hashlib.sha1(path.read_bytes()).hexdigest()[:10] if path.exists() else "absent"
        parts.append(f"{series} {digest}")
    return "; ".join(parts)


@register("ods-organisations")
def load_organisations(source: Path | Reference) -> SourceData:
    """The GP practices, PCNs, NHS trusts and community pharmacies of the systems kept (London's
    by default) from the NHS ODS files, with the rows left out counted by reason.

    From England's files, an organisation is kept when its ICB (``high_level_health_geography``;
    a PCN's sub-ICB location's ICB) has an LSOA in the regions kept: a system that reaches into
    a second region brings all of its organisations.
    """
    reference = as_reference(source)
    data = SourceData("NHS ODS (OGL v3.0)", release_of(reference))
    practices: set[str] = set()
    epraccur = reference.file("gp_practices_epraccur.csv")
    layout, required = _epraccur(epraccur)
    for line, row in rows(epraccur, required, fieldnames=layout):
        if not reference.keeps_system(row.get("high_level_health_geography", "")):
            data.skipped["epraccur: another system's"] += 1
            continue
        if row["prescribing_setting"] != "4":
            data.skipped[f"epraccur: prescribing setting {row['prescribing_setting']}"] += 1
            continue
        if row["status_code"] != "A":
            data.skipped[f"epraccur: status {row['status_code']}"] += 1
            continue
        practices.add(row["practice_code"])
        data.add(
            Organisation,
            epraccur,
            line,
            {
                "id": f"ods:{row['practice_code']}",
                "name": row["name"],
                "kind": "gp_practice",
                "postcode": row.get("postcode") or None,
                "open_date": _date(data, epraccur, line, row, "open_date"),
            },
        )
    pcns: set[str] = set()
    pcn_file = reference.file("pcns_epcn.csv")
    for line, row in rows(pcn_file, ["pcn_code", "pcn_name", "open_date", "close_date"]):
        if not reference.keeps_sub_icb(row.get("sub_icb_location_code", "")):
            data.skipped["ePCN: another system's PCN"] += 1
            continue
        if row["close_date"]:
            data.skipped["ePCN: closed PCN"] += 1
            continue
        pcns.add(row["pcn_code"])
        data.add(
            Organisation,
            pcn_file,
            line,
            {
                "id": f"ods:{row['pcn_code']}",
                "name": row["pcn_name"],
                "kind": "pcn",
                "postcode": row.get("postcode") or None,
                "open_date": _date(data, pcn_file, line, row, "open_date"),
            },
        )
    _memberships(data, reference.file("pcn_core_partners_epcn.csv"), practices, pcns)
    etr = reference.file("nhs_trusts_etr.csv")
    for line, row in rows(etr, ["org_code", "name", "close_date"]):
        if not reference.keeps_system(row.get("high_level_health_geography", "")):
            data.skipped["etr: another system's trust"] += 1
            continue
        if row["close_date"]:
            data.skipped["etr: closed trust"] += 1
            continue
        data.add(
            Organisation,
            etr,
            line,
            {
                "id": f"ods:{row['org_code']}",
                "name": row["name"],
                "kind": "nhs_trust",
                "postcode": row.get("postcode") or None,
                "open_date": _date(data, etr, line, row, "open_date"),
            },
        )
    pharmacies = reference.file("pharmacies_edispensary.csv")
    for line, row in rows(
        pharmacies, ["org_code", "name", "status_code", "organisation_subtype_code"]
    ):
        if not reference.keeps_system(row.get("high_level_health_geography", "")):
            data.skipped["edispensary: another system's"] += 1
            continue
        if row["status_code"] != "A" or row["organisation_subtype_code"] != "1":
            data.skipped["edispensary: not an active community pharmacy"] += 1
            continue
        data.add(
            Organisation,
            pharmacies,
            line,
            {
                "id": f"ods:{row['org_code']}",
                "name": row["name"],
                "kind": "community_pharmacy",
                "postcode": row.get("postcode") or None,
                "open_date": _date(data, pharmacies, line, row, "open_date"),
            },
        )
    return data.check()


def _memberships(data: SourceData, path: Path, practices: set[str], pcns: set[str]) -> None:
    """PCN memberships, with ODS's hand-over day made unambiguous.

    ePCN ends a practice's old membership on the day its new one starts (and once records a
    membership that starts and ends on that day), so the practice would be in two PCNs that
    day. The old membership is taken to end the day before; one that would then end before
    it starts is left out. Both are counted in ``skipped``.
    """
    start_column = "practice_to_pcn_relationship_start_date"
    end_column = "practice_to_pcn_relationship_end_date"
    found: list[tuple[int, dict[str, str], date | None, date | None]] = []
    for line, row in rows(
        path, ["partner_organisation_code", "pcn_code", start_column, end_column]
    ):
        if row["partner_organisation_code"] not in practices or row["pcn_code"] not in pcns:
            data.skipped["ePCN core partners: practice or PCN not open in the systems loaded"] += 1
            continue
        start = _date(data, path, line, row, start_column)
        found.append((line, row, start, _date(data, path, line, row, end_column)))
    starts: dict[str, set[date]] = {}
    for _, row, start, _ in found:
        if start:
            starts.setdefault(row["partner_organisation_code"], set()).add(start)
    for line, row, start, end in found:
        practice, pcn = row["partner_organisation_code"], row["pcn_code"]
        if end is not None and end in starts.get(practice, set()) and end != start:
            end -= timedelta(days=1)
            data.skipped["ePCN core partners (kept, end moved a day): hand-over day"] += 1
        elif (
            end is not None
            and end == start
            and len(starts.get(practice, set())) >= 1
            and any(
                other != line and r["partner_organisation_code"] == practice and s == start
                for other, r, s, _ in found
            )
        ):
            data.skipped["ePCN core partners: one-day membership on a hand-over day"] += 1
            continue
        data.add(
            PcnMembership,
            path,
            line,
            {
                "id": f"{practice}-{pcn}-{start.isoformat() if start else 'unknown'}".lower(),
                "practice": f"ods:{practice}",
                "pcn": f"ods:{pcn}",
                "start": start,
                "end": end,
            },
        )
