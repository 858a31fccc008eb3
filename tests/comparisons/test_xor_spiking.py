"""The spiking XOR learner (reward-modulated STDP) of comparisons/xor.py: it learns, its rewards
have the right signs, and what the report says is what the run measured."""

import numpy as np
import pytest

from comparisons import xor

N_SEEDS = 3
N_TRIALS = 240
CHANCE = 0.5


@pytest.fixture(scope="module")
def data():
    # a few MLP seeds only: this file is about the spiking half
    return xor.compute(n_seeds=4, spiking_seeds=N_SEEDS, spiking_trials=N_TRIALS)


def test_spiking_learner_beats_chance_by_a_clear_margin(data):
    sp = data["spiking"]
    assert sp["n_seeds"] == N_SEEDS and sp["n_trials"] == N_TRIALS
    critic = sp["variants"]["critic"]
    assert critic["test_accuracy"].shape == (N_SEEDS, 4)
    assert critic["final_accuracy"] >= CHANCE + 0.25           # >= 0.75 over the seeds
    assert np.all(critic["final_accuracy_per_seed"] > CHANCE + 0.15)
    # every pattern, XOR's two "0" patterns included, is answered above chance
    assert np.all(critic["test_accuracy"].mean(axis=0) > CHANCE + 0.15)
    # the raw reward (+1/-1) also learns while it is rewarded, but less well and not stably
    # (the drift Fremaux et al. 2010 predict for R-STDP without a critic): its best block is
    # well above chance, and the critic ends ahead of it on the test trials
    plain = sp["variants"]["plain"]
    assert plain["curves"].mean(axis=0).max() > CHANCE + 0.2
    assert critic["final_accuracy"] > plain["final_accuracy"]


def test_last_block_beats_first(data):
    for key in ("critic", "plain"):
        v = data["spiking"]["variants"][key]
        assert v["curves"].shape == (N_SEEDS, N_TRIALS // xor.SPIKING["block"])
        assert v["first_block"] == pytest.approx(v["curves"][:, 0].mean())
        assert v["last_block"] > v["first_block"] + 0.15, key
    c = data["spiking"]["variants"]["critic"]
    assert c["first_block"] < 0.7                               # it starts near chance
    assert c["last_block"] >= 0.85


def test_weights_move_towards_the_right_answer(data):
    w = xor.weight_summary(data["spiking"]["variants"]["critic"])
    assert w["right_after"] > w["before"] + 0.5
    assert w["right_after"] > w["wrong_after"] + 0.5


def test_judge_gives_the_right_reward_signs():
    # output "answer 1" fired 7 spikes, "answer 0" 2: the answer is 1
    assert xor.judge((2, 7), 1) == (1, True, 1.0)               # right: reward +1
    assert xor.judge((2, 7), 0) == (1, False, -1.0)             # wrong: reward -1
    assert xor.judge((9, 3), 0) == (0, True, 1.0)
    assert xor.judge((4, 4), 0) == (None, False, -1.0)          # a tie is no answer
    assert xor.judge((0, 0), 1) == (None, False, -1.0)


def test_rewards_in_the_run_follow_the_answers(data):
    for key, v in data["spiking"]["variants"].items():
        for run in v["runs"]:
            targets = np.asarray(xor.TARGETS)[run["order"]]
            n0, n1 = run["counts"].T
            right = np.where(targets == 1, n1 > n0, n0 > n1)
            np.testing.assert_array_equal(run["correct"], right)
            np.testing.assert_array_equal(run["reward"], np.where(right, 1.0, -1.0))
            # the dopamine jump never has the opposite sign of the reward
            assert np.all(run["dopamine"] * run["reward"] >= 0), key
            if key == "plain":
                np.testing.assert_allclose(run["dopamine"],
                                           xor.SPIKING["reward_scale"] * run["reward"])
            else:   # reward minus a running expectation in [-1, 1]: same sign or zero
                assert np.all(np.abs(run["dopamine"]) <= 2 * xor.SPIKING["reward_scale"])
                assert np.all(run["dopamine"][~right] < 0)


def test_numbers_and_describe_say_what_was_measured(data):
    nums = xor.numbers(data)
    sp = data["spiking"]
    for key, v in sp["variants"].items():
        assert nums[f"spiking_{key}_final_accuracy"] == v["final_accuracy"]
        assert nums[f"spiking_{key}_first_block"] == v["first_block"]
        assert nums[f"spiking_{key}_last_block"] == v["last_block"]
        np.testing.assert_allclose(nums[f"spiking_{key}_final_accuracy_per_pattern"],
                                   v["test_accuracy"].mean(axis=0))
    assert nums["spiking_n_seeds"] == N_SEEDS and nums["spiking_n_trials"] == N_TRIALS
    text = xor.describe(data)
    c, p = sp["variants"]["critic"], sp["variants"]["plain"]
    for value in (c["first_block"], c["last_block"], c["final_accuracy"], p["final_accuracy"]):
        assert f"{value:.2f}" in text["measured"]
    assert f"{N_SEEDS} seeds of {N_TRIALS} rewarded trials" in text["measured"]
    w = xor.weight_summary(c)
    assert f"{w['right_after']:.2f} mV" in text["measured"]
    assert "did not reach" not in text["verdict"]              # it did reach 75 % here


def test_the_figure_has_the_spiking_panels(data):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = xor.plot(data)
    titles = [ax.get_title() for ax in fig.get_axes()]
    plt.close(fig)
    assert any(t.startswith("Spiking network: learning curves") for t in titles)
    assert any(t.startswith("Hidden → output weights") for t in titles)
    assert "What one weight update reads" in titles
    assert len(titles) == 7


def test_a_run_asked_for_again_is_reused_as_a_copy(monkeypatch):
    """The quick report's gradients comparison reuses a run its xor comparison made."""
    monkeypatch.setattr(xor, "_RUNS", {})
    first = xor.spiking_xor(7, 20, critic=True)
    assert first["wall_s"] > 0 and len(xor._RUNS) == 1
    first["w_after"][:] = -1.0                     # the caller's copy, not the stored run
    again = xor.spiking_xor(7, 20, critic=True)
    assert len(xor._RUNS) == 1 and again["wall_s"] == first["wall_s"]
    assert np.all(again["w_after"] >= 0)
    stored = next(iter(xor._RUNS.values()))
    for key, value in again.items():
        np.testing.assert_array_equal(value, stored[key])
    # other arguments, or other settings, are another run
    xor.spiking_xor(7, 20, critic=False)
    monkeypatch.setitem(xor.SPIKING, "w_in", 0.7)
    other = xor.spiking_xor(7, 20, critic=True)
    assert len(xor._RUNS) == 3 and other["wall_s"] != first["wall_s"]
