"""What each event file in tests/events must get back: one place for the Lambda entry point test
(tests/integration) and the built-artifact test (tests/build)."""
from __future__ import annotations

from response_checks import check_response

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


def check_event_response(name: str, event: dict, response: dict) -> None:
    check_response(response, event["request"]["type"])
    speech = (response["response"].get("outputSpeech") or {}).get("ssml", "")
    expected = EXPECTED[name]
    if expected["says"] is None:
        assert speech == ""
    else:
        assert expected["says"] in speech.lower().replace("&apos;", "'").replace("’", "'")
        assert "<audio" not in speech
        assert response["response"]["shouldEndSession"] is (not expected["open"])
