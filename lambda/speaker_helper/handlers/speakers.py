"""The user's own speakers: tell, list, forget."""
from __future__ import annotations

from .base import IntentHandler, resolved_id, slot_value


class SetSpeakersHandler(IntentHandler):
    intents = ("SetSpeakersIntent",)

    def reply(self, handler_input, s):
        return self.conversation.set_speakers(
            s, slot_value(handler_input, "count"), slot_value(handler_input, "echo_model"), slot_value(handler_input, "brand"),
            model_id=resolved_id(handler_input, "echo_model"), brand_id=resolved_id(handler_input, "brand"))


class ListSpeakersHandler(IntentHandler):
    intents = ("ListSpeakersIntent",)

    def reply(self, handler_input, s):
        return self.conversation.list_speakers(s)


class ForgetSpeakersHandler(IntentHandler):
    intents = ("ForgetSpeakersIntent",)

    def reply(self, handler_input, s):
        return self.conversation.forget_speakers(s)
