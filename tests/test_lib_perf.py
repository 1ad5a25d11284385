"""Tests for the library names of chapter 13 (computational performance).

The data-parallel checks start real process groups with torchrun and the gloo backend,
so they run on any CPU. The central one: training in 2 processes gives the same losses
as training in 1 process with the same global batch and seed. In float64 the only
difference is the order of floating-point additions, so we require agreement to a
relative 1e-9; in float32 (the MLP on Fashion-MNIST) to an absolute 1e-3 on losses near 2.
"""
import json
import os

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from d2l import torch as d2l

# ------------------------------------------------------------------ single process


def test_benchmark_prints_and_keeps_elapsed(capsys):
    with d2l.Benchmark('sleepy') as b:
        sum(range(10000))
    out = capsys.readouterr().out
    assert out.startswith('sleepy: ') and out.strip().endswith('sec')
    assert b.elapsed > 0
    assert f'{b.elapsed:.4f}' in out


def test_split_batch_uneven_shards_keep_order():
    X, y = torch.arange(14.0).reshape(7, 2), torch.arange(7)
    Xs, ys = d2l.split_batch(X, y, [d2l.cpu()] * 3)
    assert [len(t) for t in ys] == [3, 2, 2]
    assert torch.equal(torch.cat(Xs), X) and torch.equal(torch.cat(ys), y)
    assert all(t.device == d2l.cpu() for t in Xs + ys)


def test_split_batch_rejects_mismatched_sizes():
    with pytest.raises(AssertionError):
        d2l.split_batch(torch.zeros(4, 2), torch.zeros(3), [d2l.cpu()])


def test_weighted_shard_gradients_equal_whole_batch_gradient():
    torch.manual_seed(0)
    net = d2l.mlp()
    X, y = torch.randn(10, 1, 28, 28), torch.randint(0, 10, (10,))

    def grads(Xi, yi):
        net.zero_grad()
        F.cross_entropy(net(Xi), yi).backward()
        return [p.grad.clone() for p in net.parameters()]

    whole = grads(X, y)
    Xs, ys = d2l.split_batch(X, y, [d2l.cpu()] * 3)
    parts = [grads(Xi, yi) for Xi, yi in zip(Xs, ys)]
    for k, g in enumerate(whole):
        combined = sum(len(yi) / len(y) * p[k] for yi, p in zip(ys, parts))
        assert torch.allclose(combined, g, atol=1e-6)


def test_outside_a_process_group():
    assert d2l.get_rank_world() == (0, 1)
    a, b = torch.ones(2, 3), torch.arange(4.0)
    d2l.allreduce([a, b], weight=0.5)  # no group: only the weight applies
    assert torch.equal(a, torch.full((2, 3), 0.5)) and torch.equal(b, torch.arange(4.0) / 2)
    t = torch.arange(5.0)
    assert d2l.ring_allreduce(t) is t and torch.equal(t, torch.arange(5.0))


def test_mlp_shape():
    assert d2l.mlp()(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_resnet18_shapes_and_size():
    net = d2l.resnet18(10)
    assert sum(p.numel() for p in net.parameters()) == 11_175_818
    assert not any(isinstance(p, nn.parameter.UninitializedParameter)
                   for p in net.parameters())
    assert net.training
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert d2l.resnet18(5, in_channels=3)(torch.zeros(1, 3, 32, 32)).shape == (1, 5)


def tiny_problem(n=64):
    torch.manual_seed(0)
    X = torch.randn(n, 4)
    y = (X[:, 0] > 0).long()  # linearly separable
    return X, y


def test_train_batch_ch13_returns_sums_and_updates():
    X, y = tiny_problem(8)
    net = nn.Linear(4, 2)
    before = net.weight.detach().clone()
    loss = nn.CrossEntropyLoss(reduction='none')
    expected_loss = loss(net(X), y).sum().item()
    expected_hits = (net(X).argmax(1) == y).sum().item()
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    total, hits = d2l.train_batch_ch13(net, X, y, loss, trainer, [d2l.cpu()])
    assert total.item() == pytest.approx(expected_loss, rel=1e-6)
    assert hits.item() == expected_hits
    assert not torch.equal(before, net.weight)


def test_train_ch13_single_process_learns(monkeypatch, capsys):
    monkeypatch.setattr(d2l, 'QUICK', False)
    X, y = tiny_problem(256)
    train = d2l.TensorLoader((X, y), 32, shuffle=True)
    test = d2l.TensorLoader((X, y), 64)
    net = nn.Linear(4, 2)
    history = d2l.train_ch13(net, train, test, nn.CrossEntropyLoss(reduction='none'),
                             torch.optim.SGD(net.parameters(), lr=0.01), 5, [d2l.cpu()])
    assert len(history) == 5
    assert history[-1]['loss'] < history[0]['loss']
    assert history[-1]['test_acc'] > 0.9
    assert capsys.readouterr().out.count('examples/sec on 1 x cpu') == 5


def test_train_ch13_quick_mode_caps(monkeypatch, capsys):
    monkeypatch.setattr(d2l, 'QUICK', True)
    X, y = tiny_problem(256)
    net = nn.Linear(4, 2)
    history = d2l.train_ch13(net, d2l.TensorLoader((X, y), 64),
                             d2l.TensorLoader((X, y), 64),
                             nn.CrossEntropyLoss(reduction='none'),
                             torch.optim.SGD(net.parameters(), lr=0.01), 10, [d2l.cpu()])
    assert len(history) == 1  # one epoch of two minibatches of 32 examples


def test_trainer_single_process_records_losses(monkeypatch):
    monkeypatch.setattr(d2l, 'QUICK', True)
    torch.manual_seed(0)
    data = d2l.SyntheticRegressionData(w=torch.tensor([2, -3.4]), b=4.2)
    trainer = d2l.Trainer(max_epochs=2)
    trainer.fit(d2l.LinearRegression(lr=0.03), data)
    assert (trainer.rank, trainer.world_size) == (0, 1)
    assert len(trainer.train_losses) == 2 * trainer.num_train_batches
    assert float(trainer.train_losses[-1]) < float(trainer.train_losses[0])


# ------------------------------------------------------------------ process groups


@pytest.mark.slow
def test_torchrun_reports_failures():
    with pytest.raises(RuntimeError, match='boom'):
        d2l.torchrun("raise SystemExit('boom')", nproc_per_node=1)


@pytest.mark.slow
def test_torchrun_allreduce_and_ranks():
    code = '''
import torch
import torch.distributed as dist
from d2l import torch as d2l
d2l.init_distributed()
rank, world = d2l.get_rank_world()
a, b = torch.ones(3) * (rank + 1), torch.tensor([float(rank)])
d2l.allreduce([a, b], weight=2.0)
# one write per line: the ranks share one pipe, and print() writes its arguments
# and the newline in pieces that may interleave with the other rank's
import sys
sys.stdout.write(f'{rank} {world} {a.tolist()} {b.tolist()}\\n')
sys.stdout.flush()
dist.destroy_process_group()
'''
    lines = sorted(d2l.torchrun(code, nproc_per_node=2).splitlines())
    assert lines == ['0 2 [6.0, 6.0, 6.0] [2.0]', '1 2 [6.0, 6.0, 6.0] [2.0]']


@pytest.mark.slow
def test_ring_allreduce_matches_sum():
    code = '''
import json
import torch
import torch.distributed as dist
from d2l import torch as d2l
d2l.init_distributed()
rank, n = d2l.get_rank_world()
results = []
for shape in [(7,), (2, 5), (2,), (64, 3)]:  # (2,) leaves one process an empty chunk
    torch.manual_seed(rank)
    x = torch.randn(shape, dtype=torch.float64)
    expected = x.clone()
    dist.all_reduce(expected)
    y = d2l.ring_allreduce(x)
    results.append([y is x, (y - expected).abs().max().item()])
if rank == 0:
    print(json.dumps(results))
dist.destroy_process_group()
'''
    results = json.loads(d2l.torchrun(code, nproc_per_node=3))
    assert all(same for same, _ in results)
    assert max(err for _, err in results) < 1e-12


TRAINER_CODE = '''
import json
import torch
from d2l import torch as d2l
{init}
torch.set_default_dtype(torch.float64)
torch.manual_seed(1)
data = d2l.SyntheticRegressionData(w=torch.tensor([2, -3.4]), b=4.2, num_train=200,
                                   batch_size=25)
trainer = d2l.Trainer(max_epochs=3)
model = d2l.LinearRegression(lr=0.03)  # lazy: parameters appear in the first step
trainer.fit(model, data)
w, b = model.get_w_b()
if trainer.rank == 0:
    print(json.dumps([[float(l) for l in trainer.train_losses],
                      w.reshape(-1).tolist() + b.reshape(-1).tolist()]))
if torch.distributed.is_initialized():
    torch.distributed.destroy_process_group()  # leaving without it can abort gloo
'''


@pytest.fixture(scope='module')
def one_process_run():
    """The Trainer run in a single process (torchrun with one process, no group)."""
    return json.loads(d2l.torchrun(TRAINER_CODE.format(init=''), nproc_per_node=1))


@pytest.mark.slow
def test_trainer_two_processes_match_one_process(one_process_run):
    one = one_process_run
    two = json.loads(d2l.torchrun(TRAINER_CODE.format(init='d2l.init_distributed()'),
                                  nproc_per_node=2))
    (losses1, params1), (losses2, params2) = one, two
    assert len(losses1) == len(losses2) > 10
    assert losses1[-1] < 0.1 * losses1[0]  # it did learn
    # 25 examples split 13 + 12: the weighted all-reduce keeps the update exact
    assert losses2 == pytest.approx(losses1, rel=1e-9, abs=1e-12)
    assert params2 == pytest.approx(params1, rel=1e-9, abs=1e-12)


@pytest.mark.slow
def test_trainer_two_processes_differ_without_the_allreduce(one_process_run):
    """The same run with the gradient all-reduce removed must not match: the test can fail."""
    broken = TRAINER_CODE.format(
        init='d2l.init_distributed()\nd2l.allreduce = lambda tensors, weight=1.0: None')
    two = json.loads(d2l.torchrun(broken, nproc_per_node=2))
    assert two[0] != pytest.approx(one_process_run[0], rel=1e-6)


@pytest.mark.slow
def test_train_data_parallel_two_processes_match_one():
    try:
        d2l.load_fashion_mnist()
    except Exception as e:  # the data set is not on this machine
        pytest.skip(f'Fashion-MNIST not available: {e}')
    one = d2l.train_data_parallel(num_steps=4, batch_size=64)
    code = '''
import json
from d2l import torch as d2l
device = d2l.init_distributed()
losses = d2l.train_data_parallel(num_steps=4, batch_size=64, device=device)
if d2l.get_rank_world()[0] == 0:
    print(json.dumps(losses))
d2l.dist.destroy_process_group()
'''
    two = json.loads(d2l.torchrun(code, nproc_per_node=2))
    assert len(one) == len(two) == 4
    assert two == pytest.approx(one, abs=1e-3)


@pytest.mark.slow
def test_train_ch13_with_ddp_in_two_processes():
    code = '''
import json
import torch
from torch import nn
from d2l import torch as d2l
device = d2l.init_distributed()
d2l.QUICK = False
torch.manual_seed(0)
X = torch.randn(96, 4)
y = (X[:, 0] > 0).long()
net = nn.Linear(4, 2)
history = d2l.train_ch13(net, d2l.TensorLoader((X, y), 32), d2l.TensorLoader((X, y), 48),
                         nn.CrossEntropyLoss(reduction='none'),
                         torch.optim.SGD(net.parameters(), lr=0.01), 2, [device])
weights = net.weight.detach().reshape(-1).tolist()
out = [None, None]
torch.distributed.all_gather_object(out, weights)
if d2l.get_rank_world()[0] == 0:
    print(json.dumps([history, out]))
d2l.dist.destroy_process_group()
'''
    text = d2l.torchrun(code, nproc_per_node=2)
    history, (w0, w1) = json.loads(text.splitlines()[-1])
    assert len(history) == 2 and 'on 2 x cpu' in text
    assert w0 == w1  # DDP keeps the replicas identical
    # Same run in one process: DDP's averaged gradient times the world size is the sum
    torch.manual_seed(0)
    X = torch.randn(96, 4)
    y = (X[:, 0] > 0).long()
    net = nn.Linear(4, 2)
    os.environ.pop('LOCAL_RANK', None)
    d2l_quick = d2l.QUICK
    d2l.QUICK = False
    try:
        single = d2l.train_ch13(net, d2l.TensorLoader((X, y), 32),
                                d2l.TensorLoader((X, y), 48),
                                nn.CrossEntropyLoss(reduction='none'),
                                torch.optim.SGD(net.parameters(), lr=0.01), 2, [d2l.cpu()])
    finally:
        d2l.QUICK = d2l_quick
    assert net.weight.detach().reshape(-1).tolist() == pytest.approx(w0, abs=1e-5)
    for a, b in zip(single, history):
        assert a['loss'] == pytest.approx(b['loss'], rel=1e-5)
        assert a['test_acc'] == pytest.approx(b['test_acc'])
