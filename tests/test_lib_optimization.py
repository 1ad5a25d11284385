"""Tests for the library names defined in the optimization chapter (book chapter 12).

The 2-D trajectory helpers against closed-form gradient descent, the airfoil loader
(through D2L_DATA_DIR, no network), the loss evaluation, and the two airfoil training
loops against the least-squares optimum. Runs on the CPU in a few seconds.
"""
import math
import os

import matplotlib
import numpy as np
import pytest
import torch

from d2l import torch as d2l

matplotlib.use('Agg')

AIRFOIL = os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'data',
                       'airfoil_self_noise.dat')
SHARED = os.environ.get('D2L_DATA_DIR') or os.path.dirname(os.path.abspath(AIRFOIL))
HAVE_AIRFOIL = os.path.isfile(os.path.join(SHARED, 'airfoil_self_noise.dat'))
needs_airfoil = pytest.mark.skipif(not HAVE_AIRFOIL, reason='airfoil data not available')


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    d2l.plt.close('all')


def linear_loader(n=400, batch_size=10, noise=0.0, seed=0):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=gen)
    y = X @ torch.tensor([1.0, -2.0, 0.5]) + 0.3 + noise * torch.randn(n, generator=gen)
    return d2l.TensorLoader((X, y), batch_size, shuffle=True), X, y


def sgd(params, states, hyperparams):
    with torch.no_grad():
        for p in params:
            p -= hyperparams['lr'] * p.grad
            p.grad.zero_()


# ---------------------------------------------------------------- annotate


def test_annotate_draws_text_with_arrow():
    d2l.plt.figure()
    ann = d2l.annotate('here', (1.0, 2.0), (3.0, 4.0))
    ax = d2l.plt.gca()
    assert ann in ax.texts
    assert ann.get_text() == 'here'
    assert tuple(ann.xy) == (1.0, 2.0)
    assert tuple(ann.xyann) == (3.0, 4.0)
    assert ann.arrow_patch is not None


# ---------------------------------------------------------------- train_2d, show_trace_2d


def test_train_2d_matches_closed_form_gradient_descent():
    eta = 0.1

    def gd(x1, x2, s1, s2):  # f = x1^2 + 2 x2^2
        return x1 - eta * 2 * x1, x2 - eta * 4 * x2, 0, 0

    results = d2l.train_2d(gd, steps=7)
    assert len(results) == 8
    assert results[0] == (-5.0, -2.0)
    for k, (x1, x2) in enumerate(results):
        assert x1 == pytest.approx(-5 * (1 - 2 * eta) ** k)
        assert x2 == pytest.approx(-2 * (1 - 4 * eta) ** k)


def test_train_2d_passes_f_grad_and_threads_state():
    calls = []

    def f_grad(x1, x2):
        return 2 * x1, 2 * x2

    def counting(x1, x2, s1, s2, grad):
        calls.append((s1, s2))
        g1, g2 = grad(x1, x2)
        return x1 - 0.25 * g1, x2 - 0.25 * g2, s1 + 1, s2 + 10

    results = d2l.train_2d(counting, steps=3, f_grad=f_grad)
    assert calls == [(0, 0), (1, 10), (2, 20)]
    assert results[-1] == pytest.approx((-5 * 0.5 ** 3, -2 * 0.5 ** 3))


def test_train_2d_prints_final_point(capsys):
    d2l.train_2d(lambda x1, x2, s1, s2: (x1 / 2, x2 / 2, s1, s2), steps=1)
    assert 'x1 = -2.5' in capsys.readouterr().out


def test_show_trace_2d_draws_trajectory_and_contours():
    results = [(-5.0, -2.0), (-2.0, 3.0), (4.0, 1.0)]
    d2l.show_trace_2d(lambda x1, x2: x1 ** 2 + x2 ** 2, results)
    ax = d2l.plt.gca()
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 3]
    assert len(lines) == 1
    np.testing.assert_allclose(lines[0].get_xdata(), [-5, -2, 4])
    np.testing.assert_allclose(lines[0].get_ydata(), [-2, 3, 1])
    assert ax.collections, 'no contour drawn'
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    assert x_lo <= -5 and x_hi >= 4 and y_lo <= -2 and y_hi >= 3
    assert ax.get_xlabel() == 'x1' and ax.get_ylabel() == 'x2'


def test_show_trace_2d_keeps_origin_in_view():
    d2l.show_trace_2d(lambda x1, x2: x1 ** 2 + x2 ** 2, [(-5.0, -2.0), (-4.0, -1.0)])
    ax = d2l.plt.gca()
    assert ax.get_xlim()[1] >= 0 and ax.get_ylim()[1] >= 0


# ---------------------------------------------------------------- airfoil data


def test_airfoil_is_registered_with_its_sha1():
    url, sha1 = d2l.DATA_HUB['airfoil']
    assert url.endswith('/airfoil_self_noise.dat') and url.startswith('http')
    assert sha1 == '76e5be1548fd8222e5074cf0faae75edff8cf93f'


@needs_airfoil
def test_get_data_ch11_reads_standardized_airfoil(monkeypatch):
    monkeypatch.setenv('D2L_DATA_DIR', SHARED)
    assert d2l.sha1_file(d2l.download('airfoil')) == d2l.DATA_HUB['airfoil'][1]
    data_iter, feature_dim = d2l.get_data_ch11(batch_size=10)
    assert feature_dim == 5
    X, y = data_iter.tensors
    assert X.shape == (1500, 5) and y.shape == (1500,)
    assert X.dtype == torch.float32
    # Standardized over all 1503 rows, so the first 1500 are close to mean 0, std 1
    assert X.mean(dim=0).abs().max() < 0.05
    assert (X.std(dim=0) - 1).abs().max() < 0.05
    batches = list(data_iter)
    assert len(batches) == 150 and batches[0][0].shape == (10, 5)
    first = torch.cat([b[1] for b in data_iter])
    assert not torch.equal(first, y), 'the iterator does not shuffle'
    assert torch.equal(first.sort().values, y.sort().values)
    small_iter, _ = d2l.get_data_ch11(batch_size=7, n=100)
    assert small_iter.tensors[0].shape == (100, 5) and len(small_iter) == 15


def test_get_data_ch11_rejects_a_malformed_file(monkeypatch, tmp_path):
    bad = tmp_path / 'airfoil_self_noise.dat'
    bad.write_text('1\t2\t3\n4\t5\t6\n')
    monkeypatch.setattr(d2l, 'download', lambda name, *args, **kwargs: str(bad))
    with pytest.raises(ValueError, match='6 columns'):
        d2l.get_data_ch11()


# ---------------------------------------------------------------- losses and training


def test_evaluate_loss_ch11_is_half_mean_squared_error():
    loader, X, y = linear_loader(n=50, batch_size=8)
    net = torch.nn.Linear(3, 1)
    with torch.no_grad():
        expected = float(((net(X).squeeze(1) - y) ** 2).mean() / 2)
    assert d2l.evaluate_loss_ch11(net, loader) == pytest.approx(expected, rel=1e-5)
    # Any iterable of (X, y) minibatches works, weighted by batch size
    batches = [(X[:8], y[:8]), (X[8:], y[8:])]
    assert d2l.evaluate_loss_ch11(net, batches) == pytest.approx(expected, rel=1e-5)


def test_train_ch11_fits_noise_free_linear_data(capsys):
    torch.manual_seed(0)
    loader, _, _ = linear_loader(n=400, batch_size=10)
    times, losses = d2l.train_ch11(sgd, None, {'lr': 0.05}, loader, 3, num_epochs=3)
    assert len(times) == len(losses) == 6  # every 200 examples: 1200 / 200
    assert all(b >= a for a, b in zip(times, times[1:]))
    assert losses[-1] < 1e-4 < losses[0]
    assert 'sec/epoch' in capsys.readouterr().out


def test_train_ch11_records_large_batches_and_the_end():
    torch.manual_seed(0)
    loader, _, _ = linear_loader(n=450, batch_size=450)
    _, losses = d2l.train_ch11(sgd, None, {'lr': 0.5}, loader, 3, num_epochs=3)
    assert len(losses) == 3  # one record per update: each passes a multiple of 200
    loader, _, _ = linear_loader(n=130, batch_size=10)
    _, losses = d2l.train_ch11(sgd, None, {'lr': 0.1}, loader, 3, num_epochs=1)
    assert len(losses) == 1  # fewer than 200 examples: recorded once at the end


def test_train_ch11_passes_states_and_hyperparams():
    seen = []

    def momentum(params, states, hyperparams):
        seen.append(hyperparams['beta'])
        with torch.no_grad():
            for p, v in zip(params, states):
                v[:] = hyperparams['beta'] * v + p.grad
                p -= hyperparams['lr'] * v
                p.grad.zero_()

    torch.manual_seed(0)
    loader, _, _ = linear_loader(n=200, batch_size=20)
    states = (torch.zeros(3, 1), torch.zeros(1))
    _, losses = d2l.train_ch11(momentum, states, {'lr': 0.02, 'beta': 0.5}, loader, 3)
    assert seen == [0.5] * 20
    assert states[0].abs().sum() > 0
    assert losses[-1] < losses[0]


def test_fit_ch11_uses_update_after_each_backward():
    loader, _, _ = linear_loader(n=200, batch_size=50)
    net = torch.nn.Linear(3, 1)
    grads = []

    def update():
        grads.append(net.weight.grad.clone())
        net.weight.grad = None
        net.bias.grad = None

    times, losses = d2l.fit_ch11(net, update, loader, num_epochs=2)
    assert len(grads) == 8 and all(g.abs().sum() > 0 for g in grads)
    assert len(losses) == 2 and losses[0] == pytest.approx(losses[1])  # never updated


@needs_airfoil
@pytest.mark.parametrize('trainer, hyperparams', [
    (torch.optim.SGD, {'lr': 0.01}),
    (torch.optim.SGD, {'lr': 0.004, 'momentum': 0.9}),
    (torch.optim.Adam, {'lr': 0.01}),
])
def test_train_concise_ch11_reaches_least_squares_optimum(monkeypatch, trainer, hyperparams):
    monkeypatch.setenv('D2L_DATA_DIR', SHARED)
    torch.manual_seed(1)
    data_iter, _ = d2l.get_data_ch11(batch_size=10)
    X, y = data_iter.tensors
    A = torch.cat([X, torch.ones(len(X), 1)], dim=1).double()
    coef = torch.linalg.lstsq(A, y.double().unsqueeze(1)).solution
    optimum = float(((A @ coef).squeeze(1) - y.double()).pow(2).mean() / 2)
    assert 0.2 < optimum < 0.3
    times, losses = d2l.train_concise_ch11(trainer, hyperparams, data_iter)
    assert len(losses) == 30  # 4 epochs of 1500 examples, every 200 examples
    assert losses[-1] >= optimum - 1e-6
    assert losses[-1] < optimum + 0.01
    assert math.isfinite(times[-1])


@pytest.mark.parametrize('kind', ['tensor_loader', 'data_loader', 'list'])
def test_fit_ch11_plots_losses_against_epochs(kind):
    loader, X, y = linear_loader(n=300, batch_size=25)
    if kind == 'data_loader':
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y),
                                             batch_size=25, shuffle=True)
    elif kind == 'list':
        loader = [(X[i:i + 25], y[i:i + 25]) for i in range(0, 300, 25)]
    net = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)

    def update():
        optimizer.step()
        optimizer.zero_grad()

    _, losses = d2l.fit_ch11(net, update, loader, num_epochs=2)
    # 600 examples: records at 200, 400, 600 examples, i.e. at 2/3, 4/3 and 2 epochs
    xs = d2l.plt.gca().get_lines()[0].get_xdata()
    np.testing.assert_allclose(xs, [2 / 3, 4 / 3, 2])
    assert len(losses) == 3 and losses[-1] < losses[0]
