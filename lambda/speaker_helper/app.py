"""Lambda entry point (template.yaml: Handler speaker_helper.app.handler)."""
from __future__ import annotations

from .wiring import get_app


def handler(event, context):
    return get_app().handle(event, context)
