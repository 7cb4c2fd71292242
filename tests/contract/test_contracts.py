"""Contracts between the parts: model <-> handlers, template <-> code, sources <-> generated files."""
from __future__ import annotations

import json
from pathlib import Path

from speaker_helper import interaction_model, state_store
from speaker_helper.answers import Conversation
from speaker_helper.config import Settings
from speaker_helper.handlers import request_handlers
from speaker_helper.handlers.base import IntentHandler
from speaker_helper.knowledge_base import PACKAGE_DATA, compile_source
from speaker_helper.local_dynamodb import load_template, table_definition
from speaker_helper.wiring import build_matcher, variant_index

ROOT = Path(__file__).resolve().parents[2]


def _handled_intents(kb) -> set[str]:
    conversation = Conversation(kb, build_matcher(kb, Settings()), Settings())
    handled = set()
    for handler in request_handlers(conversation, keeper=None):
        if isinstance(handler, IntentHandler):
            handled.update(handler.intents)
    return handled


def test_every_model_intent_has_a_handler_and_every_handled_intent_is_in_the_model(kb):
    model = interaction_model.load_model("en-US")
    in_model = {i["name"] for i in model["interactionModel"]["languageModel"]["intents"]}
    handled = _handled_intents(kb)
    assert in_model - handled == set(), "intents without a handler"
    assert handled - in_model == set(), "handlers for intents the model lacks"


def test_generated_models_are_current(kb):
    assert interaction_model.drift(kb) == []


def test_compiled_knowledge_is_current():
    _, fresh = compile_source(ROOT / "knowledge", variant_index)
    assert json.loads(PACKAGE_DATA.read_text(encoding="utf-8")) == json.loads(fresh)


def test_shipped_variant_vectors_are_current(kb):
    from speaker_helper.semantic import vectors_current

    assert vectors_current(kb.matchable()), "variant_vectors.npz is stale: run `make knowledge`"


def test_shipped_variant_vectors_are_what_the_encoder_gives(kb):
    # A sample, not all 4,000: the stored float16 vectors are the encoder's, to rounding.
    import numpy as np

    from speaker_helper.semantic import VECTORS, shared_encoder

    with np.load(VECTORS) as data:
        rows = list(range(0, len(data["ids"]), 397))
        for i in rows:
            assert float(data["vectors"][i].astype(np.float32) @ shared_encoder().encode(str(data["texts"][i]))) > 0.999


def test_the_compiled_index_is_what_the_matcher_would_compute(kb):
    from speaker_helper.matcher import Matcher

    assert set(kb.index) == set(kb.matchable())
    with_index = build_matcher(kb, Settings())
    without = Matcher(kb.matchable(), {e.id: e.topic for e in kb.entries.values()},
                      with_index.normaliser.lexicon, Settings().match, stems=kb.stems)
    assert with_index._variants == without._variants


def test_catalogue_slot_values_are_in_every_model(kb):
    for locale in interaction_model.load_source()["locales"]:
        types = {t["name"]: t for t in interaction_model.load_model(locale)["interactionModel"]["languageModel"]["types"]}
        assert {v["id"] for v in types["ECHO_MODEL"]["values"]} == set(kb.echo_models)
        assert {v["id"] for v in types["SPEAKER_BRAND"]["values"]} == set(kb.brands)


def test_the_table_key_schema_is_the_one_the_code_uses():
    definition = table_definition()
    assert definition["KeySchema"] == [{"AttributeName": state_store.KEY, "KeyType": "HASH"}]
    assert definition["AttributeDefinitions"] == [{"AttributeName": state_store.KEY, "AttributeType": "S"}]


def test_ttl_is_enabled_on_the_attribute_the_code_writes():
    table = load_template()["Resources"]["UsersTable"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": state_store.TTL, "Enabled": True}


def test_the_table_name_reaches_the_function_by_reference():
    function = load_template()["Resources"]["SkillFunction"]["Properties"]
    assert function["Environment"]["Variables"]["TABLE_NAME"] == {"Ref": "UsersTable"}
    assert function["Handler"] == "speaker_helper.app.handler"
    assert (ROOT / function["CodeUri"] / "speaker_helper" / "app.py").exists()
