"""Benchmark of twenty people at once on gunicorn with three workers (not a test).

Generates the KPI benchmark's database (bench_kpis.generate: 200,000 activity records and
50,000 cases over ten years, six offices, rollups built) with ten leadership and ten
coordinator accounts, starts gunicorn with three workers on the loopback only
(127.0.0.1, a free port), runs bench/locustfile.py headless — twenty people signed in
through the real form, opening the dashboard, the API and the meetings list, coordinators
saving meetings — for a minute, then stops gunicorn and prints p50 and p95 per page,
requests per second and failures. It stops by itself: locust after --seconds, everything
after --seconds + 120 at most.

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/bench_load.py [--users 20] [--seconds 60] [--activities 200000]
        [--cases 50000] [--cache default|SimpleCache|FileSystemCache|RedisCache|NullCache]
        [--as-issue-machine]

Targets (issue 16) on this 2-core machine: dashboard p95 under 400 ms, API p95 under 150 ms,
meetings list p95 under 300 ms, no failure, at least 40 requests a second. The times are
judged scaled to the reference machine (see _common); with --as-issue-machine (root),
gunicorn and locust get only that machine's CPU time, and the times are judged as they are.
"""

import argparse
import csv
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import _common  # first: every file of the run goes under a temporary folder
from bench_kpis import generate
from flask_migrate import upgrade

from app import create_app
from coalition.database import db
from coalition.models import Office, User

PASSWORD = "benchmark password for the load"
BIN = os.path.dirname(sys.executable)
#: locust's name of each page the targets are about, and its p95 limit in ms
PAGES = {"/dashboard/": 400, "/api/kpis": 150, "/meetings/": 300}


def accounts(readers: int, coordinators: int) -> None:
    """reader0 … (leadership) and coordinator0 … (each of an office, in turn)."""
    offices = [office.id for office in db.session.query(Office).order_by(Office.id)]
    users = [User(username=f"reader{n}", role="leadership") for n in range(readers)]
    users += [User(username=f"coordinator{n}", role="coordinator",
                   office_id=offices[n % len(offices)]) for n in range(coordinators)]
    for user in users:
        user.set_password(PASSWORD)
    db.session.add_all(users)
    db.session.commit()


def free_port() -> int:
    """A port of the loopback no one listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(base: str, seconds: float) -> None:
    """Wait until the sign-in page answers."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/login", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


class IssueMachine:
    """A cgroup that gives the server and locust together the CPU time of the quiet 2-core
    machine of issue 16 (its reference loop took 1.4 s): this machine's cores times the
    ratio of the two reference times. Under load, a faster machine would otherwise meet the
    targets by its speed alone; with the share of the slower one, the figures are judged as
    they are. Needs root and the cgroup cpu controller (v1 or v2)."""

    PERIOD_US = 10_000  # short periods: a throttled process waits at most this long

    def __init__(self, machine: _common.Machine) -> None:
        self.cpus = machine.cores * min(1.0, machine.reference / _common.QUIET_REFERENCE)
        quota = int(self.PERIOD_US * self.cpus)
        v1 = "/sys/fs/cgroup/cpu"
        self.path = (f"{v1}/coalition-bench-{os.getpid()}" if os.path.isdir(v1)
                     else f"/sys/fs/cgroup/coalition-bench-{os.getpid()}")
        os.mkdir(self.path)
        if os.path.exists(f"{self.path}/cpu.cfs_quota_us"):
            self._write("cpu.cfs_period_us", self.PERIOD_US)
            self._write("cpu.cfs_quota_us", quota)
        else:
            self._write("cpu.max", f"{quota} {self.PERIOD_US}")

    def _write(self, name: str, value: object) -> None:
        with open(f"{self.path}/{name}", "w") as file:
            file.write(str(value))

    def enter(self) -> None:
        """Put the calling process (and so what it starts) in the cgroup: a preexec_fn."""
        self._write("cgroup.procs", os.getpid())

    def remove(self) -> None:
        """Remove the cgroup, once its processes have ended."""
        for _attempt in range(20):
            try:
                os.rmdir(self.path)
                return
            except OSError:
                time.sleep(0.25)


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system) of a process and of every process under it, alive."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{current}/task/{current}/children") as file:
                pending += [int(child) for child in file.read().split()]
        except OSError:  # ended meanwhile, or no /proc here
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children_cpu() -> float:
    """CPU seconds of the ended processes this one has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def stop(server: subprocess.Popen) -> None:
    """Stop gunicorn and its workers (its own process group), by force if it lingers."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


def main() -> None:
    """Generate the data, serve it with gunicorn, run locust, print what it saw."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--cache", default="default",
                        choices=("default", "SimpleCache", "FileSystemCache", "RedisCache",
                                 "NullCache"),
                        help="Where the workers keep computed figures: each its own (the "
                             "app's default; SimpleCache: Flask-Caching's, unpruned), in "
                             "files they share, on Redis (--redis), or nowhere.")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15",
                        help="The Redis of --cache RedisCache (its keys are the benchmark's "
                             "own: a prefix of this run).")
    parser.add_argument("--no-cache", action="store_true", help="The same as --cache NullCache.")
    parser.add_argument("--as-issue-machine", action="store_true",
                        help="Give gunicorn and locust only the CPU time of the machine of "
                             "issue 16 (a cgroup; root only), and judge the figures as they "
                             "are rather than scaled.")
    options = parser.parse_args()
    cache = "NullCache" if options.no_cache else options.cache
    machine = _common.machine()
    limited = IssueMachine(machine) if options.as_issue_machine else None
    if limited:
        print(f"gunicorn and locust share {limited.cpus:.2f} CPUs of this machine's "
              f"{machine.cores} (a cgroup): the quiet machine of issue 16's share", flush=True)
    database = f"sqlite:///{_common.WORK}/bench.sqlite"
    # the accounts' passwords are hashed as the server checks them: no re-hash (a write)
    # at each sign-in
    hashing = "pbkdf2:sha256:1000"
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": hashing})
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        generate(options.activities, options.cases)
        accounts(options.users // 2, options.users - options.users // 2)
        print(f"generated {options.activities:,} activity records and {options.cases:,} cases "
              f"in {time.perf_counter() - began:.1f} s", flush=True)
        db.session.remove()
        db.engine.dispose()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": "bench",
           "PASSWORD_HASH_METHOD": hashing, "BENCH_PASSWORD": PASSWORD,
           **({} if cache == "default" else {"CACHE_TYPE": cache}),
           "CACHE_DIR": str(_common.WORK / "figure-cache"),
           **({"CACHE_REDIS_URL": options.redis, "CACHE_KEY_PREFIX": f"bench-{os.getpid()}:"}
              if cache == "RedisCache" else {})}
    server = subprocess.Popen(
        [f"{BIN}/gunicorn", "--workers", "3", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "app:create_app()"],
        cwd=_common.ROOT, env=env, start_new_session=True,
        preexec_fn=limited.enter if limited else None)
    stats = _common.WORK / "load"
    try:
        wait_until_up(base, 120)
        print(f"gunicorn, 3 workers, on {base}; {options.users} users for "
              f"{options.seconds} s (figure cache: {cache})", flush=True)
        server_began, locust_began, began = cpu_seconds(server.pid), children_cpu(), \
            time.monotonic()
        subprocess.run(
            [f"{BIN}/locust", "-f", str(_common.ROOT / "bench" / "locustfile.py"),
             "--headless", "--users", str(options.users),
             "--spawn-rate", str(options.users), "--run-time", f"{options.seconds}s",
             "--stop-timeout", "10", "--host", base, "--csv", str(stats), "--only-summary",
             "--loglevel", "WARNING"],
            cwd=_common.ROOT, env=env, timeout=options.seconds + 120, check=False,
            preexec_fn=limited.enter if limited else None)
        seconds = time.monotonic() - began
        used = {"gunicorn": cpu_seconds(server.pid) - server_began,
                "locust": children_cpu() - locust_began}
    finally:
        stop(server)
        if limited:
            limited.remove()

    with open(f"{stats}_stats.csv", newline="") as file:
        rows = {row["Name"]: row for row in csv.DictReader(file)}
    print(f"{'page':28} {'requests':>9} {'failures':>9} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'req/s':>7}")
    for name, row in rows.items():
        print(f"{name:28} {row['Request Count']:>9} {row['Failure Count']:>9} "
              f"{row['50%']:>8} {row['95%']:>8} {float(row['Requests/s']):7.1f}")
    total = rows["Aggregated"]
    # what the run cost: the server's share per request is what its pages cost
    allowed = f" of {limited.cpus * seconds:.1f} s allowed (the cgroup)" if limited else ""
    print(f"CPU in the {seconds:.0f} s of the run: gunicorn {used['gunicorn']:.1f} s "
          f"({1000 * used['gunicorn'] / max(1, int(total['Request Count'])):.1f} ms a "
          f"request), locust {used['locust']:.1f} s{allowed}")
    for name, limit in PAGES.items():
        machine.target(f"{name} p95 with {options.users} users", float(rows[name]["95%"]), limit,
                       "ms", scale=not limited)
    machine.target("failures", float(total["Failure Count"]), 1, "requests")
    machine.at_least("throughput", float(total["Requests/s"]), 40, "requests/s")
    machine.summary()


if __name__ == "__main__":
    main()
