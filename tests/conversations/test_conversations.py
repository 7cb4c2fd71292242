"""Runs the conversation scripts in this folder (*.yaml), in the spirit of Bespoken's `bst test`.

A script is a list of tests; each test is a list of steps. A step does one thing:
`launch: true`, `say: <utterance>` (routed to an intent as Alexa would), `end: <reason>`
(SessionEndedRequest) or `touch: [arguments]` (an Echo Show touch, APL UserEvent); then checks any of:
  intent: the intent the utterance was routed to
  answer: the knowledge entry that answered (null: none)
  says: phrases that must all be in the spoken text (case-insensitive)
  says_any: at least one of these phrases
  not_says: phrases that must not be
  ends: whether the session ends
  session: a subset the session attributes must contain (nested mappings compared by key)
  card: a phrase the card's title or text must contain (null: no card)
  dynamodb_calls: the DynamoDB requests made so far in this test
  display: the APL document sent ({kind: facts|steps|table, current: n}; null: none)
`user:` at the test level names the Alexa user (tests that share a user share their state);
`screen: true` makes the device report APL support (an Echo Show).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from response_checks import check_response
from speaker_helper.display import document

SCRIPTS = sorted(Path(__file__).parent.glob("*.yaml"))
CASES = [(path.stem, test) for path in SCRIPTS for test in yaml.safe_load(path.read_text(encoding="utf-8"))]


def _subset(expected, actual, where="session"):
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, got {actual!r}"
        for key, value in expected.items():
            _subset(value, actual.get(key), f"{where}.{key}")
    else:
        assert actual == expected, f"{where}: expected {expected!r}, got {actual!r}"


def run_step(skill, session, step):
    if step.get("launch"):
        turn = skill.launch(session)
    elif "say" in step:
        turn = skill.say(session, str(step["say"]))
    elif "end" in step:
        turn = skill.end(session, step["end"])
    elif "touch" in step:
        event = session.envelope({"type": "Alexa.Presentation.APL.UserEvent", "token": "speakerHelper",
                                  "arguments": step["touch"], "source": {"type": "TouchWrapper"}})
        turn = skill.send(session, event)
    else:
        raise AssertionError(f"step does nothing: {step}")
    check_response(turn.response, turn.response and ("SessionEndedRequest" if "end" in step else None))
    where = f"step {step}"
    spoken = turn.speech.lower()
    if "intent" in step:
        assert turn.intent == step["intent"], f"{where}: routed to {turn.intent}"
    if "answer" in step:
        assert turn.answer_id == step["answer"], f"{where}: answered by {turn.answer_id}: {turn.speech}"
    for phrase in step.get("says", []):
        assert phrase.lower() in spoken, f"{where}: {phrase!r} not in {turn.speech!r}"
    if "says_any" in step:
        assert any(p.lower() in spoken for p in step["says_any"]), f"{where}: none of {step['says_any']} in {turn.speech!r}"
    for phrase in step.get("not_says", []):
        assert phrase.lower() not in spoken, f"{where}: {phrase!r} in {turn.speech!r}"
    if "ends" in step:
        assert turn.end_session == step["ends"], f"{where}: end_session is {turn.end_session}"
    if "session" in step:
        _subset(step["session"], turn.response.get("sessionAttributes") or {})
    if "card" in step:
        if step["card"] is None:
            assert turn.card is None, f"{where}: unexpected card {turn.card}"
        else:
            text = f"{turn.card['title']} {turn.card['text']}".lower() if turn.card else ""
            assert step["card"].lower() in text, f"{where}: card {turn.card}"
    if "display" in step:
        directives = [d for d in turn.response["response"].get("directives", [])
                      if d["type"] == "Alexa.Presentation.APL.RenderDocument"]
        if step["display"] is None:
            assert directives == [], f"{where}: unexpected APL directive"
        else:
            assert len(directives) == 1, f"{where}: no APL directive"
            data = directives[0]["datasources"]["speakerHelper"]
            kind = next(k for k in ("facts", "steps", "table") if directives[0]["document"] == document(k))
            assert kind == step["display"]["kind"], f"{where}: {kind} document"
            if "current" in step["display"]:
                assert data["current"] == step["display"]["current"], f"{where}: current {data['current']}"
    if "dynamodb_calls" in step:
        assert skill.app.store.calls == step["dynamodb_calls"], f"{where}: {skill.app.store.calls} DynamoDB calls"
    return turn


@pytest.mark.parametrize("script,test", CASES, ids=[f"{s}: {t['test']}" for s, t in CASES])
def test_conversation(script, test, skill):
    sessions = {}
    for step in test["steps"]:
        key = step.get("session_name", "default")
        if key not in sessions or sessions[key].ended and not step.get("end"):
            user = test.get("user")
            kwargs = {"user_id": user} if user else {}
            sessions[key] = skill.session(viewport=bool(test.get("screen")), **kwargs)
        run_step(skill, sessions[key], step)
