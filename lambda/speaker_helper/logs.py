"""Structured logging: one JSON object per line, with the `extra` fields a call passes.

Standard library only: Powertools' Logger would do the same at the price of an import on every
cold start. Callers never pass personal data (user ids, utterances).
"""
from __future__ import annotations

import json
import logging

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure(level: str) -> None:
    root = logging.getLogger()
    if not root.handlers:  # Lambda installs a handler; locally there is none yet
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    logging.getLogger("speaker_helper").setLevel(level)
