"""Echo Show: the APL documents, their data binding and size, and who gets them."""
from __future__ import annotations

import json
import re

import pytest

from speaker_helper.answers import Conversation, Visual
from speaker_helper.config import Settings
from speaker_helper.display import DOCUMENTS, TOKEN, datasource, document
from speaker_helper.wiring import build_matcher

KINDS = ("facts", "steps", "table")
BINDING = re.compile(r"payload\.%s\.(\w+)" % TOKEN)


def _all_visuals(kb):
    conversation = Conversation(kb, build_matcher(kb, Settings()), Settings())
    from speaker_helper.state import SessionState

    for entry in kb.entries.values():
        yield conversation.answer(SessionState(), entry).visual
        for number in range(1, len(entry.steps) + 1):
            yield conversation.read_step(SessionState(), entry, number).visual


@pytest.mark.parametrize("kind", KINDS)
def test_each_document_is_apl_with_a_payload_parameter(kind):
    doc = document(kind)
    assert doc["type"] == "APL" and doc["version"]
    assert doc["mainTemplate"]["parameters"] == ["payload"]
    assert (DOCUMENTS / f"{kind}.json").exists()


def test_every_binding_in_a_document_is_in_its_data_source(kb):
    seen = set()
    for visual in _all_visuals(kb):
        seen.add(visual.kind)
        used = set(BINDING.findall(json.dumps(document(visual.kind))))
        data = datasource(visual)[TOKEN]
        assert used <= set(data), (visual.kind, used - set(data))
        assert all(isinstance(item, str) and item for item in data["items"])
    assert seen == set(KINDS)


def test_the_largest_directive_stays_far_below_alexas_response_limit(kb):
    largest = max(len(json.dumps({"document": document(v.kind), "datasources": datasource(v)}))
                  for v in _all_visuals(kb))
    assert largest < 12_000


def test_the_steps_visual_marks_the_current_step(kb):
    conversation = Conversation(kb, build_matcher(kb, Settings()), Settings())
    from speaker_helper.state import SessionState

    guide = kb.entries["stereo-pair-setup"]
    visual = conversation.read_step(SessionState(), guide, 3).visual
    assert visual.kind == "steps" and visual.current == 3
    assert visual.items == tuple(step.title for step in guide.steps)


def test_the_comparison_is_a_table_with_three_columns(kb):
    visual = Conversation.table_visual(kb.entries["stereo-vs-multiroom"])
    assert visual.kind == "table"
    assert len(visual.header) == 3 and all(len(row) == 3 for row in visual.rows)
    assert any("left" in " ".join(row).lower() for row in visual.rows)


def test_a_visual_without_table_has_no_rows():
    data = datasource(Visual("facts", "T", ("a", "b")))[TOKEN]
    assert "rows" not in data and data["items"] == ["a", "b"]
