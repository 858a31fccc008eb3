"""Dropout in Keras' semantics (inverted dropout; Srivastava et al. 2014): in training every
element is kept with probability 1 - rate and scaled by 1 / (1 - rate); at inference the layer is
the identity; the gradient flows through the same mask; the masks are seeded."""

import numpy as np
import pytest

from artificial import Dense, Dropout, LIFDense, Sequential, SpikeEncoder, load_model


def _mlp(rate, seed=0, dropout_seed=None):
    model = Sequential(seed=seed)
    model.add(Dense(8, activation="tanh", input_dim=3))
    model.add(Dropout(rate, seed=dropout_seed))
    model.add(Dense(2, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    return model


def test_training_output_is_zero_or_scaled_and_keeps_the_mean():
    rate, n = 0.3, 200_000
    layer = Dropout(rate, seed=1)
    Sequential([Dense(1, input_dim=1), layer], seed=0).build()
    x = np.full((n, 1), 2.0)
    out, _, cache = layer.forward_train(x, training=True)
    kept = out != 0
    np.testing.assert_allclose(out[kept], 2.0 / (1 - rate), rtol=1e-15)
    # the dropped fraction is Binomial(n, rate)/n: within 5 standard deviations of rate
    assert abs((~kept).mean() - rate) < 5 * np.sqrt(rate * (1 - rate) / n)
    assert abs(out.mean() - 2.0) < 5 * 2.0 * np.sqrt(rate / (1 - rate) / n)
    np.testing.assert_array_equal(cache.mask != 0, kept)


def test_identity_in_predict_and_evaluate():
    """Dense-Dropout-Dense predicts exactly what Dense-Dense with the same weights predicts."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    with_dropout = _mlp(0.5)
    with_dropout.build()
    plain = Sequential(seed=0)
    plain.add(Dense(8, activation="tanh", input_dim=3))
    plain.add(Dense(2, activation="softmax"))
    plain.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    plain.set_weights(with_dropout.get_weights())
    np.testing.assert_array_equal(with_dropout.predict(X), plain.predict(X))
    assert with_dropout.evaluate(X, y) == plain.evaluate(X, y)
    np.testing.assert_array_equal(with_dropout.gradients(X, y)[1][0][0],
                                  plain.gradients(X, y)[1][0][0])


def test_training_gradient_is_the_gradient_of_the_masked_network():
    """Back propagation through a training pass equals central finite differences of the same
    network with that pass's mask held fixed."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, 6)
    model = _mlp(0.4, seed=2)
    model.build()
    model.params[:] = rng.normal(scale=0.7, size=model.params.size)
    trace = model._forward_trace(X, training=True)
    mask = trace.caches[1].mask
    assert 0 < np.count_nonzero(mask == 0) < mask.size
    from artificial._validation import prepare_targets

    yy = prepare_targets(y, model.loss, 2, 6, np.float64)
    model.backward(trace, yy)
    analytic = model.grads.copy()
    k1, b1, k2, b2 = model.get_weights()
    # the analytic gradient of a weight feeding a dropped unit is zero
    dropped_everywhere = np.all(mask == 0, axis=0)
    assert np.all(analytic[:24].reshape(3, 8)[:, dropped_everywhere] == 0)

    def loss(p):
        K1, B1 = p[:24].reshape(3, 8), p[24:32]
        K2, B2 = p[32:48].reshape(8, 2), p[48:50]
        z = (np.tanh(X @ K1 + B1) * mask) @ K2 + B2
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -logp[np.arange(6), y].mean()

    p0, h = model.params.copy(), 1e-6
    numeric = np.array([(loss(p0 + h * e) - loss(p0 - h * e)) / (2 * h)
                        for e in np.eye(p0.size)])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_masks_are_seeded_and_fresh_every_batch():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 3)), rng.integers(0, 2, 64)
    a, b, c = _mlp(0.5, seed=3), _mlp(0.5, seed=3), _mlp(0.5, seed=4)
    for m in (a, b, c):
        m.fit(X, y, epochs=3, batch_size=16, verbose=0)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)
    layer = a.layers[1]
    m1 = layer.forward_train(X, training=True)[2].mask
    m2 = layer.forward_train(X, training=True)[2].mask
    assert not np.array_equal(m1, m2)
    # an explicit seed fixes the masks whatever the model's seed
    d, e = _mlp(0.5, seed=5, dropout_seed=7), _mlp(0.5, seed=6, dropout_seed=7)
    d.build()
    e.build()
    np.testing.assert_array_equal(d.layers[1].forward_train(X, True)[2].mask,
                                  e.layers[1].forward_train(X, True)[2].mask)


def test_rate_zero_is_the_identity_in_training_too():
    layer = Dropout(0.0)
    x = np.arange(6.0).reshape(2, 3)
    assert layer.forward_train(x, training=True)[0] is x


def test_saving_between_epochs_continues_the_same_masks(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    straight = _mlp(0.5, seed=8)
    straight.fit(X, y, epochs=2, batch_size=8, verbose=0)
    first = _mlp(0.5, seed=8)
    first.fit(X, y, epochs=1, batch_size=8, verbose=0)
    first.save(tmp_path / "m.npz")
    resumed = load_model(tmp_path / "m.npz")
    resumed.fit(X, y, epochs=1, batch_size=8, verbose=0)
    np.testing.assert_array_equal(resumed.params, straight.params)


def test_dropout_between_spiking_layers_drops_spikes():
    model = Sequential(seed=0)
    model.add(SpikeEncoder(10, code="rate", input_dim=4))
    model.add(LIFDense(6))
    model.add(Dropout(0.5))
    model.add(LIFDense(2, readout="count"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    assert model.layers[2].outputs_time
    X = np.full((3, 4), 0.9)
    model.fit(X, np.array([0, 1, 0]), epochs=1, verbose=0)
    assert np.isfinite(model.params).all()


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5])
def test_rate_outside_zero_one_is_refused(rate):
    with pytest.raises(ValueError, match=rf"Dropout.rate must be in \[0, 1\).*got {rate}"):
        Dropout(rate)


def test_wrong_types_are_refused():
    with pytest.raises(TypeError, match="Dropout.rate must be a real number"):
        Dropout("0.5")
    with pytest.raises(ValueError, match="Dropout.seed must be an integer >= 0"):
        Dropout(0.5, seed=-1)


def test_dropout_as_the_first_layer_drops_inputs():
    model = Sequential([Dropout(0.5, input_dim=3), Dense(1, use_bias=False)], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(model.predict(X), X @ model.get_weights()[0])
    out = model.layers[0].forward_train(X, training=True)[0]
    assert set(np.unique(out / np.where(X == 0, 1, X))) <= {0.0, 2.0}
