#!/usr/bin/env python3
"""Runs gradlab_bench and writes its scaling table into bench/README.md (between the markers
<!-- bench_table begin --> and <!-- bench_table end -->), so that the table is generated, not typed.

Usage:
    python3 scripts/bench_table.py BENCH_BINARY [--filter REGEX] [--repetitions K] [--write]

For every benchmark it prints the CPU-time median at each size, the ratio to its hand-written
partner (the benchmark of the same name ending in _Hand or _HandEigen, same arguments, same run),
and its counters (bytes per node, tape / data). Without --write it prints the table.
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys

README = pathlib.Path(__file__).resolve().parent.parent / "bench" / "README.md"
BEGIN, END = "<!-- bench_table begin -->", "<!-- bench_table end -->"
PARTNERS = ("_Hand", "_HandEigen")


def run(binary, filt, reps):
    out = subprocess.run(
        [binary, f"--benchmark_filter={filt}", f"--benchmark_repetitions={reps}",
         "--benchmark_report_aggregates_only=true", "--benchmark_format=json"],
        check=True, capture_output=True, text=True).stdout
    return [b for b in json.loads(out)["benchmarks"] if b.get("aggregate_name") == "median"]


def split(name):  # "BM_X_Tape/1000/20_median" -> ("BM_X_Tape", "1000/20")
    base = name.removesuffix("_median")
    head, _, args = base.partition("/")
    return head, args


def table(rows):
    by_key = {split(b["name"]): b for b in rows}
    lines = ["| benchmark | size | CPU time (ms) | / hand-written, same run | counters |",
             "| --- | --- | --- | --- | --- |"]
    for (head, args), b in by_key.items():
        if head.endswith(PARTNERS):
            continue
        cpu = b["cpu_time"] * {"ms": 1, "us": 1e-3, "ns": 1e-6, "s": 1e3}[b["time_unit"]]
        ratio = ""
        stem = re.sub(r"_[A-Za-z]+$", "", head)
        for suffix in PARTNERS:
            hand = by_key.get((stem + suffix, args))
            if hand is not None:
                ratio = f"{b['cpu_time'] / hand['cpu_time']:.2f}"
        counters = ", ".join(f"{k} {v:.3g}" for k, v in b.items()
                             if k in ("bytes/node", "tape/data", "bytes_per_second"))
        lines.append(f"| `{head}` | {args.replace('/', ' × ')} | {cpu:.3f} | {ratio} | {counters} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--filter", default="ScalarNeuronGrad|DeepChain|TrainEpoch|BatchNeuronGrad")
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    text = table(run(args.binary, args.filter, args.repetitions))
    if not args.write:
        print(text)
        return 0
    readme = README.read_text()
    if BEGIN not in readme or END not in readme:
        print(f"bench_table.py: {README} has no {BEGIN} ... {END} markers", file=sys.stderr)
        return 1
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")
    print(f"updated {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
