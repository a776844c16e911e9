"""The one thin layer that owns Neo4j: the driver, sessions, transactions and retries.

Nothing else in the package imports ``neo4j``. Callers hand this layer a named query from
:mod:`nhgraph.queries` (or, inside nhgraph, a fixed statement) and parameters; they get plain
dicts back and nhgraph's own exceptions, so the API can answer 503 when the server is down and
a loader can name the rule a write broke, without knowing the driver.

Reads and writes go through managed transactions (``execute_read``/``execute_write``), which
retry transient failures (leader switches, deadlocks) by themselves; ``database_`` is always
set so that no call pays for home-database resolution.

Work done under a :func:`deadline` (the API sets one per request) asks Neo4j to end each
transaction when the time left is spent: the server itself stops the work, so a request past
its budget leaves nothing running there, and the caller gets :class:`DeadlineExceeded`.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

import neo4j.graph
import neo4j.spatial
import neo4j.time

import neo4j
from neo4j import exceptions as neo4j_errors
from nhgraph import queries
from nhgraph.config import Settings
from nhgraph.errors import NhgraphError
from nhgraph.queries import Query

T = TypeVar("T")
Record = dict[str, Any]


class DatabaseError(NhgraphError):
    """Neo4j refused or failed a unit of work."""

    code = "database_error"


class DatabaseUnavailable(DatabaseError):
    """Neo4j cannot be reached (down, starting, wrong address or credentials)."""

    code = "database_unavailable"


class ConstraintViolation(DatabaseError):
    """A write broke a constraint of the graph (for example a duplicate id)."""

    code = "constraint_violation"


class TooLarge(DatabaseError):
    """A transaction needed more memory than Neo4j allows one transaction.

    ``limit`` is the server's limit on a transaction's memory in bytes, where its message
    gives it: a writer that knows how far it got can then say how much the whole would need,
    its ``need`` in bytes.
    """

    code = "too_large"

    def __init__(self, message: str, limit: int | None = None, need: float | None = None) -> None:
        """The refusal, the server's transaction memory limit when known, and what the whole
        transaction needs when a writer worked it out."""
        super().__init__(message)
        self.limit = limit
        self.need = need


#: How Neo4j states a transaction's memory limit ("... more than the limit 1.4 GiB.").
_LIMIT = re.compile(r"the limit (\d+(?:\.\d+)?) ?([KMGT]i?B|B)\b")
_UNIT_BYTES = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
_UNIT_BYTES |= {"KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}

#: The share of the heap Neo4j 5 lets all transactions use when no limit is set.
TRANSACTION_SHARE_OF_HEAP = 0.7


def memory_limit(message: str) -> int | None:
    """The transaction memory limit a Neo4j memory error states, in bytes, if it states one."""
    found = _LIMIT.search(message)
    if found is None:
        return None
    return int(float(found.group(1)) * _UNIT_BYTES[found.group(2)])


def heap_for(transaction_bytes: float) -> str:
    """The JVM heap (whole gigabytes, at least 1g) whose transaction share holds a transaction
    of this size with a tenth to spare."""
    return f"{max(1, math.ceil(transaction_bytes * 1.1 / TRANSACTION_SHARE_OF_HEAP / 2**30))}g"


class QueryFailed(DatabaseError):
    """Neo4j rejected a statement (syntax, type or semantic error)."""

    code = "query_failed"


class DeadlineExceeded(DatabaseError):
    """The time budget of the work (see :func:`deadline`) was spent: Neo4j ended the
    transaction, or it was not begun because no time was left."""

    code = "deadline_exceeded"


#: The monotonic time by which the current work must end, or None for no limit. A context
#: variable, so that each request has its own and the threads its reads run in inherit it.
_deadline: ContextVar[float | None] = ContextVar("nhgraph_deadline", default=None)

#: The codes Neo4j ends a transaction with when its timeout is spent.
_TIMED_OUT = ("TransactionTimedOut", "Transaction.Terminated", "LockClientStopped")


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every transaction begun inside is given the time left of ``seconds`` from now, and
    Neo4j ends it when that is spent. A deadline already set and sooner is kept."""
    end = time.monotonic() + seconds
    current = _deadline.get()
    token = _deadline.set(end if current is None else min(current, end))
    try:
        yield
    finally:
        _deadline.reset(token)


def _time_left(what: str) -> float | None:
    """The transaction timeout to ask Neo4j for (None: no deadline, the server's default).

    Never 0, which Neo4j reads as "no timeout"; DeadlineExceeded when nothing is left, so no
    transaction is begun that could only be ended.
    """
    end = _deadline.get()
    if end is None:
        return None
    left = end - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded(f"{what}: the time budget was spent before it began")
    return max(left, 0.001)


def _text(query: Query | str) -> str:
    return query.text if isinstance(query, Query) else query


def _name(query: Query | str) -> str:
    return query.name if isinstance(query, Query) else query.strip().splitlines()[0][:60]


def _out_of_memory(error: neo4j_errors.Neo4jError) -> bool:
    """Whether Neo4j failed for want of memory (its transaction pool, or the heap itself): a
    "transient" error that a retry of the same transaction meets again, so it is never retried."""
    return "OutOfMemory" in (error.code or "")


def too_large_advice(settings: Settings, heap: str | None = None) -> str:
    """What to set when a transaction is too large for the server, with the numbers: the
    ``heap`` a writer worked out it needs, or else twice the one it has."""
    if settings.manages_local_server:
        return (
            f"raise NHGRAPH_NEO4J_HEAP (now {settings.neo4j_heap}; "
            f"{'set at least ' + heap if heap else 'try ' + _doubled(settings.neo4j_heap)}: "
            "Neo4j lets transactions use 70% of it, and London's postcodes, about 180,000 "
            "rows, need 1g) "
            "and restart the server (nhgraph neo4j stop; nhgraph neo4j start)"
        )
    return (
        "raise the server's heap (server.memory.heap.max_size"
        f"{' to at least ' + heap if heap else ''}) and its transaction memory limits "
        "(dbms.memory.transaction.total.max, db.memory.transaction.max): London's postcodes, "
        "about 180,000 rows, need a 1g heap"
    )


def _doubled(size: str) -> str:
    """A JVM memory size twice as large ("512m" is "1g"), or the text asking for more."""
    units = {"k": 1, "m": 1024, "g": 1024 * 1024}
    value, unit = size[:-1], size[-1:].lower()
    if unit not in units or not value.isdigit():
        return f"more than {size}"
    kib = 2 * int(value) * units[unit]
    return f"{kib // units['g']}g" if kib % units["g"] == 0 else f"{kib // units['m']}m"


def _too_large(what: str, error: neo4j_errors.Neo4jError, advice: str) -> TooLarge:
    return TooLarge(
        f"{what}: too large for one transaction on this server: Neo4j ran out of transaction "
        f"memory ({error.message}). Nothing was written, and running it again fails the same "
        f"way: {advice}",
        limit=memory_limit(error.message or ""),
    )


@contextmanager
def _translated(what: str, advice: str = "raise the server's heap") -> Iterator[None]:
    """Turn driver exceptions into nhgraph's, each naming what was being done."""
    try:
        yield
    except neo4j_errors.AuthError as error:
        raise DatabaseUnavailable(
            f"{what}: Neo4j refused the credentials ({error.message}); check "
            "NHGRAPH_NEO4J_USER and NHGRAPH_NEO4J_PASSWORD"
        ) from error
    except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError) as error:
        raise DatabaseUnavailable(f"{what}: Neo4j is not reachable ({error})") from error
    except neo4j_errors.TransientError as error:
        if _deadline.get() is not None and any(c in (error.code or "") for c in _TIMED_OUT):
            raise DeadlineExceeded(f"{what}: Neo4j ended it at the time budget") from error
        if _out_of_memory(error):
            raise _too_large(what, error, advice) from error
        raise QueryFailed(
            f"{what}: {error.code}: {error.message} (transient: nothing was written, and "
            "running it again may succeed)"
        ) from error
    except neo4j_errors.ConstraintError as error:
        raise ConstraintViolation(f"{what}: {error.message}") from error
    except neo4j_errors.Neo4jError as error:
        if _deadline.get() is not None and any(c in (error.code or "") for c in _TIMED_OUT):
            raise DeadlineExceeded(f"{what}: Neo4j ended it at the time budget") from error
        raise QueryFailed(f"{what}: {error.code}: {error.message}") from error
    except neo4j_errors.DriverError as error:
        cause = _server_cause(error)
        if cause is not None and _out_of_memory(cause):
            raise _too_large(what, cause, advice) from error
        if cause is not None:
            raise QueryFailed(f"{what}: {cause.code}: {cause.message}") from error
        raise DatabaseError(f"{what}: {error}") from error


def _server_cause(error: BaseException) -> neo4j_errors.Neo4jError | None:
    """The server's error behind a driver's (its "Transaction failed" names none), if any."""
    cause = error.__cause__
    while cause is not None and not isinstance(cause, neo4j_errors.Neo4jError):
        cause = cause.__cause__
    return cause


_TIMES = (neo4j.time.Date, neo4j.time.DateTime, neo4j.time.Time)
#: Values the driver gives as they are: returned before any isinstance test, which for the
#: tens of thousands of strings of a resident's answer was most of the walk.
_PLAIN = frozenset({str, int, float, bool, type(None), bytes})


def wgs84_point(longitude: float, latitude: float) -> Any:
    """A WGS84 point as the driver sends it: the only kind of value a Neo4j point index holds
    (the store derives an LSOA's box corners as these)."""
    return neo4j.spatial.WGS84Point((longitude, latitude))


def native(value: Any) -> Any:
    """Driver values as plain Python: dates and times become datetime objects, nodes and
    relationships their property maps (as ``Record.data()`` makes them).

    One walk does what ``Record.data()`` and a second walk for dates would do in two: a
    resident's answer holds tens of thousands of values, so the walk is the query's largest
    Python cost.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [native(v) for v in value]
    if kind is dict:
        return {k: native(v) for k, v in value.items()}
    if kind in _TIMES:
        return value.to_native()
    if isinstance(value, neo4j.graph.Node | neo4j.graph.Relationship):
        return {k: native(v) for k, v in value.items()}
    if isinstance(value, neo4j.graph.Path):
        return [native(part) for part in value]
    return value


def _row(record: neo4j.Record) -> Record:
    return {key: native(value) for key, value in zip(record.keys(), record.values(), strict=True)}


class Transaction:
    """One managed transaction, handed to a unit of work; it runs statements and returns dicts."""

    def __init__(
        self,
        tx: neo4j.ManagedTransaction | neo4j.Transaction,
        advice: str = "raise the server's heap",
    ) -> None:
        """The wrapper of a managed transaction the driver hands a unit of work; ``advice`` says
        what to set when a statement runs out of memory."""
        self._tx = tx
        self._advice = advice

    def run(self, query: Query | str, parameters: Mapping[str, Any] | None = None) -> list[Record]:
        """Run one statement in this transaction and return its records as dicts.

        Running out of memory raises TooLarge here, inside the unit of work: the driver
        retries what it calls transient, and would send the same too large write again.
        """
        try:
            result = self._tx.run(_text(query), dict(parameters or {}))
            return [_row(record) for record in result]
        except neo4j_errors.TransientError as error:
            if _out_of_memory(error):
                raise _too_large(_name(query), error, self._advice) from error
            raise

    def column(
        self, query: Query | str, key: str, parameters: Mapping[str, Any] | None = None
    ) -> list[Any]:
        """One column of a statement's records, as the driver gives it: dates and times stay the
        driver's own (see :func:`native`), for a reader of many plain values that converts only
        those that need it (the whole graph read back, where the walk cost seconds)."""
        try:
            return [record[key] for record in self._tx.run(_text(query), dict(parameters or {}))]
        except neo4j_errors.TransientError as error:
            if _out_of_memory(error):
                raise _too_large(_name(query), error, self._advice) from error
            raise

    def read(self, query: Query | str, parameters: Mapping[str, Any] | None = None) -> list[Record]:
        """Read in this transaction: what an edit reads is read where it writes, so that the
        locks it takes hold from the read to the commit (see :mod:`nhgraph.edits`)."""
        return self.run(query, parameters)


class Reader(Protocol):
    """What reads the graph: a :class:`Database` (a statement of its own) or a
    :class:`Transaction` (inside a unit of work)."""

    def read(self, query: Query | str, parameters: Mapping[str, Any] | None = None) -> list[Record]:
        """Run one read statement and return its records as dicts."""
        ...


class Database:
    """A Neo4j database reached through one driver, shared by the whole process."""

    def __init__(self, settings: Settings) -> None:
        """The database of the settings, through one driver made here, counting the statements it
        sends."""
        self.settings = settings
        self.name = settings.neo4j_database
        self.uri = settings.bolt_uri
        #: Statements sent to Neo4j by this process: the API's tests count them per operation
        #: to show that DataLoaders keep round trips flat as the number of items grows.
        self.round_trips = 0
        self._driver = neo4j.GraphDatabase.driver(
            self.uri,
            auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
            connection_timeout=5.0,
            max_transaction_retry_time=settings.neo4j_retry_seconds,
            notifications_min_severity="OFF",
        )

    # -- connectivity ------------------------------------------------------------------------

    def verify(self) -> None:
        """Raise DatabaseUnavailable unless the server answers with these credentials."""
        with _translated(f"connecting to {self.uri}"):
            self._driver.verify_connectivity()
            self._driver.execute_query("RETURN 1", database_=self.name)

    def is_ready(self) -> bool:
        """True when the server answers a query now (for readiness probes)."""
        try:
            self.verify()
        except DatabaseError:
            return False
        return True

    def close(self) -> None:
        """Close the driver and its connections (the next use opens a new one)."""
        self._driver.close()

    # -- units of work -----------------------------------------------------------------------

    def read(self, query: Query | str, parameters: Mapping[str, Any] | None = None) -> list[Record]:
        """Run one read statement, in an auto-commit read transaction.

        One statement is atomic by itself, and an auto-commit transaction sends it in one
        round trip where a managed one adds BEGIN and COMMIT: a resident's question is answered
        in about half the time. Transient failures are retried here, as a managed transaction
        would, for up to ``neo4j_retry_seconds``; an unreachable server fails at once.
        """
        what = _name(query)
        self.round_trips += 1
        retry_until = time.monotonic() + self.settings.neo4j_retry_seconds
        pause = 0.05
        while True:
            statement = neo4j.Query(_text(query), timeout=_time_left(what))
            try:
                with (
                    _translated(what),
                    self._driver.session(
                        database=self.name, default_access_mode=neo4j.READ_ACCESS
                    ) as session,
                ):
                    result = session.run(statement, dict(parameters or {}))
                    return [_row(record) for record in result]
            except QueryFailed as error:
                cause = error.__cause__
                retryable = isinstance(cause, neo4j_errors.Neo4jError) and cause.is_retryable()
                if not retryable or time.monotonic() + pause > retry_until:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    def write(
        self, query: Query | str, parameters: Mapping[str, Any] | None = None
    ) -> list[Record]:
        """Run one write statement in a managed write transaction."""
        return self.execute_write(lambda tx: tx.run(query, parameters), what=_name(query))

    def execute_read(self, work: Callable[[Transaction], T], *, what: str = "read") -> T:
        """Run a unit of work in one read transaction (retried on transient errors)."""
        self.round_trips += 1
        unit = neo4j.unit_of_work(timeout=_time_left(what))(lambda tx: work(Transaction(tx)))
        with _translated(what), self._driver.session(database=self.name) as session:
            return session.execute_read(unit)

    def execute_write(
        self, work: Callable[[Transaction], T], *, what: str = "write", retry: bool = True
    ) -> T:
        """Run a unit of work in one write transaction: all of it commits, or none of it.

        Transient failures (a deadlock, a leader switch) are retried for up to
        ``neo4j_retry_seconds``, as the driver's managed transactions would, but never a
        transaction that ran out of memory, at a statement or at its commit: a rerun meets the
        same limit, so it raises TooLarge at once. ``retry=False`` is for a unit of work that
        can run only once (a file written while it is read).
        """
        self.round_trips += 1
        advice = too_large_advice(self.settings)
        retry_until = time.monotonic() + self.settings.neo4j_retry_seconds
        pause = 0.05
        while True:
            try:
                with (
                    _translated(what, advice),
                    self._driver.session(database=self.name) as session,
                    session.begin_transaction(timeout=_time_left(what)) as tx,
                ):
                    result = work(Transaction(tx, advice))
                    tx.commit()
                    return result
            except TooLarge as error:
                if str(error).startswith(what):
                    raise
                # A statement of the work ran out of memory: say which work, then which statement.
                raise TooLarge(f"{what}, at {error}", limit=error.limit) from error
            except (QueryFailed, DatabaseUnavailable) as error:
                cause = error.__cause__
                retryable = isinstance(cause, neo4j_errors.Neo4jError | neo4j_errors.DriverError)
                if not (retry and retryable and cause.is_retryable()):  # type: ignore[union-attr]
                    raise
                if time.monotonic() + pause > retry_until:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    def execute_rolled_back(self, work: Callable[[Transaction], T], *, what: str = "try") -> T:
        """Run a unit of work in a write transaction that is always rolled back, never
        committed: to ask the graph as it would be after a write (a dry run's impact) without
        anyone ever seeing that graph. Not retried: it commits nothing, so a failure is told."""
        self.round_trips += 1
        with (
            _translated(what, too_large_advice(self.settings)),
            self._driver.session(database=self.name) as session,
            session.begin_transaction(timeout=_time_left(what)) as tx,
        ):
            try:
                return work(Transaction(tx))
            finally:
                tx.rollback()

    def run_autocommit(
        self, statement: str, parameters: Mapping[str, Any] | None = None
    ) -> list[Record]:
        """Run a statement outside a managed transaction (schema changes, CALL IN TRANSACTIONS)."""
        what = _name(statement)
        query = neo4j.Query(statement, timeout=_time_left(what))
        with _translated(what), self._driver.session(database=self.name) as session:
            result = session.run(query, dict(parameters or {}))
            return [_row(record) for record in result]

    # -- schema ------------------------------------------------------------------------------

    def ensure_schema(self) -> int:
        """Create every constraint and index of constraints.cypher; safe to run again.

        When every one is already there and online (one question to the server), nothing is
        sent: a load on a fresh server otherwise spent a second compiling 25 statements
        that change nothing.
        """
        statements = queries.schema_statements()
        declared = {queries.schema_name(statement) for statement in statements}
        online = {
            row["name"]
            for row in self.run_autocommit(
                "SHOW INDEXES YIELD name, state, owningConstraint "
                "WHERE state = 'ONLINE' RETURN coalesce(owningConstraint, name) AS name"
            )
        }
        if declared <= online:
            return len(statements)
        for statement in statements:
            self.run_autocommit(statement)
        self.run_autocommit("CALL db.awaitIndexes(300)")
        return len(statements)

    def constraint_names(self) -> set[str]:
        """The names of the graph's constraints, so a test or `db init` can tell what is there."""
        return {row["name"] for row in self.run_autocommit("SHOW CONSTRAINTS YIELD name")}

    def reset(self) -> None:
        """Empty the graph and leave exactly the schema of constraints.cypher (a clean slate).

        Cheaper than :meth:`wipe` followed by :meth:`ensure_schema`: the constraints the file
        declares are kept, and only the others are dropped.
        """
        self.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
        declared = {queries.schema_name(statement) for statement in queries.schema_statements()}
        for row in self.run_autocommit("SHOW CONSTRAINTS YIELD name"):
            if row["name"] not in declared:
                self.run_autocommit(f"DROP CONSTRAINT `{row['name']}` IF EXISTS")
        for row in self.run_autocommit(
            "SHOW INDEXES YIELD name, type, owningConstraint "
            "WHERE type <> 'LOOKUP' AND owningConstraint IS NULL RETURN name"
        ):
            if row["name"] not in declared:
                self.run_autocommit(f"DROP INDEX `{row['name']}` IF EXISTS")
        self.ensure_schema()

    def wipe(self) -> None:
        """Delete every node, constraint and index: Community has one database, tests reset it."""
        self.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
        for row in self.run_autocommit("SHOW CONSTRAINTS YIELD name"):
            self.run_autocommit(f"DROP CONSTRAINT `{row['name']}` IF EXISTS")
        for row in self.run_autocommit(
            "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"
        ):
            self.run_autocommit(f"DROP INDEX `{row['name']}` IF EXISTS")


_databases: dict[tuple[str, str, str], Database] = {}
_lock = threading.Lock()


def get_database(settings: Settings) -> Database:
    """The process's Database for these settings: the driver is made once and reused."""
    key = (settings.bolt_uri, settings.neo4j_user, settings.neo4j_database)
    with _lock:
        database = _databases.get(key)
        if database is None:
            database = _databases[key] = Database(settings)
        return database


def close_all() -> None:
    """Close every driver this process made (at shutdown, or between test sessions)."""
    with _lock:
        for database in _databases.values():
            database.close()
        _databases.clear()
