#!/usr/bin/env bash
# The SAM CLI jobs, one subcommand each. No Docker, no AWS credentials; lint needs no network.
#
#   infra/sam.sh install   set up .venv-sam (done by the others on first use)
#   infra/sam.sh lint      sam validate --lint, then cfn-lint on the template as SAM translates it
#   infra/sam.sh build     sam build (no container, x86_64) into .aws-sam/build, then a look at it
#
# The SAM CLI lives in its own venv, .venv-sam, pinned by infra/requirements-sam.txt: aws-sam-cli
# pins boto3/botocore and would downgrade them in the project's .venv. Re-running a job is safe;
# the venv is rebuilt only when requirements-sam.txt changes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3.11}"
VENV="$ROOT/.venv-sam"
REQUIREMENTS="$ROOT/infra/requirements-sam.txt"
STAMP="$VENV/.installed"
TEMPLATE="$ROOT/template.yaml"
BUILD_DIR="$ROOT/.aws-sam/build"
TRANSLATED="$ROOT/.aws-sam/translated.json"

# SAM and cfn-lint want a region even offline; neither call below talks to AWS.
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_REGION="${AWS_REGION:-$AWS_DEFAULT_REGION}"
export SAM_CLI_TELEMETRY=0
# The venv's python3.11 (with its pip) first on PATH: `sam build` resolves the runtime's
# interpreter by name, and this one is the same on every machine.
export PATH="$VENV/bin:$PATH"

usage() {
    sed -n '2,7s/^# \{0,1\}//p' "$0"
}

log() { printf '%s\n' "sam.sh: $*" >&2; }

install() {
    local want
    want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
    if [[ -x "$VENV/bin/sam" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
        return 0
    fi
    command -v "$PYTHON" >/dev/null 2>&1 || { log "needs $PYTHON"; exit 1; }
    local started=$SECONDS
    log "installing the SAM CLI into ${VENV#"$ROOT/"} (first use only)"
    [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
    "$VENV/bin/python" -m pip check >/dev/null || { "$VENV/bin/python" -m pip check; exit 1; }
    printf '%s\n' "$want" >"$STAMP"
    log "installed $("$VENV/bin/sam" --version) in $((SECONDS - started))s"
}

lint() {
    install
    log "sam validate --lint"
    sam validate --lint --template-file "$TEMPLATE"
    log "cfn-lint on the translated template"
    mkdir -p "$(dirname "$TRANSLATED")"
    "$VENV/bin/python" "$ROOT/infra/translate_template.py" "$TEMPLATE" -o "$TRANSLATED"
    "$VENV/bin/cfn-lint" --regions "$AWS_DEFAULT_REGION" -- "$TRANSLATED"
    log "lint passed"
}

build() {
    install
    log "sam build (no container, x86_64/python3.11 as template.yaml says)"
    # --cached: the dependencies are downloaded again only when lambda/requirements.txt changes
    # (.aws-sam/deps); the code is copied afresh each time and the build dir is emptied first.
    # `rm -rf .aws-sam` (make clean) for a build from scratch.
    sam build --cached --template-file "$TEMPLATE" --build-dir "$BUILD_DIR" --no-use-container
    prune "$BUILD_DIR/SkillFunction"
    # Ship bytecode: without .pyc files every cold start compiles the SDK and the skill (about a
    # third of the cold start, bench/results.md). Hash-checked rather than timestamped, since a zip
    # keeps times only to two seconds; python3.11 bytecode is the same on every architecture.
    "$VENV/bin/python" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$BUILD_DIR/SkillFunction"
    check_artifact "$BUILD_DIR/SkillFunction"
}

prune() {
    # onnxruntime's wheel requires sympy and mpmath (85 MB, for its model tools, never imported at
    # inference) and numpy ships its own tests: without them the artifact is ~160 MB instead of
    # ~246 MB of Lambda's 250 MB. tests/build runs the pruned artifact end to end.
    local dir="$1"
    rm -rf "$dir"/sympy "$dir"/sympy-*.dist-info "$dir"/mpmath "$dir"/mpmath-*.dist-info
    find "$dir/numpy" -type d -name tests -prune -exec rm -rf {} +
    rm -f "$dir/numpy/conftest.py"
}

check_artifact() {
    local dir="$1" bad
    [[ -f "$dir/speaker_helper/app.py" && -f "$dir/speaker_helper/data/knowledge.json" ]] \
        || { log "artifact lacks speaker_helper/app.py or data/knowledge.json"; exit 1; }
    for dep in ask_sdk_core ask_sdk_model rapidfuzz onnxruntime numpy; do
        [[ -d "$dir/$dep" ]] || { log "artifact lacks $dep"; exit 1; }
    done
    bad="$(cd "$dir" && ls -d yaml _yaml moto pytest _pytest boto3 botocore tests knowledge 2>/dev/null || true)"
    [[ -z "$bad" ]] || { log "artifact must not contain: $bad"; exit 1; }
    log "artifact ${dir#"$ROOT/"}: $(du -sh "$dir" | cut -f1) unzipped, $(find "$dir" -type f | wc -l) files"
}

case "${1:-}" in
    install) install ;;
    lint) lint ;;
    build) build ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
esac
