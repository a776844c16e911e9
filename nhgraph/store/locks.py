"""Claims on ids not yet stored: how an edit that makes a node serialises with another making
the same one.

A stored node is locked by writing to it (see
:data:`~nhgraph.store.statements.LOCK_CLAUSE`); a node not yet stored cannot be. Claiming its
id MERGEs a placeholder that only this transaction can see: the id's uniqueness constraint
makes a second claimant wait until the first commits or rolls back, and then find the id
taken, or claim it in turn. The write that follows replaces the placeholder's properties.
"""

from __future__ import annotations

from functools import cache

from nhgraph.store.db import Transaction

#: The property that marks a placeholder made by a claim (gone once the node is written).
CLAIM = "nhgraph_claim"


@cache
def claim_statement(label: str) -> str:
    """MERGE a placeholder of this id, marked with the claimant's token when made here."""
    return (
        f"MERGE (n:{label} {{id: $id}}) ON CREATE SET n.{CLAIM} = $token "
        f"RETURN n.{CLAIM} = $token AS mine"
    )


def claim(tx: Transaction, label: str, node_id: str, token: str) -> bool:
    """Claim an id for a node this transaction is about to make: False when it is stored, or
    another transaction made it meanwhile (which this one waited for)."""
    [row] = tx.run(claim_statement(label), {"id": node_id, "token": token})
    return bool(row["mine"])
