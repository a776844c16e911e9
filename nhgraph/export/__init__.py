"""The stored graph written out in the exchange formats of the field.

The use case beside load, validate, ask and edit: it reads the graph through named queries and
turns it into HSDS 3.0 / Open Referral UK (``hsds``), FHIR R4 UK Core (``fhir``) and RDF in
nhgraph's own vocabulary (``rdf``). The HTTP faces (``nhgraph.api``) and ``nhgraph export``
both call it, so a file and a response say the same thing.
"""
