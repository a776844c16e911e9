"""The GraphQL schema. The API issue fills it by domain; today it answers who it is."""

from __future__ import annotations

import strawberry

from nhgraph import __version__


@strawberry.type(description="The service itself.")
class About:
    name: str
    version: str
    illustrative_data: bool = strawberry.field(
        description="True while the team-of-teams data served is the illustrative demo dataset."
    )


@strawberry.type
class Query:
    @strawberry.field(description="What this service is and which version runs.")
    def about(self) -> About:
        return About(name="nhgraph", version=__version__, illustrative_data=True)


schema = strawberry.Schema(query=Query)
