"""Who is asking, and what each role may do: a rule of the domain, shared by the API and the
command line.

A caller without a key is ``public``: services and the resident view, the map of places,
neighbourhoods, INTs and organisations; never agreements, coverage or named professionals.
``integrator`` may also edit, within its own places only; ``governance`` reads agreements and
coverage; ``admin`` may do everything. The API applies these rules where the data is reached
(a field or a list), so a count or a filter cannot reveal what the role may not see; the edits
apply them to the places of every node they touch.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nhgraph.config import ApiRole, Settings


class Unauthenticated(ValueError):
    """A key was sent that no one holds: refused rather than treated as public."""


@dataclass(frozen=True)
class Principal:
    """The holder of the request's key (or the public, or the operator at the command line)."""

    name: str
    role: ApiRole
    places: frozenset[str] = field(default_factory=frozenset)

    def may_read_agreements(self) -> bool:
        """Agreements and coverage name who shares what: for governance and admins."""
        return self.role in ("governance", "admin")

    def may_read_named_professionals(self) -> bool:
        """A post's holder's name, even one the organisation publishes, is not for the public:
        a caller must hold a key."""
        return self.role != "public"

    def may_read_analysis(self) -> bool:
        """Gaps and overlaps: for the people who plan and govern, not the public."""
        return self.role in ("integrator", "governance", "admin")

    def may_edit(self) -> bool:
        """Whether the role edits at all; each edit then asks :meth:`may_touch` of its places."""
        return self.role in ("integrator", "admin")

    def may_edit_anywhere(self) -> bool:
        """Admins are not held to places (an agreement's parties need not be theirs)."""
        return self.role == "admin"

    def may_touch(self, place: str | None) -> bool:
        """Edits are for integrators within their own places, and for admins anywhere."""
        if self.may_edit_anywhere():
            return True
        return self.role == "integrator" and place is not None and place in self.places

    def shares_a_place(self, places: Iterable[str]) -> bool:
        """Whether any of these places is the principal's own (or the principal is an admin)."""
        return self.may_edit_anywhere() or bool(set(places) & self.places)


PUBLIC = Principal(name="public", role="public")
#: The operator at the command line, who holds the database's own credentials and so sees all.
OPERATOR = Principal(name="operator", role="admin")


def _presented_key(headers: Any) -> str | None:
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <key>'")
        return str(token.strip())
    key = headers.get("x-api-key")
    return str(key).strip() if key else None


def principal_for(settings: Settings, headers: Any) -> Principal:
    """The principal a request's headers name; Unauthenticated for a key no one holds.

    Keys are compared in constant time, so response timing does not leak how much of a key
    matched.
    """
    presented = _presented_key(headers)
    if presented is None:
        return PUBLIC
    for secret, holder in settings.api_keys.items():
        if hmac.compare_digest(secret.encode(), presented.encode()):
            return Principal(name=holder.name, role=holder.role, places=frozenset(holder.places))
    raise Unauthenticated("the API key is not one this service knows")
