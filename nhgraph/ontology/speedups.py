"""A data graph whose SPARQL queries are parsed once, not once per focus node.

pyshacl (0.40) hands the SPARQL text of a constraint to the data graph's ``query`` for every
focus node, and rdflib parses the text each time: about 25 ms a parse, so one rule on London's
1,207 PCN memberships spent 35 s parsing the same query. The text is the same for every focus
node (the focus node travels in ``initBindings``), so :class:`PreparedQueryGraph` prepares
each text once and reuses it. No library is patched: the graph nhgraph validates is simply of
this class.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query


@lru_cache(maxsize=512)
def prepared(text: str) -> Query:
    """A SPARQL query parsed once and kept, since pyshacl asks the same ones again and again."""
    return prepareQuery(text)


class PreparedQueryGraph(Graph):
    """An rdflib Graph that caches the parse of SPARQL texts it is asked."""

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a query, parsing its text once for all later calls."""
        if isinstance(query_object, str) and not kwargs.get("initNs") and not kwargs.get("base"):
            query_object = prepared(query_object)
        return super().query(query_object, *args, **kwargs)
