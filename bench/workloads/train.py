"""Time one training epoch with whichever ``d2l`` this interpreter imports.

Run by the harness once with our library (PYTHONPATH = the repository) and once with
the reference d2l 1.0.3 (its own virtual environment). Both sides build the same model
with the same hyperparameters through the same public API and train for one epoch;
plotting is switched off on both sides so that only data loading and arithmetic count.
Prints one JSON line: {"seconds": ..., "examples_per_s": ..., "val_acc": ...}.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from d2l import torch as d2l

MODELS = {
    # name: (constructor, batch size, resize)
    "softmax": (lambda: d2l.SoftmaxRegression(num_outputs=10, lr=0.1), 256, (28, 28)),
    "lenet": (lambda: d2l.LeNet(lr=0.1), 128, (28, 28)),
}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("model", choices=sorted(MODELS))
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    make, batch_size, resize = MODELS[a.model]
    torch.manual_seed(0)
    # both libraries read ../data (relative to the working folder) by default
    data = d2l.FashionMNIST(batch_size=batch_size, resize=resize)
    model = make()
    if a.model == "lenet":
        model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
    model.board.display = False
    trainer = d2l.Trainer(max_epochs=1)
    t0 = time.perf_counter()
    trainer.fit(model, data)
    seconds = time.perf_counter() - t0
    n = len(data.train) if hasattr(data, "train") and hasattr(data.train, "__len__") else 60000
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for X, y in data.val_dataloader():
            correct += float((model(X).argmax(1) == y).sum())
            total += len(y)
    print(json.dumps({"seconds": seconds, "examples_per_s": n / seconds,
                      "val_acc": correct / total}))


if __name__ == "__main__":
    main()
