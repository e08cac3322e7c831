#!/usr/bin/env python3
"""Keeps docs/*.md honest: code and output shown in the docs are generated and checked.

Two kinds of fenced blocks are managed:

* ```cpp snippet=docs/snippets/NAME.cpp   -- the block's body is the file's text. The test suite
  builds and runs every file in docs/snippets/.
* ```cpp snippet=PATH symbol=NAME          -- only the `struct NAME {` ... `};` of that file, with the
  `///` comment above it. PATH may also be a library source or an example (tests/examples runs those).
* ```console                               -- lines starting with "$ " are commands; the lines up to
  the next command are that command's output (stdout and stderr). Commands run in the repository root
  with the build's programs (gradlab, examples) first on PATH.

Two more kinds of generated text:

* <!-- begin output: COMMAND --> ... <!-- end output -->  -- the lines between the two comments are
  COMMAND's output, as Markdown (e.g. a table generated from a registry).

* <!-- figure docs/img/NAME.dot: COMMAND -->  -- the file is COMMAND's standard output (e.g. a
  `gradlab graph` DOT text); --check compares it, --write rewrites it and renders docs/img/NAME.svg
  from it with Graphviz's dot. The page shows the SVG.

  python3 scripts/docs.py --check --bin DIR [DIR...]   # exit 1 and show a diff when a doc is stale
  python3 scripts/docs.py --write --bin DIR [DIR...]   # regenerate the blocks in place
"""
import argparse
import difflib
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(\S*)(.*)$")
BEGIN_OUTPUT = re.compile(r"^<!-- begin output: (.*) -->$")
END_OUTPUT = "<!-- end output -->"
FIGURE = re.compile(r"^<!-- figure (\S+\.dot): (.*) -->$")


# A guard against a command that hangs, not a speed limit: under the Debug + sanitizer build the XOR
# example (20 seeds x 20000 epochs, 1 s in release) takes about 3 minutes.
COMMAND_TIMEOUT_S = 900


def run(cmd, env):
    p = subprocess.run(cmd, shell=True, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=COMMAND_TIMEOUT_S)
    return p.stdout.rstrip("\n").split("\n") if p.stdout.strip() else []


def extract_struct(path, name):
    """The lines of `struct NAME {` ... `};` in path, with the /// comment lines just above it."""
    lines = (ROOT / path).read_text().split("\n")
    start = next((k for k, l in enumerate(lines) if re.match(rf"^\s*struct {re.escape(name)}\b.*{{$", l)), None)
    if start is None:
        sys.exit(f"docs.py: no 'struct {name} {{' in {path}")
    indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
    end = lines.index(indent + "};", start)
    while start > 0 and lines[start - 1].strip().startswith("///"):
        start -= 1
    return [l[len(indent):] if l.startswith(indent) else l for l in lines[start:end + 1]]


def figures(lines, env):
    """(path, expected text, actual text) of every figure directive in a document."""
    out = []
    for line in lines:
        m = FIGURE.match(line)
        if m:
            path = ROOT / m.group(1)
            new = "\n".join(run(m.group(2), env)) + "\n"
            old = path.read_text() if path.exists() else None
            out.append((path, old, new))
    return out


def render(lines, env):
    """Returns the document with every managed block regenerated."""
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        b = BEGIN_OUTPUT.match(line)
        if b:
            j = lines.index(END_OUTPUT, i + 1)
            out.append(line)
            out.extend(run(b.group(1), env))
            out.append(lines[j])
            i = j + 1
            continue
        m = FENCE.match(line)
        if not m or not m.group(1):
            out.append(line)
            i += 1
            continue
        lang, info = m.group(1), m.group(2).strip()
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        body = lines[i + 1:j]
        if info.startswith("snippet="):
            opts = dict(kv.split("=", 1) for kv in info.split())
            if "symbol" in opts:
                body = extract_struct(opts["snippet"], opts["symbol"])
            else:
                body = (ROOT / opts["snippet"]).read_text().rstrip("\n").split("\n")
        elif lang == "console":
            cmds = [l[2:] for l in body if l.startswith("$ ")]
            body = []
            for c in cmds:
                body.append("$ " + c)
                body.extend(run(c, env))
        out.append(line)
        out.extend(body)
        if j < len(lines):
            out.append(lines[j])
        i = j + 1
    return out


def main():
    ap = argparse.ArgumentParser()
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    ap.add_argument("--bin", nargs="+", default=[], help="folders to put first on PATH")
    ap.add_argument("docs", nargs="*", help="markdown files (default: docs/*.md)")
    args = ap.parse_args()
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(pathlib.Path(b).resolve()) for b in args.bin] + [env.get("PATH", "")])
    env["NO_COLOR"] = "1"
    docs = [pathlib.Path(d) for d in args.docs] or sorted((ROOT / "docs").glob("*.md"))
    stale = 0
    for doc in docs:
        old = doc.read_text().split("\n")
        for path, before, after in figures(old, env):
            if before == after and path.with_suffix(".svg").exists():
                continue
            if args.write:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(after)
                svg = path.with_suffix(".svg")
                subprocess.run(["dot", "-Tsvg", str(path), "-o", str(svg)], check=True)
                print(f"updated {path} and {svg}")
            else:
                stale += 1
                if before == after:
                    print(f"{path.with_suffix('.svg')} is missing")
                sys.stdout.writelines(difflib.unified_diff((before or "").splitlines(True), after.splitlines(True),
                                                           f"{path} (in the repository)", f"{path} (generated now)"))
        new = render(old, env)
        if new == old:
            continue
        if args.write:
            doc.write_text("\n".join(new))
            print(f"updated {doc}")
        else:
            stale += 1
            sys.stdout.writelines(difflib.unified_diff([l + "\n" for l in old], [l + "\n" for l in new],
                                                       f"{doc} (in the repository)", f"{doc} (generated now)"))
    if stale:
        print(f"\n{stale} document(s) out of date: run python3 scripts/docs.py --write --bin ...", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
