"""Tests for the library names defined in Part I of the book (chapters 3 and 4).

They check that the public API keeps d2l 1.0-compatible names and signatures, that the
training framework really learns, and that the data code (Fashion-MNIST reader, download,
extract) behaves correctly, all without network access (local files and a local HTTP server).
"""
import gzip
import hashlib
import http.server
import inspect
import io
import os
import tarfile
import threading
import zipfile

import numpy as np
import pytest
import torch

from d2l import torch as d2l


def params(obj):
    return list(inspect.signature(obj).parameters)


# ------------------------------------------------------------------ names and signatures

SIGNATURES = {
    'add_to_class': ['Class'],
    'cpu': [],
    'gpu': ['i'],
    'num_gpus': [],
    'try_gpu': ['i'],
    'try_all_gpus': [],
    'download': ['url', 'folder', 'sha1_hash'],
    'extract': ['filename', 'folder'],
    'show_images': ['imgs', 'num_rows', 'num_cols', 'titles', 'scale'],
    'HyperParameters.save_hyperparameters': ['self', 'ignore'],
    'ProgressBoard.draw': ['self', 'x', 'y', 'label', 'every_n'],
    'Module': ['plot_train_per_epoch', 'plot_valid_per_epoch'],
    'Module.loss': ['self', 'y_hat', 'y'],
    'Module.forward': ['self', 'X'],
    'Module.plot': ['self', 'key', 'value', 'train'],
    'Module.training_step': ['self', 'batch'],
    'Module.validation_step': ['self', 'batch'],
    'Module.configure_optimizers': ['self'],
    'Module.apply_init': ['self', 'inputs', 'init'],
    'DataModule': ['root', 'num_workers'],
    'DataModule.get_dataloader': ['self', 'train'],
    'DataModule.train_dataloader': ['self'],
    'DataModule.val_dataloader': ['self'],
    'DataModule.get_tensorloader': ['self', 'tensors', 'train', 'indices'],
    'Trainer': ['max_epochs', 'num_gpus', 'gradient_clip_val'],
    'Trainer.prepare_data': ['self', 'data'],
    'Trainer.prepare_model': ['self', 'model'],
    'Trainer.fit': ['self', 'model', 'data'],
    'Trainer.fit_epoch': ['self'],
    'Trainer.prepare_batch': ['self', 'batch'],
    'Trainer.clip_gradients': ['self', 'grad_clip_val', 'model'],
    'SGD': ['params', 'lr'],
    'SyntheticRegressionData': ['w', 'b', 'noise', 'num_train', 'num_val', 'batch_size'],
    'LinearRegressionScratch': ['num_inputs', 'lr', 'sigma'],
    'LinearRegression': ['lr'],
    'LinearRegression.get_w_b': ['self'],
    'FashionMNIST': ['batch_size', 'resize'],
    'FashionMNIST.text_labels': ['self', 'indices'],
    'FashionMNIST.visualize': ['self', 'batch', 'nrows', 'ncols', 'labels'],
    'Classifier.accuracy': ['self', 'Y_hat', 'Y', 'averaged'],
    'Classifier.validation_step': ['self', 'batch'],
    'Classifier.loss': ['self', 'Y_hat', 'Y', 'averaged'],
    'SoftmaxRegression': ['num_outputs', 'lr'],
    'Accumulator': ['n'],
    'Timer': [],
}


@pytest.mark.parametrize('name', sorted(SIGNATURES))
def test_public_name_and_signature(name):
    obj = d2l
    for part in name.split('.'):
        assert hasattr(obj, part), f'd2l.{name} is missing'
        obj = getattr(obj, part)
    # The d2l 1.0 parameters come first, in this order; extra trailing ones are allowed
    assert params(obj)[:len(SIGNATURES[name])] == SIGNATURES[name]


def test_other_public_names():
    assert isinstance(d2l.DATA_HUB, dict)
    assert d2l.DATA_URL.startswith('http')
    assert isinstance(d2l.QUICK, bool)
    for cls, methods in [(d2l.Timer, ['start', 'stop', 'avg', 'sum', 'cumsum']),
                         (d2l.Accumulator, ['add', 'reset', '__getitem__']),
                         (d2l.SGD, ['step', 'zero_grad'])]:
        for m in methods:
            assert callable(getattr(cls, m)), f'{cls.__name__}.{m}'
    assert d2l.Trainer(max_epochs=1).max_epochs == 1
    assert d2l.FashionMNIST.__init__.__defaults__[:2] == (64, (28, 28))


# ------------------------------------------------------------------ framework pieces

def test_save_hyperparameters_keeps_arguments_only():
    class A(d2l.HyperParameters):
        def __init__(self, a, b=2, *, c=3):
            local = 4  # noqa: F841  (not an argument: must not be saved)
            self.save_hyperparameters(ignore=['b'])

    a = A(1, c=5)
    assert a.hparams == {'a': 1, 'c': 5}
    assert (a.a, a.c) == (1, 5) and not hasattr(a, 'b') and not hasattr(a, 'local')


def test_add_to_class_adds_method():
    class A:
        pass

    @d2l.add_to_class(A)
    def twice(self, x):
        return 2 * x

    assert A().twice(3) == 6


def test_tensor_loader_slices_and_shuffles():
    X = torch.arange(10).reshape(10, 1)
    y = torch.arange(10)
    loader = d2l.TensorLoader((X, y), batch_size=4, shuffle=True)
    assert len(loader) == 3
    epochs = [torch.cat([b[1] for b in loader]) for _ in range(4)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(10))  # every example exactly once
    assert any(not torch.equal(epochs[0], o) for o in epochs[1:])  # a new order per epoch
    for Xb, yb in loader:
        assert torch.equal(Xb[:, 0], yb)  # features and labels stay aligned
    plain = d2l.TensorLoader((X, y), batch_size=4)
    assert [b[1].tolist() for b in plain] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_accumulator_and_timer():
    acc = d2l.Accumulator(2)
    acc.add(1, torch.tensor(2.0))
    acc.add(3, 4)
    assert (acc[0], acc[1]) == (4.0, 6.0)
    acc.reset()
    assert acc[0] == 0.0
    timer = d2l.Timer()
    timer.stop()
    timer.start()
    timer.stop()
    assert len(timer.times) == 2 and timer.sum() >= 0
    assert timer.cumsum()[-1] == pytest.approx(timer.sum())


def test_devices():
    assert d2l.cpu() == torch.device('cpu')
    assert d2l.gpu(1) == torch.device('cuda:1')
    assert d2l.num_gpus() == torch.cuda.device_count()
    assert d2l.Trainer(1).device == torch.device('cpu')
    assert d2l.Trainer(1, num_gpus=1).device == d2l.try_gpu()
    if d2l.num_gpus() == 0:
        assert d2l.try_gpu(5) == d2l.cpu() or d2l.try_gpu(5).type == 'mps'
    else:
        assert d2l.Trainer(1, num_gpus=1).device.type == 'cuda'
        assert d2l.try_all_gpus() == [d2l.gpu(i) for i in range(d2l.num_gpus())]


@pytest.mark.parametrize('concise', [True, False])
def test_trainer_learns_synthetic_linear_data(monkeypatch, concise):
    monkeypatch.setattr(d2l, 'QUICK', False)
    torch.manual_seed(0)
    w, b = torch.tensor([2.0, -3.4]), 4.2
    data = d2l.SyntheticRegressionData(w=w, b=b)
    if concise:
        model = d2l.LinearRegression(lr=0.03)
        epochs = 5
    else:
        model = d2l.LinearRegressionScratch(2, lr=0.06)  # its loss has a factor 1/2
        epochs = 8
    model.board.display = False
    d2l.Trainer(max_epochs=epochs).fit(model, data)
    if concise:
        w_hat, b_hat = model.get_w_b()
    else:
        w_hat, b_hat = model.w.detach(), model.b.detach()
    assert torch.allclose(w_hat.reshape(-1), w, atol=0.02)
    assert abs(float(b_hat) - b) < 0.02


def test_quick_mode_caps_epochs_and_batches(monkeypatch):
    monkeypatch.setattr(d2l, 'QUICK', True)
    data = d2l.SyntheticRegressionData(w=torch.tensor([1.0]), b=0.0, num_train=640,
                                       num_val=640, batch_size=8)
    model = d2l.LinearRegression(lr=0.01)
    model.board.display = False
    trainer = d2l.Trainer(max_epochs=5)
    trainer.fit(model, data)
    assert trainer.num_epochs == 2
    assert (trainer.num_train_batches, trainer.num_val_batches) == (10, 3)
    assert (trainer.train_batch_idx, trainer.val_batch_idx) == (20, 6)


def test_validation_runs_without_gradients(monkeypatch):
    monkeypatch.setattr(d2l, 'QUICK', False)
    seen = {'train': [], 'val': []}

    class Probe(d2l.LinearRegression):
        def training_step(self, batch):
            seen['train'].append(torch.is_grad_enabled() and self.training)
            return super().training_step(batch)

        def validation_step(self, batch):
            seen['val'].append(torch.is_grad_enabled() or self.training)
            return super().validation_step(batch)

    data = d2l.SyntheticRegressionData(w=torch.tensor([1.0]), b=0.0, num_train=64,
                                       num_val=64)
    model = Probe(lr=0.01)
    model.board.display = False
    d2l.Trainer(max_epochs=1).fit(model, data)
    assert seen['train'] and all(seen['train'])
    assert seen['val'] and not any(seen['val'])


def test_clip_gradients_bounds_the_norm():
    model = torch.nn.Linear(3, 2)
    for p in model.parameters():
        p.grad = torch.full_like(p, 10.0)
    d2l.Trainer(1).clip_gradients(1.0, model)
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    assert norm == pytest.approx(1.0, rel=1e-4)
    d2l.Trainer(1).clip_gradients(100.0, model)  # Below the threshold: unchanged
    norm2 = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    assert norm2 == pytest.approx(1.0, rel=1e-4)


def test_classifier_accuracy_and_loss():
    model = d2l.SoftmaxRegression(num_outputs=3, lr=0.1)
    Y_hat = torch.tensor([[0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.5, 0.2, 0.3]])
    Y = torch.tensor([1, 0, 2])
    assert float(model.accuracy(Y_hat, Y)) == pytest.approx(2 / 3)
    assert model.accuracy(Y_hat, Y, averaged=False).tolist() == [1.0, 1.0, 0.0]
    logits = torch.tensor([[100.0, 0.0, -100.0]])
    assert float(model.loss(logits, torch.tensor([1]))) == pytest.approx(100.0)
    assert model.loss(Y_hat, Y, averaged=False).shape == (3,)


# ------------------------------------------------------------------ Fashion-MNIST reader

def idx_bytes(array):
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(
        int(n).to_bytes(4, 'big') for n in array.shape)
    return header + array.tobytes()


@pytest.fixture
def fashion_fixture(tmp_path, monkeypatch):
    """A tiny Fashion-MNIST in IDX format: 50 training and 20 test images."""
    rng = np.random.default_rng(0)
    folder = tmp_path / 'data' / 'fashion-mnist'
    folder.mkdir(parents=True)
    arrays = {
        'train-images-idx3-ubyte': rng.integers(0, 256, (50, 28, 28)),
        'train-labels-idx1-ubyte': np.arange(50) % 10,
        't10k-images-idx3-ubyte': rng.integers(0, 256, (20, 28, 28)),
        't10k-labels-idx1-ubyte': (np.arange(20) * 3) % 10,
    }
    for i, (name, array) in enumerate(arrays.items()):
        if i % 2 == 0:  # both gzip-compressed and plain files must be readable
            (folder / (name + '.gz')).write_bytes(gzip.compress(idx_bytes(array)))
        else:
            (folder / name).write_bytes(idx_bytes(array))
    monkeypatch.setenv('D2L_DATA_DIR', str(tmp_path / 'data'))
    monkeypatch.setattr(d2l, 'QUICK', False)
    return arrays


def test_fashion_mnist_loader(fashion_fixture, tmp_path):
    data = d2l.FashionMNIST(batch_size=8, root=str(tmp_path / 'empty'))
    assert (len(data.train), len(data.val)) == (50, 20)
    assert len(data.train_dataloader()) == 7 and len(data.val_dataloader()) == 3
    X, y = next(iter(data.train_dataloader()))
    assert X.shape == (8, 1, 28, 28) and X.dtype == torch.float32
    assert y.shape == (8,) and y.dtype == torch.int64
    assert 0.0 <= float(X.min()) and float(X.max()) <= 1.0
    # Validation batches come in file order, with pixels scaled by 1/255
    Xv, yv = next(iter(data.val_dataloader()))
    expected = torch.from_numpy(fashion_fixture['t10k-images-idx3-ubyte'][:8].astype(np.float32))
    assert torch.allclose(Xv[:, 0] * 255, expected, atol=1e-3)
    assert yv.tolist() == fashion_fixture['t10k-labels-idx1-ubyte'][:8].tolist()
    # Class counts over one epoch of training data: every image exactly once
    labels = torch.cat([b[1] for b in data.train_dataloader()])
    assert torch.bincount(labels, minlength=10).tolist() == [5] * 10
    assert data.text_labels([0, 9]) == ['t-shirt', 'ankle boot']


def test_fashion_mnist_resize_and_quick(fashion_fixture, tmp_path, monkeypatch):
    data = d2l.FashionMNIST(batch_size=16, resize=(32, 32), root=str(tmp_path / 'empty'))
    X, _ = next(iter(data.val_dataloader()))
    assert X.shape == (16, 1, 32, 32)
    monkeypatch.setattr(d2l, 'QUICK', True)  # caps: 2048 train, 256 val images
    small = d2l.FashionMNIST(batch_size=16, root=str(tmp_path / 'empty'))
    assert (len(small.train), len(small.val)) == (50, 20)
    # Quick mode also caps the batch size, but keeps the image size the reader asked for:
    # models such as the vision Transformer are built for exactly that size
    big = d2l.FashionMNIST(batch_size=128, resize=(224, 224), root=str(tmp_path / 'empty'))
    assert (big.batch_size, big.resize) == (16, (224, 224))
    X, _ = next(iter(big.train_dataloader()))
    assert X.shape == (16, 1, 224, 224)
    sizes = [d2l.FashionMNIST(resize=(side, side), root=str(tmp_path / 'empty')).resize[0]
             for side in (28, 32, 64, 96)]
    assert sizes == [28, 32, 64, 96]
    monkeypatch.setattr(d2l, 'QUICK', False)
    full = d2l.FashionMNIST(batch_size=128, resize=(224, 224), root=str(tmp_path / 'empty'))
    assert (full.batch_size, full.resize) == (128, (224, 224))


def test_quick_cap(monkeypatch):
    monkeypatch.setattr(d2l, 'QUICK', True)
    assert (d2l.quick_cap(500, 50), d2l.quick_cap(5, 50)) == (50, 5)
    assert (d2l.train_steps(600), d2l.train_steps(7)) == (range(50), range(7))
    monkeypatch.setattr(d2l, 'QUICK', False)
    assert d2l.quick_cap(500, 50) == 500
    assert d2l.train_steps(600) == range(600)


def test_read_idx_rejects_truncated_file(tmp_path):
    path = tmp_path / 'bad-idx1-ubyte'
    path.write_bytes(idx_bytes(np.arange(10))[:-3])
    with pytest.raises(ValueError, match='shape'):
        d2l.read_idx(str(path))
    path.write_bytes(b'not an idx file')
    with pytest.raises(ValueError, match='IDX'):
        d2l.read_idx(str(path))


# ------------------------------------------------------------------ download and extract

def test_download_checks_sha1(tmp_path, monkeypatch):
    monkeypatch.delenv('D2L_DATA_DIR', raising=False)
    src = tmp_path / 'src' / 'data.bin'
    src.parent.mkdir()
    src.write_bytes(b'hello d2l' * 100)
    good = hashlib.sha1(src.read_bytes()).hexdigest()
    url = src.as_uri()
    folder = tmp_path / 'cache'
    with pytest.raises(ValueError) as err:
        d2l.download(url, str(folder), sha1_hash='0' * 40)
    message = str(err.value)
    assert 'data.bin' in message and '0' * 40 in message and good in message
    assert not (folder / 'data.bin').exists() and not (folder / 'data.bin.part').exists()
    path = d2l.download(url, str(folder), sha1_hash=good)
    assert open(path, 'rb').read() == src.read_bytes()
    src.unlink()  # A cached file with the right hash is used without fetching
    assert d2l.download(url, str(folder), sha1_hash=good) == path
    d2l.DATA_HUB['test_data_bin'] = (url, good)
    try:
        assert d2l.download('test_data_bin', str(folder)) == path
    finally:
        del d2l.DATA_HUB['test_data_bin']


class FlakyHandler(http.server.BaseHTTPRequestHandler):
    """Serves PAYLOAD; the first request is cut off halfway, later ones honour Range."""
    payload = bytes(range(256)) * 64
    requests = []

    def do_GET(self):
        rng = self.headers.get('Range')
        type(self).requests.append(rng)
        if len(type(self).requests) == 1:
            self.send_response(200)
            self.send_header('Content-Length', str(len(self.payload)))
            self.end_headers()
            self.wfile.write(self.payload[:len(self.payload) // 2])
            self.close_connection = True
            return
        start = int(rng.split('=')[1].split('-')[0]) if rng else 0
        self.send_response(206 if rng else 200)
        self.send_header('Content-Length', str(len(self.payload) - start))
        self.end_headers()
        self.wfile.write(self.payload[start:])

    def log_message(self, *args):
        pass


def test_download_resumes_broken_transfer(tmp_path, monkeypatch):
    monkeypatch.delenv('D2L_DATA_DIR', raising=False)
    monkeypatch.setattr(d2l.time, 'sleep', lambda s: None)
    FlakyHandler.requests = []
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), FlakyHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f'http://127.0.0.1:{server.server_address[1]}/blob.bin'
        sha1 = hashlib.sha1(FlakyHandler.payload).hexdigest()
        path = d2l.download(url, str(tmp_path), sha1_hash=sha1)
    finally:
        server.shutdown()
        server.server_close()
    assert open(path, 'rb').read() == FlakyHandler.payload
    half = len(FlakyHandler.payload) // 2
    assert FlakyHandler.requests == [None, f'bytes={half}-']


def make_zip(path, names):
    with zipfile.ZipFile(path, 'w') as z:
        for name in names:
            z.writestr(name, 'x')


def make_tar(path, members):
    with tarfile.open(path, 'w') as t:
        for name, kind, target in members:
            info = tarfile.TarInfo(name)
            if kind == 'sym':
                info.type, info.linkname = tarfile.SYMTYPE, target
                t.addfile(info)
            else:
                info.size = 1
                t.addfile(info, io.BytesIO(b'x'))


def test_extract_normal_archives(tmp_path):
    make_zip(tmp_path / 'ok.zip', ['a/b.txt', 'c.txt'])
    out = tmp_path / 'out'
    d2l.extract(str(tmp_path / 'ok.zip'), str(out))
    assert (out / 'a' / 'b.txt').read_text() == 'x'
    make_tar(tmp_path / 'ok.tar', [('d/e.txt', 'file', None), ('d/link', 'sym', 'e.txt')])
    d2l.extract(str(tmp_path / 'ok.tar'), str(out))
    assert (out / 'd' / 'e.txt').exists()


@pytest.mark.parametrize('kind', ['zip', 'tar', 'tar-abs', 'tar-symlink'])
def test_extract_rejects_path_traversal(tmp_path, kind):
    out = tmp_path / 'out'
    out.mkdir()
    archive = tmp_path / ('evil.zip' if kind == 'zip' else 'evil.tar')
    if kind == 'zip':
        make_zip(archive, ['fine.txt', '../escaped.txt'])
    elif kind == 'tar':
        make_tar(archive, [('fine.txt', 'file', None), ('sub/../../escaped.txt', 'file', None)])
    elif kind == 'tar-abs':
        make_tar(archive, [(str(tmp_path / 'escaped.txt'), 'file', None)])
    else:
        make_tar(archive, [('link', 'sym', '../../etc')])
    with pytest.raises(ValueError, match='outside'):
        d2l.extract(str(archive), str(out))
    assert not (tmp_path / 'escaped.txt').exists()
    assert os.listdir(out) == []  # nothing at all was extracted
