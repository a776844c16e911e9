"""Persisted operations over real HTTP, on a real Neo4j: each documented operation runs by its
hash exactly as by its text; a hash the API does not know is answered as Apollo clients expect
(so they send the text next); text sent with a hash must have it; a malformed extension is
refused naming what is wrong; with NHGRAPH_API_PERSISTED_ONLY only registered documents run,
whether sent by hash or as text; a deployment's own folder is registered, and a bad file in it
stops the start naming the file; the committed manifest and the web app's module are current."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from nhgraph.config import PROJECT_ROOT, Settings, SettingsError
from nhgraph.graphql.app import create_app
from nhgraph.graphql.persisted import (
    EXAMPLE_OPERATIONS,
    MAX_FILE_BYTES,
    MAX_FILES,
    generated,
    read_registry,
    sha256_of,
)
from nhgraph.graphql.schema import schema
from nhgraph.store import db, write_models
from nhgraph.web.paths import OPERATIONS as WEB_OPERATIONS
from nhgraph.web.paths import STATIC

from .clients import KEYS, ROLE_KEYS, operation_header
from .conftest import LiveServer, make_test_settings
from .world import world

OPERATIONS = sorted(EXAMPLE_OPERATIONS.glob("*.graphql"))
RESIDENT = EXAMPLE_OPERATIONS / "resident.graphql"
#: Fields of an edit's answer that differ between two runs of the same edit.
OF_THE_RUN = re.compile(r'"(edit|at)": "[^"]*"')
UNKNOWN = "0" * 64
ABOUT = "{ about { version } }"
#: The time budget of a request here: the machine is shared, and time is not what is tested.
SECONDS = 60.0


def persisted(sha256: str, version: object = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256}}


class Api:
    """Posts (or GETs) GraphQL requests as given, so that every field can be wrong."""

    def __init__(self, server: LiveServer) -> None:
        self.url = f"{server.url}/graphql"

    def post(self, body: Any, key: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.post(self.url, json=body, headers=headers, timeout=60, **kwargs)

    def raw(self, content: bytes, content_type: str = "application/json") -> httpx.Response:
        return httpx.post(
            self.url, content=content, headers={"Content-Type": content_type}, timeout=60
        )

    def get(self, params: list[tuple[str, str]]) -> httpx.Response:
        return httpx.get(self.url, params=params, timeout=60)


def refusal(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The one error of a refused request, checked for its status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert "data" not in body or body["data"] is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, error
    return dict(error)


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


@pytest.fixture(scope="module")
def loaded(database: db.Database) -> db.Database:
    database.reset()
    write_models(database, world())
    return database


@pytest.fixture(scope="module")
def api(loaded: db.Database) -> Iterator[Api]:
    settings = make_test_settings(
        api_keys=KEYS, neo4j_uri=loaded.settings.neo4j_uri, api_request_seconds=SECONDS
    )
    with LiveServer(settings) as server:
        yield Api(server)


@pytest.fixture(scope="module")
def only(loaded: db.Database) -> Iterator[Api]:
    settings = make_test_settings(
        api_keys=KEYS,
        neo4j_uri=loaded.settings.neo4j_uri,
        api_persisted_only=True,
        api_request_seconds=SECONDS,
    )
    with LiveServer(settings) as server:
        yield Api(server)


# ---- by hash, as by text -----------------------------------------------------------------


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_each_operation_runs_by_its_hash_as_by_its_text(
    api: Api, loaded: db.Database, path: Path
) -> None:
    text = path.read_text(encoding="utf-8")
    header = operation_header(path)
    variables = json.loads(header["variables"])
    key = ROLE_KEYS[header["role"]]
    answers = []
    for body in (
        {"query": text, "variables": variables},
        {"extensions": persisted(sha256_of(text)), "variables": variables},
    ):
        loaded.reset()  # an edit changes the graph: each run starts from the same world
        write_models(loaded, world())
        answers.append(OF_THE_RUN.sub("", json.dumps(data(api.post(body, key)))))
    by_text, by_hash = answers
    assert by_hash == by_text
    assert len(by_text) > 100, by_text  # an answer, not an empty one


def test_a_hash_runs_by_get_too_with_its_variables_and_operation_name(api: Api) -> None:
    text = RESIDENT.read_text(encoding="utf-8")
    variables = json.loads(operation_header(RESIDENT)["variables"])
    by_text = data(api.post({"query": text, "variables": variables}))
    params = [
        ("extensions", json.dumps(persisted(sha256_of(text)))),
        ("variables", json.dumps(variables)),
        ("operationName", "Resident"),
    ]
    assert data(api.get(params)) == by_text


def test_a_hash_in_capitals_is_the_same_hash(api: Api) -> None:
    text = RESIDENT.read_text(encoding="utf-8")
    variables = json.loads(operation_header(RESIDENT)["variables"])
    answer = api.post({"extensions": persisted(sha256_of(text).upper()), "variables": variables})
    assert data(answer)["resident"]["__typename"] == "Resident"


# ---- unknown, mismatched, malformed ------------------------------------------------------


def test_an_unknown_hash_is_answered_as_apollo_clients_expect_then_its_text_runs(
    api: Api,
) -> None:
    sha256 = sha256_of(ABOUT)
    # Apollo Server's answer, which Apollo Client, urql and Relay retry with the text: 200,
    # the message PersistedQueryNotFound, the code, and not cached.
    missed = api.post({"extensions": persisted(sha256)})
    error = refusal(missed, 200, "PERSISTED_QUERY_NOT_FOUND")
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["sha256Hash"] == sha256
    assert sha256 in error["extensions"]["detail"]
    assert "no-cache" in missed.headers["cache-control"]
    # The retry, text beside the hash, runs (persisted-only is off) ...
    assert data(api.post({"query": ABOUT, "extensions": persisted(sha256)}))["about"]["version"]
    # ... and is not remembered: no client can grow the registry.
    refusal(api.post({"extensions": persisted(sha256)}), 200, "PERSISTED_QUERY_NOT_FOUND")
    refusal(
        api.get([("extensions", json.dumps(persisted(UNKNOWN)))]), 200, "PERSISTED_QUERY_NOT_FOUND"
    )


def test_text_sent_with_a_hash_that_is_not_its_own_is_refused(api: Api) -> None:
    registered = sha256_of(RESIDENT.read_text(encoding="utf-8"))
    error = refusal(
        api.post({"query": ABOUT, "extensions": persisted(registered)}),
        400,
        "PERSISTED_QUERY_HASH_MISMATCH",
    )
    # Both hashes are named: the one sent and the text's own.
    assert registered in error["message"]
    assert sha256_of(ABOUT) in error["message"]
    # One character of difference is a different text.
    refusal(
        api.post({"query": ABOUT + " ", "extensions": persisted(sha256_of(ABOUT))}),
        400,
        "PERSISTED_QUERY_HASH_MISMATCH",
    )


@pytest.mark.parametrize(
    ("extension", "named"),
    [
        ("not an object", "extensions.persistedQuery must be an object"),
        ([1, UNKNOWN], "extensions.persistedQuery must be an object"),
        ({"sha256Hash": UNKNOWN}, "version must be 1"),
        ({"version": 2, "sha256Hash": UNKNOWN}, "version must be 1"),
        ({"version": "1", "sha256Hash": UNKNOWN}, "version must be 1"),
        ({"version": True, "sha256Hash": UNKNOWN}, "version must be 1"),
        ({"version": 1.0, "sha256Hash": UNKNOWN}, "version must be 1"),
        ({"version": 1}, "sha256Hash must be 64 hexadecimal characters"),
        ({"version": 1, "sha256Hash": UNKNOWN[:63]}, "sha256Hash must be 64 hexadecimal"),
        ({"version": 1, "sha256Hash": UNKNOWN + "0"}, "sha256Hash must be 64 hexadecimal"),
        ({"version": 1, "sha256Hash": "g" * 64}, "sha256Hash must be 64 hexadecimal"),
        ({"version": 1, "sha256Hash": UNKNOWN[:63] + "\n"}, "sha256Hash must be 64"),
        ({"version": 1, "sha256Hash": 12345}, "sha256Hash must be 64 hexadecimal"),
        ({"version": 1, "sha256Hash": "a" * 10_000}, "sha256Hash must be 64 hexadecimal"),
    ],
)
def test_a_malformed_extension_is_refused_naming_what_is_wrong(
    api: Api, only: Api, extension: object, named: str
) -> None:
    for server in (api, only):
        error = refusal(
            server.post({"extensions": {"persistedQuery": extension}}),
            400,
            "PERSISTED_QUERY_INVALID",
        )
        assert named in error["message"]
        assert len(error["message"]) < 300  # a long value is not echoed whole


def test_a_query_that_is_not_text_beside_a_hash_is_refused(api: Api) -> None:
    error = refusal(
        api.post({"query": {"q": 1}, "extensions": persisted(UNKNOWN)}),
        400,
        "PERSISTED_QUERY_INVALID",
    )
    assert "query must be a string" in error["message"]


def test_a_query_parameter_given_twice_beside_a_hash_is_refused(api: Api) -> None:
    params = [
        ("extensions", json.dumps(persisted(UNKNOWN))),
        ("extensions", json.dumps(persisted(UNKNOWN))),
    ]
    error = refusal(api.get(params), 400, "PERSISTED_QUERY_INVALID")
    assert "extensions is given more than once" in error["message"]
    error = refusal(
        api.get([("extensions", '{"persistedQuery": ')]), 400, "PERSISTED_QUERY_INVALID"
    )
    assert "the extensions query parameter is not JSON" in error["message"]


def test_a_body_over_the_limit_is_refused_before_its_hash_is_read(
    loaded: db.Database,
) -> None:
    settings = make_test_settings(neo4j_uri=loaded.settings.neo4j_uri, api_max_body_bytes=1000)
    with LiveServer(settings) as server:
        body = {"extensions": persisted(UNKNOWN), "variables": {"pad": "x" * 2000}}
        refusal(Api(server).post(body), 413, "BODY_TOO_LARGE")


# ---- persisted-only -----------------------------------------------------------------------


def test_persisted_only_runs_a_registered_document_by_hash_and_by_text(only: Api) -> None:
    text = RESIDENT.read_text(encoding="utf-8")
    variables = json.loads(operation_header(RESIDENT)["variables"])
    sha256 = sha256_of(text)
    by_text = data(only.post({"query": text, "variables": variables}))
    assert by_text["resident"]["__typename"] == "Resident"
    assert data(only.post({"extensions": persisted(sha256), "variables": variables})) == by_text
    both = {"query": text, "extensions": persisted(sha256), "variables": variables}
    assert data(only.post(both)) == by_text
    get = [("extensions", json.dumps(persisted(sha256))), ("variables", json.dumps(variables))]
    assert data(only.get(get)) == by_text
    assert data(only.get([("query", text), ("variables", json.dumps(variables))])) == by_text


def test_persisted_only_refuses_any_other_document_before_parsing_it(only: Api) -> None:
    error = refusal(only.post({"query": ABOUT}), 400, "PERSISTED_QUERY_REQUIRED")
    assert "NHGRAPH_API_PERSISTED_ONLY" in error["message"]
    assert sha256_of(ABOUT) in error["message"]
    # Not parsed: a text that is not GraphQL at all gets the same refusal, not a syntax error,
    # and so does a registered text changed by one character.
    refusal(only.post({"query": "{ not graphql ((("}), 400, "PERSISTED_QUERY_REQUIRED")
    text = RESIDENT.read_text(encoding="utf-8")
    refusal(only.post({"query": text + "\n"}), 400, "PERSISTED_QUERY_REQUIRED")
    # Text with its own, unregistered, hash: the APQ retry is not a way in.
    with_hash = {"query": ABOUT, "extensions": persisted(sha256_of(ABOUT))}
    refusal(only.post(with_hash), 400, "PERSISTED_QUERY_REQUIRED")
    refusal(only.get([("query", ABOUT)]), 400, "PERSISTED_QUERY_REQUIRED")
    # An unknown hash is still a miss (a client's cue to send the text, refused in turn).
    refusal(only.post({"extensions": persisted(UNKNOWN)}), 200, "PERSISTED_QUERY_NOT_FOUND")


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        (b"{}", "application/json", "PERSISTED_QUERY_REQUIRED"),
        (b'{"query": null}', "application/json", "PERSISTED_QUERY_REQUIRED"),
        (b'{"query": 7}', "application/json", "PERSISTED_QUERY_REQUIRED"),
        (b'[{"query": "{ about { version } }"}]', "application/json", "PERSISTED_QUERY_REQUIRED"),
        (b'"{ about { version } }"', "application/json", "PERSISTED_QUERY_REQUIRED"),
        (b"{ about { version } }", "application/graphql", "PERSISTED_QUERY_REQUIRED"),
        (
            b"query={ about { version } }",
            "application/x-www-form-urlencoded",
            "PERSISTED_QUERY_REQUIRED",
        ),
        (b'{"query": "{ about', "application/json", "BAD_REQUEST"),
        (b'{"query": "\xff"}', "application/json", "BAD_REQUEST"),
    ],
)
def test_persisted_only_refuses_a_body_that_names_no_registered_document(
    only: Api, content: bytes, content_type: str, code: str
) -> None:
    refusal(only.raw(content, content_type), 400, code)


def test_persisted_only_passes_on_exactly_what_it_judged(only: Api) -> None:
    """A key given twice is read once, as the middleware read it: the last one (as Python's
    json does), and the request passed on is re-encoded from that reading, so nothing after
    it can read the other one."""
    text = RESIDENT.read_text(encoding="utf-8")
    evil = "{ about { version } }"
    twice = '{"query": %s, "query": %s, "variables": {"postcode": "NW1 2AA"}}'
    answer = only.raw((twice % (json.dumps(evil), json.dumps(text))).encode())
    assert data(answer)["resident"]["__typename"] == "Resident"
    refused = only.raw((twice % (json.dumps(text), json.dumps(evil))).encode())
    refusal(refused, 400, "PERSISTED_QUERY_REQUIRED")
    refusal(only.get([("query", text), ("query", evil)]), 400, "PERSISTED_QUERY_INVALID")


def test_persisted_only_still_serves_the_probes(only: Api) -> None:
    assert httpx.get(only.url.replace("/graphql", "/healthz"), timeout=10).status_code == 200


# ---- the registry ------------------------------------------------------------------------

GOOD = "query DeploymentAbout { about { version illustrativeData } }\n"


def test_a_deployments_folder_is_registered_beside_the_projects(
    loaded: db.Database, tmp_path: Path
) -> None:
    (tmp_path / "about.graphql").write_text(GOOD, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not an operation", encoding="utf-8")
    settings = make_test_settings(
        neo4j_uri=loaded.settings.neo4j_uri, api_persisted_dir=tmp_path, api_persisted_only=True
    )
    with LiveServer(settings) as server:
        client = Api(server)
        answer = data(client.post({"extensions": persisted(sha256_of(GOOD))}))
        assert answer["about"]["version"]
        assert data(client.post({"query": GOOD}))["about"] == answer["about"]
        resident = RESIDENT.read_text(encoding="utf-8")
        assert data(client.post({"query": resident, "variables": {"lsoa": "E01000802"}}))


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("broken.graphql", "query Broken { about { version }", "does not parse: Syntax Error"),
        ("unknown.graphql", "query Unknown { about { nonsense } }", "does not validate"),
        ("arguments.graphql", "query A { place { name } }", "does not validate"),
        ("anonymous.graphql", "{ about { version } }", "one with no name"),
        ("two.graphql", GOOD + "query Two { about { version } }", "holds 2 operations"),
        ("fragment.graphql", "fragment F on About { version }", "holds 0 operations"),
        ("empty.graphql", "", "does not parse"),
        ("latin1.graphql", b"# caf\xe9\n" + GOOD.encode(), "not UTF-8"),
        ("large.graphql", "#" + "x" * MAX_FILE_BYTES + "\n" + GOOD, "more than the"),
        (
            "tokens.graphql",
            "query T { " + "about { version } " * 700 + "}",
            "more than 2000 tokens",
        ),
    ],
)
def test_a_bad_file_in_the_deployments_folder_stops_the_start_naming_it(
    tmp_path: Path, name: str, content: str | bytes, says: str
) -> None:
    (tmp_path / "fine.graphql").write_text(GOOD, encoding="utf-8")
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    settings = make_test_settings(api_persisted_dir=tmp_path)
    with pytest.raises(SettingsError) as refused:
        create_app(settings)
    message = str(refused.value)
    assert message.startswith(f"NHGRAPH_API_PERSISTED_DIR: {path}:"), message
    assert says in message, message


def test_a_folder_that_is_not_one_or_holds_too_many_files_stops_the_start(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(
        SettingsError, match=re.escape(f"NHGRAPH_API_PERSISTED_DIR: {missing} is not a")
    ):
        read_registry(make_test_settings(api_persisted_dir=missing))
    for k in range(MAX_FILES + 1):
        (tmp_path / f"op{k}.graphql").write_text(f"query Op{k} {{ about {{ version }} }}")
    with pytest.raises(SettingsError, match=f"more than the {MAX_FILES} persisted operation"):
        read_registry(make_test_settings(api_persisted_dir=tmp_path))
    (tmp_path / "op0.graphql").unlink()
    assert len(read_registry(make_test_settings(api_persisted_dir=tmp_path))) >= MAX_FILES
    (tmp_path / "op1.graphql").unlink()
    (tmp_path / "folder.graphql").mkdir()
    with pytest.raises(SettingsError, match=r"folder\.graphql is not a file"):
        read_registry(make_test_settings(api_persisted_dir=tmp_path))


def test_the_setting_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NHGRAPH_API_PERSISTED_DIR", str(tmp_path))
    monkeypatch.setenv("NHGRAPH_API_PERSISTED_ONLY", "true")
    settings = Settings()
    assert settings.api_persisted_dir == tmp_path
    assert settings.api_persisted_only is True
    assert Settings.model_fields["api_persisted_only"].default is False


# ---- the generated files -----------------------------------------------------------------


def test_the_manifest_and_the_web_apps_module_are_current() -> None:
    for path, text in generated(schema._schema, 2000).items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(PROJECT_ROOT)} is stale: run `make persisted`"
        )


def test_the_manifest_names_every_registered_document_by_its_hash() -> None:
    manifest = json.loads((EXAMPLE_OPERATIONS / "manifest.json").read_text(encoding="utf-8"))
    files = sorted([*EXAMPLE_OPERATIONS.glob("*.graphql"), *WEB_OPERATIONS.glob("*.graphql")])
    assert len(manifest["operations"]) == len(files)
    for path in files:
        entry = manifest["operations"][sha256_of(path.read_text(encoding="utf-8"))]
        assert entry["file"] == path.relative_to(PROJECT_ROOT).as_posix()
        assert entry["type"] in ("query", "mutation")


def test_the_web_app_asks_only_its_registered_operations_and_uses_each() -> None:
    names = {path_name(p) for p in WEB_OPERATIONS.glob("*.graphql")}
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for p in [*STATIC.glob("*.mjs"), *STATIC.glob("views/*.mjs")]
        if p.name != "operations.mjs"
    )
    asked = set(re.findall(r'graphql\("([A-Za-z]+)"', sources))
    assert asked, "the app asks by name"
    assert asked <= names, asked - names
    # Every operation is asked somewhere: by a literal name, or (the gaps questions) by the
    # field of a question the gaps view lists.
    fields = set(re.findall(r'field: "([A-Za-z]+)"', sources))
    derived = {f"Finding{f[0].upper()}{f[1:]}" for f in fields}
    unused = {n for n in names - derived if f'"{n}"' not in sources}
    assert not unused, f"operations no module asks: {sorted(unused)}"


def path_name(path: Path) -> str:
    [name] = re.findall(r"^(?:query|mutation) ([A-Za-z]+)", path.read_text("utf-8"), re.M)
    return name
