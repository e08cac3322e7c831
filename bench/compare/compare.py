#!/usr/bin/env python3
"""Builds and runs the comparison of gradlab with CoDiPack and Adept-2 (bench/compare/README.md) and
prints its tables of ratios in markdown.

Usage (from anywhere; CODIPACK and ADEPT are the two libraries' source trees):
    python3 bench/compare/compare.py --codipack CODIPACK --adept ADEPT [--build-dir DIR]
                                     [--repetitions K] [--filter REGEX] [--write]

1. Configures bench/compare/ (its own CMake project, gradlab from this checkout, the `release`
   preset's flags) in DIR (default build/compare) and builds gradlab_compare.
2. Runs the benchmarks matching REGEX in one run, CPU-time medians of K repetitions (default 5),
   with scripts/bench_table.py's runner, and prints the load average before and after.
3. Prints each tool's time over the hand-written loop with libm's exp, sigma as issue 18 measured it
   (BM_<stem>_Hand, same N, same run), then gradlab's time over CoDiPack's and Adept's directly;
   with --write, into bench/compare/README.md between <!-- compare begin --> and <!-- compare end -->.
"""
import argparse
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
README = ROOT / "bench" / "compare" / "README.md"
BEGIN, END = "<!-- compare begin -->", "<!-- compare end -->"
sys.path.insert(0, str(ROOT / "scripts"))
import bench_table  # noqa: E402  (run_benchmarks, split, ms, size_text)

LABELS = {  # benchmark -> row label, in the order of the tables
    "BM_Neuron_HandPlainExp": "hand loop, 1/(1+exp(-z)) through libm",
    "BM_Neuron_HandInlineExp": "hand loop, gradlab's inline exp",
    "BM_Neuron_GradlabNode": "gradlab node mode (one node per op)",
    "BM_Neuron_GradlabStatement": "gradlab statement mode (expression templates)",
    "BM_Neuron_CodiPerOp": "CoDiPack, one statement per op",
    "BM_Neuron_CodiPerNode": "CoDiPack, one statement per gradlab node",
    "BM_Neuron_CodiExpr": "CoDiPack, expression templates",
    "BM_Neuron_AdeptPerOp": "Adept-2, one statement per op",
    "BM_Neuron_AdeptPerNode": "Adept-2, one statement per gradlab node",
    "BM_Neuron_AdeptExpr": "Adept-2, expression templates",
    "BM_Chain_GradlabNode": "gradlab node mode",
    "BM_Chain_GradlabStatement": "gradlab statement mode",
    "BM_Chain_Codi": "CoDiPack",
    "BM_Chain_Adept": "Adept-2",
}
DIRECT = [  # (label, gradlab's benchmark, the other tool's benchmark)
    ("neuron: gradlab node / CoDiPack one statement per op", "BM_Neuron_GradlabNode",
     "BM_Neuron_CodiPerOp"),
    ("neuron: gradlab node / Adept-2 one statement per op", "BM_Neuron_GradlabNode",
     "BM_Neuron_AdeptPerOp"),
    ("neuron: gradlab node / CoDiPack one statement per gradlab node", "BM_Neuron_GradlabNode",
     "BM_Neuron_CodiPerNode"),
    ("neuron: gradlab node / Adept-2 one statement per gradlab node", "BM_Neuron_GradlabNode",
     "BM_Neuron_AdeptPerNode"),
    ("neuron: gradlab statement / CoDiPack expression templates", "BM_Neuron_GradlabStatement",
     "BM_Neuron_CodiExpr"),
    ("neuron: gradlab statement / Adept-2 expression templates", "BM_Neuron_GradlabStatement",
     "BM_Neuron_AdeptExpr"),
    ("chain: gradlab node / CoDiPack", "BM_Chain_GradlabNode", "BM_Chain_Codi"),
    ("chain: gradlab node / Adept-2", "BM_Chain_GradlabNode", "BM_Chain_Adept"),
    ("chain: gradlab statement / CoDiPack", "BM_Chain_GradlabStatement", "BM_Chain_Codi"),
    ("chain: gradlab statement / Adept-2", "BM_Chain_GradlabStatement", "BM_Chain_Adept"),
]


def build(build_dir, codipack, adept):
    subprocess.run(["cmake", "-S", str(ROOT / "bench" / "compare"), "-B", str(build_dir),
                    f"-DCODIPACK_DIR={codipack}", f"-DADEPT_DIR={adept}"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", str(build_dir), "--target", "gradlab_compare", "-j2"], check=True,
                   stdout=subprocess.DEVNULL)
    return build_dir / "gradlab_compare"


def ratio_table(title, rows, cpu, sizes):
    """One markdown table: a row per (label, numerator, denominator), a column per N."""
    lines = [f"| {title} | " + " | ".join(f"N = {bench_table.size_text(n)}" for n in sizes) + " |",
             "| --- | " + " | ".join("---" for _ in sizes) + " |"]
    for label, num, den in rows:
        cells = [f"{cpu[num, n] / cpu[den, n]:.2f}" if (num, n) in cpu and (den, n) in cpu else ""
                 for n in sizes]
        if any(cells):
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--codipack", required=True, help="CoDiPack's source tree (holds include/codi.hpp)")
    ap.add_argument("--adept", required=True, help="Adept-2's source tree (holds include/adept.h)")
    ap.add_argument("--build-dir", default=str(ROOT / "build" / "compare"))
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--filter", default=".")
    ap.add_argument("--write", action="store_true",
                    help=f"write the tables into {README.relative_to(ROOT)} instead of printing them")
    args = ap.parse_args()
    binary = build(pathlib.Path(args.build_dir).resolve(), pathlib.Path(args.codipack).resolve(),
                   pathlib.Path(args.adept).resolve())
    load_before = os.getloadavg()
    rows = bench_table.run_benchmarks(str(binary), args.filter, args.repetitions)
    load_after = os.getloadavg()
    cpu = {}  # (benchmark, N) -> CPU ms, median
    for b in rows:
        head, n, _ = bench_table.split(b["name"])
        cpu[head, n] = bench_table.ms(b)
    sizes = sorted({n for (_, n) in cpu})
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    parts = [f"{time.strftime('%Y-%m-%d', time.gmtime())}, gradlab at `{commit}`; load average (1, 5, 15 "
             f"min) {' '.join(f'{x:.2f}' for x in load_before)} before, "
             f"{' '.join(f'{x:.2f}' for x in load_after)} after; CPU time, medians of {args.repetitions}."]
    for stem, title in (("BM_Neuron", "neuron gradient / hand loop (libm exp)"),
                        ("BM_Chain", "deep chain / hand loop (libm sin, cos)")):
        hand = f"{stem}_Hand"
        parts.append(ratio_table(title, [(label, head, hand) for head, label in LABELS.items()
                                         if head.startswith(stem + "_")], cpu, sizes) + "\n"
                     "| hand loop, CPU ms | " + " | ".join(f"{cpu[hand, n]:.3f}" if (hand, n) in cpu else ""
                                                        for n in sizes) + " |")
    parts.append(ratio_table("gradlab / the tape library, directly", DIRECT, cpu, sizes))
    text = "\n\n".join(parts)
    if not args.write:
        print(text)
        return 0
    readme = README.read_text()
    if readme.count(BEGIN) != 1 or readme.count(END) != 1 or readme.index(BEGIN) > readme.index(END):
        sys.exit(f"{README}: expected one {BEGIN} before one {END}")
    head, rest = readme.split(BEGIN)
    README.write_text(head + BEGIN + "\n" + text + "\n" + END + rest.split(END, 1)[1])
    print(f"updated {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
