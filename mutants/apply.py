#!/usr/bin/env python3
"""Reads the mutant catalogue (mutants/*.mut) and applies one mutant to a copy of the tree.

A mutant is a block:

    === id
    file: path/relative/to/the/tree
    why: what the mutant plants (one line)
    equivalent: why no test can catch it (optional; such a mutant is expected to survive)
    occurrence: N (optional; which match of the first pattern, default: it must be unique)
    judges: test_dual test_rev (optional; test files that judge it first, see below)
    - text to find (leading and trailing blanks ignored; an exact substring of one line)
    + its replacement

A `judges:` line before a file's first mutant is the default of every mutant in that file. The
judges are a shortcut, never a verdict of survival: the mutation tool builds and runs those test
files alone first (a few TUs instead of the whole suite), and only if none of them fails does it
build and run the whole suite and opcheck.

Several -/+ pairs may follow; each - must match. A pattern that is missing (or ambiguous) makes
the mutant STALE: its target text changed, so it tests nothing until it is updated.

    apply.py list FILES...            id<TAB>file<TAB>judges (- if none)<TAB>equivalent-reason
    apply.py apply ROOT ID FILES...   mutate ROOT/file in place (exit 3 and a reason if stale)
    apply.py sync SRC DST             copy SRC's tracked files into DST where their content differs
                                      (fresh mtime: a file left mutated by an interrupted run is rebuilt)
                                      and delete the files of DST that SRC does not track
"""
import os
import shutil
import subprocess
import sys


def parse(paths):
    mutants = []
    for path in paths:
        cur = None
        default_judges = ""
        for n, raw in enumerate(open(path, encoding="utf-8"), 1):
            line = raw.rstrip("\n")
            if line.startswith("==="):
                cur = {"id": line[3:].strip(), "file": None, "why": "", "equivalent": "", "occurrence": 0,
                       "judges": default_judges, "pairs": [], "where": f"{path}:{n}"}
                mutants.append(cur)
            elif cur is None and line.startswith("judges:"):
                default_judges = line.split(":", 1)[1].strip()
            elif cur is None or not line.strip() or line.lstrip().startswith("#"):
                continue
            elif line.startswith("- "):
                cur["pairs"].append([line[2:].strip(), None])
            elif line.startswith("+ ") or line == "+":
                if not cur["pairs"] or cur["pairs"][-1][1] is not None:
                    sys.exit(f"{path}:{n}: '+' without a preceding '-'")
                cur["pairs"][-1][1] = line[2:].strip()
            elif ":" in line:
                key, value = line.split(":", 1)
                key = key.strip()
                if key not in ("file", "why", "equivalent", "occurrence", "judges"):
                    sys.exit(f"{path}:{n}: unknown key {key!r}")
                cur[key] = int(value) if key == "occurrence" else value.strip()
            else:
                sys.exit(f"{path}:{n}: cannot parse {line!r}")
    ids = set()
    for m in mutants:
        if not m["file"] or not m["pairs"] or any(p[1] is None for p in m["pairs"]):
            sys.exit(f"{m['where']}: mutant {m['id']} needs a file and complete -/+ pairs")
        if m["id"] in ids:
            sys.exit(f"{m['where']}: duplicate id {m['id']}")
        ids.add(m["id"])
    return mutants


def apply(root, m):
    path = f"{root}/{m['file']}"
    try:
        text = open(path, encoding="utf-8").read()
    except FileNotFoundError:
        return f"file {m['file']} is gone"
    for k, (old, new) in enumerate(m["pairs"]):
        count = text.count(old)
        occ = m["occurrence"] if k == 0 else 0
        if count == 0:
            return f"text not found in {m['file']}: {old[:60]!r}"
        if occ == 0 and count > 1:
            return f"text is ambiguous ({count} matches) in {m['file']}: {old[:60]!r}"
        if occ > count:
            return f"only {count} matches of {old[:60]!r}, occurrence {occ} asked"
        at = -1
        for _ in range(max(occ, 1)):
            at = text.index(old, at + 1)
        text = text[:at] + new + text[at + len(old):]
    open(path, "w", encoding="utf-8").write(text)
    return None


def sync(src, dst):
    files = subprocess.run(["git", "-C", src, "ls-files", "-z"], check=True, capture_output=True).stdout
    changed = 0
    for rel in filter(None, files.decode().split("\0")):
        a, b = os.path.join(src, rel), os.path.join(dst, rel)
        if not os.path.isfile(a):
            continue
        with open(a, "rb") as fa:
            data = fa.read()
        if os.path.isfile(b):
            with open(b, "rb") as fb:
                if fb.read() == data:
                    continue
        os.makedirs(os.path.dirname(b) or ".", exist_ok=True)
        with open(b, "wb") as fb:
            fb.write(data)
        shutil.copymode(a, b)
        changed += 1
    # Files the tree no longer tracks go too: the build globs sources, so a deleted .cpp left in
    # the copy would still be compiled (and a renamed one compiled twice).
    tracked = {os.path.normpath(rel) for rel in files.decode().split("\0") if rel}
    removed = 0
    for root, _dirs, names in os.walk(dst):
        for name in names:
            b = os.path.join(root, name)
            if os.path.relpath(b, dst) not in tracked:
                os.remove(b)
                removed += 1
    print(f"{changed} files updated, {removed} removed in {dst}")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "list":
        for m in parse(sys.argv[2:]):
            print(f"{m['id']}\t{m['file']}\t{m['judges'] or '-'}\t{m['equivalent']}")
    elif len(sys.argv) >= 5 and sys.argv[1] == "apply":
        root, mid = sys.argv[2], sys.argv[3]
        found = [m for m in parse(sys.argv[4:]) if m["id"] == mid]
        if not found:
            sys.exit(f"no mutant {mid}")
        why_stale = apply(root, found[0])
        if why_stale:
            print(why_stale)
            sys.exit(3)
    elif len(sys.argv) == 4 and sys.argv[1] == "sync":
        sync(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


main()
