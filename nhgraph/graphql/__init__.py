"""The GraphQL API: the schema, its types and resolvers by domain, and the FastAPI app that serves
it."""
