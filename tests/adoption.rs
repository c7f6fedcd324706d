//! Issue 18: from zero to an enforced gate. What a new user sees from
//! `init --workflow`, from a command typed in a subdirectory, from a policy
//! with a typo, and from the pull request comment, pinned as the exact text.

mod common;

use std::path::Path;

use common::{checkgate, workspace};

fn repo_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).expect(name)
}

/// The text of the first fenced block after `heading` in `markdown`.
fn block_after(markdown: &str, heading: &str) -> String {
    let at = markdown.find(heading).unwrap_or_else(|| panic!("no {heading:?}"));
    let rest = &markdown[at..];
    let open = rest.find("```").expect("a fence");
    let body_start = open + rest[open..].find('\n').expect("fence line") + 1;
    let close = body_start + rest[body_start..].find("```").expect("closing fence");
    rest[body_start..close].to_string()
}

/// `init` with everything it can write.
const INIT_ALL: &[&str] = &[
    "init",
    "READY.md",
    "--write",
    "--workflow",
    "--codeowners",
    "@acme/release",
];

const READY: &str = "# Ready\n## ‚úÖ Sign-Off\n- [ ] Lead approves\n## Security\n- [x] Secrets rotated\n";

/// A workspace that is a repository (a `.git` directory) holding `files`.
fn repository(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = workspace(files);
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    dir
}

#[test]
fn init_workflow_writes_the_policy_and_the_documented_workflow_and_prints_the_three_steps() {
    let dir = repository(&[("docs/READY.md", READY)]);
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let out = checkgate(&dir.path().join("docs"), INIT_ALL);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "wrote {root}/.github/checkgate.toml\n\
             wrote {root}/.github/workflows/checkgate.yml\n\
             wrote {root}/.github/workflows/checkgate-review.yml\n\
             wrote {root}/.github/CODEOWNERS\n\
             Three steps remain:\n\
             \x20 1. Uncomment the requirements to enforce in .github/checkgate.toml, then merge it and the workflow to the default branch: a `pull_request_target` workflow only runs from there.\n\
             \x20 2. Open a pull request, so that the `checkgate` check appears once.\n\
             \x20 3. Mark `checkgate` required in a ruleset for the default branch (Settings > Rules > Rulesets > Require status checks to pass), with GitHub Actions as its source.\n",
            root = root.display()
        )
    );
    let workflow = std::fs::read_to_string(root.join(".github/workflows/checkgate.yml")).unwrap();
    assert_eq!(workflow, checkgate::adopt::workflow());
    assert_eq!(
        workflow,
        block_after(&repo_file("README.md"), "## Use it in GitHub Actions"),
        "the workflow init writes is the README's, byte for byte"
    );
    let review = std::fs::read_to_string(root.join(".github/workflows/checkgate-review.yml")).unwrap();
    assert_eq!(review, checkgate::adopt::review_workflow());
    assert_eq!(
        review,
        block_after(&repo_file("README.md"), "(docs/action.md#why-the-second-workflow)"),
        "the review trigger init writes is the README's, byte for byte"
    );
    assert_eq!(
        std::fs::read_to_string(root.join(".github/CODEOWNERS")).unwrap(),
        "# Changes to the checkgate policy and workflow need a code owner's review.\n/.github/ @acme/release\n"
    );
    let policy = std::fs::read_to_string(root.join(".github/checkgate.toml")).unwrap();
    // The mis-encoded heading is written as the matcher reads it.
    assert!(policy.contains("\n# section = \"Sign-Off\"\n"), "{policy}");
    assert!(policy.contains("\npath = \"docs/READY.md\"\n"), "{policy}");
}

#[test]
fn init_workflow_overwrites_nothing_without_force_and_never_a_codeowners_file() {
    let dir = repository(&[("READY.md", READY), ("CODEOWNERS", "* @acme/all\n")]);
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let first = checkgate(dir.path(), INIT_ALL);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains(&format!(
            "{}/CODEOWNERS exists and is left as it is; add this line to it:\n  /.github/ @acme/release\n",
            root.display()
        )),
        "{}",
        first.stderr
    );
    assert_eq!(
        std::fs::read_to_string(root.join("CODEOWNERS")).unwrap(),
        "* @acme/all\n"
    );
    assert!(!root.join(".github/CODEOWNERS").exists());

    // Again: the policy exists. Nothing is written and --force is not advised.
    std::fs::write(root.join(".github/workflows/checkgate.yml"), "# mine\n").unwrap();
    let again = checkgate(dir.path(), &["init", "READY.md", "--write", "--workflow"]);
    assert_eq!((again.code, again.stdout.as_str()), (2, ""));
    assert_eq!(
        again.stderr,
        format!(
            "checkgate: error: {}/.github/checkgate.toml already exists: this repository has a policy; edit it (`checkgate check` runs it)\n",
            root.display()
        )
    );
    assert!(!again.stderr.contains("--force"));
    assert_eq!(
        std::fs::read_to_string(root.join(".github/workflows/checkgate.yml")).unwrap(),
        "# mine\n"
    );

    // Only the workflow exists: refused before the policy is written.
    std::fs::remove_file(root.join(".github/checkgate.toml")).unwrap();
    let refused = checkgate(dir.path(), &["init", "READY.md", "--write", "--workflow"]);
    assert_eq!(refused.code, 2);
    assert_eq!(
        refused.stderr,
        format!(
            "checkgate: error: {}/.github/workflows/checkgate.yml already exists; nothing was written (--force replaces it)\n",
            root.display()
        )
    );
    assert!(
        !root.join(".github/checkgate.toml").exists(),
        "a refusal writes nothing"
    );

    // --force replaces the policy and the workflow, never CODEOWNERS.
    let forced = checkgate(
        dir.path(),
        &[
            "init",
            "READY.md",
            "--write",
            "--workflow",
            "--force",
            "--codeowners",
            "@acme/release",
        ],
    );
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(
        std::fs::read_to_string(root.join(".github/workflows/checkgate.yml")).unwrap(),
        checkgate::adopt::workflow()
    );
    assert_eq!(
        std::fs::read_to_string(root.join("CODEOWNERS")).unwrap(),
        "* @acme/all\n"
    );

    let bad = checkgate(
        dir.path(),
        &["init", "READY.md", "--write", "--workflow", "--codeowners", "acme"],
    );
    assert_eq!(
        (bad.code, bad.stderr.as_str()),
        (
            2,
            "checkgate: error: --codeowners \"acme\": name a user or team as CODEOWNERS does (`@login`, `@org/team`) or an email address\n"
        )
    );
}

/// The action's `OWNER/checkgate` is written once, as Cargo.toml's
/// `repository`: the code derives it, and every mention in the README and
/// docs/ names that owner, so publishing is a one-line change that this test
/// then walks through the docs.
#[test]
fn the_action_owner_is_defined_once_in_cargo_toml() {
    let manifest: toml::Table = repo_file("Cargo.toml").parse().expect("Cargo.toml");
    let repository = manifest["package"]["repository"].as_str().expect("repository");
    let owner_repo = repository
        .strip_prefix("https://github.com/")
        .expect("a github.com URL");
    let owner = owner_repo.split('/').next().expect("owner");
    assert_eq!(owner_repo, checkgate::adopt::action_repository());

    let mentions = regex::Regex::new(
        r"(?:github\.com/|githubusercontent\.com/|ghcr\.io/|uses: |--repo )([A-Za-z0-9_.-]+)/checkgate\b",
    )
    .unwrap();
    // The pages, and the comments of the files that name the published action.
    let mut pages = vec![
        "README.md".to_string(),
        "Dockerfile".to_string(),
        ".github/workflows/release.yml".to_string(),
        "action.yml".to_string(),
    ];
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            pages.push(format!("docs/{name}"));
        }
    }
    let mut seen = 0;
    for page in &pages {
        for m in mentions.captures_iter(&repo_file(page)) {
            seen += 1;
            assert_eq!(&m[1], owner, "{page}: {}", &m[0]);
        }
    }
    assert!(seen > 5, "only {seen} mentions of the action's repository");

    // No copy of `OWNER/checkgate` in the code.
    let copy = format!("{owner}/checkgate");
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(!text.contains(&copy), "{} holds a copy of {copy}", path.display());
            }
        }
    }

    // The README says once, near the top, what OWNER stands for.
    let readme = repo_file("README.md");
    let said = format!("`{owner}` stands for the organisation that publishes checkgate");
    assert_eq!(readme.matches(&said).count(), 1, "{said}");
    let line = readme[..readme.find(&said).unwrap()].lines().count();
    assert!(line <= 25, "said on line {line}, not near the top");
}

#[test]
fn check_list_and_init_find_the_repository_from_a_subdirectory() {
    let dir = repository(&[
        ("docs/READY.md", READY),
        (
            ".github/checkgate.toml",
            "[[checklist]]\npath = \"docs/READY.md\"\n[[checklist.require]]\nsection = \"Sign-Off\"\n",
        ),
    ]);
    let docs = dir.path().join("docs");
    let expected = "docs/READY.md: 1 of 2 items checked\n\
                    \x20 FAIL  section: Sign-Off — 1 of 1 item open\n\
                    \x20       docs/READY.md:3  Lead approves\n\
                    checkgate: FAIL: 1 of 1 requirements failing\n";
    for args in [
        &["check"][..],
        &["check", "READY.md"],
        &["check", "--policy", "../.github/checkgate.toml"],
    ] {
        let out = checkgate(&docs, args);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (1, expected, ""),
            "{args:?}"
        );
    }
    let listed = checkgate(&docs, &["list"]);
    assert_eq!(
        (listed.code, listed.stdout.as_str()),
        (
            0,
            "docs/READY.md:3: [ ] Lead approves  (Ready > ‚úÖ Sign-Off)\n\
             docs/READY.md:5: [x] Secrets rotated  (Ready > Security)\n\
             docs/READY.md: 2 items, 1 checked\n"
        ),
        "{}",
        listed.stderr
    );
    // The policy the root already has: init refuses and does not advise --force.
    let init = checkgate(&docs, &["init", "READY.md", "--write"]);
    assert_eq!(init.code, 2);
    assert!(init.stderr.contains("this repository has a policy"), "{}", init.stderr);
    assert!(!init.stderr.contains("--force"), "{}", init.stderr);

    // Without .git, the policy itself marks the root.
    std::fs::remove_dir(dir.path().join(".git")).unwrap();
    let out = checkgate(&docs, &["check"]);
    assert_eq!((out.code, out.stdout.as_str()), (1, expected));
}

/// A checklist for the policy-error cases: a mis-encoded heading (UTF-8 read
/// as Mac Roman), three headings that start with "Security", and a path.
const HEADINGS: &str = "# Deployment Checklist\n## ‚úÖ Sign-Off\n- [ ] Lead approves\n\
    ## Security & Credentials\n- [ ] a\n## Security Audit\n- [ ] b\n## Security Review\n- [ ] c\n";

#[test]
fn a_selector_matching_nothing_locally_is_a_policy_error_with_prefix_word_path_and_key_suggestions() {
    let dir = workspace(&[
        ("c.md", HEADINGS),
        (
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n\
             [[checklist.require]]\nsection = \"Security\"\n\
             [[checklist.require]]\nsection = \"Deployment Checklst > Security Audit\"\n\
             [[checklist.require]]\nsection = \"SignOff\"\nlevel = \"warn\"\n\
             [[checklist.require]]\nitem = \"Lead approved\"\n\
             [[checklist.require]]\nitem-regex = \"(?i)pager\"\n",
        ),
        (
            "k.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"Security Audit\"\nminchecked = 1\n",
        ),
    ]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(
        out.stderr,
        "p.toml:4:11: required section \"Security\" not found in c.md; did you mean \"Security & Credentials\", \"Security Audit\" or \"Security Review\"?\n\
         p.toml:6:11: required section \"Deployment Checklst > Security Audit\" not found in c.md; did you mean \"Deployment Checklist > Security Audit\"?\n\
         p.toml:8:11: required section \"SignOff\" not found in c.md; did you mean \"Sign-Off\"?\n\
         p.toml:11:8: required item \"Lead approved\" not found in c.md; did you mean \"Lead approves\"?\n\
         p.toml:13:14: no item matches `item-regex` (?i)pager in c.md\n\
         checkgate: error: p.toml does not fit the checklist: 5 problem(s)\n"
    );
    let out = checkgate(dir.path(), &["check", "--policy", "k.toml"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            2,
            "k.toml:5:1: unknown key `minchecked` in [[checklist.require]]; did you mean `min-checked`?\n\
             checkgate: error: k.toml has 1 problem(s)\n"
        )
    );
}

/// A description is the pull request author's: without a template to check
/// it against, a missing section stays the pull request's failure.
#[test]
fn a_description_without_a_template_keeps_missing_sections_a_failure() {
    let dir = workspace(&[
        ("body.md", "## Checklist\n- [x] Tests\n"),
        (
            "p.toml",
            "[[checklist]]\nsource = \"pr-body\"\n[[checklist.require]]\nsection = \"Review\"\n",
        ),
    ]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--pr-body", "body.md"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (
            1,
            "pull request description: 1 of 1 item checked\n\
             \x20 FAIL  section: Review — required section \"Review\" not found\n\
             checkgate: FAIL: 1 of 1 requirements failing\n"
        )
    );
}

#[test]
fn seed_002_suggestions_and_init_selectors_are_repaired_and_emoji_free() {
    let Some(seed) = common::seed("002") else {
        return;
    };
    let text = std::fs::read_to_string(seed).unwrap();
    let dir = workspace(&[
        ("READY.md", &text),
        (
            "p.toml",
            "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Sign Of\"\n",
        ),
    ]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(
        out.stderr,
        "p.toml:4:11: required section \"Sign Of\" not found in READY.md; did you mean \"Sign-Off\"?\n\
         checkgate: error: p.toml does not fit the checklist: 1 problem(s)\n"
    );
    let init = checkgate(dir.path(), &["init", "READY.md"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(
        init.stdout.contains("\n# section = \"Pre-Deployment Checklist\"\n"),
        "{}",
        init.stdout
    );
    assert!(init.stdout.contains("\n# section = \"Sign-Off\"\n"), "{}", init.stdout);
    assert!(!init.stdout.contains('‚'), "{}", init.stdout);
}

#[test]
fn except_excluded_items_are_listed_as_optional_in_text_and_markdown() {
    let dir = workspace(&[
        ("c.md", "## Launch\n- [x] Tests pass\n- [ ] POST-MERGE: ramp the flag\n"),
        (
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"Launch\"\nexcept = [\"^POST-MERGE:\"]\n",
        ),
    ]);
    let text = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(
        (text.code, text.stdout.as_str()),
        (
            0,
            "c.md: 1 of 2 items checked\n\
             \x20 ok    section: Launch — checked\n\
             \x20       optional  c.md:3  [ ] POST-MERGE: ramp the flag\n\
             checkgate: PASS: 1 requirement holds\n"
        )
    );
    let markdown = checkgate(dir.path(), &["check", "--policy", "p.toml", "--format", "markdown"]);
    assert!(
        markdown.stdout.contains(
            "\n<details><summary>1 optional item, not required (matched by <code>except</code>)</summary>\n\n\
             - POST-MERGE: ramp the flag — not checked · c.md#L3\n\n</details>\n"
        ),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown
            .stdout
            .starts_with("## ✅ checkgate: the 1 requirement holds\n"),
        "{}",
        markdown.stdout
    );
    // A failing rule lists its open items first, then the optional ones.
    std::fs::write(
        dir.path().join("c.md"),
        "## Launch\n- [ ] Tests pass\n- [ ] POST-MERGE: ramp the flag\n",
    )
    .unwrap();
    let failing = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(
        (failing.code, failing.stdout.as_str()),
        (
            1,
            "c.md: 0 of 2 items checked\n\
             \x20 FAIL  section: Launch — 1 of 1 item open\n\
             \x20       c.md:2  Tests pass\n\
             \x20       optional  c.md:3  [ ] POST-MERGE: ramp the flag\n\
             checkgate: FAIL: 1 of 1 requirements failing\n"
        )
    );
}

#[test]
fn init_on_a_file_without_task_items_says_so() {
    let dir = workspace(&[("c.md", "# Notes\n- plain bullet\n```\n- [ ] in a fence\n```\n")]);
    let out = checkgate(dir.path(), &["init", "c.md"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            2,
            "",
            "checkgate: error: c.md has no task items (`- [ ] …` or `- [x] …` lines, as GitHub renders them), so there is nothing for a policy to require; add the checklist's items first\n"
        )
    );
}

#[test]
fn a_description_only_policy_checked_locally_says_what_was_not_checked() {
    let dir = workspace(&[(
        "p.toml",
        "[[checklist]]\nsource = \"pr-body\"\n[[checklist.require]]\nall = true\n",
    )]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (
            0,
            "note: not checked: the pull request description, because there is no pull request here; \
             to check a description locally, save it to a file and pass --pr-body FILE\n\
             checkgate: PASS: nothing was checked\n"
        )
    );
}

#[test]
fn max_bytes_help_gives_the_real_limit() {
    assert_eq!(checkgate::checklist::MAX_BYTES, (2u64 << 30) - 1);
    let dir = workspace(&[]);
    for command in ["list", "check"] {
        let help = checkgate(dir.path(), &[command, "--help"]).stdout;
        assert!(help.contains("(at most 2 GiB − 1, 2147483647)"), "{help}");
        assert!(!help.contains("4294967295"), "{help}");
    }
}

#[test]
fn the_tamper_rule_names_what_must_hold() {
    let dir = workspace(&[
        ("c.md", "## Sign-Off\n- [ ] Lead approves\n## Other\n- [x] a\n"),
        (
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\ntamper = \"deny\"\n[[checklist.require]]\nsection = \"Sign-Off\"\n",
        ),
    ]);
    let git = |args: &[&str]| common::git(dir.path(), args);
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "base"]);
    std::fs::write(dir.path().join("c.md"), "## Other\n- [x] a\n").unwrap();
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--base", "HEAD"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (
            1,
            "c.md: 1 of 1 item checked\n\
             \x20 FAIL  nothing removed since base: section: Sign-Off — 1 item required at the base deleted or reworded in this pull request\n\
             \x20       c.md:2  Lead approves  [at base; deleted or reworded here]\n\
             \x20 FAIL  section: Sign-Off — required section \"Sign-Off\" not found\n\
             checkgate: FAIL: 2 of 2 requirements failing\n"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn cargo_toml_declares_the_rust_version_the_readme_states() {
    let manifest: toml::Table = repo_file("Cargo.toml").parse().expect("Cargo.toml");
    let version = manifest["package"]["rust-version"].as_str().expect("rust-version");
    assert_eq!(version, "1.95");
    assert!(repo_file("README.md").contains(&format!("Rust {version} or newer")));
}

#[test]
fn the_comment_keeps_code_spans_says_warning_once_and_counts_in_words() {
    let dir = workspace(&[
        (
            "c.md",
            "## Build\n- [ ] All tests pass (`pytest -v --cov=src`)\n- [ ] Ping `@alice` or @bob about `$x$` and ``a`b``\n\
             ## Docs\n- [ ] Changelog\n- [ ] Guide\n",
        ),
        (
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"Build\"\n\
             [[checklist.require]]\nsection = \"Docs\"\nlevel = \"warn\"\n",
        ),
    ]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--format", "markdown"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "## ❌ checkgate: 1 of 2 requirements failing\n\
         \n⚠️ 1 warning-level requirement is not met (it does not block the merge).\n\
         \n| Checklist | Checked | Requirements |\n|---|---|---|\n| c.md | 0 / 4 | ❌ 1 of 2 failing |\n\
         \n### c.md\n\n| | Requirement | Result |\n|---|---|---|\n\
         | ❌ | section: Build | 2 of 2 items open |\n| ⚠️ | section: Docs | 2 of 2 items open |\n\
         \n**Open items**\n\n**Build**\n\n\
         - All tests pass \\(`pytest -v --cov=src`\\) · c.md#L2\n\
         - Ping `@alice` or @&#8203;bob about `$x$` and ``a`b`` · c.md#L3\n\
         \n**Docs** (warning)\n\n- Changelog · c.md#L5\n- Guide · c.md#L6\n"
    );
}

/// The pull request comment for seed 004 (inline code in most items), as
/// users see it: a change to it is reviewed as a snapshot diff.
#[test]
fn seed_004_comment_snapshot() {
    let Some(seed) = common::seed("004") else {
        return;
    };
    let text = std::fs::read_to_string(seed)
        .unwrap()
        .replace("- [ ] Type checking passing", "- [x] Type checking passing")
        .replace("6. [ ] Notify customers", "6. [x] Notify customers");
    let dir = workspace(&[
        ("docs/DEPLOY.md", &text),
        (
            ".github/checkgate.toml",
            "[[checklist]]\npath = \"docs/DEPLOY.md\"\n\
             [[checklist.require]]\nsection = \"Pre-Deployment > Code Quality\"\n\
             help = \"Paste each command's output in the pull request.\"\n\
             [[checklist.require]]\nsection = \"Rollback Plan\"\nlevel = \"warn\"\nexcept = [\"(?i)post-mortem\"]\n",
        ),
    ]);
    let out = checkgate(dir.path(), &["check", "--format", "markdown"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
}

/// Issue 18 §5: the README is a front page for users, at most 250 lines, in
/// the order a new user needs it, and every example in it is the real thing.
#[test]
fn the_readme_is_a_short_front_page_whose_examples_are_the_real_output() {
    let readme = repo_file("README.md");
    assert!(readme.lines().count() <= 250, "{} lines", readme.lines().count());
    let headings: Vec<&str> = readme.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings,
        [
            "## What a pull request author sees",
            "## Install",
            "## Adopt it in three steps",
            "## A policy",
            "## Use it in GitHub Actions",
            "## Reference",
            "## Development",
        ]
    );
    for page in [
        "policy",
        "action",
        "threat-model",
        "migrating",
        "performance",
        "codes",
        "cli",
    ] {
        assert!(
            readme.contains(&format!("](docs/{page}.md)")),
            "no link to docs/{page}.md"
        );
    }

    // The picture of the comment is the example's comment, shortened: its
    // lines appear in the rendered report, in order.
    let snapshot = repo_file("tests/snapshots/cli__example_markdown_report_snapshot.snap");
    let mut report = snapshot.splitn(3, "---\n").nth(2).expect("snapshot body").lines();
    let start = readme.find("## What a pull request author sees").unwrap();
    let picture: Vec<&str> = readme[start..]
        .lines()
        .skip_while(|l| !l.starts_with('>'))
        .take_while(|l| l.starts_with('>'))
        .map(|l| l.strip_prefix("> ").unwrap_or(l.trim_start_matches('>')))
        .collect();
    assert!(picture.len() > 15, "{picture:?}");
    for line in picture {
        assert!(report.any(|r| r == line), "not in the report, in order: {line:?}");
    }

    // What init prints, the policy, the development start.
    assert_eq!(
        block_after(&readme, "## Adopt it in three steps\n\nIn a clone"),
        "checkgate init docs/PRODUCTION_READINESS.md --write --workflow --codeowners @acme/release\n"
    );
    assert!(readme.contains(&format!(
        "```text\n{}```\n",
        checkgate::adopt::next_steps(checkgate::policy::DEFAULT_PATH)
    )));
    let example = repo_file("examples/checkgate.toml");
    assert_eq!(
        block_after(&readme, "## A policy"),
        example[example.find("version = 1").unwrap()..]
    );
    let commands = block_after(&readme, "## Development");
    assert_eq!(
        commands,
        "cargo run --release -- check --policy examples/checkgate.toml --root examples\ncargo test --locked\n"
    );
    let out = checkgate(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["check", "--policy", "examples/checkgate.toml", "--root", "examples"],
    );
    assert_eq!(out.code, 1);
    assert_eq!(block_after(&readme, "The first command checks the example"), out.stdout);
}

/// Suggesting a heading costs a pass over the headings per candidate: with
/// thousands of identical headings every candidate gave the same text, and
/// each was tried. Candidates are now capped, so this answers at once.
#[test]
fn suggestions_over_thousands_of_identical_headings_stay_cheap() {
    let md: String = (0..30_000)
        .map(|i| format!("# A\n## Security Review\n- [ ] item {i}\n"))
        .collect();
    let dir = workspace(&[
        ("c.md", &md),
        (
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"Security\"\n",
        ),
    ]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            2,
            "p.toml:4:11: required section \"Security\" not found in c.md; did you mean \"A > Security Review\"?\n\
             checkgate: error: p.toml does not fit the checklist: 1 problem(s)\n"
        )
    );
}
