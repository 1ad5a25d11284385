"""Tests of the library names that chapters 5 (MLP) and 6 (builders' guide) save.

KaggleHouse, its preprocess/get_dataloader methods, k_fold_data, log_rmse, k_fold and the
two DATA_HUB entries. Small in-memory fixtures are used wherever possible; the one test
that reads the real CSV files looks for them in /work/shared/data (or $D2L_DATA_DIR) and
is skipped when they are absent, so no test touches the network.
"""
import hashlib
import math
import os

import numpy as np
import pandas as pd
import pytest
import torch

from d2l import torch as d2l

SHARED_DATA = os.environ.get('D2L_DATA_DIR', '/work/shared/data')


def make_raw(n_train=20, n_test=7, seed=0):
    """A tiny table shaped like the Kaggle data: Id, numeric, categorical, SalePrice."""
    rng = np.random.default_rng(seed)

    def table(n, start):
        area = rng.uniform(500, 3000, n)
        area[1] = np.nan  # A missing numerical value
        street = rng.choice(['Pave', 'Grvl'], n).astype(object)
        street[2] = None  # A missing categorical value
        return pd.DataFrame({'Id': np.arange(start, start + n), 'LotArea': area,
                             'YearBuilt': rng.integers(1900, 2010, n),
                             'Street': street})

    train = table(n_train, 1)
    train['SalePrice'] = rng.uniform(5e4, 5e5, n_train).round()
    return train, table(n_test, n_train + 1)


def make_data(batch_size=4, **kw):
    data = d2l.KaggleHouse(batch_size, train='placeholder')  # Skips reading the CSV files
    data.raw_train, data.raw_val = make_raw(**kw)
    data.preprocess()
    return data


def test_data_hub_entries():
    assert d2l.DATA_HUB['kaggle_house_train'] == (
        d2l.DATA_URL + 'kaggle_house_pred_train.csv', '585e9cc93e70b39160e7921475f9bcd7d31219ce')
    assert d2l.DATA_HUB['kaggle_house_test'] == (
        d2l.DATA_URL + 'kaggle_house_pred_test.csv', 'fa19780a7b011d9b009e8bff8e99922a8ee2eb90')


def test_preprocess_standardizes_and_one_hot_encodes():
    data = make_data()
    train, val = data.train, data.val
    assert len(train) == 20 and len(val) == 7
    assert 'Id' not in train and 'Id' not in val
    assert list(train.columns[:-1]) == list(val.columns) and train.columns[-1] == 'SalePrice'
    features = pd.concat((train.drop(columns=['SalePrice']), val))
    assert not features.isna().any().any()
    # Numerical columns: mean 0 and std 1 over train + test (the NaN became 0 = the mean)
    raw = pd.concat((data.raw_train['YearBuilt'], data.raw_val['YearBuilt']))
    expected = (raw - raw.mean()) / raw.std()
    np.testing.assert_allclose(features['YearBuilt'].values, expected.values, rtol=1e-5)
    assert features['LotArea'].iloc[1] == 0
    # Categorical column: one 0/1 column per value plus one for "missing"
    one_hot = features[['Street_Grvl', 'Street_Pave', 'Street_nan']]
    assert set(np.unique(one_hot.values)) <= {0.0, 1.0}
    np.testing.assert_array_equal(one_hot.sum(axis=1).values, 1.0)
    assert one_hot['Street_nan'].iloc[2] == 1.0
    np.testing.assert_array_equal(train['SalePrice'].values, data.raw_train['SalePrice'].values)


def test_get_dataloader_returns_log_labels_and_none_without_labels():
    data = make_data(batch_size=8)
    X, y = [], []
    for Xb, yb in data.get_dataloader(train=True):
        assert Xb.dtype == torch.float32 and Xb.shape[1] == data.train.shape[1] - 1
        assert yb.shape == (len(Xb), 1)
        X.append(Xb)
        y.append(yb)
    y = torch.cat(y).reshape(-1).sort().values
    expected = torch.log(torch.tensor(data.raw_train['SalePrice'].values,
                                      dtype=torch.float32)).sort().values
    torch.testing.assert_close(y, expected)
    assert sum(len(b) for b in X) == 20
    assert data.get_dataloader(train=False) is None  # The test set has no labels


def test_k_fold_data_partitions_the_training_set():
    data = make_data(n_train=23)
    folds = d2l.k_fold_data(data, 5)
    assert len(folds) == 5
    fold_size = 23 // 5
    seen = []
    for fold in folds:
        assert isinstance(fold, d2l.KaggleHouse) and fold.batch_size == data.batch_size
        assert len(fold.val) == fold_size and len(fold.train) == 23 - fold_size
        assert not set(fold.train.index) & set(fold.val.index)
        seen.extend(fold.val.index)
    assert len(set(seen)) == 5 * fold_size  # Validation parts do not overlap


class ConstantModel(d2l.Module):
    def __init__(self, value):
        super().__init__()
        self.value = torch.nn.Parameter(torch.tensor(float(value)))

    def forward(self, X):
        return self.value.expand(len(X), 1)


def test_log_rmse_matches_formula():
    data = make_data()
    fold = d2l.KaggleHouse(data.batch_size, data.train.iloc[:15], data.train.iloc[15:])
    log_price = np.log(data.train['SalePrice'].values[15:].astype(np.float32))
    expected = math.sqrt(np.mean((log_price - 12.0) ** 2))
    assert d2l.log_rmse(ConstantModel(12.0), fold) == pytest.approx(expected, rel=1e-5)
    # Predicting the mean log price gives the (population) standard deviation
    best = d2l.log_rmse(ConstantModel(float(log_price.mean())), fold)
    assert best == pytest.approx(float(log_price.std()), rel=1e-4) and best < expected


def test_k_fold_trains_one_model_per_fold(capsys):
    torch.manual_seed(0)
    data = make_data(n_train=60, batch_size=16)
    trainer = d2l.Trainer(max_epochs=2)
    models = d2l.k_fold(trainer, data, k=3, lr=0.01)
    assert len(models) == 3 and all(isinstance(m, d2l.LinearRegression) for m in models)
    assert len({id(m) for m in models}) == 3
    out = capsys.readouterr().out
    assert [line.split(':')[0] for line in out.splitlines()[:3]] == ['fold 1', 'fold 2', 'fold 3']
    average = float(out.split('average validation log rmse = ')[1].split()[0])
    folds = d2l.k_fold_data(data, 3)
    errors = [d2l.log_rmse(m, f) for m, f in zip(models, folds)]
    assert average == pytest.approx(sum(errors) / 3, abs=1e-4)
    # Two short epochs move the bias towards the log prices (about 12) from 0
    assert all(m.net.bias.item() > 0 for m in models)


def _real_files_present():
    return all(os.path.isfile(os.path.join(SHARED_DATA, f))
               for f in ('kaggle_house_pred_train.csv', 'kaggle_house_pred_test.csv'))


@pytest.mark.skipif(not _real_files_present(), reason='offline Kaggle house files not found')
def test_kaggle_house_reads_the_real_files(monkeypatch, tmp_path):
    monkeypatch.setenv('D2L_DATA_DIR', SHARED_DATA)
    monkeypatch.chdir(tmp_path)  # '../data' must not matter
    data = d2l.KaggleHouse(batch_size=64)
    assert data.raw_train.shape == (1460, 81) and data.raw_val.shape == (1459, 80)
    with open(os.path.join(SHARED_DATA, 'kaggle_house_pred_train.csv'), 'rb') as f:
        assert hashlib.sha1(f.read()).hexdigest() == d2l.DATA_HUB['kaggle_house_train'][1]
    data.preprocess()
    assert data.train.shape[0] == 1460 and data.val.shape[0] == 1459
    assert data.train.shape[1] == data.val.shape[1] + 1 > 300
    X, y = next(iter(data.get_dataloader(train=True)))
    assert X.shape == (64, data.val.shape[1]) and torch.isfinite(X).all()
    assert 10 < y.min() and y.max() < 14  # Log prices of houses between ~$22k and ~$1.2M
