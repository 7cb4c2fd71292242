"""SSML is escaped where text becomes markup."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from speaker_helper.answers import Reply
from speaker_helper.speech import PAUSE, reprompt_ssml, speech_ssml, ssml


def test_metacharacters_are_escaped():
    out = ssml('Tom & Jerry <break time="10s"/> "quotes" \'apostrophes\'')
    root = ET.fromstring(out)
    assert root.tag == "speak"
    assert len(list(root)) == 0  # no element sneaked in
    assert "Tom & Jerry <break" in "".join(root.itertext())


def test_parts_are_separated_by_a_pause_and_empty_parts_dropped():
    out = speech_ssml(Reply(("One.", "", "  ", "Two?"), "Two?"))
    assert out == f"<speak>One.{PAUSE}Two?</speak>"


def test_no_reprompt_when_the_session_ends():
    assert reprompt_ssml(Reply(("Bye.",), None)) is None
