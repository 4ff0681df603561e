"""Benchmark the portal against a large partner's data on PostgreSQL.

    python bench/run.py            # creates portal_bench, loads the scale data once, measures

Serves the portal with gunicorn (2 workers) and measures, for a signed-in Sales agent and a
Global admin, each page's median and 95th-percentile latency over N requests from 4 concurrent
clients, its SQL query count, the same rows through the Django admin's changelist, the page's
SQL alone (the captured statements run through psycopg), and the workers' peak memory. Then a
load run with wrk: 20 concurrent connections for 60 s over the main pages (bench/load.lua).
Prints a Markdown table and writes bench/results/*.json.

Not part of the test suite.
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOST, PORT = "127.0.0.1", 8765
PASSWORD = "bench-password-2026"  # noqa: S105 — the scale data's known password
SALES, ADMIN, OPERATOR = (
    "sales1@northwind-scale.example",
    "ga1@northwind-scale.example",
    "bench-operator@portal.example",
)

FLOOR_PAGE = "/account/password/"

# Targets: page at most 0.5 of the admin's time and 3 times its SQL's, 12 queries, 150 MB a worker.
ADMIN_RATIO, SQL_RATIO, MAX_QUERIES, MAX_WORKER_MB = 0.5, 3.0, 12, 150


def server_env(database_url: str, redis_url: str = "") -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdefghijklmnop",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_MANIFEST": "false",
        "PORTAL_QUERY_COUNT_HEADER": "true",
        "DB_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }


# --- A tiny HTTP client with a session cookie -------------------------------------------------


class Browser:
    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body=None, headers=None, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection(HOST, PORT, timeout=120)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if own:
            conn.close()
        return response, data

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def sign_in(self, email: str, path: str = "/sign-in/") -> None:
        _, page = self.request("GET", path)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = urlencode({"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD})
        response, _ = self.request(
            "POST",
            path,
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{HOST}:{PORT}{path}",
            },
        )
        if response.status != 302:
            raise SystemExit(f"Signing in as {email} failed ({response.status}).")


# --- Measuring ----------------------------------------------------------------------------------


@dataclass
class Timing:
    median_ms: float
    p95_ms: float
    queries: int | None
    errors: int


def measure(browser: Browser, path: str, requests: int, concurrency: int) -> Timing:
    latencies, queries, errors = [], [], 0
    lock = threading.Lock()
    local = threading.local()

    def one(_):
        nonlocal errors
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(HOST, PORT, timeout=120)
        started = time.perf_counter()
        try:
            response, _ = browser.request("GET", path, conn=conn)
            status, count = response.status, response.getheader("X-Query-Count")
        except (OSError, http.client.HTTPException):
            local.conn = None
            status, count = 0, None
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            if status != 200:
                errors += 1
            if count is not None:
                queries.append(int(count))

    for _ in range(3):  # warm both workers' caches and connections
        browser.request("GET", path)
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    latencies.sort()
    return Timing(
        median_ms=round(statistics.median(latencies), 1),
        p95_ms=round(latencies[int(len(latencies) * 0.95) - 1], 1),
        queries=max(queries) if queries else None,
        errors=errors,
    )


def sql_alone(statements: list[str], database_url: str, repeats: int, concurrency: int) -> float:
    """Median time of running the page's captured SQL through psycopg, fetching every row,
    from as many concurrent clients as the page was measured with."""

    timings = []
    lock = threading.Lock()
    local = threading.local()

    def one(_):
        conn = getattr(local, "conn", None)
        if conn is None:
            # The portal's own connection settings (see DATABASES in portal/settings.py).
            conn = local.conn = psycopg.connect(database_url, autocommit=True, options="-c jit=off")
        started = time.perf_counter()
        with conn.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql.encode())
                if cursor.description is not None:
                    cursor.fetchall()
        with lock:
            timings.append((time.perf_counter() - started) * 1000)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(repeats)))
    return round(statistics.median(timings), 1)


def captured_sql(email: str, path: str) -> list[str]:
    """The SQL a page runs, captured in-process with the server's settings."""
    from django.db import connection  # noqa: PLC0415  (set up at run time)
    from django.test import Client  # noqa: PLC0415  (set up at run time)
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415  (set up at run time)

    from multichannel.models import User  # noqa: PLC0415  (set up at run time)

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(email=email))
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code} in-process")
    return [plain(q["sql"]) for q in captured.captured_queries if plain(q["sql"])]


def plain(sql: str) -> str:
    """Server-side cursors (Django's .iterator() on PostgreSQL) as the plain query they run."""
    declared = re.match(r"DECLARE \S+ NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR (.*)", sql, re.S)
    if declared:
        return declared.group(1)
    if sql.startswith(("FETCH ", "CLOSE ")):
        return ""
    return sql


@dataclass
class Row:
    page: str
    who: str
    path: str
    portal: Timing
    admin_path: str
    admin: Timing
    sql_ms: float
    admin_ratio: float = 0.0
    sql_ratio: float = 0.0
    meets: dict = field(default_factory=dict)


def pages(big_customer_uuid: str, big_customer_pk: int, month_ago: str):
    """(name, who, portal path, admin changelist showing the same rows)."""
    customers = "/admin/multichannel/customer/"
    for who in ("Sales agent", "Global admin"):
        yield "Customers, first page", who, "/customers/", customers
        yield "Customers, search", who, "/customers/?q=00042", customers + "?q=00042"
        yield (
            "Customers, filter",
            who,
            "/customers/?other_channels=yes",
            customers + "?cloud__exact=commercial",
        )
        yield "Customers, page 400", who, "/customers/?page=400", customers + "?p=200"
        yield (
            "Customer with 200 subscriptions",
            who,
            f"/customers/{big_customer_uuid}/",
            f"/admin/multichannel/subscription/?customer__exact={big_customer_pk}&all=",
        )
        yield "Subscriptions", who, "/subscriptions/", "/admin/multichannel/subscription/"
        yield "Support", who, "/support/", "/admin/multichannel/supportrequest/"
    audit = "/admin/multichannel/auditentry/"
    yield "Activity log, first page", "Global admin", "/activity/", audit
    yield (
        "Activity log, last 30 days",
        "Global admin",
        f"/activity/?date_from={month_ago}",
        audit + f"?created_at__gte={month_ago}T00:00:00%2B00:00",
    )


def worker_memory_mb(master_pid: int) -> list[float]:
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
        peaks.append(round(peak_kb / 1024, 1))
    return peaks


def wrk_path() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("The load run needs Debian's 'wrk' package: `make bench` installs it.")
    return wrk


def load_run(sessions: list[tuple[Browser, list[str]]], clients: int, seconds: int) -> dict:
    """wrk: `clients` connections for `seconds`, each signed-in session cycling through its
    main pages (bench/load.lua); anything but a 200 is an error."""
    threads = len(sessions)
    clients = max(threads, clients - clients % threads)  # wrk shares connections evenly
    arguments = []
    for browser, paths in sessions:
        arguments += [browser.cookie_header(), ",".join(paths)]
    finished = subprocess.run(
        [
            wrk_path(),
            "--threads",
            str(threads),
            "--connections",
            str(clients),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "30s",
            "--script",
            str(ROOT / "bench" / "load.lua"),
            f"http://{HOST}:{PORT}",
            "--",
            *arguments,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise SystemExit(f"wrk failed ({finished.returncode}): {finished.stderr.strip()}")
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    return {
        "tool": "wrk",
        "clients": clients,
        "seconds": seconds,
        "requests": result["requests"],
        "errors": result["non_200"] + result["socket_errors"],
        "requests_per_second": round(result["requests"] / (result["duration_us"] / 1e6), 1),
        "median_ms": result["median_ms"],
        "p95_ms": result["p95_ms"],
    }


# --- The run ------------------------------------------------------------------------------------


def prepare(database_url: str) -> None:
    """Create the database and load the scale data once."""

    name = database_url.rsplit("/", 1)[1]
    server = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = server_env(database_url)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    loaded = (
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from multichannel.models import Partner;"
                "print(Partner.objects.filter(partner_id='8100001').exists())",
            ],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .endswith("True")
    )
    if not loaded:
        subprocess.run([*manage, "seed_scale"], env=env, check=True, cwd=ROOT)


def redis_answers(url: str) -> bool:

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        return bool(client.ping())
    except (redis.RedisError, ValueError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/portal_bench")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/1",
        help="the shared cache and sessions of the workers, as in production ('' for none: "
        "the database then holds both)",
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--load-clients", type=int, default=20)
    parser.add_argument("--load-seconds", type=int, default=60)
    args = parser.parse_args()

    wrk_path()
    prepare(args.database_url)
    if args.redis_url and not redis_answers(args.redis_url):
        print(f"No Redis at {args.redis_url}: cache and sessions in the database.", flush=True)
        args.redis_url = ""
    env = server_env(args.database_url, args.redis_url)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django  # noqa: PLC0415  (set up at run time)

    django.setup()
    from django.db.models import Count  # noqa: PLC0415  (set up at run time)

    from multichannel.models import Customer  # noqa: PLC0415  (set up at run time)

    big = (
        Customer.objects.annotate(n=Count("subscriptions"))
        .order_by("-n")
        .values("uuid", "pk")
        .first()
    )
    month_ago = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--workers",
            "2",
            "--bind",
            f"{HOST}:{PORT}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection(HOST, PORT, timeout=2).request("GET", "/sign-in/")
                break
            except OSError:
                time.sleep(0.2)
        browsers = {"Sales agent": Browser(), "Global admin": Browser()}
        browsers["Sales agent"].sign_in(SALES)
        browsers["Global admin"].sign_in(ADMIN)
        operator = Browser()
        operator.sign_in(OPERATOR, "/admin/login/")
        emails = {"Sales agent": SALES, "Global admin": ADMIN}

        rows = []
        for name, who, path, admin_path in pages(str(big["uuid"]), big["pk"], month_ago):
            portal = measure(browsers[who], path, args.requests, args.concurrency)
            admin = measure(operator, admin_path, args.requests, args.concurrency)
            sql_ms = sql_alone(
                captured_sql(emails[who], path), args.database_url, args.requests, args.concurrency
            )
            row = Row(name, who, path, portal, admin_path, admin, sql_ms)
            row.admin_ratio = round(portal.median_ms / admin.median_ms, 2)
            row.sql_ratio = round(portal.median_ms / sql_ms, 2) if sql_ms else 0
            row.meets = {
                "admin": row.admin_ratio <= ADMIN_RATIO,
                "sql": row.sql_ratio <= SQL_RATIO,
                "queries": (portal.queries or 0) <= MAX_QUERIES,
                "errors": portal.errors == 0,
            }
            rows.append(row)
            print(
                f"  {who:12} {name:34} {portal.median_ms:7.1f} ms  admin {admin.median_ms:7.1f} ms"
                f"  SQL {sql_ms:6.1f} ms  queries {portal.queries}",
                flush=True,
            )

        # No target applies to it: the portal's cheapest signed-in page, which reads only the
        # user and their roles, shows what any page costs before it reads its own data.
        floor = measure(browsers["Sales agent"], FLOOR_PAGE, args.requests, args.concurrency)
        floor_sql = sql_alone(
            captured_sql(SALES, FLOOR_PAGE), args.database_url, args.requests, args.concurrency
        )
        reference = {"path": FLOOR_PAGE, "portal": asdict(floor), "sql_ms": floor_sql}
        print(
            f"  reference: {FLOOR_PAGE} {floor.median_ms:7.1f} ms  SQL {floor_sql:6.1f} ms",
            flush=True,
        )

        main_pages = [
            (
                browsers["Sales agent"],
                [
                    "/",
                    "/customers/",
                    "/subscriptions/",
                    "/support/",
                    f"/customers/{big['uuid']}/",
                    "/customers/?q=00042",
                ],
            ),
            (
                browsers["Global admin"],
                ["/", "/customers/", "/activity/", "/support/", "/subscriptions/?status=active"],
            ),
        ]
        load = load_run(main_pages, args.load_clients, args.load_seconds)
        memory = worker_memory_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)

    report(rows, reference, load, memory, args)


def report(rows: list[Row], reference: dict, load: dict, memory: list[float], args) -> None:
    machine = {
        "python": platform.python_version(),
        "cpu": _cpu(),
        "cores": os.cpu_count(),
        "postgresql": _postgres_version(args.database_url),
    }
    lines = [
        f"Benchmark of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {machine['cpu']}, "
        f"{machine['cores']} cores, PostgreSQL {machine['postgresql']}, gunicorn 2 workers; "
        f"{args.requests} requests per page, {args.concurrency} concurrent clients.",
        "",
        "| page | user | median ms | p95 ms | queries | admin median ms | page/admin "
        "| SQL ms | page/SQL |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        flag = lambda ok: "" if ok else " ✗"  # noqa: E731
        lines.append(
            f"| {r.page} | {r.who} | {r.portal.median_ms} | {r.portal.p95_ms} | "
            f"{r.portal.queries}{flag(r.meets['queries'])} | {r.admin.median_ms} | "
            f"{r.admin_ratio}{flag(r.meets['admin'])} | {r.sql_ms} | "
            f"{r.sql_ratio}{flag(r.meets['sql'])} |"
        )
    floor = reference["portal"]
    lines += [
        "",
        f"For reference, with no target: the cheapest signed-in page ({reference['path']}, "
        "a three-field form; its only queries read the user and their roles) took "
        f"{floor['median_ms']} ms (p95 {floor['p95_ms']} ms, {floor['queries']} queries), "
        f"its SQL alone {reference['sql_ms']} ms.",
        "",
        f"Peak memory per gunicorn worker: {', '.join(f'{m} MB' for m in memory)} "
        f"(target < {MAX_WORKER_MB} MB).",
        f"Load (wrk): {load['requests']:,} requests from {load['clients']} concurrent connections "
        f"in {load['seconds']} s ({load['requests_per_second']}/s; median {load['median_ms']} ms, "
        f"p95 {load['p95_ms']} ms), {load['errors']} errors (anything but a 200).",
    ]
    table = "\n".join(lines)
    print("\n" + table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    payload = {
        "machine": machine,
        "settings": vars(args),
        "pages": [asdict(r) for r in rows],
        "reference": reference,
        "worker_peak_mb": memory,
        "load": load,
    }
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(payload, indent=2))
    (RESULTS / f"bench-{stamp}.md").write_text(table + "\n")
    print(f"\nWritten: bench/results/bench-{stamp}.json and .md")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _postgres_version(database_url: str) -> str:

    with psycopg.connect(database_url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


if __name__ == "__main__":
    main()
