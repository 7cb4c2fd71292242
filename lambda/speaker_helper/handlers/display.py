"""Screen touches on an Echo Show: the APL documents send ["step", n] when a step is touched."""
from __future__ import annotations

from .base import IntentHandler, request_type


class TouchHandler(IntentHandler):
    def can_handle(self, handler_input):
        return request_type(handler_input) == "Alexa.Presentation.APL.UserEvent"

    def reply(self, handler_input, s):
        arguments = getattr(handler_input.request_envelope.request, "arguments", None) or []
        if len(arguments) == 2 and arguments[0] == "step":
            return self.conversation.go_to_step(s, str(arguments[1]), None)
        return self.conversation.not_supported(s)
