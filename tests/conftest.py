"""Shared fixtures: moto DynamoDB with the table from template.yaml, the app, the local skill."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "tests" / "events"
SHARED_ENVELOPES = ROOT.parent / "shared" / "envelopes"

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("DYNAMODB_ENDPOINT", None)


def load_event(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def kb():
    from speaker_helper.knowledge_base import load_compiled

    return load_compiled()


@pytest.fixture
def settings():
    from speaker_helper.config import Settings

    return Settings(log_level="WARNING")


@pytest.fixture
def dynamodb(settings):
    from moto import mock_aws

    from speaker_helper.local_dynamodb import ensure_table
    from speaker_helper.wiring import dynamodb_client

    with mock_aws():
        client = dynamodb_client(settings)
        ensure_table(client, settings.table_name)
        yield client


@pytest.fixture
def app(settings, dynamodb, kb):
    """The skill, with the response lint on: every response it gives in a test is checked."""
    from speaker_helper.wiring import build

    app = build(settings, dynamodb=dynamodb, kb=kb, lint=True)
    yield app
    assert not app.lint.problems, "response lint:\n" + "\n".join(app.lint.problems)


@pytest.fixture
def skill(settings, dynamodb):
    """The skill driven by utterances, with the response lint on."""
    from speaker_helper.local_skill import LocalSkill

    skill = LocalSkill(settings, dynamodb, lint=True)
    yield skill
    assert not skill.app.lint.problems, "response lint:\n" + "\n".join(skill.app.lint.problems)
