"""Echo Show: a reply's Visual as an APL RenderDocument directive.

The three documents (`data/apl/facts.json`, `steps.json`, `table.json`) bind to one data source,
`speakerHelper`; this module fills it. Devices that do not report APL support get no directive.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .answers import Visual

APL_INTERFACE = "Alexa.Presentation.APL"
DOCUMENTS = Path(__file__).with_name("data") / "apl"
TOKEN = "speakerHelper"
MAX_ITEMS = 12


@lru_cache(maxsize=None)
def document(kind: str) -> dict:
    return json.loads((DOCUMENTS / f"{kind}.json").read_text(encoding="utf-8"))


def datasource(visual: Visual) -> dict:
    data = {"title": visual.title, "items": list(visual.items[:MAX_ITEMS]), "current": visual.current}
    if visual.kind == "table":
        data.update(header=list(visual.header), rows=[list(r) for r in visual.rows[:MAX_ITEMS]])
    return {TOKEN: data}


