"""One structured log line per request, and nothing personal in any log line."""
from __future__ import annotations

import json
import logging

from speaker_helper.logs import JsonFormatter

USER = "amzn1.ask.account.PRIVATE-USER-ID"


def test_one_json_line_per_request_with_what_the_skill_did_and_nothing_personal(skill, caplog):
    session = skill.session(user_id=USER)
    utterances = ["why does only one of my bluetooth speakers play", "I have an echo studio", "stop"]
    with caplog.at_level(logging.DEBUG, logger="speaker_helper"):
        skill.launch(session)
        for utterance in utterances:
            skill.say(session, utterance)
    requests = [r for r in caplog.records if getattr(r, "event", None) == "request"]
    assert len(requests) == 4
    lines = [json.loads(JsonFormatter().format(r)) for r in requests]
    for line in lines:
        assert {"request_id", "request_type", "intent", "answer_id", "score", "latency_ms"} <= set(line)
        assert line["latency_ms"] >= 0
    question = lines[1]
    assert question["intent"] == "QuestionIntent"
    assert question["answer_id"] == "why-only-one-speaker-plays" and question["score"] > 50
    everything = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert USER not in everything and "PRIVATE-USER" not in everything
    for utterance in utterances:
        assert utterance not in everything


def test_a_declined_question_is_logged_with_the_subject_and_answered_with_i_dont_know(skill, caplog):
    session = skill.session(user_id=USER)
    with caplog.at_level(logging.INFO, logger="speaker_helper"):
        turn = skill.say(session, "how do I factory reset my echo dot")
    assert turn.answer_id is None and "I don't know that one" in turn.speech
    line = json.loads(JsonFormatter().format(next(r for r in caplog.records if getattr(r, "event", None) == "request")))
    assert line["declined"] == "reset-or-restart-an-echo" and line["answer_id"] is None
