"""Question intents: free-form questions, Echo model questions and "tell me more"."""
from __future__ import annotations

from .base import IntentHandler, intent_name, resolved_id, slot_value

# The free-form question intents, each with the words its carrier phrase holds. Alexa sends only
# the AMAZON.SearchQuery slot, so "pair my speaker" would arrive as "my speaker": a carrier made of
# words that carry meaning gets an intent of its own, and the words are put back here ("how do i"
# asks for steps: the matcher prefers a how-to entry for it).
QUESTION_INTENTS = {
    "QuestionIntent": "",
    "ConnectQuestionIntent": "connect",
    "HowQuestionIntent": "how do i",
    "PairQuestionIntent": "pair",
    "PlayQuestionIntent": "play",
    "OnlyOneQuestionIntent": "only one",
}


class QuestionHandler(IntentHandler):
    intents = tuple(QUESTION_INTENTS)

    def reply(self, handler_input, s):
        query = slot_value(handler_input, "query")
        said = QUESTION_INTENTS[intent_name(handler_input)]
        return self.conversation.question(s, f"{said} {query}" if said and query else query)


class DeviceInfoHandler(IntentHandler):
    intents = ("DeviceInfoIntent",)

    def reply(self, handler_input, s):
        return self.conversation.device_info(s, slot_value(handler_input, "echo_model"), resolved_id(handler_input, "echo_model"))


class TellMeMoreHandler(IntentHandler):
    intents = ("TellMeMoreIntent",)

    def reply(self, handler_input, s):
        return self.conversation.tell_me_more(s)
