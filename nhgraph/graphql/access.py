"""Who is asking: API keys mapped to roles, and the rules each role is held to.

A request without a key is ``public``: services and the resident view, the map of places,
neighbourhoods, INTs and organisations; never agreements, coverage or named professionals.
``integrator`` may also edit, within its own places only; ``governance`` reads agreements and
coverage; ``admin`` may do everything. The rules are enforced where the data is reached (a
field or a list), so a count or a filter cannot reveal what the role may not see.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.permission import BasePermission

from nhgraph.config import ApiRole, Settings


class Unauthenticated(ValueError):
    """A key was sent that no one holds: refused rather than treated as public."""


@dataclass(frozen=True)
class Principal:
    """The holder of the request's key (or the public)."""

    name: str
    role: ApiRole
    places: frozenset[str] = field(default_factory=frozenset)

    def may_read_agreements(self) -> bool:
        return self.role in ("governance", "admin")

    def may_read_analysis(self) -> bool:
        """Gaps and overlaps: for the people who plan and govern, not the public."""
        return self.role in ("integrator", "governance", "admin")

    def may_edit(self, place: str | None) -> bool:
        """Edits are for integrators within their own places, and for admins anywhere."""
        if self.role == "admin":
            return True
        return self.role == "integrator" and place is not None and place in self.places


PUBLIC = Principal(name="public", role="public")


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


def forbidden(what: str, principal: Principal) -> GraphQLError:
    return GraphQLError(
        f"{what} is not available to the role '{principal.role}'",
        extensions={"code": "FORBIDDEN", "role": principal.role},
    )


class ReadsAgreements(BasePermission):
    """Agreements and data-sharing coverage: governance and admin."""

    message = "data-sharing agreements and coverage are for the governance and admin roles"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (strawberry reads it per class)

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return bool(info.context.principal.may_read_agreements())


class ReadsAnalysis(BasePermission):
    """Gaps and overlaps: integrators, governance and admin."""

    message = "gaps and overlaps are for the integrator, governance and admin roles"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (strawberry reads it per class)

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return bool(info.context.principal.may_read_analysis())


class Edits(BasePermission):
    """Any edit: integrators and admins (the place of each edit is checked by the mutation)."""

    message = "edits are for the integrator and admin roles"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (strawberry reads it per class)

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return info.context.principal.role in ("integrator", "admin")
