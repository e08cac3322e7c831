#!/usr/bin/env python3
"""Keeps docs/*.md honest: code and output shown in the docs are generated and checked.

Two kinds of fenced blocks are managed:

* ```cpp snippet=docs/snippets/NAME.cpp   -- the block's body is the file's text. The test suite
  builds and runs every file in docs/snippets/.
* ```console                               -- lines starting with "$ " are commands; the lines up to
  the next command are that command's output (stdout and stderr). Commands run in the repository root
  with the build's programs (gradlab, examples) first on PATH.

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


def run(cmd, env):
    p = subprocess.run(cmd, shell=True, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    return p.stdout.rstrip("\n").split("\n") if p.stdout.strip() else []


def render(lines, env):
    """Returns the document with every managed block regenerated."""
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
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
            body = (ROOT / info[len("snippet="):]).read_text().rstrip("\n").split("\n")
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
