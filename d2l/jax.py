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


class Timer:
    """A stopwatch that keeps every measured interval (in seconds).

    Defined in :numref:`sec_linear_regression`
    """
    def __init__(self):
        self.times = []  # one entry per call of stop()
        self.start()     # the clock runs from the moment of creation

    def start(self):
        """(Re)start the clock."""
        self.tik = time.perf_counter()

    def stop(self):
        """Append the seconds elapsed since start() and return them."""
        elapsed = time.perf_counter() - self.tik
        self.times.append(elapsed)
        return elapsed

    def avg(self):
        """Mean of the recorded intervals."""
        return self.sum() / len(self.times)

    def sum(self):
        """Total of the recorded intervals."""
        return sum(self.times)

    def cumsum(self):
        """Running totals: the time at which each interval ended."""
        return np.cumsum(self.times).tolist()


from dataclasses import field
from typing import Any
from flax.training import train_state


def add_to_class(Class):
    """Register the decorated function as a method of `Class`.

    Defined in :numref:`sec_oo-design`
    """
    def wrapper(obj):
        setattr(Class, obj.__name__, obj)
        return obj
    return wrapper


class HyperParameters:
    """Base class whose subclasses store the arguments of __init__ as attributes.

    Defined in :numref:`sec_oo-design`
    """
    def save_hyperparameters(self, ignore=[]):
        """Save the arguments of the calling function as attributes of self."""
        frame = inspect.currentframe().f_back
        code = frame.f_code
        names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
        skip = set(ignore) | {'self'}
        self.hparams = {name: frame.f_locals[name] for name in names
                        if name not in skip and not name.startswith('_')}
        for name, value in self.hparams.items():
            setattr(self, name, value)


from IPython import get_ipython


def in_notebook():
    """Return True when the code runs inside a Jupyter kernel.

    Defined in :numref:`sec_oo-design`
    """
    shell = get_ipython()
    # Jupyter, JupyterLab, VS Code and Colab all use (subclasses of) this shell
    return shell is not None and any(
        cls.__name__ == 'ZMQInteractiveShell' for cls in type(shell).__mro__)


class ProgressBoard(d2l.HyperParameters):
    """A board that plots data points as they arrive, e.g., losses during training.

    Defined in :numref:`sec_oo-design`
    """
    def __init__(self, xlabel=None, ylabel=None, xlim=None, ylim=None,
                 xscale='linear', yscale='linear',
                 ls=['-', '--', '-.', ':'], colors=['C0', 'C1', 'C2', 'C3'],
                 fig=None, axes=None, figsize=(3.5, 2.5), display=True,
                 min_interval=0.5):
        self.save_hyperparameters()
        self.pending = collections.OrderedDict()  # label -> points not yet averaged
        self.data = collections.OrderedDict()     # label -> ([x, ...], [y, ...])
        self.handle, self.last_shown, self.stale, self.hooked = None, 0.0, False, False

    def draw(self, x, y, label, every_n=1):
        """Add the point (x, y) to the line `label`; plot the mean of every `every_n` points."""
        points = self.pending.setdefault(label, [])
        points.append((x, y))
        if len(points) < every_n:
            return
        xs, ys = zip(*points)
        points.clear()
        line = self.data.setdefault(label, ([], []))
        line[0].append(float(sum(xs)) / len(xs))
        # Works for Python numbers and for tensors on any device: the sum stays on
        # the device and only the mean is copied back, once per plotted point
        line[1].append(float(sum(ys)) / len(ys))
        if not (self.display and in_notebook()):
            return
        self.stale = True
        if time.time() - self.last_shown >= self.min_interval:
            self.show()
        elif not self.hooked:  # Show the final state when the cell finishes
            get_ipython().events.register('post_run_cell', self.show_if_stale)
            self.hooked = True

    def show_if_stale(self, *args):
        get_ipython().events.unregister('post_run_cell', self.show_if_stale)
        self.hooked = False
        if self.stale:
            self.show()

    def show(self):
        """Render all lines; in a notebook the figure is updated in place."""
        d2l.use_svg_display()
        if self.fig is None:
            # A pyplot-free figure: Jupyter does not display it a second time
            self.fig = plt.Figure(figsize=self.figsize)
        axes = self.axes if self.axes is not None else (
            self.fig.axes[0] if self.fig.axes else self.fig.add_subplot())
        axes.cla()
        styles = zip(self.ls * len(self.data), self.colors * len(self.data))
        for (label, (xs, ys)), (ls, color) in zip(self.data.items(), styles):
            axes.plot(xs, ys, linestyle=ls, color=color, label=label)
        axes.set_xlabel(self.xlabel if self.xlabel is not None else 'x')
        if self.ylabel is not None:
            axes.set_ylabel(self.ylabel)
        axes.set_xscale(self.xscale)
        axes.set_yscale(self.yscale)
        if self.xlim is not None:
            axes.set_xlim(self.xlim)
        if self.ylim is not None:
            axes.set_ylim(self.ylim)
        axes.legend()
        self.fig.tight_layout()
        if self.handle is None:
            self.handle = display.display(self.fig, display_id=True)
        else:
            self.handle.update(self.fig)
        self.stale, self.last_shown = False, time.time()


def cpu():
    """Return the CPU device.

    Defined in :numref:`sec_oo-design`
    """
    return jax.devices('cpu')[0]


def num_gpus():
    """Return the number of available GPUs.

    Defined in :numref:`sec_oo-design`
    """
    try:
        return jax.device_count('gpu')
    except RuntimeError:  # No GPU backend is installed
        return 0


def gpu(i=0):
    """Return the i-th GPU device.

    Defined in :numref:`sec_oo-design`
    """
    return jax.devices('gpu')[i]


def try_gpu(i=0):
    """Return gpu(i) if it exists, otherwise the CPU.

    Defined in :numref:`sec_oo-design`
    """
    return gpu(i) if i < num_gpus() else cpu()


def try_all_gpus():
    """Return all GPUs, or [CPU] if there is none.

    Defined in :numref:`sec_oo-design`
    """
    return [gpu(i) for i in range(num_gpus())] or [cpu()]


def get_seed():
    """Return a random integer seed.

    Defined in :numref:`sec_oo-design`
    """
    return random.randint(0, 10 ** 6)


def get_key():
    """Return a new JAX PRNG key from a random seed.

    Defined in :numref:`sec_oo-design`
    """
    return jax.random.PRNGKey(get_seed())


QUICK = os.environ.get('D2L_QUICK', '0').strip().lower() in ('1', 'true', 'yes')


def quick_cap(value, limit):
    """`value` in full mode; at most `limit` in quick mode (D2L_QUICK=1).

    Defined in :numref:`sec_oo-design`
    """
    return min(value, limit) if QUICK else value


def train_steps(n):
    """range(n) for a hand-written training loop; at most 50 steps in quick mode.

    Defined in :numref:`sec_oo-design`
    """
    return range(quick_cap(n, 50))


nn_Module = nn.Module


class Module(nn.Module, d2l.HyperParameters):
    """The base class of models (a Flax linen module).

    Defined in :numref:`sec_oo-design`
    """
    # Flax modules are dataclasses: hyperparameters are fields, declared in the
    # class body of subclasses, and save_hyperparameters is not needed
    plot_train_per_epoch: int = field(default=2, init=False)
    plot_valid_per_epoch: int = field(default=1, init=False)
    # default_factory gives every model instance a board of its own
    board: ProgressBoard = field(default_factory=lambda: ProgressBoard(), init=False)

    def loss(self, y_hat, y):
        raise NotImplementedError

    def forward(self, X, *args, **kwargs):
        assert hasattr(self, 'net'), 'Neural network is defined'
        return self.net(X, *args, **kwargs)

    def __call__(self, X, *args, **kwargs):
        # Flax calls __call__ for the forward pass; forward keeps the book's name
        return self.forward(X, *args, **kwargs)

    def plot(self, key, value, train):
        """Plot a point in the animation."""
        assert hasattr(self, 'trainer'), 'Trainer is not inited'
        self.board.xlabel = 'epoch'
        if train:
            x = self.trainer.train_batch_idx / self.trainer.num_train_batches
            n = self.trainer.num_train_batches / self.plot_train_per_epoch
        else:
            x = self.trainer.epoch + 1
            n = self.trainer.num_val_batches / self.plot_valid_per_epoch
        self.board.draw(x, value, ('train_' if train else 'val_') + key,
                        every_n=max(1, int(n)))

    def training_step(self, params, batch, state):
        l, grads = jax.value_and_grad(self.loss)(params, batch[:-1], batch[-1], state)
        self.plot('loss', l, train=True)
        return l, grads

    def validation_step(self, params, batch, state):
        l = self.loss(params, batch[:-1], batch[-1], state)
        self.plot('loss', l, train=False)

    def apply_init(self, dummy_input, key):
        """Create the variables (parameters, ...) by one forward pass."""
        return self.init(key, *dummy_input)

    def configure_optimizers(self):
        """Defined in :numref:`sec_classification`"""
        return optax.sgd(self.lr)


class DataModule(d2l.HyperParameters):
    """The base class of data.

    Defined in :numref:`sec_oo-design`
    """
    def __init__(self, root='../data', num_workers=None):
        if num_workers is None:
            num_workers = min(4, max(0, (os.cpu_count() or 1) - 1))
        self.save_hyperparameters()

    def get_dataloader(self, train):
        raise NotImplementedError

    def train_dataloader(self):
        return self.get_dataloader(train=True)

    def val_dataloader(self):
        return self.get_dataloader(train=False)

    def get_tensorloader(self, tensors, train, indices=slice(0, None)):
        """Defined in :numref:`sec_synthetic-regression-data`"""
        tensors = tuple(a[indices] for a in tensors)
        return d2l.TensorLoader(tensors, self.batch_size, shuffle=train)


class Trainer(d2l.HyperParameters):
    """The base class for training models with data.

    Defined in :numref:`sec_oo-design`
    """
    def __init__(self, max_epochs, num_gpus=0, gradient_clip_val=0):
        self.save_hyperparameters()
        self.gpus = [d2l.gpu(i) for i in range(min(num_gpus, d2l.num_gpus()))]
        self.device = self.gpus[0] if self.gpus else d2l.cpu()

    def prepare_data(self, data):
        self.train_dataloader = data.train_dataloader()
        self.val_dataloader = data.val_dataloader()
        if hasattr(self.train_dataloader, 'to'):  # Copy the whole data set once
            self.train_dataloader = self.train_dataloader.to(self.device)
        if self.val_dataloader is not None and hasattr(self.val_dataloader, 'to'):
            self.val_dataloader = self.val_dataloader.to(self.device)
        self.num_train_batches = len(self.train_dataloader)
        self.num_val_batches = (len(self.val_dataloader)
                                if self.val_dataloader is not None else 0)
        if d2l.QUICK:
            self.num_train_batches = min(self.num_train_batches, 10)
            self.num_val_batches = min(self.num_val_batches, 3)

    def prepare_model(self, model):
        model.trainer = self
        model.board.xlim = [0, self.num_epochs]
        self.model = model

    def fit(self, model, data, key=None):
        self.num_epochs = min(self.max_epochs, 2) if d2l.QUICK else self.max_epochs
        self.prepare_data(data)
        self.prepare_model(model)
        self.optim = model.configure_optimizers()
        params_key, dropout_key = jax.random.split(d2l.get_key() if key is None else key)
        dummy_input = self.prepare_batch(next(iter(self.train_dataloader)))[:-1]
        variables = model.apply_init(dummy_input,
                                     key={'params': params_key, 'dropout': dropout_key})
        variables = jax.device_put(dict(variables), self.device)

        class TrainState(train_state.TrainState):
            batch_stats: Any  # Used by batch normalization (chapter 8)
            dropout_rng: Any  # Used by dropout (chapter 5)

        state = TrainState.create(
            apply_fn=model.apply, params=variables['params'],
            batch_stats=variables.get('batch_stats', {}), dropout_rng=dropout_key,
            tx=self.optim)
        # Every array leaf (the step counter too) becomes a device array, as the
        # compiled step's outputs are; otherwise the second step would compile it again.
        # Other leaves stay: d2l 1.0.3's scratch SGD keeps the class optax.EmptyState
        self.state = jax.tree_util.tree_map(
            lambda x: jax.device_put(x, self.device)
            if isinstance(x, (jax.Array, np.ndarray, np.generic, int, float)) else x, state)
        self.train_step = jax.jit(self.make_train_step(model))
        self.epoch = 0
        self.train_batch_idx = 0
        self.val_batch_idx = 0
        self.progress = d2l.ProgressBar(self.num_epochs * self.num_train_batches)
        for epoch in range(self.num_epochs):
            self.epoch = epoch
            self.fit_epoch()
        self.progress.close()

    def make_train_step(self, model):
        """Return a pure function (state, batch) -> (new state, loss) to be jit-compiled."""
        def objective(params, batch, state):
            out = model.loss(params, batch[:-1], batch[-1], state)
            # Classifiers return (loss, auxiliary data), e.g., batch norm statistics
            return out if isinstance(out, tuple) else (out, {})

        def train_step(state, batch):
            (loss, aux), grads = jax.value_and_grad(objective, has_aux=True)(
                state.params, batch, state)
            if self.gradient_clip_val > 0:
                grads = self.clip_gradients(self.gradient_clip_val, grads)
            state = state.apply_gradients(grads=grads)
            if 'batch_stats' in aux:
                state = state.replace(batch_stats=aux['batch_stats'])
            # A fresh dropout key for the next step
            return state.replace(dropout_rng=jax.random.split(state.dropout_rng)[0]), loss
        return train_step

    def prepare_batch(self, batch):
        # A no-op for data that is already on the device
        return [jax.device_put(a, self.device) for a in batch]

    def fit_epoch(self):
        self.model.training = True
        for i, batch in enumerate(self.train_dataloader):
            if i == self.num_train_batches:
                break
            self.state, loss = self.train_step(self.state, self.prepare_batch(batch))
            self.model.plot('loss', loss, train=True)
            self.train_batch_idx += 1
            self.progress.update(f'epoch {self.epoch + 1}/{self.num_epochs}', loss)
        if self.val_dataloader is None:
            return
        self.model.training = False
        for i, batch in enumerate(self.val_dataloader):
            if i == self.num_val_batches:
                break
            self.model.validation_step(self.state.params, self.prepare_batch(batch),
                                       self.state)
            self.val_batch_idx += 1

    def clip_gradients(self, grad_clip_val, grads):
        """Return the gradient tree scaled so that its norm is at most grad_clip_val.

        Defined in :numref:`sec_oo-design`
        """
        leaves = jax.tree_util.tree_leaves(grads)
        norm = jnp.sqrt(sum(jnp.sum(g ** 2) for g in leaves))
        scale = jnp.minimum(1.0, grad_clip_val / (norm + 1e-12))
        return jax.tree_util.tree_map(lambda g: g * scale, grads)


class ProgressBar:
    """A text progress bar for training in a terminal; silent elsewhere.

    Defined in :numref:`sec_oo-design`
    """
    def __init__(self, total, width=30):
        self.total, self.width, self.count = max(total, 1), width, 0
        self.enabled = sys.stderr.isatty() and not in_notebook()
        self.start = self.last = time.time()

    def update(self, prefix, loss=None):
        self.count += 1
        now = time.time()
        if not self.enabled or (now - self.last < 0.2 and self.count < self.total):
            return
        self.last = now
        done = int(self.width * self.count / self.total)
        text = f'\r{prefix} [{"#" * done}{"." * (self.width - done)}] '
        text += f'{self.count}/{self.total} {now - self.start:.1f}s'
        if loss is not None:
            text += f' loss {float(loss):.4f}'
        sys.stderr.write(text)
        sys.stderr.flush()

    def close(self):
        if self.enabled:
            sys.stderr.write('\n')


class SyntheticRegressionData(d2l.DataModule):
    """Synthetic data for linear regression: y = Xw + b + noise.

    Defined in :numref:`sec_synthetic-regression-data`
    """
    def __init__(self, w, b, noise=0.01, num_train=1000, num_val=1000, batch_size=32,
                 key=None):
        super().__init__()
        self.save_hyperparameters(ignore=['key'])
        n = num_train + num_val
        key_X, key_noise = jax.random.split(jax.random.PRNGKey(0) if key is None else key)
        self.X = jax.random.normal(key_X, (n, len(w)))
        noise = jax.random.normal(key_noise, (n, 1)) * noise
        self.y = self.X @ jnp.reshape(w, (-1, 1)) + b + noise

    def get_dataloader(self, train):
        """Defined in :numref:`sec_synthetic-regression-data`"""
        i = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader((self.X, self.y), train, i)


def take_batch(tensors, order, start, size):
    """Rows start, ..., start + size - 1 of every array, read through `order` if given.

    Defined in :numref:`sec_synthetic-regression-data`
    """
    if order is not None:
        idx = jax.lax.dynamic_slice_in_dim(order, start, size)
        return tuple(jnp.take(t, idx, axis=0) for t in tensors)
    return tuple(jax.lax.dynamic_slice_in_dim(t, start, size) for t in tensors)


class TensorLoader:
    """Iterate over minibatches of in-memory arrays by slicing them.

    All arrays share their first dimension. With shuffle=True, a new random
    permutation of the examples is drawn at the start of every epoch.


    Defined in :numref:`sec_synthetic-regression-data`
    """
    # Compiled once per batch size; `start` is traced, so every batch reuses it
    _take = staticmethod(jax.jit(take_batch, static_argnums=3))

    def __init__(self, tensors, batch_size, shuffle=False, transform=None):
        self.tensors = tuple(tensors)
        self.batch_size, self.shuffle, self.transform = batch_size, shuffle, transform
        self.num_examples = len(self.tensors[0])
        assert all(len(t) == self.num_examples for t in self.tensors), 'sizes differ'

    def __len__(self):
        return math.ceil(self.num_examples / self.batch_size)

    def __iter__(self):
        order = None
        if self.shuffle:  # One host-to-device copy of the permutation per epoch
            device = next(iter(self.tensors[0].devices()))
            order = jax.device_put(np.random.permutation(self.num_examples), device)
        on_device = all(isinstance(t, jax.Array) for t in self.tensors)
        for start in range(0, self.num_examples, self.batch_size):
            size = min(self.batch_size, self.num_examples - start)
            if on_device:  # One dispatch cuts the minibatch out of every array
                batch = self._take(self.tensors, order, start, size)
            elif order is None:  # Host (NumPy) arrays: a plain slice
                batch = tuple(t[start: start + size] for t in self.tensors)
            else:
                idx = np.asarray(order[start: start + size])
                batch = tuple(t[idx] for t in self.tensors)
            yield self.transform(*batch) if self.transform is not None else batch

    def to(self, device):
        """Return a loader over copies of the arrays on `device`."""
        return TensorLoader([jax.device_put(t, device) for t in self.tensors],
                            self.batch_size, self.shuffle, self.transform)


class LinearRegressionScratch(d2l.Module):
    """The linear regression model implemented from scratch.

    Defined in :numref:`sec_linear_scratch`
    """
    num_inputs: int
    lr: float
    sigma: float = 0.01

    def setup(self):
        self.w = self.param('w', nn.initializers.normal(self.sigma), (self.num_inputs, 1))
        self.b = self.param('b', nn.initializers.zeros, (1,))

    def forward(self, X):
        """Defined in :numref:`sec_linear_scratch`"""
        return jnp.matmul(X, self.w) + self.b

    def loss(self, params, X, y, state):
        """Defined in :numref:`sec_linear_scratch`"""
        y_hat = state.apply_fn({'params': params}, *X)  # X is a tuple of inputs
        squared = (y_hat - y.reshape(y_hat.shape)) ** 2 / 2
        return squared.mean()

    def configure_optimizers(self):
        """Defined in :numref:`sec_linear_scratch`"""
        return SGD(self.lr)


class SGD(d2l.HyperParameters):
    """Minibatch stochastic gradient descent, as an Optax gradient transformation.

    Defined in :numref:`sec_linear_scratch`
    """
    def __init__(self, lr):
        self.save_hyperparameters()

    def init(self, params):
        return optax.EmptyState()

    def update(self, updates, state, params=None):
        return jax.tree_util.tree_map(lambda g: -self.lr * g, updates), state


class LinearRegression(d2l.Module):
    """The linear regression model implemented with high-level APIs.

    Defined in :numref:`sec_linear_concise`
    """
    lr: float

    def setup(self):
        self.net = nn.Dense(1, kernel_init=nn.initializers.normal(0.01))

    def forward(self, X):
        """Defined in :numref:`sec_linear_concise`"""
        return self.net(X)

    def loss(self, params, X, y, state):
        """Defined in :numref:`sec_linear_concise`"""
        y_hat = state.apply_fn({'params': params}, *X)
        return optax.squared_error(y_hat, y.reshape(y_hat.shape)).mean()

    def configure_optimizers(self):
        """Defined in :numref:`sec_linear_concise`"""
        return optax.sgd(self.lr)

    def get_w_b(self, state):
        """Defined in :numref:`sec_linear_concise`"""
        net = state.params['net']
        return net['kernel'], net['bias']


DATA_HUB = dict()


DATA_URL = 'https://d2l-data.s3-accelerate.amazonaws.com/'


class FashionMNIST(d2l.DataModule):
    """The Fashion-MNIST dataset, held in memory as arrays.

    Defined in :numref:`sec_fashion_mnist`
    """
    def __init__(self, batch_size=64, resize=(28, 28), root='../data'):
        super().__init__(root=root)
        self.save_hyperparameters()
        # Quick mode (D2L_QUICK=1): as in the PyTorch tab, fewer images in batches of at
        # most 16, at the image size asked for
        self.batch_size = d2l.quick_cap(batch_size, 16)
        X_train, y_train, X_val, y_val = d2l.load_fashion_mnist(root)
        n_train, n_val = d2l.quick_cap(len(X_train), 2048), d2l.quick_cap(len(X_val), 256)
        self.train = (X_train[:n_train], y_train[:n_train])
        self.val = (X_val[:n_val], y_val[:n_val])

    def preprocess(self, X, y):
        """Turn a minibatch of uint8 images into floats in [0, 1] of shape (n, h, w, 1)."""
        X = X[..., None].astype(jnp.float32) / 255
        if tuple(self.resize) != tuple(X.shape[1:3]):
            X = jax.image.resize(X, (X.shape[0], *self.resize, 1), method='bilinear')
        return X, y

    def text_labels(self, indices):
        """Return the text labels of the class indices.

        Defined in :numref:`sec_fashion_mnist`
        """
        labels = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat',
                  'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot']
        return [labels[int(i)] for i in indices]

    def get_dataloader(self, train):
        """Defined in :numref:`sec_fashion_mnist`"""
        data = self.train if train else self.val
        return d2l.TensorLoader([jnp.asarray(a) for a in data], self.batch_size,
                                shuffle=train, transform=jax.jit(self.preprocess))

    def visualize(self, batch, nrows=1, ncols=8, labels=[]):
        """Defined in :numref:`sec_fashion_mnist`"""
        X, y = batch
        if not labels:
            labels = self.text_labels(y)
        d2l.show_images(X[..., 0], nrows, ncols, titles=labels)


def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5):
    """Draw images row by row on a num_rows x num_cols grid; return the flat axes.

    Defined in :numref:`sec_fashion_mnist`
    """
    _, grid = d2l.plt.subplots(num_rows, num_cols, squeeze=False,
                               figsize=(scale * num_cols, scale * num_rows))
    cells = grid.reshape(-1)
    for k, (cell, picture) in enumerate(zip(cells, imgs)):
        picture = np.asarray(picture)  # matplotlib wants a host-side array
        cell.imshow(picture, cmap=None if picture.ndim == 3 else 'gray')
        cell.set_xticks([])
        cell.set_yticks([])
        if titles:
            cell.set_title(titles[k])
    return cells


from functools import partial


class Classifier(d2l.Module):
    """The base class of classification models.

    Defined in :numref:`sec_classification`
    """
    def training_step(self, params, batch, state):
        # The loss returns (value, auxiliary data), hence has_aux=True
        (l, aux), grads = jax.value_and_grad(self.loss, has_aux=True)(
            params, batch[:-1], batch[-1], state)
        self.plot('loss', l, train=True)
        return (l, aux), grads

    def validation_step(self, params, batch, state):
        l, _ = self.loss(params, batch[:-1], batch[-1], state)
        self.plot('loss', l, train=False)
        self.plot('acc', self.accuracy(params, batch[:-1], batch[-1], state), train=False)

    @partial(jax.jit, static_argnums=(0, 5))
    def accuracy(self, params, X, Y, state, averaged=True):
        """Fraction of rows whose top-scoring class equals the label (or 0/1 per row).

        Defined in :numref:`sec_classification`
        """
        variables = {'params': params}
        if getattr(state, 'batch_stats', None):  # Models with batch normalization
            variables['batch_stats'] = state.batch_stats
        Y_hat = state.apply_fn(variables, *X)
        predicted = Y_hat.reshape(-1, Y_hat.shape[-1]).argmax(axis=1).astype(Y.dtype)
        hits = (predicted == Y.reshape(-1)).astype(jnp.float32)  # 1.0 where right
        return hits.mean() if averaged else hits

    @partial(jax.jit, static_argnums=(0, 5))
    def loss(self, params, X, Y, state, averaged=True):
        """Defined in :numref:`sec_batch_norm`"""
        variables = {'params': params}
        if getattr(state, 'batch_stats', None):  # Models with batch normalization
            variables['batch_stats'] = state.batch_stats
        Y_hat, updates = state.apply_fn(variables, *X, mutable=['batch_stats'],
                                        rngs={'dropout': state.dropout_rng})
        Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
        Y = Y.reshape((-1,))
        l = optax.softmax_cross_entropy_with_integer_labels(Y_hat, Y)
        # The updated running estimates are the auxiliary data
        return (l.mean() if averaged else l), updates

    def layer_summary(self, X_shape, key=None):
        """Print the output shape of every top-level layer for an input of shape X_shape.

        Defined in :numref:`sec_lenet`
        """
        def run(X):  # traced by jax.eval_shape: shapes are inferred, nothing is computed
            params = self.init(d2l.get_key() if key is None else key, X)
            bound_model = self.clone().bind(params)
            for layer in bound_model.net.layers:
                X = layer(X)
                name = getattr(layer, '__name__', layer.__class__.__name__)
                print(f'{name:>20} output shape:\t{tuple(X.shape)}')
        jax.eval_shape(run, jax.ShapeDtypeStruct(X_shape, jnp.float32))

    def evaluate_accuracy(self, data, state=None):
        """Accuracy on the validation set of `data` (its first 3 batches in quick mode).

        Defined in :numref:`sec_lenet`
        """
        state = self.trainer.state if state is None else state
        correct, total = jnp.zeros(()), 0
        for i, (X, y) in enumerate(data.val_dataloader()):
            if d2l.QUICK and i == 3:
                break
            correct += self.accuracy(state.params, [X], y, state, averaged=False).sum()
            total += y.size
        return float(correct) / total


class Accumulator:
    """n running totals that grow together, e.g. (correct, seen).

    Defined in :numref:`sec_softmax_scratch`
    """
    def __init__(self, n):
        self.data = [0.0 for _ in range(n)]

    def add(self, *args):
        """Add the i-th argument (a number or a one-element tensor) to total i."""
        for i, value in enumerate(args[:len(self.data)]):
            self.data[i] += float(value)

    def reset(self):
        """Set every total back to zero."""
        self.data = [0.0 for _ in self.data]

    def __getitem__(self, idx):
        return self.data[idx]


class SoftmaxRegression(d2l.Classifier):
    """The softmax regression model.

    Defined in :numref:`sec_softmax_concise`
    """
    num_outputs: int
    lr: float

    @nn.compact
    def __call__(self, X):
        X = X.reshape((X.shape[0], -1))  # Flatten
        return nn.Dense(self.num_outputs)(X)


import pandas as pd


d2l.DATA_HUB['kaggle_house_train'] = (
    d2l.DATA_URL + 'kaggle_house_pred_train.csv',
    '585e9cc93e70b39160e7921475f9bcd7d31219ce')


d2l.DATA_HUB['kaggle_house_test'] = (
    d2l.DATA_URL + 'kaggle_house_pred_test.csv',
    'fa19780a7b011d9b009e8bff8e99922a8ee2eb90')


class KaggleHouse(d2l.DataModule):
    """The Kaggle house price data set (Ames, Iowa).

    Defined in :numref:`sec_kaggle_house`
    """
    def __init__(self, batch_size, train=None, val=None):
        super().__init__()
        self.save_hyperparameters()
        if self.train is None:
            self.raw_train = pd.read_csv(d2l.download('kaggle_house_train', self.root))
            self.raw_val = pd.read_csv(d2l.download('kaggle_house_test', self.root))

    def preprocess(self):
        """Standardize numerical features, one-hot encode categorical ones.

        Defined in :numref:`sec_kaggle_house`
        """
        label = 'SalePrice'
        features = pd.concat((self.raw_train.drop(columns=['Id', label]),
                              self.raw_val.drop(columns=['Id'])))
        numeric = features.select_dtypes(include='number').columns
        features[numeric] = features[numeric].apply(lambda x: (x - x.mean()) / x.std())
        features[numeric] = features[numeric].fillna(0)
        # One column per category; a missing value becomes a category of its own
        features = pd.get_dummies(features, dummy_na=True).astype('float32')
        self.train = features[:self.raw_train.shape[0]].copy()
        self.train[label] = self.raw_train[label].values
        self.val = features[self.raw_train.shape[0]:].copy()

    def get_dataloader(self, train):
        """Defined in :numref:`sec_kaggle_house`"""
        frame = self.train if train else self.val
        if 'SalePrice' not in frame:  # the Kaggle test set comes without prices
            return None
        X = jnp.asarray(frame.drop(columns=['SalePrice']).to_numpy(dtype='float32'))
        y = jnp.log(jnp.asarray(frame['SalePrice'].to_numpy(dtype='float32'))).reshape(-1, 1)
        return self.get_tensorloader((X, y), train)


def k_fold_data(data, k):
    """Split the training data into k folds; return one data module per fold.

    Defined in :numref:`sec_kaggle_house`
    """
    n = data.train.shape[0]
    bounds = [j * (n // k) for j in range(k + 1)]
    folds = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        held_out = data.train.iloc[lo:hi]  # rows lo..hi-1 validate this fold
        rest = pd.concat([data.train.iloc[:lo], data.train.iloc[hi:]])
        folds.append(KaggleHouse(data.batch_size, train=rest, val=held_out))
    return folds


def log_rmse(model, data, params):
    """Root-mean-square error between log labels and predictions on data's validation set.

    Defined in :numref:`sec_kaggle_house`
    """
    se, n = 0.0, 0
    for X, y in data.val_dataloader():
        se += float(((model.apply({'params': params}, X) - y) ** 2).sum())
        n += y.size
    return (se / n) ** 0.5


def k_fold(trainer, data, k, lr):
    """Train one linear regression per fold; print and return (model, params) pairs.

    Defined in :numref:`sec_kaggle_house`
    """
    models, errors = [], []
    for i, fold in enumerate(k_fold_data(data, k)):
        model = d2l.LinearRegression(lr)
        model.board.yscale = 'log'
        model.board.display = (i == 0)  # draw the curves of the first fold only
        trainer.fit(model, fold)
        params = trainer.state.params  # the next fit replaces trainer.state
        errors.append(log_rmse(model, fold, params))
        models.append((model, params))
        print(f'fold {i + 1}: validation log rmse {errors[-1]:.4f}')
    print(f'average validation log rmse = {sum(errors) / len(errors):.4f}')
    return models


def corr2d(X, K):
    """2D cross-correlation: slide the kernel K over the input X.

    Defined in :numref:`sec_conv_layer`
    """
    h, w = K.shape
    oh, ow = X.shape[0] - h + 1, X.shape[1] - w + 1
    # One term per kernel entry: K[a, b] times the input shifted by (a, b)
    return sum(K[a, b] * X[a:a + oh, b:b + ow] for a in range(h) for b in range(w))


from types import FunctionType


class LeNet(d2l.Classifier):
    """The LeNet-5 model (LeCun et al., 1998) with sigmoid activations.

    Defined in :numref:`sec_lenet`
    """
    lr: float = 0.1
    num_classes: int = 10
    kernel_init: FunctionType = nn.initializers.xavier_uniform

    def setup(self):
        pool = lambda X: nn.avg_pool(X, window_shape=(2, 2), strides=(2, 2))
        self.net = nn.Sequential([
            nn.Conv(6, kernel_size=(5, 5), padding='SAME', kernel_init=self.kernel_init()),
            nn.sigmoid, pool,
            nn.Conv(16, kernel_size=(5, 5), padding='VALID', kernel_init=self.kernel_init()),
            nn.sigmoid, pool,
            lambda X: X.reshape((X.shape[0], -1)),  # Flatten
            nn.Dense(120, kernel_init=self.kernel_init()), nn.sigmoid,
            nn.Dense(84, kernel_init=self.kernel_init()), nn.sigmoid,
            nn.Dense(self.num_classes, kernel_init=self.kernel_init())])


class AlexNet(d2l.Classifier):
    """AlexNet (Krizhevsky et al., 2012) for single-channel inputs.

    Defined in :numref:`sec_alexnet`
    """
    lr: float = 0.1
    num_classes: int = 10
    training: bool = True

    def setup(self):
        pool = lambda X: nn.max_pool(X, window_shape=(3, 3), strides=(2, 2))
        self.net = nn.Sequential([
            nn.Conv(96, kernel_size=(11, 11), strides=4, padding=1), nn.relu, pool,
            nn.Conv(256, kernel_size=(5, 5), padding=2), nn.relu, pool,
            nn.Conv(384, kernel_size=(3, 3), padding=1), nn.relu,
            nn.Conv(384, kernel_size=(3, 3), padding=1), nn.relu,
            nn.Conv(256, kernel_size=(3, 3), padding=1), nn.relu, pool,
            lambda X: X.reshape((X.shape[0], -1)),  # Flatten
            nn.Dense(4096), nn.relu, nn.Dropout(0.5, deterministic=not self.training),
            nn.Dense(4096), nn.relu, nn.Dropout(0.5, deterministic=not self.training),
            nn.Dense(self.num_classes)])


def vgg_block(num_convs, out_channels):
    """A VGG block: num_convs 3x3 convolutions with ReLU, then 2x2 max-pooling.

    Defined in :numref:`sec_vgg`
    """
    layers = []
    for _ in range(num_convs):
        layers.append(nn.Conv(out_channels, kernel_size=(3, 3), padding=1))
        layers.append(nn.relu)
    layers.append(lambda X: nn.max_pool(X, window_shape=(2, 2), strides=(2, 2)))
    return nn.Sequential(layers)


class VGG(d2l.Classifier):
    """VGG: a stack of VGG blocks followed by AlexNet's fully connected layers.

    Defined in :numref:`sec_vgg`
    """
    arch: tuple
    lr: float = 0.1
    num_classes: int = 10
    training: bool = True

    def setup(self):
        blocks = [vgg_block(num_convs, out_channels) for num_convs, out_channels in self.arch]
        self.net = nn.Sequential([
            *blocks, lambda X: X.reshape((X.shape[0], -1)),  # Flatten
            nn.Dense(4096), nn.relu, nn.Dropout(0.5, deterministic=not self.training),
            nn.Dense(4096), nn.relu, nn.Dropout(0.5, deterministic=not self.training),
            nn.Dense(self.num_classes)])


def nin_block(out_channels, kernel_size, strides, padding):
    """A NiN block: one convolution and two 1x1 convolutions, each followed by ReLU.

    Defined in :numref:`sec_nin`
    """
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    return nn.Sequential([
        nn.Conv(out_channels, kernel_size, strides, padding), nn.relu,
        nn.Conv(out_channels, kernel_size=(1, 1)), nn.relu,
        nn.Conv(out_channels, kernel_size=(1, 1)), nn.relu])


class NiN(d2l.Classifier):
    """Network in Network (Lin et al., 2013): no fully connected layers.

    Defined in :numref:`sec_nin`
    """
    lr: float = 0.1
    num_classes: int = 10
    training: bool = True

    def setup(self):
        pool = lambda X: nn.max_pool(X, window_shape=(3, 3), strides=(2, 2))
        self.net = nn.Sequential([
            nin_block(96, kernel_size=11, strides=4, padding=0), pool,
            nin_block(256, kernel_size=5, strides=1, padding=2), pool,
            nin_block(384, kernel_size=3, strides=1, padding=1), pool,
            nn.Dropout(0.5, deterministic=not self.training),
            nin_block(self.num_classes, kernel_size=3, strides=1, padding=1),
            lambda X: X.mean(axis=(1, 2))])  # global average pooling and flatten


class Inception(nn.Module):
    """Four parallel paths whose outputs are concatenated along the channels.

    Defined in :numref:`sec_googlenet`
    """
    c1: int
    c2: tuple
    c3: tuple
    c4: int

    def setup(self):
        self.paths = [
            # Path 1: a single 1x1 convolution
            nn.Sequential([nn.Conv(self.c1, kernel_size=(1, 1)), nn.relu]),
            # Path 2: 1x1 convolution to reduce channels, then 3x3 convolution
            nn.Sequential([nn.Conv(self.c2[0], kernel_size=(1, 1)), nn.relu,
                           nn.Conv(self.c2[1], kernel_size=(3, 3), padding=1), nn.relu]),
            # Path 3: 1x1 convolution to reduce channels, then 5x5 convolution
            nn.Sequential([nn.Conv(self.c3[0], kernel_size=(1, 1)), nn.relu,
                           nn.Conv(self.c3[1], kernel_size=(5, 5), padding=2), nn.relu]),
            # Path 4: 3x3 max-pooling, then 1x1 convolution
            nn.Sequential([
                lambda X: nn.max_pool(X, window_shape=(3, 3), strides=(1, 1), padding='SAME'),
                nn.Conv(self.c4, kernel_size=(1, 1)), nn.relu])]

    def __call__(self, X):
        return jnp.concatenate([path(X) for path in self.paths], axis=-1)


class GoogleNet(d2l.Classifier):
    """GoogLeNet (Szegedy et al., 2015) without the auxiliary classifiers.

    Defined in :numref:`sec_googlenet`
    """
    lr: float = 0.1
    num_classes: int = 10

    def setup(self):
        self.net = nn.Sequential([self.b1(), self.b2(), self.b3(), self.b4(), self.b5(),
                                  nn.Dense(self.num_classes)])

    @staticmethod
    def pool(X):
        """3x3 max-pooling with stride 2 and one row of padding on each side."""
        return nn.max_pool(X, window_shape=(3, 3), strides=(2, 2), padding=((1, 1), (1, 1)))

    def b1(self):
        return nn.Sequential([
            nn.Conv(64, kernel_size=(7, 7), strides=2, padding=3), nn.relu, self.pool])

    def b2(self):
        """Defined in :numref:`sec_googlenet`"""
        return nn.Sequential([
            nn.Conv(64, kernel_size=(1, 1)), nn.relu,
            nn.Conv(192, kernel_size=(3, 3), padding=1), nn.relu, self.pool])

    def b3(self):
        """Defined in :numref:`sec_googlenet`"""
        return nn.Sequential([
            Inception(64, (96, 128), (16, 32), 32),
            Inception(128, (128, 192), (32, 96), 64), self.pool])

    def b4(self):
        """Defined in :numref:`sec_googlenet`"""
        return nn.Sequential([
            Inception(192, (96, 208), (16, 48), 64),
            Inception(160, (112, 224), (24, 64), 64),
            Inception(128, (128, 256), (24, 64), 64),
            Inception(112, (144, 288), (32, 64), 64),
            Inception(256, (160, 320), (32, 128), 128), self.pool])

    def b5(self):
        """Defined in :numref:`sec_googlenet`"""
        return nn.Sequential([
            Inception(256, (160, 320), (32, 128), 128),
            Inception(384, (192, 384), (48, 128), 128),
            lambda X: X.mean(axis=(1, 2))])  # global average pooling and flatten


class BNLeNet(d2l.Classifier):
    """LeNet with batch normalization after every convolution and hidden dense layer.

    Defined in :numref:`sec_batch_norm`
    """
    lr: float = 0.1
    num_classes: int = 10
    training: bool = True

    def setup(self):
        pool = lambda X: nn.avg_pool(X, window_shape=(2, 2), strides=(2, 2))
        bn = lambda: nn.BatchNorm(use_running_average=not self.training, momentum=0.9)
        self.net = nn.Sequential([
            nn.Conv(6, kernel_size=(5, 5), padding='VALID'), bn(), nn.sigmoid, pool,
            nn.Conv(16, kernel_size=(5, 5), padding='VALID'), bn(), nn.sigmoid, pool,
            lambda X: X.reshape((X.shape[0], -1)),  # Flatten
            nn.Dense(120), bn(), nn.sigmoid,
            nn.Dense(84), bn(), nn.sigmoid,
            nn.Dense(self.num_classes)])


class Residual(nn.Module):
    """The residual block of ResNet: two 3x3 convolutions plus a shortcut.

    Defined in :numref:`sec_resnet`
    """
    num_channels: int
    use_1x1conv: bool = False
    strides: int = 1
    training: bool = True

    def setup(self):
        self.conv1 = nn.Conv(self.num_channels, kernel_size=(3, 3), padding=1,
                             strides=self.strides)
        self.conv2 = nn.Conv(self.num_channels, kernel_size=(3, 3), padding=1)
        self.bn1, self.bn2 = (nn.BatchNorm(use_running_average=not self.training, momentum=0.9)
                              for _ in range(2))
        # A 1x1 convolution on the shortcut matches the shape when it changes
        self.conv3 = (nn.Conv(self.num_channels, kernel_size=(1, 1), strides=self.strides)
                      if self.use_1x1conv else None)

    def __call__(self, X):
        Y = nn.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        shortcut = X if self.conv3 is None else self.conv3(X)
        return nn.relu(Y + shortcut)


class ResNet(d2l.Classifier):
    """ResNet: a stem, stages of residual blocks, and global average pooling.

    Defined in :numref:`sec_resnet`
    """
    arch: tuple
    lr: float = 0.1
    num_classes: int = 10
    training: bool = True

    def setup(self):
        self.net = self.create_net()

    def b1(self):
        return nn.Sequential([
            nn.Conv(64, kernel_size=(7, 7), strides=2, padding=3),
            nn.BatchNorm(use_running_average=not self.training, momentum=0.9), nn.relu,
            lambda X: nn.max_pool(X, window_shape=(3, 3), strides=(2, 2),
                                  padding=((1, 1), (1, 1)))])

    def block(self, num_residuals, num_channels, first_block=False):
        """Defined in :numref:`sec_resnet`"""
        # Only the opening block of a stage can change the shape, and the first stage keeps it
        reshape = not first_block
        opening = Residual(num_channels, use_1x1conv=reshape, strides=2 if reshape else 1,
                           training=self.training)
        rest = [Residual(num_channels, training=self.training) for _ in range(num_residuals - 1)]
        return nn.Sequential([opening, *rest])

    def create_net(self):
        """Defined in :numref:`sec_resnet`"""
        blocks = [self.b1()]
        for i, b in enumerate(self.arch):
            blocks.append(self.block(*b, first_block=(i == 0)))
        blocks.append(nn.Sequential([
            lambda X: X.mean(axis=(1, 2)),  # global average pooling and flatten
            nn.Dense(self.num_classes)]))
        return nn.Sequential(blocks)


class ResNet18(ResNet):
    """ResNet-18: four stages of two residual blocks each.

    Defined in :numref:`sec_resnet`
    """
    arch: tuple = ((2, 64), (2, 128), (2, 256), (2, 512))
    lr: float = 0.1
    num_classes: int = 10


class ResNeXtBlock(nn.Module):
    """The ResNeXt block: 1x1, grouped 3x3, 1x1 convolutions plus a shortcut.

    Defined in :numref:`sec_resnet`
    """
    num_channels: int
    groups: int
    bot_mul: float
    use_1x1conv: bool = False
    strides: int = 1
    training: bool = True

    def setup(self):
        bot_channels = int(round(self.num_channels * self.bot_mul))
        bn = lambda: nn.BatchNorm(use_running_average=not self.training, momentum=0.9)
        self.conv1 = nn.Conv(bot_channels, kernel_size=(1, 1))
        self.conv2 = nn.Conv(bot_channels, kernel_size=(3, 3), strides=self.strides, padding=1,
                             feature_group_count=self.groups)
        self.conv3 = nn.Conv(self.num_channels, kernel_size=(1, 1))
        self.bn1, self.bn2, self.bn3 = bn(), bn(), bn()
        self.shortcut = (nn.Sequential([nn.Conv(self.num_channels, kernel_size=(1, 1),
                                                strides=self.strides), bn()])
                         if self.use_1x1conv else lambda X: X)

    def __call__(self, X):
        Y = nn.relu(self.bn1(self.conv1(X)))
        Y = nn.relu(self.bn2(self.conv2(Y)))
        Y = self.bn3(self.conv3(Y))
        return nn.relu(Y + self.shortcut(X))


def conv_block(num_channels, training=True):
    """Batch norm, ReLU, then a 3x3 convolution (the pre-activation order).

    Defined in :numref:`sec_densenet`
    """
    return nn.Sequential([
        nn.BatchNorm(use_running_average=not training, momentum=0.9), nn.relu,
        nn.Conv(num_channels, kernel_size=(3, 3), padding=1)])


class DenseBlock(nn.Module):
    """A dense block: every conv_block sees the concatenation of all earlier outputs.

    Defined in :numref:`sec_densenet`
    """
    num_convs: int
    num_channels: int
    training: bool = True

    def setup(self):
        self.net = [conv_block(self.num_channels, self.training) for _ in range(self.num_convs)]

    def __call__(self, X):
        for blk in self.net:
            Y = blk(X)
            X = jnp.concatenate((X, Y), axis=-1)  # keep the input, append the new channels
        return X


def transition_block(num_channels, training=True):
    """Reduce the channels with a 1x1 convolution and halve the resolution.

    Defined in :numref:`sec_densenet`
    """
    return nn.Sequential([
        nn.BatchNorm(use_running_average=not training, momentum=0.9), nn.relu,
        nn.Conv(num_channels, kernel_size=(1, 1)),
        lambda X: nn.avg_pool(X, window_shape=(2, 2), strides=(2, 2))])


class DenseNet(d2l.Classifier):
    """DenseNet (Huang et al., 2017): dense blocks separated by transition layers.

    Defined in :numref:`sec_densenet`
    """
    num_channels: int = 64
    growth_rate: int = 32
    arch: tuple = (4, 4, 4, 4)
    lr: float = 0.1
    num_classes: int = 10
    training: bool = True

    def setup(self):
        self.net = self.create_net()

    b1 = d2l.ResNet.b1  # The same stem as ResNet's

    def create_net(self):
        """Defined in :numref:`sec_densenet`"""
        blocks, num_channels = [self.b1()], self.num_channels
        for i, num_convs in enumerate(self.arch):
            blocks.append(DenseBlock(num_convs, self.growth_rate, self.training))
            num_channels += num_convs * self.growth_rate  # channels after this dense block
            if i != len(self.arch) - 1:  # a transition layer halves the channels in between
                num_channels //= 2
                blocks.append(transition_block(num_channels, self.training))
        blocks.append(nn.Sequential([
            nn.BatchNorm(use_running_average=not self.training, momentum=0.9), nn.relu,
            lambda X: X.mean(axis=(1, 2)),  # global average pooling and flatten
            nn.Dense(self.num_classes)]))
        return nn.Sequential(blocks)


class AnyNet(d2l.Classifier):
    """A stem, stages of ResNeXt blocks, and a head (Radosavovic et al., 2020).

    Defined in :numref:`sec_cnn-design`
    """
    arch: tuple
    stem_channels: int
    lr: float = 0.1
    num_classes: int = 10
    training: bool = True

    def setup(self):
        self.net = self.create_net()

    def stem(self, num_channels):
        return nn.Sequential([
            nn.Conv(num_channels, kernel_size=(3, 3), strides=2, padding=1),
            nn.BatchNorm(use_running_average=not self.training, momentum=0.9), nn.relu])

    def stage(self, depth, num_channels, groups, bot_mul):
        """Defined in :numref:`sec_cnn-design`"""
        # The first block halves the resolution; the others keep the shape
        blk = [d2l.ResNeXtBlock(num_channels, groups, bot_mul, use_1x1conv=True, strides=2,
                                training=self.training)]
        blk += [d2l.ResNeXtBlock(num_channels, groups, bot_mul, training=self.training)
                for _ in range(depth - 1)]
        return nn.Sequential(blk)

    def create_net(self):
        """Defined in :numref:`sec_cnn-design`"""
        blocks = [self.stem(self.stem_channels)]
        blocks += [self.stage(*s) for s in self.arch]
        blocks.append(nn.Sequential([
            lambda X: X.mean(axis=(1, 2)),  # global average pooling and flatten
            nn.Dense(self.num_classes)]))
        return nn.Sequential(blocks)


class RegNetX32(AnyNet):
    """A small RegNetX: two stages, group width 16, no bottleneck.

    Defined in :numref:`sec_cnn-design`
    """
    stem_channels: int = 32
    # (depth, channels, groups = channels // group width 16, bottleneck ratio 1)
    arch: tuple = tuple((d, c, c // 16, 1) for d, c in zip((4, 6), (32, 80)))
    lr: float = 0.1
    num_classes: int = 10


d2l.DATA_HUB['time_machine'] = (d2l.DATA_URL + 'timemachine.txt',
                                '090b5e7e70c295757f55df93cb0a180b9691891a')


class TimeMachine(d2l.DataModule):
    """The Time Machine by H. G. Wells, as a character-level data set.

    Defined in :numref:`sec_text-sequence`
    """
    def _download(self):
        fname = d2l.download('time_machine', self.root)
        with open(fname, encoding='utf-8') as f:
            return f.read()

    def _preprocess(self, text):
        """Keep letters only, separated by single spaces, in lower case.

        Defined in :numref:`sec_text-sequence`
        """
        return re.sub('[^A-Za-z]+', ' ', text).lower()

    def _tokenize(self, text):
        """Split the text into a list of characters.

        Defined in :numref:`sec_text-sequence`
        """
        return list(text)

    def build(self, raw_text, vocab=None):
        """Return the corpus as a list of token indices, and the vocabulary.

        Defined in :numref:`sec_text-sequence`
        """
        tokens = self._tokenize(self._preprocess(raw_text))
        if vocab is None:
            vocab = Vocab(tokens)
        corpus = vocab[tokens]
        return corpus, vocab

    def __init__(self, batch_size, num_steps, num_train=10000, num_val=5000):
        """Defined in :numref:`sec_language-model`"""
        super(d2l.TimeMachine, self).__init__()
        self.save_hyperparameters()
        corpus, self.vocab = self.build(self._download())
        corpus = jnp.array(corpus, dtype=jnp.int32)
        n = len(corpus) - num_steps  # Number of windows of num_steps + 1 tokens
        windows = jnp.stack([corpus[j:j + n] for j in range(num_steps + 1)], axis=1)
        self.X, self.Y = windows[:, :-1], windows[:, 1:]

    def get_dataloader(self, train):
        """Defined in :numref:`sec_language-model`"""
        idx = slice(0, self.num_train) if train else slice(
            self.num_train, self.num_train + self.num_val)
        return self.get_tensorloader([self.X, self.Y], train, idx)


class Vocab:
    """A two-way mapping between tokens and integer indices.

    Defined in :numref:`sec_text-sequence`
    """
    def __init__(self, tokens=(), min_freq=0, reserved_tokens=()):
        # A list of sentences (lists of tokens) is flattened first
        if tokens and isinstance(tokens[0], (list, tuple)):
            tokens = [token for line in tokens for token in line]
        counter = collections.Counter(tokens)
        # Most frequent first; ties are broken alphabetically for a stable order
        self.token_freqs = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        specials = ['<unk>'] + [t for t in reserved_tokens if t != '<unk>']
        self.idx_to_token = specials + [
            token for token, freq in self.token_freqs
            if freq >= min_freq and token not in specials]
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        """Index of one token, or a list of indices for a list of tokens."""
        if isinstance(tokens, (list, tuple)):
            return [self.__getitem__(token) for token in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def to_tokens(self, indices):
        """Token of one index, or a list of tokens for a sequence of indices."""
        if hasattr(indices, 'tolist'):  # NumPy arrays and framework tensors
            indices = indices.tolist()
        if isinstance(indices, (list, tuple)):
            return [self.idx_to_token[int(index)] for index in indices]
        return self.idx_to_token[int(indices)]

    @property
    def unk(self):  # Index of the unknown token
        return 0


class RNNScratch(nn.Module):
    """A single-layer RNN with a tanh activation, built from arrays.

    Defined in :numref:`sec_rnn-scratch`
    """
    num_inputs: int
    num_hiddens: int
    sigma: float = 0.01

    def setup(self):
        init = nn.initializers.normal(self.sigma)
        self.W_xh = self.param('W_xh', init, (self.num_inputs, self.num_hiddens))
        self.W_hh = self.param('W_hh', init, (self.num_hiddens, self.num_hiddens))
        self.b_h = self.param('b_h', nn.initializers.zeros, (self.num_hiddens,))

    def __call__(self, inputs, state=None):
        """Defined in :numref:`sec_rnn-scratch`"""
        if state is None:
            state = jnp.zeros((inputs.shape[1], self.num_hiddens), inputs.dtype)
        W_xh, W_hh, b_h = self.W_xh, self.W_hh, self.b_h

        def step(H, X):  # One time step: (old state, input) -> (new state, output)
            H = jnp.tanh(X @ W_xh + H @ W_hh + b_h)
            return H, H

        state, outputs = jax.lax.scan(step, state, inputs)
        return outputs, state  # outputs: (num_steps, batch_size, num_hiddens)


def check_len(a, n):
    """Check the length of a list.

    Defined in :numref:`sec_rnn-scratch`
    """
    assert len(a) == n, f'list\'s length {len(a)} != expected length {n}'


def check_shape(a, shape):
    """Check the shape of a tensor.

    Defined in :numref:`sec_rnn-scratch`
    """
    assert a.shape == shape, f'tensor\'s shape {a.shape} != expected shape {shape}'


class RNNLMScratch(d2l.Classifier):
    """A character-level language model on top of a recurrent network.

    Defined in :numref:`sec_rnn-scratch`
    """
    rnn: nn.Module
    vocab_size: int
    lr: float = 0.01

    def setup(self):
        init = nn.initializers.normal(self.rnn.sigma)
        self.W_hq = self.param('W_hq', init, (self.rnn.num_hiddens, self.vocab_size))
        self.b_q = self.param('b_q', nn.initializers.zeros, (self.vocab_size,))

    def plot(self, key, value, train):
        # The trainer reports the cross-entropy loss; show its exponential instead
        if key == 'loss':
            key, value = 'ppl', jnp.exp(value)
        d2l.Classifier.plot(self, key, value, train)

    def validation_step(self, params, batch, state):
        l, _ = self.loss(params, batch[:-1], batch[-1], state)
        self.plot('loss', l, train=False)

    def configure_optimizers(self):
        return optax.sgd(self.lr)

    def one_hot(self, X):
        """Defined in :numref:`sec_rnn-scratch`"""
        # Output shape: (num_steps, batch_size, vocab_size)
        return jax.nn.one_hot(X.T, self.vocab_size)

    def output_layer(self, rnn_outputs):
        """Defined in :numref:`sec_rnn-scratch`"""
        # (num_steps, batch_size, num_hiddens) -> (batch_size, num_steps, vocab_size)
        return (rnn_outputs @ self.W_hq + self.b_q).swapaxes(0, 1)

    def forward(self, X, state=None):
        """Defined in :numref:`sec_rnn-scratch`"""
        embs = self.one_hot(X)
        rnn_outputs, _ = self.rnn(embs, state)
        return self.output_layer(rnn_outputs)

    def predict(self, prefix, num_preds, vocab, params):
        """Continue `prefix` with `num_preds` greedily chosen tokens.

        Defined in :numref:`sec_rnn-scratch`
        """
        net = self.bind({'params': params})  # A copy of the model with its parameters
        tokens = vocab[list(prefix)]
        rnn_outputs, state = net.rnn(net.one_hot(jnp.array([tokens])))  # Warm-up
        for _ in range(num_preds):
            Y = net.output_layer(rnn_outputs)  # Shape: (1, num_steps, vocab_size)
            tokens.append(int(Y[0, -1].argmax()))
            rnn_outputs, state = net.rnn(net.one_hot(jnp.array([[tokens[-1]]])), state)
        return ''.join(vocab.to_tokens(tokens))


def evaluate_ppl(model, data, state):
    """Perplexity of a language model on all validation subsequences of `data`.

    Defined in :numref:`sec_rnn-scratch`
    """
    idx = slice(data.num_train, data.num_train + data.num_val)
    loss, _ = model.loss(state.params, (data.X[idx],), data.Y[idx], state)
    return math.exp(float(loss))


class RNN(nn.Module):
    """A recurrent network built on the framework's RNN layer.

    Defined in :numref:`sec_rnn-concise`
    """
    num_hiddens: int

    @nn.compact
    def __call__(self, inputs, H=None):
        # nn.RNN scans the cell over the time steps (the first axis)
        layer = nn.RNN(nn.SimpleCell(self.num_hiddens), time_major=True,
                       return_carry=True)
        H, outputs = layer(inputs, initial_carry=H)
        return outputs, H


class RNNLM(d2l.RNNLMScratch):
    """A language model that uses the framework's recurrent layers.

    Defined in :numref:`sec_rnn-concise`
    """
    def setup(self):
        self.linear = nn.Dense(self.vocab_size)

    def output_layer(self, hiddens):
        return self.linear(hiddens).swapaxes(0, 1)


class GRU(d2l.RNN):
    """A multilayer GRU built on the framework's GRU layer.

    Defined in :numref:`sec_gru`
    """
    num_hiddens: int
    num_layers: int = 1
    dropout: float = 0

    @nn.compact
    def __call__(self, inputs, H=None, training=False):
        # H, if given, holds one initial state per layer: (num_layers, batch, hiddens)
        states = []
        for i in range(self.num_layers):
            if i > 0:  # Dropout between layers, as in the framework's GRU layer
                inputs = nn.Dropout(self.dropout, deterministic=not training)(inputs)
            layer = nn.RNN(nn.GRUCell(self.num_hiddens), time_major=True,
                           return_carry=True)
            state, inputs = layer(inputs, initial_carry=None if H is None else H[i])
            states.append(state)
        return inputs, jnp.stack(states)


class MTFraEng(d2l.DataModule):
    """English-French sentence pairs from the Tatoeba project.

    Defined in :numref:`sec_machine_translation`
    """
    # A local file with the first 2,820 pairs (enough for this book) is used when found
    local_sha1 = '5633d13ebc81070d280b6576ec95bb2988a9b687'

    def _download(self):
        for folder in d2l.data_dirs(self.root):
            fname = os.path.join(folder, 'fra-eng', 'fra.txt')
            if os.path.isfile(fname) and d2l.sha1_file(fname) == self.local_sha1:
                break
        else:  # No verified local copy: fetch d2l's full archive and unpack it
            folder = d2l.extract(d2l.download(d2l.DATA_URL + 'fra-eng.zip', self.root,
                                              '94646ad1522d915e7b0f9296181140edcf86a4f5'))
            fname = os.path.join(folder, 'fra-eng', 'fra.txt')
        with open(fname, encoding='utf-8') as f:
            return f.read()

    def _preprocess(self, text):
        """Defined in :numref:`sec_machine_translation`"""
        text = text.replace('\u202f', ' ').replace('\xa0', ' ').lower()
        # Insert a space between a word and a punctuation mark that follows it
        return re.sub(r'(?<=[^ ])([,.!?])', r' \1', text)

    def _tokenize(self, text, max_examples=None):
        """Defined in :numref:`sec_machine_translation`"""
        src, tgt = [], []
        for line in text.split('\n')[:max_examples]:
            parts = line.split('\t')
            if len(parts) == 2:  # Skip empty or malformed lines
                src.append([t for t in parts[0].split(' ') if t] + ['<eos>'])
                tgt.append([t for t in parts[1].split(' ') if t] + ['<eos>'])
        return src, tgt

    def __init__(self, batch_size, num_steps=9, num_train=512, num_val=128):
        """Defined in :numref:`sec_machine_translation`"""
        super(MTFraEng, self).__init__()
        self.save_hyperparameters()
        self.arrays, self.src_vocab, self.tgt_vocab = self._build_arrays(self._download())

    def _build_arrays(self, raw_text, src_vocab=None, tgt_vocab=None):
        """Defined in :numref:`sec_machine_translation`"""
        def build_array(sentences, vocab, is_tgt=False):
            # Truncate or pad every sentence to exactly num_steps tokens
            sentences = [s[:self.num_steps] + ['<pad>'] * (self.num_steps - len(s))
                         for s in sentences]
            if is_tgt:
                sentences = [['<bos>'] + s for s in sentences]
            if vocab is None:
                vocab = d2l.Vocab(sentences, min_freq=2,
                                  reserved_tokens=['<pad>', '<bos>', '<eos>'])
            array = jnp.array([vocab[s] for s in sentences], dtype=jnp.int32)
            valid_len = (array != vocab['<pad>']).astype(jnp.int32).sum(1)
            return array, vocab, valid_len

        src, tgt = self._tokenize(self._preprocess(raw_text), self.num_train + self.num_val)
        src_array, src_vocab, src_valid_len = build_array(src, src_vocab)
        tgt_array, tgt_vocab, _ = build_array(tgt, tgt_vocab, True)
        return ((src_array, tgt_array[:, :-1], src_valid_len, tgt_array[:, 1:]),
                src_vocab, tgt_vocab)

    def get_dataloader(self, train):
        """Defined in :numref:`sec_machine_translation`"""
        idx = slice(0, self.num_train) if train else slice(
            self.num_train, self.num_train + self.num_val)
        return self.get_tensorloader(self.arrays, train, idx)

    def build(self, src_sentences, tgt_sentences):
        """Defined in :numref:`sec_machine_translation`"""
        raw_text = '\n'.join(s + '\t' + t for s, t in zip(src_sentences, tgt_sentences))
        arrays, _, _ = self._build_arrays(raw_text, self.src_vocab, self.tgt_vocab)
        return arrays


def show_list_len_pair_hist(legend, xlabel, ylabel, xlist, ylist):
    """Compare, in one histogram, how long the sequences of two lists are.

    Defined in :numref:`sec_machine_translation`
    """
    lengths = [[len(seq) for seq in xlist], [len(seq) for seq in ylist]]
    d2l.set_figsize()
    _, _, bars = d2l.plt.hist(lengths)
    for bar in bars[1]:  # Hatch the second group so that it stays readable in grey
        bar.set_hatch('/')
    d2l.plt.xlabel(xlabel)
    d2l.plt.ylabel(ylabel)
    d2l.plt.legend(legend)


class Encoder(nn.Module):
    """The base encoder interface for the encoder-decoder architecture.

    Defined in :numref:`sec_encoder-decoder`
    """
    # Later there can be additional arguments (e.g., length excluding padding)
    def __call__(self, X, *args):
        raise NotImplementedError('a concrete encoder implements __call__')


class Decoder(nn.Module):
    """The base decoder interface for the encoder-decoder architecture.

    Defined in :numref:`sec_encoder-decoder`
    """
    # Later there can be additional arguments (e.g., length excluding padding)
    def init_state(self, enc_all_outputs, *args):
        raise NotImplementedError('a concrete decoder implements init_state')

    def __call__(self, X, state):
        raise NotImplementedError('a concrete decoder implements __call__')


class EncoderDecoder(d2l.Classifier):
    """The base class for the encoder-decoder architecture.

    Defined in :numref:`sec_encoder-decoder`
    """
    encoder: nn.Module
    decoder: nn.Module
    # Set by the Trainer; keyword-only so that subclasses may add plain fields
    training: bool = field(default=True, kw_only=True)

    def forward(self, enc_X, dec_X, *args):
        enc_all_outputs = self.encoder(enc_X, *args, training=self.training)
        dec_state = self.decoder.init_state(enc_all_outputs, *args)
        # Return the decoder output only
        return self.decoder(dec_X, dec_state, training=self.training)[0]

    def predict_step(self, params, batch, num_steps, save_attention_weights=False):
        """Defined in :numref:`sec_seq2seq`"""
        src, tgt, src_valid_len, _ = batch
        # Modules may record attention weights with `sow` (chapter 11)
        enc_all_outputs, enc_vars = self.encoder.apply(
            {'params': params['encoder']}, src, src_valid_len, training=False,
            mutable='intermediates')
        enc_attention_weights = []
        if save_attention_weights and 'enc_attention_weights' in enc_vars.get(
                'intermediates', {}):
            enc_attention_weights = enc_vars['intermediates']['enc_attention_weights'][0]
        dec_state = self.decoder.init_state(enc_all_outputs, src_valid_len)
        outputs, attention_weights = [tgt[:, :1]], []
        for _ in range(num_steps):
            (Y, dec_state), dec_vars = self.decoder.apply(
                {'params': params['decoder']}, outputs[-1], dec_state, training=False,
                mutable='intermediates')
            outputs.append(Y.argmax(2))  # The most likely token becomes the next input
            if save_attention_weights:
                attention_weights.append(dec_vars['intermediates']['dec_attention_weights'][0])
        return jnp.concatenate(outputs[1:], 1), (attention_weights, enc_attention_weights)


class Seq2SeqEncoder(d2l.Encoder):
    """The RNN encoder for sequence-to-sequence learning.

    Defined in :numref:`sec_seq2seq`
    """
    vocab_size: int
    embed_size: int
    num_hiddens: int
    num_layers: int
    dropout: float = 0

    def setup(self):
        self.embedding = nn.Embed(self.vocab_size, self.embed_size)
        self.rnn = d2l.GRU(self.num_hiddens, self.num_layers, self.dropout)

    def __call__(self, X, *args, training=False):
        # X shape: (batch_size, num_steps)
        embs = self.embedding(X.T.astype(jnp.int32))
        # embs shape: (num_steps, batch_size, embed_size)
        outputs, state = self.rnn(embs, training=training)
        # outputs shape: (num_steps, batch_size, num_hiddens)
        # state shape: (num_layers, batch_size, num_hiddens)
        return outputs, state


class Seq2SeqDecoder(d2l.Decoder):
    """The RNN decoder for sequence-to-sequence learning.

    Defined in :numref:`sec_seq2seq`
    """
    vocab_size: int
    embed_size: int
    num_hiddens: int
    num_layers: int
    dropout: float = 0

    def setup(self):
        self.embedding = nn.Embed(self.vocab_size, self.embed_size)
        self.rnn = d2l.GRU(self.num_hiddens, self.num_layers, self.dropout)
        self.dense = nn.Dense(self.vocab_size)

    def init_state(self, enc_all_outputs, *args):
        return enc_all_outputs

    def __call__(self, X, state, training=False):
        # X shape: (batch_size, num_steps)
        embs = self.embedding(X.T.astype(jnp.int32))
        enc_output, hidden_state = state
        # The context is the encoder's last-layer state at its final time step;
        # it is repeated so that every decoding step sees it
        context = jnp.broadcast_to(enc_output[-1], (embs.shape[0],) + enc_output.shape[1:])
        outputs, hidden_state = self.rnn(jnp.concatenate((embs, context), -1),
                                         hidden_state, training=training)
        outputs = self.dense(outputs).swapaxes(0, 1)
        # outputs shape: (batch_size, num_steps, vocab_size)
        # hidden_state shape: (num_layers, batch_size, num_hiddens)
        return outputs, [enc_output, hidden_state]


class Seq2Seq(d2l.EncoderDecoder):
    """The RNN encoder-decoder for sequence to sequence learning.

    Defined in :numref:`sec_seq2seq`
    """
    tgt_pad: int
    lr: float

    def validation_step(self, params, batch, state):
        l, _ = self.loss(params, batch[:-1], batch[-1], state)
        self.plot('loss', l, train=False)

    def configure_optimizers(self):
        return optax.adam(learning_rate=self.lr)

    def masked_loss(self, Y_hat, Y):
        """Average cross-entropy over the label positions that are not padding.

        Defined in :numref:`sec_seq2seq`
        """
        losses = optax.softmax_cross_entropy_with_integer_labels(Y_hat, Y)
        mask = (Y != self.tgt_pad).astype(jnp.float32)
        return (losses * mask).sum() / mask.sum()

    @partial(jax.jit, static_argnums=0)
    def loss(self, params, X, Y, state):
        """Defined in :numref:`sec_seq2seq`"""
        Y_hat = state.apply_fn({'params': params}, *X, rngs={'dropout': state.dropout_rng})
        return self.masked_loss(Y_hat, Y), {}  # (loss, auxiliary data) as for classifiers


def bleu(pred_seq, label_seq, k):
    """The BLEU score of a predicted token sequence against one label sequence.

    Defined in :numref:`sec_seq2seq`
    """
    pred, label = pred_seq.split(), label_seq.split()
    if not pred:
        return 0.0
    score = math.exp(min(0.0, 1 - len(label) / len(pred)))
    for n in range(1, min(k, len(pred)) + 1):
        pred_ngrams = collections.Counter(
            tuple(pred[i:i + n]) for i in range(len(pred) - n + 1))
        label_ngrams = collections.Counter(
            tuple(label[i:i + n]) for i in range(len(label) - n + 1))
        # Counter intersection clips each n-gram's matches by its count in the label
        matches = sum((pred_ngrams & label_ngrams).values())
        score *= (matches / (len(pred) - n + 1)) ** (0.5 ** n)
    return score


def show_heatmaps(matrices, xlabel, ylabel, titles=None, figsize=(2.5, 2.5),
                  cmap='Reds'):
    """Draw a grid of heatmaps; `matrices` has shape (rows, cols, queries, keys).

    Defined in :numref:`sec_queries-keys-values`
    """
    d2l.use_svg_display()
    num_rows, num_cols = len(matrices), len(matrices[0])
    fig, axes = d2l.plt.subplots(num_rows, num_cols, figsize=figsize, sharex=True,
                                 sharey=True, squeeze=False)
    for i in range(num_rows):
        for j in range(num_cols):
            # np.asarray copies a JAX array from the device to host memory
            ax, matrix = axes[i, j], np.asarray(matrices[i][j])
            image = ax.imshow(matrix, cmap=cmap)
            if i == num_rows - 1:
                ax.set_xlabel(xlabel)
            if j == 0:
                ax.set_ylabel(ylabel)
            if titles:
                ax.set_title(titles[j])
    fig.colorbar(image, ax=axes, shrink=0.6)


def masked_softmax(X, valid_lens):
    """Softmax over the last axis of X, keeping only the first valid_lens entries.

    Defined in :numref:`sec_attention-scoring-functions`
    """
    # X: (batch_size, no. of queries, no. of keys); valid_lens: 1-D (batch_size,)
    # or 2-D (batch_size, no. of queries)
    if valid_lens is None:
        return jax.nn.softmax(X, axis=-1)
    # Append axes to valid_lens until it broadcasts against X without its key axis
    lens = valid_lens.reshape(valid_lens.shape + (1,) * (X.ndim - 1 - valid_lens.ndim))
    mask = jnp.arange(X.shape[-1]) < lens[..., None]
    # jnp.where builds a new array; JAX arrays are never changed in place
    return jax.nn.softmax(jnp.where(mask, X, -1e6), axis=-1)


class DotProductAttention(nn.Module):
    """Scaled dot-product attention; returns (output, attention weights).

    Defined in :numref:`sec_attention-scoring-functions`
    """
    dropout: float

    # queries: (batch_size, no. of queries, d)
    # keys: (batch_size, no. of key-value pairs, d)
    # values: (batch_size, no. of key-value pairs, value dimension)
    # valid_lens: (batch_size,) or (batch_size, no. of queries)
    @nn.compact
    def __call__(self, queries, keys, values, valid_lens=None, training=False):
        d = queries.shape[-1]
        scores = queries @ keys.swapaxes(-1, -2) / math.sqrt(d)
        attention_weights = masked_softmax(scores, valid_lens)
        dropped = nn.Dropout(self.dropout, deterministic=not training)(attention_weights)
        return dropped @ values, attention_weights


class AdditiveAttention(nn.Module):
    """Additive attention; returns (output, attention weights).

    Defined in :numref:`sec_attention-scoring-functions`
    """
    num_hiddens: int
    dropout: float

    @nn.compact
    def __call__(self, queries, keys, values, valid_lens=None, training=False):
        queries = nn.Dense(self.num_hiddens, use_bias=False, name='W_q')(queries)
        keys = nn.Dense(self.num_hiddens, use_bias=False, name='W_k')(keys)
        # Broadcast to (batch_size, no. of queries, no. of key-value pairs, num_hiddens)
        features = jnp.tanh(jnp.expand_dims(queries, -2) + jnp.expand_dims(keys, -3))
        scores = nn.Dense(1, use_bias=False, name='w_v')(features).squeeze(-1)
        attention_weights = masked_softmax(scores, valid_lens)
        dropped = nn.Dropout(self.dropout, deterministic=not training)(attention_weights)
        return dropped @ values, attention_weights


class AttentionDecoder(d2l.Decoder):
    """The base class of decoders that record their attention weights.

    Defined in :numref:`sec_seq2seq_attention`
    """
    def record_attention_weights(self, attention_weights):
        # Readable from apply(..., mutable='intermediates') as
        # variables['intermediates']['dec_attention_weights'][0]
        self.sow('intermediates', 'dec_attention_weights', attention_weights)


class MultiHeadAttention(nn.Module):
    """Multi-head attention built on scaled dot-product attention.

    Defined in :numref:`sec_multihead-attention`
    """
    num_hiddens: int
    num_heads: int
    dropout: float
    bias: bool = False

    def setup(self):
        assert self.num_hiddens % self.num_heads == 0, \
            'num_hiddens must be divisible by num_heads'
        self.attention = d2l.DotProductAttention(self.dropout)
        self.W_q = nn.Dense(self.num_hiddens, use_bias=self.bias)
        self.W_k = nn.Dense(self.num_hiddens, use_bias=self.bias)
        self.W_v = nn.Dense(self.num_hiddens, use_bias=self.bias)
        self.W_o = nn.Dense(self.num_hiddens, use_bias=self.bias)

    def __call__(self, queries, keys, values, valid_lens, training=False):
        # queries/keys/values: (batch_size, no. of queries or key-value pairs, dim)
        # After transpose_qkv: (batch_size * num_heads, no. of queries or key-value
        # pairs, num_hiddens / num_heads)
        queries = self.transpose_qkv(self.W_q(queries))
        keys = self.transpose_qkv(self.W_k(keys))
        values = self.transpose_qkv(self.W_v(values))
        if valid_lens is not None:
            # Every head of a sequence sees the same valid length
            valid_lens = jnp.repeat(valid_lens, self.num_heads, axis=0)
        output, attention_weights = self.attention(queries, keys, values, valid_lens,
                                                   training=training)
        # output_concat: (batch_size, no. of queries, num_hiddens)
        output_concat = self.transpose_output(output)
        return self.W_o(output_concat), attention_weights

    def transpose_qkv(self, X):
        """Split the last axis into heads and fold the heads into the batch axis.

        Defined in :numref:`sec_multihead-attention`
        """
        # (batch_size, n, num_hiddens) -> (batch_size, n, num_heads, num_hiddens / num_heads)
        X = X.reshape(X.shape[0], X.shape[1], self.num_heads, -1)
        # -> (batch_size, num_heads, n, num_hiddens / num_heads)
        X = X.transpose(0, 2, 1, 3)
        # -> (batch_size * num_heads, n, num_hiddens / num_heads)
        return X.reshape(-1, X.shape[2], X.shape[3])

    def transpose_output(self, X):
        """Reverse transpose_qkv.

        Defined in :numref:`sec_multihead-attention`
        """
        X = X.reshape(-1, self.num_heads, X.shape[1], X.shape[2])
        X = X.transpose(0, 2, 1, 3)
        return X.reshape(X.shape[0], X.shape[1], -1)


class PositionalEncoding(nn.Module):
    """Sinusoidal positional encoding.

    Defined in :numref:`sec_self-attention-and-positional-encoding`
    """
    num_hiddens: int
    dropout: float
    max_len: int = 1000

    def setup(self):
        # A constant, not a parameter: computed once with NumPy
        positions = np.arange(self.max_len, dtype=np.float32).reshape(-1, 1)
        frequencies = np.power(10000, -np.arange(0, self.num_hiddens, 2,
                                                 dtype=np.float32) / self.num_hiddens)
        angles = positions * frequencies  # (max_len, ceil(num_hiddens / 2))
        P = np.zeros((1, self.max_len, self.num_hiddens), dtype=np.float32)
        P[0, :, 0::2] = np.sin(angles)
        P[0, :, 1::2] = np.cos(angles[:, :self.num_hiddens // 2])
        self.P = P
        self.dropout_layer = nn.Dropout(self.dropout)

    def __call__(self, X, training=False, offset=0):
        # offset: position of the first row of X (used when decoding step by step)
        self.sow('intermediates', 'P', self.P)
        X = X + jax.lax.dynamic_slice_in_dim(self.P, offset, X.shape[1], axis=1)
        return self.dropout_layer(X, deterministic=not training)


class PositionWiseFFN(nn.Module):
    """The positionwise feed-forward network.

    Defined in :numref:`sec_transformer`
    """
    ffn_num_hiddens: int
    ffn_num_outputs: int

    def setup(self):
        self.dense1 = nn.Dense(self.ffn_num_hiddens)
        self.dense2 = nn.Dense(self.ffn_num_outputs)

    def __call__(self, X):
        return self.dense2(nn.relu(self.dense1(X)))


class AddNorm(nn.Module):
    """The residual connection followed by layer normalization.

    Defined in :numref:`sec_transformer`
    """
    dropout: float

    @nn.compact
    def __call__(self, X, Y, training=False):
        Y = nn.Dropout(self.dropout, deterministic=not training)(Y)
        return nn.LayerNorm()(Y + X)


class TransformerEncoderBlock(nn.Module):
    """One block of the Transformer encoder; returns (output, attention weights).

    Defined in :numref:`sec_transformer`
    """
    num_hiddens: int
    ffn_num_hiddens: int
    num_heads: int
    dropout: float
    use_bias: bool = False

    def setup(self):
        self.attention = d2l.MultiHeadAttention(self.num_hiddens, self.num_heads,
                                                self.dropout, self.use_bias)
        self.addnorm1 = AddNorm(self.dropout)
        self.ffn = PositionWiseFFN(self.ffn_num_hiddens, self.num_hiddens)
        self.addnorm2 = AddNorm(self.dropout)

    def __call__(self, X, valid_lens, training=False):
        output, attention_weights = self.attention(X, X, X, valid_lens, training=training)
        Y = self.addnorm1(X, output, training=training)
        return self.addnorm2(Y, self.ffn(Y), training=training), attention_weights


class TransformerEncoder(d2l.Encoder):
    """The Transformer encoder.

    Defined in :numref:`sec_transformer`
    """
    vocab_size: int
    num_hiddens: int
    ffn_num_hiddens: int
    num_heads: int
    num_blks: int
    dropout: float
    use_bias: bool = False

    def setup(self):
        self.embedding = nn.Embed(
            self.vocab_size, self.num_hiddens,
            embedding_init=nn.initializers.normal(stddev=self.num_hiddens ** -0.5))
        self.pos_encoding = d2l.PositionalEncoding(self.num_hiddens, self.dropout)
        self.blks = [TransformerEncoderBlock(self.num_hiddens, self.ffn_num_hiddens,
                                             self.num_heads, self.dropout, self.use_bias)
                     for _ in range(self.num_blks)]

    def __call__(self, X, valid_lens, training=False):
        X = self.pos_encoding(self.embedding(X.astype(jnp.int32))
                              * math.sqrt(self.num_hiddens), training=training)
        attention_weights = []
        for blk in self.blks:
            X, weights = blk(X, valid_lens, training=training)
            attention_weights.append(weights)
        self.sow('intermediates', 'enc_attention_weights', attention_weights)
        return X


class TransformerDecoderBlock(nn.Module):
    """The i-th block of the Transformer decoder.

    Defined in :numref:`sec_transformer`
    """
    num_hiddens: int
    ffn_num_hiddens: int
    num_heads: int
    dropout: float
    i: int

    def setup(self):
        self.attention1 = d2l.MultiHeadAttention(self.num_hiddens, self.num_heads,
                                                 self.dropout)
        self.addnorm1 = AddNorm(self.dropout)
        self.attention2 = d2l.MultiHeadAttention(self.num_hiddens, self.num_heads,
                                                 self.dropout)
        self.addnorm2 = AddNorm(self.dropout)
        self.ffn = PositionWiseFFN(self.ffn_num_hiddens, self.num_hiddens)
        self.addnorm3 = AddNorm(self.dropout)

    def __call__(self, X, state, training=False):
        # state: [encoder outputs, encoder valid lengths, per-block caches]
        enc_outputs, enc_valid_lens, caches = state
        cached = caches[self.i]
        key_values = X if cached is None else jnp.concatenate((cached, X), axis=1)
        caches = list(caches)  # A new list: the caller's state is left unchanged
        caches[self.i] = key_values
        batch_size, num_steps, _ = X.shape
        offset = key_values.shape[1] - num_steps  # number of earlier tokens
        # Causal mask: query t (1-based) may attend to the first offset + t keys
        dec_valid_lens = jnp.tile(jnp.arange(offset + 1, offset + num_steps + 1),
                                  (batch_size, 1))
        X2, self_weights = self.attention1(X, key_values, key_values, dec_valid_lens,
                                           training=training)
        Y = self.addnorm1(X, X2, training=training)
        # Encoder-decoder attention
        Y2, inter_weights = self.attention2(Y, enc_outputs, enc_outputs,
                                            enc_valid_lens, training=training)
        Z = self.addnorm2(Y, Y2, training=training)
        state = [enc_outputs, enc_valid_lens, caches]
        return (self.addnorm3(Z, self.ffn(Z), training=training), state,
                (self_weights, inter_weights))


class TransformerDecoder(d2l.AttentionDecoder):
    """The Transformer decoder.

    Defined in :numref:`sec_transformer`
    """
    vocab_size: int
    num_hiddens: int
    ffn_num_hiddens: int
    num_heads: int
    num_blks: int
    dropout: float

    def setup(self):
        self.embedding = nn.Embed(
            self.vocab_size, self.num_hiddens,
            embedding_init=nn.initializers.normal(stddev=self.num_hiddens ** -0.5))
        self.pos_encoding = d2l.PositionalEncoding(self.num_hiddens, self.dropout)
        self.blks = [TransformerDecoderBlock(self.num_hiddens, self.ffn_num_hiddens,
                                             self.num_heads, self.dropout, i)
                     for i in range(self.num_blks)]
        self.dense = nn.Dense(self.vocab_size)

    def init_state(self, enc_outputs, enc_valid_lens):
        return [enc_outputs, enc_valid_lens, [None] * self.num_blks]

    def __call__(self, X, state, training=False):
        offset = 0 if state[2][0] is None else state[2][0].shape[1]
        X = self.pos_encoding(self.embedding(X.astype(jnp.int32))
                              * math.sqrt(self.num_hiddens), training=training,
                              offset=offset)
        # [decoder self-attention weights, encoder-decoder attention weights]
        attention_weights = [[None] * len(self.blks) for _ in range(2)]
        for i, blk in enumerate(self.blks):
            X, state, (attention_weights[0][i], attention_weights[1][i]) = blk(
                X, state, training=training)
        self.record_attention_weights(attention_weights)
        return self.dense(X), state


class PatchEmbedding(nn.Module):
    """Split an image into patches and linearly embed each of them.

    Defined in :numref:`sec_vision-transformer`
    """
    img_size: int | tuple = 96
    patch_size: int | tuple = 16
    num_hiddens: int = 512

    @staticmethod
    def _make_tuple(x):
        return tuple(x) if isinstance(x, (list, tuple)) else (x, x)

    @property
    def num_patches(self):
        img_size, patch_size = self._make_tuple(self.img_size), self._make_tuple(
            self.patch_size)
        return (img_size[0] // patch_size[0]) * (img_size[1] // patch_size[1])

    @nn.compact
    def __call__(self, X):
        patch_size = self._make_tuple(self.patch_size)
        X = nn.Conv(self.num_hiddens, kernel_size=patch_size, strides=patch_size,
                    padding='VALID')(X)
        # (batch_size, h / p, w / p, num_hiddens) -> (batch_size, num_patches, num_hiddens)
        return X.reshape((X.shape[0], -1, X.shape[3]))


class ViTMLP(nn.Module):
    """The MLP of a Vision Transformer block.

    Defined in :numref:`sec_vision-transformer`
    """
    mlp_num_hiddens: int
    mlp_num_outputs: int
    dropout: float = 0.5

    @nn.compact
    def __call__(self, X, training=False):
        X = nn.gelu(nn.Dense(self.mlp_num_hiddens)(X), approximate=False)
        X = nn.Dropout(self.dropout, deterministic=not training)(X)
        X = nn.Dense(self.mlp_num_outputs)(X)
        return nn.Dropout(self.dropout, deterministic=not training)(X)


class ViTBlock(nn.Module):
    """A pre-norm Transformer encoder block.

    Defined in :numref:`sec_vision-transformer`
    """
    num_hiddens: int
    norm_shape: int
    mlp_num_hiddens: int
    num_heads: int
    dropout: float
    use_bias: bool = False

    def setup(self):
        self.ln1 = nn.LayerNorm()
        self.attention = d2l.MultiHeadAttention(self.num_hiddens, self.num_heads,
                                                self.dropout, self.use_bias)
        self.ln2 = nn.LayerNorm()
        self.mlp = ViTMLP(self.mlp_num_hiddens, self.num_hiddens, self.dropout)

    def __call__(self, X, valid_lens=None, training=False):
        assert X.shape[-1] == self.norm_shape, 'the last axis is normalized'
        Y = self.ln1(X)
        X = X + self.attention(Y, Y, Y, valid_lens, training=training)[0]
        return X + self.mlp(self.ln2(X), training=training)


class ViT(d2l.Classifier):
    """Vision Transformer.

    Defined in :numref:`sec_vision-transformer`
    """
    img_size: int
    patch_size: int
    num_hiddens: int
    mlp_num_hiddens: int
    num_heads: int
    num_blks: int
    emb_dropout: float
    blk_dropout: float
    lr: float = 0.001
    use_bias: bool = False
    num_classes: int = 10
    training: bool = True

    def setup(self):
        self.patch_embedding = PatchEmbedding(self.img_size, self.patch_size,
                                              self.num_hiddens)
        self.cls_token = self.param('cls_token', nn.initializers.zeros,
                                    (1, 1, self.num_hiddens))
        num_steps = self.patch_embedding.num_patches + 1  # Add the <cls> token
        # Learnable positional embeddings, initialized with small random values
        self.pos_embedding = self.param('pos_embedding', nn.initializers.normal(0.02),
                                        (1, num_steps, self.num_hiddens))
        self.dropout = nn.Dropout(self.emb_dropout)
        self.blks = [ViTBlock(self.num_hiddens, self.num_hiddens, self.mlp_num_hiddens,
                              self.num_heads, self.blk_dropout, self.use_bias)
                     for _ in range(self.num_blks)]
        self.head = nn.Sequential([nn.LayerNorm(), nn.Dense(self.num_classes)])

    def __call__(self, X):
        X = self.patch_embedding(X)
        cls_tokens = jnp.broadcast_to(self.cls_token, (X.shape[0], 1, X.shape[2]))
        X = jnp.concatenate((cls_tokens, X), 1)
        X = self.dropout(X + self.pos_embedding, deterministic=not self.training)
        for blk in self.blks:
            X = blk(X, training=self.training)
        return self.head(X[:, 0])

    def configure_optimizers(self):
        return optax.adam(self.lr)


import gzip
import http.client
import urllib.error
import urllib.request


def data_dirs(folder=None):
    """Return the folders searched for data files: $D2L_DATA_DIR, then `folder`.

    Defined in :numref:`sec_data_files`
    """
    dirs = [d for d in os.environ.get('D2L_DATA_DIR', '').split(os.pathsep) if d]
    dirs.append(folder if folder is not None else os.path.join('..', 'data'))
    return dirs


def sha1_file(path):
    """Return the SHA-1 hex digest of the file at `path`.

    Defined in :numref:`sec_data_files`
    """
    digest = hashlib.sha1()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _part_validator(path):
    """Return the validator (ETag or Last-Modified) saved with a partial download.

    Defined in :numref:`sec_data_files`
    """
    try:
        with open(path + '.etag', encoding='utf-8') as f:
            return f.read().strip() or None
    except OSError:
        return None


def _forget_part(path):
    """Delete a partial download and its saved validator.

    Defined in :numref:`sec_data_files`
    """
    for name in (path, path + '.etag'):
        if os.path.exists(name):
            os.remove(name)


def _total_from_content_range(value):
    """The total length in a Content-Range header such as 'bytes */1234', or None.

    Defined in :numref:`sec_data_files`
    """
    total = (value or '').rpartition('/')[2].strip()
    return int(total) if total.isdigit() else None


def fetch_url(url, path, retries=4, sha1_hash=None):
    """Download `url` into `path`; resume a partial file only when it can be verified.

    Defined in :numref:`sec_data_files`
    """
    error = None
    for attempt in range(retries):
        have = os.path.getsize(path) if os.path.exists(path) else 0
        validator = _part_validator(path) if have else None
        if have and validator is None and sha1_hash is None:
            _forget_part(path)  # Nothing could tell us whether the bytes still match
            have = 0
        headers = {}
        if have and url.startswith(('http://', 'https://')):
            headers['Range'] = f'bytes={have}-'
            if validator is not None:
                headers['If-Range'] = validator
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                        timeout=60) as response:
                resumed = bool(headers) and getattr(response, 'status', None) == 206
                expected = response.headers.get('Content-Length')
                tag = response.headers.get('ETag') or response.headers.get('Last-Modified')
                if not resumed:
                    _forget_part(path)
                    if tag:
                        with open(path + '.etag', 'w', encoding='utf-8') as f:
                            f.write(tag)
                with open(path, 'ab' if resumed else 'wb') as f:
                    written = 0
                    for block in iter(lambda: response.read(1 << 20), b''):
                        f.write(block)
                        written += len(block)
            if expected is None or written >= int(expected):
                if os.path.exists(path + '.etag'):
                    os.remove(path + '.etag')
                return path
            error = OSError(f'connection closed after {written} of {expected} bytes')
        except urllib.error.HTTPError as e:
            if e.code == 416 and have:  # The range starts at or after the end of the file
                total = _total_from_content_range(e.headers.get('Content-Range'))
                complete = (sha1_file(path) == sha1_hash if sha1_hash is not None
                            else validator is not None and total == have)
                if complete:
                    if os.path.exists(path + '.etag'):
                        os.remove(path + '.etag')
                    return path
                _forget_part(path)  # Not the file we think it is: start again
                error = e
                continue
            if e.code < 500:  # Client errors (e.g., 404) do not go away by retrying
                raise
            error = e
        except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
            error = e
        time.sleep(min(2 ** attempt, 10))
    raise OSError(f'failed to download {url} after {retries} attempts: {error}')


def download(url, folder='../data', sha1_hash=None, cache_dir=None):
    """Return the local path of the file at `url` (or DATA_HUB name), downloading if needed.

    Defined in :numref:`sec_data_files`
    """
    if cache_dir is not None:  # The keyword of the 2.0 edition
        folder = cache_dir
    if url in DATA_HUB:
        url, hub_hash = DATA_HUB[url]
        sha1_hash = sha1_hash or hub_hash
    fname = url.rstrip('/').split('/')[-1]
    for d in data_dirs(folder):
        path = os.path.join(d, fname)
        if os.path.isfile(path) and (sha1_hash is None or sha1_file(path) == sha1_hash):
            return path
    folder = folder if folder is not None else os.path.join('..', 'data')
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, fname)
    print(f'Downloading {fname} from {url}...')
    part = path + '.part'
    fetch_url(url, part, sha1_hash=sha1_hash)
    if sha1_hash is not None:
        got = sha1_file(part)
        if got != sha1_hash:
            _forget_part(part)
            raise ValueError(f'SHA-1 mismatch for {fname} downloaded from {url}: '
                             f'expected {sha1_hash}, got {got}')
    os.replace(part, path)
    return path


def _inside(root, path):
    """True if the absolute, normalized `path` lies inside the folder `root`.

    Defined in :numref:`sec_data_files`
    """
    return path == root or path.startswith(root + os.sep)


def _final_path(root, name, links, depth=0):
    """Where `name` ends up under `root`, following the archive's own `links` and the disk's.

    Defined in :numref:`sec_data_files`
    """
    if depth > 40:
        raise ValueError(f'{name!r}: too many levels of links')
    if os.path.isabs(name):
        return os.path.normpath(name)
    current = root
    for part in name.replace('\\', '/').split('/'):
        if part in ('', '.'):
            continue
        if part == '..':
            current = os.path.dirname(current)
            continue
        current = os.path.join(current, part)
        rel = os.path.relpath(current, root)
        if rel in links:  # a link created by an earlier member of the archive
            current = _final_path(root, os.path.join(os.path.dirname(rel), links[rel]),
                                  links, depth + 1)
        elif os.path.islink(current):  # a link that is already on the disk
            current = os.path.realpath(current)
    return current


def _check_members(filename, root, folder, members):
    """Refuse the archive if any (name, kind, link target) would land outside `root`.

    Defined in :numref:`sec_data_files`
    """
    links = {}
    for name, kind, target in members:
        where = _final_path(root, name, links)
        if not _inside(root, where):
            raise ValueError(f'{filename}: member {name!r} would be written outside {folder}')
        if kind == 'sym':
            dest = target if os.path.isabs(target) else os.path.join(os.path.dirname(name), target)
            if not _inside(root, _final_path(root, dest, links)):
                raise ValueError(f'{filename}: link target {target!r} of {name!r} '
                                 f'would be written outside {folder}')
            links[os.path.normpath(name)] = target
        elif kind == 'hard' and not _inside(root, _final_path(root, target, links)):
            raise ValueError(f'{filename}: link target {target!r} of {name!r} '
                             f'would be written outside {folder}')


def extract(filename, folder=None):
    """Extract a zip or tar archive into `folder`; refuse members that escape it.

    Defined in :numref:`sec_data_files`
    """
    folder = folder if folder is not None else os.path.dirname(filename)
    os.makedirs(folder, exist_ok=True)
    root = os.path.realpath(folder)

    def recheck(name):  # the same check against the disk as it is right now
        if not _inside(root, _final_path(root, name, {})):
            raise ValueError(f'{filename}: member {name!r} would be written outside {folder}')

    if zipfile.is_zipfile(filename):
        with zipfile.ZipFile(filename) as fp:
            infos = fp.infolist()
            _check_members(filename, root, folder, [(i.filename, 'file', '') for i in infos])
            for info in infos:
                recheck(info.filename)
                fp.extract(info, root)
    elif tarfile.is_tarfile(filename):
        extra = {'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}
        with tarfile.open(filename) as fp:
            members = fp.getmembers()
            for m in members:
                if not (m.isfile() or m.isdir() or m.issym() or m.islnk()):
                    raise ValueError(f'{filename}: special file {m.name!r} not extracted')
            _check_members(filename, root, folder, [
                (m.name, 'sym' if m.issym() else 'hard' if m.islnk() else 'file', m.linkname)
                for m in members])
            for m in members:
                recheck(m.name)
                fp.extract(m, root, **extra)
    else:
        raise ValueError(f'{filename}: only zip and tar files can be extracted')
    return folder


def read_idx(path):
    """Read an IDX file of unsigned bytes (gzip-compressed or not) into a numpy array.

    Defined in :numref:`sec_data_files`
    """
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    if len(data) < 4 or data[:3] != b'\x00\x00\x08':
        raise ValueError(f'{path}: not an IDX file of unsigned bytes')
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], 'big') for i in range(ndim))
    offset = 4 + 4 * ndim
    if len(data) - offset != math.prod(shape):
        raise ValueError(f'{path}: header says shape {shape}, '
                         f'but the file holds {len(data) - offset} values')
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(shape)


FASHION_MNIST_URL = 'https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/'


FASHION_MNIST_SHA1 = {
    'train-images-idx3-ubyte': 'b9bd999c0106c9b8b4b0cefce58c9a6060f27095',
    'train-labels-idx1-ubyte': '4bccf37222e01638381eaa326bf730337a597267',
    't10k-images-idx3-ubyte': '880056926db704f9f713097915f99da346f5b1d1',
    't10k-labels-idx1-ubyte': '958122e8b4b97fd4e71eca2d08ef754ed77c3ad9'}


def find_fashion_mnist_file(name, root='../data'):
    """Return the path of a local copy of a Fashion-MNIST file, or None.

    Defined in :numref:`sec_data_files`
    """
    folders = []
    for base in data_dirs(root):
        folders += [os.path.join(base, 'fashion-mnist'),
                    os.path.join(base, 'FashionMNIST', 'raw'), base]
    folders.append('/usr/share/datasets/fashion-mnist')  # Debian/Ubuntu package
    for folder in folders:
        for fname in (name, name + '.gz'):
            if os.path.isfile(os.path.join(folder, fname)):
                return os.path.join(folder, fname)
    return None


def load_fashion_mnist_file(name, root='../data'):
    """Read one Fashion-MNIST file into a numpy array, downloading it if needed.

    Defined in :numref:`sec_data_files`
    """
    path = find_fashion_mnist_file(name, root)
    if path is not None:
        return read_idx(path)
    path = download(FASHION_MNIST_URL + name + '.gz', os.path.join(root, 'fashion-mnist'))
    with gzip.open(path, 'rb') as f:
        got = hashlib.sha1(f.read()).hexdigest()
    if got != FASHION_MNIST_SHA1[name]:
        os.remove(path)
        raise ValueError(f'SHA-1 mismatch for the content of {path}: '
                         f'expected {FASHION_MNIST_SHA1[name]}, got {got}')
    return read_idx(path)


FASHION_MNIST_CACHE = {}


def load_fashion_mnist(root='../data'):
    """Return uint8 train/val images (n, 28, 28) and int32 labels as NumPy arrays.

    Defined in :numref:`sec_data_files`
    """
    names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte',
             't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']
    key = tuple(find_fashion_mnist_file(name, root) for name in names)
    if None in key or key not in FASHION_MNIST_CACHE:
        arrays = [load_fashion_mnist_file(name, root) for name in names]
        arrays[1], arrays[3] = arrays[1].astype(np.int32), arrays[3].astype(np.int32)
        key = tuple(find_fashion_mnist_file(name, root) for name in names)
        FASHION_MNIST_CACHE[key] = tuple(arrays)
    return FASHION_MNIST_CACHE[key]


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
expand_dims = jnp.expand_dims
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
swapaxes = lambda x, *args, **kwargs: x.swapaxes(*args, **kwargs)
repeat = lambda x, *args, **kwargs: x.repeat(*args, **kwargs)
to = jax.device_put
transpose = lambda a: a.T
sigmoid = jax.nn.sigmoid
