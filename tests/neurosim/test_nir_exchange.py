"""neurosim.from_nir / to_nir: NIR graphs simulated step for step as their exporters mean them.

Truth: a NumPy stepping of the graph's equations written here from the module docstring (the
forward-Euler reading snnTorch's own import uses), a single neuron worked by hand, and
snnTorch's own simulation of a network it exported (skipped, with the reason, where snnTorch is
not installed).
"""

import sys

import numpy as np
import pytest

nir = pytest.importorskip("nir", reason="the NIR exchange needs the 'nir' extra")

import neurosim as ns  # noqa: E402

DT = 0.5  # ms


def lif(n, tau, r=1.0, v_leak=0.0, v_th=1.0, v_reset=0.0):
    f = np.full
    return nir.LIF(tau=f(n, tau) if np.ndim(tau) == 0 else np.asarray(tau, float),
                   r=f(n, float(r)), v_leak=f(n, float(v_leak)), v_threshold=f(n, float(v_th)),
                   v_reset=f(n, float(v_reset)))


def mixed_graph(seed=0):
    """Every simulated node type: Affine (bias), CubaLIF (per-neuron tau_mem, w_in), Linear,
    Delay (per neuron), a LIF with a self-loop, Scale, IF, LI, CubaLI, I, a nested graph."""
    rng = np.random.default_rng(seed)
    s = 1e-3  # graph times in seconds; DT ms = DT * 1e-3 s
    inner = nir.NIRGraph(nodes={
        "in": nir.Input(input_type=np.array([4])),
        "li": nir.LI(tau=np.full(3, 4.0 * s), r=np.full(3, 2.0), v_leak=np.full(3, 0.1)),
        "w": nir.Linear(weight=rng.normal(0, 1.0, (3, 4))),
        "out": nir.Output(output_type=np.array([3])),
    }, edges=[("in", "w"), ("w", "li"), ("li", "out")], type_check=False)
    nodes = {
        "input": nir.Input(input_type=np.array([6])),
        "aff1": nir.Affine(weight=rng.normal(0.6, 0.5, (10, 6)), bias=rng.normal(0.05, 0.05, 10)),
        "cuba": nir.CubaLIF(tau_syn=np.full(10, 3.0 * s), tau_mem=np.linspace(5, 12, 10) * s,
                            r=np.full(10, 1.5), v_leak=np.zeros(10), v_threshold=np.full(10, 0.4),
                            v_reset=np.full(10, -0.1), w_in=np.linspace(0.8, 1.2, 10)),
        "lin2": nir.Linear(weight=rng.normal(0.5, 0.6, (5, 10))),
        "delay": nir.Delay(delay=np.array([0, 1, 2, 0, 3]) * DT * s),
        "lif": lif(5, 6.0 * s, r=2.0, v_leak=0.05, v_th=0.6),
        "rec": nir.Linear(weight=rng.normal(0, 0.3, (5, 5))),
        "lin3": nir.Linear(weight=rng.normal(0.4, 0.5, (4, 10))),
        "scale": nir.Scale(scale=np.array([1.0, 0.5, 2.0, 1.5])),
        "if": nir.IF(r=np.full(4, 300.0), v_threshold=np.full(4, 1.0), v_reset=np.zeros(4)),
        "sub": inner,
        "lin5": nir.Linear(weight=rng.normal(0.5, 0.5, (2, 5))),
        "cli": nir.CubaLI(tau_syn=np.full(2, 2.0 * s), tau_mem=np.full(2, 8.0 * s),
                          r=np.ones(2), v_leak=np.zeros(2), w_in=np.ones(2)),
        "lin6": nir.Linear(weight=rng.normal(0.5, 0.5, (2, 4))),
        "integ": nir.I(r=np.full(2, 100.0)),
        "out_lif": nir.Output(output_type=np.array([5])),
        "out_sub": nir.Output(output_type=np.array([3])),
    }
    edges = [("input", "aff1"), ("aff1", "cuba"), ("cuba", "lin2"), ("lin2", "delay"),
             ("delay", "lif"), ("lif", "rec"), ("rec", "lif"), ("cuba", "lin3"),
             ("lin3", "scale"), ("scale", "if"), ("if", "sub"), ("lif", "lin5"),
             ("lin5", "cli"), ("if", "lin6"), ("lin6", "integ"), ("lif", "out_lif"),
             ("sub", "out_sub")]
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def reference(graph, x, dt_s):
    """The graph stepped by hand (module docstring of neurosim.nir_exchange), for this graph's
    shape: returns spikes and potentials per node, arrays (batch, steps, n)."""
    N = graph.nodes
    sub = N["sub"].nodes
    B, T, _ = x.shape
    cuba, lf, ifn, li, cli, integ = N["cuba"], N["lif"], N["if"], sub["li"], N["cli"], N["integ"]
    st = {k: np.zeros((B, n)) for k, n in
          (("cuba", 10), ("cuba_I", 10), ("lif", 5), ("if", 4), ("li", 3), ("cli", 2),
           ("cli_I", 2), ("integ", 2))}
    st["li"][:] = li.v_leak
    st["lif"][:] = lf.v_leak
    out = {k: [] for k in ("cuba", "lif", "if", "li", "cli", "integ", "s_cuba", "s_lif", "s_if")}
    steps = np.rint(N["delay"].delay / dt_s).astype(int)
    s_cuba_hist = []
    s_lif_prev = np.zeros((B, 5))

    def fire(v, node, key):
        s = (v > node.v_threshold).astype(float)
        v = np.where(s > 0, node.v_reset, v)
        out["s_" + key].append(s)
        return v, s

    for t in range(T):
        S = x[:, t] @ N["aff1"].weight.T + N["aff1"].bias
        Ic = st["cuba_I"] + dt_s / cuba.tau_syn * (cuba.w_in * S - st["cuba_I"])
        v = st["cuba"] + dt_s / cuba.tau_mem * (cuba.v_leak - st["cuba"] + cuba.r * Ic)
        v, s_cuba = fire(v, cuba, "cuba")
        st["cuba"], st["cuba_I"] = v, Ic
        out["cuba"].append(v)
        s_cuba_hist.append(s_cuba)
        # lif: delayed Linear from cuba (per target neuron), self-loop one step late
        W = N["lin2"].weight
        drive = np.zeros((B, 5))
        for j in range(5):
            k = t - steps[j]
            if k >= 0:
                drive[:, j] = s_cuba_hist[k] @ W[j]
        drive += s_lif_prev @ N["rec"].weight.T
        v = st["lif"] + dt_s / lf.tau * (lf.v_leak - st["lif"] + lf.r * drive)
        v, s_lif = fire(v, lf, "lif")
        st["lif"] = v
        out["lif"].append(v)
        s_lif_prev = s_lif
        # IF through Linear and Scale
        v = st["if"] + dt_s * ifn.r * (N["scale"].scale * (s_cuba @ N["lin3"].weight.T))
        v, s_if = fire(v, ifn, "if")
        st["if"] = v
        out["if"].append(v)
        # nested LI, CubaLI and I: never spike
        st["li"] = st["li"] + dt_s / li.tau * (li.v_leak - st["li"] + li.r * (s_if @ sub["w"].weight.T))
        out["li"].append(st["li"])
        Ic = st["cli_I"] + dt_s / cli.tau_syn * (cli.w_in * (s_lif @ N["lin5"].weight.T) - st["cli_I"])
        st["cli"] = st["cli"] + dt_s / cli.tau_mem * (cli.v_leak - st["cli"] + cli.r * Ic)
        st["cli_I"] = Ic
        out["cli"].append(st["cli"])
        st["integ"] = st["integ"] + dt_s * integ.r * (s_if @ N["lin6"].weight.T)
        out["integ"].append(st["integ"])
    return {k: np.stack(v, axis=1) for k, v in out.items()}


def simulate(net, steps, record=()):
    info = net.nir
    for node in record:
        info.record_v(node)
    sim = ns.Simulator(net, dt=info.dt, seed=0)
    sim.run(info.steps_needed(steps))
    return sim


def input_spikes(batch, steps, n, p, seed):
    return (np.random.default_rng(seed).random((batch, steps, n)) < p).astype(float)


def test_a_graph_of_every_node_type_runs_step_for_step_as_its_equations():
    """Spikes identical and potentials within 1e-12 mV of the hand stepping, for every node
    type, a per-neuron Delay, a self-loop, a bias, a nested graph and a batch of 3 samples.

    Tolerance: both sides compute the same products and sums in float64 in different orders,
    so potentials differ by rounding (~1e-15 relative per step); a spike could differ only where
    a potential ends a step within that of its threshold, which the check below would show."""
    g = mixed_graph()
    T = 40
    x = input_spikes(3, T, 6, 0.4, 1)
    ref = reference(g, x, DT * 1e-3)
    net = ns.from_nir(g, dt=DT, inputs=x)
    info = net.nir
    assert {p.name for p in net.populations} == {"input", "cuba", "lif", "if", "sub.li", "cli",
                                                 "integ", "bias"}
    assert info.lag == {"input": 0, "cuba": 1, "lif": 2, "if": 2, "sub.li": 3, "cli": 3,
                        "integ": 3}
    assert info.outputs == {"out_lif": "lif", "out_sub": "sub.li"}
    nodes = {"cuba": "cuba", "lif": "lif", "if": "if", "li": "sub.li", "cli": "cli",
             "integ": "integ"}
    sim = simulate(net, T, record=nodes.values())
    for key in ("cuba", "lif", "if"):
        spikes = info.spikes(sim, nodes[key], T)
        assert ref["s_" + key].sum() > 10, key                     # the test exercises spikes
        np.testing.assert_array_equal(spikes, ref["s_" + key], err_msg=key)
    for key, node in nodes.items():
        np.testing.assert_allclose(info.potentials(sim, node, T), ref[key], rtol=0, atol=1e-12,
                                   err_msg=key)
    np.testing.assert_array_equal(info.spikes(sim, "out_lif", T), ref["s_lif"])


def test_one_lif_neuron_worked_by_hand():
    """One input spike of weight w at step 0 into a LIF (tau = 4 dt, r = 2): forward Euler
    gives v[0] = (dt/tau) r w = 0.25 * 2 * 0.8 = 0.4, then v[t] = 0.75^t * 0.4 (v_leak = 0);
    a second spike at step 3 with w = 0.8 adds 0.4: v[3] = 0.4 * 0.75^3 + 0.4 = 0.56875 and
    crosses v_th = 0.5, so v[3] = v_reset = 0 and the neuron spikes at step 3 only."""
    g = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([1])),
                            "w": nir.Linear(weight=np.array([[0.8]])),
                            "n": lif(1, 4 * DT * 1e-3, r=2.0, v_th=0.5),
                            "output": nir.Output(output_type=np.array([1]))},
                     edges=[("input", "w"), ("w", "n"), ("n", "output")], type_check=False)
    x = np.zeros((6, 1))
    x[[0, 3], 0] = 1.0
    net = ns.from_nir(g, dt=DT, inputs=x)
    sim = simulate(net, 6, record=["n"])
    v = net.nir.potentials(sim, "n", 6)[0, :, 0]
    np.testing.assert_allclose(v, [0.4, 0.3, 0.225, 0.0, 0.0, 0.0], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(net.nir.spikes(sim, "output", 6)[0, :, 0], [0, 0, 0, 1, 0, 0])


def test_round_trip_graph_network_graph_and_a_file(tmp_path):
    """from_nir then to_nir gives back the nodes' parameters and the weights (to rounding of
    the weight scaling), and the written graph, read from a file, simulates the same spikes."""
    g = mixed_graph()
    T = 30
    x = input_spikes(2, T, 6, 0.4, 2)
    net = ns.from_nir(g, dt=DT, inputs=x)
    back = ns.to_nir(net)
    for name in ("cuba", "lif", "if", "cli", "integ", "sub.li"):
        a = back.nodes[name]
        b = g.nodes[name] if "." not in name else g.nodes["sub"].nodes["li"]
        assert type(a) is type(b)
        for field in vars(b):
            if field in ("input_type", "output_type", "metadata"):
                continue
            np.testing.assert_allclose(getattr(a, field), getattr(b, field), rtol=1e-14,
                                       err_msg=f"{name}.{field}")
    np.testing.assert_allclose(back.nodes["aff1"].weight, g.nodes["aff1"].weight, rtol=1e-13)
    np.testing.assert_allclose(back.nodes["aff1"].bias, g.nodes["aff1"].bias, rtol=1e-13)
    np.testing.assert_allclose(back.nodes["rec"].weight, g.nodes["rec"].weight, rtol=1e-13)
    path = tmp_path / "net.nir"
    nir.write(path, back)
    net2 = ns.from_nir(str(path), dt=DT, inputs=x)
    sim1, sim2 = simulate(net, T), simulate(net2, T)
    for node in ("cuba", "lif", "if"):
        np.testing.assert_array_equal(net2.nir.spikes(sim2, node, T),
                                      net.nir.spikes(sim1, node, T))


def test_a_delay_changed_on_the_network_is_exported_as_a_delay_node():
    """Delays added in neurosim (what training ignored) travel to NIR: to_nir writes a Delay
    node, and that graph simulates the changed network's spikes."""
    g = mixed_graph()
    T = 30
    x = input_spikes(1, T, 6, 0.4, 3)
    net = ns.from_nir(g, dt=DT, inputs=x)
    proj = next(p for p in net.projections if p.pre.name == "input")
    proj.delay = proj.delay + 2 * DT
    sim = simulate(net, T)
    back = ns.to_nir(net)
    delays = [back.nodes[a] for a, b in back.edges if b == "cuba"
              and isinstance(back.nodes[a], nir.Delay)]
    assert len(delays) == 1
    np.testing.assert_allclose(delays[0].delay, 2 * DT * 1e-3)    # seconds
    net2 = ns.from_nir(back, dt=DT, inputs=x)
    sim2 = simulate(net2, T)
    for node in ("cuba", "lif", "if"):
        np.testing.assert_array_equal(net2.nir.spikes(sim2, node, T), net.nir.spikes(sim, node, T))
    plain = ns.from_nir(g, dt=DT, inputs=x)
    assert (plain.nir.spikes(simulate(plain, T), "cuba", T)
            != net.nir.spikes(sim, "cuba", T)).any()          # the delay changed something


# --- snnTorch ------------------------------------------------------------------------------


def test_a_graph_exported_by_snntorch_spikes_as_in_snntorch():
    """snnTorch builds, exports (its own export_to_nir) and simulates Synaptic, RLeaky and
    Leaky layers; neurosim imports the graph (dt = 0.1 ms: snnTorch writes tau for a step of
    1e-4 s) and gives the same spikes for a batch of inputs. snnTorch runs in float64 so that
    both sides round alike (float32 would leave ties within ~1e-7 of threshold).

    snnTorch's defaults (reset by subtraction, delayed reset) have no NIR equivalent (NIR
    neurons reset to v_reset; snnTorch exports them with v_reset = 0 all the same), so the
    layers reset to zero at once (reset_mechanism="zero", reset_delay=False), as snnTorch's
    own import_nir builds them."""
    torch = pytest.importorskip("torch", reason="snnTorch's export needs torch (test extra)")
    snn = pytest.importorskip("snntorch", reason="the snnTorch comparison needs snntorch "
                                                 "(test extra)")
    from snntorch import utils
    from snntorch.export_nir import export_to_nir

    torch.manual_seed(0)
    kw = dict(reset_mechanism="zero", reset_delay=False, init_hidden=True)
    model = torch.nn.Sequential(
        torch.nn.Linear(12, 16),
        snn.Synaptic(alpha=torch.full((16,), 0.8), beta=torch.linspace(0.85, 0.95, 16),
                     threshold=torch.ones(16), **kw),
        torch.nn.Linear(16, 8),
        snn.RLeaky(beta=torch.full((8,), 0.9), threshold=torch.full((8,), 0.5),
                   linear_features=8, **kw),
        torch.nn.Linear(8, 5, bias=False),
        snn.Leaky(beta=torch.linspace(0.8, 0.95, 5), threshold=torch.full((5,), 0.5), **kw),
    )
    with torch.no_grad():
        model[0].weight.mul_(4.0)
        model[2].weight.mul_(3.0)
        model[4].weight.mul_(3.0)
    graph = export_to_nir(model, torch.zeros(1, 12), ignore_dims=[0])
    kinds = {type(n).__name__ for n in graph.nodes.values()}
    assert {"CubaLIF", "LIF", "Affine", "Linear"} <= kinds, kinds
    model = model.double()
    # RLeaky keeps its own spikes as float32 (snnTorch's step function returns .float()) and
    # feeds them to its recurrent Linear: cast them (0 or 1, exactly) to float64 on the way in.
    model[3].recurrent.register_forward_pre_hook(lambda mod, args: (args[0].double(),))
    T, B = 40, 4
    x = input_spikes(B, T, 12, 0.3, 1)
    utils.reset(model)
    theirs = {1: [], 3: [], 5: []}
    with torch.no_grad():
        h = None
        for t in range(T):
            h = torch.tensor(x[:, t])
            for k, layer in enumerate(model):
                h = layer(h)
                if isinstance(h, tuple):
                    h = h[0]
                h = h.double()
                if k in theirs:
                    theirs[k].append(h.numpy().copy())
    theirs = {k: np.stack(v, axis=1) for k, v in theirs.items()}

    net = ns.from_nir(graph, dt=0.1, inputs=x)
    info = net.nir
    sim = simulate(net, T)
    spiking = [n for n in info.kinds if info.kinds[n] in ("CubaLIF", "LIF")]
    assert len(spiking) == 3, info.kinds
    by_size = {info.sizes[n]: n for n in spiking}
    for k, n in ((1, 16), (3, 8), (5, 5)):
        ours = info.spikes(sim, by_size[n], T)
        assert theirs[k].sum() > 20, k
        np.testing.assert_array_equal(ours, theirs[k], err_msg=f"layer {k}")


# --- refusals ------------------------------------------------------------------------------


def small(**lif_kwargs):
    return nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([2])),
                               "w": nir.Linear(weight=np.ones((3, 2))),
                               "n": lif(3, **{"tau": 0.01, **lif_kwargs}),
                               "output": nir.Output(output_type=np.array([3]))},
                        edges=[("input", "w"), ("w", "n"), ("n", "output")], type_check=False)


def test_bad_graphs_and_inputs_are_refused_by_name():
    g = small()
    g.nodes["w"] = nir.Threshold(threshold=np.ones(3))
    with pytest.raises(ValueError, match=r"node 'w' is a Threshold, which neurosim does not "
                                         r"simulate"):
        ns.from_nir(g, dt=1.0)
    with pytest.raises(ValueError, match=r"NIR node 'n' \(LIF\): the membrane time constant "
                                         r"must be >= dt .* got 0.5 ms with dt = 1.0 ms"):
        ns.from_nir(small(tau=0.0005), dt=1.0)
    with pytest.raises(ValueError, match=r"tau must be > 0, got -0.01"):
        ns.from_nir(small(tau=-0.01), dt=1.0)
    with pytest.raises(ValueError, match=r"inputs\['input'\] must be spikes, 0 or 1 per step, "
                                         r"got 0.5"):
        ns.from_nir(small(), dt=1.0, inputs=np.full((4, 2), 0.5))
    with pytest.raises(ValueError, match=r"inputs\['input'\] must have shape \(steps, 2\)"):
        ns.from_nir(small(), dt=1.0, inputs=np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"from_nir.dt must be > 0 ms, got -1.0"):
        ns.from_nir(small(), dt=-1.0)
    g = small()
    g.nodes["d"] = nir.Delay(delay=np.full(3, 0.0015))
    g.edges = [("input", "w"), ("w", "d"), ("d", "n"), ("n", "output")]
    with pytest.raises(ValueError, match=r"Delay node 'd': delays must be whole multiples of dt "
                                         r"= 1.0 ms and >= 0, got 1.5 ms"):
        ns.from_nir(g, dt=1.0)
    with pytest.raises(TypeError, match=r"graph must be a nir.NIRGraph .* got dict"):
        ns.from_nir({}, dt=1.0)
    with pytest.raises(ValueError, match=r"discretization must be one of \['euler'\]"):
        ns.from_nir(small(), dt=1.0, discretization="rk4")


def test_nonuniform_synaptic_time_constants_and_fast_cycles_are_refused():
    g = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([2])),
                            "w": nir.Linear(weight=np.ones((2, 2))),
                            "c": nir.CubaLIF(tau_syn=np.array([0.01, 0.02]),
                                             tau_mem=np.full(2, 0.01), r=np.ones(2),
                                             v_leak=np.zeros(2), v_threshold=np.ones(2))},
                     edges=[("input", "w"), ("w", "c")], type_check=False)
    with pytest.raises(ValueError, match=r"'c' \(CubaLIF\)\.tau_syn must be the same for all "
                                         r"neurons"):
        ns.from_nir(g, dt=1.0)
    two = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([1])),
                              "w0": nir.Linear(weight=np.ones((1, 1))),
                              "a": lif(1, 0.01), "w1": nir.Linear(weight=np.ones((1, 1))),
                              "b": lif(1, 0.01), "w2": nir.Linear(weight=np.ones((1, 1)))},
                       edges=[("input", "w0"), ("w0", "a"), ("a", "w1"), ("w1", "b"),
                              ("b", "w2"), ("w2", "a")], type_check=False)
    with pytest.raises(ValueError, match=r"the edge 'b' -> 'a' closes a cycle of several neuron "
                                         r"nodes within one step"):
        ns.from_nir(two, dt=1.0)


def test_to_nir_refuses_what_nir_cannot_express():
    net = ns.from_nir(small(), dt=1.0, inputs=np.ones((3, 2)))
    net.inject(net.nir.populations["n"], ns.NoisyCurrent(mean=0.0, std=1.0))
    with pytest.raises(ValueError, match=r"NoisyCurrent injected into 'n' has no NIR equivalent"):
        ns.to_nir(net)
    plain = ns.Network()
    plain.population(2, ns.LIF())
    with pytest.raises(ValueError, match=r"this network was not made by from_nir"):
        ns.to_nir(plain)


def test_without_nir_the_error_names_the_extra(monkeypatch):
    """Both packages import without nir; the functions that need it say which extra."""
    import artificial

    monkeypatch.setitem(sys.modules, "nir", None)
    with pytest.raises(ImportError, match=r"neurosim.from_nir and neurosim.to_nir need the "
                                          r"package 'nir': pip install 'neurosim\[nir\]'"):
        ns.from_nir("graph.nir", dt=1.0)
    with pytest.raises(ImportError, match=r"artificial.to_nir and artificial.from_nir need the "
                                          r"package 'nir'"):
        artificial.to_nir(artificial.Sequential())
