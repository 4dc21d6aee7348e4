"""The combination search: rebuild the sign the way one, two or three mistakes at once would, most
likely combination first, until one reproduces the sign received or the budget is spent.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from string import hexdigits

from ..wire import HMAC_SHA256, MD5
from ..wire.meter import Meter
from .options import GBK_COST, KeyCandidate, Option, Pairs

MAX_MISTAKES = 3  # a combination names at most three mistakes
SIGN_LENGTH = {MD5: 32, HMAC_SHA256: 64}
MIN_TRUNCATED = 8  # a shorter sign is not recognised as a cut-off one
_LARGE = 65536  # fields this big are measured before they are joined
_CACHED_BODY = 4096  # joined fields up to this size are kept for the combinations that share them


@dataclass(slots=True)
class Match:
    """The combination that reproduces the sign, and how the sign was then written."""

    options: tuple[Option, ...]
    key: KeyCandidate
    algorithm: str
    truncated: bool
    lowercase: bool


def can_match(received: str) -> bool:
    """Whether some candidate could reproduce ``received``: hex digits, a whole MD5 or HMAC-SHA256
    digest or the first MIN_TRUNCATED characters of one or more."""
    return MIN_TRUNCATED <= len(received) <= max(SIGN_LENGTH.values()) and all(c in hexdigits for c in received)


class Search:
    """One search over the fields ``sent`` (name, value pairs in the order sent, without sign)."""

    def __init__(
        self,
        sent: Pairs,
        keys: list[KeyCandidate],
        declared: str,
        options: list[Option],
        received: str,
        meter: Meter,
        *,
        prefixes: bool = True,
    ) -> None:
        self.sent = sent
        # a cut-off sign is recognised only where hints may reveal the sign: else "your sign is a prefix of
        # the right one" would let a caller guess a valid sign 16 tries a character (review 8, redaction oracle)
        self.prefixes = prefixes
        self.keys = keys
        self.declared = declared
        self.options = [o for o in options if o.cost <= MAX_MISTAKES]
        self.wanted = received.lower()
        self.lowercase = any(c in "abcdef" for c in received)
        self.typical = sum(len(k) + len(v) + 2 for k, v in sent)  # what one more candidate costs, about
        self.large = self.typical > _LARGE  # estimate a body's size before joining it
        self.meter = meter
        self._seen: set[tuple[object, ...]] = set()
        self._bodies: dict[tuple[object, ...], str] = {}

    # -- the order of the search ------------------------------------------------------------------

    def combinations(self) -> Iterator[tuple[Option, ...]]:
        """Every combination worth trying: the right algorithm, then each mistake alone, then two or
        three at once, most likely first (the product of the mistakes' priors)."""
        yield ()
        yield from ((o,) for o in sorted(self.options, key=lambda o: -o.prior))
        masks = _masks(self.options)
        ranked: list[tuple[float, int, tuple[Option, ...]]] = []
        pairs = [(o, masks[i]) for i, o in enumerate(self.options) if o.reach >= 2]
        for (a, ma), (b, mb) in combinations(pairs, 2):
            if not ma & mb and a.cost + b.cost <= MAX_MISTAKES:
                ranked.append((a.prior * b.prior, 2, (a, b)))
        guesses = [o for o in self.options if o.reach == 1]
        for key in (o for o in self.options if o.axis == "key"):  # an unlikely guess, made with a wrong key
            ranked += [(key.prior * o.prior, 2, (key, o)) for o in guesses]
        strings = [(o, masks[i]) for i, o in enumerate(self.options) if o.reach >= 3 and o.cost == 1]
        for (a, ma), (b, mb), (c, mc) in combinations(strings, 3):
            if not (ma & mb or ma & mc or mb & mc):
                ranked.append((a.prior * b.prior * c.prior, 3, (a, b, c)))
        ranked.sort(key=lambda r: (-r[0], r[1]))
        yield from (combo for _, _, combo in ranked)

    def run(self) -> Match | None:
        for combo in self.combinations():
            if self.meter.exhausted or not self.meter.affords(2 * self.typical):
                self.meter.short = True  # combinations were left untried
                return None
            match = self.attempt(combo, charge=True)
            if match is not None:
                return self._minimal(match) if len(combo) > 1 else match
        return None

    def _minimal(self, match: Match) -> Match:
        """Leave out any option the match does not need (it changed nothing for this input)."""
        for option in match.options:
            fewer = tuple(o for o in match.options if o is not option)
            again = self.attempt(fewer, charge=False)
            if again is not None:
                return self._minimal(again)
        return match

    # -- one combination -------------------------------------------------------------------------

    def attempt(self, combo: tuple[Option, ...], *, charge: bool) -> Match | None:
        key, encoding, order, suffix = self.keys[0], "utf-8", "sorted", ""
        algorithm, swapped = self.declared, False
        edits: list[Option] = []
        for o in combo:
            if o.axis == "edit":
                edits.append(o)
                if o.declares:
                    algorithm = o.declares
            elif o.axis == "key":
                key = o.payload
            elif o.axis == "algorithm":
                algorithm, swapped = o.payload
            elif o.axis == "encoding":
                encoding = o.payload
            elif o.axis == "order":
                order = o.payload
            else:
                suffix = o.payload
        message = self.message(edits, order, suffix, key, charge=charge)
        if message is None:
            return None
        if charge:
            seen = (hash(message), len(message), encoding, algorithm, swapped, key.key if algorithm != MD5 else "")
            if seen in self._seen or not self.meter.digest(len(message) * (GBK_COST if encoding == "gbk" else 1)):
                return None
            self._seen.add(seen)
        hexdigest = _digest(message, key.key, encoding, algorithm, swapped)
        if hexdigest is None:
            return None
        wanted = self.wanted
        if hexdigest == wanted:
            truncated = False
        elif self.prefixes and MIN_TRUNCATED <= len(wanted) < len(hexdigest) and hexdigest.startswith(wanted):
            truncated = True
        else:
            return None
        return Match(combo, key, algorithm, truncated, self.lowercase)

    def message(self, edits: list[Option], order: str, suffix: str, key: KeyCandidate, *, charge: bool) -> str | None:
        """The string a combination signs: the joined fields (kept for the combinations that share
        them), then the key as ``suffix`` says."""
        if len(edits) > 1:
            edits.sort(key=lambda o: o.stage)
        layout = suffix if suffix == "key_sorted_in" else order
        body_key = (*(id(o) for o in edits), layout, key.key)
        body = self._bodies.get(body_key)
        if body is None:
            pairs: Pairs | None = self.sent
            for edit in edits:
                pairs = edit.payload(pairs, key)
                if pairs is None:
                    return None
            if charge and self.large and not self.meter.spend(sum(len(k) + len(v) + 2 for k, v in pairs)):
                return None  # too big for what is left of the budget: not even joined
            body = join(pairs, layout, key.key)
            if charge and not self.large and not self.meter.spend(len(body)):
                return None
            if len(body) <= _CACHED_BODY:
                self._bodies[body_key] = body
        return with_key(body, suffix, key.key)


def join(pairs: Pairs, layout: str, key: str) -> str:
    """k=v&k=v, sorted by name unless ``layout`` is "sent"; "key_sorted_in" sorts key=<key> in."""
    if layout == "key_sorted_in":
        pairs = [*pairs, ("key", key)]
    if layout != "sent":
        pairs = sorted(pairs, key=lambda p: p[0])
    return "&".join([f"{k}={v}" for k, v in pairs])


def with_key(body: str, suffix: str, key: str) -> str:
    """The joined fields with the key added as ``suffix`` says ('' is the right way: &key=<key>)."""
    if suffix == "":
        return f"{body}&key={key}" if body else f"key={key}"
    if suffix == "key_without_name":
        return f"{body}&{key}"
    if suffix == "key_glued":
        return body + key
    return body  # key_missing, key_sorted_in


def _digest(message: str, key: str, encoding: str, algorithm: str, swapped: bool) -> str | None:
    try:
        data = message.encode(encoding)
    except UnicodeEncodeError:
        return None
    if algorithm == MD5:
        return hashlib.md5(data).hexdigest()
    secret = key.encode("utf-8")
    if swapped:
        return hmac.new(data, secret, hashlib.sha256).hexdigest()
    return hmac.new(secret, data, hashlib.sha256).hexdigest()


def _masks(options: list[Option]) -> list[int]:
    """A bit mask per option of what it occupies: two options combine only if their masks are disjoint.

    Non-edit axes hold one option each; edits occupy what they touch; an edit that says which
    algorithm was used occupies the algorithm axis; 'key' sorted in is incompatible with unsorted.
    """
    bits: dict[str, int] = {}

    def bit(name: str) -> int:
        return 1 << bits.setdefault(name, len(bits))

    masks = []
    for o in options:
        mask = 0
        if o.axis != "edit":
            mask |= bit(o.axis)
        for group in o.groups:
            mask |= bit(group)
        if o.declares:
            mask |= bit("algorithm")
        if o.payload == "key_sorted_in":
            mask |= bit("order")
        masks.append(mask)
    return masks
