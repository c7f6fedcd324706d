#!/usr/bin/env python3
"""Seed the `github` fuzz target from GitHub's published OpenAPI examples.

Each seed is a script of responses in the order the target makes its reads
(pull, files, compare, tree, file, reviews, team, comments), separated by NUL
bytes; a response's first byte picks its status and headers (see
fuzz_targets/github.rs: 0x01 is a plain 200, 0x31 a 200 saying more pages
follow, 0x0e a 500, 0x0a a 404). Usage: seed_github.py OPENAPI_DIR OUT_DIR
"""
import json
import os
import sys

OK, MORE, ERROR, MISSING = b"\x01", b"\x31", b"\x0e", b"\x0a"

READS = [
    ("/repos/{owner}/{repo}/pulls/{pull_number}", None),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/files", None),
    ("/repos/{owner}/{repo}/compare/{base}...{head}", None),
    ("/repos/{owner}/{repo}/git/trees/{tree_sha}", None),
    ("/repos/{owner}/{repo}/contents/{path}", "response-if-content-is-a-file"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", None),
    ("/orgs/{org}/teams/{team_slug}/memberships/{username}", None),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", None),
]


def examples(openapi_dir):
    found = {}
    for name in ("github-subset.json", "github-subset-2.json"):
        with open(os.path.join(openapi_dir, name)) as f:
            spec = json.load(f)
        for path, ops in spec["paths"].items():
            content = ops.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
            for key, example in content.get("application/json", {}).get("examples", {}).items():
                found.setdefault(path, {})[key] = json.dumps(example["value"]).encode()
    return found


def main(openapi_dir, out):
    found = examples(openapi_dir)
    bodies = []
    for path, key in READS:
        by_key = found[path]
        bodies.append(by_key[key] if key else next(iter(by_key.values())))
    seeds = {
        "all-ok": [OK + b for b in bodies],
        # A list that says more pages follow, then the server fails.
        "more-then-error": [OK + bodies[0], MORE + bodies[1], ERROR + b'{"message":"boom"}'],
        # Not found everywhere.
        "missing": [MISSING + b'{"message":"Not Found"}'] * len(bodies),
        # A GraphQL-shaped partial answer where REST is expected.
        "partial": [OK + b'{"data":{"repository":null},"errors":[{"message":"x"}]}'] * len(bodies),
    }
    os.makedirs(out, exist_ok=True)
    for name, responses in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b"\x00".join(responses))
    for i, body in enumerate(bodies):
        with open(os.path.join(out, f"one-{i}"), "wb") as f:
            f.write(b"\x00".join([OK + b for b in bodies[:i]] + [OK + body]))
    print(f"seeded: {len(seeds) + len(bodies)} github")


if __name__ == "__main__":
    main(*sys.argv[1:3])
