#!/usr/bin/env bash
# Seed the fuzz corpora from ../shared/corpus (the checklists, seeds and
# webhook payloads beside the repository) and from the example policy.
set -euo pipefail
cd "$(dirname "$0")"
shared="${1:-../../shared/corpus}"
mkdir -p corpus/markdown corpus/policy corpus/payload
cp "$shared"/seeds/*.md "$shared"/checklists/*.md corpus/markdown/
cp ../examples/*.md corpus/markdown/
cp ../examples/*.toml corpus/policy/
cp "$shared"/events/*.json corpus/payload/
echo "seeded: $(ls corpus/markdown | wc -l) markdown, $(ls corpus/policy | wc -l) policy, $(ls corpus/payload | wc -l) payload"
