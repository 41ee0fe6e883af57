"""Topics by rule: whole words, NFC, case-insensitive, diacritics significant."""

from __future__ import annotations

import re
import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.config import load_config
from bulletin.importer import import_text
from bulletin.topic_rules import TopicRules, canonical_text
from conftest import REPO

SEED = REPO.parent / "shared" / "seed" / "langson-2020-w51.txt"

RULES = {
    "Giáo dục": ["trường học", "giáo viên", "học sinh"],
    "Ma túy": ["ma túy"],
    "Nông thôn mới": ["nông thôn mới"],
    "Nông nghiệp": ["nông thôn", "nông nghiệp"],
    "Đất đai": ["sử dụng đất", "đất đai"],
    "Kinh tế – Xã hội": ["kinh tế - xã hội"],
    "Hòa giải": ["hoà giải"],
    "Y tế": ["y tế", "COVID-19"],
}


@pytest.fixture(scope="module")
def rules() -> TopicRules:
    return TopicRules(RULES)


@pytest.mark.parametrize("text, expected", [
    ("Công nhận trường học đạt chuẩn", ["Giáo dục"]),
    ("CÁC GIÁO VIÊN VÀ HỌC SINH", ["Giáo dục"]),                      # case-insensitive
    ("Phòng chống Ma Túy", ["Ma túy"]),
    ("mà túy", []),                                                    # "mà" is not "ma"
    ("ma tuy", []),                                                    # diacritics are significant
    ("Ma Tuý trên địa bàn", ["Ma túy"]),                               # tone placement: túy = tuý
    ("công tác hòa giải ở cơ sở", ["Hòa giải"]),                       # hòa = hoà
    ("trườnghọc", []),                                                 # whole words only
    ("quy tế", []),
    ("xây dựng nông thôn mới", ["Nông thôn mới", "Nông nghiệp"]),       # nested keywords both count
    ("quyền sử dụng đất đai", ["Đất đai"]),
    ("phát triển kinh tế -xã hội", ["Kinh tế – Xã hội"]),              # spaces around a dash
    ("phát triển kinh tế – xã hội", ["Kinh tế – Xã hội"]),             # en dash
    ("kinh tế\n-  xã\u00a0hội", ["Kinh tế – Xã hội"]),                  # line breaks, nbsp
    ("dịch COVID-19 và covid-19", ["Y tế"]),
    ("", []),
])
def test_match(rules, text, expected):
    assert rules.match(text) == expected


def test_topics_come_in_config_order_not_text_order(rules):
    assert rules.match("y tế, đất đai, học sinh") == ["Giáo dục", "Đất đai", "Y tế"]


def test_decomposed_text_matches():
    text = unicodedata.normalize("NFD", "Trường Học")
    assert text != unicodedata.normalize("NFC", text)
    assert TopicRules({"Giáo dục": ["trường học"]}).match(text) == ["Giáo dục"]
    assert TopicRules({"Giáo dục": [text]}).match("trường học") == ["Giáo dục"]


def test_diacritics_distinguish_words():
    rules = TopicRules({"Ma": ["ma"], "Mà": ["mà"]})
    assert rules.match("mà") == ["Mà"]
    assert rules.match("con ma") == ["Ma"]
    assert rules.match("Má") == []


def test_empty_rules_match_nothing():
    assert not TopicRules({})
    assert TopicRules({}).match("trường học") == []
    assert not TopicRules({"X": ["", "  "]})
    assert TopicRules({"X": []}).match("x") == []


def test_keywords_with_regex_characters_are_literal():
    rules = TopicRules({"A": ["a.b", "(c)", "d+e"]})
    assert rules.match("x a.b y") == ["A"]
    assert rules.match("axb") == []
    assert rules.match("d+e") == ["A"]
    assert rules.match("(c)") == ["A"]


def test_one_keyword_may_serve_several_topics():
    rules = TopicRules({"A": ["ngân sách"], "B": ["ngân sách", "thuế"]})
    assert rules.match("dự toán ngân sách") == ["A", "B"]


WORDS = ["nông", "thôn", "mới", "đất", "đai", "sử", "dụng", "ma", "mà", "túy", "Hoà", "hòa", "giải", "y", "tế",
         "quy", "học", "sinh", "trường", "-", "–", ",", "\n", "  "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=30), st.sampled_from(["", " ", "x"]))
def test_agrees_with_a_naive_search_per_keyword(words, glue):
    text = glue.join(words) if glue else " ".join(words)
    canonical = canonical_text(text)
    expected = [topic for topic, keywords in RULES.items()
                if any(re.search(r"(?<!\w)" + re.escape(canonical_text(k)) + r"(?!\w)", canonical)
                       for k in keywords)]
    assert NAIVE_CHECKED.match(text) == expected


NAIVE_CHECKED = TopicRules(RULES)


def test_shipped_rules_tag_the_seed_like_a_person_would():
    rules = TopicRules(load_config(REPO).topic_rules)
    digest = import_text(SEED.read_text(encoding="utf-8"), rules).digest

    def topics(start: str) -> set[str]:
        (item,) = [item for item in digest.items if item.heading.startswith(start)]
        return set(item.topics)

    assert topics("Thừa nhận xã Bắc Việt") == {"Nông thôn mới"}
    assert topics("Công nhận trường học") == {"Giáo dục"}
    assert topics("Kế hoạch Triển khai") == {"An ninh – Trật tự"}
    assert topics("Ứng dụng công nghệ thông tin") == {"Chuyển đổi số"}
    assert "Tổ chức – Hội" in topics("Phê duyệt nhiệm vụ")
    assert topics("Phê duyệt phương án sử dụng đất") == {"Đất đai", "Lâm nghiệp"}
    assert topics("Giao chỉ tiêu") == {"Kinh tế – Xã hội", "Tài chính – Ngân sách"}
    assert "Họp UBND tỉnh" in topics("Họp Chủ tịch")


def test_fast_enough_for_large_archives():
    """One regex pass per item: 20,000 seed paragraphs with the shipped rules in a few seconds."""
    rules = TopicRules(load_config(REPO).topic_rules)
    paragraphs = [p for p in SEED.read_text(encoding="utf-8").splitlines() if len(p) > 200]
    items = [paragraphs[i % len(paragraphs)] for i in range(20_000)]
    started = time.perf_counter()
    for item in items:
        rules.match(item)
    assert time.perf_counter() - started < 10  # about 0.5 s on one core; generous for busy CI
