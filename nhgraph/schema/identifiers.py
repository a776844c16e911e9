"""Identifiers checked at the edge: ONS codes, ODS codes, organisation ids, UK postcodes.

Each type is an ``Annotated[str, ...]`` that pydantic checks wherever a model uses it, so a
wrong code is refused where it enters (a file, an API edit), with the field and the value
named, and never reaches the graph.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import AfterValidator, BeforeValidator

# ONS GSS codes: a letter-digit entity prefix and six digits.
ONS_PATTERNS: Final = {
    "E01": "LSOA",
    "E02": "MSOA",
    "E09": "London borough (place)",
    "E0[6-9]": "local authority district (place: E06, E07, E08 or E09)",
    "E12": "region",
    "E54": "integrated care board",
}


#: Characters of a refused value a message repeats.
SHOWN_MAX: Final = 60


def quoted(value: str) -> str:
    """A refused value as a message shows it: whole when short, else its start and length."""
    if len(value) <= SHOWN_MAX:
        return f"'{value}'"
    return f"'{value[:SHOWN_MAX]}...' ({len(value)} characters)"


def _ons(prefix: str) -> AfterValidator:
    pattern = re.compile(rf"^{prefix}[0-9]{{6}}$", re.ASCII)

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            shape = "E06, E07, E08 or E09" if prefix == "E0[6-9]" else prefix
            raise ValueError(
                f"{quoted(value)} is not an ONS {ONS_PATTERNS[prefix]} code "
                f"({shape} and six digits)"
            )
        return value

    return AfterValidator(check)


def _strip_upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


LsoaCode = Annotated[str, BeforeValidator(_strip_upper), _ons("E01")]
MsoaCode = Annotated[str, BeforeValidator(_strip_upper), _ons("E02")]
#: A place is a local authority district: a unitary authority (E06), a non-metropolitan district
#: (E07), a metropolitan borough (E08) or a London borough (E09). London's are all E09; England's
#: 296 use all four.
PlaceCode = Annotated[str, BeforeValidator(_strip_upper), _ons("E0[6-9]")]
RegionCode = Annotated[str, BeforeValidator(_strip_upper), _ons("E12")]
IcbOnsCode = Annotated[str, BeforeValidator(_strip_upper), _ons("E54")]

# ODS code shapes by kind of organisation (NHS England Organisation Data Service).
ODS_SHAPES: Final[dict[str, tuple[str, str]]] = {
    "gp_practice": (r"[A-HJ-TV-Z][0-9]{5}", "a letter (not I or U) and five digits, e.g. F84003"),
    "pcn": (r"U[0-9]{5}", "U and five digits, e.g. U12345"),
    "icb": (r"Q[A-Z0-9]{2}", "Q and two characters, e.g. QMJ"),
    "nhs_trust": (r"R[A-Z0-9]{2}|[A-Z0-9]{5}", "R and two characters (e.g. RAL) or five"),
    "community_pharmacy": (r"F[A-Z0-9]{4}", "F and four characters, e.g. FA123"),
    "ambulance_service": (r"R[A-Z0-9]{2}", "R and two characters, e.g. RRU"),
}
ODS_CODE = re.compile(r"^[A-Z0-9]{3,6}$", re.ASCII)


def check_ods_code(code: str, kind: str | None = None) -> str:
    """An ODS code of the right shape for its kind of organisation (when the kind has one)."""
    if not ODS_CODE.fullmatch(code):
        raise ValueError(f"{quoted(code)} is not an ODS code (3 to 6 capital letters and digits)")
    if kind in ODS_SHAPES:
        shape, example = ODS_SHAPES[kind]
        if not re.fullmatch(shape, code, re.ASCII):
            raise ValueError(f"{quoted(code)} is not the ODS code of a {kind}: expected {example}")
    return code


def _ods(value: str) -> str:
    return check_ods_code(value)


OdsCode = Annotated[str, BeforeValidator(_strip_upper), AfterValidator(_ods)]
IcbCode = Annotated[
    str, BeforeValidator(_strip_upper), AfterValidator(lambda v: check_ods_code(v, "icb"))
]

# Organisation ids: scheme:code, one scheme per register.
ORGANISATION_SCHEMES: Final[dict[str, tuple[str, str]]] = {
    "ods": (r"[A-Z0-9]{3,6}", "an NHS ODS code"),
    "charity": (r"[0-9]{6,8}(-[0-9]{1,2})?", "a Charity Commission number"),
    "cqc": (r"1-[0-9]{9,11}", "a CQC location or provider id, 1-123456789"),
    "ons": (r"E[0-9]{8}", "an ONS code (a local authority, E09...)"),
    "companies": (r"[A-Z0-9]{8}", "a Companies House number"),
    "local": (r"[a-z0-9][a-z0-9-]{1,62}", "an id local to nhgraph (illustrative partners)"),
}


def check_organisation_id(value: str) -> str:
    """``scheme:code`` with a known scheme and a code of that scheme's shape."""
    scheme, sep, code = value.partition(":")
    if not sep or scheme not in ORGANISATION_SCHEMES:
        raise ValueError(
            f"{quoted(value)} is not an organisation id: expected scheme:code with scheme one of "
            f"{', '.join(ORGANISATION_SCHEMES)}"
        )
    shape, what = ORGANISATION_SCHEMES[scheme]
    if not re.fullmatch(shape, code, re.ASCII):
        raise ValueError(f"{quoted(value)}: {quoted(code)} is not {what}")
    return value


def _org_id(value: object) -> object:
    if isinstance(value, str):
        scheme, sep, code = value.strip().partition(":")
        if sep and scheme.lower() in ("ods", "ons", "companies"):
            return f"{scheme.lower()}:{code.upper()}"
        return value.strip()
    return value


OrganisationId = Annotated[str, BeforeValidator(_org_id), AfterValidator(check_organisation_id)]

# Ids of things nhgraph's own dataset names (neighbourhoods, INTs, teams, services...).
SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{1,127}$", re.ASCII)


def _slug(value: str) -> str:
    if not SLUG.fullmatch(value):
        raise ValueError(
            f"{quoted(value)} is not an id: use 2-128 lower-case letters, digits, '.', '_' or '-'"
        )
    return value


def make_slug(*parts: str) -> str:
    """An id made from names (a membership from its team and INT, a folder from a place's
    name): lower case, each run of other characters one '-', short enough to be a Slug."""
    return re.sub(r"[^a-z0-9._-]+", "-", "-".join(parts).lower()).strip("-")[:120]


#: London's ONS region code: the region the reference loaders keep by default.
LONDON = "E12000007"


Slug = Annotated[
    str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v), AfterValidator(_slug)
]

# HSDS record ids: HSDS 3.0 makes every id a UUID. Kept as text, lower case and hyphenated, the
# one form an export writes back (uuid.UUID's own str()).
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.ASCII)


def check_hsds_id(value: str) -> str:
    """A UUID as HSDS writes it (any case in; lower case out), or a ValueError naming it."""
    lowered = value.strip().lower()
    if not _UUID.fullmatch(lowered):
        raise ValueError(f"{quoted(value)} is not a UUID (HSDS 3.0 ids are UUIDs)")
    return lowered


HsdsId = Annotated[str, AfterValidator(check_hsds_id)]

# UK postcodes: outward code (area, district) and inward code (sector digit, unit letters).
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$", re.ASCII)
_CANONICAL = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}", re.ASCII)
_SPACE = re.compile(r"\s+")


def normalise_postcode(value: str) -> str:
    """``'se17eh'`` and ``' SE1 7EH '`` are the same postcode: ``'SE1 7EH'``."""
    if _CANONICAL.fullmatch(value):
        return value  # most values already are (the directories print them so), once checked
    compact = _SPACE.sub("", value).upper()
    match = POSTCODE.fullmatch(compact)
    if not match:
        raise ValueError(f"{quoted(value)} is not a UK postcode")
    return f"{match.group(1)} {match.group(2)}"


def _postcode(value: object) -> object:
    return normalise_postcode(value) if isinstance(value, str) else value


Postcode = Annotated[str, BeforeValidator(_postcode)]
