"""Object hashes carried over from the last build: a rebuild hashes what an edit can reach.

Hashing every object of the model (deps.py) costs about 2 CPU-seconds at 10,000 digests,
on every rebuild. But a decision's own fields are functions of the digests that cite its
document, and its key of the documents that could take the same key: those with the same
key base (type, issuer and number as slugs, see `index._assign_keys`). A digest's own
fields are functions of its file and of the keys of the decisions it cites. So, after some
files were added, edited or removed:

- a decision keeps last build's hash unless one of those files cites, before or after the
  edit, a document with its key base;
- a digest keeps last build's hash unless its file was read again or it cites such a decision.

Memberships (a digest's neighbours, a topic's items, a week's digests…) and the archive's
few other objects are hashed every time: additions and deletions show there. Without last
build's hashes, or the parsed bodies of the files it read, nothing is carried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .index import Identity, cited_identities, key_base
from .model import Decision, Digest
from .sources import LoadedSources
from .state import BuildState


@dataclass
class CarriedHashes:
    old: dict[str, str]  # last build's hashes by key
    reread: set[str]  # content files read again (changed or new)
    bases: set[str]  # key bases of the documents those files and the removed ones cite, before or after

    @classmethod
    def of(cls, loaded: LoadedSources, db: BuildState, old: dict[str, str]) -> "CarriedHashes | None":
        if not old:
            return None
        before = db.parsed([source.body_key for source in loaded.previous])
        if any(source.body_key not in before for source in loaded.previous):
            return None  # what a changed file cited before is unknown: hash everything
        identities: set[Identity] = set()
        for source in loaded.previous:
            identities |= cited_identities(source, before[source.body_key])
        for source, body in zip(loaded.digests, loaded.bodies):
            if source.rel in loaded.reread:
                identities |= cited_identities(source, body)
        return cls(old, loaded.reread, {key_base(*identity) for identity in identities})

    def own_hash(self, value: object) -> str | None:
        """Last build's hash of this object's own fields, when no edit can have changed them."""
        if type(value) is Decision:
            return None if value.key_base in self.bases else self.old.get("x:" + value.key)
        if type(value) is Digest:
            bases = self.bases
            if value.source.rel in self.reread or any(x.key_base in bases for x in value.decisions):
                return None
            return self.old.get("d:" + value.url)
        return None


def unchanged_objects(carried: CarriedHashes | None) -> Callable[[object], bool] | None:
    """Whether an object's own fields are last build's (for the search index's document hashes)."""
    return None if carried is None else (lambda value: carried.own_hash(value) is not None)
