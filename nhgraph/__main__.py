"""``python -m nhgraph`` runs the command line."""

from nhgraph.cli import app

app()
