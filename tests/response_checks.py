"""What makes a response valid for Alexa, checked on every response the tests produce."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "envelopes" / "_schema" / "rajington-alexa-schemas-response.schema.json"
SSML_TAGS = {"speak", "break", "p", "s", "emphasis", "prosody", "say-as", "phoneme", "sub", "w", "audio",
             "voice", "lang", "mark", "{amazon}effect", "{amazon}emotion", "{amazon}domain"}
SPEECHLESS_TYPES = ("AudioPlayer.", "PlaybackController.", "System.", "AlexaSkillEvent.", "SessionEndedRequest")


@lru_cache(maxsize=1)
def _response_validator():
    """The 2016 response schema (draft 4: it uses `id`), compiled once: jsonschema.validate would
    re-check the schema itself on every call."""
    import jsonschema

    return jsonschema.Draft4Validator(json.loads(SCHEMA.read_text()))


def check_ssml(ssml: str) -> None:
    assert len(ssml) <= 8000, f"SSML is {len(ssml)} characters"
    wrapped = ssml.replace("<speak>", '<speak xmlns:amazon="amazon">', 1)
    root = ET.fromstring(wrapped)  # raises on malformed SSML
    assert root.tag == "speak"
    for element in root.iter():
        assert element.tag in SSML_TAGS, f"tag {element.tag} is not Alexa SSML"


def check_response(response: dict, request_type: str | None = None) -> None:
    assert isinstance(response, dict) and "error" not in response, response
    assert response.get("version") == "1.0"
    body = response.get("response")
    assert isinstance(body, dict)
    json.dumps(response)  # serialisable
    assert len(json.dumps(response)) < 24 * 1024
    speech = body.get("outputSpeech")
    if request_type and request_type.startswith(SPEECHLESS_TYPES):
        assert speech is None, f"{request_type} must not speak"
    if speech is not None:
        assert speech["type"] == "SSML"
        check_ssml(speech["ssml"])
        if body.get("shouldEndSession") is False:
            reprompt = (body.get("reprompt") or {}).get("outputSpeech")
            assert reprompt, "an open session needs a reprompt"
            check_ssml(reprompt["ssml"])
        if SCHEMA.exists() and "shouldEndSession" in body:
            _response_validator().validate(response)
    card = body.get("card")
    if card is not None:
        assert card["type"] in ("Simple", "Standard")
        assert len(card.get("title", "")) + len(card.get("content", card.get("text", ""))) <= 8000
