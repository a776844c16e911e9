"""What the question tests share: asking as the command line and the API ask, and the days
the answers are worked out for."""

from __future__ import annotations

from datetime import date
from typing import Any

from nhgraph import questions
from nhgraph.schema.models import Node
from nhgraph.store import db

from .world import ON

DAY = ON  # 2026-06-01

TODAY = date(2026, 11, 23)

CARE_PARTNERS = "vcfse,domiciliary_care,residential_care"

CAMDEN_POPULATION = 1500 + 1501 + 1502 + 1503 + 1504 + 1505


def ask(database: db.Database, name: str, **parameters: object) -> list[dict[str, Any]]:
    """The question with nhgraph's defaults, as the command line and the API ask it."""
    return questions.ask(database, name, parameters)


def find(models: list[Node], cls: type[Node], id_: str) -> Any:
    [found] = [m for m in models if isinstance(m, cls) and m.id == id_]  # type: ignore[attr-defined]
    return found
