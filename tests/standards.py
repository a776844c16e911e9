"""The published exchange standards in ``../shared/standards/`` (beside the repository), and
the ORUK 3.0 JSON Schema check built on them.

The folder is data, never copied into the project. Where it is absent (a user's machine) the
tests that need it skip, saying so; under CI (``CI=true`` or ``CI=1``) they fail, so a broken
checkout cannot pass by skipping.

The ORUK schemas have no ``$id``: the profile's ``openapi.json`` names them by their published
URLs (``https://openreferraluk.org/specifications/3.0/schema/*.json``), which is how the ORUK
validator fetches them. Each local file is registered under exactly that URL with
``referencing``, so every ``$ref`` resolves offline, and formats are asserted (date-time, uri,
email, uuid), as the validator does.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from nhgraph.config import PROJECT_ROOT

STANDARDS = PROJECT_ROOT.parent / "shared" / "standards"
ORUK = STANDARDS / "hsds" / "oruk-3.0"
MOCKS = STANDARDS / "hsds" / "oruk-validator-mocks"
HSDS_CORE = STANDARDS / "hsds" / "hsds-3.0"
ORUK_BASE = "https://openreferraluk.org/specifications/3.0/schema/"
FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER

#: The formats the ORUK schemas use, each of which must really be checked (the checkers of
#: date-time and uri come from jsonschema's format extras; without them they pass anything).
FORMATS = {
    "date-time": "yesterday",
    "uri": "example/counselling",
    "email": "nobody",
    "uuid": "not-a-uuid",
}


def in_ci() -> bool:
    """Whether this run is CI's, where a missing standards folder is a failure."""
    return os.environ.get("CI", "").lower() in ("true", "1")


def require(path: Path = ORUK) -> Path:
    """The folder, or a skip (a failure under CI) naming what is missing and where."""
    if not path.is_dir():
        message = (
            f"{path} is absent: the conformance tests read the published standards from "
            "../shared/standards/ beside the repository"
        )
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


@cache
def registry() -> Registry[Any]:
    """Every ORUK 3.0 schema file, registered under its published URL."""
    schemas = require(ORUK) / "schema"
    resources = [
        (ORUK_BASE + file.name, Resource(json.loads(file.read_text()), specification=DRAFT202012))
        for file in sorted(schemas.glob("*.json"))
    ]
    return Registry().with_resources(resources)


@cache
def validator(schema: str) -> Draft202012Validator:
    """A draft 2020-12 validator of one ORUK schema (``service``, ``service_list`` ...), formats
    asserted, resolving every reference offline."""
    registry()  # the folder is checked first
    return Draft202012Validator(
        {"$ref": ORUK_BASE + schema + ".json"}, registry=registry(), format_checker=FORMAT_CHECKER
    )


def problems(instance: Any, schema: str) -> list[str]:
    """What the schema finds wrong with the instance, each with its JSON path; none: it passes."""
    return [
        f"{error.json_path}: {error.message[:200]}"
        for error in validator(schema).iter_errors(instance)
    ]


def assert_valid(instance: Any, schema: str, what: str = "") -> None:
    """Fail naming the first problems when the instance breaks the schema."""
    found = problems(instance, schema)
    assert not found, f"{what or schema} breaks {schema}.json: " + "; ".join(found[:5])
