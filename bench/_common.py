"""What every benchmark shares: the machine it ran on, where its files go, and its verdicts.

Imported before the app (`import _common` first in each bench): every file a benchmark
writes — its database, the instance folder (keys, secret key, job queue), exported files —
goes under one temporary folder, removed when the benchmark ends, by Ctrl-C or SIGTERM too.
Only the compressed static files are kept between runs, in build/static-bench (making them
takes seconds; they are a cache, like the tests' build/static-tests).

Each benchmark prints first the machine's reference time (a fixed pure-Python loop) and its
load average, so that figures from different runs and machines can be compared, and ends
with a verdict per target of issue 16: met, missed, or not claimed when the machine was
loaded (a figure from a busy machine proves nothing either way when it is met). Times and
rates are judged as the quiet machine of issue 16 would give them: scaled by the ratio of
its reference time (1.4 s) to this machine's, since the targets were set there.
"""

import atexit
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: every file of this run; removed at exit
WORK = Path(tempfile.mkdtemp(prefix="coalition-bench-"))
os.environ.setdefault("COALITION_INSTANCE_PATH", str(WORK / "instance"))
os.environ.setdefault("STATIC_BUILD_DIR", str(ROOT / "build" / "static-bench"))
atexit.register(shutil.rmtree, WORK, ignore_errors=True)
if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))  # so that atexit runs

#: seconds of the reference loop on the quiet 2-core machine of issue 16
QUIET_REFERENCE = 1.4
#: a machine busier than this (1-minute load per core), or this much slower, is "loaded"
LOADED_PER_CORE, SLOWER = 0.5, 1.25


def reference_seconds(runs: int = 3) -> float:
    """Seconds for sum(i*i for i in range(10**7)): the machine's speed right now, the best
    of a few runs (one run alone was seen 50% slower on a quiet machine, and a slow
    reference would judge the figures leniently)."""
    best = float("inf")
    for _run in range(runs):
        began = time.perf_counter()
        sum(i * i for i in range(10**7))
        best = min(best, time.perf_counter() - began)
    return best


@dataclass
class Machine:
    """The machine at the start of a benchmark, and the verdicts given on it."""

    reference: float
    load: tuple[float, float, float]
    cores: int
    verdicts: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> bool:
        """Too busy or too slow for a met target to be claimed."""
        return (self.load[0] > LOADED_PER_CORE * self.cores
                or self.reference > SLOWER * QUIET_REFERENCE)

    def describe(self) -> str:
        """Reference time and load average, on one line."""
        load = " ".join(f"{value:.2f}" for value in self.load)
        return (f"machine reference: sum(i*i for i in range(10**7)) in {self.reference:.2f} s "
                f"(best of 3; {QUIET_REFERENCE} s on the quiet machine of issue 16); "
                f"load average {load} "
                f"on {self.cores} cores" + (" — loaded: no target is claimed as met"
                                            if self.loaded else ""))

    def on_quiet_machine(self, value: float, unit: str) -> float:
        """A time measured here, as the quiet machine of issue 16 would give it: scaled by
        the two machines' reference times. The targets were set on that machine, so a faster
        machine must not meet them by its speed alone. Other units (bytes, counts, shares,
        a rate the benchmark itself sets) do not scale."""
        if unit not in ("s", "ms"):
            return value
        return value * QUIET_REFERENCE / self.reference

    def _line(self, what: str, value: float, scaled: float, bound: str, unit: str,
              outcome: str) -> str:
        here = f"{value:,.1f} {unit}"
        if scaled != value:
            here += f" here, {scaled:,.1f} {unit} scaled to the reference of {QUIET_REFERENCE} s"
        line = f"target {what}: {here} ({bound}): {outcome}"
        self.verdicts.append(line)
        print(line, flush=True)
        return outcome

    def target(self, what: str, value: float, limit: float, unit: str,
               judged: str | None = None, *, scale: bool = True) -> str:
        """Print and keep the verdict on one target: `value`, scaled to the quiet machine
        unless `scale` is False, must be under `limit`. `judged` says why the figure cannot
        decide the target (another size of data …)."""
        scaled = self.on_quiet_machine(value, unit) if scale else value
        if scaled >= limit:
            outcome = "MISSED"
        elif judged:
            outcome = f"not judged ({judged})"
        elif self.loaded:
            outcome = "under the limit, NOT CLAIMED (machine loaded)"
        else:
            outcome = "met"
        return self._line(what, value, scaled, f"limit {limit:,g} {unit}", unit, outcome)

    def at_least(self, what: str, value: float, floor: float, unit: str) -> str:
        """Print and keep the verdict on a target that `value` must reach."""
        if value < floor:
            outcome = "MISSED"
        elif self.loaded:
            outcome = "reached, NOT CLAIMED (machine loaded)"
        else:
            outcome = "met"
        return self._line(what, value, value, f"at least {floor:,g} {unit}", unit, outcome)

    def summary(self) -> None:
        """Every verdict again, with the load at the end (it moves during a run)."""
        now = " ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"-- verdicts (load average at the start {self.load[0]:.2f}, now {now})")
        for line in self.verdicts:
            print(line)


def machine() -> Machine:
    """Measure and print the machine's reference and load: the first lines of every bench."""
    load = os.getloadavg()  # before the loop raises it
    found = Machine(reference_seconds(), (load[0], load[1], load[2]), os.cpu_count() or 1)
    print(found.describe(), flush=True)
    return found


def percentiles(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile."""
    if len(times) < 2:
        return times[0], times[0]
    return statistics.median(times), statistics.quantiles(times, n=20, method="inclusive")[-1]
