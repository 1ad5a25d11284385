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


import torch
import torchvision
from torch import nn
from torch.nn import functional as F


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
    return torch.device('cpu')


def gpu(i=0):
    """Return the i-th CUDA GPU device.

    Defined in :numref:`sec_oo-design`
    """
    return torch.device(f'cuda:{i}')


def num_gpus():
    """Return the number of available CUDA GPUs.

    Defined in :numref:`sec_oo-design`
    """
    return torch.cuda.device_count()


def mps_available():
    """Return True when Apple's Metal (MPS) accelerator can be used.

    Defined in :numref:`sec_oo-design`
    """
    backend = getattr(torch.backends, 'mps', None)
    return backend is not None and backend.is_available()


def try_gpu(i=0):
    """Return gpu(i) if it exists, else Apple's MPS device (for i = 0), else the CPU.

    Defined in :numref:`sec_oo-design`
    """
    if i < num_gpus():
        return gpu(i)
    if i == 0 and mps_available():
        return torch.device('mps')
    return cpu()


def try_all_gpus():
    """Return all CUDA GPUs, else [MPS] where available, else [CPU].

    Defined in :numref:`sec_oo-design`
    """
    if num_gpus() > 0:
        return [gpu(i) for i in range(num_gpus())]
    return [torch.device('mps')] if mps_available() else [cpu()]


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


class Module(nn.Module, d2l.HyperParameters):
    """The base class of models.

    Defined in :numref:`sec_oo-design`
    """
    def __init__(self, plot_train_per_epoch=2, plot_valid_per_epoch=1):
        super().__init__()
        self.save_hyperparameters()
        self.board = ProgressBoard()

    def loss(self, y_hat, y):
        raise NotImplementedError

    def forward(self, X):
        assert hasattr(self, 'net'), 'Neural network is defined'
        return self.net(X)

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
        if isinstance(value, torch.Tensor):
            value = value.detach()
        self.board.draw(x, value, ('train_' if train else 'val_') + key,
                        every_n=max(1, int(n)))

    def training_step(self, batch):
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot('loss', loss, train=True)
        return loss

    def validation_step(self, batch):
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot('loss', loss, train=False)

    def apply_init(self, inputs, init=None):
        """Run one forward pass to create lazy parameters, then apply `init`."""
        self.forward(*inputs)
        if init is not None:
            self.net.apply(init)

    def configure_optimizers(self):
        """Defined in :numref:`sec_classification`"""
        return torch.optim.SGD(self.parameters(), lr=self.lr)


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
        self.device = d2l.try_gpu() if num_gpus > 0 else d2l.cpu()

    def fit(self, model, data):
        self.num_epochs = d2l.quick_cap(self.max_epochs, 2)  # 2 epochs in quick mode
        self.prepare_data(data)
        self.prepare_model(model)
        self.optim = model.configure_optimizers()
        self.epoch = 0
        self.train_batch_idx = 0
        self.val_batch_idx = 0
        self.progress = d2l.ProgressBar(self.num_epochs * self.num_train_batches)
        for epoch in range(self.num_epochs):
            self.epoch = epoch
            self.fit_epoch()
        self.progress.close()

    def prepare_data(self, data):
        """Defined in :numref:`sec_multi_gpu`"""
        self.rank, self.world_size = get_rank_world()
        if self.world_size > 1 and d2l.num_gpus() > 0 and (
                self.num_gpus > 0 or dist.get_backend() == 'nccl'):  # nccl needs GPU tensors
            # torchrun starts one process per GPU: local process i drives GPU i
            self.device = d2l.gpu(int(os.environ.get('LOCAL_RANK', '0')))
        self.train_losses = []  # the loss over the whole minibatch, one per step
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
        """Defined in :numref:`sec_multi_gpu`"""
        model.trainer = self
        model.board.xlim = [0, self.num_epochs]
        model.to(self.device)
        self.model = model
        self.broadcast_pending = getattr(self, 'world_size', 1) > 1
        if self.broadcast_pending and not any(
                isinstance(p, nn.parameter.UninitializedParameter) for p in model.parameters()):
            self.broadcast_model()

    def prepare_batch(self, batch):
        """Defined in :numref:`sec_multi_gpu`"""
        if getattr(self, 'world_size', 1) > 1:
            self.global_batch_size = len(batch[0])
            batch = [a.tensor_split(self.world_size)[self.rank] for a in batch]
        return [a.to(self.device, non_blocking=True) for a in batch]

    def fit_epoch(self):
        """Defined in :numref:`sec_multi_gpu`"""
        self.model.train()
        for i, batch in enumerate(self.train_dataloader):
            if i == self.num_train_batches:
                break
            batch = self.prepare_batch(batch)
            loss = self.model.training_step(batch)
            self.optim.zero_grad()
            loss.backward()
            loss = loss.detach().reshape(1)
            if getattr(self, 'world_size', 1) > 1:
                if self.broadcast_pending:  # lazy parameters exist only now
                    self.broadcast_model()
                grads = [p.grad for p in self.model.parameters() if p.grad is not None]
                allreduce(grads + [loss], len(batch[-1]) / self.global_batch_size)
            self.train_losses.append(loss)
            if self.gradient_clip_val > 0:
                self.clip_gradients(self.gradient_clip_val, self.model)
            self.optim.step()
            self.train_batch_idx += 1
            self.progress.update(f'epoch {self.epoch + 1}/{self.num_epochs}', loss)
        if self.val_dataloader is None:
            return
        self.model.eval()
        with torch.no_grad():  # Validation only evaluates: no graph, no gradients
            for i, batch in enumerate(self.val_dataloader):
                if i == self.num_val_batches:
                    break
                self.model.validation_step(self.prepare_batch(batch))
                self.val_batch_idx += 1

    def clip_gradients(self, grad_clip_val, model):
        """Defined in :numref:`sec_oo-design`"""
        params = [p for p in model.parameters() if p.requires_grad and p.grad is not None]
        norm = torch.sqrt(sum(torch.sum(p.grad ** 2) for p in params))
        scale = torch.clamp(grad_clip_val / (norm + 1e-12), max=1.0)
        for p in params:
            p.grad.mul_(scale)

    def broadcast_model(self):
        """Give every process rank 0's parameters and buffers.

        Defined in :numref:`sec_multi_gpu`
        """
        for t in list(self.model.parameters()) + list(self.model.buffers()):
            dist.broadcast(t.data, src=0)
        self.broadcast_pending = False


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
    def __init__(self, w, b, noise=0.01, num_train=1000, num_val=1000, batch_size=32):
        super().__init__()
        self.save_hyperparameters()
        n = num_train + num_val
        self.X = torch.randn(n, len(w))
        noise = torch.randn(n, 1) * noise
        self.y = self.X @ w.reshape((-1, 1)) + b + noise

    def get_dataloader(self, train):
        """Defined in :numref:`sec_synthetic-regression-data`"""
        i = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader((self.X, self.y), train, i)


class TensorLoader:
    """Iterate over minibatches of in-memory tensors by slicing them.

    All tensors share their first dimension. With shuffle=True, a new random
    permutation of the examples is drawn at the start of every epoch.


    Defined in :numref:`sec_synthetic-regression-data`
    """
    def __init__(self, tensors, batch_size, shuffle=False, transform=None):
        self.tensors = tuple(tensors)
        self.batch_size, self.shuffle, self.transform = batch_size, shuffle, transform
        self.num_examples = len(self.tensors[0])
        assert all(len(t) == self.num_examples for t in self.tensors), 'sizes differ'

    def __len__(self):
        return math.ceil(self.num_examples / self.batch_size)

    def __iter__(self):
        device = self.tensors[0].device
        order = (torch.randperm(self.num_examples, device=device)
                 if self.shuffle else None)
        for start in range(0, self.num_examples, self.batch_size):
            if order is None:  # A plain slice is a view: no copy at all
                batch = tuple(t[start: start + self.batch_size] for t in self.tensors)
            else:
                idx = order[start: start + self.batch_size]
                batch = tuple(t[idx] for t in self.tensors)
            yield self.transform(*batch) if self.transform is not None else batch

    def to(self, device):
        """Return a loader over copies of the tensors on `device`."""
        return TensorLoader([t.to(device) for t in self.tensors], self.batch_size,
                            self.shuffle, self.transform)


class LinearRegressionScratch(d2l.Module):
    """The linear regression model implemented from scratch.

    Defined in :numref:`sec_linear_scratch`
    """
    def __init__(self, num_inputs, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.w = nn.Parameter(torch.normal(0, sigma, (num_inputs, 1)))
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, X):
        """Defined in :numref:`sec_linear_scratch`"""
        return torch.matmul(X, self.w) + self.b

    def loss(self, y_hat, y):
        """Defined in :numref:`sec_linear_scratch`"""
        squared = (y_hat - y.reshape(y_hat.shape)) ** 2 / 2
        return squared.mean()

    def configure_optimizers(self):
        """Defined in :numref:`sec_linear_scratch`"""
        return SGD([self.w, self.b], self.lr)


class SGD(d2l.HyperParameters):
    """Minibatch stochastic gradient descent.

    Defined in :numref:`sec_linear_scratch`
    """
    def __init__(self, params, lr):
        self.save_hyperparameters()
        self.params = list(params)

    def step(self):
        with torch.no_grad():
            for param in self.params:
                param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


class LinearRegression(d2l.Module):
    """The linear regression model implemented with high-level APIs.

    Defined in :numref:`sec_linear_concise`
    """
    def __init__(self, lr):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.LazyLinear(1)
        # Lazy parameters are created by the first forward pass: initialize them then
        self.init_handle = self.net.register_forward_pre_hook(self.init_params)

    def init_params(self, module, inputs):
        nn.init.normal_(module.weight, 0, 0.01)
        nn.init.zeros_(module.bias)
        self.init_handle.remove()  # Run only once

    def forward(self, X):
        """Defined in :numref:`sec_linear_concise`"""
        return self.net(X)

    def loss(self, y_hat, y):
        """Defined in :numref:`sec_linear_concise`"""
        fn = nn.MSELoss()
        return fn(y_hat, y)

    def configure_optimizers(self):
        """Defined in :numref:`sec_linear_concise`"""
        return torch.optim.SGD(self.parameters(), self.lr)

    def get_w_b(self):
        """Defined in :numref:`sec_linear_concise`"""
        return (self.net.weight.data, self.net.bias.data)


DATA_HUB = dict()


DATA_URL = 'https://d2l-data.s3-accelerate.amazonaws.com/'


class ImageTensorDataset(torch.utils.data.Dataset):
    """uint8 images and labels held as tensors; indexing returns preprocessed examples.

    Defined in :numref:`sec_fashion_mnist`
    """
    def __init__(self, images, labels, transform):
        self.tensors = (images, labels)
        self.transform = transform

    def __len__(self):
        return len(self.tensors[0])

    def __getitem__(self, idx):
        X, y = self.tensors[0][idx], self.tensors[1][idx]
        if X.dim() == 2:  # One example: convert it as a minibatch of one
            X, y = self.transform(X.unsqueeze(0), y.unsqueeze(0))
            return X[0], int(y[0])
        return self.transform(X, y)


class FashionMNIST(d2l.DataModule):
    """The Fashion-MNIST dataset, held in memory as tensors.

    Defined in :numref:`sec_fashion_mnist`
    """
    def __init__(self, batch_size=64, resize=(28, 28), root='../data'):
        super().__init__(root=root)
        self.save_hyperparameters()
        # Quick mode (D2L_QUICK=1): fewer images in batches of at most 16; the image
        # size stays as asked, since a model may be built for exactly that size
        self.batch_size = d2l.quick_cap(batch_size, 16)
        X_train, y_train, X_val, y_val = d2l.load_fashion_mnist(root)
        n_train, n_val = d2l.quick_cap(len(X_train), 2048), d2l.quick_cap(len(X_val), 256)
        X_train, y_train, X_val, y_val = X_train[:n_train], y_train[:n_train], X_val[:n_val], y_val[:n_val]
        self.train = ImageTensorDataset(X_train, y_train, self.preprocess)
        self.val = ImageTensorDataset(X_val, y_val, self.preprocess)

    def preprocess(self, X, y):
        """Turn a minibatch of uint8 images into floats in [0, 1] of shape (n, 1, h, w)."""
        X = X.unsqueeze(1).float() / 255
        if tuple(self.resize) != tuple(X.shape[-2:]):
            X = F.interpolate(X, size=tuple(self.resize), mode='bilinear',
                              align_corners=False)
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
        return d2l.TensorLoader(data.tensors, self.batch_size, shuffle=train,
                                transform=self.preprocess)

    def visualize(self, batch, nrows=1, ncols=8, labels=[]):
        """Defined in :numref:`sec_fashion_mnist`"""
        X, y = batch
        if not labels:
            labels = self.text_labels(y)
        d2l.show_images(X.squeeze(1), nrows, ncols, titles=labels)


def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5):
    """Draw images row by row on a num_rows x num_cols grid; return the flat axes.

    Defined in :numref:`sec_fashion_mnist`
    """
    _, grid = d2l.plt.subplots(num_rows, num_cols, squeeze=False,
                               figsize=(scale * num_cols, scale * num_rows))
    cells = grid.reshape(-1)
    for k, (cell, picture) in enumerate(zip(cells, imgs)):
        if torch.is_tensor(picture):  # matplotlib wants a host-side array
            picture = picture.detach().cpu().numpy()
        cell.imshow(picture, cmap=None if picture.ndim == 3 else 'gray')
        cell.set_xticks([])
        cell.set_yticks([])
        if titles:
            cell.set_title(titles[k])
    return cells


class Classifier(d2l.Module):
    """The base class of classification models.

    Defined in :numref:`sec_classification`
    """
    def validation_step(self, batch):
        Y_hat = self(*batch[:-1])
        self.plot('loss', self.loss(Y_hat, batch[-1]), train=False)
        self.plot('acc', self.accuracy(Y_hat, batch[-1]), train=False)

    def accuracy(self, Y_hat, Y, averaged=True):
        """Fraction of rows whose top-scoring class equals the label (or 0/1 per row).

        Defined in :numref:`sec_classification`
        """
        num_classes = Y_hat.shape[-1]
        predicted = Y_hat.reshape(-1, num_classes).argmax(dim=1).to(Y.dtype)
        hits = predicted.eq(Y.reshape(-1)).float()  # 1.0 where the prediction is right
        if averaged:
            return hits.mean()
        return hits

    def loss(self, Y_hat, Y, averaged=True):
        """Defined in :numref:`sec_softmax_concise`"""
        Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
        Y = Y.reshape((-1,))
        return F.cross_entropy(Y_hat, Y, reduction='mean' if averaged else 'none')

    def layer_summary(self, X_shape):
        """Print the output shape of every top-level layer for an input of shape X_shape.

        Defined in :numref:`sec_lenet`
        """
        X = torch.randn(*X_shape)
        for layer in self.net:
            X = layer(X)
            print(f'{layer.__class__.__name__:>20} output shape:\t{tuple(X.shape)}')

    def evaluate_accuracy(self, data):
        """Accuracy on the validation set of `data`.

        Defined in :numref:`sec_lenet`
        """
        device = next(self.parameters()).device
        loader = data.val_dataloader()
        if hasattr(loader, 'to'):  # our tensor loaders: copy the data to the device once
            loader = loader.to(device)
        self.eval()
        correct, total = torch.zeros((), device=device), 0
        with torch.no_grad():
            for X, y in loader:
                X, y = X.to(device), y.to(device)
                correct += self.accuracy(self(X), y, averaged=False).sum()
                total += y.numel()
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
    def __init__(self, num_outputs, lr):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_outputs))

    def forward(self, X):
        return self.net(X)


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
        X = torch.tensor(frame.drop(columns=['SalePrice']).to_numpy(dtype='float32'))
        y = torch.tensor(frame['SalePrice'].to_numpy(dtype='float32')).log().unsqueeze(1)
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


def log_rmse(model, data):
    """Root-mean-square error between log labels and predictions on data's validation set.

    Defined in :numref:`sec_kaggle_house`
    """
    model.eval()
    device = next(model.parameters()).device
    se, n = 0.0, 0
    with torch.no_grad():
        for X, y in data.val_dataloader():
            X, y = X.to(device), y.to(device)
            se += ((model(X) - y) ** 2).sum().item()
            n += y.numel()
    return (se / n) ** 0.5


def k_fold(trainer, data, k, lr):
    """Train one linear regression per fold; print and return the fold models.

    Defined in :numref:`sec_kaggle_house`
    """
    models, errors = [], []
    for i, fold in enumerate(k_fold_data(data, k)):
        model = d2l.LinearRegression(lr)
        model.board.yscale = 'log'
        model.board.display = (i == 0)  # draw the curves of the first fold only
        trainer.fit(model, fold)
        errors.append(log_rmse(model, fold))
        models.append(model)
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


def init_cnn(module):
    """Xavier-initialize the weights of convolutional and fully connected layers.

    Defined in :numref:`sec_lenet`
    """
    if (isinstance(module, (nn.Conv2d, nn.Linear))
            and not nn.parameter.is_lazy(module.weight)):
        nn.init.xavier_uniform_(module.weight)


class LeNet(d2l.Classifier):
    """The LeNet-5 model (LeCun et al., 1998) with sigmoid activations.

    Defined in :numref:`sec_lenet`
    """
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.LazyLinear(120), nn.Sigmoid(),
            nn.LazyLinear(84), nn.Sigmoid(),
            nn.LazyLinear(num_classes))


class AlexNet(d2l.Classifier):
    """AlexNet (Krizhevsky et al., 2012) for single-channel inputs.

    Defined in :numref:`sec_alexnet`
    """
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(96, kernel_size=11, stride=4, padding=1), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.LazyConv2d(256, kernel_size=5, padding=2), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.LazyConv2d(384, kernel_size=3, padding=1), nn.ReLU(),
            nn.LazyConv2d(384, kernel_size=3, padding=1), nn.ReLU(),
            nn.LazyConv2d(256, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2), nn.Flatten(),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(p=0.5),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(p=0.5),
            nn.LazyLinear(num_classes))


def vgg_block(num_convs, out_channels):
    """A VGG block: num_convs 3x3 convolutions with ReLU, then 2x2 max-pooling.

    Defined in :numref:`sec_vgg`
    """
    layers = []
    for _ in range(num_convs):
        layers.append(nn.LazyConv2d(out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


class VGG(d2l.Classifier):
    """VGG: a stack of VGG blocks followed by AlexNet's fully connected layers.

    Defined in :numref:`sec_vgg`
    """
    def __init__(self, arch, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        blocks = [vgg_block(num_convs, out_channels) for num_convs, out_channels in arch]
        self.net = nn.Sequential(
            *blocks, nn.Flatten(),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(0.5),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(0.5),
            nn.LazyLinear(num_classes))


def nin_block(out_channels, kernel_size, strides, padding):
    """A NiN block: one convolution and two 1x1 convolutions, each followed by ReLU.

    Defined in :numref:`sec_nin`
    """
    return nn.Sequential(
        nn.LazyConv2d(out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU())


class NiN(d2l.Classifier):
    """Network in Network (Lin et al., 2013): no fully connected layers.

    Defined in :numref:`sec_nin`
    """
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nin_block(96, kernel_size=11, strides=4, padding=0),
            nn.MaxPool2d(3, stride=2),
            nin_block(256, kernel_size=5, strides=1, padding=2),
            nn.MaxPool2d(3, stride=2),
            nin_block(384, kernel_size=3, strides=1, padding=1),
            nn.MaxPool2d(3, stride=2),
            nn.Dropout(0.5),
            nin_block(num_classes, kernel_size=3, strides=1, padding=1),
            nn.AdaptiveAvgPool2d((1, 1)),  # global average pooling
            nn.Flatten())


class Inception(nn.Module):
    """Four parallel paths whose outputs are concatenated along the channels.

    Defined in :numref:`sec_googlenet`
    """
    def __init__(self, c1, c2, c3, c4):
        super().__init__()
        self.paths = nn.ModuleList([
            # Path 1: a single 1x1 convolution
            nn.Sequential(nn.LazyConv2d(c1, kernel_size=1), nn.ReLU()),
            # Path 2: 1x1 convolution to reduce channels, then 3x3 convolution
            nn.Sequential(nn.LazyConv2d(c2[0], kernel_size=1), nn.ReLU(),
                          nn.LazyConv2d(c2[1], kernel_size=3, padding=1), nn.ReLU()),
            # Path 3: 1x1 convolution to reduce channels, then 5x5 convolution
            nn.Sequential(nn.LazyConv2d(c3[0], kernel_size=1), nn.ReLU(),
                          nn.LazyConv2d(c3[1], kernel_size=5, padding=2), nn.ReLU()),
            # Path 4: 3x3 max-pooling, then 1x1 convolution
            nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
                          nn.LazyConv2d(c4, kernel_size=1), nn.ReLU())])

    def forward(self, x):
        return torch.cat([path(x) for path in self.paths], dim=1)


class GoogleNet(d2l.Classifier):
    """GoogLeNet (Szegedy et al., 2015) without the auxiliary classifiers.

    Defined in :numref:`sec_googlenet`
    """
    def b1(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

    def b2(self):
        """Defined in :numref:`sec_googlenet`"""
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=1), nn.ReLU(),
            nn.LazyConv2d(192, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

    def b3(self):
        """Defined in :numref:`sec_googlenet`"""
        return nn.Sequential(
            Inception(64, (96, 128), (16, 32), 32),
            Inception(128, (128, 192), (32, 96), 64),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

    def b4(self):
        """Defined in :numref:`sec_googlenet`"""
        return nn.Sequential(
            Inception(192, (96, 208), (16, 48), 64),
            Inception(160, (112, 224), (24, 64), 64),
            Inception(128, (128, 256), (24, 64), 64),
            Inception(112, (144, 288), (32, 64), 64),
            Inception(256, (160, 320), (32, 128), 128),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

    def b5(self):
        """Defined in :numref:`sec_googlenet`"""
        return nn.Sequential(
            Inception(256, (160, 320), (32, 128), 128),
            Inception(384, (192, 384), (48, 128), 128),
            nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())

    def __init__(self, lr=0.1, num_classes=10):
        """Defined in :numref:`sec_googlenet`"""
        super(GoogleNet, self).__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(self.b1(), self.b2(), self.b3(), self.b4(),
                                 self.b5(), nn.LazyLinear(num_classes))


class BNLeNet(d2l.Classifier):
    """LeNet with batch normalization after every convolution and hidden dense layer.

    Defined in :numref:`sec_batch_norm`
    """
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5), nn.LazyBatchNorm2d(), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.LazyBatchNorm2d(), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
            nn.LazyLinear(120), nn.LazyBatchNorm1d(), nn.Sigmoid(),
            nn.LazyLinear(84), nn.LazyBatchNorm1d(), nn.Sigmoid(),
            nn.LazyLinear(num_classes))


class Residual(nn.Module):
    """The residual block of ResNet: two 3x3 convolutions plus a shortcut.

    Defined in :numref:`sec_resnet`
    """
    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        self.bn1, self.bn2 = nn.LazyBatchNorm2d(), nn.LazyBatchNorm2d()
        # A 1x1 convolution on the shortcut matches the shape when it changes
        self.conv3 = (nn.LazyConv2d(num_channels, kernel_size=1, stride=strides)
                      if use_1x1conv else None)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        shortcut = X if self.conv3 is None else self.conv3(X)
        return F.relu(Y + shortcut)


class ResNet(d2l.Classifier):
    """ResNet: a stem, stages of residual blocks, and global average pooling.

    Defined in :numref:`sec_resnet`
    """
    def b1(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
            nn.LazyBatchNorm2d(), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

    def block(self, num_residuals, num_channels, first_block=False):
        """Defined in :numref:`sec_resnet`"""
        # Only the opening block of a stage can change the shape, and the first stage keeps it
        reshape = not first_block
        opening = Residual(num_channels, use_1x1conv=reshape, strides=2 if reshape else 1)
        rest = [Residual(num_channels) for _ in range(num_residuals - 1)]
        return nn.Sequential(opening, *rest)

    def __init__(self, arch, lr=0.1, num_classes=10):
        """Defined in :numref:`sec_resnet`"""
        super(ResNet, self).__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(self.b1())
        for i, b in enumerate(arch):
            self.net.add_module(f'b{i + 2}', self.block(*b, first_block=(i == 0)))
        self.net.add_module('last', nn.Sequential(
            nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LazyLinear(num_classes)))


class ResNet18(ResNet):
    """ResNet-18: four stages of two residual blocks each.

    Defined in :numref:`sec_resnet`
    """
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__(((2, 64), (2, 128), (2, 256), (2, 512)), lr, num_classes)


class ResNeXtBlock(nn.Module):
    """The ResNeXt block: 1x1, grouped 3x3, 1x1 convolutions plus a shortcut.

    Defined in :numref:`sec_resnet`
    """
    def __init__(self, num_channels, groups, bot_mul, use_1x1conv=False, strides=1):
        super().__init__()
        bot_channels = int(round(num_channels * bot_mul))
        self.conv1 = nn.LazyConv2d(bot_channels, kernel_size=1)
        self.conv2 = nn.LazyConv2d(bot_channels, kernel_size=3, stride=strides, padding=1,
                                   groups=groups)
        self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1)
        self.bn1, self.bn2, self.bn3 = (nn.LazyBatchNorm2d() for _ in range(3))
        self.shortcut = (nn.Sequential(nn.LazyConv2d(num_channels, kernel_size=1,
                                                     stride=strides),
                                       nn.LazyBatchNorm2d())
                         if use_1x1conv else nn.Identity())

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = F.relu(self.bn2(self.conv2(Y)))
        Y = self.bn3(self.conv3(Y))
        return F.relu(Y + self.shortcut(X))


def conv_block(num_channels):
    """Batch norm, ReLU, then a 3x3 convolution (the pre-activation order).

    Defined in :numref:`sec_densenet`
    """
    return nn.Sequential(
        nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.LazyConv2d(num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    """A dense block: every conv_block sees the concatenation of all earlier outputs.

    Defined in :numref:`sec_densenet`
    """
    def __init__(self, num_convs, num_channels):
        super().__init__()
        self.net = nn.Sequential(*[conv_block(num_channels) for _ in range(num_convs)])

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)  # keep the input, append the new channels
        return X


def transition_block(num_channels):
    """Reduce the channels with a 1x1 convolution and halve the resolution.

    Defined in :numref:`sec_densenet`
    """
    return nn.Sequential(
        nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.LazyConv2d(num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2))


class DenseNet(d2l.Classifier):
    """DenseNet (Huang et al., 2017): dense blocks separated by transition layers.

    Defined in :numref:`sec_densenet`
    """
    b1 = d2l.ResNet.b1  # The same stem as ResNet's

    def __init__(self, num_channels=64, growth_rate=32, arch=(4, 4, 4, 4),
                 lr=0.1, num_classes=10):
        """Defined in :numref:`sec_densenet`"""
        super(DenseNet, self).__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(self.b1())
        for i, num_convs in enumerate(arch):
            self.net.add_module(f'dense_blk{i + 1}', DenseBlock(num_convs, growth_rate))
            num_channels += num_convs * growth_rate  # channels after this dense block
            if i != len(arch) - 1:  # a transition layer halves the channels in between
                num_channels //= 2
                self.net.add_module(f'tran_blk{i + 1}', transition_block(num_channels))
        self.net.add_module('last', nn.Sequential(
            nn.LazyBatchNorm2d(), nn.ReLU(),
            nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
            nn.LazyLinear(num_classes)))


class AnyNet(d2l.Classifier):
    """A stem, stages of ResNeXt blocks, and a head (Radosavovic et al., 2020).

    Defined in :numref:`sec_cnn-design`
    """
    def stem(self, num_channels):
        return nn.Sequential(
            nn.LazyConv2d(num_channels, kernel_size=3, stride=2, padding=1),
            nn.LazyBatchNorm2d(), nn.ReLU())

    def stage(self, depth, num_channels, groups, bot_mul):
        """Defined in :numref:`sec_cnn-design`"""
        # The first block halves the resolution; the others keep the shape
        blk = [d2l.ResNeXtBlock(num_channels, groups, bot_mul, use_1x1conv=True, strides=2)]
        blk += [d2l.ResNeXtBlock(num_channels, groups, bot_mul) for _ in range(depth - 1)]
        return nn.Sequential(*blk)

    def __init__(self, arch, stem_channels, lr=0.1, num_classes=10):
        """Defined in :numref:`sec_cnn-design`"""
        super(AnyNet, self).__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(self.stem(stem_channels))
        for i, s in enumerate(arch):
            self.net.add_module(f'stage{i + 1}', self.stage(*s))
        self.net.add_module('head', nn.Sequential(
            nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LazyLinear(num_classes)))


class RegNetX32(AnyNet):
    """A small RegNetX: two stages, group width 16, no bottleneck.

    Defined in :numref:`sec_cnn-design`
    """
    def __init__(self, lr=0.1, num_classes=10):
        stem_channels, group_width, bot_mul = 32, 16, 1
        depths, channels = (4, 6), (32, 80)
        arch = [(d, c, c * bot_mul // group_width, bot_mul)
                for d, c in zip(depths, channels)]
        super().__init__(arch, stem_channels, lr, num_classes)


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
        windows = torch.tensor(corpus).unfold(0, num_steps + 1, 1)
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


class RNNScratch(d2l.Module):
    """A single-layer RNN with a tanh activation, built from tensors.

    Defined in :numref:`sec_rnn-scratch`
    """
    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.W_xh = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)
        self.W_hh = nn.Parameter(torch.randn(num_hiddens, num_hiddens) * sigma)
        self.b_h = nn.Parameter(torch.zeros(num_hiddens))

    def forward(self, inputs, state=None):
        """Defined in :numref:`sec_rnn-scratch`"""
        if state is None:
            state = torch.zeros((inputs.shape[1], self.num_hiddens), device=inputs.device)
        outputs = []
        for X in inputs:  # One time step at a time
            state = torch.tanh(X @ self.W_xh + state @ self.W_hh + self.b_h)
            outputs.append(state)
        return outputs, state


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
    def __init__(self, rnn, vocab_size, lr=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.init_params()

    def init_params(self):
        self.W_hq = nn.Parameter(
            torch.randn(self.rnn.num_hiddens, self.vocab_size) * self.rnn.sigma)
        self.b_q = nn.Parameter(torch.zeros(self.vocab_size))

    def training_step(self, batch):
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot('ppl', torch.exp(loss), train=True)
        return loss

    def validation_step(self, batch):
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot('ppl', torch.exp(loss), train=False)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr)

    def one_hot(self, X):
        """Defined in :numref:`sec_rnn-scratch`"""
        # Output shape: (num_steps, batch_size, vocab_size)
        return F.one_hot(X.T, self.vocab_size).type(torch.float32)

    def output_layer(self, rnn_outputs):
        """Defined in :numref:`sec_rnn-scratch`"""
        outputs = [H @ self.W_hq + self.b_q for H in rnn_outputs]
        return torch.stack(outputs, 1)

    def forward(self, X, state=None):
        """Defined in :numref:`sec_rnn-scratch`"""
        embs = self.one_hot(X)
        rnn_outputs, _ = self.rnn(embs, state)
        return self.output_layer(rnn_outputs)

    def predict(self, prefix, num_preds, vocab, device=None):
        """Continue `prefix` with `num_preds` greedily chosen tokens.

        Defined in :numref:`sec_rnn-scratch`
        """
        tokens = vocab[list(prefix)]
        X = torch.tensor([tokens], device=device)
        rnn_outputs, state = self.rnn(self.one_hot(X))  # Warm-up on the whole prefix
        for _ in range(num_preds):
            Y = self.output_layer(rnn_outputs)  # Shape: (1, num_steps, vocab_size)
            tokens.append(int(Y[0, -1].argmax()))
            X = torch.tensor([[tokens[-1]]], device=device)
            rnn_outputs, state = self.rnn(self.one_hot(X), state)
        return ''.join(vocab.to_tokens(tokens))


def evaluate_ppl(model, data):
    """Perplexity of a language model on all validation subsequences of `data`.

    Defined in :numref:`sec_rnn-scratch`
    """
    device = next(model.parameters()).device
    idx = slice(data.num_train, data.num_train + data.num_val)
    model.eval()
    with torch.no_grad():
        loss = model.loss(model(data.X[idx].to(device)), data.Y[idx].to(device))
    return math.exp(float(loss))


class RNN(d2l.Module):
    """A recurrent network built on the framework's RNN layer.

    Defined in :numref:`sec_rnn-concise`
    """
    def __init__(self, num_inputs, num_hiddens):
        super().__init__()
        self.save_hyperparameters()
        self.rnn = nn.RNN(num_inputs, num_hiddens)

    def forward(self, inputs, H=None):
        return self.rnn(inputs, H)


class RNNLM(d2l.RNNLMScratch):
    """A language model that uses the framework's recurrent layers.

    Defined in :numref:`sec_rnn-concise`
    """
    def init_params(self):
        self.linear = nn.LazyLinear(self.vocab_size)

    def output_layer(self, hiddens):
        return self.linear(hiddens).swapaxes(0, 1)


class GRU(d2l.RNN):
    """A multilayer GRU built on the framework's GRU layer.

    Defined in :numref:`sec_gru`
    """
    def __init__(self, num_inputs, num_hiddens, num_layers=1, dropout=0):
        d2l.Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.GRU(num_inputs, num_hiddens, num_layers, dropout=dropout)


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
            array = torch.tensor([vocab[s] for s in sentences])
            valid_len = (array != vocab['<pad>']).type(torch.int32).sum(1)
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
    def __init__(self):
        super().__init__()

    # Later there can be additional arguments (e.g., length excluding padding)
    def forward(self, X, *args):
        raise NotImplementedError('a concrete encoder implements forward')


class Decoder(nn.Module):
    """The base decoder interface for the encoder-decoder architecture.

    Defined in :numref:`sec_encoder-decoder`
    """
    def __init__(self):
        super().__init__()

    # Later there can be additional arguments (e.g., length excluding padding)
    def init_state(self, enc_all_outputs, *args):
        raise NotImplementedError('a concrete decoder implements init_state')

    def forward(self, X, state):
        raise NotImplementedError('a concrete decoder implements forward')


class EncoderDecoder(d2l.Classifier):
    """The base class for the encoder-decoder architecture.

    Defined in :numref:`sec_encoder-decoder`
    """
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, enc_X, dec_X, *args):
        """Defined in :numref:`sec_utils`"""
        enc_all_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_all_outputs, *args)
        return DecoderOutput.wrap(*self.decoder(dec_X, dec_state))

    def predict_step(self, batch, device, num_steps, save_attention_weights=False):
        """Defined in :numref:`sec_seq2seq`"""
        batch = [a.to(device) for a in batch]
        src, tgt, src_valid_len, _ = batch
        enc_all_outputs = self.encoder(src, src_valid_len)
        dec_state = self.decoder.init_state(enc_all_outputs, src_valid_len)
        outputs, attention_weights = [tgt[:, 0].unsqueeze(1)], []
        for _ in range(num_steps):
            Y, dec_state = self.decoder(outputs[-1], dec_state)
            outputs.append(Y.argmax(2))  # The most likely token becomes the next input
            if save_attention_weights:
                attention_weights.append(self.decoder.attention_weights)
        return torch.cat(outputs[1:], 1), attention_weights


def init_seq2seq(module):
    """Xavier-initialize the weights of linear and GRU layers.

    Defined in :numref:`sec_seq2seq`
    """
    if isinstance(module, nn.Linear) and not nn.parameter.is_lazy(module.weight):
        nn.init.xavier_uniform_(module.weight)
    elif isinstance(module, nn.GRU):
        for name, param in module.named_parameters():
            if name.startswith('weight'):
                nn.init.xavier_uniform_(param)


class Seq2SeqEncoder(d2l.Encoder):
    """The RNN encoder for sequence-to-sequence learning.

    Defined in :numref:`sec_seq2seq`
    """
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = d2l.GRU(embed_size, num_hiddens, num_layers, dropout)
        self.apply(init_seq2seq)

    def forward(self, X, *args):
        # X shape: (batch_size, num_steps)
        embs = self.embedding(X.t().type(torch.int64))
        # embs shape: (num_steps, batch_size, embed_size)
        outputs, state = self.rnn(embs)
        # outputs shape: (num_steps, batch_size, num_hiddens)
        # state shape: (num_layers, batch_size, num_hiddens)
        return outputs, state


class Seq2SeqDecoder(d2l.Decoder):
    """The RNN decoder for sequence-to-sequence learning.

    Defined in :numref:`sec_seq2seq`
    """
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = d2l.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout)
        self.dense = nn.Linear(num_hiddens, vocab_size)
        self.apply(init_seq2seq)

    def init_state(self, enc_all_outputs, *args):
        return enc_all_outputs

    def forward(self, X, state):
        # X shape: (batch_size, num_steps)
        embs = self.embedding(X.t().type(torch.int64))
        enc_output, hidden_state = state
        # The context is the encoder's last-layer state at its final time step;
        # it is repeated so that every decoding step sees it
        context = enc_output[-1].expand(embs.shape[0], -1, -1)
        outputs, hidden_state = self.rnn(torch.cat((embs, context), -1), hidden_state)
        outputs = self.dense(outputs).swapaxes(0, 1)
        # outputs shape: (batch_size, num_steps, vocab_size)
        # hidden_state shape: (num_layers, batch_size, num_hiddens)
        return outputs, [enc_output, hidden_state]


class Seq2Seq(d2l.EncoderDecoder):
    """The RNN encoder-decoder for sequence to sequence learning.

    Defined in :numref:`sec_seq2seq`
    """
    def __init__(self, encoder, decoder, tgt_pad, lr):
        super().__init__(encoder, decoder)
        self.save_hyperparameters()

    def validation_step(self, batch):
        Y_hat = self(*batch[:-1])
        self.plot('loss', self.loss(Y_hat, batch[-1]), train=False)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)

    def loss(self, Y_hat, Y):
        """Defined in :numref:`sec_seq2seq`"""
        losses = super(Seq2Seq, self).loss(Y_hat, Y, averaged=False)
        mask = (Y.reshape(-1) != self.tgt_pad).type(torch.float32)
        return (losses * mask).sum() / mask.sum()


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
            ax, matrix = axes[i, j], matrices[i][j]
            if isinstance(matrix, torch.Tensor):
                matrix = matrix.detach().cpu().numpy()
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
        return nn.functional.softmax(X, dim=-1)
    lens = valid_lens.reshape(valid_lens.shape + (1,) * (X.dim() - 1 - valid_lens.dim()))
    positions = torch.arange(X.shape[-1], device=X.device)
    mask = positions < lens.unsqueeze(-1)
    return nn.functional.softmax(X.masked_fill(~mask, -1e6), dim=-1)


class DotProductAttention(nn.Module):
    """Scaled dot-product attention.

    Defined in :numref:`sec_attention-scoring-functions`
    """
    def __init__(self, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)

    # queries: (batch_size, no. of queries, d)
    # keys: (batch_size, no. of key-value pairs, d)
    # values: (batch_size, no. of key-value pairs, value dimension)
    # valid_lens: (batch_size,) or (batch_size, no. of queries)
    def forward(self, queries, keys, values, valid_lens=None):
        d = queries.shape[-1]
        scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class AdditiveAttention(nn.Module):
    """Additive attention.

    Defined in :numref:`sec_attention-scoring-functions`
    """
    def __init__(self, num_hiddens, dropout, **kwargs):
        super().__init__(**kwargs)
        self.W_k = nn.LazyLinear(num_hiddens, bias=False)
        self.W_q = nn.LazyLinear(num_hiddens, bias=False)
        self.w_v = nn.LazyLinear(1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens=None):
        queries, keys = self.W_q(queries), self.W_k(keys)
        # Broadcast to (batch_size, no. of queries, no. of key-value pairs, num_hiddens)
        features = torch.tanh(queries.unsqueeze(2) + keys.unsqueeze(1))
        scores = self.w_v(features).squeeze(-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class AttentionDecoder(d2l.Decoder):
    """The base class of decoders that expose their attention weights.

    Defined in :numref:`sec_seq2seq_attention`
    """
    def __init__(self):
        super().__init__()

    @property
    def attention_weights(self):
        raise NotImplementedError


class MultiHeadAttention(nn.Module):
    """Multi-head attention built on scaled dot-product attention.

    Defined in :numref:`sec_multihead-attention`
    """
    def __init__(self, num_hiddens, num_heads, dropout, bias=False, **kwargs):
        super().__init__()
        assert num_hiddens % num_heads == 0, 'num_hiddens must be divisible by num_heads'
        self.num_heads = num_heads
        self.attention = d2l.DotProductAttention(dropout)
        self.W_q = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_k = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_v = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_o = nn.LazyLinear(num_hiddens, bias=bias)

    def forward(self, queries, keys, values, valid_lens):
        # queries/keys/values: (batch_size, no. of queries or key-value pairs, dim)
        # After transpose_qkv: (batch_size * num_heads, no. of queries or key-value
        # pairs, num_hiddens / num_heads)
        queries = self.transpose_qkv(self.W_q(queries))
        keys = self.transpose_qkv(self.W_k(keys))
        values = self.transpose_qkv(self.W_v(values))
        if valid_lens is not None:
            # Every head of a sequence sees the same valid length
            valid_lens = torch.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        output = self.attention(queries, keys, values, valid_lens)
        # output_concat: (batch_size, no. of queries, num_hiddens)
        output_concat = self.transpose_output(output)
        return self.W_o(output_concat)

    def transpose_qkv(self, X):
        """Split the last axis into heads and fold the heads into the batch axis.

        Defined in :numref:`sec_multihead-attention`
        """
        # (batch_size, n, num_hiddens) -> (batch_size, n, num_heads, num_hiddens / num_heads)
        X = X.reshape(X.shape[0], X.shape[1], self.num_heads, -1)
        # -> (batch_size, num_heads, n, num_hiddens / num_heads)
        X = X.permute(0, 2, 1, 3)
        # -> (batch_size * num_heads, n, num_hiddens / num_heads)
        return X.reshape(-1, X.shape[2], X.shape[3])

    def transpose_output(self, X):
        """Reverse transpose_qkv.

        Defined in :numref:`sec_multihead-attention`
        """
        X = X.reshape(-1, self.num_heads, X.shape[1], X.shape[2])
        X = X.permute(0, 2, 1, 3)
        return X.reshape(X.shape[0], X.shape[1], -1)


class PositionalEncoding(nn.Module):
    """Sinusoidal positional encoding.

    Defined in :numref:`sec_self-attention-and-positional-encoding`
    """
    def __init__(self, num_hiddens, dropout, max_len=1000):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        positions = torch.arange(max_len, dtype=torch.float32).reshape(-1, 1)
        frequencies = torch.pow(10000, -torch.arange(0, num_hiddens, 2,
                                                     dtype=torch.float32) / num_hiddens)
        angles = positions * frequencies  # (max_len, ceil(num_hiddens / 2))
        self.P = torch.zeros((1, max_len, num_hiddens))
        self.P[0, :, 0::2] = torch.sin(angles)
        self.P[0, :, 1::2] = torch.cos(angles[:, :num_hiddens // 2])

    def forward(self, X, offset=0):
        # offset: position of the first row of X (used when decoding step by step)
        X = X + self.P[:, offset:offset + X.shape[1], :].to(X.device)
        return self.dropout(X)


class PositionWiseFFN(nn.Module):
    """The positionwise feed-forward network.

    Defined in :numref:`sec_transformer`
    """
    def __init__(self, ffn_num_hiddens, ffn_num_outputs):
        super().__init__()
        self.dense1 = nn.LazyLinear(ffn_num_hiddens)
        self.relu = nn.ReLU()
        self.dense2 = nn.LazyLinear(ffn_num_outputs)

    def forward(self, X):
        return self.dense2(self.relu(self.dense1(X)))


class AddNorm(nn.Module):
    """The residual connection followed by layer normalization.

    Defined in :numref:`sec_transformer`
    """
    def __init__(self, norm_shape, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(norm_shape)

    def forward(self, X, Y):
        return self.ln(self.dropout(Y) + X)


class TransformerEncoderBlock(nn.Module):
    """One block of the Transformer encoder.

    Defined in :numref:`sec_transformer`
    """
    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout,
                 use_bias=False):
        super().__init__()
        self.attention = d2l.MultiHeadAttention(num_hiddens, num_heads, dropout, use_bias)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
        self.addnorm2 = AddNorm(num_hiddens, dropout)

    def forward(self, X, valid_lens):
        Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
        return self.addnorm2(Y, self.ffn(Y))


class TransformerEncoder(d2l.Encoder):
    """The Transformer encoder.

    Defined in :numref:`sec_transformer`
    """
    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks,
                 dropout, use_bias=False):
        super().__init__()
        self.num_hiddens = num_hiddens
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        nn.init.normal_(self.embedding.weight, std=num_hiddens ** -0.5)
        self.pos_encoding = d2l.PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.ModuleList([
            TransformerEncoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout,
                                    use_bias) for _ in range(num_blks)])

    def forward(self, X, valid_lens):
        X = self.pos_encoding(self.embedding(X.type(torch.int64))
                              * math.sqrt(self.num_hiddens))
        self.attention_weights = [None] * len(self.blks)
        for i, blk in enumerate(self.blks):
            X = blk(X, valid_lens)
            self.attention_weights[i] = blk.attention.attention.attention_weights
        return X


class TransformerDecoderBlock(nn.Module):
    """The i-th block of the Transformer decoder.

    Defined in :numref:`sec_transformer`
    """
    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, i):
        super().__init__()
        self.i = i
        self.attention1 = d2l.MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.attention2 = d2l.MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm2 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
        self.addnorm3 = AddNorm(num_hiddens, dropout)

    def forward(self, X, state):
        # state: [encoder outputs, encoder valid lengths, per-block caches]
        enc_outputs, enc_valid_lens = state[0], state[1]
        cached = state[2][self.i]
        key_values = X if cached is None else torch.cat((cached, X), dim=1)
        state[2][self.i] = key_values
        batch_size, num_steps, _ = X.shape
        offset = key_values.shape[1] - num_steps  # number of earlier tokens
        # Causal mask: query t (1-based) may attend to the first offset + t keys
        dec_valid_lens = torch.arange(offset + 1, offset + num_steps + 1,
                                      device=X.device).repeat(batch_size, 1)
        X2 = self.attention1(X, key_values, key_values, dec_valid_lens)
        Y = self.addnorm1(X, X2)
        # Encoder-decoder attention
        Y2 = self.attention2(Y, enc_outputs, enc_outputs, enc_valid_lens)
        Z = self.addnorm2(Y, Y2)
        return self.addnorm3(Z, self.ffn(Z)), state


class TransformerDecoder(d2l.AttentionDecoder):
    """The Transformer decoder.

    Defined in :numref:`sec_transformer`
    """
    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks,
                 dropout):
        super().__init__()
        self.num_hiddens = num_hiddens
        self.num_blks = num_blks
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        nn.init.normal_(self.embedding.weight, std=num_hiddens ** -0.5)
        self.pos_encoding = d2l.PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.ModuleList([
            TransformerDecoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, i)
            for i in range(num_blks)])
        self.dense = nn.LazyLinear(vocab_size)

    def init_state(self, enc_outputs, enc_valid_lens):
        return [enc_outputs, enc_valid_lens, [None] * self.num_blks]

    def forward(self, X, state):
        offset = 0 if state[2][0] is None else state[2][0].shape[1]
        X = self.pos_encoding(self.embedding(X.type(torch.int64))
                              * math.sqrt(self.num_hiddens), offset)
        self._attention_weights = [[None] * len(self.blks) for _ in range(2)]
        for i, blk in enumerate(self.blks):
            X, state = blk(X, state)
            # Decoder self-attention weights
            self._attention_weights[0][i] = blk.attention1.attention.attention_weights
            # Encoder-decoder attention weights
            self._attention_weights[1][i] = blk.attention2.attention.attention_weights
        return self.dense(X), state

    @property
    def attention_weights(self):
        return self._attention_weights


class PatchEmbedding(nn.Module):
    """Split an image into patches and linearly embed each of them.

    Defined in :numref:`sec_vision-transformer`
    """
    def __init__(self, img_size=96, patch_size=16, num_hiddens=512):
        super().__init__()
        def _make_tuple(x):
            return tuple(x) if isinstance(x, (list, tuple)) else (x, x)
        img_size, patch_size = _make_tuple(img_size), _make_tuple(patch_size)
        self.num_patches = (img_size[0] // patch_size[0]) * (img_size[1] // patch_size[1])
        self.conv = nn.LazyConv2d(num_hiddens, kernel_size=patch_size, stride=patch_size)

    def forward(self, X):
        # (batch_size, num_hiddens, h / p, w / p) -> (batch_size, num_patches, num_hiddens)
        return self.conv(X).flatten(2).transpose(1, 2)


class ViTMLP(nn.Module):
    """The MLP of a Vision Transformer block.

    Defined in :numref:`sec_vision-transformer`
    """
    def __init__(self, mlp_num_hiddens, mlp_num_outputs, dropout=0.5):
        super().__init__()
        self.dense1 = nn.LazyLinear(mlp_num_hiddens)
        self.gelu = nn.GELU()
        self.dropout1 = nn.Dropout(dropout)
        self.dense2 = nn.LazyLinear(mlp_num_outputs)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, X):
        return self.dropout2(self.dense2(self.dropout1(self.gelu(self.dense1(X)))))


class ViTBlock(nn.Module):
    """A pre-norm Transformer encoder block.

    Defined in :numref:`sec_vision-transformer`
    """
    def __init__(self, num_hiddens, norm_shape, mlp_num_hiddens, num_heads, dropout,
                 use_bias=False):
        super().__init__()
        self.ln1 = nn.LayerNorm(norm_shape)
        self.attention = d2l.MultiHeadAttention(num_hiddens, num_heads, dropout, use_bias)
        self.ln2 = nn.LayerNorm(norm_shape)
        self.mlp = ViTMLP(mlp_num_hiddens, num_hiddens, dropout)

    def forward(self, X, valid_lens=None):
        Y = self.ln1(X)
        X = X + self.attention(Y, Y, Y, valid_lens)
        return X + self.mlp(self.ln2(X))


class ViT(d2l.Classifier):
    """Vision Transformer.

    Defined in :numref:`sec_vision-transformer`
    """
    def __init__(self, img_size, patch_size, num_hiddens, mlp_num_hiddens, num_heads,
                 num_blks, emb_dropout, blk_dropout, lr=0.001, use_bias=False,
                 num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.patch_embedding = PatchEmbedding(img_size, patch_size, num_hiddens)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, num_hiddens))
        num_steps = self.patch_embedding.num_patches + 1  # Add the <cls> token
        # Learnable positional embeddings, initialized with small random values
        self.pos_embedding = nn.Parameter(torch.randn(1, num_steps, num_hiddens) * 0.02)
        self.dropout = nn.Dropout(emb_dropout)
        self.blks = nn.Sequential(*[
            ViTBlock(num_hiddens, num_hiddens, mlp_num_hiddens, num_heads, blk_dropout,
                     use_bias) for _ in range(num_blks)])
        self.head = nn.Sequential(nn.LayerNorm(num_hiddens), nn.Linear(num_hiddens,
                                                                       num_classes))

    def forward(self, X):
        X = self.patch_embedding(X)
        X = torch.cat((self.cls_token.expand(X.shape[0], -1, -1), X), 1)
        X = self.dropout(X + self.pos_embedding)
        for blk in self.blks:
            X = blk(X)
        return self.head(X[:, 0])

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def annotate(text, xy, xytext):
    """Write `text` at `xytext` on the current axes with an arrow to `xy`.

    Defined in :numref:`sec_optimization-intro`
    """
    return d2l.plt.gca().annotate(text, xy=xy, xytext=xytext,
                                  arrowprops=dict(arrowstyle='->', shrinkB=2))


def train_2d(trainer, steps=20, f_grad=None):
    """Run `steps` updates of a 2-D optimizer from (-5, -2); return the trajectory.

    `trainer(x1, x2, s1, s2)` (or `trainer(x1, x2, s1, s2, f_grad)`) returns the
    new `(x1, x2, s1, s2)`, where `s1`, `s2` hold the optimizer's state.


    Defined in :numref:`sec_gd`
    """
    x1, x2, s1, s2 = -5.0, -2.0, 0.0, 0.0
    results = [(x1, x2)]
    for _ in range(steps):
        args = (x1, x2, s1, s2) if f_grad is None else (x1, x2, s1, s2, f_grad)
        x1, x2, s1, s2 = trainer(*args)
        results.append((float(x1), float(x2)))
    print(f'after {steps} steps: x1 = {float(x1):f}, x2 = {float(x2):f}')
    return results


def show_trace_2d(f, results):
    """Draw the trajectory `results` of a 2-D optimizer over the contours of `f`.

    Defined in :numref:`sec_gd`
    """
    xs = torch.tensor(results, dtype=torch.float32)
    lo, hi = xs.min(dim=0).values, xs.max(dim=0).values
    lo = torch.minimum(lo, torch.zeros(2)) - 0.5  # Keep the origin in view
    hi = torch.maximum(hi, torch.zeros(2)) + 0.5
    x1, x2 = torch.meshgrid(torch.linspace(float(lo[0]), float(hi[0]), 120),
                            torch.linspace(float(lo[1]), float(hi[1]), 120),
                            indexing='ij')
    d2l.set_figsize()
    d2l.plt.contour(x1, x2, f(x1, x2), levels=12, colors='#1f77b4')
    d2l.plt.plot(xs[:, 0], xs[:, 1], '-o', color='#ff7f0e', markersize=3)
    d2l.plt.xlabel('x1')
    d2l.plt.ylabel('x2')


d2l.DATA_HUB['airfoil'] = (d2l.DATA_URL + 'airfoil_self_noise.dat',
                           '76e5be1548fd8222e5074cf0faae75edff8cf93f')


def get_data_ch11(batch_size=10, n=1500):
    """Return a shuffling minibatch iterator over the first `n` standardized
    airfoil examples, and the number of features.

    Defined in :numref:`sec_minibatch_sgd`
    """
    data = np.genfromtxt(d2l.download('airfoil'), dtype=np.float32, delimiter='\t')
    if data.ndim != 2 or data.shape[1] != 6:
        raise ValueError(f'airfoil data: expected 6 columns, got shape {data.shape}')
    data = torch.from_numpy((data - data.mean(axis=0)) / data.std(axis=0))
    data_iter = d2l.TensorLoader((data[:n, :-1], data[:n, -1]), batch_size,
                                 shuffle=True)
    return data_iter, data.shape[1] - 1


def evaluate_loss_ch11(net, data_iter):
    """Mean of half the squared error of `net` over all examples of `data_iter`.

    Defined in :numref:`sec_minibatch_sgd`
    """
    with torch.no_grad():
        if hasattr(data_iter, 'tensors'):  # In-memory data: one pass, one batch
            X, y = data_iter.tensors[:2]
            out = net(X)
            return float(((out - y.reshape(out.shape)) ** 2 / 2).mean())
        total, count = 0.0, 0
        for X, y in data_iter:
            out = net(X)
            total += float(((out - y.reshape(out.shape)) ** 2 / 2).sum())
            count += len(y)
        return total / count


def fit_ch11(net, update, data_iter, num_epochs):
    """Train `net` with half the squared error; `update()` changes the parameters
    after each backward pass. Plot and return (cumulative time, losses).

    Defined in :numref:`sec_minibatch_sgd`
    """
    if hasattr(data_iter, 'num_examples'):  # d2l.TensorLoader
        per_epoch = data_iter.num_examples
    elif hasattr(data_iter, 'dataset'):  # torch.utils.data.DataLoader
        per_epoch = len(data_iter.dataset)
    else:  # Any re-iterable sequence of minibatches: count them once
        per_epoch = sum(len(y) for _, y in data_iter)
    n, epochs, losses, timer = 0, [], [], d2l.Timer()

    def record():
        timer.stop()  # Evaluation is not part of the training time
        epochs.append(n / per_epoch)
        losses.append(evaluate_loss_ch11(net, data_iter))
        timer.start()

    for _ in range(num_epochs):
        for X, y in data_iter:
            out = net(X)
            loss = ((out - y.reshape(out.shape)) ** 2 / 2).mean()
            loss.backward()
            update()
            n += X.shape[0]
            if n // 200 != (n - X.shape[0]) // 200:  # Passed a multiple of 200
                record()
    if not epochs or epochs[-1] != n / per_epoch:
        record()
    d2l.plot(epochs, losses, 'epoch', 'loss', xlim=[0, num_epochs], ylim=[0.22, 0.35])
    print(f'loss: {losses[-1]:.3f}, {timer.sum() / num_epochs:.3f} sec/epoch')
    return timer.cumsum(), losses


def train_ch11(trainer_fn, states, hyperparams, data_iter, feature_dim,
               num_epochs=2):
    """Train linear regression with a from-scratch optimizer
    `trainer_fn(params, states, hyperparams)`; return (cumulative time, losses).

    Defined in :numref:`sec_minibatch_sgd`
    """
    w = torch.normal(0.0, 0.01, size=(feature_dim, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return fit_ch11(lambda X: X @ w + b,
                    lambda: trainer_fn([w, b], states, hyperparams),
                    data_iter, num_epochs)


def train_concise_ch11(trainer_fn, hyperparams, data_iter, num_epochs=4):
    """Train linear regression with a framework optimizer class, e.g.
    `trainer_fn=torch.optim.SGD`; return (cumulative time, losses).

    Defined in :numref:`sec_minibatch_sgd`
    """
    net = nn.Linear(next(iter(data_iter))[0].shape[1], 1)
    nn.init.normal_(net.weight, std=0.01)
    nn.init.zeros_(net.bias)
    optimizer = trainer_fn(net.parameters(), **hyperparams)

    def update():
        optimizer.step()
        optimizer.zero_grad()

    return fit_ch11(net, update, data_iter, num_epochs)


class Benchmark:
    """Time the body of a with-statement; print and keep the seconds in `elapsed`.

    Defined in :numref:`sec_hybridize`
    """
    def __init__(self, description='Done'):
        self.description = description

    def __enter__(self):
        self.timer = d2l.Timer()
        return self

    def __exit__(self, *args):
        self.elapsed = self.timer.stop()
        print(f'{self.description}: {self.elapsed:.4f} sec')


import subprocess
import tempfile
import torch.distributed as dist


def split_batch(X, y, devices):
    """Split a minibatch into len(devices) nearly equal shards; shard i goes to devices[i].

    Defined in :numref:`sec_multi_gpu`
    """
    assert X.shape[0] == y.shape[0], 'X and y hold different numbers of examples'
    n = len(devices)
    return ([part.to(device) for part, device in zip(X.tensor_split(n), devices)],
            [part.to(device) for part, device in zip(y.tensor_split(n), devices)])


def mlp():
    """The small MLP that this chapter trains in parallel.

    Defined in :numref:`sec_multi_gpu`
    """
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def torchrun(code, nproc_per_node=2, timeout=600):
    """Run the Python source `code` as nproc_per_node processes started by torchrun.

    Returns what the processes printed; raises RuntimeError with their log if one fails.


    Defined in :numref:`sec_multi_gpu`
    """
    with tempfile.TemporaryDirectory() as folder:
        script = os.path.join(folder, 'script.py')
        with open(script, 'w') as f:
            f.write(code)
        env = dict(os.environ)
        env.setdefault('OMP_NUM_THREADS', '1')  # one thread per process unless told otherwise
        command = [sys.executable, '-m', 'torch.distributed.run', '--standalone',
                   f'--nproc_per_node={nproc_per_node}', script]
        result = subprocess.run(command, capture_output=True, text=True, env=env,
                                timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f'torchrun exited with status {result.returncode}:\n'
                           f'{result.stdout}\n{result.stderr}')
    return result.stdout


def init_distributed():
    """Join the process group that torchrun describes; return this process's device.

    nccl and GPU number LOCAL_RANK where GPUs exist, else gloo on the CPU.

    Defined in :numref:`sec_multi_gpu`
    """
    if torch.cuda.is_available():
        device = d2l.gpu(int(os.environ.get('LOCAL_RANK', '0')))
        torch.cuda.set_device(device)
        dist.init_process_group('nccl')
    else:
        device = d2l.cpu()
        dist.init_process_group('gloo')
    return device


def get_rank_world():
    """(rank, world size) of this process; (0, 1) outside a process group.

    Defined in :numref:`sec_multi_gpu`
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def allreduce(tensors, weight=1.0):
    """In place, set each tensor to the sum over processes of weight * tensor.

    The tensors travel in one flat buffer, so that they cost one all-reduce.

    Defined in :numref:`sec_multi_gpu`
    """
    flat = torch.cat([t.reshape(-1) for t in tensors]) * weight
    if get_rank_world()[1] > 1:
        dist.all_reduce(flat)
    offset = 0
    for t in tensors:
        t.copy_(flat[offset: offset + t.numel()].view_as(t))
        offset += t.numel()


def train_data_parallel(num_steps=20, batch_size=256, lr=0.1, seed=0, device=None):
    """Train d2l.mlp() on Fashion-MNIST with data parallelism written from scratch.

    Every process keeps a full copy of the model, computes gradients on its shard of
    each global minibatch and all-reduces them before the update. Returns the losses
    over the whole minibatch, one per step (the same list in every process).

    Defined in :numref:`sec_multi_gpu`
    """
    rank, world = get_rank_world()
    device = device or d2l.cpu()
    torch.manual_seed(seed)  # the same data order in every process
    net = mlp().to(device)
    if world > 1:  # start from rank 0's parameters
        for p in net.parameters():
            dist.broadcast(p.data, src=0)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for step, (X, y) in enumerate(d2l.FashionMNIST(batch_size).train_dataloader()):
        if step == num_steps:
            break
        Xs, ys = split_batch(X, y, [device] * world)
        X_local, y_local = Xs[rank], ys[rank]
        loss = F.cross_entropy(net(X_local), y_local)
        optimizer.zero_grad()
        loss.backward()
        loss = loss.detach().reshape(1)
        # Weight by this shard's share of the global minibatch, then sum over processes
        allreduce([p.grad for p in net.parameters()] + [loss], len(y_local) / len(y))
        optimizer.step()
        losses.append(loss.item())
    return losses


def resnet18(num_classes, in_channels=1):
    """ResNet-18 for small images: a 3x3 stem with stride 1 and no max-pooling.

    Defined in :numref:`sec_multi_gpu_concise`
    """
    def stage(num_channels, first):
        return nn.Sequential(
            d2l.Residual(num_channels, use_1x1conv=not first, strides=1 if first else 2),
            d2l.Residual(num_channels))
    net = nn.Sequential(nn.Conv2d(in_channels, 64, kernel_size=3, padding=1),
                        nn.BatchNorm2d(64), nn.ReLU())
    for i, num_channels in enumerate((64, 128, 256, 512)):
        net.add_module(f'stage{i + 1}', stage(num_channels, first=(i == 0)))
    net.add_module('head', nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                                         nn.Linear(512, num_classes)))
    net.eval()  # create the lazy parameters; eval mode leaves the statistics alone
    with torch.no_grad():
        net(torch.zeros(1, in_channels, 8, 8))
    return net.train()


def train_batch_ch13(net, X, y, loss, trainer, devices):
    """One update on a minibatch; return its summed loss and its number of hits.

    `loss` must keep one value per example (reduction='none'). In a process group,
    X and y are this process's shard and `net` is DistributedDataParallel, which
    averages the gradients over the processes.

    Defined in :numref:`sec_multi_gpu_concise`
    """
    X = [x.to(devices[0]) for x in X] if isinstance(X, list) else X.to(devices[0])
    y = y.to(devices[0])
    net.train()
    trainer.zero_grad()
    pred = net(X)
    l = loss(pred, y)
    # DDP averages over the processes; scaling by their number makes it a sum
    (l.sum() * d2l.get_rank_world()[1]).backward()
    trainer.step()
    return l.sum().detach(), (pred.argmax(dim=1) == y).sum()


def train_ch13(net, train_iter, test_iter, loss, trainer, num_epochs,
               devices=d2l.try_all_gpus()):
    """Train with data parallelism: DDP in a process group, else one process on devices.

    In quick mode (d2l.QUICK) it runs one epoch of two minibatches cut to 32
    examples each. Returns one dict of metrics per epoch.

    Defined in :numref:`sec_multi_gpu_concise`
    """
    rank, world = d2l.get_rank_world()
    if world > 1:  # one device per process
        device = devices[int(os.environ.get('LOCAL_RANK', '0')) % len(devices)]
        net = nn.parallel.DistributedDataParallel(
            net.to(device), device_ids=[device] if device.type == 'cuda' else None)
    else:
        device = devices[0]
        net = net.to(device)
        if len(devices) > 1 and all(d.type == 'cuda' for d in devices):
            net = nn.DataParallel(net, device_ids=devices)
    max_batches, max_examples = (2, 32) if d2l.QUICK else (None, None)
    num_epochs = 1 if d2l.QUICK else num_epochs

    def shards(data_iter):
        for i, (X, y) in enumerate(data_iter):
            if i == max_batches:
                break
            X, y = X[:max_examples], y[:max_examples]
            if world > 1:
                Xs, ys = d2l.split_batch(X, y, [device] * world)
                X, y = Xs[rank], ys[rank]
            yield X, y

    history, timer = [], d2l.Timer()
    for epoch in range(num_epochs):
        metric = torch.zeros(3, device=device)  # loss sum, hits, examples
        timer.start()
        for X, y in shards(train_iter):
            l, hits = train_batch_ch13(net, X, y, loss, trainer, [device])
            metric += torch.stack([l.float(), hits.float(), torch.tensor(len(y), device=device)])
        seconds = timer.stop()
        net.eval()
        test = torch.zeros(2, device=device)  # hits, examples
        with torch.no_grad():
            for X, y in shards(test_iter):
                X, y = X.to(device), y.to(device)
                test += torch.stack([(net(X).argmax(dim=1) == y).sum().float(),
                                     torch.tensor(len(y), device=device)])
        if world > 1:
            d2l.allreduce([metric, test])
        loss_avg, train_acc, test_acc = (metric[0] / metric[2]).item(), \
            (metric[1] / metric[2]).item(), (test[0] / test[1]).item()
        speed = metric[2].item() / seconds
        history.append(dict(loss=loss_avg, train_acc=train_acc, test_acc=test_acc,
                            examples_per_sec=speed))
        if rank == 0:
            print(f'epoch {epoch + 1}: loss {loss_avg:.3f}, train acc {train_acc:.3f}, '
                  f'test acc {test_acc:.3f}, {speed:.1f} examples/sec '
                  f'on {world} x {device}')
    return history


def ring_allreduce(tensor):
    """Sum a contiguous tensor over all processes in place, with the ring algorithm.

    Defined in :numref:`sec_parameterserver`
    """
    rank, n = d2l.get_rank_world()
    if n == 1:
        return tensor
    chunks = tensor.view(-1).tensor_split(n)  # views into tensor
    right, left = (rank + 1) % n, (rank - 1) % n

    def pass_on(send, recv):
        """Send chunk `send` to the right and return chunk `recv` from the left."""
        buffer = torch.empty_like(chunks[recv])
        request = dist.isend(chunks[send], right)
        dist.recv(buffer, left)
        request.wait()
        return buffer

    for s in range(n - 1):  # reduce-scatter: chunk (rank + 1) % n ends up complete
        recv = (rank - s - 1) % n
        chunks[recv].add_(pass_on((rank - s) % n, recv))
    for s in range(n - 1):  # all-gather: the complete chunks travel round the ring
        recv = (rank - s) % n
        chunks[recv].copy_(pass_on((rank - s + 1) % n, recv))
    return tensor


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
    """Return uint8 train/val images (n, 28, 28) and int64 labels as tensors.

    Defined in :numref:`sec_data_files`
    """
    names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte',
             't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']
    key = tuple(find_fashion_mnist_file(name, root) for name in names)
    if None in key or key not in FASHION_MNIST_CACHE:
        arrays = [torch.from_numpy(load_fashion_mnist_file(name, root).copy())
                  for name in names]
        arrays[1], arrays[3] = arrays[1].long(), arrays[3].long()
        key = tuple(find_fashion_mnist_file(name, root) for name in names)
        FASHION_MNIST_CACHE[key] = tuple(arrays)
    return FASHION_MNIST_CACHE[key]


import functools
import types


nn_Module = nn.Module


swapaxes = lambda x, *args, **kwargs: x.swapaxes(*args, **kwargs)


repeat = lambda x, *args, **kwargs: x.repeat(*args, **kwargs)


def quick_epochs(num_epochs):
    """The number of epochs to train: at most 2 in quick mode (D2L_QUICK=1).

    Defined in :numref:`sec_utils`
    """
    return min(num_epochs, 2) if d2l.QUICK else num_epochs


def quick_batches(loader, limit=10, max_examples=None):
    """Iterate over `loader`; in quick mode stop after `limit` minibatches
    (and keep at most `max_examples` examples of each).

    Defined in :numref:`sec_utils`
    """
    for i, batch in enumerate(loader):
        if not d2l.QUICK:
            yield batch
            continue
        if i == limit:
            return
        if max_examples is not None:
            batch = type(batch)(t[:max_examples] for t in batch)
        yield batch


def loader_to(loader, device):
    """Move an in-memory loader (anything with .to) to `device` once; others as they are.

    Defined in :numref:`sec_utils`
    """
    return loader.to(device) if hasattr(loader, 'to') else loader


def synthetic_data(w, b, num_examples):
    """Generate y = Xw + b + Gaussian noise; return X and y as a column.

    Defined in :numref:`sec_utils`
    """
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = X @ w + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


def load_array(data_arrays, batch_size, is_train=True):
    """An iterator over minibatches of the given tensors (shuffled when is_train).

    Defined in :numref:`sec_utils`
    """
    return d2l.TensorLoader(data_arrays, batch_size, shuffle=is_train)


def linreg(X, w, b):
    """The linear regression model.

    Defined in :numref:`sec_utils`
    """
    return X @ w + b


def squared_loss(y_hat, y):
    """Half the squared error of every example.

    Defined in :numref:`sec_utils`
    """
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    """Minibatch SGD on the summed loss: step by lr * grad / batch_size, then zero grads.

    Defined in :numref:`sec_utils`
    """
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def get_fashion_mnist_labels(labels):
    """Return the text labels of Fashion-MNIST class indices.

    Defined in :numref:`sec_utils`
    """
    names = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat',
             'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot']
    return [names[int(i)] for i in labels]


def get_dataloader_workers():
    """Worker processes for reading data: none, the data sets live in memory.

    Defined in :numref:`sec_utils`
    """
    return 0


def load_data_fashion_mnist(batch_size, resize=None):
    """Return the Fashion-MNIST training and test iterators.

    Defined in :numref:`sec_utils`
    """
    if isinstance(resize, int):
        resize = (resize, resize)
    data = d2l.FashionMNIST(batch_size, resize=resize or (28, 28))
    # Readers' code may rely on the image and batch sizes: keep them even in quick mode
    data.resize, data.batch_size = tuple(resize or (28, 28)), batch_size
    return data.get_dataloader(True), data.get_dataloader(False)


def accuracy(y_hat, y):
    """The number of correct predictions (a float).

    Defined in :numref:`sec_utils`
    """
    return float(_num_correct(y_hat, y))


def _num_correct(y_hat, y):
    """The number of correct predictions as a tensor on the data's device.

    Defined in :numref:`sec_utils`
    """
    if y_hat.dim() > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(dim=1)
    return (y_hat.type(y.dtype) == y).sum()


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """The accuracy of `net` on `data_iter`, computed on `device` (default: the net's).

    Defined in :numref:`sec_utils`
    """
    if isinstance(net, nn.Module):
        net.eval()
        if device is None:
            device = next(iter(net.parameters()), torch.empty(0)).device
    device = device or d2l.cpu()
    correct, total = torch.zeros((), device=device), 0
    with torch.no_grad():
        for X, y in quick_batches(loader_to(data_iter, device), limit=3, max_examples=64):
            X = [x.to(device) for x in X] if isinstance(X, list) else X.to(device)
            y = y.to(device)
            correct += _num_correct(net(X), y)
            total += y.numel()
    return float(correct) / max(total, 1)


def evaluate_accuracy(net, data_iter):
    """The accuracy of `net` on `data_iter`.

    Defined in :numref:`sec_utils`
    """
    return evaluate_accuracy_gpu(net, data_iter)


def evaluate_loss(net, data_iter, loss):
    """The mean loss of `net` on `data_iter` (the loss may be reduced or per example).

    Defined in :numref:`sec_utils`
    """
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in quick_batches(data_iter):
            out = net(X)
            l = loss(out, y.reshape(out.shape))
            total += float(l.sum())
            count += l.numel()
    return total / max(count, 1)


class Animator:
    """Plot lines incrementally: add(x, y) appends one point to each line.

    Defined in :numref:`sec_utils`
    """
    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
                 xscale='linear', yscale='linear',
                 fmts=('-', 'm--', 'g-.', 'r:'), nrows=1, ncols=1, figsize=(3.5, 2.5)):
        self.legend = list(legend) if legend else []
        styles = [self._parse_fmt(f, i) for i, f in enumerate(fmts)]
        self.board = d2l.ProgressBoard(
            xlabel=xlabel, ylabel=ylabel, xlim=xlim, ylim=ylim, xscale=xscale,
            yscale=yscale, ls=[s[0] for s in styles], colors=[s[1] for s in styles],
            figsize=figsize, min_interval=0.2)
        self.fig = self.axes = None

    @staticmethod
    def _parse_fmt(fmt, i):
        """Split a matplotlib format such as 'm--' into (linestyle, color)."""
        color = fmt[0] if fmt and fmt[0] in 'bgrcmykw' else f'C{i}'
        style = fmt[1:] if fmt and fmt[0] in 'bgrcmykw' else fmt
        return style or '-', color

    def add(self, x, y):
        if not hasattr(y, '__len__'):
            y = [y]
        n = len(y)
        if not hasattr(x, '__len__'):
            x = [x] * n
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                label = self.legend[i] if i < len(self.legend) else f'y{i}'
                self.board.draw(a, b, label)
        self.fig = self.board.fig
        self.axes = [self.board.axes] if self.board.axes is not None else (
            self.fig.axes if self.fig is not None else None)


def train_epoch_ch3(net, train_iter, loss, updater):
    """Train for one epoch; return the mean training loss and accuracy.

    Defined in :numref:`sec_utils`
    """
    if isinstance(net, nn.Module):
        net.train()
    device = None
    for X, y in quick_batches(train_iter):
        if device is None:
            device = y.device
            sums = torch.zeros(2, device=device)  # (summed loss, correct predictions)
            count = 0
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            l.mean().backward()
            updater.step()
        else:
            l.sum().backward()
            updater(X.shape[0])
        with torch.no_grad():
            sums[0] += l.sum() if l.dim() else l * y.numel()
            sums[1] += _num_correct(y_hat, y)
        count += y.numel()
    if device is None:
        return float('nan'), float('nan')
    loss_sum, correct = sums.tolist()
    return loss_sum / count, correct / count


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater):
    """Train a model (chapter 3 style); plot train loss, train acc and test acc.

    Defined in :numref:`sec_utils`
    """
    num_epochs = quick_epochs(num_epochs)
    animator = Animator(xlabel='epoch', xlim=[1, num_epochs], ylim=[0.3, 0.9],
                        legend=['train loss', 'train acc', 'test acc'])
    for epoch in range(num_epochs):
        train_metrics = train_epoch_ch3(net, train_iter, loss, updater)
        test_acc = evaluate_accuracy(net, test_iter)
        animator.add(epoch + 1, train_metrics + (test_acc,))


def predict_ch3(net, test_iter, n=6):
    """Show n test images with their true and predicted labels.

    Defined in :numref:`sec_utils`
    """
    X, y = next(iter(test_iter))
    with torch.no_grad():
        preds = net(X).argmax(dim=1)
    titles = [f'{t}\n{p}' for t, p in zip(get_fashion_mnist_labels(y),
                                          get_fashion_mnist_labels(preds))]
    d2l.show_images(X[:n].reshape((n, X.shape[-2], X.shape[-1])), 1, n, titles=titles[:n])


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device):
    """Train a model on `device` with SGD and cross-entropy (chapter 6 style).

    Defined in :numref:`sec_utils`
    """
    def init_weights(m):
        if type(m) in (nn.Linear, nn.Conv2d) and not nn.parameter.is_lazy(m.weight):
            nn.init.xavier_uniform_(m.weight)
    net.apply(init_weights)
    print('training on', device)
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    num_epochs = quick_epochs(num_epochs)
    animator = Animator(xlabel='epoch', xlim=[1, num_epochs],
                        legend=['train loss', 'train acc', 'test acc'])
    train_iter, test_iter = loader_to(train_iter, device), loader_to(test_iter, device)
    timer, num_examples = d2l.Timer(), 0
    for epoch in range(num_epochs):
        net.train()
        sums, count = torch.zeros(2, device=device), 0
        timer.start()
        # CNNs on large images are costly on a CPU: quick mode takes 5 small minibatches
        for X, y in quick_batches(train_iter, limit=5, max_examples=32):
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            with torch.no_grad():
                sums[0] += l * y.numel()
                sums[1] += _num_correct(y_hat, y)
            count += y.numel()
        loss_sum, correct = sums.tolist()  # One synchronization per epoch
        timer.stop()
        num_examples += count
        train_l, train_acc = loss_sum / count, correct / count
        test_acc = evaluate_accuracy_gpu(net, test_iter, device)
        animator.add(epoch + 1, (train_l, train_acc, test_acc))
    print(f'loss {train_l:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}')
    print(f'{num_examples / timer.sum():.1f} examples/sec on {str(device)}')


def download_extract(name, folder=None):
    """Download and extract a zip/tar archive from DATA_HUB; return the data folder.

    Defined in :numref:`sec_utils`
    """
    try:
        fname = d2l.download(name)
    except OSError:
        # Offline: fall back to a copy extracted earlier into one of the data folders
        base = os.path.splitext(os.path.basename(d2l.DATA_HUB[name][0]))[0]
        for d in d2l.data_dirs():
            if os.path.isdir(os.path.join(d, base)):
                print(f'{name}: download failed; using the extracted copy in {d}')
                return os.path.join(d, folder) if folder else os.path.join(d, base)
        raise
    base_dir = os.path.dirname(fname)
    data_dir, ext = os.path.splitext(fname)
    if ext not in ('.zip', '.tar', '.gz', '.tgz'):
        raise ValueError(f'{fname}: only zip and tar files can be extracted')
    d2l.extract(fname, base_dir)
    return os.path.join(base_dir, folder) if folder else data_dir


def download_all():
    """Download every file registered in DATA_HUB.

    Defined in :numref:`sec_utils`
    """
    for name in d2l.DATA_HUB:
        d2l.download(name)


def read_time_machine():
    """Read The Time Machine into a list of lines: lower-case letters and spaces.

    Defined in :numref:`sec_utils`
    """
    with open(d2l.download('time_machine'), encoding='utf-8') as f:
        lines = f.readlines()
    return [re.sub('[^A-Za-z]+', ' ', line).strip().lower() for line in lines]


def tokenize(lines, token='word'):
    """Split each line into word or character tokens.

    Defined in :numref:`sec_utils`
    """
    if token == 'word':
        return [line.split() for line in lines]
    if token == 'char':
        return [list(line) for line in lines]
    raise ValueError(f'unknown token type: {token!r}')


def count_corpus(tokens):
    """Count token frequencies in a list of tokens or a list of token lists.

    Defined in :numref:`sec_utils`
    """
    if len(tokens) and isinstance(tokens[0], list):
        tokens = [token for line in tokens for token in line]
    return collections.Counter(tokens)


def load_corpus_time_machine(max_tokens=-1):
    """Return the character indices of The Time Machine and its vocabulary.

    Defined in :numref:`sec_utils`
    """
    tokens = tokenize(read_time_machine(), 'char')
    vocab = d2l.Vocab(tokens)
    corpus = [vocab[token] for line in tokens for token in line]
    if max_tokens > 0:
        corpus = corpus[:max_tokens]
    return corpus, vocab


def seq_data_iter_random(corpus, batch_size, num_steps):
    """Minibatches of subsequences taken at random positions (random sampling).

    Defined in :numref:`sec_utils`
    """
    corpus = torch.as_tensor(corpus[random.randint(0, num_steps - 1):])
    num_subseqs = (len(corpus) - 1) // num_steps
    starts = torch.randperm(num_subseqs) * num_steps
    span = torch.arange(num_steps)
    for i in range(0, batch_size * (num_subseqs // batch_size), batch_size):
        idx = starts[i: i + batch_size, None] + span
        yield corpus[idx], corpus[idx + 1]


def seq_data_iter_sequential(corpus, batch_size, num_steps):
    """Minibatches whose rows continue each other across batches (sequential partitioning).

    Defined in :numref:`sec_utils`
    """
    offset = random.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    corpus = torch.as_tensor(corpus)
    Xs = corpus[offset: offset + num_tokens].reshape(batch_size, -1)
    Ys = corpus[offset + 1: offset + 1 + num_tokens].reshape(batch_size, -1)
    for i in range(0, num_steps * (Xs.shape[1] // num_steps), num_steps):
        yield Xs[:, i: i + num_steps], Ys[:, i: i + num_steps]


class SeqDataLoader:
    """An iterator over minibatches of The Time Machine.

    Defined in :numref:`sec_utils`
    """
    def __init__(self, batch_size, num_steps, use_random_iter, max_tokens):
        self.data_iter_fn = (seq_data_iter_random if use_random_iter
                             else seq_data_iter_sequential)
        self.corpus, self.vocab = load_corpus_time_machine(max_tokens)
        self.batch_size, self.num_steps = batch_size, num_steps

    def __iter__(self):
        return self.data_iter_fn(self.corpus, self.batch_size, self.num_steps)


def load_data_time_machine(batch_size, num_steps, use_random_iter=False,
                           max_tokens=10000):
    """Return the iterator and the vocabulary of The Time Machine.

    Defined in :numref:`sec_utils`
    """
    if d2l.QUICK:  # enough tokens for one minibatch per epoch
        max_tokens = min(max_tokens if max_tokens > 0 else math.inf,
                         2 * batch_size * num_steps)
    data_iter = SeqDataLoader(batch_size, num_steps, use_random_iter, max_tokens)
    return data_iter, data_iter.vocab


class RNNModelScratch:
    """An RNN language model built from parameter, state and step functions.

    Defined in :numref:`sec_utils`
    """
    def __init__(self, vocab_size, num_hiddens, device, get_params, init_state, forward_fn):
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = get_params(vocab_size, num_hiddens, device)
        self.init_state, self.forward_fn = init_state, forward_fn

    def __call__(self, X, state):
        X = F.one_hot(X.T, self.vocab_size).type(torch.float32)
        return self.forward_fn(X, state, self.params)

    def begin_state(self, batch_size, device):
        return self.init_state(batch_size, self.num_hiddens, device)


class RNNModel(nn.Module):
    """A language model around a PyTorch recurrent layer (nn.RNN, nn.GRU or nn.LSTM).

    Defined in :numref:`sec_utils`
    """
    def __init__(self, rnn_layer, vocab_size, **kwargs):
        super().__init__(**kwargs)
        self.rnn, self.vocab_size = rnn_layer, vocab_size
        self.num_hiddens = rnn_layer.hidden_size
        self.num_directions = 2 if rnn_layer.bidirectional else 1
        self.linear = nn.Linear(self.num_hiddens * self.num_directions, vocab_size)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size).type(torch.float32)
        Y, state = self.rnn(X, state)
        # (num_steps * batch_size, vocab_size)
        return self.linear(Y.reshape((-1, Y.shape[-1]))), state

    def begin_state(self, device, batch_size=1):
        shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
        if isinstance(self.rnn, nn.LSTM):
            return (torch.zeros(shape, device=device), torch.zeros(shape, device=device))
        return torch.zeros(shape, device=device)


def predict_ch8(prefix, num_preds, net, vocab, device):
    """Generate num_preds characters after `prefix`.

    Defined in :numref:`sec_utils`
    """
    state = net.begin_state(batch_size=1, device=device)
    outputs = [vocab[prefix[0]]]
    step = lambda: torch.tensor([outputs[-1]], device=device).reshape((1, 1))
    for token in prefix[1:]:  # Warm up the state on the prefix
        _, state = net(step(), state)
        outputs.append(vocab[token])
    for _ in range(num_preds):
        y, state = net(step(), state)
        outputs.append(int(y.argmax(dim=1).reshape(1)))
    return ''.join(vocab.idx_to_token[i] for i in outputs)


def grad_clipping(net, theta):
    """Scale the gradients so that their global norm is at most theta.

    Defined in :numref:`sec_utils`
    """
    params = net.parameters() if isinstance(net, nn.Module) else net.params
    grads = [p.grad for p in params if p.requires_grad and p.grad is not None]
    if not grads:
        return
    norm = torch.sqrt(sum(torch.sum(g ** 2) for g in grads))
    scale = torch.clamp(theta / (norm + 1e-12), max=1.0)  # No host round trip
    for g in grads:
        g.mul_(scale)


def _detach_state(state):
    """Detach a recurrent state (a tensor, or a tuple of tensors for LSTMs).

    Defined in :numref:`sec_utils`
    """
    if isinstance(state, (tuple, list)):
        return type(state)(s.detach() for s in state)
    return state.detach()


def train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter):
    """Train a language model for one epoch; return perplexity and tokens per second.

    Defined in :numref:`sec_utils`
    """
    state, timer = None, d2l.Timer()
    total, count = torch.zeros((), device=device), 0
    for X, Y in quick_batches(train_iter):
        if state is None or use_random_iter:
            state = net.begin_state(batch_size=X.shape[0], device=device)
        else:
            state = _detach_state(state)
        y = Y.T.reshape(-1).to(device)
        X = X.to(device)
        y_hat, state = net(X, state)
        l = loss(y_hat, y.long()).mean()
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            l.backward()
            grad_clipping(net, 1)
            updater.step()
        else:
            l.backward()
            grad_clipping(net, 1)
            updater(batch_size=1)  # The loss is already a mean
        total += l.detach() * y.numel()
        count += y.numel()
    return math.exp(float(total) / max(count, 1)), count / timer.stop()


def train_ch8(net, train_iter, vocab, lr, num_epochs, device,
              use_random_iter=False):
    """Train a character-level language model (chapter 8 style).

    Defined in :numref:`sec_utils`
    """
    loss = nn.CrossEntropyLoss()
    num_epochs = quick_epochs(num_epochs)
    animator = Animator(xlabel='epoch', ylabel='perplexity',
                        legend=['train'], xlim=[1, num_epochs])
    if isinstance(net, nn.Module):
        updater = torch.optim.SGD(net.parameters(), lr)
    else:
        updater = lambda batch_size: d2l.sgd(net.params, lr, batch_size)
    predict = lambda prefix: predict_ch8(prefix, 50, net, vocab, device)
    for epoch in range(num_epochs):
        ppl, speed = train_epoch_ch8(net, train_iter, loss, updater, device,
                                     use_random_iter)
        if (epoch + 1) % 10 == 0 or epoch + 1 == num_epochs:
            animator.add(epoch + 1, [ppl])
    print(f'perplexity {ppl:.1f}, {speed:.1f} tokens/sec on {str(device)}')
    print(predict('time traveller'))
    print(predict('traveller'))


def read_data_nmt():
    """Return the raw text of the English-French data set.

    Defined in :numref:`sec_utils`
    """
    # MTFraEng._download needs only the data folder and the SHA-1 of the local copy
    where = types.SimpleNamespace(root='../data', local_sha1=d2l.MTFraEng.local_sha1)
    return d2l.MTFraEng._download(where)


def preprocess_nmt(text):
    """Lower-case, normalize spaces and put a space before , . ! ?

    Defined in :numref:`sec_utils`
    """
    text = text.replace('\u202f', ' ').replace('\xa0', ' ').lower()
    return re.sub(r'(?<=[^ ])([,.!?])', r' \1', text)


def tokenize_nmt(text, num_examples=None):
    """Split each line into source and target word lists.

    Defined in :numref:`sec_utils`
    """
    source, target = [], []
    for i, line in enumerate(text.split('\n')):
        if num_examples is not None and i >= num_examples:
            break
        parts = line.split('\t')
        if len(parts) == 2:
            source.append(parts[0].split(' '))
            target.append(parts[1].split(' '))
    return source, target


def truncate_pad(line, num_steps, padding_token):
    """Truncate or pad a token list to exactly num_steps tokens.

    Defined in :numref:`sec_utils`
    """
    return line[:num_steps] + [padding_token] * (num_steps - len(line))


def build_array_nmt(lines, vocab, num_steps):
    """Turn sentences into a padded index tensor and their valid lengths.

    Defined in :numref:`sec_utils`
    """
    lines = [truncate_pad(vocab[line] + [vocab['<eos>']], num_steps, vocab['<pad>'])
             for line in lines]
    array = torch.tensor(lines)
    valid_len = (array != vocab['<pad>']).type(torch.int32).sum(1)
    return array, valid_len


def load_data_nmt(batch_size, num_steps, num_examples=600):
    """Return the translation data iterator and the source and target vocabularies.

    Defined in :numref:`sec_utils`
    """
    source, target = tokenize_nmt(preprocess_nmt(read_data_nmt()), num_examples)
    reserved = ['<pad>', '<bos>', '<eos>']
    src_vocab = d2l.Vocab(source, min_freq=2, reserved_tokens=reserved)
    tgt_vocab = d2l.Vocab(target, min_freq=2, reserved_tokens=reserved)
    src_array, src_valid_len = build_array_nmt(source, src_vocab, num_steps)
    tgt_array, tgt_valid_len = build_array_nmt(target, tgt_vocab, num_steps)
    data_iter = load_array((src_array, src_valid_len, tgt_array, tgt_valid_len), batch_size)
    return data_iter, src_vocab, tgt_vocab


def sequence_mask(X, valid_len, value=0):
    """Replace the entries of each row after its valid length by `value`.

    Defined in :numref:`sec_utils`
    """
    positions = torch.arange(X.size(1), device=X.device)
    mask = positions[None, :] < valid_len[:, None]
    X[~mask] = value
    return X


class MaskedSoftmaxCELoss(nn.CrossEntropyLoss):
    """Cross-entropy that ignores the padding after each sequence's valid length.

    Defined in :numref:`sec_utils`
    """
    def forward(self, pred, label, valid_len):
        weights = sequence_mask(torch.ones_like(label), valid_len)
        self.reduction = 'none'
        unweighted = super().forward(pred.permute(0, 2, 1), label)
        return (unweighted * weights).mean(dim=1)


def _decoder_output(out):
    """The decoder output of an encoder-decoder call (2.0 models return (Y, state)).

    Defined in :numref:`sec_utils`
    """
    return out[0] if isinstance(out, (tuple, list)) else out


def train_seq2seq(net, data_iter, lr, num_epochs, tgt_vocab, device):
    """Train an encoder-decoder model with teacher forcing.

    Defined in :numref:`sec_utils`
    """
    def xavier_init_weights(m):
        if type(m) is nn.Linear and not nn.parameter.is_lazy(m.weight):
            nn.init.xavier_uniform_(m.weight)
        if type(m) is nn.GRU:
            for name, param in m.named_parameters():
                if name.startswith('weight'):
                    nn.init.xavier_uniform_(param)
    net.apply(xavier_init_weights)
    net.to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    loss = MaskedSoftmaxCELoss()
    net.train()
    num_epochs = quick_epochs(num_epochs)
    animator = Animator(xlabel='epoch', ylabel='loss', xlim=[1, num_epochs])
    data_iter = loader_to(data_iter, device)
    timer = d2l.Timer()
    for epoch in range(num_epochs):
        timer.start()
        total, tokens = torch.zeros((), device=device), torch.zeros((), device=device)
        for batch in quick_batches(data_iter):
            X, X_valid_len, Y, Y_valid_len = [x.to(device) for x in batch]
            bos = torch.full((Y.shape[0], 1), tgt_vocab['<bos>'], device=device)
            dec_input = torch.cat([bos, Y[:, :-1]], 1)  # Teacher forcing
            Y_hat = _decoder_output(net(X, dec_input, X_valid_len))
            l = loss(Y_hat, Y, Y_valid_len)
            optimizer.zero_grad()
            l.sum().backward()
            grad_clipping(net, 1)
            optimizer.step()
            with torch.no_grad():
                total += l.sum()
                tokens += Y_valid_len.sum()
        timer.stop()
        if (epoch + 1) % 10 == 0 or epoch + 1 == num_epochs:
            animator.add(epoch + 1, [float(total / tokens)])
    print(f'loss {float(total / tokens):.3f}, {float(tokens) / timer.times[-1]:.1f} '
          f'tokens/sec on {str(device)}')


def predict_seq2seq(net, src_sentence, src_vocab, tgt_vocab, num_steps,
                    device, save_attention_weights=False):
    """Translate one sentence greedily; return it and the attention weights.

    Defined in :numref:`sec_utils`
    """
    net.eval()
    src_tokens = src_vocab[src_sentence.lower().split(' ')] + [src_vocab['<eos>']]
    enc_valid_len = torch.tensor([len(src_tokens)], device=device)
    src_tokens = truncate_pad(src_tokens, num_steps, src_vocab['<pad>'])
    enc_X = torch.tensor(src_tokens, dtype=torch.long, device=device).unsqueeze(0)
    with torch.no_grad():
        enc_outputs = net.encoder(enc_X, enc_valid_len)
        state = net.decoder.init_state(enc_outputs, enc_valid_len)
        dec_X = torch.tensor([[tgt_vocab['<bos>']]], dtype=torch.long, device=device)
        output_seq, attention_weight_seq = [], []
        for _ in range(num_steps):
            Y, state = net.decoder(dec_X, state)
            dec_X = Y.argmax(dim=2)
            pred = int(dec_X.squeeze(dim=0))
            if save_attention_weights:
                attention_weight_seq.append(net.decoder.attention_weights)
            if pred == tgt_vocab['<eos>']:
                break
            output_seq.append(pred)
    return ' '.join(tgt_vocab.to_tokens(output_seq)), attention_weight_seq


class DecoderOutput(torch.Tensor):
    """The decoder's output Y; unpacking it gives (Y, state), as early versions returned.

    Defined in :numref:`sec_utils`
    """
    @staticmethod
    def wrap(Y, state):
        out = Y.as_subclass(DecoderOutput)  # Same storage, same autograd graph
        out.state = state
        return out

    def __iter__(self):
        return iter((self.as_subclass(torch.Tensor), self.state))

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        # Operations see the output as a plain tensor and return plain tensors
        with torch._C.DisableTorchFunctionSubclass():
            return func(*args, **(kwargs or {}))


def transpose_qkv(X, num_heads):
    """(batch, n, num_hiddens) -> (batch * num_heads, n, num_hiddens / num_heads).

    Defined in :numref:`sec_utils`
    """
    X = X.reshape(X.shape[0], X.shape[1], num_heads, -1).permute(0, 2, 1, 3)
    return X.reshape(-1, X.shape[2], X.shape[3])


def transpose_output(X, num_heads):
    """Reverse transpose_qkv.

    Defined in :numref:`sec_utils`
    """
    X = X.reshape(-1, num_heads, X.shape[1], X.shape[2]).permute(0, 2, 1, 3)
    return X.reshape(X.shape[0], X.shape[1], -1)


class EncoderBlock(nn.Module):
    """A Transformer encoder block with the 2.0 edition's constructor.

    Defined in :numref:`sec_utils`
    """
    def __init__(self, key_size, query_size, value_size, num_hiddens, norm_shape,
                 ffn_num_input, ffn_num_hiddens, num_heads, dropout, use_bias=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.attention = d2l.MultiHeadAttention(num_hiddens, num_heads, dropout, use_bias)
        self.addnorm1 = d2l.AddNorm(norm_shape, dropout)
        self.ffn = d2l.PositionWiseFFN(ffn_num_hiddens, num_hiddens)
        self.addnorm2 = d2l.AddNorm(norm_shape, dropout)

    def forward(self, X, valid_lens):
        Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
        return self.addnorm2(Y, self.ffn(Y))


def accept_2_0_sizes(init, num_sizes, min_args):
    """Wrap a constructor to also accept the 2.0 edition's leading size arguments.

    Defined in :numref:`sec_utils`
    """
    if getattr(init, 'accepts_2_0_sizes', False):
        return init  # already wrapped
    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        for name in ('key_size', 'query_size', 'value_size', 'ffn_num_input'):
            kwargs.pop(name, None)  # inferred by the lazy layers
        if len(args) >= min_args:  # the 2.0 form: drop the leading sizes
            args = args[num_sizes:]
        init(self, *args, **kwargs)
    wrapper.accepts_2_0_sizes = True
    return wrapper


d2l.AdditiveAttention.__init__ = accept_2_0_sizes(d2l.AdditiveAttention.__init__, 2, 4)


d2l.MultiHeadAttention.__init__ = accept_2_0_sizes(d2l.MultiHeadAttention.__init__, 3, 6)


d2l.PositionWiseFFN.__init__ = accept_2_0_sizes(d2l.PositionWiseFFN.__init__, 1, 3)


# Aliases from config.ini
ones_like = torch.ones_like
ones = torch.ones
zeros_like = torch.zeros_like
zeros = torch.zeros
tensor = torch.tensor
arange = torch.arange
meshgrid = torch.meshgrid
sin = torch.sin
sinh = torch.sinh
cos = torch.cos
cosh = torch.cosh
tanh = torch.tanh
linspace = torch.linspace
exp = torch.exp
log = torch.log
normal = torch.normal
rand = torch.rand
randn = torch.randn
matmul = torch.matmul
int32 = torch.int32
int64 = torch.int64
float32 = torch.float32
concat = torch.cat
stack = torch.stack
abs = torch.abs
eye = torch.eye
sigmoid = torch.sigmoid
batch_matmul = torch.bmm
numpy = lambda x, *args, **kwargs: x.detach().numpy(*args, **kwargs)
size = lambda x, *args, **kwargs: x.numel(*args, **kwargs)
reshape = lambda x, *args, **kwargs: x.reshape(*args, **kwargs)
to = lambda x, *args, **kwargs: x.to(*args, **kwargs)
reduce_sum = lambda x, *args, **kwargs: x.sum(*args, **kwargs)
argmax = lambda x, *args, **kwargs: x.argmax(*args, **kwargs)
astype = lambda x, *args, **kwargs: x.type(*args, **kwargs)
transpose = lambda x, *args, **kwargs: x.t(*args, **kwargs)
reduce_mean = lambda x, *args, **kwargs: x.mean(*args, **kwargs)
expand_dims = lambda x, *args, **kwargs: x.unsqueeze(*args, **kwargs)
