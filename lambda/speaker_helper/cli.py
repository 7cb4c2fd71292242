"""`speaker-helper`: the skill on the command line.

  chat                 an Echo in the terminal (reads stdin, pipes welcome)
  ask TEXT | -         one-shot questions, like "Alexa, ask speaker helper TEXT"
  invoke FILE... | -   raw request envelopes through the Lambda handler, one JSON line each
  eval FILE...         pass rates of eval sets (tests/eval/*.yaml), with a BM25 baseline
  test-all             every question variant of every entry back to its own entry
  routing FILE...      accuracy of the local utterance router on annotations
  speech-report        words and seconds of speech per first answer (espeak-ng + sox)
  knowledge [--check]  compile knowledge/*.yaml into the package's JSON (or check it is current)
  models [--check]     generate interaction_models/<locale>.json (or check they are current)

Everything that talks to the skill uses DynamoDB through moto in-process unless
--dynamodb-endpoint (or DYNAMODB_ENDPOINT) points at a running DynamoDB-compatible server.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _settings(args):
    from .config import Settings

    env = dict(os.environ)
    env.setdefault("LOG_LEVEL", "WARNING")  # keep the terminal for the conversation
    if getattr(args, "dynamodb_endpoint", None):
        env["DYNAMODB_ENDPOINT"] = args.dynamodb_endpoint
    return Settings.from_env(env)


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False), flush=True)


@contextlib.contextmanager
def _local_skill(args):
    from .local_dynamodb import dynamodb
    from .local_skill import LocalSkill

    settings = _settings(args)
    with dynamodb(settings) as resource:
        yield LocalSkill(settings, resource)


def cmd_chat(args) -> int:
    with _local_skill(args) as skill:
        kwargs = {"user_id": args.user} if args.user else {}
        session = skill.session(viewport=args.screen, **kwargs)
        interactive = sys.stdin.isatty()

        def show(turn):
            if args.json:
                _print_json(turn.record())
                return
            print(f"Alexa: {turn.ssml if args.ssml else turn.speech}", flush=True)
            if turn.card and args.cards:
                print(f"  [card] {turn.card['title']}: {turn.card['text']}", flush=True)
            for directive in turn.response.get("response", {}).get("directives", []):
                data = directive.get("datasources", {}).get("speakerHelper", {})
                shown = data.get("rows") or data.get("items") or []
                current = f" (step {data['current']} highlighted)" if data.get("current") else ""
                print(f"  [screen] {data.get('title')}{current}: " + " | ".join(map(str, shown)), flush=True)

        show(skill.launch(session))
        while not session.ended:
            if interactive:
                print("You: ", end="", flush=True)
            line = sys.stdin.readline()
            if not line:  # end of input: the user walked away
                skill.end(session, "USER_INITIATED")
                break
            if not line.strip():
                continue
            if not interactive and not args.json:
                print(f"You: {line.strip()}", flush=True)
            show(skill.say(session, line.strip()))
    return 0


def cmd_ask(args) -> int:
    with _local_skill(args) as skill:
        if args.text == ["-"]:
            for line in sys.stdin:
                if line.strip():
                    _print_json(skill.say(skill.session(), line.strip()).record())
            return 0
        turn = skill.say(skill.session(), " ".join(args.text))
        if args.json:
            _print_json(turn.record())
        else:
            print(turn.ssml if args.ssml else turn.speech)
    return 0


def _envelopes(paths):
    if paths == ["-"]:
        text = sys.stdin.read()
        try:
            yield json.loads(text)
        except json.JSONDecodeError:
            for line in text.splitlines():
                if line.strip():
                    yield json.loads(line)
        return
    for path in paths:
        yield json.loads(Path(path).read_text(encoding="utf-8"))


def cmd_invoke(args) -> int:
    from .local_dynamodb import dynamodb

    settings = _settings(args)
    os.environ["LOG_LEVEL"] = settings.log_level
    if args.dynamodb_endpoint:
        os.environ["DYNAMODB_ENDPOINT"] = args.dynamodb_endpoint
    with dynamodb(settings):
        from . import app  # the Lambda entry point, as Lambda imports it

        for event in _envelopes(args.files):
            try:
                _print_json(app.handler(event, None))
            except Exception as exc:  # report, as Lambda would, and go on with the next one
                _print_json({"error": f"{type(exc).__name__}: {exc}"})
    return 0


def cmd_eval(args) -> int:
    from .evaluation import run_eval

    with _local_skill(args) as skill:
        return run_eval(skill, [Path(f) for f in args.files], verbose=args.verbose, as_json=args.json)


def cmd_test_all(args) -> int:
    from .config import Settings
    from .evaluation import test_all_report
    from .knowledge_base import load_compiled
    from .wiring import build_matcher

    kb = load_compiled()
    settings = Settings.from_env()
    if args.folds:
        from .evaluation import cross_validate

        print(cross_validate(kb, settings, args.folds))
        return 0
    print(test_all_report(kb, build_matcher(kb, settings), verbose=args.verbose))
    return 0


def cmd_routing(args) -> int:
    import yaml

    from .evaluation import routing_report

    with _local_skill(args) as skill:
        router = skill.router
    for path in args.files:
        print(routing_report(router, yaml.safe_load(Path(path).read_text(encoding="utf-8"))))
    return 0


def cmd_speech_report(args) -> int:
    from .knowledge_base import load_compiled
    from .speech_report import report

    print(report(load_compiled()))
    return 0


def cmd_knowledge(args) -> int:
    from .knowledge_base import PACKAGE_DATA, KnowledgeError, compile_source, compile_to
    from .semantic import VECTORS, compile_vectors, vectors_current
    from .wiring import variant_index

    source = ROOT / "knowledge"
    try:
        if args.check:
            kb, fresh = compile_source(source, variant_index)
            current = PACKAGE_DATA.read_text(encoding="utf-8") if PACKAGE_DATA.exists() else ""
            for path, ok in ((PACKAGE_DATA, current == fresh), (VECTORS, vectors_current(kb.matchable()))):
                if not ok:
                    print(f"{path.relative_to(ROOT)} is out of date: run `make knowledge`", file=sys.stderr)
                    return 1
            print("knowledge: compiled file and variant vectors are current")
            return 0
        kb = compile_to(source, index=variant_index)
    except KnowledgeError as exc:
        print(f"knowledge error: {exc}", file=sys.stderr)
        return 1
    print(f"knowledge: {len(kb.entries)} entries, {len(kb.echo_models)} Echo models, "
          f"{len(kb.brands)} brands -> {PACKAGE_DATA.relative_to(ROOT)}")
    if vectors_current(kb.matchable()):
        print(f"knowledge: {VECTORS.relative_to(ROOT)} is current")
    else:
        count = compile_vectors(kb.matchable())
        print(f"knowledge: {count} question variants encoded -> {VECTORS.relative_to(ROOT)}")
    return 0


def cmd_models(args) -> int:
    from . import interaction_model
    from .knowledge_base import load_compiled

    kb = load_compiled()
    if args.check:
        problems = interaction_model.drift(kb)
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print("interaction models are current")
        return 1 if problems else 0
    for path in interaction_model.write(kb):
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="speaker-helper", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    def with_dynamodb(sp):
        sp.add_argument("--dynamodb-endpoint", metavar="URL",
                        default=os.environ.get("DYNAMODB_ENDPOINT"),
                        help="a running DynamoDB-compatible server (default: moto in-process)")
        return sp

    chat = with_dynamodb(sub.add_parser("chat", help="talk to the skill"))
    chat.add_argument("--ssml", action="store_true", help="show the SSML Alexa would speak")
    chat.add_argument("--json", action="store_true", help="one JSON line per turn")
    chat.add_argument("--cards", action="store_true", help="also show the Alexa app cards")
    chat.add_argument("--user", help="the Alexa user id to chat as (default: a fixed local user)")
    chat.add_argument("--screen", action="store_true", help="be an Echo Show (APL documents are shown)")
    chat.set_defaults(func=cmd_chat)

    ask = with_dynamodb(sub.add_parser("ask", help="one-shot question(s)"))
    ask.add_argument("text", nargs="+", help="the utterance, or - for one per line on stdin")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--ssml", action="store_true")
    ask.set_defaults(func=cmd_ask)

    invoke = with_dynamodb(sub.add_parser("invoke", help="run request envelopes through the handler"))
    invoke.add_argument("files", nargs="+", help="JSON envelope files, or - for stdin")
    invoke.set_defaults(func=cmd_invoke)

    ev = with_dynamodb(sub.add_parser("eval", help="pass rates of eval sets"))
    ev.add_argument("files", nargs="+")
    ev.add_argument("--verbose", action="store_true", help="list every question, not only failures")
    ev.add_argument("--json", action="store_true", help="the report as JSON")
    ev.set_defaults(func=cmd_eval)

    ta = sub.add_parser("test-all", help="every question variant back to its own entry")
    ta.add_argument("--verbose", action="store_true", help="every variant, not only the misses")
    ta.add_argument("--folds", type=int, default=0, metavar="K",
                    help="cross-validate instead: each variant asked of a matcher built without it")
    ta.set_defaults(func=cmd_test_all)

    ro = sub.add_parser("routing", help="intent/slot accuracy of the local router on annotations")
    ro.add_argument("files", nargs="+")
    ro.set_defaults(func=cmd_routing)

    sr = sub.add_parser("speech-report", help="words and seconds of speech per first answer")
    sr.set_defaults(func=cmd_speech_report)

    kn = sub.add_parser("knowledge", help="compile knowledge/*.yaml")
    kn.add_argument("--check", action="store_true")
    kn.set_defaults(func=cmd_knowledge)

    models = sub.add_parser("models", help="generate the interaction models")
    models.add_argument("--check", action="store_true")
    models.set_defaults(func=cmd_models)
    return p


def main(argv=None) -> int:
    import signal

    if hasattr(signal, "SIGPIPE"):  # `speaker-helper ... | head` ends quietly, as Unix tools do
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
