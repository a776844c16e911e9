"""The eight edits an integrator makes, as plain functions: the API and the command line both
call them, and each holds its own rules.

Every edit reads the nodes it changes, checks that the caller may touch their places (an
integrator only its own, an admin anywhere) before anything is read into the shapes, works out
the changed models (new LSOA lists, membership ids, a start that defaults to the day of the
edit), and hands them to :func:`nhgraph.edits.commit`, which judges them by the shapes
and writes them with a record of who and when. Each answers with an
:class:`~nhgraph.edits.commit.EditReceipt` or raises
:class:`~nhgraph.edits.commit.EditRefused`; a refused edit writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from pydantic import ValidationError

from nhgraph.access import Principal
from nhgraph.edits.commit import EditReceipt, EditRefused, commit, exists, read
from nhgraph.schema import models as m
from nhgraph.schema.identifiers import make_slug
from nhgraph.schema.problems import describe
from nhgraph.store.db import Database

N = TypeVar("N", bound=m.Node)


def _model(cls: type[N], values: Mapping[str, Any]) -> N:
    """A new or changed model, or EditRefused naming the field the model refused."""
    try:
        return cls.model_validate(dict(values))
    except ValidationError as error:
        first = describe(error)[0]
        where = first.field or cls.__name__
        raise EditRefused("invalid", f"{cls.__name__} {where}: {first.message}") from error


def _updated(model: N, **changes: Any) -> N:
    return _model(type(model), {**model.model_dump(), **changes})


class EditSession:
    """One edit's work: who makes it, on which day, and the reads, place checks and commit
    every edit shares."""

    def __init__(self, database: Database, principal: Principal, on: date | None = None) -> None:
        """The session of one edit by this principal on this day (today unless given); a principal
        that may not edit is refused here too, behind the API's permission."""
        if not principal.may_edit():  # the API's permission refuses them first; a backstop
            raise EditRefused(
                "outside_your_places", f"'{principal.name}' ({principal.role}) may not edit"
            )
        self.database = database
        self.principal = principal
        self.on = on or date.today()

    def read(self, cls: type[N], node_id: str) -> N:
        """The stored node; EditRefused ``not_found`` when there is none."""
        return read(self.database, cls, node_id)

    def refuse_existing(self, cls: type[m.Node], node_id: str, what: str) -> None:
        """A new node must not overwrite a stored one of the same id."""
        if exists(self.database, cls, node_id):
            raise EditRefused("invalid", f"there is already {what} '{node_id}'")

    def allow(self, places: Iterable[str | None], what: str) -> None:
        """Refuse ``outside_your_places`` unless the principal may touch every place."""
        mine = ", ".join(sorted(self.principal.places)) or "none"
        for place in set(places):
            if not self.principal.may_touch(place):
                raise EditRefused(
                    "outside_your_places",
                    f"{what} is in {place or 'no place'}, which '{self.principal.name}' "
                    f"may not edit (their places: {mine})",
                )

    def allow_parties(self, agreement: m.DataSharingAgreement) -> None:
        """Each party that operates in places must operate in one of the principal's."""
        if self.principal.may_edit_anywhere():
            return
        for party in sorted(agreement.parties()):
            places = set(self.read(m.Organisation, party).places)
            if places and not self.principal.shares_a_place(places):
                raise EditRefused(
                    "outside_your_places",
                    f"party {party} operates in {', '.join(sorted(places))}, none of which "
                    f"'{self.principal.name}' may edit",
                )

    def service_places(self, service: m.Service) -> set[str | None]:
        """The places a service is for: its own, and those of its neighbourhoods and LSOAs."""
        places: set[str | None] = set(service.places)
        places |= {self.read(m.Neighbourhood, n).place for n in service.neighbourhoods}
        places |= {self.read(m.Lsoa, code).place for code in service.lsoas}
        return places or {None}

    def commit(
        self, changed: Sequence[m.Node], action: str, also: Sequence[tuple[str, str]] = ()
    ) -> EditReceipt:
        """Commits the changed nodes as this edit's action, recorded as the principal's on the
        session's day, and gives its receipt."""
        return commit(
            self.database, changed, action=action, by=self.principal.name, also=also, on=self.on
        )


def add_lsoas_to_neighbourhood(
    database: Database,
    principal: Principal,
    *,
    neighbourhood: str,
    lsoas: Sequence[str],
    on: date | None = None,
) -> EditReceipt:
    """Add LSOAs to a neighbourhood's footprint."""
    edit = EditSession(database, principal, on)
    hood = edit.read(m.Neighbourhood, neighbourhood)
    edit.allow([hood.place], f"neighbourhood {hood.id}")
    changed = _updated(hood, lsoas=sorted({*hood.lsoas, *lsoas}))
    return edit.commit([changed], "add_lsoas_to_neighbourhood")


def move_lsoas(
    database: Database,
    principal: Principal,
    *,
    lsoas: Sequence[str],
    from_neighbourhood: str,
    to_neighbourhood: str,
    on: date | None = None,
) -> EditReceipt:
    """Move LSOAs from one neighbourhood's footprint to another's, both in one write."""
    edit = EditSession(database, principal, on)
    source = edit.read(m.Neighbourhood, from_neighbourhood)
    target = edit.read(m.Neighbourhood, to_neighbourhood)
    edit.allow([source.place], f"neighbourhood {source.id}")
    edit.allow([target.place], f"neighbourhood {target.id}")
    absent = sorted(set(lsoas) - set(source.lsoas))
    if absent:
        raise EditRefused("invalid", f"{', '.join(absent)} not in neighbourhood {source.id}")
    moved = set(lsoas)
    changed = [
        _updated(source, lsoas=[code for code in source.lsoas if code not in moved]),
        _updated(target, lsoas=sorted({*target.lsoas, *lsoas})),
    ]
    return edit.commit(changed, "move_lsoas")


def add_team_to_int(
    database: Database,
    principal: Principal,
    *,
    int_id: str,
    team: str,
    tier: str,
    start: date | None = None,
    on: date | None = None,
) -> EditReceipt:
    """Add a team to an INT, in a tier, from a day (the day of the edit unless given)."""
    edit = EditSession(database, principal, on)
    found = edit.read(m.Int, int_id)
    edit.allow([found.place], f"INT {found.id}")
    edit.read(m.Team, team)
    membership = _model(
        m.Membership,
        {
            "id": make_slug(team, "in", int_id),
            "team": team,
            "int": int_id,
            "tier": tier,
            "start": start or edit.on,
        },
    )
    return edit.commit([membership], "add_team_to_int", also=[("Int", found.id)])


def align_specialist(
    database: Database,
    principal: Principal,
    *,
    int_id: str,
    specialty: str,
    provider: str,
    sessions_per_week: float,
    start: date | None = None,
    end: date | None = None,
    on: date | None = None,
) -> EditReceipt:
    """Align a specialist role (never a named person) to an INT."""
    edit = EditSession(database, principal, on)
    found = edit.read(m.Int, int_id)
    edit.allow([found.place], f"INT {found.id}")
    edit.read(m.Organisation, provider)
    alignment = _model(
        m.SpecialistAlignment,
        {
            "id": make_slug(int_id, specialty, provider),
            "int": int_id,
            "provider": provider,
            "specialty": specialty,
            "sessions_per_week": sessions_per_week,
            "start": start or edit.on,
            "end": end,
        },
    )
    return edit.commit([alignment], "align_specialist", also=[("Int", found.id)])


def add_service(
    database: Database,
    principal: Principal,
    service: Mapping[str, Any],
    *,
    on: date | None = None,
) -> EditReceipt:
    """Add a service, given by the fields of :class:`~nhgraph.schema.models.Service`."""
    edit = EditSession(database, principal, on)
    new = _model(m.Service, service)
    edit.refuse_existing(m.Service, new.id, "a Service")
    edit.allow(edit.service_places(new), f"service {new.id}")
    return edit.commit([new], "add_service")


def end_service(
    database: Database, principal: Principal, *, service: str, on: date | None = None
) -> EditReceipt:
    """End a service: it stays on record, no longer offered."""
    edit = EditSession(database, principal, on)
    found = edit.read(m.Service, service)
    edit.allow(edit.service_places(found), f"service {found.id}")
    return edit.commit([_updated(found, status="ended")], "end_service")


def register_data_sharing_agreement(
    database: Database,
    principal: Principal,
    agreement: Mapping[str, Any],
    *,
    on: date | None = None,
) -> EditReceipt:
    """Register an active agreement, given by the fields of
    :class:`~nhgraph.schema.models.DataSharingAgreement` (its status aside)."""
    edit = EditSession(database, principal, on)
    new = _model(m.DataSharingAgreement, {**agreement, "status": "active"})
    edit.refuse_existing(m.DataSharingAgreement, new.id, "an agreement")
    edit.allow_parties(new)
    return edit.commit([new], "register_data_sharing_agreement")


def end_data_sharing_agreement(
    database: Database,
    principal: Principal,
    *,
    agreement: str,
    end: date | None = None,
    on: date | None = None,
) -> EditReceipt:
    """End an agreement on a day (the day of the edit unless given)."""
    edit = EditSession(database, principal, on)
    found = edit.read(m.DataSharingAgreement, agreement)
    edit.allow_parties(found)
    ended = _updated(found, status="ended", valid_to=end or edit.on)
    return edit.commit([ended], "end_data_sharing_agreement")
