"""Session attributes are untrusted; user state survives old schemas and merges."""
from __future__ import annotations

import pytest

from speaker_helper.state import (GuidePosition, Offer, SessionState, Speaker, UserState, MAX_SPEAKERS)

TOPICS = ("stereo_pair", "bluetooth")
IDS = ("stereo-pair-setup", "why-only-one-speaker-plays")


def test_session_state_round_trips():
    s = SessionState(topic="stereo_pair", entry="stereo-pair-setup", offer=Offer("guide", "stereo-pair-setup"),
                     guide=GuidePosition("stereo-pair-setup", 3), last_speech="hi", last_reprompt="?",
                     misses=2, base=UserState(), user=UserState(visits=4), version=7)
    assert SessionState.from_attributes(s.to_attributes(), TOPICS, IDS) == s


@pytest.mark.parametrize("tamper", [
    {"topic": "<script>"},
    {"topic": 42},
    {"entry": "no-such-entry"},
    {"offer": {"action": "exec", "id": "stereo-pair-setup"}},
    {"offer": "yes"},
    {"guide": ["stereo-pair-setup", 2]},
    {"misses": -5},
    {"misses": "2"},
    {"last_speech": "x" * 100_000},
    {"user": {"speakers": [{"kind": "echo", "id": "a" * 1000}]}},
    {"user": {"speakers": "all of them"}},
    {"user": {"visits": 1e300}},
    {"version": "__import__('os')"},
])
def test_tampered_attributes_fall_back_to_safe_defaults(tamper):
    attrs = SessionState().to_attributes() | tamper
    s = SessionState.from_attributes(attrs, TOPICS, IDS)
    clean = SessionState.from_attributes(SessionState().to_attributes(), TOPICS, IDS)
    assert s == clean


@pytest.mark.parametrize("step", [10**9, -1, True, "3", 2.5, None])
def test_a_tampered_guide_step_restarts_the_guide(step):
    attrs = SessionState().to_attributes() | {"guide": {"id": "stereo-pair-setup", "step": step}}
    assert SessionState.from_attributes(attrs, TOPICS, IDS).guide == GuidePosition("stereo-pair-setup", 0)


def test_unknown_attribute_shapes_give_a_fresh_session():
    for junk in (None, [], "STATE", {"STATE": "_TRIVIAMODE", "score": 3}, {"v": 99}):
        assert SessionState.from_attributes(junk, TOPICS, IDS) == SessionState()


def test_speakers_are_bounded():
    raw = {"speakers": [{"kind": "echo", "id": f"m{i}", "count": 99} for i in range(50)]}
    user = UserState.from_dict(raw)
    assert len(user.speakers) == MAX_SPEAKERS
    assert all(s.count == 1 for s in user.speakers)  # 99 is out of range: the default


def test_schema_one_items_still_load():
    old = {"schema": 1, "devices": ["echo_dot_4", "echo_studio"], "visits": 3}
    user = UserState.from_dict(old)
    assert user.speakers == (Speaker("echo", "echo_dot_4"), Speaker("echo", "echo_studio"))
    assert user.visits == 3


def test_three_way_merge_keeps_both_devices_changes():
    base = UserState(visits=2)
    mine = UserState(speakers=(Speaker("echo", "echo_dot_4", 2),), visits=3)
    theirs = UserState(guide=GuidePosition("stereo-pair-setup", 2), visits=3)
    merged = mine.merged_onto(base, theirs)
    assert merged.speakers == mine.speakers
    assert merged.guide == theirs.guide
    assert merged.visits == 4
