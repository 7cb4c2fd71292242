"""Eval sets: questions asked the way people ask, and whether the skill's answer holds the facts.

An eval file is a YAML list of `{id, text, kind, topic, expect}`. `expect` is `abstain` (the skill
must not answer from the knowledge base) or a list of groups of lowercase alternatives: the answer
passes when every group has an alternative in its spoken text. Each question is asked in a fresh
session, as `speaker-helper ask` does. Not used by the Lambda.
"""
from __future__ import annotations

import json
import re
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
    """Speech as heard: case, curly quotes and hyphens ("multi-room", "audio-out") don't count."""
    return " ".join(text.lower().replace("’", "'").replace("-", " ").split())


def judge(expect, answer_id: str | None, speech: str) -> bool:
    if expect == "abstain":
        return answer_id is None
    if answer_id is None:
        return False
    spoken = _flat(speech)
    return all(any(_heard(_flat(alt), spoken) for alt in group) for group in expect)


def _heard(phrase: str, spoken: str) -> bool:
    """A phrase starts at a word ("no" is in "not" and "none", not in "know" or "another"), except
    an ending written as one ("n't", "'s")."""
    if phrase.startswith(("n'", "'")):
        return phrase in spoken
    return re.search(r"(?<![a-z0-9])" + re.escape(phrase), spoken) is not None


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


def run_eval(skill, paths: list[Path], verbose: bool = False, as_json: bool = False,
             baseline: bool = True) -> int:
    """The eval report; with `baseline`, BM25 on the same questions (the first file tunes it)."""
    results = evaluate(skill, paths)
    if as_json:
        print(json.dumps([r.__dict__ for r in results], ensure_ascii=False))
        return 0
    print(report(results, verbose))
    if baseline:
        rates = []
        for path in paths:
            part = [r for r in results if r.file == path.name]
            rates.append(f"{path.name} {100 * sum(r.passed for r in part) / len(part):.1f}%")
        print("\nThis matcher: " + ", ".join(rates))
        print(baseline_report(skill.app.kb, load(paths[0]), {p.name: load(p) for p in paths[1:]}))
    return 0


# ---------------------------------------------------------------- baseline: BM25


def _plain_tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


class Bm25Baseline:
    """rank-bm25 over the same entries and declined subjects (all question variants as one
    document each), with plain lower-case tokens: what a generic search would do with the same
    content but without this project's matcher. A declined subject on top is an abstention."""

    def __init__(self, kb):
        from rank_bm25 import BM25Okapi

        questions = kb.matchable()
        self.declines = set(kb.out_of_scope)
        self.ids = list(questions)
        self.bm25 = BM25Okapi([_plain_tokens(" ".join(questions[i])) for i in self.ids])

    def top(self, text: str) -> tuple[str | None, float]:
        """The best entry (None for a declined subject) and its score."""
        scores = self.bm25.get_scores(_plain_tokens(text))
        best = max(range(len(scores)), key=scores.__getitem__)
        found = self.ids[best]
        return (None if found in self.declines else found), float(scores[best])


def baseline_report(kb, tune: list[dict], others: dict[str, list[dict]]) -> str:
    """BM25 pass rates; its abstain threshold is the best one on `tune` (the dev set), applied
    unchanged to the other sets, so the baseline gets the same chance as the matcher."""
    model = Bm25Baseline(kb)

    def rows(items):
        return [(item, *model.top(item["text"])) for item in items]

    def good(item, entry_id, score, threshold) -> bool:
        answered = entry_id if score >= threshold else None
        return judge(item["expect"], answered, kb.entries[answered].answer if answered else "")

    def passes(scored, threshold):
        return sum(good(*row, threshold) for row in scored)

    tuned = rows(tune)
    candidates = sorted({s for _, _, s in tuned}) + [float("inf")]
    threshold = max(candidates, key=lambda t: passes(tuned, t))
    lines = [f"BM25 baseline (rank-bm25 BM25Okapi, abstain below {threshold:.2f}, chosen on the dev set):"]
    for name, items in [("dev", tune), *others.items()]:
        scored = rows(items)
        by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in scored:
            by_kind[row[0]["kind"]][0] += good(*row, threshold)
            by_kind[row[0]["kind"]][1] += 1
        kinds = ", ".join(f"{k} {100 * a / b:.1f}%" for k, (a, b) in sorted(by_kind.items()))
        total = passes(scored, threshold)
        lines.append(f"  {name}: {total}/{len(items)} ({100 * total / len(items):.1f}%)  [{kinds}]")
    return "\n".join(lines)


# ---------------------------------------------------------------- Test-All


def test_all(kb, matcher) -> tuple[list[tuple[bool, str, str, str | None]], dict[tuple[str, str], int]]:
    """Every question variant of every entry through the matcher (QnABot's "Test All").

    Returns rows of (matched its own entry, question, expected id, returned id) and the count of
    variants per (expected, returned) pair that collided.
    """
    rows, collisions = [], defaultdict(int)
    for expected, questions in kb.matchable().items():  # declined subjects too: they must not drift
        for question in questions:
            found = matcher.match(question)
            returned = found.entry_id if found else None
            rows.append((returned == expected, question, expected, returned))
            if returned != expected:
                collisions[(expected, returned or "(no match)")] += 1
    return rows, dict(collisions)


def test_all_report(kb, matcher, verbose: bool = False) -> str:
    rows, collisions = test_all(kb, matcher)
    ok = sum(r[0] for r in rows)
    lines = ["Test-All: every question variant back to its own entry"]
    if verbose:
        lines.append("  match | question | expected | returned")
        lines += [f"  {'yes' if m else 'NO '} | {q} | {e} | {r}" for m, q, e, r in rows]
    else:
        lines += [f"  NO  | {q} | {e} | {r}" for m, q, e, r in rows if not m]
    if collisions:
        lines.append("  entries whose variants collide (expected -> returned: variants):")
        lines += [f"    {e} -> {r}: {n}" for (e, r), n in sorted(collisions.items(), key=lambda x: -x[1])]
    lines.append(f"  summary Test-All: {ok}/{len(rows)} variants return their own entry ({100 * ok / len(rows):.1f}%)")
    return "\n".join(lines)


def cross_validate(kb, settings, folds: int = 5) -> str:
    """Test-All with each variant held out: fold k leaves out every k-th variant of every entry,
    and those variants are asked of a matcher built without them. A measure of how the matcher
    generalises to phrasings it has not seen, on thousands of questions instead of the eval sets'
    hundreds: tune on this, not on the held-out sets."""
    from .matcher import Matcher
    from .wiring import howto_ids, matcher_lexicon

    questions, lexicon = kb.matchable(), matcher_lexicon(kb)
    topics = {e.id: e.topic for e in kb.entries.values()}
    tokens = kb.index if set(kb.index) == set(questions) else None
    semantic = None
    if settings.match.rerank_weight > 0:
        from .semantic import Semantic

        semantic = Semantic.load(questions)
    counts = defaultdict(int)
    for k in range(folds):
        def kept(items):
            return [x for j, x in enumerate(items) if j % folds != k]
        meaning = semantic and semantic.subset({i: kept(range(len(qs))) for i, qs in questions.items()})
        matcher = Matcher({i: kept(qs) for i, qs in questions.items()}, topics, lexicon, settings.match,
                          stems=kb.stems, tokenized={i: kept(t) for i, t in tokens.items()} if tokens else None,
                          declines=kb.out_of_scope, semantic=meaning,
                          howtos=howto_ids(kb))
        for expected, qs in questions.items():
            for question in qs[k::folds]:
                found = matcher.match(question)
                declined = expected in kb.out_of_scope
                if found is not None and found.entry_id == expected:
                    counts[declined, "own"] += 1
                elif found is None or found.declined:
                    counts[declined, "declined" if declined else "abstained"] += 1
                else:
                    counts[declined, "other entry"] += 1

    def line(declined: bool, label: str, good: tuple[str, ...]) -> str:
        total = sum(n for (d, _), n in counts.items() if d == declined)
        parts = ", ".join(f"{o} {100 * counts[declined, o] / total:.1f}%"
                          for o in ("own", "declined", "abstained", "other entry") if counts[declined, o])
        ok = sum(counts[declined, o] for o in good)
        return f"  {label}: {ok}/{total} ({100 * ok / max(1, total):.1f}%) [{parts}]"

    return "\n".join([f"Cross-validated Test-All ({folds} folds, each variant asked of a matcher without it)",
                      line(False, "entry variants answered by their own entry", ("own",)),
                      line(True, "declined-subject variants still not answered", ("own", "declined", "abstained"))])


# ---------------------------------------------------------------- routing annotations


def _slot_form(value: str) -> str:
    words = {"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th",
             "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6"}
    text = re.sub(r"[^a-z0-9 ]+", " ", str(value).lower())
    return " ".join(words.get(w, w) for w in text.split())


def _same_slot(router, fill, expected: str) -> bool:
    """The words heard, or for a catalogue slot the entry they resolve to: "a jbl flip" heard as
    "jbl flip" fills the brand slot as well as "jbl" does, since both resolve to JBL."""
    if _slot_form(fill.value) == _slot_form(expected):
        return True
    if not (fill.custom and fill.resolved_id):
        return False
    names = next((n for n in router.types.values() if fill.resolved_id in n.values()), {})
    return names.get(" ".join(expected.lower().split())) == fill.resolved_id


def routing_report(router, items: list[dict]) -> str:
    """Intent and slot accuracy of the local utterance router against annotations
    (`{text, intent, slots}`), as Amazon's NLU evaluation tool reported for a skill model.
    The free-form `query` slot is not compared: where it starts depends on the carrier phrase."""
    intent_ok = slot_ok = slot_total = 0
    misses = []
    confusion: dict[tuple[str, str], int] = defaultdict(int)
    for item in items:
        routed = router.route(item["text"])
        good_intent = routed.intent == item["intent"]
        intent_ok += good_intent
        if not good_intent:
            confusion[(item["intent"], routed.intent)] += 1
        expected_slots = {k: v for k, v in (item.get("slots") or {}).items() if k != "query"}
        for name, value in expected_slots.items():
            slot_total += 1
            fill = routed.slots.get(name)
            if fill is not None and _same_slot(router, fill, value):
                slot_ok += 1
            else:
                misses.append(f"    slot {name}: {item['text']!r}: expected {value!r}, got {fill.value if fill else None!r}")
        if not good_intent:
            misses.append(f"    intent: {item['text']!r}: expected {item['intent']}, got {routed.intent}")
    lines = ["Routing (utterance -> intent and slots):"]
    lines += misses
    if confusion:
        lines.append("  confusions (expected -> routed: count):")
        lines += [f"    {e} -> {r}: {n}" for (e, r), n in sorted(confusion.items(), key=lambda x: -x[1])]
    lines.append(f"  summary routing: intents {intent_ok}/{len(items)} ({100 * intent_ok / len(items):.1f}%), "
                 f"slots {slot_ok}/{slot_total} ({100 * slot_ok / max(1, slot_total):.1f}%)")
    return "\n".join(lines)
