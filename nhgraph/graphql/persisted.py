"""Persisted operations: a client sends the SHA-256 of a document the API knows in place of
its text, and a deployment may accept only those documents (``NHGRAPH_API_PERSISTED_ONLY``).

The protocol is Apollo's ``persistedQuery`` extension, which Apollo Client, urql and Relay's
persisted-query links speak: ``{"extensions": {"persistedQuery": {"version": 1, "sha256Hash":
HEX}}, "variables": ..., "operationName": ...}`` posted as JSON, or the same as the query
parameters of a GET. A hash the registry holds runs its document. A hash it does not hold is
answered as Apollo Server answers it, so that those clients send the text next: HTTP 200 and
one error whose message is ``PersistedQueryNotFound`` and whose code is
``PERSISTED_QUERY_NOT_FOUND``. Text sent with a hash must have that hash, or it is refused
``PERSISTED_QUERY_HASH_MISMATCH``; a malformed extension is refused ``PERSISTED_QUERY_INVALID``.
Text sent with an unknown hash runs (when persisted-only is off) but is not remembered: the
registry is what was read at start-up, so no client can grow it.

The registry holds the project's example operations (``nhgraph/graphql/operations``), the web
app's (``nhgraph/web/operations``) and, when ``NHGRAPH_API_PERSISTED_DIR`` names a folder,
every ``*.graphql`` file in it. Each file holds one named operation that parses and validates
against the schema; one that does not stops the start with an error naming the file. A
document's hash is the SHA-256 of its file's UTF-8 text, byte for byte as it is sent.

:class:`PersistedOperations` is ASGI middleware on ``/graphql``, inside
:class:`~nhgraph.graphql.http.BodyLimit` (so every body it reads is already bounded) and
outside everything else: it turns a hash into its document's text, so each later step sees an
ordinary request with ``query`` filled in, and with persisted-only on it refuses, before
anything parses it, a request whose document is not registered (``PERSISTED_QUERY_REQUIRED``).
With persisted-only on, and whenever it fills in a text, the request is passed on re-encoded
from what it read, so that no later reader can read the same bytes differently (a key or a
query parameter given twice); otherwise the body is passed on as it came.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    validate,
)
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nhgraph.config import PROJECT_ROOT, Settings, SettingsError
from nhgraph.graphql.schema import schema as full_schema
from nhgraph.web.paths import OPERATIONS as WEB_OPERATIONS
from nhgraph.web.paths import OPERATIONS_MODULE

#: The project's example operations (each with a ``# role:`` and ``# variables:`` header).
EXAMPLE_OPERATIONS = Path(__file__).with_name("operations")
#: The manifest of the project's registered documents, for people and tools to read.
MANIFEST_PATH = EXAMPLE_OPERATIONS / "manifest.json"
#: Files a deployment's folder may hold, and bytes each may hold (the API's own are a few
#: dozen files of a few hundred bytes; a query's text is refused past 100,000 characters).
MAX_FILES = 500
MAX_FILE_BYTES = 100_000
#: The query parameters and body keys of a GraphQL request.
REQUEST_KEYS = ("query", "variables", "operationName", "extensions")

_HEX64 = re.compile(r"\A[0-9a-fA-F]{64}\Z")


def sha256_of(text: str) -> str:
    """The hash a client sends for a document: the SHA-256 of its UTF-8 text, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Document:
    """A registered document: its text, its hash, its one operation, and the file it is."""

    sha256: str
    text: str
    name: str
    kind: str
    file: str


class Registry:
    """The documents the API knows by hash, read once at start-up."""

    def __init__(self, documents: Iterable[Document]) -> None:
        """The registry of these documents (a text registered twice is one document)."""
        self.documents: dict[str, Document] = {}
        for document in documents:
            self.documents.setdefault(document.sha256, document)

    def __len__(self) -> int:
        return len(self.documents)

    def get(self, sha256: str) -> Document | None:
        """The document with this hash, if one is registered."""
        return self.documents.get(sha256)


def _where(error: GraphQLError) -> str:
    if not error.locations:
        return ""
    first = error.locations[0]
    return f" (line {first.line}, column {first.column})"


def read_document(path: Path, schema: GraphQLSchema, max_tokens: int, shown: str) -> Document:
    """The document in one file, or a :class:`SettingsError` naming the file and what is
    wrong: too large, not UTF-8, not one named operation, not parsing or not validating."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SettingsError(
            f"{shown}: {size} bytes, more than the {MAX_FILE_BYTES} a persisted operation's "
            "file may hold"
        )
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise SettingsError(f"{shown}: not UTF-8 ({error.reason} at byte {error.start})") from error
    try:
        parsed = parse(text, max_tokens=max_tokens)
    except GraphQLError as error:
        raise SettingsError(f"{shown}: does not parse: {error.message}{_where(error)}") from error
    operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].name is None:
        raise SettingsError(
            f"{shown}: holds {len(operations)} operations, or one with no name; a persisted "
            "operation's file holds exactly one operation, and names it"
        )
    errors = validate(schema, parsed)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SettingsError(
            f"{shown}: does not validate against the schema: "
            f"{errors[0].message}{_where(errors[0])}{more}"
        )
    operation = operations[0]
    assert operation.name is not None
    return Document(sha256_of(text), text, operation.name.value, operation.operation.value, shown)


def read_folder(
    folder: Path, schema: GraphQLSchema, max_tokens: int, setting: str | None = None
) -> list[Document]:
    """The documents of every ``*.graphql`` file in a folder (not its subfolders), in name
    order; at most :data:`MAX_FILES` of them. ``setting`` names the variable that chose the
    folder, for the errors; the project's own files are named from the checkout's root."""
    named = f"{setting}: " if setting else ""
    if not folder.is_dir():
        raise SettingsError(f"{named}{folder} is not a folder")
    found = list(itertools.islice(folder.glob("*.graphql"), MAX_FILES + 1))
    if len(found) > MAX_FILES:
        raise SettingsError(
            f"{named}{folder} holds more than the {MAX_FILES} persisted operation files allowed"
        )
    documents = []
    for path in sorted(found):
        shown = f"{named}{path}" if setting else path.relative_to(PROJECT_ROOT).as_posix()
        if not path.is_file():
            raise SettingsError(f"{shown} is not a file")
        documents.append(read_document(path, schema, max_tokens, shown))
    return documents


@lru_cache(maxsize=4)
def built_in(schema: GraphQLSchema, max_tokens: int) -> tuple[Document, ...]:
    """The project's own documents: the example operations, then the web app's (read once
    a process: every app a process makes registers the same files)."""
    return (
        *read_folder(EXAMPLE_OPERATIONS, schema, max_tokens),
        *read_folder(WEB_OPERATIONS, schema, max_tokens),
    )


def read_registry(settings: Settings) -> Registry:
    """The registry of this deployment: the project's documents and its own folder's."""
    schema = full_schema._schema
    documents = list(built_in(schema, settings.api_max_tokens))
    if settings.api_persisted_dir is not None:
        documents += read_folder(
            settings.api_persisted_dir,
            schema,
            settings.api_max_tokens,
            setting="NHGRAPH_API_PERSISTED_DIR",
        )
    return Registry(documents)


class _Refused(Exception):
    """A request answered here, with a GraphQL-shaped error."""

    def __init__(self, status: int, code: str, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
        # Apollo Server's: a miss is not cached, so the client's retry with the text is asked.
        self.headers = (
            {"Cache-Control": "private, no-cache, must-revalidate"} if status == 200 else {}
        )


def _required(why: str) -> _Refused:
    return _Refused(
        400,
        "PERSISTED_QUERY_REQUIRED",
        f"this API accepts only persisted operations (NHGRAPH_API_PERSISTED_ONLY): {why}",
    )


def _invalid(message: str) -> _Refused:
    return _Refused(400, "PERSISTED_QUERY_INVALID", message)


def _shown(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class PersistedOperations:
    """The middleware of ``/graphql`` that reads persisted operations (see the module)."""

    def __init__(
        self, app: ASGIApp, registry: Registry, only: bool = False, path: str = "/graphql"
    ) -> None:
        """The middleware around ``app``, with these documents; ``only`` refuses any other."""
        self.app = app
        self.registry = registry
        self.only = only
        self.path = path

    def judge(self, request: dict[str, Any]) -> dict[str, Any]:
        """The request to pass on: as sent, or with its document's text filled in; or a
        :class:`_Refused` raised, saying why not."""
        query = request.get("query")
        extensions = request.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is None:
            if not self.only:
                return request
            if not isinstance(query, str):
                raise _required(
                    "send the SHA-256 of a registered document as Apollo's "
                    "extensions.persistedQuery.sha256Hash, or its text as query"
                )
            if self.registry.get(sha256_of(query)) is None:
                raise _required(
                    f"the query's text (SHA-256 {sha256_of(query)}) is not a registered document"
                )
            return request
        sha256 = self._hash(persisted)
        if query is not None:
            if not isinstance(query, str):
                raise _invalid(f"query must be a string, not {_shown(query)}")
            actual = sha256_of(query)
            if actual != sha256:
                raise _Refused(
                    400,
                    "PERSISTED_QUERY_HASH_MISMATCH",
                    f"the query's SHA-256 is {actual}, not the {sha256} sent as "
                    "extensions.persistedQuery.sha256Hash: a hash is of the query's exact "
                    "UTF-8 text",
                )
            if self.only and self.registry.get(sha256) is None:
                raise _required(f"no registered document has the SHA-256 {sha256}")
            return request
        document = self.registry.get(sha256)
        if document is None:
            raise _Refused(
                200,
                "PERSISTED_QUERY_NOT_FOUND",
                "PersistedQueryNotFound",
                sha256Hash=sha256,
                detail=f"no registered document has the SHA-256 {sha256}"
                + ("" if self.only else ": send its text as query beside the hash"),
            )
        return {**request, "query": document.text}

    @staticmethod
    def _hash(persisted: object) -> str:
        if not isinstance(persisted, dict):
            raise _invalid(
                "extensions.persistedQuery must be an object with version and sha256Hash, "
                f"not {_shown(persisted)}"
            )
        version = persisted.get("version")
        if type(version) is not int or version != 1:
            raise _invalid(
                f"extensions.persistedQuery.version must be 1 (the only version), not "
                f"{_shown(version)}"
            )
        sha256 = persisted.get("sha256Hash")
        if not isinstance(sha256, str) or not _HEX64.match(sha256):
            raise _invalid(
                "extensions.persistedQuery.sha256Hash must be 64 hexadecimal characters (the "
                f"SHA-256 of the document's UTF-8 text), not {_shown(sha256)}"
            )
        return sha256.lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Passes the request on, with its document's text when it sent a hash, or answers it."""
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        try:
            if scope["method"] == "GET":
                scope = self._get(scope)
            elif scope["method"] == "POST":
                scope, receive = await self._post(scope, receive)
        except _Refused as refused:
            response = JSONResponse(refused.body, refused.status, headers=refused.headers)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _get(self, scope: Scope) -> Scope:
        # As starlette reads a query string (its QueryParams), so the keys seen are the same.
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        given = [name for name, _ in pairs]
        if "query" not in given and "extensions" not in given:
            return scope  # not a GraphQL request: GraphiQL's page, or strawberry's refusal
        params = dict(pairs)
        if not self.only and "persistedQuery" not in params.get("extensions", ""):
            return scope
        twice = [name for name in REQUEST_KEYS if given.count(name) > 1]
        if twice:
            raise _invalid(f"the query parameter {twice[0]} is given more than once")
        request: dict[str, Any] = dict(params)
        if "extensions" in request:
            try:
                request["extensions"] = json.loads(request["extensions"])
            except (ValueError, RecursionError) as error:
                raise _invalid("the extensions query parameter is not JSON") from error
        judged = self.judge(request)
        if "query" in judged:
            params["query"] = judged["query"]
        return {**scope, "query_string": urlencode(params).encode("ascii")}

    async def _post(self, scope: Scope, receive: Receive) -> tuple[Scope, Receive]:
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return scope, _replay(b"", receive, message)  # the client has gone
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        headers = dict(scope["headers"])
        json_body = b"application/json" in headers.get(b"content-type", b"").lower()
        if not self.only and (not json_body or b"persistedQuery" not in body):
            return scope, _replay(body, receive)
        if not json_body:
            raise _required("a request is a JSON body (Content-Type: application/json) or a GET")
        try:
            request = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            if not self.only:
                return scope, _replay(body, receive)  # the endpoint says what is wrong
            raise _Refused(400, "BAD_REQUEST", "the body is not a JSON object") from None
        if not isinstance(request, dict):
            if not self.only:
                return scope, _replay(body, receive)
            raise _required(f"the body must be one JSON object, not a {type(request).__name__}")
        judged = self.judge(request)
        if judged is request and not self.only:
            return scope, _replay(body, receive)
        encoded = json.dumps(judged).encode("utf-8")
        sent = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        sent.append((b"content-length", str(len(encoded)).encode("ascii")))
        return {**scope, "headers": sent}, _replay(encoded, receive)


def _replay(body: bytes, receive: Receive, last: Message | None = None) -> Receive:
    """A receive that gives the body read (or the message that ended the reading), then
    whatever the client sends next (its disconnect)."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if not given:
            given = True
            return last or {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def manifest(documents: Iterable[Document]) -> str:
    """The manifest of the project's documents, as committed to ``manifest.json``."""
    entries = {
        d.sha256: {"name": d.name, "type": d.kind, "file": d.file}
        for d in sorted(documents, key=lambda d: d.file)
    }
    content = {
        "about": "The persisted operations every nhgraph API registers: the SHA-256 of each "
        "file's UTF-8 text (what a client sends as extensions.persistedQuery.sha256Hash), its "
        "operation and its file. Generated by `make persisted`; a test checks it is current.",
        "operations": entries,
    }
    return json.dumps(content, indent=2) + "\n"


def web_module(documents: Iterable[Document]) -> str:
    """The web app's operations as the module it imports (``static/operations.mjs``): each
    operation by name, with its hash and its text (sent only when the hash is not known)."""
    lines = [
        "// Generated by `make persisted` from nhgraph/web/operations/*.graphql (a test checks",
        "// it is current): every GraphQL operation the app sends, by name, with the SHA-256 of",
        "// its text, which the API registers as a persisted operation.",
        "export const OPERATIONS = Object.freeze({",
    ]
    names: set[str] = set()
    for d in sorted(documents, key=lambda d: d.name):
        if d.name in names:
            raise SettingsError(f"{d.file}: another of the web app's files names {d.name} too")
        names.add(d.name)
        lines.append(
            f"  {d.name}: {{ sha256: {json.dumps(d.sha256)}, query: {json.dumps(d.text)} }},"
        )
    lines.append("});")
    return "\n".join(lines) + "\n"


def generated(schema: GraphQLSchema, max_tokens: int) -> dict[Path, str]:
    """The generated files and what they hold: the manifest and the web app's module."""
    web = read_folder(WEB_OPERATIONS, schema, max_tokens)
    return {
        MANIFEST_PATH: manifest(built_in(schema, max_tokens)),
        OPERATIONS_MODULE: web_module(web),
    }


def main() -> int:
    """Writes the generated files (``make persisted``)."""
    max_tokens = Settings.model_fields["api_max_tokens"].default
    for path, text in generated(full_schema._schema, max_tokens).items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
