"""The UUIDs the exchange formats need, made from nhgraph's IRIs so they never change.

HSDS 3.0 requires every ``id`` and ``*_id`` to be a UUID; nhgraph names nodes by official codes
and IRIs (``https://w3id.org/nhgraph/id/organisation/ods/F84003``). A UUID version 5 over the
IRI is the same in every export and on every machine, and the IRI, not a counter, decides it.
A record imported from a feed keeps the feed's own UUID (stored on the node as ``hsds_id``), so
an export of what was imported gives back the feed's ids; :func:`hsds_uuid` is for the rest.
"""

from __future__ import annotations

import uuid


def hsds_uuid(iri: str) -> str:
    """The UUID an HSDS record for this IRI carries: uuid5 in the URL namespace, as text."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


def part_uuid(iri: str, kind: str, key: str) -> str:
    """The UUID of a record that exists only as part of a node (a schedule, a service area, an
    identifier): the node's IRI with a fragment naming the part's kind and a stable key."""
    return hsds_uuid(f"{iri}#{kind}/{key}")
