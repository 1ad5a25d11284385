"""Time one training epoch with whichever ``d2l.jax`` this interpreter imports.

Run by the harness (``python -m bench jax-train``) once with our library and once with
d2l 1.0.3 in its own virtual environment. Both sides build the same Flax model with the
same hyperparameters through the same public API (``d2l.FashionMNIST``, the model class,
``d2l.Trainer``) and train for two epochs in one process: the first is the warm-up (it
pays for JIT compilation and the data pipeline's first pass) and is reported as
``warmup_seconds``; the second is the measured epoch (``seconds``). Plotting is off on
both sides. Each epoch includes the validation pass that ``Trainer.fit`` runs.

Prints one JSON line: {"seconds", "warmup_seconds", "compile_seconds" (warm-up minus
measured epoch: an estimate of compilation), "setup_seconds" (fit's start to the first
epoch: parameter initialisation and data preparation), "data_seconds" (constructing the
data set), "examples_per_s", "train_examples", "val_acc", "jax", "flax"}.
"""

from __future__ import annotations

import argparse
import json
import time

import flax
import jax

from d2l import jax as d2l

MODELS = {
    # name: (constructor, batch size)
    "softmax": (lambda: d2l.SoftmaxRegression(num_outputs=10, lr=0.1), 256),
    "lenet": (lambda: d2l.LeNet(lr=0.1), 128),
}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("model", choices=sorted(MODELS))
    a = p.parse_args()
    make, batch_size = MODELS[a.model]
    t0 = time.perf_counter()
    data = d2l.FashionMNIST(batch_size=batch_size)
    data_seconds = time.perf_counter() - t0
    model = make()
    model.board.display = False
    trainer = d2l.Trainer(max_epochs=2)
    epochs: list[float] = []
    marks: dict[str, float] = {}
    fit_epoch = trainer.fit_epoch  # both libraries' fit() calls self.fit_epoch() per epoch

    def timed_epoch() -> None:
        marks.setdefault("first", time.perf_counter())
        t = time.perf_counter()
        fit_epoch()
        jax.block_until_ready(trainer.state.params)
        epochs.append(time.perf_counter() - t)

    trainer.fit_epoch = timed_epoch
    t0 = time.perf_counter()
    trainer.fit(model, data, key=jax.random.PRNGKey(0))
    assert len(epochs) == 2, f"expected 2 epochs, timed {len(epochs)}"
    state = trainer.state
    correct = total = 0
    for X, y in data.val_dataloader():
        correct += float(model.accuracy(state.params, [X], y, state, averaged=False).sum())
        total += len(y)
    n = sum(len(y) for _, y in data.train_dataloader())
    print(json.dumps({
        "seconds": epochs[1], "warmup_seconds": epochs[0],
        "compile_seconds": epochs[0] - epochs[1], "setup_seconds": marks["first"] - t0,
        "data_seconds": data_seconds, "examples_per_s": n / epochs[1],
        "train_examples": n, "val_acc": correct / total,
        "jax": jax.__version__, "flax": flax.__version__}))


if __name__ == "__main__":
    main()
