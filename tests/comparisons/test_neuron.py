"""The neuron comparison's numbers, checked against what they must be."""

import numpy as np
import pytest

from comparisons import neuron


@pytest.fixture(scope="module")
def data():
    return neuron.compute(quick=True)


def test_lif_f_i_curve_is_its_closed_form(data):
    lif = data["lif"]
    # exactly the closed form on the time grid ...
    np.testing.assert_allclose(lif["rates"], lif["analytic_on_grid"], rtol=1e-12, atol=1e-12)
    # ... which lies below the continuous-time form by less than one step per period
    firing = lif["analytic"] > 0
    assert np.array_equal(firing, lif["rates"] > 0)
    dperiod = 1000.0 / lif["rates"][firing] - 1000.0 / lif["analytic"][firing]
    assert np.all(dperiod >= -1e-9) and np.all(dperiod < data["dt"])
    # silent below the rheobase, firing above it
    assert np.all(lif["rates"][lif["currents"] < neuron.LIF_RHEOBASE] == 0)
    assert np.all(lif["rates"][lif["currents"] > neuron.LIF_RHEOBASE + 1] > 0)


def test_model_classes(data):
    m = data["models"]
    # Hodgkin-Huxley (class II) starts firing at a high rate; LIF (class I) from a low one
    assert m["Hodgkin-Huxley"]["onset_rate"] > 30.0
    assert m["LIF"]["onset_rate"] < m["Hodgkin-Huxley"]["onset_rate"] / 2
    # the HH repetitive-firing threshold is near 6.3 uA/cm^2 (about 630 pA for 100 um^2 ... )
    assert 500.0 < m["Hodgkin-Huxley"]["rheobase"] < 800.0


def test_rate_models_fit_the_noisy_lif(data):
    noisy = data["lif_noisy"]
    top = noisy["rates"].max()
    assert noisy["soft_lif_rms"] < 0.05 * top and noisy["relu_rms"] < 0.05 * top
    # noise lets the neuron fire below its deterministic rheobase
    below = data["lif"]["currents"] < neuron.LIF_RHEOBASE
    assert noisy["rates"][below].max() > 0


def test_soft_lif_activation_derivative_is_right():
    act = neuron.soft_lif_activation(0.1)
    z = np.linspace(-3, 5, 81)
    h = 1e-6
    numeric = (act.forward(z + h) - act.forward(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z), numeric, rtol=1e-6, atol=1e-9)
    # rate at z = 1 (twice the rheobase) is 1 / (t_ref + tau ln 2) for small gamma
    sharp = neuron.soft_lif_activation(1e-3)
    expected = 1000.0 / (2.0 + 20.0 * np.log(2.0)) / neuron.RATE_SCALE
    assert sharp.forward(np.array([1.0]))[0] == pytest.approx(expected, rel=1e-9)


def test_every_activation_trains_the_digits_mlp(data):
    acc = data["digits_accuracy"]
    assert set(acc) == {"relu", "sigmoid", "tanh", "softplus", "soft_lif"}
    assert all(v > 0.9 for v in acc.values())
