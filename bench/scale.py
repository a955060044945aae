"""Scale bench: N projects on PostgreSQL, pages under load beside the raw-SQL floor, sweep and verify.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/govit_bench \\
        .venv/bin/python bench/scale.py --projects 100000 [--audit-entries 1000000] [--port 8125]

Steps: migrate and load the demo; bulk-generate the projects and audit entries that are missing
(bench/scale_data.py); serve with gunicorn; for each page and API endpoint take p50/p95/p99 at
concurrency 1 and 8, and the p50 of the raw SQL the same page needs (its floor); run a nightly sweep
(the projects the services changed that day, plus the duties falling due) while a foreground writer
appends audit entries and records its longest wait; verify the audit chain. The last line printed
is the JSON summary of the operator contract (docs/performance.md explains each figure).

`--in-process` (what the test suite's smoke run uses) loads the pages through Django's test client
instead of gunicorn, so it also runs on the embedded SQLite.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

# (name, user, path): {unit} / {project} are filled from the data.
ENDPOINTS = [
    ("lead_project_list", "tz_lead_office", "/projects/"),
    ("lead_project_list_api", "tz_lead_office", "/api/v1/projects?limit=50"),
    ("lead_inbox", "tz_lead_office", "/projects/inbox/"),
    ("lead_inbox_api", "tz_lead_office", "/api/v1/projects/inbox?limit=50"),
    ("applicant_project_list", "tz_applicant", "/projects/"),
    ("project_detail", "tz_lead_office", "/projects/{project}/"),
    ("supervision_dashboard", "tz_lead_office", "/supervision/"),
]
PASSWORD = "Govit@2026demo"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- set-up ------------------------------------------------------------------------------------


def setup(projects: int, audit_entries: int) -> dict[str, Any]:
    import django

    django.setup()
    import scale_data
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    from govit.core.models import User
    from govit.projects.models import Project

    if not User.objects.filter(username="tz_lead_office").exists() or not Project.objects.exists():
        call_command("demo", "--quiet-logins", stdout=open(os.devnull, "w"))
    added = scale_data.generate_projects(projects, log=log)
    written = scale_data.generate_audit(audit_entries, log=log)
    scale_data.analyze()
    seconds = time.perf_counter() - started
    log(f"data ready in {seconds:.0f} s (+{added} projects, +{written} audit entries): {scale_data.summary()}")
    return {"generate_s": round(seconds, 1), **scale_data.summary()}


def targets() -> dict[str, str]:
    """Values for the endpoint paths: a project of the lead office's jurisdiction."""
    from govit.core.models import User
    from govit.projects.selectors import projects_visible_to

    lead = User.objects.get(username="tz_lead_office")
    project = projects_visible_to(lead).filter(state="construction").order_by("-pk").first() \
        or projects_visible_to(lead).first()
    return {"project": str(project.pk)}


# --- load --------------------------------------------------------------------------------------


class HttpSession:
    """A signed-in keep-alive connection to the bench server."""

    def __init__(self, port: int, username: str) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self._login(username)

    def _request(self, method: str, path: str, body: str | None = None,
                 headers: dict[str, str] | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:
        head = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=head)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.conn.request(method, path, body=body, headers=head)
            response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, data, response

    def _login(self, username: str) -> None:
        status, page, _ = self._request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"login page answered {status}"
        from urllib.parse import urlencode

        body = urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "username": username,
                          "password": PASSWORD})
        status, _, _ = self._request("POST", "/login/", body, {
            "Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{self.port}/login/"})
        assert status == 302, f"sign-in of {username} answered {status}"

    def get(self, path: str) -> float:
        started = time.perf_counter()
        status, _, _ = self._request("GET", path)
        elapsed = (time.perf_counter() - started) * 1000
        assert status == 200, f"GET {path} answered {status}"
        return elapsed


class ClientSession:
    """The same interface over Django's test client (smoke runs, SQLite)."""

    def __init__(self, username: str) -> None:
        from django.test import Client

        from govit.core.models import User

        self.client = Client()
        self.client.force_login(User.objects.get(username=username))

    def get(self, path: str) -> float:
        started = time.perf_counter()
        response = self.client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, f"GET {path} answered {response.status_code}"
        return elapsed


def measure(make: Callable[[str], Any], username: str, path: str, *, c1: int, c8: int) -> dict[str, float]:
    session = make(username)
    session.get(path)  # warm
    alone = [session.get(path) for _ in range(c1)]
    sessions = [make(username) for _ in range(8)]
    timings: list[float] = []
    lock = threading.Lock()

    def worker(s: Any) -> None:
        mine = [s.get(path) for _ in range(max(1, c8 // 8))]
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"c1_p50_ms": round(statistics.median(alone), 1), "c1_p95_ms": round(percentile(alone, 95), 1),
            "c8_p50_ms": round(statistics.median(timings), 1), "c8_p95_ms": round(percentile(timings, 95), 1),
            "c8_p99_ms": round(percentile(timings, 99), 1)}


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT / 'src'}", "DJANGO_SETTINGS_MODULE": "bench_settings",
           "GOVIT_PRELOAD_INDEXES": os.environ.get("GOVIT_PRELOAD_INDEXES", "1")}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "govit.wsgi", "--preload", "-b", f"127.0.0.1:{port}", "-w",
         str(workers),
         "--threads", "2", "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning"],
        env=env, cwd=str(ROOT))
    for _ in range(6000):  # the master builds the analysis indexes before it listens (minutes the first time)
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/login/")
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


# --- the floor ----------------------------------------------------------------------------------


def floor_ms(name: str, context: dict[str, Any], runs: int = 15) -> float:
    """p50 of the raw SQL a minimal version of the page needs (same rows, same page size)."""
    from bench_floor import FLOOR_SQL
    from django.db import connection

    statements = FLOOR_SQL[name]
    timings = []
    with connection.cursor() as cursor:
        for _ in range(runs + 1):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql, context)
                cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings[1:]), 2)


def floor_context() -> dict[str, Any]:
    from govit.core.models import User
    from govit.core.selectors import role_assignments_of

    lead = User.objects.get(username="tz_lead_office")
    applicant = User.objects.get(username="tz_applicant")
    jurisdiction = role_assignments_of(lead).filter(role="lead_office").first().jurisdiction_id
    unit = role_assignments_of(applicant).filter(role="applicant").first().unit_id
    return {"jurisdiction": jurisdiction, "unit": unit, **{k: int(v) for k, v in targets().items()}}


# --- sweep under foreground writes ---------------------------------------------------------------


def nightly_changes(share: float) -> int:
    """The day's work: a share of the projects changed through the services (which mark them for
    tonight's sweep, as record_event does). Most such changes add today's step; one in four is taken
    as a correction of the past (its duties are derived from the start again)."""
    from django.db import connection
    from django.utils import timezone

    from govit.projects.models import Project

    total = Project.objects.count()
    n = max(1, int(total * share))
    today = timezone.localdate()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("UPDATE projects_project SET status_valid_until = %s WHERE id IN "
                           "(SELECT id FROM projects_project ORDER BY random() LIMIT %s)", [today, n])
    else:
        ids = list(Project.objects.order_by("?").values_list("pk", flat=True)[:n])
        Project.objects.filter(pk__in=ids).update(status_valid_until=today)
    from govit.supervision.models import DutyHistory

    marked = Project.objects.filter(status_valid_until=today).order_by("pk").values_list("pk", flat=True)
    DutyHistory.objects.filter(project_id__in=list(marked[::4])).delete()
    return n


def sweep_with_foreground(full: bool = False) -> dict[str, Any]:
    """Run the sweep in a subprocess (its own memory) while this process appends audited writes as a
    request would, and record the longest time one of those writes took."""
    from django.db import connections

    from govit.core.services import audit_record

    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT / 'src'}", "DJANGO_SETTINGS_MODULE": "bench_settings"}
    command = [str(ROOT / ".venv" / "bin" / "govit"), "sweep"] + (["--full"] if full else [])
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    waits: list[float] = []
    while proc.poll() is None:
        t = time.perf_counter()
        audit_record(actor=None, actor_name="bench foreground", action="bench.foreground_write")
        waits.append((time.perf_counter() - t) * 1000)
        time.sleep(0.05)
    output = proc.stdout.read().decode() if proc.stdout else ""
    seconds = time.perf_counter() - started
    connections.close_all()
    if proc.returncode != 0:
        raise SystemExit(f"sweep failed: {output}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"sweep_s": round(seconds, 2), "output": output.strip().splitlines()[-1:] or [""],
            "foreground_writes": len(waits), "longest_lock_wait_ms": round(max(waits, default=0.0), 1),
            "children_peak_rss_mb": round(rss, 1)}


def sweep_in_process() -> dict[str, Any]:
    """The same measurement in one process (smoke runs): the sweep in a thread, writes beside it."""
    from django.db import connections

    from govit.core.services import audit_record
    from govit.supervision.services import sweep

    done = threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            sweep()
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            done.set()
            connections.close_all()

    started = time.perf_counter()
    worker = threading.Thread(target=run)
    worker.start()
    waits: list[float] = []
    while not done.is_set():
        t = time.perf_counter()
        audit_record(actor=None, actor_name="bench foreground", action="bench.foreground_write")
        waits.append((time.perf_counter() - t) * 1000)
        time.sleep(0.02)
    worker.join()
    if failures:
        raise failures[0]
    return {"sweep_s": round(time.perf_counter() - started, 2), "foreground_writes": len(waits),
            "longest_lock_wait_ms": round(max(waits, default=0.0), 1)}


def verify_in_process() -> dict[str, Any]:
    from govit.core.audit import verify_chain

    started = time.perf_counter()
    report = verify_chain()
    seconds = time.perf_counter() - started
    return {"ok": report.ok, "checked": report.checked, "seconds": round(seconds, 3),
            "entries_per_s": round(report.checked / seconds) if seconds else None}


def verify() -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT / 'src'}", "DJANGO_SETTINGS_MODULE": "bench_settings"}
    workers = str(max(1, min(4, os.cpu_count() or 1)))
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "govit"), "audit", "verify", "--format", "json",
                          "--workers", workers], env=env, cwd=str(ROOT), capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"verify failed: {out.stdout} {out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=10000)
    parser.add_argument("--audit-entries", type=int, default=None, help="default: 10 per project")
    parser.add_argument("--port", type=int, default=8125)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--c1", type=int, default=20, help="requests per endpoint, one at a time")
    parser.add_argument("--c8", type=int, default=160, help="requests per endpoint, eight at a time")
    parser.add_argument("--changed", type=float, default=0.02, help="share of projects changed during the day")
    parser.add_argument("--in-process", action="store_true", help="test client instead of gunicorn (smoke)")
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args(argv)
    audit_target = args.audit_entries if args.audit_entries is not None else args.projects * 10

    data = setup(args.projects, audit_target)
    context = floor_context()
    paths = {name: (user, path.format(**targets())) for name, user, path in ENDPOINTS}
    server = None
    if args.in_process:
        make: Callable[[str], Any] = ClientSession
    else:
        server = start_server(args.port, args.workers)

        def make(username: str) -> Any:
            return HttpSession(args.port, username)

    endpoints: dict[str, Any] = {}
    try:
        for name, (user, path) in paths.items():
            figures = measure(make, user, path, c1=args.c1, c8=args.c8)
            figures["floor_ms"] = floor_ms(name, context)
            figures["c8_p95_over_floor"] = round(figures["c8_p95_ms"] / max(figures["floor_ms"], 0.01), 1)
            endpoints[name] = figures
            log(f"{name:28s} {figures}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    sweep_figures: dict[str, Any] = {}
    if not args.skip_sweep:
        changed = nightly_changes(args.changed)
        sweep_figures = sweep_in_process() if args.in_process else sweep_with_foreground()
        sweep_figures["changed_projects"] = changed
        log(f"sweep {sweep_figures}")
    verified = verify_in_process() if args.in_process else verify()
    log(f"verify {verified}")
    own_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = {
        "projects": data["projects"], "audit_entries": data["audit_entries"], "endpoints": endpoints,
        "sweep_s": sweep_figures.get("sweep_s"), "verify_entries_per_s": verified.get("entries_per_s"),
        "peak_rss_mb": round(max(own_rss, children), 1),
        "sweep": sweep_figures, "verify": verified, "generate_s": data["generate_s"],
        "database": os.environ.get("DATABASE_URL", "sqlite").split("@")[-1],
    }
    print(json.dumps(summary, ensure_ascii=False))
    return summary


if __name__ == "__main__":
    main()
