"""Work done in a forked child while this process goes on: no pool, no thread, no pickled inputs.

A fork inherits what this process has already loaded (the log sources, the window), so only the small
answer travels back, through a pipe. Without a pool's manager thread, forking stays safe at any
point of the draft (a child may be started mid-load). Callers check ``can_fork()`` first: no fork on
this platform, or a thread already running (the child could inherit a lock that thread holds), means
doing the work in-process. A child that dies, or whose work raised, gives ``ChildLost``: the caller
does that work again itself, so a real error surfaces from this process as it would have anyway.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from multiprocessing import get_all_start_methods, get_context
from typing import Any


class ChildLost(Exception):
    """A forked child gave no usable answer (it died, or its work raised)."""


def cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def can_fork() -> bool:
    return "fork" in get_all_start_methods() and threading.active_count() == 1


class Child:
    """``fn(*args)`` running in a forked child process; ``result()`` waits for its answer."""

    def __init__(self, fn: Callable[..., Any], *args: Any, nice: int = 0):
        """Fork now; the child lowers its priority by ``nice`` (this process's work is the longer chain)."""
        ctx = get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_run, args=(send, fn, args, nice), daemon=True)
        try:
            self._proc.start()
        finally:
            send.close()  # the child's copy stays open: EOF here means the child is gone

    def result(self) -> Any:
        """The child's answer; ``ChildLost`` when there is none (it died, raised, or sent junk)."""
        try:
            status, value = self._recv.recv()
        except Exception as exc:  # EOF (it died), OSError, or an answer that does not unpickle
            raise ChildLost(f"worker process lost ({type(exc).__name__})") from exc
        finally:
            self.close()
        if status != "ok":
            raise ChildLost(f"worker process failed ({value})")
        return value

    def close(self) -> None:
        """Stop the child if it still runs and reap it; safe to call twice."""
        if self._proc is None:
            return
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._proc.close()
        self._recv.close()
        self._proc = None


def _run(send, fn: Callable[..., Any], args: tuple, nice: int) -> None:
    if nice and hasattr(os, "nice"):
        os.nice(nice)
    try:
        answer: tuple[str, Any] = ("ok", fn(*args))
    except BaseException as exc:  # noqa: BLE001 - by name only: the parent redoes the work and raises it itself
        answer = ("error", type(exc).__name__)
    try:
        send.send(answer)
    except Exception as exc:  # noqa: BLE001 - an answer that does not pickle (nothing was written yet)
        send.send(("error", f"unpicklable answer: {type(exc).__name__}"))
    finally:
        send.close()
