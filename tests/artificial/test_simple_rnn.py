"""SimpleRNN against truth: a 2-step example worked by hand, central finite differences
(float64), PyTorch's ``nn.RNN`` run on the same weights and input, and Keras' conventions
(input ``(batch, steps, features)``, weights ``kernel, recurrent_kernel, bias``)."""

import numpy as np
import pytest
from _finite_differences import numeric_gradient  # tests/artificial/ helper

from artificial import Dense, Dropout, Sequential, SimpleRNN, load_model
from artificial.initializers import Orthogonal


def _rnn_model():
    model = Sequential(seed=0)
    model.add(SimpleRNN(1, activation="linear", input_dim=1))
    model.compile(loss="mse", optimizer="sgd")
    model.set_weights([np.array([[0.5]]), np.array([[2.0]]), np.array([0.1])])
    return model


def test_two_steps_worked_by_hand():
    """w = 0.5, u = 2, b = 0.1, linear units, x = (1, 2), target 0, loss h1^2:
    h0 = 0.5 + 0.1 = 0.6, h1 = 0.5*2 + 2*0.6 + 0.1 = 2.3; dL/dh1 = 4.6;
    dL/dw = 4.6 (x1 + u x0) = 18.4, dL/du = 4.6 h0 = 2.76, dL/db = 4.6 (1 + u) = 13.8."""
    model = _rnn_model()
    X = np.array([[[1.0], [2.0]]])
    assert model.predict(X)[0, 0] == pytest.approx(2.3, abs=1e-15)
    states = model.forward_trace(X).caches[0].h           # every step's h, kept for BPTT
    np.testing.assert_allclose(states[0, :, 0], [0.6, 2.3], atol=1e-15)
    loss, ((gw, gu, gb),) = model.gradients(X, np.array([[0.0]]))
    assert loss == pytest.approx(2.3 ** 2)
    assert gw[0, 0] == pytest.approx(18.4) and gu[0, 0] == pytest.approx(2.76)
    assert gb[0] == pytest.approx(13.8)


def _fd_check(model, X, y, h=1e-6, tol=1e-6):
    model.gradients(X, y)
    analytic = model.grads.copy()
    numeric = numeric_gradient(model, X, y, h)
    err = np.linalg.norm(analytic - numeric) / max(np.linalg.norm(analytic),
                                                   np.linalg.norm(numeric))
    assert err < tol, err
    assert np.linalg.norm(analytic) > 1e-3      # the check is not about a zero gradient


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_bptt_matches_finite_differences_through_two_stacked_layers(activation):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 6, 3))
    y = rng.integers(0, 3, 4)
    model = Sequential(seed=1)
    model.add(SimpleRNN(5, activation=activation, return_sequences=True, input_dim=3,
                        kernel_regularizer="l2", recurrent_regularizer="l1"))
    model.add(SimpleRNN(4, activation=activation))
    model.add(Dense(3, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.params[:] = rng.normal(scale=0.6, size=model.params.size)
    _fd_check(model, X, y)


def test_sequence_output_as_the_last_layer_refused_but_trainable_below_dense():
    model = Sequential()
    model.add(SimpleRNN(3, return_sequences=True, input_dim=2))
    with pytest.raises(ValueError, match="return_sequences=False"):
        model.build()
    with pytest.raises(ValueError, match="give that layer return_sequences=False"):
        model.add(Dense(2))


def test_matches_torch_rnn_forward_and_gradients():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference implementation here")
    rng = np.random.default_rng(0)
    B, T, d, U = 3, 7, 4, 5
    X = rng.normal(size=(B, T, d))
    model = Sequential(seed=2)
    model.add(SimpleRNN(U, return_sequences=True, input_dim=d))
    model.add(SimpleRNN(1))
    model.compile(loss="mse", optimizer="sgd")
    kernel, recurrent, bias, *rest = model.get_weights()
    bias = rng.normal(size=U)
    model.set_weights([kernel, recurrent, bias, *rest])
    rnn = torch.nn.RNN(d, U, batch_first=True, dtype=torch.float64)   # tanh by default
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(kernel.T))
        rnn.weight_hh_l0.copy_(torch.tensor(recurrent.T))
        rnn.bias_ih_l0.copy_(torch.tensor(bias))
        rnn.bias_hh_l0.zero_()
    out, _ = rnn(torch.tensor(X))
    layer = model.layers[0]
    ours, _, cache = layer.forward_train(X)
    np.testing.assert_allclose(ours, out.detach().numpy(), rtol=0, atol=1e-14)
    # gradients of sum(out * G) for a random G
    G = rng.normal(size=(B, T, U))
    (out * torch.tensor(G)).sum().backward()
    dx = layer.backward(cache, G)
    np.testing.assert_allclose(layer.grad_kernel, rnn.weight_ih_l0.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(layer.grad_recurrent_kernel, rnn.weight_hh_l0.grad.numpy().T,
                               atol=1e-12)
    np.testing.assert_allclose(layer.grad_bias, rnn.bias_ih_l0.grad.numpy(), atol=1e-12)
    assert dx.shape == X.shape


def test_keras_defaults_weight_order_and_orthogonal_recurrent_kernel():
    layer = SimpleRNN(6, input_shape=(None, 3))
    assert layer.activation.name == "tanh" and not layer.return_sequences
    model = Sequential([layer], seed=0)
    model.build()
    kernel, recurrent, bias = model.get_weights()
    assert kernel.shape == (3, 6) and recurrent.shape == (6, 6) and bias.shape == (6,)
    np.testing.assert_allclose(recurrent.T @ recurrent, np.eye(6), atol=1e-12)
    assert np.all(bias == 0)
    limit = np.sqrt(6 / (3 + 6))                      # glorot_uniform
    assert np.abs(kernel).max() <= limit
    q = Orthogonal(gain=2.0)((3, 5), np.random.default_rng(0))
    np.testing.assert_allclose(q @ q.T, 4 * np.eye(3), atol=1e-12)   # orthogonal rows


def test_save_load_round_trip_predicts_the_same(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 5, 2))
    y = rng.integers(0, 2, 8)
    model = Sequential(seed=4)
    model.add(SimpleRNN(4, activation="leaky_relu", input_dim=2, return_sequences=True))
    model.add(Dropout(0.2))
    model.add(SimpleRNN(3, activation="sigmoid"))
    model.add(Dense(2, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.fit(X, y, epochs=2, verbose=0)
    model.save(tmp_path / "rnn.npz")
    back = load_model(tmp_path / "rnn.npz")
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    assert [type(layer).__name__ for layer in back.layers] == [
        "SimpleRNN", "Dropout", "SimpleRNN", "Dense"]
    assert back.layers[0].activation.name == "leaky_relu"


@pytest.mark.parametrize("kwargs, match", [
    ({"units": 0}, r"SimpleRNN.units must be a positive integer, got 0"),
    ({"units": 2, "activation": "softmax"}, r"SimpleRNN.activation='softmax'"),
    ({"units": 2, "return_sequences": "yes"}, r"SimpleRNN.return_sequences must be True or False"),
    ({"units": 2, "input_shape": (3,)}, r"SimpleRNN.input_shape must be \(steps, features\)"),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        SimpleRNN(**kwargs)


def test_wrong_input_shapes_are_explained():
    model = Sequential()
    model.add(Dense(3, input_dim=2))
    with pytest.raises(ValueError, match=r"SimpleRNN needs sequences of shape \(batch, steps"):
        model.add(SimpleRNN(2))
    model = Sequential([SimpleRNN(2, input_dim=3)])
    model.compile(loss="mse")
    with pytest.raises(ValueError, match=r"expects X of shape \(batch, steps, 3\): sequences"):
        model.predict(np.zeros((4, 3)))


def test_nir_export_refuses_a_simple_rnn_by_name():
    pytest.importorskip("nir", reason="NIR is an optional extra (artificial.to_nir)")
    from artificial import to_nir

    model = Sequential([SimpleRNN(2, input_dim=3), Dense(2)], seed=0)
    model.build()
    with pytest.raises(ValueError, match=r"layer 'simple_rnn_0' is a SimpleRNN; only "):
        to_nir(model)
