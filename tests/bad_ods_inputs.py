"""The bad-input corpus, reference side continued: the ODS files and the postcode extract
(see ``bad_reference_inputs.py``)."""

from __future__ import annotations

from nhgraph.loaders.bounded import MAX_LINE
from nhgraph.schema.bounds import NAME_MAX

from .bad_inputs import Case
from .bad_reference_inputs import (
    EPRACCUR,
    EXTRACT,
    LONG,
    ODS,
    PARTNERS,
    POSTCODES,
    _case,
    _cell,
    _sparse,
    _text,
)


def _gp(row: dict[str, str]) -> bool:
    return row["status_code"] == "A" and row["prescribing_setting"] == "4"


def _kept_partner(row: dict[str, str]) -> bool:
    return row["partner_organisation_code"] == "H85026"  # an open practice, in an open PCN


ODS_CASES: list[Case] = [
    # -- ODS CSVs -------------------------------------------------------------------------------
    _case(
        "practice-code-malformed",
        ODS,
        _cell(EPRACCUR, "practice_code", "F8300!", _gp),
        1,
        "is not an NHS ODS code",
    ),
    _case(
        "practice-code-in-arabic-indic-digits",
        ODS,
        _cell(EPRACCUR, "practice_code", "F8\u0663001", _gp),
        1,
        "is not an NHS ODS code",
    ),
    _case(
        "practice-opened-on-31-february",
        ODS,
        _cell(EPRACCUR, "open_date", "20250231", _gp),
        1,
        "'20250231' is not a date",
    ),
    _case(
        "practice-date-in-iso-form",
        ODS,
        _cell(EPRACCUR, "open_date", "2025-04-01", _gp),
        1,
        "ODS writes YYYYMMDD",
    ),
    _case(
        "practice-name-past-its-bound",
        ODS,
        _cell(EPRACCUR, "name", LONG, _gp),
        1,
        f"at most {NAME_MAX} characters",
    ),
    _case(
        "practice-postcode-in-full-width-digits",
        ODS,
        _cell(EPRACCUR, "postcode", "NW1 \uff10AA", _gp),
        1,
        "is not a UK postcode",
    ),
    _case(
        "epraccur-lacks-a-column",
        ODS,
        _text(EPRACCUR, lambda t: t.replace("status_code", "status", 1)),
        2,
        "lacks the column(s) status_code",
        f"{EPRACCUR}:1:",
    ),
    _case(
        "pcn-opened-soon",
        ODS,
        _cell("london_pcns_epcn.csv", "open_date", "soon"),
        1,
        "is not an ODS date",
    ),
    _case(
        "pcn-file-empty",
        ODS,
        _text("london_pcns_epcn.csv", lambda _t: "\n"),
        2,
        "is empty",
        "london_pcns_epcn.csv:",
    ),
    _case(
        "membership-in-month-13",
        ODS,
        _cell(PARTNERS, "practice_to_pcn_relationship_start_date", "20251301", _kept_partner),
        1,
        "is not a date (month must be in 1..12)",
    ),
    _case(
        "membership-end-in-iso-form",
        ODS,
        _cell(PARTNERS, "practice_to_pcn_relationship_end_date", "2025-04-01", _kept_partner),
        1,
        "ODS writes YYYYMMDD",
    ),
    _case(
        "trust-date-in-iso-form",
        ODS,
        _cell(
            "london_nhs_trusts_etr.csv", "open_date", "2012-04-01", lambda r: r["org_code"] == "R1H"
        ),
        1,
        "ODS writes YYYYMMDD",
    ),
    _case(
        "pharmacy-date-of-seven-digits",
        ODS,
        _cell(
            "london_pharmacies_edispensary.csv",
            "open_date",
            "2003070",
            lambda r: r["org_code"] == "FA012",
        ),
        1,
        "is not an ODS date",
    ),
    _case(
        "pharmacies-with-a-nul-byte",
        ODS,
        _text(
            "london_pharmacies_edispensary.csv", lambda t: t.replace("MEDICHEM", "MEDI\x00CHEM", 1)
        ),
        2,
        "holds a NUL character",
        "london_pharmacies_edispensary.csv:2:",
    ),
    # -- the postcode extract -------------------------------------------------------------------
    _case(
        "postcode-at-latitude-90",
        POSTCODES,
        _cell(EXTRACT, "latitude", "90"),
        1,
        "less than or equal to 61",
    ),
    _case(
        "postcode-at-latitude-1e309",
        POSTCODES,
        _cell(EXTRACT, "latitude", "1e309"),
        1,
        "finite number",
    ),
    _case(
        "postcode-at-latitude-nan", POSTCODES, _cell(EXTRACT, "latitude", "nan"), 1, "finite number"
    ),
    _case(
        "postcode-at-longitude-200",
        POSTCODES,
        _cell(EXTRACT, "longitude", "200"),
        1,
        "less than or equal to 2.5",
    ),
    _case(
        "postcode-latitude-in-words",
        POSTCODES,
        _cell(EXTRACT, "latitude", "north"),
        1,
        "valid number",
    ),
    _case(
        "postcode-in-full-width-digits",
        POSTCODES,
        _cell(EXTRACT, "postcode", "BR\uff11 1HN"),
        1,
        "is not a UK postcode",
    ),
    _case(
        "postcode-lsoa-in-arabic-indic-digits",
        POSTCODES,
        _cell(EXTRACT, "LSOA21CD", "E0103438\u0666"),
        1,
        "is not an ONS LSOA code",
    ),
    _case(
        "postcode-listed-twice",
        POSTCODES,
        _text(EXTRACT, lambda t: t + t.split("\n")[1] + "\n"),
        1,
        "is also on line 2",
        f"{EXTRACT}:",
    ),
    _case(
        "postcode-row-of-one-long-field",
        POSTCODES,
        _text(EXTRACT, lambda t: t + "x" * (MAX_LINE + 10)),
        2,
        "fields where the header has",
        f"{EXTRACT}:1057:",
    ),
    _case(
        "postcode-header-past-the-limit",
        POSTCODES,
        _text(EXTRACT, lambda _: "x" * (MAX_LINE + 1)),
        2,
        f"a line longer than {MAX_LINE} characters (the limit)",
        f"{EXTRACT}:1:",
    ),
    _case(
        "postcode-header-only",
        POSTCODES,
        _text(EXTRACT, lambda t: t.split("\n")[0] + "\n"),
        1,
        "has no live postcode in region",
        f"{EXTRACT}:",
    ),
    _case(
        "postcode-header-with-a-nul",
        POSTCODES,
        _text(EXTRACT, lambda t: "\x00" + t),
        2,
        "no column for postcode",
        f"{EXTRACT}:1:",
    ),
    _case(
        "postcode-header-without-lsoa",
        POSTCODES,
        _text(EXTRACT, lambda t: t.replace("LSOA21CD", "LSOA", 1)),
        2,
        "no column for lsoa",
        f"{EXTRACT}:1:",
    ),
    _case(
        "postcode-row-not-utf8",
        POSTCODES,
        _text(EXTRACT, lambda t: t.encode("utf-8").replace(b"BR1 3DR", b"BR1 3D\xff")),
        2,
        "is not UTF-8",
        f"{EXTRACT}:3:",
    ),
    _case(
        "postcode-file-past-a-lowered-limit",
        POSTCODES,
        _sparse(EXTRACT, 2 << 20),
        2,
        "more than 1 MB (the limit, NHGRAPH_POSTCODE_FILE_MAX_MB)",
        f"{EXTRACT}:",
        {"NHGRAPH_POSTCODE_FILE_MAX_MB": "1"},
    ),
]
