"""artificial: rate-based multilayer perceptrons built from the article's formulas in NumPy.

The Keras-style surface runs the article's XOR example with only its imports changed::

    from artificial import Sequential, Dense

``SimpleRNN`` (a recurrent rate layer trained by back propagation through time) and ``Dropout``
follow Keras' semantics; :func:`prune` removes the smallest weights (:mod:`artificial.pruning`).
Spiking layers (:mod:`artificial.spiking`: ``SpikeEncoder``, ``LIFDense``, ``LIFRecurrent``)
train in the same ``Sequential`` by back-propagation through time with surrogate gradients;
``to_nir``/``from_nir`` (:mod:`artificial.nir_exchange`) exchange them as NIR graphs.
"""

from . import activations, initializers, losses, metrics, optimizers, pruning, regularizers, spiking
from .data import digits, spike_timing_task, two_moons, xor, yin_yang
from .io import load_model, save_model
from .layers import Dense, Dropout, SimpleRNN
from .metrics import accuracy_score, confusion_matrix, f1_score, precision_score, recall_score
from .model_selection import KFold, cross_validate, train_test_split
from .models import DeadUnitsWarning, ForwardTrace, Sequential
from .nir_exchange import from_nir, to_nir
from .optimizers import SGD, Adam, RMSprop
from .preprocessing import MinMaxScaler, StandardScaler, one_hot
from .pruning import prune
from .regularizers import L1, L1L2, L2
from .spiking import LIFDense, LIFRecurrent, SpikeEncoder
from .training import Callback, EarlyStopping, History, LearningRateScheduler

__version__ = "0.1.0"

__all__ = [
    "Sequential", "Dense", "SimpleRNN", "Dropout", "ForwardTrace", "DeadUnitsWarning",
    "SpikeEncoder", "LIFDense", "LIFRecurrent",
    "SGD", "Adam", "RMSprop", "L1", "L2", "L1L2",
    "History", "Callback", "EarlyStopping", "LearningRateScheduler",
    "accuracy_score", "precision_score", "recall_score", "f1_score", "confusion_matrix",
    "KFold", "cross_validate", "train_test_split",
    "StandardScaler", "MinMaxScaler", "one_hot",
    "xor", "two_moons", "digits", "yin_yang", "spike_timing_task",
    "save_model", "load_model", "to_nir", "from_nir", "prune",
    "activations", "losses", "initializers", "optimizers", "regularizers", "metrics",
    "spiking", "pruning",
]
