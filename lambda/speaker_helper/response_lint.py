"""Response lint: what every response must be for a listener, checked where responses are made.

Rules: SSML well-formed, only Alexa's tags and attribute values, under 8,000 characters; a reprompt
on every open session; an open session's speech ends with a question and a closed one's does not;
a first answer from the knowledge base is one breath (at most 45 words); no sentence offers more
than three options. The tests install `LintInterceptor` so every response any test produces is
checked; the Lambda does not run it.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ask_sdk_core.dispatch_components import AbstractResponseInterceptor
from ask_sdk_core.serialize import DefaultSerializer

from .handlers.base import REPLY
from .handlers.questions import QUESTION_INTENTS
from .knowledge_base import MAX_ANSWER_WORDS

MAX_SSML = 8000
MAX_OPTIONS = 3
AMAZON_NS = "http://amazon.com/ssml"
# Alexa's SSML tags and, where the values are a fixed set, the values it accepts.
TAGS = {
    "speak": {}, "p": {}, "s": {}, "w": {"role": None}, "sub": {"alias": None},
    "break": {"time": None, "strength": {"none", "x-weak", "weak", "medium", "strong", "x-strong"}},
    "emphasis": {"level": {"strong", "moderate", "reduced"}},
    "prosody": {"rate": None, "pitch": None, "volume": None},
    "say-as": {"interpret-as": {"characters", "spell-out", "cardinal", "number", "ordinal", "digits",
                                "fraction", "unit", "date", "time", "telephone", "address",
                                "interjection", "expletive"}, "format": None},
    "phoneme": {"alphabet": {"ipa", "x-sampa"}, "ph": None},
    "audio": {"src": None}, "voice": {"name": None}, "lang": {"xml:lang": None}, "mark": {"name": None},
    "amazon:effect": {"name": {"whispered"}},
    "amazon:emotion": {"name": {"excited", "disappointed"}, "intensity": {"low", "medium", "high"}},
    "amazon:domain": {"name": {"conversational", "long-form", "music", "news", "fun"}},
}
_BREAK_TIME = re.compile(r"^(\d+(\.\d+)?)(ms|s)$")
_OFFER = re.compile(r"\b(?:you can (?:ask|say)|try asking|ask me about|i can help with|i can explain|"
                    r"i know|say)\b(.*)$", re.I)


def _tag(element: ET.Element) -> str:
    return element.tag.replace("{" + AMAZON_NS + "}", "amazon:")


def ssml_problems(ssml: str) -> list[str]:
    problems = []
    if len(ssml) > MAX_SSML:
        problems.append(f"SSML is {len(ssml)} characters (limit {MAX_SSML})")
    try:
        root = ET.fromstring(ssml.replace("<speak>", f'<speak xmlns:amazon="{AMAZON_NS}">', 1))
    except ET.ParseError as exc:
        return problems + [f"SSML is not well-formed: {exc}"]
    if root.tag != "speak":
        problems.append("SSML root is not <speak>")
    for element in root.iter():
        tag = _tag(element)
        if tag not in TAGS:
            problems.append(f"<{tag}> is not an Alexa SSML tag")
            continue
        for name, value in element.attrib.items():
            name = name.replace("{http://www.w3.org/XML/1998/namespace}", "xml:")
            if name not in TAGS[tag]:
                problems.append(f"<{tag}> has no attribute {name}")
            elif TAGS[tag][name] is not None and value not in TAGS[tag][name]:
                problems.append(f"<{tag} {name}={value!r}> is not a value Alexa accepts")
        if tag == "break" and "time" in element.attrib:
            m = _BREAK_TIME.match(element.attrib["time"])
            seconds = float(m.group(1)) / (1000 if m and m.group(3) == "ms" else 1) if m else None
            if seconds is None or seconds > 10:
                problems.append(f"<break time={element.attrib['time']!r}> must be at most 10s")
    return problems


def plain_text(ssml: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", ssml).split())


def options_offered(sentence: str) -> int:
    """How many choices a sentence offers ("You can ask A, B or C" -> 3; 0 if it offers none)."""
    m = _OFFER.search(sentence)
    if not m:
        return 0
    offered = re.sub(r"\b(two|one) or more\b|\bmore or less\b|\bleft and right\b", "x", m.group(1))
    items = [p for p in re.split(r",\s*(?:or|and)?\s*|\s+(?:or|and)\s+", offered) if p.strip(" .?!")]
    return len(items) if len(items) > 1 else 0


def speech_problems(text: str, open_session: bool, first_answer: bool) -> list[str]:
    problems = []
    text = text.strip()
    if open_session and not text.endswith("?"):
        problems.append("an open session must end with a question")
    if not open_session and text.endswith("?"):
        problems.append("a closed session must not end with a question")
    if first_answer and len(text.split()) > MAX_ANSWER_WORDS:
        problems.append(f"first answer has {len(text.split())} words (limit {MAX_ANSWER_WORDS})")
    for sentence in re.split(r"(?<=[.?!])\s+", text):
        if options_offered(sentence) > MAX_OPTIONS:
            problems.append(f"offers {options_offered(sentence)} options at once: {sentence!r}")
    return problems


def response_problems(response: dict, first_answer: bool = False) -> list[str]:
    """All lint problems of one serialised response (`{"version", "response": {...}}`)."""
    body = response.get("response") or {}
    speech = (body.get("outputSpeech") or {}).get("ssml")
    if speech is None:
        return []
    open_session = body.get("shouldEndSession") is False
    problems = ssml_problems(speech)
    reprompt = ((body.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
    if open_session and not reprompt:
        problems.append("an open session needs a reprompt")
    if reprompt:
        problems += [f"reprompt: {p}" for p in ssml_problems(reprompt)]
    return problems + speech_problems(plain_text(speech), open_session, first_answer)


class LintInterceptor(AbstractResponseInterceptor):
    """Collects the lint problems of every response into `problems` (tests assert it stays empty)."""

    def __init__(self):
        self.problems: list[str] = []

    def process(self, handler_input, response):
        reply = handler_input.attributes_manager.request_attributes.get(REPLY)
        first = bool(reply and reply.answer_id and reply.guide_step is None
                     and handler_input.request_envelope.request.object_type == "IntentRequest"
                     and getattr(handler_input.request_envelope.request.intent, "name", "") in QUESTION_INTENTS)
        serialised = {"response": DefaultSerializer().serialize(response)} if response is not None else {}
        self.problems += [f"{p} [{reply.text if reply else ''}]" for p in response_problems(serialised, first)]
