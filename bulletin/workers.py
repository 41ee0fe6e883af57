"""Work shared between this process and forked workers, chunk by chunk.

Rendering a big site forks workers that inherit the model instead of receiving it
pickled. Every model page a process touches becomes its own copy (CPython writes
reference counts into the objects it reads), so each process that renders costs
about one model of memory: this process renders too, with `workers - 1` forked
helpers, rather than waiting idle beside `workers` of them (10,000 digests: three
copies of the model made 2 GB).
"""

from __future__ import annotations

import multiprocessing
from typing import Callable, Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")


class WorkerDied(RuntimeError):
    pass


def run_chunks(run: Callable[[int, int], list], total: int, chunk: int, workers: int,
               progress: Callable[[int], None], then: Afterwards | None = None) -> list:
    """`run(start, end)` for every chunk of `range(total)`, in this process and `workers - 1`
    forked ones, which claim chunks from one shared counter (so none waits while work is
    left). The lists are concatenated in no particular order; `progress(n)` hears of the
    items done. An exception in a worker is raised here as soon as this process's chunk
    under way is done: after it, no process claims another (a template that fails on one page
    of 130,000 used to let this process render all the rest before saying so).

    With `then`, the first forked worker goes on to `then`'s work once no chunk is left,
    while this process goes on with the results (see `Afterwards`)."""
    context = multiprocessing.get_context("fork")
    claimed = context.Value("q", 0)
    done = context.Value("q", 0)
    failed = context.Value("b", 0)  # once a worker fails, nobody claims more: its error is the result

    def claim() -> tuple[int, int] | None:
        with claimed.get_lock():
            if failed.value:
                return None
            start = claimed.value
            claimed.value = start + chunk
        return (start, min(total, start + chunk)) if start < total else None

    def count(span: tuple[int, int]) -> int:
        """Add a finished chunk to the shared count; the items done so far, in every process."""
        with done.get_lock():
            done.value += span[1] - span[0]
            return done.value

    def work(connection, afterwards: Callable | None) -> None:  # in a forked worker
        results, error = [], None
        try:
            while span := claim():
                results.extend(run(*span))
                count(span)
        except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
            error = exc
            with claimed.get_lock():
                failed.value = 1
        connection.send((results, error))
        results.clear()  # sent: not kept through the afterwards (10,000 digests: 200 MB of postings)
        if afterwards is not None and error is None:
            _send_outcome(connection, afterwards)
        connection.close()

    helpers = []
    try:
        for n in range(workers - 1):
            reader, writer = context.Pipe(duplex=False)
            afterwards = then.work if then is not None and n == 0 else None
            process = context.Process(target=work, args=(writer, afterwards), daemon=True)
            process.start()
            writer.close()
            helpers.append((process, reader))
        results: list = []
        reported = 0
        while span := claim():
            results.extend(run(*span))
            now = count(span)
            progress(now - reported)
            reported = now
        for helper in helpers:
            results.extend(_receive(*helper))
        progress(total - reported)
        if then is not None and helpers:
            then.helper = helpers.pop(0)  # at work on `then` now: stopped by `then`, not here
        return results
    finally:
        _stop(helpers)


class Afterwards(Generic[T]):
    """Work for the forked worker of a `run_chunks` to do once no chunk is left, while this
    process goes on with the chunks' results: one core's work that would otherwise wait for
    the other's (a first build's search documents, beside this process merging and encoding
    the postings). `result()` waits for it; when no worker took it (too little work to fork
    for), `result()` does the work here."""

    def __init__(self, work: Callable[[], T]):
        self.work = work
        self.helper = None  # (process, reader) once a worker has it

    def result(self) -> T:
        if self.helper is None:
            return self.work()
        try:
            return _receive(*self.helper)
        finally:
            self.stop()

    def stop(self) -> None:
        if self.helper is not None:
            _stop([self.helper])


class Beside(Generic[T]):
    """`side()` in a forked helper, started now; `result()` waits for it. The result comes back
    pickled: keep it small. `stop()` ends the helper whatever it is doing."""

    def __init__(self, side: Callable[[], T]):
        context = multiprocessing.get_context("fork")
        reader, writer = context.Pipe(duplex=False)

        def work(connection) -> None:  # in the forked helper
            _send_outcome(connection, side)
            connection.close()

        self._process = context.Process(target=work, args=(writer,), daemon=True)
        self._process.start()
        writer.close()
        self._reader = reader

    def result(self) -> T:
        try:
            return _receive(self._process, self._reader)
        finally:
            self.stop()

    def stop(self) -> None:
        _stop([(self._process, self._reader)])


def run_beside(side: Callable[[], T], main: Callable[[], U]) -> tuple[T, U]:
    """`side()` in a forked helper while this process runs `main()`: two independent pieces of
    work on two cores."""
    helper = Beside(side)
    try:
        mine = main()
        return helper.result(), mine
    finally:
        helper.stop()


def _send_outcome(connection, work: Callable) -> None:
    """In a forked helper: `work()`'s result, or its exception, for `_receive`."""
    result, error = None, None
    try:
        result = work()
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        error = exc
    connection.send((result, error))


def _receive(process, reader):
    try:
        result, error = reader.recv()  # a worker that died closes its end: EOFError
    except EOFError:
        process.join()
        raise WorkerDied(f"a worker process stopped (exit code {process.exitcode})") from None
    if error is not None:
        raise error
    return result


def _stop(helpers) -> None:
    for process, reader in helpers:
        if process.is_alive():
            process.terminate()
        process.join()
        reader.close()
