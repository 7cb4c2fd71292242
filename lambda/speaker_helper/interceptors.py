"""Cross-cutting work around every handler: state in and out, and one log line per request.

The log line carries no personal data: no user id, no utterance, only what the skill did.
"""
from __future__ import annotations

import logging
import time

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor

from .handlers.base import REPLY, SESSION_STATE, intent_name, request_type

log = logging.getLogger("speaker_helper.requests")
STARTED = "started"


class StateLoader(AbstractRequestInterceptor):
    def __init__(self, keeper):
        self.keeper = keeper

    def process(self, handler_input):
        attrs = handler_input.attributes_manager.request_attributes
        attrs[STARTED] = time.perf_counter()
        attrs[SESSION_STATE] = self.keeper.begin(handler_input.request_envelope)


class StateSaver(AbstractResponseInterceptor):
    def __init__(self, keeper):
        self.keeper = keeper

    def process(self, handler_input, response):
        attrs = handler_input.attributes_manager.request_attributes
        s = attrs.get(SESSION_STATE)
        reply = attrs.get(REPLY)
        if s is None:
            return
        self.keeper.after(handler_input.request_envelope, s, reply)
        if handler_input.request_envelope.session is not None:
            handler_input.attributes_manager.session_attributes = s.to_attributes()


class RequestLogger(AbstractResponseInterceptor):
    """One structured line per request; also hands the turn's Reply to an optional observer
    (the command line uses it to report which knowledge entry answered)."""

    def __init__(self, observer=None):
        self.observer = observer

    def process(self, handler_input, response):
        attrs = handler_input.attributes_manager.request_attributes
        reply = attrs.get(REPLY)
        if self.observer is not None:
            self.observer(reply)
        started = attrs.get(STARTED)
        request = handler_input.request_envelope.request
        log.info("request", extra={
            "event": "request",
            "request_id": str(getattr(request, "request_id", "") or "")[:100],
            "request_type": request_type(handler_input),
            "intent": intent_name(handler_input),
            "answer_id": getattr(reply, "answer_id", None),
            "score": getattr(reply, "score", None),
            "declined": getattr(reply, "declined", None),
            "end_session": getattr(reply, "end_session", None),
            "latency_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
        })
