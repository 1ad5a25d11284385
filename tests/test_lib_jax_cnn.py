"""Tests for the JAX library names of chapter 8 (modern convolutional networks).

They check that the models keep d2l 1.0.3-compatible fields and signatures, that every
model has the output shape and the parameter count of its PyTorch twin in `d2l.torch`,
that batch normalization state (`batch_stats`) is updated by the jit-compiled training
step and used (not updated) in evaluation, and that a jitted step reduces the loss.
"""
import dataclasses
import inspect

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
flax = pytest.importorskip("flax")
from flax import linen as nn  # noqa: E402
from jax import numpy as jnp  # noqa: E402

from d2l import jax as d2l  # noqa: E402

KEY = jax.random.PRNGKey(0)


def fields(cls):
    """The dataclass fields a caller can pass, in order (Flax adds parent and name)."""
    return [f.name for f in dataclasses.fields(cls) if f.init and f.name not in ('parent', 'name')]


def shapes_and_count(model, X_shape):
    """Output shape and number of parameters, inferred without computing anything."""
    out, variables = jax.eval_shape(model.init_with_output, KEY, jnp.zeros(X_shape))
    return out.shape, sum(p.size for p in jax.tree_util.tree_leaves(variables['params']))


# ------------------------------------------------------------------ names and fields

FIELDS = {
    'AlexNet': ['lr', 'num_classes', 'training'],
    'VGG': ['arch', 'lr', 'num_classes', 'training'],
    'NiN': ['lr', 'num_classes', 'training'],
    'Inception': ['c1', 'c2', 'c3', 'c4'],
    'GoogleNet': ['lr', 'num_classes'],
    'BNLeNet': ['lr', 'num_classes', 'training'],
    'Residual': ['num_channels', 'use_1x1conv', 'strides', 'training'],
    'ResNet': ['arch', 'lr', 'num_classes', 'training'],
    'ResNeXtBlock': ['num_channels', 'groups', 'bot_mul', 'use_1x1conv', 'strides',
                     'training'],
    'DenseBlock': ['num_convs', 'num_channels', 'training'],
    'DenseNet': ['num_channels', 'growth_rate', 'arch', 'lr', 'num_classes', 'training'],
    'AnyNet': ['arch', 'stem_channels', 'lr', 'num_classes', 'training'],
}


@pytest.mark.parametrize('name', sorted(FIELDS))
def test_fields(name):
    cls = getattr(d2l, name)
    assert issubclass(cls, nn.Module)
    assert fields(cls)[:len(FIELDS[name])] == FIELDS[name]


def test_function_signatures_and_subclass_defaults():
    sig = lambda f: list(inspect.signature(f).parameters)  # noqa: E731
    assert sig(d2l.vgg_block) == ['num_convs', 'out_channels']
    assert sig(d2l.nin_block) == ['out_channels', 'kernel_size', 'strides', 'padding']
    assert sig(d2l.conv_block) == ['num_channels', 'training']
    assert sig(d2l.transition_block) == ['num_channels', 'training']
    assert sig(d2l.ResNet.block) == ['self', 'num_residuals', 'num_channels', 'first_block']
    assert sig(d2l.AnyNet.stage) == ['self', 'depth', 'num_channels', 'groups', 'bot_mul']
    for cls in (d2l.AlexNet, d2l.VGG, d2l.NiN, d2l.GoogleNet, d2l.BNLeNet, d2l.ResNet,
                d2l.DenseNet, d2l.AnyNet):
        assert issubclass(cls, d2l.Classifier)
    assert d2l.ResNet18().arch == ((2, 64), (2, 128), (2, 256), (2, 512))
    model = d2l.RegNetX32()
    assert model.arch == ((4, 32, 2, 1), (6, 80, 5, 1)) and model.stem_channels == 32
    assert d2l.DenseNet().arch == (4, 4, 4, 4)


# ------------------------------------------------------------------ shapes and sizes

# (JAX model, PyTorch model's name and arguments, input side)
MODELS = {
    'AlexNet': (lambda: d2l.AlexNet(training=False), ('AlexNet', ()), 224),
    'VGG': (lambda: d2l.VGG(arch=((1, 16), (1, 32), (2, 64)), training=False),
            ('VGG', (((1, 16), (1, 32), (2, 64)),)), 64),
    'NiN': (lambda: d2l.NiN(training=False), ('NiN', ()), 224),
    'GoogleNet': (lambda: d2l.GoogleNet(), ('GoogleNet', ()), 96),
    'BNLeNet': (lambda: d2l.BNLeNet(training=False), ('BNLeNet', ()), 28),
    'ResNet18': (lambda: d2l.ResNet18(training=False), ('ResNet18', ()), 96),
    'DenseNet': (lambda: d2l.DenseNet(training=False), ('DenseNet', ()), 96),
    'RegNetX32': (lambda: d2l.RegNetX32(training=False), ('RegNetX32', ()), 96),
}


@pytest.mark.parametrize('name', sorted(MODELS))
def test_model_matches_pytorch_shape_and_parameter_count(name):
    torch = pytest.importorskip("torch")
    from d2l import torch as d2l_torch
    make, (torch_name, args), side = MODELS[name]
    shape, count = shapes_and_count(make(), (2, side, side, 1))
    assert shape == (2, 10)
    twin = getattr(d2l_torch, torch_name)(*args)
    with torch.no_grad():
        twin.eval()
        out = twin(torch.zeros(2, 1, side, side))  # materialises the lazy layers
    assert tuple(out.shape) == shape
    assert count == sum(p.numel() for p in twin.parameters())


def test_models_accept_other_input_sizes():
    """Dense layers infer their inputs, so the models run on the size a reader asks for."""
    assert shapes_and_count(d2l.ResNet18(training=False), (1, 64, 64, 1))[0] == (1, 10)
    assert shapes_and_count(d2l.GoogleNet(), (1, 224, 224, 1))[0] == (1, 10)
    assert shapes_and_count(d2l.AlexNet(training=False), (1, 112, 112, 1))[0] == (1, 10)


def test_layer_summary_prints_shapes_without_computing(capsys):
    d2l.ResNet18(training=False).layer_summary((1, 96, 96, 1), key=KEY)
    shapes = [line.split('\t')[-1] for line in capsys.readouterr().out.splitlines()]
    assert shapes == ['(1, 24, 24, 64)', '(1, 24, 24, 64)', '(1, 12, 12, 128)',
                      '(1, 6, 6, 256)', '(1, 3, 3, 512)', '(1, 10)']


def test_blocks():
    def shapes(block, X_shape):  # output shape and parameter shapes, nothing computed
        out, variables = jax.eval_shape(block.init_with_output, KEY, jnp.zeros(X_shape))
        return out.shape, variables.get('params', {})
    assert shapes(d2l.Residual(3), (4, 6, 6, 3))[0] == (4, 6, 6, 3)
    assert shapes(d2l.Residual(6, use_1x1conv=True, strides=2), (4, 6, 6, 3))[0] == (4, 3, 3, 6)
    shape, p = shapes(d2l.ResNeXtBlock(32, 2, 1), (2, 8, 8, 32))
    assert shape == (2, 8, 8, 32) and p['conv2']['kernel'].shape == (3, 3, 16, 32)  # 2 groups
    block = d2l.ResNeXtBlock(64, 4, 0.5, use_1x1conv=True, strides=2)
    assert shapes(block, (2, 8, 8, 32))[0] == (2, 4, 4, 64)
    assert shapes(d2l.DenseBlock(3, 8), (4, 8, 8, 5))[0] == (4, 8, 8, 29)
    assert shapes(d2l.transition_block(12), (4, 8, 8, 29))[0] == (4, 4, 4, 12)
    shape = shapes(d2l.Inception(64, (96, 128), (16, 32), 32), (2, 28, 28, 192))[0]
    assert shape == (2, 28, 28, 256)
    assert shapes(d2l.vgg_block(2, 8), (2, 28, 28, 3))[0] == (2, 14, 14, 8)
    assert shapes(d2l.nin_block(8, 3, 1, 1), (2, 28, 28, 3))[0] == (2, 28, 28, 8)
    assert shapes(d2l.nin_block(8, 11, 4, 0), (2, 224, 224, 1))[0] == (2, 54, 54, 8)
    # a dense block keeps its input and appends the new channels
    X = jax.random.normal(KEY, (2, 4, 4, 5))
    Y, _ = d2l.DenseBlock(2, 3).init_with_output(KEY, X)
    assert Y.shape == (2, 4, 4, 11)
    np.testing.assert_array_equal(Y[..., :5], X)


def test_dropout_only_in_training():
    X = jax.random.normal(KEY, (2, 112, 112, 1))
    model = d2l.AlexNet(training=False)
    params = model.init(KEY, X)['params']
    np.testing.assert_allclose(model.apply({'params': params}, X),
                               model.apply({'params': params}, X))
    train = d2l.AlexNet(training=True)
    with pytest.raises(flax.errors.InvalidRngError):  # dropout in training needs a key
        train.apply({'params': params}, X)
    a = train.apply({'params': params}, X, rngs={'dropout': jax.random.PRNGKey(1)})
    b = train.apply({'params': params}, X, rngs={'dropout': jax.random.PRNGKey(2)})
    assert float(jnp.abs(a - b).max()) > 0


# ------------------------------------------------------------------ batch statistics

class TinyData(d2l.DataModule):
    """64 random 12x12 single-channel images whose label is the brighter half."""
    def __init__(self, batch_size=32):
        super().__init__()
        self.batch_size = batch_size
        X = 3 * jax.random.normal(KEY, (96, 12, 12, 1)) + 1
        self.X = X
        self.y = (X[:, :6].mean(axis=(1, 2, 3)) > X[:, 6:].mean(axis=(1, 2, 3))).astype(
            jnp.int32)

    def get_dataloader(self, train):
        i = slice(0, 64) if train else slice(64, None)
        return self.get_tensorloader((self.X, self.y), train, i)


class TinyBN(d2l.Classifier):
    """Batch norm on the input, then a dense layer."""
    lr: float = 0.1
    num_classes: int = 2
    training: bool = True

    def setup(self):
        self.net = nn.Sequential([
            nn.BatchNorm(use_running_average=not self.training, momentum=0.9),
            lambda X: X.reshape((X.shape[0], -1)), nn.Dense(self.num_classes)])


def fit_tiny_bn(monkeypatch, max_epochs):
    """TinyBN trained on TinyData in full mode; returns (data, model, trainer)."""
    monkeypatch.setattr(d2l, 'QUICK', False)
    data, model, trainer = TinyData(), TinyBN(), d2l.Trainer(max_epochs=max_epochs)
    trainer.fit(model, data, key=KEY)
    return data, model, trainer


def test_loss_returns_batch_stats_updates(monkeypatch):
    data, model, trainer = fit_tiny_bn(monkeypatch, 1)
    state = trainer.state.replace(batch_stats=jax.tree_util.tree_map(
        jnp.zeros_like, trainer.state.batch_stats))
    model.training = True
    X, y = next(iter(data.train_dataloader()))
    value, updates = model.loss(state.params, (X,), y, state)
    assert value.shape == ()
    mean = updates['batch_stats']['net']['layers_0']['mean']  # one channel
    np.testing.assert_allclose(mean, [0.1 * float(X.mean())], rtol=1e-4)
    # a model without batch norm gets no batch_stats back
    lenet = d2l.LeNet()
    variables = lenet.init(KEY, jnp.zeros((1, 28, 28, 1)))
    st = trainer.state.replace(apply_fn=lenet.apply, params=variables['params'],
                               batch_stats={})
    _, aux = lenet.loss(st.params, (jnp.zeros((2, 28, 28, 1)),), jnp.zeros(2, jnp.int32), st)
    assert 'batch_stats' not in aux


def test_batch_stats_updated_in_training_and_used_in_evaluation(monkeypatch):
    data, model, trainer = fit_tiny_bn(monkeypatch, 3)
    stats = trainer.state.batch_stats['net']['layers_0']
    X_train = data.X[:64]
    # moved from (0, 1) towards the training data's statistics (mean near 1, var near 9)
    assert 0.3 < float(stats['mean'].mean()) < 1.5
    assert 3 < float(stats['var'].mean()) < 12
    assert not model.training  # validation ran in evaluation mode
    # evaluation uses the running estimates: one example alone gets the same output
    variables = {'params': trainer.state.params, 'batch_stats': trainer.state.batch_stats}
    out = model.apply(variables, X_train)
    np.testing.assert_allclose(model.apply(variables, X_train[:1]), out[:1], rtol=1e-5,
                               atol=1e-5)
    # accuracy reads the state's batch_stats: other statistics, other predictions
    acc = model.accuracy(trainer.state.params, (X_train,), data.y[:64], trainer.state,
                         averaged=False)
    expected = (out.argmax(axis=1) == data.y[:64]).astype(jnp.float32)
    np.testing.assert_array_equal(acc, expected)
    shifted = trainer.state.replace(batch_stats=jax.tree_util.tree_map(
        lambda v: v + 100.0, trainer.state.batch_stats))
    Y_shifted = model.apply({'params': trainer.state.params,
                             'batch_stats': shifted.batch_stats}, X_train)
    assert float(jnp.abs(Y_shifted - out).max()) > 1
    # evaluation does not change the statistics
    before = jax.tree_util.tree_map(np.asarray, trainer.state.batch_stats)
    model.evaluate_accuracy(data)
    after = trainer.state.batch_stats
    for a, b in zip(jax.tree_util.tree_leaves(before), jax.tree_util.tree_leaves(after)):
        np.testing.assert_array_equal(a, b)


def test_jitted_step_reduces_the_loss_of_a_bn_network(monkeypatch):
    """BNLeNet's compiled training step, repeated on one batch, fits it."""
    monkeypatch.setattr(d2l, 'QUICK', False)
    class Images(TinyData):
        def __init__(self):
            super().__init__(batch_size=16)
            self.X = jax.random.uniform(KEY, (96, 28, 28, 1))
            self.y = jax.random.randint(jax.random.PRNGKey(1), (96,), 0, 10)

    data = Images()
    model = d2l.BNLeNet(lr=0.1)
    trainer = d2l.Trainer(max_epochs=1)
    trainer.fit(model, data, key=KEY)
    batch = trainer.prepare_batch(next(iter(data.train_dataloader())))
    state = trainer.state
    stats0 = state.batch_stats
    losses = []
    for _ in range(30):
        state, loss = trainer.train_step(state, batch)
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0]
    assert trainer.train_step._cache_size() == 1  # traced once, then compiled code runs
    moved = [float(jnp.abs(a - b).max()) for a, b in zip(
        jax.tree_util.tree_leaves(stats0), jax.tree_util.tree_leaves(state.batch_stats))]
    assert min(moved) > 0  # every batch norm layer's statistics were updated
