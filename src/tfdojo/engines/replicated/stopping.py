"""Stop a worker at once on SIGINT or SIGTERM, even while TensorFlow holds the main thread.

Three things kept a multi-worker process from stopping (TensorFlow 2.21):

- Python runs signal handlers in the main thread, between bytecodes. A worker spends long
  stretches inside one TensorFlow call: every all-reduce waits for the other workers (up
  to ``--collective-timeout``). A Ctrl-C was noticed only when that call returned.
- While it starts the strategy, TensorFlow even holds Python's global lock (GIL): no
  Python code runs at all, in any thread. So the long wait for the other workers now
  happens before, in Python (:mod:`~tfdojo.engines.replicated.rendezvous`), and TensorFlow's own
  start-up lasts a second or so.
- TensorFlow's coordination service installs its own SIGTERM handler as the strategy
  starts (a preemption notice: it records the time and nothing else), so ``kill PID`` did
  nothing at all.

:class:`StopGuard`, from the strategy's start to :meth:`Distribution.close`:

- blocks SIGINT and SIGTERM in the main thread, so every thread TensorFlow starts from then
  on blocks them too, and a helper thread takes them (``sigtimedwait``). A thread that
  existed before (OpenBLAS's pool, with ``--threads`` > 1) may still take one: Python's
  handler then runs there and writes the signal's number to a socket the helper also
  watches (``signal.set_wakeup_fd``); after TensorFlow's start-up, Python's SIGTERM handler
  is installed again (:meth:`StopGuard.take_signals`);
- while the main thread waits inside TensorFlow (``with guard.waiting(...)``), nothing is
  being written, so the helper ends the process itself: it calls ``on_stop`` (which
  removes the worker's temporary folder), prints one line and exits with 128 + the
  signal's number, without waiting for TensorFlow;
- otherwise the main thread runs Python (checkpointing, validating): the signal becomes a
  ``KeyboardInterrupt`` there, as a Ctrl-C does, so ``finally`` blocks run.

One gap remains, TensorFlow's: a SIGTERM in the second or so of TensorFlow's start-up that
lands on a thread older than the guard (OpenBLAS's, with ``--threads`` > 1) meets
TensorFlow's handler and is lost. SIGINT has no such gap.
"""

from __future__ import annotations

import _thread
import atexit
import contextlib
import os
import select
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopGuard:
    """SIGINT/SIGTERM handling for one worker process; create and close it in the main thread
    (elsewhere, e.g. a thread of a notebook, it does nothing: only the main thread may
    install signal handlers).

    Args:
        worker: the name in the line printed when it stops the process (``"worker 1"``).
        on_stop: called before the process ends inside a wait (remove temporary files).
    """

    def __init__(self, worker: str, on_stop: Callable[[], None] = lambda: None):
        self.worker = worker
        self.on_stop = on_stop
        self._lock = threading.Lock()
        self._waiting: str | None = None  # what the main thread waits for inside TensorFlow
        self._closed = threading.Event()
        if threading.current_thread() is not threading.main_thread():
            self._closed.set()
            return
        self._old_handlers = {s: signal.getsignal(s) for s in SIGNALS}
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        # Blocked here, before TensorFlow starts its threads: they inherit the mask.
        self._old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        self.take_signals()
        self._old_wakeup = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._thread = threading.Thread(target=self._watch, name="tfdojo-stop", daemon=True)
        self._thread.start()

    def take_signals(self) -> None:
        """(Re)install the Python handlers: after the strategy starts, TensorFlow's
        coordination service owns SIGTERM."""
        if self._closed.is_set():
            return
        for s in SIGNALS:
            signal.signal(s, _interrupt)

    @contextlib.contextmanager
    def waiting(self, what: str) -> Iterator[None]:
        """The main thread waits inside TensorFlow: a signal ends the process at once.

        ``what`` completes the line printed then, e.g. ``"while waiting for the other
        workers to start"``.
        """
        with self._lock:
            self._waiting = what
        try:
            yield
        finally:
            with self._lock:
                self._waiting = None

    def close(self) -> None:
        """Stop the helper thread and restore the handlers and mask found at creation."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._thread.join()
        signal.set_wakeup_fd(self._old_wakeup)
        for s, handler in self._old_handlers.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, self._old_mask)
        self._read.close()
        self._write.close()

    def _watch(self) -> None:
        """The helper thread: take each signal, from either path, until closed."""
        while not self._closed.is_set():
            ready, _, _ = select.select([self._read], [], [], 0.1)
            if ready:  # Python's handler ran in another thread (the main one will raise)
                with contextlib.suppress(BlockingIOError):
                    for signum in self._read.recv(64):
                        if signum in SIGNALS:
                            self._on_signal(signum, raised=True)
            info = signal.sigtimedwait(SIGNALS, 0)  # blocked everywhere else: it lands here
            if info is not None:
                self._on_signal(info.si_signo, raised=False)

    def _on_signal(self, signum: int, raised: bool) -> None:
        with self._lock:
            if self._waiting is not None:
                self._stop_process(signum)
        if not raised:
            _thread.interrupt_main(signum)  # KeyboardInterrupt in the main thread

    def _stop_process(self, signum: int) -> None:
        """End the process now; called with the lock held, so the main thread cannot leave
        its wait meanwhile.

        A normal exit would first run the ``atexit`` functions (TensorFlow's autograph
        removes the ``__autograph_generated_file*.py`` it wrote to the temporary folder),
        then tear TensorFlow down, which waits for the other workers. Only the first part
        is done here.
        """
        with contextlib.suppress(Exception):
            self.on_stop()
        name = signal.Signals(signum).name
        sys.stdout.flush()
        sys.stderr.write(
            f"tfdojo: {self.worker}: interrupted ({name}) {self._waiting}; "
            "nothing half-written was left behind\n"
        )
        sys.stderr.flush()
        atexit._run_exitfuncs()
        os._exit(128 + signum)


def _interrupt(signum, frame):
    """SIGINT and SIGTERM alike, in the main thread: stop as Ctrl-C does."""
    raise KeyboardInterrupt
