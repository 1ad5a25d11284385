# This file is generated from the book by `d2lbook build lib`; do not edit it.
# Change the book's #@save cells instead.


import math
import sys


d2l = sys.modules[__name__]


import jax
from jax import numpy as jnp


def square(x):
    """Defined in :numref:`sec_basics`"""
    return x ** 2


def cube(x):
    """Defined in :numref:`sec_basics`"""
    return x * x * x


# Aliases from config.ini
ones = jnp.ones
sigmoid = jax.nn.sigmoid
