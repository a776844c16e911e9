"""The questions users ask, over the named queries of :mod:`nhgraph.queries`.

The ``.cypher`` files hold the questions; this module is what the command line and the API
share around them: it fills the parameters a person should not have to type (the day, the core
offer, which lives in the SHACL shapes so that policy is stated once, the purposes of sharing),
and it answers ``who_serves`` for a postcode, an LSOA or a point. A question that cannot be
answered (a malformed postcode, a postcode outside the loaded lookup, a point outside every
loaded LSOA) raises :class:`NotAnswerable` with a code and a message, never an empty success.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from nhgraph import queries
from nhgraph.errors import Refusal
from nhgraph.schema.identifiers import LsoaCode, normalise_postcode
from nhgraph.schema.problems import describe
from nhgraph.schema.vocabulary import EXPIRY_DAYS, Purpose
from nhgraph.store.db import Database, Reader, Record
from nhgraph.store.gazetteer import LSOA_REACHES, point_in_geometry
from nhgraph.store.history import as_it_stood

_LSOA_CODE: TypeAdapter[str] = TypeAdapter(LsoaCode)


class NotAnswerable(Refusal):
    """A question that has no answer for what was asked, with a code an app can act on."""

    exit_code = 2


def _as_list(value: object) -> object:
    """A list parameter typed on a command line ("a,b") becomes a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def parameters_for(
    name: str, given: Mapping[str, object], today: date | None = None
) -> dict[str, Any]:
    """Every parameter the named query declares: what was given, else nhgraph's default.

    An unknown parameter is refused (naming what the question takes) rather than ignored, so a
    typo such as ``borough=`` cannot silently widen a question to all of London.
    """
    query = queries.question(name)
    unknown = sorted(set(given) - set(query.parameters))
    if unknown:
        raise NotAnswerable(
            "unknown_parameter",
            f"{name} takes {', '.join(query.parameters) or 'no parameters'}, "
            f"not {', '.join(unknown)}",
        )
    values: dict[str, Any] = dict.fromkeys(query.parameters)
    values.update(given)
    if "on" in values and values["on"] is None:
        values["on"] = today or date.today()
    if "core_offer" in values and values["core_offer"] is None:
        from nhgraph.ontology.shapes import core_offer  # rdflib, only for the questions using it

        values["core_offer"] = [dict(r) for r in core_offer()]
    if "purposes" in values:
        values["purposes"] = _as_list(values["purposes"]) or [p.value for p in Purpose]
    for name in ("changed", "closed", "renamed"):  # change_impact's organisations
        if name in values:
            values[name] = _as_list(values[name]) or []
    if "kinds" in values:
        values["kinds"] = _as_list(values["kinds"]) or None
    if "days" in values and values["days"] is None:
        values["days"] = EXPIRY_DAYS
    return values


def ask(
    database: Database,
    name: str,
    given: Mapping[str, object] | None = None,
    *,
    as_at: datetime | None = None,
) -> list[Record]:
    """Run a named question with its defaults filled (a statement that is not a question, such
    as an edit's, is refused: it is not for asking); with ``as_at``, on the graph as it stood
    then (record time; ``on`` stays the day the data's dates are read for)."""
    query, parameters = queries.question(name), parameters_for(name, given or {})
    if as_at is not None:
        return as_it_stood(database, as_at, lambda reader: reader.read(query, parameters))
    return database.read(query, parameters)


# -- who serves a resident ------------------------------------------------------------------


def lsoa_at(database: Reader, latitude: float, longitude: float) -> str:
    """The LSOA whose boundary holds the point; NotAnswerable when none of the loaded do."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise NotAnswerable(
            "invalid_point", f"({latitude}, {longitude}) is not a latitude and longitude"
        )
    rows: list[Record] = []
    for reach in LSOA_REACHES:
        # LSOAs do not overlap, so the first boundary that holds the point is the answer;
        # most points are in an LSOA smaller than the first reach, found by one small seek.
        rows = database.read(
            queries.load("lsoas_around_point"),
            {"latitude": latitude, "longitude": longitude, "reach": reach},
        )
        for row in rows:
            boundary = row["boundary"]
            if boundary and point_in_geometry(latitude, longitude, json.loads(boundary)):
                return str(row["lsoa"])
    raise NotAnswerable(
        "point_outside_area",
        f"the point ({latitude}, {longitude}) is in none of the LSOAs loaded "
        f"({len(rows)} had it in their bounding box but not in their boundary)"
        if rows
        else f"the point ({latitude}, {longitude}) is outside the area loaded (no LSOA near it)",
    )


def who_serves(
    database: Database | Reader,
    *,
    postcode: str | None = None,
    lsoa: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    age: int | None = None,
    cohort: str | None = None,
    function: str | None = None,
    on: date | None = None,
    as_at: datetime | None = None,
) -> Record:
    """Who serves a resident, found by postcode, LSOA code or point: one record with the place,
    neighbourhoods, INTs, teams tier by tier, services, specialists, integrator and gateways,
    and ``resolved`` saying how the resident was placed. With ``as_at``, as the graph stood
    then: the same statements, run where every change since is undone (and rolled back)."""
    if as_at is not None:
        if not isinstance(database, Database):
            raise TypeError("an as-at question needs the database, not a transaction")

        def then(reader: Reader) -> Record:
            return who_serves(
                reader,
                postcode=postcode,
                lsoa=lsoa,
                latitude=latitude,
                longitude=longitude,
                age=age,
                cohort=cohort,
                function=function,
                on=on,
            )

        return as_it_stood(database, as_at, then)
    given = [
        what
        for what, value in (
            ("postcode", postcode),
            ("lsoa", lsoa),
            ("point", latitude if latitude is not None else longitude),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise NotAnswerable(
            "ambiguous_resident" if given else "no_resident",
            "give one of: a postcode, an LSOA code, or a latitude and longitude"
            + (f" (given: {', '.join(given)})" if given else ""),
        )
    if age is not None and not 0 <= age <= 130:
        raise NotAnswerable("invalid_age", f"age {age} is not between 0 and 130")
    resolved: dict[str, Any]
    if postcode is not None:
        try:
            postcode = normalise_postcode(postcode)
        except ValueError as error:
            raise NotAnswerable("invalid_postcode", str(error)) from error
        resolved = {"by": "postcode", "postcode": postcode}
    elif lsoa is not None:
        try:
            lsoa = _LSOA_CODE.validate_python(lsoa)  # the model's own check: E01, six digits
        except ValidationError as error:
            raise NotAnswerable("invalid_lsoa", describe(error)[0].message) from error
        resolved = {"by": "lsoa"}
    else:
        if latitude is None or longitude is None:
            raise NotAnswerable("invalid_point", "give both a latitude and a longitude")
        lsoa = lsoa_at(database, latitude, longitude)
        resolved = {"by": "point", "latitude": latitude, "longitude": longitude}
    rows = database.read(
        queries.load("who_serves"),
        {
            "lsoa": lsoa,
            "postcode": postcode,
            "age": age,
            "cohort": cohort,
            "function": function,
            "on": on or date.today(),
        },
    )
    if not rows:
        if postcode is not None:
            [lookup] = database.read(queries.load("postcode_lsoa"), {"postcode": postcode})
            raise NotAnswerable(
                "postcode_not_found",
                f"{postcode} is not in the postcode lookup loaded "
                f"({lookup['postcodes_loaded']} postcodes); load the ONS postcode directory "
                "with `nhgraph load postcodes:FILE`",
            )
        raise NotAnswerable("lsoa_not_found", f"{lsoa} is not an LSOA of the area loaded")
    row = rows[0]
    resolved["lsoa"] = row["lsoa"]
    row["resolved"] = resolved
    return row
