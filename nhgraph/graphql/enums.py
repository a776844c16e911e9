"""The vocabulary enums as GraphQL enums, each with the description the schema gives it.

``strawberry.enum`` marks the vocabulary's own classes (``v.Tier`` is the GraphQL ``Tier``),
so the types annotate with ``v.Tier``; :mod:`nhgraph.graphql.schema` hands ``VOCABULARIES``
to the schema, which is where the descriptions are read.
"""

from __future__ import annotations

import strawberry

from nhgraph.schema import vocabulary as v

VOCABULARIES = (
    strawberry.enum(v.Tier, description="The tiers of the team of teams around the resident."),
    strawberry.enum(v.OrganisationKind, description="What an organisation is."),
    strawberry.enum(v.ServiceStatus, description="Whether a service runs."),
    strawberry.enum(v.AgreementStatus, description="Where an agreement stands."),
    strawberry.enum(v.Purpose, description="Why data is shared."),
    strawberry.enum(v.Channel, description="How a resident reaches a service."),
    strawberry.enum(v.LawfulBasis, description="UK GDPR Article 6 lawful basis."),
    strawberry.enum(
        v.Article9Condition, description="UK GDPR Article 9 condition for health data."
    ),
)
