# This file is generated from the book by `d2lbook build lib`; do not edit it.
# Change the book's #@save cells instead.


import collections
import hashlib
import inspect
import math
import os
import random
import re
import shutil
import sys
import tarfile
import time
import zipfile
from IPython import display
from matplotlib import pyplot as plt
from matplotlib_inline import backend_inline
import numpy as np


d2l = sys.modules[__name__]


import jax
from jax import numpy as jnp
from flax import linen as nn
import optax


def use_svg_display():
    """Show matplotlib figures as SVG in Jupyter.

    Defined in :numref:`sec_calculus`
    """
    d2l.backend_inline.set_matplotlib_formats('svg')


def set_figsize(figsize=(3.5, 2.5)):
    """Use SVG output and set the default size of new matplotlib figures.

    Defined in :numref:`sec_calculus`
    """
    use_svg_display()
    d2l.plt.rcParams['figure.figsize'] = figsize


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend):
    """Set the labels, limits, scales and legend of matplotlib axes.

    Defined in :numref:`sec_calculus`
    """
    if xlabel is not None:
        axes.set_xlabel(xlabel)
    if ylabel is not None:
        axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    if xlim is not None:
        axes.set_xlim(xlim)
    if ylim is not None:
        axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid(True)


def plot(X, Y=None, xlabel=None, ylabel=None, legend=[], xlim=None,
         ylim=None, xscale='linear', yscale='linear',
         fmts=('-', 'm--', 'g-.', 'r:'), figsize=(3.5, 2.5), axes=None):
    """Plot one or several curves in one figure.

    Defined in :numref:`sec_calculus`
    """
    def to_numpy(a):
        if isinstance(a, (list, tuple)):
            return np.array([to_numpy(e) for e in a], dtype=float)
        if hasattr(a, 'detach'):  # a PyTorch tensor, possibly on a GPU
            a = a.detach().cpu()
        return np.asarray(a, dtype=float)

    def as_curves(v):
        if hasattr(v, 'ndim'):  # a tensor or an array: 1-D is one curve, 2-D one per row
            return [to_numpy(v)] if v.ndim == 1 else [to_numpy(row) for row in v]
        if all(np.ndim(e) == 0 for e in v):  # a flat sequence of numbers is one curve
            return [to_numpy(v)]
        return [to_numpy(c) for c in v]

    xs = as_curves(X)
    if Y is None:  # the given values are ordinates; use indices as abscissae
        xs, ys = [None] * len(xs), xs
    else:
        ys = as_curves(Y)
        if len(xs) == 1 and len(ys) > 1:  # all curves share the same abscissae
            xs = xs * len(ys)
    if axes is None:
        set_figsize(figsize)
        axes = d2l.plt.gca()
    axes.cla()
    for i, (x, y) in enumerate(zip(xs, ys)):
        fmt = fmts[i % len(fmts)]
        if x is None or len(x) == 0:
            axes.plot(y, fmt)
        else:
            axes.plot(x, y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)


# Aliases from config.ini
ones_like = jnp.ones_like
ones = jnp.ones
zeros_like = jnp.zeros_like
zeros = jnp.zeros
arange = jnp.arange
meshgrid = jnp.meshgrid
sin = jnp.sin
sinh = jnp.sinh
cos = jnp.cos
cosh = jnp.cosh
tanh = jnp.tanh
linspace = jnp.linspace
exp = jnp.exp
log = jnp.log
tensor = jnp.array
matmul = jnp.matmul
int32 = jnp.int32
int64 = jnp.int64
float32 = jnp.float32
concat = jnp.concatenate
stack = jnp.stack
abs = jnp.abs
eye = jnp.eye
numpy = lambda x, *args, **kwargs: x.__array__(*args, **kwargs)
reshape = lambda x, *args, **kwargs: x.reshape(*args, **kwargs)
astype = lambda x, *args, **kwargs: x.astype(*args, **kwargs)
argmax = lambda x, *args, **kwargs: x.argmax(*args, **kwargs)
reduce_sum = lambda x, *args, **kwargs: x.sum(*args, **kwargs)
reduce_mean = lambda x, *args, **kwargs: x.mean(*args, **kwargs)
