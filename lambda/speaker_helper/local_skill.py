"""The skill running locally, as an Echo would talk to it: utterance -> intent -> Lambda -> speech.

Shared by `speaker-helper chat`, `ask`, `eval` and the conversation tests, so they all exercise the
real entry point (`App.handle`, the same code path as the Lambda handler) with real envelopes.
"""
from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass

from .config import Settings
from .interaction_model import load_model
from .request_factory import Session
from .utterance_router import Routed, UtteranceRouter
from .wiring import build

_TAG = re.compile(r"<[^>]+>")


def plain(ssml: str | None) -> str | None:
    if ssml is None:
        return None
    return " ".join(html.unescape(_TAG.sub(" ", ssml)).split())


@dataclass
class Turn:
    utterance: str | None
    intent: str | None
    slots: dict
    answer_id: str | None
    speech: str
    ssml: str | None
    reprompt: str | None
    card: dict | None
    end_session: bool
    response: dict

    def record(self) -> dict:
        data = asdict(self)
        data.pop("response")
        return data


class LocalSkill:
    def __init__(self, settings: Settings, dynamodb, locale: str = "en-US", lint: bool = False):
        self._reply = None
        self.app = build(settings, dynamodb=dynamodb, observer=self._observe, lint=lint)
        kb = self.app.kb
        # The entries' words, as written and as the matcher reads them (declined subjects' words
        # do not make an utterance about this skill).
        words = {w for entry in kb.entries.values() for q in entry.questions for w in q.split()}
        words |= {t for eid in kb.entries for variant in kb.index.get(eid, ()) for t in variant}
        self.router = UtteranceRouter(load_model(locale), vocabulary=words,
                                      reader=self.app.conversation.matcher.content_tokens)
        self.locale = locale

    def _observe(self, reply) -> None:
        self._reply = reply

    def session(self, **kwargs) -> Session:
        return Session(locale=self.locale, **kwargs)

    def send(self, session: Session, event: dict, utterance: str | None = None,
             routed: Routed | None = None) -> Turn:
        self._reply = None
        response = self.app.handle(event)
        session.absorb(response)
        body = response.get("response") or {}
        speech_ssml = (body.get("outputSpeech") or {}).get("ssml")
        reprompt = ((body.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
        card = body.get("card")
        return Turn(
            utterance=utterance,
            intent=routed.intent if routed else event["request"]["type"],
            slots=routed.slot_values() if routed else {},
            answer_id=getattr(self._reply, "answer_id", None),
            speech=plain(speech_ssml) or "",
            ssml=speech_ssml,
            reprompt=plain(reprompt),
            card={"title": card.get("title"), "text": card.get("content") or card.get("text")} if card else None,
            end_session=session.ended,
            response=response,
        )

    def launch(self, session: Session) -> Turn:
        return self.send(session, session.launch())

    def say(self, session: Session, utterance: str) -> Turn:
        routed = self.router.route(utterance)
        return self.send(session, session.intent(routed), utterance, routed)

    def end(self, session: Session, reason: str = "USER_INITIATED") -> Turn:
        return self.send(session, session.session_ended(reason))
