"""Tests for the attention and Transformer names of `from d2l import jax as d2l` (chapter 11).

They check d2l 1.0.3-compatible names and fields, that masking really hides keys
(padding and causal), that the layers compute what their formulas say (against plain
jnp code and Flax's own multi-head attention), that the Transformer decoder's cached,
token-by-token decoding equals decoding the whole sequence at once, and that a
jit-compiled training step reduces the loss.
"""
import dataclasses
import inspect
import math

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
import flax  # noqa: E402
from flax import linen as nn  # noqa: E402
from flax.training import train_state  # noqa: E402
from jax import numpy as jnp  # noqa: E402

from d2l import jax as d2l  # noqa: E402


def fields(cls):
    """The constructor fields of a Flax module, in order (without parent and name)."""
    return [f.name for f in dataclasses.fields(cls)
            if f.init and f.name not in ('parent', 'name')]


def params_of(obj):
    return list(inspect.signature(obj).parameters)


def key(i=0):
    return jax.random.PRNGKey(i)


# Fields and call arguments as in d2l 1.0.3's jax.py (ViT and the decoder blocks are
# not in its library; they follow the PyTorch tab of our book)
@pytest.mark.parametrize('name, expected', [
    ('DotProductAttention', ['dropout']),
    ('AdditiveAttention', ['num_hiddens', 'dropout']),
    ('MultiHeadAttention', ['num_hiddens', 'num_heads', 'dropout', 'bias']),
    ('PositionalEncoding', ['num_hiddens', 'dropout', 'max_len']),
    ('PositionWiseFFN', ['ffn_num_hiddens', 'ffn_num_outputs']),
    ('AddNorm', ['dropout']),
    ('TransformerEncoderBlock',
     ['num_hiddens', 'ffn_num_hiddens', 'num_heads', 'dropout', 'use_bias']),
    ('TransformerEncoder', ['vocab_size', 'num_hiddens', 'ffn_num_hiddens', 'num_heads',
                            'num_blks', 'dropout', 'use_bias']),
    ('TransformerDecoderBlock',
     ['num_hiddens', 'ffn_num_hiddens', 'num_heads', 'dropout', 'i']),
    ('TransformerDecoder', ['vocab_size', 'num_hiddens', 'ffn_num_hiddens', 'num_heads',
                            'num_blks', 'dropout']),
    ('PatchEmbedding', ['img_size', 'patch_size', 'num_hiddens']),
    ('ViTMLP', ['mlp_num_hiddens', 'mlp_num_outputs', 'dropout']),
    ('ViTBlock', ['num_hiddens', 'norm_shape', 'mlp_num_hiddens', 'num_heads', 'dropout',
                  'use_bias']),
])
def test_fields(name, expected):
    assert fields(getattr(d2l, name)) == expected


@pytest.mark.parametrize('name, expected', [
    ('masked_softmax', ['X', 'valid_lens']),
    ('DotProductAttention.__call__',
     ['self', 'queries', 'keys', 'values', 'valid_lens', 'training']),
    ('AdditiveAttention.__call__',
     ['self', 'queries', 'keys', 'values', 'valid_lens', 'training']),
    ('MultiHeadAttention.__call__',
     ['self', 'queries', 'keys', 'values', 'valid_lens', 'training']),
    ('MultiHeadAttention.transpose_qkv', ['self', 'X']),
    ('MultiHeadAttention.transpose_output', ['self', 'X']),
    ('PositionalEncoding.__call__', ['self', 'X', 'training', 'offset']),
    ('AddNorm.__call__', ['self', 'X', 'Y', 'training']),
    ('TransformerEncoderBlock.__call__', ['self', 'X', 'valid_lens', 'training']),
    ('TransformerEncoder.__call__', ['self', 'X', 'valid_lens', 'training']),
    ('TransformerDecoder.init_state', ['self', 'enc_outputs', 'enc_valid_lens']),
    ('TransformerDecoder.__call__', ['self', 'X', 'state', 'training']),
])
def test_signature(name, expected):
    obj = d2l
    for part in name.split('.'):
        obj = getattr(obj, part)
    assert params_of(obj) == expected


def test_vit_fields_follow_the_book():
    assert fields(d2l.ViT)[:12] == [
        'img_size', 'patch_size', 'num_hiddens', 'mlp_num_hiddens', 'num_heads', 'num_blks',
        'emb_dropout', 'blk_dropout', 'lr', 'use_bias', 'num_classes', 'training']
    assert issubclass(d2l.ViT, d2l.Classifier)
    assert issubclass(d2l.TransformerDecoder, d2l.AttentionDecoder)
    assert issubclass(d2l.TransformerEncoder, d2l.Encoder)


def test_masked_softmax_one_and_two_dimensional_lengths():
    X = jax.random.normal(key(), (2, 3, 5))
    out = d2l.masked_softmax(X, jnp.array([2, 4]))
    np.testing.assert_allclose(out.sum(-1), np.ones((2, 3)), rtol=1e-6)
    assert np.all(np.asarray(out[0, :, 2:]) == 0) and np.all(np.asarray(out[1, :, 4:]) == 0)
    np.testing.assert_allclose(out[1, :, :4], jax.nn.softmax(X[1, :, :4], -1), rtol=1e-6)
    per_query = d2l.masked_softmax(X, jnp.array([[1, 2, 5], [3, 3, 1]]))
    for b, lens in enumerate([[1, 2, 5], [3, 3, 1]]):
        for q, n in enumerate(lens):
            np.testing.assert_allclose(per_query[b, q, :n], jax.nn.softmax(X[b, q, :n]),
                                       rtol=1e-6)
            assert np.all(np.asarray(per_query[b, q, n:]) == 0)
    np.testing.assert_allclose(d2l.masked_softmax(X, None), jax.nn.softmax(X, -1), rtol=1e-6)
    # A fully masked row is uniform (finite), not NaN
    np.testing.assert_allclose(d2l.masked_softmax(X, jnp.array([0, 5]))[0], 0.2, rtol=1e-6)
    # It is a pure function: it can be jit-compiled
    np.testing.assert_allclose(jax.jit(d2l.masked_softmax)(X, jnp.array([2, 4])), out,
                               rtol=1e-6)


def test_dot_product_attention_formula_and_dropout():
    kq, kk, kv = jax.random.split(key(), 3)
    Q, K, V = (jax.random.normal(kq, (2, 3, 4)), jax.random.normal(kk, (2, 6, 4)),
               jax.random.normal(kv, (2, 6, 5)))
    lens = jnp.array([6, 2])
    attention = d2l.DotProductAttention(dropout=0.5)
    out, weights = attention.apply({}, Q, K, V, lens)
    expected_w = d2l.masked_softmax(Q @ K.transpose(0, 2, 1) / 2.0, lens)
    np.testing.assert_allclose(weights, expected_w, rtol=1e-5)
    np.testing.assert_allclose(out, expected_w @ V, rtol=1e-5, atol=1e-6)
    # Keys beyond the valid length do not matter
    changed = V.at[1, 2:].set(100.0)
    np.testing.assert_allclose(attention.apply({}, Q, K, changed, lens)[0][1], out[1],
                               rtol=1e-5)
    with pytest.raises(flax.errors.InvalidRngError):  # Dropout needs a PRNG key
        attention.apply({}, Q, K, V, lens, training=True)
    dropped = [attention.apply({}, Q, K, V, lens, training=True,
                               rngs={'dropout': key(k)})[0] for k in (1, 2)]
    assert not np.allclose(dropped[0], dropped[1])


def test_additive_attention_parameters_and_mask():
    queries, keys = jax.random.normal(key(1), (2, 1, 20)), jax.random.normal(key(2), (2, 10, 2))
    values = jnp.tile(jnp.arange(40, dtype=jnp.float32).reshape(1, 10, 4), (2, 1, 1))
    attention = d2l.AdditiveAttention(num_hiddens=8, dropout=0.1)
    (out, weights), variables = attention.init_with_output(key(), queries, keys, values,
                                                          jnp.array([2, 6]))
    p = variables['params']
    assert {n: p[n]['kernel'].shape for n in p} == {
        'W_q': (20, 8), 'W_k': (2, 8), 'w_v': (8, 1)}
    assert out.shape == (2, 1, 4) and weights.shape == (2, 1, 10)
    assert np.all(np.asarray(weights[0, :, 2:]) == 0) and np.all(np.asarray(weights[1, :, 6:]) == 0)
    features = jnp.tanh((queries @ p['W_q']['kernel'])[:, :, None]
                        + (keys @ p['W_k']['kernel'])[:, None])
    scores = (features @ p['w_v']['kernel'])[..., 0]
    np.testing.assert_allclose(weights, d2l.masked_softmax(scores, jnp.array([2, 6])),
                               rtol=1e-5)


def test_multihead_transposes_are_inverse_and_match_flax():
    num_hiddens, num_heads = 12, 3
    mha = d2l.MultiHeadAttention(num_hiddens, num_heads, 0.0)
    X = jax.random.normal(key(), (2, 4, num_hiddens))
    Y = jax.random.normal(key(1), (2, 5, num_hiddens))
    lens = jnp.array([5, 2])
    (out, weights), variables = mha.init_with_output(key(2), X, Y, Y, lens)
    assert out.shape == (2, 4, num_hiddens) and weights.shape == (2 * num_heads, 4, 5)
    # The heads of one sequence are adjacent and share its valid length
    assert np.all(np.asarray(weights[num_heads:, :, 2:]) == 0)
    bound = mha.bind(variables)
    folded = bound.transpose_qkv(X)
    assert folded.shape == (2 * num_heads, 4, num_hiddens // num_heads)
    np.testing.assert_array_equal(folded[1], X[0, :, 4:8])  # Head 1 of sequence 0
    np.testing.assert_array_equal(bound.transpose_output(folded), X)
    # The same function as Flax's multi-head attention with the same parameters
    p, d = variables['params'], num_hiddens // num_heads
    flax_mha = nn.MultiHeadDotProductAttention(num_heads, qkv_features=num_hiddens,
                                               out_features=num_hiddens, use_bias=False)
    flax_params = {'params': {
        'query': {'kernel': p['W_q']['kernel'].reshape(-1, num_heads, d)},
        'key': {'kernel': p['W_k']['kernel'].reshape(-1, num_heads, d)},
        'value': {'kernel': p['W_v']['kernel'].reshape(-1, num_heads, d)},
        'out': {'kernel': p['W_o']['kernel'].reshape(num_heads, d, -1)}}}
    mask = (jnp.arange(5) < lens[:, None])[:, None, None, :]
    np.testing.assert_allclose(out, flax_mha.apply(flax_params, X, Y, Y, mask=mask),
                               rtol=1e-4, atol=1e-5)


def test_positional_encoding_values_offset_and_sow():
    pe = d2l.PositionalEncoding(num_hiddens=6, dropout=0.0, max_len=50)
    X = jnp.zeros((1, 10, 6))
    out, variables = pe.apply({}, X, mutable='intermediates')
    P = variables['intermediates']['P'][0]
    assert P.shape == (1, 50, 6)
    i, j = 7, 1  # position 7, frequency index 1 (columns 2 and 3)
    np.testing.assert_allclose(out[0, i, 2], math.sin(i / 10000 ** (2 * j / 6)), rtol=1e-5)
    np.testing.assert_allclose(out[0, i, 3], math.cos(i / 10000 ** (2 * j / 6)), rtol=1e-5)
    # offset continues the positions, also when it is a traced value under jit
    shifted = jax.jit(lambda X, o: pe.apply({}, X, offset=o))(jnp.zeros((1, 3, 6)), 4)
    np.testing.assert_allclose(shifted[0], out[0, 4:7], rtol=1e-6)


def test_ffn_and_addnorm():
    ffn = d2l.PositionWiseFFN(8, 5)
    out, _ = ffn.init_with_output(key(), jnp.ones((2, 3, 4)))
    assert out.shape == (2, 3, 5)
    np.testing.assert_allclose(out[:, 0], out[:, 2])  # Positions are independent
    add_norm = d2l.AddNorm(0.5)
    X, Y = jax.random.normal(key(1), (2, 3, 4)), jax.random.normal(key(2), (2, 3, 4))
    out, variables = add_norm.init_with_output(key(), X, Y)
    Z = X + Y
    expected = (Z - Z.mean(-1, keepdims=True)) / jnp.sqrt(Z.var(-1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    dropped = add_norm.apply(variables, X, Y, training=True, rngs={'dropout': key(3)})
    assert not np.allclose(dropped, out)


def test_transformer_encoder_ignores_padding_and_sows_weights():
    encoder = d2l.TransformerEncoder(20, 16, 32, 4, 2, 0.0)
    X = jnp.array([[3, 4, 5, 1, 1, 1], [6, 7, 1, 1, 1, 1]])
    lens = jnp.array([3, 2])
    out, variables = encoder.init_with_output(key(), X, lens)
    assert out.shape == (2, 6, 16)
    changed = X.at[0, 3:].set(9).at[1, 2:].set(8)  # Other tokens at padded positions
    out2, inter = encoder.apply(variables, changed, lens, mutable='intermediates')
    np.testing.assert_allclose(out2[0, :3], out[0, :3], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out2[1, :2], out[1, :2], rtol=1e-5, atol=1e-6)
    weights = inter['intermediates']['enc_attention_weights'][0]
    assert len(weights) == 2 and weights[0].shape == (2 * 4, 6, 6)


def test_transformer_decoder_cached_steps_equal_one_pass():
    vocab, num_hiddens = 11, 16
    encoder = d2l.TransformerEncoder(vocab, num_hiddens, 32, 4, 2, 0.0)
    decoder = d2l.TransformerDecoder(vocab, num_hiddens, 32, 4, 2, 0.0)
    src, lens = jnp.array([[3, 4, 5, 1], [6, 7, 1, 1]]), jnp.array([3, 2])
    enc, enc_vars = encoder.init_with_output(key(), src, lens)
    tgt = jnp.array([[2, 5, 6, 7, 8], [2, 9, 3, 4, 1]])
    (full, _), dec_vars = decoder.init_with_output(key(1), tgt, decoder.init_state(enc, lens))
    assert full.shape == (2, 5, vocab)
    # Causality: later tokens do not change earlier outputs
    later = decoder.apply(dec_vars, tgt.at[:, 3:].set(10), decoder.init_state(enc, lens))[0]
    np.testing.assert_allclose(later[:, :3], full[:, :3], rtol=1e-5, atol=1e-5)
    # One token at a time with the cache gives the same outputs, and records weights
    state, steps = decoder.init_state(enc, lens), []
    for t in range(5):
        (Y, state), inter = decoder.apply(dec_vars, tgt[:, t:t + 1], state,
                                          mutable='intermediates')
        steps.append(Y)
        self_w, cross_w = inter['intermediates']['dec_attention_weights'][0]
        assert self_w[0].shape == (2 * 4, 1, t + 1) and cross_w[1].shape == (2 * 4, 1, 4)
    assert state[2][0].shape == (2, 5, num_hiddens)
    np.testing.assert_allclose(jnp.concatenate(steps, 1), full, rtol=1e-4, atol=1e-4)


class State(train_state.TrainState):
    dropout_rng: jax.Array


def test_transformer_seq2seq_jitted_step_reduces_the_loss():
    vocab = 8
    encoder = d2l.TransformerEncoder(vocab, 16, 32, 2, 1, 0.1)
    decoder = d2l.TransformerDecoder(vocab, 16, 32, 2, 1, 0.1)
    model = d2l.Seq2Seq(encoder, decoder, tgt_pad=0, lr=0.01)
    src = jax.random.randint(key(), (16, 5), 3, vocab)
    tgt = jnp.concatenate([jnp.full((16, 1), 1), src], 1)  # Copy the source
    batch = (src, tgt[:, :-1], jnp.full((16,), 5), tgt[:, 1:])
    params = model.init({'params': key(1), 'dropout': key(2)}, *batch[:-1])['params']
    state = State.create(apply_fn=model.apply, params=params,
                         tx=model.configure_optimizers(), dropout_rng=key(3))

    @jax.jit
    def step(state):
        (loss, _), grads = jax.value_and_grad(model.loss, has_aux=True)(
            state.params, batch[:-1], batch[-1], state)
        return state.apply_gradients(grads=grads).replace(
            dropout_rng=jax.random.split(state.dropout_rng)[0]), loss

    losses = []
    for i in range(30):
        state, loss = step(state)
        losses.append(float(loss))
        if i == 1:  # The first state holds Python scalars (step 0): a second trace
            traces = step._cache_size()
    assert losses[-1] < 0.7 * losses[0]
    assert step._cache_size() == traces <= 2  # No retracing per step


def test_predict_step_returns_both_weights_under_d2l_1_0_3_names():
    # d2l 1.0.3's JAX predict_step returns (predictions, (decoder steps' weights, encoder
    # weights)) and reads the sow names 'dec_attention_weights' and 'enc_attention_weights';
    # d2l-en's notebooks unpack it that way and define decoders that sow under that name
    vocab, num_blks, num_heads = 9, 2, 4
    encoder = d2l.TransformerEncoder(vocab, 16, 32, num_heads, num_blks, 0.0)
    decoder = d2l.TransformerDecoder(vocab, 16, 32, num_heads, num_blks, 0.0)
    model = d2l.Seq2Seq(encoder, decoder, tgt_pad=0, lr=0.01)
    src, lens = jnp.array([[3, 4, 5, 1, 1]]), jnp.array([3])
    tgt = jnp.array([[2, 3, 4, 5, 6]])
    params = model.init({'params': key(), 'dropout': key(1)}, src, tgt, lens)['params']
    preds, (dec_w, enc_w) = model.predict_step(params, (src, tgt, lens, None), 4, True)
    assert preds.shape == (1, 4) and len(dec_w) == 4 and len(enc_w) == num_blks
    assert enc_w[0].shape == (num_heads, 5, 5)
    assert float(enc_w[0][:, :, 3:].max()) == 0  # padded keys get no weight
    self_w, cross_w = dec_w[2]  # step 3: three keys so far, all five source positions
    assert self_w[0].shape == (num_heads, 1, 3) and cross_w[1].shape == (num_heads, 1, 5)
    assert model.predict_step(params, (src, tgt, lens, None), 2)[1] == ([], [])


def test_vit_shapes_and_dropout_switch():
    model = d2l.ViT(28, 7, 16, 32, 2, 1, 0.1, 0.1)
    assert d2l.PatchEmbedding(28, 7, 16).num_patches == 16
    X = jax.random.uniform(key(), (3, 28, 28, 1))
    variables = model.init({'params': key(1), 'dropout': key(2)}, X)
    p = variables['params']
    assert p['pos_embedding'].shape == (1, 17, 16) and p['cls_token'].shape == (1, 1, 16)
    off = model.clone(training=False)
    Y = off.apply(variables, X)
    assert Y.shape == (3, 10)
    np.testing.assert_array_equal(off.apply(variables, X), Y)
    on = [model.apply(variables, X, rngs={'dropout': key(k)}) for k in (3, 4)]
    assert not np.allclose(on[0], on[1])


# The Kaggle house price names of the JAX tab (chapter 5), on a tiny in-memory table
def kaggle_data(n_train=30, n_test=7, batch_size=8, seed=0):
    pd = pytest.importorskip('pandas')
    rng = np.random.default_rng(seed)

    def table(n, start):
        area = rng.uniform(500, 3000, n)
        area[1] = np.nan
        street = rng.choice(['Pave', 'Grvl'], n).astype(object)
        street[2] = None
        return pd.DataFrame({'Id': np.arange(start, start + n), 'LotArea': area,
                             'Street': street})

    data = d2l.KaggleHouse(batch_size, train='placeholder')  # Skips reading the CSV files
    data.raw_train, data.raw_val = table(n_train, 1), table(n_test, n_train + 1)
    # Prices grow with the area, so that a linear model can learn something
    data.raw_train['SalePrice'] = (5e4 + 100 * np.nan_to_num(data.raw_train['LotArea'],
                                                             nan=1500)).round()
    data.preprocess()
    return data


def test_kaggle_house_jax_arrays_on_the_device():
    data = kaggle_data()
    assert d2l.DATA_HUB['kaggle_house_train'][1] == '585e9cc93e70b39160e7921475f9bcd7d31219ce'
    assert list(data.train.columns[:-1]) == list(data.val.columns)
    X, y = [], []
    for Xb, yb in data.get_dataloader(train=True):
        assert isinstance(Xb, jax.Array) and Xb.dtype == jnp.float32
        assert yb.shape == (len(Xb), 1)
        X.append(Xb)
        y.append(yb)
    np.testing.assert_allclose(np.sort(np.concatenate(y).ravel()),
                               np.sort(np.log(data.raw_train['SalePrice'].values)), rtol=1e-6)
    assert data.get_dataloader(train=False) is None  # The test set has no labels


def test_k_fold_keeps_each_folds_parameters(monkeypatch, capsys):
    monkeypatch.setattr(d2l, 'QUICK', False)
    data = kaggle_data(n_train=60, batch_size=16)
    trainer = d2l.Trainer(max_epochs=3)
    models = d2l.k_fold(trainer, data, k=3, lr=0.05)
    assert len(models) == 3
    folds = d2l.k_fold_data(data, 3)
    errors = []
    for (model, params), fold in zip(models, folds):
        assert isinstance(model, d2l.LinearRegression)
        # log_rmse is the formula, with this fold's own parameters
        X = jnp.asarray(fold.val.drop(columns=['SalePrice']).to_numpy(dtype='float32'))
        y = np.log(fold.val['SalePrice'].to_numpy(dtype='float32')).reshape(-1, 1)
        expected = math.sqrt(float(((model.apply({'params': params}, X) - y) ** 2).mean()))
        errors.append(d2l.log_rmse(model, fold, params))
        assert errors[-1] == pytest.approx(expected, rel=1e-5)
        assert float(params['net']['bias'][0]) > 1  # Moved from 0 towards log prices
    # Three different parameter sets, not the last fold's three times
    biases = {float(params['net']['bias'][0]) for _, params in models}
    assert len(biases) == 3
    out = capsys.readouterr().out
    average = float(out.split('average validation log rmse = ')[1].split()[0])
    assert average == pytest.approx(sum(errors) / 3, abs=1e-4)
