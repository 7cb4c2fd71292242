"""The interaction-model validator: the generated models pass, and each of Alexa's build rules
catches a real model broken in exactly one place."""
from __future__ import annotations

import copy
import json
import string
from itertools import product

import pytest

from speaker_helper import model_validator as mv
from speaker_helper.interaction_model import MODELS_DIR, load_model, load_source


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture(scope="module")
def real_model():
    return load_model("en-US")


@pytest.fixture(scope="module")
def baseline(real_model):
    """What the validator says about the unbroken model; a breakage must add to it."""
    return set(mv.validate(real_model, "en-US"))


@pytest.fixture
def model(real_model):
    return copy.deepcopy(real_model)


def language(model):
    return model["interactionModel"]["languageModel"]


def intent(model, name):
    return next(i for i in language(model)["intents"] if i["name"] == name)


def custom_type(model, name):
    return next(t for t in language(model)["types"] if t["name"] == name)


def letter_codes(count, width=4):
    """count distinct lower-case letter strings: names without digits."""
    return ["".join(p) for p, _ in zip(product(string.ascii_lowercase, repeat=width), range(count))]


def added_problems(broken, baseline, locale="en-US"):
    return [p for p in mv.validate(broken, locale) if p not in baseline]


def assert_only_rule(broken, baseline, rule, where):
    added = added_problems(broken, baseline)
    assert added, f"the breakage was not reported (expected rule {rule})"
    assert {p.rule for p in added} == {rule}, [str(p) for p in added]
    assert any(where in p.where for p in added), [str(p) for p in added]


def minimal_model(samples=("list my speakers",), invocation="speaker helper"):
    return {"interactionModel": {"languageModel": {
        "invocationName": invocation,
        "intents": [{"name": name, "slots": [], "samples": []} for name in mv.REQUIRED_BUILTINS]
        + [{"name": "ListSpeakersIntent", "slots": [], "samples": list(samples)}],
        "types": [],
    }}}


# ---------------------------------------------------------------------------------------------
# The real models


def test_every_locale_in_the_source_has_a_model():
    assert sorted(p.stem for p in MODELS_DIR.glob("*.json")) == sorted(load_source()["locales"])


@pytest.mark.parametrize("locale", sorted(load_source()["locales"]))
def test_the_generated_model_passes(locale):
    problems = mv.validate(load_model(locale), locale)
    assert problems == [], "\n".join(str(p) for p in problems)


def test_a_minimal_model_passes():
    assert mv.validate(minimal_model()) == []


# ---------------------------------------------------------------------------------------------
# Rule 1: invocation name


@pytest.mark.parametrize("name", [
    "Speaker Helper",
    "speaker helper 2",
    "speaker, helper",
    "speaker-helper tips",
    "ask speaker helper",
    "speaker helper for echo",
    "alexa helper",
    "computer speaker helper",
    "speaker helper skill",
    "speaker helper app",
    "speakerhelper",
    "speaker helper speaker helper speaker helper speaker",
    "",
])
def test_invocation_name_rule(model, baseline, name):
    language(model)["invocationName"] = name
    assert_only_rule(model, baseline, mv.INVOCATION_NAME, "invocationName")


@pytest.mark.parametrize("name", ["s. h. speaker helper", "sam's speaker helper", "two speakers guide"])
def test_well_formed_invocation_names_pass(model, baseline, name):
    language(model)["invocationName"] = name
    assert added_problems(model, baseline) == []


# ---------------------------------------------------------------------------------------------
# Rule 2: sample characters


@pytest.mark.parametrize("sample", [
    "list my 2 speakers",
    "list my speakers?",
    "list my speakers, please",
    "list my speakers.",
    "list my sp\u00e9akers",
    "list my {speakers",
    "list my speakers & devices",
    "",
    "   ",
    "list my speakers " * 12,
])
def test_sample_character_rule(model, baseline, sample):
    intent(model, "ListSpeakersIntent")["samples"].append(sample)
    assert_only_rule(model, baseline, mv.SAMPLE_CHARACTERS, "intent ListSpeakersIntent")


@pytest.mark.parametrize("sample", [
    "list my u. e. speakers",
    "list my speakers' names",
    "list my plug-in speakers",
    "what's in my speaker list",
])
def test_allowed_sample_punctuation_passes(model, baseline, sample):
    intent(model, "ListSpeakersIntent")["samples"].append(sample)
    assert added_problems(model, baseline) == []


def test_letters_outside_ascii_pass_outside_english(model, real_model):
    intent(model, "ListSpeakersIntent")["samples"].append("liste mes haut-parleurs pr\u00e9f\u00e9r\u00e9s")
    assert added_problems(model, set(mv.validate(real_model, "fr-FR")), "fr-FR") == []
    assert {p.rule for p in added_problems(model, set(mv.validate(real_model, "en-US")))} == \
        {mv.SAMPLE_CHARACTERS}


# ---------------------------------------------------------------------------------------------
# Rule 3: slot references and slot types


def test_undeclared_slot_in_a_sample(model, baseline):
    intent(model, "ListSpeakersIntent")["samples"].append("list my {speakers}")
    assert_only_rule(model, baseline, mv.SLOT_REFERENCES, "intent ListSpeakersIntent sample")


def test_slot_type_that_does_not_exist(model, baseline):
    slot = next(s for s in intent(model, "DeviceInfoIntent")["slots"] if not s["type"].startswith("AMAZON."))
    slot["type"] = "NO_SUCH_TYPE"
    assert_only_rule(model, baseline, mv.SLOT_REFERENCES, f"intent DeviceInfoIntent slot {slot['name']}")


def test_slot_declared_twice(model, baseline):
    slots = intent(model, "SetSpeakersIntent")["slots"]
    slots.append(dict(slots[0]))
    assert_only_rule(model, baseline, mv.SLOT_REFERENCES, "intent SetSpeakersIntent slot")


# ---------------------------------------------------------------------------------------------
# Rule 4: AMAZON.SearchQuery


def search_slot_name(model):
    return next(s["name"] for s in intent(model, "QuestionIntent")["slots"]
                if s["type"] == "AMAZON.SearchQuery")


def test_search_query_without_a_carrier_phrase(model, baseline):
    query = search_slot_name(model)
    intent(model, "QuestionIntent")["samples"].append(f"{{{query}}}")
    assert_only_rule(model, baseline, mv.SEARCH_QUERY, "intent QuestionIntent sample")


def test_search_query_with_another_slot(model, baseline):
    query = search_slot_name(model)
    question = intent(model, "QuestionIntent")
    question["slots"].append({"name": "brand", "type": "SPEAKER_BRAND"})
    question["samples"].append(f"why does my {{brand}} {{{query}}}")
    assert_only_rule(model, baseline, mv.SEARCH_QUERY, "intent QuestionIntent sample")


def test_two_search_query_slots_in_one_intent(model, baseline):
    intent(model, "QuestionIntent")["slots"].append({"name": "topic", "type": "AMAZON.SearchQuery"})
    assert_only_rule(model, baseline, mv.SEARCH_QUERY, "intent QuestionIntent")


# ---------------------------------------------------------------------------------------------
# Rule 5: duplicate samples


def test_sample_in_two_intents(model, baseline):
    taken = intent(model, "ListSpeakersIntent")["samples"][0]
    intent(model, "ForgetSpeakersIntent")["samples"].append("  " + taken.upper().replace(" ", "   "))
    assert_only_rule(model, baseline, mv.DUPLICATE_SAMPLE, "intent ForgetSpeakersIntent")


def test_sample_twice_in_one_intent(model, baseline):
    samples = intent(model, "WhichStepIntent")["samples"]
    samples.append(samples[0].title())
    assert_only_rule(model, baseline, mv.DUPLICATE_SAMPLE, "intent WhichStepIntent")


# ---------------------------------------------------------------------------------------------
# Rule 6: phrases the built-in intents own


@pytest.mark.parametrize("phrase", ["help", "Never  Mind", "go home", "start over"])
def test_custom_intent_claims_a_builtin_phrase(model, baseline, phrase):
    intent(model, "ListSpeakersIntent")["samples"].append(phrase)
    assert_only_rule(model, baseline, mv.BUILTIN_PHRASE, "intent ListSpeakersIntent")


def test_builtin_intent_may_list_its_own_phrase(model, baseline):
    intent(model, "AMAZON.HelpIntent")["samples"].append("help")
    assert added_problems(model, baseline) == []


# ---------------------------------------------------------------------------------------------
# Rule 7: required built-in intents


@pytest.mark.parametrize("name", mv.REQUIRED_BUILTINS)
def test_required_builtin_missing(model, baseline, name):
    language(model)["intents"] = [i for i in language(model)["intents"] if i["name"] != name]
    added = added_problems(model, baseline)
    assert [p.rule for p in added] == [mv.REQUIRED_INTENTS]
    assert name in added[0].message


# ---------------------------------------------------------------------------------------------
# Rule 8: custom slot values


def set_first_value(model, value=None, synonyms=None, id_=None):
    entry = custom_type(model, "GUIDE_SECTION")["values"][0]
    if value is not None:
        entry["name"]["value"] = value
    if synonyms is not None:
        entry["name"]["synonyms"] = synonyms
    if id_ is not None:
        entry["id"] = id_


@pytest.mark.parametrize("change", [
    {"value": "a" * 141},
    {"synonyms": ["b" * 141]},
    {"value": ""},
    {"synonyms": ["   "]},
], ids=["long value", "long synonym", "empty value", "empty synonym"])
def test_slot_value_rule(model, baseline, change):
    set_first_value(model, **change)
    assert_only_rule(model, baseline, mv.SLOT_VALUES, "type GUIDE_SECTION")


def test_slot_value_ids_unique_within_a_type(model, baseline):
    values = custom_type(model, "GUIDE_SECTION")["values"]
    values[1]["id"] = values[0]["id"]
    assert_only_rule(model, baseline, mv.SLOT_VALUES, "type GUIDE_SECTION")


def test_slot_value_of_exactly_the_limit_passes(model, baseline):
    set_first_value(model, value="a" * mv.MAX_SLOT_VALUE_CHARS, synonyms=["b" * mv.MAX_SLOT_VALUE_CHARS])
    assert added_problems(model, baseline) == []


# ---------------------------------------------------------------------------------------------
# Rule 9: model size


def add_intents(model, total):
    missing = total - len(language(model)["intents"])
    for code in letter_codes(missing):
        language(model)["intents"].append({"name": f"Extra{code.capitalize()}Intent", "slots": [],
                                           "samples": []})


def test_too_many_intents(model, baseline):
    add_intents(model, mv.MAX_INTENTS + 1)
    assert_only_rule(model, baseline, mv.MODEL_SIZE, "intents")


def test_intents_up_to_the_limit_pass(model, baseline):
    add_intents(model, mv.MAX_INTENTS)
    assert added_problems(model, baseline) == []


def test_too_many_custom_slot_values(model, baseline):
    language(model)["types"].append({"name": "BULK", "values": [
        {"id": code, "name": {"value": code, "synonyms": []}}
        for code in letter_codes(mv.MAX_CUSTOM_SLOT_VALUES)
    ]})
    assert_only_rule(model, baseline, mv.MODEL_SIZE, "types")


# ---------------------------------------------------------------------------------------------
# Rule 10: intent names


@pytest.mark.parametrize("name", ["List Speakers Intent", "ListSpeakers2Intent", "List-Speakers",
                                  "_ListSpeakers"])
def test_malformed_custom_intent_name(model, baseline, name):
    intent(model, "ListSpeakersIntent")["name"] = name
    assert_only_rule(model, baseline, mv.INTENT_NAMES, f"intent {name}")


def test_malformed_builtin_intent_name(model, baseline):
    language(model)["intents"].append({"name": "AMAZON.Shuffle Intent", "slots": [], "samples": []})
    assert_only_rule(model, baseline, mv.INTENT_NAMES, "intent AMAZON.Shuffle Intent")


def test_intent_defined_twice(model, baseline):
    language(model)["intents"].append({"name": "WhichStepIntent", "slots": [], "samples": []})
    assert_only_rule(model, baseline, mv.INTENT_NAMES, "intent WhichStepIntent")


def test_a_document_without_a_language_model():
    assert [p.rule for p in mv.validate({"interactionModel": {}})] == [mv.SCHEMA]


# ---------------------------------------------------------------------------------------------
# Utterance conflicts


def slot_sample_and_value(model, intent_name, type_name):
    """A sample of intent_name with exactly one slot, that slot of type type_name, and a value."""
    slots = {s["name"]: s["type"] for s in intent(model, intent_name)["slots"]}
    for sample in intent(model, intent_name)["samples"]:
        references = mv.SLOT_REFERENCE.findall(sample)
        if len(references) == 1 and slots[references[0]] == type_name:
            value = custom_type(model, type_name)["values"][0]["name"]["value"]
            return sample, sample.replace("{" + references[0] + "}", value)
    raise AssertionError(f"no one-slot {type_name} sample in {intent_name}")


def test_literal_sample_colliding_with_a_slot_expansion_is_reported(model, real_model):
    template, expanded = slot_sample_and_value(model, "DeviceInfoIntent", "ECHO_MODEL")
    intent(model, "ListSpeakersIntent")["samples"].append(expanded)
    before = mv.conflicts(real_model)
    new = [line for line in mv.conflicts(model) if line not in before and line.startswith("expansion: ")]
    assert len(new) == 1, new
    assert "ListSpeakersIntent" in new[0] and "DeviceInfoIntent" in new[0]
    assert repr(template) in new[0] and repr(expanded) in new[0]
    assert f"both match {expanded!r}" in new[0]


def test_literal_sample_colliding_with_a_number_slot_is_reported():
    model = minimal_model()
    language(model)["intents"] += [
        {"name": "GuideStepIntent", "slots": [{"name": "step", "type": "AMAZON.NUMBER"}],
         "samples": ["go to step {step}"]},
        {"name": "WhichStepIntent", "slots": [], "samples": ["go to step twenty one"]},
    ]
    report = mv.conflicts(model)
    assert report == ["expansion: GuideStepIntent 'go to step {step}' / WhichStepIntent "
                      "'go to step twenty one': both match 'go to step twenty one'"]


def test_samples_identical_but_for_slot_names_are_reported():
    model = minimal_model()
    language(model)["types"] = [
        {"name": "ECHO_MODEL", "values": [{"id": "dot", "name": {"value": "echo dot", "synonyms": []}}]},
        {"name": "SPEAKER_BRAND", "values": [{"id": "jbl", "name": {"value": "jbl", "synonyms": []}}]},
    ]
    language(model)["intents"] += [
        {"name": "DeviceInfoIntent", "slots": [{"name": "echo_model", "type": "ECHO_MODEL"}],
         "samples": ["what about the {echo_model}"]},
        {"name": "BrandIntent", "slots": [{"name": "brand", "type": "SPEAKER_BRAND"}],
         "samples": ["What about  the {brand}"]},
    ]
    assert mv.conflicts(model) == ["identical: DeviceInfoIntent 'what about the {echo_model}' / "
                                   "BrandIntent 'What about  the {brand}'"]


def test_search_query_overlap_is_reported_as_catch_all():
    model = minimal_model(samples=["which speakers do i have"])
    language(model)["intents"].append(
        {"name": "QuestionIntent", "slots": [{"name": "query", "type": "AMAZON.SearchQuery"}],
         "samples": ["which {query}"]})
    report = mv.conflicts(model)
    assert len(report) == 1 and report[0].startswith("catch-all: ")
    assert "both match 'which speakers do i have'" in report[0]


def test_slot_value_shared_by_two_types_is_reported():
    model = minimal_model()
    language(model)["types"] = [
        {"name": "ECHO_MODEL", "values": [{"id": "echo_sub", "name": {"value": "echo sub", "synonyms": ["sub"]}}]},
        {"name": "GUIDE_SECTION", "values": [{"id": "sub", "name": {"value": "adding a sub",
                                                                    "synonyms": ["Echo Sub"]}}]},
    ]
    assert mv.conflicts(model) == [
        "shared slot value: 'echo sub' in ECHO_MODEL (echo_sub) and GUIDE_SECTION (sub)"]


def test_distinct_samples_do_not_conflict():
    model = minimal_model(samples=["list my speakers", "what speakers do i have"])
    language(model)["intents"].append(
        {"name": "ForgetSpeakersIntent", "slots": [], "samples": ["forget my speakers"]})
    assert mv.conflicts(model) == []


def test_the_real_model_conflict_report(real_model):
    report = mv.conflicts(real_model)
    print("\nutterance conflicts in en-US:\n" + "\n".join(f"  {line}" for line in report))
    assert all(isinstance(line, str) and line for line in report)


# ---------------------------------------------------------------------------------------------
# The command line


def write_model(tmp_path, name, model):
    path = tmp_path / name
    path.write_text(json.dumps(model), encoding="utf-8")
    return path


def test_cli_passes_a_valid_model_even_with_conflicts(tmp_path, capsys):
    model = minimal_model(samples=["which speakers do i have"])
    language(model)["intents"].append(
        {"name": "QuestionIntent", "slots": [{"name": "query", "type": "AMAZON.SearchQuery"}],
         "samples": ["which {query}"]})
    assert mv.main([str(write_model(tmp_path, "en-US.json", model))]) == 0
    out = capsys.readouterr().out
    assert "en-US.json: ok" in out and "catch-all:" in out


def test_cli_fails_a_broken_model_and_names_the_rule(tmp_path, capsys):
    path = write_model(tmp_path, "en-GB.json", minimal_model(invocation="open speaker helper"))
    assert mv.main([str(path)]) == 1
    assert "[invocation-name] invocationName" in capsys.readouterr().out


def test_cli_fails_an_unreadable_file(tmp_path, capsys):
    bad = tmp_path / "en-US.json"
    bad.write_text("{not json", encoding="utf-8")
    assert mv.main([str(bad), str(tmp_path / "missing.json")]) == 1
    assert capsys.readouterr().out.count("cannot read") == 2


def test_cli_checks_every_generated_model_by_default(capsys):
    expected = 1 if any(mv.validate(load_model(p.stem), p.stem) for p in MODELS_DIR.glob("*.json")) else 0
    assert mv.main([]) == expected
    out = capsys.readouterr().out
    assert all(f"{p.name}:" in out for p in MODELS_DIR.glob("*.json"))
    assert "source.yaml" not in out
