"""The event files in tests/events (the same ones `sam local invoke -e` takes) through the Lambda
entry point, configured from the environment as template.yaml configures it."""
from __future__ import annotations

import importlib

import pytest

from conftest import EVENTS, load_event
from response_checks import check_response

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"

EXPECTED = {
    "launch__new_user": {"says": "welcome", "open": True},
    "intent_question__why_only_one_plays": {"says": "one bluetooth speaker at a time", "open": True},
    "intent_question__out_of_domain": {"says": "don't know", "open": True},
    "intent_device_info__er_no_match": {"says": "echo dot 5th gen", "open": True},
    "intent_next__guide_at_step_one": {"says": "step two of six", "open": True},
    # Only Alexa can invoke the function, but even a forged last response is spoken as text,
    # escaped, never as markup.
    "intent_repeat__tampered_attributes": {"says": "&lt;audio src=", "open": True},
    "intent_unknown__other_skills_intent": {"says": "not something speaker helper can do", "open": True},
    "session_ended__user_initiated": {"says": None},
    "skill_disabled__event": {"says": None},
}


@pytest.fixture
def handler(monkeypatch, dynamodb, settings):
    monkeypatch.setenv("SKILL_ID", SKILL_ID)
    monkeypatch.setenv("TABLE_NAME", settings.table_name)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    from speaker_helper import app, wiring

    monkeypatch.setattr(wiring, "_app", None)  # a fresh container: built from the environment
    return importlib.reload(app).handler


def test_every_event_file_has_an_expectation():
    assert {p.stem for p in EVENTS.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_event(name, handler):
    event = load_event(name)
    response = handler(event, None)
    check_response(response, event["request"]["type"])
    speech = (response["response"].get("outputSpeech") or {}).get("ssml", "")
    expected = EXPECTED[name]
    if expected["says"] is None:
        assert speech == ""
    else:
        assert expected["says"] in speech.lower().replace("&apos;", "'").replace("’", "'")
        assert "<audio" not in speech
        assert response["response"]["shouldEndSession"] is (not expected["open"])


def test_an_event_for_another_skill_is_rejected(handler):
    event = load_event("launch__new_user")
    event["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    assert handler(event, None) == {"version": "1.0", "response": {}}
