#!/usr/bin/env python3
"""Benchmark of the offline search, in Chromium from file://.

    python bench/search_bench.py --digests 1000 [--digests 10000] [--runs 3] [--work DIR]
    python bench/search_bench.py --source DIR      # a site folder already built (DIR/site)

For each corpus (made with /work/shared/bench/gen_corpus.py and built with
`bulletin build` when missing) it rebuilds the search index with the current
code (timing it), then measures:

- index size: bytes under site/search/ against the rest of the site;
- bytes the search page loads before any query (page, CSS, search.js, manifest);
- per query, in a fresh tab: the bytes of every index file the query loads, and
  the time from the input event to the results being in the page and painted
  (two animation frames), plus the engine's own time (search + render);
- the same query again in the same tab (shards already loaded).

Prints a table and appends it to bench/SEARCH_RESULTS.md with the machine.
Timings here are measurements, never assertions.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent
GEN = Path("/work/shared/bench/gen_corpus.py")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
QUERIES = [
    ("one common word, no diacritics", "dat"),
    ("one word, diacritics", "đất"),
    ("one word", "bac"),
    ("the most common word", "tinh"),
    ("place, no diacritics", "huu lung"),
    ("three words", "nong thon moi"),
    ("quoted phrase", '"nông thôn mới"'),
    ("decision number", "2610/QĐ-UBND"),
    ("bare number", "2610"),
    ("typing, prefix", "giao du"),
]
ONE_WORD = {"dat", "đất", "bac", "tinh"}


def tree_bytes(folder: Path) -> tuple[int, int]:
    total = count = 0
    for root, _, files in os.walk(folder):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
            count += 1
    return total, count


def prepare(source: Path, digests: int | None) -> None:
    if digests and not (source / "content").is_dir():
        print(f"generating {digests} digests in {source}", flush=True)
        subprocess.run([sys.executable, str(GEN), "--digests", str(digests), "--out", str(source)], check=True)
    if not (source / "site" / "index.html").exists():
        print(f"building {source}", flush=True)
        subprocess.run([sys.executable, "-m", "bulletin", "build", "--source", str(source)], check=True)


def rebuild_index(source: Path) -> dict:
    """Write the search files of the current code into the built site; time loading and indexing."""
    from bulletin.build import load_site
    from bulletin.search import search_files

    started = time.perf_counter()
    config, site, _ = load_site(source)
    loaded = time.perf_counter()
    files = list(search_files(site, config))
    indexed = time.perf_counter()
    target = source / "site" / "search"
    for child in target.iterdir() if target.is_dir() else ():
        if child.is_dir():
            shutil.rmtree(child)
        elif child.name != "index.html":  # the page is rendered by the build, not by search_files
            child.unlink()
    for path, data in files:
        out = source / "site" / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    items = sum(len(d.items) for d in site.digests)
    return {"digests": len(site.digests), "items": items, "decisions": len(site.decisions),
            "load_s": loaded - started, "index_s": indexed - loaded}


def file_size(url: str) -> int:
    path = unquote(urlsplit(url).path)
    return os.path.getsize(path) if os.path.isfile(path) else 0


TYPE_AND_WAIT = """async (q) => {
  const input = document.getElementById('search-q');
  const t0 = performance.now();
  input.value = q;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  while (!(window.__bulletinSearch.last && window.__bulletinSearch.last.query === q)) {
    await new Promise(r => setTimeout(r, 2));
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const last = window.__bulletinSearch.last;
  return {total: performance.now() - t0, engine: last.ms, items: last.items, decisions: last.decisions};
}"""


def measure(site: Path, runs: int) -> tuple[dict, list[dict]]:
    from playwright.sync_api import sync_playwright

    page_url = (site / "search" / "index.html").as_uri()
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        version = browser.version
        outside: list[str] = []

        def fresh_page():
            context = browser.new_context()
            tab = context.new_page()
            seen: list[str] = []
            tab.on("request", lambda r: (seen.append(r.url), r.url.startswith("file://") or outside.append(r.url)))
            tab.goto(page_url)
            tab.wait_for_function("window.__bulletinSearch && window.__bulletinSearch.ready === true")
            return context, tab, seen

        context, tab, seen = fresh_page()
        start_bytes = sum(file_size(u) for u in seen)
        start_files = len(seen)
        context.close()
        for label, query in QUERIES:
            cold, warm, engine = [], [], []
            loaded_bytes = loaded_files = 0
            result = {}
            for run in range(runs):
                context, tab, seen = fresh_page()
                before = len(seen)
                result = tab.evaluate(TYPE_AND_WAIT, query)
                cold.append(result["total"])
                engine.append(result["engine"])
                loaded = seen[before:]
                loaded_bytes, loaded_files = sum(file_size(u) for u in loaded), len(loaded)
                tab.evaluate("document.getElementById('search-q').value = ''")
                tab.evaluate(TYPE_AND_WAIT, "x")  # something else, then the query again
                warm.append(tab.evaluate(TYPE_AND_WAIT, query)["total"])
                context.close()
            rows.append({"label": label, "query": query, "items": result["items"], "decisions": result["decisions"],
                         "bytes": loaded_bytes, "files": loaded_files, "cold_ms": statistics.median(cold),
                         "engine_ms": statistics.median(engine), "warm_ms": statistics.median(warm)})
        browser.close()
    return {"chromium": version, "start_bytes": start_bytes, "start_files": start_files,
            "outside": outside}, rows


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ""
    try:
        load = f", load average {os.getloadavg()[0]:.1f} when the run started (other jobs on the machine)"
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}{load}")


def report(source: Path, build: dict, sizes: dict, info: dict, rows: list[dict], runs: int) -> str:
    mb = 1024 * 1024
    lines = [f"### {build['digests']:,} digests ({build['items']:,} items, {build['decisions']:,} documents)", ""]
    lines.append(f"Index: {sizes['search_bytes'] / mb:.1f} MB in {sizes['search_files']:,} files; the rest of "
                 f"the site {sizes['site_bytes'] / mb:.1f} MB in {sizes['site_files']:,} files: search adds "
                 f"**{100 * sizes['search_bytes'] / sizes['site_bytes']:.1f}%**. Largest index file "
                 f"{sizes['largest'] / 1024:.0f} KB. Index built in {build['index_s']:.1f} s (after loading the "
                 f"site in {build['load_s']:.1f} s).")
    lines.append(f"Opening search/index.html loads {info['start_bytes'] / 1024:.0f} KB in {info['start_files']} "
                 f"files (page, CSS, search.js, manifest). Requests outside file://: {len(info['outside'])}.")
    lines.append("")
    lines.append(f"Chromium {info['chromium']} headless, from file://; medians of {runs} runs, each cold in a "
                 "fresh tab. *typed→shown*: from the input event to results in the page and painted "
                 "(search.js starts on the input event and coalesces keys typed during a search); "
                 "*engine*: search and render only; *again*: the same query later in the same tab.")
    lines.append("")
    lines.append("| query | | items | documents | loaded by the query | typed→shown | engine | again |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        lines.append(f"| {r['label']} | `{r['query']}` | {r['items']:,} | {r['decisions']:,} | "
                     f"{r['bytes'] / 1024:.0f} KB ({r['files']} files) | {r['cold_ms']:.0f} ms | "
                     f"{r['engine_ms']:.0f} ms | {r['warm_ms']:.0f} ms |")
    one = [r for r in rows if r["query"] in ONE_WORD]
    if one:
        lines.append("")
        lines.append(f"Typical one-word query: at most {max(r['bytes'] for r in one) / 1024:.0f} KB loaded, "
                     f"at most {max(r['cold_ms'] for r in one):.0f} ms typed→shown.")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--digests", type=int, action="append", default=[])
    parser.add_argument("--source", type=Path, action="append", default=[])
    parser.add_argument("--work", type=Path, default=Path("/tmp/bulletin-search-bench"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "SEARCH_RESULTS.md")
    args = parser.parse_args()
    sources = list(args.source) + [args.work / f"c{n}" for n in args.digests]
    counts = [None] * len(args.source) + list(args.digests)
    if not sources:
        parser.error("give --digests N or --source DIR")
    sections = []
    where = machine()
    for source, digests in zip(sources, counts):
        prepare(source, digests)
        build = rebuild_index(source)
        search_bytes, search_files = tree_bytes(source / "site" / "search")
        all_bytes, all_files = tree_bytes(source / "site")
        largest = max(p.stat().st_size for p in (source / "site" / "search").rglob("*.js"))
        sizes = {"search_bytes": search_bytes, "search_files": search_files, "largest": largest,
                 "site_bytes": all_bytes - search_bytes, "site_files": all_files - search_files}
        info, rows = measure(source / "site", args.runs)
        text = report(source, build, sizes, info, rows, args.runs)
        print(text, flush=True)
        sections.append(text)
    header = f"\n## Run of {time.strftime('%Y-%m-%d %H:%M')}\n\nMachine: {where}.\n\n"
    if not args.output.exists():
        header = "# Search benchmarks (bench/search_bench.py)\n" + header
    with open(args.output, "a", encoding="utf-8") as out:
        out.write(header + "\n".join(sections))
    print(f"appended to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
