"""The project's own Neo4j: start twice, stale pid files, taken ports, an external URI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from nhgraph.config import Settings
from nhgraph.store.localserver import JVM_OPTIONS, LocalServer, LocalServerError

from .conftest import make_test_settings


def test_starting_twice_says_it_is_already_running(neo4j_settings: Settings) -> None:
    if not neo4j_settings.manages_local_server:
        pytest.skip("the tests use an external server")
    state = LocalServer(neo4j_settings).start()
    assert state.running
    assert "already running" in state.message


def test_status_of_the_running_server(neo4j_settings: Settings) -> None:
    if not neo4j_settings.manages_local_server:
        pytest.skip("the tests use an external server")
    state = LocalServer(neo4j_settings).status()
    assert state.running
    assert state.pid is not None
    assert f"{neo4j_settings.neo4j_bolt_port}" in state.uri


def test_the_running_server_took_the_jit_thresholds(neo4j_settings: Settings) -> None:
    # The JVM refuses to start on a -XX option it does not know, so a server running with
    # them has them in force: C2 waits for three times the default calls (issue 4).
    if not neo4j_settings.manages_local_server:
        pytest.skip("the tests use an external server")
    state = LocalServer(neo4j_settings).status()
    assert state.pid is not None
    arguments = Path(f"/proc/{state.pid}/cmdline").read_bytes().decode().split("\0")
    thresholds = [a for a in arguments if a.startswith("-XX:Tier4")]
    assert thresholds == [
        "-XX:Tier4InvocationThreshold=15000",
        "-XX:Tier4CompileThreshold=30000",
        "-XX:Tier4BackEdgeThreshold=120000",
    ]


def test_a_taken_port_is_named(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        server = LocalServer(make_test_settings(neo4j_home=tmp_path / "home", neo4j_bolt_port=port))
        with pytest.raises(LocalServerError, match=f"port {port} .* already taken"):
            server.start()
    assert not (tmp_path / "home" / "run").exists(), "nothing is written when the port is taken"


def test_a_stale_pid_file_is_reported_and_removed(tmp_path: Path) -> None:
    # A pid that surely names no Neo4j: a process that has exited.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    server = LocalServer(make_test_settings(neo4j_home=tmp_path / "home"))
    server.run_dir.mkdir(parents=True)
    server.pid_file.write_text(str(dead.pid))
    state = server.status()
    assert not state.running
    assert "stale pid file" in state.message
    assert str(dead.pid) in state.message
    stopped = server.stop()
    assert "stale pid file" in stopped.message
    assert not server.pid_file.exists()


def test_a_pid_of_another_live_process_is_not_taken_for_neo4j(tmp_path: Path) -> None:
    server = LocalServer(make_test_settings(neo4j_home=tmp_path / "home"))
    server.run_dir.mkdir(parents=True)
    server.pid_file.write_text(str(os.getpid()))  # alive, but pytest is not Neo4j
    assert not server.status().running


def test_an_external_uri_means_nothing_is_started() -> None:
    settings = make_test_settings(neo4j_uri="neo4j://neo4j.example:7687")
    assert not settings.manages_local_server
    with pytest.raises(LocalServerError, match="starts or stops nothing"):
        LocalServer(settings)


def test_config_is_written_with_bolt_on_loopback_and_http_off(tmp_path: Path) -> None:
    server = LocalServer(make_test_settings(neo4j_home=tmp_path / "home", neo4j_bolt_port=7999))
    conf = server.write_config().read_text()
    assert "server.bolt.listen_address=127.0.0.1:7999" in conf
    assert "server.http.enabled=false" in conf
    assert "dbms.usage_report.enabled=false" in conf
    assert "dbms.security.auth_enabled=true" in conf
    for folder in ("data", "logs", "run", "import"):
        assert (tmp_path / "home" / folder).is_dir()
    assert any("jdk.incubator.vector" in option for option in JVM_OPTIONS)


def test_http_is_on_only_when_asked(tmp_path: Path) -> None:
    settings = make_test_settings(neo4j_home=tmp_path / "home", neo4j_http_port=7475)
    conf = LocalServer(settings).write_config().read_text()
    assert "server.http.enabled=true" in conf
    assert "server.http.listen_address=127.0.0.1:7475" in conf
