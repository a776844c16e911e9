"""A data graph whose SPARQL queries are parsed once, not once per focus node, and whose basic
graph patterns start from what pyshacl pre-binds.

pyshacl (0.40) hands the SPARQL text of a constraint to the data graph's ``query`` for every
focus node, and rdflib parses the text each time: about 25 ms a parse, so one rule on London's
1,207 PCN memberships spent 35 s parsing the same query. The text is the same for every focus
node (the focus node travels in ``initBindings``), so :class:`PreparedQueryGraph` prepares
each text once and reuses it. No library is patched: the graph nhgraph validates is simply of
this class.

rdflib also orders a basic graph pattern's triples when it parses the text, before it knows
that ``$this`` (and a component's parameters) will be bound: the core offer's pattern began
with every membership's tier, once per INT and function. The query prepared for a set of bound
variables orders each pattern's triples as rdflib does, counting those variables as known.
The order of a basic graph pattern's triples changes only how it is evaluated, never its
solutions (it is a set of triples).
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from rdflib import BNode, Graph, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import _knownTerms
from rdflib.plugins.sparql.sparql import Query


@lru_cache(maxsize=512)
def prepared(text: str, bound: frozenset[str] = frozenset()) -> Query:
    """A SPARQL query parsed once and kept, since pyshacl asks the same ones again and again;
    its patterns ordered for the variables ``bound`` on every call."""
    query = prepareQuery(text)
    if bound:
        _order_patterns(query.algebra, {Variable(name) for name in bound})
    return query


def _ordered(triples: Iterable[Any], known: set[Variable]) -> list[Any]:
    """Rdflib's own ordering (most bound terms first, then re-sorted as variables become
    bound), started from the variables known before the pattern runs."""
    pending = list(triples)
    count: dict[Any, int] = collections.defaultdict(int)
    for triple in pending:
        for term in triple:
            if isinstance(term, Variable | BNode):
                count[term] += 1
    knowns: set[Any] = set(known)
    done: list[Any] = []
    while pending:
        pending.sort(key=lambda t: (_knownTerms(t, knowns, count), str(t)))
        first = pending.pop(0)
        done.append(first)
        knowns.update(term for term in first if isinstance(term, Variable | BNode))
    return done


def _order_patterns(node: Any, known: set[Variable]) -> None:
    """Order every basic graph pattern of a query's algebra (EXISTS patterns among them: rdflib
    keeps a translated EXISTS pattern as an attribute of its expression, beside the item)."""
    if isinstance(node, dict):
        if getattr(node, "name", None) == "BGP" and "triples" in node:
            dict.__setitem__(node, "triples", _ordered(dict.__getitem__(node, "triples"), known))
        # A VALUES block's rows are plain dicts, with no attributes of their own.
        for key, value in [*dict.items(node), *getattr(node, "__dict__", {}).items()]:
            if key not in ("_vars", "name"):
                _order_patterns(value, known)
    elif isinstance(node, list | tuple):
        for value in node:
            _order_patterns(value, known)


class PreparedQueryGraph(Graph):
    """An rdflib Graph that caches the parse of SPARQL texts it is asked."""

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a query, parsing its text once for all later calls with the same bound names."""
        if isinstance(query_object, str) and not kwargs.get("initNs") and not kwargs.get("base"):
            bound = frozenset(str(name) for name in (kwargs.get("initBindings") or {}))
            query_object = prepared(query_object, bound)
        return super().query(query_object, *args, **kwargs)
