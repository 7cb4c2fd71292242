"""What every handler shares: reading the request safely and turning a Reply into a response.

Requests are untrusted and often odd (see the envelopes in ../shared/envelopes): slots may be
missing, empty, or keyed differently from their names; resolutions may be absent. Everything here
returns None rather than raising.
"""
from __future__ import annotations

from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response
from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective
from ask_sdk_model.ui import SimpleCard

from ..answers import Conversation, Reply
from ..display import TOKEN, datasource, document
from ..speech import reprompt_ssml, speech_ssml
from ..state import SessionState

SESSION_STATE = "session_state"   # request attribute: the SessionState of this turn
REPLY = "reply"                   # request attribute: the Reply this turn produced
MAX_SLOT = 500


def request_type(handler_input: HandlerInput) -> str:
    return getattr(handler_input.request_envelope.request, "object_type", None) or ""


def intent_name(handler_input: HandlerInput) -> str | None:
    request = handler_input.request_envelope.request
    if isinstance(request, IntentRequest) and request.intent is not None:
        return request.intent.name
    return None


def _slot(handler_input: HandlerInput, name: str) -> Any:
    request = handler_input.request_envelope.request
    slots = getattr(getattr(request, "intent", None), "slots", None) or {}
    if name in slots:
        return slots[name]
    # Some envelopes key a slot by something other than its name.
    return next((s for s in slots.values() if getattr(s, "name", None) == name), None)


def slot_value(handler_input: HandlerInput, name: str) -> str | None:
    slot = _slot(handler_input, name)
    value = getattr(slot, "value", None)
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())[:MAX_SLOT]


def resolved_id(handler_input: HandlerInput, name: str) -> str | None:
    """The catalogue id Alexa's entity resolution matched (ER_SUCCESS_MATCH), if any."""
    slot = _slot(handler_input, name)
    resolutions = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None) or []
    for authority in resolutions:
        status = getattr(getattr(getattr(authority, "status", None), "code", None), "value", None)
        if status == "ER_SUCCESS_MATCH":
            for wrapper in authority.values or []:
                ident = getattr(getattr(wrapper, "value", None), "id", None)
                if isinstance(ident, str) and ident:
                    return ident
    return None


def session_state(handler_input: HandlerInput) -> SessionState:
    return handler_input.attributes_manager.request_attributes[SESSION_STATE]


def supports_apl(handler_input: HandlerInput) -> bool:
    """Whether the device has a screen that renders APL (an Echo Show, not an Echo Dot)."""
    system = getattr(getattr(handler_input.request_envelope, "context", None), "system", None)
    interfaces = getattr(getattr(system, "device", None), "supported_interfaces", None)
    return getattr(interfaces, "alexa_presentation_apl", None) is not None


def respond(handler_input: HandlerInput, reply: Reply) -> Response:
    handler_input.attributes_manager.request_attributes[REPLY] = reply
    builder = handler_input.response_builder.speak(speech_ssml(reply))
    reprompt = reprompt_ssml(reply)
    if reprompt:
        builder.ask(reprompt)
    else:
        builder.set_should_end_session(True)
    if reply.card is not None:
        builder.set_card(SimpleCard(title=reply.card.title, content=reply.card.text))
    if reply.visual is not None and supports_apl(handler_input):
        builder.add_directive(RenderDocumentDirective(
            token=TOKEN, document=document(reply.visual.kind), datasources=datasource(reply.visual)))
    return builder.response


class IntentHandler(AbstractRequestHandler):
    """Handles the listed intents by calling one Conversation use case."""

    intents: tuple[str, ...] = ()

    def __init__(self, conversation: Conversation):
        self.conversation = conversation

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return intent_name(handler_input) in self.intents

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, self.reply(handler_input, session_state(handler_input)))

    def reply(self, handler_input: HandlerInput, s: SessionState) -> Reply:
        raise NotImplementedError
