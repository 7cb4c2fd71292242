"""Raw request envelopes: skill-id verification, parsing with repairs, and the last-resort reply.

Real envelopes are messier than the SDK's models: integer timestamps, viewports missing fields,
`"context": null`, request types the models do not know. The SDK's deserialiser raises on some of
them before any handler runs, so the entry point parses here: first as sent, then with the known
repairs, and if that still fails it answers without the SDK.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import logging
from typing import Any

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

log = logging.getLogger(__name__)
serializer = DefaultSerializer()
EMPTY_RESPONSE = {"version": "1.0", "response": {}}


class RejectedEnvelope(Exception):
    """Not a request for this skill, or not a request at all."""


def application_id(event: dict) -> str | None:
    """The skill id the request was sent to (context first; legacy envelopes only have session)."""
    for path in (("context", "System", "application", "applicationId"),
                 ("session", "application", "applicationId")):
        node: Any = event
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, str) and node:
            return node
    return None


def verify(event: Any, skill_id: str | None) -> dict:
    if not isinstance(event, dict) or not isinstance(event.get("request"), dict):
        raise RejectedEnvelope("not an Alexa request envelope")
    if skill_id is not None and application_id(event) != skill_id:
        raise RejectedEnvelope("skill id does not match")
    return event


def _repaired(event: dict) -> dict:
    fixed = copy.deepcopy(event)
    request = fixed["request"]
    stamp = request.get("timestamp")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        # Epoch milliseconds (seen in old SDK fixtures) -> ISO-8601, as Alexa sends today.
        try:
            seconds = stamp / 1000 if stamp > 1e11 else stamp
            request["timestamp"] = dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat()
        except (OverflowError, OSError, ValueError):
            request.pop("timestamp")
    elif stamp is not None and not isinstance(stamp, str):
        request.pop("timestamp")
    context = fixed.get("context")
    if isinstance(context, dict):
        # Only System matters to this skill; display and device extras are where malformed
        # fields turn up, and they must not stop the answer.
        keep = {k: context[k] for k in ("System", "Viewport") if isinstance(context.get(k), dict)}
        fixed["context"] = keep
    return fixed


# The SDK's deserialiser copies every field it does not know onto the model object with setattr,
# so a field named like one of the model's own attributes replaces it: `object_type` turns a
# SessionEndedRequest into a launch, `__dict__` wipes the object, `to_dict` breaks serialisation.
_SHADOWING = frozenset({"object_type", "attribute_map", "deserialized_types", "supports_multiple_types",
                        "discriminator_value_class_map", "json_discriminator_key", "get_real_child_model",
                        "to_dict", "to_str"})


def _without_shadowing_fields(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_shadowing_fields(v) for k, v in node.items()
                if not (isinstance(k, str) and (k in _SHADOWING or k.startswith("_")))}
    if isinstance(node, list):
        return [_without_shadowing_fields(v) for v in node]
    return node


def parse(event: dict) -> RequestEnvelope:
    """The SDK model of `event`, repairing what is safe to repair; raises AskSdkException."""
    event = _without_shadowing_fields(event)
    try:
        return serializer.deserialize(json.dumps(event), RequestEnvelope)
    except AskSdkException:
        pass
    fixed = _repaired(event)
    try:
        return serializer.deserialize(json.dumps(fixed), RequestEnvelope)
    except AskSdkException:
        if isinstance(fixed.get("context"), dict):
            fixed["context"] = {k: v for k, v in fixed["context"].items() if k == "System"}
        return serializer.deserialize(json.dumps(fixed), RequestEnvelope)


# Request types after which Alexa does not accept speech.
SPEECHLESS = ("AudioPlayer.", "PlaybackController.", "System.", "AlexaSkillEvent.",
              "AlexaHouseholdListEvent.", "Messaging.", "SessionEndedRequest")


def speechless(request_type: Any) -> bool:
    return isinstance(request_type, str) and request_type.startswith(SPEECHLESS)


def plain_reply(event: dict, speech_ssml: str, reprompt_ssml: str) -> dict:
    """A valid response built without the SDK, for envelopes it cannot model."""
    if not isinstance(event.get("session"), dict) or speechless(event["request"].get("type")):
        return EMPTY_RESPONSE
    return {
        "version": "1.0",
        "sessionAttributes": {},
        "response": {
            "outputSpeech": {"type": "SSML", "ssml": speech_ssml},
            "reprompt": {"outputSpeech": {"type": "SSML", "ssml": reprompt_ssml}},
            "shouldEndSession": False,
        },
    }
