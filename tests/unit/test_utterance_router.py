"""The local stand-in for Alexa's NLU routes like the interaction model says."""
from __future__ import annotations

import pytest

from speaker_helper.interaction_model import load_model
from speaker_helper.utterance_router import UtteranceRouter


@pytest.fixture(scope="module")
def router():
    return UtteranceRouter(load_model("en-US"))


@pytest.mark.parametrize("utterance,intent", [
    ("help", "AMAZON.HelpIntent"),
    ("Stop.", "AMAZON.StopIntent"),
    ("yeah sure", "AMAZON.YesIntent"),
    ("nope", "AMAZON.NoIntent"),
    ("next", "AMAZON.NextIntent"),
    ("go back", "AMAZON.PreviousIntent"),
    ("start over", "AMAZON.StartOverIntent"),
    ("say that again", "AMAZON.RepeatIntent"),
    ("never mind", "AMAZON.CancelIntent"),
    ("tell me more", "TellMeMoreIntent"),
    ("what step am I on", "WhichStepIntent"),
    ("forget my speakers", "ForgetSpeakersIntent"),
    ("what speakers do I have", "ListSpeakersIntent"),
    ("", "AMAZON.FallbackIntent"),
])
def test_fixed_phrases(router, utterance, intent):
    assert router.route(utterance).intent == intent


def test_carrier_phrase_fills_the_search_query(router):
    routed = router.route("Why does only one of my speakers play?")
    assert routed.intent == "QuestionIntent"
    assert routed.slots["query"].value == "only one of my speakers play"


def test_custom_slots_resolve_to_catalogue_ids(router):
    routed = router.route("I have two echo dots fourth gen and a jbl flip six")
    assert routed.intent == "SetSpeakersIntent"
    assert routed.slots["count"].value == "2"
    assert routed.slots["echo_model"].resolved_id is not None
    assert routed.slots["brand"].resolved_id == "jbl"


def test_step_number_and_section(router):
    assert router.route("go to step three").slots["step"].value == "3"
    routed = router.route("skip to adding a sub")
    assert routed.intent == "GuideStepIntent" and routed.slots["section"].resolved_id == "sub"


def test_a_question_about_a_model_is_not_taken_for_a_model_when_it_is_not_one(router):
    assert router.route("what about the weather").intent == "QuestionIntent"


def test_anything_else_becomes_a_question(router):
    routed = router.route("two bluetooth speakers alexa")
    assert routed.intent == "QuestionIntent" and routed.slots["query"].value == "two bluetooth speakers alexa"


def test_the_routing_report_counts_a_slot_by_the_catalogue_entry_it_resolves_to(router):
    from speaker_helper.evaluation import routing_report

    same = routing_report(router, [{"text": "I have an echo studio and a jbl flip", "intent": "SetSpeakersIntent",
                                    "slots": {"brand": "jbl"}}])
    other = routing_report(router, [{"text": "I have an echo studio and a jbl flip", "intent": "SetSpeakersIntent",
                                     "slots": {"brand": "bose"}}])
    assert "slots 1/1" in same and "slots 0/1" in other


def test_words_the_skill_cannot_read_go_to_fallback(router):
    assert router.route("flibber jabber wokka").intent == "AMAZON.FallbackIntent"


def test_misspelt_words_count_as_known_when_the_reader_corrects_them():
    # "blutooth speekers" is no word the skill has, until the matcher's reader corrects it.
    misspelt = "can eco dot conect to to blutooth speekers"
    assert UtteranceRouter(load_model("en-US")).route(misspelt).intent == "AMAZON.FallbackIntent"
    fixes = {"blutooth": "bluetooth", "speekers": "speakers"}
    reading = UtteranceRouter(load_model("en-US"), reader=lambda text: [fixes.get(w, w) for w in text.split()])
    routed = reading.route(misspelt)
    assert routed.intent == "QuestionIntent"
    assert "blutooth" in routed.slots["query"].value  # the query keeps what was said


def test_every_free_form_intent_is_a_question_intent_whose_carrier_holds_its_words():
    from speaker_helper.handlers.questions import QUESTION_INTENTS

    language = load_model("en-US")["interactionModel"]["languageModel"]
    free_form = {i["name"]: i["samples"] for i in language["intents"]
                 if any(s["type"] == "AMAZON.SearchQuery" for s in i.get("slots", []))}
    assert set(free_form) == set(QUESTION_INTENTS)
    for name, samples in free_form.items():
        words = QUESTION_INTENTS[name]
        # "how to", "how can i" and "how do you" all ask for steps: their words go back as "how do i".
        carriers = {sample.split(" {")[0] for sample in samples}
        assert carriers == {words} or (words == "how do i" and all(c.startswith("how ") for c in carriers)) \
            if words else samples, name


@pytest.mark.parametrize("utterance,intent,query", [
    ("pair my speaker", "PairQuestionIntent", "my speaker"),
    ("connect my jbl to the echo", "ConnectQuestionIntent", "my jbl to the echo"),
    ("only one speaker plays", "OnlyOneQuestionIntent", "speaker plays"),
    ("can I pair my speaker", "QuestionIntent", "pair my speaker"),   # a longer carrier wins
    ("how to stereo pair two echos", "HowQuestionIntent", "stereo pair two echos"),
    ("how does multi room work", "QuestionIntent", "multi room work"),  # an explanation, not steps
])
def test_a_carrier_with_meaning_routes_to_its_own_intent(router, utterance, intent, query):
    routed = router.route(utterance)
    assert routed.intent == intent and routed.slots["query"].value == query


def test_one_corrected_word_alone_does_not_make_an_utterance_about_the_skill():
    reading = UtteranceRouter(load_model("en-US"), reader=lambda text: ["speaker" if w == "monkey" else w
                                                                       for w in text.split()])
    assert reading.route("purple monkey dishwasher").intent == "AMAZON.FallbackIntent"
