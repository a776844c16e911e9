"""`nhgraph demo` with no keys configured makes keys for its run, so a newcomer can try the
views a key opens; with keys configured, or in production, it makes none."""

from __future__ import annotations

import json
import os

import pytest

from nhgraph.cli import DEMO_HOLDERS, _demo_keys
from nhgraph.config import Settings, get_settings


def test_the_demo_makes_a_key_of_each_demo_role(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        _check_demo_keys(monkeypatch)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()  # no later test reads the demo's keys


def _check_demo_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NHGRAPH_API_KEYS", "{}")  # restored after: the keys made do not leak
    get_settings.cache_clear()
    assert get_settings().api_keys == {}  # read (and cached) first, as `nhgraph demo` does
    _demo_keys()
    keys = get_settings().api_keys  # what `nhgraph serve` reads, cached for the process
    assert keys == Settings().api_keys
    assert sorted(holder.name for holder in keys.values()) == sorted(DEMO_HOLDERS)
    assert {holder.role for holder in keys.values()} == {"integrator", "governance", "admin"}
    assert all(len(secret) >= 24 for secret in keys)
    first = json.loads(os.environ["NHGRAPH_API_KEYS"])
    _demo_keys()
    second = json.loads(os.environ["NHGRAPH_API_KEYS"])
    assert set(first).isdisjoint(second)  # new keys each run: none is written anywhere
