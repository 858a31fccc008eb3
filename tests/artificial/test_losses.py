"""Loss values on cases worked by hand, and stability for huge logits."""

import math

import numpy as np
import pytest

from artificial import activations, losses


def test_softmax_of_1_2_3():
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(activations.softmax.forward(np.array([[1.0, 2.0, 3.0]]))[0],
                               e / e.sum(), rtol=1e-15)
    # the same numbers written out: e^k / (e + e^2 + e^3)
    np.testing.assert_allclose(activations.softmax.forward(np.array([[1.0, 2.0, 3.0]]))[0],
                               [0.09003057317038046, 0.24472847105479767, 0.6652409557748219],
                               rtol=1e-14)


def test_uniform_logits_over_ten_classes_give_log_10():
    z = np.zeros((4, 10))
    y = np.eye(10)[[0, 3, 7, 9]]
    cce = losses.get("categorical_crossentropy")
    assert cce.value_from_logits(y, z) == pytest.approx(math.log(10), rel=1e-15)
    assert cce.value(y, activations.softmax.forward(z)) == pytest.approx(math.log(10), rel=1e-14)
    sparse = losses.get("sparse_categorical_crossentropy")
    assert sparse.value_from_logits(np.array([0, 3, 7, 9]), z) == pytest.approx(math.log(10), rel=1e-15)


def test_mse_forms_by_hand():
    y = np.array([[1.0], [2.0]])
    y_hat = np.array([[0.0], [4.0]])
    # errors 1 and -2: squares 1 and 4
    assert losses.get("mse").value(y, y_hat) == pytest.approx(2.5)           # (1 + 4) / 2
    assert losses.get("half_mse").value(y, y_hat) == pytest.approx(1.25)     # (1 + 4) / (2 * 2)
    assert losses.get("article_mse").value(y, y_hat) == pytest.approx(1.25)
    np.testing.assert_allclose(losses.get("half_mse").gradient(y, y_hat), [[-0.5], [1.0]])
    np.testing.assert_allclose(losses.get("mse").gradient(y, y_hat), [[-1.0], [2.0]])


def test_binary_crossentropy_by_hand():
    bce = losses.get("binary_crossentropy")
    # p = 0.8 for a positive and p = 0.4 for a negative: -(ln 0.8 + ln 0.6) / 2
    assert bce.value(np.array([[1.0], [0.0]]), np.array([[0.8], [0.4]])) == pytest.approx(
        -(math.log(0.8) + math.log(0.6)) / 2, rel=1e-12)
    # logit 0 is p = 0.5 whatever the target
    assert bce.value_from_logits(np.array([[1.0], [0.0]]), np.zeros((2, 1))) == pytest.approx(
        math.log(2), rel=1e-15)


def test_huge_logits_neither_overflow_nor_lose_the_value():
    bce = losses.get("binary_crossentropy")
    cce = losses.get("categorical_crossentropy")
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is exact here
        z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]])
        y = np.array([[1.0], [0.0], [0.0], [1.0]])
        # right with certainty costs 0, wrong with certainty costs |z|
        assert bce.value_from_logits(y, z) == pytest.approx((0 + 0 + 1000 + 1000) / 4)
        np.testing.assert_allclose(bce.gradient_from_logits(y, z), [[0], [0], [0.25], [-0.25]])
        zc = np.array([[1000.0, 0.0, -1000.0], [1000.0, 0.0, -1000.0]])
        yc = np.array([[1.0, 0, 0], [0, 0, 1.0]])
        # -log softmax: 0 for the top class, 2000 for the bottom one
        assert cce.value_from_logits(yc, zc) == pytest.approx((0 + 2000) / 2)
        g = cce.gradient_from_logits(yc, zc)
        np.testing.assert_allclose(g, [[0, 0, 0], [0.5, 0, -0.5]], atol=1e-300)
        s = activations.sigmoid.forward(np.array([-1000.0, 0.0, 1000.0]))
        np.testing.assert_allclose(s, [0.0, 0.5, 1.0])
        sp = activations.softplus.forward(np.array([-1000.0, 1000.0]))
        np.testing.assert_allclose(sp, [0.0, 1000.0])


def test_probability_form_is_clipped_not_infinite():
    bce = losses.get("binary_crossentropy")
    v = bce.value(np.array([[1.0]]), np.array([[0.0]]))
    assert v == pytest.approx(-math.log(1e-7), rel=1e-9)


def test_unknown_loss_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown loss 'hinge'; valid names: article_mse, "
                                         "binary_crossentropy"):
        losses.get("hinge")
