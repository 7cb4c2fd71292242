"""The quality reports: judging an answer, Test-All, its cross-validated form and the baseline."""
from __future__ import annotations

from dataclasses import replace

import pytest

from speaker_helper.config import MatchSettings, Settings
from speaker_helper import evaluation
from speaker_helper.evaluation import Bm25Baseline, baseline_report, cross_validate, judge
from speaker_helper.wiring import build_matcher


@pytest.mark.parametrize("expect,answer_id,speech,passed", [
    ("abstain", None, "Sorry, I don't know that one.", True),
    ("abstain", "some-entry", "An answer.", False),
    ([["one", "single"], ["at a time"]], "e", "An Echo plays to one speaker at a time.", True),
    ([["one", "single"], ["at a time"]], "e", "An Echo plays to one speaker.", False),
    ([["left"]], None, "Sorry, I don't know that one, left or right.", False),  # no answer, no pass
    ([["alexa, play"]], "e", "Say ALEXA,  Play jazz.", True),                   # case and spaces
    ([["no audio out"]], "e", "It has no audio-out jack.", True),              # hyphens aren't heard
    ([["multi-room"]], "e", "Make a multi room group.", True),
    ([["no audio out"]], "e", "It has an audio-out jack.", False),
    ([["no"]], "e", "Not at once.", True),                                     # an alternative starts a word
    ([["no"]], "e", "As you know, another speaker plays.", False),             # ... not inside one
    ([["n't"]], "e", "It isn't supported.", True),                             # unless it is an ending
])
def test_judge(expect, answer_id, speech, passed):
    assert judge(expect, answer_id, speech) is passed


def test_every_variant_comes_back_to_its_own_entry_or_declined_subject(kb):
    rows, collisions = evaluation.test_all(kb, build_matcher(kb, Settings()))
    assert len(rows) == sum(len(q) for q in kb.matchable().values())
    assert collisions == {}, collisions


def test_test_all_reports_a_collision(kb):
    # Give one entry another entry's question: one of the two copies must collide.
    victim, other = list(kb.entries.values())[:2]
    entries = dict(kb.entries)
    entries[victim.id] = replace(victim, questions=(*victim.questions, other.questions[0]))
    broken = replace(kb, entries=entries, index={})
    _, collisions = evaluation.test_all(broken, build_matcher(broken, Settings()))
    assert collisions


def test_cross_validation_counts_every_variant_once(kb):
    report = cross_validate(kb, Settings(), folds=4)
    entries = sum(len(e.questions) for e in kb.entries.values())
    declined = sum(len(q) for q in kb.out_of_scope.values())
    assert f"/{entries} (" in report and f"/{declined} (" in report


def test_cross_validation_with_an_unreachable_threshold_answers_nothing(kb):
    # Neither on words (slack included) nor by meaning (the rescue floor).
    report = cross_validate(kb, Settings(match=MatchSettings(threshold=200, rescue_floor=200)), folds=3)
    declined = sum(len(q) for q in kb.out_of_scope.values())
    assert "answered by their own entry: 0/" in report
    assert f"still not answered: {declined}/{declined} (100.0%)" in report
    assert "other entry" not in report


def test_the_baseline_abstains_on_a_declined_subject_and_answers_an_entry(kb):
    model = Bm25Baseline(kb)
    assert model.top("how do I factory reset my echo dot")[0] is None
    assert model.top("why does only one of my bluetooth speakers play")[0] == "why-only-one-speaker-plays"


def test_the_baseline_threshold_is_chosen_on_the_tuning_set(kb):
    tune = [{"text": "why does only one of my bluetooth speakers play", "kind": "in_domain",
             "expect": [["one"]]},
            {"text": "tell me a joke", "kind": "out_of_domain", "expect": "abstain"}]
    report = baseline_report(kb, tune, {})
    assert "dev: 2/2 (100.0%)" in report
