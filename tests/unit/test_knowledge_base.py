"""The knowledge base loads, and a broken file fails loudly naming file, entry and field."""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
import yaml

from speaker_helper.knowledge_base import (MAX_ANSWER_WORDS, MIN_QUESTIONS, TOPICS, KnowledgeError,
                                           compile_to, load_compiled, load_source)

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "knowledge"


def test_source_and_compiled_forms_hold_the_same_knowledge(kb):
    from_source, _ = load_source(SOURCE)
    assert from_source == kb


def test_every_topic_of_the_article_has_entries(kb):
    topics = {e.topic for e in kb.entries.values()}
    assert topics == set(TOPICS)
    kinds = {e.kind for e in kb.entries.values()}
    assert {"faq", "myth", "guide", "comparison"} <= kinds


def test_entries_meet_the_schema_minimums(kb):
    for entry in kb.entries.values():
        assert len(entry.questions) >= MIN_QUESTIONS, entry.id
        assert len(entry.answer.split()) <= MAX_ANSWER_WORDS, entry.id
        assert entry.sources and entry.card.title and entry.card.text


def test_the_stereo_pair_guide_has_a_sub_step(kb):
    guide = kb.entries["stereo-pair-setup"]
    assert guide.kind == "guide" and len(guide.steps) >= 5
    assert any("sub" in step.title.lower() for step in guide.steps)


def test_at_least_eight_myths(kb):
    assert sum(e.kind == "myth" for e in kb.entries.values()) >= 8


def _broken_tree(tmp_path: Path, mutate) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(SOURCE, root)
    path = root / "entries" / "bluetooth.yaml"
    data = yaml.safe_load(path.read_text())
    mutate(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return root


@pytest.mark.parametrize("field,mutate,problem", [
    ("answer", lambda e: e.update(answer=" ".join(["word"] * (MAX_ANSWER_WORDS + 1))), "words"),
    ("answer", lambda e: e.pop("answer"), "non-empty string"),
    ("questions", lambda e: e.update(questions=e["questions"][:2]), "at least"),
    ("kind", lambda e: e.update(kind="rumour"), "one of"),
    ("topic", lambda e: e.update(topic="cooking"), "one of"),
    ("sources", lambda e: e.update(sources=["wikipedia"]), "wrong form"),
    ("card.title", lambda e: e["card"].pop("title"), "non-empty"),
    ("follow_up.id", lambda e: e.update(follow_up={"ask": "Want more?", "id": "no-such-entry"}), "no entry"),
    ("related", lambda e: e.update(related=["no-such-entry"]), "no entry"),
    ("anser", lambda e: e.update(anser="typo"), "unknown field"),
    ("model_fact", lambda e: e.update(model_fact="colour"), "one of"),
])
def test_a_broken_entry_names_file_entry_and_field(tmp_path, field, mutate, problem):
    victim = {}

    def mutate_first(data):
        victim["id"] = data[0]["id"]
        mutate(data[0])

    root = _broken_tree(tmp_path, mutate_first)
    with pytest.raises(KnowledgeError) as caught:
        load_source(root)
    error = caught.value
    assert error.file.endswith("bluetooth.yaml")
    assert error.entry == victim["id"]
    assert error.field == field
    assert problem in str(error)
    assert "bluetooth.yaml" in str(error) and victim["id"] in str(error) and field in str(error)


def test_a_catalogue_generic_flag_must_be_true_or_false(tmp_path):
    root = tmp_path / "knowledge"
    shutil.copytree(SOURCE, root)
    path = root / "catalogue.yaml"
    data = yaml.safe_load(path.read_text())
    data["echo_models"][0]["generic"] = "sometimes"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(KnowledgeError, match=r"catalogue\.yaml.*echo_models/echo_dot.*field 'generic'"):
        load_source(root)


def test_a_duplicate_id_is_reported(tmp_path):
    root = _broken_tree(tmp_path, lambda data: data.append(copy.deepcopy(data[0])))
    with pytest.raises(KnowledgeError, match="duplicate id"):
        load_source(root)


def test_invalid_yaml_names_the_file_and_line(tmp_path):
    root = tmp_path / "knowledge"
    shutil.copytree(SOURCE, root)
    (root / "entries" / "tips.yaml").write_text("- id: x\n  questions: [unclosed\n")
    with pytest.raises(KnowledgeError, match=r"tips\.yaml: line \d+"):
        load_source(root)


def test_a_key_written_twice_is_reported_not_silently_replaced(tmp_path):
    root = tmp_path / "knowledge"
    shutil.copytree(SOURCE, root)
    lexicon = root / "lexicon.yaml"
    lexicon.write_text(lexicon.read_text().replace("replacements:\n", "replacements:\n  eco: echo\n  eco: ego\n", 1))
    with pytest.raises(KnowledgeError, match=r"lexicon\.yaml: line \d+: duplicate key 'eco'"):
        load_source(root)


def test_a_hand_edited_compiled_file_fails_at_load(tmp_path):
    target = tmp_path / "knowledge.json"
    compile_to(SOURCE, target)
    data = json.loads(target.read_text())
    data["entries"]["myths"][0]["kind"] = "legend"
    target.write_text(json.dumps(data))
    with pytest.raises(KnowledgeError, match="knowledge.json:myths.*field 'kind'"):
        load_compiled(target)


def test_a_missing_compiled_file_says_how_to_build_it(tmp_path):
    with pytest.raises(KnowledgeError, match="make knowledge"):
        load_compiled(tmp_path / "nope.json")


@pytest.mark.parametrize("mutate,field,problem", [
    (lambda d: d[0].update(questions=d[0]["questions"][:1]), "questions", "at least"),
    (lambda d: d[0].update(answer="We decline."), "answer", "unknown field"),
    (lambda d: d[0].update(id="why-only-one-speaker-plays"), "id", "duplicate id"),
    (lambda d: d.append(copy.deepcopy(d[0])), "id", "duplicate id"),
])
def test_a_broken_declined_subject_names_file_entry_and_field(tmp_path, mutate, field, problem):
    root = tmp_path / "knowledge"
    shutil.copytree(SOURCE, root)
    path = root / "out_of_scope.yaml"
    data = yaml.safe_load(path.read_text())
    mutate(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(KnowledgeError) as caught:
        load_source(root)
    assert caught.value.file.endswith("out_of_scope.yaml")
    assert caught.value.field == field and problem in str(caught.value)


def test_declined_subjects_survive_compiling(tmp_path):
    kb, _ = load_source(SOURCE)
    target = tmp_path / "knowledge.json"
    compile_to(SOURCE, target)
    assert load_compiled(target).out_of_scope == kb.out_of_scope
    assert kb.out_of_scope and not set(kb.out_of_scope) & set(kb.entries)
