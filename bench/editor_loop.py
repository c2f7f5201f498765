#!/usr/bin/env python3
"""One editor saving an article once a second through the admin's forms (sign in, open the
editor, post the form back with a changed text block), until SIGTERM or SIGINT. Then prints
`saves_ok saves_total p50_ms max_ms` on standard output (the browser and form handling are
bench/write_concurrency.py's).

usage: editor_loop.py PORT EMAIL SLUG   (the password comes from TETHER_PASSWORD)
"""
import os
import signal
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in bench/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import write_concurrency as wc  # noqa: E402


def main():
    port, email, slug = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    browser = wc.Browser(port, "editor")
    # A server busy with slow reads may answer 503 for a while: keep trying for a minute.
    deadline = time.monotonic() + 60
    while True:
        try:
            browser.sign_in(email, os.environ["TETHER_PASSWORD"])
            break
        except (wc.BenchError, OSError) as error:
            browser.close()
            if time.monotonic() > deadline:
                raise
            print(f"sign-in failed, retrying: {str(error)[:200]}", file=sys.stderr, flush=True)
            time.sleep(1)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    editor = wc.Editor(browser, slug)
    editor.start()
    print("signed in; saving once a second", file=sys.stderr, flush=True)
    while not stop.is_set():
        stop.wait(0.2)
    editor.stop(time.monotonic())
    saves = editor.records
    ok = sum(1 for s in saves if s["status"] == "303")
    lat = [s["latency_ms"] for s in saves if s.get("latency_ms") is not None]
    p50 = wc.percentile(lat, 50)
    failures = wc.distinct_failures(saves)
    for f in failures:
        print(f"editor: {f['status']} x {f['count']}: {f['example']}", file=sys.stderr)
    print(f"{ok} {len(saves)} {p50 if p50 is not None else 'nan'} {max(lat) if lat else 'nan'}")


if __name__ == "__main__":
    main()
