"""The closed vocabularies of the model, as enums backed by SKOS concepts.

Each enum is one SKOS concept scheme: the member's value is the concept's notation (and the
last segment of its IRI), and ``label``/``definition`` are its ``skos:prefLabel`` and
``skos:definition``, in the policy's words where the policy has them. The Turtle concept
schemes in ``nhgraph/ontology/concepts.ttl`` are generated from these enums
(``nhgraph.ontology.concepts``), and a test fails when the file is stale, so the Python and
the RDF can never disagree.
"""

from __future__ import annotations

from nhgraph.schema.concept import Concept, in_scheme
from nhgraph.schema.sharing import (
    EXPIRY_DAYS,
    AgreementStatus,
    Article9Condition,
    DataCategory,
    LawfulBasis,
    PartyRole,
    Purpose,
)


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


#: The vocabularies importers find here, the sharing ones (schema/sharing.py) among them.
__all__ = [
    "CONCEPT_SCHEMES",
    "EXPIRY_DAYS",
    "AgreementStatus",
    "Article9Condition",
    "Channel",
    "CohortCode",
    "Concept",
    "DataCategory",
    "FunctionCode",
    "LawfulBasis",
    "OrganisationKind",
    "PartyRole",
    "Purpose",
    "RoleCode",
    "ServiceStatus",
    "Tier",
    "in_scheme",
]
