"""Training throughput (examples per second over training steps only) of one CNN.

Works with whichever ``d2l`` this interpreter imports, ours or the reference d2l 1.0.3,
through the API both share: ``FashionMNIST``, the model class, ``Trainer.prepare_data``,
``Trainer.prepare_model``, ``Trainer.prepare_batch``, ``Module.training_step`` and
``configure_optimizers``. Each library feeds batches the way it does for a reader (the
reference: a DataLoader with per-image transforms; ours: the data set resident on the
device, resized per batch there). Warm-up steps are not timed; the device is
synchronised before the clock starts and stops.

``--fast`` adds what the AlexNet section's performance note teaches: channels-last
memory layout and bfloat16 autocast (on CUDA only). ``--graphs`` (ours, CUDA only; not yet
taught by the book) also captures the whole training step (forward, backward, SGD
update) in one CUDA graph and replays it per batch, which removes the per-kernel launch
cost that bounds small models; batches of another size (the last one) are skipped.

Prints one JSON line: {"examples_per_s": ..., "steps": ..., "device": ...}.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import time
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from d2l import torch as d2l

OURS = Path(__file__).resolve().parents[2] / "d2l" / "torch.py"


def model_class(name: str):
    """``d2l.<name>``; where the library lacks it (d2l 1.0.3 keeps AlexNet and ResNet in
    the notebooks, not the library), our library's definition of the same architecture,
    built on this library's ``Classifier`` so that training goes through its code."""
    if hasattr(d2l, name):
        return getattr(d2l, name)
    tree = ast.parse(OURS.read_text(encoding="utf-8"))
    wanted = {"AlexNet": ["AlexNet"], "ResNet18": ["Residual", "ResNet", "ResNet18"]}[name]
    nodes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name in wanted]
    scope = {"d2l": d2l, "nn": nn, "F": F, "torch": torch}
    exec(compile(ast.Module(body=nodes, type_ignores=[]), str(OURS), "exec"), scope)
    return scope[name]


MODELS = {
    # name: (class, learning rate, batch size, image side); the sections' hyperparameters
    "lenet": ("LeNet", 0.1, 128, 28),
    "resnet18": ("ResNet18", 0.01, 128, 96),
    "alexnet": ("AlexNet", 0.01, 128, 224),
}


def batches(trainer):
    while True:  # as many passes over the data as the measurement needs
        yield from trainer.train_dataloader


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("model", choices=sorted(MODELS))
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--fast", action="store_true")
    p.add_argument("--graphs", action="store_true")
    a = p.parse_args()
    cls_name, lr, batch_size, side = MODELS[a.model]
    torch.manual_seed(0)
    data = d2l.FashionMNIST(batch_size=batch_size, resize=(side, side))
    model = model_class(cls_name)(lr=lr)
    model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
    model.board.display = False
    trainer = d2l.Trainer(max_epochs=1, num_gpus=1)
    trainer.num_epochs = 1  # ours sets it in fit(); prepare_model reads it
    trainer.prepare_data(data)
    trainer.prepare_model(model)
    device = next(model.parameters()).device
    cuda = device.type == "cuda"
    fast = (a.fast or a.graphs) and cuda
    graphs = a.graphs and cuda
    if fast:
        model.to(memory_format=torch.channels_last)
    optim = model.configure_optimizers()
    trainer.optim, trainer.epoch, trainer.train_batch_idx = optim, 0, 0
    model.train()
    def autocast():
        return (torch.autocast("cuda", dtype=torch.bfloat16, cache_enabled=not graphs)
                if fast else contextlib.nullcontext())

    def layout(batch):
        batch = trainer.prepare_batch(batch)
        if fast:
            batch = [b.contiguous(memory_format=torch.channels_last) if b.dim() == 4 else b
                     for b in batch]
        return batch

    it = batches(trainer)
    if graphs:
        static = [b.clone() for b in layout(next(it))]
        side_stream = torch.cuda.Stream()
        side_stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side_stream):  # warm up outside the graph, as CUDA asks
            for _ in range(3):
                optim.zero_grad(set_to_none=True)
                with autocast():
                    loss = model.loss(model(static[0]), static[1])
                loss.backward()
                optim.step()
        torch.cuda.current_stream().wait_stream(side_stream)
        graph = torch.cuda.CUDAGraph()
        optim.zero_grad(set_to_none=True)
        with torch.cuda.graph(graph):
            with autocast():
                loss = model.loss(model(static[0]), static[1])
            loss.backward()
            optim.step()
    t0 = None
    for i in range(a.warmup + a.steps):
        if i == a.warmup:
            if cuda:
                torch.cuda.synchronize()
            t0 = time.perf_counter()
        batch = layout(next(it))
        if graphs:
            while batch[0].shape != static[0].shape:
                batch = layout(next(it))
            for dst, src in zip(static, batch):
                dst.copy_(src)
            graph.replay()
            continue
        with autocast():
            loss = model.training_step(batch)
        optim.zero_grad()
        loss.backward()
        optim.step()
        trainer.train_batch_idx += 1
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    print(json.dumps({"examples_per_s": a.steps * batch_size / seconds, "steps": a.steps,
                      "seconds": seconds, "loss": float(loss.detach()), "device": str(device),
                      "fast": fast, "graphs": graphs,
                      "model_from": "library" if hasattr(d2l, cls_name) else "ours",
                      "gpu": torch.cuda.get_device_name() if cuda else None}))


if __name__ == "__main__":
    main()
