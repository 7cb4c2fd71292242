"""Fuzzing the Lambda entry point: whatever arrives, `App.handle` answers, and validly.

Properties, for generated envelopes (see strategies.py), mutations of them and of the real
envelopes in ../shared/envelopes, and for non-envelopes:

* `app.handle(event)` never raises;
* the response passes `response_checks.check_response` (version, SSML that parses and uses only
  Alexa tags, a reprompt when the session stays open, size limits, the response schema) and is
  JSON-serialisable;
* no markup from the input reaches the speech: the skill itself only ever writes <speak> and
  <break time="300ms"/>, so any other element, comment or processing instruction was injected;
* request types after which Alexa forbids speech (AudioPlayer.*, PlaybackController.*, System.*,
  AlexaSkillEvent.*, SessionEndedRequest) get no outputSpeech;
* over 1-8 turns of one session, with the response's session attributes sent back (and sometimes
  tampered with), every response stays valid.

Budget: FUZZ_EXAMPLES examples per test (default 200, derandomised so CI is reproducible);
`FUZZ_EXAMPLES=10000` is the deep run (random; its failures are kept in tests/fuzz/.hypothesis and
replayed first next time). FUZZ_STRICT=1 also fails on exceptions that the skill's catch-all
handler swallowed (the user hears "something went wrong"); by default they are only counted
(`pytest --hypothesis-show-statistics` lists them).
"""
from __future__ import annotations

import copy
import itertools
import json
import logging
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import event as count_event
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

import strategies as S
from response_checks import SPEECHLESS_TYPES, check_response

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
DEEP = "FUZZ_EXAMPLES" in os.environ
STRICT = os.environ.get("FUZZ_STRICT", "") not in ("", "0")

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not DEEP,
    database=DirectoryBasedExampleDatabase(str(Path(__file__).parent / ".hypothesis")) if DEEP else None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                           HealthCheck.filter_too_much],
)

# The only markup the skill writes itself (speech.py): anything else came from the input.
OWN_TAGS = {"speak", "break"}
OWN_BREAK = {"time": "300ms"}


# ------------------------------------------------------------------------------------ the app

class _SwallowedErrors(logging.Handler):
    """Records the exceptions the skill caught and answered with its error prompt."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        if getattr(record, "event", None) in ("handler_error", "invoke_error"):
            self.records.append(record)


@pytest.fixture(scope="module")
def fuzz_app():
    """One app and one moto DynamoDB for the whole module (Hypothesis runs many examples per test)."""
    from moto import mock_aws

    from speaker_helper.config import Settings
    from speaker_helper.local_dynamodb import ensure_table
    from speaker_helper.wiring import build, dynamodb_resource

    settings_ = Settings(log_level="ERROR")
    swallowed = _SwallowedErrors()
    logger = logging.getLogger("speaker_helper")
    with mock_aws():
        resource = dynamodb_resource(settings_)
        ensure_table(resource, settings_.table_name)
        app = build(settings_, dynamodb=resource)
        logger.addHandler(swallowed)
        try:
            yield app, swallowed
        finally:
            logger.removeHandler(swallowed)


_nonce = itertools.count()


def _own_user(event: Any, user: str | None = None) -> Any:
    """Give the envelope's user a fresh id, so that no example sees another example's DynamoDB item
    (Hypothesis needs each example to be reproducible on its own)."""
    user = user or f"#fuzz{next(_nonce)}"
    if isinstance(event, dict):
        for holder in (event.get("session"), (event.get("context") or {}).get("System") if isinstance(event.get("context"), dict) else None):
            if isinstance(holder, dict) and isinstance(holder.get("user"), dict) and isinstance(holder["user"].get("userId"), str):
                holder["user"]["userId"] += user
    return event


def request_type(event: Any) -> str | None:
    if isinstance(event, dict) and isinstance(event.get("request"), dict):
        return str(event["request"].get("type"))
    return None


# ----------------------------------------------------------------------------- the properties

def _check_own_markup(ssml: str) -> None:
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True, insert_pis=True))
    parser.feed(ssml)
    root = parser.close()
    assert "<!" not in ssml and "<?" not in ssml, f"markup declaration in speech: {ssml[:200]!r}"
    for element in root.iter():
        assert element.tag in OWN_TAGS, f"injected element {element.tag!r} in {ssml[:300]!r}"
        if element.tag == "break":
            assert element.attrib == OWN_BREAK, f"injected break attributes {element.attrib}"
        else:
            assert not element.attrib, f"injected attributes {element.attrib} on <{element.tag}>"


def check(event: Any, response: Any) -> None:
    kind = request_type(event)
    note(f"request type: {kind!r}")
    note(f"response: {json.dumps(response)[:2000]}")
    check_response(response, kind)
    json.loads(json.dumps(response, allow_nan=False))
    body = response["response"]
    for speech in (body.get("outputSpeech"), (body.get("reprompt") or {}).get("outputSpeech")):
        if speech is not None:
            _check_own_markup(speech["ssml"])
    if kind is not None and kind.startswith(SPEECHLESS_TYPES):
        assert "outputSpeech" not in body and "reprompt" not in body, f"{kind} must not speak"


def run(fuzz_app, event: Any, *, own_user: bool = True) -> dict:
    app, swallowed = fuzz_app
    event = S.as_lambda_event(event)
    if own_user:
        event = _own_user(event)
    before = len(swallowed.records)
    response = app.handle(event)  # must not raise
    for record in swallowed.records[before:]:
        error = record.exc_info[1] if record.exc_info else None
        count_event(f"swallowed {type(error).__name__}: {str(error)[:80]}" if error else "swallowed error")
        if STRICT:
            raise AssertionError(f"the catch-all handler swallowed {error!r}") from error
    check(event, response)
    return response


# ---------------------------------------------------------------------------------------- tests

@FUZZ
@given(event=S.mutated())
def test_any_envelope_gets_a_valid_response(fuzz_app, event):
    run(fuzz_app, event)


@FUZZ
@given(event=S.not_envelopes)
def test_a_non_envelope_gets_the_empty_response(fuzz_app, event):
    response = run(fuzz_app, event)
    assert response == {"version": "1.0", "response": {}}


@FUZZ
@given(event=S.mutated(S.speechless_envelopes, max_mutations=2))
def test_speechless_request_types_never_speak(fuzz_app, event):
    run(fuzz_app, event)


@FUZZ
@given(event=S.envelopes(st.one_of(S.launch_requests(), S.intent_requests()),
                         session=S.sessions(attributes=st.one_of(S.skill_attributes(wild=True),
                                                                 S.session_attributes))))
def test_tampered_session_attributes_are_harmless(fuzz_app, event):
    run(fuzz_app, event)


TURN = st.one_of(
    S.intent_requests(),
    S.intent_requests(),  # twice: most turns are intents
    S.launch_requests(),
    S.session_ended_requests(),
    S.speechless_requests(),
    S.unknown_requests(),
    S.apl_user_events(),
)


@FUZZ
@given(turns=st.lists(st.tuples(TURN, st.integers(0, 9)), min_size=1, max_size=8),
       context=S.contexts(), user=S.user_ids, data=st.data())
def test_a_conversation_stays_valid_turn_after_turn(fuzz_app, turns, context, user, data):
    """Session attributes go from each response into the next request, as Alexa does; a new
    session starts when the skill ended the last one. One turn in ten is mutated and one in ten
    sends the attributes back tampered with."""
    user = user + f"#fuzz{next(_nonce)}"
    sessions = itertools.count()
    session_id, attributes, new = f"amzn1.echo-api.session.{next(sessions)}", {}, True
    for number, (request, dice) in enumerate(turns):
        if dice == 1:
            attributes = data.draw(S.tamper_attributes(attributes), label=f"tampered attributes, turn {number}")
        event = {
            "version": "1.0",
            "session": {"new": new, "sessionId": session_id, "application": {"applicationId": "amzn1.ask.skill.x"},
                        "attributes": copy.deepcopy(attributes), "user": {"userId": user}},
            "context": copy.deepcopy(context),
            "request": request,
        }
        event["context"]["System"]["user"]["userId"] = user
        if dice == 0:
            event = data.draw(S._mutate_once(copy.deepcopy(event)), label=f"mutated turn {number}")
        response = run(fuzz_app, event, own_user=False)
        if response["response"].get("shouldEndSession") is True or request.get("type") == "SessionEndedRequest":
            session_id, attributes, new = f"amzn1.echo-api.session.{next(sessions)}", {}, True
        else:
            attributes, new = response.get("sessionAttributes", attributes), False
