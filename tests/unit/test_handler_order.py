"""Registration order is behaviour: pin it."""
from __future__ import annotations

from speaker_helper.answers import Conversation
from speaker_helper.config import Settings
from speaker_helper.handlers import lifecycle, navigation, request_handlers
from speaker_helper.wiring import build_matcher


def test_nets_come_after_every_specific_handler(kb):
    handlers = request_handlers(Conversation(kb, build_matcher(kb, Settings()), Settings()), keeper=None)
    kinds = [type(h) for h in handlers]
    unknown_intent = kinds.index(navigation.UnknownIntentHandler)
    intent_handlers = [i for i, h in enumerate(handlers) if getattr(h, "intents", ())]
    assert max(intent_handlers) < unknown_intent
    assert kinds[-2:] == [lifecycle.InSessionRequestHandler, lifecycle.EmptyResponseHandler]
    assert kinds.index(lifecycle.SilentEventHandler) < kinds.index(lifecycle.InSessionRequestHandler)
    assert kinds.index(lifecycle.SessionEndedHandler) < kinds.index(lifecycle.InSessionRequestHandler)


def test_no_intent_is_claimed_twice(kb):
    handlers = request_handlers(Conversation(kb, build_matcher(kb, Settings()), Settings()), keeper=None)
    claimed = [name for h in handlers for name in getattr(h, "intents", ())]
    assert len(claimed) == len(set(claimed))
