"""Requests that are not questions: launch, session end, skill events, and everything else.

Which request types may carry speech is Alexa's rule, not ours: AudioPlayer, PlaybackController,
System.ExceptionEncountered, skill events and SessionEndedRequest must be answered without
outputSpeech, so they get an empty response.
"""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_model.canfulfill import CanFulfillIntent, CanFulfillIntentValues

from ..answers import Conversation
from ..envelopes import speechless
from .base import REPLY, request_type, respond, session_state
from .questions import QUESTION_INTENTS

log = logging.getLogger(__name__)



class LaunchHandler(AbstractRequestHandler):
    def __init__(self, conversation: Conversation):
        self.conversation = conversation

    def can_handle(self, handler_input):
        return request_type(handler_input) == "LaunchRequest"

    def handle(self, handler_input):
        return respond(handler_input, self.conversation.launch(session_state(handler_input)))


class SessionEndedHandler(AbstractRequestHandler):
    """Alexa closed the session (user quiet, said nothing useful, or an error): flush, say nothing."""

    def __init__(self, keeper):
        self.keeper = keeper

    def can_handle(self, handler_input):
        return request_type(handler_input) == "SessionEndedRequest"

    def handle(self, handler_input):
        request = handler_input.request_envelope.request
        error = getattr(request, "error", None)
        log.info("session ended", extra={"event": "session_ended",
                                         "reason": getattr(getattr(request, "reason", None), "value", None),
                                         "error_type": getattr(getattr(error, "object_type", None), "value", None)})
        self.keeper.end(handler_input.request_envelope, session_state(handler_input))
        return handler_input.response_builder.response


class SkillDisabledHandler(AbstractRequestHandler):
    """The user disabled the skill: delete what we kept about them."""

    def __init__(self, keeper):
        self.keeper = keeper

    def can_handle(self, handler_input):
        return request_type(handler_input) == "AlexaSkillEvent.SkillDisabled"

    def handle(self, handler_input):
        self.keeper.forget_user(handler_input.request_envelope)
        return handler_input.response_builder.response


class CanFulfillHandler(AbstractRequestHandler):
    """Name-free invocation asks whether we can handle an intent: only our own question intents."""

    OURS = (*QUESTION_INTENTS, "DeviceInfoIntent")

    def can_handle(self, handler_input):
        return request_type(handler_input) == "CanFulfillIntentRequest"

    def handle(self, handler_input):
        intent = getattr(handler_input.request_envelope.request, "intent", None)
        verdict = CanFulfillIntentValues.MAYBE if getattr(intent, "name", None) in self.OURS else CanFulfillIntentValues.NO
        return handler_input.response_builder.set_can_fulfill_intent(CanFulfillIntent(can_fulfill=verdict)).response


class SilentEventHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return speechless(request_type(handler_input))

    def handle(self, handler_input):
        return handler_input.response_builder.response


class InSessionRequestHandler(AbstractRequestHandler):
    """Anything else that arrives in a session (a screen touch, a purchase result, a request type
    this skill does not know): a polite answer that keeps the conversation going."""

    def __init__(self, conversation: Conversation):
        self.conversation = conversation

    def can_handle(self, handler_input):
        return handler_input.request_envelope.session is not None

    def handle(self, handler_input):
        return respond(handler_input, self.conversation.not_supported(session_state(handler_input)))


class EmptyResponseHandler(AbstractRequestHandler):
    """Last resort for out-of-session requests of unknown types."""

    def can_handle(self, handler_input):
        return True

    def handle(self, handler_input):
        handler_input.attributes_manager.request_attributes.pop(REPLY, None)
        return handler_input.response_builder.response
