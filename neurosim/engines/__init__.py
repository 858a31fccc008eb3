"""Other simulators running a neurosim description (imported lazily by
:class:`neurosim.Simulator`, so that ``import neurosim`` never needs them)."""
