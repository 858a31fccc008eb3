"""Metrics on hand-counted cases, k-fold partitions, splits, scalers and data sets."""

import numpy as np
import pytest

from artificial import (
    Adam,
    Dense,
    KFold,
    MinMaxScaler,
    Sequential,
    StandardScaler,
    accuracy_score,
    confusion_matrix,
    cross_validate,
    digits,
    f1_score,
    one_hot,
    precision_score,
    recall_score,
    train_test_split,
    two_moons,
    xor,
)

# true:      1 1 1 0 0 0 0 1
# predicted: 1 0 1 1 0 0 0 1   -> TP 3, FN 1, FP 1, TN 3
T = [1, 1, 1, 0, 0, 0, 0, 1]
P = [1, 0, 1, 1, 0, 0, 0, 1]


def test_binary_metrics_by_hand():
    np.testing.assert_array_equal(confusion_matrix(T, P), [[3, 1], [1, 3]])
    assert accuracy_score(T, P) == 6 / 8
    assert precision_score(T, P) == 3 / 4
    assert recall_score(T, P) == 3 / 4
    assert f1_score(T, P) == pytest.approx(0.75)


def test_multiclass_macro_averages_by_hand():
    t = [0, 0, 1, 1, 2, 2]
    p = [0, 1, 1, 1, 2, 0]
    # class 0: TP 1, predicted 2, actual 2 -> P 1/2, R 1/2
    # class 1: TP 2, predicted 3, actual 2 -> P 2/3, R 1
    # class 2: TP 1, predicted 1, actual 2 -> P 1,   R 1/2
    np.testing.assert_array_equal(confusion_matrix(t, p), [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    assert precision_score(t, p) == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)
    assert recall_score(t, p) == pytest.approx((1 / 2 + 1 + 1 / 2) / 3)
    f1s = [0.5, 2 * (2 / 3) / (2 / 3 + 1), 2 * 0.5 / 1.5]
    assert f1_score(t, p) == pytest.approx(np.mean(f1s))


def test_nothing_predicted_positive_gives_zero_precision_not_nan():
    assert precision_score([1, 0, 1], [0, 0, 0]) == 0.0
    assert f1_score([1, 0, 1], [0, 0, 0]) == 0.0


def test_metric_errors():
    with pytest.raises(ValueError, match="same length"):
        accuracy_score([0, 1], [0])
    with pytest.raises(ValueError, match="integer class labels"):
        confusion_matrix([0.5, 1], [0, 1])


def test_compiled_metrics_match_the_functions():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = rng.integers(0, 3, 40)
    m = Sequential(seed=1)
    m.add(Dense(3, input_dim=3, activation="softmax"))
    m.compile(loss="sparse_categorical_crossentropy", optimizer="sgd",
              metrics=["accuracy", "precision", "recall", "f1"])
    logs = m.evaluate_dict(X, y)
    pred = np.argmax(m.predict(X), axis=1)
    assert logs["accuracy"] == accuracy_score(y, pred)
    assert logs["precision"] == precision_score(y, pred, n_classes=3)
    assert logs["recall"] == recall_score(y, pred, n_classes=3)
    assert logs["f1"] == f1_score(y, pred, n_classes=3)


def test_kfold_partitions_every_row_once():
    folds = list(KFold(4, seed=0).split(10))
    tests = np.concatenate([t for _, t in folds])
    assert sorted(tests.tolist()) == list(range(10))
    assert sorted(len(t) for _, t in folds) == [2, 2, 3, 3]
    for train, test in folds:
        assert set(train).isdisjoint(test) and len(train) + len(test) == 10
    with pytest.raises(ValueError, match="at least 4 samples"):
        list(KFold(4).split(3))


def test_cross_validate_runs_each_fold_on_a_fresh_model():
    X, y = two_moons(60, noise=0.1, seed=0)
    built = []

    def build():
        m = Sequential(seed=len(built))
        m.add(Dense(8, input_dim=2, activation="tanh"))
        m.add(Dense(1, activation="sigmoid"))
        m.compile(loss="binary_crossentropy", optimizer=Adam(0.05), metrics=["accuracy"])
        built.append(m)
        return m

    scores = cross_validate(build, X, y, n_splits=3, seed=0, epochs=100, batch_size=8)
    assert len(built) == 3 and len({id(m) for m in built}) == 3
    assert scores["accuracy"].shape == (3,) and np.all(scores["accuracy"] > 0.7)


def test_train_test_split_stratified():
    X, y = digits()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    assert len(X_tr) + len(X_te) == len(X) == 1797
    overall = np.bincount(y) / len(y)
    np.testing.assert_allclose(np.bincount(y_te) / len(y_te), overall, atol=0.01)
    # rows stay with their labels
    rows = {X[i].tobytes(): y[i] for i in range(len(X))}
    assert all(rows[x.tobytes()] == lab for x, lab in zip(X_te, y_te))


def test_scalers():
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(50, 3))
    X[:, 2] = 7.0  # constant feature
    Z = StandardScaler().fit_transform(X)
    np.testing.assert_allclose(Z[:, :2].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:, :2].std(axis=0), 1, atol=1e-12)
    np.testing.assert_array_equal(Z[:, 2], 0)
    M = MinMaxScaler((-1, 1)).fit_transform(X)
    np.testing.assert_allclose(M[:, :2].min(axis=0), -1)
    np.testing.assert_allclose(M[:, :2].max(axis=0), 1)
    with pytest.raises(RuntimeError, match="call fit"):
        StandardScaler().transform(X)


def test_data_sets():
    X, y = xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y.ravel(), [0, 1, 1, 0])
    X, y = digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0 and X.max() == 16 and set(np.unique(y)) == set(range(10))
    X, y = two_moons(101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and np.bincount(y).tolist() == [50, 51]
    up = X[y == 0]
    np.testing.assert_allclose(np.hypot(up[:, 0], up[:, 1]), 1.0)  # the upper moon is a unit arc
    np.testing.assert_array_equal(one_hot([2, 0]), [[0, 0, 1], [1, 0, 0]])


def test_digits_are_scikit_learns_read_without_importing_it():
    import os
    import subprocess
    import sys

    from sklearn.datasets import load_digits

    X, y = digits()
    ref = load_digits()
    np.testing.assert_array_equal(X, ref.data)
    np.testing.assert_array_equal(y, ref.target)
    # importing scikit-learn takes about 1 s, ten times the reading: digits() does not
    code = "import sys; from artificial import digits; digits(); print('sklearn' in sys.modules)"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       cwd=root, env={**os.environ, "PYTHONPATH": root})
    assert r.stdout.strip() == "False"
