#!/usr/bin/env bash
# The GitHub Action's work (action.yml), as a script CI runs too (tests/test_ci_integration.py).
#
#   ci/review-sarif.sh OUTPUT.sarif SPEC_OR_GLOB...
#
# Checks every spec with `mqcheck checklist --format sarif` into ONE SARIF file with one run
# (code scanning keeps one run per tool and category), locations relative to the repository
# root ($MQCHECK_BASE_DIR, else $GITHUB_WORKSPACE, else here). Globs are expanded here, with
# `**` (so the action's `specs: "specs/**/*.yaml"` works without a shell of its own).
# Extra `mqcheck checklist` options come from $MQCHECK_ARGS (e.g. "--no-profile").
#
# Exit: 0 when the SARIF was written, whatever the verdicts (mqcheck's code 0, 1 or 3 goes to
# $GITHUB_OUTPUT as exit-code, for the action to fail on if asked); mqcheck's code when no
# SARIF could be written (2 invalid spec or pattern matching nothing, 4 internal error).
set -euo pipefail
shopt -s globstar nullglob

if [ "$#" -lt 2 ]; then
    echo "usage: $0 OUTPUT.sarif SPEC_OR_GLOB..." >&2
    exit 2
fi
out=$1
shift
specs=()
for pattern in "$@"; do
    matched=($pattern)  # word splitting and globbing are the point here
    if [ "${#matched[@]}" -eq 0 ]; then
        echo "mqcheck: '$pattern' matches no spec file" >&2
        exit 2
    fi
    specs+=("${matched[@]}")
done
base=${MQCHECK_BASE_DIR:-${GITHUB_WORKSPACE:-$PWD}}
rc=0
# shellcheck disable=SC2086  # MQCHECK_ARGS is a list of options
"${PYTHON:-python3}" -m mqcheck checklist "${specs[@]}" --format sarif --base-dir "$base" \
    -o "$out" ${MQCHECK_ARGS:-} || rc=$?
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "exit-code=$rc" >>"$GITHUB_OUTPUT"
fi
case $rc in
    0 | 1 | 3) echo "mqcheck: ${#specs[@]} spec(s) checked into $out (mqcheck exit $rc)" >&2 ;;
    *) exit "$rc" ;;
esac
