"""The composition root: builds settings, knowledge, matcher, state and the ASK skill once.

This is the only module that creates AWS clients, and it does so when the first request arrives
(or when a test or the command line asks), never at import. Tests and the command line pass their
own DynamoDB client in (moto, or a local server).
"""
from __future__ import annotations

import gc

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.skill_builder import SkillBuilder

from . import envelopes, logs
from .answers import Conversation
from .config import Settings
from .handlers import exception_handlers, request_handlers
from .interceptors import RequestLogger, StateLoader, StateSaver
from .knowledge_base import TOPICS, KnowledgeBase, Lexicon, load_compiled
from .matcher import Matcher, Normaliser
from .speech import ssml
from .state_keeper import StateKeeper
from .state_store import StateStore

log = logging.getLogger(__name__)


def dynamodb_client(settings: Settings):
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=settings.dynamodb_connect_timeout,
        read_timeout=settings.dynamodb_read_timeout,
        retries={"total_max_attempts": settings.dynamodb_total_attempts, "mode": "standard"},
    )
    return boto3.client("dynamodb", region_name=settings.region,
                        endpoint_url=settings.dynamodb_endpoint, config=config)


_NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten".split())
_SMART_SPEAKER = re.compile(r"\b(?:soundbar|sound bar|smart|home speaker)\b")


def matcher_lexicon(kb: KnowledgeBase) -> Lexicon:
    # Which Bluetooth speaker a user owns never changes the answer ("my JBL", "my UE Boom"): the
    # catalogue's Bluetooth brand names read as "speaker". Sonos and the rest keep their names, and
    # so do a Bluetooth brand's smart speakers and soundbars ("bose soundbar"), which are not.
    names = [" ".join(name.split()) for b in kb.brands.values() if b.kind == "bluetooth"
             for name in (b.name.lower(), *b.synonyms) if not _SMART_SPEAKER.search(name)]
    # A model number belongs to the speaker ("jbl flip 5", "charge 4s"), not to an Echo generation.
    numbered = [f"{name} {n}" for name in names if name.split()[-1] not in _NUMBER_WORDS for n in range(1, 10)]
    names += numbered
    brands = {**{f"{name}s": "speakers" for name in names}, **{name: "speaker" for name in names}}  # "my two jbls"
    return replace(kb.lexicon, replacements={**brands, **kb.lexicon.replacements})


def variant_index(kb: KnowledgeBase) -> dict[str, list[list[str]]]:
    """Every question variant as the matcher's tokens: compiled into the knowledge file."""
    normaliser = Normaliser(matcher_lexicon(kb), kb.stems)
    return {i: [list(normaliser.tokens(q, correct=False)) for q in qs] for i, qs in kb.matchable().items()}


def howto_ids(kb: KnowledgeBase) -> list[str]:
    """The entries that give steps, which "how do I ..." prefers."""
    return [e.id for e in kb.entries.values() if e.kind in ("guide", "howto")]


def build_matcher(kb: KnowledgeBase, settings: Settings, semantic=None) -> Matcher:
    """`semantic`: by default the shipped variant vectors, when the settings use them."""
    questions = kb.matchable()
    complete = set(kb.index) == set(questions)
    if semantic is None and settings.match.rerank_weight > 0:
        from .semantic import Semantic

        semantic = Semantic.load(questions)
    return Matcher(questions, {e.id: e.topic for e in kb.entries.values()}, matcher_lexicon(kb), settings.match,
                   stems=kb.stems, tokenized=kb.index if complete else None, declines=kb.out_of_scope,
                   howtos=howto_ids(kb), semantic=semantic)


@dataclass
class App:
    settings: Settings
    kb: KnowledgeBase
    conversation: Conversation
    store: StateStore | None
    skill: Any
    lint: Any = None  # a LintInterceptor when built with lint=True (tests)

    def handle(self, event: Any, context: Any = None) -> dict:
        """One Lambda invocation: raw event in, raw response out."""
        try:
            event = envelopes.verify(event, self.settings.skill_id)
        except envelopes.RejectedEnvelope as exc:
            log.warning("request rejected", extra={"event": "rejected", "reason": str(exc)})
            return envelopes.EMPTY_RESPONSE
        try:
            envelope = envelopes.parse(event)
        except AskSdkException:
            log.warning("unparseable request", extra={"event": "unparseable",
                                                       "request_type": str(event["request"].get("type"))[:80]})
            return envelopes.plain_reply(event, ssml(self.kb.prompt("not_for_this_skill")),
                                         ssml(self.kb.prompt("help_reprompt")))
        try:
            response = self.skill.invoke(request_envelope=envelope, context=context)
            return envelopes.serializer.serialize(response)
        except Exception:  # the SDK's own exception handler failed too: still answer
            log.exception("invocation failed", extra={"event": "invoke_error"})
            return envelopes.plain_reply(event, ssml(self.kb.prompt("error")), ssml(self.kb.prompt("reprompt")))


def build(settings: Settings | None = None, dynamodb=None, kb: KnowledgeBase | None = None,
          observer=None, lint: bool = False) -> App:
    settings = settings or Settings.from_env()
    logs.configure(settings.log_level)
    kb = kb or load_compiled()
    conversation = Conversation(kb, build_matcher(kb, settings), settings)
    if dynamodb is None:
        dynamodb = dynamodb_client(settings)
    store = StateStore(dynamodb, settings.table_name, settings.state_ttl_days)
    keeper = StateKeeper(store, TOPICS, kb.entries.keys())
    builder = SkillBuilder()
    for handler in request_handlers(conversation, keeper):
        builder.add_request_handler(handler)
    for handler in exception_handlers(kb):
        builder.add_exception_handler(handler)
    builder.add_global_request_interceptor(StateLoader(keeper))
    builder.add_global_response_interceptor(StateSaver(keeper))
    builder.add_global_response_interceptor(RequestLogger(observer))
    linter = None
    if lint:
        from .response_lint import LintInterceptor

        linter = LintInterceptor()
        builder.add_global_response_interceptor(linter)
    return App(settings, kb, conversation, store, builder.create(), linter)


_app: App | None = None


def get_app() -> App:
    """The App for this Lambda container, built on the first request."""
    global _app
    if _app is None:
        _app = build()
        # The knowledge and the matcher's index (tens of thousands of objects at ten times
        # today's size) live as long as the container: move them out of the garbage collector's
        # sight, so a full collection during a request does not walk them (a 40 ms pause at 10x).
        gc.freeze()
    return _app
