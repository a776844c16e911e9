"""The graph's version: every committed write gives it a new token, a refused one leaves it,
and the map layer's ETag follows it (so a browser sees an edit on its next fetch)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from nhgraph import edits
from nhgraph.access import Principal
from nhgraph.edits.commit import EditRefused
from nhgraph.ontology.report import ValidationReport
from nhgraph.store import db, version, write_models
from nhgraph.store.findings import save_run

from .world import CAMDEN, HACKNEY, world

CAMDEN_INTEGRATOR = Principal(
    name="camden-integrator", role="integrator", places=frozenset({CAMDEN})
)


@pytest.fixture
def small(graph: db.Database) -> db.Database:
    write_models(graph, world())
    return graph


def test_an_empty_graph_has_no_version(graph: db.Database) -> None:
    assert version.current(graph) is None


def test_a_write_gives_a_new_token_and_a_rewrite_another(small: db.Database) -> None:
    first = version.current(small)
    assert first is not None
    write_models(small, world())
    second = version.current(small)
    assert second is not None
    assert second != first
    # One version node, whatever the number of writes.
    assert small.read("MATCH (v:GraphVersion) RETURN count(v) AS n") == [{"n": 1}]


def test_an_edit_advances_the_version_and_a_refused_one_does_not(small: db.Database) -> None:
    before = version.current(small)
    edits.move_lsoas(
        small,
        CAMDEN_INTEGRATOR,
        lsoas=["E01000800"],
        from_neighbourhood="camden-north",
        to_neighbourhood="camden-south",
    )
    moved = version.current(small)
    assert moved != before
    with pytest.raises(EditRefused):
        edits.move_lsoas(
            small,
            CAMDEN_INTEGRATOR,
            lsoas=["E01001700"],
            from_neighbourhood="hackney-east",
            to_neighbourhood="camden-south",
        )
    assert version.current(small) == moved
    assert HACKNEY not in CAMDEN_INTEGRATOR.places


def test_saving_a_validation_run_advances_the_version(small: db.Database) -> None:
    before = version.current(small)
    report = ValidationReport(conforms=True, results=[])
    save_run(small, report, on=date.today(), trigger="validate", shapes="x")
    assert version.current(small) != before


def test_the_map_layers_etag_changes_with_an_edit_and_only_then(client: Any) -> None:
    from .clients import INTEGRATOR

    client.database.reset()  # the tests above leave their own graphs
    write_models(client.database, world())
    base = client.url.removesuffix("/graphql")
    first = httpx.get(f"{base}/map/areas.geojson", timeout=60)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert (
        httpx.get(
            f"{base}/map/areas.geojson", headers={"If-None-Match": etag}, timeout=60
        ).status_code
        == 304
    )
    camden_north = [f for f in first.json()["features"] if f["properties"]["id"] == "camden-north"]
    assert camden_north == []  # the small world's LSOAs have no boundaries: nothing to outline
    moved = client.data(
        'mutation { moveLsoas(lsoas: ["E01000800"], fromNeighbourhood: "camden-north", '
        'toNeighbourhood: "camden-south") { __typename } }',
        key=INTEGRATOR,
    )
    assert moved["moveLsoas"]["__typename"] == "EditDone"
    after = httpx.get(f"{base}/map/areas.geojson", headers={"If-None-Match": etag}, timeout=60)
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    refused = client.data(
        'mutation { moveLsoas(lsoas: ["E01001700"], fromNeighbourhood: "hackney-east", '
        'toNeighbourhood: "camden-south") { __typename } }',
        key=INTEGRATOR,
    )
    assert refused["moveLsoas"]["__typename"] == "EditRefused"
    unchanged = httpx.get(
        f"{base}/map/areas.geojson", headers={"If-None-Match": after.headers["etag"]}, timeout=60
    )
    assert unchanged.status_code == 304
