"""Rendering: a `Reply` becomes SSML, a reprompt and a card, safely.

All text is escaped here, at the one place it turns into markup, so nothing a user said, a slot
carried or a tampered session attribute held can break the SSML. Parts of a reply are separated by
a short pause so an answer and the question after it do not run together. Lengths stay far below
Alexa's 8,000-character limit by construction: answers are one breath (validated in the knowledge
base) and the only echoed text, the last response for "repeat", is capped in the session state.
"""
from __future__ import annotations

import re

from .answers import Reply

PAUSE = '<break time="300ms"/>'


# Characters XML 1.0 does not allow (controls, lone surrogates, U+FFFE/FFFF): dropped, never sent.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text: str) -> str:
    # xml.sax.saxutils.escape does the same but imports urllib on the way: 60 ms of cold start.
    text = _NOT_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ssml(*parts: str) -> str:
    return "<speak>" + PAUSE.join(escape(" ".join(p.split())) for p in parts if p and p.strip()) + "</speak>"


def speech_ssml(reply: Reply) -> str:
    return ssml(*reply.speech)


def reprompt_ssml(reply: Reply) -> str | None:
    return ssml(reply.reprompt) if reply.reprompt else None
