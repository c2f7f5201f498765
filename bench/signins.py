#!/usr/bin/env python3
"""Many sign-ins at the same moment against a running Tether: each of N clients opens the
sign-in page (its own session and CSRF token), then all post a wrong password at once, from N
addresses (`X-Forwarded-For`, for a server started with TETHER_TRUST_FORWARDED_FOR=true, so the
throttle does not stop them). Prints the answers by status and the server's peak memory
(VmHWM of PID) before and after: argon2 takes 19 MiB per check, so without a bound on
concurrent checks 200 sign-ins would need about 3.8 GB.

usage: signins.py PORT PID [N=200]
"""
import collections
import html
import os
import re
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in bench/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import write_concurrency as wc  # noqa: E402


def vmhwm_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    port, pid = int(sys.argv[1]), int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    before = vmhwm_mb(pid)
    clients = []
    for i in range(n):
        browser = wc.Browser(port, f"client{i}")
        page = browser.get("/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]*)"', page.body)
        if page.status != 200 or not token:
            raise SystemExit(f"client {i}: GET /admin/login answered {page.status}")
        clients.append((browser, html.unescape(token.group(1)), f"198.18.{i // 250}.{i % 250}"))
    opened = vmhwm_mb(pid)
    start = threading.Barrier(n)
    answers = collections.Counter()
    lock = threading.Lock()
    latencies = []

    def attempt(browser, token, address):
        start.wait()
        began = time.monotonic()
        answer = browser.post("/admin/login", [("csrf_token", token), ("email", "nobody@example.com"),
                                               ("password", "a wrong password")],
                              extra_headers={"X-Forwarded-For": address})
        with lock:
            answers[answer.status] += 1
            latencies.append(time.monotonic() - began)

    threads = [threading.Thread(target=attempt, args=c) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = vmhwm_mb(pid)
    latencies.sort()
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(answers.items()))
    print(f"{n} sign-ins at once: {statuses}; slowest answer {latencies[-1]:.1f} s; "
          f"server peak memory {before:.0f} MB before, {opened:.0f} MB with the {n} sign-in pages "
          f"open, {after:.0f} MB after")


if __name__ == "__main__":
    main()
