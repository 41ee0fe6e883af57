"""Where a build's time and memory go, stage by stage: one build of a corpus, its process
tree's PSS sampled every half second, each sample put in the stage it fell in.

    python bench/stage_memory.py bench/out/site-10000 bench/out/build-10000 --cold

`--cold` deletes the output and the build state first. The stage names are the build's own
(`BuildResult.timings`). Sampling a 2 GB tree costs the kernel tens of milliseconds, which
slows the build a little: read the memory here, time with run_bench.py.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import tree_memory_kb  # noqa: E402

CHILD = """
import json, sys
from bulletin.build import build_site
result = build_site(sys.argv[1], sys.argv[2])
print(json.dumps(result.timings))
print(result.summary(), file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--cold", action="store_true", help="delete the output and the build state first")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    args = parser.parse_args()
    if args.cold:
        shutil.rmtree(args.output, ignore_errors=True)
        shutil.rmtree(args.site / ".bulletin", ignore_errors=True)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", CHILD, str(args.site), str(args.output)],
                               stdout=subprocess.PIPE)
    samples = []
    while process.poll() is None:
        samples.append((time.perf_counter() - started, tree_memory_kb(process.pid) // 1024))
        time.sleep(args.every)
    total = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"the build failed (exit status {process.returncode})")
    laps = json.loads(process.stdout.read())
    # the stages end when the process prints; the time before the first is start-up
    edge = total - sum(laps.values())
    print(f"total {total:.1f} s, peak {max((m for _, m in samples), default=0)} MB")
    print(f"{'stage':28s} {'seconds':>8s} {'peak MB':>8s}")
    for name, seconds in laps.items():
        inside = [memory for moment, memory in samples if edge <= moment < edge + seconds]
        print(f"{name:28s} {seconds:8.1f} {max(inside, default=0):8d}")
        edge += seconds


if __name__ == "__main__":
    main()
