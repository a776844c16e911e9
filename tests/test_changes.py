"""A node's change as the history, the dry run and the diff all record it."""

from __future__ import annotations

import pytest

from nhgraph.schema.models import Organisation
from nhgraph.store.changes import NodeChange

PRACTICE = Organisation(
    id="ods:F84003", name="Old Name", kind="gp_practice", source="ods", source_version="1"
)


def test_an_update_names_the_fields_that_differ_and_not_the_loading_stamps() -> None:
    renamed = Organisation(**{**PRACTICE.model_dump(), "name": "New Name", "source_version": "2"})
    change = NodeChange.of(PRACTICE, renamed)
    assert change.operation == "updated"
    assert change.fields == ["name"]
    assert change.changed
    assert change.before is not None
    assert "source_version" not in change.before


def test_a_reload_that_only_restamps_a_node_is_no_change() -> None:
    restamped = Organisation(**{**PRACTICE.model_dump(), "source_version": "2"})
    change = NodeChange.of(PRACTICE, restamped)
    assert not change.changed
    assert change.fields == []


def test_creates_and_removes_hold_every_field() -> None:
    created, removed = NodeChange.of(None, PRACTICE), NodeChange.of(PRACTICE, None)
    assert (created.operation, removed.operation) == ("created", "removed")
    assert created.label == removed.label == "Organisation"
    assert created.node_id == "ods:F84003"
    assert "name" in created.fields
    assert "places" in removed.fields
    assert created.changed
    assert removed.changed


def test_a_change_of_nothing_into_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="Organisation ods:F84003: a change needs"):
        NodeChange("Organisation", "ods:F84003", None, None)
