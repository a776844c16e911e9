"""Edits to the map: the eight edits as plain functions (:mod:`.operations`), and the check and
commit every one of them goes through (:mod:`.commit`). The API and the command line call the
same functions, so an edit has the same rules, refusals and record wherever it is made."""

from __future__ import annotations

from nhgraph.edits.commit import (
    EDIT_SOURCE,
    EditNotFound,
    EditReceipt,
    EditRefused,
    check,
    commit,
    exists,
    read,
    surroundings,
    warm_up,
)
from nhgraph.edits.operations import (
    EditSession,
    add_lsoas_to_neighbourhood,
    add_service,
    add_team_to_int,
    align_specialist,
    end_data_sharing_agreement,
    end_service,
    move_lsoas,
    register_data_sharing_agreement,
)

__all__ = [
    "EDIT_SOURCE",
    "EditNotFound",
    "EditReceipt",
    "EditRefused",
    "EditSession",
    "add_lsoas_to_neighbourhood",
    "add_service",
    "add_team_to_int",
    "align_specialist",
    "check",
    "commit",
    "end_data_sharing_agreement",
    "end_service",
    "exists",
    "move_lsoas",
    "read",
    "register_data_sharing_agreement",
    "surroundings",
    "warm_up",
]
