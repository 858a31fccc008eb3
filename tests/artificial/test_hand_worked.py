"""One SGD step on a 3-2-1 network, worked by hand (the article's formulas, section 3).

Network: x (3 inputs) -> 2 ReLU units -> 1 linear unit, loss = the article's 1/(2n) sum (y - y_hat)^2,
one sample (n = 1), learning rate 0.1. Kernels are written input-major (K = W^T).

    x   = [1, 2, -1]
    K1  = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]],  b1 = [0.1, -0.1]
    z1  = x K1 + b1 = [0.1 + 0.6 + 0.5 + 0.1, -0.2 + 0.8 - 0.6 - 0.1] = [1.3, -0.1]
    a1  = relu(z1) = [1.3, 0]
    K2  = [[0.7], [-0.8]],  b2 = [0.2]
    z2  = 1.3 * 0.7 + 0 * (-0.8) + 0.2 = 1.11 ;  a2 = 1.11
    y   = 0.5 ;  L = (0.5 - 1.11)^2 / 2 = 0.18605
    delta2 = dL/dz2 = a2 - y = 0.61
    dK2 = a1^T delta2 = [[0.793], [0]] ;  db2 = 0.61
    delta1 = relu'(z1) * (delta2 K2^T) = [1, 0] * [0.427, -0.488] = [0.427, 0]
    dK1 = x^T delta1 = [[0.427, 0], [0.854, 0], [-0.427, 0]] ;  db1 = [0.427, 0]
    K1' = K1 - 0.1 dK1 = [[0.0573, -0.2], [0.2146, 0.4], [-0.4573, 0.6]] ; b1' = [0.0573, -0.1]
    K2' = [[0.6207], [-0.8]] ; b2' = [0.139]
"""

import numpy as np
import pytest

from artificial import SGD, Dense, Sequential


@pytest.fixture
def net():
    model = Sequential(seed=0)
    model.add(Dense(2, input_dim=3, activation="relu"))
    model.add(Dense(1, activation="linear"))
    model.compile(loss="half_mse", optimizer=SGD(learning_rate=0.1))
    model.set_weights([np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]), np.array([0.1, -0.1]),
                       np.array([[0.7], [-0.8]]), np.array([0.2])])
    return model


X = np.array([[1.0, 2.0, -1.0]])
Y = np.array([[0.5]])


def test_forward_values(net):
    trace = net.forward_trace(X)
    np.testing.assert_allclose(trace.zs[0], [[1.3, -0.1]], atol=1e-15)
    np.testing.assert_allclose(trace.activations[1], [[1.3, 0.0]], atol=1e-15)
    np.testing.assert_allclose(trace.zs[1], [[1.11]], atol=1e-15)
    np.testing.assert_allclose(trace.output, [[1.11]], atol=1e-15)


def test_loss_and_gradients(net):
    loss, grads = net.gradients(X, Y)
    assert loss == pytest.approx(0.18605, abs=1e-15)
    (dk1, db1), (dk2, db2) = grads
    np.testing.assert_allclose(dk2, [[0.793], [0.0]], atol=1e-15)
    np.testing.assert_allclose(db2, [0.61], atol=1e-15)
    np.testing.assert_allclose(dk1, [[0.427, 0.0], [0.854, 0.0], [-0.427, 0.0]], atol=1e-15)
    np.testing.assert_allclose(db1, [0.427, 0.0], atol=1e-15)


def test_one_sgd_step(net):
    loss = net.train_on_batch(X, Y)
    assert loss == pytest.approx(0.18605, abs=1e-15)
    k1, b1, k2, b2 = net.get_weights()
    np.testing.assert_allclose(k1, [[0.0573, -0.2], [0.2146, 0.4], [-0.4573, 0.6]], atol=1e-15)
    np.testing.assert_allclose(b1, [0.0573, -0.1], atol=1e-15)
    np.testing.assert_allclose(k2, [[0.6207], [-0.8]], atol=1e-15)
    np.testing.assert_allclose(b2, [0.139], atol=1e-15)
    # after the step the loss is lower: z2 = 1.3573*0.6207*... recomputed from the new weights
    z1 = X @ k1 + b1
    z2 = np.maximum(z1, 0) @ k2 + b2
    assert net.evaluate(X, Y) == pytest.approx(0.5 * (0.5 - z2[0, 0]) ** 2, abs=1e-15)
    assert net.evaluate(X, Y) < loss
