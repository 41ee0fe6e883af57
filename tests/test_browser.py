"""A reader's walk through the sample site in Chromium, straight from file://:
home → digest → topic → (item) → decision, by clicking links; no request leaves
file://; no page scrolls sideways at 390 px; text meets WCAG AA contrast.

Screenshots of home, digest, topic and decision at 390 px and 1280 px go to the
test's tmp_path and are copied to /tmp/bulletin-screenshots/ for people to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/bulletin-screenshots")
WIDTHS = {"phone": 390, "desktop": 1280}

# Contrast of text against its effective background, per WCAG 2 (AA: 4.5, large text 3).
CONTRAST_JS = """
(selectors) => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = ({r, g, b}) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; }
    return {r: 255, g: 255, b: 255, a: 1}; };
  const out = [];
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) {
      if (!el.textContent.trim() || !el.getClientRects().length) continue;
      const style = getComputedStyle(el);
      const fg = parse(style.color), bg = background(el);
      const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
      const large = size >= 24 || (bold && size >= 18.66);
      out.push({selector, text: el.textContent.trim().slice(0, 40), ratio: Math.round(ratio * 100) / 100,
                needed: large ? 3 : 4.5});
    }
  }
  return out;
}
"""
TEXT_SELECTORS = ["body", "main p", "main li", "main a", "main dt", "main dd", ".meta", ".intro", ".count",
                  ".site-header a", ".site-issuer", ".site-footer p", ".site-footer a", ".breadcrumbs li",
                  ".tag", "a.cite", "blockquote", "h1", "h2", ".digest-nav span"]


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    SHOTS.mkdir(parents=True, exist_ok=True)
    for png in folder.glob("*.png"):
        shutil.copy2(png, SHOTS / png.name)


class Reader:
    """One browser page, recording every request it makes."""

    def __init__(self, context):
        self.page = context.new_page()
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def click(self, locator) -> None:
        with self.page.expect_navigation():
            locator.click()

    def h1(self) -> str:
        return " ".join(self.page.locator("h1").first.inner_text().split())

    def no_sideways_scroll(self, width: int) -> None:
        scroll = self.page.evaluate("document.documentElement.scrollWidth")
        wide = self.page.evaluate(f"""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > {width} + 1 && !e.closest('.table-scroll'))
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))""")
        assert scroll <= width, f"{self.page.url} scrolls sideways at {width}px ({scroll}px): {wide}"

    def contrast_problems(self) -> list[dict]:
        return [r for r in self.page.evaluate(CONTRAST_JS, TEXT_SELECTORS) if r["ratio"] < r["needed"]]


def walk(reader: Reader, home_url: str, shoot) -> None:
    page = reader.page
    page.goto(home_url)
    assert page.locator("html").get_attribute("lang") == "vi"
    assert reader.h1() == "Bản tin mới nhất"
    assert page.locator(".digest-card").count() == 1
    shoot("home")

    # home → digest
    reader.click(page.locator(".digest-card-title a").first)
    assert page.url.endswith("/digests/2020/2020-w51/index.html")
    assert reader.h1().startswith("Chỉ đạo, điều hành nổi bật của UBND tỉnh trong tuần")
    assert page.locator("section.item").count() == 8
    assert page.locator("a.cite").count() >= 13
    assert "Thứ Hai, ngày 21 tháng 12 năm 2020" in page.locator(".digest-meta").inner_text()
    shoot("digest")

    # digest → topic (the tag under an item)
    reader.click(page.locator("a.tag", has_text="Đất đai").first)
    assert page.url.endswith("/topics/dat-dai/index.html")
    assert reader.h1() == "Chủ đề: Đất đai"
    entries = page.locator(".item-entry h2 a")
    assert entries.count() == 1
    assert entries.first.inner_text().startswith("Phê duyệt phương án sử dụng đất")
    shoot("topic")

    # topic → the item in its digest → the decision it cites
    reader.click(entries.first)
    anchor = "phe-duyet-phuong-an-su-dung-dat-cong-ty-tnhh-mtv-lam-nghiep-dong-bac-ban-giao-ve"
    assert page.url.endswith("/digests/2020/2020-w51/index.html#" + anchor), page.url
    section = page.locator("section.item:target")
    assert section.count() == 1 and section.locator("h2").inner_text().startswith("Phê duyệt phương án")
    cite = section.locator("a.cite").first
    assert cite.inner_text() == "số 2610/QĐ-UBND ngày 15/12/2020"
    reader.click(cite)
    assert page.url.endswith("/decisions/2020/qd-ubnd-2610-2020.html")
    assert reader.h1() == "Quyết định số 2610/QĐ-UBND"
    assert page.locator(".decision-title").inner_text().startswith("Phê duyệt phương án sử dụng đất")
    assert "Thứ Ba, ngày 15 tháng 12 năm 2020" in page.locator(".decision-meta").inner_text()
    quote = page.locator(".mentions blockquote").first.inner_text()
    assert "số 2610/QĐ-UBND ngày 15/12/2020" in quote and quote.strip().startswith("UBND tỉnh vừa Phê duyệt")
    shoot("decision")

    # and back to the citing item
    reader.click(page.locator(".mention-where a").first)
    assert page.url.endswith("index.html#" + anchor)


@pytest.mark.parametrize("device", list(WIDTHS))
def test_a_reader_walks_home_digest_topic_decision_from_file_urls(chromium, sample_site, shots, device):
    _, output = sample_site
    width = WIDTHS[device]
    context = chromium.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1,
                                   java_script_enabled=True, offline=True)
    try:
        reader = Reader(context)
        layout: list[str] = []
        contrast: list[str] = []

        def shoot(name: str) -> None:
            try:
                reader.no_sideways_scroll(width)
            except AssertionError as problem:
                layout.append(str(problem))
            contrast.extend(f"{reader.page.url.split('/site/')[-1]}: {p}" for p in reader.contrast_problems())
            reader.page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)

        walk(reader, (output / "index.html").as_uri(), shoot)
        outside = [u for u in reader.requests if not u.startswith("file://")]
        assert not outside, f"requests left file://: {outside}"
        assert not reader.failed, f"requests failed: {reader.failed}"
        assert not reader.errors, f"page errors: {reader.errors}"
        assert not layout, "\n".join(layout)
        assert not contrast, "text below WCAG AA contrast:\n" + "\n".join(map(str, contrast))
    finally:
        context.close()
    for name in ("home", "digest", "topic", "decision"):
        assert (shots / f"{name}-{width}.png").stat().st_size > 5000


def test_the_skip_link_is_the_first_stop_and_visible_on_focus(chromium, sample_site):
    _, output = sample_site
    context = chromium.new_context(viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        page.goto((output / "digests/2020/2020-w51/index.html").as_uri())
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        assert focused == "skip-link"
        box = page.locator(".skip-link").bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 20
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
        assert page.locator("main").count() == 1 and page.locator("header.site-header").count() == 1
        assert page.locator("nav.site-nav").count() == 1 and page.locator("footer").count() == 1
        levels = [int(t[1]) for t in page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')]"
                                                    ".map(h => h.tagName)")]
        assert levels[0] == 1 and levels.count(1) == 1
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), f"heading levels skip: {levels}"
    finally:
        context.close()


def test_print_stylesheet_hides_the_chrome(chromium, sample_site):
    _, output = sample_site
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto((output / "digests/2020/2020-w51/index.html").as_uri())
        page.emulate_media(media="print")
        assert not page.locator(".site-header").is_visible()
        assert not page.locator(".site-footer").is_visible()
        assert page.locator(".digest-body").is_visible()
    finally:
        context.close()
