"""`site/data/*.json`: the machine-readable archive, exactly as outputs.md specifies."""

from __future__ import annotations

import hashlib
import json
from typing import Iterator

from .model import Decision, Digest, Site
from .reuse import LastModelFiles

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(value) -> bytes:
    # ensure_ascii=False keeps Vietnamese readable; "</" is escaped so the JSON
    # stays safe if a page ever inlines it in a <script>.
    # Compact: with `indent`, json falls back to its pure-Python encoder (3x slower).
    text = _ENCODER.encode(value)
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode("utf-8")


def _dumps_list(values: Iterator) -> bytes:
    """`_dumps(list(values))`, one element at a time: the whole list of dicts and its text
    (two bytes a character once it holds Vietnamese) never exist at once."""
    return b"[" + b",".join(map(_dumps, values)) + b"]"


def digest_json(d: Digest) -> dict:
    return {
        "title": d.title,
        "week_start": d.week_start.isoformat(),
        "week_end": d.week_end.isoformat(),
        "url": d.url,
        "topics": [t.name for t in d.topics],
        "items": [{
            "heading": i.heading,
            "anchor": i.anchor,
            "topics": [t.name for t in i.topics],
            "decisions": [x.key for x in i.decisions],
        } for i in d.items],
    }


def decision_json(d: Decision) -> dict:
    return {
        "key": d.key,
        "type": d.type,
        "number": d.number,
        "issuer": d.issuer,
        "year": d.year,
        "date": d.date.isoformat() if d.date else None,
        "title": d.title,
        "url": d.url,
        "mentions": [{"digest_url": m.digest.url, "anchor": m.anchor, "text": m.text} for m in d.mentions],
    }


def digests_json(site: Site) -> Iterator[dict]:
    return map(digest_json, site.digests)


def decisions_json(site: Site) -> Iterator[dict]:
    return map(decision_json, site.decisions)


def topics_json(site: Site) -> list[dict]:
    return [{"name": t.name, "slug": t.slug, "url": t.url, "items": len(t.items)} for t in site.topics]


def _digest_signature(d: Digest, objects: dict[str, str]) -> str:
    """The digest's hash covers its file and the keys of what it links to; the element also
    shows its topics' names, which the whole archive decides (the most common spelling)."""
    names = "\0".join(t.name for t in d.topics) + "\1" + "\1".join("\0".join(t.name for t in i.topics)
                                                                  for i in d.items)
    return hashlib.blake2b(f"{objects['d:' + d.url]}\0{names}".encode(), digest_size=12).hexdigest()


def data_files(site: Site, last: LastModelFiles | None = None) -> Iterator[tuple[str, bytes | None]]:
    """The three files; with `last`, an element whose objects did not change is copied from
    last build's file (a decision's hash covers everything its element shows), and a file
    that is last build's is given as None."""
    if last is None:
        yield "data/digests.json", _dumps_list(digests_json(site))
        yield "data/decisions.json", _dumps_list(decisions_json(site))
    else:
        objects = last.objects

        def signature(d: Digest) -> str:
            return _digest_signature(d, objects)

        path = "data/digests.json"
        kept = last.whole_list_kept(path, site.digests, lambda d: "d:" + d.url, signature)
        yield path, None if kept else last.list_file(path, ((signature(d), d) for d in site.digests),
                                                     lambda d: _dumps(digest_json(d)))
        path = "data/decisions.json"

        def decision_key(x: Decision) -> str:
            return "x:" + x.key

        def encode(x: Decision) -> bytes:
            return _dumps(decision_json(x))

        in_place = last.list_file_in_place(path, site.decisions, decision_key, lambda x: objects[decision_key(x)],
                                           encode)
        yield path, in_place if in_place is not None else last.list_file(
            path, ((objects[decision_key(x)], x) for x in site.decisions), encode)
    yield "data/topics.json", _dumps(topics_json(site))
