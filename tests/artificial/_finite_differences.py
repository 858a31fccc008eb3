"""Central finite differences of a model's loss over its flat parameter vector (not a test
file: the gradient tests of test_gradients.py, test_spiking_gradients.py and
test_simple_rnn.py compare back propagation against it)."""

import numpy as np


def numeric_gradient(model, X, y, h=1e-6):
    """``d loss / d params`` by ``(L(p + h) - L(p - h)) / 2h``, one parameter at a time."""
    numeric = np.empty_like(model.params)
    for i in range(model.params.size):
        old = model.params[i]
        model.params[i] = old + h
        up = model.evaluate_dict(X, y)["loss"]
        model.params[i] = old - h
        down = model.evaluate_dict(X, y)["loss"]
        model.params[i] = old
        numeric[i] = (up - down) / (2 * h)
    return numeric
