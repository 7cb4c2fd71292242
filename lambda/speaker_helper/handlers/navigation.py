"""Built-in conversation intents: help, stop, yes, no, repeat, fallback."""
from __future__ import annotations

from .base import IntentHandler, intent_name


class HelpHandler(IntentHandler):
    intents = ("AMAZON.HelpIntent",)

    def reply(self, handler_input, s):
        return self.conversation.help(s)


class GoodbyeHandler(IntentHandler):
    # NavigateHome leaves the skill as Stop does: this skill has no "home" screen to go back to.
    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent", "AMAZON.PauseIntent")

    def reply(self, handler_input, s):
        return self.conversation.goodbye(s)


class YesHandler(IntentHandler):
    intents = ("AMAZON.YesIntent",)

    def reply(self, handler_input, s):
        return self.conversation.yes(s)


class NoHandler(IntentHandler):
    intents = ("AMAZON.NoIntent",)

    def reply(self, handler_input, s):
        return self.conversation.no(s)


class RepeatHandler(IntentHandler):
    intents = ("AMAZON.RepeatIntent",)

    def reply(self, handler_input, s):
        return self.conversation.repeat(s)


class FallbackHandler(IntentHandler):
    intents = ("AMAZON.FallbackIntent",)

    def reply(self, handler_input, s):
        return self.conversation.fallback(s)


class UnknownIntentHandler(IntentHandler):
    """Any intent this skill's model does not have (another skill's envelope, a stale model)."""

    def can_handle(self, handler_input):
        return intent_name(handler_input) is not None

    def reply(self, handler_input, s):
        return self.conversation.not_supported(s)
