"""Every real-world envelope in ../shared/envelopes gets a valid response and never raises."""
from __future__ import annotations

import json

import pytest

from conftest import SHARED_ENVELOPES
from response_checks import check_response

FILES = sorted(SHARED_ENVELOPES.glob("[0-9]*.json"))
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/envelopes is not beside the checkout")


def _app_for(event, settings, dynamodb, kb):
    from speaker_helper.envelopes import application_id
    from speaker_helper.wiring import build

    return build(settings.with_overrides(skill_id=application_id(event)), dynamodb=dynamodb, kb=kb)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_envelope_gets_a_valid_response(path, settings, dynamodb, kb):
    event = json.loads(path.read_text(encoding="utf-8"))
    response = _app_for(event, settings, dynamodb, kb).handle(event)
    check_response(response, str(event["request"].get("type")))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_envelope_for_another_skill_is_rejected_cleanly(path, settings, dynamodb, kb):
    from speaker_helper.wiring import build

    event = json.loads(path.read_text(encoding="utf-8"))
    app = build(settings.with_overrides(skill_id="amzn1.ask.skill.ours"), dynamodb=dynamodb, kb=kb)
    response = app.handle(event)
    assert response == {"version": "1.0", "response": {}}
    assert app.store.calls == 0


def test_every_request_type_in_the_shared_set_is_answered_the_way_alexa_allows(settings, dynamodb, kb):
    speaking = {}
    for path in FILES:
        event = json.loads(path.read_text(encoding="utf-8"))
        response = _app_for(event, settings, dynamodb, kb).handle(event)
        speaking[path.stem] = "outputSpeech" in response["response"]
    assert speaking["01-launch-modern-geolocation-permissions"]
    assert speaking["13-amazon-help-intent"]
    assert not speaking["31-audioplayer-playback-started-de-DE"]
    assert not speaking["25-skill-disabled-event"]
    assert not speaking["17-session-ended-user-initiated"]
