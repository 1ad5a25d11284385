"""Tests for the sequence names of `from d2l import jax as d2l` (chapters 9 and 10).

They check the vocabulary and the Time Machine windows, that the recurrences written
with `lax.scan` compute what a plain Python loop computes (and carry their state over
when a sequence is split), the shapes and state conventions of the Flax layers, and
that the language model learns a pattern through the jit-compiled Trainer.
"""
import inspect
import math

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
from flax.training import train_state  # noqa: E402
from jax import numpy as jnp  # noqa: E402

from d2l import jax as d2l  # noqa: E402


class State(train_state.TrainState):
    dropout_rng: jax.Array  # The Trainer's state carries a dropout key too


def make_state(model, params):
    return State.create(apply_fn=model.apply, params=params, tx=optax.sgd(1.0),
                        dropout_rng=jax.random.PRNGKey(0))


def params_of(obj):
    return list(inspect.signature(obj).parameters)


@pytest.mark.parametrize('name, expected', [
    ('TimeMachine.__init__', ['self', 'batch_size', 'num_steps', 'num_train', 'num_val']),
    ('TimeMachine.build', ['self', 'raw_text', 'vocab']),
    ('Vocab.__init__', ['self', 'tokens', 'min_freq', 'reserved_tokens']),
    ('RNNScratch.__call__', ['self', 'inputs', 'state']),
    ('RNNLMScratch.predict', ['self', 'prefix', 'num_preds', 'vocab', 'params']),
    ('RNNLMScratch.output_layer', ['self', 'rnn_outputs']),
    ('RNN.__call__', ['self', 'inputs', 'H']),
    ('GRU.__call__', ['self', 'inputs', 'H', 'training']),
    ('evaluate_ppl', ['model', 'data', 'state']),
    ('EncoderDecoder.predict_step',
     ['self', 'params', 'batch', 'num_steps', 'save_attention_weights']),
    ('Seq2SeqEncoder.__call__', ['self', 'X', 'args', 'training']),
    ('Seq2SeqDecoder.__call__', ['self', 'X', 'state', 'training']),
    ('bleu', ['pred_seq', 'label_seq', 'k']),
])
def test_signature(name, expected):
    obj = d2l
    for part in name.split('.'):
        obj = getattr(obj, part)
    assert params_of(obj) == expected


def test_vocab_orders_by_frequency_and_maps_unknowns():
    vocab = d2l.Vocab(list('abbccc'), reserved_tokens=['<pad>'])
    assert vocab.idx_to_token == ['<unk>', '<pad>', 'c', 'b', 'a']
    assert vocab[['c', 'z']] == [2, 0]
    assert vocab.to_tokens(jnp.array([4, 3])) == ['a', 'b']


TEXT = 'The Time -- Machine!\n' * 40


@pytest.fixture
def time_machine(monkeypatch):
    monkeypatch.setattr(d2l.TimeMachine, '_download', lambda self: TEXT)
    return d2l.TimeMachine(batch_size=4, num_steps=5, num_train=100, num_val=50)


def test_time_machine_windows(time_machine):
    data = time_machine
    corpus, vocab = data.build(TEXT)
    assert isinstance(data.X, jax.Array) and data.X.dtype == jnp.int32
    assert data.X.shape == (len(corpus) - 5, 5) == data.Y.shape
    np.testing.assert_array_equal(data.X[:, 1:], data.Y[:, :-1])  # Labels: shifted by one
    np.testing.assert_array_equal(data.X[7], np.array(corpus[7:12]))
    assert ''.join(vocab.to_tokens(data.X[0])) == 'the t'
    batches = list(data.val_dataloader())
    assert sum(len(X) for X, _ in batches) == 50


def loop_rnn(params, inputs, H):
    outputs = []
    for X in inputs:
        H = np.tanh(X @ params['W_xh'] + H @ params['W_hh'] + params['b_h'])
        outputs.append(H)
    return np.stack(outputs), H


def test_rnn_scratch_matches_a_python_loop_and_carries_its_state():
    rnn = d2l.RNNScratch(num_inputs=3, num_hiddens=4, sigma=0.5)
    X = jax.random.normal(jax.random.PRNGKey(1), (6, 2, 3))
    variables = rnn.init(jax.random.PRNGKey(0), X)
    outputs, H = rnn.apply(variables, X)
    p = jax.tree_util.tree_map(np.asarray, variables['params'])
    ref_outputs, ref_H = loop_rnn(p, np.asarray(X), np.zeros((2, 4), np.float32))
    np.testing.assert_allclose(outputs, ref_outputs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, ref_H, rtol=1e-5, atol=1e-6)
    # Two halves, the second starting from the state of the first, give the same result
    first, H1 = rnn.apply(variables, X[:3])
    second, H2 = rnn.apply(variables, X[3:], H1)
    np.testing.assert_allclose(jnp.concatenate([first, second]), outputs, atol=1e-6)
    np.testing.assert_allclose(H2, H, atol=1e-6)


@pytest.mark.parametrize('make_rnn', [
    lambda: d2l.RNNScratch(num_inputs=6, num_hiddens=8),
    lambda: d2l.RNN(num_hiddens=8),
    lambda: d2l.GRU(num_hiddens=8, num_layers=2),
], ids=['scratch', 'rnn', 'gru2'])
def test_language_model_shapes_and_perplexity(make_rnn):
    cls = d2l.RNNLMScratch if isinstance(make_rnn(), d2l.RNNScratch) else d2l.RNNLM
    model = cls(make_rnn(), vocab_size=6)
    X = jax.random.randint(jax.random.PRNGKey(0), (3, 7), 0, 6)
    Y_hat, variables = model.init_with_output(jax.random.PRNGKey(1), X)
    assert Y_hat.shape == (3, 7, 6)
    state = make_state(model, variables['params'])
    loss, _ = model.loss(state.params, (X,), X, state)
    expected = optax.softmax_cross_entropy_with_integer_labels(Y_hat, X).mean()
    np.testing.assert_allclose(loss, expected, rtol=1e-5)

    class Data:
        num_train, num_val = 1, 2
    Data.X, Data.Y = jnp.concatenate([X, X]), jnp.concatenate([X, X])
    assert math.isclose(d2l.evaluate_ppl(model, Data, state),
                        math.exp(float(model.loss(state.params, (X[1:3],), X[1:3], state)[0])),
                        rel_tol=1e-5)


def test_gru_layers_state_and_dropout():
    gru = d2l.GRU(num_hiddens=5, num_layers=3, dropout=0.5)
    X = jnp.ones((4, 2, 3))
    (outputs, H), variables = gru.init_with_output(jax.random.PRNGKey(0), X)
    assert outputs.shape == (4, 2, 5) and H.shape == (3, 2, 5)
    assert len(variables['params']) == 3  # One cell per layer
    # Without training, dropout is off: the same output twice
    np.testing.assert_array_equal(gru.apply(variables, X)[0], outputs)
    trained = [gru.apply(variables, X, None, True, rngs={'dropout': jax.random.PRNGKey(k)})[0]
               for k in (1, 2)]
    assert not np.allclose(trained[0], trained[1])
    # The state of the last step continues the sequence
    out_a, H_a = gru.apply(variables, X[:2])
    out_b, H_b = gru.apply(variables, X[2:], H_a)
    np.testing.assert_allclose(out_b, outputs[2:], atol=1e-6)
    np.testing.assert_allclose(H_b, H, atol=1e-6)


def test_language_model_learns_a_cycle(monkeypatch):
    monkeypatch.setattr(d2l, 'QUICK', False)
    monkeypatch.setattr(d2l.TimeMachine, '_download', lambda self: 'abcd ' * 200)
    data = d2l.TimeMachine(batch_size=32, num_steps=8, num_train=512, num_val=128)
    rnn = d2l.RNNScratch(num_inputs=len(data.vocab), num_hiddens=16, sigma=0.1)
    model = d2l.RNNLMScratch(rnn, vocab_size=len(data.vocab), lr=2)
    model.board.display = False
    trainer = d2l.Trainer(max_epochs=8, gradient_clip_val=1)
    trainer.fit(model, data, key=jax.random.PRNGKey(0))
    assert d2l.evaluate_ppl(model, data, trainer.state) < 1.5  # Near-certain predictions
    assert model.predict('ab', 8, data.vocab, trainer.state.params) == 'abcd abcd '


def test_bleu():
    assert d2l.bleu('a b c d', 'a b c d', k=4) == 1.0
    assert d2l.bleu('', 'a b', k=2) == 0.0
    # Unigram precision 1, bigram precision 1/2, brevity penalty exp(1 - 4/3)
    expected = math.exp(1 - 4 / 3) * 1 ** 0.5 * (1 / 2) ** 0.25
    assert math.isclose(d2l.bleu('a b c', 'a b x c', k=2), expected)
    assert math.isclose(d2l.bleu('a b c', 'a b c d', k=2), math.exp(1 - 4 / 3))


def small_seq2seq(dropout=0.0):
    encoder = d2l.Seq2SeqEncoder(7, 4, 6, 2, dropout)
    decoder = d2l.Seq2SeqDecoder(9, 4, 6, 2, dropout)
    return d2l.Seq2Seq(encoder, decoder, tgt_pad=0, lr=0.01)


def test_seq2seq_masked_loss_ignores_padding():
    model = small_seq2seq()
    Y = jnp.array([[4, 5, 6, 0], [7, 0, 0, 0]])
    Y_hat = jax.random.normal(jax.random.PRNGKey(0), (2, 4, 9))
    changed = Y_hat.at[1, 1:].set(5.0).at[0, 3].set(-3.0)  # Padded positions only
    np.testing.assert_allclose(model.masked_loss(Y_hat, Y), model.masked_loss(changed, Y))
    per_token = optax.softmax_cross_entropy_with_integer_labels(Y_hat, Y)
    np.testing.assert_allclose(model.masked_loss(Y_hat, Y),
                               (per_token[0, :3].sum() + per_token[1, 0]) / 4, rtol=1e-6)


def test_seq2seq_shapes_dropout_and_predict_step():
    model = small_seq2seq(dropout=0.5)
    src = jnp.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    dec_X = jnp.array([[1, 2, 3, 4], [1, 5, 6, 0]])
    valid = jnp.array([3, 2])
    variables = model.init(jax.random.PRNGKey(0), src, dec_X, valid)
    assert set(variables['params']) == {'encoder', 'decoder'}
    off = model.clone(training=False)
    Y_hat = off.apply(variables, src, dec_X, valid)
    assert Y_hat.shape == (2, 4, 9)
    np.testing.assert_array_equal(off.apply(variables, src, dec_X, valid), Y_hat)
    on = [model.apply(variables, src, dec_X, valid, rngs={'dropout': jax.random.PRNGKey(k)})
          for k in (1, 2)]
    assert not np.allclose(on[0], on[1])
    # Greedy decoding: each step's input is the previous step's most likely token
    preds, weights = model.predict_step(variables['params'], (src, dec_X, valid, None), 3)
    assert preds.shape == (2, 3) and weights == ([], [])  # (decoder steps, encoder)
    inputs = dec_X[:, :1]
    enc = model.encoder.apply({'params': variables['params']['encoder']}, src, valid)
    state = model.decoder.init_state(enc, valid)
    for t in range(3):
        Y, state = model.decoder.apply({'params': variables['params']['decoder']},
                                       inputs, state)
        inputs = Y.argmax(2)
        np.testing.assert_array_equal(inputs[:, 0], preds[:, t])


def test_show_heatmaps_draws_jax_arrays():
    matplotlib = pytest.importorskip('matplotlib')
    matplotlib.use('Agg')
    weights = jax.nn.softmax(jax.random.normal(jax.random.PRNGKey(0), (2, 3, 4, 5)), -1)
    d2l.show_heatmaps(weights, 'Keys', 'Queries', titles=['a', 'b', 'c'])
    fig = d2l.plt.gcf()
    assert len(fig.axes) == 2 * 3 + 1  # The heatmaps and one colorbar
    np.testing.assert_allclose(fig.axes[5].images[0].get_array(), weights[1, 2], rtol=1e-6)
    assert fig.axes[2].get_title() == 'c'
    d2l.plt.close(fig)
