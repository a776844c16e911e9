"""``nhgraph edit``: the API's eight edits at the command line, one subcommand each.

Each calls the same function of :mod:`nhgraph.edits` as the GraphQL mutation of its name, so it
has the same rules, refusals and record. The editor is named with ``--as`` (the name the
``Edit`` record and the written nodes carry). Someone at the command line holds the
database's password, so they edit as an admin, anywhere, unless ``--integrator-of PLACE`` holds
them to an integrator's places. Exit codes: 0 the edit was made, 1 refused (``invalid``,
``rule_broken``, ``outside_your_places``) or the database failed, 2 ``not_found``.
``--dry-run`` checks the edit as it would be made and changes nothing: it prints what would
change and the warnings and exits 0, or the refusal the edit would meet, with its code (its
JSON answer is ``done`` with ``committed`` false, as the API's is ``EditDone``).
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from nhgraph.access import Principal
from nhgraph.cli.common import err, out
from nhgraph.config import get_settings
from nhgraph.store import db

if TYPE_CHECKING:  # the edits bring the shapes and rdflib: imported when an edit runs
    from nhgraph.edits import EditReceipt
    from nhgraph.ontology.report import ValidationResult

edit_app = typer.Typer(
    help="Edit the map as an integrator or admin: checked by the shapes, recorded, all or "
    "nothing. Exit codes: 0 done, 1 refused or the database failed, 2 not found.",
    no_args_is_help=True,
)


class ReceiptFormat(StrEnum):
    """The forms ``nhgraph edit`` can give an edit's receipt in: text or JSON."""

    text = "text"
    json = "json"


Editor = Annotated[
    str | None,
    typer.Option("--as", help="The editor's name, recorded with the edit (default: your login)."),
]
IntegratorOf = Annotated[
    list[str] | None,
    typer.Option(
        "--integrator-of",
        help="Edit as an integrator of this place (ONS E09 code; repeatable), held to its "
        "places; without it, as an admin.",
    ),
]
Format = Annotated[ReceiptFormat, typer.Option("--format", help="text or json")]
DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Check the edit and change nothing: print what it would change and its warnings.",
    ),
]
Day = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])]


def principal_of(editor: str | None, integrator_of: list[str] | None) -> Principal:
    """Who edits at the command line: an admin, or an integrator held to the places given."""
    name = editor or getpass.getuser()
    if integrator_of:
        return Principal(name=name, role="integrator", places=frozenset(integrator_of))
    return Principal(name=name, role="admin")


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _rule(result: ValidationResult) -> dict[str, Any]:
    return {
        "rule": result.rule,
        "severity": result.severity,
        "node": result.focus_id,
        "path": result.path,
        "value": result.value,
        "message": result.message,
    }


def _make(
    edit: Callable[..., EditReceipt],
    editor: str | None,
    integrator_of: list[str] | None,
    output: ReceiptFormat,
    *args: Any,
    **arguments: Any,
) -> NoReturn:
    """Make the edit (or, with ``dry_run`` among the arguments, check it); print its receipt,
    or the refusal and the rules broken; exit with its code."""
    from nhgraph.edits import EditRefused

    try:
        database = db.get_database(get_settings())
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        err.print(f"configuration error: {error}", markup=False, highlight=False)
        raise typer.Exit(2) from error
    principal = principal_of(editor, integrator_of)
    try:
        receipt = edit(database, principal, *args, **arguments)
    except EditRefused as refused:
        rules = [_rule(r) for r in refused.rules]
        if output is ReceiptFormat.json:
            body = {"done": False, "code": refused.code, "message": refused.message}
            print(json.dumps({**body, "rules": rules}, indent=2))
        else:
            err.print(f"refused ({refused.code}): {refused.message}", markup=False)
            for rule in rules:
                err.print(f"  broken: {rule['rule']} at {rule['node']}: {rule['message']}")
        raise typer.Exit(refused.exit_code) from refused
    except db.DatabaseError as error:
        err.print(f"edit failed, nothing written: {error}", markup=False, highlight=False)
        raise typer.Exit(1) from error
    nodes = [f"{label}/{node_id}" for label, node_id in receipt.nodes]
    warnings = [_rule(w) for w in receipt.warnings]
    if output is ReceiptFormat.json:
        done = {"done": True, "edit": receipt.id, "action": receipt.action, "by": receipt.by}
        body = {**done, "at": receipt.at.isoformat(), "nodes": nodes, "warnings": warnings}
        body |= {"committed": receipt.committed, "changes": receipt.changes}
        print(json.dumps(body, indent=2))
    else:
        if receipt.committed:
            made = f"done by {receipt.by} at {receipt.at.isoformat()} (edit {receipt.id})"
        else:
            made = f"checked, not made (dry run; nothing was written) for {receipt.by}"
        out.print(f"{receipt.action} {made}", markup=False, highlight=False)
        for node in nodes:
            verb = "wrote" if receipt.committed else "would write"
            out.print(f"  {verb} {node}", markup=False, highlight=False)
        for change in receipt.changes:
            out.print(f"  change: {change}", markup=False, highlight=False)
        for warning in warnings:
            out.print(
                f"  warning: {warning['rule']} at {warning['node']}: {warning['message']}",
                markup=False,
                highlight=False,
            )
    raise typer.Exit(0)


@edit_app.command("add-lsoas-to-neighbourhood")
def add_lsoas_to_neighbourhood(
    neighbourhood: Annotated[str, typer.Argument(help="The neighbourhood's id.")],
    lsoas: Annotated[list[str], typer.Argument(help="LSOA codes to add.")],
    editor: Editor = None,
    integrator_of: IntegratorOf = None,
    output: Format = ReceiptFormat.text,
    dry_run: DryRun = False,
) -> None:
    """Add LSOAs to a neighbourhood's footprint."""
    from nhgraph import edits

    _make(
        edits.add_lsoas_to_neighbourhood,
        editor,
        integrator_of,
        output,
        neighbourhood=neighbourhood,
        lsoas=lsoas,
        dry_run=dry_run,
    )


@edit_app.command("move-lsoas")
def move_lsoas(
    lsoas: Annotated[list[str], typer.Argument(help="LSOA codes to move.")],
    from_neighbourhood: Annotated[str, typer.Option("--from", help="The neighbourhood's id.")],
    to_neighbourhood: Annotated[str, typer.Option("--to", help="The neighbourhood's id.")],
    editor: Editor = None,
    integrator_of: IntegratorOf = None,
    output: Format = ReceiptFormat.text,
    dry_run: DryRun = False,
) -> None:
    """Move LSOAs from one neighbourhood's footprint to another's."""
    from nhgraph import edits

    _make(
        edits.move_lsoas,
        editor,
        integrator_of,
        output,
        lsoas=lsoas,
        from_neighbourhood=from_neighbourhood,
        to_neighbourhood=to_neighbourhood,
        dry_run=dry_run,
    )


@edit_app.command("add-team-to-int")
def add_team_to_int(
    int_id: Annotated[str, typer.Argument(metavar="INT", help="The INT's id.")],
    team: Annotated[str, typer.Argument(help="The team's id.")],
    tier: Annotated[str, typer.Option(help="hyper_local, consistent or tailored.")],
    start: Day = None,
    editor: Editor = None,
    integrator_of: IntegratorOf = None,
    output: Format = ReceiptFormat.text,
    dry_run: DryRun = False,
) -> None:
    """Add a team to an INT, in a tier, from a day (default today)."""
    from nhgraph import edits

    _make(
        edits.add_team_to_int,
        editor,
        integrator_of,
        output,
        int_id=int_id,
        team=team,
        tier=tier,
        start=_day(start),
        dry_run=dry_run,
    )


@edit_app.command("align-specialist")
def align_specialist(
    int_id: Annotated[str, typer.Argument(metavar="INT", help="The INT's id.")],
    specialty: Annotated[
        str, typer.Option(help="The specialist role, e.g. consultant_psychiatrist.")
    ],
    provider: Annotated[str, typer.Option(help="The providing organisation, e.g. ods:RKE.")],
    sessions_per_week: Annotated[float, typer.Option(help="Sessions a week (0 to 10).")],
    start: Day = None,
    end: Day = None,
    editor: Editor = None,
    integrator_of: IntegratorOf = None,
    output: Format = ReceiptFormat.text,
    dry_run: DryRun = False,
) -> None:
    """Align a specialist role (never a named person) to an INT."""
    from nhgraph import edits

    _make(
        edits.align_specialist,
        editor,
        integrator_of,
        output,
        int_id=int_id,
        specialty=specialty,
        provider=provider,
        sessions_per_week=sessions_per_week,
        start=_day(start),
        end=_day(end),
        dry_run=dry_run,
    )


@edit_app.command("add-service")
def add_service(
    service_id: Annotated[str, typer.Argument(metavar="ID", help="The new service's id.")],
    name: Annotated[str, typer.Option()],
    provider: Annotated[str, typer.Option(help="The providing organisation, e.g. ods:RKE.")],
    function: Annotated[str, typer.Option(help="The function it carries, e.g. frailty.")],
    team: Annotated[str | None, typer.Option()] = None,
    lsoa: Annotated[list[str] | None, typer.Option(help="An LSOA it is for (repeatable).")] = None,
    neighbourhood: Annotated[
        list[str] | None, typer.Option(help="A neighbourhood it is for (repeatable).")
    ] = None,
    place: Annotated[list[str] | None, typer.Option(help="A place it is for (repeatable).")] = None,
    min_age: Annotated[int | None, typer.Option()] = None,
    max_age: Annotated[int | None, typer.Option()] = None,
    cohort: Annotated[list[str] | None, typer.Option(help="A cohort (repeatable).")] = None,
    channel: Annotated[
        list[str] | None, typer.Option(help="phone, online, in_person, ... (repeatable).")
    ] = None,
    hours: Annotated[list[str] | None, typer.Option(help="Opening hours (repeatable).")] = None,
    open_24_7: Annotated[bool, typer.Option("--open-24-7")] = False,
    self_referral: Annotated[bool, typer.Option("--self-referral")] = False,
    phone: Annotated[str | None, typer.Option()] = None,
    url: Annotated[str | None, typer.Option()] = None,
    editor: Editor = None,
    integrator_of: IntegratorOf = None,
    output: Format = ReceiptFormat.text,
    dry_run: DryRun = False,
) -> None:
    """Add a service, for the LSOAs, neighbourhoods and places given."""
    from nhgraph import edits

    service = {
        "id": service_id,
        "name": name,
        "provider": provider,
        "function": function,
        "team": team,
        "lsoas": lsoa or [],
        "neighbourhoods": neighbourhood or [],
        "places": place or [],
        "min_age": min_age,
        "max_age": max_age,
        "cohorts": cohort or [],
        "channels": channel or [],
        "hours": hours or [],
        "open_24_7": open_24_7,
        "self_referral": self_referral,
        "phone": phone,
        "url": url,
    }
    _make(edits.add_service, editor, integrator_of, output, service, dry_run=dry_run)


@edit_app.command("end-service")
def end_service(
    service_id: Annotated[str, typer.Argument(metavar="ID", help="The service's id.")],
    editor: Editor = None,
    integrator_of: IntegratorOf = None,
    output: Format = ReceiptFormat.text,
    dry_run: DryRun = False,
) -> None:
    """End a service."""
    from nhgraph import edits

    _make(edits.end_service, editor, integrator_of, output, service=service_id, dry_run=dry_run)


@edit_app.command("register-data-sharing-agreement")
def register_data_sharing_agreement(
    agreement_id: Annotated[str, typer.Argument(metavar="ID", help="The new agreement's id.")],
    name: Annotated[str, typer.Option()],
    controller: Annotated[list[str], typer.Option(help="A controller (repeatable).")],
    purpose: Annotated[list[str], typer.Option(help="direct_care, ... (repeatable).")],
    valid_from: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"])],
    joint_controller: Annotated[list[str] | None, typer.Option(help="(repeatable)")] = None,
    processor: Annotated[list[str] | None, typer.Option(help="(repeatable)")] = None,
    lawful_basis: Annotated[str | None, typer.Option(help="Article 6 basis, e.g. a6_1_e.")] = None,
    article9_condition: Annotated[str | None, typer.Option(help="e.g. a9_2_h.")] = None,
    data_category: Annotated[list[str] | None, typer.Option(help="(repeatable)")] = None,
    valid_to: Day = None,
    review_date: Day = None,
    framework: Annotated[str | None, typer.Option(help="The agreement it accedes to.")] = None,
    editor: Editor = None,
    integrator_of: IntegratorOf = None,
    output: Format = ReceiptFormat.text,
    dry_run: DryRun = False,
) -> None:
    """Register a data-sharing agreement; an integrator's parties must operate in its places."""
    from nhgraph import edits

    agreement = {
        "id": agreement_id,
        "name": name,
        "controllers": controller,
        "purposes": purpose,
        "valid_from": valid_from.date(),
        "joint_controllers": joint_controller or [],
        "processors": processor or [],
        "lawful_basis": lawful_basis,
        "article9_condition": article9_condition,
        "data_categories": data_category or [],
        "valid_to": _day(valid_to),
        "review_date": _day(review_date),
        "framework": framework,
    }
    _make(
        edits.register_data_sharing_agreement,
        editor,
        integrator_of,
        output,
        agreement,
        dry_run=dry_run,
    )


@edit_app.command("end-data-sharing-agreement")
def end_data_sharing_agreement(
    agreement_id: Annotated[str, typer.Argument(metavar="ID", help="The agreement's id.")],
    on: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="The day it ends (default today).")
    ] = None,
    editor: Editor = None,
    integrator_of: IntegratorOf = None,
    output: Format = ReceiptFormat.text,
    dry_run: DryRun = False,
) -> None:
    """End a data-sharing agreement on a day."""
    from nhgraph import edits

    _make(
        edits.end_data_sharing_agreement,
        editor,
        integrator_of,
        output,
        agreement=agreement_id,
        end=_day(on),
        dry_run=dry_run,
    )
