"""The compiled path of a query: a plan made once per document and role, one statement per
request, and, when configured, a cache of answers that every committed write invalidates.

:class:`CompiledPath` is what :class:`~nhgraph.graphql.http.GraphQLEndpoint` asks first, in
the worker thread where :class:`~nhgraph.graphql.guard.Guard` has just checked the request:
it answers the request's ``data`` itself, or says ``None``, and strawberry's resolvers answer
as before (see :mod:`.compiled` for what is left to them).

Plans are kept by the query's text, the operation's name and what the role may read (two roles
that may read the same things share a plan); a document the compiler leaves to the resolvers
is remembered too, so it is judged once. The plans hold no one's answers.

The response cache (``NHGRAPH_API_CACHE_ENTRIES``, off at 0) keeps an answer under its plan,
its variables, what the role may read, the day (the map's memberships and integrators are
read as they stand today) and the graph's version token. Every request reads the token first
(one small statement) and an answer is served only under the token it was read under: a load,
an edit or a saved validation run renews the token when it commits (:mod:`nhgraph.store.version`),
so the very next read misses and reads the new graph, in this process or any other on the
same Neo4j. The token is read before the answer, never after, so an answer is never kept
under a version newer than the graph it was read from. A graph with no token (written by hand,
or emptied) is never cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode
from graphql.execution.values import VariableValues
from starlette.concurrency import run_in_threadpool

from nhgraph.config import Settings
from nhgraph.graphql.compiled import (
    Compiler,
    Fallback,
    NotCompiled,
    Plan,
    Selected,
    canonical,
    compile_operation,
    project,
)
from nhgraph.graphql.context import Context
from nhgraph.graphql.resident import resident_answer
from nhgraph.graphql.schema import about_now, viewer_of
from nhgraph.store import version
from nhgraph.store.db import Database
from nhgraph.store.history import as_it_stood, check_moment

#: Distinct (document, operation, role) plans kept.
CACHED_PLANS = 256

#: A Python root's answer for one request: the request's context and argument values.
RootAnswer = Callable[[Context, list[dict[str, Any]]], Any]


def _about(c: Compiler, f: Selected) -> RootAnswer:
    shape = project(c.schema, c.fragments, c.schema.type_map["About"], f.selection())
    return lambda _context, _arguments: shape(about_now())


def _viewer(c: Compiler, f: Selected) -> RootAnswer:
    shape = project(c.schema, c.fragments, c.schema.type_map["Viewer"], f.selection())
    return lambda context, _arguments: shape(viewer_of(context.principal))


def _resident(c: Compiler, f: Selected) -> RootAnswer:
    index = c.arguments(f)
    shape = project(c.schema, c.fragments, c.schema.type_map["ResidentResult"], f.selection())

    def answer(context: Context, arguments: list[dict[str, Any]]) -> Any:
        given = dict(arguments[index])
        moment = given.pop("asAt", None)
        as_at = None if moment is None else check_moment(moment)
        return shape(resident_answer(context.database, context.today, as_at=as_at, **given))

    return answer


#: The root fields answered in Python, from the functions their resolvers call.
PYTHON_ROOTS: dict[str, Callable[[Compiler, Selected], RootAnswer]] = {
    "about": _about,
    "viewer": _viewer,
    "resident": _resident,
}


class Lru:
    """A bounded map, least recently used out first, safe across the worker threads: at most
    ``size`` items and, when ``max_bytes`` is given, at most that many bytes of values (each
    weighed by ``len``; a value over a sixteenth of the budget is not kept at all)."""

    def __init__(self, size: int, max_bytes: int | None = None) -> None:
        """An empty map of at most ``size`` items (and ``max_bytes`` bytes of values)."""
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def _weight(self, value: Any) -> int:
        return len(value[-1]) if self.max_bytes is not None else 0

    def get(self, key: Hashable) -> Any:
        """The value kept under the key (None when none is), now the most recently used."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        """Keep the value under the key, letting the least recently used go past the bounds."""
        weight = self._weight(value)
        if self.max_bytes is not None and weight > self.max_bytes // 16:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= self._weight(old)
            self._items[key] = value
            self.bytes += weight
            while len(self._items) > self.size or (
                self.max_bytes is not None and self.bytes > self.max_bytes
            ):
                _, dropped = self._items.popitem(last=False)
                self.bytes -= self._weight(dropped)

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class CacheStats:
    """How the response cache has done since the process started."""

    hits: int = 0
    misses: int = 0

    @property
    def hit_ratio(self) -> float:
        """Hits over requests the cache was asked about (0 before any)."""
        asked = self.hits + self.misses
        return self.hits / asked if asked else 0.0


_UNCOMPILED = object()


class CompiledPath:
    """The plans of one deployment, and its response cache when configured."""

    def __init__(self, schema: GraphQLSchema, settings: Settings, database: Database) -> None:
        """Plans against this schema, under these settings' page size and cache size, and the
        watch of this database's version for the cache."""
        self.schema = schema
        self.page_size = settings.api_max_page_size
        self.enabled = settings.api_compiled
        self._plans = Lru(CACHED_PLANS)
        entries = settings.api_cache_entries
        budget = settings.api_cache_max_mb * 1_000_000
        self._answers = Lru(entries, max_bytes=budget) if entries > 0 else None
        #: Whether answers are cached (NHGRAPH_API_CACHE_ENTRIES above 0).
        self.caching = self._answers is not None
        self.versions = VersionWatch(database, settings.api_cache_recheck_seconds)
        self.stats = CacheStats()
        #: Requests this path answered (the tests tell the two paths apart by it).
        self.answered = 0

    def plan(
        self,
        query: str,
        operation_name: str | None,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        sees_agreements: bool,
    ) -> Plan | None:
        """The plan of this operation for a role, made on first use (None: the resolvers)."""
        key = (query, operation_name, sees_agreements)
        plan = self._plans.get(key)
        if plan is None:
            try:
                plan = compile_operation(
                    self.schema,
                    operation,
                    fragments,
                    sees_agreements=sees_agreements,
                    page_size=self.page_size,
                    python_roots=PYTHON_ROOTS,
                )
            except NotCompiled:
                plan = _UNCOMPILED
            self._plans.put(key, plan)
        return None if plan is _UNCOMPILED else plan

    def kept(
        self, query: str, operation_name: str | None, sees_agreements: bool
    ) -> tuple[bool, Plan | None]:
        """Whether a plan of this operation for this role was made, and the plan (None: the
        resolvers answer it); a lookup, safe on the event loop."""
        plan = self._plans.get((query, operation_name, sees_agreements))
        if plan is None:
            return False, None
        return True, None if plan is _UNCOMPILED else plan

    def bind(
        self, plan: Plan, variables: VariableValues | None, context: Context
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The plan's argument values and statement parameters for one request (Fallback when
        the plan cannot answer it exactly)."""
        arguments = plan.arguments(variables)
        return arguments, plan.statement_parameters(arguments, context.today)

    def cache_key(
        self, plan: Plan, raw_variables: Mapping[str, Any] | None, context: Context
    ) -> tuple[Any, ...] | None:
        """The key of a request's answer in the response cache (None when there is no cache)."""
        if self._answers is None or plan.as_at:
            return None
        principal = context.principal
        who = principal.name if plan.needs_principal else None
        sees = principal.may_read_agreements()
        return (id(plan), canonical(raw_variables), sees, context.today, who)

    def cached(self, key: tuple[Any, ...], token: str) -> bytes | None:
        """The answer kept under this key, if it was read under this version of the graph."""
        assert self._answers is not None
        kept = self._answers.get(key)
        if kept is not None and kept[0] == token:
            self.stats.hits += 1
            self.answered += 1
            return kept[1]  # type: ignore[no-any-return]
        self.stats.misses += 1
        return None

    def keep(self, key: tuple[Any, ...], token: str, body: bytes) -> None:
        """Keep an answer read under this version of the graph."""
        assert self._answers is not None
        self._answers.put(key, (token, body))

    def answer(
        self,
        query: str,
        operation_name: str | None,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues | None,
        context: Context,
    ) -> dict[str, Any] | None:
        """The request's ``data``, or None when the resolvers are to answer it (the response
        cache is the HTTP front's: see :class:`~nhgraph.graphql.http.CompiledFront`). Runs in a
        worker thread (the driver is synchronous)."""
        if not self.enabled:
            return None
        sees_agreements = context.principal.may_read_agreements()
        plan = self.plan(query, operation_name, operation, fragments, sees_agreements)
        if plan is None:
            return None
        try:
            arguments, parameters = self.bind(plan, variables, context)
        except Fallback:
            return None
        return self.run(plan, parameters, arguments, context)

    def run(
        self,
        plan: Plan,
        parameters: dict[str, Any],
        arguments: list[dict[str, Any]],
        context: Context,
    ) -> dict[str, Any]:
        """The plan's answer: its one statement, and its Python roots. Synchronous."""
        columns: list[Any] = []
        if plan.statement is not None:
            [row] = context.database.read(plan.statement, parameters)
            columns = row["data"]
        data: dict[str, Any] = {}
        for key, root in plan.roots:
            kind = root[0]
            if kind == "cypher":
                _, index, shape = root
                data[key] = columns[index] if shape is None else shape(columns[index])
            elif kind == "as_at":
                _, statement, shape, index = root
                value = self._as_at(context, arguments[index].get("asAt"), statement, parameters)
                data[key] = value if shape is None else shape(value)
            elif kind == "python":
                data[key] = root[1](context, arguments)
            else:
                data[key] = root[1]
        self.answered += 1
        return data

    @staticmethod
    def _as_at(context: Context, moment: Any, statement: str, parameters: dict[str, Any]) -> Any:
        """A root's own statement, as the graph stood at the moment (the present's for null):
        a refused moment raises, and the resolvers answer with its error."""
        if moment is None:
            [row] = context.database.read(statement, parameters)
        else:
            [row] = as_it_stood(
                context.database,
                check_moment(moment),
                lambda reader: reader.read(statement, parameters),
            )
        return row["data"]


class VersionWatch:
    """The graph's version token, read at most once at a time however many requests ask.

    A request is given the token of a read that began after it arrived, never of one that
    began before: a write committed before the request was sent is always seen. While a read
    is in flight, the requests arriving join the next one, so under load one small statement
    serves a burst of requests rather than one each.
    """

    def __init__(self, database: Database, recheck_seconds: float = 0.0) -> None:
        """The watch of this database's version. ``recheck_seconds`` above 0 lets a token read
        serve the requests that arrive that long after the read began (a write by another
        process is then seen that much later; this process's own edits are seen at once, as
        they :meth:`invalidate` the token)."""
        self.database = database
        self.recheck_seconds = recheck_seconds
        self._arrivals = 0
        self._inflight: asyncio.Future[str | None] | None = None
        self._inflight_started = -1
        self._last: tuple[float, int, str | None] | None = None
        self._epoch = 0
        self.reads = 0

    def invalidate(self) -> None:
        """Forget the token read: this process has just committed a write."""
        self._epoch += 1
        self._last = None

    async def current(self) -> str | None:
        """The token of the last committed write, as of a read begun after this call (or,
        with a recheck window, begun at most that long before it)."""
        last = self._last
        fresh = last is not None and time.monotonic() - last[0] <= self.recheck_seconds
        if last is not None and fresh and last[1] == self._epoch:
            return last[2]
        self._arrivals += 1
        arrived = self._arrivals
        while True:
            inflight = self._inflight
            if inflight is None:
                break
            if self._inflight_started >= arrived:
                return await asyncio.shield(inflight)
            # A read begun before this request arrived: wait for it, then read anew.
            with contextlib.suppress(Exception):
                await asyncio.shield(inflight)
        self._arrivals += 1
        started = self._arrivals
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._inflight, self._inflight_started = future, started
        began, epoch = time.monotonic(), self._epoch
        try:
            token = await run_in_threadpool(version.current, self.database)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: the joiners get it, or no one needs to
            raise
        else:
            future.set_result(token)
            if self.recheck_seconds > 0:
                self._last = (began, epoch, token)
        finally:
            if self._inflight is future:
                self._inflight = None
            self.reads += 1
        return token
