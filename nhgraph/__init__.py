"""nhgraph: a knowledge graph and service registry for the neighbourhood health service.

Integrators keep the team-of-teams map here, apps ask who serves a resident, governance
teams check that partners can share data, and analysts find gaps and overlaps.
"""

__version__ = "0.1.0"
