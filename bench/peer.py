"""nhgraph's GraphQL API beside @neo4j/graphql, the library most teams would pick instead, on the
same Neo4j loaded with London: the same answers first, then both workloads measured side by side.

The peer (``bench/peer/``: ``@neo4j/graphql`` 7, pinned with its lock file, served by Apollo
Server's standalone server as the library's getting-started pairs them) has type definitions for
the labels and relationships nhgraph stores, and a ``resident(lsoa, on)`` query field whose
``@cypher`` statement is nhgraph's own ``who_serves``, read from nhgraph/queries when it starts.
It runs with the library's defaults: none of nhgraph's guards. nhgraph is served as ``nhgraph
serve`` runs it (uvicorn, one worker) with production's guards: ``NHGRAPH_ENV=production``, so
introspection is off and errors are masked; the bench's Neo4j gets a password of its own, since
production refuses the development one. The bench speaks to both over HTTP only.

Two workloads, each at 1 and at 8 requests in flight:

* ``resident``: who serves the resident of an LSOA on a fixed day, for a fixed random sample of
  400 London LSOAs, one per request: nhgraph's query selects what operations/resident.graphql
  selects (by ``lsoa``, with ``on``); the peer's selects the same fields of its ``@cypher`` field.
* ``map``: a place's map, as operations/place_map.graphql asks it (place, its neighbourhoods with
  their LSOAs and population, its INTs with their neighbourhoods, current memberships, each
  team's functions and provider, and current specialists), over the 33 places. nhgraph keeps
  memberships and specialists current today by default; the peer's selection filters them with
  the same rule (start null or on or before today, end null or on or after it), its population
  and today's integrator are ``@cypher`` fields.

**Same answers.** Before measuring, every sampled LSOA and every place is asked of both, and the
answers must be equal after :func:`normalise` maps each onto one shape: the peer's snake_case
fields renamed to nhgraph's camelCase, its relationship lists of one (a membership's team, a
team's provider, an alignment's role) taken as the one node, lists of ids as lists of codes,
stored enum values (``hyper_local``, ``nhs_trust``) in GraphQL's upper case, numbers as floats,
and every list whose order either schema leaves open sorted by its JSON text. The bench fails,
naming the first difference, when they differ.

**Measuring.** The load generator is ``wrk`` (Debian's package; installed with apt-get when
missing and the bench runs as root), with bench/peer/wrk.lua cycling through the request bodies
and reporting requests, errors (a status other than 200, or "errors" in the body, fails the
phase) and the latency distribution as quantiles, which are merged across phases. wrk is
neither project's code and is written in C: on two cores shared by both servers and Neo4j a load
generator in Python or node (autocannon) would take a large share of the CPU it measures. Each
server and workload is warmed up first (Neo4j's JIT needs several seconds per query, Node's V8
and Python their own), then ``RUNS`` runs of ``ROUNDS`` rounds; a round measures every workload
and side at 1 and then 8 in flight, for ``PHASE_SECONDS`` each, in an order that rotates from
round to round, so a noisy neighbour slows both alike. The CPU of the API process and of Neo4j is
read from /proc over the 8-in-flight phases and divided by the requests served.

**Figures** (bench/results/peer.json): per workload, per run and the median across runs, each
side's median and p99 at 1 and 8 in flight, requests/s at both, CPU ms per request (server, and
server plus Neo4j); and nhgraph's figure divided by the peer's: ``median_ratio_to_peer`` (at 1 in
flight), ``throughput_ratio_to_peer`` (requests/s at 8), ``cpu_ratio_to_peer`` (server CPU per
request; ``cpu_with_neo4j_ratio_to_peer`` beside it). ``python -m bench peer --quick`` runs a short
version for development (fewer LSOAs, rounds and seconds); its figures are not written.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from bench.common import free_port, own_london, write_results
from nhgraph.config import PROJECT_ROOT

PEER_DIR = Path(__file__).resolve().parent / "peer"
WRK_SCRIPT = PEER_DIR / "wrk.lua"
ON = date(2026, 11, 23)
SAMPLE = 400
RUNS = 3
ROUNDS = 3
PHASE_SECONDS = 5
WARM_UP_SECONDS = 10
IN_FLIGHT = (1, 8)
SIDES = ("nhgraph", "peer")
WORKLOADS = ("resident", "map")
#: A wrk phase whose answer has not come in this long after its end is stopped as failed.
WRK_GRACE_SECONDS = 60

NHGRAPH_RESIDENT = """
query Resident($lsoa: String, $on: Date) {
  resident(lsoa: $lsoa, on: $on) {
    __typename
    ... on Resident {
      lsoa
      postcode
      placeName
      neighbourhoods { id name reason }
      ints { id name reason }
      teams { tier teamName providerName functions reason }
      services { name function channels hours phone reason }
      specialists { label providerName sessionsPerWeek reason }
      integrator { name since }
      gateways { name phone channels }
    }
    ... on ResidentNotFound { code message }
  }
}
"""

PEER_RESIDENT = """
query Resident($lsoa: String, $on: Date!) {
  resident(lsoa: $lsoa, on: $on) {
    lsoa
    postcode
    place_name
    neighbourhoods { id name reason }
    ints { id name reason }
    teams { tier team_name provider_name functions reason }
    services { name function channels hours phone reason }
    specialists { label provider_name sessions_per_week reason }
    integrator { name since }
    gateways { name phone channels }
  }
}
"""

#: The documented operation itself: the map nhgraph's users ask for.
NHGRAPH_MAP = (PROJECT_ROOT / "nhgraph/graphql/operations/place_map.graphql").read_text()

PEER_MAP = """
query PlaceMap($place: ID!, $on: Date!) {
  places(where: { id: { eq: $place } }) {
    name
    population
    integrator(on: $on) { name kind }
    neighbourhoods(sort: [{ id: ASC }]) {
      id name population lsoas(sort: [{ id: ASC }]) { id }
    }
    ints(sort: [{ id: ASC }]) {
      id
      name
      neighbourhoods(sort: [{ id: ASC }]) { id }
      memberships(where: { AND: [
        { OR: [{ start: { eq: null } }, { start: { lte: $on } }] }
        { OR: [{ end: { eq: null } }, { end: { gte: $on } }] }
      ] }) { tier team { name functions(sort: [{ id: ASC }]) { id } provider { id name kind } } }
      specialists(where: { AND: [
        { OR: [{ start: { eq: null } }, { start: { lte: $on } }] }
        { OR: [{ end: { eq: null } }, { end: { gte: $on } }] }
      ] }) { specialty { id } sessions_per_week provider { name } }
    }
  }
}
"""


# -- the same answers ------------------------------------------------------------------------


class AnswersDiffer(AssertionError):
    """The two servers answered one question differently (after normalising)."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _sorted(items: list[Any]) -> list[Any]:
    """A list in one order whatever order it came in: by each item's JSON text."""
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _renamed(row: dict[str, Any]) -> dict[str, Any]:
    return {_camel(key): _number(value) for key, value in row.items()}


def _one(related: Any) -> Any:
    """The node at the end of a peer relationship list that holds at most one."""
    if related is None:
        return None
    if not isinstance(related, list) or len(related) > 1:
        raise AnswersDiffer(f"expected one related node or none, got {str(related)[:200]}")
    return related[0] if related else None


def _data(answer: Any, field_name: str) -> Any:
    if not isinstance(answer, dict) or answer.get("errors") or "data" not in answer:
        raise AnswersDiffer(f"not an answer: {str(answer)[:500]}")
    return (answer["data"] or {}).get(field_name)


def normalise_resident(side: str, answer: Any) -> Any:
    """Either server's answer to the resident query in one shape: nhgraph's (camelCase, tiers
    in upper case, numbers as floats); the lists keep the order of the one statement both run."""
    if side == "nhgraph":
        resident = _data(answer, "resident")
        if resident is None or resident.get("__typename") != "Resident":
            return None if resident is None else {"notFound": resident.get("code")}
        row = {key: value for key, value in resident.items() if key != "__typename"}
    else:
        row = _data(answer, "resident")
        if row is None:
            return None
        row = _renamed(row)
    shaped = {key: value for key, value in row.items()}
    for key in ("neighbourhoods", "ints", "teams", "services", "specialists", "gateways"):
        shaped[key] = [_renamed(item) for item in row.get(key) or []]
    for team in shaped["teams"]:
        team["tier"] = _upper(team.get("tier"))
    if row.get("integrator") is not None:
        shaped["integrator"] = _renamed(row["integrator"])
    return shaped


def _organisation(row: Any) -> Any:
    if row is None:
        return None
    shaped = _renamed(row)
    if "kind" in shaped:
        shaped["kind"] = _upper(shaped["kind"])
    return shaped


def normalise_map(side: str, answer: Any) -> Any:
    """Either server's answer to the place-map query in one shape: nhgraph's, with neighbourhoods,
    INTs and LSOAs by id and memberships and specialists by their JSON text (nhgraph orders
    memberships by tier ring, which the peer cannot ask for)."""
    if side == "nhgraph":
        place = _data(answer, "place")
    else:
        places = _data(answer, "places")
        if not isinstance(places, list) or len(places) > 1:
            raise AnswersDiffer(f"peer: expected one place or none, got {str(places)[:200]}")
        place = places[0] if places else None
    if place is None:
        return None
    hoods = []
    for hood in place.get("neighbourhoods") or []:
        lsoas = hood.get("lsoas") or []
        codes = [lsoa["id"] if isinstance(lsoa, dict) else lsoa for lsoa in lsoas]
        hoods.append({**_renamed(hood), "lsoas": sorted(codes)})
    ints = []
    for int_ in place.get("ints") or []:
        memberships = []
        for membership in int_.get("memberships") or []:
            team = membership.get("team")
            team = _one(team) if side == "peer" else team
            if team is not None:
                functions = team.get("functions") or []
                provider = team.get("provider")
                team = {
                    **_renamed(team),
                    "functions": sorted(f["id"] if isinstance(f, dict) else f for f in functions),
                    "provider": _organisation(_one(provider) if side == "peer" else provider),
                }
            memberships.append({"tier": _upper(membership.get("tier")), "team": team})
        specialists = []
        for alignment in int_.get("specialists") or []:
            shaped = _renamed(alignment)
            if side == "peer":
                role = _one(alignment.get("specialty"))
                shaped["specialty"] = None if role is None else role["id"]
                shaped["provider"] = _one(alignment.get("provider"))
            specialists.append(shaped)
        ints.append(
            {
                "id": int_.get("id"),
                "name": int_.get("name"),
                "neighbourhoods": sorted(n["id"] for n in int_.get("neighbourhoods") or []),
                "memberships": _sorted(memberships),
                "specialists": _sorted(specialists),
            }
        )
    return {
        "name": place.get("name"),
        "population": _number(place.get("population")),
        "integrator": _organisation(place.get("integrator")),
        "neighbourhoods": sorted(hoods, key=lambda hood: str(hood.get("id"))),
        "ints": sorted(ints, key=lambda int_: str(int_.get("id"))),
    }


def first_difference(ours: Any, theirs: Any, path: str = "") -> str | None:
    """Where two normalised answers first differ, as a path and both values; None when equal."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            if key not in ours or key not in theirs:
                missing = "nhgraph" if key not in ours else "the peer"
                return f"{path}.{key}: missing from {missing}'s answer"
            found = first_difference(ours[key], theirs[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} items from nhgraph, {len(theirs)} from the peer"
        for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            found = first_difference(mine, other, f"{path}[{index}]")
            if found:
                return found
        return None
    if ours != theirs:
        return f"{path or '.'}: nhgraph {ours!r}, the peer {theirs!r}"
    return None


def check_same(workload: str, key: str, ours: Any, theirs: Any) -> None:
    """Raises :class:`AnswersDiffer` naming the first difference between the two answers."""
    normalise = normalise_resident if workload == "resident" else normalise_map
    mine, other = normalise("nhgraph", ours), normalise("peer", theirs)
    if mine is None:
        raise AnswersDiffer(f"{workload} {key}: nhgraph found nothing to compare")
    found = first_difference(mine, other)
    if found:
        raise AnswersDiffer(f"{workload} {key}: the answers differ at {found}")


# -- the figures -----------------------------------------------------------------------------


@dataclass
class Phase:
    """What wrk measured in one phase: requests, seconds, and latency quantiles (ms)."""

    requests: int
    seconds: float
    quantiles: list[float]
    cpu: dict[str, float] = field(default_factory=dict)
    cache_hits: int = 0
    cache_misses: int = 0


def parse_wrk(output: str) -> Phase:
    """The WRK_JSON line bench/peer/wrk.lua prints, as a Phase; refuses a phase with errors."""
    lines = [line for line in output.splitlines() if line.startswith("WRK_JSON ")]
    if len(lines) != 1:
        raise RuntimeError(f"wrk printed no WRK_JSON line: {output[-1000:]}")
    report = json.loads(lines[0].removeprefix("WRK_JSON "))
    if report["errors"] or report["socket_errors"] or not report["requests"]:
        raise RuntimeError(
            f"wrk: {report['requests']} requests, {report['errors']} answered with an error, "
            f"{report['socket_errors']} socket errors; first: {report['first_error']}"
        )
    return Phase(
        requests=int(report["requests"]),
        seconds=report["duration_us"] / 1e6,
        quantiles=[us / 1000 for us in report["quantiles"]],
        cache_hits=int(report.get("cache_hits", 0)),
        cache_misses=int(report.get("cache_misses", 0)),
    )


def merged_quantile(phases: list[Phase], share: float) -> float:
    """The latency at ``share`` (0-1) of all the phases' requests together: each phase's quantiles
    stand for equal parts of its requests."""
    points = sorted(
        (value, phase.requests / len(phase.quantiles))
        for phase in phases
        for value in phase.quantiles
    )
    total = sum(weight for _, weight in points)
    reached = 0.0
    for value, weight in points:
        reached += weight
        if reached >= share * total:
            return value
    return points[-1][0]


def summarise(phases: dict[int, list[Phase]]) -> dict[str, Any]:
    """One side's figures for one workload over a run (or several): per in-flight level, and the
    CPU per request over the 8-in-flight phases."""
    figures: dict[str, Any] = {}
    for in_flight, measured in sorted(phases.items()):
        requests = sum(phase.requests for phase in measured)
        figures[f"in_flight_{in_flight}"] = {
            "median_ms": round(merged_quantile(measured, 0.5), 2),
            "p99_ms": round(merged_quantile(measured, 0.99), 2),
            "requests_per_second": round(requests / sum(p.seconds for p in measured), 1),
            "requests": requests,
        }
    loaded = phases[max(phases)]
    served = sum(phase.requests for phase in loaded)
    cpu = {who: sum(phase.cpu.get(who, 0.0) for phase in loaded) for who in ("server", "neo4j")}
    figures["cpu_ms_per_request"] = {
        "server": round(cpu["server"] * 1000 / served, 3),
        "server_and_neo4j": round((cpu["server"] + cpu["neo4j"]) * 1000 / served, 3),
    }
    return figures


def ratios(ours: dict[str, Any], peer: dict[str, Any]) -> dict[str, float]:
    """The ratios to the peer: nhgraph's figure divided by the peer's (below 1 is better for
    latency and CPU, above 1 for throughput)."""
    low, high = f"in_flight_{min(IN_FLIGHT)}", f"in_flight_{max(IN_FLIGHT)}"
    return {
        "median_ratio_to_peer": round(ours[low]["median_ms"] / peer[low]["median_ms"], 2),
        "throughput_ratio_to_peer": round(
            ours[high]["requests_per_second"] / peer[high]["requests_per_second"], 2
        ),
        "cpu_ratio_to_peer": round(
            ours["cpu_ms_per_request"]["server"] / peer["cpu_ms_per_request"]["server"], 2
        ),
        "cpu_with_neo4j_ratio_to_peer": round(
            ours["cpu_ms_per_request"]["server_and_neo4j"]
            / peer["cpu_ms_per_request"]["server_and_neo4j"],
            2,
        ),
    }


def median_of_runs(runs: list[dict[str, Any]]) -> Any:
    """The median, figure by figure, of runs that have the same shape."""
    first = runs[0]
    if isinstance(first, dict):
        return {key: median_of_runs([run[key] for run in runs]) for key in first}
    if isinstance(first, int | float) and not isinstance(first, bool):
        return round(statistics.median(runs), 3)
    return first


# -- the servers -----------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM it if the benchmark dies without stopping it."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _cpu_seconds(pid: int) -> float:
    """User and system CPU a process (all its threads) has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settle(pid: int, quiet_seconds: float = 1.0, timeout: float = 90.0) -> None:
    """Waits until a process has used almost no CPU for a while (nhgraph serve builds the map's
    layers in a thread once it has started), so that its start-up is not measured."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = _cpu_seconds(pid)
        time.sleep(quiet_seconds)
        if _cpu_seconds(pid) - before < 0.05 * quiet_seconds:
            return


@contextlib.contextmanager
def _process(
    name: str, command: list[str], env: dict[str, str], ready: Callable[[], bool], logs: Path
) -> Iterator[int]:
    """A server in a process of its own: yields its pid once ``ready()``, and stops it on the
    way out."""
    log = logs / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if ready():
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer in 120 s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield process.pid
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _base_env() -> dict[str, str]:
    """The bench's environment without any NHGRAPH_ setting, so the servers see only ours."""
    return {key: value for key, value in os.environ.items() if not key.startswith("NHGRAPH_")}


def _nhgraph(
    bolt_port: int, password: str, logs: Path, side: str = "nhgraph", **settings: str
) -> contextlib.AbstractContextManager[int]:
    port = free_port()
    env = {
        **settings,
        **_base_env(),
        "NHGRAPH_ENV": "production",
        "NHGRAPH_NEO4J_URI": f"bolt://127.0.0.1:{bolt_port}",
        "NHGRAPH_NEO4J_PASSWORD": password,
        "NHGRAPH_API_HOST": "127.0.0.1",
        "NHGRAPH_API_PORT": str(port),
    }
    url = f"http://127.0.0.1:{port}"
    SERVERS[side] = f"{url}/graphql"
    return _process(
        side,
        [sys.executable, "-m", "nhgraph", "serve"],
        env,
        lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200,
        logs,
    )


def _peer(bolt_port: int, password: str, logs: Path) -> contextlib.AbstractContextManager[int]:
    port = free_port()
    env = {
        **_base_env(),
        "PEER_PORT": str(port),
        "NEO4J_URI": f"bolt://127.0.0.1:{bolt_port}",
        "NEO4J_USER": "neo4j",
        "NEO4J_PASSWORD": password,
    }
    url = f"http://127.0.0.1:{port}/graphql"
    SERVERS["peer"] = url

    def ready() -> bool:
        answer = httpx.post(url, json={"query": "{ __typename }"}, timeout=2)
        return answer.status_code == 200

    return _process("peer", ["node", str(PEER_DIR / "server.mjs")], env, ready, logs)


#: Each side's GraphQL URL, once its server is started.
SERVERS: dict[str, str] = {}


def ensure_tools() -> None:
    """The peer's node_modules (``npm ci``, from the lock file) and wrk, installed when missing:
    this install is the benchmark's own, not part of ``make setup``."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        sys.exit("bench peer needs node (20 or later) and npm")
    if not (PEER_DIR / "node_modules" / "@neo4j" / "graphql").is_dir():
        print("bench peer: npm ci --prefix bench/peer")
        subprocess.run(
            ["npm", "ci", "--prefix", str(PEER_DIR), "--no-audit", "--no-fund"], check=True
        )
    if shutil.which("wrk") is None:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            print("bench peer: apt-get install -y wrk")
            subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)
        if shutil.which("wrk") is None:
            sys.exit("bench peer needs wrk: apt-get install -y wrk (Debian's package), as root")


# -- the load --------------------------------------------------------------------------------


def bodies(workload: str, side: str, keys: list[str], on_map: date) -> list[dict[str, Any]]:
    """The request bodies of one workload and side, one per LSOA or place, in the sample's order."""
    if workload == "resident":
        query = NHGRAPH_RESIDENT if side == "nhgraph" else PEER_RESIDENT
        return [{"query": query, "variables": {"lsoa": k, "on": ON.isoformat()}} for k in keys]
    if side == "nhgraph":
        return [{"query": NHGRAPH_MAP, "variables": {"place": k}} for k in keys]
    return [{"query": PEER_MAP, "variables": {"place": k, "on": on_map.isoformat()}} for k in keys]


def wrk(url: str, body_file: Path, in_flight: int, seconds: int) -> Phase:
    """One wrk phase: ``in_flight`` connections on one thread, for ``seconds``."""
    done = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{in_flight}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(WRK_SCRIPT),
            url,
        ],
        env={**os.environ, "WRK_BODIES": str(body_file)},
        capture_output=True,
        text=True,
        timeout=seconds + WRK_GRACE_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-1000:]}")
    return parse_wrk(done.stdout)


def measured_phase(url: str, body_file: Path, in_flight: int, seconds: int, pids: dict[str, int]):
    """A wrk phase, with the CPU the server and Neo4j spent over it."""
    before = {who: _cpu_seconds(pid) for who, pid in pids.items()}
    phase = wrk(url, body_file, in_flight, seconds)
    phase.cpu = {who: _cpu_seconds(pid) - before[who] for who, pid in pids.items()}
    return phase


@dataclass
class Plan:
    """How long and how much: the full benchmark's, or --quick's."""

    sample: int = SAMPLE
    runs: int = RUNS
    rounds: int = ROUNDS
    phase_seconds: int = PHASE_SECONDS
    warm_up_seconds: int = WARM_UP_SECONDS

    @classmethod
    def quick(cls) -> Plan:
        """A short plan for development: its figures say little."""
        return cls(sample=40, runs=1, rounds=1, phase_seconds=2, warm_up_seconds=3)


def measure(database: Any, bolt_port: int, password: str, neo4j_pid: int, plan: Plan) -> Any:
    """Every figure, against a loaded graph whose Neo4j listens on ``bolt_port``."""
    every = sorted(r["id"] for r in database.read("MATCH (l:Lsoa) RETURN l.id AS id"))
    lsoas = random.Random(2026).sample(every, min(plan.sample, len(every)))
    places = sorted(r["id"] for r in database.read("MATCH (p:Place) RETURN p.id AS id"))
    keys = {"resident": lsoas, "map": places}
    on_map = date.today()  # nhgraph keeps memberships current today
    logs = Path(tempfile.mkdtemp(prefix="nhgraph-bench-peer-"))
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, logs, ignore_errors=True)
        pids = {
            "nhgraph": stack.enter_context(_nhgraph(bolt_port, password, logs)),
            "peer": stack.enter_context(_peer(bolt_port, password, logs)),
        }
        files: dict[tuple[str, str], Path] = {}
        for workload in WORKLOADS:
            for side in SIDES:
                path = logs / f"{workload}-{side}.jsonl"
                lines = [json.dumps(b) for b in bodies(workload, side, keys[workload], on_map)]
                path.write_text("\n".join(lines) + "\n")
                files[workload, side] = path
        client = stack.enter_context(httpx.Client(timeout=60))
        for workload in WORKLOADS:
            pairs = zip(
                bodies(workload, "nhgraph", keys[workload], on_map),
                bodies(workload, "peer", keys[workload], on_map),
                strict=True,
            )
            for key, (ours, theirs) in zip(keys[workload], pairs, strict=True):
                check_same(
                    workload,
                    key,
                    client.post(SERVERS["nhgraph"], json=ours).json(),
                    client.post(SERVERS["peer"], json=theirs).json(),
                )
            print(f"bench peer: {workload}: the same answers for {len(keys[workload])}")
        _settle(pids["nhgraph"])
        load_before = os.getloadavg()
        for workload in WORKLOADS:
            for side in SIDES:
                wrk(SERVERS[side], files[workload, side], max(IN_FLIGHT), plan.warm_up_seconds)
                wrk(SERVERS[side], files[workload, side], min(IN_FLIGHT), 2)
        combos = [(workload, side) for workload in WORKLOADS for side in SIDES]
        runs = []
        turn = 0
        for run in range(plan.runs):
            phases: dict[tuple[str, str], dict[int, list[Phase]]] = {
                combo: {n: [] for n in IN_FLIGHT} for combo in combos
            }
            for _ in range(plan.rounds):
                for workload, side in combos[turn % len(combos) :] + combos[: turn % len(combos)]:
                    watched = {"server": pids[side], "neo4j": neo4j_pid}
                    for in_flight in IN_FLIGHT:
                        phases[workload, side][in_flight].append(
                            measured_phase(
                                SERVERS[side],
                                files[workload, side],
                                in_flight,
                                plan.phase_seconds,
                                watched,
                            )
                        )
                turn += 1
            figures = {}
            for workload in WORKLOADS:
                ours = summarise(phases[workload, "nhgraph"])
                peer = summarise(phases[workload, "peer"])
                figures[workload] = {**ratios(ours, peer), "nhgraph": ours, "peer": peer}
            runs.append(figures)
            print(f"bench peer: run {run + 1}: {json.dumps(figures)}")
        cache = _measure_cache(stack, bolt_port, password, logs, files, neo4j_pid, plan)
        load_after = os.getloadavg()
    return {
        "load_average": {
            "start": [round(x, 2) for x in load_before],
            "end": [round(x, 2) for x in load_after],
        },
        "setup": {
            "lsoas_sampled": len(lsoas),
            "places": len(places),
            "on": ON.isoformat(),
            "map_on": on_map.isoformat(),
            "runs": plan.runs,
            "rounds_per_run": plan.rounds,
            "phase_seconds": plan.phase_seconds,
            "warm_up_seconds": plan.warm_up_seconds,
            "in_flight": list(IN_FLIGHT),
            "load_generator": "wrk -t1 (bench/peer/wrk.lua)",
            "nhgraph": "nhgraph serve, NHGRAPH_ENV=production (uvicorn, one worker)",
            "peer": _peer_versions(),
        },
        **median_of_runs(runs),
        "cache": cache,
        "runs": runs,
    }


#: nhgraph with its response cache on: strict (every request reads the graph's version, one
#: read shared by the requests in flight) and with a 50 ms recheck window.
CACHED_SIDES = {
    "nhgraph_cached": {"NHGRAPH_API_CACHE_ENTRIES": "10000"},
    "nhgraph_cached_recheck_50ms": {
        "NHGRAPH_API_CACHE_ENTRIES": "10000",
        "NHGRAPH_API_CACHE_RECHECK_SECONDS": "0.05",
    },
}
#: The issue's target for a warm cache: the resident workload at 8 in flight.
CACHE_TARGET = {"requests_per_second": 1000.0, "p99_ms": 20.0}


def _hit_ratio(phases: list[Phase]) -> float:
    hits = sum(p.cache_hits for p in phases)
    asked = hits + sum(p.cache_misses for p in phases)
    return round(hits / asked, 4) if asked else 0.0


def _measure_cache(
    stack: contextlib.ExitStack,
    bolt_port: int,
    password: str,
    logs: Path,
    files: dict[tuple[str, str], Path],
    neo4j_pid: int,
    plan: Plan,
) -> dict[str, Any]:
    """The figures of nhgraph with its response cache on: for each setting and workload, the first
    phase on a cold cache, then the warm figures (at 1 and 8 in flight) and their hit ratio."""
    figures: dict[str, Any] = {}
    for side, settings in CACHED_SIDES.items():
        pid = stack.enter_context(_nhgraph(bolt_port, password, logs, side, **settings))
        watched = {"server": pid, "neo4j": neo4j_pid}
        figures[side] = {}
        for workload in WORKLOADS:
            body_file = files[workload, "nhgraph"]
            cold = measured_phase(SERVERS[side], body_file, max(IN_FLIGHT), 2, watched)
            wrk(SERVERS[side], body_file, max(IN_FLIGHT), plan.warm_up_seconds)
            phases: dict[int, list[Phase]] = {n: [] for n in IN_FLIGHT}
            for _ in range(plan.rounds):
                for in_flight in IN_FLIGHT:
                    phases[in_flight].append(
                        measured_phase(
                            SERVERS[side], body_file, in_flight, plan.phase_seconds, watched
                        )
                    )
            warm = summarise(phases)
            high = warm[f"in_flight_{max(IN_FLIGHT)}"]
            figures[side][workload] = {
                **warm,
                "hit_ratio": _hit_ratio([p for ps in phases.values() for p in ps]),
                "cold_first_phase": {
                    "requests_per_second": round(cold.requests / cold.seconds, 1),
                    "p99_ms": round(merged_quantile([cold], 0.99), 2),
                    "hit_ratio": _hit_ratio([cold]),
                },
                "target_met": high["requests_per_second"] >= CACHE_TARGET["requests_per_second"]
                and high["p99_ms"] <= CACHE_TARGET["p99_ms"],
            }
        print(f"bench peer: {side}: {json.dumps(figures[side])}")
    return figures


def _peer_versions() -> dict[str, str]:
    lock = json.loads((PEER_DIR / "package-lock.json").read_text())["packages"]
    names = ["@neo4j/graphql", "@apollo/server", "graphql", "neo4j-driver"]
    return {name: lock[f"node_modules/{name}"]["version"] for name in names}


@contextlib.contextmanager
def _password(password: str) -> Iterator[None]:
    """The bench's Neo4j gets this password (own_neo4j reads the settings from the environment):
    nhgraph refuses the development one in production."""
    before = os.environ.get("NHGRAPH_NEO4J_PASSWORD")
    os.environ["NHGRAPH_NEO4J_PASSWORD"] = password
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("NHGRAPH_NEO4J_PASSWORD", None)
        else:
            os.environ["NHGRAPH_NEO4J_PASSWORD"] = before


def run(quick: bool | None = None) -> dict[str, Any]:
    """The comparison on its own Neo4j loaded with London; the full run's figures are written to
    bench/results/peer.json (``--quick`` prints them only)."""
    from nhgraph.store.localserver import LocalServer

    quick = "--quick" in sys.argv[1:] if quick is None else quick
    plan = Plan.quick() if quick else Plan()
    ensure_tools()
    password = secrets.token_urlsafe(24)
    with _password(password), own_london("nhgraph-bench-peer-") as (database, settings):
        neo4j_pid = int(LocalServer(settings).pid_file.read_text().strip())
        figures = measure(database, settings.neo4j_bolt_port, password, neo4j_pid, plan)
    if quick:
        print(f"peer (quick, not written): {json.dumps(figures)}")
    else:
        write_results("peer", figures)
    return figures


if __name__ == "__main__":
    run()
