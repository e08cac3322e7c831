#!/usr/bin/python3
"""PyTorch autograd on the workloads of bench_matrix.cpp (CPU, float64, one thread), for comparison.

CPU times (medians) on both sides, since the machines we use are shared: PyTorch's process time, with
torch.set_num_threads(1), and Google Benchmark's cpu_time for gradlab.

Not part of CI. Needs Debian's python3-torch. Usage:
    /usr/bin/python3 bench/torch_batch_neuron.py [path/to/gradlab_bench]
With the path, it also runs gradlab's matrix benchmarks and prints gradlab/PyTorch ratios, one row per
way a user gets the gradient:
  - engine: BM_BatchNeuronGrad_Autodiff, matrix nodes recorded on whole matrices by hand (what a user
    writing their own loss gets; X w and X^T d each read the whole X);
  - Neuron: BM_BatchNeuronGrad_Neuron, Neuron::value_and_gradient(X, y, GradMethod::AutodiffMatrix),
    the same loss through the library's neuron (blocks of rows below Neuron::kMatrixWholeInputs inputs);
  - hvp: BM_HessianVectorProduct, against PyTorch's double backward.
Issue 18's target: the gradient in <= 0.5 of PyTorch's CPU time in the default build.
"""
import json
import statistics
import subprocess
import sys
import time

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)


def timed(fn, reps=15):
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times) * 1e3  # ms of CPU: the machines we use are shared


def workload(n, d):
    gen = torch.Generator().manual_seed(42)
    X = torch.rand(n, d, generator=gen) * 2 - 1
    y = torch.rand(n, generator=gen)
    w0 = (torch.rand(d, generator=gen) * 2 - 1) / d ** 0.5
    v = torch.rand(d, generator=gen) * 2 - 1

    def loss(w, b):  # L = 1/2 |sigmoid(Xw + b) - y|^2
        return 0.5 * ((torch.sigmoid(X @ w + b) - y) ** 2).sum()

    def gradient():
        w = w0.clone().requires_grad_()
        b = torch.tensor(-0.1, requires_grad=True)
        loss(w, b).backward()
        return w.grad, b.grad

    def hvp():  # double backward: d/dw (grad(L) . v)
        w = w0.clone().requires_grad_()
        b = torch.tensor(-0.1, requires_grad=True)
        (g,) = torch.autograd.grad(loss(w, b), w, create_graph=True)
        (hv,) = torch.autograd.grad(g @ v, w)
        return hv

    return timed(gradient), timed(hvp)


def main():
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), float64, CPU")
    torch_ms = {}
    for n, d in [(1000000, 1), (100000, 100)]:
        g, h = workload(n, d)
        torch_ms[(n, d)] = (g, h)
        print(f"N={n:>7} d={d:>3}: gradient {g:7.2f} ms, hvp {h:7.2f} ms ({h / g:.2f}x gradient)")
    if len(sys.argv) > 1:
        out = subprocess.run([sys.argv[1],
                              "--benchmark_filter=BatchNeuronGrad_(Autodiff|Neuron)|HessianVectorProduct",
                              "--benchmark_format=json", "--benchmark_repetitions=5",
                              "--benchmark_report_aggregates_only=true"], capture_output=True, check=True, text=True)
        what = {"Autodiff": "engine, whole matrices", "Neuron": "Neuron::value_and_gradient",
                "HessianVectorProduct": "hvp, engine"}
        for b in json.loads(out.stdout)["benchmarks"]:
            if b.get("aggregate_name") != "median":
                continue
            name = b["run_name"]
            n, d = (int(x) for x in name.split("/")[1:3])
            ms = b["cpu_time"]
            ref = torch_ms[(n, d)][1 if "Hessian" in name else 0]
            label = next(v for k, v in what.items() if k in name)
            print(f"{name} ({label}): gradlab {ms:7.2f} ms, PyTorch {ref:7.2f} ms, gradlab/PyTorch = {ms / ref:.2f}")

if __name__ == "__main__":
    main()
