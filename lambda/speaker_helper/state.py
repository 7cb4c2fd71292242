"""Conversation state: what is kept per user (DynamoDB) and per session (session attributes).

One typed model for each, with one (de)serialisation point each. Both are parsed as untrusted
input: session attributes come back from the device on every turn, so every field is type-checked
and bounded, unknown keys are dropped and nothing is ever evaluated. A value that fails a check is
replaced by its default rather than rejected: the user still gets an answer.
"""
from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Mapping

SCHEMA_VERSION = 2
MAX_SPEAKERS = 8
MAX_SPEAKER_COUNT = 20
MAX_TEXT = 1000
MAX_ID = 64
MAX_STEP = 50
MAX_VISITS = 1_000_000


def _str(value: Any, limit: int = MAX_ID) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


# What the skill itself says: printable Latin text and typographic quotes and dashes. Anything
# else in a "last response" came from somewhere other than this skill.
_SPOKEN = re.compile(r"^[\x20-\x7e\xa0-\xff\u2013\u2014\u2018\u2019\u201c\u201d]*$")


def _text(value: Any) -> str | None:
    text = _str(value, MAX_TEXT)
    return text if text is not None and _SPOKEN.match(text) else None


def _int(value: Any, low: int, high: int, default: int) -> int:
    # bool is an int in Python; a tampered `true` must not pass as 1.
    if isinstance(value, bool):
        return default
    try:
        number = int(value)  # DynamoDB gives Decimal
    except (TypeError, ValueError, OverflowError):
        return default
    if number != value:
        return default
    return number if low <= number <= high else default


@dataclass(frozen=True)
class Speaker:
    """Something the user said they own: an Echo model or a speaker brand from the catalogue."""

    kind: str  # "echo" or "brand"
    id: str
    count: int = 1

    @classmethod
    def parse(cls, raw: Any) -> "Speaker | None":
        if not isinstance(raw, Mapping):
            return None
        kind, ident = raw.get("kind"), _str(raw.get("id"))
        if kind not in ("echo", "brand") or ident is None:
            return None
        return cls(kind, ident, _int(raw.get("count", 1), 1, MAX_SPEAKER_COUNT, 1))


@dataclass(frozen=True)
class GuidePosition:
    id: str
    step: int  # 0 = overview heard, 1..n = the step last read out

    @classmethod
    def parse(cls, raw: Any) -> "GuidePosition | None":
        if not isinstance(raw, Mapping) or _str(raw.get("id")) is None:
            return None
        return cls(raw["id"], _int(raw.get("step"), 0, MAX_STEP, 0))


@dataclass(frozen=True)
class UserState:
    """What is remembered about a user between sessions."""

    speakers: tuple[Speaker, ...] = ()
    guide: GuidePosition | None = None
    last_topic: str | None = None
    visits: int = 0

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA_VERSION,
            "speakers": [asdict(s) for s in self.speakers],
            "guide": asdict(self.guide) if self.guide else None,
            "last_topic": self.last_topic,
            "visits": self.visits,
        }

    @classmethod
    def from_dict(cls, raw: Any) -> "UserState":
        """Any stored or echoed-back form, including older schemas, to a valid UserState."""
        if not isinstance(raw, Mapping):
            return cls()
        speakers_raw = raw.get("speakers")
        if _int(raw.get("schema", 1), 0, 99, 1) < 2 and isinstance(raw.get("devices"), list):
            # Schema 1 kept a flat list of Echo model ids under "devices".
            speakers_raw = [{"kind": "echo", "id": d} for d in raw["devices"]]
        speakers = tuple(s for s in map(Speaker.parse, speakers_raw if isinstance(speakers_raw, list) else [])
                         if s is not None)[:MAX_SPEAKERS]
        return cls(
            speakers=speakers,
            guide=GuidePosition.parse(raw.get("guide")),
            last_topic=_str(raw.get("last_topic")),
            visits=_int(raw.get("visits", 0), 0, MAX_VISITS, 0),
        )

    def merged_onto(self, base: "UserState", latest: "UserState") -> "UserState":
        """Three-way merge: keep every field this copy changed since `base`, the rest from `latest`.

        Used when another device of the same user wrote in between (a failed conditional write).
        """
        merged = latest
        for name in ("speakers", "guide", "last_topic"):
            if getattr(self, name) != getattr(base, name):
                merged = replace(merged, **{name: getattr(self, name)})
        return replace(merged, visits=latest.visits + max(0, self.visits - base.visits))


@dataclass
class Offer:
    """A pending yes/no question: what "yes" will do."""

    action: str  # "entry" (answer an entry), "guide" (start a guide), "resume" (resume a guide)
    id: str

    @classmethod
    def parse(cls, raw: Any) -> "Offer | None":
        if not isinstance(raw, Mapping):
            return None
        action, ident = raw.get("action"), _str(raw.get("id"))
        if action not in ("entry", "guide", "resume") or ident is None:
            return None
        return cls(action, ident)


@dataclass
class SessionState:
    """What lives only as long as the session, in session attributes."""

    topic: str | None = None
    entry: str | None = None          # the last entry answered (for "tell me more")
    offer: Offer | None = None
    guide: GuidePosition | None = None
    last_speech: str | None = None    # plain text of the last response, for "repeat"
    last_reprompt: str | None = None
    misses: int = 0                   # fallbacks in a row
    # The user's state as read at the start of the session (`base`) and as it is now (`user`).
    # Kept in the session so a session costs at most one read.
    base: UserState | None = None
    user: UserState = field(default_factory=UserState)
    version: int = 0                  # the stored item's version when `base` was read

    @property
    def loaded(self) -> bool:
        return self.base is not None

    @property
    def dirty(self) -> bool:
        return self.base is not None and self.user != self.base

    def to_attributes(self) -> dict:
        return {
            "v": SCHEMA_VERSION,
            "topic": self.topic,
            "entry": self.entry,
            "offer": asdict(self.offer) if self.offer else None,
            "guide": asdict(self.guide) if self.guide else None,
            "last_speech": self.last_speech,
            "last_reprompt": self.last_reprompt,
            "misses": self.misses,
            "base": self.base.to_dict() if self.base is not None else None,
            "user": self.user.to_dict(),
            "version": self.version,
        }

    @classmethod
    def from_attributes(cls, raw: Any, known_topics=(), known_ids=()) -> "SessionState":
        if not isinstance(raw, Mapping) or raw.get("v") != SCHEMA_VERSION:
            return cls()
        topic = _str(raw.get("topic"))
        entry = _str(raw.get("entry"))
        guide = GuidePosition.parse(raw.get("guide"))
        offer = Offer.parse(raw.get("offer"))
        return cls(
            topic=topic if topic in known_topics else None,
            entry=entry if entry in known_ids else None,
            offer=offer if offer and offer.id in known_ids else None,
            guide=guide if guide and guide.id in known_ids else None,
            last_speech=_text(raw.get("last_speech")),
            last_reprompt=_text(raw.get("last_reprompt")),
            misses=_int(raw.get("misses", 0), 0, 10, 0),
            base=UserState.from_dict(raw["base"]) if isinstance(raw.get("base"), Mapping) else None,
            user=UserState.from_dict(raw.get("user")),
            version=_int(raw.get("version", 0), 0, 2**53, 0),
        )


def expires_at(days: int, now: float | None = None) -> int:
    """The TTL attribute value: epoch seconds `days` from now."""
    return int((time.time() if now is None else now) + days * 86400)
