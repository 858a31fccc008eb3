"""Durable results for both families: atomic file writes, Ctrl-C at a safe point, and a
progress bar that works in terminals and notebooks alike.

``neurosim`` and ``artificial`` never import each other (each can be used on its own), but they
share these small mechanisms, so both import them from here. Importing this module needs only
the standard library (:func:`progress_bar` imports tqdm, a project dependency, when called).

- :func:`atomic_write`: a file is written to a temporary file in the same folder, flushed and
  fsynced, then renamed over the target, so a crash, a full disk or a Ctrl-C never leaves a
  half-written file where the old one was. The file gets the permissions ``open(path, "w")``
  would give it: those of the file it replaces, else ``0o666`` less the process's umask.
- :class:`DeferredInterrupt`: within ``with``, the first Ctrl-C only sets ``requested``, so a
  long loop (a simulation run, a training epoch) stops at its next safe point with consistent
  state; a second Ctrl-C raises at once.
- :func:`progress_bar`: a tqdm bar, the notebook widget in a Jupyter kernel that has ipywidgets
  (``pip install neurosim[notebook]``), the text bar everywhere else. Unlike ``tqdm.auto`` it
  never warns ``IProgress not found`` in a notebook without ipywidgets.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading

__all__ = ["atomic_write", "DeferredInterrupt", "progress_bar"]


def atomic_write(path, write) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, fsync it, then rename it to
    ``path``.

    The file's permissions are those ``open(path, "w")`` gives: the replaced file's, or
    ``0o666 & ~umask`` for a new file (not the ``0o600`` of :func:`tempfile.mkstemp`).

    On any error (including ``KeyboardInterrupt``) the temporary file is removed and ``path``
    is untouched; a process killed outright (``SIGKILL``, power loss) may leave a hidden
    ``.<name>.*.tmp`` file behind, but never a half-written ``path``.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path!r}: folder {folder!r} does not exist")
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):  # mkstemp made it 0o600; give what open() would give
                os.fchmod(f.fileno(), mode)
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


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:  # Linux >= 4.7: thread-safe
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: the only portable way is to set it and put it back
    os.umask(mask)
    return mask


def _mode_for(path) -> int:
    """Permission bits ``open(path, "w")`` would leave ``path`` with."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


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


def _in_notebook() -> bool:
    """True inside a Jupyter kernel that draws widgets (notebook, JupyterLab, VS Code, Colab);
    False in a terminal, IPython, qtconsole and Spyder, which show text only."""
    if "ipykernel.zmqshell" not in sys.modules:
        return False
    return not any(k == "QT_API" or k.startswith("SPYDER") for k in os.environ)


def progress_bar(**kwargs):
    """A tqdm progress bar, ``tqdm(**kwargs)``, that suits where it is drawn.

    In a Jupyter kernel with ipywidgets installed it is tqdm's notebook widget; everywhere else
    (terminals, files, notebooks without ipywidgets) it is tqdm's text bar, which a notebook
    shows as text. ``tqdm.auto`` instead warns "IProgress not found" in a notebook without
    ipywidgets.
    """
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401
        except ImportError:
            pass
        else:
            from tqdm.notebook import tqdm as notebook_tqdm

            return notebook_tqdm(**kwargs)
    from tqdm.std import tqdm

    return tqdm(**kwargs)
