"""The conversion comparison: an MLP's computation carried by spikes, measured."""

import json

import numpy as np
import pytest

import neurosim as ns
from comparisons import conversion


@pytest.fixture(scope="module")
def full():
    return conversion.compute()


def test_converted_network_matches_the_mlp_at_the_longest_time(full):
    mlp = full["mlp"]["accuracy"]
    assert mlp > 0.95                                  # the MLP itself learned the digits
    for run in full["runs"]:
        # the requirement: within 2 points of the MLP at the longest simulated time
        assert abs(run["accuracy"][-1] - mlp) <= 0.02, run["r_max"]
        # ... and it gets there by accumulating spikes: better late than early
        assert run["accuracy"][-1] > run["accuracy"][0] + 0.5
        assert run["undecided"][0] > run["undecided"][-1]
    # a higher maximal rate answers sooner
    accs_at_10ms = [r["accuracy"][np.argmin(np.abs(r["times"] - 10.0))] for r in full["runs"]]
    assert accs_at_10ms == sorted(accs_at_10ms)
    assert full["mlp"]["normalised_accuracy"] == mlp   # normalisation changes no argmax


def test_rates_carry_the_activations(full):
    for run in full["runs"]:
        assert run["r_hidden"] > 0.99
        assert run["r_output"] > 0.99
        # reset to v_reset can only lose charge: no rate above the target (+ one spike of
        # rounding over the run)
        t_max, dt = full["settings"]["t_max"], full["settings"]["dt"]
        assert np.all(run["hidden_rates"] <= run["hidden_targets"] + 1000.0 / t_max)
        # exactly: a neuron driven by a constant current fires with the period of the LIF
        # solution rounded up to the step grid (the charge above threshold is lost at each
        # reset); the spike of step k is counted if k < n_steps
        on = run["hidden_targets"] > 0
        current = run["hidden_targets"][on] / 1000.0 * conversion.C_M * conversion.THETA
        rate = ns.analysis.lif_rate_on_grid(
            current, tau_m=conversion.TAU_M, c_m=conversion.C_M, e_leak=conversion.E_LEAK,
            v_th=conversion.E_LEAK + conversion.THETA, v_reset=conversion.E_LEAK, t_ref=0.0,
            dt=dt)
        with np.errstate(divide="ignore"):                    # below rheobase: never fires
            period_steps = np.rint(1000.0 / (rate * dt))
        predicted = np.floor(round(t_max / dt) / period_steps)
        counts = np.rint(run["hidden_rates"][on] * t_max / 1000.0)
        np.testing.assert_array_equal(counts, predicted)
        assert np.all(run["hidden_rates"][~on] == 0)           # the ReLU


def test_hidden_first_spike_is_the_integrate_and_fire_time(full):
    # An IF neuron with constant current fires after ceil(1 / (rate dt)) steps; the spike is
    # stamped with the step in which v crossed, i.e. one step earlier than that count.
    dt = full["settings"]["dt"]
    for run in full["runs"]:
        top = run["hidden_targets"].max(axis=1)                # Hz, the fastest neuron
        steps = np.ceil(1000.0 / (top * dt) - 1e-9) - 1
        assert np.all(np.abs(run["hidden_latency"] - steps * dt) <= dt + 1e-9)
        lat = run["output_latency"][np.isfinite(run["output_latency"])]
        assert lat.size and np.all(lat >= run["hidden_latency"][np.isfinite(
            run["output_latency"])] + dt - 1e-9)                # one synaptic delay at least


def test_synaptic_events_are_spikes_times_fan_out(full):
    n_test = full["mlp"]["n_test"]
    for run in full["runs"]:
        fan_out = run["fan_out"]
        assert fan_out.sum() == run["n_synapses"] == run["fan_out_total"]   # the engine's table
        assert run["n_synapses"] == n_test * 128 * 10          # block diagonal, W2 dense
        assert run["events_total"] == int((run["hidden_counts"] * fan_out).sum())
        assert run["events_total"] == 10 * run["n_hidden_spikes"]
        ev = run["events_per_image"]
        assert np.all(np.diff(ev) >= 0)
        assert ev[-1] * n_test == pytest.approx(run["events_total"])


def test_events_counted_from_a_small_run_by_hand():
    rng = np.random.default_rng(3)
    w = [rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(3, 2)), rng.normal(size=2)]
    w[2][1, 0] = 0.0                                           # one absent synapse
    X = rng.normal(size=(5, 4)) + 1.0
    out = conversion.simulate(w, (1.0, 1.0), X, r_max=300.0, t_max=30.0)
    assert out["n_synapses"] == 5 * 5 and list(out["fan_out"][:3]) == [2, 1, 2]
    by_hand = sum(int(out["fan_out"][n]) for n in out["hidden"].neurons)
    assert by_hand == int((out["hidden"].counts() * out["fan_out"]).sum())
    assert by_hand > 0


def test_readout_counts_then_first_spike_then_undecided():
    counts = np.array([[3, 1, 3], [0, 0, 0], [2, 2, 0], [0, 4, 1]])
    first = np.array([[5.0, 1.0, 2.0], [np.inf] * 3, [7.0, 7.0, np.inf], [np.inf, 9.0, 3.0]])
    assert conversion.classify(counts, first).tolist() == [2, -1, -1, 1]


def test_report_functions(full, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nums = conversion.numbers(full)
    json.dumps(nums, allow_nan=False)
    assert nums["snn_accuracy_at_t_max"] == full["runs"][full["main"]]["accuracy"][-1]
    text = conversion.describe(full)
    assert set(text) == {"shows", "measured", "verdict"}
    assert f"{100 * full['mlp']['accuracy']:.1f} %" in text["measured"]  # from this run
    fig = conversion.plot(full)
    fig.savefig(tmp_path / "conversion.png")
    plt.close(fig)
    assert (tmp_path / "conversion.png").stat().st_size > 10_000


def test_the_trained_mlp_is_reused_as_a_copy(monkeypatch):
    """The quick report's gradients comparison reuses the MLP its conversion comparison
    trained (5 epochs here, to be quick)."""
    monkeypatch.setattr(conversion, "_TRAINED", {})
    model, X_tr, X_te, y_tr, y_te, train_s = conversion.trained_mlp(0, epochs=5)
    assert train_s > 0
    weights = [w.copy() for w in model.get_weights()]
    model.layers[0].kernel[:] = 0.0                # the caller's copy, not the stored model
    X_te[:] = 0.0
    again = conversion.trained_mlp(0, epochs=5)
    assert again[-1] == train_s and len(conversion._TRAINED) == 1
    for a, b in zip(again[0].get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    assert np.any(again[2] != 0)
    fresh = conversion.train_mlp(0, epochs=5)       # what training again would give
    for a, b in zip(fresh[0].get_weights(), weights):
        np.testing.assert_array_equal(a, b)
