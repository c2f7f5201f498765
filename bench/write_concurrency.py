#!/usr/bin/env python3
"""Do content writes survive concurrency? Runs the real `tether` binary against a fresh SQLite file
or a fresh PostgreSQL database and measures, through the admin's HTML forms like a browser would:

  A. 20 signed-in browsers save 20 different articles at the same instant (expected: 20 x 303);
  B. 20 browsers save the same article, opened at the same version, at the same instant
     (expected: exactly 1 x 303 and 19 x 409, the conflict page);
  C. `tether import` of a big bundle (--articles, default 5000) while readers click a tracked link
     (/go/{promo}, 100 per second) and an editor saves an article once a second; then the clicks
     stored are compared with the redirects answered.

Prints one Markdown table per trial and writes everything measured to
bench/results/write_concurrency-<backend>.json. See bench/write_concurrency.md.

    python3 bench/write_concurrency.py --backend sqlite --binary target/release/tether
    python3 bench/write_concurrency.py --backend postgres --articles 5000

Exit status: 0 when every expectation held, 1 when some did not (the numbers are still written),
2 when the benchmark itself could not run (setup failed). Only the standard library is used;
only 127.0.0.1 is contacted.
"""
import argparse
import csv
import html
import html.parser
import http.client
import io
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
EMAIL = "bench@example.com"
USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0 Safari/537.36")
REQUEST_TIMEOUT = 120.0
# The editor fields posted back (everything the article form has except the block pickers).
FORM_FIELDS = {"csrf_token", "version", "slug", "title", "subtitle", "summary", "status",
               "published_at", "tags", "block_type", "block_heading", "block_body", "block_ref"}


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """The benchmark itself cannot go on (not a measured failure)."""


# ---------------------------------------------------------------------------------------------
# A minimal browser: one keep-alive connection, its own cookie jar, no redirects followed.

class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsed = elapsed

    @property
    def location(self):
        return self.headers.get("location", "")

    def failure(self):
        """What to keep of an unexpected answer: its status, its first 200 characters, and the
        readable text of an HTML error page."""
        text = re.sub(r"(?s)<(head|style|script)\b.*?</\1>", " ", self.body)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
        return {"status": self.status, "location": self.location or None,
                "body_head": self.body[:200], "text": " ".join(text.split())[:200]}


class Browser:
    def __init__(self, port, name):
        self.port = port
        self.name = name
        self.origin = f"http://127.0.0.1:{port}"
        self.cookies = {}
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _remember_cookies(self, message):
        for line in message.get_all("Set-Cookie") or []:
            first, _, attributes = line.partition(";")
            name, _, value = first.strip().partition("=")
            attrs = attributes.lower().replace(" ", "")
            if not value or "max-age=0" in attrs or "max-age=-" in attrs:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def request(self, method, path, form=None, extra_headers=None, cookies=True):
        headers = {"User-Agent": USER_AGENT, "Accept": "text/html,*/*"}
        body = None
        if cookies and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Origin"] = self.origin
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(form or []).encode()
        headers.update(extra_headers or {})
        for attempt in (1, 2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                answer = self.conn.getresponse()
                data = answer.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server had closed: reconnect once, like a browser.
                self.close()
                if reused and attempt == 1:
                    continue
                raise
            elapsed = time.perf_counter() - started
            if answer.will_close:
                self.close()
            if cookies:
                self._remember_cookies(answer.msg)
            response_headers = {k.lower(): v for k, v in answer.getheaders()}
            return Response(answer.status, response_headers, data.decode("utf-8", "replace"), elapsed)
        raise AssertionError("unreachable")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.request("POST", path, form=form, **kw)

    def sign_in(self, email, password):
        page = self.get("/admin/login")
        if page.status != 200:
            raise BenchError(f"{self.name}: GET /admin/login answered {page.status}: {page.failure()}")
        token = re.search(r'name="csrf_token" value="([^"]*)"', page.body)
        if not token:
            raise BenchError(f"{self.name}: no csrf_token on the sign-in page")
        answer = self.post("/admin/login", [("csrf_token", html.unescape(token.group(1))),
                                            ("next", "/admin"), ("email", email),
                                            ("password", password)])
        if answer.status != 303 or answer.location != "/admin":
            raise BenchError(f"{self.name}: sign-in answered {answer.status} "
                             f"(location {answer.location!r}): {answer.failure()}")


# ---------------------------------------------------------------------------------------------
# The article editor's form, read like a browser submits it.

class FormReader(html.parser.HTMLParser):
    """Collects the successful controls of the <form action=ACTION>, in document order."""

    def __init__(self, action):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.found = False
        self.fields = []
        self.textarea = None
        self.select = None
        self.option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if not self.found and a.get("action") == self.action:
                self.inside = self.found = True
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value") or ""))
        elif tag == "textarea" and name:
            self.textarea = (name, [])
        elif tag == "select" and name:
            self.select = {"name": name, "options": []}
        elif tag == "option" and self.select is not None:
            self._end_option()
            self.option = {"value": a.get("value"), "text": [], "selected": "selected" in a}

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)
        elif self.option is not None:
            self.option["text"].append(data)

    def _end_option(self):
        if self.option is not None:
            value = self.option["value"]
            if value is None:
                value = " ".join("".join(self.option["text"]).split())
            self.select["options"].append((value, self.option["selected"]))
            self.option = None

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.textarea[1])
            if text.startswith("\n"):  # browsers drop one newline right after <textarea>
                text = text[1:]
            self.fields.append((self.textarea[0], text))
            self.textarea = None
        elif tag == "option" and self.select is not None:
            self._end_option()
        elif tag == "select" and self.select is not None:
            self._end_option()
            options = self.select["options"]
            chosen = [v for v, selected in options if selected]
            if chosen or options:
                self.fields.append((self.select["name"], (chosen or [options[0][0]])[-1]))
            self.select = None


def read_article_form(page_html, slug):
    reader = FormReader(f"/admin/articles/{slug}")
    reader.feed(page_html)
    reader.close()
    if not reader.found:
        raise BenchError(f"no editor form for {slug} on the page")
    fields = [(k, v) for k, v in reader.fields if k in FORM_FIELDS]
    names = {k for k, _ in fields}
    missing = {"csrf_token", "version", "slug", "title", "status", "block_type"} - names
    if missing:
        raise BenchError(f"the editor form for {slug} lacks {sorted(missing)}")
    return fields


def field(fields, name):
    return next((v for k, v in fields if k == name), None)


def with_changed_body(fields, marker):
    """The same fields with `action=save` and the first text block's body changed."""
    types = [v for k, v in fields if k == "block_type"]
    if "text" not in types:
        raise BenchError("the article has no text block to change")
    target = types.index("text")
    out, seen = [], 0
    for k, v in fields:
        if k == "block_body":
            if seen == target:
                v = v.split("\n\nBench edit: ")[0] + f"\n\nBench edit: {marker}."
            seen += 1
        out.append((k, v))
    out.append(("action", "save"))
    return out


class Opened:
    """An article form as opened by one browser: the fields and the version they carry."""

    def __init__(self, browser, slug, fields):
        self.browser = browser
        self.slug = slug
        self.fields = fields
        self.version = int(field(fields, "version"))


def open_article(browser, slug, attempts=3):
    """GET the editor (retrying a failed open, which is not what the trials measure). Returns the
    opened form and the failed answers seen first."""
    failures = []
    for _ in range(attempts):
        page = browser.get(f"/admin/articles/{slug}")
        if page.status == 200:
            return Opened(browser, slug, read_article_form(page.body, slug)), failures
        failures.append(page.failure())
        time.sleep(0.2)
    raise BenchError(f"{browser.name} could not open {slug}: {failures[-1]}")


def save(opened, marker):
    """POSTs the opened form back with a changed body; returns one result record."""
    path = f"/admin/articles/{opened.slug}"
    started = time.time()
    try:
        answer = opened.browser.post(path, with_changed_body(opened.fields, marker))
    except (OSError, http.client.HTTPException) as error:
        return {"browser": opened.browser.name, "slug": opened.slug, "status": "no answer",
                "latency_ms": round((time.time() - started) * 1000, 1),
                "failure": {"status": None, "error": repr(error)}}
    outcome = classify_save(answer, opened.slug)
    record = {"browser": opened.browser.name, "slug": opened.slug, "status": outcome,
              "latency_ms": round(answer.elapsed * 1000, 1)}
    if outcome not in ("303", "409"):
        record["failure"] = answer.failure()
    return record


def classify_save(answer, slug):
    if answer.status == 303:
        # 303 to the article is a save; 303 to the sign-in page is a lost session.
        return "303" if answer.location == f"/admin/articles/{slug}" else f"303 to {answer.location}"
    return str(answer.status)


def current_version(browser, slug):
    try:
        opened, _ = open_article(browser, slug)
        return opened.version
    except BenchError:
        return None


# ---------------------------------------------------------------------------------------------
# Numbers.

def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def counts(records, key="status"):
    out = {}
    for r in records:
        out[str(r[key])] = out.get(str(r[key]), 0) + 1
    return dict(sorted(out.items()))


def distinct_failures(records, limit=5):
    """Failures grouped by status and readable text, most frequent first."""
    groups = {}
    for r in records:
        f = r.get("failure")
        if not f:
            continue
        key = (str(r["status"]), f.get("text") or f.get("error") or "")
        group = groups.setdefault(key, {"status": key[0], "count": 0, "example": f})
        group["count"] += 1
    return sorted(groups.values(), key=lambda g: -g["count"])[:limit]


# ---------------------------------------------------------------------------------------------
# Trials A and B: saves at the same instant.

def concurrent_saves(openeds, marker):
    barrier = threading.Barrier(len(openeds))
    results = [None] * len(openeds)

    def one(i, opened):
        try:
            barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass
        results[i] = save(opened, f"{marker} {opened.browser.name}")

    threads = [threading.Thread(target=one, args=(i, o)) for i, o in enumerate(openeds)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def trial_different_articles(browsers, slugs, rounds):
    out = {"name": "A", "title": f"{len(browsers)} browsers save {len(browsers)} different articles "
                               f"at the same instant",
           "expected": {"303": len(browsers)}, "rounds": []}
    for r in range(1, rounds + 1):
        openeds, open_failures = [], []
        for browser, slug in zip(browsers, slugs):
            opened, failed = open_article(browser, slug)
            openeds.append(opened)
            open_failures += failed
        results = concurrent_saves(openeds, f"trial A round {r}")
        checker = browsers[0]
        bumped = 0
        for opened in openeds:
            after = current_version(checker, opened.slug)
            bumped += (after - opened.version) if after is not None else 0
        out["rounds"].append({"round": r, "counts": counts(results), "versions_bumped": bumped,
                              "open_failures": open_failures, "results": results})
        log(f"trial A round {r}: {counts(results)}, versions bumped {bumped}")
    return summarize_rounds(out)


def trial_same_article(browsers, slug, rounds):
    n = len(browsers)
    out = {"name": "B", "title": f"{n} browsers save the same article (same version) at the same "
                               f"instant", "expected": {"303": 1, "409": n - 1}, "rounds": []}
    for r in range(1, rounds + 1):
        openeds, open_failures = [], []
        for browser in browsers:
            opened, failed = open_article(browser, slug)
            openeds.append(opened)
            open_failures += failed
        versions = sorted({o.version for o in openeds})
        results = concurrent_saves(openeds, f"trial B round {r}")
        after = current_version(browsers[0], slug)
        bumped = (after - versions[0]) if after is not None else None
        out["rounds"].append({"round": r, "opened_versions": versions, "counts": counts(results),
                              "versions_bumped": bumped, "open_failures": open_failures,
                              "results": results})
        log(f"trial B round {r}: {counts(results)}, versions bumped {bumped}")
    return summarize_rounds(out)


def summarize_rounds(out):
    everything = [x for rnd in out["rounds"] for x in rnd["results"]]
    total = counts(everything)
    latencies = [x["latency_ms"] for x in everything]
    out["totals"] = {
        "saves": len(everything),
        "counts": total,
        "versions_bumped": sum(rnd["versions_bumped"] or 0 for rnd in out["rounds"]),
        "open_failures": sum(len(rnd["open_failures"]) for rnd in out["rounds"]),
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_max": max(latencies) if latencies else None,
    }
    out["failures"] = distinct_failures(everything)
    rounds = len(out["rounds"])
    out["ok"] = rounds > 0 and all(rnd["counts"] == out["expected"] for rnd in out["rounds"])
    # Every 303 must have stored exactly one new version, and nothing else may have.
    out["ok"] = out["ok"] and out["totals"]["versions_bumped"] == total.get("303", 0)
    return out


# ---------------------------------------------------------------------------------------------
# Trial C: an import while readers click and an editor saves.

class Clicker:
    """GET /go/{slug} at a fixed rate (open loop: request i is due at start + i/rate), from a few
    threads with one keep-alive connection each; a browser's User-Agent, no cookies, no
    redirects followed."""

    def __init__(self, port, slug, rate, workers=8):
        self.port = port
        self.path = f"/go/{slug}"
        self.rate = rate
        self.workers = workers
        self.records = []
        self.lock = threading.Lock()
        self.next_index = 0
        self.stop_at = None
        self.threads = []

    def start(self):
        self.t0 = time.monotonic()
        for w in range(self.workers):
            t = threading.Thread(target=self._run, args=(w,), daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self, at):
        self.stop_at = at
        for t in self.threads:
            t.join()

    def _run(self, w):
        browser = Browser(self.port, f"clicker-{w}")
        while True:
            with self.lock:
                i = self.next_index
                self.next_index += 1
            due = self.t0 + i / self.rate
            if self.stop_at is not None and due >= self.stop_at:
                break
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if self.stop_at is not None and due >= self.stop_at:
                break
            sent = time.monotonic()
            try:
                answer = browser.get(self.path, cookies=False)
                record = {"at": round(sent - self.t0, 3), "status": answer.status,
                          "latency_ms": round(answer.elapsed * 1000, 2),
                          "late_ms": round((sent - due) * 1000, 1)}
                if answer.status != 302:
                    record["failure"] = answer.failure()
            except (OSError, http.client.HTTPException) as error:
                browser.close()
                record = {"at": round(sent - self.t0, 3), "status": "no answer",
                          "latency_ms": round((time.monotonic() - sent) * 1000, 2),
                          "late_ms": round((sent - due) * 1000, 1),
                          "failure": {"status": None, "error": repr(error)}}
            with self.lock:
                self.records.append(record)
        browser.close()


class Editor:
    """Once a second: open the article (so the version is current) and save a changed body."""

    def __init__(self, browser, slug):
        self.browser = browser
        self.slug = slug
        self.records = []
        self.stop_at = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.t0 = time.monotonic()
        self.thread.start()

    def stop(self, at):
        self.stop_at = at
        self.thread.join()

    def _run(self):
        n = 0
        while self.stop_at is None or time.monotonic() < self.stop_at:
            due = self.t0 + n
            n += 1
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            elif wait < -1:
                continue  # the last save took longer than a second: skip the missed ticks
            if self.stop_at is not None and time.monotonic() >= self.stop_at:
                break
            at = round(time.monotonic() - self.t0, 3)
            try:
                page = self.browser.get(f"/admin/articles/{self.slug}")
                if page.status != 200:
                    self.records.append({"at": at, "status": f"open {page.status}",
                                         "latency_ms": round(page.elapsed * 1000, 1),
                                         "failure": page.failure()})
                    continue
                opened = Opened(self.browser, self.slug, read_article_form(page.body, self.slug))
            except (OSError, http.client.HTTPException, BenchError) as error:
                self.browser.close()
                self.records.append({"at": at, "status": "open failed", "latency_ms": None,
                                     "failure": {"status": None, "error": repr(error)}})
                continue
            record = save(opened, f"trial C save {n}")
            record["at"] = at
            record["open_ms"] = round(page.elapsed * 1000, 1)
            self.records.append(record)


def promo_clicks_in_report(browser, slug):
    for _ in range(3):
        answer = browser.get("/admin/promos/report.csv")
        if answer.status == 200:
            for row in csv.DictReader(io.StringIO(answer.body)):
                if row.get("slug") == slug:
                    return int(row["clicks"]), None
            return None, f"{slug} is not in report.csv"
        failure = answer.failure()
        time.sleep(1)
    return None, f"report.csv answered {failure}"


def trial_import_under_load(ctx, editor_browser, editor_slug, promo_slug):
    n = ctx.args.articles
    log(f"trial C: clicking /go/{promo_slug} at {ctx.args.click_rate}/s, saving {editor_slug} "
        f"once a second, importing {n} articles")
    clicker = Clicker(ctx.port, promo_slug, ctx.args.click_rate)
    editor = Editor(editor_browser, editor_slug)
    clicker.start()
    editor.start()
    time.sleep(1.0)  # load first, then the import
    started = time.monotonic()
    import_at = round(started - clicker.t0, 3)
    try:
        done = ctx.tether(["import", str(ctx.big_bundle)], timeout=3600)
        exit_code, stderr = done.returncode, (done.stderr + done.stdout)
    except subprocess.TimeoutExpired as error:
        exit_code, stderr = "timeout", str(error)
    seconds = time.monotonic() - started
    log(f"trial C: import exited {exit_code} after {seconds:.1f} s; load for 2 s more")
    stop_at = time.monotonic() + 2.0
    clicker.stop(stop_at)
    editor.stop(stop_at)

    clicks = clicker.records
    saves = editor.records
    go_latencies = [c["latency_ms"] for c in clicks if c["status"] == 302]
    all_go_latencies = [c["latency_ms"] for c in clicks if c["latency_ms"] is not None]
    redirects = sum(1 for c in clicks if c["status"] == 302)
    save_latencies = [s["latency_ms"] for s in saves if s.get("latency_ms") is not None
                      and not str(s["status"]).startswith("open")]
    saves_ok = sum(1 for s in saves if s["status"] == "303")
    duration = (max(c["at"] for c in clicks) if clicks else 0) or 1
    reader = Browser(ctx.port, "report-reader")
    stored, report_problem = None, None
    try:
        reader.sign_in(EMAIL, ctx.password)
        stored, report_problem = promo_clicks_in_report(reader, promo_slug)
    except (BenchError, OSError, http.client.HTTPException) as error:
        report_problem = str(error)
    finally:
        reader.close()
    lines = [line for line in stderr.splitlines() if line.strip()]
    out = {
        "name": "C",
        "title": f"import of {n} articles while /go is clicked {ctx.args.click_rate}/s and one "
                 f"article is saved every second",
        "big_bundle": {"articles": n, "slugs": "bulk-article-0 ... (new articles, none in the small "
                                                "bundle); promos, feeling lists and step guides as "
                                                "in the small bundle"},
        "import": {"exit_code": exit_code, "ok": exit_code == 0, "seconds": round(seconds, 2),
                   "started_at_s": import_at, "output_first_lines": lines[:10]},
        "saves": {"total": len(saves), "ok": saves_ok, "counts": counts(saves),
                  "latency_ms_p50": percentile(save_latencies, 50),
                  "latency_ms_max": max(save_latencies) if save_latencies else None,
                  "failures": distinct_failures(saves), "records": saves},
        "go": {"slug": promo_slug, "requests": len(clicks), "counts": counts(clicks),
               "rate_per_s": round(len(clicks) / duration, 1),
               "latency_ms_p50": percentile(all_go_latencies, 50),
               "latency_ms_p99": percentile(all_go_latencies, 99),
               "latency_ms_max": max(all_go_latencies) if all_go_latencies else None,
               "redirect_latency_ms_p99": percentile(go_latencies, 99),
               "late_ms_p99": percentile([c["late_ms"] for c in clicks], 99),
               "failures": distinct_failures(clicks)},
        "clicks": {"redirects_302": redirects, "stored_in_report_csv": stored,
                   "report_problem": report_problem, "stored_after_shutdown": None},
    }
    out["ok"] = (out["import"]["ok"] and saves_ok == len(saves) and len(saves) > 0
                 and redirects == len(clicks) and stored == redirects)
    return out


# ---------------------------------------------------------------------------------------------
# The server and the database.

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Context:
    def __init__(self, args):
        self.args = args
        self.binary = resolve_binary(args.binary)
        self.tmp = Path(tempfile.mkdtemp(prefix="tether-write-concurrency-"))
        self.password = "bench-" + secrets.token_hex(12)
        self.port = free_port()
        self.pg_database = None
        self.server = None
        self.server_log = self.tmp / "server.log"
        if args.backend == "sqlite":
            self.db_path = self.tmp / "tether.db"
            self.database_url = f"sqlite://{self.db_path}?mode=rwc"
        else:
            self.pg_database = f"tether_bench_{secrets.token_hex(4)}"
            parts = urllib.parse.urlsplit(args.pg_url)
            self.database_url = urllib.parse.urlunsplit(parts._replace(path="/" + self.pg_database))

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("TETHER_") and k not in ("DATABASE_URL", "RUST_LOG")}
        env.update(DATABASE_URL=self.database_url, TETHER_SAMPLE_CONTENT="false",
                   TETHER_ADDR=f"127.0.0.1:{self.port}", RUST_LOG="warn", NO_COLOR="1")
        env.update(extra)
        return env

    def tether(self, arguments, timeout=600, **extra_env):
        # Run in the temp dir so that no .env file of the caller's directory is read.
        return subprocess.run([str(self.binary)] + arguments, cwd=self.tmp, env=self.env(**extra_env),
                              capture_output=True, text=True, timeout=timeout)

    def psql(self, sql, database=None):
        url = self.args.pg_url
        if database:
            url = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/" + database))
        return subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url,
                               "-c", sql], capture_output=True, text=True, timeout=120)

    def create_database(self):
        if self.pg_database:
            done = self.psql(f"CREATE DATABASE {self.pg_database}")
            if done.returncode != 0:
                raise BenchError(f"CREATE DATABASE failed: {done.stderr.strip()}")
            log(f"created PostgreSQL database {self.pg_database}")

    def drop_database(self):
        if self.pg_database:
            done = self.psql(f"DROP DATABASE IF EXISTS {self.pg_database} WITH (FORCE)")
            if done.returncode != 0:
                log(f"warning: DROP DATABASE {self.pg_database} failed: {done.stderr.strip()}")
            else:
                log(f"dropped PostgreSQL database {self.pg_database}")

    def start_server(self):
        self.server_log_file = open(self.server_log, "w")
        self.server = subprocess.Popen([str(self.binary), "serve"], cwd=self.tmp, env=self.env(),
                                       stdout=self.server_log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError(f"tether serve exited with {self.server.returncode}: "
                                 f"{self.server_log.read_text()[-1500:]}")
            try:
                answer = Browser(self.port, "health").get("/healthz", cookies=False)
                if answer.status == 200:
                    log(f"tether serve is up on 127.0.0.1:{self.port}")
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError("tether serve did not answer /healthz within 60 s")

    def stop_server(self):
        """SIGTERM, then wait (a graceful stop stores the clicks still queued)."""
        if self.server is None or self.server.poll() is not None:
            return self.server.returncode if self.server else None
        self.server.send_signal(signal.SIGTERM)
        try:
            code = self.server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            log("warning: tether serve did not stop within 60 s of SIGTERM; killing it")
            self.server.kill()
            code = self.server.wait()
        self.server_log_file.close()
        return code

    def clicks_in_database(self, slug):
        sql = ("SELECT COALESCE(SUM(c.clicks), 0) FROM promo_click_counts c "
               "JOIN promos p ON p.id = c.promo_id "
               "WHERE p.slug = '%s'" % slug.replace("'", "''"))
        if self.args.backend == "sqlite":
            with sqlite3.connect(self.db_path) as db:
                return db.execute(sql).fetchone()[0]
        done = self.psql(sql, database=self.pg_database)
        if done.returncode != 0:
            raise BenchError(f"counting clicks failed: {done.stderr.strip()}")
        return int(done.stdout.strip())

    def log_mark(self):
        """Where the server's log ends now (to tell which trial a log line belongs to)."""
        return self.server_log.stat().st_size if self.server_log.exists() else 0

    def server_problems(self, start=0, end=None, limit=8):
        """WARN and ERROR lines of the server's log (bytes start..end), grouped with numbers
        blanked out (except SQLite's result codes)."""
        if not self.server_log.exists():
            return {"lines": 0, "distinct": []}
        with open(self.server_log, "rb") as f:
            f.seek(start)
            chunk = f.read(-1 if end is None else max(0, end - start))
        ansi = re.compile(r"\x1b\[[0-9;]*m")
        groups = {}
        lines = 0
        for line in chunk.decode("utf-8", "replace").splitlines():
            line = ansi.sub("", line).strip()
            if " ERROR " not in f" {line} " and " WARN " not in f" {line} ":
                continue
            lines += 1
            text = re.sub(r"^\S+\s+", "", line)  # the timestamp
            key = re.sub(r"(?<!code: )\d+", "N", text)
            group = groups.setdefault(key, {"count": 0, "example": text[:300]})
            group["count"] += 1
        distinct = sorted(groups.values(), key=lambda g: -g["count"])[:limit]
        return {"lines": lines, "distinct": distinct}


def resolve_binary(binary):
    path = Path(binary)
    for candidate in (path, REPO / path):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate.resolve()
    raise BenchError(f"no tether binary at {binary} (build it with cargo build --release "
                     f"--locked --bin tether, or pass --binary)")


def generate_bundles(ctx):
    """small.json: articles article-0 ... from gen_bundle.py; big.json: gen_bundle.py's --articles
    articles renamed bulk-article-N, so the import creates new articles only (its promos, feeling
    lists and step guides are the same as the small bundle's: same seed)."""
    small, big = ctx.tmp / "small.json", ctx.tmp / "big.json"
    generator = BENCH_DIR / "gen_bundle.py"
    for out, count in ((small, ctx.args.small_articles), (big, ctx.args.articles)):
        subprocess.run([sys.executable, str(generator), str(out), str(out.with_suffix(".slugs.txt")),
                        str(count)], check=True)
    bundle = json.loads(big.read_text())
    for article in bundle["articles"]:
        article["slug"] = "bulk-" + article["slug"]
    big.write_text(json.dumps(bundle))
    ctx.big_bundle = big
    return json.loads(small.read_text())


# ---------------------------------------------------------------------------------------------
# Output.

def markdown(results):
    lines = [f"## Write concurrency — {results['backend']}", ""]
    lines.append(f"tether {results.get('binary')}, small bundle {results['small_articles']} "
                 f"articles, {results['browsers']} browsers, {results['rounds']} rounds")
    lines.append("")
    for key in ("trial_a", "trial_b"):
        trial = results.get(key)
        if not trial:
            continue
        lines.append(f"### Trial {trial['name']}: {trial['title']}")
        lines.append("")
        if "error" in trial:
            lines += [f"**Trial could not run:** {trial['error']}", ""]
            continue
        expected = ", ".join(f"{v} × {k}" for k, v in trial["expected"].items())
        lines.append(f"Expected per round: {expected}.")
        lines.append("")
        lines.append("| round | 303 saved | 409 conflict | other | versions stored | save p50 / max ms |")
        lines.append("|---|---|---|---|---|---|")
        for rnd in trial["rounds"]:
            c = rnd["counts"]
            other = {k: v for k, v in c.items() if k not in ("303", "409")}
            lat = [x["latency_ms"] for x in rnd["results"]]
            lines.append(f"| {rnd['round']} | {c.get('303', 0)} | {c.get('409', 0)} | "
                         f"{fmt_counts(other)} | {rnd['versions_bumped']} | "
                         f"{fmt_ms(percentile(lat, 50))} / {fmt_ms(max(lat))} |")
        t = trial["totals"]
        other = {k: v for k, v in t["counts"].items() if k not in ("303", "409")}
        lines.append(f"| **total** | **{t['counts'].get('303', 0)}** | **{t['counts'].get('409', 0)}**"
                     f" | **{fmt_counts(other)}** | **{t['versions_bumped']}** | "
                     f"{fmt_ms(t['latency_ms_p50'])} / {fmt_ms(t['latency_ms_max'])} |")
        lines.append("")
        lines.append(f"Verdict: {'as expected' if trial['ok'] else 'NOT as expected'}"
                     + (f"; {t['open_failures']} form opens failed first and were retried"
                        if t["open_failures"] else ""))
        lines += failure_lines(trial["failures"])
        lines += log_lines(trial.get("server_log"))
        lines.append("")
    trial = results.get("trial_c")
    if trial:
        lines.append(f"### Trial C: {trial.get('title', 'import under load')}")
        lines.append("")
        if "error" in trial:
            lines += [f"**Trial could not run:** {trial['error']}", ""]
        else:
            imp, sv, go, cl = trial["import"], trial["saves"], trial["go"], trial["clicks"]
            first = imp["output_first_lines"][0] if imp["output_first_lines"] else ""
            lines += [
                "| measure | value |",
                "|---|---|",
                f"| import ok? | {'yes' if imp['ok'] else 'NO'} (exit {imp['exit_code']}) |",
                f"| import seconds | {imp['seconds']:.1f} |",
                f"| import output | `{first[:160]}` |",
                f"| saves ok / total | {sv['ok']} / {sv['total']} ({fmt_counts(sv['counts'])}) |",
                f"| save latency p50 / max | {fmt_ms(sv['latency_ms_p50'])} / "
                f"{fmt_ms(sv['latency_ms_max'])} ms |",
                f"| /go statuses | {fmt_counts(go['counts'])} ({go['rate_per_s']}/s achieved) |",
                f"| /go latency p50 / p99 / max | {fmt_ms(go['latency_ms_p50'])} / "
                f"{fmt_ms(go['latency_ms_p99'])} / {fmt_ms(go['latency_ms_max'])} ms |",
                f"| clicks stored (report.csv) vs 302s | {fmt_none(cl['stored_in_report_csv'])} vs "
                f"{cl['redirects_302']}"
                + (f" ({cl['report_problem']})" if cl["report_problem"] else "") + " |",
                f"| clicks stored after graceful stop | {fmt_none(cl['stored_after_shutdown'])} |",
            ]
            lines.append("")
            lines.append(f"Verdict: {'as expected' if trial['ok'] else 'NOT as expected'}")
            lines += failure_lines(sv["failures"], "save failures")
            lines += failure_lines(go["failures"], "/go failures")
        lines += log_lines(trial.get("server_log"))
        lines.append("")
    problems = results.get("server_log")
    if problems and problems["lines"]:
        lines += log_lines(problems, "Server log, whole run")
        lines.append("")
    if results.get("error"):
        lines += [f"**Benchmark error:** {results['error']}", ""]
    return "\n".join(lines)


def failure_lines(failures, what="failures"):
    if not failures:
        return []
    out = [f"", f"{what.capitalize()} (status × count: text):"]
    for g in failures:
        ex = g["example"]
        text = ex.get("text") or ex.get("error") or ""
        out.append(f"- {g['status']} × {g['count']}: {text[:200]}")
    return out


def log_lines(problems, what="Server log during this trial"):
    if not problems or not problems["lines"]:
        return []
    out = ["", f"{what}: {problems['lines']} WARN/ERROR lines; most frequent:"]
    for g in problems["distinct"][:4]:
        out.append(f"- {g['count']} × `{g['example'][:220]}`")
    return out


def fmt_counts(c):
    return ", ".join(f"{v} × {k}" for k, v in c.items()) if c else "0"


def fmt_ms(v):
    return "–" if v is None else (f"{v:.0f}" if v >= 10 else f"{v:.1f}")


def fmt_none(v):
    return "?" if v is None else str(v)


# ---------------------------------------------------------------------------------------------

def run(ctx, results):
    args = ctx.args
    small = generate_bundles(ctx)
    slugs = [a["slug"] for a in small["articles"]]
    promo_slug = small["promos"][0]["slug"]
    ctx.create_database()
    for step, command in (("import small.json", ["import", str(ctx.tmp / "small.json")]),
                          ("user create", ["user", "create", "--email", EMAIL, "--role", "admin"])):
        done = ctx.tether(command, TETHER_PASSWORD=ctx.password)
        if done.returncode != 0:
            raise BenchError(f"tether {step} exited {done.returncode}: {done.stderr.strip()[:1000]}")
        log(f"tether {step}: {(done.stderr or done.stdout).strip()[:200]}")
    ctx.start_server()
    probe = Browser(ctx.port, "probe").get(f"/api/v1/promos/{promo_slug}", cookies=False)
    if probe.status != 200:
        raise BenchError(f"GET /api/v1/promos/{promo_slug} answered {probe.status}")

    browsers = [Browser(ctx.port, f"browser-{i + 1}") for i in range(args.browsers)]
    for b in browsers:
        b.sign_in(EMAIL, ctx.password)
    log(f"{len(browsers)} browsers signed in")

    for key, trial in (
        ("trial_a", lambda: trial_different_articles(browsers, slugs[:args.browsers], args.rounds)),
        ("trial_b", lambda: trial_same_article(browsers, slugs[args.browsers], args.rounds)),
        ("trial_c", lambda: trial_import_under_load(ctx, browsers[0], slugs[args.browsers + 1],
                                                    promo_slug)),
    ):
        mark = ctx.log_mark()
        try:
            results[key] = trial()
        except (BenchError, OSError, http.client.HTTPException) as error:
            log(f"{key} could not run: {error}")
            results[key] = {"name": key[-1].upper(), "title": key, "error": str(error), "ok": False}
        time.sleep(0.3)  # let the server finish logging this trial's requests
        results[key]["server_log"] = ctx.server_problems(mark, ctx.log_mark())
    for b in browsers:
        b.close()

    code = ctx.stop_server()
    results["server_exit_code"] = code
    log(f"tether serve stopped (exit {code})")
    if "error" not in results.get("trial_c", {"error": 1}):
        try:
            results["trial_c"]["clicks"]["stored_after_shutdown"] = ctx.clicks_in_database(promo_slug)
        except (BenchError, sqlite3.Error) as error:
            results["trial_c"]["clicks"]["stored_after_shutdown"] = None
            results["trial_c"]["clicks"]["report_problem"] = f"after shutdown: {error}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--binary", default="target/release/tether",
                        help="the tether binary (relative paths: to the current directory, else "
                             "to the repository); default target/release/tether")
    parser.add_argument("--articles", type=int, default=5000,
                        help="articles in the bundle imported under load (trial C); default 5000")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp dir (bundles, database, server.log)")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL server to create the fresh database on")
    parser.add_argument("--browsers", type=int, default=20, help="signed-in browsers; default 20")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of trials A and B; default 5")
    parser.add_argument("--small-articles", type=int, default=50,
                        help="articles in the bundle the server starts with; default 50")
    parser.add_argument("--click-rate", type=float, default=100.0,
                        help="GET /go per second during trial C; default 100")
    args = parser.parse_args()
    if args.small_articles < args.browsers + 2:
        parser.error("--small-articles must be at least --browsers + 2")

    # SIGTERM (and Ctrl-C) end the run through the same clean-up as a failure.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = {"backend": args.backend, "articles": args.articles,
               "small_articles": args.small_articles, "browsers": args.browsers,
               "rounds": args.rounds, "click_rate": args.click_rate,
               "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    ctx = None
    status = 0
    try:
        ctx = Context(args)
        results["binary"] = str(ctx.binary)
        results["database"] = ctx.database_url
        log(f"backend {args.backend}, database {ctx.database_url}, temp dir {ctx.tmp}")
        run(ctx, results)
        trials = [results.get(k, {}) for k in ("trial_a", "trial_b", "trial_c")]
        status = 0 if all(t.get("ok") for t in trials) else 1
    except (BenchError, subprocess.SubprocessError, OSError) as error:
        results["error"] = str(error)
        log(f"error: {error}")
        status = 2
    except BaseException as error:  # Ctrl-C, SIGTERM: still clean up and write what we have
        results["error"] = f"interrupted: {error!r}"
        status = 2
        raise
    finally:
        if ctx is not None:
            try:
                ctx.stop_server()
            finally:
                results["server_log"] = ctx.server_problems()
                ctx.drop_database()
                if args.keep:
                    log(f"kept {ctx.tmp}")
                else:
                    shutil.rmtree(ctx.tmp, ignore_errors=True)
        results["exit_status"] = status
        out_dir = BENCH_DIR / "results"
        out_dir.mkdir(exist_ok=True)
        ignore = out_dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*.json\n")
        out_file = out_dir / f"write_concurrency-{args.backend}.json"
        out_file.write_text(json.dumps(results, indent=2) + "\n")
        print(markdown(results))
        log(f"results written to {out_file}")
    return status


if __name__ == "__main__":
    sys.exit(main())
