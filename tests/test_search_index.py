"""The search index builder: folding, tokenising, postings, shard layout, escaping, ranking data.

The browser half (search.js on these files, from file://) is in test_search_browser.py.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.build import load_site
from bulletin.search import search_files
from bulletin.search.fold import fold, term, terms, tokens, variant
from bulletin.search.index import CHUNK_DECISIONS, CHUNK_ITEMS, collect, js_literal, js_order, script
from bulletin.search.postings import DEC_HEAD, ITEM_BODY, ITEM_HEAD, decode_ids, encode_ids

HOSTILE = "</script><img src=x onerror=alert(1)> \"q\" 'a' \u2028\u2029 <!-- x"


def write_site(root: Path, digests: dict[str, str]) -> Path:
    (root / "content").mkdir(parents=True)
    for name, text in digests.items():
        (root / "content" / f"{name}.md").write_text(text, encoding="utf-8")
    return root


def digest(title: str, week: tuple[str, str], body: str) -> str:
    return f'---\ntitle: "{title}"\nweek_start: {week[0]}\nweek_end: {week[1]}\n---\n\n{body}\n'


W50 = ("2020-12-07", "2020-12-13")
W51 = ("2020-12-14", "2020-12-20")
W52 = ("2020-12-21", "2020-12-27")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = write_site(tmp_path_factory.mktemp("search-index"), {
        "w50": digest("Tuần 50", W50, "## Giao đất cho xã\n\nUBND tỉnh vừa giao đất (số 2599/QĐ-UBND ngày 08/12/2020).\n\n"
                                      "## Đặt hàng dịch vụ\n\nĐặt hàng theo Kế hoạch số 119-KH/TU.\n"),
        "w51": digest("Tuần 51", W51, "## Thừa nhận xã Bắc Việt đạt chuẩn nông thôn mới {topics=\"Nông thôn mới\"}\n\n"
                                      "UBND tỉnh vừa thừa nhận (số 2610/QĐ-UBND ngày 15/12/2020) xã Bắc Việt đạt chuẩn "
                                      "nông thôn mới.\n\n## Đất đai\n\nKhông có gì mới về đất.\n"),
        "w52": digest("Tuần 52", W52, "## Thực hiện Nghị định\n\nTheo Nghị định số 85/2020/NĐ-CP ngày 01/07/2020.\n"),
    })
    return load_site(root)[1]


@pytest.fixture(scope="module")
def files(site) -> dict[str, bytes]:
    return dict(search_files(site))


def payload(data: bytes):
    """The value a script hands to __bulletinSearch.add."""
    match = re.fullmatch(rb'__bulletinSearch\.add\("([^"]+)",(.*)\);\n', data, re.S)
    assert match, data[:80]
    return match.group(1).decode(), json.loads(match.group(2))


# -- folding and tokens ----------------------------------------------------------------------

@pytest.mark.parametrize("text, folded", [
    ("Nông thôn mới", "nong thon moi"),
    ("ĐẤT ĐAI", "dat dai"),
    ("đặt", "dat"),
    ("Quyết định", "quyet dinh"),
    ("Hoà", "hoa"), ("Hòa", "hoa"),  # old and new tone placement fold the same
    (unicodedata.normalize("NFD", "Lạng Sơn"), "lang son"),  # decomposed input too
    ("QĐ-UBND", "qd-ubnd"),
    ("Ưu tiên", "uu tien"),
])
def test_fold(text, folded):
    assert fold(text) == folded


def test_terms_drop_leading_zeros_of_numbers():
    assert [term(t) for t in ["05", "0", "000", "2020", "05a", "０５"]] == ["5", "0", "0", "2020", "05a", "０５"]
    assert terms("ngày 01/07/2020") == terms("ngay 1/7/2020") == ["ngay", "1", "7", "2020"]


def test_variant_keeps_diacritics_lowercase_nfc():
    assert variant("ĐẤT") == "đất"
    assert variant(unicodedata.normalize("NFD", "Mới")) == "mới"
    assert variant("Hoà") != variant("Hòa")  # exact spelling differs, the term does not


def test_tokens_split_codes_and_numbers_but_keep_vietnamese_words_whole():
    assert tokens("Số 2610/QĐ-UBND ngày 15/12/2020") == ["Số", "2610", "QĐ", "UBND", "ngày", "15", "12", "2020"]
    assert tokens("119-KH/TU; 2.510,28 ha") == ["119", "KH", "TU", "2", "510", "28", "ha"]
    assert tokens("snake_case x²") == ["snake", "case", "x²"]
    assert terms(unicodedata.normalize("NFD", "nông thôn")) == ["nong", "thon"]


def test_token_class_is_letters_and_digits_exactly():
    """What search.js uses: [\\p{L}\\p{N}]. Python's [^\\W_] must be the same set."""
    pattern = re.compile(r"[^\W_]")
    rng = random.Random(7)
    for cp in rng.sample(range(0x30000), 20000) + list(range(0x2000)):
        ch = chr(cp)
        assert bool(pattern.fullmatch(ch)) == (unicodedata.category(ch)[0] in "LN"), hex(cp)


def test_the_indexer_tokenises_like_tokens_and_variant():
    from bulletin.search.scan import MARK, _Vocabulary

    rng = random.Random(11)
    alphabet = "aăâđĐÊôƠưİIıΣσς ﬁẞß  -/.,0123456789" + unicodedata.normalize("NFD", "ấệờ") + "\u0301\u0323"
    texts = ["İstanbul ĐẤT đai", "ΣΑΣ ΟΔΟΣ", unicodedata.normalize("NFD", "Nông thôn MỚI")]
    texts += ["".join(rng.choice(alphabet) for _ in range(30)) for _ in range(300)]
    for text in texts:
        assert _Vocabulary().scan(text) == [variant(t) for t in tokens(text)], text
    # texts scanned together, split at the marks: each as if alone (texts start with combining marks too)
    scanned = _Vocabulary().scan(MARK.join(texts) + MARK)
    ends = [n for n, v in enumerate(scanned) if v == MARK]
    assert len(ends) == len(texts)
    for text, start, end in zip(texts, [-1, *ends], ends):
        assert scanned[start + 1:end] == [variant(t) for t in tokens(text)], text


# -- postings coding ---------------------------------------------------------------------------

@pytest.mark.parametrize("ids", [[], [0], [5], [0, 1, 2, 3], [31, 32, 33], [1, 1000, 70000, 70001, 2_000_000],
                                 list(range(0, 100000, 7))])
def test_encode_decode_roundtrip(ids):
    text = encode_ids(ids)
    assert decode_ids(text) == ids
    assert re.fullmatch(r"[0-9A-Za-z_-]*", text), "only characters that need no escaping"


def test_dense_postings_cost_one_character_each():
    assert len(encode_ids(list(range(1000)))) == 1000
    ids = list(range(0, 32000, 30))
    assert len(encode_ids(ids)) == len(ids)  # gaps under 32: one character each
    assert len(encode_ids(list(range(0, 32000, 1000)))) == 1 + 2 * 31  # under 1024: two


# -- escaping ------------------------------------------------------------------------------------

def test_js_literal_cannot_break_out():
    text = js_literal({"t": HOSTILE, HOSTILE: [HOSTILE]})
    assert "<" not in text and "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"t": HOSTILE, HOSTILE: [HOSTILE]}
    data = script("i/0", [HOSTILE])
    assert b"</" not in data and b"<!--" not in data
    assert payload(data) == ("i/0", [HOSTILE])


def test_hostile_content_is_escaped_in_every_index_file(tmp_path):
    root = write_site(tmp_path, {"x": digest(
        "Bản tin \\u2028 </script><img src=x onerror=alert(1)>", W51,
        "## Họp \\</script\\>\\<img src=x onerror=alert(1)\\> \"trích dẫn\" 'nháy'\n\n"
        "Nội dung </script><script>alert(1)</script> \\<img src=x onerror=alert(1)\\> \u2028 \u2029 kết thúc.\n")})
    site = load_site(root)[1]
    heading, text = site.digests[0].items[0].heading, site.digests[0].items[0].text
    assert "onerror" in heading and "onerror" in text  # the hostile text really reaches the index
    out = dict(search_files(site))
    for path, data in out.items():
        if path.endswith("search.js"):
            continue
        assert b"</" not in data, path
        assert "\u2028".encode() not in data and "\u2029".encode() not in data, path
        payload(data)  # one call, valid JSON inside
    key, chunk = payload(out["search/i/0.js"])
    assert chunk["r"][0][1] == heading and chunk["r"][0][4] == text


# -- what the index holds --------------------------------------------------------------------------

def test_items_are_numbered_oldest_digest_first_and_in_reading_order_within_one(site):
    data = collect(site)
    headings = [i.heading for i in data.items]
    assert headings[0] == "Đặt hàng dịch vụ" and headings[1] == "Giao đất cho xã"  # week 50, last item first
    assert headings[-1] == "Thực hiện Nghị định"  # the newest digest has the highest ids
    assert [d.label for d in data.decisions][-1] != ""  # newest decision last
    dates = [d.date for d in data.decisions if d.date]
    assert dates == sorted(dates)


def test_heading_and_body_postings_are_disjoint_and_variants_separate(site):
    data = collect(site)
    index = {i.heading: n for n, i in enumerate(data.items)}
    words = data.words.fields
    # "đất" is in the heading of "Giao đất cho xã" and in the body of "Đất đai" (whose heading has "đất" too).
    assert index["Giao đất cho xã"] in words[ITEM_HEAD]["đất"]
    assert index["Giao đất cho xã"] not in words[ITEM_BODY].get("đất", [])
    assert index["Đặt hàng dịch vụ"] in words[ITEM_HEAD]["đặt"]
    assert index["Đặt hàng dịch vụ"] not in words[ITEM_HEAD].get("đất", [])
    assert fold("đặt") == fold("đất") == "dat"


def test_decision_numbers_are_indexed_with_their_codes(site):
    data = collect(site)
    labels = {d.label: n for n, d in enumerate(data.decisions)}
    assert data.words.fields[DEC_HEAD]["2610"] .tolist() == [labels["2610/QĐ-UBND"]]
    pairs = data.pairs.fields
    assert labels["2610/QĐ-UBND"] in pairs[DEC_HEAD]["2610 qd"]
    assert labels["85/2020/NĐ-CP"] in pairs[DEC_HEAD]["85 nd"]  # as the label writes it
    assert labels["85/2020/NĐ-CP"] in pairs[DEC_HEAD]["2020 nd"]  # and as 85/2020/NĐ-CP
    assert labels["119-KH/TU"] in pairs[DEC_HEAD]["119 kh"]  # a Party code, 119-KH/TU
    item = next(n for n, i in enumerate(data.items) if i.heading == "Thực hiện Nghị định")
    assert item in pairs[ITEM_BODY]["85 2020"] and item in pairs[ITEM_BODY]["85 nd"]


def test_pairs_never_cross_from_heading_to_body(site):
    data = collect(site)
    assert "moi ubnd" not in data.pairs.keys()  # "…nông thôn mới" | "UBND tỉnh…"


# -- shard layout -----------------------------------------------------------------------------------

def test_manifest_lists_shards_in_javascript_order_and_every_file_exists(files):
    key, manifest = payload(files["search/manifest.js"])
    assert key == "manifest"
    for kind in ("u", "t", "b"):
        shards = manifest[kind]
        assert shards and shards[0][0] == ""
        firsts = [s[0] for s in shards]
        assert firsts == sorted(firsts, key=js_order)
        for first, name, size in shards:
            data = files[f"search/{name}.js"]
            assert len(data) == size
            assert payload(data)[0] == name
    assert "search/search.js" in files and files["search/search.js"].startswith(b"/*")
    assert manifest["items"] == sum(1 for k in files if k.startswith("search/i/")) * CHUNK_ITEMS - (
        -manifest["items"] % CHUNK_ITEMS)
    assert sum(1 for k in files if k.startswith("search/x/")) == -(-manifest["decisions"] // CHUNK_DECISIONS)


def _shard_of(shards, key):
    chosen = shards[0]
    for shard in shards:
        if js_order(shard[0]) <= js_order(key):
            chosen = shard
    return chosen


def test_every_term_is_in_the_shard_a_lookup_picks(tmp_path, monkeypatch):
    """Many small shards: each term, pair and dictionary entry is where binary search looks."""
    import bulletin.search.index as index

    monkeypatch.setattr(index, "SHARD_BYTES", 60)
    monkeypatch.setattr(index, "DICT_BYTES", 40)
    words = ["nông", "thôn", "mới", "đất", "đai", "2610", "qđ", "ubnd", "Ωmega", "𝐀stral", "zeta", "ăn", "ân"]
    rng = random.Random(3)
    body = "\n\n".join(" ".join(rng.choice(words) for _ in range(30)) for _ in range(20))
    site = load_site(write_site(tmp_path, {"a": digest("A", W51, "## Mục một\n\n" + body)}))[1]
    out = dict(index.search_files(site))
    manifest = payload(out["search/manifest.js"])[1]
    assert len(manifest["u"]) > 3 and len(manifest["b"]) > 3 and len(manifest["t"]) > 1
    for kind in ("u", "t", "b"):
        seen = set()
        for first, name, _ in manifest[kind]:
            for key in payload(out[f"search/{name}.js"])[1]:
                assert _shard_of(manifest[kind], key)[1] == name, (kind, key)
                seen.add(key)
        if kind != "b":
            assert {fold(w) for w in words} <= seen


def test_item_chunks_hold_what_a_result_shows(site, files):
    key, chunk = payload(files["search/i/0.js"])
    assert key == "i/0"
    digest_row = chunk["d"][chunk["r"][0][0]]
    assert digest_row[0] == "digests/w50/index.html"
    assert digest_row[1] == "Tuần 50/2020" and digest_row[2] == "07/12 – 13/12/2020"
    local, heading, anchor, topics, text = chunk["r"][0]
    assert heading == "Đặt hàng dịch vụ" and anchor and text.startswith("Đặt hàng")


def test_filters_years_topics_types(site, files):
    manifest = payload(files["search/manifest.js"])[1]
    assert [t[0] for t in manifest["topics"]] == ["Nông thôn mới"]
    topic = payload(files["search/f/t0.js"])[1]
    data = collect(site)
    assert [data.items[i].heading for i in decode_ids(topic["i"])] == [
        "Thừa nhận xã Bắc Việt đạt chuẩn nông thôn mới"]
    assert [data.decisions[i].label for i in decode_ids(topic["x"])] == ["2610/QĐ-UBND"]
    types = {t[0]: n for n, t in enumerate(manifest["types"])}
    qd = payload(files[f"search/f/k{types['QĐ']}.js"])[1]
    assert sorted(data.decisions[i].label for i in decode_ids(qd["x"])) == ["2599/QĐ-UBND", "2610/QĐ-UBND"]
    assert manifest["years"] == [[2020, [[0, len(data.items)]], [[0, len(data.decisions)]]]]


def test_a_digest_without_items_is_found_by_its_title_and_lead(tmp_path):
    root = write_site(tmp_path, {
        "a": digest("Bản tin chỉ có phần mở đầu", W51, "Tỉnh họp bàn về giao thông nông thôn."),
        "b": digest("Bản tin thường", W52, "## Mục\n\nNội dung.\n")})
    out = dict(search_files(load_site(root)[1]))
    rows = payload(out["search/i/0.js"])[1]["r"]
    assert rows[0][1:3] == ["Bản tin chỉ có phần mở đầu", "mo-dau"]
    assert rows[0][4] == "Tỉnh họp bàn về giao thông nông thôn."


def test_english_site_gets_english_week_labels(site):
    class Config:
        language = "en"

    chunk = payload(dict(search_files(site, Config()))["search/i/0.js"])[1]
    assert chunk["d"][0][1] == "Week 50, 2020"



def test_tokenising_in_several_processes_gives_the_same_index(monkeypatch):
    from bulletin.search import tokens

    site = load_site(Path(__file__).parent.parent)[1]  # the sample site: a few hundred documents
    one = dict(search_files(site, workers=1))
    monkeypatch.setattr(tokens, "PARALLEL_DOCS", 0)
    assert len(tokens._jobs(list(range(10)), list(range(10)), 2)) > 2  # the parallel path is the one taken below
    assert dict(search_files(site, workers=2)) == one


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5000), max_size=30).map(lambda g: sorted(set(g))), max_size=40),
       st.sampled_from([1, 3, 64, 1 << 20]))
def test_groups_are_encoded_like_encode_ids_whatever_the_block_size(groups, block):
    import numpy as np

    from bulletin.search import postings as index

    ids = np.array([i for g in groups for i in g], dtype=np.uint32)
    starts = np.zeros(len(groups) + 1, dtype=np.int64)
    np.cumsum([len(g) for g in groups], out=starts[1:])
    saved = index.ENCODE_BLOCK
    index.ENCODE_BLOCK = block
    try:
        assert index._encode_groups(ids, starts) == [encode_ids(g) for g in groups]
    finally:
        index.ENCODE_BLOCK = saved
