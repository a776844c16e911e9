"""The closed vocabularies of the model, as enums backed by SKOS concepts.

Each enum is one SKOS concept scheme: the member's value is the concept's notation (and the
last segment of its IRI), and ``label``/``definition`` are its ``skos:prefLabel`` and
``skos:definition``, in the policy's words where the policy has them. The Turtle concept
schemes in ``nhgraph/ontology/concepts.ttl`` are generated from these enums
(``nhgraph.ontology.concepts``), and a test fails when the file is stale, so the Python and
the RDF can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar

C = TypeVar("C", bound=type["Concept"])


class Concept(StrEnum):
    """A SKOS concept: a notation, a preferred label and a definition."""

    label: str
    definition: str
    #: The concept scheme's name, as used in IRIs (``.../def/<scheme>/<notation>``).
    scheme: ClassVar[str]
    scheme_label: ClassVar[str]
    #: Concepts of other vocabularies this one matches exactly (prefixed names).
    exact_match: str | None

    def __new__(
        cls, value: str, label: str, definition: str, exact_match: str | None = None
    ) -> Any:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.definition = definition
        member.exact_match = exact_match
        return member

    @classmethod
    def of(cls, notation: str) -> Self:
        """The member with this notation (ValueError naming the scheme when there is none)."""
        try:
            return cls(notation)  # type: ignore[call-arg]
        except ValueError as error:
            raise ValueError(f"'{notation}' is not a {cls.__name__} notation") from error


def in_scheme(name: str, label: str) -> Callable[[C], C]:
    """Name the concept scheme an enum is (set after the class, or Enum would make members)."""

    def decorate(cls: C) -> C:
        cls.scheme = name
        cls.scheme_label = label
        return cls

    return decorate


@in_scheme("tier", "Tiers of the team of teams")
class Tier(Concept):
    """The concentric tiers of the team of teams around the resident (seed 03)."""

    HYPER_LOCAL = (
        "hyper_local",
        "Hyper-local functions",
        "Services that often serve as the first point of contact for residents and that have "
        "deep knowledge and understanding of the communities in which they are based.",
    )
    CONSISTENT = (
        "consistent",
        "Consistent functions",
        "Dedicated, multidisciplinary health and care staff across an INT who can meet the "
        "majority of the demand from the local population; offered across all INTs in a place.",
    )
    TAILORED = (
        "tailored",
        "Tailored functions",
        "Functions that may vary from INT to INT according to the needs of the populations "
        "each is serving, with consistent presence, dedicated resource and a role specific to "
        "the neighbourhood.",
    )
    ALIGNED = (
        "aligned",
        "Aligned specialist functions",
        "Specialist professional input from acute trusts and other specialist providers, "
        "embedded in INTs and part of formal consultant job plans.",
    )


@in_scheme("organisation-kind", "Kinds of organisation")
class OrganisationKind(Concept):
    """What kind of organisation a partner is."""

    GP_PRACTICE = ("gp_practice", "GP practice", "A general practice (ODS epraccur, setting 4).")
    PCN = ("pcn", "Primary care network", "A primary care network of GP practices (ODS ePCN).")
    ICB = ("icb", "Integrated care board", "The NHS body of an integrated care system.")
    NHS_TRUST = ("nhs_trust", "NHS trust", "An NHS trust or foundation trust (ODS etr).")
    LOCAL_AUTHORITY = (
        "local_authority",
        "Local authority",
        "A London borough council or the City of London.",
    )
    COMMUNITY_PHARMACY = (
        "community_pharmacy",
        "Community pharmacy",
        "A community pharmacy (ODS edispensary).",
    )
    DENTAL = ("dental", "Dental practice", "A primary care dental practice.")
    OPTOMETRY = ("optometry", "Optometry practice", "A primary care optometry practice.")
    VCFSE = (
        "vcfse",
        "VCFSE organisation",
        "A voluntary, community, faith or social enterprise organisation.",
    )
    DOMICILIARY_CARE = (
        "domiciliary_care",
        "Domiciliary care provider",
        "A provider of care in people's homes.",
    )
    RESIDENTIAL_CARE = (
        "residential_care",
        "Residential care provider",
        "A care home or residential provider.",
    )
    HOUSING = ("housing", "Housing provider", "A housing association or housing service.")
    EMPLOYMENT_SERVICE = (
        "employment_service",
        "Employment service",
        "A service supporting people into work.",
    )
    AMBULANCE_SERVICE = ("ambulance_service", "Ambulance service", "An ambulance service.")


@in_scheme("purpose", "Purposes of data sharing")
class Purpose(Concept):
    """Why partners share personal data (aligned with the W3C Data Privacy Vocabulary)."""

    DIRECT_CARE = (
        "direct_care",
        "Direct care",
        "Sharing to provide, coordinate or manage the care of an individual.",
        "dpv:ServiceProvision",
    )
    POPULATION_HEALTH_MANAGEMENT = (
        "population_health_management",
        "Population health management",
        "Sharing to understand and improve the health of a population and reduce "
        "inequalities, identifying cohorts and needs.",
    )
    PLANNING = (
        "planning",
        "Planning",
        "Sharing to plan, commission and evaluate services.",
        "dpv:ServiceOptimisation",
    )
    RESEARCH = (
        "research",
        "Research",
        "Sharing for research.",
        "dpv:ResearchAndDevelopment",
    )
    SAFEGUARDING = (
        "safeguarding",
        "Safeguarding",
        "Sharing to protect children and adults at risk from harm.",
    )


@in_scheme("lawful-basis", "UK GDPR Article 6 lawful bases")
class LawfulBasis(Concept):
    """UK GDPR Article 6(1) lawful bases (numbered as in the EU GDPR, which DPV models)."""

    CONSENT = ("a6_1_a", "Consent", "Article 6(1)(a): consent.", "eu-gdpr:A6-1-a")
    CONTRACT = ("a6_1_b", "Contract", "Article 6(1)(b): contract.", "eu-gdpr:A6-1-b")
    LEGAL_OBLIGATION = (
        "a6_1_c",
        "Legal obligation",
        "Article 6(1)(c): legal obligation.",
        "eu-gdpr:A6-1-c",
    )
    VITAL_INTERESTS = (
        "a6_1_d",
        "Vital interests",
        "Article 6(1)(d): vital interests.",
        "eu-gdpr:A6-1-d",
    )
    PUBLIC_TASK = (
        "a6_1_e",
        "Public task",
        "Article 6(1)(e): a task in the public interest or in official authority.",
        "eu-gdpr:A6-1-e",
    )
    LEGITIMATE_INTERESTS = (
        "a6_1_f",
        "Legitimate interests",
        "Article 6(1)(f): legitimate interests.",
        "eu-gdpr:A6-1-f",
    )


@in_scheme("article9-condition", "UK GDPR Article 9 conditions")
class Article9Condition(Concept):
    """UK GDPR Article 9(2) conditions for special category (for example health) data."""

    EXPLICIT_CONSENT = ("a9_2_a", "Explicit consent", "Article 9(2)(a).", "eu-gdpr:A9-2-a")
    EMPLOYMENT_SOCIAL_SECURITY = (
        "a9_2_b",
        "Employment and social protection",
        "Article 9(2)(b).",
        "eu-gdpr:A9-2-b",
    )
    VITAL_INTERESTS = ("a9_2_c", "Vital interests", "Article 9(2)(c).", "eu-gdpr:A9-2-c")
    SUBSTANTIAL_PUBLIC_INTEREST = (
        "a9_2_g",
        "Substantial public interest",
        "Article 9(2)(g).",
        "eu-gdpr:A9-2-g",
    )
    HEALTH_OR_SOCIAL_CARE = (
        "a9_2_h",
        "Health or social care",
        "Article 9(2)(h): preventive or occupational medicine, medical diagnosis, the provision "
        "of health or social care or treatment, or the management of health or social care "
        "systems.",
        "eu-gdpr:A9-2-h",
    )
    PUBLIC_HEALTH = ("a9_2_i", "Public health", "Article 9(2)(i).", "eu-gdpr:A9-2-i")
    ARCHIVING_RESEARCH = (
        "a9_2_j",
        "Archiving, research and statistics",
        "Article 9(2)(j).",
        "eu-gdpr:A9-2-j",
    )


@in_scheme("data-category", "Categories of personal data")
class DataCategory(Concept):
    """Categories of personal data an agreement covers."""

    IDENTIFYING = ("identifying", "Identifying", "Name, address, NHS number, contact details.")
    HEALTH = (
        "health",
        "Health",
        "Data concerning health: special category data under Article 9.",
        "dpv-pd:HealthRecord",
    )
    SOCIAL_CARE = ("social_care", "Social care", "Social care records and assessments.")
    SOCIOECONOMIC = ("socioeconomic", "Socio-economic", "Housing, employment and income.")


@in_scheme("party-role", "Roles of parties to an agreement")
class PartyRole(Concept):
    """The role a party plays in an agreement (DPV entities)."""

    CONTROLLER = (
        "controller",
        "Controller",
        "Decides why and how data are processed.",
        "dpv:DataController",
    )
    JOINT_CONTROLLER = (
        "joint_controller",
        "Joint controller",
        "Decides jointly with others.",
        "dpv:JointDataControllers",
    )
    PROCESSOR = (
        "processor",
        "Processor",
        "Processes data on a controller's behalf.",
        "dpv:DataProcessor",
    )


@in_scheme("agreement-status", "Statuses of data-sharing agreements")
class AgreementStatus(Concept):
    """Where an agreement stands."""

    DRAFT = ("draft", "Draft", "Being prepared; nothing may be shared under it yet.")
    ACTIVE = ("active", "Active", "In force between its valid-from and valid-to dates.")
    SUSPENDED = ("suspended", "Suspended", "Paused; nothing may be shared under it.")
    ENDED = ("ended", "Ended", "No longer in force.")


#: Days ahead that an agreement counts as expiring soon: the agreements shape warns of it, and
#: `agreements_expiring` looks this far by default.
EXPIRY_DAYS = 90


@in_scheme("channel", "Access channels")
class Channel(Concept):
    """How a resident reaches a service."""

    PHONE = ("phone", "Phone", "By telephone.")
    ONLINE = ("online", "Online", "Through a website or app.")
    IN_PERSON = ("in_person", "In person", "At a site.")
    HOME_VISIT = ("home_visit", "Home visit", "At the resident's home.")
    VIDEO = ("video", "Video", "By video consultation.")


@in_scheme("service-status", "Statuses of services")
class ServiceStatus(Concept):
    """Whether a service is running."""

    ACTIVE = ("active", "Active", "Running and taking referrals.")
    PAUSED = ("paused", "Paused", "Temporarily not taking referrals.")
    ENDED = ("ended", "Ended", "No longer provided.")


@in_scheme("cohort", "Priority cohorts")
class CohortCode(Concept):
    """Priority cohorts: the whole population approach of the policy, and its segments."""

    BABIES_CHILDREN_YOUNG_PEOPLE = (
        "babies_children_young_people",
        "Babies, children and young people",
        "Residents aged 0 to 24 and their families.",
    )
    FAMILIES = ("families", "Families", "Families, parents and carers.")
    WORKING_AGE_ADULTS = ("working_age_adults", "Working age adults", "Residents aged 18 to 64.")
    OLDER_PEOPLE = ("older_people", "Older people", "Residents aged 65 and over.")
    FRAILTY = ("frailty", "Frailty", "People living with frailty.")
    MULTIPLE_LONG_TERM_CONDITIONS = (
        "multiple_long_term_conditions",
        "Multiple long-term conditions",
        "People living with two or more long-term conditions.",
    )
    SEVERE_MENTAL_ILLNESS = (
        "severe_mental_illness",
        "Severe mental illness",
        "People with severe mental illness.",
    )
    END_OF_LIFE = ("end_of_life", "End of life", "People in the last year of life.")
    UNDERSERVED = (
        "underserved",
        "Underserved communities",
        "Communities currently suffering the worst inequalities.",
    )


@in_scheme("function", "Health and care functions")
class FunctionCode(Concept):
    """What a team or service does: health and care functions around the resident."""

    GENERAL_PRACTICE = ("general_practice", "General practice", "Primary medical care.")
    COMMUNITY_PHARMACY = ("community_pharmacy", "Community pharmacy", "Pharmacy services.")
    DISTRICT_NURSING = (
        "district_nursing",
        "District nursing",
        "Community nursing in people's homes.",
    )
    HEALTH_VISITING = (
        "health_visiting",
        "Health visiting",
        "Support for families with young children.",
    )
    SOCIAL_PRESCRIBING = (
        "social_prescribing",
        "Social prescribing",
        "Link workers connecting people to community support.",
    )
    CARE_COORDINATION = (
        "care_coordination",
        "Care coordination",
        "Coordinating personalised care.",
    )
    COMMUNITY_MENTAL_HEALTH = (
        "community_mental_health",
        "Community mental health",
        "Mental health care in the community.",
    )
    ADULT_SOCIAL_CARE = (
        "adult_social_care",
        "Adult social care",
        "Assessment and support for adults.",
    )
    CHILDRENS_SOCIAL_CARE = (
        "childrens_social_care",
        "Children's social care",
        "Support and protection for children.",
    )
    FRAILTY = ("frailty", "Frailty", "Proactive care for people living with frailty.")
    DIABETES = ("diabetes", "Diabetes", "Care for people living with diabetes.")
    PALLIATIVE_CARE = ("palliative_care", "Palliative care", "Care at the end of life.")
    PUBLIC_HEALTH = ("public_health", "Public health", "Population health and prevention.")
    HOUSING_SUPPORT = ("housing_support", "Housing support", "Help with housing.")
    EMPLOYMENT_SUPPORT = ("employment_support", "Employment support", "Help into work.")
    DOMICILIARY_CARE = ("domiciliary_care", "Domiciliary care", "Care at home.")
    RESIDENTIAL_CARE = ("residential_care", "Residential care", "Care in a care home.")
    COMMUNITY_SUPPORT = (
        "community_support",
        "Community support",
        "VCFSE support in the community.",
    )
    URGENT_CARE_GATEWAY = (
        "urgent_care_gateway",
        "24/7 gateway",
        "A 24/7 single point of access for residents.",
    )
    INTEGRATION_HUB = ("integration_hub", "Integration hub", "A neighbourhood integration hub.")
    SPECIALIST_ADVICE = (
        "specialist_advice",
        "Specialist advice",
        "Specialist input, case review and advice.",
    )


@in_scheme("role", "Professional roles")
class RoleCode(Concept):
    """Professional roles, and the specialties of aligned specialists."""

    GP = ("gp", "General practitioner", "A GP.")
    DISTRICT_NURSE = ("district_nurse", "District nurse", "A community nurse.")
    SOCIAL_WORKER = ("social_worker", "Social worker", "A social worker.")
    CARE_COORDINATOR = ("care_coordinator", "Care coordinator", "Coordinates personalised care.")
    SOCIAL_PRESCRIBING_LINK_WORKER = (
        "social_prescribing_link_worker",
        "Social prescribing link worker",
        "Connects people to community support.",
    )
    PHARMACIST = ("pharmacist", "Pharmacist", "A clinical or community pharmacist.")
    HEALTH_VISITOR = (
        "health_visitor",
        "Health visitor",
        "A specialist community public health nurse.",
    )
    CONSULTANT_GERIATRICIAN = (
        "consultant_geriatrician",
        "Consultant geriatrician",
        "A consultant in geriatric medicine.",
    )
    CONSULTANT_DIABETOLOGIST = (
        "consultant_diabetologist",
        "Consultant diabetologist",
        "A consultant in diabetes.",
    )
    CONSULTANT_PAEDIATRICIAN = (
        "consultant_paediatrician",
        "Consultant paediatrician",
        "A consultant in paediatrics.",
    )
    CONSULTANT_PSYCHIATRIST = (
        "consultant_psychiatrist",
        "Consultant psychiatrist",
        "A consultant in psychiatry.",
    )
    CONSULTANT_RESPIRATORY = (
        "consultant_respiratory",
        "Consultant respiratory physician",
        "A consultant in respiratory medicine.",
    )
    CONSULTANT_CARDIOLOGIST = (
        "consultant_cardiologist",
        "Consultant cardiologist",
        "A consultant in cardiology.",
    )
    CONSULTANT_PALLIATIVE = (
        "consultant_palliative",
        "Consultant in palliative medicine",
        "A consultant in palliative medicine.",
    )


#: Every concept scheme of the model, in the order the generated Turtle lists them.
CONCEPT_SCHEMES: tuple[type[Concept], ...] = (
    Tier,
    OrganisationKind,
    FunctionCode,
    RoleCode,
    CohortCode,
    Purpose,
    LawfulBasis,
    Article9Condition,
    DataCategory,
    PartyRole,
    AgreementStatus,
    Channel,
    ServiceStatus,
)
