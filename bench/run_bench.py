"""Build-speed benchmarks: cold, no-op and incremental builds, memory, output size,
and the same corpus through Hugo and Pelican when they are installed.

    python bench/run_bench.py                   # 1,000 and 10,000 digests, 3 runs each
    python bench/run_bench.py --sizes 1000 --runs 5
    python bench/run_bench.py --no-peers

Corpora come from ../shared/bench/gen_corpus.py. Every figure is the median of
`--runs` runs of the real command line (`python -m bulletin build`), timed from
outside; peak memory is the largest sum of PSS over the build's process tree
(main process and its forked workers: PSS splits the pages they share, so the
sum is the memory really in use; an RSS sum would count shared pages twice),
sampled every 100 ms in one extra run that is not timed (sampling a large
process tree costs the kernel enough CPU to slow a 2-core machine). Prints a table and writes
bench/RESULTS.md.

The comparison with Hugo and Pelican (`side_by_side`) takes their cold builds in turn with a
cold build of bulletin, round after round (at least 5), and gives each median and the range
of the per-round ratios: this VM's speed drifts within minutes, so peers timed minutes after
bulletin's own table gave ratios from 0.73 to 1.37 for the same code on the same day.

Before a cold build, the last output is moved aside, not deleted (`set_aside`), for every tool:
on this VM's ext4 (it has no journal) a file created in the minutes after many were deleted
costs up to ten times more, as the allocator passes over every recently freed inode. Deleting
the last run's 160,000 files just before the next cold build timed the deletion's aftermath.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GEN = (REPO.parent / "shared" / "bench" / "gen_corpus.py")
HUGO_LAYOUTS = REPO.parent / "shared" / "bench" / "hugo"
CORPORA = HERE / "corpora"
OUT = HERE / "out"
TRASH = OUT / "trash"  # folders set aside during a run, deleted when it ends


def tree_memory_kb(pid: int) -> int:
    """PSS of a process and all its descendants, from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as status:
                for line in status:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(c) for c in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def snapshot_code() -> dict[str, str]:
    """Run a frozen copy of the package, so edits made while a long benchmark runs
    (which change the build state's code fingerprint) cannot disturb it."""
    target = OUT / "code"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(REPO / "bulletin", target / "bulletin", ignore=shutil.ignore_patterns("__pycache__"))
    return {**os.environ, "PYTHONPATH": str(target)}


ENV: dict[str, str] | None = None


def timed(command: list[str], cwd: Path | None = None, sample: bool = False) -> tuple[float, int]:
    """Wall seconds and, with `sample`, peak tree PSS (KB) of one command; fails loudly if it fails.

    Reading smaps_rollup of a 2 GB process tree costs the kernel tens of milliseconds, so
    sampling takes a good share of a 2-core machine: runs that are timed are not sampled.

    The page cache is written back first (`os.sync`, not timed): each build writes up to 1.1 GB,
    and no run should start while the kernel still flushes the last ones. (Not shown to matter:
    the slow minutes measured here, Hugo at 4.9–10.6 s instead of 3.0–3.7 s, followed mass
    deletions, with or without it; see the module docstring.)"""
    os.sync()
    started = time.perf_counter()
    # Never the repository's folder: `python -m bulletin` would import the package there, not
    # the frozen copy (snapshot_code), and an edit made during the run would change the code.
    process = subprocess.Popen(command, cwd=cwd or OUT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    peak = 0
    if sample:
        while process.poll() is None:
            peak = max(peak, tree_memory_kb(process.pid))
            time.sleep(0.1)
    else:
        process.wait()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read().decode()}")
    return seconds, peak


def bulletin_build(site: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "bulletin", "build", "--source", str(site), "--output", str(output)]


def corpus(size: int, kind: str = "bulletin") -> Path:
    target = CORPORA / f"{kind}-{size}"
    if not target.exists():
        subprocess.run([sys.executable, str(GEN), "--digests", str(size), "--out", str(target),
                        "--format", kind], check=True, stdout=subprocess.DEVNULL)
    return target


def set_aside(folder: Path) -> None:
    """Take a folder out of the way as deleting it would, without freeing its files' inodes
    until the run ends (see the module docstring). Same filesystem: a rename."""
    if folder.exists():
        TRASH.mkdir(parents=True, exist_ok=True)
        os.rename(folder, TRASH / str(time.monotonic_ns()))


def fresh_copy(size: int) -> Path:
    """A private copy of the corpus that the edit benchmarks may change."""
    work = OUT / f"site-{size}"
    set_aside(work)
    shutil.copytree(corpus(size), work)
    return work


def median_of(runs: int, prepare, command) -> tuple[float, int]:
    """Median seconds of `runs` unsampled runs; peak memory from one more run, sampled."""
    prepare()
    _, peak = timed(command, sample=True)
    times = []
    for _ in range(runs):
        prepare()
        times.append(timed(command)[0])
    return statistics.median(times), peak


def touch(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def bench_bulletin(size: int, runs: int) -> dict[str, tuple[float, int]]:
    site = fresh_copy(size)
    output = OUT / f"build-{size}"
    command = bulletin_build(site, output)
    results: dict[str, tuple[float, int]] = {}

    def clean() -> None:
        set_aside(output)
        set_aside(site / ".bulletin")

    results["cold build"] = median_of(runs, clean, command)
    results["no-op rebuild"] = median_of(runs, lambda: None, command)
    digests = sorted((site / "content").rglob("*.md"))
    target = digests[len(digests) // 2]
    original = target.read_text(encoding="utf-8")
    counter = iter(range(1000))

    def edit_text() -> None:
        target.write_text(original + f"\nMột câu bổ sung số {next(counter)}.\n", encoding="utf-8")
        touch(target)

    results["one-digest text edit"] = median_of(runs, edit_text, command)

    def edit_topic() -> None:
        text = original.replace('{topics="', f'{{topics="Chủ đề thử {next(counter)}, ', 1)
        target.write_text(text, encoding="utf-8")
        touch(target)

    results["one-digest topic change"] = median_of(runs, edit_topic, command)
    target.write_text(original, encoding="utf-8")
    touch(target)
    timed(command)
    added = target.with_name("zz-them-" + target.name)
    week_shift = iter(range(1, 1000))

    def add_digest() -> None:
        for old in target.parent.glob("zz-them-*"):
            old.unlink()
        timed(command)
        shift = next(week_shift)
        added.write_text(original.replace("title: \"", f"title: \"(bổ sung {shift}) ", 1), encoding="utf-8")

    results["add a digest"] = median_of(runs, add_digest, command)

    def delete_digest() -> None:
        if not added.exists():
            added.write_text(original.replace("title: \"", "title: \"(bổ sung) ", 1), encoding="utf-8")
            timed(command)
        added.unlink()

    results["delete a digest"] = median_of(runs, delete_digest, command)
    # The usual addition: this week's digest, after the newest (the one above goes in between).
    newest = digests[-1]
    newest_text = newest.read_text(encoding="utf-8")
    next_week = newest_text
    for field in ("week_start", "week_end"):
        day = re.search(rf"^{field}: (\d{{4}}-\d{{2}}-\d{{2}})$", newest_text, re.M).group(1)
        later = (datetime.date.fromisoformat(day) + datetime.timedelta(days=7)).isoformat()
        next_week = next_week.replace(f"{field}: {day}", f"{field}: {later}", 1)
    this_week = newest.with_name("zz-tuan-moi.md")

    def add_this_week() -> None:
        if this_week.exists():
            this_week.unlink()
            timed(command)
        this_week.write_text(next_week.replace('title: "', 'title: "(tuần mới) ', 1), encoding="utf-8")

    results["add this week's digest (after the newest)"] = median_of(runs, add_this_week, command)

    def delete_this_week() -> None:
        if not this_week.exists():
            this_week.write_text(next_week, encoding="utf-8")
            timed(command)
        this_week.unlink()

    results["delete the newest digest"] = median_of(runs, delete_this_week, command)
    template = site / "templates" / "digest.html"
    builtin = (REPO / "bulletin" / "theme" / "templates" / "digest.html").read_text(encoding="utf-8")

    def change_template() -> None:
        template.parent.mkdir(exist_ok=True)
        template.write_text(builtin + f"{{# change {next(counter)} #}}\n", encoding="utf-8")

    results["template change (digest.html)"] = median_of(runs, change_template, command)
    template.unlink()
    timed(command)
    files = [p for p in output.rglob("*") if p.is_file()]
    results["_files"] = (len(files), sum(p.stat().st_size for p in files))
    return results


def peer_commands(size: int) -> dict[str, tuple[list[str], Path]]:
    """Cold-build command and output folder of every peer installed, on its corpus."""
    commands = {}
    if shutil.which("hugo"):
        site = corpus(size, "hugo")
        layouts = site / "layouts"
        if not layouts.exists():
            shutil.copytree(HUGO_LAYOUTS / "layouts", layouts)
            with open(site / "hugo.toml", "a", encoding="utf-8") as config:
                config.write("\n" + (HUGO_LAYOUTS / "bench-config.toml").read_text(encoding="utf-8"))
        commands["Hugo"] = (["hugo", "--quiet", "-s", str(site)], site / "public")
    if shutil.which("pelican"):
        site = corpus(size, "pelican")
        commands["Pelican"] = (["pelican", str(site / "content"), "-s", str(site / "pelicanconf.py"),
                                "-o", str(site / "out"), "-q"], site / "out")
    return commands


def side_by_side(size: int, rounds: int) -> list[str]:
    """Cold builds of bulletin and each peer, taken in turn round after round: this VM's speed
    drifts by the minute (one run here measured Hugo at 3.2 s, the next at 8.0 s), so the
    peers are timed under the same conditions as bulletin, and each round gives a ratio."""
    site = OUT / f"side-{size}"
    if not site.exists():
        shutil.copytree(corpus(size), site)
    output = OUT / f"side-build-{size}"
    tools = {"bulletin": (bulletin_build(site, output), output), **peer_commands(size)}
    times: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(rounds):
        for name, (command, made) in tools.items():
            set_aside(made)
            if name == "bulletin":
                set_aside(site / ".bulletin")
            times[name].append(timed(command)[0])
    ours = times["bulletin"]
    lines = [f"\n**Side by side**, cold builds taken in turn, {rounds} rounds: bulletin "
             f"{statistics.median(ours):.2f} s (median; {min(ours):.2f}–{max(ours):.2f})."]
    for name in ("Hugo", "Pelican"):
        if name not in times:
            lines.append(f"\n{name}: not installed, not measured.")
            continue
        theirs = times[name]
        ratios = [a / b for a, b in zip(ours, theirs)]
        lines.append(f"\n{name} on the same corpus: cold build {statistics.median(theirs):.2f} s "
                     f"({min(theirs):.2f}–{max(theirs):.2f}); bulletin/{name} = "
                     f"{statistics.median(ours) / statistics.median(theirs):.2f} "
                     f"(per round {min(ratios):.2f}–{max(ratios):.2f}).")
    return lines


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")) // 1024 // 1024
    except (OSError, StopIteration):
        memory = 0
    return (f"{os.cpu_count()} cores ({cpu}), {memory} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def growth(by_size: dict[int, dict[str, tuple[float, int]]]) -> list[str]:
    """Largest size against smallest: how time and memory grow with the archive."""
    if len(by_size) < 2:
        return []
    small, large = min(by_size), max(by_size)
    lines = [f"\n## Growth: {large:,} against {small:,} digests ({large / small:.0f}x the content)\n",
             "| measurement | time ratio | memory ratio |", "|---|---|---|"]
    for name, (seconds, peak) in by_size[large].items():
        if name in by_size[small]:
            small_seconds, small_peak = by_size[small][name]
            lines.append(f"| {name} | {seconds / small_seconds:.1f} | {peak / max(small_peak, 1):.1f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-peers", action="store_true", help="skip Hugo and Pelican")
    parser.add_argument("--peer-sizes", type=int, nargs="+", default=[1000],
                        help="sizes at which Hugo and Pelican are timed too (they are slow at 10,000)")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md",
                        help="where to write the table (a partial run need not replace the full one)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if TRASH.exists():
        print(f"deleting {TRASH}, left by an interrupted run: the first cold builds may be slower", flush=True)
        shutil.rmtree(TRASH, ignore_errors=True)  # (another run may be deleting it still)
    try:
        run(args)
    finally:
        shutil.rmtree(TRASH, ignore_errors=True)


def cpu_speed() -> float:
    """Seconds of a fixed pure-Python loop (best of 5): this VM's speed varies by the hour, up
    to twice, so runs of different sessions compare only through it (or through Hugo's time)."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for n in range(3_000_000):
            total += n
        best = min(best, time.perf_counter() - started)
    return best


def run(args: argparse.Namespace) -> None:
    global ENV
    ENV = snapshot_code()
    started_load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    lines = ["# Benchmarks\n", f"Machine: {machine()}. Medians of {args.runs} runs; peak memory is the "
             "largest PSS sum over the build's processes.\n",
             f"Date: {time.strftime('%Y-%m-%d %H:%M')}. Load average at start: {started_load}. "
             f"CPU speed at start (`cpu_speed`, lower is faster): {cpu_speed():.3f} s.\n",
             "Before each cold build the last output is moved aside, not deleted (for Hugo and Pelican too): "
             "see `set_aside` in run_bench.py.\n"]
    by_size: dict[int, dict[str, tuple[float, int]]] = {}
    for size in args.sizes:
        results = bench_bulletin(size, args.runs)
        by_size[size] = results
        files, size_bytes = results.pop("_files")
        lines.append(f"\n## {size:,} digests\n\n| measurement | seconds | peak memory |\n|---|---|---|")
        for name, (seconds, peak) in results.items():
            lines.append(f"| {name} | {seconds:.2f} | {peak / 1024:.0f} MB |")
        lines.append(f"\nOutput: {files:,} files, {size_bytes / 1e6:.1f} MB.")
        if not args.no_peers and size in args.peer_sizes:
            lines.extend(side_by_side(size, max(args.runs, 5)))
        print("\n".join(lines[-12:]), flush=True)
    lines.extend(growth(by_size))
    lines.append(f"\nLoad average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}. "
                 f"CPU speed at end: {cpu_speed():.3f} s.")
    args.results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten {args.results}")


if __name__ == "__main__":
    main()
