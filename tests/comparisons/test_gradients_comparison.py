"""The gradients comparison: every way learns, and its counts and curves are what they claim.

Truths used: an independent NumPy forward pass of the LIF equations (artificial/spiking.py's
module docstring) on the stored weights and input trains; the spike counts times the fan-out
read off the weight shapes; finite differences of the fast sigmoid's step; the latency code's
definition; the binomial spread of a classifier at chance.
"""

import json

import numpy as np
import pytest

from comparisons import gradients

CHANCE_DIGITS = 0.1
CHANCE_XOR = 0.5


@pytest.fixture(scope="module")
def data():
    return gradients.compute(quick=True)


def test_every_way_learns_its_task(data):
    m, snn, conv, xr = data["mlp"], data["snn"], data["converted"], data["xor"]
    assert m["accuracy"] > 0.95
    assert snn["accuracy"] >= CHANCE_DIGITS + 0.75        # quick mode: 10 epochs
    assert abs(conv["accuracy"] - m["accuracy"]) <= 0.02
    assert xr["rstdp_accuracy"] >= CHANCE_XOR + 0.25
    assert xr["mlp_accuracy"] == 1.0
    # reading the readout earlier can only use less of the input: the last point is the answer
    assert snn["accuracy_over_time"][-1] == snn["accuracy"]
    assert snn["accuracy_over_time"][0] < snn["accuracy"] - 0.5
    assert snn["latency_ms"] <= snn["decision_ms"]


def _lif_forward(x, w, b, tau_m, tau_syn, v_th, spiking, dt=1.0):
    """i[t] = a i[t-1] + x[t] W + b; u = b_m v + (1 - b_m) i; s = H(u - v_th); v = u - v_th s."""
    B, T, _ = x.shape
    alpha, beta = np.exp(-dt / tau_syn), np.exp(-dt / tau_m)
    drive = (x.reshape(B * T, -1) @ w).reshape(B, T, -1) + b
    i = v = np.zeros((B, w.shape[1]))
    s_all, v_all = np.zeros((B, T, w.shape[1])), np.zeros((B, T, w.shape[1]))
    for t in range(T):
        i = alpha * i + drive[:, t]
        u = beta * v + (1.0 - beta) * i
        if spiking:
            s = (u >= v_th).astype(float)
            v = u - v_th * s
            s_all[:, t] = s
        else:
            v = u
        v_all[:, t] = v
    return s_all, v_all


def test_spike_counts_events_and_accuracy_from_an_independent_forward_pass(data):
    snn, p = data["snn"], gradients.SNN
    w1, b1, w2, b2 = snn["weights"]
    x = snn["input_trains"].astype(float)
    s_hid, _ = _lif_forward(x, w1, b1, p["tau_m"], p["tau_syn"], p["v_th"], spiking=True)
    _, v_out = _lif_forward(s_hid, w2, b2, p["tau_m"], p["tau_syn"], p["v_th"], spiking=False)
    np.testing.assert_array_equal(s_hid, snn["hidden_spikes"])
    np.testing.assert_allclose(v_out, snn["readout_v"], rtol=1e-12, atol=1e-12)
    # every weight is non-zero here, so each input spike reaches all 128 hidden neurons and
    # each hidden spike all 10 readout neurons
    n_in, n_hid = x.sum(axis=(1, 2)), s_hid.sum(axis=(1, 2))
    np.testing.assert_array_equal(snn["events_input"], n_in * w1.shape[1])
    np.testing.assert_array_equal(snn["events_hidden"], n_hid * w2.shape[1])
    assert snn["events_per_image"] == pytest.approx(np.mean(n_in * 128 + n_hid * 10))
    # the test accuracy is the argmax of max_t v over the whole run
    pred = np.argmax(v_out.max(axis=1), axis=1)
    labels = _test_labels(data)
    assert np.mean(pred == labels) == pytest.approx(snn["accuracy"])
    # and the dense arithmetic of the CPU code: T steps of both layers' products
    assert snn["dense_macs_per_image"] == p["steps"] * (64 * 128 + 128 * 10)


def _test_labels(data):
    from artificial import digits, train_test_split

    X, y = digits()
    _, _, _, y_te = train_test_split(X, y, test_size=0.25, seed=data["settings"]["seed"],
                                     stratify=True)
    return y_te


def test_converted_events_are_hidden_spikes_times_fan_out(data):
    conv = data["converted"]
    n_test = data["settings"]["n_test"]
    assert np.all(conv["fan_out"] == 10)                    # W2 dense: 10 synapses per neuron
    assert conv["events_total"] == int((conv["hidden_counts"] * conv["fan_out"]).sum())
    assert conv["events_per_image"] * n_test == pytest.approx(conv["events_total"])
    assert conv["analog_macs_per_image"] == 64 * 128


def test_surrogate_curve_is_the_derivative_of_the_step_the_layers_use(data):
    d = data["derivatives"]
    assert data["snn"]["surrogate"] == {"name": "fast_sigmoid", "scale": gradients.SNN["scale"]}
    k, x, h = d["scale"], d["x"], 1e-6
    fd = (gradients.smooth_step(x + h, k) - gradients.smooth_step(x - h, k)) / (2 * h)
    np.testing.assert_allclose(d["surrogate"], fd, rtol=1e-5, atol=1e-8)
    assert d["surrogate"].max() == pytest.approx(k / 2)     # the peak at x = 0
    # the layer's own derivative (what BPTT multiplied by) at the same points
    from artificial.spiking import FastSigmoid

    np.testing.assert_array_equal(d["surrogate"], FastSigmoid(k).derivative(x))
    # ReLU' is the spike's forward step (away from 0); sigmoid' = s (1 - s)
    off = x != 0
    np.testing.assert_array_equal(d["relu"][off], d["heaviside"][off])
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(d["sigmoid"], sig * (1 - sig), rtol=1e-12)


def test_numbers_are_json_and_the_text_states_them(data):
    n = gradients.numbers(data)
    json.dumps(n, allow_nan=False)
    text = gradients.describe(data)
    assert f"surrogate gradients {100 * n['snn_surrogate']['accuracy']:.1f} %" in text["measured"]
    assert f"converted MLP {100 * n['converted']['accuracy']:.1f} %" in text["measured"]
    assert f"R-STDP {100 * n['rstdp']['accuracy']:.1f} %" in text["measured"]
    assert n["rstdp"]["applies_to_digits"] is False and "does not apply" in text["shows"]
    assert f"latency-coded SNN {100 * n['yin_yang']['snn_accuracy']:.1f} %" in text["measured"]
    assert (f"logistic regression on spike counts {100 * n['timing']['counts_accuracy']:.1f} %"
            in text["measured"])
    assert f"SimpleRNN {100 * n['timing']['rnn_accuracy']:.1f} %" in text["measured"]


def test_yin_yang_and_timing_are_learned_where_counts_say_nothing(data):
    yy, tm = data["yin_yang"], data["timing"]
    assert yy["snn_accuracy"] >= 0.88             # quick mode, 6 epochs (full: >= 0.95)
    assert 0.55 <= yy["shallow_accuracy"] <= 0.72   # published shallow network: 64.3 %
    assert yy["mlp_accuracy"] > yy["shallow_accuracy"]
    sigma = np.sqrt(tm["chance"] * (1 - tm["chance"]) / tm["n_test"])
    assert abs(tm["counts_accuracy"] - tm["chance"]) < 4 * sigma
    assert tm["snn_accuracy"] >= tm["chance"] + 0.4
    assert tm["rnn_accuracy"] >= tm["chance"] + 0.5
    # reading the readout before any input came is guessing; at the end it is the answer
    assert tm["accuracy_over_time"][0] < tm["chance"] + 8 * sigma
    assert tm["accuracy_over_time"][-1] == tm["snn_accuracy"]


def test_yin_yang_latency_code_and_predictions_from_an_independent_forward_pass(data):
    yy, p = data["yin_yang"], gradients.YINYANG
    X, trains = yy["X_test"], yy["input_trains"].astype(float)
    # one spike per input with a value > 0, at step round((1 - value) (T - 1))
    B, T, d = trains.shape
    assert T == p["steps"] and d == 4
    np.testing.assert_array_equal(trains.sum(axis=1), (X > 0).astype(float))
    first = np.argmax(trains, axis=1)
    np.testing.assert_array_equal(first[X > 0], np.rint((1 - X[X > 0]) * (T - 1)))
    w1, b1, w2, b2 = yy["weights"]
    s_hid, _ = _lif_forward(trains, w1, b1, p["tau_m"], p["tau_syn"], 1.0, spiking=True)
    _, v_out = _lif_forward(s_hid, w2, b2, p["tau_m"], p["tau_syn"], 1.0, spiking=False)
    pred = np.argmax(v_out.max(axis=1), axis=1)
    np.testing.assert_array_equal(pred, yy["snn_pred"])
    assert np.mean(pred == yy["y_test"]) == pytest.approx(yy["snn_accuracy"])


def test_timing_readout_from_an_independent_forward_pass(data):
    tm = data["timing"]
    w1, b1, w2, b2 = tm["snn_weights"]
    x = tm["X_test"].astype(float)
    s_hid, _ = _lif_forward(x, w1, b1, 10.0, 5.0, 1.0, spiking=True)
    _, v_out = _lif_forward(s_hid, w2, b2, 10.0, 5.0, 1.0, spiking=False)
    np.testing.assert_array_equal(s_hid, tm["hidden_spikes"])
    np.testing.assert_allclose(v_out, tm["readout_v"], rtol=1e-12, atol=1e-12)
    pred = np.argmax(v_out.max(axis=1), axis=1)
    assert np.mean(pred == tm["y_test"]) == pytest.approx(tm["snn_accuracy"])
    # the two samples drawn are of two classes
    assert [tm["y_test"][i] for i in tm["examples"]] == [0, 1]


@pytest.mark.parametrize("kw, msg", [
    ({"snn_epochs": 0}, "snn_epochs must be a positive integer, got 0"),
    ({"xor_trials": 2.5}, "xor_trials must be a positive integer, got 2.5"),
    ({"t_max": 0.5}, "t_max must be >= 1 ms, got 0.5"),
    ({"yin_yang_epochs": 0}, "yin_yang_epochs must be a positive integer, got 0"),
    ({"timing_epochs": -1}, "timing_epochs must be a positive integer, got -1"),
])
def test_bad_settings_are_refused_before_anything_runs(kw, msg):
    with pytest.raises(ValueError, match=msg):
        gradients.compute(quick=True, **kw)
