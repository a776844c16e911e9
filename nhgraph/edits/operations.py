"""The eight edits an integrator makes, as plain functions: the API and the command line both
call them, and each holds its own rules.

Every edit reads the nodes it changes, checks that the caller may touch their places (an
integrator only its own, an admin anywhere) before anything is read into the shapes, works out
the changed models (new LSOA lists, membership ids, a start that defaults to the day of the
edit), and hands them to :func:`nhgraph.edits.commit`, which judges them by the shapes
and writes them with a record of who and when. Each answers with an
:class:`~nhgraph.edits.commit.EditReceipt` or raises
:class:`~nhgraph.edits.commit.EditRefused`; a refused edit writes nothing.

Each takes ``dry_run``: the edit is made to the last step, in its transaction, and rolled back
(see :mod:`nhgraph.edits.commit`), so that a person sees what it would change, its warnings or
the refusal it would meet, before making it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from pydantic import ValidationError

from nhgraph import queries
from nhgraph.access import Principal
from nhgraph.edits.commit import (
    EditNotFound,
    EditReceipt,
    EditRefused,
    Rehearsed,
    commit,
    read,
    serialised,
)
from nhgraph.schema import models as m
from nhgraph.schema.identifiers import make_slug
from nhgraph.schema.problems import describe
from nhgraph.store.db import Database, Transaction
from nhgraph.store.locks import claim

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
    """One edit's work, in its own transaction: who makes it, on which day, and the locked
    reads, place checks and commit every edit shares."""

    def __init__(
        self,
        database: Database,
        tx: Transaction,
        principal: Principal,
        on: date,
        *,
        dry_run: bool = False,
    ) -> None:
        """The session of one edit by this principal on this day, in this transaction; a dry
        run's is rolled back at its commit."""
        self.database = database
        self.tx = tx
        self.principal = principal
        self.on = on
        self.dry_run = dry_run
        #: The stored nodes this edit read, by label and id: what its changes are judged against.
        self.before: dict[tuple[str, str], m.Node] = {}

    @staticmethod
    def run(
        database: Database,
        principal: Principal,
        on: date | None,
        action: str,
        work: Callable[[EditSession], EditReceipt],
        *,
        dry_run: bool = False,
    ) -> EditReceipt:
        """Run an edit's work serialised (see :func:`~nhgraph.edits.commit.serialised`): a
        principal that may not edit is refused first, before any transaction (behind the
        API's permission, a backstop). A dry run's work ends in
        :class:`~nhgraph.edits.commit.Rehearsed`, once its transaction is rolled back: its
        receipt is the answer."""
        if not principal.may_edit():
            raise EditRefused(
                "outside_your_places", f"'{principal.name}' ({principal.role}) may not edit"
            )
        day = on or date.today()
        try:
            return serialised(
                database,
                lambda tx: work(EditSession(database, tx, principal, day, dry_run=dry_run)),
                what=action,
            )
        except Rehearsed as rehearsed:
            return rehearsed.receipt

    def read(self, cls: type[N], node_id: str) -> N:
        """The stored node, write-locked until the edit commits; EditRefused ``not_found``
        when there is none."""
        model = read(self.tx, cls, node_id)
        self.before[(m.class_name(cls), node_id)] = model
        return model

    def claim(self, cls: type[m.Node], node_id: str, refusal: str) -> None:
        """A new node must not overwrite a stored one of the same id, nor one another edit is
        making at the same moment: the id is claimed (see :mod:`nhgraph.store.locks`), and
        refused ``invalid`` with this message when it is taken."""
        if not claim(self.tx, m.class_name(cls), node_id, token=str(uuid.uuid4())):
            raise EditRefused("invalid", refusal)

    def mine(self) -> str:
        """The principal's places, for refusals."""
        return ", ".join(sorted(self.principal.places)) or "none"

    def allow(self, places: Iterable[str | None], what: str) -> None:
        """Refuse ``outside_your_places`` unless the principal may touch every place."""
        for place in set(places):
            if not self.principal.may_touch(place):
                raise EditRefused(
                    "outside_your_places",
                    f"{what} is in {place or 'no place'}, which '{self.principal.name}' "
                    f"may not edit (their places: {self.mine()})",
                )

    def allow_parties(self, parties: Iterable[str], agreement: str) -> None:
        """Every party must operate, as the data shows it, in one of the principal's places:
        an organisation the data puts in no place is not the principal's. The refusal names
        neither the party nor its places: an integrator may not read agreements, so it learns
        only that this one is not its to edit."""
        if self.principal.may_edit_anywhere():
            return
        wanted = sorted(set(parties))
        placed = {
            row["id"]: set(row["places"])
            for row in self.tx.run(queries.load("organisation_places"), {"ids": wanted})
        }
        if not wanted or not all(
            self.principal.shares_a_place(placed.get(party, ())) for party in wanted
        ):
            raise EditRefused(
                "outside_your_places",
                f"agreement '{agreement}' is not one '{self.principal.name}' may edit: an "
                "integrator edits agreements whose every party (and every party of a framework "
                f"they accede to) operates in its places ({self.mine()})",
            )

    def bound_parties(self, agreement: str) -> list[str] | None:
        """The parties of a stored agreement and of the agreements bound up with it (its
        framework, those acceding to it); None when there is no such agreement."""
        rows = self.tx.run(queries.load("agreement_parties"), {"id": agreement})
        if not rows:
            return None
        return sorted({party for row in rows for party in row["parties"]})

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
        session's day, and gives its receipt; a dry run's is checked and rolled back."""
        return commit(
            self.database,
            self.tx,
            changed,
            action=action,
            by=self.principal.name,
            also=also,
            before=self.before,
            on=self.on,
            dry_run=self.dry_run,
        )


def add_lsoas_to_neighbourhood(
    database: Database,
    principal: Principal,
    *,
    neighbourhood: str,
    lsoas: Sequence[str],
    on: date | None = None,
    dry_run: bool = False,
) -> EditReceipt:
    """Add LSOAs to a neighbourhood's footprint."""

    def work(edit: EditSession) -> EditReceipt:
        hood = edit.read(m.Neighbourhood, neighbourhood)
        edit.allow([hood.place], f"neighbourhood {hood.id}")
        changed = _updated(hood, lsoas=sorted({*hood.lsoas, *lsoas}))
        return edit.commit([changed], "add_lsoas_to_neighbourhood")

    return EditSession.run(
        database, principal, on, "add_lsoas_to_neighbourhood", work, dry_run=dry_run
    )


def move_lsoas(
    database: Database,
    principal: Principal,
    *,
    lsoas: Sequence[str],
    from_neighbourhood: str,
    to_neighbourhood: str,
    on: date | None = None,
    dry_run: bool = False,
) -> EditReceipt:
    """Move LSOAs from one neighbourhood's footprint to another's, both in one write."""

    def work(edit: EditSession) -> EditReceipt:
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

    return EditSession.run(database, principal, on, "move_lsoas", work, dry_run=dry_run)


def add_team_to_int(
    database: Database,
    principal: Principal,
    *,
    int_id: str,
    team: str,
    tier: str,
    start: date | None = None,
    on: date | None = None,
    dry_run: bool = False,
) -> EditReceipt:
    """Add a team to an INT, in a tier, from a day (the day of the edit unless given)."""

    def work(edit: EditSession) -> EditReceipt:
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

    return EditSession.run(database, principal, on, "add_team_to_int", work, dry_run=dry_run)


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
    dry_run: bool = False,
) -> EditReceipt:
    """Align a specialist role (never a named person) to an INT."""

    def work(edit: EditSession) -> EditReceipt:
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

    return EditSession.run(database, principal, on, "align_specialist", work, dry_run=dry_run)


def add_service(
    database: Database,
    principal: Principal,
    service: Mapping[str, Any],
    *,
    on: date | None = None,
    dry_run: bool = False,
) -> EditReceipt:
    """Add a service, given by the fields of :class:`~nhgraph.schema.models.Service`."""
    new = _model(m.Service, service)

    def work(edit: EditSession) -> EditReceipt:
        edit.claim(m.Service, new.id, f"there is already a Service '{new.id}'")
        edit.allow(edit.service_places(new), f"service {new.id}")
        return edit.commit([new], "add_service")

    return EditSession.run(database, principal, on, "add_service", work, dry_run=dry_run)


def end_service(
    database: Database,
    principal: Principal,
    *,
    service: str,
    on: date | None = None,
    dry_run: bool = False,
) -> EditReceipt:
    """End a service: it stays on record, no longer offered."""

    def work(edit: EditSession) -> EditReceipt:
        found = edit.read(m.Service, service)
        edit.allow(edit.service_places(found), f"service {found.id}")
        return edit.commit([_updated(found, status="ended")], "end_service")

    return EditSession.run(database, principal, on, "end_service", work, dry_run=dry_run)


def register_data_sharing_agreement(
    database: Database,
    principal: Principal,
    agreement: Mapping[str, Any],
    *,
    on: date | None = None,
    dry_run: bool = False,
) -> EditReceipt:
    """Register an active agreement, given by the fields of
    :class:`~nhgraph.schema.models.DataSharingAgreement` (its status aside).

    The parties are checked before the id, so that an integrator learns nothing of agreements
    it may not edit: an accession to a framework outside its places is refused as if the
    framework were not there, and a taken id is named only to a caller who may register it.
    """
    new = _model(m.DataSharingAgreement, {**agreement, "status": "active"})

    def work(edit: EditSession) -> EditReceipt:
        parties = set(new.parties())
        if new.framework is not None:
            framework = edit.bound_parties(new.framework)
            if framework is None and not principal.may_read_agreements():
                edit.allow_parties([], new.id)  # as refused as a framework outside its places
            parties |= set(framework or ())
        edit.allow_parties(parties, new.id)
        edit.claim(
            m.DataSharingAgreement, new.id, f"the agreement id '{new.id}' is taken: choose another"
        )
        return edit.commit([new], "register_data_sharing_agreement")

    return EditSession.run(
        database, principal, on, "register_data_sharing_agreement", work, dry_run=dry_run
    )


def end_data_sharing_agreement(
    database: Database,
    principal: Principal,
    *,
    agreement: str,
    end: date | None = None,
    on: date | None = None,
    dry_run: bool = False,
) -> EditReceipt:
    """End an agreement on a day (the day of the edit unless given).

    A caller who may not read agreements gets one refusal whether the agreement is missing or
    not its to edit, so that a refusal tells no more than the role may read.
    """

    def work(edit: EditSession) -> EditReceipt:
        parties = edit.bound_parties(agreement)
        if parties is None:
            if not principal.may_read_agreements():
                edit.allow_parties([], agreement)
            raise EditNotFound(f"there is no DataSharingAgreement '{agreement}'")
        edit.allow_parties(parties, agreement)
        found = edit.read(m.DataSharingAgreement, agreement)
        ended = _updated(found, status="ended", valid_to=end or edit.on)
        return edit.commit([ended], "end_data_sharing_agreement")

    return EditSession.run(
        database, principal, on, "end_data_sharing_agreement", work, dry_run=dry_run
    )
