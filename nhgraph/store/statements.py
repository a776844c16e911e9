"""The store's generated Cypher: one builder per statement, from the models' labels and links.

Every statement here is made from the models' metadata (labels, relationship types), never from
input values, which always travel as parameters in ``UNWIND $rows`` batches. Builders are cached,
so each distinct statement is a single string that Neo4j compiles once per server.
"""

from __future__ import annotations

from functools import cache

from nhgraph.schema.models import MODEL_CLASSES, Link, class_name
from nhgraph.schema.registry import CONCEPT_LABELS, HUB_LABELS

#: The property an edit sets and removes at once, to take a node's write lock before reading it.
LOCK = "nhgraph_lock"
#: Locks the matched node ``n`` until the transaction ends, and changes nothing. A node that
#: another transaction deleted while this one waited for its lock is found with no properties
#: once the lock is had, and is left out, as if it had not been found.
LOCK_CLAUSE = f"SET n.{LOCK} = true REMOVE n.{LOCK} WITH n WHERE n.id IS NOT NULL "


@cache
def link_statement(label: str, link: Link) -> str:
    """Replace a node's edges of one field with the listed ones; return the unknown targets."""
    return (
        f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) "
        f"OPTIONAL MATCH (n)-[old:{link.rel}]->(former:{link.target}) "
        "WHERE NOT former.id IN row.targets DELETE old "
        "WITH DISTINCT n, row UNWIND row.targets AS target "
        f"OPTIONAL MATCH (m:{link.target} {{id: target}}) "
        f"FOREACH (_ IN CASE WHEN m IS NULL THEN [] ELSE [1] END | MERGE (n)-[:{link.rel}]->(m)) "
        "WITH row, target, m WHERE m IS NULL RETURN row.id AS id, target"
    )


#: New nodes of any class with their edges to nodes whose element ids are known.
CREATE = (
    "UNWIND $rows AS row CREATE (n:$(row.label)) SET n = row.props "
    "SET n.loaded_at = coalesce(n.loaded_at, $loaded_at) WITH n, row "
    "UNWIND row.links AS link MATCH (m) WHERE elementId(m) = link[0] "
    "CREATE (n)-[:$(link[1])]->(m)"
)


#: The same, returning each new node's element id (in the order of the rows), for nodes that
#: other new nodes link to.
CREATE_RETURNING = (
    "UNWIND $rows AS row CREATE (n:$(row.label)) SET n = row.props "
    "SET n.loaded_at = coalesce(n.loaded_at, $loaded_at) WITH n, row "
    "CALL (n, row) { UNWIND row.links AS link MATCH (m) WHERE elementId(m) = link[0] "
    "CREATE (n)-[:$(link[1])]->(m) RETURN count(*) AS linked } "
    "RETURN elementId(n) AS e"
)


#: Edges between nodes by element id: [from, to, relationship type].
CREATE_EDGES = (
    "UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row[0] "
    "MATCH (b) WHERE elementId(b) = row[1] CREATE (a)-[:$(row[2])]->(b)"
)


@cache
def concept_statement(label: str) -> str:
    """Merge the scheme's concepts: label, source and version as the schemes say now, and the
    time the concept was first loaded: concepts change only with nhgraph's releases, which
    the version records, so no conditional (costly to compile on a just-started server) is
    spent on the time of their last change."""
    return (
        f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) "
        "SET n += row.props, n.loaded_at = coalesce(n.loaded_at, $loaded_at) "
        "RETURN n.id AS id, elementId(n) AS e"
    )


@cache
def element_statement(label: str) -> str:
    """The element ids of nodes of one label by id, so new edges can seek them by element id."""
    return f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN n.id AS id, elementId(n) AS e"


@cache
def counts_statement() -> str:
    """How many nodes of each class are stored, from the count store, in one statement."""
    counts = ", ".join(
        f"`{class_name(cls)}`: COUNT {{ (:{class_name(cls)}) }}" for cls in MODEL_CLASSES
    )
    return f"RETURN {{{counts}}} AS n"


@cache
def update_statement(label: str) -> str:
    """Changed nodes: their properties are replaced, so a field emptied is removed."""
    return (
        f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) SET n = row.props "
        "SET n.loaded_at = coalesce(n.loaded_at, $loaded_at)"
    )


@cache
def hash_statement(label: str) -> str:
    """The stored content hash of nodes of one label by id, to tell what changed, and their
    source, which owns them."""
    return (
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) "
        "RETURN n.id AS id, n.content_hash AS hash, n.source AS source"
    )


@cache
def hashes_statement(label: str) -> str:
    """The same, collected into one row of ``[id, hash, source]`` triples: a plan reads
    thousands at once, and one row crosses the wire several times faster than a row each."""
    return (
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) "
        "RETURN collect([n.id, n.content_hash, n.source]) AS found"
    )


@cache
def lock_statement(label: str) -> str:
    """The same, write-locking the nodes until the transaction ends: setting a property to
    its own value takes the node's lock and changes nothing."""
    return (
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) SET n.content_hash = n.content_hash "
        "RETURN n.id AS id, n.content_hash AS hash, n.source AS source"
    )


@cache
def removal_statement(label: str) -> str:
    """Per source of a reload: its stored nodes of one label, and the id and hash of each
    that the reload no longer holds (the plan's read-only look at what would go)."""
    return (
        f"MATCH (n:{label}) WHERE n.source IN $sources "
        "RETURN n.source AS source, count(n) AS stored, "
        "collect(CASE WHEN NOT n.id IN $keep THEN [n.id, n.content_hash] END) AS removed"
    )


@cache
def lock_removed_statement(label: str) -> str:
    """The nodes of the sources that the reload no longer holds, write-locked, with their hash."""
    return (
        f"MATCH (n:{label}) WHERE n.source IN $sources AND NOT n.id IN $keep "
        "SET n.content_hash = n.content_hash RETURN n.id AS id, n.content_hash AS hash"
    )


@cache
def incoming_statement(label: str) -> str:
    """The links into nodes of one label by id: who links to what a reload removes."""
    return (
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}})<-[r]-(m) "
        "RETURN n.id AS id, type(r) AS rel, labels(m)[0] AS from_label, m.id AS from_id, "
        "m.source AS source"
    )


@cache
def linked_from_statement(label: str) -> str:
    """The nodes that link to one node, by edge type and their label: the first ``$per`` ids of
    each by id, and how many there are (a linked-data description's incoming links, bounded)."""
    return (
        f"MATCH (n:{label} {{id: $id}})<-[r]-(m) WHERE m.id IS NOT NULL "
        "WITH type(r) AS rel, labels(m)[0] AS from_label, m.id AS from_id ORDER BY from_id "
        "WITH rel, from_label, collect(from_id) AS ids "
        "RETURN rel, from_label, ids[..$per] AS ids, size(ids) AS total ORDER BY rel, from_label"
    )


@cache
def unhash_statement(label: str) -> str:
    """Forget the content hash of nodes by id, so that the next reload rewrites them."""
    return f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) REMOVE n.content_hash"


@cache
def remove_ids_statement(label: str) -> str:
    """Remove nodes of one label by id, with their edges."""
    return (
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) DETACH DELETE n RETURN count(*) AS removed"
    )


@cache
def remove_statement(label: str) -> str:
    """Remove the nodes of the sources that the reload no longer holds, with their edges."""
    return (
        f"MATCH (n:{label}) WHERE n.source IN $sources AND NOT n.id IN $keep "
        "WITH n, n.id AS id DETACH DELETE n RETURN count(*) AS removed, collect(id) AS ids"
    )


@cache
def read_statement(label: str) -> str:
    """Every node of one label with its outgoing edges, for reading the graph back."""
    return (
        f"MATCH (n:{label}) "
        "RETURN n {.*} AS props, [(n)-[r]->(m) | [type(r), labels(m), m.id]] AS links"
    )


@cache
def read_keyed_page_statement(label: str, fields: tuple[str, ...] | None) -> str:
    """One page of the nodes of one label, in id order after ``$after`` (at most ``$size``), as a
    single row ``nodes``: a list of [properties, outgoing edges], with only ``fields`` when given.

    One row a page, not one a node: the driver's cost is mostly per row (England's 87,000 nodes
    cost about 50 us each as rows), and the page bounds what the server collects."""
    projection = ".*" if fields is None else ", ".join(f".`{name}`" for name in fields)
    return (
        f"MATCH (n:{label}) WHERE n.id > $after WITH n ORDER BY n.id LIMIT $size "
        f"RETURN collect([n {{{projection}}}, "
        "[(n)-[r]->(m) | [type(r), labels(m), m.id]]]) AS nodes"
    )


@cache
def read_unkeyed_statement(label: str, fields: tuple[str, ...] | None) -> str:
    """The nodes of one label whose id is missing or not text, which an id-ordered page never
    reaches (the load never writes one; a graph edited by hand may hold one), as
    :func:`read_statement` returns them."""
    projection = ".*" if fields is None else ", ".join(f".`{name}`" for name in fields)
    return (
        f"MATCH (n:{label}) WHERE coalesce(n.id >= '', false) = false "
        f"RETURN n {{{projection}}} AS props, [(n)-[r]->(m) | [type(r), labels(m), m.id]] AS links"
    )


@cache
def read_page_statement(label: str) -> str:
    """One page of the nodes of one label, in id order after ``$after`` (at most ``$size``),
    with their outgoing edges: the graph read back a page at a time, through the id index."""
    return (
        f"MATCH (n:{label}) WHERE n.id > $after WITH n ORDER BY n.id LIMIT $size "
        "RETURN n {.*} AS props, [(n)-[r]->(m) | [type(r), labels(m), m.id]] AS links"
    )


@cache
def read_some_statement(label: str, *, lock: bool = False) -> str:
    """Nodes of one label by id with their outgoing edges and element ids, for an edit; with
    ``lock``, each is write-locked before it is read, so that what is read stays so until the
    transaction ends (another edit or load of the node waits)."""
    return (
        f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) "
        + (LOCK_CLAUSE if lock else "")
        + "RETURN n {.*} AS props, [(n)-[r]->(m) | [type(r), labels(m), m.id]] AS links, "
        "elementId(n) AS element_id"
    )


@cache
def surroundings_statement(labels: tuple[str, ...]) -> str:
    """An edit's seeds (ids by label, ``$ids[i]`` for ``labels[i]``), write-locked, and the
    nodes within two links of them, as records: what the SHACL shapes need to judge the edit.

    The walk goes through no hub (a region, system, place or concept: thousands of nodes point
    at them) and leaves out postcodes; concepts are not returned, since the shapes read them
    from the concept schemes. This is the Neo4j half of the two-hop rule:
    :func:`nhgraph.ontology.validation.subgraph_around` is the RDF half, and both stop at the
    registry's hubs. Locking the seeds in the statement that reads them means that no other
    edit or load changes them, or their links, between this read and the edit's commit.
    """
    seeds = " UNION ALL ".join(
        f"UNWIND $ids[{i}] AS id MATCH (n:{label} {{id: id}}) RETURN n"
        for i, label in enumerate(labels)
    )
    through = " OR ".join(f"a:{label}" for label in sorted(HUB_LABELS | CONCEPT_LABELS))
    kept_out = " OR ".join(f"m:{label}" for label in sorted(CONCEPT_LABELS))
    return (
        f"CALL () {{ {seeds} }} " + LOCK_CLAUSE + "WITH collect(n) AS seeds "
        "CALL (seeds) { UNWIND seeds AS f "
        f"MATCH (f) ((a)--(b) WHERE NOT b:Postcode AND NOT ({through})){{1,2}} (m) "
        "RETURN collect(DISTINCT m) AS around } "
        "UNWIND seeds + around AS m WITH DISTINCT m "
        f"WHERE NOT ({kept_out}) "
        # An LSOA's boundary (kilobytes of GeoJSON) is left behind: no rule reads it.
        "RETURN labels(m) AS labels, m {.*, boundary: null} AS props, "
        "[(m)-[r]->(t) | [type(r), labels(t), t.id]] AS links"
    )
