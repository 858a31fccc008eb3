"""Signal propagation: the latency per layer is delay + integration time, exactly; the rate
code carries the MLP's activations; noise costs both families."""

import json

import numpy as np
import pytest

from comparisons import propagation


@pytest.fixture(scope="module")
def data():
    return propagation.compute(quick=True)


def test_latency_is_delay_plus_closed_form_integration_time(data):
    dt, d = data["dt"], data["delay"]
    # Every neuron's first spike, in every layer, is where the closed-form membrane potential
    # (steady state + sum of exact PSPs of its inputs, each delayed by d) first reaches threshold.
    assert np.all(data["prediction_match"] == 1.0)
    for measured, predicted in zip(data["first_steps"], data["predicted_first_steps"]):
        fired = (measured >= 0) & (measured < round((data["onset"] + 80.0) / dt))
        assert fired.sum() > 0
        np.testing.assert_array_equal(measured[fired], predicted[fired])
    lat = data["latency"]
    assert np.all(np.isfinite(lat))
    np.testing.assert_array_equal(lat, data["latency_predicted"])
    # Layer l fires d plus a positive integration time after layer l-1, on the step grid.
    integ = data["integration_time"][1:]
    assert np.all(integ > 0)
    np.testing.assert_allclose(lat[1:], lat[:-1] + d + integ, atol=1e-9)
    steps = integ / dt
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-6)
    # Input layer: analytic LIF time to threshold from rest under the step current.
    p = data["lif"]
    i = propagation._rheobase() + data["gain_pa"] * data["x"].max(axis=1)
    v_inf = p["e_leak"] + i * p["tau_m"] / p["c_m"]
    t_th = p["tau_m"] * np.log((v_inf - p["e_leak"]) / (v_inf - p["v_th"]))
    np.testing.assert_allclose(lat[0], (np.ceil(t_th / dt - 1e-9) - 1) * dt, atol=1e-9)


def test_each_delay_shifts_layer_l_by_exactly_l_times_the_extra_delay(data):
    dt = data["dt"]
    assert all(data["shift_exact"].values()), data["shift_exact"]
    base = data["sweep_latency"][dt]
    for d, lat in data["sweep_latency"].items():
        layers = np.arange(lat.shape[0])[:, None]
        np.testing.assert_allclose(lat - base, np.broadcast_to(layers * (d - dt), lat.shape),
                                   atol=1e-9)


def test_spike_rate_carries_the_mlp_activation_in_every_layer(data):
    assert np.all(data["corr"]["spiking"] > 0.8), data["corr"]["spiking"]
    # First-spike order carries it too: larger activations fire earlier.
    assert np.all(data["corr"]["rank_spiking"] > 0.5), data["corr"]["rank_spiking"]


def test_noise_degrades_both_families(data):
    c = data["corr"]
    assert np.all(c["mlp_noisy"] < 1.0)
    assert np.all(c["spiking_noisy"] < c["spiking"]), (c["spiking_noisy"], c["spiking"])
    # The first-spike code suffers more from noise than the rate code in the hidden layers.
    assert np.mean(c["rank_spiking"][1:] - c["rank_spiking_noisy"][1:]) > \
        np.mean(c["spiking"][1:] - c["spiking_noisy"][1:])


def test_quick_run_gives_a_figure_numbers_and_text(data, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = propagation.plot(data)
    path = tmp_path / "propagation.png"
    fig.savefig(path)
    axes = {ax.get_title(): ax for ax in fig.get_axes()}
    plt.close(fig)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The raster draws every spike of the first stimulus's copy in the time shown, one point
    # each, in its layer's band of n_units rows.
    raster = axes["Spiking network: raster, stimulus 1"]
    n_u, dt = data["n_units"], data["dt"]
    t_lo, t_hi = raster.get_xlim()
    points = [ln for ln in raster.lines if ln.get_marker() == "|"]
    assert len(points) == data["n_layers"]
    for layer, ln in enumerate(points):
        st, nn = data["spike_steps"][layer], data["spike_neurons"][layer]
        shown = (nn < n_u) & (st * dt <= t_hi)
        assert shown.any()
        np.testing.assert_allclose(ln.get_xdata(), st[shown] * dt)
        np.testing.assert_array_equal(ln.get_ydata(), nn[shown] + layer * n_u)
    assert raster.get_xlabel() == "time (ms)"
    # Every axis that shows a quantity with a unit says it.
    assert axes["Membrane potential, most active unit per layer"].get_ylabel().startswith("v (mV)")
    n_stim = data["n_stimuli"]
    assert axes[f"Rate code: all units, {n_stim} stimuli"].get_ylabel() == "spike rate (Hz)"
    assert axes[f"Latency per layer (mean over {n_stim} stimuli)"].get_ylabel().endswith("(ms)")
    nums = json.loads(json.dumps(propagation.numbers(data)))
    assert nums["n_layers"] == 5 and nums["delay_ms"] == data["delay"]
    assert nums["latency_ms_per_layer"] == nums["latency_predicted_ms_per_layer"]
    assert all(nums["shift_exact"].values())
    text = propagation.describe(data)
    assert set(text) == {"shows", "measured", "verdict"}
    # Numbers in the text come from this run.
    assert f"{np.nanmin(data['corr']['spiking']):.2f}" in text["verdict"]
    assert f"{np.nanmean(data['latency'], axis=1)[-1]:.1f} ms" in text["measured"]
