#!/usr/bin/env python
"""`make bench`: Speaker Helper measured against a hello-world anchor, side by side, in one run.

    python bench/run.py [--quick] [--out bench/results.md]

Absolute milliseconds on a shared 2-core machine say little; the ratio to an anchor measured in the
same run, interleaved with the skill, says whether the skill's own work is cheap. The anchor
(bench/anchor/hello_world.py) is the smallest ask-sdk-core skill that also imports boto3.

What each section measures, and how to read it: bench/README.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LAMBDA = ROOT / "lambda"
ANCHOR = BENCH / "anchor"
QUESTIONS = ROOT / "tests" / "eval" / "questions.yaml"
ARTIFACT = ROOT / ".aws-sam" / "build" / "SkillFunction"
sys.dont_write_bytecode = True  # never write __pycache__ into lambda/ (children: PYTHONDONTWRITEBYTECODE)
for _path in (str(LAMBDA), str(BENCH), str(ANCHOR)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

COLD_QUESTION = "why does only one of my speakers play"
CONVERSATION = [  # the scripted 10-turn conversation (turn 1 is the launch)
    "I have two echo dots fourth gen",
    "how do I stereo pair two echo dots",
    "next",
    "next",
    "why does only one of my speakers play",
    "can I connect two bluetooth speakers to my echo",
    "tell me more",
    "help",
    "stop",
]

TARGETS = {
    "cold_ratio": 1.15,
    "warm_ratio": 2.0,
    "rss_mb": 128.0,
    "dynamodb_calls": 3,
    "matcher_p99_ms": 2.0,
}


# ---------------------------------------------------------------- small helpers

def percentile(values, p: float) -> float:
    """Nearest-rank percentile (p in 0-100): an observed value, no interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def verdict(ok: bool) -> str:
    return "pass" if ok else "**MISS**"


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def child_env(extra: dict | None = None) -> dict:
    """The environment of every child: Lambda-like, no network, no bytecode written into lambda/."""
    env = dict(os.environ)
    for key in ("DYNAMODB_ENDPOINT", "AWS_CA_BUNDLE", "PYTHONPYCACHEPREFIX", "AWS_PROFILE"):
        env.pop(key, None)
    env.update({
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LOG_LEVEL": "INFO",                 # the deployed default (template.yaml)
        # Lambda's /var/task is read-only and `sam build` ships no .pyc for the function's own code:
        # every cold start compiles it. Also keeps this benchmark from writing into lambda/.
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join([str(LAMBDA), str(ANCHOR), str(BENCH)]),
    })
    from speaker_helper.request_factory import APPLICATION_ID

    env["SKILL_ID"] = APPLICATION_ID       # deployed skills check the skill id
    env.update(extra or {})
    return env


def run_child(code: str, env: dict, args: tuple = ()) -> tuple[dict, float]:
    """Runs `python [args] -c code`; returns the JSON of its last stdout line and its wall time (ms)."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, *args, "-c", code], env=env, cwd=str(ROOT),
                          capture_output=True, text=True, timeout=120)
    wall = (time.perf_counter() - started) * 1000
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"benchmark child printed no result:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    result = json.loads(lines[-1])
    result["_stderr"] = proc.stderr
    return result, wall


# ---------------------------------------------------------------- request envelopes

def question_texts() -> list[str]:
    import yaml

    items = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return [item["text"] for item in items if isinstance(item, dict) and item.get("text")]


def router():
    from speaker_helper.interaction_model import load_model
    from speaker_helper.utterance_router import UtteranceRouter

    return UtteranceRouter(load_model("en-US"))


def session_envelopes(texts: list[str], user: str = "amzn1.ask.account.BENCH-COLD") -> list[dict]:
    """A LaunchRequest then one IntentRequest per text, in one session (attributes filled by the
    child from each previous response, as a device would)."""
    from speaker_helper.request_factory import Session

    r = router()
    s = Session(user_id=user)
    events = [s.launch()]
    s.new = False
    events += [s.intent(r.route(text)) for text in texts]
    return events


# ---------------------------------------------------------------- child programs
# The timer starts on the child's first line; `import time` is a built-in module (microseconds).
# Events are embedded as literals, so parsing them happens before the first line runs.

ANCHOR_COLD = """\
import time; _t0 = time.perf_counter(); _c0 = time.process_time()
import boto3
__NO_PYC__
import hello_world
__ANCHOR_DB__
_r = hello_world.handler(__LAUNCH__, None)
_t1 = time.perf_counter(); _c1 = time.process_time()
import json
print(json.dumps({"window_ms": (_t1 - _t0) * 1000, "cpu_ms": (_c1 - _c0) * 1000,
                  "ok": "outputSpeech" in _r["response"]}))
"""
# The anchor's optional extra: the DynamoDB client any DynamoDB-backed skill creates before its first
# read (the cheapest way to talk to DynamoDB with boto3; no request is made).
ANCHOR_DB = 'boto3.client("dynamodb")'
# "As `sam build` ships it": the artifact holds no .pyc files, so on Lambda every module but the
# runtime's own boto3 is compiled from source at each cold start. After boto3 is imported, point the
# bytecode cache at an empty directory so the rest is compiled too.
NO_PYC = "import sys; sys.pycache_prefix = __EMPTY_DIR__; sys.dont_write_bytecode = True"
PYC_BACK = "sys.pycache_prefix = None"

# One put/get/delete through whichever DynamoDB API the code uses (the low-level client now, the
# resource's Table before), to warm moto's own code paths outside the timed window.
WARMUP = """\
if hasattr(_ddb, "Table"):
    _tab = _ddb.Table(_settings.table_name)
    _tab.put_item(Item={"pk": "bench#warmup", "version": 1})
    _tab.get_item(Key={"pk": "bench#warmup"}, ConsistentRead=True)
    _tab.delete_item(Key={"pk": "bench#warmup"})
else:
    _ddb.put_item(TableName=_settings.table_name, Item={"pk": {"S": "bench#warmup"}, "version": {"N": "1"}})
    _ddb.get_item(TableName=_settings.table_name, Key={"pk": {"S": "bench#warmup"}}, ConsistentRead=True)
    _ddb.delete_item(TableName=_settings.table_name, Key={"pk": {"S": "bench#warmup"}})"""
DDB_PHASE = "boto3 DynamoDB client (fresh; resource + Table in older code)"

# Window A: top of script -> boto3 and the handler module imported (everything the Lambda imports).
# Untimed: moto in-process, the table created through ensure_table + wiring.dynamodb_client (or the
#   older wiring.dynamodb_resource), one
#   put/get/delete to warm moto's own code paths, and boto3's default session dropped so that the
#   skill creates its session and loads its service models itself, as it does in Lambda.
# Window B: handler(LaunchRequest) + handler(question), through get_app() -> build() as deployed.
# (The brief starts the timer after the mock is up and before importing speaker_helper.app; but the
# table is created through speaker_helper.wiring, whose import is the whole skill, so the skill's
# imports are timed first, then the untimed moto setup, then the requests.)
SKILL_COLD = """\
import time; _t0 = time.perf_counter(); _c0 = time.process_time()
import boto3
__NO_PYC__
import speaker_helper.app as _entry
_t1 = time.perf_counter(); _c1 = time.process_time()
__PYC_BACK__
from moto import mock_aws
_mock = mock_aws(); _mock.start()
import speaker_helper.wiring as _w
from speaker_helper.config import Settings
from speaker_helper.local_dynamodb import ensure_table
_settings = Settings.from_env()
_ddb = (getattr(_w, "dynamodb_client", None) or _w.dynamodb_resource)(_settings)
ensure_table(_ddb, _settings.table_name)
__WARMUP__
boto3.DEFAULT_SESSION = None
_t2 = time.perf_counter(); _c2 = time.process_time()
_r1 = _entry.handler(__LAUNCH__, None)
_q = __QUESTION__
_q["session"] = dict(_q["session"], new=False, attributes=_r1.get("sessionAttributes") or {})
_r2 = _entry.handler(_q, None)
_t3 = time.perf_counter(); _c3 = time.process_time()
import json
from speaker_helper.wiring import get_app
print(json.dumps({"window_ms": ((_t1 - _t0) + (_t3 - _t2)) * 1000, "imports_ms": (_t1 - _t0) * 1000,
                  "cpu_ms": ((_c1 - _c0) + (_c3 - _c2)) * 1000,
                  "handle_ms": (_t3 - _t2) * 1000, "setup_ms": (_t2 - _t1) * 1000,
                  "dynamodb_calls": get_app().store.calls,
                  "ok": "outputSpeech" in _r1["response"] and "outputSpeech" in _r2["response"]}))
"""

# Where the skill's cold start goes, phase by phase, every phase fresh (no moto imported before the
# boto3 resource is created; moto patches it afterwards). build()'s parts are timed by wrapping the
# functions it calls. Also measures how much cheaper the same resource is to create once moto's
# setup has warmed botocore: the bias SKILL_COLD cannot avoid.
SKILL_PHASES = """\
import time; _marks = [("start", time.perf_counter())]
def mark(name): _marks.append((name, time.perf_counter()))
import boto3; mark("import boto3")
import ask_sdk_core.skill_builder, ask_sdk_model; mark("import ask_sdk_core + ask_sdk_model")
import speaker_helper.app; mark("import speaker_helper.app (its modules and libraries)")
import speaker_helper.wiring as _w
from speaker_helper.config import Settings
_settings = Settings.from_env()
_factory = getattr(_w, "dynamodb_client", None) or _w.dynamodb_resource
def _fresh():
    made = _factory(_settings)
    if hasattr(made, "Table"):  # the resource API also builds a Table class
        made.Table(_settings.table_name)
    return made
_ddb = _fresh(); mark(__DDB_PHASE__)
from moto import mock_aws
from moto.core import patch_client, patch_resource
from speaker_helper.local_dynamodb import ensure_table
_mock = mock_aws(); _mock.start()
(patch_resource if hasattr(_ddb, "Table") else patch_client)(_ddb)
ensure_table(_ddb, _settings.table_name)
__WARMUP__
mark("EXCLUDED moto setup")
_parts = {}
def _timed(name, fn):
    def wrapper(*args, **kwargs):
        t = time.perf_counter(); out = fn(*args, **kwargs)
        _parts[name] = _parts.get(name, 0.0) + (time.perf_counter() - t) * 1000
        return out
    return wrapper
_w.load_compiled = _timed("load_compiled", _w.load_compiled)
_w.build_matcher = _timed("build_matcher", _w.build_matcher)
_app = _w.build(_settings, dynamodb=_ddb); mark("build()")
_r1 = _app.handle(__LAUNCH__); mark("LaunchRequest (1 get_item via moto)")
_q = __QUESTION__
_q["session"] = dict(_q["session"], new=False, attributes=_r1.get("sessionAttributes") or {})
_r2 = _app.handle(_q); mark("question")
boto3.DEFAULT_SESSION = None
_w0 = time.perf_counter(); _fresh()
_warmed = (time.perf_counter() - _w0) * 1000
import json
phases = []
for i, (name, t) in enumerate(_marks[1:]):
    ms = (t - _marks[i][1]) * 1000
    if name == "build()":
        phases += [("build(): load_compiled", _parts["load_compiled"]),
                   ("build(): build_matcher", _parts["build_matcher"]),
                   ("build(): the rest (handlers, SkillBuilder, state store)",
                    ms - _parts["load_compiled"] - _parts["build_matcher"])]
    else:
        phases.append((name, ms))
print(json.dumps({"phases": phases, "resource_warmed_ms": _warmed}))
"""

RSS_CHILD = """\
import resource, json
__IMPORT__
_events = __EVENTS__
_attrs, _ok = {}, 0
for _i, _event in enumerate(_events):
    if _i:
        _event["session"] = dict(_event["session"], new=False, attributes=_attrs)
    _r = _entry.handler(_event, None)
    _attrs = _r.get("sessionAttributes") or {}
    _ok += "outputSpeech" in _r.get("response", {})
print(json.dumps({"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "answered": _ok,
                  "requests": len(_events)}))
"""
RSS_ANCHOR_IMPORT = "import hello_world as _entry"
# The deployed path (get_app -> build -> a real boto3 client, service model loaded), with the
# DynamoDB object swapped for the in-memory fake so that no moto is in the process.
RSS_SKILL_IMPORT = """\
import speaker_helper.app as _entry
from speaker_helper.wiring import get_app
from fake_dynamodb import install
install(get_app().store)"""

IMPORTTIME_CHILD = """\
import sys
import boto3
sys.stderr.write("--MARK ask_sdk--\\n")
import ask_sdk_core.skill_builder, ask_sdk_model
sys.stderr.write("--MARK skill--\\n")
import speaker_helper.app
print("{}")
"""


def fill(template: str, **values) -> str:
    for key, value in values.items():
        template = template.replace(f"__{key}__", value if isinstance(value, str) else repr(value))
    return template


# ---------------------------------------------------------------- cold start

def bench_cold(plan: dict) -> dict:
    """Cold-start children. Every round runs the anchor and the skill (and, when asked, the anchor
    that creates a DynamoDB Table); every `variant_every`-th round also runs both without .pyc and
    both precompiled, so that all variants share the same stretch of the machine's noise."""
    events = session_envelopes([COLD_QUESTION])
    launch, question = events
    empty = tempfile.mkdtemp(prefix="speaker-helper-bench-empty-")  # stays empty: nothing is written
    cache = tempfile.mkdtemp(prefix="speaker-helper-bench-pyc-")
    off = fill(NO_PYC, EMPTY_DIR=repr(os.path.join(empty, "none")))
    code = {
        "anchor": fill(ANCHOR_COLD, LAUNCH=launch, NO_PYC="", ANCHOR_DB=""),
        "anchor_db": fill(ANCHOR_COLD, LAUNCH=launch, NO_PYC="", ANCHOR_DB=ANCHOR_DB),
        "skill": fill(SKILL_COLD, WARMUP=WARMUP, LAUNCH=launch, QUESTION=question, NO_PYC="", PYC_BACK=""),
        "shipped_anchor": fill(ANCHOR_COLD, LAUNCH=launch, NO_PYC=off, ANCHOR_DB=""),
        "shipped_skill": fill(SKILL_COLD, WARMUP=WARMUP, LAUNCH=launch, QUESTION=question, NO_PYC=off,
                              PYC_BACK=PYC_BACK),
    }
    code["precompiled_anchor"], code["precompiled_skill"] = code["anchor"], code["skill"]
    env = child_env()
    envs = {who: env for who in code}
    envs["precompiled_anchor"] = envs["precompiled_skill"] = child_env({"PYTHONPYCACHEPREFIX": cache})

    main = ["anchor", "skill"] + (["anchor_db"] if plan["anchor_db"] else [])
    variants = ["shipped_anchor", "shipped_skill", "precompiled_anchor", "precompiled_skill"] \
        if plan["variant_every"] else []
    out: dict = {who: [] for who in main + variants}
    out.update({f"{who}_wall": [] for who in main + variants})
    out.update({f"{who}_cpu": [] for who in main + variants})
    out.update(skill_setup=[], skill_imports=[], skill_handle=[], skill_calls=[])
    try:
        if variants:  # fill the bytecode cache of the precompiled variant (one unrecorded run each)
            fill_env = child_env({"PYTHONPYCACHEPREFIX": cache})
            fill_env.pop("PYTHONDONTWRITEBYTECODE")
            run_child(code["anchor"], fill_env)
            run_child(code["skill"], fill_env)
        for who in main:  # one unrecorded round: the page cache then holds every file read
            run_child(code[who], env)
        for i in range(plan["pairs"]):
            todo = main + (variants if variants and i % plan["variant_every"] == 0 else [])
            shift = i % len(todo)
            for who in todo[shift:] + todo[:shift]:  # the order rotates round by round
                result, wall = run_child(code[who], envs[who])
                if not result.get("ok"):
                    raise RuntimeError(f"{who} child did not answer:\n{result['_stderr'][-2000:]}")
                out[who].append(result["window_ms"])
                out[f"{who}_wall"].append(wall)
                out[f"{who}_cpu"].append(result["cpu_ms"])
                if who == "skill":
                    out["skill_setup"].append(result["setup_ms"])
                    out["skill_imports"].append(result["imports_ms"])
                    out["skill_handle"].append(result["handle_ms"])
                    out["skill_calls"].append(result["dynamodb_calls"])
            progress(f"cold start round {i + 1}/{plan['pairs']}: "
                     + ", ".join(f"{who} {out[who][-1]:.0f} ms" for who in todo))

        phases_code = fill(SKILL_PHASES, WARMUP=WARMUP, DDB_PHASE=repr(DDB_PHASE), LAUNCH=launch, QUESTION=question)
        out["phases"] = []
        for i in range(plan["phases_runs"]):
            result, _ = run_child(phases_code, env)
            out["phases"].append(result)
            progress(f"cold-start phases {i + 1}/{plan['phases_runs']}")

        if plan["importtime"]:
            result, _ = run_child(IMPORTTIME_CHILD, env, ("-X", "importtime"))
            out["importtime"] = parse_importtime(result["_stderr"])
    finally:
        shutil.rmtree(empty, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
    return out


def parse_importtime(stderr: str) -> dict:
    section, rows = "boto3", {"boto3": [], "ask_sdk": [], "skill": []}
    for line in stderr.splitlines():
        if line.startswith("--MARK"):
            section = line.split()[1].rstrip("-")
            continue
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, raw = line[len("import time:"):].split("|")
        depth = (len(raw) - len(raw.lstrip()) - 1) // 2
        rows[section].append((raw.strip(), int(self_us) / 1000, int(cumulative_us) / 1000, depth))
    summary = {}
    for section, items in rows.items():
        top_level = [r for r in items if r[3] == 0]
        summary[section] = {
            "total_ms": sum(r[1] for r in items),
            "top_level": sorted(((name, cum) for name, _, cum, _ in top_level), key=lambda r: -r[1]),
            "top_self": sorted(((name, s) for name, s, _, _ in items), key=lambda r: -r[1])[:10],
        }
    return summary


# ---------------------------------------------------------------- peak RSS

def bench_rss(runs: int) -> dict:
    texts = question_texts()
    rng = random.Random(7)
    events = session_envelopes(rng.sample(texts, 20), user="amzn1.ask.account.BENCH-RSS")
    env = child_env()
    out = {"anchor": [], "skill": [], "answered": {}}
    for i in range(runs):
        for who, imp in (("anchor", RSS_ANCHOR_IMPORT), ("skill", RSS_SKILL_IMPORT)):
            result, _ = run_child(fill(RSS_CHILD, IMPORT=imp, EVENTS=events), env)
            out[who].append(result["maxrss_kb"] / 1024)
            out["answered"][who] = f"{result['answered']}/{result['requests']}"
        progress(f"peak RSS {i + 1}/{runs}: anchor {out['anchor'][-1]:.1f} MB, skill {out['skill'][-1]:.1f} MB")
    return out


# ---------------------------------------------------------------- warm latency

def bench_warm(passes: int) -> dict:
    import io
    import logging

    import hello_world
    from fake_dynamodb import FakeDynamoDB
    from speaker_helper import envelopes
    from speaker_helper.config import Settings
    from speaker_helper.request_factory import APPLICATION_ID, Session
    from speaker_helper.wiring import build

    # The skill logs one JSON line per request at INFO (the deployed level): keep the formatting
    # cost, drop the output.
    sink = logging.StreamHandler(io.StringIO())
    root = logging.getLogger()
    saved_handlers = root.handlers[:]
    root.handlers = [sink]
    try:
        settings = Settings(log_level="INFO", skill_id=APPLICATION_ID)
        fake = FakeDynamoDB()
        app = build(settings, dynamodb=fake)
        r = router()
        texts = question_texts()
        events, anchor_events = [], []
        for i, text in enumerate(texts):
            # Mid-session questions: each user's session was opened (state read) by a LaunchRequest.
            s = Session(user_id=f"amzn1.ask.account.BENCH-WARM-{i % 25:02d}")
            s.absorb(app.handle(s.launch()))
            events.append(s.intent(r.route(text)))
            anchor_events.append(Session(user_id=s.user_id).launch())
        intents = {}
        for e in events:
            intents[e["request"]["intent"]["name"]] = intents.get(e["request"]["intent"]["name"], 0) + 1

        for e, a in zip(events[:40], anchor_events[:40]):   # warm-up, unrecorded
            app.handle(e)
            hello_world.handler(a, None)
        skill_ns, anchor_ns, parse_ns = [], [], []
        clock, cpu = time.perf_counter_ns, time.thread_time_ns
        skill_cpu, anchor_cpu = [], []

        def timed(fn, arg, wall: list, used: list) -> None:
            # Wall time is what the target is about; this thread's CPU time leaves out the time the
            # scheduler gave to other processes, which on a busy machine is most of a p99.
            c0, t0 = cpu(), clock()
            fn(arg)
            t1, c1 = clock(), cpu()
            wall.append(t1 - t0)
            used.append(c1 - c0)

        for p in range(passes):
            for i, (e, a) in enumerate(zip(events, anchor_events)):
                if (i + p) % 2:
                    timed(lambda x: hello_world.handler(x, None), a, anchor_ns, anchor_cpu)
                    timed(app.handle, e, skill_ns, skill_cpu)
                else:
                    timed(app.handle, e, skill_ns, skill_cpu)
                    timed(lambda x: hello_world.handler(x, None), a, anchor_ns, anchor_cpu)
        # Parts of the skill's request path, for the breakdown (not part of the ratio).
        for e in events:
            t0 = clock(); envelopes.parse(e); parse_ns.append(clock() - t0)
        match_ns = []
        for text in texts:
            t0 = clock(); app.conversation.matcher.match(text); match_ns.append(clock() - t0)
    finally:
        root.handlers = saved_handlers
    ms = lambda xs: [x / 1e6 for x in xs]  # noqa: E731
    return {"skill": ms(skill_ns), "anchor": ms(anchor_ns), "parse": ms(parse_ns), "match": ms(match_ns),
            "skill_cpu": ms(skill_cpu), "anchor_cpu": ms(anchor_cpu),
            "envelopes": len(events), "passes": passes, "intents": intents,
            "fake_calls": fake.calls}


# ---------------------------------------------------------------- matcher, today and at 10x

def synthesise(kb, copies: int = 9, seed: int = 20241124):
    """The knowledge base with every entry plus `copies` synthetic copies of it (ids `<id>-x<k>`),
    built through the same `wiring.build_matcher` as the real one. A copy's question variant is the
    original with ~35% of its content words replaced by words drawn from the knowledge base's own
    question-word distribution (so word frequencies, and therefore the inverted index's posting-list
    lengths, grow ~10x as they would if the knowledge base grew within the same domain) and, half
    the time, two adjacent words swapped. Variants are kept distinct from the originals and from
    each other; lengths are unchanged; no new words, so precompiled stems still cover them."""
    import dataclasses

    rng = random.Random(seed)
    stop = {w.lower() for w in kb.lexicon.stopwords}
    entries = list(kb.entries.values())
    pool = [w for e in entries for q in e.questions for w in q.split() if w.lower() not in stop]
    grown = dict(kb.entries)
    seen = {q for e in entries for q in e.questions}
    for k in range(1, copies + 1):
        for e in entries:
            variants = []
            for q in e.questions:
                words = q.split()
                text = q
                for _ in range(10):
                    out = [rng.choice(pool) if w.lower() not in stop and rng.random() < 0.35 else w
                           for w in words]
                    if len(out) > 3 and rng.random() < 0.5:
                        i = rng.randrange(len(out) - 1)
                        out[i], out[i + 1] = out[i + 1], out[i]
                    text = " ".join(out)
                    if text not in seen:
                        break
                seen.add(text)
                variants.append(text)
            grown[f"{e.id}-x{k}"] = dataclasses.replace(e, id=f"{e.id}-x{k}", questions=tuple(variants))
    return dataclasses.replace(kb, entries=grown)


def bench_matcher(passes: int, queries: int | None = None) -> dict:
    from speaker_helper.config import Settings
    from speaker_helper.knowledge_base import load_compiled
    from speaker_helper.wiring import build_matcher

    from speaker_helper.semantic import Semantic

    kb = load_compiled()
    kb10 = synthesise(kb)
    settings = Settings()
    lexical = dataclasses.replace(settings, match=dataclasses.replace(settings.match, rerank_weight=0.0))
    texts = question_texts()[:queries]
    out = {}
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    matchers = {}
    # The synthetic copies get their original's variant vectors (encoding 40,000 variants would take
    # minutes); what a query costs, the encoder and the cosines, is the same.
    meaning = Semantic.load(kb.matchable())
    meaning10 = Semantic(meaning.encoder, {**meaning.vectors, **{
        eid: meaning.vectors[re.sub(r"-x\d+$", "", eid)] for eid in kb10.entries if eid not in meaning.vectors}})
    runs = (("1x", kb, settings, meaning), ("10x", kb10, settings, meaning10),
            ("1x words only", kb, lexical, None), ("10x words only", kb10, lexical, None))
    for label, base, config, semantic in runs:
        t0 = time.perf_counter()
        matcher = matchers[label] = build_matcher(base, config, semantic=semantic)
        build_ms = (time.perf_counter() - t0) * 1000
        gc.freeze()  # as wiring.build does once the skill is built
        correct = getattr(getattr(matcher, "normaliser", None), "_correct", None)
        times, cpu_times = [], []
        for _ in range(passes):
            # Spelling corrections are cached per word: clear per pass, so each pass pays them once
            # the way a warm Lambda meeting new words would.
            if hasattr(correct, "cache_clear"):
                correct.cache_clear()
            order = texts[:]
            random.Random(len(times)).shuffle(order)
            for text in order:
                c, t = cpu(), clock()
                matcher.match(text)
                times.append((clock() - t) / 1e6)
                cpu_times.append((cpu() - c) / 1e6)
        out[label] = {"times": times, "cpu": cpu_times, "build_ms": build_ms, "entries": len(base.entries),
                      "variants": sum(len(e.questions) for e in base.entries.values())}
        progress(f"matcher {label}: p50 {percentile(times, 50):.3f} ms, p99 {percentile(times, 99):.3f} ms")
    m1, m10 = matchers["1x"], matchers["10x"]
    # A sanity check that the synthetic copies compete with the originals rather than replace them.
    same = answered = 0
    for text in texts:
        first = m1.match(text)
        if first is None:
            continue
        answered += 1
        tenfold = m10.match(text)
        same += tenfold is not None and re.sub(r"-x\d+$", "", tenfold.entry_id) == first.entry_id
    out["agreement"] = (same, answered)
    return out


# ---------------------------------------------------------------- DynamoDB calls per conversation

def bench_dynamodb_calls() -> dict:
    import logging

    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(key, value)
    saved_endpoint = os.environ.pop("DYNAMODB_ENDPOINT", None)
    from speaker_helper import local_dynamodb
    from speaker_helper.config import Settings
    from speaker_helper.local_skill import LocalSkill

    settings = Settings(log_level="WARNING")
    turns = []
    root = logging.getLogger()
    saved_handlers = root.handlers[:]
    try:
        with local_dynamodb.dynamodb(settings) as resource:
            skill = LocalSkill(settings, resource)
            session = skill.session(user_id="amzn1.ask.account.BENCH-CONVERSATION")
            before = skill.app.store.calls
            turn = skill.launch(session)
            turns.append(("(launch)", skill.app.store.calls - before, turn.answer_id or turn.intent))
            for utterance in CONVERSATION:
                before = skill.app.store.calls
                turn = skill.say(session, utterance)
                turns.append((utterance, skill.app.store.calls - before, turn.answer_id or turn.intent))
            total = skill.app.store.calls
            ended = session.ended
    finally:
        root.handlers = saved_handlers
        if saved_endpoint is not None:
            os.environ["DYNAMODB_ENDPOINT"] = saved_endpoint
    return {"total": total, "turns": turns, "ended": ended}


# ---------------------------------------------------------------- sam build artifact

def tree_size(path: Path) -> int:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def bench_artifact() -> dict:
    if not ARTIFACT.is_dir():
        return {"built": False}
    entries = sorted(((p.name, tree_size(p)) for p in ARTIFACT.iterdir()), key=lambda e: -e[1])
    names = {name.lower() for name, _ in entries}
    missing = [req for req in requirement_names()
               if not any(n.startswith(req.lower().replace("-", "_")) for n in names)]
    files = [p for p in ARTIFACT.rglob("*") if p.is_file()]
    return {"built": True, "total": sum(size for _, size in entries), "entries": entries,
            "missing": missing, "py": sum(p.suffix == ".py" for p in files),
            "pyc": sum(p.suffix == ".pyc" for p in files),
            "built_at": dt.datetime.fromtimestamp(ARTIFACT.stat().st_mtime).strftime("%Y-%m-%d %H:%M")}


def requirement_names() -> list[str]:
    from packaging.requirements import Requirement

    return [Requirement(line).name for line in (LAMBDA / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


# ---------------------------------------------------------------- report

def machine() -> dict:
    info = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "python": platform.python_version() + f" ({sys.executable})",
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load": "%.2f %.2f %.2f" % os.getloadavg() if hasattr(os, "getloadavg") else "n/a",
    }
    try:
        from importlib import metadata

        info["libraries"] = ", ".join(f"{name} {metadata.version(name)}" for name in (
            "ask-sdk-core", "boto3", "rapidfuzz", "snowballstemmer", "moto") if _installed(name))
    except Exception:  # noqa: BLE001 (informational only)
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=str(ROOT),
                                capture_output=True, text=True, timeout=10).stdout.strip()
        if commit:
            info["commit"] = commit + " (plus any uncommitted changes)"
    except Exception:  # noqa: BLE001
        pass
    return info


def _installed(name: str) -> bool:
    from importlib import metadata

    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def render(results: dict, args, elapsed: float) -> str:
    cold, warm, rss = results["cold"], results["warm"], results["rss"]
    matcher, calls, artifact = results["matcher"], results["calls"], results["artifact"]
    rows = []

    def row(metric, measured, target="", result="info"):
        rows.append(f"| {metric} | {measured} | {target} | {result} |")

    # cold start
    a, s = median(cold["anchor"]), median(cold["skill"])
    ratio = s / a
    n = len(cold["anchor"])
    phases = cold["phases"]
    bias = median([phase_ms(p, DDB_PHASE) - p["resource_warmed_ms"] for p in phases])
    corrected = (s + bias) / a
    row(f"Cold start, anchor: LaunchRequest (median of {n}, in-child)", f"{a:.0f} ms")
    row(f"Cold start, skill: LaunchRequest + 1 question (median of {n}, in-child, moto excluded)",
        f"{s:.0f} ms (imports {median(cold['skill_imports']):.0f} + handling {median(cold['skill_handle']):.0f})")
    row("**Cold start ratio skill / anchor**", f"**{ratio:.2f}**", f"≤ {TARGETS['cold_ratio']}",
        verdict(ratio <= TARGETS["cold_ratio"]))
    row("Cold start ratio, corrected for botocore warm-up by moto's setup",
        f"{corrected:.2f} ({bias:+.0f} ms to the skill)", f"≤ {TARGETS['cold_ratio']}",
        verdict(corrected <= TARGETS["cold_ratio"]))
    ca, cs = median(cold["anchor_cpu"]), median(cold["skill_cpu"])
    row("Cold start ratio on CPU time (process_time over the same windows; other jobs do not count)",
        f"{cs / ca:.2f} (anchor {ca:.0f} ms, skill {cs:.0f} ms)", f"≤ {TARGETS['cold_ratio']}",
        verdict(cs / ca <= TARGETS["cold_ratio"]))
    row("Cold start, whole subprocess wall (median)",
        f"anchor {median(cold['anchor_wall']):.0f} ms; skill {median(cold['skill_wall']):.0f} ms, of which "
        f"moto setup {median(cold['skill_setup']):.0f} ms")
    if cold.get("anchor_db"):
        ad = median(cold["anchor_db"])
        adc = median(cold["anchor_db_cpu"])
        row("Cold start, anchor that also creates a boto3 DynamoDB client (median, same rounds)",
            f"{ad:.0f} ms, skill / this anchor = {s / ad:.2f}; on CPU time {adc:.0f} ms, {cs / adc:.2f}")
    for key, label in (("shipped", "as `sam build` ships it: no .pyc except boto3's"),
                       ("precompiled", "every module precompiled (.pyc shipped)")):
        if cold.get(f"{key}_skill"):
            va, vs = median(cold[f"{key}_anchor"]), median(cold[f"{key}_skill"])
            vca, vcs = median(cold[f"{key}_anchor_cpu"]), median(cold[f"{key}_skill_cpu"])
            row(f"Cold start, {label} (median of {len(cold[f'{key}_skill'])}, same rounds)",
                f"anchor {va:.0f} ms, skill {vs:.0f} ms, ratio {vs / va:.2f}; "
                f"CPU anchor {vca:.0f} ms, skill {vcs:.0f} ms, ratio {vcs / vca:.2f}")
    # warm
    sp50, sp99 = percentile(warm["skill"], 50), percentile(warm["skill"], 99)
    ap50, ap99 = percentile(warm["anchor"], 50), percentile(warm["anchor"], 99)
    wratio = sp99 / ap99
    row(f"Warm, skill question request ({len(warm['skill'])} requests, {warm['envelopes']} envelopes)",
        f"p50 {sp50:.2f} ms, p99 {sp99:.2f} ms")
    row("Warm, anchor LaunchRequest (same process, interleaved)", f"p50 {ap50:.2f} ms, p99 {ap99:.2f} ms")
    row("**Warm ratio skill p99 / anchor p99**", f"**{wratio:.2f}**", f"≤ {TARGETS['warm_ratio']}",
        verdict(wratio <= TARGETS["warm_ratio"]))
    row("Warm ratio skill p50 / anchor p50 (less exposed to the machine's noise)", f"{sp50 / ap50:.1f}")
    sc99, ac99 = percentile(warm["skill_cpu"], 99), percentile(warm["anchor_cpu"], 99)
    row("Warm, thread CPU time (no scheduler noise): skill p50 / p99, anchor p50 / p99, p99 ratio",
        f"{percentile(warm['skill_cpu'], 50):.2f} / {sc99:.2f} ms, {percentile(warm['anchor_cpu'], 50):.2f} / "
        f"{ac99:.2f} ms, {sc99 / ac99:.1f}")
    # RSS
    srss, arss = max(rss["skill"]), max(rss["anchor"])
    row("**Peak RSS, skill** (import + LaunchRequest + 20 questions, max of runs)", f"**{srss:.1f} MB**",
        f"< {TARGETS['rss_mb']:.0f} MB", verdict(srss < TARGETS["rss_mb"]))
    row("Peak RSS, anchor (same requests)", f"{arss:.1f} MB")
    # DynamoDB
    row("**DynamoDB calls, scripted 10-turn conversation**", f"**{calls['total']}**",
        f"≤ {TARGETS['dynamodb_calls']}", verdict(calls["total"] <= TARGETS["dynamodb_calls"]))
    # matcher
    for label in ("1x", "10x", "1x words only", "10x words only"):
        m = matcher[label]
        p50, p99 = percentile(m["times"], 50), percentile(m["times"], 99)
        ok = p99 < TARGETS["matcher_p99_ms"]
        bold = "**" if label == "10x" else ""
        row(f"{bold}Matcher per query, {label} knowledge ({m['entries']} entries, {m['variants']} variants){bold}",
            f"{bold}p50 {p50:.3f} ms, p99 {p99:.3f} ms{bold} (CPU time p50 {percentile(m['cpu'], 50):.3f}, "
            f"p99 {percentile(m['cpu'], 99):.3f} ms)", f"p99 < {TARGETS['matcher_p99_ms']:.0f} ms",
            verdict(ok) if label == "10x" else ("(pass)" if ok else "(miss)"))
    # artifact
    if artifact["built"]:
        stale = f"; **missing {', '.join(artifact['missing'])}: rebuild**" if artifact["missing"] else ""
        row("sam build artifact (.aws-sam/build/SkillFunction)",
            f"{human(artifact['total'])} unzipped; {artifact['py']} .py, {artifact['pyc']} .pyc{stale}")
    else:
        row("sam build artifact", "not built (run make build)")

    lines = [
        "# Speaker Helper benchmark",
        "",
        f"`{Path(sys.executable).name} bench/run.py{' --quick' if args.quick else ''}` — "
        f"{'quick smoke run (few repetitions: do not quote these numbers)' if args.quick else 'full run'}, "
        f"{elapsed:.0f} s. How to read it: [README.md](README.md).",
        "",
    ]
    for key, value in machine().items():
        lines.append(f"- {key}: {value}")
    lines += ["", "| metric | measured | target | result |", "|---|---|---|---|", *rows, ""]

    # details
    lines += ["## Details", "", "### Cold start: where the skill's time goes",
              "", f"Median of {len(phases)} separate children; every phase fresh (the first boto3 client "
              "in the process), moto imported only after it and excluded.", "",
              "| phase | median ms |", "|---|---|"]
    names = [name for name, _ in phases[0]["phases"]] if phases else []
    total = 0.0
    for name in names:
        value = median([phase_ms(p, name) for p in phases])
        if name.startswith("EXCLUDED"):
            lines.append(f"| ({name[9:]}, excluded) | ({value:.0f}) |")
            continue
        total += value
        lines.append(f"| {name} | {value:.0f} |")
    lines += [f"| **sum: the skill's cold window without moto's warm-up bias** | **{total:.0f}** |",
              f"| (the same DynamoDB client/resource after moto's setup warmed botocore) | "
              f"({median([p['resource_warmed_ms'] for p in phases]):.0f}) |", ""]
    lines.append(f"DynamoDB calls in the cold-start children (launch + 1 question): "
                 f"{sorted(set(cold['skill_calls']))}.")
    lines.append("")
    if "importtime" in cold:
        it = cold["importtime"]
        lines += ["### Cold start: imports (`python -X importtime`, one run; the flag inflates times)", ""]
        for section, label in (("boto3", "boto3 (anchor and skill)"),
                               ("ask_sdk", "ask_sdk_core + ask_sdk_model (anchor and skill)"),
                               ("skill", "speaker_helper.app on top (skill only)")):
            top = ", ".join(f"{name} {cum:.0f} ms" for name, cum in it[section]["top_level"][:6])
            lines.append(f"- {label}: {it[section]['total_ms']:.0f} ms in all ({top})")
        lines.append("- skill-only modules by self time: " + ", ".join(
            f"{name} {ms:.1f}" for name, ms in it["skill"]["top_self"]) + " (ms)")
        lines.append("")

    lines += ["### Warm path", "",
              f"- {warm['envelopes']} envelopes from tests/eval/questions.yaml routed by UtteranceRouter "
              f"({', '.join(f'{k} {v}' for k, v in sorted(warm['intents'].items(), key=lambda kv: -kv[1]))}), "
              f"each a mid-session turn; {warm['passes']} passes; fake-table calls: {warm['fake_calls']}.",
              f"- envelopes.parse (SDK deserialisation) alone: p50 {percentile(warm['parse'], 50):.2f} ms, "
              f"p99 {percentile(warm['parse'], 99):.2f} ms; matcher.match alone: "
              f"p50 {percentile(warm['match'], 50):.2f} ms, p99 {percentile(warm['match'], 99):.2f} ms.",
              f"- skill p90 {percentile(warm['skill'], 90):.2f} ms, max {max(warm['skill']):.2f} ms; "
              f"anchor p90 {percentile(warm['anchor'], 90):.2f} ms, max {max(warm['anchor']):.2f} ms.", ""]

    lines += ["### Peak RSS", "",
              f"- runs: skill {', '.join(f'{x:.1f}' for x in rss['skill'])} MB; "
              f"anchor {', '.join(f'{x:.1f}' for x in rss['anchor'])} MB; answered "
              f"skill {rss['answered'].get('skill')}, anchor {rss['answered'].get('anchor')} "
              "(the anchor answers questions through its catch-all).", ""]

    lines += ["### DynamoDB calls per turn", "", "| turn | calls | answered with |", "|---|---|---|"]
    lines += [f"| {u} | {c} | {a} |" for u, c, a in calls["turns"]]
    lines += ["", f"Session ended after the last turn: {calls['ended']}.", ""]

    lines += ["### Matcher", ""]
    for label in ("1x", "10x", "1x words only", "10x words only"):
        m = matcher[label]
        lines.append(f"- {label}: {m['entries']} entries, {m['variants']} question variants; "
                     f"`build_matcher` took {m['build_ms']:.0f} ms; {len(m['times'])} queries timed, "
                     f"max {max(m['times']):.3f} ms.")
    same, answered = matcher["agreement"]
    lines += [f"- At 10x the same entry family still wins for {same} of the {answered} queries answered at 1x.",
              "- 10x synthesis: every entry gets 9 copies (`<id>-x1`..`-x9`); each copy's variants are the "
              "originals with ~35% of content words replaced by words sampled from the knowledge base's own "
              "question-word distribution and, half the time, two adjacent words swapped (seeded, distinct, "
              "same lengths).", ""]

    lines += ["### sam build artifact", ""]
    if artifact["built"]:
        lines += [f"Total {human(artifact['total'])} unzipped, built {artifact['built_at']}; "
                  f"{artifact['py']} .py files and {artifact['pyc']} .pyc files (without .pyc, Lambda compiles "
                  "every imported module at each cold start: see the no-.pyc cold-start row).",
                  "", "| entry | size |", "|---|---|"]
        top, rest = artifact["entries"][:12], artifact["entries"][12:]
        lines += [f"| {name} | {human(size)} |" for name, size in top]
        if rest:
            lines.append(f"| {len(rest)} more (dist-info, six.py, ...) | {human(sum(size for _, size in rest))} |")
    else:
        lines.append("not built (run make build).")
    lines.append("")
    return "\n".join(lines)


def phase_ms(run: dict, name: str) -> float:
    return next(ms for n, ms in run["phases"] if n == name)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke run (< 60 s)")
    parser.add_argument("--out", type=Path, default=None,
                        help="Markdown report to write (default bench/results.md; with --quick, "
                             "bench/results-quick.md, so a smoke run never replaces the full results)")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = BENCH / ("results-quick.md" if args.quick else "results.md")
    started = time.perf_counter()
    if args.quick:
        plan = dict(pairs=3, phases_runs=1, variant_every=0, anchor_db=False, importtime=False, rss_runs=1,
                    warm_passes=1, matcher_passes=1, matcher_queries=60)
    else:
        plan = dict(pairs=14, phases_runs=4, variant_every=2, anchor_db=True, importtime=True, rss_runs=3,
                    warm_passes=5, matcher_passes=3, matcher_queries=None)
    results = {}
    results["cold"] = bench_cold(plan)
    results["rss"] = bench_rss(plan["rss_runs"])
    progress("warm latency")
    results["warm"] = bench_warm(plan["warm_passes"])
    results["matcher"] = bench_matcher(plan["matcher_passes"], plan["matcher_queries"])
    progress("DynamoDB calls in the scripted conversation")
    results["calls"] = bench_dynamodb_calls()
    results["artifact"] = bench_artifact()
    report = render(results, args, time.perf_counter() - started)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    progress(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
