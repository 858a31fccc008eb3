"""Spiking layers in the Keras-style API: encoders, dynamics, readouts, surrogates, traces,
saving and loading, bad input, and learning the digits."""

import time

import numpy as np
import pytest

from artificial import (
    Adam,
    Dense,
    LIFDense,
    LIFRecurrent,
    Sequential,
    SpikeEncoder,
    digits,
    load_model,
    train_test_split,
)
from artificial.spiking import ArcTan, FastSigmoid, SmoothSigmoid, Triangle, surrogates


def snn(code="rate", readout="membrane", steps=8, seed=0, **hidden):
    m = Sequential(seed=seed)
    m.add(SpikeEncoder(steps=steps, code=code, input_dim=4))
    m.add(LIFDense(6, **hidden))
    m.add(LIFDense(3, readout=readout))
    m.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(0.01), metrics=["accuracy"])
    return m


def small_data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, size=(n, 4)), rng.integers(0, 3, n)


# --- encoders --------------------------------------------------------------------------------


def test_rate_code_fires_with_the_intensity_as_probability():
    enc = SpikeEncoder(steps=4000, code="rate", seed=3)
    enc.bind(3, None, None)
    enc.initialize(np.random.default_rng(0))
    x = np.array([[0.0, 0.25, 0.9]])
    s = enc.encode(x, training=True)
    assert s.shape == (1, 4000, 3) and set(np.unique(s)) <= {0.0, 1.0}
    np.testing.assert_allclose(s.mean(axis=1)[0], x[0], atol=0.03)
    assert s[0, :, 0].sum() == 0
    # training draws move on; inference draws restart from the seed
    assert not np.array_equal(enc.encode(x, training=True), s)
    assert np.array_equal(enc.encode(x), enc.encode(x))


def test_latency_code_is_one_spike_earlier_for_brighter_inputs():
    enc = SpikeEncoder(steps=11, code="latency")
    x = np.array([[1.0, 0.5, 0.1, 0.0]])
    s = enc.encode(x)
    assert s.shape == (1, 11, 4)
    assert s[0].sum(axis=0).tolist() == [1.0, 1.0, 1.0, 0.0]
    assert np.argmax(s[0], axis=0)[:3].tolist() == [0, 5, 9]  # round((1 - x) * 10)


def test_predictions_of_a_rate_coded_model_are_deterministic_but_training_resamples():
    X, y = small_data()
    m = snn()
    assert np.array_equal(m.predict(X), m.predict(X))
    t1 = m._forward_trace(m._as_input(X), training=True).spikes[0]
    t2 = m._forward_trace(m._as_input(X), training=True).spikes[0]
    assert not np.array_equal(t1, t2)


# --- dynamics and the trace ------------------------------------------------------------------


def test_forward_trace_has_spikes_and_membranes_of_every_spiking_layer():
    X, _ = small_data()
    m = Sequential(seed=1)
    m.add(SpikeEncoder(steps=9, input_dim=4))
    m.add(LIFRecurrent(5, kernel_initializer="ones", reset="zero"))
    m.add(LIFDense(4, kernel_initializer="ones", readout="count", activation="linear"))
    tr = m.forward_trace(X)
    assert [None if s is None else s.shape for s in tr.spikes] == [(12, 9, 4), (12, 9, 5),
                                                                   (12, 9, 4)]
    assert tr.membranes[0] is None
    assert tr.membranes[1].shape == (12, 9, 5) and tr.membranes[2].shape == (12, 9, 4)
    hidden = m.layers[1]
    # spikes are the threshold crossings of u (zs of a layer without readout), reset to zero
    assert np.array_equal(tr.spikes[1], (tr.zs[1] >= hidden.v_th).astype(float))
    assert np.all(tr.membranes[1][tr.spikes[1] == 1] == 0)
    assert tr.spikes[1].sum() > 0
    np.testing.assert_allclose(tr.output, tr.spikes[2].sum(axis=1))


def test_membrane_readout_neurons_do_not_spike_and_read_the_maximum():
    X, _ = small_data()
    m = snn(readout="membrane")
    tr = m.forward_trace(X)
    assert tr.spikes[2] is None
    np.testing.assert_allclose(tr.zs[2], tr.membranes[2].max(axis=1))
    np.testing.assert_allclose(tr.output.sum(axis=1), 1.0)  # softmax by default


def test_first_spike_readout_is_minus_the_first_spike_time_in_ms():
    m = Sequential()
    m.add(LIFDense(3, input_dim=1, dt=0.5, tau_syn=None, kernel_initializer="ones",
                   use_bias=False, readout="first_spike", activation="linear"))
    m.build()
    # constant currents 0, 2 and 30: never fires, fires late, fires at once ((1 - beta) 30 > 1)
    m.layers[0].kernel[:] = [[0.0, 2.0, 30.0]]
    T = 30
    tr = m.forward_trace(np.ones((1, T, 1)))
    s = tr.spikes[0][0]
    first = [int(np.argmax(s[:, j])) if s[:, j].any() else T for j in range(3)]
    # current 2: v[t] = 2 (1 - beta^(t+1)) reaches 1 at t + 1 = ceil(ln 2 / (dt / tau_m)) = 14
    assert first == [T, 13, 0]
    np.testing.assert_allclose(tr.output[0], [-0.5 * f for f in first])


def test_lif_neuron_matches_the_closed_form_below_threshold():
    """Constant current i below threshold: v[t] = i (1 - beta^(t+1))."""
    tau_m, dt, current = 10.0, 0.5, 0.8
    m = Sequential()
    m.add(LIFDense(1, input_dim=1, tau_m=tau_m, dt=dt, tau_syn=None, use_bias=False,
                   readout="count", activation="linear"))
    m.build()
    m.layers[0].kernel[:] = 1.0
    tr = m.forward_trace(np.full((1, 40, 1), current))
    beta = np.exp(-dt / tau_m)
    np.testing.assert_allclose(tr.membranes[0][0, :, 0], current * (1 - beta ** np.arange(1, 41)),
                               rtol=1e-13)


def test_learn_tau_adds_per_neuron_time_constants_to_the_parameters():
    fixed = Sequential([LIFDense(4, input_dim=3, tau_syn=5.0, readout="count")])
    learned = Sequential([LIFDense(4, input_dim=3, tau_syn=5.0, readout="count",
                                   learn_tau=True)])
    fixed.build()
    learned.build()
    assert learned.count_params() == fixed.count_params() + 2 * 4
    assert np.all(learned.layers[0].tau_m_param == 10.0)
    assert np.all(learned.layers[0].tau_syn_param == 5.0)


# --- surrogates ------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [FastSigmoid, ArcTan, Triangle, SmoothSigmoid])
@pytest.mark.parametrize("scale", [2.0, 10.0])
def test_every_surrogate_has_unit_area_and_peak_half_its_scale(cls, scale):
    sur = cls(scale)
    x = np.linspace(-200, 200, 4_000_001)
    d = sur.derivative(x)
    area = np.sum(d) * (x[1] - x[0])
    assert area == pytest.approx(1.0, abs=3e-3)  # the fast sigmoid's tails beyond 200: 1/401
    assert sur.derivative(np.array([0.0]))[0] == pytest.approx(scale / 2)
    if sur.smooth:
        h = 1e-6
        pts = np.array([-0.3, 0.0, 0.2])
        np.testing.assert_allclose(sur.derivative(pts),
                                   (sur.forward(pts + h) - sur.forward(pts - h)) / (2 * h),
                                   rtol=1e-7)
    else:
        assert sur.forward(np.array([-1e-9, 0.0, 1e-9])).tolist() == [0.0, 1.0, 1.0]


def test_surrogate_scale_changes_training():
    X, y = small_data()
    a, b = snn(scale=2.0), snn(scale=30.0)
    b.params[:] = a.params
    a.gradients(X, y)
    b.gradients(X, y)
    assert not np.allclose(a.grads, b.grads)


def test_spike_count_penalty_enters_the_loss_and_lowers_the_rate():
    X, y = small_data(60)
    plain = snn(steps=10, spike_reg=0.0, kernel_initializer="ones")
    reg = snn(steps=10, spike_reg=5.0, kernel_initializer="ones")
    reg.params[:] = plain.params
    assert reg.evaluate_dict(X, y)["loss"] > plain.evaluate_dict(X, y)["loss"]
    for m in (plain, reg):
        m.fit(X, y, epochs=15, batch_size=20, verbose=0)
    rate = [m.forward_trace(X).spikes[1].mean() for m in (plain, reg)]
    assert rate[1] < 0.5 * rate[0]


# --- saving and loading -------------------------------------------------------------------------


def test_a_trained_snn_round_trips_exactly_and_resumes_identically(tmp_path):
    X, y = small_data(40)
    m = Sequential(seed=4)
    m.add(SpikeEncoder(steps=6, code="rate", input_dim=4))
    m.add(LIFRecurrent(7, learn_tau=True, reset="zero", surrogate="arctan", scale=4.0,
                       spike_reg=1e-3, target_rate=0.1))
    m.add(LIFDense(5, readout="membrane_mean", activation="relu", tau_syn=None))
    m.add(Dense(3, activation="softmax"))
    m.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(0.01), metrics=["accuracy"])
    m.fit(X, y, epochs=3, batch_size=16, verbose=0)
    path = tmp_path / "snn.npz"
    m.save(path)
    back = load_model(path)
    assert [type(layer) for layer in back.layers] == [type(layer) for layer in m.layers]
    assert back.layers[1].surrogate.name == "arctan" and back.layers[1].surrogate.scale == 4.0
    assert back.layers[1].reset == "zero" and back.layers[2].tau_syn is None
    assert np.array_equal(back.params, m.params)
    assert np.array_equal(back.predict(X), m.predict(X))
    assert back.evaluate_dict(X, y) == m.evaluate_dict(X, y)
    h1 = m.fit(X, y, epochs=2, batch_size=16, verbose=0)
    h2 = back.fit(X, y, epochs=2, batch_size=16, verbose=0)
    assert np.array_equal(back.params, m.params)
    assert h1.history == h2.history


def test_a_dense_only_model_is_still_written_in_format_1(tmp_path):
    import json

    m = Sequential([Dense(2, input_dim=2)])
    m.build()
    m.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as data:
        assert json.loads(bytes(data["config.json"]).decode())["format_version"] == 1


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("make, match", [
    (lambda: LIFDense(3, tau_m=-5.0), r"LIFDense\.tau_m must be > 0 ms, got -5\.0"),
    (lambda: LIFDense(3, tau_syn=0), r"LIFDense\.tau_syn must be > 0 ms, got 0\.0"),
    (lambda: LIFRecurrent(3, dt=-1), r"LIFRecurrent\.dt must be > 0 ms, got -1\.0"),
    (lambda: LIFDense(3, v_th=0), r"LIFDense\.v_th must be > 0, got 0\.0"),
    (lambda: LIFDense(0), r"LIFDense\.units must be a positive integer, got 0"),
    (lambda: SpikeEncoder(steps=0), r"SpikeEncoder\.steps must be a positive integer, got 0"),
    (lambda: SpikeEncoder(steps=-3), r"SpikeEncoder\.steps must be a positive integer, got -3"),
    (lambda: SpikeEncoder(5, code="poisson"),
     r"SpikeEncoder\.code must be one of 'rate', 'latency'; got 'poisson'"),
    (lambda: LIFDense(3, surrogate="sigmoid"),
     r"LIFDense\.surrogate must be one of arctan, fast_sigmoid, smooth_sigmoid, triangle; "
     r"got 'sigmoid'"),
    (lambda: LIFDense(3, readout="voltage"),
     r"LIFDense\.readout must be one of 'membrane', 'membrane_mean', 'count', 'first_spike'; "
     r"got 'voltage'"),
    (lambda: LIFDense(3, reset="hard"), r"LIFDense\.reset must be one of 'subtract', 'zero'"),
    (lambda: LIFDense(3, scale=0), r"FastSigmoid\.scale must be > 0, got 0\.0"),
    (lambda: LIFDense(3, activation="softmax"), r"activation applies to readout layers only"),
    (lambda: LIFDense(3, spike_reg=-1), r"LIFDense\.spike_reg must be >= 0"),
    (lambda: LIFDense(3, target_rate=2), r"LIFDense\.target_rate must be in \[0, 1\]"),
    (lambda: LIFRecurrent(3, readout="membrane"), r"LIFRecurrent\.readout='membrane' has no "
                                                  "spikes"),
])
def test_constructors_refuse_bad_values_with_the_constraint(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_surrogate_names_are_listed():
    assert surrogates() == ["arctan", "fast_sigmoid", "smooth_sigmoid", "triangle"]


def assert_untouched(model, call, exc, match):
    before = model.params.copy()
    with pytest.raises(exc, match=match):
        call()
    assert np.array_equal(model.params, before), "weights changed before the error"


def test_input_without_the_time_axis_names_the_expected_shape():
    m = Sequential(seed=0)
    m.add(LIFDense(4, input_dim=3))
    m.add(LIFDense(2, readout="count"))
    m.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    assert_untouched(m, lambda: m.fit(np.zeros((5, 3)), np.zeros(5), verbose=0), ValueError,
                     r"LIFDense 'lif_dense_0' \(the first layer\) expects X of shape "
                     r"\(batch, steps, 3\).*got shape \(5, 3\)")
    assert_untouched(m, lambda: m.fit(np.zeros((5, 4, 2)), np.zeros(5), verbose=0), ValueError,
                     r"X has 2 features per time step, expected 3")


def test_an_encoder_refuses_time_series_and_intensities_outside_0_1():
    X, y = small_data()
    m = snn()
    assert_untouched(m, lambda: m.fit(X[:, None, :], y, verbose=0), ValueError,
                     r"SpikeEncoder 'spike_encoder_0' \(the first layer\) expects X of shape "
                     r"\(batch, 4\).*got shape \(12, 1, 4\)")
    assert_untouched(m, lambda: m.fit(16 * X, y, verbose=0), ValueError,
                     r"SpikeEncoder\(code='rate'\) expects X in \[0, 1\].*got values from")
    assert_untouched(m, lambda: m.fit(X, y, validation_data=(X - 1, y), verbose=0), ValueError,
                     r"expects validation X in \[0, 1\]")


def test_layer_order_is_checked_when_adding():
    m = Sequential()
    m.add(Dense(3, input_dim=2))
    with pytest.raises(ValueError, match=r"LIFDense needs spike trains .* dense_0 outputs"):
        m.add(LIFDense(2))
    with pytest.raises(ValueError, match=r"SpikeEncoder must be the first layer"):
        m.add(SpikeEncoder(4))
    m = Sequential()
    m.add(SpikeEncoder(4, input_dim=2))
    with pytest.raises(ValueError, match=r"Dense expects \(batch, features\) but "
                                         r"spike_encoder_0 outputs spike trains"):
        m.add(Dense(2))
    m.add(LIFDense(3))
    with pytest.raises(ValueError, match=r"the last layer lif_dense_1 outputs spike trains.*"
                                         r"give it a readout"):
        m.compile(loss="mse")


def test_a_nan_loss_stops_training_with_the_epoch_and_a_hint():
    X, y = small_data()
    m = snn()
    m.layers[1].kernel[:] = 5.0  # every hidden neuron fires
    m.layers[2].kernel[:] = 1e308  # the membrane readout overflows to inf - inf = nan
    with pytest.raises(FloatingPointError, match=r"the loss became nan at epoch 1 \(batch 1\).*"
                                                 r"smaller learning rate.*surrogate scale"), \
            np.errstate(over="ignore", invalid="ignore"):
        m.fit(X, y, epochs=3, verbose=0)


# --- learning ----------------------------------------------------------------------------------


def test_a_small_snn_learns_the_digits():
    """A 64-48-10 spiking network, 12 steps, 12 epochs, must reach 90 % on held-out digits.

    Chance is 10 %; with the surrogate derivative set to zero (so only the readout layer
    learns, on a frozen random hidden layer) the same run reaches about 82 %, and with its sign
    flipped about 10 %: 90 % needs the BPTT gradient through the hidden spikes."""
    X, y = digits()
    X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, test_size=0.25, seed=0,
                                                        stratify=True)
    m = Sequential(seed=0)
    m.add(SpikeEncoder(steps=12, code="rate", input_dim=64))
    m.add(LIFDense(48))
    m.add(LIFDense(10, readout="membrane"))
    m.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(0.01), metrics=["accuracy"])
    start = time.perf_counter()
    history = m.fit(X_train, y_train, epochs=12, batch_size=64, verbose=0)
    elapsed = time.perf_counter() - start
    loss, acc = m.evaluate(X_test, y_test)
    assert acc >= 0.90, acc
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert elapsed < 60, elapsed  # ~1 s on an idle core
