"""The update-rules comparison: the STDP window, the backprop gradient of one synapse, and what
each rule does with correlated inputs, checked against what they must be."""

import json
import math

import numpy as np
import pytest

from comparisons import update_rules as ur


@pytest.fixture(scope="module")
def data():
    return ur.compute(quick=True)


def test_simulated_window_is_the_analytic_rule(data):
    win = data["window"]
    assert win["delta_t"].size == 161
    np.testing.assert_allclose(win["delta_w"], ur.RULE.window(win["delta_t"]), rtol=0, atol=1e-9)
    assert win["max_abs_err"] <= 1e-9
    # pre before post potentiates (by the full a_plus at Δt = 0), post before pre depresses
    assert np.all(win["delta_w"][win["delta_t"] >= 0] > 0)
    assert np.all(win["delta_w"][win["delta_t"] < 0] < 0)
    assert win["delta_w"][win["delta_t"] == 0][0] == pytest.approx(ur.RULE.a_plus, rel=1e-9)
    fit = win["fit"]
    assert fit["tau_plus"] == pytest.approx(ur.RULE.tau_plus, rel=1e-6)
    assert fit["tau_minus"] == pytest.approx(ur.RULE.tau_minus, rel=1e-6)
    assert fit["a_plus"] == pytest.approx(ur.RULE.a_plus, rel=1e-6)
    assert fit["a_minus"] == pytest.approx(ur.RULE.a_minus, rel=1e-6)


def test_window_of_another_rule_and_delay():
    rule = ur.ns.STDP(a_plus=0.02, a_minus=0.015, tau_plus=10.0, tau_minus=30.0, w_max=1.0)
    dts = np.array([-50.0, -12.3, -0.1, 0.0, 0.1, 7.5, 40.0])
    dts, dws = ur.stdp_window_simulated(rule, dts, delay=2.5, w0=0.5)
    np.testing.assert_allclose(dws, rule.window(dts), rtol=0, atol=1e-9)


def test_backprop_gradient_of_the_synapse(data):
    bp = data["backprop"]
    scale = np.abs(bp["grad_model"]).max()
    assert scale > 1e-3
    # model.gradients == -delta_post * a_pre (the article's formula) == a finite difference
    np.testing.assert_allclose(bp["grad_model"], bp["grad_formula"], rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(bp["grad_model"], bp["grad_fd"], rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(bp["grad_formula"], -bp["delta_post"] * bp["a_pre"][None, :],
                               rtol=1e-12, atol=0)
    # zero without presynaptic activity or without output error; the sign follows the error
    assert np.all(bp["grad_model"][:, 0] == 0)
    zero = bp["errors"] == 0
    assert np.all(np.abs(bp["grad_model"][zero]) < 1e-15)
    signs = np.sign(bp["grad_model"][:, 1:]) * np.sign(bp["w_post_out"])
    np.testing.assert_array_equal(signs, np.sign(bp["errors"])[:, None] * np.ones_like(signs))


def test_inputs_have_the_configured_statistics(data):
    inp = data["inputs"]
    assert inp["rate_A"] == pytest.approx(ur.RATE, rel=0.05)
    assert inp["rate_B"] == pytest.approx(ur.RATE, rel=0.05)
    assert inp["corr_A"] == pytest.approx(ur.CORR, abs=0.02)
    assert abs(inp["corr_B"]) < 0.01 and abs(inp["corr_AB"]) < 0.01


def test_stdp_selects_the_correlated_group(data):
    st = data["stdp"]
    assert st["mean_A"] - st["mean_B"] > 0.3
    assert st["mean_A"] > 0.8 and st["mean_B"] < 0.5     # both groups started at 0.5
    assert st["frac_A_top"] > 0.9 and st["frac_B_top"] < 0.2
    w = st["weights"]
    assert np.all(w[0] == ur.G_MAX / 2)
    assert np.all(w >= 0) and np.all(w <= ur.G_MAX)


def test_gradient_grows_the_weights_the_target_depends_on(data):
    gd = data["gradient"]
    final, w_star = gd["final"], gd["w_star"]
    teacher = w_star > 0
    assert teacher.sum() == 10
    assert final[teacher].min() > 0.85
    assert np.abs(final[~teacher]).max() < 0.05
    assert gd["final_other_A_mean"] < 0.01 < data["stdp"]["mean_A"]
    # each update is lr x (correlation of input with the error); the first step, with the
    # error equal to the target, grows the correlated inputs the teacher ignores by ~5 c
    assert gd["step_vs_correlation_max_err"] < 1e-12
    assert gd["first_step_other_A_over_teacher_B"] == pytest.approx(5 * ur.CORR, abs=0.15)
    assert abs(gd["first_step_other_B_over_teacher_B"]) < 0.05
    assert gd["peak_other_A_mean"] > 10 * abs(gd["final_other_A_mean"])
    assert gd["loss"][-1] < 0.05 * gd["loss"][0]


def test_numbers_and_describe_agree(data):
    nums = ur.numbers(data)
    json.dumps(nums)
    for key, value in nums.items():
        if isinstance(value, float):
            assert math.isfinite(value), key
    assert nums["stdp_mean_w_correlated"] == data["stdp"]["mean_A"]
    assert nums["stdp_mean_ratio"] == pytest.approx(nums["stdp_mean_w_correlated"]
                                                    / nums["stdp_mean_w_independent"])
    assert nums["gd_final_teacher_mean"] == data["gradient"]["final_teacher_mean"]
    text = ur.describe(data)
    assert set(text) == {"shows", "measured", "verdict"}
    m = text["measured"]
    assert f"{nums['stdp_mean_w_correlated']:.2f} w_max" in m
    assert f"{nums['stdp_mean_w_independent']:.2f} w_max" in m
    assert f"tau+ = {nums['window_tau_plus_fit_ms']:.3f} ms" in m
    assert f"{nums['gd_final_teacher_mean']:.3f}" in m
    assert f"{nums['window_max_abs_err_nS']:.1e} nS" in m


def test_plot_has_labelled_axes(data):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = ur.plot(data)
    try:
        axes = fig.get_axes()
        assert len(axes) == 5
        for ax in axes:
            assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    finally:
        plt.close(fig)


def test_both_parts_in_one_simulation_give_what_each_gives_alone():
    """compute() runs the window and the correlated inputs side by side (one compiled loop)."""
    trains = ur.input_trains(2000.0)
    (dts, dws), st = ur.both_parts(trains, 2000.0)
    alone_dts, alone_dws = ur.stdp_window_simulated()
    alone = ur.stdp_correlated(trains, 2000.0)
    np.testing.assert_array_equal(dts, alone_dts)
    np.testing.assert_array_equal(dws, alone_dws)
    assert set(st) == set(alone)
    for key in st:
        np.testing.assert_array_equal(st[key], alone[key])
    assert st["out_spikes"].size > 0 and np.any(st["final"] != ur.G_MAX / 2)
