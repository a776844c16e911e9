"""The pure logic of bench/england.py, without a server: the cost growth it reports (a figure
that grows as the data does has a ratio over the size ratio of 1), the list parameters it
builds from the queries' own headers, and its refusal to run without England's files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench import england
from nhgraph import queries


def _figures(lsoas: int, seconds: float, page_ms: float, question_ms: float) -> dict[str, object]:
    return {
        "lsoas": lsoas,
        "places": 1,
        "systems": 1,
        "from_empty_seconds": seconds,
        "pages": {
            "api_list_places_deep_ms": page_ms,
            "filtered": {"services_place_name_ms": page_ms * 2},
        },
        "questions_ms": {"lsoas_in_no_neighbourhood": question_ms},
    }


def test_growth_is_each_figures_ratio_over_the_size_ratio() -> None:
    london = _figures(1000, 10.0, 2.0, 100.0)
    bigger = _figures(6800, 68.0, 2.0, 1360.0)
    growth = england._growth(london, bigger)  # type: ignore[arg-type]
    assert growth["size_ratio_lsoas"] == 6.8
    assert growth["from_empty_seconds"]["ratio_over_size_ratio"] == 1.0  # grows as the data
    assert growth["api_list_places_deep_ms"]["ratio_over_size_ratio"] == 0.15  # flat
    assert growth["services_place_name_ms"]["ratio_over_size_ratio"] == 0.15  # a filtered page
    assert growth["lsoas_in_no_neighbourhood"]["ratio_over_size_ratio"] == 2.0  # faster
    assert "places" not in growth  # sizes are not costs


CASES = list(england.LISTS)


def test_every_list_query_gets_the_parameters_its_header_names() -> None:
    assert len(CASES) >= 5
    for name in CASES:
        given = england._list_params(name)
        assert set(given) <= set(queries.load(name).parameters), name
        assert given.get("limit") == england.PAGE, name


def test_the_bench_refuses_to_run_without_englands_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    monkeypatch.setattr(england, "ENGLAND_DIR", tmp_path)
    monkeypatch.setattr(sys, "argv", ["bench", "england", "--quick"])
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped:
        england.run()
    assert str(tmp_path) in str(stopped.value)
    # The bench's SIGTERM handler ends with it: pytest's forked validation workers inherit
    # the process's handler, and one that raises hung their pool's terminate.
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_bench_reads_england_beside_the_repository() -> None:
    from nhgraph.config import PROJECT_ROOT

    assert PROJECT_ROOT.parent / "shared" / "data" / "england" == england.ENGLAND_DIR
