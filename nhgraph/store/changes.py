"""A node's change: what it said before a write and after it, as plain records.

One shape serves every use of change: a load's or an edit's recorded change set, a dry run's
plan, a diff of two releases on disk, and the reconstruction of the graph as it stood. A record
is the node's model as JSON (``model_dump(mode="json")``): its properties and its link fields as
ids, so a link added or cut is a change of the node that holds the link field, as the writer
stores it. When and from which version of its source a node was loaded are left out of what
counts as a change, as they are left out of the content hash: a reload of unchanged data is no
change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from nhgraph.schema.models import Node, class_name

#: The fields that are not what a node says: when it was loaded, and from which version.
UNRECORDED = frozenset({"loaded_at", "source_version"})

Operation = Literal["created", "updated", "removed"]

Record = Mapping[str, Any]


def record_of_model(model: Node) -> dict[str, Any]:
    """The model as a change records it: JSON values, the loading stamps left out."""
    return model.model_dump(mode="json", exclude=set(UNRECORDED))


@dataclass(frozen=True)
class NodeChange:
    """One node's change: ``before`` is None for a node created, ``after`` for one removed."""

    label: str
    node_id: str
    before: Record | None
    after: Record | None

    def __post_init__(self) -> None:
        if self.before is None and self.after is None:
            raise ValueError(f"{self.label} {self.node_id}: a change needs a before or an after")

    @classmethod
    def of(cls, before: Node | None, after: Node | None) -> NodeChange:
        """The change between two models of one node (either may be None)."""
        model = after if after is not None else before
        assert model is not None
        return cls(
            class_name(type(model)),
            str(model.id),  # type: ignore[attr-defined]
            None if before is None else record_of_model(before),
            None if after is None else record_of_model(after),
        )

    @property
    def operation(self) -> Operation:
        """created, updated or removed."""
        if self.before is None:
            return "created"
        if self.after is None:
            return "removed"
        return "updated"

    @property
    def fields(self) -> list[str]:
        """The fields whose values differ, sorted (every field held, for a create or remove)."""
        before = {k: v for k, v in (self.before or {}).items() if k not in UNRECORDED}
        after = {k: v for k, v in (self.after or {}).items() if k not in UNRECORDED}
        return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))

    @property
    def changed(self) -> bool:
        """Whether the node says anything different (a create or remove always does)."""
        return self.operation != "updated" or bool(self.fields)
