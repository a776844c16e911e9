"""The model of the team of teams: the pydantic node classes, their identifiers and links, and
the SKOS vocabularies their coded fields take."""
