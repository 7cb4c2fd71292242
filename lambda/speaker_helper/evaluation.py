"""Eval sets: questions asked the way people ask, and whether the skill's answer holds the facts.

An eval file is a YAML list of `{id, text, kind, topic, expect}`. `expect` is `abstain` (the skill
must not answer from the knowledge base) or a list of groups of lowercase alternatives: the answer
passes when every group has an alternative in its spoken text. Each question is asked in a fresh
session, as `speaker-helper ask` does. Not used by the Lambda.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

KINDS = ("in_domain", "noisy", "near_miss", "out_of_domain")


@dataclass
class Result:
    file: str
    id: str
    text: str
    kind: str
    topic: str
    expect: object
    passed: bool
    answer_id: str | None
    speech: str


def load(path: Path) -> list[dict]:
    import yaml

    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(items, list):
        raise ValueError(f"{path}: must be a list of questions")
    for i, item in enumerate(items):
        where = f"{path}: item {item.get('id', i) if isinstance(item, dict) else i}"
        if not isinstance(item, dict) or not {"id", "text", "kind", "topic", "expect"} <= set(item):
            raise ValueError(f"{where}: needs id, text, kind, topic and expect")
        if item["kind"] not in KINDS:
            raise ValueError(f"{where}: kind must be one of {', '.join(KINDS)}")
        expect = item["expect"]
        if expect != "abstain" and not (
            isinstance(expect, list) and expect
            and all(isinstance(g, list) and g and all(isinstance(a, str) for a in g) for g in expect)
        ):
            raise ValueError(f"{where}: expect must be 'abstain' or a list of lists of strings")
    return items


def _flat(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def judge(expect, answer_id: str | None, speech: str) -> bool:
    if expect == "abstain":
        return answer_id is None
    if answer_id is None:
        return False
    spoken = _flat(speech)
    return all(any(_flat(alt) in spoken for alt in group) for group in expect)


def evaluate(skill, paths: list[Path]) -> list[Result]:
    results = []
    for path in paths:
        for item in load(path):
            turn = skill.say(skill.session(), item["text"])
            results.append(Result(path.name, str(item["id"]), item["text"], item["kind"], item["topic"],
                                  item["expect"], judge(item["expect"], turn.answer_id, turn.speech),
                                  turn.answer_id, turn.speech))
    return results


def _rates(results: list[Result], key) -> dict[str, tuple[int, int]]:
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        table[key(r)][0] += r.passed
        table[key(r)][1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(table.items())}


def report(results: list[Result], verbose: bool = False) -> str:
    lines = []
    for file in sorted({r.file for r in results}):
        part = [r for r in results if r.file == file]
        lines.append(f"== {file}")
        lines.append("  by kind:")
        for kind, (ok, n) in _rates(part, lambda r: r.kind).items():
            lines.append(f"    {kind:<14} {ok:>4}/{n:<4} {100 * ok / n:5.1f}%")
        lines.append("  by topic:")
        for topic, (ok, n) in _rates(part, lambda r: r.topic).items():
            lines.append(f"    {topic:<14} {ok:>4}/{n:<4} {100 * ok / n:5.1f}%")
        shown = part if verbose else [r for r in part if not r.passed]
        if shown:
            lines.append("  failures:" if not verbose else "  questions:")
        for r in shown:
            mark = "ok  " if r.passed else "FAIL"
            expected = "abstain" if r.expect == "abstain" else " & ".join("/".join(g) for g in r.expect)
            lines.append(f"    {mark} {r.id} [{r.kind}] {r.text!r}")
            lines.append(f"         expected: {expected}")
            lines.append(f"         answered: {r.answer_id or '(abstained)'}: {r.speech[:160]}")
        ok = sum(r.passed for r in part)
        lines.append(f"  summary {file}: {ok}/{len(part)} passed ({100 * ok / len(part):.1f}%)")
    return "\n".join(lines)


def run_eval(skill, paths: list[Path], verbose: bool = False, as_json: bool = False) -> int:
    results = evaluate(skill, paths)
    if as_json:
        print(json.dumps([r.__dict__ for r in results], ensure_ascii=False))
    else:
        print(report(results, verbose))
    return 0
