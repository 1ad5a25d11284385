"""Tests for the compatibility names of the appendix section "工具函数" (sec_utils).

Every volume-1 name of d2l 1.0.3's and d2l-zh 2.0's torch.py exists in our library; the
functional-style helpers (load_data_*, train_ch3/ch6/ch8, seq2seq, ...) have the reference's
signatures and behaviour. Runs on the CPU in seconds; the Fashion-MNIST and Time Machine
tests use the offline data ($D2L_DATA_DIR or Debian's dataset-fashion-mnist).
"""
import inspect
import io
import os
import tarfile
import zipfile
from contextlib import redirect_stdout

import matplotlib
import pytest
import torch
from torch import nn

from d2l import torch as d2l

matplotlib.use('Agg')

# The volume-1 names of the two reference libraries (d2l 1.0.3 and d2l-zh 2.0's torch.py)
# that our library did not have before this section existed.
COMPAT_NAMES = '''
synthetic_data linreg squared_loss sgd load_array get_fashion_mnist_labels
get_dataloader_workers load_data_fashion_mnist accuracy evaluate_accuracy train_epoch_ch3
Animator train_ch3 predict_ch3 evaluate_loss download_extract download_all
evaluate_accuracy_gpu train_ch6 read_time_machine tokenize count_corpus
load_corpus_time_machine seq_data_iter_random seq_data_iter_sequential SeqDataLoader
load_data_time_machine RNNModelScratch predict_ch8 grad_clipping train_epoch_ch8 train_ch8
RNNModel read_data_nmt preprocess_nmt tokenize_nmt truncate_pad build_array_nmt
load_data_nmt sequence_mask MaskedSoftmaxCELoss train_seq2seq predict_seq2seq
transpose_qkv transpose_output EncoderBlock nn_Module swapaxes repeat accept_2_0_sizes
'''.split()

# Reference signatures (parameter names in order) that callers pass positionally or by name
SIGNATURES = {
    'synthetic_data': ['w', 'b', 'num_examples'],
    'load_array': ['data_arrays', 'batch_size', 'is_train'],
    'sgd': ['params', 'lr', 'batch_size'],
    'load_data_fashion_mnist': ['batch_size', 'resize'],
    'train_ch3': ['net', 'train_iter', 'test_iter', 'loss', 'num_epochs', 'updater'],
    'train_ch6': ['net', 'train_iter', 'test_iter', 'num_epochs', 'lr', 'device'],
    'train_ch8': ['net', 'train_iter', 'vocab', 'lr', 'num_epochs', 'device', 'use_random_iter'],
    'evaluate_accuracy_gpu': ['net', 'data_iter', 'device'],
    'predict_ch8': ['prefix', 'num_preds', 'net', 'vocab', 'device'],
    'load_data_time_machine': ['batch_size', 'num_steps', 'use_random_iter', 'max_tokens'],
    'load_data_nmt': ['batch_size', 'num_steps', 'num_examples'],
    'train_seq2seq': ['net', 'data_iter', 'lr', 'num_epochs', 'tgt_vocab', 'device'],
    'predict_seq2seq': ['net', 'src_sentence', 'src_vocab', 'tgt_vocab', 'num_steps',
                        'device', 'save_attention_weights'],
}


def have_fashion_mnist():
    return d2l.find_fashion_mnist_file('train-images-idx3-ubyte') is not None


def have_file(name):
    return any(os.path.isfile(os.path.join(d, name)) for d in d2l.data_dirs())


needs_fmnist = pytest.mark.skipif(not have_fashion_mnist(), reason='no Fashion-MNIST offline')
needs_tm = pytest.mark.skipif(not have_file('timemachine.txt'), reason='no timemachine.txt')
needs_nmt = pytest.mark.skipif(not have_file(os.path.join('fra-eng', 'fra.txt')),
                               reason='no fra-eng/fra.txt')


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(d2l, 'QUICK', True)


def test_every_compat_name_exists():
    missing = [n for n in COMPAT_NAMES if not hasattr(d2l, n)]
    assert missing == []


@pytest.mark.parametrize('name', sorted(SIGNATURES))
def test_reference_signatures(name):
    params = list(inspect.signature(getattr(d2l, name)).parameters)
    assert params[:len(SIGNATURES[name])] == SIGNATURES[name]


def test_aliases():
    assert d2l.nn_Module is nn.Module
    x = torch.arange(6).reshape(2, 3)
    assert d2l.swapaxes(x, 0, 1).shape == (3, 2)
    assert d2l.repeat(x, 2, 1).shape == (4, 3)


def test_quick_helpers(monkeypatch):
    monkeypatch.setattr(d2l, 'QUICK', False)
    assert d2l.quick_epochs(7) == 7 and len(list(d2l.quick_batches(range(30)))) == 30
    monkeypatch.setattr(d2l, 'QUICK', True)
    assert d2l.quick_epochs(7) == 2 and d2l.quick_epochs(1) == 1
    assert list(d2l.quick_batches(range(30))) == list(range(10))
    assert list(d2l.quick_batches(range(30), limit=3)) == [0, 1, 2]
    loader = d2l.load_array((torch.arange(100), torch.arange(100)), 50, is_train=False)
    cut = list(d2l.quick_batches(loader, limit=1, max_examples=8))
    assert len(cut) == 1 and [len(t) for t in cut[0]] == [8, 8]
    monkeypatch.setattr(d2l, 'QUICK', False)
    assert [len(b[0]) for b in d2l.quick_batches(loader, 1, 8)] == [50, 50]
    loader = d2l.load_array((torch.ones(4, 2),), 2)
    assert d2l.loader_to(loader, 'cpu').tensors[0].device.type == 'cpu'
    assert d2l.loader_to([1, 2], 'cpu') == [1, 2]


def test_linear_regression_from_scratch_recovers_weights():
    torch.manual_seed(0)
    true_w, true_b = torch.tensor([2, -3.4]), 4.2
    X, y = d2l.synthetic_data(true_w, true_b, 1000)
    assert X.shape == (1000, 2) and y.shape == (1000, 1)
    assert (y - (X @ true_w + true_b).reshape(-1, 1)).std() < 0.02
    w = torch.zeros((2, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    batches = d2l.load_array((X, y), 10)
    assert len(batches) == 100
    for _ in range(3):
        for Xb, yb in batches:
            losses = d2l.squared_loss(d2l.linreg(Xb, w, b), yb)
            assert losses.shape == (len(yb), 1)
            losses.sum().backward()
            d2l.sgd([w, b], 0.03, 10)
    assert torch.allclose(w.reshape(-1), true_w, atol=0.01)
    assert abs(float(b.detach()) - true_b) < 0.01
    assert w.grad.abs().sum() == 0  # sgd zeroes the gradients


def test_load_array_order():
    X = torch.arange(10.)
    assert torch.cat([b[0] for b in d2l.load_array((X,), 3, is_train=False)]).equal(X)
    shuffled = torch.cat([b[0] for b in d2l.load_array((X,), 3)])
    assert sorted(shuffled.tolist()) == X.tolist()


def test_squared_loss_value():
    assert d2l.squared_loss(torch.tensor([[3.]]), torch.tensor([1.])).item() == 2.0


def test_labels_and_workers():
    assert d2l.get_fashion_mnist_labels([0, 9, torch.tensor(3)]) == [
        't-shirt', 'ankle boot', 'dress']
    assert d2l.get_dataloader_workers() == 0


def test_accuracy_counts_and_evaluate():
    y_hat = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    y = torch.tensor([1, 1, 1])
    assert d2l.accuracy(y_hat, y) == 2.0
    net = nn.Sequential(nn.Linear(2, 2))
    X = torch.randn(20, 2)
    labels = net(X).argmax(1)
    it = d2l.load_array((X, labels), 7, is_train=False)
    assert d2l.evaluate_accuracy(net, it) == 1.0
    assert d2l.evaluate_accuracy_gpu(net, it, d2l.cpu()) == 1.0
    assert d2l.evaluate_accuracy(net, d2l.load_array((X, 1 - labels), 7)) == 0.0
    # A plain function as the net (from-scratch models) works too
    assert d2l.evaluate_accuracy(lambda X: net(X), it) == 1.0


def test_evaluate_loss_is_mean_per_example():
    net = nn.Linear(1, 1)
    with torch.no_grad():
        net.weight.fill_(1.0)
        net.bias.fill_(0.0)
    X = torch.tensor([[1.], [2.], [3.], [4.]])
    y = torch.tensor([2., 2., 2., 2.])
    loss = nn.MSELoss(reduction='none')
    assert d2l.evaluate_loss(net, d2l.load_array((X, y), 3, False), loss) == pytest.approx(1.5)


def test_animator_records_lines_with_progressboard():
    anim = d2l.Animator(xlabel='epoch', legend=['a', 'b'], fmts=('-', 'm--'))
    assert isinstance(anim.board, d2l.ProgressBoard)
    anim.add(1, [0.5, 0.25])
    anim.add(2, (0.4, None))  # None skips a line for this x
    anim.add([3, 3], [0.3, 0.2])
    assert anim.board.data['a'] == ([1.0, 2.0, 3.0], [0.5, 0.4, 0.3])
    assert anim.board.data['b'] == ([1.0, 3.0], [0.25, 0.2])
    assert anim.board.colors[:2] == ['C0', 'm'] and anim.board.ls[:2] == ['-', '--']
    single = d2l.Animator()
    single.add(1, 2.0)
    assert list(single.board.data.values()) == [([1.0], [2.0])]


def _separable_classification(n=256):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, 1, 4, 4, generator=g)
    y = (X.reshape(n, -1).sum(1) > 0).long()
    return X, y


def test_train_ch3_with_optimizer_and_scratch_updater(quick):
    X, y = _separable_classification()
    train_iter = d2l.load_array((X, y), 32)
    test_iter = d2l.load_array((X, y), 64, False)
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    loss = nn.CrossEntropyLoss(reduction='none')
    before = d2l.evaluate_accuracy(net, test_iter)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    mean_loss, acc = d2l.train_epoch_ch3(net, train_iter, loss, opt)
    assert mean_loss > 0 and 0 <= acc <= 1
    assert d2l.train_ch3(net, train_iter, test_iter, loss, 5, opt) is None
    assert d2l.evaluate_accuracy(net, test_iter) > max(before, 0.8)
    # From scratch: parameters and an updater(batch_size)
    W = torch.zeros(16, 2, requires_grad=True)
    b = torch.zeros(2, requires_grad=True)

    def scratch(X):
        return X.reshape(-1, 16) @ W + b

    d2l.train_ch3(scratch, train_iter, test_iter, loss, 3,
                  lambda batch_size: d2l.sgd([W, b], 0.5, batch_size))
    assert d2l.evaluate_accuracy(scratch, test_iter) > 0.8


def test_predict_ch3_titles():
    X, y = _separable_classification(8)
    X = X.repeat(1, 1, 7, 7)  # 28x28 images
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    d2l.predict_ch3(net, d2l.load_array((X, y), 8, False), n=4)
    titles = [ax.get_title() for ax in d2l.plt.gcf().axes]
    assert len(titles) == 4 and all('\n' in t for t in titles)
    d2l.plt.close('all')


def test_train_ch6_prints_metrics(quick):
    X, y = _separable_classification()
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                        nn.Linear(64, 2))
    out = io.StringIO()
    with redirect_stdout(out):
        d2l.train_ch6(net, d2l.load_array((X, y), 32), d2l.load_array((X, y), 64, False),
                      3, 0.5, d2l.cpu())
    text = out.getvalue()
    assert 'training on cpu' in text and 'train acc' in text and 'examples/sec' in text
    acc = float(text.split('test acc ')[1].split()[0])
    assert acc > 0.7


@needs_fmnist
def test_load_data_fashion_mnist_shapes(quick):
    train_iter, test_iter = d2l.load_data_fashion_mnist(32, resize=64)
    X, y = next(iter(train_iter))
    assert X.shape == (32, 1, 64, 64) and X.dtype == torch.float32 and y.dtype == torch.int64
    assert 0 <= float(X.min()) and float(X.max()) <= 1
    X, _ = next(iter(d2l.load_data_fashion_mnist(16)[1]))
    assert X.shape == (16, 1, 28, 28)


@needs_fmnist
def test_fashion_mnist_indexing_matches_reference():
    data = d2l.FashionMNIST()
    X, y = data.train[0]
    assert X.shape == (1, 28, 28) and X.dtype == torch.float32 and isinstance(y, int)
    assert torch.equal(X, data.train.tensors[0][0].float().unsqueeze(0) / 255)
    Xs, ys = data.val[:5]
    assert Xs.shape == (5, 1, 28, 28) and ys.shape == (5,)
    assert len(data.train) == len(data.train.tensors[0])
    assert d2l.FashionMNIST(resize=(32, 32)).train[3][0].shape == (1, 32, 32)


def test_image_tensor_dataset_with_dataloader():
    images = torch.randint(0, 256, (10, 4, 4), dtype=torch.uint8)
    labels = torch.arange(10)
    ds = d2l.ImageTensorDataset(images, labels, lambda X, y: (X.unsqueeze(1).float(), y))
    X, y = next(iter(torch.utils.data.DataLoader(ds, batch_size=4)))
    assert X.shape == (4, 1, 4, 4) and y.tolist() == [0, 1, 2, 3]


@needs_tm
def test_time_machine_corpus_and_tokenize():
    lines = d2l.read_time_machine()
    assert lines[0] == 'the time machine by h g wells'
    assert d2l.tokenize(['ab c'], 'char') == [['a', 'b', ' ', 'c']]
    assert d2l.tokenize(['ab c']) == [['ab', 'c']]
    with pytest.raises(ValueError):
        d2l.tokenize(['x'], 'byte')
    assert d2l.count_corpus([['a', 'b'], ['a']]) == {'a': 2, 'b': 1}
    assert d2l.count_corpus(['a', 'a']) == {'a': 2}
    corpus, vocab = d2l.load_corpus_time_machine()
    assert len(vocab) == 28 and len(corpus) > 150000
    assert len(d2l.load_corpus_time_machine(1000)[0]) == 1000


def test_seq_data_iterators_cover_the_corpus():
    corpus = list(range(35))
    seen = []
    for X, Y in d2l.seq_data_iter_random(corpus, 2, 5):
        assert X.shape == (2, 5) and torch.equal(Y, X + 1)
        seen += X[:, 0].tolist()
    assert len(seen) == len(set(seen)) >= 4
    batches = list(d2l.seq_data_iter_sequential(corpus, 2, 5))
    for (X1, _), (X2, _) in zip(batches, batches[1:]):
        assert torch.equal(X2[:, 0], X1[:, -1] + 1)  # rows continue across batches
    assert all(torch.equal(Y, X + 1) for X, Y in batches)


@needs_tm
def test_load_data_time_machine_quick_mode_caps_tokens(quick):
    data_iter, vocab = d2l.load_data_time_machine(32, 35)
    assert len(data_iter.corpus) == 2 * 32 * 35
    assert len(list(data_iter)) == 1
    random_iter, _ = d2l.load_data_time_machine(32, 35, use_random_iter=True)
    assert len(list(random_iter)) == 1


@needs_tm
def test_train_ch8_scratch_and_concise(quick):
    train_iter, vocab = d2l.load_data_time_machine(32, 35)
    assert isinstance(train_iter, d2l.SeqDataLoader)
    V, H = len(vocab), 32

    def get_params(vocab_size, num_hiddens, device):
        shapes = [(V, H), (H, H), (H,), (H, V), (V,)]
        params = [(torch.randn(s, device=device) * 0.01) for s in shapes]
        return [p.requires_grad_() for p in params]

    def init_state(batch_size, num_hiddens, device):
        return (torch.zeros((batch_size, num_hiddens), device=device),)

    def rnn(inputs, state, params):
        W_xh, W_hh, b_h, W_hq, b_q = params
        H, = state
        outputs = []
        for X in inputs:
            H = torch.tanh(X @ W_xh + H @ W_hh + b_h)
            outputs.append(H @ W_hq + b_q)
        return torch.cat(outputs, dim=0), (H,)

    net = d2l.RNNModelScratch(V, H, d2l.cpu(), get_params, init_state, rnn)
    Y, state = net(torch.zeros((2, 5), dtype=torch.long), net.begin_state(2, d2l.cpu()))
    assert Y.shape == (10, V) and state[0].shape == (2, H)
    text = d2l.predict_ch8('time ', 10, net, vocab, d2l.cpu())
    assert text.startswith('time ') and len(text) == 15
    out = io.StringIO()
    with redirect_stdout(out):
        d2l.train_ch8(net, train_iter, vocab, 1, 5, d2l.cpu())
    assert 'perplexity' in out.getvalue() and 'time traveller' in out.getvalue()
    for layer in (nn.GRU(V, H), nn.LSTM(V, H, bidirectional=True)):
        model = d2l.RNNModel(layer, V)
        state = model.begin_state(d2l.cpu(), batch_size=3)
        Y, _ = model(torch.zeros((3, 4), dtype=torch.long), state)
        assert Y.shape == (12, V)
        ppl, speed = d2l.train_epoch_ch8(model, train_iter, nn.CrossEntropyLoss(),
                                         torch.optim.SGD(model.parameters(), 1), d2l.cpu(),
                                         True)
        assert 1 < ppl < 60 and speed > 0


def test_grad_clipping_module_and_scratch():
    net = nn.Linear(3, 1)
    net(torch.ones(1, 3) * 100).sum().backward()
    d2l.grad_clipping(net, 1.0)
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in net.parameters()))
    assert norm == pytest.approx(1.0, rel=1e-4)
    scratch = type('S', (), {})()
    scratch.params = [torch.ones(2, requires_grad=True)]
    (scratch.params[0] * 0.1).sum().backward()
    d2l.grad_clipping(scratch, 1.0)  # below the threshold: unchanged
    assert torch.allclose(scratch.params[0].grad, torch.full((2,), 0.1))


def test_nmt_text_helpers():
    text = d2l.preprocess_nmt('Go.\tVa !\nHi\u202fthere!\tSalut!')
    assert text == 'go .\tva !\nhi there !\tsalut !'
    src, tgt = d2l.tokenize_nmt(text)
    assert src == [['go', '.'], ['hi', 'there', '!']] and tgt[1] == ['salut', '!']
    assert d2l.tokenize_nmt(text, 1)[0] == [['go', '.']]
    assert d2l.truncate_pad([1, 2], 4, 0) == [1, 2, 0, 0]
    assert d2l.truncate_pad([1, 2, 3], 2, 0) == [1, 2]
    vocab = d2l.Vocab(src, reserved_tokens=['<pad>', '<bos>', '<eos>'])
    array, valid = d2l.build_array_nmt(src, vocab, 4)
    assert array.shape == (2, 4) and valid.tolist() == [3, 4]
    assert array[0, 2] == vocab['<eos>'] and array[0, 3] == vocab['<pad>']


def test_sequence_mask_and_masked_loss():
    X = torch.ones(2, 3)
    assert d2l.sequence_mask(X, torch.tensor([1, 2])).tolist() == [[1, 0, 0], [1, 1, 0]]
    X3 = torch.ones(2, 3, 4)
    assert d2l.sequence_mask(X3, torch.tensor([1, 2]), value=-1)[0, 1].tolist() == [-1] * 4
    loss = d2l.MaskedSoftmaxCELoss()
    pred = torch.zeros(3, 4, 10)
    per_seq = loss(pred, torch.ones((3, 4), dtype=torch.long), torch.tensor([4, 2, 0]))
    assert torch.allclose(per_seq, torch.tensor([2.3026, 1.1513, 0.0]), atol=1e-4)


@needs_nmt
def test_seq2seq_train_and_predict(quick):
    data_iter, src_vocab, tgt_vocab = d2l.load_data_nmt(64, 8)
    X, X_len, Y, Y_len = next(iter(data_iter))
    assert X.shape == (64, 8) and Y.shape == (64, 8) and X_len.max() <= 8
    assert 'raw' not in d2l.read_data_nmt()[:10] and '\t' in d2l.read_data_nmt()
    encoder = d2l.Seq2SeqEncoder(len(src_vocab), 16, 16, 1)
    decoder = d2l.Seq2SeqDecoder(len(tgt_vocab), 16, 16, 1)
    net = d2l.EncoderDecoder(encoder, decoder)
    out = io.StringIO()
    with redirect_stdout(out):
        d2l.train_seq2seq(net, data_iter, 0.005, 3, tgt_vocab, d2l.cpu())
    assert 'tokens/sec' in out.getvalue()
    translation, weights = d2l.predict_seq2seq(net, 'go .', src_vocab, tgt_vocab, 8,
                                               d2l.cpu())
    assert isinstance(translation, str) and weights == []
    assert len(translation.split()) <= 8


class _MeanEncoder(d2l.Encoder):
    def forward(self, X, *args):
        return X.float().mean(1, keepdim=True)


class _ConcatDecoder(d2l.Decoder):
    def __init__(self, vocab_size):
        super().__init__()
        self.embedding, self.dense = nn.Embedding(vocab_size, 4), nn.Linear(5, vocab_size)

    def init_state(self, enc_all_outputs, *args):
        return enc_all_outputs

    def forward(self, X, state):
        ctx = state.unsqueeze(-1).expand(-1, X.shape[1], 1)
        return self.dense(torch.cat([self.embedding(X), ctx], -1)), state + 1


def test_encoder_decoder_output_serves_both_editions():
    """1.0 code uses net(...) as the output; d2l-zh 2.0 code unpacks (output, state)."""
    torch.manual_seed(0)
    net = d2l.EncoderDecoder(_MeanEncoder(), _ConcatDecoder(10))
    X = torch.randint(0, 10, (3, 4))
    Y_hat = net(X, X)
    assert isinstance(Y_hat, torch.Tensor) and Y_hat.shape == (3, 4, 10)
    expected, state = net.decoder(X, net.decoder.init_state(net.encoder(X)))
    Y, st = net(X, X)  # unpacking gives the decoder's two results
    assert type(Y) is torch.Tensor and torch.equal(Y, expected) and torch.equal(st, state)
    # every operation returns plain tensors, and gradients reach the parameters
    assert type(Y_hat.reshape(-1, 10)) is torch.Tensor and type(Y_hat + 1) is torch.Tensor
    assert torch.equal(Y_hat.argmax(2), expected.argmax(2))
    loss = net.loss(Y_hat, X)
    assert type(loss) is torch.Tensor
    loss.backward()
    assert net.decoder.dense.weight.grad.abs().sum() > 0
    # the early versions' own training loop (Y_hat, _ = net(...)) trains the model too
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    losses = []
    for _ in range(20):
        Y_hat, _ = net(X, X)
        loss = nn.functional.cross_entropy(Y_hat.reshape(-1, 10), X.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < losses[0]
    assert d2l._decoder_output(net(X, X)).shape == (3, 4, 10)
    assert d2l._decoder_output(tuple(net(X, X))).shape == (3, 4, 10)


def test_transpose_qkv_round_trip_and_encoder_block():
    X = torch.randn(2, 5, 24)
    Y = d2l.transpose_qkv(X, 4)
    assert Y.shape == (8, 5, 6)
    assert torch.equal(d2l.transpose_output(Y, 4), X)
    mha = d2l.MultiHeadAttention(24, 4, 0.0)
    assert torch.equal(Y, mha.transpose_qkv(X))
    blk = d2l.EncoderBlock(24, 24, 24, 24, [5, 24], 24, 48, 4, 0.0)
    blk.eval()
    assert blk(X, torch.tensor([3, 2])).shape == (2, 5, 24)


def test_download_extract_and_download_all(tmp_path, monkeypatch):
    src = tmp_path / 'src'
    src.mkdir()
    with zipfile.ZipFile(src / 'pack.zip', 'w') as z:
        z.writestr('pack/a.txt', 'hello')
    with tarfile.open(src / 'other.tar', 'w') as t:
        (src / 'b.txt').write_text('x')
        t.add(src / 'b.txt', 'other/b.txt')
    data = tmp_path / 'data'
    monkeypatch.setenv('D2L_DATA_DIR', str(data))
    monkeypatch.chdir(tmp_path / 'src')
    monkeypatch.setattr(d2l, 'DATA_HUB', {
        'pack': ((src / 'pack.zip').as_uri(), d2l.sha1_file(src / 'pack.zip')),
        'other': ((src / 'other.tar').as_uri(), None)})
    (tmp_path / 'data').mkdir()
    monkeypatch.setattr(d2l, 'data_dirs', lambda folder=None: [str(data)])
    with redirect_stdout(io.StringIO()):
        folder = d2l.download_extract('pack')
        assert open(os.path.join(folder, 'a.txt')).read() == 'hello'
        assert d2l.download_extract('other', 'other').endswith('other')
        d2l.download_all()
    assert sorted(os.listdir(data / '..' / 'data')) >= ['other', 'other.tar']


def test_attention_layers_accept_both_signatures():
    q, k, v = torch.randn(2, 1, 20), torch.randn(2, 10, 2), torch.randn(2, 10, 4)
    lens = torch.tensor([2, 6])
    old = d2l.AdditiveAttention(2, 20, 8, 0.0)  # 2.0: key_size, query_size, num_hiddens, dropout
    new = d2l.AdditiveAttention(8, 0.0)
    outputs = []
    for layer in (old, new):
        torch.manual_seed(0)  # the lazy layers draw their weights at the first call
        outputs.append(layer(q, k, v, lens))
    assert torch.equal(*outputs)
    assert d2l.AdditiveAttention(num_hiddens=8, dropout=0.0, key_size=2).W_k.out_features == 8
    mha = d2l.MultiHeadAttention(20, 2, 4, 8, 2, 0.0, True)  # 2.0 form, with bias
    assert mha.num_heads == 2 and mha.W_q.bias is not None
    assert mha(q, k, v, lens).shape == (2, 1, 8)
    assert d2l.MultiHeadAttention(8, 4, 0.0).num_heads == 4  # 1.0 form unchanged
    assert d2l.PositionWiseFFN(4, 8, 6)(torch.ones(1, 2, 4)).shape == (1, 2, 6)
    assert d2l.PositionWiseFFN(8, 6)(torch.ones(1, 2, 4)).shape == (1, 2, 6)
    init = d2l.MultiHeadAttention.__init__
    assert d2l.accept_2_0_sizes(init, 3, 6) is init  # wrapping twice changes nothing
    with pytest.raises(TypeError):
        d2l.MultiHeadAttention(1, 2, 3, 4, 5)  # neither form


def test_download_extract_offline_falls_back_to_an_extracted_copy(tmp_path, monkeypatch):
    data = tmp_path / 'data'
    (data / 'corpus').mkdir(parents=True)
    monkeypatch.setattr(d2l, 'DATA_HUB', {'corpus': ('http://127.0.0.1:9/corpus.zip', None)})
    monkeypatch.setattr(d2l, 'data_dirs', lambda folder=None: [str(data)])

    def offline(*args, **kwargs):
        raise OSError('failed to download: offline')
    monkeypatch.setattr(d2l, 'fetch_url', offline)
    with redirect_stdout(io.StringIO()) as out:
        assert d2l.download_extract('corpus') == str(data / 'corpus')
        assert d2l.download_extract('corpus', 'sub') == str(data / 'sub')
    assert 'extracted copy' in out.getvalue()
    (data / 'corpus').rmdir()
    with redirect_stdout(io.StringIO()), pytest.raises(OSError, match='offline'):
        d2l.download_extract('corpus')
