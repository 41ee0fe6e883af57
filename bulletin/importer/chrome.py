"""Site chrome: the lines a portal puts around an article that are not the digest.

Two kinds: lines dropped wherever they are (skip links, slogans, image credits,
share buttons, view counters, publication datelines), and end markers after
which nothing belongs to the article ("Tin liên quan", "Cơ quan chủ quản…").
Matching is on the whole line, case-insensitive, so a sentence that merely
contains these words is never dropped.
"""

from __future__ import annotations

import re

CHROME_LINES = {
    "nhảy đến nội dung", "skip to main content", "chuyển đến nội dung chính", "bỏ qua nội dung",
    "ảnh minh họa", "ảnh minh hoạ", "ảnh: minh họa", "ảnh: minh hoạ", "ảnh internet", "ảnh: internet",
    "in bài viết", "in bài", "bản in", "chia sẻ", "gửi email", "gửi bài viết", "quay lại", "về đầu trang",
    "lượt xem", "cỡ chữ", "font size", "print", "share", "facebook", "twitter", "zalo", "email", "tweet",
    "a a a", "a- a a+", "a+ a a-", "nghe đọc bài", "đọc bài", "lưu bài viết", "bình luận", "phản hồi",
}
_CHROME_PATTERNS = re.compile(
    r"^(?:\(?\s*ảnh\s*(?:minh\s*h(?:ọa|oạ)|:)[^\n]{0,80}\)?"          # image credits and captions
    r"|quyết tâm thực hiện thắng lợi nghị quyết.*"                      # slogans
    r"|(?:nhiệt liệt )?chào mừng (?:đại hội|kỷ niệm|năm mới).*"
    r"|(?:từ khóa|từ khoá|tags?)\s*:.*"                                 # tag lists
    r"|lượt xem\s*:?\s*\d+|cỡ chữ\s*:?.*|(?:trang chủ|home)(?:\s*[>»/›|].*)?)$",  # counters, breadcrumbs
    re.IGNORECASE,
)
_END_MARKERS = re.compile(
    r"^(?:tin liên quan|tin khác|các tin khác|bài viết liên quan|tin cùng chuyên mục|các tin đã đưa(?: ngày)?"
    r"|xem thêm|cơ quan chủ quản\b.*|bản quyền thuộc\b.*|copyright\b.*|©.*)\s*:?$",
    re.IGNORECASE,
)
# What a dateline or counter is made of ("Thứ Hai, 21/12/2020 08:30 | Lượt xem: 1234").
_META_PARTS = re.compile(
    r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}:\d{2}(?::\d{2})?|\d+|thứ (?:hai|ba|tư|năm|sáu|bảy)|chủ nhật"
    r"|ngày đăng|đăng ngày|cập nhật(?: lúc)?|ngày|lúc|giờ|lượt xem|lượt đọc|lượt truy cập|views?|am|pm|gmt\+?"
    r"|[\s,:|/()\-–—·•]+", re.IGNORECASE)
_HAS_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|lượt xem", re.IGNORECASE)


def _key(text: str) -> str:
    return text.casefold().strip(" .:|")


def is_chrome(text: str) -> bool:
    key = _key(text)
    return key in CHROME_LINES or bool(_CHROME_PATTERNS.match(key)) or _is_meta_line(key)


def is_end_marker(text: str) -> bool:
    """A line after which the page is no longer the article."""
    return bool(_END_MARKERS.match(_key(text)))


def _is_meta_line(text: str) -> bool:
    """A publication date or a view counter, with nothing else on the line."""
    return len(text) <= 100 and bool(_HAS_DATE.search(text)) and not _META_PARTS.sub("", text)
