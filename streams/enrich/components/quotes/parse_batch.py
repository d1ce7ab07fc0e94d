"""The parses several articles ask for, run together: one parser call per round instead of one per request.

The quotes component asks for parses lazily, a few sentences at a time, in the middle of its rules
(about 1.2 requests an article on Reuters, 2-3 sentences each). The parser's cost per call is mostly
fixed (its transition steps run on however many sentences the batch holds), so those small calls
cost 2-3x what the same sentences cost in batches of a few dozen (benchmarks/bench_enrich.py).

:func:`run_together` runs each article's extraction in a thread of its own, strictly one at a time:
an extraction that asks for a parse hands control back and waits; once every article has finished
or is waiting, all waiting requests are parsed in one call and their articles resume, one at a time,
in order. Each article's extraction runs the same steps with the same parses as it would alone, so
the output is the same (the parser reads each sentence on its own: its encoder pads between them).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Sequence

_local = threading.local()


class _Job:
    """One article's extraction and the parse request it waits on."""

    def __init__(self, fn: Callable[[], None], back: threading.Event) -> None:
        self.fn = fn
        self.back = back  # set when this job hands control back (finished, or waiting for a parse)
        self.go = threading.Event()
        self.request: list[str] | None = None
        self.answer: list[Any] | BaseException | None = None
        self.error: BaseException | None = None
        self.done = False
        self.cancelled = False

    def run(self) -> None:
        _local.job = self
        self.go.wait()
        self.go.clear()
        try:
            if not self.cancelled:
                self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller of run_together
            self.error = exc
        finally:
            self.done = True
            self.back.set()

    def resume(self) -> None:
        """Let this job run until it finishes or asks for a parse (called from the scheduling thread)."""
        self.back.clear()
        self.go.set()
        self.back.wait()


def waiting_job() -> _Job | None:
    """The job of the calling thread when it runs inside :func:`run_together`, else None."""
    return getattr(_local, "job", None)


def request(job: _Job, texts: list[str]) -> list[Any]:
    """Called from a job's thread: wait until ``texts`` are parsed with the other jobs' requests."""
    job.request = texts
    job.back.set()
    job.go.wait()
    job.go.clear()
    answer, job.answer = job.answer, None
    if isinstance(answer, BaseException):
        raise answer
    assert answer is not None
    return answer


def run_together(fns: Sequence[Callable[[], None]], parse_many: Callable[[list[str]], list[Any]]) -> None:
    """Run ``fns`` one at a time, serving the parses they ask for (see :func:`request`) with one call
    of ``parse_many`` per round. Raises the first error of a function once all have ended."""
    back = threading.Event()
    jobs = [_Job(fn, back) for fn in fns]
    threads = [threading.Thread(target=job.run, name="quotes-parse-batch", daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    finished = False
    try:
        runnable = list(jobs)
        while runnable:
            for job in runnable:
                job.resume()
            runnable = [job for job in jobs if not job.done and job.request is not None]
            if not runnable:
                break
            texts = [text for job in runnable for text in job.request or ()]
            try:
                docs: list[Any] | BaseException = list(parse_many(texts))
            except Exception as exc:  # noqa: BLE001 - each waiting extraction raises it as its own
                docs = exc
            start = 0
            for job in runnable:
                n = len(job.request or ())
                job.answer = docs if isinstance(docs, BaseException) else docs[start : start + n]
                job.request = None
                start += n
        finished = True
    finally:
        if not finished:  # interrupted: unwind every job that has not ended (none is left blocked)
            for job in jobs:
                if not job.done:
                    job.cancelled = True
                    job.answer = RuntimeError("the batch of parses was abandoned")
                    job.resume()
        for thread in threads:
            thread.join()
    for job in jobs:
        if job.error is not None:
            raise job.error
