"""The data-sharing questions on the small hand-built world: who may share with whom, for
what, under which agreement, and what is about to end or names a closed organisation."""

from __future__ import annotations

from datetime import date

from nhgraph.schema.models import DataSharingAgreement, Membership, Node, Organisation, Team
from nhgraph.store import db, write_models

from .asking import DAY, ask, find
from .world import world


def _sharing_world() -> list[Node]:
    """camden-int-1's partners: ods:RKE, ods:F83001 (the pharmacy team), ons:E09000007 and
    local:camden-vcs (added below). The world's agreement covers RKE, the council and the VCFSE
    for direct care; F83001 accedes with RKE's framework, so F83001 and RKE share through it."""
    models = world()
    find(models, Team, "camden-int-1-adult-social-care").provider = "ons:E09000007"
    find(models, Team, "camden-int-1-social-prescribing").provider = "local:camden-vcs"
    models += [
        DataSharingAgreement(
            id="london-framework",
            name="London framework",
            controllers=["ods:RKE", "ons:E09000012"],
            purposes=["direct_care", "planning"],
            lawful_basis="a6_1_e",
            status="active",
            valid_from=date(2024, 1, 1),
        ),
        DataSharingAgreement(
            id="practice-accession",
            name="A practice accedes",
            controllers=["ods:F83001", "ons:E09000012"],
            purposes=["direct_care"],
            lawful_basis="a6_1_e",
            status="active",
            valid_from=date(2025, 1, 1),
            framework="london-framework",
        ),
    ]
    return models


def test_sharing_coverage_for_an_int(graph: db.Database) -> None:
    write_models(graph, _sharing_world())
    rows = ask(
        graph, "sharing_coverage", int="camden-int-1", purposes="direct_care,research", on=DAY
    )
    assert len(rows) == 6 * 2  # 4 partners make 6 pairs, for 2 purposes
    covered = {
        (r["partner_a"], r["partner_b"], r["purpose"]): r["agreement"] for r in rows if r["covered"]
    }
    assert covered == {
        ("local:camden-vcs", "ods:RKE", "direct_care"): "camden-direct-care",
        ("local:camden-vcs", "ons:E09000007", "direct_care"): "camden-direct-care",
        ("ods:RKE", "ons:E09000007", "direct_care"): "camden-direct-care",
        ("ods:F83001", "ods:RKE", "direct_care"): "london-framework",  # through the accession
    }
    [rke_council] = [
        r
        for r in rows
        if (r["partner_a"], r["partner_b"], r["purpose"])
        == ("ods:RKE", "ons:E09000007", "direct_care")
    ]
    assert (rke_council["lawful_basis"], rke_council["article9_condition"]) == ("a6_1_e", "a9_2_h")
    assert all(r["agreement"] is None for r in rows if not r["covered"])
    assert rows[0]["covered"] is False  # uncovered pairs first, for governance to act on
    # Before the accession (2025-01-01) F83001 and RKE cannot share.
    early = ask(
        graph, "sharing_coverage", int="camden-int-1", purposes=["direct_care"], on=date(2024, 6, 1)
    )
    assert sum(r["covered"] for r in early) == 3
    # A place asks for all its INTs' partners, and every purpose by default.
    place = ask(graph, "sharing_coverage", place="E09000007", on=DAY)
    assert len(place) == 6 * 5


def test_sharing_coverage_by_place(graph: db.Database) -> None:
    write_models(graph, _sharing_world())
    rows = ask(graph, "sharing_coverage_by_place", purposes="direct_care", on=DAY)
    assert rows == [
        {
            "place": "E09000007",
            "name": "Camden",
            "purpose": "direct_care",
            "partners": 4,
            "pairs": 6,
            "covered_pairs": 4,
            "uncovered_pairs": 2,
        },
        {  # Hackney's INT has one partner, its council: no pairs
            "place": "E09000012",
            "name": "Hackney",
            "purpose": "direct_care",
            "partners": 1,
            "pairs": 0,
            "covered_pairs": 0,
            "uncovered_pairs": 0,
        },
    ]


def test_agreements_expiring(graph: db.Database) -> None:
    write_models(graph, world())  # camden-direct-care ends 2030-12-31
    assert ask(graph, "agreements_expiring", on=DAY) == []
    assert ask(graph, "agreements_expiring", on=date(2030, 11, 1)) == [
        {
            "agreement": "camden-direct-care",
            "name": "Camden direct care agreement",
            "valid_to": date(2030, 12, 31),
            "days_left": 60,
            "review_date": None,
            "parties": 3,
            "places": ["E09000007"],
        }
    ]
    assert ask(graph, "agreements_expiring", on=date(2030, 11, 1), days=59) == []
    assert ask(graph, "agreements_expiring", on=date(2031, 1, 1)) == []  # already ended


def test_partners_outside_agreements(graph: db.Database) -> None:
    models = [
        *world(),
        Organisation(id="local:hackney-vcs", name="Hackney VCS", kind="vcfse", illustrative=True),
        Team(
            id="hackney-link",
            name="Link",
            provider="local:hackney-vcs",
            functions=["social_prescribing"],
        ),
        Membership(id="hackney-link-m", team="hackney-link", int="hackney-int-1", tier="tailored"),
    ]
    write_models(graph, models)
    rows = ask(graph, "partners_outside_agreements", on=DAY)
    assert [(r["place"], r["organisation"], r["ints"]) for r in rows] == [
        ("E09000007", "ods:F83001", ["camden-int-1"]),  # the pharmacy team's provider
        ("E09000012", "local:hackney-vcs", ["hackney-int-1"]),
        ("E09000012", "ons:E09000012", ["hackney-int-1"]),
    ]
    vcfse = ask(graph, "partners_outside_agreements", on=DAY, kinds="vcfse,domiciliary_care")
    assert [(r["organisation"], r["kind"], r["illustrative"]) for r in vcfse] == [
        ("local:hackney-vcs", "vcfse", True)
    ]
    # After the agreement ends, RKE (in Camden) is outside every agreement too.
    later = ask(graph, "partners_outside_agreements", on=date(2031, 1, 1), place="E09000007")
    assert [r["organisation"] for r in later] == ["ods:F83001", "ods:RKE"]


def test_agreements_naming_closed_organisations(graph: db.Database) -> None:
    models = world()
    find(models, Organisation, "local:camden-vcs").close_date = date(2026, 1, 31)
    write_models(graph, models)
    assert ask(graph, "agreements_naming_closed_organisations", on=DAY) == [
        {
            "agreement": "camden-direct-care",
            "name": "Camden direct care agreement",
            "status": "active",
            "organisation": "local:camden-vcs",
            "organisation_name": "An illustrative VCFSE",
            "role": "processor",
            "closed_on": date(2026, 1, 31),
        }
    ]
    assert ask(graph, "agreements_naming_closed_organisations", on=date(2026, 1, 31)) == []
