"""The meaning re-ranker: the encoder, the shipped vectors, and how the matcher uses them."""
from __future__ import annotations

import numpy as np
import pytest

from speaker_helper.config import MatchSettings, Settings
from speaker_helper.semantic import Semantic, compile_vectors, fingerprint, shared_encoder, vectors_current
from speaker_helper.wiring import build_matcher


def test_the_encoder_gives_unit_vectors_and_paraphrases_are_closer_than_other_subjects():
    encoder = shared_encoder()
    a = encoder.encode("can my echo dot play on two bluetooth speakers at the same time")
    b = encoder.encode("is it possible to connect 2 bluetooth speakers to one echo at once")
    c = encoder.encode("how do i undo a stereo pair")
    assert a.shape == (384,) and abs(float(np.linalg.norm(a)) - 1) < 1e-3
    assert float(a @ b) > float(a @ c) + 0.2


def test_a_very_long_post_is_cut_not_refused():
    assert shared_encoder().encode("speaker " * 2000).shape == (384,)


class CountingEncoder:
    """A fake encoder: a fixed vector per text, and a count of calls."""

    def __init__(self, vectors: dict[str, list[float]]):
        self.vectors, self.calls = vectors, []

    def encode(self, text: str) -> np.ndarray:
        self.calls.append(text)
        v = np.array(self.vectors.get(text, [0.0, 0.0, 1.0]), dtype=np.float32)
        return v / np.linalg.norm(v)


def test_closeness_is_the_mean_of_an_entrys_three_nearest_variants():
    encoder = CountingEncoder({"q": [1, 0, 0]})
    vectors = {"a": np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0]], dtype=np.float32),
               "b": np.array([[0.6, 0.8, 0]], dtype=np.float32)}
    closeness = Semantic(encoder, vectors).closeness("q", ["a", "b", "missing"])
    assert closeness == pytest.approx({"a": 2 / 3, "b": 0.6, "missing": 0.0})
    assert encoder.calls == ["q"]


def test_subset_keeps_only_the_given_variants():
    vectors = {"a": np.eye(3, dtype=np.float32)}
    kept = Semantic(CountingEncoder({}), vectors).subset({"a": [0, 2]})
    assert kept.vectors["a"].tolist() == [[1, 0, 0], [0, 0, 1]]


def test_vectors_file_round_trip_and_a_changed_variant_is_encoded_at_load(tmp_path):
    questions = {"a": ("one", "two"), "b": ("three",)}
    encoder = CountingEncoder({"one": [1, 0, 0], "two": [0, 1, 0], "three": [0, 0, 1], "four": [1, 1, 0]})
    path = tmp_path / "v.npz"
    assert compile_vectors(questions, path, encoder) == 3
    assert vectors_current(questions, path)
    encoder.calls.clear()
    loaded = Semantic.load(questions, path, encoder)
    assert encoder.calls == [] and loaded.vectors["a"].shape == (2, 3)
    changed = {"a": ("one", "four"), "b": ("three",)}
    assert not vectors_current(changed, path) and fingerprint(changed) != fingerprint(questions)
    again = Semantic.load(changed, path, encoder)
    assert encoder.calls == ["four"]     # only the variant the file lacks
    assert again.vectors["a"][1] == pytest.approx(np.array([1, 1, 0]) / np.sqrt(2), abs=1e-3)
    assert not vectors_current(questions, tmp_path / "missing.npz")


class FixedCloseness:
    """Closeness chosen by the test, to see what the matcher does with it."""

    def __init__(self, closeness: dict[str, float]):
        self.given, self.asked = closeness, []

    def closeness(self, text, entry_ids):
        ids = list(entry_ids)
        self.asked.append(ids)
        return {e: self.given.get(e, 0.0) for e in ids}


QUESTION = "can i connect two speakers"   # four entries within 10 points on words


def test_meaning_decides_between_near_tied_candidates_and_only_between_them(kb):
    words = build_matcher(kb, Settings(match=MatchSettings(rerank_weight=0)))
    ranked = words.rank(QUESTION, limit=10)
    settings = Settings()
    near = [c for c in ranked if c.score >= max(settings.match.threshold, ranked[0].score - settings.match.rerank_margin)]
    assert len(near) > 1, "the test needs a near tie"
    runner_up, far = near[-1], ranked[len(near)] if len(ranked) > len(near) else None
    favour = {runner_up.entry_id: 1.0, **({far.entry_id: 1.0} if far else {})}
    semantic = FixedCloseness(favour)
    found = build_matcher(kb, settings, semantic=semantic).match(QUESTION)
    assert found.entry_id == runner_up.entry_id
    assert semantic.asked == [[c.entry_id for c in near]]     # a far candidate is never considered
    # Equal closeness everywhere: the word scores decide, as without the re-ranker.
    flat = build_matcher(kb, settings, semantic=FixedCloseness({})).match(QUESTION)
    assert flat.entry_id == words.match(QUESTION).entry_id


def test_no_near_tie_or_weight_zero_never_encodes(kb):
    semantic = FixedCloseness({})
    off = build_matcher(kb, Settings(match=MatchSettings(rerank_weight=0)), semantic=semantic)
    off.match(QUESTION)
    narrow = build_matcher(kb, Settings(match=MatchSettings(rerank_margin=0)), semantic=semantic)
    narrow.match(QUESTION)
    assert semantic.asked == []


def test_below_the_threshold_and_the_rescue_floor_nothing_is_encoded_or_answered(kb):
    semantic = FixedCloseness({c.entry_id: 1.0 for c in build_matcher(kb, Settings()).rank(QUESTION, limit=10)})
    settings = MatchSettings(threshold=101, rescue_floor=101)
    assert build_matcher(kb, Settings(match=settings), semantic=semantic).match(QUESTION) is None
    assert semantic.asked == []


def test_the_real_reranker_answers_the_plain_question_with_the_plain_answer(kb):
    # On words alone, "can i connect two speakers" lands on the brands' party modes.
    assert build_matcher(kb, Settings()).match(QUESTION).entry_id == "two-bluetooth-speakers-at-once"


def test_the_wordpiece_tokenizer_is_the_reference_one_on_every_question_we_have(kb):
    from pathlib import Path

    from tokenizers import Tokenizer

    from speaker_helper.evaluation import load
    from speaker_helper.semantic import TOKENIZER, WordPiece

    reference = Tokenizer.from_file(str(TOKENIZER))
    reference.no_padding()
    reference.enable_truncation(128)
    texts = [q for variants in kb.matchable().values() for q in variants]
    for path in sorted((Path(__file__).resolve().parents[1] / "eval").glob("*.yaml")):
        if path.name != "routing.yaml":
            texts += [item["text"] for item in load(path)]
    texts += ["Café naïve — “quotes” 日本語 🎵 tab\tnew\nline", "x" * 150, "speaker " * 300, "", "   ",
              "echo’s 2nd-gen (dot)!", "\x00\u200b zero width", "ÉCHO DOT"]
    mine = WordPiece()
    assert [t for t in texts if reference.encode(t).ids != mine.ids(t)] == []


def test_below_the_threshold_a_candidate_close_in_meaning_still_answers(kb):
    question = "my echo only ever plays through one of my speakers, what gives"
    words = build_matcher(kb, Settings(match=MatchSettings(rerank_weight=0)))
    ranked = words.rank(question, limit=3)
    threshold = ranked[0].score + 1          # nothing passes on words
    assert ranked[0].score >= 30
    settings = MatchSettings(threshold=threshold, rescue_floor=ranked[0].score - 1)
    close = FixedCloseness({ranked[0].entry_id: 0.9})
    found = build_matcher(kb, Settings(match=settings), semantic=close).match(question)
    assert found is not None and found.entry_id == ranked[0].entry_id
    # Not close enough, or below the rescue floor: "I don't know that one".
    far = FixedCloseness({ranked[0].entry_id: 0.5})
    assert build_matcher(kb, Settings(match=settings), semantic=far).match(question) is None
    high_floor = MatchSettings(threshold=threshold, rescue_floor=threshold)
    assert build_matcher(kb, Settings(match=high_floor), semantic=close).match(question) is None


class BrokenEncoder:
    def closeness(self, text, entry_ids):
        raise RuntimeError("onnxruntime failed")


def test_an_encoder_failure_falls_back_to_the_word_scores(kb, caplog):
    words = build_matcher(kb, Settings(match=MatchSettings(rerank_weight=0))).match(QUESTION)
    found = build_matcher(kb, Settings(), semantic=BrokenEncoder()).match(QUESTION)
    assert found.entry_id == words.entry_id
    assert "encoder failed" in caplog.text
    # Below the threshold, no rescue without the encoder.
    settings = MatchSettings(threshold=101)
    assert build_matcher(kb, Settings(match=settings), semantic=BrokenEncoder()).match(QUESTION) is None
