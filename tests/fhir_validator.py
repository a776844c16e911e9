"""The HL7 FHIR validator for the tests: one JVM (fhir/Validate.java, with the jars `make setup`
fetches with fhir/pom.xml) for the whole run, loaded once with UK Core STU2 from
``../shared/standards/ukcore-stu2/``, then asked file by file over its stdin, as the Jena
comparison runs one JVM for all its examples.

Where the standards or the jars are absent the tests that need the validator skip, saying
why, except under CI (CI=true or CI=1), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from nhgraph.config import PROJECT_ROOT

STANDARDS = PROJECT_ROOT.parent / "shared" / "standards"
UK_CORE = STANDARDS / "ukcore-stu2"
FHIR_LIB = PROJECT_ROOT / "fhir" / "target" / "lib"
VALIDATE = PROJECT_ROOT / "fhir" / "Validate.java"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(why: str) -> NoReturn:
    """Skip, or fail under CI, where the FHIR validation must run."""
    if in_ci():
        pytest.fail(f"{why} (CI is set, so FHIR validation may not be skipped)")
    pytest.skip(why)


@dataclass(frozen=True)
class Result:
    """What the validator said of one file."""

    file: str
    errors: int
    warnings: int
    messages: list[dict[str, Any]]

    def of(self, severity: str) -> list[str]:
        return [
            f"{m['location']}: {m['message']}" for m in self.messages if m["severity"] == severity
        ]

    def warning_kinds(self) -> Counter[str]:
        """Warnings grouped by what they say, with the specifics (codes, paths) cut away."""
        kinds: Counter[str] = Counter()
        for message in self.messages:
            if message["severity"] == "warning":
                kinds[message["message"][:40]] += 1
        return kinds


class Validator:
    """The running validator: :meth:`check` validates one file and returns its result."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            ["java", "-Xmx1500m", "-cp", f"{FHIR_LIB}/*", str(VALIDATE), str(UK_CORE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=PROJECT_ROOT,
        )
        assert self._process.stderr is not None
        for line in self._process.stderr:
            if line.strip() == "ready":
                return
        raise RuntimeError("the FHIR validator did not start (see fhir/Validate.java)")

    def check(self, path: Path) -> Result:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(f"{path}\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the FHIR validator stopped while checking {path}")
        return Result(**json.loads(line))

    def check_json(self, resource: dict[str, Any], folder: Path, name: str) -> Result:
        path = folder / f"{name}.json"
        path.write_text(json.dumps(resource), encoding="utf-8")
        return self.check(path)

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()


def start_validator() -> Iterator[Validator]:
    """The body of the session fixture ``fhir_validator`` (tests/conftest.py)."""
    if not UK_CORE.is_dir():
        unavailable(
            f"{UK_CORE} is absent: FHIR validation needs UK Core STU2 from ../shared/standards"
        )
    if shutil.which("java") is None or not any(FHIR_LIB.glob("hapi-fhir-validation-*.jar")):
        unavailable("the HL7 FHIR validator's jars are not fetched (make setup fetches them)")
    validator = Validator()
    try:
        yield validator
    finally:
        validator.close()


def references(resource: Any) -> Iterator[str]:
    """Every ``reference`` a resource (or Bundle) holds."""
    if isinstance(resource, dict):
        for key, value in resource.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(resource, list):
        for item in resource:
            yield from references(item)


def collection_chunks(bundle: dict[str, Any], size: int) -> list[dict[str, Any]]:
    """A collection Bundle cut into Bundles of ``size`` entries, each with every entry its
    entries reference, transitively, so that every reference still resolves inside it.

    The HL7 validator looks each reference up by walking the Bundle's entries (and validates
    what it finds), so its time grows with the square of a Bundle's size: the whole of London
    (12,700 resources) did not finish in 15 minutes, where Bundles of a thousand take seconds.
    Together the pieces hold every resource.
    """
    entries = bundle["entry"]
    by_reference = {f"{e['resource']['resourceType']}/{e['resource']['id']}": e for e in entries}
    pieces = []
    for start in range(0, len(entries), size):
        held: dict[str, Any] = {}
        todo = list(entries[start : start + size])
        while todo:
            entry = todo.pop()
            key = f"{entry['resource']['resourceType']}/{entry['resource']['id']}"
            if key in held:
                continue
            held[key] = entry
            todo += [by_reference[r] for r in references(entry["resource"]) if r in by_reference]
        pieces.append({**bundle, "entry": list(held.values())})
    return pieces
