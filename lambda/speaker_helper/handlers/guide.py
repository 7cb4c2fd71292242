"""Guide navigation: next, previous, start over, go to a step, which step."""
from __future__ import annotations

from .base import IntentHandler, slot_value


class NextHandler(IntentHandler):
    intents = ("AMAZON.NextIntent",)

    def reply(self, handler_input, s):
        return self.conversation.next(s)


class PreviousHandler(IntentHandler):
    intents = ("AMAZON.PreviousIntent",)

    def reply(self, handler_input, s):
        return self.conversation.previous(s)


class StartOverHandler(IntentHandler):
    intents = ("AMAZON.StartOverIntent",)

    def reply(self, handler_input, s):
        return self.conversation.start_guide(s)


class GuideStepHandler(IntentHandler):
    intents = ("GuideStepIntent",)

    def reply(self, handler_input, s):
        return self.conversation.go_to_step(s, slot_value(handler_input, "step"), slot_value(handler_input, "section"))


class WhichStepHandler(IntentHandler):
    intents = ("WhichStepIntent",)

    def reply(self, handler_input, s):
        return self.conversation.which_step(s)
