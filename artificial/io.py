"""Saving and loading a model to one ``.npz`` file.

The file holds ``config.json`` (architecture, compile settings, format version, seed) as a byte
array, ``params`` (the flat weight vector) and the optimiser state (``optimizer.*``). It is written
atomically: to a temporary file in the same folder, flushed and fsynced, then renamed over the
target, so a crash or a full disk never leaves a half-written model where the old one was.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import numpy as np

from nsdurable import atomic_write

from . import activations as _act
from . import losses as _losses
from . import optimizers as _optim
from . import regularizers as _reg
from .layers import Dense, Dropout, SimpleRNN
from .spiking import LIFDense, LIFRecurrent, SpikeEncoder

if TYPE_CHECKING:
    from .models import Sequential

__all__ = ["save_model", "load_model", "atomic_write"]

#: Version 2 adds the spiking layers (a ``"class"`` key per layer; SimpleRNN and Dropout are
#: stored the same way); a model of Dense layers only is still written as version 1, which older
#: readers understand. A pruned model also stores its ``weight_mask``.
FORMAT_VERSION = 2

_SPIKING = {cls.__name__: cls for cls in (SpikeEncoder, LIFDense, LIFRecurrent, SimpleRNN,
                                          Dropout)}


def _activation_config(act):
    if isinstance(act, (_act.LeakyReLU, _act.ELU)):
        return {"name": act.name, "alpha": act.alpha}
    if act.name in _act.names() and _act.get(act.name) is act:
        return {"name": act.name}
    raise ValueError(f"cannot save a model with the custom activation {act.name!r}: only the "
                     f"named activations ({', '.join(_act.names())}) are stored by name")


def _activation_from_config(cfg):
    if cfg["name"] == "leaky_relu" and "alpha" in cfg:
        return _act.LeakyReLU(cfg["alpha"])
    if cfg["name"] == "elu" and "alpha" in cfg:
        return _act.ELU(cfg["alpha"])
    return _act.get(cfg["name"])


def save_model(model: Sequential, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` (an ``.npz`` file), atomically."""
    if not model.built:
        raise ValueError("save_model: the model is not built (no weights yet)")
    layers = []
    for layer in model.layers:
        if not isinstance(layer, Dense):
            cfg = {"class": type(layer).__name__, "config": layer.get_config()}
            if isinstance(layer, (SpikeEncoder, Dropout)):
                cfg["state"] = layer.get_state()
            elif isinstance(layer, SimpleRNN):
                cfg["config"]["activation"] = _activation_config(layer.activation)
            else:
                _activation_config(layer.activation)  # refuses a custom activation
            layers.append(cfg)
            continue
        layers.append({
            "units": layer.units,
            "input_dim": layer.input_dim,
            "use_bias": layer.use_bias,
            "name": layer.name,
            "activation": _activation_config(layer.activation),
            "kernel_regularizer": None if layer.kernel_regularizer is None
            else layer.kernel_regularizer.get_config(),
            "bias_regularizer": None if layer.bias_regularizer is None
            else layer.bias_regularizer.get_config(),
        })
    config = {
        "format": "artificial.Sequential",
        "format_version": FORMAT_VERSION if model._layered else 1,
        "numpy_version": np.__version__,
        "name": model.name,
        "dtype": model.dtype.name,
        "seed": model.seed if isinstance(model.seed, (int, type(None))) else None,
        "rng_state": model.rng.bit_generator.state,
        "layers": layers,
        "loss": None if model.loss is None else model.loss.name,
        "metrics": [m.name for m in model.metrics],
        "optimizer": None if model.optimizer is None else {
            "class": type(model.optimizer).__name__, "config": model.optimizer.get_config()},
    }
    arrays = {"config.json": np.frombuffer(json.dumps(config).encode(), dtype=np.uint8),
              "params": model.params}
    if model.weight_mask is not None:
        arrays["weight_mask"] = model.weight_mask
    if model.optimizer is not None:
        for k, v in model.optimizer.get_state().items():
            arrays["optimizer." + k] = np.asarray(v)
    atomic_write(path, lambda f: np.savez(f, **arrays))


def load_model(path: str | os.PathLike[str]) -> Sequential:
    """Read a model written by :func:`save_model`; predictions are bitwise the same, and
    training continues where it stopped (the optimiser state is restored)."""
    from .models import Sequential

    with np.load(os.fspath(path), allow_pickle=False) as data:
        if "config.json" not in data.files:
            raise ValueError(f"{path!r} is not a saved artificial model (no config.json inside)")
        config = json.loads(bytes(data["config.json"]).decode())
        if config.get("format") != "artificial.Sequential":
            raise ValueError(f"{path!r} is not a saved artificial model")
        if config["format_version"] > FORMAT_VERSION:
            raise ValueError(f"{path!r} has format version {config['format_version']}; this "
                             f"version of artificial reads up to {FORMAT_VERSION}")
        params = data["params"].copy()
        mask = data["weight_mask"].copy() if "weight_mask" in data.files else None
        opt_state = {k[len("optimizer."):]: data[k].copy() for k in data.files
                     if k.startswith("optimizer.")}
    model = Sequential(seed=config["seed"], dtype=config["dtype"], name=config["name"])
    states = {}
    for cfg in config["layers"]:
        if "class" in cfg:
            if cfg["class"] not in _SPIKING:
                raise ValueError(f"{path!r}: unknown layer class {cfg['class']!r}")
            layer_cfg = dict(cfg["config"])
            if cfg["class"] == "SimpleRNN":
                layer_cfg["activation"] = _activation_from_config(layer_cfg["activation"])
            layer = _SPIKING[cfg["class"]].from_config(layer_cfg)
            model.add(layer)
            if "state" in cfg:
                states[len(model.layers) - 1] = cfg["state"]
            continue
        model.add(Dense(
            cfg["units"], activation=_activation_from_config(cfg["activation"]),
            input_dim=cfg["input_dim"], use_bias=cfg["use_bias"], name=cfg["name"],
            kernel_regularizer=None if cfg["kernel_regularizer"] is None
            else _reg.Regularizer(**cfg["kernel_regularizer"]),
            bias_regularizer=None if cfg["bias_regularizer"] is None
            else _reg.Regularizer(**cfg["bias_regularizer"])))
    model.build()
    if params.shape != model.params.shape:
        raise ValueError(f"{path!r}: {params.size} stored parameters, the architecture needs "
                         f"{model.params.size}")
    model.params[...] = params
    if mask is not None:
        if mask.shape != params.shape:
            raise ValueError(f"{path!r}: the weight mask has {mask.size} entries, the model "
                             f"{params.size} parameters")
        model.weight_mask = mask
    for index, state in states.items():
        model.layers[index].set_state(state)
    model.rng.bit_generator.state = config["rng_state"]
    if config["loss"] is not None:
        opt = config["optimizer"]
        model.compile(loss=_losses.get(config["loss"]),
                      optimizer=_optim.from_config(opt["class"], opt["config"]),
                      metrics=config["metrics"])
        if opt_state:
            model.optimizer.set_state(opt_state)
    return model
