"""The public API used as the README uses it, for mypy only (``[tool.mypy] files``).

Nothing here runs: pytest does not collect this file (its name does not start with ``test_``)
and the functions are never called. mypy checks each call against the annotations and each
result against how the README goes on to use it, so an annotation that is too narrow for a
documented call, or a result typed too loosely or wrongly for how it is used, fails
tests/test_typing.py.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

import artificial
import neurosim as ns
from artificial import (
    Adam,
    Dense,
    EarlyStopping,
    History,
    LIFDense,
    LIFRecurrent,
    Sequential,
    SpikeEncoder,
    load_model,
)
from artificial.losses import BinaryCrossentropy
from artificial.optimizers import SGD, RMSprop


def cuba() -> float:
    net = ns.Network()
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-49.0, v_th=-50.0, v_reset=-60.0, t_ref=5.0)
    exc = net.population(3200, lif, name="exc", v=ns.Uniform(-60.0, -50.0))
    inh = net.population(800, lif, name="inh", v=np.full(800, -55.0))
    for pre, tau, w in ((exc, 5.0, 20.25), (inh, 10.0, -112.5)):
        for post in (exc, inh):
            net.connect(pre, post, ns.FixedProbability(0.02), synapse=ns.ExpCurrent(tau=tau),
                        weight=w, delay=ns.Uniform(1.0, 5.0))
    net.connect(exc, inh, ns.OneToOne(), weight=np.ones(800), delay=1.0)
    net.inject(exc, ns.StepCurrent(times=[0.0, 50.0], amplitudes=[0.0, 100.0]), neurons=[0, 1])
    net.poisson_input(inh, rate=8.0, n=1000, weight=5.0, synapse=ns.ExpCurrent(tau=2.0))
    spikes = net.record_spikes(exc)
    trace = net.record(exc, "v", neurons=[0, 1, 2], every=1.0)
    sim = ns.Simulator(net, dt=0.1, seed=1, engine="neurosim", progress=False)
    sim.run(1000.0)
    rec = sim.data[spikes]                       # a SpikeRecord, not any record
    times: npt.NDArray[np.float64] = rec.times
    first: float = float(times[0]) + rec.duration + rec.t_stop
    rates = rec.rates()
    counts = rec.counts()
    trains = rec.trains()
    v = sim.data[trace]                          # a StateRecord
    shape: tuple[int, ...] = v.values.shape
    label: str = v.variable + rec.population
    now: npt.NDArray[np.float64] = sim.get(exc, "v")
    print(len(rec), rec.n_neurons, float(rates.mean()), int(counts.sum()), len(trains), shape,
          label, now.size, sim.t, sim.n_synapses)
    rec.save("spikes.npz")
    back = ns.load_record("spikes.npz")
    print(type(back).__name__)
    return rec.mean_rate() + first


def plasticity() -> float:
    net = ns.Network()
    src = net.population(100, ns.PoissonSource(rate=20.0), name="src")
    cell = net.population(1, ns.LIF(), name="cell")
    proj = net.connect(src, cell, ns.AllToAll(), synapse=ns.ExpCurrent(tau=5.0), weight=60.0,
                       delay=ns.Uniform(1.0, 5.0),
                       plasticity=ns.STDP(a_plus=1.0, a_minus=1.05, tau_plus=20.0,
                                          tau_minus=20.0, w_max=120.0))
    w = net.record_weights(proj, every=10.0, synapses=[0, 1, 2])
    sim = ns.Simulator(net, dt=0.1, seed=3)
    sim.run(50.0, checkpoint_every=10.0, checkpoint_path="every.npz")
    sim.set_rate(src, 10.0)
    sim.set_rate(src, np.linspace(0.0, 20.0, 100))
    sim.checkpoint("half.npz")
    sim = ns.Simulator.resume("half.npz", net)
    sim.run(50.0)
    table = sim.weights(proj)
    matrix: npt.NDArray[np.float64] = table.matrix(100, 1)
    weights = sim.data[w]                        # a WeightRecord
    ns.save_results("run.npz", sim)
    return float(table.weight.mean()) + float(matrix.sum()) + float(weights.values[-1, 0])


def reward(proj: ns.network.Projection, sim: ns.Simulator) -> float:
    sim.reward(500.0)                            # Hz
    sim.reward(-500.0, proj)
    return sim.dopamine(proj)


def run(seed: int, rate: float) -> dict[str, object]:
    net = ns.Network()
    cells = net.population(100, ns.LIF(), name="cells")
    noise = net.population(100, ns.PoissonSource(rate=rate), name="noise")
    net.connect(noise, cells, ns.FixedTotalNumber(2000), synapse=ns.ExpCurrent(tau=5.0),
                weight=100.0)
    spikes = net.record_spikes(cells)
    sim = ns.Simulator(net, dt=0.1, seed=seed)
    sim.run(200.0)
    return {"rate_out": sim.data[spikes].mean_rate(), "spikes": sim.data[spikes]}


def sweep() -> None:
    table = ns.sweep(run, grid={"rate": [10.0, 20.0, 40.0]}, seeds=[0, 1], out="runs")
    print(table[["rate", "seed", "rate_out", "status", "resumed"]])
    ns.sweep(run, seeds=3, n_workers=1, progress=False)


def article_xor() -> npt.NDArray[np.floating]:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([[0], [1], [1], [0]])
    model = Sequential()
    model.add(Dense(2, input_dim=2, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer=Adam(learning_rate=0.001))
    model.fit(X, y, epochs=1000, verbose=0)
    return model.predict(X)


def digits() -> float:
    X, y = artificial.digits()
    X_tr, X_te, y_tr, y_te = artificial.train_test_split(X, y, test_size=0.25, seed=0,
                                                         stratify=True)
    model = Sequential([Dense(128, input_dim=64, activation="relu", kernel_regularizer="l2")],
                       seed=0, dtype="float32", name="digits")
    model.add(Dense(10, activation="softmax", kernel_initializer="he_normal"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(1e-3),
                  metrics=["accuracy"])
    history: History = model.fit(X_tr, y_tr, epochs=30, batch_size=32, validation_split=0.2,
                                 callbacks=[EarlyStopping(patience=5, restore_best_weights=True)],
                                 verbose=0)
    last: float = history.history["val_loss"][-1] + history["loss"][-1]
    loss, acc = model.evaluate(X_te, y_te)       # [loss, accuracy] with one metric compiled
    logs: dict[str, float] = model.evaluate_dict(X_te, y_te)
    model.save("digits.npz")
    again: Sequential = load_model("digits.npz")
    weights = again.get_weights()
    again.set_weights(weights)
    return float(loss) + float(acc) + last + logs["loss"]


def spiking() -> None:
    X, y = artificial.digits()
    model = Sequential(seed=0)
    model.add(SpikeEncoder(steps=25, code="rate", input_dim=64))
    model.add(LIFDense(128, tau_m=10.0, tau_syn=5.0, v_th=1.0, reset="subtract",
                       surrogate="fast_sigmoid"))
    model.add(LIFRecurrent(64, recurrent_initializer="orthogonal", readout="count"))
    model.add(LIFDense(10, readout="membrane", name="readout", tau_syn=None))
    model.compile(loss=BinaryCrossentropy(), optimizer=RMSprop(1e-2))
    model.compile(loss="mse", optimizer=SGD(0.1, momentum=0.9, nesterov=True))
    model.fit(X / 16, y, epochs=30, batch_size=64, verbose=0)
    graph = artificial.to_nir(model)
    net = ns.from_nir(graph, dt=1.0, inputs=np.zeros((20, 64)))
    net.nir.record_v("readout")
    sim = ns.Simulator(net, dt=1.0, seed=0)
    sim.run(net.nir.steps_needed(20))
    print(type(ns.to_nir(net)).__name__)
