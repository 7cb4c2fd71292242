"""The response lint itself, and every knowledge answer through it."""
from __future__ import annotations

import statistics

import pytest

from speaker_helper.answers import Conversation
from speaker_helper.config import Settings
from speaker_helper.knowledge_base import MAX_ANSWER_WORDS
from speaker_helper.response_lint import options_offered, response_problems, speech_problems, ssml_problems
from speaker_helper.speech import reprompt_ssml, speech_ssml
from speaker_helper.state import SessionState
from speaker_helper.wiring import build_matcher


def _response(reply) -> dict:
    body = {"outputSpeech": {"type": "SSML", "ssml": speech_ssml(reply)}, "shouldEndSession": reply.end_session}
    if reply.reprompt:
        body["reprompt"] = {"outputSpeech": {"type": "SSML", "ssml": reprompt_ssml(reply)}}
    return {"version": "1.0", "response": body}


def test_every_first_answer_and_guide_step_passes_the_lint(kb):
    conversation = Conversation(kb, build_matcher(kb, Settings()), Settings())
    words = []
    for entry in kb.entries.values():
        reply = conversation.answer(SessionState(), entry)
        assert response_problems(_response(reply), first_answer=True) == [], entry.id
        words.append(len(reply.text.split()))
        for number in range(1, len(entry.steps) + 1):
            step = conversation.read_step(SessionState(), entry, number)
            assert response_problems(_response(step)) == [], (entry.id, number)
        if entry.more:
            more = conversation.tell_me_more(SessionState(entry=entry.id))
            assert response_problems(_response(more)) == [], entry.id
    assert max(words) <= MAX_ANSWER_WORDS
    assert statistics.median(words) <= 35


# Prompts spoken last in a response that ends the session, or before other text in one response.
NOT_LAST_OR_CLOSING = {"goodbye", "fallback_goodbye", "guide_first_step", "step_lead", "about_model",
                       "personal_stereo_yes", "personal_stereo_one", "personal_stereo_unknown",
                       "personal_jack_none", "personal_jack_yes", "personal_jack_input", "model_stereo_yes",
                       "model_stereo_no", "model_jack_none", "model_jack_yes", "model_jack_input"}


def test_every_prompt_that_keeps_the_session_open_ends_with_a_question(kb):
    assert NOT_LAST_OR_CLOSING <= set(kb.prompts)
    for key, options in kb.prompts.items():
        for text in options:
            if key in NOT_LAST_OR_CLOSING:
                assert all(options_offered(s) <= 3 for s in text.split(". ")), key
            else:
                assert speech_problems(text, open_session=True, first_answer=False) == [], key


@pytest.mark.parametrize("ssml,problem", [
    ("<speak>hi <break time='20s'/></speak>", "at most 10s"),
    ("<speak><audio src='x'>hi</speak>", "not well-formed"),
    ("<speak><blink>hi</blink></speak>", "not an Alexa SSML tag"),
    ("<speak><emphasis level='loud'>hi</emphasis></speak>", "not a value Alexa accepts"),
    ("<speak>" + "a" * 8000 + "</speak>", "8000"),
])
def test_bad_ssml_is_caught(ssml, problem):
    assert any(problem in p for p in ssml_problems(ssml))


def test_good_ssml_passes():
    assert ssml_problems('<speak>Hi <break time="300ms"/> <amazon:emotion name="excited" intensity="low">yes</amazon:emotion></speak>') == []


def test_session_and_length_rules():
    assert speech_problems("Hello there.", open_session=True, first_answer=False)
    assert speech_problems("Goodbye?", open_session=False, first_answer=False)
    assert speech_problems(" ".join(["word"] * 46) + "?", open_session=True, first_answer=True)
    assert speech_problems("What now?", open_session=True, first_answer=True) == []


@pytest.mark.parametrize("sentence,count", [
    ("You can ask about Bluetooth, stereo pairs or groups.", 3),
    ("I can help with Bluetooth speakers, stereo pairs, multi-room groups, wired options and myths.", 5),
    ("Say next or repeat.", 2),
    ("I can explain how to play music on two or more speakers.", 0),
    ("An Echo plays one speaker at a time.", 0),
])
def test_options_are_counted(sentence, count):
    assert options_offered(sentence) == count


def test_an_open_response_without_reprompt_is_caught():
    response = {"version": "1.0", "response": {"outputSpeech": {"type": "SSML", "ssml": "<speak>Hi?</speak>"},
                                                "shouldEndSession": False}}
    assert "an open session needs a reprompt" in response_problems(response)
