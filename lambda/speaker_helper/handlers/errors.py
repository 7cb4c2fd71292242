"""The catch-all exception handler: log what broke, answer politely, keep the session usable."""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler

from ..answers import Reply
from ..state import SessionState
from .base import SESSION_STATE, respond, request_type
from ..envelopes import speechless

log = logging.getLogger(__name__)


class CatchAllExceptionHandler(AbstractExceptionHandler):
    def __init__(self, kb):
        self.kb = kb

    def can_handle(self, handler_input, exception):
        return True

    def handle(self, handler_input, exception):
        log.error("unhandled exception", exc_info=exception,
                  extra={"event": "handler_error", "error": type(exception).__name__})
        if speechless(request_type(handler_input)) or handler_input.request_envelope.session is None:
            return handler_input.response_builder.response
        # The failure may have come before the state was read: answer from a blank state then.
        state = handler_input.attributes_manager.request_attributes.setdefault(SESSION_STATE, SessionState())
        # Response interceptors do not run after an exception: without this the SDK would send the
        # request's session attributes back as they came, whatever they held.
        handler_input.attributes_manager.session_attributes = state.to_attributes()
        return respond(handler_input, Reply((self.kb.prompt("error"),), self.kb.prompt("reprompt")))
