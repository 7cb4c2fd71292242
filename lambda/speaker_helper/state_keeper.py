"""When user state is read and written: the cost and safety policy around the StateStore.

* At most one read per session: the first turn that has a user id reads the item, and the result
  travels in the session attributes from then on.
* What the user tells us (their speakers, "forget my speakers") is written at once.
* Soft state (guide progress, last topic, visits) is written once, when the session ends (the skill
  ends it, or Alexa sends SessionEndedRequest), and only if it changed.
* A DynamoDB fault never reaches the user: the turn is answered from the knowledge base and the
  change stays in the session, to be tried again at the next write point.
"""
from __future__ import annotations

import logging

from .answers import Reply
from .state import SessionState, UserState
from .state_store import StateStore, StateUnavailable, user_key

log = logging.getLogger(__name__)


def _user_id(envelope) -> str | None:
    for holder in (getattr(envelope, "session", None),
                   getattr(getattr(envelope, "context", None), "system", None)):
        user_id = getattr(getattr(holder, "user", None), "user_id", None)
        if isinstance(user_id, str) and user_id.strip():
            return user_id
    return None


class StateKeeper:
    def __init__(self, store: StateStore | None, topics, entry_ids):
        self.store = store
        self.topics = frozenset(topics)
        self.entry_ids = frozenset(entry_ids)

    def begin(self, envelope) -> SessionState:
        session = getattr(envelope, "session", None)
        attributes = getattr(session, "attributes", None) if session is not None else None
        s = SessionState.from_attributes(attributes or {}, self.topics, self.entry_ids)
        user_id = _user_id(envelope)
        if s.loaded or user_id is None or self.store is None or session is None:
            return s
        try:
            user, version = self.store.load(user_key(user_id))
        except StateUnavailable:
            user, version = UserState(), 0
        s.base, s.user, s.version = user, user, version
        return s

    def after(self, envelope, s: SessionState, reply: Reply | None) -> None:
        """After a turn: write what the user told us now, and soft state if the skill ended."""
        if reply is not None and (reply.save_now or (reply.end_session and s.dirty)):
            self._write(envelope, s)

    def end(self, envelope, s: SessionState) -> None:
        """Alexa ended the session: flush soft state if it changed."""
        if s.dirty:
            self._write(envelope, s)

    def _write(self, envelope, s: SessionState) -> None:
        user_id = _user_id(envelope)
        if self.store is None or user_id is None or s.base is None:
            return
        try:
            stored, s.version = self.store.save(user_key(user_id), s.user, s.base, s.version)
        except StateUnavailable:
            return
        s.base = s.user = stored

    def forget_user(self, envelope) -> None:
        user_id = _user_id(envelope)
        if self.store is None or user_id is None:
            return
        try:
            self.store.delete(user_key(user_id))
        except StateUnavailable:
            pass
