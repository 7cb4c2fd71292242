"""The event files in tests/events (the same ones `sam local invoke -e` takes) through the Lambda
entry point, configured from the environment as template.yaml configures it."""
from __future__ import annotations

import importlib

import pytest

from conftest import EVENTS, load_event
from event_expectations import EXPECTED, check_event_response

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"



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
    check_event_response(name, event, handler(event, None))


def test_an_event_for_another_skill_is_rejected(handler):
    event = load_event("launch__new_user")
    event["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    assert handler(event, None) == {"version": "1.0", "response": {}}
