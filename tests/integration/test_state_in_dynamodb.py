"""Per-user state in DynamoDB (moto): what is remembered, what it costs, and that nothing is lost."""
from __future__ import annotations

import logging

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from speaker_helper.state_store import KEY, StateStore, StateUnavailable, user_key
from speaker_helper.state import Speaker, UserState

USER = "amzn1.ask.account.TEST-USER"


def _item(dynamodb, settings, user=USER):
    from boto3.dynamodb.types import TypeDeserializer

    item = dynamodb.get_item(TableName=settings.table_name, Key={KEY: {"S": user_key(user)}}).get("Item")
    return {k: TypeDeserializer().deserialize(v) for k, v in item.items()} if item else None


def test_the_raw_user_id_is_never_stored(dynamodb, settings, skill):
    session = skill.session(user_id=USER)
    skill.launch(session)
    skill.say(session, "I have two echo dots fourth gen")
    items = dynamodb.scan(TableName=settings.table_name)["Items"]
    assert len(items) == 1 and USER not in str(items)


def test_speakers_are_written_at_once_and_remembered_next_session(skill):
    first = skill.session(user_id=USER)
    skill.launch(first)
    skill.say(first, "I have two echo dots fourth gen and a jbl flip six")
    second = skill.session(user_id=USER)
    skill.launch(second)
    turn = skill.say(second, "what speakers do I have")
    assert "echo dot" in turn.speech.lower() and "jbl" in turn.speech.lower()
    turn = skill.say(second, "forget my speakers")
    third = skill.session(user_id=USER)
    skill.launch(third)
    assert "haven't told me" in skill.say(third, "what speakers do I have").speech


def test_a_ten_turn_conversation_costs_at_most_three_dynamodb_calls(skill):
    session = skill.session(user_id=USER)
    calls = skill.app.store.calls
    turns = ["I have two echo dots fourth gen", "how do I stereo pair two echo dots", "next", "next",
             "why does only one of my bluetooth speakers play", "what is a multi room group",
             "tell me more", "repeat", "help", "stop"]
    skill.launch(session)
    for utterance in turns[:9]:
        skill.say(session, utterance)
    last = skill.say(session, turns[9])
    assert last.end_session
    # one read at launch, one write when the speakers were told, one flush at the end
    assert skill.app.store.calls - calls == 3


def test_no_write_for_a_session_that_changed_nothing(dynamodb, settings):
    from speaker_helper.local_skill import LocalSkill

    skill = LocalSkill(settings, dynamodb)
    session = skill.session(user_id=USER)
    skill.say(session, "why does only one of my speakers play")
    reads = skill.app.store.calls
    skill.end(session)  # SessionEndedRequest: the only change was last_topic... which is soft state
    assert skill.app.store.calls - reads == 1  # that one flush
    session = skill.session(user_id=USER)
    skill.say(session, "why does only one of my speakers play")  # same topic again: nothing new
    before = skill.app.store.calls
    skill.end(session)
    assert skill.app.store.calls == before


def test_guide_progress_is_offered_next_time(skill):
    session = skill.session(user_id=USER)
    skill.launch(session)
    for utterance in ("how do I stereo pair two echo dots", "next", "next", "next"):
        skill.say(session, utterance)
    skill.end(session)
    later = skill.session(user_id=USER)
    welcome = skill.launch(later)
    assert "step three" in welcome.speech.lower()
    resumed = skill.say(later, "yes")
    assert "step three of six" in resumed.speech.lower()


def test_two_devices_interleaved_keep_both_changes(skill, dynamodb, settings):
    kitchen = skill.session(user_id=USER)
    bedroom = skill.session(user_id=USER)
    skill.launch(kitchen)
    skill.launch(bedroom)  # both read version 0
    skill.say(kitchen, "I have an echo studio")                      # write now
    for utterance in ("how do I stereo pair two echo dots", "next", "next"):
        skill.say(bedroom, utterance)
    skill.say(bedroom, "stop")                                         # flush: conflict, merge, retry
    stored = UserState.from_dict(_item(dynamodb, settings)["state"])
    assert Speaker("echo", "echo_studio") in stored.speakers
    assert stored.guide is not None and stored.guide.step == 2
    assert stored.visits == 2


def test_skill_disabled_deletes_the_users_item(skill, dynamodb, settings):
    session = skill.session(user_id=USER)
    skill.launch(session)
    skill.say(session, "I have an echo studio")
    assert _item(dynamodb, settings) is not None
    event = session.envelope({"type": "AlexaSkillEvent.SkillDisabled"})
    event.pop("session")
    skill.app.handle(event)
    assert _item(dynamodb, settings) is None


def test_items_carry_a_ttl(skill, dynamodb, settings):
    import time

    session = skill.session(user_id=USER)
    skill.launch(session)
    skill.say(session, "I have an echo studio")
    expires = int(_item(dynamodb, settings)["expires_at"])
    assert time.time() + 170 * 86400 < expires < time.time() + 190 * 86400


class FaultyClient:
    """A DynamoDB client whose every call fails the way DynamoDB can fail."""

    def __init__(self, error: Exception):
        self.error = error

    def get_item(self, **_):
        raise self.error

    put_item = delete_item = get_item


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "injected"}}, "GetItem")


FAULTS = [
    _client_error("ProvisionedThroughputExceededException"),
    _client_error("ThrottlingException"),
    _client_error("ResourceNotFoundException"),
    _client_error("AccessDeniedException"),
    ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
    ConnectTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
    EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
]


def _fault_id(fault: Exception) -> str:
    if isinstance(fault, ClientError):
        return fault.response["Error"]["Code"]
    return type(fault).__name__


@pytest.mark.parametrize("fault", FAULTS, ids=_fault_id)
def test_a_dynamodb_fault_is_invisible_to_the_user_and_logged_once(fault, skill, caplog):
    skill.app.store.client = FaultyClient(fault)
    session = skill.session(user_id=USER)
    with caplog.at_level(logging.WARNING, logger="speaker_helper"):
        welcome = skill.launch(session)
        answer = skill.say(session, "why does only one of my bluetooth speakers play")
        saved = skill.say(session, "I have an echo studio")
    assert "welcome" in welcome.speech.lower()
    assert answer.answer_id == "why-only-one-speaker-plays"
    assert "echo studio" in saved.speech.lower()
    for turn in (welcome, answer, saved):
        assert "error" not in turn.speech.lower() and "wrong" not in turn.speech.lower()
    faults = [r for r in caplog.records if getattr(r, "event", None) == "dynamodb_fault"]
    assert [r.operation for r in faults] == ["get_item", "put_item"]  # one line per failed call
    assert all(USER not in r.getMessage() and USER not in str(r.__dict__) for r in caplog.records)


def test_a_missing_table_is_a_fault_not_a_crash(dynamodb):
    store = StateStore(dynamodb, "no-such-table", ttl_days=1)
    with pytest.raises(StateUnavailable):
        store.load(user_key(USER))


def test_the_client_gives_up_well_before_alexas_eight_seconds(settings):
    from speaker_helper.wiring import dynamodb_client

    config = dynamodb_client(settings).meta.config
    worst = (config.connect_timeout + config.read_timeout) * config.retries["total_max_attempts"]
    assert worst <= 4
