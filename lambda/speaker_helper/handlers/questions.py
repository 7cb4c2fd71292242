"""Question intents: free-form questions, Echo model questions and "tell me more"."""
from __future__ import annotations

from .base import IntentHandler, resolved_id, slot_value


class QuestionHandler(IntentHandler):
    intents = ("QuestionIntent",)

    def reply(self, handler_input, s):
        return self.conversation.question(s, slot_value(handler_input, "query"))


class DeviceInfoHandler(IntentHandler):
    intents = ("DeviceInfoIntent",)

    def reply(self, handler_input, s):
        return self.conversation.device_info(s, slot_value(handler_input, "echo_model"), resolved_id(handler_input, "echo_model"))


class TellMeMoreHandler(IntentHandler):
    intents = ("TellMeMoreIntent",)

    def reply(self, handler_input, s):
        return self.conversation.tell_me_more(s)
