"""The domain model: one pydantic model per class of the design (DESIGN.md, "The model").

Each class is also one OWL class (``nhgraph/ontology/nhgraph.ttl``), one SHACL node shape
(``nhgraph/ontology/shapes/``), one Neo4j label and, later, one GraphQL type, with the same
name everywhere. Fields that point at other nodes carry a :class:`Link` marker naming the
target class and the Neo4j relationship type, so that the RDF mapping, the Neo4j mapping and
the drift tests read one declaration instead of three.

What a single record can check is checked here (code shapes, date ranges, age ranges); what
needs the whole graph (an LSOA in two neighbourhoods, two integrators on one day) is the SHACL
shapes' job. The base class is in :mod:`nhgraph.schema.node` and the geography in
:mod:`nhgraph.schema.geography`; this module holds the rest, lists every class in
``MODEL_CLASSES``, and is where importers find them all.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, ClassVar

from pydantic import Field, field_validator, model_validator

from nhgraph.schema.bounds import (
    LIST_MAX,
    SHORT_LIST_MAX,
    Name,
    ShortText,
    Url,
)
from nhgraph.schema.geography import Lsoa, Neighbourhood, Place, PostcodeUnit, Region, System
from nhgraph.schema.identifiers import (
    HsdsId,
    LsoaCode,
    OrganisationId,
    PlaceCode,
    Postcode,
    Slug,
    check_ods_code,
)
from nhgraph.schema.node import Link, Node, check_range, class_name, link
from nhgraph.schema.vocabulary import (
    AgreementStatus,
    Article9Condition,
    Channel,
    CohortCode,
    Concept,
    DataCategory,
    FunctionCode,
    LawfulBasis,
    OrganisationKind,
    Purpose,
    RoleCode,
    ServiceStatus,
    Tier,
)

HOURS = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(-(Mon|Tue|Wed|Thu|Fri|Sat|Sun))? "
    r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$",
    re.ASCII,
)


class Site(Node):
    """A building where services are delivered: a hub, a practice, a pharmacy."""

    iri_segment: ClassVar[str] = "site"
    file_key: ClassVar[str | None] = "sites"

    id: Slug
    name: Name
    postcode: Postcode
    organisation: Annotated[OrganisationId | None, link("Organisation", "SITE_OF")] = None
    hsds_id: HsdsId | None = Field(
        default=None,
        description="The UUID of the HSDS record this node was imported from, which an HSDS "
        "export gives back as its id.",
    )


# -- organisations and roles ----------------------------------------------------------------


class Organisation(Node):
    """A partner organisation, identified by scheme and code (``ods:F84003``)."""

    iri_segment: ClassVar[str] = "organisation"
    file_key: ClassVar[str | None] = "organisations"

    id: OrganisationId
    name: Name
    kind: OrganisationKind
    open_date: date | None = None
    close_date: date | None = None
    postcode: Postcode | None = None
    places: Annotated[list[PlaceCode], link("Place", "OPERATES_IN")] = Field(
        default_factory=list, max_length=LIST_MAX
    )
    hsds_id: HsdsId | None = Field(
        default=None,
        description="The UUID of the HSDS record this node was imported from, which an HSDS "
        "export gives back as its id.",
    )

    @model_validator(mode="after")
    def _check(self) -> Organisation:
        scheme, _, code = self.id.partition(":")
        if scheme == "ods":
            check_ods_code(code, self.kind.value)
        check_range(self.open_date, self.close_date, f"organisation {self.id}")
        return self

    def is_open_on(self, day: date) -> bool:
        """Whether the organisation is open on the day: opened by then and not yet closed."""
        return (self.open_date is None or self.open_date <= day) and (
            self.close_date is None or day <= self.close_date
        )


class PcnMembership(Node):
    """A GP practice's membership of a primary care network, from a date (ODS ePCN)."""

    iri_segment: ClassVar[str] = "pcn-membership"
    file_key: ClassVar[str | None] = "pcn_memberships"

    id: Slug
    practice: Annotated[OrganisationId, link("Organisation", "MEMBER")]
    pcn: Annotated[OrganisationId, link("Organisation", "OF_PCN")]
    start: date
    end: date | None = None

    @model_validator(mode="after")
    def _check(self) -> PcnMembership:
        check_range(self.start, self.end, f"membership {self.id}")
        return self


class IntegratorAppointment(Node):
    """The integrator of a place: one organisation hosting named functions, from a date."""

    iri_segment: ClassVar[str] = "integrator"
    file_key: ClassVar[str | None] = "integrators"

    id: Slug
    place: Annotated[PlaceCode, link("Place", "INTEGRATOR_FOR")]
    organisation: Annotated[OrganisationId, link("Organisation", "INTEGRATOR")]
    functions: Annotated[list[FunctionCode], link("Function", "HOSTS")] = Field(
        default_factory=list, max_length=LIST_MAX
    )
    start: date
    end: date | None = None

    @model_validator(mode="after")
    def _check(self) -> IntegratorAppointment:
        check_range(self.start, self.end, f"integrator appointment {self.id}")
        return self


class Role(Node):
    """A professional role (GP, district nurse, consultant geriatrician...), a SKOS concept."""

    is_concept: ClassVar[bool] = True
    concept_scheme: ClassVar[type[Concept] | None] = RoleCode

    id: RoleCode
    label: Name


class Function(Node):
    """What a team or service does (district nursing, frailty...), a SKOS concept."""

    is_concept: ClassVar[bool] = True
    concept_scheme: ClassVar[type[Concept] | None] = FunctionCode

    id: FunctionCode
    label: Name


class Cohort(Node):
    """A priority cohort (older people, frailty...), a SKOS concept."""

    is_concept: ClassVar[bool] = True
    concept_scheme: ClassVar[type[Concept] | None] = CohortCode

    id: CohortCode
    label: Name


class Post(Node):
    """A role held in a team or organisation, optionally by a named professional.

    A name is stored only when ``holder_is_public`` says it is published by the organisation.
    """

    iri_segment: ClassVar[str] = "post"
    file_key: ClassVar[str | None] = "posts"

    id: Slug
    role: Annotated[RoleCode, link("Role", "OF_ROLE")]
    organisation: Annotated[OrganisationId, link("Organisation", "POST_IN")]
    team: Annotated[Slug | None, link("Team", "IN_TEAM")] = None
    holder_name: Name | None = None
    holder_is_public: bool = False
    specialty: RoleCode | None = None
    sessions_per_week: float | None = Field(default=None, gt=0, le=10)

    @model_validator(mode="after")
    def _check(self) -> Post:
        if self.holder_name and not self.holder_is_public:
            raise ValueError(
                f"post {self.id}: holder_name is given but holder_is_public is false; names of "
                "professionals are stored only where the organisation publishes them"
            )
        return self


# -- the team of teams ----------------------------------------------------------------------


class Int(Node):
    """An integrated neighbourhood team, serving one or more neighbourhoods of one place."""

    iri_segment: ClassVar[str] = "int"
    file_key: ClassVar[str | None] = "ints"

    id: Slug
    name: Name
    place: Annotated[PlaceCode, link("Place", "IN_PLACE")]
    neighbourhoods: Annotated[list[Slug], link("Neighbourhood", "SERVES")] = Field(
        min_length=1, max_length=LIST_MAX
    )


class Team(Node):
    """A team provided by an organisation, carrying functions."""

    iri_segment: ClassVar[str] = "team"
    file_key: ClassVar[str | None] = "teams"

    id: Slug
    name: Name
    provider: Annotated[OrganisationId, link("Organisation", "PROVIDED_BY")]
    functions: Annotated[list[FunctionCode], link("Function", "CARRIES")] = Field(
        min_length=1, max_length=LIST_MAX
    )


class Membership(Node):
    """A team's membership of an INT, with its tier: the tier belongs to the membership."""

    iri_segment: ClassVar[str] = "membership"
    file_key: ClassVar[str | None] = "memberships"

    id: Slug
    team: Annotated[Slug, link("Team", "MEMBER")]
    int: Annotated[Slug, link("Int", "OF_INT")]
    tier: Tier
    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _check(self) -> Membership:
        check_range(self.start, self.end, f"membership {self.id}")
        return self


class SpecialistAlignment(Node):
    """A post or team aligned to an INT for a specialty, with sessions a week, from a date."""

    iri_segment: ClassVar[str] = "alignment"
    file_key: ClassVar[str | None] = "specialist_alignments"

    id: Slug
    int: Annotated[Slug, link("Int", "ALIGNED_TO")]
    provider: Annotated[OrganisationId, link("Organisation", "PROVIDED_BY")]
    specialty: Annotated[RoleCode, link("Role", "IN_SPECIALTY")]
    post: Annotated[Slug | None, link("Post", "BY_POST")] = None
    team: Annotated[Slug | None, link("Team", "BY_TEAM")] = None
    sessions_per_week: float = Field(gt=0, le=10)
    start: date
    end: date | None = None

    @model_validator(mode="after")
    def _check(self) -> SpecialistAlignment:
        check_range(self.start, self.end, f"alignment {self.id}")
        return self


# -- services -------------------------------------------------------------------------------


class Service(Node):
    """A service: provided by an organisation, of a function, at sites, for an area."""

    iri_segment: ClassVar[str] = "service"
    file_key: ClassVar[str | None] = "services"

    id: Slug
    name: Name
    provider: Annotated[OrganisationId, link("Organisation", "PROVIDED_BY")]
    team: Annotated[Slug | None, link("Team", "DELIVERED_BY")] = None
    function: Annotated[FunctionCode, link("Function", "OF_FUNCTION")]
    sites: Annotated[list[Slug], link("Site", "AT_SITE")] = Field(
        default_factory=list, max_length=LIST_MAX
    )
    lsoas: Annotated[list[LsoaCode], link("Lsoa", "FOR_AREA")] = Field(
        default_factory=list, max_length=LIST_MAX
    )
    neighbourhoods: Annotated[list[Slug], link("Neighbourhood", "FOR_AREA")] = Field(
        default_factory=list, max_length=LIST_MAX
    )
    places: Annotated[list[PlaceCode], link("Place", "FOR_AREA")] = Field(
        default_factory=list, max_length=LIST_MAX
    )
    min_age: int | None = Field(default=None, ge=0, le=130)
    max_age: int | None = Field(default=None, ge=0, le=130)
    cohorts: Annotated[list[CohortCode], link("Cohort", "FOR_COHORT")] = Field(
        default_factory=list, max_length=LIST_MAX
    )
    channels: list[Channel] = Field(default_factory=list, max_length=SHORT_LIST_MAX)
    open_24_7: bool = False
    hours: list[str] = Field(
        default_factory=list,
        max_length=SHORT_LIST_MAX,
        description="Opening hours such as 'Mon-Fri 08:00-18:30'.",
    )
    self_referral: bool = False
    phone: ShortText | None = None
    url: Url | None = None
    status: ServiceStatus = ServiceStatus.ACTIVE
    hsds_id: HsdsId | None = Field(
        default=None,
        description="The UUID of the HSDS record this node was imported from, which an HSDS "
        "export gives back as its id.",
    )

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not HOURS.fullmatch(entry):
                raise ValueError(
                    f"'{entry}' is not opening hours: write 'Mon-Fri 08:00-18:30' "
                    "or 'Sat 09:00-13:00'"
                )
        return value

    @model_validator(mode="after")
    def _check(self) -> Service:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError(
                f"service {self.id}: min_age {self.min_age} is above max_age {self.max_age}"
            )
        if not (self.lsoas or self.neighbourhoods or self.places):
            raise ValueError(f"service {self.id}: give an area (lsoas, neighbourhoods or places)")
        return self


# -- data sharing ---------------------------------------------------------------------------


class DataSharingAgreement(Node):
    """An agreement between partner organisations to share personal data for purposes."""

    iri_segment: ClassVar[str] = "agreement"
    file_key: ClassVar[str | None] = "data_sharing_agreements"

    id: Slug
    name: Name
    controllers: Annotated[list[OrganisationId], link("Organisation", "CONTROLLER")] = Field(
        default_factory=list, max_length=LIST_MAX
    )
    joint_controllers: Annotated[list[OrganisationId], link("Organisation", "JOINT_CONTROLLER")] = (
        Field(default_factory=list, max_length=LIST_MAX)
    )
    processors: Annotated[list[OrganisationId], link("Organisation", "PROCESSOR")] = Field(
        default_factory=list, max_length=LIST_MAX
    )
    purposes: list[Purpose] = Field(min_length=1, max_length=SHORT_LIST_MAX)
    lawful_basis: LawfulBasis | None = None
    article9_condition: Article9Condition | None = None
    data_categories: list[DataCategory] = Field(default_factory=list, max_length=SHORT_LIST_MAX)
    status: AgreementStatus
    valid_from: date
    valid_to: date | None = None
    review_date: date | None = None
    framework: Annotated[Slug | None, link("DataSharingAgreement", "ACCEDES_TO")] = None

    def parties(self) -> set[str]:
        """Every organisation party to the agreement: controllers, joint controllers, processors."""
        return {*self.controllers, *self.joint_controllers, *self.processors}

    @model_validator(mode="after")
    def _check(self) -> DataSharingAgreement:
        check_range(self.valid_from, self.valid_to, f"agreement {self.id}")
        if len(self.parties()) < 2:
            raise ValueError(f"agreement {self.id}: name at least two parties")
        if self.status is AgreementStatus.ACTIVE:
            if self.lawful_basis is None:
                raise ValueError(f"active agreement {self.id}: give an Article 6 lawful_basis")
            if DataCategory.HEALTH in self.data_categories and self.article9_condition is None:
                raise ValueError(
                    f"active agreement {self.id} shares health data: give an article9_condition"
                )
        return self


#: Every class of the model, in the order data flows (geography first).
MODEL_CLASSES: tuple[type[Node], ...] = (
    Region,
    System,
    Place,
    Lsoa,
    PostcodeUnit,
    Neighbourhood,
    Site,
    Organisation,
    PcnMembership,
    IntegratorAppointment,
    Role,
    Function,
    Cohort,
    Post,
    Int,
    Team,
    Membership,
    SpecialistAlignment,
    Service,
    DataSharingAgreement,
)


#: What the model offers its importers: the classes, the base and its link marker.
__all__ = [
    "HOURS",
    "MODEL_CLASSES",
    "Cohort",
    "DataSharingAgreement",
    "Function",
    "Int",
    "IntegratorAppointment",
    "Link",
    "Lsoa",
    "Membership",
    "Neighbourhood",
    "Node",
    "Organisation",
    "PcnMembership",
    "Place",
    "Post",
    "PostcodeUnit",
    "Region",
    "Role",
    "Service",
    "Site",
    "SpecialistAlignment",
    "System",
    "Team",
    "class_name",
    "link",
]
