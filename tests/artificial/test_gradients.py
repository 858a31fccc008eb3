"""Back propagation against central finite differences, in float64.

For every activation (in both hidden layers) and every loss, a 3-layer network's analytic
gradient of the batch loss must match the numerical one to a relative error <= 1e-6
(``||g - g_fd|| / max(||g||, ||g_fd||)`` over all parameters).
"""

import numpy as np
import pytest
from _finite_differences import numeric_gradient  # tests/artificial/ helper

from artificial import Dense, Sequential, activations, losses
from artificial.activations import Activation, _sigmoid, _sigmoid_d
from artificial.models import ForwardTrace  # noqa: F401  (the trace type backward consumes)

ACTIVATIONS = activations.names()
LOSSES = ["mse", "half_mse", "binary_crossentropy", "categorical_crossentropy",
          "sparse_categorical_crossentropy"]

# A sigmoid the model does not recognise as "sigmoid", to exercise the unfused (probability) path
# of the cross-entropy.
plain_sigmoid = Activation("plain_sigmoid", _sigmoid, _sigmoid_d)
plain_softmax = activations.Softmax()
plain_softmax.name = "plain_softmax"


def _net(hidden, loss, rng_seed, fused=True):
    rng = np.random.default_rng(rng_seed)
    n, d, k = 5, 3, 3
    X = rng.normal(size=(n, d))
    if loss in ("mse", "half_mse"):
        out, y = hidden, rng.normal(size=(n, k))
    elif loss == "binary_crossentropy":
        out = "sigmoid" if fused else plain_sigmoid
        y = rng.uniform(0.05, 0.95, size=(n, k))
    elif loss == "categorical_crossentropy":
        out = "softmax" if fused else plain_softmax
        y = np.eye(k)[rng.integers(0, k, n)]
    else:
        out = "softmax" if fused else plain_softmax
        y = rng.integers(0, k, n)
    model = Sequential(seed=rng_seed)
    model.add(Dense(4, input_dim=d, activation=hidden, kernel_initializer="random_normal"))
    model.add(Dense(4, activation=hidden))
    model.add(Dense(k, activation=out))
    model.compile(loss=loss, optimizer="sgd")
    # Make the weights large enough that every layer matters.
    model.params[:] = rng.normal(scale=0.8, size=model.params.size)
    return model, X, y


def _check(model, X, y, tol=1e-6, h=1e-6):
    loss, grads = model.gradients(X, y)
    analytic = np.concatenate([np.concatenate([gk.ravel(), gb.ravel()]) for gk, gb in grads])
    numeric = numeric_gradient(model, X, y, h)
    assert np.isfinite(loss)
    rel = np.linalg.norm(analytic - numeric) / max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    assert rel <= tol, f"relative gradient error {rel:.3e}"
    return rel


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("hidden", ACTIVATIONS)
def test_backprop_matches_finite_differences(hidden, loss):
    model, X, y = _net(hidden, loss, rng_seed=3)
    _check(model, X, y)


@pytest.mark.parametrize("loss", ["binary_crossentropy", "categorical_crossentropy",
                                  "sparse_categorical_crossentropy"])
def test_unfused_cross_entropy_path_matches_finite_differences(loss):
    model, X, y = _net("tanh", loss, rng_seed=4, fused=False)
    assert not model._fused()
    _check(model, X, y)


def test_fused_path_is_used_for_sigmoid_and_softmax_outputs():
    model, _, _ = _net("tanh", "binary_crossentropy", rng_seed=1)
    assert model._fused()
    model, _, _ = _net("tanh", "categorical_crossentropy", rng_seed=1)
    assert model._fused()


def test_l1_l2_penalties_are_in_the_gradient():
    from artificial import L1L2

    rng = np.random.default_rng(0)
    model = Sequential(seed=0)
    model.add(Dense(4, input_dim=3, activation="tanh", kernel_regularizer=L1L2(0.01, 0.02)))
    model.add(Dense(1, activation="sigmoid", bias_regularizer=L1L2(0.0, 0.05)))
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    model.params[:] = rng.normal(size=model.params.size)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, (6, 1))
    _check(model, X, y)
    # and the penalty is really there: the loss exceeds the unpenalised one by exactly it
    k = model.layers[0].kernel
    expected = 0.01 * np.abs(k).sum() + 0.02 * (k ** 2).sum() + 0.05 * model.layers[1].bias[0] ** 2
    bare = losses.get("binary_crossentropy").value_from_logits(
        y.astype(float), model.forward_trace(X).zs[-1])
    assert model.evaluate_dict(X, y)["loss"] - bare == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n != "softmax"])
def test_activation_derivative_matches_finite_differences(name):
    act = activations.get(name)
    z = np.linspace(-4, 4, 161) + 0.013  # avoid the kinks at exactly 0
    h = 1e-6
    numeric = (act.forward(z + h) - act.forward(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z), numeric, rtol=1e-7, atol=1e-9)


def test_softmax_backward_is_the_jacobian_vector_product():
    z = np.array([[0.3, -1.2, 2.0, 0.1]])
    a = activations.softmax.forward(z)
    jac = np.diag(a[0]) - np.outer(a[0], a[0])
    g = np.array([[0.5, -1.0, 0.25, 2.0]])
    np.testing.assert_allclose(activations.softmax.backward(z, a, g)[0], jac.T @ g[0], rtol=1e-14)


def test_a_plain_callable_activation_gets_a_numerical_derivative():
    def cube(z):
        return z ** 3 / 3.0

    act = activations.get(cube)
    z = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(act.derivative(z), z ** 2, rtol=1e-8, atol=1e-10)
    model = Sequential(seed=0)
    model.add(Dense(3, input_dim=2, activation=cube))
    model.add(Dense(1))
    model.compile(loss="mse", optimizer="sgd")
    rng = np.random.default_rng(1)
    _check(model, rng.normal(size=(4, 2)), rng.normal(size=(4, 1)), tol=1e-6)
