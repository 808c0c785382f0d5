"""Bounded background work for the pages (the cohort analysis): submit, then a page that shows "working" until
the result is there. No JavaScript needed: the working page refreshes itself (``<meta http-equiv="refresh">``).

Bounds: one worker thread per process, at most ``MAX_PENDING`` jobs waiting or running (more -> 503 "busy"), at
most ``MAX_KEPT`` finished jobs kept in memory, each for ``TTL_S`` seconds. Job ids are random (unguessable); the
jobs live in this process only, so with several workers a result page may land on another worker and say the job
is unknown (run the cohort page with one worker, or use the JSON API).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

MAX_PENDING = 4
MAX_KEPT = 16
TTL_S = 3600


@dataclass
class Job:
    id: str
    title: str
    started: float
    future: Future[Any]
    finished: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.future.done()

    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started


class Busy(Exception):
    """Too many jobs are waiting: try again in a moment."""


class Jobs:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nephroguide-job")

    def submit(self, title: str, fn: Callable[[], Any], **meta: Any) -> Job:
        with self._lock:
            self._expire()
            if sum(1 for j in self._jobs.values() if not j.done) >= MAX_PENDING:
                raise Busy(f"{MAX_PENDING} analyses are already running or waiting")
            job_id = secrets.token_urlsafe(16)
            job = Job(job_id, title, time.monotonic(), self._pool.submit(fn), meta=meta)
            job.future.add_done_callback(lambda _f: setattr(job, "finished", time.monotonic()))
            self._jobs[job_id] = job
            return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            self._expire()
            return self._jobs.get(job_id)

    def _expire(self) -> None:
        now = time.monotonic()
        for key in [k for k, j in self._jobs.items() if j.done and j.finished and now - j.finished > TTL_S]:
            del self._jobs[key]
        finished = [k for k, j in self._jobs.items() if j.done]
        for key in finished[:max(0, len(finished) - MAX_KEPT)]:
            del self._jobs[key]


_jobs: Jobs | None = None
_init_lock = threading.Lock()


def jobs() -> Jobs:
    global _jobs
    with _init_lock:
        if _jobs is None:
            _jobs = Jobs()
        return _jobs
