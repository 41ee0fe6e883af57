"""Exactness under random realistic edits: a slice of a generated corpus is edited at random
(text, headings, titles, weeks, topics, citations, added, deleted, renamed, drafts, slugs,
summaries, front-matter documents, settings, templates, static files, a broken digest then
fixed), rebuilt incrementally after each batch, and compared byte for byte with a clean build.

    python bench/fuzz_exactness.py --seeds 1 2 3 --steps 30 [--digests 30] [--force-helpers]

`--force-helpers` lowers the thresholds so a small site takes the big site's paths (parse
workers, forked helpers for object hashes, output stats, rendering and the model's files,
render jobs kept as places in the page sequence, and the model's snapshot). Not a test: it takes minutes; the
property test in tests/test_incremental.py is the quick version.
"""
import argparse
import datetime as dt
import os
import random
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import OUT, REPO, corpus  # noqa: E402

from bulletin import model_files, pipeline, plan, render_pages, snapshot, sources, topic_snapshot, write  # noqa: E402
from bulletin.build import build_site, load_site  # noqa: E402
from bulletin.pipeline import fresh_object_hashes  # noqa: E402
from bulletin.errors import BuildError  # noqa: E402
from bulletin.state import BuildState  # noqa: E402
from bulletin.write import state_file  # noqa: E402

rng: random.Random
site: Path
out: Path


def digests():
    return sorted((site / "content").rglob("*.md"))


def touch(p):
    s = p.stat()
    os.utime(p, ns=(s.st_atime_ns, s.st_mtime_ns + 1_000_000))


def rewrite(p, t):
    p.write_text(t, encoding="utf-8")
    touch(p)


def pick():
    return rng.choice(digests())


def text_edit():
    p = pick()
    t = p.read_text(encoding="utf-8")
    words = [m.start() for m in re.finditer(r"\n\n[A-ZĐU]", t)]
    if words:
        i = rng.choice(words)
        t = t[:i] + f"\n\nĐoạn chèn {rng.randint(0,999)} về xã Hòa Thắng." + t[i:]
    rewrite(p, t)


def edit_a_match(pattern: str, change, flags: int = 0) -> None:
    """One match of `pattern` in a digest, changed (`change(text, match)` gives the new text)."""
    p = pick()
    t = p.read_text(encoding="utf-8")
    ms = list(re.finditer(pattern, t, flags))
    if ms:
        t = change(t, rng.choice(ms))
    rewrite(p, t)


def sentence_edit():
    """A word put in a sentence that cites a document: what the decision's page quotes changes,
    the citation does not (only texts change: the build carries the archive's structure over)."""
    edit_a_match(r"(?:Quyết định|Kế hoạch|Công văn|Nghị định|Thông báo|Báo cáo|Tờ trình) số ",
                 lambda t, m: t[:m.start()] + f"kèm theo {rng.randint(0, 999)} " + t[m.start():])


def heading_edit():
    edit_a_match(r"^## (.*?)( \{|$)", lambda t, m: t[:m.start(1)] + f"Sửa {rng.randint(0,9)} " + t[m.start(1):],
                 re.M)


def title_edit():
    p = pick()
    t = p.read_text(encoding="utf-8")
    rewrite(p, t.replace('title: "', f'title: "Tin {rng.randint(0,9)} ', 1))


def move_week():
    p = pick()
    t = p.read_text(encoding="utf-8")
    s = dt.date.fromisoformat(re.search(r"^week_start: (\S+)", t, re.M).group(1))
    delta = dt.timedelta(days=7 * rng.choice([-60, -1, 1, 3, 52, 200]))
    e = dt.date.fromisoformat(re.search(r"^week_end: (\S+)", t, re.M).group(1))
    t = re.sub(r"^week_start: \S+", f"week_start: {s+delta}", t, 1, re.M)
    t = re.sub(r"^week_end: \S+", f"week_end: {e+delta}", t, 1, re.M)
    rewrite(p, t)


def item_topic():
    p = pick()
    t = p.read_text(encoding="utf-8")
    new = rng.choice(["Giáo dục", "Đất đai", "Y tế", "Ngân sách", "Chủ đề mới " + str(rng.randint(0, 3))])
    ms = list(re.finditer(r'\{topics="([^"]*)"\}', t))
    if ms:
        m = rng.choice(ms)
        if rng.random() < 0.5:
            val = m.group(1) + ", " + new
        else:
            val = new
        t = t[:m.start(1)] + val + t[m.end(1):]
    rewrite(p, t)


def digest_topics():
    p = pick()
    t = p.read_text(encoding="utf-8")
    t = re.sub(r'^topics: \[', f'topics: ["{rng.choice(["Giáo dục", "Du lịch", "Chủ đề riêng"])}", ', t, 1, re.M)
    rewrite(p, t)


def citation_edit():
    p = pick()
    t = p.read_text(encoding="utf-8")
    ms = list(re.finditer(r"số (\d+)/", t))
    if ms:
        m = rng.choice(ms)
        k = rng.random()
        if k < 0.4:
            t = t[:m.start(1)] + str(rng.randint(1, 50)) + t[m.end(1):]
        elif k < 0.7:  # remove the citation sentence's number form
            t = t[:m.start()] + "văn bản" + t[m.end():]
        else:  # cite a document another digest cites
            other = pick().read_text(encoding="utf-8")
            om = re.search(r"(?:Quyết định|Kế hoạch) số \d+/[A-ZĐ]+-UBND ngày \d+/\d+/\d{4}", other)
            if om:
                t = t.rstrip("\n") + f"\n\nTheo {om.group(0)}.\n"
    rewrite(p, t)


def delete():
    ds = digests()
    if len(ds) > 3:
        rng.choice(ds).unlink()


def add():
    p = pick()
    t = p.read_text(encoding="utf-8")
    s = dt.date.fromisoformat(re.search(r"^week_start: (\S+)", t, re.M).group(1))
    e = dt.date.fromisoformat(re.search(r"^week_end: (\S+)", t, re.M).group(1))
    delta = dt.timedelta(days=7 * rng.choice([0, 1, 2, 100, -3]))
    t = re.sub(r"^week_start: \S+", f"week_start: {s+delta}", t, 1, re.M)
    t = re.sub(r"^week_end: \S+", f"week_end: {e+delta}", t, 1, re.M)
    t = t.replace('title: "', f'title: "Thêm {rng.randint(0,99)} ', 1)
    q = p.with_name(f"them-{rng.randint(0, 10**6)}.md")
    q.write_text(t, encoding="utf-8")


def rename():
    p = pick()
    p.rename(p.with_name("dt-" + p.name))


def draft():
    p = pick()
    t = p.read_text(encoding="utf-8")
    if "\ndraft: true\n" in t:
        t = t.replace("\ndraft: true\n", "\n", 1)
    else:
        t = t.replace("\n---\n", "\ndraft: true\n---\n", 1)
    rewrite(p, t)


def front_matter_entry(pattern: str, entry: str) -> None:
    """Removes the front-matter lines matching `pattern`; adds `entry` in 7 cases out of 10."""
    p = pick()
    t = re.sub(pattern, "", p.read_text(encoding="utf-8"), flags=re.M)
    if rng.random() < 0.7:
        t = t.replace("\n---\n", f"\n{entry}\n---\n", 1)
    rewrite(p, t)


def slug():
    front_matter_entry(r"^slug: .*\n", f"slug: tin-rieng-{rng.randint(0, 999)}")


def drop_item():
    p = pick()
    t = p.read_text(encoding="utf-8")
    parts = re.split(r"(?=^## )", t, flags=re.M)
    if len(parts) > 2:
        parts.pop(rng.randrange(1, len(parts)))
    rewrite(p, "".join(parts))


def lead_edit():
    p = pick()
    t = p.read_text(encoding="utf-8")
    i = t.index("\n---\n", 4) + 5
    rewrite(p, t[:i] + f"\nLời dẫn {rng.randint(0, 99)}. " + t[i:].lstrip("\n"))


def summary():
    front_matter_entry(r"^summary: .*\n", f'summary: "Tóm tắt {rng.randint(0, 99)}"')


def fm_decision():
    front_matter_entry(r"^decisions:\n(  - .*\n)+", f'decisions:\n  - {{ref: "{rng.randint(1, 40)}/QĐ-UBND", '
                       f'date: 2020-12-15, title: "Tiêu đề {rng.randint(0, 9)}"}}')


# Topics by rule, for the items whose own topics an edit dropped (`drop_topics`): a text edit
# that brings in a keyword ("xã Hòa Thắng", `text_edit`) changes the item's topics.
RULES = '\n[topics.rules]\n"Địa phương" = ["Hòa Thắng"]\n"Du lịch" = ["lễ hội", "du lịch"]\n'


def config():
    rewrite(site / "bulletin.toml", f'title = "Thử {rng.randint(0, 9)}"\nper_page = {rng.randint(1, 4)}\n'
                                    f'items_per_page = {rng.randint(1, 5)}\n{RULES}')


def drop_topics():
    edit_a_match(r' \{topics="[^"]*"\}', lambda t, m: t[:m.start()] + t[m.end():])


def topic_spelling():
    """An item's topics spelled otherwise: the archive shows a topic under its most common spelling."""
    edit_a_match(r'\{topics="([^"]*)"\}', lambda t, m: t[:m.start(1)] + rng.choice([str.lower, str.upper])(m.group(1))
                 + t[m.end(1):])


def template():
    name = rng.choice(["digest.html", "topic.html", "decision.html", "home.html"])
    p = site / "templates" / name
    if p.exists() and rng.random() < 0.5:
        p.unlink()
        return
    base = (REPO / "bulletin" / "theme" / "templates" / name).read_text(encoding="utf-8")
    text = base + f"{{# {rng.randint(0, 99)} #}}<!-- v{rng.randint(0, 9)} -->\n"
    if p.exists():
        rewrite(p, text)  # a later mtime, so an edit within one clock tick is seen
    else:
        p.write_text(text, encoding="utf-8")


def static():
    p = site / "static" / rng.choice(["robots.txt", "css/extra.css"])
    p.parent.mkdir(exist_ok=True)
    if p.exists() and rng.random() < 0.3:
        p.unlink()
        return
    p.write_text(f"/* {rng.randint(0, 999)} */\n", encoding="utf-8")
    touch(p)


def break_and_fix():
    p = pick()
    t = p.read_text(encoding="utf-8")
    rewrite(p, t.replace("week_start:", "week_start: 2020-13-45\nx_week_start:", 1))
    try:
        build_site(site, out)
        raise AssertionError("broken digest built")
    except BuildError:
        pass
    rewrite(p, t)

EDITS = [text_edit, sentence_edit, heading_edit, title_edit, move_week, item_topic, digest_topics, citation_edit, delete, add,
         rename, draft, slug, drop_item, lead_edit, summary, fm_decision, config, template, static, break_and_fix,
         drop_topics, topic_spelling]
WEIGHTS = [6, 4, 3, 3, 3, 4, 2, 5, 3, 3, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 3, 3]

def tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def run(seed: int, steps: int, size: int) -> None:
    global rng, site, out
    rng = random.Random(seed)
    root = OUT / f"fuzz-{seed}"
    shutil.rmtree(root, ignore_errors=True)
    site, out = root / "site", root / "out"
    files = sorted((corpus(1000) / "content").rglob("*.md"))
    start = rng.randrange(0, len(files) - size)
    for f in files[start:start + size]:
        folder = site / "content" / f.parent.name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, folder / f.name)
    (site / "bulletin.toml").write_text('title = "Thử"\nper_page = 3\nitems_per_page = 4\n' + RULES, encoding="utf-8")
    (site / "templates").mkdir()
    (site / "static").mkdir()
    build_site(site, out)
    log = []
    for step in range(steps):
        batch = rng.choices(EDITS, WEIGHTS, k=rng.choice([1, 1, 1, 2, 3]))
        for edit in batch:
            edit()
        log.append([e.__name__ for e in batch])
        try:
            build_site(site, out)
        except BuildError:
            # the edits made the content invalid (two digests on one URL): a clean build must fail too
            shutil.rmtree(root / "clean", ignore_errors=True)  # (last step's clean build)
            try:
                build_site(site, root / "clean", state=False)
            except BuildError:
                for p in digests():
                    if p.name.startswith("them-") or "slug: tin-rieng" in p.read_text(encoding="utf-8"):
                        p.unlink()
                build_site(site, out)
            else:
                raise SystemExit(f"seed {seed} step {step}: the incremental build failed, a clean one did not")
        shutil.rmtree(root / "clean", ignore_errors=True)
        build_site(site, root / "clean", state=False)
        ours, expected = tree(out), tree(root / "clean")
        different = sorted(k for k in ours.keys() | expected.keys() if ours.get(k) != expected.get(k))
        if different:
            raise SystemExit(f"seed {seed} step {step}: after {log[-3:]}, {len(different)} files differ "
                             f"from a clean build, e.g. {different[:8]}")
        state = BuildState(state_file(site, out))
        stored = state.object_hashes()
        saved = snapshot.load(snapshot.snapshot_file(state), state.meta(snapshot.META))
        saved_topics = snapshot.load(snapshot.topics_file(state), state.meta(topic_snapshot.META))
        state.close()
        model = load_site(site)[1]
        if stored != fresh_object_hashes(model):
            raise SystemExit(f"seed {seed} step {step}: after {log[-3:]}, the build state keeps object hashes "
                             "that differ from the model's")
        fresh, fresh_topics = root / "fresh-model.marshal", root / "fresh-topics.marshal"
        if (saved is None) != (saved_topics is None) or saved and (
                saved != snapshot.load(fresh, snapshot.save(model, fresh))
                or saved_topics != snapshot.load(fresh_topics, snapshot.save_topics(model, fresh_topics))):
            raise SystemExit(f"seed {seed} step {step}: after {log[-3:]}, the model's snapshot is not the model's")
    shutil.rmtree(root)
    print(f"seed {seed}: {steps} rebuilds equal to clean builds, {sum(map(len, log))} edits", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--digests", type=int, default=30)
    parser.add_argument("--force-helpers", action="store_true")
    args = parser.parse_args()
    if args.force_helpers:
        model_files.PARALLEL_MODEL_FILES = pipeline.PARALLEL_OBJECTS = write.PARALLEL_STATS = 0
        render_pages.PARALLEL_RENDER_THRESHOLD = plan.KEEP_PAGES = sources.PARALLEL_THRESHOLD = 0
        snapshot.MIN_DIGESTS = 0
    for seed in args.seeds:
        run(seed, args.steps, args.digests)


if __name__ == "__main__":
    main()
