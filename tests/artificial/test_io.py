"""Saving and loading a model: bitwise round trip, resumable training, atomic writes."""

import os

import numpy as np
import pytest

import artificial
from artificial import L2, Adam, Dense, Sequential, load_model, two_moons


def trained(seed=0):
    X, y = two_moons(80, noise=0.2, seed=0)
    m = Sequential(seed=seed)
    m.add(Dense(6, input_dim=2, activation="leaky_relu", kernel_regularizer=L2(1e-3)))
    m.add(Dense(6, activation=artificial.activations.ELU(0.5)))
    m.add(Dense(1, activation="sigmoid"))
    m.compile(loss="binary_crossentropy", optimizer=Adam(0.01), metrics=["accuracy", "f1"])
    m.fit(X, y, epochs=5, batch_size=16, verbose=0)
    return m, X, y


def test_round_trip_is_bitwise_and_training_resumes_identically(tmp_path):
    m, X, y = trained()
    path = tmp_path / "model.npz"
    m.save(path)
    back = load_model(path)
    assert np.array_equal(back.params, m.params)
    assert np.array_equal(back.predict(X), m.predict(X))
    assert back.evaluate_dict(X, y) == m.evaluate_dict(X, y)
    assert back.layers[1].activation.alpha == 0.5
    # continuing training on both gives the same weights: optimiser state and generator restored
    h1 = m.fit(X, y, epochs=3, batch_size=16, verbose=0)
    h2 = back.fit(X, y, epochs=3, batch_size=16, verbose=0)
    assert np.array_equal(back.params, m.params)
    assert h1.history == h2.history


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    m, _, _ = trained()
    path = tmp_path / "model.npz"
    m.save(path)
    before = path.read_bytes()
    saved_params = m.params.copy()
    m.params[:] += 1.0

    def broken(f, **arrays):
        f.write(b"partial garbage")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        m.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]  # no temporary file left behind
    assert np.array_equal(load_model(path).params, saved_params)


def test_save_errors_are_clear(tmp_path):
    m, _, _ = trained()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        m.save(tmp_path / "missing" / "model.npz")
    custom = Sequential()
    custom.add(Dense(2, input_dim=2, activation=lambda z: z * 2))
    custom.build()
    with pytest.raises(ValueError, match="custom activation"):
        custom.save(tmp_path / "c.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="not a saved artificial model"):
        load_model(tmp_path / "other.npz")
