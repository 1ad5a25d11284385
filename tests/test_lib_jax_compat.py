"""d2l.jax against what d2l-en's JAX notebooks call (found by ``python -m bench compat --tab
jax``): each test is a case where a public notebook failed on our library."""

from __future__ import annotations

import jax
import numpy as np
from jax import numpy as jnp

from d2l import jax as d2l


def test_config_aliases_of_d2l_1_0_3():
    # conv-layer's JAX cells call d2l.transpose; others d2l.to, d2l.sigmoid, d2l.swapaxes
    X = jnp.arange(6.0).reshape(2, 3)
    assert d2l.transpose(X).shape == (3, 2)
    assert np.array_equal(np.asarray(d2l.transpose(X)), np.asarray(X).T)
    assert float(d2l.sigmoid(jnp.zeros(()))) == 0.5
    assert d2l.to(X, d2l.cpu()).devices() == {d2l.cpu()}
    assert d2l.expand_dims(X, 0).shape == (1, 2, 3)
    assert d2l.swapaxes(jnp.zeros((2, 3, 4)), 0, 2).shape == (4, 3, 2)
    assert d2l.repeat(jnp.array([1, 2]), 2).tolist() == [1, 1, 2, 2]
    assert isinstance(d2l.to(np.ones(2), d2l.cpu()), jax.Array)
