"""Ctrl-C: the first SIGINT stops any command within 2 s, cleans up, and the command exits 130.

:class:`Interrupts` installs a SIGINT handler for the duration of one command (main thread only):

* the first signal raises :class:`KeyboardInterrupt` in the main thread, which the dispatcher turns into
  exit 130 after removing the command's temporary files and the folders it created
  (:func:`gdssm.core.atomic.discard`);
* Python ignores an exception raised inside a garbage-collector callback or a ``__del__`` (it prints
  "Exception ignored in ... gc_callback" and runs on -- Hypothesis installs such a callback). The handler
  therefore never raises there: it notes the signal and a watchdog thread re-delivers it a moment later, when
  the main thread is back in ordinary code;
* should the command still be running :data:`GRACE` seconds after the signal (a long call in C that does not
  return), or on a second Ctrl-C, the watchdog cleans up itself, prints the same line and ends the process with
  exit 130;
* in a child forked by the command (the exact route's capped child), SIGINT ends the child at once, quietly.
"""

from __future__ import annotations

import _thread
import gc
import os
import signal
import sys
import threading
import time
from types import FrameType, TracebackType
from typing import Any

from gdssm.cli.exits import EXIT_INTERRUPTED
from gdssm.core.atomic import discard

GRACE = 1.5
"""Seconds after the first SIGINT before the watchdog ends the process itself."""
REDELIVER = 0.05
"""Seconds between re-deliveries of a signal that arrived where an exception would be ignored."""
MESSAGE = "gdssm: interrupted"


def _ignoring_frame(frame: FrameType | None) -> bool:
    """Whether an exception raised at ``frame`` would be swallowed: inside a gc callback or a ``__del__``."""
    codes = {getattr(cb, "__code__", None) for cb in gc.callbacks}
    depth = 0
    while frame is not None and depth < 64:
        if frame.f_code in codes or frame.f_code.co_name == "__del__":
            return True
        frame, depth = frame.f_back, depth + 1
    return False


def exit_process(code: int) -> None:
    """End the process now with ``code``: output flushed, child processes stopped, no interpreter teardown."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    _stop_children()
    os._exit(code)


def _stop_children() -> None:
    """Terminate the processes the command started with multiprocessing (the exact route's child)."""
    mp = sys.modules.get("multiprocessing")
    if mp is None:
        return
    for child in mp.active_children():
        try:
            child.kill()
        except (OSError, ValueError):
            pass


class Interrupts:
    """The SIGINT handling of one command (module docstring); a no-op outside the main thread."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.first: float | None = None
        self.deferred = False
        self.redelivering = False
        self.handling = False
        self.reported = False
        self.done = threading.Event()
        self.previous: Any = None
        self.installed = False
        self.watchdog: threading.Thread | None = None

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)
            self.installed = True
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.done.set()
        if self.watchdog is not None:
            self.watchdog.join()
        for _ in range(3):  # run a re-delivery still pending while this handler is installed (it returns)
            time.sleep(0)
        if self.installed:
            signal.signal(signal.SIGINT, self.previous)

    def handled(self) -> None:
        """The dispatcher has caught the interrupt: no more re-deliveries."""
        self.handling = True
        self.deferred = False

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() != self.pid:  # a forked child of the command
            os._exit(EXIT_INTERRUPTED)
        if self.done.is_set():
            return
        if self.redelivering:
            self.redelivering = False
        elif self.first is not None:  # a second Ctrl-C
            self._exit_now()
        else:
            self.first = time.monotonic()
            self.watchdog = threading.Thread(target=self._watch, name="gdssm-interrupt-watchdog", daemon=True)
            self.watchdog.start()
        if self.handling:
            return
        if _ignoring_frame(frame):
            self.deferred = True
            return
        self.deferred = False
        raise KeyboardInterrupt

    def _watch(self) -> None:
        assert self.first is not None
        while not self.done.wait(REDELIVER):
            if time.monotonic() - self.first > GRACE:
                self._exit_now()
            if self.deferred and not self.handling and not self.done.is_set():
                self.redelivering = True
                _thread.interrupt_main()

    def _exit_now(self) -> None:
        """Clean up and end the process with exit 130 (the command did not stop in time)."""
        if self.done.is_set() or (threading.current_thread() is not threading.main_thread() and self.handling):
            return
        discard(everything=True)
        _stop_children()
        if not self.reported:
            try:
                os.write(2, (MESSAGE + "\n").encode())
            except OSError:
                pass
        os._exit(EXIT_INTERRUPTED)
