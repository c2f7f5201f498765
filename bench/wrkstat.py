#!/usr/bin/env python3
"""Reads wrk's --latency report on standard input and prints one line:
`req/s p50_ms p99_ms requests non_2xx_3xx socket_errors` (latencies in milliseconds)."""
import re
import sys

text = sys.stdin.read()


def ms(value):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not m:
        return "nan"
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]
    return f"{float(m.group(1)) * factor:.2f}"


def find(pattern, default="0"):
    m = re.search(pattern, text, re.M)
    return m.group(1) if m else default


rps = find(r"^Requests/sec:\s+([\d.]+)", "0")
p50 = ms(find(r"^\s+50%\s+(\S+)", "nan"))
p99 = ms(find(r"^\s+99%\s+(\S+)", "nan"))
total = find(r"^\s+(\d+) requests in", "0")
non2xx = find(r"Non-2xx or 3xx responses:\s+(\d+)", "0")
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = sum(int(x) for x in m.groups()) if m else 0
print(f"{float(rps):.0f} {p50} {p99} {total} {non2xx} {errors}")
