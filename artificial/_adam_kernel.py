"""The compiled Adam step; imported (and numba with it) only when :mod:`artificial.optimizers`
decides the kernel pays for its loading time."""

import numba
import numpy as np


@numba.njit(cache=True, error_model="numpy")
def adam_kernel(w, g, m, v, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, lr_t, epsilon):
    # The operations of optimizers._adam_numpy in the same order, so the result is bitwise the
    # same. error_model="numpy" lets the division vectorise (no zero-division check).
    for i in range(w.size):
        gi = g[i]
        mi = m[i] * beta_1 + gi * one_minus_beta_1
        vi = v[i] * beta_2 + (gi * gi) * one_minus_beta_2
        m[i] = mi
        v[i] = vi
        w[i] -= (mi / (np.sqrt(vi) + epsilon)) * lr_t
