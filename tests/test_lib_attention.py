"""Tests for the library names defined in the attention chapter (book chapter 11).

Masking, normalization, shapes, the positional-encoding formula, agreement with PyTorch's
own attention kernels, step-by-step decoding against whole-sequence decoding, and a tiny
Transformer that must overfit a tiny batch. Everything runs on the CPU in a few seconds.
"""
import math

import matplotlib
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from d2l import torch as d2l

matplotlib.use('Agg')


# ---------------------------------------------------------------- masked softmax


@pytest.mark.parametrize('valid_lens', [torch.tensor([2, 3]),
                                        torch.tensor([[1, 3], [2, 4]])])
def test_masked_softmax_zero_weight_beyond_valid_len(valid_lens):
    torch.manual_seed(0)
    X = torch.randn(2, 2, 4) * 5
    P = d2l.masked_softmax(X, valid_lens)
    lens = valid_lens if valid_lens.dim() == 2 else valid_lens.reshape(-1, 1).expand(2, 2)
    for b in range(2):
        for q in range(2):
            n = int(lens[b, q])
            assert torch.all(P[b, q, n:] == 0)
            assert torch.all(P[b, q, :n] > 0)
            # Inside the valid part it is the ordinary softmax
            torch.testing.assert_close(P[b, q, :n], torch.softmax(X[b, q, :n], dim=0))
    torch.testing.assert_close(P.sum(-1), torch.ones(2, 2))


def test_masked_softmax_without_lengths_is_softmax():
    X = torch.randn(3, 5, 7)
    torch.testing.assert_close(d2l.masked_softmax(X, None), torch.softmax(X, dim=-1))


def test_masked_softmax_all_masked_row_is_finite():
    P = d2l.masked_softmax(torch.randn(1, 2, 3), torch.tensor([0]))
    assert torch.isfinite(P).all()


# ---------------------------------------------------------------- scoring functions


def test_dot_product_attention_matches_formula_and_masks():
    torch.manual_seed(0)
    Q, K, V = torch.randn(2, 3, 8), torch.randn(2, 5, 8), torch.randn(2, 5, 4)
    valid_lens = torch.tensor([2, 5])
    attention = d2l.DotProductAttention(dropout=0.5).eval()
    out = attention(Q, K, V, valid_lens)
    W = attention.attention_weights
    assert out.shape == (2, 3, 4) and W.shape == (2, 3, 5)
    torch.testing.assert_close(W.sum(-1), torch.ones(2, 3))
    assert torch.all(W[0, :, 2:] == 0)
    expected = torch.softmax(Q[0] @ K[0, :2].T / math.sqrt(8), dim=-1) @ V[0, :2]
    torch.testing.assert_close(out[0], expected)


def test_dot_product_attention_equals_fused_kernel():
    torch.manual_seed(1)
    Q, K, V = torch.randn(4, 6, 16), torch.randn(4, 9, 16), torch.randn(4, 9, 16)
    lens = torch.tensor([1, 4, 9, 7])
    mask = torch.arange(9) < lens.reshape(-1, 1, 1)
    ours = d2l.DotProductAttention(0).eval()(Q, K, V, lens)
    fused = F.scaled_dot_product_attention(Q, K, V, attn_mask=mask)
    torch.testing.assert_close(ours, fused, atol=1e-5, rtol=1e-5)


def test_additive_attention_weights_and_masking():
    torch.manual_seed(0)
    queries, keys, values = torch.randn(2, 3, 20), torch.randn(2, 10, 2), torch.randn(2, 10, 4)
    attention = d2l.AdditiveAttention(num_hiddens=8, dropout=0.1).eval()
    out = attention(queries, keys, values, torch.tensor([2, 6]))
    W = attention.attention_weights
    assert out.shape == (2, 3, 4)
    torch.testing.assert_close(W.sum(-1), torch.ones(2, 3))
    assert torch.all(W[0, :, 2:] == 0) and torch.all(W[1, :, 6:] == 0)


# ---------------------------------------------------------------- multi-head attention


@pytest.mark.parametrize('num_hiddens,num_heads', [(100, 5), (16, 1), (24, 8)])
def test_multihead_attention_shapes(num_hiddens, num_heads):
    attention = d2l.MultiHeadAttention(num_hiddens, num_heads, 0.5).eval()
    X, Y = torch.randn(2, 4, num_hiddens), torch.randn(2, 6, 7)
    out = attention(X, Y, Y, torch.tensor([3, 2]))
    assert out.shape == (2, 4, num_hiddens)
    W = attention.attention.attention_weights
    assert W.shape == (2 * num_heads, 4, 6)
    # All heads of sample 0 ignore keys 3.., all heads of sample 1 ignore keys 2..
    assert torch.all(W[:num_heads, :, 3:] == 0) and torch.all(W[num_heads:, :, 2:] == 0)
    torch.testing.assert_close(W.sum(-1), torch.ones(2 * num_heads, 4))


def test_transpose_qkv_roundtrip():
    attention = d2l.MultiHeadAttention(12, 3, 0)
    X = torch.randn(2, 5, 12)
    T = attention.transpose_qkv(X)
    assert T.shape == (6, 5, 4)
    torch.testing.assert_close(T[1], X[0, :, 4:8])  # sample 0, head 1
    torch.testing.assert_close(attention.transpose_output(T), X)


def test_multihead_attention_equals_torch_module():
    torch.manual_seed(0)
    ours = d2l.MultiHeadAttention(16, 4, 0).eval()
    X, Y, lens = torch.randn(2, 3, 16), torch.randn(2, 5, 16), torch.tensor([5, 2])
    ours(X, Y, Y, lens)  # materialize the lazy layers
    theirs = nn.MultiheadAttention(16, 4, bias=False, batch_first=True).eval()
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.W_q.weight, ours.W_k.weight,
                                               ours.W_v.weight]))
        theirs.out_proj.weight.copy_(ours.W_o.weight)
        expected, _ = theirs(X, Y, Y, key_padding_mask=torch.arange(5) >= lens.reshape(-1, 1))
        torch.testing.assert_close(ours(X, Y, Y, lens), expected, atol=1e-5, rtol=1e-5)


# ---------------------------------------------------------------- positional encoding


@pytest.mark.parametrize('d', [8, 32, 7])
def test_positional_encoding_formula(d):
    pe = d2l.PositionalEncoding(d, 0, max_len=50)
    out = pe(torch.zeros(1, 50, d))[0]
    for i in (0, 1, 5, 49):
        for j in range(d):
            angle = i / 10000 ** ((j - j % 2) / d)
            expected = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert abs(out[i, j].item() - expected) < 1e-5, (i, j)


def test_positional_encoding_offset():
    pe = d2l.PositionalEncoding(16, 0)
    full = pe(torch.zeros(1, 10, 16))
    torch.testing.assert_close(pe(torch.zeros(1, 3, 16), offset=4), full[:, 4:7])


# ---------------------------------------------------------------- Transformer


def test_transformer_shapes_and_causal_decoder():
    torch.manual_seed(0)
    valid_lens = torch.tensor([3, 2])
    encoder = d2l.TransformerEncoder(200, 24, 48, 8, 2, 0.5).eval()
    enc_out = encoder(torch.ones((2, 10), dtype=torch.long), valid_lens)
    assert enc_out.shape == (2, 10, 24)
    assert len(encoder.attention_weights) == 2
    decoder = d2l.TransformerDecoder(30, 24, 48, 8, 2, 0.5).eval()
    Y = torch.randint(0, 30, (2, 6))
    out1, _ = decoder(Y, decoder.init_state(enc_out, valid_lens))
    assert out1.shape == (2, 6, 30)
    Y2 = Y.clone()
    Y2[:, 4:] = (Y2[:, 4:] + 1) % 30
    out2, _ = decoder(Y2, decoder.init_state(enc_out, valid_lens))
    # Changing later target tokens must not change earlier outputs
    torch.testing.assert_close(out1[:, :4], out2[:, :4])
    assert not torch.allclose(out1[:, 4:], out2[:, 4:])


def test_transformer_decoding_step_by_step_equals_whole_sequence():
    torch.manual_seed(0)
    encoder = d2l.TransformerEncoder(20, 16, 32, 4, 2, 0.0).eval()
    decoder = d2l.TransformerDecoder(20, 16, 32, 4, 2, 0.0).eval()
    src, lens = torch.randint(0, 20, (3, 7)), torch.tensor([7, 4, 2])
    tgt = torch.randint(0, 20, (3, 5))
    with torch.no_grad():
        enc_out = encoder(src, lens)
        whole, _ = decoder(tgt, decoder.init_state(enc_out, lens))
        state, steps = decoder.init_state(enc_out, lens), []
        for t in range(tgt.shape[1]):
            out, state = decoder(tgt[:, t:t + 1], state)
            steps.append(out)
    torch.testing.assert_close(torch.cat(steps, 1), whole, atol=1e-5, rtol=1e-5)


def test_tiny_transformer_overfits_tiny_batch():
    """Learn to copy 4 fixed source sequences; the loss must get close to zero."""
    torch.manual_seed(0)
    vocab, bos, num_steps = 12, 1, 6
    src = torch.randint(2, vocab, (4, num_steps))
    lens = torch.full((4,), num_steps)
    dec_in = torch.cat([torch.full((4, 1), bos), src[:, :-1]], 1)
    encoder = d2l.TransformerEncoder(vocab, 32, 64, 4, 1, 0.0)
    decoder = d2l.TransformerDecoder(vocab, 32, 64, 4, 1, 0.0)
    model = d2l.EncoderDecoder(encoder, decoder)
    model(src, dec_in, lens)  # materialize the lazy layers
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(200):
        loss = F.cross_entropy(model(src, dec_in, lens).reshape(-1, vocab), src.reshape(-1))
        first = loss.item() if first is None else first
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert first > 1.5 and loss.item() < 0.05
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(src, dec_in, lens).argmax(-1), src)


# ---------------------------------------------------------------- Vision Transformer


def test_vit_shapes():
    torch.manual_seed(0)
    patch = d2l.PatchEmbedding(28, 7, 32)
    assert patch(torch.zeros(2, 1, 28, 28)).shape == (2, 16, 32) and patch.num_patches == 16
    blk = d2l.ViTBlock(32, 32, 64, 4, 0.1).eval()
    assert blk(torch.randn(2, 17, 32)).shape == (2, 17, 32)
    model = d2l.ViT(28, 7, 32, 64, 4, 2, 0.1, 0.1).eval()
    logits = model(torch.randn(3, 1, 28, 28))
    assert logits.shape == (3, 10)
    assert model.loss(logits, torch.tensor([0, 1, 2])).item() > 0


# ---------------------------------------------------------------- plotting


def test_show_heatmaps_draws_every_matrix():
    d2l.show_heatmaps(torch.rand(2, 3, 4, 5), xlabel='Keys', ylabel='Queries',
                      titles=['a', 'b', 'c'])
    fig = matplotlib.pyplot.gcf()
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 6
    matplotlib.pyplot.close(fig)
