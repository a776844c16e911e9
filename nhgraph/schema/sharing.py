"""The vocabulary of data sharing: purposes, UK GDPR bases and conditions, data categories,
the roles of parties, and where an agreement stands (with the window of "expiring soon")."""

from __future__ import annotations

from nhgraph.schema.concept import Concept, in_scheme


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
