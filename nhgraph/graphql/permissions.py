"""The API's permission classes: each asks the request's :class:`~nhgraph.access.Principal`,
which holds the rules of who may do what; a refusal is a ``FORBIDDEN`` error."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from nhgraph.graphql.context import Info


class ReadsAgreements(BasePermission):
    """Agreements and data-sharing coverage: governance and admin."""

    message = "data-sharing agreements and coverage are for the governance and admin roles"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (strawberry reads it per class)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Whether the caller's role may read data-sharing agreements and coverage."""
        return info.context.principal.may_read_agreements()


class ReadsAnalysis(BasePermission):
    """Gaps and overlaps: integrators, governance and admin."""

    message = "gaps and overlaps are for the integrator, governance and admin roles"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (strawberry reads it per class)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Whether the caller's role may read the gaps and overlaps."""
        return info.context.principal.may_read_analysis()


class Edits(BasePermission):
    """Any edit: integrators and admins (each edit checks the places it touches)."""

    message = "edits are for the integrator and admin roles"
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (strawberry reads it per class)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        """Whether the caller's role may edit at all; each edit checks the places it touches."""
        return info.context.principal.may_edit()
