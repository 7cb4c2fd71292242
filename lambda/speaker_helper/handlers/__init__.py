"""The request handlers, in the order the dispatcher tries them.

The first handler whose `can_handle` is true wins, so order is behaviour: specific intents first,
then the unknown-intent net, then request types, and the in-session and empty-response nets last.
`tests/unit/test_handler_order.py` pins this order.
"""
from __future__ import annotations

from .display import TouchHandler
from .errors import CatchAllExceptionHandler
from .guide import GuideStepHandler, NextHandler, PreviousHandler, StartOverHandler, WhichStepHandler
from .lifecycle import (CanFulfillHandler, EmptyResponseHandler, InSessionRequestHandler, LaunchHandler,
                        SessionEndedHandler, SilentEventHandler, SkillDisabledHandler)
from .navigation import (FallbackHandler, GoodbyeHandler, HelpHandler, NoHandler, RepeatHandler,
                         UnknownIntentHandler, YesHandler)
from .questions import DeviceInfoHandler, QuestionHandler, TellMeMoreHandler
from .speakers import ForgetSpeakersHandler, ListSpeakersHandler, SetSpeakersHandler


def request_handlers(conversation, keeper) -> list:
    return [
        LaunchHandler(conversation),
        QuestionHandler(conversation),
        DeviceInfoHandler(conversation),
        TellMeMoreHandler(conversation),
        SetSpeakersHandler(conversation),
        ListSpeakersHandler(conversation),
        ForgetSpeakersHandler(conversation),
        NextHandler(conversation),
        PreviousHandler(conversation),
        StartOverHandler(conversation),
        GuideStepHandler(conversation),
        WhichStepHandler(conversation),
        YesHandler(conversation),
        NoHandler(conversation),
        RepeatHandler(conversation),
        HelpHandler(conversation),
        GoodbyeHandler(conversation),
        FallbackHandler(conversation),
        UnknownIntentHandler(conversation),    # after every intent this skill knows
        SessionEndedHandler(keeper),
        SkillDisabledHandler(keeper),
        CanFulfillHandler(),
        TouchHandler(conversation),            # Echo Show touches
        SilentEventHandler(),                  # events that must not speak
        InSessionRequestHandler(conversation), # other in-session requests: a polite answer
        EmptyResponseHandler(),                # anything left: an empty, valid response
    ]


def exception_handlers(kb) -> list:
    return [CatchAllExceptionHandler(kb)]
