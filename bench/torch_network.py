#!/usr/bin/python3
"""PyTorch (float64, CPU) beside gradlab's feedforward networks: the gradient, and the epoch time.

Not needed by the build. Needs Debian's python3-torch; run it with /usr/bin/python3.

    /usr/bin/python3 bench/torch_network.py check MODEL.json DATA.csv [--target COL] [--gradlab PATH]
        The mean loss and the gradient of every parameter of a gradlab model file on DATA (torch
        float64 autograd), against `gradlab train --load MODEL --data DATA --epochs 0 --json
        --gradient`. Prints the largest relative difference; exit 1 above 1e-12.
    /usr/bin/python3 bench/torch_network.py time [--reps N]
        One epoch of BM_NetworkEpoch_Autodiff (bench/bench_networks.cpp) in PyTorch: 64-128-10, relu,
        softmax with cross-entropy, digits / 16, batches of 64 in file order, plain gradient descent
        with learning rate 0.01; one thread; CPU time (time.process_time) per epoch.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

import torch

torch.set_default_dtype(torch.float64)

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
TOLERANCE = 1e-12


# ---- the model file and the data, as gradlab reads them -------------------------------------------

def read_csv(path, target):
    """(X, y): every column but the target is a feature, in file order (gradlab's select_columns)."""
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if r and not r[0].lstrip().startswith("#")]
    header = [c.strip() for c in rows[0]]
    t = header.index(target) if target else len(header) - 1
    data = torch.tensor([[float(v) for v in r] for r in rows[1:]])
    features = [k for k in range(len(header)) if k != t]
    return data[:, features], data[:, t]


def activation(name):
    # the records of neuron/include/gradlab/neuron/activations.hpp
    table = {
        "linear": lambda z: z,
        "identity": lambda z: z,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,  # f'(0) = 0 in both
        "leaky_relu": lambda z: 0.01 * z + 0.99 * torch.relu(z),
        "elu": lambda z: torch.relu(z) + (torch.exp(z - torch.relu(z)) - 1.0),
        "softplus": torch.nn.functional.softplus,
        "silu": lambda z: z * torch.sigmoid(z),
        "gelu": lambda z: z * 0.5 * (1.0 + torch.erf(z / 2.0 ** 0.5)),
        "softmax": lambda z: z,  # the ce loss takes the logits
    }
    if name not in table:
        sys.exit(f"torch_network.py: activation '{name}' is not mirrored here")
    return table[name]


def mean_loss(model, X, y):
    """The mean loss of networks/src/network.cpp over the rows of X, with its parameters as leaves."""
    params = []
    A = X
    for L in model["layers"]:
        W = torch.tensor(L["W"], dtype=torch.float64, requires_grad=True)
        b = torch.tensor(L["b"], dtype=torch.float64, requires_grad=True)
        params += [W, b]
        Z = A @ W.T + b
        A = activation(L["activation"])(Z)
    n = X.shape[0]
    loss = model["loss"]
    if loss in ("mse", "squared_error"):  # 1/2 (a - y)^2 per output, mean over samples
        value = 0.5 * ((A - y.reshape(n, -1)) ** 2).sum() / n
    elif loss in ("bce", "binary_cross_entropy"):  # on the logit: softplus(z) - y z
        z = Z.reshape(n)
        value = (torch.nn.functional.softplus(z) - y * z).sum() / n
    elif loss in ("ce", "cross_entropy"):  # -log softmax(z)_label
        value = torch.nn.functional.cross_entropy(Z, y.long(), reduction="sum") / n
    else:
        sys.exit(f"torch_network.py: unknown loss '{loss}'")
    return value, params


def check(args):
    with open(args.model) as f:
        model = json.load(f)
    X, y = read_csv(args.data, args.target)
    if "standardize" in model:
        st = model["standardize"]
        X = (X - torch.tensor(st["mean"])) / torch.tensor(st["scale"])
    value, params = mean_loss(model, X, y)
    value.backward()

    cmd = [args.gradlab, "train", "--load", args.model, "--data", args.data, "--epochs", "0", "--json",
           "--gradient", "--validation", "0"]
    if args.target:
        cmd += ["--target", args.target]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"torch_network.py: {' '.join(cmd)} failed ({out.returncode}):\n{out.stderr}")
    g = json.loads(out.stdout)

    # The scale of each entry: the mean over the samples of |that sample's term|. The gradient of a
    # mean loss is a sum of per-sample terms, and rounding errors are relative to the terms, not to
    # their sum (in a trained model the terms cancel, e.g. layer2.b of examples/data/xor_model.json).
    scale = [torch.zeros_like(p) for p in params]
    loss_scale = 0.0
    n = X.shape[0]
    for i in range(n):
        v, ps = mean_loss(model, X[i:i + 1], y[i:i + 1])
        v.backward()
        loss_scale += abs(v.item()) / n
        for s, p in zip(scale, ps):
            s += p.grad.abs() / n

    def rel(mine, ref, s):
        d = (mine - ref).abs()
        plain = d.max().item() / max(ref.abs().max().item(), 1e-300)
        scaled = torch.where(d == 0, torch.zeros_like(d), d / s).max().item()
        return plain, scaled

    plain, worst = rel(torch.tensor(g["loss"]), value.detach(), torch.tensor(loss_scale))
    print(f"loss: gradlab {g['loss']!r}, torch {value.item()!r}, relative difference {plain:.2e}")
    print("parameter: max |difference| / max |entry|;  max |difference| / scale (the mean |per-sample term|)")
    for l, L in enumerate(g["gradient"]):
        for k, name in enumerate(("W", "b")):
            ref = params[2 * l + k].grad
            p, r = rel(torch.tensor(L[name], dtype=torch.float64).reshape(ref.shape), ref, scale[2 * l + k])
            worst = max(worst, r)
            print(f"layer{l + 1}.{name} {tuple(ref.shape)}: {p:.2e};  {r:.2e}")
    print(f"max relative difference {worst:.2e} (to the scale of the terms; tolerance {TOLERANCE:g})")
    return 0 if worst <= TOLERANCE else 1


# ---- the epoch time ---------------------------------------------------------------------------------

def time_epoch(args):
    torch.set_num_threads(1)
    X, y = read_csv(os.path.join(SOURCE, "examples", "data", "digits.csv"), "label")
    X = X / 16.0
    labels = y.long()
    gen = torch.Generator().manual_seed(1)  # He initialisation (the values do not change the work)
    W1 = (torch.randn(128, 64, generator=gen) * (2.0 / 64) ** 0.5).requires_grad_()
    b1 = torch.zeros(128, requires_grad=True)
    W2 = (torch.randn(10, 128, generator=gen) * (2.0 / 128) ** 0.5).requires_grad_()
    b2 = torch.zeros(10, requires_grad=True)
    params = [W1, b1, W2, b2]
    batches = [(X[s:s + 64].contiguous(), labels[s:s + 64].contiguous()) for s in range(0, X.shape[0], 64)]
    lr = 0.01

    def epoch():
        for Xb, yb in batches:
            Z = torch.relu(Xb @ W1.T + b1) @ W2.T + b2
            loss = torch.nn.functional.cross_entropy(Z, yb)  # the mean over the batch
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad

    epoch()  # warm-up
    times, walls = [], []
    for _ in range(args.reps):
        t0, w0 = time.process_time(), time.perf_counter()
        epoch()
        times.append(time.process_time() - t0)
        walls.append(time.perf_counter() - w0)
    times.sort()
    walls.sort()
    median = times[len(times) // 2] * 1e3
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread, float64, CPU")
    print(f"one epoch, 64-128-10, batch 64, {X.shape[0]} samples: {median:.3f} ms CPU "
          f"(median of {args.reps}; min {times[0] * 1e3:.3f} ms; wall median {walls[len(walls) // 2] * 1e3:.3f} ms)")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("check", help="the gradient of a model file against PyTorch's")
    c.add_argument("model")
    c.add_argument("data")
    c.add_argument("--target", default="")
    c.add_argument("--gradlab", default=os.path.join(SOURCE, "build", "release", "cli", "gradlab"))
    t = sub.add_parser("time", help="one epoch of the digits network")
    t.add_argument("--reps", type=int, default=21)
    args = p.parse_args()
    return check(args) if args.mode == "check" else time_epoch(args)


if __name__ == "__main__":
    sys.exit(main())
