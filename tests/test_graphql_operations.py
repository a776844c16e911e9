"""The documented operations (nhgraph/graphql/operations/*.graphql) run against the live
server, and their Cypher round trips do not grow with the number of items: each runs on the
small world, then on the world with more of the same (more INTs, teams, providers, services,
agreements), and must answer more with exactly as many round trips."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from nhgraph.config import Settings
from nhgraph.graphql.schema import SDL_PATH
from nhgraph.schema.models import (
    DataSharingAgreement,
    Int,
    Membership,
    Node,
    Organisation,
    Service,
    Team,
)
from nhgraph.store import db, write_models

from .clients import KEYS, ROLE_KEYS, Client, operation_header
from .conftest import LiveServer, make_test_settings
from .world import CAMDEN, CORE, world

OPERATIONS_DIR = SDL_PATH.parent / "operations"
OPERATIONS = sorted(OPERATIONS_DIR.glob("*.graphql"))
QUERIES = [
    p for p in OPERATIONS if not p.read_text(encoding="utf-8").lstrip("# \n").count("mutation ")
]
MINIMUM_OPERATIONS = 8  # raise this as operations are added, so the suite cannot shrink


def more_of_the_same(copies: int = 3) -> list[Node]:
    """Camden with more INTs, each with its own providers' teams, more services and more
    agreements: the same shapes as the world's, more of them."""
    models: list[Node] = []
    for k in range(2, 2 + copies):
        int_id = f"camden-int-{k}"
        provider = f"ods:R{k}K"
        models += [
            Organisation(id=provider, name=f"Trust {k}", kind="nhs_trust", places=[CAMDEN]),
            Int(id=int_id, name=f"Camden INT {k}", place=CAMDEN, neighbourhoods=["camden-north"]),
            Service(
                id=f"camden-frailty-{k}",
                name=f"Frailty service {k}",
                provider=provider,
                function="frailty",
                neighbourhoods=["camden-north"],
                min_age=65,
                channels=["phone"],
            ),
            DataSharingAgreement(
                id=f"camden-agreement-{k}",
                name=f"Camden agreement {k}",
                controllers=["ods:RKE", provider],
                purposes=["direct_care"],
                lawful_basis="a6_1_e",
                status="active",
                valid_from=date(2024, 1, 1),
            ),
            Team(
                id=f"{int_id}-pharmacy",
                name="Pharmacy",
                provider=provider,
                functions=["community_pharmacy"],
            ),
            Membership(
                id=f"{int_id}-pharmacy-in-1",
                team=f"{int_id}-pharmacy",
                int="camden-int-1",
                tier="hyper_local",
            ),
        ]
        for function in CORE:
            team_id = f"{int_id}-{function}".replace("_", "-")
            models += [
                Team(id=team_id, name=f"{function} {k}", provider=provider, functions=[function]),
                Membership(id=f"{team_id}-m", team=team_id, int=int_id, tier="consistent"),
            ]
    return models


@pytest.fixture(scope="module")
def server(neo4j_settings: Settings) -> Iterator[LiveServer]:
    settings = make_test_settings(api_keys=KEYS, neo4j_uri=neo4j_settings.neo4j_uri)
    with LiveServer(settings) as live:
        yield live


def test_the_operations_do_not_shrink() -> None:
    assert len(OPERATIONS) >= MINIMUM_OPERATIONS
    assert all({"role", "variables"} <= operation_header(p).keys() for p in OPERATIONS)


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_each_operation_runs_with_round_trips_flat_in_the_items(
    server: LiveServer, database: db.Database, path: Path
) -> None:
    client = Client(server)
    header = operation_header(path)
    query = path.read_text(encoding="utf-8")
    variables = json.loads(header["variables"])
    key = ROLE_KEYS[header["role"]]
    database.reset()
    write_models(database, world())
    answers: list[Any] = []
    counts: list[int] = []
    for grow in (False, True):
        if grow:
            write_models(database, more_of_the_same())
        before = client.database.round_trips
        answers.append(client.data(query, variables, key=key))
        counts.append(client.database.round_trips - before)
    small, large = (len(json.dumps(a)) for a in answers)
    assert large > small, f"{path.name}: more of the same should answer more"
    assert counts[0] == counts[1], f"{path.name}: round trips grew with the items: {counts}"
