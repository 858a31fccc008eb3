"""Durable results for both families: atomic file writes and Ctrl-C at a safe point.

``neurosim`` and ``artificial`` never import each other (each can be used on its own), but they
share these two small mechanisms, so both import them from here. Nothing here needs more
than the standard library.

- :func:`atomic_write`: a file is written to a temporary file in the same folder, flushed and
  fsynced, then renamed over the target, so a crash, a full disk or a Ctrl-C never leaves a
  half-written file where the old one was.
- :class:`DeferredInterrupt`: within ``with``, the first Ctrl-C only sets ``requested``, so a
  long loop (a simulation run, a training epoch) stops at its next safe point with consistent
  state; a second Ctrl-C raises at once.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading

__all__ = ["atomic_write", "DeferredInterrupt"]


def atomic_write(path, write) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, fsync it, then rename it to
    ``path``.

    On any error (including ``KeyboardInterrupt``) the temporary file is removed and ``path``
    is untouched; a process killed outright (``SIGKILL``, power loss) may leave a hidden
    ``.<name>.*.tmp`` file behind, but never a half-written ``path``.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path!r}: folder {folder!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


class DeferredInterrupt:
    """Within ``with``: the first Ctrl-C (SIGINT) only sets ``requested``, which the caller
    checks at its safe points; a second one raises :class:`KeyboardInterrupt` at once.

    Another Python handler (Brian2 installs one when imported) is set aside for the block and
    put back after it; nothing is done outside the main thread or when SIGINT is ignored or
    left to the operating system.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) not in (signal.SIG_IGN, signal.SIG_DFL, None):
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        return False
