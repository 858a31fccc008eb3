"""Magnitude pruning: exactly the smallest |w| go, per kernel or under one global threshold;
biases stay; the original is untouched; the zeros survive further training and saving."""

import numpy as np
import pytest

from artificial import Dense, LIFRecurrent, Sequential, SimpleRNN, SpikeEncoder, load_model, prune
from artificial.pruning import kernels, sparsity


def _mlp(seed=0):
    model = Sequential(seed=seed)
    model.add(Dense(30, activation="relu", input_dim=7))
    model.add(Dense(20, activation="relu"))
    model.add(Dense(3, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.build()
    model.layers[1].kernel *= 3.0        # one layer with larger weights: global differs
    model.layers[0].bias[:] = 0.5
    return model


@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.5, 0.9, 1.0])
def test_per_layer_removes_exactly_the_smallest_of_each_kernel(fraction):
    model = _mlp()
    before = model.params.copy()
    pruned = prune(model, fraction)
    np.testing.assert_array_equal(model.params, before)          # the original is untouched
    assert model.weight_mask is None
    for (name, old), (_, new) in zip(kernels(model), kernels(pruned)):
        k = int(round(fraction * old.size))
        removed = new == 0
        assert removed.sum() == k, name
        if 0 < k < old.size:
            assert np.abs(old[removed]).max() <= np.abs(old[~removed]).min()
        np.testing.assert_array_equal(new[~removed], old[~removed])
    for a, b in zip(model.get_weights()[1::2], pruned.get_weights()[1::2]):
        np.testing.assert_array_equal(a, b)                       # biases kept
    assert sparsity(pruned)["total"] == pytest.approx(
        sum(round(fraction * k.size) for _, k in kernels(model)) / (7 * 30 + 30 * 20 + 20 * 3))


def test_global_scope_uses_one_threshold_over_all_kernels():
    model = _mlp()
    pruned = prune(model, 0.6, scope="global")
    old = np.concatenate([k.ravel() for _, k in kernels(model)])
    new = np.concatenate([k.ravel() for _, k in kernels(pruned)])
    removed = new == 0
    assert removed.sum() == round(0.6 * old.size)
    assert np.abs(old[removed]).max() <= np.abs(old[~removed]).min()
    per_layer = sparsity(pruned)
    # the layer with three times larger weights loses fewer of them than the others
    assert per_layer["dense_1.kernel"] < per_layer["dense_0.kernel"]


def test_pruned_weights_stay_zero_while_training_continues_and_after_saving(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 7)), rng.integers(0, 3, 64)
    model = _mlp()
    model.fit(X, y, epochs=3, batch_size=16, verbose=0)
    pruned = prune(model, 0.8)
    zeros = pruned.weight_mask == 0
    assert np.all(pruned.params[zeros] == 0)
    kept_before = pruned.params.copy()
    pruned.fit(X, y, epochs=5, batch_size=16, verbose=0)           # Adam has momentum
    pruned.train_on_batch(X, y)
    assert np.all(pruned.params[zeros] == 0)
    assert np.any(pruned.params[~zeros] != kept_before[~zeros])    # the rest still learns
    pruned.save(tmp_path / "p.npz")
    back = load_model(tmp_path / "p.npz")
    np.testing.assert_array_equal(back.weight_mask, pruned.weight_mask)
    back.fit(X, y, epochs=2, verbose=0)
    assert np.all(back.params[zeros] == 0)
    # pruning a pruned model keeps the earlier zeros
    again = prune(back, 0.5)
    assert np.all(again.params[zeros] == 0)


def test_without_the_mask_the_same_training_would_revive_them():
    """The mask is what keeps the zeros: the same fine-tuning without it moves them."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 7)), rng.integers(0, 3, 64)
    pruned = prune(_mlp(), 0.8)
    zeros = pruned.weight_mask == 0
    assert np.all(pruned.params[zeros] == 0)
    pruned.weight_mask = None
    pruned.fit(X, y, epochs=2, batch_size=16, verbose=0)
    assert np.count_nonzero(pruned.params[zeros]) > 0.5 * zeros.sum()


def test_fully_pruned_network_outputs_what_its_biases_give():
    model = _mlp()
    pruned = prune(model, 1.0)
    X = np.random.default_rng(0).normal(size=(5, 7))
    k1, b1, k2, b2, k3, b3 = pruned.get_weights()
    h2 = np.maximum(0, b2)                 # the first layer's output cannot reach further
    z = h2 @ k3 + b3
    expected = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(pruned.predict(X), np.tile(expected, (5, 1)), rtol=1e-12)


def test_recurrent_kernels_are_pruned_too():
    rnn = Sequential([SimpleRNN(5, input_dim=3), Dense(2)], seed=0)
    rnn.build()
    names = [n for n, _ in kernels(rnn)]
    assert names == ["simple_rnn_0.kernel", "simple_rnn_0.recurrent_kernel", "dense_1.kernel"]
    snn = Sequential([SpikeEncoder(5, input_dim=3), LIFRecurrent(4, readout="count")], seed=0)
    snn.build()
    pruned = prune(snn, 0.5)
    assert [n for n in sparsity(pruned)] == ["lif_recurrent_1.kernel",
                                             "lif_recurrent_1.recurrent_kernel", "total"]
    assert sparsity(pruned)["lif_recurrent_1.recurrent_kernel"] == 0.5


@pytest.mark.parametrize("kwargs, error, match", [
    ({"fraction": 1.5}, ValueError, r"prune.fraction must be in \[0, 1\].*got 1.5"),
    ({"fraction": "half"}, TypeError, r"prune.fraction must be a real number"),
    ({"fraction": 0.5, "scope": "neuron"}, ValueError, r"prune.scope must be 'layer' or 'global'"),
])
def test_bad_arguments_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        prune(_mlp(), **kwargs)


def test_unbuilt_model_and_non_model_are_refused():
    with pytest.raises(ValueError, match="not built"):
        prune(Sequential([Dense(2)]), 0.5)
    with pytest.raises(TypeError, match="expects a Sequential, got list"):
        prune([], 0.5)


def test_pruning_example_prints_its_table(capsys):
    """examples/artificial_04_pruning.py, shortened: the weights left are the exact per-layer
    counts, the unpruned row is the trained MLP, and half the weights go at little cost."""
    import runpy
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "artificial_04_pruning.py"
    main = runpy.run_path(str(path))["main"]
    rows = main(["--epochs", "15", "--finetune", "2"])
    out = capsys.readouterr().out
    assert [r[0] for r in rows] == [0.0, 0.5, 0.8, 0.9, 0.95, 0.98]
    for f, left, acc, _tuned, _glob in rows:
        assert left == sum(n - round(f * n) for n in (64 * 128, 128 * 10))
        assert f"{100 * f:>6.0f}% {left:>13d} {100 * acc:>8.1f}%" in out
    assert rows[0][2] == rows[0][4] > 0.93                 # no pruning: per layer = global
    assert rows[1][2] > rows[0][2] - 0.05                  # 50 % of weights, little lost
    assert rows[-1][2] < rows[1][2]                        # 98 % costs accuracy
    assert rows[3][3] > rows[3][2]                          # fine-tuning recovers at 90 %
