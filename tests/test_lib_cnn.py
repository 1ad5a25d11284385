"""Tests for the library names defined in the two CNN chapters (book chapters 7 and 8).

Every model is run on a small dummy batch (the smallest input its architecture accepts,
where that is cheap) and checked for the output shape; parameter counts that the prose
quotes are checked exactly.
"""
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from d2l import torch as d2l


def num_params(model):
    return sum(p.numel() for p in model.parameters())


def run_meta(model, shape):
    """Forward on the meta device: shapes and parameter counts without any arithmetic."""
    with torch.device('meta'):
        return model(torch.empty(*shape))


def run(model, shape, train=False):
    """Forward a random batch; lazy layers get their shapes on the way."""
    torch.manual_seed(0)
    model.train(train)
    with torch.set_grad_enabled(train):
        return model(torch.randn(*shape))


# ---------------------------------------------------------------- chapter 7


def test_corr2d_hand_computed():
    X = torch.arange(12.0).reshape(3, 4)
    K = torch.tensor([[1.0, 2.0], [0.0, -1.0]])
    # Y[i, j] = X[i, j] + 2 X[i, j+1] - X[i+1, j+1] = 8i + 2j - 3 for X[i, j] = 4i + j
    expected = torch.tensor([[-3.0, -1.0, 1.0], [5.0, 7.0, 9.0]])
    assert torch.equal(d2l.corr2d(X, K), expected)


def test_corr2d_edge_detector():
    X = torch.zeros((6, 8))
    X[:, 3:6] = 1.0
    Y = d2l.corr2d(X, torch.tensor([[1.0, -1.0]]))
    assert Y.shape == (6, 7)
    assert torch.equal(Y[0], torch.tensor([0.0, 0.0, -1.0, 0.0, 0.0, 1.0, 0.0]))
    assert torch.equal(Y, Y[:1].expand(6, 7))


@pytest.mark.parametrize('kshape', [(1, 1), (2, 3), (3, 3), (5, 2)])
def test_corr2d_matches_conv2d(kshape):
    torch.manual_seed(1)
    X, K = torch.randn(7, 9), torch.randn(*kshape)
    expected = F.conv2d(X[None, None], K[None, None])[0, 0]
    torch.testing.assert_close(d2l.corr2d(X, K), expected, rtol=1e-5, atol=1e-5)


def test_corr2d_is_differentiable():
    X = torch.randn(5, 5)
    K = torch.randn(2, 2, requires_grad=True)
    d2l.corr2d(X, K).sum().backward()
    # d/dK[a, b] of the sum of all outputs is the sum of the matching input window
    expected = torch.stack([torch.stack([X[a:a + 4, b:b + 4].sum() for b in range(2)])
                            for a in range(2)])
    torch.testing.assert_close(K.grad, expected)


def test_init_cnn_skips_lazy_and_sets_xavier_bounds():
    conv, lazy = nn.Conv2d(4, 8, kernel_size=3), nn.LazyLinear(5)
    before = conv.weight.detach().clone()
    d2l.init_cnn(conv)
    d2l.init_cnn(lazy)  # must not fail on an uninitialized parameter
    assert not torch.equal(before, conv.weight)
    fan_in, fan_out = 4 * 9, 8 * 9
    bound = (6 / (fan_in + fan_out)) ** 0.5
    assert conv.weight.abs().max() <= bound
    d2l.init_cnn(nn.ReLU())  # layers without weights are left alone


def test_lenet_shapes_and_parameter_count():
    model = d2l.LeNet()
    assert run(model, (3, 1, 28, 28)).shape == (3, 10)
    assert num_params(model) == 61706  # quoted in the LeNet section
    assert model.net[7].weight.numel() + model.net[7].bias.numel() == 48120


def test_layer_summary_prints_each_layer(capsys):
    model = d2l.LeNet()
    model.layer_summary((1, 1, 28, 28))
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(model.net)
    assert '(1, 6, 28, 28)' in lines[0] and '(1, 10)' in lines[-1]


class _Batches:
    def __init__(self, batches):
        self.batches = batches

    def val_dataloader(self):
        return self.batches


class _Fixed(d2l.Classifier):
    """Predicts class 0 for every example."""
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(2, 3)
        with torch.no_grad():
            self.net.weight.zero_()
            self.net.bias.copy_(torch.tensor([1.0, 0.0, 0.0]))


def test_evaluate_accuracy_counts_over_all_batches():
    y1, y2 = torch.tensor([0, 1, 0, 0]), torch.tensor([2, 0])
    data = _Batches([(torch.randn(4, 2), y1), (torch.randn(2, 2), y2)])
    acc = _Fixed().evaluate_accuracy(data)
    assert acc == pytest.approx(4 / 6)
    assert isinstance(acc, float)


# ---------------------------------------------------------------- chapter 8


def test_alexnet():
    model = d2l.AlexNet()
    assert run(model, (2, 1, 96, 96)).shape == (2, 10)  # 96 is close to its minimum
    with torch.device('meta'):
        model = d2l.AlexNet(num_classes=7)
    assert run_meta(model, (1, 1, 224, 224)).shape == (1, 7)
    conv = sum(p.numel() for m in model.net if isinstance(m, nn.Conv2d)
               for p in m.parameters())
    assert conv == 3723968
    with torch.device('meta'):
        full = d2l.AlexNet()
    run_meta(full, (1, 1, 224, 224))
    assert num_params(full) == 46764746  # "about 47 million" in the prose


def test_vgg_block_and_vgg():
    blk = d2l.vgg_block(2, 8)
    assert run(blk, (2, 3, 16, 16)).shape == (2, 8, 8, 8)
    assert sum(isinstance(m, nn.Conv2d) for m in blk) == 2
    model = d2l.VGG(arch=((1, 4), (1, 8), (2, 8), (2, 16), (2, 16)))
    assert run(model, (2, 1, 32, 32)).shape == (2, 10)  # five halvings: 32 -> 1
    with torch.device('meta'):
        vgg11 = d2l.VGG(arch=((1, 64), (1, 128), (2, 256), (2, 512), (2, 512)))
    run_meta(vgg11, (1, 1, 224, 224))
    assert vgg11.net[6].weight.shape == (4096, 25088)  # 512 x 7 x 7 inputs, as in the prose


def test_nin():
    blk = d2l.nin_block(6, kernel_size=3, strides=2, padding=1)
    assert run(blk, (2, 1, 8, 8)).shape == (2, 6, 4, 4)
    model = d2l.NiN()
    assert run(model, (2, 1, 96, 96)).shape == (2, 10)
    assert num_params(model) == 1992166  # "about 2 million"; independent of input size


def test_inception_and_googlenet():
    blk = d2l.Inception(64, (96, 128), (16, 32), 32)
    assert run(blk, (2, 192, 7, 7)).shape == (2, 256, 7, 7)
    with torch.device('meta'):
        model = d2l.GoogleNet(num_classes=5)
    assert run_meta(model, (2, 1, 96, 96)).shape == (2, 5)
    assert run_meta(model, (2, 1, 32, 32)).shape == (2, 5)  # 32 -> 1 after five halvings


def test_bn_lenet_train_and_eval_modes():
    model = d2l.BNLeNet()
    assert run(model, (4, 1, 28, 28), train=True).shape == (4, 10)
    assert run(model, (1, 1, 28, 28), train=False).shape == (1, 10)
    bn = model.net[1]
    assert isinstance(bn, nn.BatchNorm2d) and bn.num_batches_tracked.item() == 1


def test_residual_blocks():
    X = torch.randn(4, 3, 6, 6)
    assert run(d2l.Residual(3), X.shape).shape == (4, 3, 6, 6)
    assert run(d2l.Residual(6, use_1x1conv=True, strides=2), X.shape).shape == (4, 6, 3, 3)


def test_residual_is_identity_when_branch_is_zero():
    blk = d2l.Residual(3)
    X = torch.rand(2, 3, 5, 5)  # non-negative, so the final ReLU keeps it
    blk(X)
    with torch.no_grad():
        blk.bn2.weight.zero_()
        blk.bn2.bias.zero_()
    blk.eval()
    with torch.no_grad():
        torch.testing.assert_close(blk(X), X)


def test_resnext_block():
    blk = d2l.ResNeXtBlock(32, groups=2, bot_mul=1)
    assert run(blk, (2, 32, 8, 8)).shape == (2, 32, 8, 8)
    assert blk.conv2.groups == 2
    assert blk.conv2.weight.shape == (32, 16, 3, 3)  # 1/g of a plain 3x3 convolution
    blk = d2l.ResNeXtBlock(16, groups=4, bot_mul=0.5, use_1x1conv=True, strides=2)
    assert run(blk, (2, 8, 8, 8)).shape == (2, 16, 4, 4)
    assert blk.conv2.weight.shape == (8, 2, 3, 3)


def test_resnet18():
    model = d2l.ResNet18()
    assert run(model, (2, 1, 32, 32)).shape == (2, 10)
    assert num_params(model) == 11178378  # "more than 11 million" in the prose
    # The first stage keeps the stem's 64 channels; later stages may change them
    small = d2l.ResNet(arch=((1, 64), (1, 16)), num_classes=3)
    assert run(small, (2, 1, 16, 16)).shape == (2, 3)


def test_densenet_parts():
    blk = d2l.DenseBlock(2, 10)
    Y = run(blk, (4, 3, 8, 8))
    assert Y.shape == (4, 23, 8, 8)
    assert run(d2l.transition_block(10), Y.shape).shape == (4, 10, 4, 4)
    assert run(d2l.conv_block(5), (1, 2, 4, 4)).shape == (1, 5, 4, 4)


def test_densenet():
    model = d2l.DenseNet()
    assert run(model, (2, 1, 32, 32)).shape == (2, 10)
    assert num_params(model) == 758226  # "more than 700 thousand" in the prose
    # 64 -> 192 -> 96 -> 224 -> 112 -> 240 -> 120 -> 248 channels
    assert model.net.last[0].num_features == 248


def test_anynet_and_regnet():
    model = d2l.RegNetX32()
    assert run(model, (2, 1, 32, 32)).shape == (2, 10)
    assert [blk.conv2.groups for blk in model.net.stage1] == [2] * 4
    assert [blk.conv2.groups for blk in model.net.stage2] == [5] * 6
    model = d2l.AnyNet(arch=((1, 8, 2, 1), (2, 16, 4, 0.5)), stem_channels=4, num_classes=3)
    assert run(model, (2, 1, 16, 16)).shape == (2, 3)
