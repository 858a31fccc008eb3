"""Bad input gets a clear error before any weight changes."""

import numpy as np
import pytest

from artificial import Dense, EarlyStopping, Sequential, activations, initializers, metrics, xor


def model_for(loss="binary_crossentropy", out=1, out_act="sigmoid"):
    m = Sequential(seed=0)
    m.add(Dense(4, input_dim=2, activation="relu"))
    m.add(Dense(out, activation=out_act))
    m.compile(loss=loss, optimizer="adam")
    return m


def assert_untouched(model, call, exc, match):
    before = model.params.copy()
    with pytest.raises(exc, match=match):
        call()
    assert np.array_equal(model.params, before), "weights changed before the error"


def test_wrong_feature_count_names_expected_and_received():
    m = model_for()
    assert_untouched(m, lambda: m.fit(np.zeros((4, 3)), np.zeros(4), verbose=0), ValueError,
                     r"X has 3 features per sample, expected 2")


def test_one_dimensional_x():
    m = model_for()
    assert_untouched(m, lambda: m.fit(np.zeros(4), np.zeros(4), verbose=0), ValueError,
                     r"X must be 2-D .* got shape \(4,\)")


def test_sample_count_mismatch():
    m = model_for()
    assert_untouched(m, lambda: m.fit(np.zeros((4, 2)), np.zeros(3), verbose=0), ValueError,
                     r"y has 3 samples but X has 4")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_data(bad):
    m = model_for()
    X, y = xor()
    X[2, 1] = bad
    assert_untouched(m, lambda: m.fit(X, y, verbose=0), ValueError,
                     r"X contains NaN or inf \(first at row 2, column 1\)")
    X, y = xor()
    y[1, 0] = bad
    assert_untouched(m, lambda: m.fit(X, y, verbose=0), ValueError, r"y contains NaN or inf")


def test_labels_out_of_range():
    m = model_for("sparse_categorical_crossentropy", out=3, out_act="softmax")
    assert_untouched(m, lambda: m.fit(np.zeros((3, 2)), np.array([0, 1, 3]), verbose=0),
                     ValueError, r"labels must be in \[0, 2\] .* got labels from 0 to 3")
    assert_untouched(m, lambda: m.fit(np.zeros((3, 2)), np.array([0, 1.5, 2]), verbose=0),
                     ValueError, r"integer class labels")
    b = model_for()
    assert_untouched(b, lambda: b.fit(np.zeros((2, 2)), np.array([0, 2]), verbose=0),
                     ValueError, r"targets in \[0, 1\]")


def test_integer_labels_with_categorical_crossentropy_get_a_hint():
    m = model_for("categorical_crossentropy", out=3, out_act="softmax")
    assert_untouched(m, lambda: m.fit(np.zeros((3, 2)), np.array([0, 1, 2]), verbose=0),
                     ValueError, r"shape \(3, 3\) .* got shape \(3,\).*sparse_categorical")


@pytest.mark.parametrize("kwargs, match", [
    ({"epochs": 0}, r"epochs must be a positive integer, got 0"),
    ({"batch_size": 0}, r"batch_size must be a positive integer, got 0"),
    ({"batch_size": -8}, r"batch_size must be a positive integer, got -8"),
    ({"batch_size": 2.5}, r"batch_size must be a positive integer, got 2.5"),
    ({"verbose": 3}, r"verbose must be 0, 1 or 2"),
    ({"validation_split": 1.5}, r"validation_split must be in \(0, 1\)"),
])
def test_bad_fit_arguments(kwargs, match):
    m = model_for()
    X, y = xor()
    assert_untouched(m, lambda: m.fit(X, y, **{"verbose": 0, **kwargs}), ValueError, match)


def test_early_stopping_on_val_loss_without_validation_data():
    m = model_for()
    X, y = xor()
    assert_untouched(m, lambda: m.fit(X, y, verbose=0, callbacks=[EarlyStopping()]), ValueError,
                     r"monitors 'val_loss' but fit has no validation data")


@pytest.mark.parametrize("module, kind", [(activations, "activation"), (initializers, "initializer")])
def test_unknown_names_list_the_valid_ones(module, kind):
    with pytest.raises(ValueError, match=rf"unknown {kind} 'swish'; valid names: "
                                         + ", ".join(module.names())):
        module.get("swish")
    with pytest.raises(ValueError, match=r"unknown metric 'auc'; valid names: acc, accuracy, f1"):
        metrics.get("auc")


def test_unknown_names_at_the_keras_surface():
    with pytest.raises(ValueError, match="unknown activation 'relu6'"):
        Dense(3, activation="relu6")
    m = Sequential()
    m.add(Dense(1, input_dim=2))
    with pytest.raises(ValueError, match="unknown loss 'crossentropy'"):
        m.compile(loss="crossentropy", optimizer="adam")
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'"):
        m.compile(loss="mse", optimizer="adagrad")


@pytest.mark.parametrize("units", [0, -3, 2.0, True])
def test_bad_units(units):
    with pytest.raises(ValueError, match=r"Dense.units must be a positive integer"):
        Dense(units)


def test_layer_size_mismatch_and_missing_input_dim():
    m = Sequential()
    m.add(Dense(4, input_dim=2))
    with pytest.raises(ValueError, match=r"input_dim=3 does not match the previous layer's 4 units"):
        m.add(Dense(1, input_dim=3))
    with pytest.raises(RuntimeError, match=r"compile"):
        m.fit(np.zeros((2, 2)), np.zeros(2), verbose=0)
    with pytest.raises(ValueError, match="no layers"):
        Sequential().predict(np.zeros((1, 2)))


def test_set_weights_checks_shapes_and_values():
    m = model_for()
    w = m.get_weights()
    with pytest.raises(ValueError, match=r"dense_0.kernel must have shape \(2, 4\), got \(4, 2\)"):
        m.set_weights([w[0].T] + w[1:])
    w[2][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"dense_1.kernel contains NaN"):
        m.set_weights(w)
