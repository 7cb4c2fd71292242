"""Words and seconds of speech for every first answer, as a listener would hear it.

The first answer is what the skill says when it answers the entry: the short answer plus the
question that follows it. Seconds come from
rendering the text with espeak-ng (at its default 175 words a minute, close to Alexa's pace) and
measuring the audio with sox. Not used by the Lambda.
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from .answers import Conversation
from .config import Settings
from .knowledge_base import MAX_ANSWER_WORDS, KnowledgeBase
from .state import SessionState
from .wiring import build_matcher


def seconds_of_speech(text: str, workdir: Path) -> float:
    wav = workdir / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), text], check=True, capture_output=True)
    out = subprocess.run(["soxi", "-D", str(wav)], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def report(kb: KnowledgeBase) -> str:
    if not (shutil.which("espeak-ng") and shutil.which("soxi")):
        raise SystemExit("speech-report needs espeak-ng and sox (Debian: apt-get install espeak-ng sox)")
    conversation = Conversation(kb, build_matcher(kb, Settings()), Settings())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for entry in kb.entries.values():
            text = conversation.answer(SessionState(), entry).text
            rows.append((entry.id, len(entry.answer.split()), len(text.split()), seconds_of_speech(text, Path(tmp))))
    lines = ["| entry | answer words | first answer words | seconds |", "|---|---|---|---|"]
    lines += [f"| {i} | {a} | {w} | {s:.1f} |" for i, a, w, s in sorted(rows, key=lambda r: -r[3])]
    words = [r[2] for r in rows]
    seconds = [r[3] for r in rows]
    over = [r[0] for r in rows if r[2] > MAX_ANSWER_WORDS]
    lines.append("")
    lines.append(f"first answers: {len(rows)}; words median {statistics.median(words):.0f}, max {max(words)} "
                 f"(limit {MAX_ANSWER_WORDS}, over: {', '.join(over) or 'none'}); seconds median "
                 f"{statistics.median(seconds):.1f}, max {max(seconds):.1f}")
    return "\n".join(lines)
