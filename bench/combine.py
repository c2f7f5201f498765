#!/usr/bin/env python3
"""Builds the summary table of bench/out/results.md from the per-run files
bench/out/results-<backend>-<size>.md (so that runs of different sizes, or a run resumed after an
interruption, end up in one table), and prints it as Markdown.

usage: combine.py results-sqlite-1000.md results-postgres-1000.md ...
"""
import re
import sys


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def row(lines, start):
    for line in lines:
        if line.startswith("| ") and cells(line)[0].startswith(start):
            return cells(line)
    return None


def main():
    out = ["| database | articles | import wall / RSS | export wall / RSS | uncached p99 ms: list "
           "| tag | search | article | cached article / nginx | reads with saves: uncached no search "
           "/ uncached all / cached | reads during import | server RSS, cache off / on |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for path in sys.argv[1:]:
        m = re.search(r"results-(\w+)-(\d+)\.md$", path)
        lines = open(path).read().splitlines()
        get = lambda start, i: (row(lines, start) or ["-"] * 10)[i]
        during = next((re.search(r"\((\d+ %) of before\)", l) for l in lines
                       if "during the import (" in l), None)
        mix_all = row(lines, "uncached mix of the four") or row(lines, "uncached mix |") \
            or next((cells(l) for l in lines if l.startswith("| uncached mix |")), None)
        out.append("| " + " | ".join([
            m.group(1), f"{int(m.group(2)):,}",
            f"{get('`tether import`', 1)} / {get('`tether import`', 2)}",
            f"{get('`tether export`', 1)} / {get('`tether export`', 2)}",
            get("`?page=N`", 3), get("`?tag=T`", 3), get("`?q=w1+w2`", 3),
            get("`/articles/{slug}`", 3),
            get("**Tether / nginx**", 1).strip("*"),
            f"{get('uncached mix without searches', 3)} / {(mix_all or ['-'] * 4)[3]} / "
            f"{get('cached article + list mix', 3)}",
            during.group(1) if during else "-",
            f"{get('read cache off, after the uncached', 1)} / "
            f"{get('read cache on (default)', 1)} MB",
        ]) + " |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
