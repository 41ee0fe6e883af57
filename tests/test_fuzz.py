"""Hostile and odd input (issue 5): every file builds, or the build fails with a
`BuildError` whose every message names a content file; never any other exception.

Hypothesis writes sites of one to six files: front matters with random keys, values
and types (dates as strings, tabs, quotes, control characters, non-NFC Unicode),
bodies of random Markdown (headings with attribute lists, citations, lists, quotes,
tables, footnotes, raw HTML), and whole-file damage (a BOM, CRLF, NUL bytes,
truncation, empty files); file names that collide once slugged. After a failed
build, the files it named are removed and the rest must build (or fail the same
clean way). Plus a list of known-nasty inputs, and a 10 MB digest of 5,000 items
that must build in bounded time and memory. `pytest -s` prints the counts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import pytest
from conftest import MemoryBytecodeCache
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bulletin.deps
import bulletin.render
from bulletin.build import build_site
from bulletin.errors import BuildError

STATS = {"sites": 0, "files": 0, "builds": 0, "built": 0, "failed": 0, "errors": 0, "nasty": 0}
EXAMPLES = int(os.environ.get("BULLETIN_FUZZ_EXAMPLES", "200"))
# The same examples on every run (CI must not flake); BULLETIN_FUZZ_RANDOM=1 explores new ones.
FUZZ = settings(max_examples=EXAMPLES, deadline=None, print_blob=True,
                derandomize=os.environ.get("BULLETIN_FUZZ_RANDOM") != "1", database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example, HealthCheck.filter_too_much])


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    generated = STATS["files"] - 2 * STATS["nasty"]  # each nasty input comes with one good digest
    print(f"\n[test_fuzz] {generated} generated files in {STATS['sites'] - STATS['nasty']} generated sites, plus "
          f"{STATS['nasty']} hand-made nasty inputs: {STATS['builds']} builds, {STATS['built']} built, "
          f"{STATS['failed']} failed with a BuildError naming the files ({STATS['errors']} errors); "
          "no other exception")


@pytest.fixture(scope="module", autouse=True)
def compiled_templates_once():
    """Speed only: thousands of builds share the compiled built-in templates (Jinja's own
    bytecode cache, checked against the source) instead of compiling them each time."""
    caches: dict[str, MemoryBytecodeCache] = {}  # per language: the UI strings are compiled in (render.py)
    original_init = bulletin.render.Renderer.__init__
    original_closure = bulletin.deps.template_closure
    closures: dict[tuple, set[str] | None] = {}

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.env.bytecode_cache = caches.setdefault(self.messages.language, MemoryBytecodeCache())

    def closure(env, name):
        key = (name, tuple(tuple(getattr(loader, "searchpath", ())) for loader in env.loader.loaders))
        if key not in closures:
            closures[key] = original_closure(env, name)
        return closures[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulletin.render.Renderer, "__init__", init)
        patch.setattr(bulletin.deps, "template_closure", closure)
        yield


# -- what a site is checked for -----------------------------------------------------------------

def check_site(root: Path) -> None:
    """Build; after a BuildError, drop the files it named and build the rest, until it builds."""
    content = (root / "content").resolve()
    for attempt in range(20):
        out = root / f"site{attempt}"
        STATS["builds"] += 1
        try:
            result = build_site(root, out, state=False, workers=1)
        except BuildError as exc:
            STATS["failed"] += 1
            STATS["errors"] += len(exc.errors)
            assert exc.errors
            named = set()
            for error in exc.errors:
                path = Path(error.path)
                assert path.resolve().is_relative_to(content) and path.suffix == ".md", error.format()
                assert error.format().startswith(str(error.path)), error.format()
                assert error.message.strip(), error.format()
                named.add(path)
            assert not out.exists(), "a failed build wrote its output"
            for path in named:
                path.unlink()
            continue
        STATS["built"] += 1
        assert (out / "index.html").is_file() and (out / "feed.xml").is_file() and (out / "404.html").is_file()
        digests = json.loads((out / "data" / "digests.json").read_text(encoding="utf-8"))
        assert len(digests) == result.digests
        for digest in digests:
            assert (out / digest["url"]).is_file()
        return
    pytest.fail("a build kept failing after the files it named were removed")


def write_site(files: list[tuple[str, bytes]], config: str | None = None) -> Path:
    root = Path(tempfile.mkdtemp(prefix="fuzz-"))
    (root / "content").mkdir()
    for name, data in files:
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if config is not None:
        (root / "bulletin.toml").write_text(config, encoding="utf-8")
    STATS["sites"] += 1
    STATS["files"] += len(files)
    return root


def run(files: list[tuple[str, bytes]], config: str | None = None) -> None:
    root = write_site(files, config)
    try:
        check_site(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# -- strategies ---------------------------------------------------------------------------------

VIET = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵĐĂÂÊÔƠƯ"
ODD = "\t\n\r\x00\x01\x02\x03\x0b\x0c\x1b\x7f\x85\ufeff\u2028\u2029\ufffe\uffff\u0300\u0301\u0323\u200b\u202e\ue000\ue001"
PUNCT = ":#-[]{}'\"|>&*!%@`,?=/\\<_~^$()+;."
EXOTIC = "€😀中文אا‪ 　🇻🇳ếĐßİΩﬁ𐍈"
ALPHABET = VIET + " " * 12 + "0123456789" + ODD + PUNCT + EXOTIC  # one string: cheap to draw from
words = st.text(ALPHABET, min_size=0, max_size=24)
plain_words = st.text(VIET + "    0123456789", min_size=1, max_size=24)

dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
date_texts = st.one_of(
    dates.map(lambda d: d.isoformat()),
    dates.map(lambda d: f"{d.day}/{d.month}/{d.year}"),
    dates.map(lambda d: f"{d.isoformat()}T10:00:00+07:00"),
    dates.map(lambda d: f" {d.isoformat()} "),
    st.sampled_from(["2020-02-30", "2020-13-01", "0000-01-01", "20201214", "2020-W51-1", "hôm nay", "", "~",
                     "2020-12-14\t", "'2020-12-14'", "2020-12-14 10:00", "9999-12-31", "1-1-1"]),
)
scalars = st.one_of(words, st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(), dates,
                    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)), date_texts)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.one_of(plain_words, words), inner, max_size=3), max_leaves=8)
KEYS = ["title", "week_start", "week_end", "published", "issuer", "author", "summary", "topics", "decisions",
        "draft", "slug"]
decision_entries = st.one_of(
    st.fixed_dictionaries({"ref": st.one_of(st.sampled_from(["2610/QĐ-UBND", "16/CT-TTg", "12/2020/NĐ-CP",
                                                              "x", "", "/", "1/"]), words)},
                          optional={"date": st.one_of(dates, date_texts, values), "title": st.one_of(words, values)}),
    values,
)


@st.composite
def front_matters(draw) -> str:
    start = draw(dates.filter(lambda d: 1 < d.year < 9999))
    data: dict = {
        "title": draw(st.one_of(plain_words, words, values)),
        "week_start": draw(st.one_of(st.just(start), st.just(start.isoformat()), date_texts, values)),
        "week_end": draw(st.one_of(st.just(start + dt.timedelta(days=draw(st.integers(-3, 40)))), date_texts,
                                   values)),
    }
    for key in draw(st.lists(st.sampled_from(KEYS[3:]), max_size=5, unique=True)):
        if key == "decisions":
            data[key] = draw(st.one_of(st.lists(decision_entries, max_size=3), values))
        elif key == "topics":
            data[key] = draw(st.one_of(st.lists(st.one_of(plain_words, words), max_size=4), words, values))
        else:
            data[key] = draw(st.one_of(plain_words, words, values))
    for _ in range(draw(st.integers(0, 2))):
        data[draw(st.one_of(plain_words, words))] = draw(values)
    for key in draw(st.lists(st.sampled_from(list(data)), max_size=2, unique=True)):
        if draw(st.booleans()):
            del data[key]
    style = draw(st.sampled_from(["yaml", "yaml", "flow", "lines"]))
    if style == "yaml":
        return yaml.safe_dump(data, allow_unicode=draw(st.booleans()), sort_keys=False)
    if style == "flow":
        return yaml.safe_dump(data, allow_unicode=True, default_flow_style=True, width=draw(st.integers(5, 200)))
    lines = []
    for key, value in data.items():  # hand-written: unquoted text, tabs, odd indentation
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        indent = draw(st.sampled_from(["", "", "", " ", "\t", "  "]))
        quote = draw(st.sampled_from(["", "", '"', "'"]))
        lines.append(f"{indent}{key}:{draw(st.sampled_from([' ', ' ', chr(9), '']))}{quote}{text}{quote}")
    return "\n".join(lines) + "\n"


citations = st.builds(
    lambda kind, n, d, m, y: kind.format(n=n, d=d, m=m, y=y),
    st.sampled_from(["Quyết định số {n}/QĐ-UBND ngày {d}/{m}/{y}", "(số {n}/QĐ-UBND ngày {d}/{m}/{y})",
                     "Kế hoạch số {n}/KH-UBND", "Nghị định số {n}/{y}/NĐ-CP", "Chỉ thị số {n}/CT-TTg",
                     "Công văn số {n}/VPCP-KSTT", "Kế hoạch số {n}-KH/TU", "Thông báo số {n}/TB-UBND ngày {d}/{m}",
                     "Quyết định số {n}/QĐ-UBND và {n}/QĐ-UBND ngày {d}/{m}/{y}", "số {n}/{y}/QĐ-UBND"]),
    st.one_of(st.integers(0, 99999), st.sampled_from(["007", "99999999999999999999", "1a", "0"])),
    st.integers(0, 40), st.integers(0, 14), st.integers(0, 10000),
)
HTML = ['<img src=x onerror="alert(1)">', "<script>alert(1)</script>", "<b>đậm</b>", "<br>", "<div>\nkhối\n</div>",
        '<a href="JaVaScRiPt:alert(1)">x</a>', "<!-- chú thích", "-->", "<table><tr><td>1</td></tr></table>",
        "<p", "</div>", "&amp; &lt; &#0; &#xD800; &nosuch;", "<svg onload=alert(1)>", "<style>p{}</style>"]
inline = st.one_of(words, plain_words, citations, st.sampled_from(HTML),
                   st.sampled_from(["*", "**", "_", "`", "[x](javascript:alert(1))", "![a](b)", "[^1]", "[^x]",
                                    "\\", "{", "}", '{topics="A"}', "<http://a>", "~~", "&", "  \n"]))
paragraph = st.lists(inline, min_size=1, max_size=8).map(" ".join)
attribute_lists = st.one_of(
    st.just(""),
    st.builds(lambda t: f' {{topics="{t}"}}', st.one_of(plain_words, words)),
    st.builds(lambda i, t: f' {{#{i} topics="{t}"}}', st.one_of(plain_words, st.just("mo-dau")), plain_words),
    st.sampled_from([" {.cls}", " {#mo-dau}", " {: #x }", " {topics=}", " {topics=\"a,b;c\"}", " {",
                     ' {onclick="alert(1)"}', " {#}", " {topics='Y tế'}", " {topics}", " {x}", " {: }", " {#=}",
                     " {topics=\"\"}", " {topics=\" , ; \"}"]),
)
headings = st.builds(lambda level, text, attrs: "#" * level + " " + text + attrs,
                     st.sampled_from([2, 2, 2, 1, 3, 6]), st.one_of(paragraph, plain_words, st.just("")),
                     attribute_lists)
blocks = st.one_of(
    headings, headings, paragraph, paragraph,
    st.lists(paragraph, min_size=1, max_size=4).map(lambda items: "\n".join(f"- {i}" for i in items)),
    st.lists(paragraph, min_size=1, max_size=4).map(lambda items: "\n".join(f"{n}. {i}" for n, i in enumerate(items))),
    paragraph.map(lambda p: "> " + p), paragraph.map(lambda p: "```\n" + p),
    paragraph.map(lambda p: "    " + p), st.just("| a | b |\n|---|---|\n| 1 | 2 |"),
    paragraph.map(lambda p: "[^1]: " + p), paragraph.map(lambda p: "Từ\n:   " + p),
    st.sampled_from(["---", "***", "===", "", "\n\n\n", "<div>", "</div>", "```"]),
    plain_words.map(lambda w: "## " + w * 300),  # very long heading
    st.sampled_from(HTML),
)
bodies = st.lists(blocks, max_size=10).map("\n\n".join)


def damage(draw, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["none"] * 6 + ["bom", "crlf", "cr", "nfd", "nul", "truncate", "empty", "dashes",
                                                 "latin1", "double-bom"]))
    if kind == "bom":
        return "\ufeff".encode() + data
    if kind == "double-bom":
        return "\ufeff\ufeff".encode() + data
    if kind == "crlf":
        return data.replace(b"\n", b"\r\n")
    if kind == "cr":
        return data.replace(b"\n", b"\r")
    if kind == "nfd":
        return unicodedata.normalize("NFD", data.decode("utf-8", "surrogatepass")).encode("utf-8", "surrogatepass")
    if kind == "nul":
        at = draw(st.integers(0, len(data)))
        return data[:at] + b"\x00" + data[at:]
    if kind == "truncate":
        return data[:draw(st.integers(0, len(data)))]
    if kind == "empty":
        return b""
    if kind == "dashes":
        return b"---\n"
    if kind == "latin1":
        return data.decode("utf-8", "replace").encode("latin-1", "replace")
    return data


NAMES = ["2020/2020-w51.md", "2020/2020-W51.md", "2020/2020-w51 .md", "a.md", "A.md", "Á.md", "đ.md", "d.md",
         "Lạng Sơn/x.md", "lang-son/x.md", "LANG SON/x.md", "sub/deeper/x.md", "x.md", "_draft.md", ".hidden.md",
         "!!!.md", "---.md", "2020/w.md", "tuần 51.md", "tuan-51.md", "note.txt"]


@st.composite
def sites(draw, front=None, body=None, fewest=1, most=6) -> list[tuple[str, bytes]]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=fewest, max_size=most, unique=True))
    files = []
    for name in names:
        text = ("---\n" + draw(front if front is not None else front_matters()) + "---\n"
            + draw(body if body is not None else bodies))
        data = text.encode("utf-8", "surrogatepass")
        files.append((name, damage(draw, data)))
    return files


VALID_FRONT = st.builds(
    lambda title, start, days, extra: (f"title: {json.dumps(title)}\nweek_start: {start.isoformat()}\n"
                                       f"week_end: {(start + dt.timedelta(days=days)).isoformat()}\n{extra}"),
    plain_words, dates.filter(lambda d: 1 < d.year < 9999), st.integers(0, 6),
    st.sampled_from(["", "draft: true\n", "slug: a\n", "slug: x\n", "topics: [Y tế, y te, Y-TẾ]\n",
                     'decisions: [{ref: "2610/QĐ-UBND", date: 2020-12-15, title: "<b>x</b>"}]\n',
                     "published: 2020-12-20T10:00:00+07:00\n", "published: 2020-12-20 10:00\n"]))


@FUZZ
@given(files=sites(fewest=2, most=8))
def test_fuzzed_front_matter_builds_or_names_the_file(files):
    run(files)


SETTINGS = st.one_of(st.none(), st.builds(
    lambda unsafe, per_page, base: (f"unsafe_html = {str(unsafe).lower()}\nper_page = {per_page}\n"
                                    f"items_per_page = {per_page}\n" + (f'base_url = "{base}"\n' if base else "")),
    st.booleans(), st.integers(1, 3), st.sampled_from(["", "https://example.org/tin/", "/tin"])))


@FUZZ
@given(files=sites(front=VALID_FRONT, most=4), config=SETTINGS)
def test_fuzzed_markdown_bodies_build_or_name_the_file(files, config):
    run(files, config)


# -- hand-made nasty inputs -----------------------------------------------------------------------

FRONT = "---\ntitle: Bản tin\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\n"


def fm(extra: str, body: str = "## Mục\n\nx\n") -> bytes:
    """FRONT with `extra` lines at the top of the front matter, then `body`."""
    return ("---\n" + extra + FRONT[4:] + body).encode("utf-8")


NASTY = {
    "empty": b"",
    "only-bom": "\ufeff".encode(),
    "bom-crlf": ("\ufeff" + FRONT + "## Mục\n\nx\n").replace("\n", "\r\n").encode(),
    "nul-in-body": (FRONT + "x\x00y").encode(),
    "nul-in-front": FRONT.replace("Bản tin", "Bản\x00tin").encode(),
    "tabs-in-yaml": FRONT.replace("week_start:", "\tweek_start:").encode(),
    "tab-after-colon": FRONT.replace("title: ", "title:\t").encode(),
    "non-nfc": unicodedata.normalize("NFD", FRONT + "## Đất đai {topics=\"Đất đai\"}\n\nx\n").encode(),
    "utf16": (FRONT + "x").encode("utf-16"),
    "latin1": (FRONT + "Nội dung").encode("latin-1", "replace"),
    "invalid-utf8": FRONT.encode() + b"\xff\xfe\xc3(",
    "long-heading": (FRONT + "## " + "Đất đai " * 20_000 + "\n\nx\n").encode(),
    "long-title": FRONT.replace("Bản tin", "Bản tin " * 10_000).encode(),
    "colliding-anchors": (FRONT + "".join(f"## Mục {{#{a}}}\n\nx\n\n" for a in
                                          ["mo-dau", "muc", "muc", "muc-2", "Mục", "MỤC", ""])).encode(),
    "500-same-headings": (FRONT + "## Mục\n\nx\n\n" * 500).encode(),
    "deep-list": (FRONT + "".join("    " * i + "- x\n" for i in range(300))).encode(),
    "deep-list-inline": (FRONT + "- " * 2000 + "x\n").encode(),
    "deep-quote": (FRONT + "> " * 3000 + "x\n").encode(),
    "deep-quote-nospace": (FRONT + ">" * 5000 + "x\n").encode(),
    "deep-emphasis": (FRONT + "*" * 5000 + "x" + "*" * 5000 + "\n").encode(),
    "deep-links": (FRONT + "[" * 5000 + "x" + "](u)" * 5000 + "\n").encode(),
    "deep-html": (FRONT + "<div>" * 5000 + "x" + "</div>" * 5000 + "\n").encode(),
    "deep-html-inline": (FRONT + "x " + "<b>" * 5000 + "y" + "</b>" * 5000 + "\n").encode(),
    "deep-deflist": (FRONT + "".join("    " * i + "a\n" + "    " * i + ":   b\n" for i in range(300))).encode(),
    "deep-yaml-list": fm("x: " + "[" * 5000 + "]" * 5000 + "\n"),
    "deep-yaml-map": fm("x: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n"),
    "yaml-self-alias": fm("x: &a [*a]\n"),
    "yaml-billion-laughs": fm("".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9 if i else ["lol"] * 9)
                                      + "]\n" for i in range(9))),
    "yaml-python-tag": fm("x: !!python/object/apply:os.system [echo hi]\n"),
    "yaml-binary-set": fm("x: !!binary aGk=\ny: !!set {a, b}\nz: !!timestamp 2001-12-14t21:59:43.10-05:00\n"),
    "yaml-merge": fm("base: &b {title: X}\n<<: *b\n"),
    "yaml-two-documents": (FRONT + "---\nx: 1\n---\n").encode(),
    "yaml-document-end": FRONT.replace("---\n## ", "...\n---\n## ").encode(),
    "front-not-closed": b"---\ntitle: x\n",
    "front-only-dashes": b"---\n---\n",
    "front-is-list": b"---\n- a\n- b\n---\n",
    "front-is-text": b"---\njust text\n---\n",
    "key-is-list": b"---\n? [a]\n: 1\ntitle: x\n---\n",
    "key-is-null": fm("~: 1\n1: 2\n2020-12-14: 3\ntrue: 4\n"),
    "escaped-controls": FRONT.replace("title: Bản tin", 'title: "a\\x01\\x1b\\uFFFE"').encode(),
    "escaped-control-topic": fm('topics: ["\\x0b"]\n'),
    "raw-control": (FRONT + "x\x1by\x0c").encode(),
    "markdown-placeholders": (FRONT + "\x02wzxhzdk:0\x03 \x02klzzwxh:99\x03").encode(),
    "our-placeholders": (FRONT + "\ue0000\ue001 Quyết định số 1/QĐ-UBND\n").encode(),
    "impossible-date": FRONT.replace("2020-12-14", "2020-02-30").encode(),
    "year-0-date": FRONT.replace("2020-12-14", "0000-01-01").encode(),
    "impossible-time": fm("published: 2020-12-20T25:61:00\n"),
    "impossible-offset": fm("published: 2020-12-20 10:00:00 +99:00\n"),
    "impossible-decision-date": fm('decisions: [{ref: "1/QĐ-UBND", date: 2020-13-01}, {ref: "2/QĐ-UBND", '
                                   'date: "2020-02-30"}]\n'),
    "year-1": FRONT.replace("2020-12-14", "0001-01-01").replace("2020-12-20", "0001-01-07").encode(),
    "year-9999": FRONT.replace("2020-12-14", "9999-12-25").replace("2020-12-20", "9999-12-31").encode(),
    "citation-huge-number": (FRONT + "Quyết định số 99999999999999999999999/QĐ-UBND ngày 31/02/2020\n").encode(),
    "citation-year-0": (FRONT + "Quyết định số 1/QĐ-UBND ngày 01/01/0000\n").encode(),
    "citation-year-99999": (FRONT + "Nghị định số 1/99999/NĐ-CP\n").encode(),
    "footnote-loops": (FRONT + "a[^1]\n\n[^1]: b[^1]\n\n[^2]: [^2]\n").encode(),
    "unclosed-fence": (FRONT + "```\n## not a heading\n").encode(),
    "empty-attributes": (FRONT + "## A {topics=}\n\n## B {topics}\n\n## C {#}\n\n## D {: }\n\n## E {x}\n\n"
                                 "Đoạn {y}\n\n| a |\n|---|\n| b {z} |\n").encode(),
    "table-only": (FRONT + "| a |\n|---|\n").encode(),
    "topics-only-punctuation": fm("topics: ['!!!', '???']\n", "## X {topics=\"!!!, ???\"}\n"),
    "slug-empty": fm("slug: '...'\n"),
    "slug-traversal": fm("slug: ../../../../etc\n"),
    "published-aware-and-naive": fm("published: 2020-12-20T23:59:59-12:00\n"),
}


@pytest.mark.parametrize("name", sorted(NASTY))
def test_nasty_inputs_build_or_name_the_file(name):
    STATS["nasty"] += 1
    other = "---\ntitle: Khác\nweek_start: 2020-12-07\nweek_end: 2020-12-13\npublished: 2020-12-13\n---\n## Y\n\nz\n"
    run([("2020/nasty.md", NASTY[name]), ("2020/other.md", other.encode())])


# -- a 10 MB digest of 5,000 items ------------------------------------------------------------------

BIG_SCRIPT = """
import json, resource, sys, time
from pathlib import Path
from bulletin.build import build_site
started = time.perf_counter()
result = build_site(Path(sys.argv[1]))
seconds = time.perf_counter() - started
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "pages": result.pages, "digests": result.digests}))
"""


def test_a_10_mb_digest_of_5000_items_builds_in_bounded_time_and_memory(tmp_path):
    rng = random.Random(0)
    topics = ["Đất đai", "Y tế", "Giáo dục", "Giao thông", "Nông nghiệp", "Du lịch", "Doanh nghiệp"]
    vocabulary = ("UBND tỉnh vừa phê duyệt phương án sử dụng đất tại xã huyện Lộc Bình kế hoạch triển khai "
                  "thực hiện năm Sở Tài nguyên Môi trường chủ trì phối hợp các cơ quan đơn vị").split()
    parts = ['---\ntitle: "Bản tin rất lớn"\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\n\nMở đầu.\n']
    for i in range(5000):
        text = " ".join(rng.choice(vocabulary) for _ in range(320))
        parts.append(f"\n## Mục {i}: {rng.choice(vocabulary)} {rng.choice(vocabulary)} "
                     f"{{topics=\"{rng.choice(topics)}\"}}\n\nTheo Quyết định số {i % 300 + 1}/QĐ-UBND "
                     f"ngày {i % 28 + 1}/12/2020, {text}.\n")
    body = "".join(parts).encode("utf-8")
    assert 10_000_000 <= len(body) <= 11_500_000
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "big.md").write_bytes(body)
    run_ = subprocess.run([sys.executable, "-c", BIG_SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          timeout=600)
    assert run_.returncode == 0, run_.stderr[-3000:]
    figures = json.loads(run_.stdout.strip().splitlines()[-1])
    print(f"\n[test_fuzz] 10 MB digest ({len(body) / 1e6:.1f} MB, 5,000 items): built in "
          f"{figures['seconds']:.1f} s, peak memory {figures['peak_mb']:.0f} MB, {figures['pages']} pages")
    assert figures["digests"] == 1
    digests = json.loads((tmp_path / "site" / "data" / "digests.json").read_text(encoding="utf-8"))
    assert len(digests[0]["items"]) == 5000
    page = (tmp_path / "site" / "digests" / "big" / "index.html").read_text(encoding="utf-8")
    assert page.count('<section class="item"') == 5000
    assert figures["seconds"] < 120  # generous: a bound, not a timing target
    assert figures["peak_mb"] < 3000
