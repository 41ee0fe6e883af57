"""Slugs (Vietnamese → ASCII URL segments) and Vietnamese alphabetical order."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.slugs import MAX_SLUG_LENGTH, UniqueSlugs, slugify, vietnamese_sort_key

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ALPHABET = "a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y".split()

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
TONED = "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
text_like_authors_write = st.text(
    alphabet=st.sampled_from(list(VIETNAMESE + TONED + TONED.upper() + "0123456789 -–—_/.,;:()\"'“”!?&%#\t\n")),
    max_size=120)
any_text = st.text(max_size=120)


@pytest.mark.parametrize("text, slug", [
    ("Đất đai", "dat-dai"),
    ("đất đai", "dat-dai"),
    ("ĐẤT ĐAI", "dat-dai"),
    ("Quyết định", "quyet-dinh"),  # Python-Markdown's toc slugify gives "quyet-inh"
    ("Tài chính – Ngân sách", "tai-chinh-ngan-sach"),
    ("An ninh - Trật tự", "an-ninh-trat-tu"),
    ("Kinh tế – Xã hội", "kinh-te-xa-hoi"),
    ("Giáo dục & Đào tạo", "giao-duc-dao-tao"),
    ("2610/QĐ-UBND", "2610-qd-ubnd"),
    ("  --Ưu   đãi--  ", "uu-dai"),
    ("Họp UBND tỉnh", "hop-ubnd-tinh"),
    ("Ứng dụng CNTT", "ung-dung-cntt"),
    ("", ""),
    ("!!! … ???", ""),
])
def test_slug_examples(text, slug):
    assert slugify(text) == slug


def test_decomposed_and_composed_spellings_give_the_same_slug():
    text = "Nông thôn mới ở Hòa Thắng"
    assert slugify(unicodedata.normalize("NFD", text)) == slugify(text) == "nong-thon-moi-o-hoa-thang"


def test_long_slugs_are_cut_at_a_word_boundary():
    text = " ".join(["Phê duyệt phương án sử dụng đất"] * 10)
    slug = slugify(text)
    assert len(slug) <= MAX_SLUG_LENGTH and not slug.endswith("-")
    assert ("-" + slug + "-").replace("-", " ") in " " + " ".join(
        slugify(w) for w in text.split()) + " ", "cut between words, never inside one"


@settings(max_examples=150, deadline=None)
@given(st.one_of(text_like_authors_write, any_text))
def test_slugs_are_lowercase_ascii_words_joined_by_single_hyphens(text):
    slug = slugify(text)
    assert slug == "" or SLUG.fullmatch(slug), repr(slug)
    assert len(slug) <= MAX_SLUG_LENGTH


@settings(max_examples=150, deadline=None)
@given(st.one_of(text_like_authors_write, any_text))
def test_slugify_is_idempotent(text):
    slug = slugify(text)
    assert slugify(slug) == slug


@settings(max_examples=100, deadline=None)
@given(text_like_authors_write)
def test_case_and_unicode_normalisation_do_not_change_the_slug(text):
    assert slugify(text.upper()) == slugify(text.lower()) == slugify(text)
    assert slugify(unicodedata.normalize("NFD", text)) == slugify(text)


# -- unique anchors -------------------------------------------------------------------------------------------

def test_unique_slugs_number_repeats_and_respect_taken_ones():
    slugs = UniqueSlugs({"mo-dau"})
    assert [slugs.claim(t) for t in ["Đất đai", "đất đai", "Mở đầu", "", "Đất đai", "!!"]] == [
        "dat-dai", "dat-dai-2", "mo-dau-2", "muc", "dat-dai-3", "muc-2"]


@settings(max_examples=60, deadline=None)
@given(st.lists(text_like_authors_write, max_size=15))
def test_unique_slugs_are_unique_and_valid(texts):
    slugs = UniqueSlugs()
    claimed = [slugs.claim(t) for t in texts]
    assert len(set(claimed)) == len(claimed)
    assert all(SLUG.fullmatch(s) for s in claimed)


# -- Vietnamese alphabetical order ---------------------------------------------------------------------------

def vi_sorted(words):
    return sorted(words, key=vietnamese_sort_key)


def test_the_alphabet_sorts_in_vietnamese_order():
    shuffled = ALPHABET[:]
    random.Random(4).shuffle(shuffled)
    assert vi_sorted(shuffled) == ALPHABET
    assert vi_sorted([w.upper() for w in shuffled]) == [w.upper() for w in ALPHABET]


@settings(max_examples=40, deadline=None)
@given(st.permutations(ALPHABET))
def test_any_permutation_of_the_alphabet_sorts_back(letters):
    assert vi_sorted(letters) == ALPHABET


@pytest.mark.parametrize("earlier, later", [
    ("Dân tộc", "Đất đai"),  # d < đ
    ("Đường bộ", "Em bé"),  # đ < e
    ("An ninh", "Ăn uống"),  # a < ă
    ("Ăn uống", "Âm nhạc"),  # ă < â
    ("Âm nhạc", "Bảo hiểm"),
    ("Em bé", "Ê-đê"),  # e < ê
    ("Ong mật", "Ô nhiễm"),  # o < ô
    ("Ô nhiễm", "Ơn nghĩa"),  # ô < ơ
    ("Uỷ quyền", "Ưu đãi"),  # u < ư
    ("Ưu đãi", "Văn hóa"),  # ư < v
    ("Xã hội", "Y tế"),
    ("Tai", "Tài"),  # no tone before a tone
    ("Giáo dục", "Giáo viên"),
    ("an ninh", "anh hùng"),  # a word ends before a longer one
    ("Y tế", "Zalo"),  # letters outside the alphabet after the nearest Vietnamese one
])
def test_pairs_in_vietnamese_order(earlier, later):
    assert vi_sorted([later, earlier]) == [earlier, later]


def test_case_does_not_decide_order_before_letters_do():
    assert vi_sorted(["đất đai", "Dân tộc", "ĐẦU TƯ", "dân số"]) == ["dân số", "Dân tộc", "đất đai", "ĐẦU TƯ"]


@settings(max_examples=100, deadline=None)
@given(st.lists(text_like_authors_write, max_size=12))
def test_the_sort_key_is_a_total_order_consistent_with_equality(words):
    ordered = vi_sorted(words)
    assert vi_sorted(list(reversed(words))) == ordered, "the order does not depend on the input order"
    for a, b in zip(ordered, ordered[1:]):
        assert vietnamese_sort_key(a) <= vietnamese_sort_key(b)
