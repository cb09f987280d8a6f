"""Generation benchmark: rows/s and peak memory of the generator, next to a row-by-row Faker baseline.

    uv run python bench/generate.py                 # every case, median of 3 runs (about 1.5 min)
    uv run python bench/generate.py --repeat 1 --quick --json /tmp/bench.json
    uv run python bench/generate.py --cases xlarge-epoch --repeat 7 --baseline ../other-checkout

With `--baseline PATH` the same cases also run on another checkout's code (its own `PATH/.venv/bin/python`
runs this file, so both sides are timed by the same code), in fresh processes, alternating with ours in
every round; the report adds both medians and their ratio.

Each measurement runs in a fresh interpreter (this file re-invoked with `--case NAME`), so the peak
resident set size (`ru_maxrss`) belongs to that case alone and every run starts cold: the import of
`ecom_pipeline.generation` is timed separately, while building the mimesis pools on first use counts as
generation time. Times come from `time.perf_counter()` inside the child; the parent reports the median
(and min/max) over `--repeat` runs.

Cases:
  xlarge-epoch      xlarge, 2026-01-01 (the epoch, seed 42): 1,000,000 opening customers with their
                    addresses, the catalog and the day's orders, generated and published as Parquet
  xlarge-customers  the same day's customers table only, generated and published (same writer)
  large-day         large, 2026-03-10 alone in its process (caches cold), generated only
  large-week        large, 2026-03-10..2026-03-16 in one process, generated and published
  faker-customers   Faker, one dict per row in a Python loop -> polars DataFrame -> Parquet
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import cpus as _cpus
from common import load as _load
from common import peak_rss_bytes as _peak_rss_bytes
from common import run_child as _run_child
from common import table as _table
from common import verdict as _verdict

SEED = 42
EPOCH = dt.date(2026, 1, 1)
LARGE_DAY = dt.date(2026, 3, 10)
WEEK_DAYS = 7
FAKER_ROWS = 20_000

TARGET_EPOCH_S = 5.0
STRETCH_EPOCH_S = 3.0
TARGET_RATIO = 200.0
TARGET_RSS_BYTES = 2_000_000_000  # 2 GB

RESULT_MARK = "BENCH_RESULT "
MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[1]
BASELINE_SLACK = 1.10  # the xlarge epoch day may take at most 10% longer than the baseline's

DESCRIPTIONS = {
    "xlarge-epoch": "xlarge 2026-01-01 epoch day, all tables, gen+write",
    "xlarge-customers": "xlarge 2026-01-01 customers only, gen+write",
    "xlarge-customers-gen": "xlarge 2026-01-01 customers only, gen only (2 threads)",
    "large-day": "large 2026-03-10 alone, all tables, gen only",
    "large-week": "large 2026-03-10..16 in one process, gen+write",
    "faker-customers": "Faker row loop, customers, gen+write",
}


# --------------------------------------------------------------------------------------------- child


def _timed_frames(frames: Iterable[tuple[str, Any]], spent: dict[str, float]) -> Iterator[tuple[str, Any]]:
    """Pass the frames through, recording how long each took to produce (writes overlap on a thread)."""
    it = iter(frames)
    while True:
        start = time.perf_counter()
        try:
            table, frame = next(it)
        except StopIteration:
            return
        spent[table] = spent.get(table, 0.0) + time.perf_counter() - start
        yield table, frame


def _case_xlarge_epoch(tmp: str | None) -> dict[str, Any]:
    from ecom_pipeline.generation import SCALES, GeneratorConfig
    from ecom_pipeline.generation.daily import iter_day
    from ecom_pipeline.generation.dataset import dataset_metadata
    from ecom_pipeline.storage.parquet import publish_day

    gen_s: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ecom-bench-", dir=tmp) as root:
        start = time.perf_counter()
        config = GeneratorConfig(seed=SEED, scale=SCALES["xlarge"])
        written = publish_day(
            Path(root), EPOCH, 0, _timed_frames(iter_day(config, EPOCH, threads=2), gen_s), dataset_metadata(config)
        )
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "tables": {f.table: f.rows for f in written},
        "bytes": sum(f.bytes for f in written),
        "gen_s_by_table": gen_s,
    }


def _case_xlarge_customers(tmp: str | None) -> dict[str, Any]:
    from ecom_pipeline.generation import SCALES, GeneratorConfig, generate_table
    from ecom_pipeline.generation.dataset import dataset_metadata
    from ecom_pipeline.storage.parquet import publish_day

    with tempfile.TemporaryDirectory(prefix="ecom-bench-", dir=tmp) as root:
        start = time.perf_counter()
        config = GeneratorConfig(seed=SEED, scale=SCALES["xlarge"])

        def frames() -> Iterator[tuple[str, Any]]:  # lazily, as iter_day hands frames to publish_day
            yield "customers", generate_table(config, "customers", EPOCH)

        written = publish_day(Path(root), EPOCH, 0, frames(), dataset_metadata(config))
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "tables": {f.table: f.rows for f in written}, "bytes": sum(f.bytes for f in written)}


def _case_xlarge_customers_gen(tmp: str | None) -> dict[str, Any]:
    """Generator against generator: no writes, and the value pools built beforehand, as Faker() is."""
    from concurrent.futures import ThreadPoolExecutor

    import polars as pl

    from ecom_pipeline.generation import SCALES, Chunk, GeneratorConfig, generate_table
    from ecom_pipeline.generation.daily import subchunks
    from ecom_pipeline.generation.entities.customers import shared_state

    config = GeneratorConfig(seed=SEED, scale=SCALES["xlarge"])
    setup = time.perf_counter()
    shared_state(config)
    setup_s = time.perf_counter() - setup
    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        halves = [pool.submit(generate_table, config, "customers", EPOCH, c) for c in subchunks(Chunk(), 2)]
        frame = pl.concat([h.result() for h in halves])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "tables": {"customers": frame.height}, "bytes": 0, "setup_s": setup_s}


def _case_large_day(tmp: str | None) -> dict[str, Any]:
    from ecom_pipeline.generation import SCALES, GeneratorConfig, generate_day

    start = time.perf_counter()
    config = GeneratorConfig(seed=SEED, scale=SCALES["large"])
    frames = generate_day(config, LARGE_DAY)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "tables": {t: f.height for t, f in frames.items()}, "bytes": 0}


def _case_large_week(tmp: str | None) -> dict[str, Any]:
    from ecom_pipeline.generation import SCALES, GeneratorConfig
    from ecom_pipeline.generation.dataset import dataset_metadata, generate_days
    from ecom_pipeline.storage.parquet import publish_day

    tables: dict[str, int] = {}
    size = 0
    with tempfile.TemporaryDirectory(prefix="ecom-bench-", dir=tmp) as root:
        start = time.perf_counter()
        config = GeneratorConfig(seed=SEED, scale=SCALES["large"])
        days = [LARGE_DAY + dt.timedelta(days=i) for i in range(WEEK_DAYS)]
        for day, frames in generate_days(config, days):
            for f in publish_day(Path(root), day, 0, frames, dataset_metadata(config)):
                tables[f.table] = tables.get(f.table, 0) + f.rows
                size += f.bytes
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "tables": tables, "bytes": size}


# Markets as in ecom_pipeline.generation.config.MARKETS: (country, Faker locale, BCP 47 tag, share).
FAKER_MARKETS = (
    ("US", "en_US", "en-US", 0.40),
    ("GB", "en_GB", "en-GB", 0.15),
    ("DE", "de_DE", "de-DE", 0.15),
    ("FR", "fr_FR", "fr-FR", 0.12),
    ("BR", "pt_BR", "pt-BR", 0.10),
    ("JP", "ja_JP", "ja-JP", 0.08),
)


def _case_faker_customers(tmp: str | None, rows: int) -> dict[str, Any]:
    """The tutorial / Django-seeder way: a dict per row from Faker calls, then a DataFrame, then Parquet."""
    import random
    from collections import OrderedDict

    import polars as pl
    from faker import Faker

    setup = time.perf_counter()
    fake = Faker([m[1] for m in FAKER_MARKETS])
    Faker.seed(SEED)
    pick = random.Random(SEED)
    weights = [m[3] for m in FAKER_MARKETS]
    segments = OrderedDict([("consumer", 0.78), ("business", 0.17), ("vip", 0.05)])
    signup_from = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    signup_to = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    setup_s = time.perf_counter() - setup  # Faker's own setup is left out of the timed part

    with tempfile.TemporaryDirectory(prefix="ecom-bench-", dir=tmp) as root:
        start = time.perf_counter()
        records = []
        for _ in range(rows):
            country, locale, tag, _share = pick.choices(FAKER_MARKETS, weights=weights)[0]
            f = fake[locale]
            records.append(
                {
                    "customer_id": f.uuid4(),
                    "first_name": f.first_name(),
                    "last_name": f.last_name(),
                    "email": f.unique.email(),  # the contract requires unique emails, as ours are
                    "phone": f.phone_number(),
                    "birth_date": f.date_of_birth(minimum_age=18, maximum_age=90),
                    "country": country,
                    "locale": tag,
                    "segment": f.random_element(segments),
                    "marketing_consent": f.boolean(chance_of_getting_true=35),
                    "signup_at": f.date_time_between(signup_from, signup_to, tzinfo=dt.UTC),
                }
            )
        loop_s = time.perf_counter() - start
        frame = pl.DataFrame(records)
        path = Path(root) / "customers.parquet"
        frame.write_parquet(path, compression="zstd", statistics=True)
        seconds = time.perf_counter() - start
        size = path.stat().st_size
    return {
        "seconds": seconds,
        "tables": {"customers": frame.height},
        "bytes": size,
        "setup_s": setup_s,
        "loop_s": loop_s,
        "columns": frame.columns,
    }


def run_child(case: str, tmp: str | None, faker_rows: int) -> None:
    start = time.perf_counter()
    if case == "faker-customers":
        import faker  # noqa: F401
        import polars  # noqa: F401
    else:
        import ecom_pipeline.generation
    import_s = time.perf_counter() - start
    cases: dict[str, Callable[[str | None], dict[str, Any]]] = {
        "xlarge-epoch": _case_xlarge_epoch,
        "xlarge-customers": _case_xlarge_customers,
        "xlarge-customers-gen": _case_xlarge_customers_gen,
        "large-day": _case_large_day,
        "large-week": _case_large_week,
        "faker-customers": lambda t: _case_faker_customers(t, faker_rows),
    }
    result = cases[case](tmp)
    result.update(case=case, import_s=import_s, rows=sum(result["tables"].values()), peak_rss_bytes=_peak_rss_bytes())
    if case != "faker-customers":
        import ecom_pipeline

        result["code_root"] = str(Path(ecom_pipeline.__file__).resolve().parents[1])
    print(RESULT_MARK + json.dumps(result), flush=True)


# -------------------------------------------------------------------------------------------- parent


@dataclass(frozen=True)
class Side:
    """A checkout whose code the children run: this one, or the baseline's (with its own virtualenv)."""

    name: str
    root: Path
    python: str

    def revision(self) -> str:
        def git(*argv: str) -> str:
            run = subprocess.run(["git", "-C", str(self.root), *argv], capture_output=True, text=True, check=False)
            return run.stdout.strip() if run.returncode == 0 else "?"

        dirty = git("status", "--porcelain", "--untracked-files=no")
        return git("rev-parse", "--short", "HEAD") + (" (with uncommitted changes)" if dirty not in ("", "?") else "")


def spawn(
    case: str, args: argparse.Namespace, side: Side | None = None, env: dict[str, str] | None = None
) -> dict[str, Any]:
    side = side or Side("ours", ROOT, sys.executable)
    cmd = [side.python, str(Path(__file__).resolve()), "--case", case, "--faker-rows", str(args.faker_rows)]
    if args.tmpdir:
        cmd += ["--tmpdir", args.tmpdir]
    load = _load()
    child = _run_child(cmd, env if env is not None else dict(os.environ), str(side.root), 900)
    out = [line for _, line in child["lines"]]
    lines = [ln for ln in out if ln.startswith(RESULT_MARK)]
    if child["rc"] != 0 or not lines:
        sys.stderr.write("\n".join(out) + "\n")
        raise SystemExit(f"bench: case {case} failed on {side.name} (exit {child['rc']})")
    result = json.loads(lines[-1][len(RESULT_MARK) :])
    code = result.get("code_root")
    if code is not None and Path(code) != side.root.resolve():
        raise SystemExit(
            f"bench: {side.name}'s python ({side.python}) imports ecom_pipeline from {code}, not {side.root}"
        )
    result["process_s"] = child["wall_s"]
    result["cpu_s"] = child["cpu_s"]  # user + system time of the whole child process
    result["load_1min"] = load
    return result


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = [r["seconds"] for r in runs]
    median = statistics.median(seconds)
    # The run at the median time stands for the case (rows, tables); counts should agree across runs anyway.
    rep = sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]
    counts = sorted({r["rows"] for r in runs})
    summary: dict[str, Any] = {
        "description": DESCRIPTIONS[rep["case"]],
        "runs": runs,
        "median_s": median,
        "min_s": min(seconds),
        "max_s": max(seconds),
        "rows": rep["rows"],
        "row_counts_seen": counts,
        "rows_deterministic": len(counts) == 1,
        "rows_per_s": rep["rows"] / median,
        "tables": rep["tables"],
        "bytes": rep["bytes"],
        "peak_rss_mib": max(r["peak_rss_bytes"] for r in runs) / MIB,  # worst run
        "peak_rss_bytes": max(r["peak_rss_bytes"] for r in runs),
        "import_s": statistics.median(r["import_s"] for r in runs),
        "process_s": statistics.median(r["process_s"] for r in runs),
        "cpu_s": statistics.median(r["cpu_s"] for r in runs),
    }
    if "gen_s_by_table" in rep:
        summary["gen_s_by_table"] = {
            t: statistics.median(r["gen_s_by_table"].get(t, 0.0) for r in runs) for t in rep["gen_s_by_table"]
        }
    for key in ("setup_s", "loop_s"):
        if key in rep:
            summary[key] = statistics.median(r[key] for r in runs)
    return summary


FAKER_CASES = frozenset({"xlarge-epoch", "xlarge-customers", "xlarge-customers-gen", "faker-customers"})


def report(results: dict[str, dict[str, Any]], args: argparse.Namespace, load: tuple[float, float]) -> dict[str, Any]:
    out: list[str] = []
    n = args.repeat
    out.append(
        f"ecom_pipeline generation benchmark  seed={SEED}  repeat={n} (median; min/max; peak = worst run)\n"
        f"python {platform.python_version()}  {platform.machine()}  cpus={_cpus()}"
        f"  load avg 1 min {load[0]:.2f} -> {load[1]:.2f}"
    )
    out.append("")
    header = ["case", "what", "rows", "median s", "min s", "max s", "rows/s", "peak MiB", "import s", "proc s"]
    rows = []
    for name, r in results.items():
        what = r["description"] + (f" ({r['rows']:,} rows)" if name == "faker-customers" else "")
        rows.append(
            [
                name,
                what,
                f"{r['rows']:,}",
                f"{r['median_s']:.3f}",
                f"{r['min_s']:.3f}",
                f"{r['max_s']:.3f}",
                f"{r['rows_per_s']:,.0f}",
                f"{r['peak_rss_mib']:,.0f}",
                f"{r['import_s']:.3f}",
                f"{r['process_s']:.3f}",
            ]
        )
    out.append(_table(header, rows, right=set(range(2, len(header)))))
    out.append("")
    out.append("import s = importing ecom_pipeline.generation (faker + polars for Faker) in the fresh child;")
    out.append("proc s = wall time of the whole child process (interpreter start, imports, run, cleanup).")
    if any(not r["rows_deterministic"] for r in results.values()):
        out.append(
            "WARNING: row counts differed between repeats (was the code edited during the run?): "
            + "; ".join(
                f"{k} {' / '.join(f'{c:,}' for c in r['row_counts_seen'])}"
                for k, r in results.items()
                if not r["rows_deterministic"]
            )
        )

    epoch = results.get("xlarge-epoch", {})
    if "gen_s_by_table" in epoch:
        out.append("")
        out.append("xlarge epoch day by table (generation time only; each frame is written on a thread meanwhile)")
        trows = [[t, f"{epoch['tables'].get(t, 0):,}", f"{s:.3f}"] for t, s in epoch["gen_s_by_table"].items()]
        trows.append(["total", f"{epoch['rows']:,}", f"{sum(epoch['gen_s_by_table'].values()):.3f}"])
        out.append(_table(["table", "rows", "gen s"], trows, right={1, 2}))

    if not results.keys() >= FAKER_CASES:
        out.append("")
        out.append(f"(the Faker ratios and the targets need the cases {', '.join(sorted(FAKER_CASES))})")
        print("\n".join(out), flush=True)
        return {}
    faker = results["faker-customers"]
    people_rows = epoch["tables"].get("customers", 0) + epoch["tables"].get("addresses", 0)
    people_rate = people_rows / epoch["median_s"]
    ratio_people = people_rate / faker["rows_per_s"]
    customers = results["xlarge-customers"]
    ratio_customers = customers["rows_per_s"] / faker["rows_per_s"]
    out.append("")
    out.append("versus Faker (row loop -> DataFrame -> Parquet; Faker() construction not timed; Faker builds the")
    out.append(
        "11 customer columns of the issue, ours also has gender; ours customers+addresses uses the whole day's time)"
    )
    vrows = [
        ["Faker customers", f"{faker['rows']:,}", f"{faker['median_s']:.3f}", f"{faker['rows_per_s']:,.0f}", "1x"],
        [
            "ours customers+addresses (xlarge epoch day)",
            f"{people_rows:,}",
            f"{epoch['median_s']:.3f}",
            f"{people_rate:,.0f}",
            f"{ratio_people:,.1f}x",
        ],
        [
            "ours customers only (xlarge epoch, gen+write)",
            f"{customers['rows']:,}",
            f"{customers['median_s']:.3f}",
            f"{customers['rows_per_s']:,.0f}",
            f"{ratio_customers:,.1f}x",
        ],
    ]
    out.append(_table(["", "rows", "median s", "rows/s", "vs Faker"], vrows, right={1, 2, 3, 4}))

    # Generators alone: Faker's row loop (its construction untimed) vs ours with pools built (likewise untimed).
    gen = results["xlarge-customers-gen"]
    faker_loop_rate = faker["rows"] / faker["loop_s"]
    ratio_generators = gen["rows_per_s"] / faker_loop_rate
    out.append("")
    out.append(
        "generators alone (no DataFrame or Parquet write on either side; Faker() and our pools built beforehand)"
    )
    grows = [
        ["Faker customers, row loop", f"{faker['rows']:,}", f"{faker['loop_s']:.3f}", f"{faker_loop_rate:,.0f}", "1x"],
        [
            "ours customers, 2 threads",
            f"{gen['rows']:,}",
            f"{gen['median_s']:.3f}",
            f"{gen['rows_per_s']:,.0f}",
            f"{ratio_generators:,.1f}x",
        ],
    ]
    out.append(_table(["", "rows", "median s", "rows/s", "vs Faker"], grows, right={1, 2, 3, 4}))

    ours = {k: r for k, r in results.items() if k != "faker-customers"}
    worst_name, worst = max(ours.items(), key=lambda kv: kv[1]["peak_rss_bytes"])
    limit_mib = TARGET_RSS_BYTES / MIB
    targets = [
        ("xlarge epoch day gen+write < 5 s", f"{epoch['median_s']:.2f} s", epoch["median_s"] < TARGET_EPOCH_S),
        ("  stretch: < 3 s", f"{epoch['median_s']:.2f} s", epoch["median_s"] < STRETCH_EPOCH_S),
        (">= 200x Faker rows/s (customers+addresses)", f"{ratio_people:,.1f}x", ratio_people >= TARGET_RATIO),
        (">= 200x Faker rows/s (customers only)", f"{ratio_customers:,.1f}x", ratio_customers >= TARGET_RATIO),
        (">= 200x Faker rows/s (generators alone)", f"{ratio_generators:,.1f}x", ratio_generators >= TARGET_RATIO),
        (
            f"peak memory < 2 GB ({limit_mib:,.0f} MiB), xlarge epoch day",
            f"{epoch['peak_rss_mib']:,.0f} MiB",
            epoch["peak_rss_bytes"] < TARGET_RSS_BYTES,
        ),
        (
            "peak memory < 2 GB, every case of ours",
            f"{worst['peak_rss_mib']:,.0f} MiB ({worst_name})",
            worst["peak_rss_bytes"] < TARGET_RSS_BYTES,
        ),
    ]
    out.append("")
    out.append("targets")
    out.append(_table(["target", "measured", ""], [[t, m, _verdict(ok)] for t, m, ok in targets], right={1}))
    print("\n".join(out), flush=True)
    return {
        "ratios": {
            "faker_rows_per_s": faker["rows_per_s"],
            "customers_addresses_rows_per_s": people_rate,
            "customers_addresses_vs_faker": ratio_people,
            "customers_only_rows_per_s": customers["rows_per_s"],
            "customers_only_vs_faker": ratio_customers,
            "generators_alone_vs_faker": ratio_generators,
        },
        "targets": [{"target": t.strip(), "measured": m, "pass": ok} for t, m, ok in targets],
    }


def report_baseline(
    ours: dict[str, dict[str, Any]], base: dict[str, dict[str, Any]], baseline: Side, rev: str, loads: list[float]
) -> dict[str, Any]:
    """Both sides' medians and their ratio, per case; the xlarge epoch day's verdict (at most 10% slower)."""
    out = ["", f"against the baseline {baseline.root} ({rev}): the same cases, same run, alternating, fresh processes"]
    header = [
        "case",
        "ours median s",
        "min-max",
        "baseline median s",
        "min-max",
        "ours/baseline",
        "CPU s ours",
        "baseline",
    ]
    rows, comparison = [], {}
    for case, b in base.items():
        o = ours[case]
        ratio = o["median_s"] / b["median_s"]
        comparison[case] = {
            "ours_median_s": o["median_s"],
            "baseline_median_s": b["median_s"],
            "ratio": ratio,
            "ours_cpu_s": o["cpu_s"],
            "baseline_cpu_s": b["cpu_s"],
            "runs": len(o["runs"]),
        }
        rows.append(
            [
                case,
                f"{o['median_s']:.3f}",
                f"{o['min_s']:.2f}-{o['max_s']:.2f}",
                f"{b['median_s']:.3f}",
                f"{b['min_s']:.2f}-{b['max_s']:.2f}",
                f"{ratio:.3f}",
                f"{o['cpu_s']:.2f}",
                f"{b['cpu_s']:.2f}",
            ]
        )
    out.append(_table(header, rows, right=set(range(1, len(header)))))
    out.append("CPU s = user + system time of the whole child process (median), less sensitive to other load.")
    if loads:
        out.append(
            f"load avg 1 min before each run: median {statistics.median(loads):.2f}"
            f" (min {min(loads):.2f}, max {max(loads):.2f}) on {_cpus()} cpus"
        )
    verdict = None
    if "xlarge-epoch" in comparison:
        ratio = comparison["xlarge-epoch"]["ratio"]
        verdict = ratio <= BASELINE_SLACK
        out.append(
            f"xlarge epoch day within {BASELINE_SLACK - 1:.0%} of the baseline: ratio {ratio:.3f} {_verdict(verdict)}"
        )
    print("\n".join(out), flush=True)
    return {"baseline": {"path": str(baseline.root), "revision": rev, "cases": base}, "comparison": comparison}


def _side_versions(python: str) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json\n"
        "def v(p):\n"
        "    try:\n"
        "        return m.version(p)\n"
        "    except m.PackageNotFoundError:\n"
        "        return '?'\n"
        "print(json.dumps({p: v(p) for p in ('ecom-pipeline', 'polars', 'numpy', 'mimesis', 'pyarrow')}))"
    )
    run = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    return json.loads(run.stdout) if run.returncode == 0 else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process runs per case (median reported)")
    parser.add_argument("--quick", action="store_true", help="skip the large week")
    parser.add_argument("--cases", help=f"comma-separated cases to run (default: all): {', '.join(DESCRIPTIONS)}")
    parser.add_argument(
        "--baseline",
        metavar="PATH",
        help="another checkout (with its .venv, as `python3 dev.py run` makes it) whose code runs the same cases "
        "in the same run, alternating with ours; medians and ratios of both are reported",
    )
    parser.add_argument(
        "--bytecode",
        choices=("auto", "prefix", "inherit"),
        default="auto",
        help="prefix: the children share a bytecode cache of this run, filled by an untimed warm-up run of each "
        "case and side (so neither side compiles its modules while timed); inherit: the environment's "
        "PYTHONDONTWRITEBYTECODE / PYTHONPYCACHEPREFIX as they are; auto (default): prefix with --baseline",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--faker-rows", type=int, default=FAKER_ROWS, help="rows of the Faker baseline")
    parser.add_argument("--tmpdir", help="where the temporary Parquet output goes (default: the system's)")
    parser.add_argument("--case", choices=list(DESCRIPTIONS), help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args(argv)
    if args.case:
        run_child(args.case, args.tmpdir, args.faker_rows)
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    cases = [c for c in DESCRIPTIONS if not (args.quick and c == "large-week")]
    if args.cases:
        wanted = [c.strip() for c in args.cases.split(",") if c.strip()]
        unknown = [c for c in wanted if c not in DESCRIPTIONS]
        if unknown or not wanted:
            parser.error(
                f"--cases: unknown {', '.join(unknown) or '(none given)'}; choose from {', '.join(DESCRIPTIONS)}"
            )
        cases = [c for c in DESCRIPTIONS if c in wanted]
    ours = Side("ours", ROOT, sys.executable)
    baseline = None
    if args.baseline:
        root = Path(args.baseline).resolve()
        python = root / ".venv" / "bin" / "python"
        if not python.exists():
            parser.error(f"--baseline: {python} does not exist (create it with `python3 dev.py run python -c 1` there)")
        if root == ROOT:
            parser.error("--baseline: that is this checkout")
        baseline = Side("baseline", root, str(python))
    base_cases = [c for c in cases if c != "faker-customers"] if baseline else []  # Faker is not our code

    env = dict(os.environ)
    pycache = None
    if args.bytecode == "prefix" or (args.bytecode == "auto" and baseline):
        pycache = tempfile.mkdtemp(prefix="ecom-genbench-pycache-", dir=args.tmpdir)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in cases}
    base_runs: dict[str, list[dict[str, Any]]] = {c: [] for c in base_cases}
    loads: list[float] = []
    load_start = _load()
    began = time.perf_counter()

    def log(tag: str, case: str, r: dict[str, Any]) -> None:
        print(
            f"{tag} {case:<20} {r['seconds']:7.3f} s  cpu {r['cpu_s']:6.2f} s  {r['rows']:>10,} rows"
            f"  {r['peak_rss_bytes'] / MIB:7,.0f} MiB  load {r['load_1min']:.2f}",
            file=sys.stderr,
            flush=True,
        )

    try:
        if pycache:
            for case in cases:  # untimed: fills the bytecode cache of each side
                for side in [ours] + ([baseline] if baseline and case in base_runs else []):
                    log(f"[warm-up {side.name}]", case, spawn(case, args, side, env))
        for i in range(args.repeat):  # round-robin, so drift on the machine spreads over every case
            for case in cases:
                sides = [ours] + ([baseline] if baseline and case in base_runs else [])
                for side in sides if i % 2 == 0 else sides[::-1]:  # who goes first alternates too
                    r = spawn(case, args, side, env)
                    (runs if side is ours else base_runs)[case].append(r)
                    loads.append(r["load_1min"])
                    log(f"[{i + 1}/{args.repeat}{' ' + side.name if baseline else ''}]", case, r)
    finally:
        if pycache:
            shutil.rmtree(pycache, ignore_errors=True)
    print(f"(benchmark wall time {time.perf_counter() - began:.1f} s)\n", file=sys.stderr, flush=True)
    results = {c: summarize(rs) for c, rs in runs.items()}
    load = (load_start, _load())
    extra = report(results, args, load)
    if baseline:
        base_results = {c: summarize(rs) for c, rs in base_runs.items()}
        extra.update(report_baseline(results, base_results, baseline, baseline.revision(), loads))
        extra["baseline"]["versions"] = _side_versions(baseline.python)
    if args.json:
        payload = {
            "meta": {
                "seed": SEED,
                "repeat": args.repeat,
                "quick": args.quick,
                "cases": cases,
                "bytecode": "prefix (warmed)" if pycache else "inherited",
                "revision": ours.revision(),
                "faker_rows": args.faker_rows,
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": _cpus(),
                "load_avg_1min": list(load),
                "load_avg_1min_per_run": loads,
                "versions": _versions(),
                "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            "cases": results,
            **extra,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
    return 0


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("ecom-pipeline", "polars", "numpy", "mimesis", "pyarrow", "faker"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "?"
    return out


if __name__ == "__main__":
    sys.exit(main())
