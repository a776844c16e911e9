"""A transaction's statements run in order by a thread of their own, while the caller works."""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from nhgraph.store.db import Record, Transaction


class StatementPipeline:
    """The statements of one transaction, run in order by a thread of their own.

    Neo4j answers a statement only when it has run it, so a writer that makes a batch, sends
    it and waits leaves one side idle at a time. Here the caller makes the next batch while
    the thread waits on Neo4j. Only the thread touches the transaction until the pipeline is
    closed, and a failed statement fails every later one, as it would the transaction: the
    first error is raised (at the latest on leaving the ``with``) and the caller's transaction
    rolls back.
    """

    _DEPTH = 2  # batches sent and not yet written, beyond which the caller waits

    def __init__(self, tx: Transaction) -> None:
        """The pipeline of one transaction, with the single thread that runs its statements in
        order."""
        self._tx = tx
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nhgraph-write")
        self._sent: deque[Future[list[Record]]] = deque()
        self._failed: BaseException | None = None

    def send(self, query: str, parameters: dict[str, Any]) -> Future[list[Record]]:
        """Queue a statement; wait first while too many are queued, raising the first failure."""
        while len(self._sent) >= self._DEPTH:
            self._sent.popleft().result()  # raises the statement's error, if it failed
        future = self._pool.submit(self._run, query, parameters)
        self._sent.append(future)
        return future

    def _run(self, query: str, parameters: dict[str, Any]) -> list[Record]:
        """Run one statement on the thread, or raise the first statement's failure again: a
        caller may wait on a later statement first (a lookup it needs now), and the driver's
        "Transaction failed" there would hide why (running out of memory, say)."""
        if self._failed is not None:
            raise self._failed
        try:
            return self._tx.run(query, parameters)
        except BaseException as error:
            self._failed = error
            raise

    def __enter__(self) -> StatementPipeline:
        """The pipeline itself, to send statements to."""
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Waits for every statement sent when the block ends without an error, so their failures
        surface; always stops the thread, after the statement it is running."""
        try:
            if kind is None:
                while self._sent:
                    self._sent.popleft().result()
        finally:
            # The thread finishes the statement it is running before the transaction is
            # rolled back or committed by the caller: never two threads on one connection.
            self._pool.shutdown(wait=True, cancel_futures=True)
