"""The one error hierarchy: every error nhgraph raises on purpose says its code and exit code.

A caller (the command line, the API) maps an error to what it shows in one place, by reading
``code`` and ``exit_code``, instead of catching each kind by hand. A ``Refusal`` is an answer
rather than a fault: a question that has no answer for what was asked, an edit that was not
made. It carries a machine-readable code an app can act on and a message a person can read.
"""

from __future__ import annotations


class NhgraphError(Exception):
    """The base of every error nhgraph raises on purpose.

    ``code`` names the kind for machines (GraphQL ``extensions.code``, JSON output);
    ``exit_code`` is what the command line exits with: 1 for input that breaks a rule or a
    refusal, 2 for input that cannot be read or a question with no answer, as the README says.
    """

    code: str = "error"
    exit_code: int = 1


class Refusal(NhgraphError):
    """Something asked of nhgraph that it declines, with a code an app can act on."""

    def __init__(self, code: str, message: str) -> None:
        """The refusal with its code, for an app to act on, and its message, for a person."""
        super().__init__(message)
        self.code = code
        self.message = message
