"""The generated tasks: Yin-Yang against its published geometry (Kriener, Göltz & Petrovici
2022), and the spike-timing task against its promise (counts carry nothing, timing carries the
class)."""

import numpy as np
import pytest

from artificial import Dense, Sequential, spike_timing_task, train_test_split, yin_yang
from artificial.data import yin_yang_class

# --- Yin-Yang --------------------------------------------------------------------------------


@pytest.mark.parametrize("x, y, label", [
    (0.25, 0.5, 2), (0.75, 0.5, 2),       # the two dot centres
    (0.5, 0.9, 1), (0.5, 0.1, 0),         # top and bottom of the disc
    (0.25, 0.65, 1),                      # left lobe (upper class), outside its dot
    (0.75, 0.35, 0), (0.75, 0.65, 0),     # right lobe (lower class), both halves
    (0.2, 0.2, 0), (0.8, 0.8, 1),         # lower left, upper right, outside the lobes
])
def test_class_of_hand_placed_points(x, y, label):
    assert yin_yang_class(x, y) == label


def test_samples_lie_where_their_class_says_and_inputs_are_mirrored():
    r_big, r_small = 0.5, 0.1
    X, y = yin_yang(3000, seed=0)
    assert X.shape == (3000, 4) and set(np.unique(y)) == {0, 1, 2}
    np.testing.assert_array_equal(X[:, 2], 1 - X[:, 0])
    np.testing.assert_array_equal(X[:, 3], 1 - X[:, 1])
    px, py = X[:, 0], X[:, 1]
    assert np.all(np.hypot(px - r_big, py - r_big) <= r_big)          # inside the big circle
    d_dot = np.minimum(np.hypot(px - 0.25, py - 0.5), np.hypot(px - 0.75, py - 0.5))
    assert np.all(d_dot[y == 2] < r_small) and np.all(d_dot[y != 2] >= r_small)
    # point symmetry of the sign: the mirror image of a yin point is a yang point
    body = y != 2
    np.testing.assert_array_equal(yin_yang_class(1 - px[body], 1 - py[body]), 1 - y[body])


def test_classes_are_balanced_as_published():
    """Each sample's class is drawn uniformly first: counts are Binomial(n, 1/3)."""
    n = 6000
    _, y = yin_yang(n, seed=1)
    sigma = np.sqrt(n * (1 / 3) * (2 / 3))
    assert np.all(np.abs(np.bincount(y) - n / 3) < 4 * sigma)


def test_region_areas_match_the_geometry():
    """Uniform points in the disc: the dots cover 2 r_small^2 / r_big^2 = 8 % of it, the two
    other classes half of the rest each."""
    rng = np.random.default_rng(0)
    p = rng.random((400_000, 2))
    p = p[np.hypot(p[:, 0] - 0.5, p[:, 1] - 0.5) <= 0.5]
    frac = np.bincount(yin_yang_class(p[:, 0], p[:, 1]), minlength=3) / len(p)
    np.testing.assert_allclose(frac, [0.46, 0.46, 0.08], atol=0.004)


def test_yin_yang_is_seeded_and_checks_its_arguments():
    a, b = yin_yang(50, seed=3), yin_yang(50, seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    with pytest.raises(ValueError, match=r"yin_yang.r_small must be < r_big / 2"):
        yin_yang(10, r_small=0.3)
    with pytest.raises(ValueError, match=r"yin_yang.n_samples must be an integer >= 1, got 0"):
        yin_yang(0)
    with pytest.raises(ValueError, match=r"yin_yang.r_big must be a finite number > 0"):
        yin_yang(10, r_big=-1.0)


# --- spike timing ----------------------------------------------------------------------------


def test_every_channel_fires_one_template_spike_plus_class_independent_extras():
    X, y = spike_timing_task(400, n_classes=4, channels=8, steps=30, jitter=0.0,
                             noise_spikes=0.0, seed=0)
    assert X.shape == (400, 30, 8) and np.all(np.bincount(y) == 100)
    np.testing.assert_array_equal(X.sum(axis=1), 1)            # exactly one spike per channel
    # without jitter and noise, all samples of a class are the same pattern
    for k in range(4):
        assert np.all(X[y == k] == X[y == k][0])
    X, y = spike_timing_task(400, channels=8, steps=30, noise_spikes=1.0, seed=0)
    counts = X.sum(axis=1)
    assert counts.min() >= 1 and set(np.unique(X)) == {0.0, 1.0}
    assert counts.mean() - 1 == pytest.approx(1.0, abs=0.1)    # Poisson(1) extras


def test_counts_classify_at_chance_but_timing_does_not():
    """Logistic regression on the spike counts (a rate readout) is at chance on held-out
    samples; the nearest class-mean pattern over time is far above it."""
    X, y = spike_timing_task(1200, n_classes=4, channels=16, steps=40, seed=1)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, seed=0, stratify=True)
    counts_tr, counts_te = X_tr.sum(axis=1), X_te.sum(axis=1)
    logreg = Sequential([Dense(4, activation="softmax", input_dim=16)], seed=0)
    logreg.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                   metrics=["accuracy"])
    logreg.fit(counts_tr, y_tr, epochs=30, verbose=0)
    chance, sigma = 0.25, np.sqrt(0.25 * 0.75 / y_te.size)
    assert abs(logreg.evaluate(counts_te, y_te)[1] - chance) < 4 * sigma
    means = np.stack([X_tr[y_tr == k].mean(axis=0) for k in range(4)])     # (k, T, d)
    pred = np.argmax(np.einsum("ntd,ktd->nk", X_te, means), axis=1)
    assert np.mean(pred == y_te) > 0.9


def test_spike_timing_task_checks_its_arguments():
    with pytest.raises(ValueError, match=r"spike_timing_task.n_classes must be an integer >= 2"):
        spike_timing_task(10, n_classes=1)
    with pytest.raises(ValueError, match=r"spike_timing_task.jitter must be a finite number >= 0"):
        spike_timing_task(10, jitter=-1.0)
    with pytest.raises(ValueError, match=r"spike_timing_task.steps must be an integer >= 2"):
        spike_timing_task(10, steps=1)
