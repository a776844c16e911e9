"""The GraphQL API: the schema, its types and resolvers by domain, and the FastAPI app that serves
it."""

# The vocabulary's enums are marked as GraphQL enums before any type module names them: a type
# converted first would make its own definition of the enum, and the schema would hold two.
from nhgraph.graphql import enums as _enums  # noqa: F401
