#!/usr/bin/env bash
# Seed the fuzz corpora from ../shared/corpus (the checklists, seeds, edge
# cases, webhook payloads and GitHub's OpenAPI examples beside the
# repository), from the example policy, and from the inputs of checkgate's
# own attack tests (tests/fixtures/).
set -euo pipefail
cd "$(dirname "$0")"
shared="${1:-../../shared/corpus}"
mkdir -p corpus/markdown corpus/policy corpus/payload corpus/github
cp "$shared"/seeds/*.md "$shared"/checklists/*.md "$shared"/edge/*.md corpus/markdown/
cp ../tests/fixtures/edge/*.md corpus/markdown/
cp ../examples/*.md corpus/markdown/
cp ../examples/*.toml corpus/policy/
cp "$shared"/events/*.json corpus/payload/
./seed_github.py "$shared"/openapi corpus/github
echo "seeded: $(ls corpus/markdown | wc -l) markdown, $(ls corpus/policy | wc -l) policy, $(ls corpus/payload | wc -l) payload, $(ls corpus/github | wc -l) github"
