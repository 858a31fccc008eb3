"""Each optimiser against its closed-form update.

SGD and (Nesterov) momentum on the quadratic f(w) = a w^2 / 2 (gradient a w), where the update
is linear: w_t follows from powers of a 2x2 matrix. Adam and RMSprop on a linear objective
f(w) = c . w (constant gradient c), where m_t = (1 - beta_1^t) c and v_t = (1 - beta_2^t) c^2, so

    Adam:    w_t = w_{t-1} - lr * c / (|c| + eps / sqrt(1 - beta_2^t))
    RMSprop: w_t = w_{t-1} - lr * c / (sqrt(1 - rho^t) |c| + eps)
"""

import numpy as np
import pytest

from artificial import SGD, Adam, RMSprop, optimizers


def _quadratic_run(opt, a, w0, steps):
    w = np.array(w0, dtype=float)
    opt.build(w.size, w.dtype)
    out = []
    for _ in range(steps):
        opt.step(w, a * w)
        out.append(w.copy())
    return np.array(out)


A = np.array([0.5, 2.0, 3.0])
W0 = np.array([1.0, -2.0, 0.5])


def test_sgd_is_geometric_on_a_quadratic():
    lr = 0.1
    got = _quadratic_run(SGD(lr), A, W0, 6)
    expected = np.array([(1 - lr * A) ** t * W0 for t in range(1, 7)])
    np.testing.assert_allclose(got, expected, rtol=1e-14)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_follows_its_linear_recurrence(nesterov):
    lr, mu = 0.05, 0.9
    got = _quadratic_run(SGD(lr, momentum=mu, nesterov=nesterov), A, W0, 8)
    for j, (a, w0) in enumerate(zip(A, W0)):
        # state (w, v): v' = mu v - lr a w ; w' = w + v'  (classic)
        #               w' = w + mu v' - lr a w           (Nesterov)
        if nesterov:
            m = np.array([[1 - lr * a - mu * lr * a, mu * mu], [-lr * a, mu]])
        else:
            m = np.array([[1 - lr * a, mu], [-lr * a, mu]])
        for t in range(1, 9):
            w_t = (np.linalg.matrix_power(m, t) @ np.array([w0, 0.0]))[0]
            assert got[t - 1, j] == pytest.approx(w_t, rel=1e-12, abs=1e-15)


def _linear_run(opt, c, steps):
    w = np.zeros_like(c)
    opt.build(w.size, w.dtype)
    out = []
    for _ in range(steps):
        opt.step(w, c)
        out.append(w.copy())
    return np.array(out)


C = np.array([0.3, -2.0, 1e-4])


def test_adam_closed_form_under_a_constant_gradient():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    got = _linear_run(Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps), C, 5)
    w = np.zeros_like(C)
    for t in range(1, 6):
        w = w - lr * C / (np.abs(C) + eps / np.sqrt(1 - b2 ** t))
        np.testing.assert_allclose(got[t - 1], w, rtol=1e-12)


def test_rmsprop_closed_form_under_a_constant_gradient():
    lr, rho, eps = 0.01, 0.9, 1e-7
    got = _linear_run(RMSprop(lr, rho=rho, epsilon=eps), C, 5)
    w = np.zeros_like(C)
    for t in range(1, 6):
        w = w - lr * C / (np.sqrt(1 - rho ** t) * np.abs(C) + eps)
        np.testing.assert_allclose(got[t - 1], w, rtol=1e-12)


def test_keras_defaults():
    assert Adam().get_config() == {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                                   "epsilon": 1e-7}
    assert RMSprop().get_config() == {"learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-7}
    assert SGD().get_config() == {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}


@pytest.mark.parametrize("make", [lambda: SGD(-1.0), lambda: Adam(0.0), lambda: RMSprop(float("nan")),
                                  lambda: SGD(0.1, momentum=1.0), lambda: Adam(beta_1=1.2),
                                  lambda: Adam(epsilon=0), lambda: SGD(0.1, nesterov=True)])
def test_bad_hyperparameters_are_refused(make):
    with pytest.raises(ValueError, match=r"(learning_rate|momentum|beta_1|epsilon|nesterov)"):
        make()


def test_unknown_optimizer_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'; valid names: adam, gd, "
                                         "momentum, nesterov, rmsprop, sgd"):
        optimizers.get("adamw")


@pytest.fixture
def adam_path(request, monkeypatch):
    """Force Adam's NumPy step (``numpy``) or its compiled kernel (``kernel``)."""
    if request.param == "kernel":
        monkeypatch.setitem(optimizers._adam, "kernel", optimizers._adam_kernel())
    else:
        monkeypatch.setitem(optimizers._adam, "kernel", None)
        monkeypatch.setitem(optimizers._adam, "saved_s", 0.0)
    return request.param


@pytest.mark.parametrize("adam_path", ["numpy", "kernel"], indirect=True)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_both_adam_steps_equal_the_formula_bitwise(dtype, adam_path):
    rng = np.random.default_rng(0)
    w = rng.normal(size=1000).astype(dtype)
    ref_w, m, v = w.copy(), np.zeros_like(w), np.zeros_like(w)
    opt = Adam(0.01)
    opt.build(w.size, w.dtype)
    f = np.dtype(dtype).type
    b1, b2, eps = f(0.9), f(0.999), f(1e-7)
    for t in range(1, 6):
        g = rng.normal(size=1000).astype(dtype)
        opt.step(w, g)
        m = m * b1 + g * f(1 - 0.9)
        v = v * b2 + (g * g) * f(1 - 0.999)
        lr_t = f(0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t))
        ref_w = ref_w - (m / (np.sqrt(v) + eps)) * lr_t
        assert w.dtype == dtype
        np.testing.assert_array_equal(w, ref_w)


def test_adam_loads_its_kernel_once_the_estimated_saving_exceeds_the_loading_cost(monkeypatch):
    monkeypatch.setitem(optimizers._adam, "kernel", None)
    monkeypatch.setitem(optimizers._adam, "saved_s", 0.0)
    n = 100_000
    per_step = optimizers._SAVING_PER_STEP_S + optimizers._SAVING_PER_PARAM_S * n
    steps_on_numpy = int(np.ceil(optimizers._KERNEL_LOAD_S / per_step))  # 1167 at these constants
    opt = Adam()
    w, g = np.zeros(n), np.full(n, 0.5)
    opt.build(n, w.dtype)
    for _ in range(steps_on_numpy):
        assert optimizers._adam["kernel"] is None
        opt.step(w, g)
    opt.step(w, g)
    assert optimizers._adam["kernel"] is not None


def test_the_article_xor_script_never_imports_numba():
    """The article's example trains 9 parameters for 1000 steps: loading the compiled Adam step
    (importing numba) would cost more than the whole fit, so it must not happen."""
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import runpy, sys, warnings; warnings.simplefilter('ignore'); "
            "runpy.run_path('examples/artificial_01_article_xor.py', run_name='__main__'); "
            "print('numba' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": root}
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"
