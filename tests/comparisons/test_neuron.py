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


def test_models_side_by_side_fire_as_they_do_alone():
    """The sweeps share simulations (one loop for LIF, AdEx and Izhikevich): neurons that nothing
    connects fire as they would alone, and a noisy group draws the same noise beside others."""
    import neurosim as ns

    kw = dict(dt=0.1, t_sim=300.0, t_skip=50.0)
    lif, adex = ns.LIF(**neuron.LIF_PARAMS), ns.AdEx()
    i_lif, i_adex = np.array([150.0, 300.0, 600.0]), np.array([400.0, 800.0, 1500.0])
    together = neuron.steady_rates_many([(lif, i_lif), (adex, i_adex),
                                         (lif, i_lif, 1000.0, 3)], seed=2, **kw)
    alone = [neuron.steady_rates(lif, i_lif, **kw), neuron.steady_rates(adex, i_adex, **kw),
             neuron.steady_rates(lif, i_lif, noise_std=1000.0, repeats=3, seed=2, **kw)]
    for a, b in zip(together, alone):
        np.testing.assert_array_equal(a, b)
    assert together[0][0] == 0 and together[0][-1] > 0 and together[1][-1] > 0


def test_rheobases_are_narrowed_to_the_closed_form(data):
    lif = data["models"]["LIF"]
    assert 0 < lif["rheobase_resolution"] < 1.0
    assert abs(lif["rheobase"] - neuron.LIF_RHEOBASE) <= lif["rheobase_resolution"]
    for name, m in data["models"].items():
        firing = m["currents"][m["rates"] > 0]
        assert m["currents"][m["rates"] == 0].max() < m["rheobase"] <= firing.min(), name
