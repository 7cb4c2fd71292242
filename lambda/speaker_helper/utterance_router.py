"""Local stand-in for Alexa's language understanding, for `chat`, `ask` and the eval.

It routes an utterance to an intent and slots the way the interaction model lets Alexa do it:
exact sample matches (slots captured and checked against their types, custom slot values resolved
to catalogue ids as entity resolution would), then Alexa's own phrases for the built-in intents,
then the AMAZON.SearchQuery carrier phrases. An utterance that fits nothing goes to QuestionIntent
with the whole text as the query: on a device Alexa may pick AMAZON.FallbackIntent instead, but a
terminal user typing a question wants it answered. Only an utterance with no word the skill
knows (the model's or the knowledge base's) goes to AMAZON.FallbackIntent. Not used by the Lambda.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from rapidfuzz import fuzz, process

SEARCH_QUERY = "AMAZON.SearchQuery"
NUMBER = "AMAZON.NUMBER"
QUESTION_INTENT = "QuestionIntent"
# Custom slot values count as recognised at or above this similarity (0-100) to a value or synonym.
SLOT_CUTOFF = 82.0

# The phrases Alexa's built-in intents understand without samples (a representative subset).
BUILT_IN_PHRASES = {
    "AMAZON.HelpIntent": ["help", "help me", "i need help", "what can you do", "how does this work",
                          "what can i say", "options"],
    "AMAZON.StopIntent": ["stop", "quit", "exit", "goodbye", "bye", "good bye", "i am done", "im done",
                          "that is all", "thats all", "shut up", "end", "off"],
    "AMAZON.CancelIntent": ["cancel", "never mind", "nevermind", "forget it", "cancel that"],
    "AMAZON.NavigateHomeIntent": ["go home", "home", "go to home screen"],
    "AMAZON.YesIntent": ["yes", "yeah", "yep", "yup", "sure", "ok", "okay", "yes please", "please do",
                         "sounds good", "of course", "absolutely", "go ahead", "do it", "why not",
                         "alright", "all right", "sure thing", "yeah sure", "definitely", "yes i do"],
    "AMAZON.NoIntent": ["no", "nope", "nah", "no thanks", "no thank you", "not now", "not really",
                        "no i am good", "no im good", "i am good", "im good", "maybe later", "no i dont"],
    "AMAZON.NextIntent": ["next", "skip", "next one", "go on to the next", "move on", "keep going"],
    "AMAZON.PreviousIntent": ["previous", "go back", "back", "previous one", "back up"],
    "AMAZON.RepeatIntent": ["repeat", "repeat that", "say it again", "again", "pardon", "come again",
                            "what", "huh", "sorry what", "can you repeat that", "repeat please"],
    "AMAZON.StartOverIntent": ["start over", "restart", "begin again", "from the beginning",
                               "start again", "back to the start", "start from the beginning"],
    "AMAZON.PauseIntent": ["pause"],
}
_NUMBERS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_NUMBERS.update({"a": "1", "an": "1", "a couple of": "2", "a pair of": "2", "both": "2"})


@dataclass(frozen=True)
class SlotFill:
    value: str
    resolved_id: str | None = None   # custom types: the catalogue id, or None (ER_SUCCESS_NO_MATCH)
    custom: bool = False


@dataclass(frozen=True)
class Routed:
    intent: str
    slots: dict[str, SlotFill] = field(default_factory=dict)

    def slot_values(self) -> dict[str, str]:
        return {name: fill.value for name, fill in self.slots.items()}


# Said around a request without changing it: dropped from the start and the end before matching.
_POLITE = re.compile(r"^(?:(?:ok|okay|so|um|uh|hey|alexa|well|and|please|now)\s+)+|(?:\s+(?:please|thanks|thank you))+$")
# Fixed phrases also match at this similarity (0-100), when both are long enough to judge.
PHRASE_CUTOFF = 90.0
PHRASE_MIN_LEN = 8


def clean(text: str) -> str:
    text = str(text).lower().replace("’", "'").replace("'", "")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class _Pattern:
    intent: str
    regex: re.Pattern
    slot_types: dict[str, str]
    literal: int          # characters of literal text: more is more specific
    carrier: bool         # an AMAZON.SearchQuery sample


class UtteranceRouter:
    def __init__(self, model: dict, vocabulary=(), reader: Callable[[str], Iterable[str]] = str.split):
        """`vocabulary`: extra words that make an utterance "about this skill" (the knowledge
        base's); an unmatched utterance with none of them goes to AMAZON.FallbackIntent.
        `reader`: how the skill reads an utterance's words (the matcher's lexicon and spelling
        correction), so that "blutooth speekers" counts as words the skill knows."""
        language = model["interactionModel"]["languageModel"]
        self.types: dict[str, dict[str, str]] = {}
        for slot_type in language.get("types", []):
            names: dict[str, str] = {}
            for value in slot_type["values"]:
                for name in (value["name"]["value"], *value["name"].get("synonyms", [])):
                    names[clean(name)] = value.get("id") or value["name"]["value"]
            self.types[slot_type["name"]] = names
        self.patterns: list[_Pattern] = []
        self.phrases: dict[str, str] = {}
        for intent in language["intents"]:
            slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
            for sample in intent.get("samples", []):
                parts = re.split(r"(\{\w+\})", sample)
                sample = " ".join(p if p.startswith("{") else clean(p) for p in parts if p.strip())
                if "{" not in sample:
                    self.phrases.setdefault(sample, intent["name"])
                    continue
                self.patterns.append(self._compile(intent["name"], sample, slot_types))
            for phrase in BUILT_IN_PHRASES.get(intent["name"], []):
                self.phrases.setdefault(clean(phrase), intent["name"])
        self.patterns.sort(key=lambda p: (p.carrier, -p.literal))
        self.intents = {i["name"] for i in language["intents"]}
        words = {w for phrase in self.phrases for w in phrase.split()}
        words |= {w for names in self.types.values() for name in names for w in name.split()}
        words |= {w for p in self.patterns for w in re.findall(r"[a-z]+", p.regex.pattern)}
        words |= {clean(w) for w in vocabulary}
        # Short words ("a", "to", "my") say nothing about the topic.
        self.vocabulary = frozenset(w for w in words if len(w) > 3)
        # What the reader returns is compared with every word given, short ones too ("pop", "aux").
        self.read_vocabulary = frozenset(clean(w) for w in vocabulary) | self.vocabulary
        self.reader = reader

    @staticmethod
    def _compile(intent: str, sample: str, slot_types: dict[str, str]) -> _Pattern:
        pieces, literal, slots = [], 0, []
        for token in sample.split():
            name = token[1:-1] if token.startswith("{") and token.endswith("}") else None
            if name is None:
                pieces.append(re.escape(token))
                literal += len(token)
            elif slot_types.get(name) == NUMBER:
                pieces.append(rf"(?P<{name}>\S+)")  # a number is one word ("two", "2")
                slots.append(name)
            else:
                pieces.append(rf"(?P<{name}>.+?)")
                slots.append(name)
        carrier = any(slot_types.get(name) == SEARCH_QUERY for name in slots)
        return _Pattern(intent, re.compile("^" + r"\s+".join(pieces) + "$"), slot_types, literal, carrier)

    def _about_this_skill(self, core: str) -> bool:
        """A word of it is one the skill knows, or, read with spelling correction, two are (one
        corrected word alone is too easily a different word: "monkey" reads as "money")."""
        vocabulary = self.vocabulary
        if any(w in vocabulary for w in core.split()):
            return True
        return len({w for w in self.reader(core) if w in self.read_vocabulary}) >= 2

    def _fill(self, slot_type: str, value: str) -> SlotFill | None:
        value = value.strip()
        if not value:
            return None
        if slot_type == NUMBER:
            number = _NUMBERS.get(value, value)
            return SlotFill(number) if number.isdecimal() else None
        if slot_type == SEARCH_QUERY or slot_type.startswith("AMAZON."):
            return SlotFill(value)
        names = self.types.get(slot_type, {})
        if value in names:
            return SlotFill(value, names[value], custom=True)
        # Whole-string similarity: a long phrase that merely contains a model name ("echo studios
        # how do i make them play") is not that model.
        found = process.extractOne(value, names.keys(), scorer=fuzz.ratio, score_cutoff=SLOT_CUTOFF)
        # Alexa still fills an unresolved custom slot with what it heard (ER_SUCCESS_NO_MATCH); here
        # an unresolvable value makes the sample not match, so a question is not taken for a model.
        return SlotFill(value, names[found[0]], custom=True) if found else None

    def route(self, utterance: str) -> Routed:
        text = clean(utterance)
        core = _POLITE.sub("", text).strip() or text
        if not core:
            return Routed("AMAZON.FallbackIntent")
        for candidate in dict.fromkeys((text, core)):
            if candidate in self.phrases:
                return Routed(self.phrases[candidate])
        for pattern in self.patterns:
            m = pattern.regex.match(core) or pattern.regex.match(text)
            if not m:
                continue
            slots = {}
            for name, raw in m.groupdict().items():
                fill = self._fill(pattern.slot_types[name], raw)
                if fill is None:
                    break
                slots[name] = fill
            else:
                return Routed(pattern.intent, slots)
        if len(core) >= PHRASE_MIN_LEN:
            found = process.extractOne(core, [p for p in self.phrases if len(p) >= PHRASE_MIN_LEN],
                                       scorer=fuzz.ratio, score_cutoff=PHRASE_CUTOFF)
            if found:
                return Routed(self.phrases[found[0]])
        if not self._about_this_skill(core):
            return Routed("AMAZON.FallbackIntent")
        return Routed(QUESTION_INTENT, {"query": SlotFill(core)})
