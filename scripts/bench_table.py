#!/usr/bin/env python3
"""Runs gradlab_bench and `gradlab train` at scale, and writes the scaling table into bench/README.md
(between the markers <!-- bench_table begin --> and <!-- bench_table end -->), so that the table is
generated, not typed.

Usage:
    python3 scripts/bench_table.py BENCH_BINARY [--cli GRADLAB] [--filter REGEX] [--repetitions K]
                                   [--rows N] [--no-train] [--write]

1. The training run: writes a CSV of N rows (default 10^6) x 20 features and a 0/1 target, 6 decimals
   each (192 MB), to a temporary directory, runs `gradlab train --data FILE --epochs 10 --loss bce`
   (GRADLAB defaults to cli/gradlab next to the benchmarks' build directory), reads its peak resident
   memory from resource.getrusage(RUSAGE_CHILDREN) (before any benchmark runs), and deletes the file.
2. The benchmarks matching REGEX, in one run, CPU-time medians of K repetitions.

For every benchmark and its other arguments it prints the CPU time at each number of rows N (its
first argument), how the time grows from the smallest N to the largest, the ratio to its
hand-written partner (the benchmark of the same stem ending in _Hand or _HandEigen, same arguments,
same run), and every counter the benchmark reports (bytes per node, MB/s, ...: whatever it sets,
so a new benchmark's counters appear without a change here). Without --write it prints the table.
"""
import argparse
import json
import pathlib
import random
import re
import resource
import subprocess
import sys
import tempfile
import time

README = pathlib.Path(__file__).resolve().parent.parent / "bench" / "README.md"
BEGIN, END = "<!-- bench_table begin -->", "<!-- bench_table end -->"
PARTNERS = ("_Hand", "_HandEigen")
# Keys of Google Benchmark's JSON that are not counters.
STANDARD = {"name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
            "threads", "aggregate_name", "aggregate_unit", "iterations", "real_time", "cpu_time",
            "time_unit", "label", "error_occurred", "error_message", "repetition_index",
            "items_per_second"}
FEATURES = 20
EPOCHS = 10


def run_benchmarks(binary, filt, reps):
    out = subprocess.run(
        [binary, f"--benchmark_filter={filt}", f"--benchmark_repetitions={reps}",
         "--benchmark_report_aggregates_only=true", "--benchmark_format=json"],
        check=True, capture_output=True, text=True).stdout
    return [b for b in json.loads(out)["benchmarks"] if b.get("aggregate_name") == "median"]


def write_training_csv(path, rows, features, seed=1):
    """rows of `features` uniform numbers in [-1, 1] with 6 decimals and a 0/1 target drawn from a
    logistic model (about 192 bytes a row at 20 features)."""
    rng = random.Random(seed)
    w = [rng.uniform(-1, 1) for _ in range(features)]
    with open(path, "w") as f:
        f.write(",".join(f"x{j + 1}" for j in range(features)) + ",y\n")
        chunk = []
        for _ in range(rows):
            x = [rng.uniform(-1, 1) for _ in range(features)]
            z = sum(a * b for a, b in zip(w, x))
            y = 1 if rng.random() < 1 / (1 + 2.718281828459045 ** -z) else 0
            chunk.append(",".join(f"{v:.6f}" for v in x) + f",{y}\n")
            if len(chunk) == 10000:
                f.write("".join(chunk))
                chunk = []
        f.write("".join(chunk))


def training_run(cli, rows):
    """Peak memory and CPU time of `gradlab train` on rows x FEATURES (run before any other child)."""
    with tempfile.TemporaryDirectory(prefix="gradlab_bench_table_") as tmp:
        data = pathlib.Path(tmp) / "big.csv"
        write_training_csv(data, rows, FEATURES)
        size = data.stat().st_size
        # The largest resident memory of any child so far: run before the benchmarks, so it is
        # gradlab's (the few MB a process inherits from its parent's count are far below it).
        start = time.monotonic()
        subprocess.run([cli, "train", "--data", str(data), "--epochs", str(EPOCHS), "--loss", "bce"],
                       check=True, stdout=subprocess.DEVNULL)
        wall = time.monotonic() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss * 1024  # Linux: kilobytes
    data_bytes = rows * (FEATURES + 1) * 8
    return (f"`gradlab train --data FILE --epochs {EPOCHS} --loss bce` on {rows} rows × {FEATURES} "
            f"features ({size / 1e6:.0f} MB of CSV, {data_bytes / 1e6:.0f} MB as doubles): peak memory "
            f"{peak / 1e6:.0f} MB, **{peak / data_bytes:.2f} × the data**; "
            f"{usage.ru_utime + usage.ru_stime:.2f} s CPU ({wall:.2f} s wall).")


def split(name):  # "BM_X_Tape/1000/20_median" -> ("BM_X_Tape", 1000, "20")
    base = name.removesuffix("_median")
    head, *args = base.split("/")
    if not args:
        return head, None, ""
    return head, int(args[0]), "/".join(args[1:])


def ms(b):
    return b["cpu_time"] * {"ms": 1, "us": 1e-3, "ns": 1e-6, "s": 1e3}[b["time_unit"]]


def counter_values(b):
    """The benchmark's counters as (name, text)."""
    for k, v in b.items():
        if k in STANDARD or not isinstance(v, (int, float)):
            continue
        yield ("MB/s", f"{v / 1e6:.0f}") if k == "bytes_per_second" else (k, f"{v:.3g}")


def counter_text(runs):
    """Each counter once when it is the same at every N, else its value at each N."""
    values = {}
    for b in runs:
        for k, v in counter_values(b):
            values.setdefault(k, []).append(v)
    return ", ".join(f"{k} {v[0] if len(set(v)) == 1 else ' / '.join(v)}" for k, v in values.items())


def size_text(n):
    if n is None:
        return "–"
    e = len(str(n)) - 1
    return f"10{''.join('⁰¹²³⁴⁵⁶⁷⁸⁹'[int(c)] for c in str(e))}" if n == 10 ** e else str(n)


def table(rows):
    by_key = {split(b["name"]): b for b in rows}
    sizes = sorted({n for (_, n, _) in by_key if n is not None}) or [None]
    groups = {}  # (head, other args) -> {n: benchmark}, in the run's order
    for (head, n, rest), b in by_key.items():
        groups.setdefault((head, rest), {})[n] = b
    lines = ["| benchmark | other args | " + " | ".join(f"CPU ms, N = {size_text(n)}" for n in sizes)
             + " | time growth, smallest to largest N | / hand-written, same run | counters |",
             "| --- | --- | " + " | ".join("---" for _ in sizes) + " | --- | --- | --- |"]
    for (head, rest), runs in groups.items():
        if head.endswith(PARTNERS):
            continue
        stem = re.sub(r"_[A-Za-z]+$", "", head)
        cells = [f"{ms(runs[n]):.3f}" if n in runs else "" for n in sizes]
        known = sorted(n for n in runs if n is not None)
        ratios = []
        for n in known + ([None] if None in runs else []):
            for suffix in PARTNERS:
                hand = by_key.get((stem + suffix, n, rest))
                if hand is not None:
                    ratios.append(f"{runs[n]['cpu_time'] / hand['cpu_time']:.2f}")
        growth = ""
        if len(known) > 1:
            lo, hi = known[0], known[-1]
            growth = f"× {ms(runs[hi]) / ms(runs[lo]):.1f} for × {hi // lo} N"
        if None in runs:  # no N: its time in the first column
            cells = [f"{ms(runs[None]):.3f}"] + cells[1:]
        lines.append(f"| `{head}` | {rest.replace('/', ' × ') or '–'} | " + " | ".join(cells)
                     + f" | {growth} | {' / '.join(ratios)} | {counter_text(runs[n] for n in runs)} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--cli", help="the gradlab executable (default: cli/gradlab in BINARY's build tree)")
    ap.add_argument("--filter", default="ScalarNeuronGrad|DeepChain|TrainEpoch|Csv")
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--rows", type=int, default=1000000, help="rows of the training run")
    ap.add_argument("--no-train", action="store_true", help="leave out the training run")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    binary = pathlib.Path(args.binary).resolve()
    parts = []
    if not args.no_train:
        cli = args.cli or str(binary.parent.parent / "cli" / "gradlab")
        parts.append(training_run(cli, args.rows))
    parts.insert(0, table(run_benchmarks(str(binary), args.filter, args.repetitions)))
    text = "\n\n".join(parts)
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
