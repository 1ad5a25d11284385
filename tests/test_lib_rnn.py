"""Tests for the library names defined in the RNN chapters (book chapters 9 and 10).

Vocabulary round trips, text and translation preprocessing, BLEU against hand-computed
values, output shapes of every model, masked loss, greedy decoding and gradient clipping.
Everything runs on the CPU in a few seconds without network access.
"""
import math
import os

import matplotlib
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from d2l import torch as d2l

matplotlib.use('Agg')


# ---------------------------------------------------------------- Vocab


def test_vocab_round_trip_and_order():
    tokens = list('hello world')
    vocab = d2l.Vocab(tokens)
    assert vocab.to_tokens(vocab[tokens]) == tokens
    # '<unk>' first, then by decreasing frequency ('l' 3x, 'o' 2x), ties alphabetically
    assert vocab.idx_to_token[:4] == ['<unk>', 'l', 'o', ' ']
    assert len(vocab) == 1 + len(set(tokens))


def test_vocab_unknown_tokens():
    vocab = d2l.Vocab(['a', 'b', 'b'])
    assert vocab.unk == 0
    assert vocab['zzz'] == vocab.unk
    assert vocab[['a', 'zzz', 'b']] == [vocab['a'], 0, vocab['b']]
    assert vocab.to_tokens(vocab['never seen']) == '<unk>'


def test_vocab_min_freq_reserved_and_nested_lists():
    sentences = [['go', '.', '<eos>'], ['hi', '.', '<eos>'], ['go', '!', '<eos>']]
    vocab = d2l.Vocab(sentences, min_freq=2, reserved_tokens=['<pad>', '<bos>', '<eos>'])
    assert vocab.idx_to_token[:4] == ['<unk>', '<pad>', '<bos>', '<eos>']
    assert vocab['go'] != vocab.unk and vocab['.'] != vocab.unk
    assert vocab['hi'] == vocab.unk and vocab['!'] == vocab.unk  # seen once only
    assert vocab.idx_to_token.count('<eos>') == 1  # reserved and frequent: listed once


def test_vocab_to_tokens_accepts_tensors():
    vocab = d2l.Vocab(list('abcabc'))
    idx = torch.tensor(vocab[list('cab')])
    assert vocab.to_tokens(idx) == list('cab')
    assert vocab.to_tokens(idx[0]) == 'c'


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=40))
def test_vocab_round_trip_property(tokens):
    vocab = d2l.Vocab(tokens)
    assert vocab.to_tokens(vocab[tokens]) == tokens
    assert len(vocab) == len(set(tokens) | {'<unk>'})


# ---------------------------------------------------------------- text preprocessing


def test_time_machine_build_from_text():
    data = d2l.TimeMachine.__new__(d2l.TimeMachine)  # no download needed for build
    corpus, vocab = data.build('The Time-Machine, 1895!\nIt was')
    text = ''.join(vocab.to_tokens(corpus))
    assert text == 'the time machine it was'
    assert all(isinstance(i, int) for i in corpus)


@pytest.mark.skipif(not os.path.exists(os.path.join(os.environ.get('D2L_DATA_DIR', '/nonexistent'),
                                                    'timemachine.txt')),
                    reason='needs timemachine.txt in $D2L_DATA_DIR')
def test_time_machine_labels_are_shifted_inputs():
    data = d2l.TimeMachine(batch_size=4, num_steps=7, num_train=100, num_val=20)
    assert data.X.shape[1] == 7 and torch.equal(data.X[:, 1:], data.Y[:, :-1])
    assert torch.equal(data.X[1:, -1], data.Y[:-1, -1])
    X, Y = next(iter(data.val_dataloader()))
    assert X.shape == (4, 7) and Y.shape == (4, 7)


def test_mt_preprocess_tokenize_and_arrays():
    data = d2l.MTFraEng.__new__(d2l.MTFraEng)
    data.num_steps, data.num_train, data.num_val = 5, 3, 1
    raw = 'Go.\tVa\u202f!\nHi.\tSalut\xa0!\nGo now.\tVa maintenant.\nI lost a very big game.\tJ\'ai perdu.'
    text = data._preprocess(raw)
    assert text.split('\n')[0] == 'go .\tva !'
    src, tgt = data._tokenize(text)
    assert src[0] == ['go', '.', '<eos>'] and tgt[1] == ['salut', '!', '<eos>']
    (src_a, tgt_in, src_len, label), src_vocab, tgt_vocab = data._build_arrays(raw)
    assert src_a.shape == (4, 5) and tgt_in.shape == (4, 5) and label.shape == (4, 5)
    assert src_len.tolist() == [3, 3, 4, 5]  # the last sentence is truncated to 5 tokens
    assert (tgt_in[:, 0] == tgt_vocab['<bos>']).all()
    assert torch.equal(tgt_in[:, 1:], label[:, :-1])
    assert src_vocab.to_tokens(src_a[0]) == ['go', '.', '<eos>', '<pad>', '<pad>']


@pytest.mark.skipif(not os.path.exists(os.path.join(os.environ.get('D2L_DATA_DIR', '/nonexistent'),
                                                    'fra-eng', 'fra.txt')),
                    reason='needs fra-eng/fra.txt in $D2L_DATA_DIR')
def test_mt_data_module_and_build():
    data = d2l.MTFraEng(batch_size=8)
    src, tgt, src_len, label = next(iter(data.train_dataloader()))
    assert src.shape == tgt.shape == label.shape == (8, data.num_steps)
    arrays = data.build(['go .'], ['va !'])
    assert data.src_vocab.to_tokens(arrays[0][0])[:3] == ['go', '.', '<eos>']


# ---------------------------------------------------------------- BLEU


def test_bleu_hand_computed():
    # p1 = 4/5, p2 = 3/4, p3 = 1/3, p4 = 0; brevity factor exp(1 - 6/5)
    expected = math.exp(-0.2) * (4 / 5) ** 0.5 * (3 / 4) ** 0.25
    assert d2l.bleu('A B B C D', 'A B C D E F', k=2) == pytest.approx(expected)
    expected3 = expected * (1 / 3) ** 0.125
    assert d2l.bleu('A B B C D', 'A B C D E F', k=3) == pytest.approx(expected3)
    assert d2l.bleu('A B B C D', 'A B C D E F', k=4) == 0.0


def test_bleu_perfect_short_clipped_and_empty():
    assert d2l.bleu('il est calme .', 'il est calme .', k=4) == pytest.approx(1.0)
    # Too short: only the brevity penalty exp(1 - 4/2) remains
    assert d2l.bleu('A B', 'A B C D', k=2) == pytest.approx(math.exp(-1))
    # A repeated word matches only as often as it occurs in the label
    assert d2l.bleu('the the the', 'the cat', k=1) == pytest.approx((1 / 3) ** 0.5)
    assert d2l.bleu('', 'va !', k=2) == 0.0


# ---------------------------------------------------------------- model shapes


def test_rnn_scratch_shapes():
    rnn = d2l.RNNScratch(num_inputs=5, num_hiddens=8)
    outputs, state = rnn(torch.randn(6, 3, 5))
    d2l.check_len(outputs, 6)
    d2l.check_shape(outputs[-1], (3, 8))
    assert torch.equal(outputs[-1], state)
    model = d2l.RNNLMScratch(rnn, vocab_size=5)
    d2l.check_shape(model(torch.randint(0, 5, (3, 6))), (3, 6, 5))


def test_rnn_concise_and_gru_shapes():
    model = d2l.RNNLM(d2l.RNN(num_inputs=7, num_hiddens=8), vocab_size=7)
    d2l.check_shape(model(torch.randint(0, 7, (4, 9))), (4, 9, 7))
    gru = d2l.GRU(num_inputs=7, num_hiddens=8, num_layers=3)
    outputs, state = gru(torch.randn(9, 4, 7))
    d2l.check_shape(outputs, (9, 4, 8))
    d2l.check_shape(state, (3, 4, 8))
    d2l.check_shape(d2l.RNNLM(gru, vocab_size=7)(torch.randint(0, 7, (4, 9))), (4, 9, 7))


@pytest.mark.parametrize('concise', [False, True])
def test_rnnlm_predict_matches_full_forward(concise):
    """Step-by-step prediction with a carried state equals re-running the whole prefix."""
    torch.manual_seed(1)
    vocab = d2l.Vocab(list('abc '))
    if concise:
        model = d2l.RNNLM(d2l.RNN(len(vocab), 4), vocab_size=len(vocab))
    else:
        model = d2l.RNNLMScratch(d2l.RNNScratch(len(vocab), 4, sigma=1.0), len(vocab))
    text = model.predict('ab c', 6, vocab)
    tokens = vocab[list('ab c')]
    with torch.no_grad():
        for _ in range(6):
            tokens.append(int(model(torch.tensor([tokens]))[0, -1].argmax()))
    assert text.startswith('ab c')
    assert text == ''.join(vocab.to_tokens(tokens))


def test_check_shape_and_len_fail_loudly():
    with pytest.raises(AssertionError):
        d2l.check_shape(torch.zeros(2, 3), (3, 2))
    with pytest.raises(AssertionError):
        d2l.check_len([1, 2], 3)


def make_seq2seq(src_vocab=11, tgt_vocab=13, layers=2):
    encoder = d2l.Seq2SeqEncoder(src_vocab, embed_size=6, num_hiddens=10, num_layers=layers)
    decoder = d2l.Seq2SeqDecoder(tgt_vocab, embed_size=6, num_hiddens=10, num_layers=layers)
    return d2l.Seq2Seq(encoder, decoder, tgt_pad=1, lr=0.01)


def test_seq2seq_shapes_and_predict_step():
    model = make_seq2seq()
    src = torch.randint(0, 11, (4, 7))
    enc_outputs, enc_state = model.encoder(src)
    d2l.check_shape(enc_outputs, (7, 4, 10))
    d2l.check_shape(enc_state, (2, 4, 10))
    tgt = torch.randint(0, 13, (4, 5))
    d2l.check_shape(model(src, tgt, torch.full((4,), 7)), (4, 5, 13))
    batch = (src, tgt, torch.full((4,), 7), tgt)
    model.eval()
    preds, attention = model.predict_step(batch, torch.device('cpu'), num_steps=6)
    d2l.check_shape(preds, (4, 6))
    assert attention == []


def test_predict_step_matches_teacher_forcing_on_own_outputs():
    """Greedy decoding step by step equals one teacher-forced pass over its own output."""
    torch.manual_seed(0)
    model = make_seq2seq()
    model.eval()
    src, bos = torch.randint(0, 11, (3, 6)), 2
    tgt = torch.full((3, 6), bos)
    with torch.no_grad():
        preds, _ = model.predict_step((src, tgt, torch.full((3,), 6), tgt), 'cpu', 5)
        dec_in = torch.cat([tgt[:, :1], preds[:, :-1]], 1)
        Y = model(src, dec_in, torch.full((3,), 6))
    assert torch.equal(Y.argmax(2), preds)


def test_seq2seq_loss_ignores_padding():
    model = make_seq2seq()
    Y = torch.tensor([[4, 5, 1, 1], [6, 1, 1, 1]])  # 1 is the padding token
    Y_hat = torch.randn(2, 4, 13)
    Y_hat2 = Y_hat.clone()
    Y_hat2[0, 2:] = torch.randn(2, 13) * 10
    Y_hat2[1, 1:] = torch.randn(3, 13) * 10
    assert model.loss(Y_hat, Y) == pytest.approx(float(model.loss(Y_hat2, Y)))
    losses = torch.nn.functional.cross_entropy(Y_hat[[0, 0, 1], [0, 1, 0]],
                                               torch.tensor([4, 5, 6]))
    assert model.loss(Y_hat, Y) == pytest.approx(float(losses))


def test_init_seq2seq_skips_lazy_layers():
    net = torch.nn.Sequential(torch.nn.LazyLinear(3), torch.nn.Linear(4, 5))
    net.apply(d2l.init_seq2seq)  # must not touch the uninitialized lazy weight
    bound = math.sqrt(6 / (4 + 5))
    assert net[1].weight.abs().max() <= bound


# ---------------------------------------------------------------- gradient clipping


def grad_norm(model):
    return math.sqrt(sum(float((p.grad ** 2).sum()) for p in model.parameters()
                         if p.grad is not None))


def test_gradient_clipping_bounds_the_norm_and_keeps_direction():
    torch.manual_seed(0)
    model = d2l.RNNLMScratch(d2l.RNNScratch(6, 8), vocab_size=6)
    X = torch.randint(0, 6, (4, 10))
    (1000 * model.loss(model(X), X)).backward()
    before = [p.grad.clone() for p in model.parameters()]
    assert grad_norm(model) > 1
    d2l.Trainer(max_epochs=1, gradient_clip_val=1).clip_gradients(1, model)
    assert grad_norm(model) == pytest.approx(1.0, rel=1e-4)
    scale = float(list(model.parameters())[0].grad.norm() / before[0].norm())
    for p, g in zip(model.parameters(), before):
        assert torch.allclose(p.grad, g * scale, atol=1e-6)


def test_gradient_clipping_leaves_small_gradients_alone():
    model = d2l.RNNLMScratch(d2l.RNNScratch(6, 8), vocab_size=6)
    X = torch.randint(0, 6, (2, 3))
    (1e-3 * model.loss(model(X), X)).backward()
    before = [p.grad.clone() for p in model.parameters()]
    assert grad_norm(model) < 1
    d2l.Trainer(max_epochs=1, gradient_clip_val=1).clip_gradients(1, model)
    for p, g in zip(model.parameters(), before):
        assert torch.allclose(p.grad, g)
