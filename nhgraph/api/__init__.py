"""The HTTP faces beside GraphQL, each in the exchange format of its field.

Open Referral UK 3.0 (``oruk``) for the public "find a service" directories, FHIR R4 UK Core
(``fhir``) for health systems, and linked data (``linked``) for nhgraph's own IRIs. Each is a
FastAPI router that :func:`nhgraph.graphql.app.create_app` mounts; each reads the graph through
the use cases below it (``nhgraph.export``, ``nhgraph.questions``), never Cypher of its own.
"""
