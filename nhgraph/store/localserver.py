"""The project's own Neo4j server, run from Maven Central jars with no Docker.

``neo4j/pom.xml`` fetches ``org.neo4j:neo4j`` (the Community server and Bolt); this module
writes a ``neo4j.conf`` into a Neo4j home under ``var/``, sets the initial password, starts
``java`` on ``org.neo4j.server.CommunityEntryPoint`` and waits until the driver connects. It
is used only when ``NHGRAPH_NEO4J_URI`` is unset: with a URI, nhgraph starts nothing.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from nhgraph.config import PROJECT_ROOT, Settings
from nhgraph.errors import NhgraphError
from nhgraph.store.db import Database

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"
POM = PROJECT_ROOT / "neo4j" / "pom.xml"

#: The JVM options Neo4j 5 needs on Java 17+ (as its own launcher passes them), and ours.
JVM_OPTIONS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-modules=jdk.incubator.vector",
    "--enable-native-access=ALL-UNNAMED",
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    # C2 (the optimising JIT) takes a method only after three times the default calls. On
    # two cores a just-started server's first London load spent 13-15 CPU-s in the JIT,
    # competing with the load itself; with these, 2 CPU-s less, and the writer on a warm
    # server is as fast as before (A/B in issue 4's notes). Hot code still reaches C2.
    "-XX:Tier4InvocationThreshold=15000",
    "-XX:Tier4CompileThreshold=30000",
    "-XX:Tier4BackEdgeThreshold=120000",
)


class LocalServerError(NhgraphError):
    """The project's own server could not be started, stopped or found; the message says why."""

    code = "local_server"


@dataclass(frozen=True)
class ServerState:
    """What ``nhgraph neo4j status`` reports."""

    running: bool
    pid: int | None
    uri: str
    home: Path
    message: str


class LocalServer:
    """The Neo4j server of one Neo4j home (``NHGRAPH_NEO4J_HOME``)."""

    def __init__(self, settings: Settings) -> None:
        """The project's own Neo4j under its home folder; refused when the settings name a server of
        their own, which nhgraph never starts or stops."""
        if not settings.manages_local_server:
            raise LocalServerError(
                f"NHGRAPH_NEO4J_URI is set ({settings.neo4j_uri}): nhgraph uses that server "
                "and starts or stops nothing"
            )
        self.settings = settings
        self.home = settings.neo4j_home.resolve()
        self.conf_dir = self.home / "conf"
        self.logs_dir = self.home / "logs"
        self.run_dir = self.home / "run"
        self.data_dir = self.home / "data"
        self.pid_file = self.run_dir / "nhgraph-neo4j.pid"
        self.uri = settings.bolt_uri

    # -- state -------------------------------------------------------------------------------

    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    @staticmethod
    def _alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        # A zombie child (not yet reaped) is not a running server.
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            if stat.rsplit(")", 1)[1].split()[0] == "Z":
                return False
        return True

    def _is_our_server(self, pid: int) -> bool:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return self._alive(pid)
        return ENTRY_POINT.encode() in cmdline and f"--home-dir={self.home}".encode() in cmdline

    def status(self) -> ServerState:
        """Whether the server runs, from its pid file and the process table, and where."""
        pid = self._read_pid()
        if pid is None:
            return ServerState(False, None, self.uri, self.home, f"not running ({self.home})")
        if not (self._alive(pid) and self._is_our_server(pid)):
            return ServerState(
                False,
                pid,
                self.uri,
                self.home,
                f"not running: stale pid file {self.pid_file} names pid {pid}, "
                "which is not this Neo4j server",
            )
        return ServerState(True, pid, self.uri, self.home, f"running (pid {pid}) at {self.uri}")

    # -- start -------------------------------------------------------------------------------

    def jars_present(self) -> bool:
        """Whether Maven has put the server's jars where the server is started from."""
        return any(self.settings.neo4j_lib.glob("neo4j-5.*.jar"))

    def fetch_jars(self) -> None:
        """Download the server jars from Maven Central with the project's pom.xml."""
        mvn = shutil.which("mvn")
        if mvn is None:
            raise LocalServerError(
                f"the Neo4j jars are not in {self.settings.neo4j_lib} and Maven (mvn) is not "
                "installed: install Java 17+ and Maven, or use Docker (docker compose up)"
            )
        command = [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not self.jars_present():
            raise LocalServerError(
                "fetching the Neo4j jars with Maven failed:\n" + (done.stdout + done.stderr)[-3000:]
            )

    def java_version(self) -> int:
        """The major version of the java that would run the server (Neo4j 5 needs 17 or 21)."""
        java = self._java()
        try:
            done = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
        except FileNotFoundError as error:
            raise LocalServerError(f"java not found ({java}): install Java 17 or 21") from error
        match = re.search(r'version "(\d+)', done.stderr + done.stdout)
        if not match:
            raise LocalServerError(f"cannot read the version of {java}: {done.stderr.strip()}")
        return int(match.group(1))

    def _java(self) -> str:
        if self.settings.java != "java":
            return self.settings.java
        java_home = os.environ.get("JAVA_HOME")
        if java_home and (Path(java_home) / "bin" / "java").exists():
            return str(Path(java_home) / "bin" / "java")
        return shutil.which("java") or "java"

    def _port_free(self, port: int) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
        return True

    def write_config(self) -> Path:
        """Write the server's neo4j.conf from the settings, so each start uses what is set now."""
        for folder in ("conf", "data", "logs", "run", "import", "plugins"):
            (self.home / folder).mkdir(parents=True, exist_ok=True)
        s = self.settings
        http = (
            f"server.http.enabled=true\nserver.http.listen_address=127.0.0.1:{s.neo4j_http_port}"
            if s.neo4j_http_port
            else "server.http.enabled=false"
        )
        conf = f"""# Written by `nhgraph neo4j start`; edits are overwritten at the next start.
server.directories.data={self.home / "data"}
server.directories.logs={self.home / "logs"}
server.directories.run={self.home / "run"}
server.directories.import={self.home / "import"}
server.directories.plugins={self.home / "plugins"}
server.default_listen_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:{s.neo4j_bolt_port}
server.bolt.advertised_address=127.0.0.1:{s.neo4j_bolt_port}
{http}
server.https.enabled=false
server.memory.heap.initial_size={s.neo4j_heap}
server.memory.heap.max_size={s.neo4j_heap}
server.memory.pagecache.size={s.neo4j_pagecache}
dbms.usage_report.enabled=false
dbms.security.auth_enabled=true
db.tx_log.rotation.retention_policy=2 files
initial.dbms.default_database={s.neo4j_database}
# Transactions past their timeout (an API request's budget) are ended within 200 ms, not 2 s.
db.transaction.monitor.check.interval=200ms
# A development server: do not wait 5 s for each idle Bolt pool at shutdown.
internal.server.bolt.connection_shutdown_wait_time=1s
internal.server.bolt.thread_pool_shutdown_wait_time=1s
"""
        path = self.conf_dir / "neo4j.conf"
        path.write_text(conf, encoding="utf-8")
        return path

    def _environment(self) -> dict[str, str]:
        return {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.conf_dir)}

    def _classpath(self) -> str:
        return f"{self.settings.neo4j_lib.resolve()}/*"

    def _set_initial_password(self) -> None:
        """Set the password before the first start (Neo4j reads data/dbms/auth.ini once)."""
        if (self.data_dir / "databases").exists() or (self.data_dir / "dbms" / "auth.ini").exists():
            return
        command = [
            self._java(),
            "-cp",
            self._classpath(),
            ADMIN_TOOL,
            "dbms",
            "set-initial-password",
            self.settings.neo4j_password.get_secret_value(),
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, env=self._environment(), check=False
        )
        if done.returncode != 0:
            raise LocalServerError(f"setting the initial Neo4j password failed: {done.stderr}")

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server's logs, to show why a start failed."""
        chunks = []
        for name in ("neo4j.log", "console.log"):
            path = self.logs_dir / name
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                chunks.append(f"--- {path} (last {len(tail)} lines) ---\n" + "\n".join(tail))
        return "\n".join(chunks) or f"(no log in {self.logs_dir})"

    def start(self) -> ServerState:
        """Start the server unless it runs already; return once the driver can connect."""
        state = self.status()
        if state.running:
            return ServerState(
                True,
                state.pid,
                self.uri,
                self.home,
                f"already running (pid {state.pid}) at {self.uri}; nothing started",
            )
        notes = []
        if state.pid is not None:
            self.pid_file.unlink(missing_ok=True)
            notes.append(f"removed a stale pid file (pid {state.pid} was not this server)")
        port = self.settings.neo4j_bolt_port
        if not self._port_free(port):
            raise LocalServerError(
                f"port {port} on 127.0.0.1 is already taken by another process, so Neo4j "
                "cannot listen there: stop that process, or set NHGRAPH_NEO4J_BOLT_PORT to a "
                "free port (or NHGRAPH_NEO4J_URI to use a server that already runs)"
            )
        if self.settings.neo4j_http_port and not self._port_free(self.settings.neo4j_http_port):
            raise LocalServerError(
                f"HTTP port {self.settings.neo4j_http_port} is already taken: change "
                "NHGRAPH_NEO4J_HTTP_PORT, or unset it to keep HTTP off"
            )
        version = self.java_version()
        if version < 17:
            raise LocalServerError(f"Neo4j 5 needs Java 17 or 21; {self._java()} is {version}")
        if not self.jars_present():
            self.fetch_jars()
        self.write_config()
        self._set_initial_password()

        started = time.monotonic()
        command = [
            self._java(),
            f"-Xms{self.settings.neo4j_heap}",
            f"-Xmx{self.settings.neo4j_heap}",
            *JVM_OPTIONS,
            "-cp",
            self._classpath(),
            ENTRY_POINT,
            f"--home-dir={self.home}",
            f"--config-dir={self.conf_dir}",
        ]
        console = (self.logs_dir / "console.log").open("ab")
        process = subprocess.Popen(
            command,
            stdout=console,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self._environment(),
            start_new_session=True,
        )
        console.close()
        self.pid_file.write_text(str(process.pid))

        database = Database(self.settings)
        try:
            deadline = started + self.settings.neo4j_start_timeout
            while True:
                if process.poll() is not None:
                    self.pid_file.unlink(missing_ok=True)
                    raise LocalServerError(
                        f"Neo4j exited with code {process.returncode} while starting\n"
                        + self.log_tail()
                    )
                if database.is_ready():
                    break
                if time.monotonic() > deadline:
                    self._terminate(process.pid)
                    raise LocalServerError(
                        f"Neo4j did not answer at {self.uri} within "
                        f"{self.settings.neo4j_start_timeout:.0f} s "
                        "(NHGRAPH_NEO4J_START_TIMEOUT)\n" + self.log_tail()
                    )
                time.sleep(0.25)
        finally:
            database.close()
        elapsed = time.monotonic() - started
        notes.append(f"started (pid {process.pid}) at {self.uri} in {elapsed:.1f} s")
        return ServerState(True, process.pid, self.uri, self.home, "; ".join(notes))

    # -- stop --------------------------------------------------------------------------------

    def _terminate(self, pid: int, timeout: float = 60.0) -> bool:
        """SIGTERM, wait for a clean shutdown; SIGKILL only if it does not come. True if killed."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            if not self._alive(pid):
                return False
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        return True

    def stop(self) -> ServerState:
        """Stop the server (politely, then by force after a wait) and say how it stands."""
        state = self.status()
        if not state.running:
            if state.pid is not None:
                self.pid_file.unlink(missing_ok=True)
                return ServerState(
                    False,
                    None,
                    self.uri,
                    self.home,
                    f"not running; removed a stale pid file (pid {state.pid})",
                )
            return ServerState(False, None, self.uri, self.home, "not running; nothing to stop")
        assert state.pid is not None
        killed = self._terminate(state.pid)
        self.pid_file.unlink(missing_ok=True)
        how = "killed after 60 s without a clean shutdown" if killed else "stopped"
        return ServerState(False, None, self.uri, self.home, f"{how} (pid {state.pid})")

    def reset(self) -> ServerState:
        """Stop the server and delete its home: data, logs and password start afresh."""
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)
        return ServerState(False, None, self.uri, self.home, f"removed {self.home}")
