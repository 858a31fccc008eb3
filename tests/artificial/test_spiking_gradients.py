"""Back-propagation through time of the spiking layers: exact against finite differences,
worked by hand on a two-step example, and applied by the MLP's own optimisers.

With ``surrogate="smooth_sigmoid"`` the spike is the smooth ``sigmoid(2 k (u - v_th))`` in the
forward pass too, so the whole network is a smooth function of its parameters and the BPTT
gradient must equal central finite differences (float64, relative error <= 1e-6 over every
parameter: kernels, biases, recurrent kernel, learned tau_m and tau_syn).
"""

import numpy as np
import pytest
from _finite_differences import numeric_gradient  # tests/artificial/ helper

from artificial import SGD, Adam, Dense, LIFDense, LIFRecurrent, Sequential
from artificial import optimizers as _optim
from artificial.spiking import READOUTS

SMOOTH = {"surrogate": "smooth_sigmoid", "scale": 2.0, "detach_reset": False, "learn_tau": True}


def _fd(model, X, y, h=1e-6):
    return numeric_gradient(model, X, y, h)


def _rel_err(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b))


def _spiking_net(readout, reset, recurrent, tau_syn=5.0, loss="sparse_categorical_crossentropy",
                 seed=0):
    rng = np.random.default_rng(seed)
    n, steps, d, k = 3, 6, 4, 3
    X = rng.uniform(0.0, 1.0, size=(n, steps, d))  # input currents, no encoder
    y = rng.integers(0, k, n) if loss.startswith("sparse") else rng.normal(size=(n, k))
    hidden = LIFRecurrent if recurrent else LIFDense
    m = Sequential(seed=seed)
    m.add(hidden(5, input_dim=d, tau_m=4.0, tau_syn=tau_syn, reset=reset, spike_reg=0.1,
                 target_rate=0.2, **SMOOTH))
    m.add(LIFDense(k, tau_m=3.0, tau_syn=tau_syn, reset=reset, readout=readout,
                   activation=None if loss.startswith("sparse") else "linear", **SMOOTH))
    m.compile(loss=loss, optimizer="sgd")
    # Perturb every parameter (taus stay near their initial 3-5 ms) so each one matters.
    m.params[:] += rng.normal(scale=0.8, size=m.params.size)
    return m, X, y


@pytest.mark.parametrize("recurrent", [False, True], ids=["dense", "recurrent"])
@pytest.mark.parametrize("reset", ["subtract", "zero"])
@pytest.mark.parametrize("readout", READOUTS)
def test_bptt_matches_finite_differences(readout, reset, recurrent):
    m, X, y = _spiking_net(readout, reset, recurrent)
    loss, per_layer = m.gradients(X, y)
    analytic = m.grads.copy()
    # every kind of parameter is present: kernel, bias, (recurrent kernel), tau_m, tau_syn
    names = [name.split(".")[-1] for name, _ in m._weight_targets()]
    assert {"kernel", "bias", "tau_m", "tau_syn"} <= set(names)
    assert ("recurrent_kernel" in names) == recurrent
    assert np.array_equal(np.concatenate([g.ravel() for gs in per_layer for g in gs]), analytic)
    numeric = _fd(m, X, y)
    assert np.linalg.norm(analytic) > 1e-3
    assert _rel_err(analytic, numeric) <= 1e-6
    assert loss == pytest.approx(m.evaluate_dict(X, y)["loss"], rel=1e-12)


@pytest.mark.parametrize("readout", ["count", "first_spike"])
def test_bptt_without_synaptic_filter_and_unfused_mse(readout):
    m, X, y = _spiking_net(readout, "zero", True, tau_syn=None, loss="mse", seed=3)
    m.gradients(X, y)
    assert _rel_err(m.grads.copy(), _fd(m, X, y)) <= 1e-6


def test_bptt_through_a_dense_layer_after_the_readout():
    rng = np.random.default_rng(5)
    X, y = rng.uniform(0, 1, size=(4, 5, 3)), rng.integers(0, 2, 4)
    m = Sequential(seed=1)
    m.add(LIFDense(4, input_dim=3, **SMOOTH))
    m.add(LIFDense(3, readout="membrane_mean", activation="tanh", **SMOOTH))
    m.add(Dense(2, activation="softmax"))
    m.compile(loss="sparse_categorical_crossentropy")
    m.params[:] += rng.normal(scale=0.8, size=m.params.size)
    m.gradients(X, y)
    assert _rel_err(m.grads.copy(), _fd(m, X, y)) <= 1e-6


def test_detached_reset_is_the_gradient_with_the_reset_held_constant():
    """detach_reset=True (the default) differentiates the network in which the reset term
    ``v_th s[t]`` is a constant: check against finite differences of an independent NumPy
    reference in which the reset spikes are frozen at their values for the current weights."""
    rng = np.random.default_rng(2)
    X = rng.uniform(0, 1, size=(2, 7, 3))
    y = rng.normal(size=(2, 2))
    m = Sequential(seed=0)
    m.add(LIFDense(2, input_dim=3, tau_m=5.0, tau_syn=None, surrogate="smooth_sigmoid",
                   scale=2.0, readout="count", activation="linear", use_bias=False,
                   detach_reset=True))
    m.compile(loss="mse")
    m.params[:] = rng.normal(scale=1.5, size=m.params.size)
    m.gradients(X, y)
    analytic = m.grads.copy()
    beta = np.exp(-1.0 / 5.0)

    def loss_of(W, frozen=None):
        v = np.zeros((2, 2))
        count = np.zeros((2, 2))
        used = []
        for t in range(X.shape[1]):
            u = beta * v + (1 - beta) * (X[:, t] @ W)
            s = 0.5 * (1 + np.tanh(2.0 * (u - 1.0)))
            used.append(s)
            v = u - (s if frozen is None else frozen[t])
            count += s
        return np.mean((count - y) ** 2), used

    W0 = m.layers[0].kernel.copy()
    base, frozen = loss_of(W0)
    assert base == pytest.approx(m.evaluate_dict(X, y)["loss"], rel=1e-12)
    numeric = np.empty_like(W0)
    h = 1e-6
    for idx in np.ndindex(W0.shape):
        Wp, Wm = W0.copy(), W0.copy()
        Wp[idx] += h
        Wm[idx] -= h
        numeric[idx] = (loss_of(Wp, frozen)[0] - loss_of(Wm, frozen)[0]) / (2 * h)
    assert _rel_err(analytic, numeric.ravel()) <= 1e-6
    # ... and it is not the full gradient, which the undetached reset gives
    m.layers[0].detach_reset = False
    m.gradients(X, y)
    assert _rel_err(m.grads.copy(), _fd(m, X, y)) <= 1e-6
    assert _rel_err(analytic, m.grads) > 1e-3


def _hand_model(detach_reset):
    m = Sequential(seed=0)
    # beta = exp(-dt/tau_m) = 1/2; instantaneous synapses (alpha = 0); no bias
    m.add(LIFDense(1, input_dim=2, tau_m=1.0 / np.log(2.0), tau_syn=None, v_th=1.0, dt=1.0,
                   reset="subtract", detach_reset=detach_reset, surrogate="fast_sigmoid",
                   scale=2.0, readout="count", activation="linear", use_bias=False))
    m.compile(loss="mse", optimizer=SGD(0.1))
    m.layers[0].kernel[:] = [[1.0], [2.0]]
    X = np.array([[[1.0, 1.0],    # step 0: both inputs spike
                   [1.0, 0.0]]])  # step 1: only input 1 spikes
    y = np.array([[2.0]])         # we want two output spikes
    return m, X, y


def test_hand_worked_two_step_example():
    """A 2-input, 1-neuron layer over 2 steps, every number derived by hand.

    Forward (beta = 1/2, alpha = 0, W = [1, 2]^T, v_th = 1, subtract reset)::

        t=0: i = 1*1 + 1*2 = 3;  u = 0.5*0 + 0.5*3 = 1.5;  s = H(0.5) = 1;  v = 1.5 - 1 = 0.5
        t=1: i = 1*1 + 0*2 = 1;  u = 0.5*0.5 + 0.5*1 = 0.75;  s = H(-0.25) = 0;  v = 0.75

    Readout "count": z = 1 + 0 = 1; loss (mse, one output) L = (z - 2)^2 = 1; dL/dz = -2, so
    dL/ds[t] = -2 at both steps.

    Backward, fast sigmoid with k = 2: sigma'(x) = k / (2 (1 + k|x|)^2) = 1 / (1 + 2|x|)^2::

        t=1: sigma'(-0.25) = 1/1.5^2 = 4/9;  gv = 0;  gu[1] = -2 * 4/9 = -8/9
             gi[1] = (1 - beta) gu[1] = -4/9
        t=0: sigma'(0.5) = 1/2^2 = 1/4;  gv = beta gu[1] = -4/9
             detached reset:  gu[0] = gv + (-2) * 1/4 = -4/9 - 1/2 = -17/18;  gi[0] = -17/36
             full reset path: gs[0] = -2 - v_th gv = -2 + 4/9 = -14/9
                              gu[0] = gv + gs[0] * 1/4 = -4/9 - 7/18 = -5/6;  gi[0] = -5/12

    dW = x[0] gi[0] + x[1] gi[1]::

        detached: dW = [-17/36 - 4/9, -17/36] = [-11/12, -17/36]
        full:     dW = [-5/12 - 4/9, -5/12]   = [-31/36, -5/12]

    and one SGD step of learning rate 0.1 moves W to W - 0.1 dW.
    """
    m, X, y = _hand_model(detach_reset=True)
    trace = m.forward_trace(X)
    assert np.array_equal(trace.spikes[0][0, :, 0], [1.0, 0.0])
    np.testing.assert_allclose(trace.membranes[0][0, :, 0], [0.5, 0.75], rtol=0, atol=1e-15)
    np.testing.assert_allclose(trace.zs[0], [[1.0]])
    loss, grads = m.gradients(X, y)
    assert loss == pytest.approx(1.0)
    np.testing.assert_allclose(grads[0][0], [[-11 / 12], [-17 / 36]], rtol=1e-14)
    m.train_on_batch(X, y)
    np.testing.assert_allclose(m.layers[0].kernel, [[1 + 0.1 * 11 / 12], [2 + 0.1 * 17 / 36]],
                               rtol=1e-14)

    m, X, y = _hand_model(detach_reset=False)
    _, grads = m.gradients(X, y)
    np.testing.assert_allclose(grads[0][0], [[-31 / 36], [-5 / 12]], rtol=1e-14)


@pytest.mark.parametrize("opt", [SGD(0.05, momentum=0.9), Adam(0.01), "rmsprop"])
def test_the_mlp_optimisers_update_the_spiking_parameters(opt):
    """One train_on_batch is exactly the optimiser's step on the flat vector of every
    parameter (kernels, recurrent kernel, taus) with the BPTT gradient."""
    m, X, y = _spiking_net("count", "subtract", recurrent=True)
    m.compile(loss="sparse_categorical_crossentropy", optimizer=opt)
    reference = _optim.get(opt) if isinstance(opt, str) else type(opt)(**opt.get_config())
    reference.build(m.params.size, m.dtype)
    w = m.params.copy()
    tau_before = m.layers[0].tau_m_param.copy()
    for _ in range(3):
        m.gradients(X, y)
        reference.step(w, m.grads.copy())
        m.train_on_batch(X, y)
        assert np.array_equal(m.params, w)
    assert m.optimizer.iterations == 3
    assert np.all(m.layers[0].tau_m_param != tau_before)  # every neuron's tau_m learned
