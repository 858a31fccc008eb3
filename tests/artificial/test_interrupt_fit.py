"""Ctrl-C during ``fit``: training stops cleanly, the history so far is kept, and
``EarlyStopping(restore_best_weights=True)`` puts the best weights back."""

import os
import signal

import numpy as np
import pytest

from artificial import Adam, Callback, Dense, EarlyStopping, Sequential, two_moons

needs_default_handler = pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, signal.SIG_DFL),
    reason="SIGINT is ignored or left to the system")


def _model(seed=0):
    model = Sequential(seed=seed)
    model.add(Dense(64, input_dim=2, activation="tanh"))
    model.add(Dense(64, activation="tanh"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer=Adam(0.03), metrics=["accuracy"])
    return model


class InterruptAt(Callback):
    """Raise KeyboardInterrupt (or send a real SIGINT) at the end of epoch ``epoch``."""

    def __init__(self, epoch, real_signal=False):
        self.epoch = epoch
        self.real_signal = real_signal
        self.params_at_interrupt = None

    def on_epoch_end(self, model, epoch, logs):
        if epoch == self.epoch:
            self.params_at_interrupt = model.params.copy()
            if self.real_signal:
                os.kill(os.getpid(), signal.SIGINT)
            else:
                raise KeyboardInterrupt


def test_ctrl_c_keeps_history_and_restores_best_weights():
    X, y = two_moons(80, noise=0.35, seed=3)
    model = _model()
    stop = EarlyStopping(monitor="val_loss", patience=1000, restore_best_weights=True)
    ctrl_c = InterruptAt(60)
    history = model.fit(X, y, epochs=500, batch_size=16, verbose=0, validation_split=0.25,
                        callbacks=[stop, ctrl_c], warn_dead_units=False)
    assert history.interrupted and history.stopped_epoch is None
    assert history.epoch == list(range(61))
    assert all(len(v) == 61 for v in history.history.values())
    best = int(np.argmin(history["val_loss"]))
    assert best < 60  # the net overfits: the best epoch is not the last one ...
    assert not np.array_equal(model.params, ctrl_c.params_at_interrupt)
    np.testing.assert_array_equal(model.params, stop.best_params)  # ... and is put back
    X_val, y_val = X[60:], y[60:]
    assert model.evaluate_dict(X_val, y_val)["loss"] == pytest.approx(
        history["val_loss"][best], rel=1e-12)


def test_without_early_stopping_the_last_weights_stay():
    X, y = two_moons(40, noise=0.3, seed=1)
    model = _model()
    ctrl_c = InterruptAt(4)
    history = model.fit(X, y, epochs=50, batch_size=8, verbose=0, callbacks=[ctrl_c],
                        warn_dead_units=False)
    assert history.interrupted and len(history.epoch) == 5
    np.testing.assert_array_equal(model.params, ctrl_c.params_at_interrupt)
    again = model.fit(X, y, epochs=2, batch_size=8, verbose=0, warn_dead_units=False)
    assert not again.interrupted and len(again.epoch) == 2


@needs_default_handler
def test_real_sigint_at_an_epoch_end_stops_after_that_epoch():
    handler = signal.getsignal(signal.SIGINT)
    X, y = two_moons(40, noise=0.3, seed=1)
    model = _model()
    history = model.fit(X, y, epochs=50, batch_size=8, verbose=0,
                        callbacks=[InterruptAt(2, real_signal=True)], warn_dead_units=False)
    assert history.interrupted and history.epoch == [0, 1, 2]
    assert signal.getsignal(signal.SIGINT) is handler


@needs_default_handler
def test_real_sigint_mid_epoch_finishes_the_batch_update_then_stops(monkeypatch):
    X, y = two_moons(64, noise=0.3, seed=1)
    model = _model()
    steps = []
    original = type(model.optimizer).step

    def step(self, params, grads):
        original(self, params, grads)
        steps.append(params.copy())
        if len(steps) == 5:
            os.kill(os.getpid(), signal.SIGINT)
    monkeypatch.setattr(type(model.optimizer), "step", step)
    history = model.fit(X, y, epochs=10, batch_size=8, verbose=0, warn_dead_units=False)
    assert history.interrupted and history.epoch == []  # epoch 0 was not completed
    assert len(steps) == 5  # the fifth update was applied whole, no sixth one began
    np.testing.assert_array_equal(model.params, steps[-1])
