"""Edits for integrators: footprints, team memberships, specialist alignments, services and
data-sharing agreements. Each goes through :mod:`nhgraph.edits` (the models, then the SHACL
shapes on what it touches, then one transaction with a record of who and when) and answers
with a typed result: the edit made, or why not, with the rules broken.

An integrator may edit only within its own places: the place of every node an edit touches is
checked before anything is read into the shapes; an admin may edit anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from nhgraph import edits
from nhgraph.graphql import types as _types  # noqa: F401 (registers the vocabulary enums)
from nhgraph.graphql.access import Edits, Principal
from nhgraph.ontology.validation import ValidationResult
from nhgraph.schema import vocabulary as v
from nhgraph.schema.models import (
    DataSharingAgreement,
    Int,
    Lsoa,
    Membership,
    Neighbourhood,
    Node,
    Organisation,
    Service,
    SpecialistAlignment,
    Team,
)
from nhgraph.store.db import Database

Info = strawberry.Info


@strawberry.type(description="One SHACL result: the rule, where, and what is wrong.")
class RuleResult:
    rule: str
    severity: str
    node: str | None
    path: str | None
    value: str | None
    message: str


def _rule(result: ValidationResult) -> RuleResult:
    return RuleResult(
        rule=result.rule,
        severity=result.severity,
        node=result.focus_id,
        path=result.path,
        value=result.value,
        message=result.message,
    )


@strawberry.type(description="An edit made: its record, and any warnings the shapes gave.")
class EditDone:
    edit: strawberry.ID
    action: str
    by: str
    at: datetime
    nodes: list[str] = strawberry.field(description="What it wrote, as Label/id.")
    warnings: list[RuleResult]


@strawberry.type(description="An edit refused; nothing was changed.")
class EditRefused:
    code: str = strawberry.field(
        description="not_found, invalid (the model refused a value), rule_broken (a SHACL "
        "Violation: see rules) or outside_your_places"
    )
    message: str
    rules: list[RuleResult]


EditResult = Annotated[EditDone | EditRefused, strawberry.union("EditResult")]


def _done(receipt: edits.EditReceipt) -> EditDone:
    return EditDone(
        edit=strawberry.ID(receipt.id),
        action=receipt.action,
        by=receipt.by,
        at=receipt.at,
        nodes=[f"{label}/{node_id}" for label, node_id in receipt.nodes],
        warnings=[_rule(w) for w in receipt.warnings],
    )


def _slug(*parts: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", "-".join(parts).lower()).strip("-")[:120]


def _model(cls: type[Node], **values: Any) -> Node:
    """A new or changed model, or EditRefused naming the field the model refused."""
    try:
        return cls.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or cls.__name__
        message = first["msg"].removeprefix("Value error, ")
        raise edits.EditRefused("invalid", f"{cls.__name__} {where}: {message}") from error


def _updated(model: Node, **changes: Any) -> Node:
    values = model.model_dump()
    values.update(changes)
    return _model(type(model), **values)


class _Edit:
    """One edit's work, run off the event loop: reads, the place check, then the commit."""

    def __init__(self, database: Database, principal: Principal, on: date) -> None:
        self.database = database
        self.principal = principal
        self.on = on

    def read(self, cls: type[Any], node_id: str) -> Any:
        return edits.read(self.database, cls, node_id)

    def allow(self, places: Iterable[str | None], what: str) -> None:
        mine = ", ".join(sorted(self.principal.places)) or "none"
        for place in set(places):
            if not self.principal.may_edit(place):
                raise edits.EditRefused(
                    "outside_your_places",
                    f"{what} is in {place or 'no place'}, which '{self.principal.name}' "
                    f"may not edit (their places: {mine})",
                )

    def commit(
        self, changed: list[Node], action: str, also: list[tuple[str, str]] | None = None
    ) -> edits.EditReceipt:
        return edits.commit(
            self.database,
            changed,
            action=action,
            by=self.principal.name,
            also=also or [],
            on=self.on,
        )

    def service_places(self, service: Service) -> set[str | None]:
        places: set[str | None] = set(service.places)
        places |= {self.read(Neighbourhood, n).place for n in service.neighbourhoods}
        places |= {self.read(Lsoa, code).place for code in service.lsoas}
        return places or {None}


async def _run(info: Info, work: Callable[[_Edit], edits.EditReceipt]) -> EditDone | EditRefused:
    edit = _Edit(info.context.database, info.context.principal, info.context.today)
    try:
        receipt = await run_in_threadpool(work, edit)
    except edits.EditRefused as refused:
        return EditRefused(
            code=refused.code, message=refused.message, rules=[_rule(r) for r in refused.rules]
        )
    return _done(receipt)


@strawberry.input(description="A service to add.")
class ServiceInput:
    id: str
    name: str
    provider: str
    function: str
    team: str | None = None
    lsoas: list[str] = strawberry.field(default_factory=list)
    neighbourhoods: list[str] = strawberry.field(default_factory=list)
    places: list[str] = strawberry.field(default_factory=list)
    min_age: int | None = None
    max_age: int | None = None
    cohorts: list[str] = strawberry.field(default_factory=list)
    channels: list[v.Channel] = strawberry.field(default_factory=list)
    hours: list[str] = strawberry.field(default_factory=list)
    open24x7: bool = False
    self_referral: bool = False
    phone: str | None = None
    url: str | None = None


@strawberry.input(description="A data-sharing agreement to register.")
class AgreementInput:
    id: str
    name: str
    controllers: list[str]
    purposes: list[v.Purpose]
    valid_from: date
    joint_controllers: list[str] = strawberry.field(default_factory=list)
    processors: list[str] = strawberry.field(default_factory=list)
    lawful_basis: v.LawfulBasis | None = None
    article9_condition: v.Article9Condition | None = None
    data_categories: list[str] = strawberry.field(default_factory=list)
    valid_to: date | None = None
    review_date: date | None = None
    framework: str | None = None


def _values(enum_or_str: Any) -> Any:
    return getattr(enum_or_str, "value", enum_or_str)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[Edits],
        description="Add LSOAs to a neighbourhood's footprint.",
    )
    async def add_lsoas_to_neighbourhood(
        self, info: Info, neighbourhood: strawberry.ID, lsoas: list[str]
    ) -> EditResult:
        def work(edit: _Edit) -> edits.EditReceipt:
            hood = edit.read(Neighbourhood, neighbourhood)
            edit.allow([hood.place], f"neighbourhood {hood.id}")
            changed = _updated(hood, lsoas=sorted({*hood.lsoas, *lsoas}))
            return edit.commit([changed], "add_lsoas_to_neighbourhood")

        return await _run(info, work)

    @strawberry.mutation(
        permission_classes=[Edits],
        description="Move LSOAs from one neighbourhood's footprint to another's.",
    )
    async def move_lsoas(
        self,
        info: Info,
        lsoas: list[str],
        from_neighbourhood: strawberry.ID,
        to_neighbourhood: strawberry.ID,
    ) -> EditResult:
        def work(edit: _Edit) -> edits.EditReceipt:
            source = edit.read(Neighbourhood, from_neighbourhood)
            target = edit.read(Neighbourhood, to_neighbourhood)
            edit.allow([source.place], f"neighbourhood {source.id}")
            edit.allow([target.place], f"neighbourhood {target.id}")
            absent = sorted(set(lsoas) - set(source.lsoas))
            if absent:
                raise edits.EditRefused(
                    "invalid", f"{', '.join(absent)} not in neighbourhood {source.id}"
                )
            changed = [
                _updated(source, lsoas=[c for c in source.lsoas if c not in set(lsoas)]),
                _updated(target, lsoas=sorted({*target.lsoas, *lsoas})),
            ]
            return edit.commit(changed, "move_lsoas")

        return await _run(info, work)

    @strawberry.mutation(
        permission_classes=[Edits], description="Add a team to an INT, in a tier, from a day."
    )
    async def add_team_to_int(
        self,
        info: Info,
        int: strawberry.ID,
        team: strawberry.ID,
        tier: v.Tier,
        start: date | None = None,
    ) -> EditResult:
        def work(edit: _Edit) -> edits.EditReceipt:
            found = edit.read(Int, int)
            edit.allow([found.place], f"INT {found.id}")
            edit.read(Team, team)
            membership = _model(
                Membership,
                id=_slug(team, "in", int),
                team=team,
                int=int,
                tier=_values(tier),
                start=start or edit.on,
            )
            return edit.commit([membership], "add_team_to_int", also=[("Int", found.id)])

        return await _run(info, work)

    @strawberry.mutation(
        permission_classes=[Edits],
        description="Align a specialist role (never a named person) to an INT.",
    )
    async def align_specialist(
        self,
        info: Info,
        int: strawberry.ID,
        specialty: str,
        provider: strawberry.ID,
        sessions_per_week: float,
        start: date | None = None,
        end: date | None = None,
    ) -> EditResult:
        def work(edit: _Edit) -> edits.EditReceipt:
            found = edit.read(Int, int)
            edit.allow([found.place], f"INT {found.id}")
            edit.read(Organisation, provider)
            alignment = _model(
                SpecialistAlignment,
                id=_slug(int, specialty, provider),
                int=int,
                provider=provider,
                specialty=specialty,
                sessions_per_week=sessions_per_week,
                start=start or edit.on,
                end=end,
            )
            return edit.commit([alignment], "align_specialist", also=[("Int", found.id)])

        return await _run(info, work)

    @strawberry.mutation(permission_classes=[Edits], description="Add a service.")
    async def add_service(self, info: Info, service: ServiceInput) -> EditResult:
        def work(edit: _Edit) -> edits.EditReceipt:
            new = _model(
                Service,
                id=service.id,
                name=service.name,
                provider=service.provider,
                function=service.function,
                team=service.team,
                lsoas=service.lsoas,
                neighbourhoods=service.neighbourhoods,
                places=service.places,
                min_age=service.min_age,
                max_age=service.max_age,
                cohorts=service.cohorts,
                channels=[_values(c) for c in service.channels],
                hours=service.hours,
                open_24_7=service.open24x7,
                self_referral=service.self_referral,
                phone=service.phone,
                url=service.url,
            )
            assert isinstance(new, Service)
            if edits.exists(edit.database, Service, new.id):
                raise edits.EditRefused("invalid", f"there is already a Service '{new.id}'")
            edit.allow(edit.service_places(new), f"service {new.id}")
            return edit.commit([new], "add_service")

        return await _run(info, work)

    @strawberry.mutation(permission_classes=[Edits], description="End a service.")
    async def end_service(self, info: Info, id: strawberry.ID) -> EditResult:
        def work(edit: _Edit) -> edits.EditReceipt:
            found = edit.read(Service, id)
            edit.allow(edit.service_places(found), f"service {found.id}")
            return edit.commit([_updated(found, status="ended")], "end_service")

        return await _run(info, work)

    @strawberry.mutation(
        permission_classes=[Edits],
        description="Register a data-sharing agreement; each party that operates in places "
        "must operate in one of yours.",
    )
    async def register_data_sharing_agreement(
        self, info: Info, agreement: AgreementInput
    ) -> EditResult:
        def work(edit: _Edit) -> edits.EditReceipt:
            new = _model(
                DataSharingAgreement,
                id=agreement.id,
                name=agreement.name,
                controllers=agreement.controllers,
                joint_controllers=agreement.joint_controllers,
                processors=agreement.processors,
                purposes=[_values(p) for p in agreement.purposes],
                lawful_basis=_values(agreement.lawful_basis),
                article9_condition=_values(agreement.article9_condition),
                data_categories=agreement.data_categories,
                status="active",
                valid_from=agreement.valid_from,
                valid_to=agreement.valid_to,
                review_date=agreement.review_date,
                framework=agreement.framework,
            )
            assert isinstance(new, DataSharingAgreement)
            if edits.exists(edit.database, DataSharingAgreement, new.id):
                raise edits.EditRefused("invalid", f"there is already an agreement '{new.id}'")
            _allow_parties(edit, new)
            return edit.commit([new], "register_data_sharing_agreement")

        return await _run(info, work)

    @strawberry.mutation(
        permission_classes=[Edits], description="End a data-sharing agreement on a day."
    )
    async def end_data_sharing_agreement(
        self, info: Info, id: strawberry.ID, on: date | None = None
    ) -> EditResult:
        def work(edit: _Edit) -> edits.EditReceipt:
            found = edit.read(DataSharingAgreement, id)
            _allow_parties(edit, found)
            ended = _updated(found, status="ended", valid_to=on or edit.on)
            return edit.commit([ended], "end_data_sharing_agreement")

        return await _run(info, work)


def _allow_parties(edit: _Edit, agreement: DataSharingAgreement) -> None:
    if edit.principal.role == "admin":
        return
    for party in sorted(agreement.parties()):
        places = set(edit.read(Organisation, party).places)
        if places and not places & edit.principal.places:
            raise edits.EditRefused(
                "outside_your_places",
                f"party {party} operates in {', '.join(sorted(places))}, none of which "
                f"'{edit.principal.name}' may edit",
            )
