"""The training loop: mini-batch gradient descent with history, validation and early stopping.

One epoch, in order: shuffle the training rows with the model's seeded generator (unless
``shuffle=False``); for each batch of ``batch_size`` rows run forward propagation, back
propagation and one optimiser step; then evaluate on the validation data, record the epoch's
logs in the :class:`History`, and call each callback's ``on_epoch_end``.

The training loss and metrics reported for an epoch are sample-weighted means over its batches,
each computed before that batch's update (Keras reports the same quantity).
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from nsdurable import DeferredInterrupt, progress_bar

from ._validation import prepare_targets

if TYPE_CHECKING:
    from .models import Sequential

__all__ = ["History", "Callback", "EarlyStopping", "LearningRateScheduler", "fit"]


class History:
    """What ``fit`` returns: ``history[name]`` is a list with one value per epoch.

    Attributes
    ----------
    history : dict of str -> list of float
        ``loss``, each compiled metric, and ``val_*`` of each when validating.
    epoch : list of int
        The epochs run (0-based).
    dead_units : dict
        ReLU units dead on the training data at the end, ``{layer name: unit indices}``.
    stopped_epoch : int or None
        The epoch at which early stopping ended training, if it did.
    interrupted : bool
        True when Ctrl-C (``KeyboardInterrupt``) ended training: the history holds the
        epochs completed before it, the callbacks' ``on_train_end`` ran (so
        ``EarlyStopping(restore_best_weights=True)`` put the best weights back).
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.dead_units: dict = {}
        self.stopped_epoch = None
        self.interrupted = False

    def _append(self, epoch, logs):
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


class Callback:
    """Base class for objects called at the start and end of each epoch. Set
    ``model.stop_training`` to end training."""

    def on_train_begin(self, model: Sequential) -> None:
        pass

    def on_epoch_begin(self, model: Sequential, epoch: int) -> None:
        pass

    def on_epoch_end(self, model: Sequential, epoch: int, logs: dict[str, float]) -> None:
        pass

    def on_train_end(self, model: Sequential) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs; optionally put back the weights of the best epoch.

    Parameters
    ----------
    monitor : str
        A key of the epoch logs (``val_loss`` by default; ``loss`` without validation data).
    patience : int
        Epochs without improvement to wait.
    min_delta : float
        Smallest change counted as an improvement.
    mode : {"auto", "min", "max"}
        ``auto`` maximises accuracy-like keys and minimises the rest.
    restore_best_weights : bool
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = False) -> None:
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 0:
            raise ValueError(f"EarlyStopping.patience must be an integer >= 0, got {patience!r}")
        if not isinstance(monitor, str):
            raise TypeError(f"EarlyStopping.monitor must be the name of a logged value (a "
                            f"string), got {monitor!r}")
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float, np.integer,
                                                                     np.floating)):
            raise TypeError(f"EarlyStopping.min_delta must be a number >= 0, got {min_delta!r}")
        if not (math.isfinite(min_delta) and min_delta >= 0):
            raise ValueError(f"EarlyStopping.min_delta must be a finite number >= 0, got "
                             f"{min_delta!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping.mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        if mode == "auto":
            mode = "max" if any(s in monitor for s in ("acc", "precision", "recall", "f1")) else "min"
        self.mode = mode
        self.restore_best_weights = bool(restore_best_weights)

    def on_train_begin(self, model):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None
        self.best_params = None
        self.wait = 0
        self.stopped_epoch = None

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, model, epoch, logs):
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping.monitor={self.monitor!r} is not among the logged "
                           f"values: {', '.join(logs)}")
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_params = model.params.copy()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            model.stop_training = True

    def on_train_end(self, model):
        if self.restore_best_weights and self.best_params is not None:
            model.params[...] = self.best_params


class LearningRateScheduler(Callback):
    """Set the optimiser's learning rate at the start of every epoch to
    ``schedule(epoch, current_rate)`` (``epoch`` counted from 0 within this ``fit``), as Keras'
    ``LearningRateScheduler`` does; ``rates`` lists the rate each epoch used.

    Example: ``LearningRateScheduler(lambda epoch, lr: 0.01 * 0.9 ** epoch)``.
    """

    def __init__(self, schedule) -> None:
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler.schedule must be a function (epoch, lr) -> "
                            f"lr, got {type(schedule).__name__}")
        self.schedule = schedule

    def on_epoch_begin(self, model, epoch):
        lr = self.schedule(epoch, model.optimizer.learning_rate)
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.integer, np.floating)) \
                or not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"LearningRateScheduler.schedule returned {lr!r} for epoch {epoch}; "
                             "a learning rate must be a finite number > 0")
        model.optimizer.learning_rate = float(lr)
        self.rates.append(float(lr))

    def on_train_begin(self, model):
        self.rates = []


def _split_validation(model, X, y, validation_split, validation_data):
    if validation_data is not None:
        if validation_split:
            raise ValueError("fit: give validation_split or validation_data, not both")
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("fit: validation_data must be a pair (X_val, y_val)")
        return X, y, validation_data
    if not validation_split:
        return X, y, None
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"fit: validation_split must be in (0, 1), got {validation_split}")
    # Keras takes the *last* fraction of the rows, before any shuffling.
    n_val = int(round(X.shape[0] * validation_split))
    if n_val == 0 or n_val == X.shape[0]:
        raise ValueError(f"fit: validation_split={validation_split} of {X.shape[0]} samples leaves "
                         "an empty training or validation set")
    cut = X.shape[0] - n_val
    return X[:cut], y[:cut], (X[cut:], y[cut:])


def fit(model: Sequential, X: npt.ArrayLike, y: npt.ArrayLike, *, epochs: int = 1,
        batch_size: int | None = None, verbose: int = 1, validation_split: float = 0.0,
        validation_data: tuple[npt.ArrayLike, npt.ArrayLike] | None = None, shuffle: bool = True,
        callbacks: Sequence[Callback] | None = None, warn_dead_units: bool = True) -> History:
    """Train ``model`` on ``(X, y)``; every argument is checked before any weight changes.

    Parameters
    ----------
    epochs : int
        Passes over the training data.
    batch_size : int, optional
        Rows per gradient step (Keras' default 32; a batch larger than the data is the whole
        data, i.e. full-batch gradient descent).
    verbose : {0, 1, 2}
        0 silent, 1 a progress bar over epochs, 2 one line per epoch.
    validation_split, validation_data
        Held-out data evaluated after every epoch (``val_loss``, ``val_<metric>``).
    shuffle : bool
        Shuffle rows every epoch with the model's seeded generator.
    callbacks : list of Callback
    warn_dead_units : bool
        Warn (:class:`~artificial.models.DeadUnitsWarning`) when ReLU units end up dead.

    Raises
    ------
    FloatingPointError
        When the loss becomes NaN or infinite, naming the epoch and batch.

    Notes
    -----
    Ctrl-C stops training cleanly instead of raising: the first one is honoured after the
    current batch's update (a second one interrupts at once), a ``KeyboardInterrupt`` raised
    by a callback is honoured where it is raised. ``fit`` then returns the history of the
    completed epochs with ``history.interrupted = True``, after the callbacks' ``on_train_end``
    (so ``EarlyStopping(restore_best_weights=True)`` restores the best weights seen).
    """
    from .models import DeadUnitsWarning

    model._require_compiled("fit")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs <= 0:
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    if batch_size is None:
        batch_size = 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"fit: batch_size must be a positive integer, got {batch_size!r}")
    if verbose not in (0, 1, 2):
        raise ValueError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
    callbacks = list(callbacks or [])
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"fit: callbacks must be Callback objects, got {type(cb).__name__}")

    X = model._as_input(X, "X")
    model._check_ready(X)
    y_arr = prepare_targets(y, model.loss, model.output_dim, X.shape[0], model.dtype)
    X_tr, y_tr, val = _split_validation(model, X, y_arr, validation_split, validation_data)
    X_val = y_val = None
    if val is not None:
        X_val = model._as_input(val[0], "validation X")
        if X_val.shape[-1] != X.shape[-1]:
            raise ValueError(f"validation X has {X_val.shape[-1]} features, X has {X.shape[-1]}")
        y_val = prepare_targets(val[1], model.loss, model.output_dim, X_val.shape[0], model.dtype)
    for cb in callbacks:
        if isinstance(cb, EarlyStopping) and cb.monitor.startswith("val_") and val is None:
            raise ValueError(f"EarlyStopping monitors {cb.monitor!r} but fit has no validation "
                             "data: pass validation_split/validation_data or monitor='loss'")

    history = History()
    model.stop_training = False
    n = X_tr.shape[0]
    bs = min(batch_size, n)
    metrics = model.metrics
    order = np.arange(n)
    bar = None
    if verbose == 1:
        bar = progress_bar(total=epochs, unit="epoch", desc="training", file=sys.stderr, leave=True)
    for cb in callbacks:
        cb.on_train_begin(model)
    sigint = DeferredInterrupt()
    try:
        with sigint:
            _epochs(model, callbacks, history, sigint, bar, verbose, epochs, shuffle, n, bs,
                    metrics, order, X_tr, y_tr, val, X_val, y_val)
    except KeyboardInterrupt:
        history.interrupted = True
        if verbose:
            print(f"training interrupted after {len(history.epoch)} complete epoch(s)",
                  file=sys.stderr)
    finally:
        if bar is not None:
            bar.close()
    for cb in callbacks:
        cb.on_train_end(model)
    history.dead_units = model._dead_units(X_tr)
    if warn_dead_units and history.dead_units:
        desc = "; ".join(f"{name}: units {list(map(int, idx))} of "
                         f"{next(l.units for l in model.layers if l.name == name)}"
                         for name, idx in history.dead_units.items())
        warnings.warn(f"dead ReLU units after training (output 0 for every training sample, so "
                      f"they receive no gradient): {desc}. Try another seed, more units, "
                      "leaky_relu, or a smaller learning rate.", DeadUnitsWarning, stacklevel=3)
    return history


def _epochs(model, callbacks, history, sigint, bar, verbose, epochs, shuffle, n, bs, metrics,
            order, X_tr, y_tr, val, X_val, y_val):
    """The epoch loop of :func:`fit`."""
    for epoch in range(epochs):
        for cb in callbacks:
            cb.on_epoch_begin(model, epoch)
        if shuffle:
            order = model.rng.permutation(n)
        loss_sum = 0.0
        metric_sums = [0.0] * len(metrics)
        for start in range(0, n, bs):
            idx = order[start:start + bs]
            xb, yb = X_tr[idx], y_tr[idx]
            trace = model._forward_trace(xb, training=True)
            loss = model.backward(trace, yb)
            if not math.isfinite(loss):
                raise FloatingPointError(
                    f"fit: the loss became {loss} at epoch {epoch + 1} (batch "
                    f"{start // bs + 1}); the step size is probably too large: try a smaller "
                    f"learning rate (now {model.optimizer.learning_rate})"
                    + (", or a smaller surrogate scale or weight initialisation in the spiking "
                       "layers" if model.spiking else ""))
            m = xb.shape[0]
            loss_sum += loss * m
            for i, metric in enumerate(metrics):
                metric_sums[i] += metric(yb, trace.output) * m
            model._update()
            if sigint.requested:
                raise KeyboardInterrupt
        logs = {"loss": loss_sum / n}
        for metric, s in zip(metrics, metric_sums):
            logs[metric.name] = s / n
        if val is not None:
            for k, v in model.evaluate_dict(X_val, y_val).items():
                logs["val_" + k] = v
        history._append(epoch, logs)
        if bar is not None:
            bar.update(1)
            bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
        elif verbose == 2:
            print(f"epoch {epoch + 1}/{epochs} - "
                  + " - ".join(f"{k}: {v:.4g}" for k, v in logs.items()), file=sys.stderr)
        for cb in callbacks:
            cb.on_epoch_end(model, epoch, logs)
        if model.stop_training:
            history.stopped_epoch = epoch
            break
        if sigint.requested:
            raise KeyboardInterrupt
