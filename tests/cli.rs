//! What users see from the command line: every bad-policy case with its exact
//! message and exit code 2, and the happy paths of list, check and init.

mod common;

use common::{checkgate, workspace};

const CHECKLIST: &str = "# T\n## Sec\n- [x] a\n- [ ] b\n## Other\n### Sec\n- [ ] c\n";

/// Run `check` with `policy` against [`CHECKLIST`]; expect exit 2 and exactly
/// `stderr`, with nothing on stdout.
fn policy_error(policy: &str, stderr: &str) {
    let dir = workspace(&[("c.md", CHECKLIST), ("p.toml", policy)]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(out.stderr, stderr);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "", "no verdict on a policy error");
}

#[test]
fn unknown_key_names_file_line_column_and_key() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\ncolour = \"red\"\n",
        "p.toml:3:1: unknown key `colour` in [[checklist]]; expected one of: path, source, authors, when-changed, tamper, untick, allow-empty, require, stale, template, nesting, waiver-reason\n\
         checkgate: error: p.toml has 1 problem(s)\n",
    );
}

#[test]
fn wrong_types_are_reported_with_the_key() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"T > Sec\"\nmin-checked = \"two\"\n[[checklist.require]]\nsection = 7\n",
        "p.toml:5:15: `min-checked` must be an integer or a whole percentage such as \"80%\", found \"two\"\n\
         p.toml:7:11: `section` must be a string, found an integer\n\
         checkgate: error: p.toml has 2 problem(s)\n",
    );
}

#[test]
fn invalid_regex_is_a_policy_error() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nitem-regex = \"(unclosed\"\n",
        "p.toml:4:14: `item-regex` is not a valid regex: unclosed group\n\
         checkgate: error: p.toml has 1 problem(s)\n",
    );
}

#[test]
fn empty_selectors_are_rejected() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"\"\n[[checklist.require]]\nitem = \"  ✅ \"\n[[checklist.require]]\nsection = \"A > > B\"\n",
        "p.toml:4:11: `section` must not be empty\n\
         p.toml:6:8: `item` must not be empty\n\
         p.toml:8:11: `section` has an empty part in \"A > > B\"; write headings separated by `>`\n\
         checkgate: error: p.toml has 3 problem(s)\n",
    );
}

#[test]
fn min_checked_of_zero_is_rejected() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"T > Sec\"\nmin-checked = 0\n",
        "p.toml:5:15: `min-checked` must be at least 1, found 0\n\
         checkgate: error: p.toml has 1 problem(s)\n",
    );
}

#[test]
fn min_checked_above_the_section_size_is_rejected() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"T > Sec\"\nmin-checked = 3\n",
        "p.toml:5:15: `min-checked = 3` is more than the 2 items in section \"T > Sec\" of c.md\n\
         checkgate: error: p.toml does not fit the checklist: 1 problem(s)\n",
    );
}

#[test]
fn checklist_without_path_is_rejected() {
    policy_error(
        "[[checklist]]\n[[checklist.require]]\nsection = \"Sec\"\n",
        "p.toml:1:1: [[checklist]] needs a `path` (or `source = \"pr-body\"` or `\"pr-comments\"`)\n\
         checkgate: error: p.toml has 1 problem(s)\n",
    );
}

#[test]
fn a_selector_matching_two_sections_lists_them() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"Sec\"\n",
        "p.toml:4:11: section \"Sec\" matches 2 sections in c.md: line 2 \"T > Sec\", line 6 \"T > Other > Sec\"; name more of the heading path, e.g. \"Parent > Sec\"\n\
         checkgate: error: p.toml does not fit the checklist: 1 problem(s)\n",
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    policy_error(
        "version = 2\n[[checklist]]\npath = \"c.md\"\nextra = 1\n[[checklist.require]]\nsection = \"A > > B\"\nlevel = \"error\"\n[[checklist.require]]\nitem = \"x\"\nitem-regex = \"y\"\n",
        "p.toml:1:11: unsupported policy `version` 2; this checkgate understands version 1\n\
         p.toml:4:1: unknown key `extra` in [[checklist]]; expected one of: path, source, authors, when-changed, tamper, untick, allow-empty, require, stale, template, nesting, waiver-reason\n\
         p.toml:6:11: `section` has an empty part in \"A > > B\"; write headings separated by `>`\n\
         p.toml:7:9: `level` must be \"deny\" or \"warn\", found \"error\"\n\
         p.toml:10:14: a requirement takes `item` or `item-regex`, not both\n\
         checkgate: error: p.toml has 5 problem(s)\n",
    );
}

#[test]
fn broken_toml_points_at_the_syntax_error() {
    policy_error(
        "[[checklist]]\npath = \"c.md\n",
        "p.toml:2:13: invalid TOML: invalid basic string, expected `\"`\n\
         checkgate: error: p.toml has 1 problem(s)\n",
    );
}

#[test]
fn single_table_instead_of_array_is_explained() {
    policy_error(
        "[checklist]\npath = \"c.md\"\n",
        "p.toml:1:1: `checklist` must be an array of tables: write [[checklist]], not [checklist]\n\
         checkgate: error: p.toml has 1 problem(s)\n",
    );
}

#[test]
fn policy_with_no_checklists_is_rejected() {
    policy_error(
        "version = 1\n",
        "p.toml:1:1: policy has no [[checklist]]; add one with a `path` to the checklist to gate\n\
         checkgate: error: p.toml has 1 problem(s)\n",
    );
}

#[test]
fn missing_policy_file_is_an_io_error() {
    let dir = workspace(&[("c.md", CHECKLIST)]);
    let out = checkgate(dir.path(), &["check", "--policy", "nope.toml"]);
    assert_eq!(out.code, 2);
    // Issue 18 §2: it says where it looked, as a missing checklist does.
    let abs = std::fs::canonicalize(dir.path()).unwrap().join("nope.toml");
    assert_eq!(
        out.stderr,
        format!(
            "checkgate: error: nope.toml: no such policy file; looked for {}\n",
            abs.display()
        )
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn non_utf8_checklist_names_line_and_column() {
    let dir = workspace(&[(
        "p.toml",
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\n",
    )]);
    std::fs::write(dir.path().join("c.md"), b"# T\n- [ ] ok\n- [ ] b\xffd\n").unwrap();
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "checkgate: error: c.md:3:8: invalid UTF-8 (byte 0xff); checklists must be UTF-8 encoded\n"
    );
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let dir = workspace(&[]);
    let out = checkgate(dir.path(), &["check", "--nope"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unexpected argument '--nope'"), "{}", out.stderr);
}

#[test]
fn check_passes_and_fails_with_exit_codes() {
    let dir = workspace(&[
        ("c.md", CHECKLIST),
        (
            "pass.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nitem = \"A\"\n",
        ),
        (
            "fail.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"T > Sec\"\n[[checklist.require]]\nitem = \"c\"\nlevel = \"warn\"\n",
        ),
    ]);
    let pass = checkgate(dir.path(), &["check", "--policy", "pass.toml"]);
    assert_eq!(pass.code, 0, "{}", pass.stderr);
    assert!(
        pass.stdout.ends_with("checkgate: PASS: 1 requirement holds\n"),
        "{}",
        pass.stdout
    );

    let fail = checkgate(dir.path(), &["check", "--policy", "fail.toml"]);
    assert_eq!(fail.code, 1);
    assert_eq!(
        fail.stdout,
        "c.md: 1 of 3 items checked\n\
         \x20 FAIL  section: T > Sec — 1 of 2 items open\n\
         \x20       c.md:4  b\n\
         \x20 warn  item: c — 1 of 1 item open\n\
         \x20       c.md:7  c\n\
         checkgate: FAIL: 1 of 2 requirements failing, 1 warning\n"
    );
}

#[test]
fn deleting_a_required_item_fails_rather_than_passes() {
    let dir = workspace(&[
        ("c.md", "# T\n- [x] a\n"),
        (
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nitem = \"Rollback plan tested\"\n",
        ),
    ]);
    // Issue 18 §3: locally the checklist on disk is what the policy was
    // written against, so an item it lacks is a policy error (exit 2),
    // never a pass; against a base that has it, deleting it is the pull
    // request's failure (tests/git_base.rs).
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--format", "json"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "p.toml:4:8: required item \"Rollback plan tested\" not found in c.md\n\
         checkgate: error: p.toml does not fit the checklist: 1 problem(s)\n"
    );
}

#[test]
fn json_report_has_the_documented_shape() {
    let dir = workspace(&[
        ("c.md", CHECKLIST),
        (
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"T > Sec\"\n",
        ),
    ]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--format", "json"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "passed": false,
            "checklists": [{
                "path": "c.md", "total": 3, "checked": 1,
                "requirements": [{
                    "rule": "section: T > Sec", "level": "deny", "passed": false, "code": "open-item",
                    "open": [{"line": 4, "text": "b", "section": ["T", "Sec"]}],
                    "message": "1 of 2 items open", "checked": 1, "total": 2
                }]
            }]
        })
    );
}

#[test]
fn github_format_writes_annotations() {
    let dir = workspace(&[
        ("c.md", CHECKLIST),
        (
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"T > Sec\"\n",
        ),
    ]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--format", "github"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "::error file=c.md,line=4,title=checkgate%3A section%3A T > Sec::open: b — 1 of 2 items open\n"
    );
}

#[test]
fn list_json_matches_the_oracle_shape() {
    let dir = workspace(&[("c.md", "# T\n- [x] **a**\n  - [ ] b\n")]);
    let out = checkgate(dir.path(), &["list", "--format", "json", "c.md"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "{\"path\":\"c.md\",\"items\":[{\"line\":2,\"checked\":true,\"text\":\"a\",\"section\":[\"T\"],\"depth\":0},\
         {\"line\":3,\"checked\":false,\"text\":\"b\",\"section\":[\"T\"],\"depth\":1,\"parent\":2}]}\n"
    );
}

/// Issue 10 §5: `check FILE` said `checklist-missing` (exit 1) where `list
/// FILE` said "no such file" (exit 2). A mistyped argument is an I/O error
/// (exit 2, as the README's table says) with the same message for both, and
/// the message says where it looked.
#[test]
fn list_and_check_agree_on_a_missing_file() {
    let dir = workspace(&[(
        "p.toml",
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\n",
    )]);
    let abs = std::fs::canonicalize(dir.path()).unwrap().join("nope.md");
    let expected = format!(
        "checkgate: error: nope.md: no such file; looked for {}\n",
        abs.display()
    );
    let list = checkgate(dir.path(), &["list", "nope.md"]);
    assert_eq!((list.code, list.stderr.as_str()), (2, expected.as_str()));
    let check = checkgate(dir.path(), &["check", "--policy", "p.toml", "nope.md"]);
    assert_eq!(
        (check.code, check.stderr.as_str(), check.stdout.as_str()),
        (2, expected.as_str(), "")
    );
    let init = checkgate(dir.path(), &["init", "nope.md"]);
    assert_eq!((init.code, init.stderr.as_str()), (2, expected.as_str()));
}

/// Issue 10 §5: a policy's checklist that does not exist says where it was
/// looked for, naming `--root`.
#[test]
fn a_missing_policy_checklist_says_where_it_looked() {
    let dir = workspace(&[
        (
            "p.toml",
            "[[checklist]]\npath = \"docs/READY.md\"\n[[checklist.require]]\nall = true\n",
        ),
        ("repo/README.md", "x\n"),
    ]);
    let abs = std::fs::canonicalize(dir.path()).unwrap().join("repo/docs/READY.md");
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--root", "repo"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        format!(
            "docs/READY.md: 0 of 0 items checked\n\
             \x20 FAIL  checklist: docs/READY.md — checklist docs/READY.md not found; looked for {} (--root repo)\n\
             checkgate: FAIL: 1 of 1 requirements failing\n",
            abs.display()
        )
    );
}

/// Issue 10 §5: `check` where there is no policy said only "cannot read
/// policy: no such file".
#[test]
fn check_without_a_policy_says_how_to_start() {
    let dir = workspace(&[("CHECKLIST.md", "- [ ] a\n")]);
    let abs = std::fs::canonicalize(dir.path())
        .unwrap()
        .join(".github/checkgate.toml");
    let out = checkgate(dir.path(), &["check"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        format!(
            "checkgate: error: no policy at .github/checkgate.toml (looked for {}); to start one: checkgate init CHECKLIST.md --write\n",
            abs.display()
        )
    );
}

/// Issue 10 §5: an unedited `init` policy (every requirement commented out)
/// passed every pull request.
#[test]
fn a_policy_without_requirements_is_an_error_that_says_to_add_one() {
    policy_error(
        "version = 1\n\n[[checklist]]\npath = \"c.md\"\n# [[checklist.require]]\n# section = \"Sec\"\n",
        "p.toml:3:1: no [[checklist.require]] in this policy, so it would pass every pull request; \
         uncomment a requirement `checkgate init` wrote, or add one (e.g. `all = true`)\n\
         checkgate: error: p.toml has 1 problem(s)\n",
    );
}

/// Issue 10 §5: the misspelled-selector message suggests the closest headings.
/// Issue 18 §3: locally it is the policy's mistake: a policy error, exit 2.
#[test]
fn a_misspelled_section_suggests_the_closest_heading() {
    let dir = workspace(&[
        ("c.md", "## Sign-off\n- [x] Security review\n"),
        (
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"Signoff\"\n[[checklist.require]]\nitem = \"Security reveiw\"\n",
        ),
    ]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(
        out.stderr,
        "p.toml:4:11: required section \"Signoff\" not found in c.md; did you mean \"Sign-off\"?\n\
         p.toml:6:8: required item \"Security reveiw\" not found in c.md; did you mean \"Security review\"?\n\
         checkgate: error: p.toml does not fit the checklist: 2 problem(s)\n"
    );
}

#[test]
fn init_prints_one_requirement_per_top_level_section_and_it_parses() {
    let dir = workspace(&[("c.md", CHECKLIST)]);
    let out = checkgate(dir.path(), &["init", "c.md"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "# checkgate policy for c.md, generated by `checkgate init`.\n\
         # Uncomment the requirements to enforce; every key: https://github.com/OWNER/checkgate/blob/main/docs/policy.md\n\
         version = 1\n\n[[checklist]]\npath = \"c.md\"\n\
         \n# line 2: 2 items, 1 checked\n# [[checklist.require]]\n# section = \"T > Sec\"\n\
         \n# line 5: 1 item, 0 checked\n# [[checklist.require]]\n# section = \"Other\"\n"
    );
    let written = checkgate(dir.path(), &["init", "c.md", "--write", "--policy", "p.toml"]);
    assert_eq!(written.code, 0);
    // Unedited, it checks nothing: an error until a requirement is uncommented.
    let checked = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(checked.code, 2, "{}", checked.stderr);
    let policy = std::fs::read_to_string(dir.path().join("p.toml")).unwrap();
    let policy = policy.replace(
        "# [[checklist.require]]\n# section = \"T > Sec\"",
        "[[checklist.require]]\nsection = \"T > Sec\"",
    );
    std::fs::write(dir.path().join("p.toml"), policy).unwrap();
    let checked = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(checked.code, 1, "{}{}", checked.stdout, checked.stderr);
    let again = checkgate(dir.path(), &["init", "c.md", "--write", "--policy", "p.toml"]);
    assert_eq!(again.code, 2, "never overwrites without --force");
    // Issue 18 §2: never advise --force over an existing policy.
    assert_eq!(
        again.stderr,
        "checkgate: error: p.toml already exists: this repository has a policy; edit it (`checkgate check` runs it), or write this one elsewhere with --policy FILE\n"
    );
}

/// Issue 10 §5: `init /abs/docs/c.md` wrote the absolute path into the
/// policy, and `init` from `docs/` created `docs/.github/`. Both now follow
/// the repository root (the directory holding `.git`).
#[test]
fn init_names_the_checklist_and_writes_the_policy_relative_to_the_repository_root() {
    let dir = workspace(&[("docs/c.md", CHECKLIST), (".git/HEAD", "ref: refs/heads/main\n")]);
    let docs = dir.path().join("docs");
    let out = checkgate(&docs, &["init", "c.md", "--write"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let root = std::fs::canonicalize(dir.path()).unwrap();
    assert_eq!(
        out.stderr,
        format!("wrote {}\n", root.join(".github/checkgate.toml").display())
    );
    assert!(!docs.join(".github").exists());
    let policy = std::fs::read_to_string(dir.path().join(".github/checkgate.toml")).unwrap();
    assert!(policy.contains("\npath = \"docs/c.md\"\n"), "{policy}");
    let abs = std::fs::canonicalize(docs.join("c.md")).unwrap();
    let out = checkgate(dir.path(), &["init", abs.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("\npath = \"docs/c.md\"\n"), "{}", out.stdout);
}

/// Issue 10 §5: `init --policy X` without `--write` printed the policy and
/// ignored X. `--policy` says where `--write` puts it, so it needs `--write`.
#[test]
fn init_policy_without_write_is_a_usage_error() {
    let dir = workspace(&[("c.md", CHECKLIST)]);
    let out = checkgate(dir.path(), &["init", "c.md", "--policy", "p.toml"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: the following required arguments were not provided:\n  --write\n\n\
         Usage: checkgate init --write --policy <POLICY> <CHECKLIST>\n\n\
         For more information, try '--help'.\n"
    );
    assert!(!dir.path().join("p.toml").exists());
}

/// Issue 10 §5 wording: "1 items" in `list`, a help text for `--format`, and
/// no dangling `=` after the action's `[env: INPUT_…]`.
#[test]
fn list_counts_help_texts_and_env_hints_read_correctly() {
    let dir = workspace(&[("c.md", "- [x] only\n")]);
    let out = checkgate(dir.path(), &["list", "c.md"]);
    assert_eq!(out.stdout, "c.md:1: [x] only\nc.md: 1 item, 1 checked\n");
    let help = checkgate(dir.path(), &["check", "--help"]).stdout;
    assert!(
        help.contains("      --format <FORMAT>\n          Output format\n"),
        "{help}"
    );
    let help = checkgate(dir.path(), &["action", "--help"]).stdout;
    assert!(help.contains("[env: INPUT_POLICY]\n"), "{help}");
    assert!(!help.contains("=]"), "{help}");
}

#[test]
fn example_policy_in_the_repository_parses_and_gives_the_documented_verdict() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = checkgate(
        root,
        &["check", "--policy", "examples/checkgate.toml", "--root", "examples"],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("PRODUCTION_READINESS.md:44  On-call rota covers the launch week")
    );
    assert!(
        out.stdout
            .contains("PRODUCTION_READINESS.md:46  Backup restore tested in the last 30 days")
    );
    assert!(!out.stdout.contains("step A"), "fenced fake items are not items");
    assert!(
        out.stdout
            .ends_with("checkgate: FAIL: 1 of 4 requirements failing, 1 warning\n")
    );
}

#[test]
fn example_markdown_report_snapshot() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = checkgate(
        root,
        &[
            "check",
            "--policy",
            "examples/checkgate.toml",
            "--root",
            "examples",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn every_finding_code_has_a_docs_entry_and_every_policy_key_is_in_the_policy_reference() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let codes = std::fs::read_to_string(root.join("docs/codes.md")).unwrap();
    for code in checkgate::eval::Code::ALL {
        assert!(
            codes.contains(&format!("## `{}`", code.as_str())),
            "docs/codes.md lacks {}",
            code.as_str()
        );
    }
    let reference = std::fs::read_to_string(root.join("docs/policy.md")).unwrap();
    let keys = checkgate::policy::TOP_KEYS
        .iter()
        .chain(checkgate::policy::ACTION_KEYS)
        .chain(checkgate::policy::CHECKLIST_KEYS)
        .chain(checkgate::policy::REQUIRE_KEYS);
    for key in keys {
        assert!(
            reference.contains(&format!("`{key}`")),
            "docs/policy.md does not document policy key `{key}`"
        );
    }
}

#[test]
fn pr_body_checklists_use_pr_body_locally_and_are_skipped_without_it() {
    let dir = workspace(&[
        ("body.md", "## Checklist\r\n- [x] Tests added\r\n- [ ] Docs updated\r\n"),
        (
            "p.toml",
            "[[checklist]]\nsource = \"pr-body\"\n[[checklist.require]]\nsection = \"Checklist\"\n",
        ),
    ]);
    let skipped = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(skipped.code, 0);
    assert!(
        skipped
            .stdout
            .contains("note: not checked: the pull request description")
    );
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--pr-body", "body.md"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("pull request description:3  Docs updated"),
        "{}",
        out.stdout
    );
}

#[test]
fn check_named_file_against_a_one_checklist_policy() {
    let dir = workspace(&[
        ("draft.md", "## Sec\n- [x] a\n"),
        (
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"Sec\"\n",
        ),
    ]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "draft.md"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("draft.md: 1 of 1 item checked"));
}

#[test]
fn a_missing_policy_checklist_fails_the_gate() {
    let dir = workspace(&[(
        "p.toml",
        "[[checklist]]\npath = \"gone.md\"\n[[checklist.require]]\nall = true\n",
    )]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("FAIL  checklist: gone.md — checklist gone.md not found"),
        "{}",
        out.stdout
    );
}

/// Issue 8 §3.11: `../x.md` was sent raw as `/contents/../x.md`, and
/// `docs/X.md/` or `/docs/X.md` named the checklist differently from the
/// changed-file list, so the tamper check never ran. Every path-valued key
/// takes only a plain repository path; every bad one is reported at once.
#[test]
fn policy_paths_must_be_plain_repository_paths() {
    let bad = [
        "../c.md",
        "docs/../../c.md",
        "/etc/passwd",
        "C:/c.md",
        "docs\\\\c.md",
        "c.md?ref=evil",
        "c.md#x",
        "c%2Emd",
        "docs//c.md",
        "docs/c.md/",
        "./c.md",
        "c\\u0000.md",
        "c\\u2028.md",
    ];
    let policy: String = bad.iter().map(|p| format!("[[checklist]]\npath = \"{p}\"\n")).collect();
    let policy = format!(
        "{policy}[[checklist]]\nsource = \"pr-body\"\ntemplate = \"../t.md\"\n[[checklist]]\npath = \"c.md\"\nwhen-changed = [\"/src/**\", \"src/\", \"../x/**\", \"a//b\", \"ok/**\"]\n"
    );
    policy_error(
        &policy,
        "p.toml:2:8: `path` \"../c.md\" is not a plain repository path: it has a `..` segment\n\
         p.toml:4:8: `path` \"docs/../../c.md\" is not a plain repository path: it has a `..` segment\n\
         p.toml:6:8: `path` \"/etc/passwd\" is not a plain repository path: it is absolute; write it relative to the repository root\n\
         p.toml:8:8: `path` \"C:/c.md\" is not a plain repository path: it starts with a drive letter; write it relative to the repository root\n\
         p.toml:10:8: `path` \"docs\\\\c.md\" is not a plain repository path: it contains a backslash; separate directories with `/`\n\
         p.toml:12:8: `path` \"c.md?ref=evil\" is not a plain repository path: it contains `?`, `#` or `%`, which a URL would read as a query, a fragment or an escape\n\
         p.toml:14:8: `path` \"c.md#x\" is not a plain repository path: it contains `?`, `#` or `%`, which a URL would read as a query, a fragment or an escape\n\
         p.toml:16:8: `path` \"c%2Emd\" is not a plain repository path: it contains `?`, `#` or `%`, which a URL would read as a query, a fragment or an escape\n\
         p.toml:18:8: `path` \"docs//c.md\" is not a plain repository path: it has an empty segment (`//`)\n\
         p.toml:20:8: `path` \"docs/c.md/\" is not a plain repository path: it ends with `/`; name a file\n\
         p.toml:22:8: `path` \"./c.md\" is not a plain repository path: it has a `.` segment; write `docs/X.md`, not `./docs/X.md`\n\
         p.toml:24:8: `path` \"c\\0.md\" is not a plain repository path: it contains a control character\n\
         p.toml:26:8: `path` \"c\\u{2028}.md\" is not a plain repository path: it contains a control character\n\
         p.toml:29:12: `template` \"../t.md\" is not a plain repository path: it has a `..` segment\n\
         p.toml:32:17: `when-changed` glob \"/src/**\" can never match: it is absolute, and changed paths are relative to the repository root\n\
         p.toml:32:28: `when-changed` glob \"src/\" can never match: it ends with `/`, and changed paths name files; write `dir/**`\n\
         p.toml:32:36: `when-changed` glob \"../x/**\" can never match: it has a `.` or `..` segment, which no changed path has\n\
         p.toml:32:47: `when-changed` glob \"a//b\" can never match: it has an empty segment (`//`)\n\
         checkgate: error: p.toml has 18 problem(s)\n",
    );
}

#[test]
fn new_policy_keys_are_validated_with_the_rest() {
    policy_error(
        "[action]\nworkflow-changed = \"block\"\nreport-only = \"yes\"\nfail = false\n\
         [[checklist]]\npath = \"c.md\"\ntemplate = \"t.md\"\nstale = \"error\"\n\
         [[checklist]]\nsource = \"pr-body\"\ntemplate = 3\n",
        "p.toml:2:20: `workflow-changed` must be \"deny\", \"warn\" or \"off\", found \"block\"\n\
         p.toml:3:15: `report-only` must be a boolean, found a string\n\
         p.toml:4:1: unknown key `fail` in [action]; expected one of: workflow-changed, report-only, evidence-untrusted\n\
         p.toml:7:12: `template` applies only to `source = \"pr-body\"`: a file checklist's baseline is its own copy at the base\n\
         p.toml:8:9: `stale` must be \"deny\", \"warn\" or \"off\", found \"error\"\n\
         p.toml:11:12: `template` must be a path or `false`, found an integer\n\
         checkgate: error: p.toml has 6 problem(s)\n",
    );
}

/// Issue 8 §3.11, locally: a symlink in the repository (which a pull request
/// can add) must not make `check` read a file outside `--root`.
#[cfg(unix)]
#[test]
fn check_does_not_read_outside_the_root_through_a_symlink() {
    let outside = workspace(&[("secret.md", "- [x] a\n")]);
    let dir = workspace(&[(
        "p.toml",
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\n",
    )]);
    let root = dir.path().join("repo");
    std::fs::create_dir(&root).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.md"), root.join("c.md")).unwrap();
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--root", "repo"]);
    let resolved = std::fs::canonicalize(outside.path().join("secret.md")).unwrap();
    assert_eq!(
        out.stderr,
        format!(
            "checkgate: error: c.md: resolves to {}, outside --root repo; checklists are read only from inside the repository\n",
            resolved.display()
        )
    );
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    // A symlinked directory leads out the same way.
    std::fs::remove_file(root.join("c.md")).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("docs")).unwrap();
    let policy = "[[checklist]]\npath = \"docs/secret.md\"\n[[checklist.require]]\nall = true\n";
    std::fs::write(dir.path().join("p.toml"), policy).unwrap();
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--root", "repo"]);
    assert!(out.stderr.contains("outside --root repo"), "{}", out.stderr);
    assert_eq!(out.code, 2);
    // Inside the root, a symlink is followed as before.
    std::fs::write(root.join("real.md"), "- [x] a\n").unwrap();
    std::os::unix::fs::symlink("real.md", root.join("link.md")).unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        "[[checklist]]\npath = \"link.md\"\n[[checklist.require]]\nall = true\n",
    )
    .unwrap();
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--root", "repo"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn a_file_named_on_the_command_line_outside_the_root_is_refused() {
    let dir = workspace(&[
        (
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\n",
        ),
        ("outside.md", "- [x] a\n"),
    ]);
    std::fs::create_dir(dir.path().join("repo")).unwrap();
    let out = checkgate(
        dir.path(),
        &["check", "--policy", "p.toml", "--root", "repo", "repo/../outside.md"],
    );
    assert!(
        out.stderr.starts_with("checkgate: error: ../outside.md: resolves to ")
            && out
                .stderr
                .ends_with(", outside --root repo; checklists are read only from inside the repository\n"),
        "{}",
        out.stderr
    );
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
}

// ---------------------------------------------------------------------------
// Policy keys added in issue 10: `all`, `except`, `max-checked`,
// `allow-empty`, `source = "pr-comments"` + `authors`.
// ---------------------------------------------------------------------------

#[test]
fn all_cannot_be_combined_with_another_selector_or_be_false() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\nsection = \"Sec\"\n[[checklist.require]]\nall = false\n[[checklist.require]]\nall = \"yes\"\n",
        "p.toml:4:7: `all` covers every item of the checklist; it cannot be combined with `section`\n\
         p.toml:7:7: `all = false` means nothing; remove it, or name a `section`, `item` or `item-regex`\n\
         p.toml:9:7: `all` must be `true`, found a string\n\
         checkgate: error: p.toml has 3 problem(s)\n",
    );
}

#[test]
fn except_max_checked_and_min_checked_need_all_or_section() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nitem = \"a\"\nexcept = [\"b\"]\nmax-checked = 1\nmin-checked = 1\n",
        "p.toml:5:10: `except` applies only to an `all` or `section` requirement\n\
         p.toml:6:15: `max-checked` applies only to an `all` or `section` requirement\n\
         p.toml:7:15: `min-checked` applies only to an `all` or `section` requirement\n\
         checkgate: error: p.toml has 3 problem(s)\n",
    );
}

#[test]
fn except_entries_must_be_valid_regexes() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\nexcept = [\"ok\", \"(bad\", 3]\n",
        "p.toml:5:17: `except` has an invalid regex: unclosed group\n\
         p.toml:5:25: `except` must be an array of strings, found an integer in it\n\
         checkgate: error: p.toml has 2 problem(s)\n",
    );
}

#[test]
fn max_checked_below_min_checked_is_a_policy_error() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\nmin-checked = 2\nmax-checked = 1\n[[checklist.require]]\nall = true\nmax-checked = -1\n",
        "p.toml:6:15: `max-checked = 1` is less than `min-checked = 2`\n\
         p.toml:9:15: `max-checked` must be at least 0, found -1\n\
         checkgate: error: p.toml has 2 problem(s)\n",
    );
}

#[test]
fn min_checked_with_all_above_the_item_count_is_a_policy_error() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\nmin-checked = 4\n",
        "p.toml:5:15: `min-checked = 4` is more than the 3 items in c.md\n\
         checkgate: error: p.toml does not fit the checklist: 1 problem(s)\n",
    );
}

#[test]
fn allow_empty_must_be_a_boolean() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\nallow-empty = \"yes\"\n[[checklist.require]]\nall = true\n",
        "p.toml:3:15: `allow-empty` must be a boolean, found a string\n\
         checkgate: error: p.toml has 1 problem(s)\n",
    );
}

#[test]
fn pr_comments_needs_valid_authors_and_no_path() {
    policy_error(
        "[[checklist]]\nsource = \"pr-comments\"\n[[checklist.require]]\nall = true\n\
         [[checklist]]\nsource = \"pr-comments\"\nauthors = []\n\
         [[checklist]]\nsource = \"pr-comments\"\nauthors = [\"alice\", \"@acme/qa\", \"renovate[bot]\", \"not a login\"]\n\
         [[checklist]]\nsource = \"pr-comments\"\npath = \"c.md\"\nauthors = [\"alice\"]\n\
         [[checklist]]\npath = \"c.md\"\nauthors = [\"alice\"]\n",
        "p.toml:2:10: `source = \"pr-comments\"` needs `authors`: the logins, `@org/team`s or `name[bot]`s whose comments count (anyone can post a comment full of ticked boxes)\n\
         p.toml:7:11: `authors` must list at least one entry\n\
         p.toml:10:50: `authors` entry \"not a login\" is not a GitHub login, `name[bot]` or `@org/team`\n\
         p.toml:13:8: `path` cannot be combined with `source = \"pr-comments\"`\n\
         p.toml:17:11: `authors` applies only to `source = \"pr-comments\"`\n\
         checkgate: error: p.toml has 5 problem(s)\n",
    );
}

#[test]
fn all_rule_fails_on_an_empty_description_unless_allow_empty() {
    let dir = workspace(&[
        ("empty.md", "Fixes #12.\n"),
        (
            "strict.toml",
            "[[checklist]]\nsource = \"pr-body\"\n[[checklist.require]]\nall = true\n",
        ),
        (
            "lenient.toml",
            "[[checklist]]\nsource = \"pr-body\"\nallow-empty = true\n[[checklist.require]]\nall = true\n",
        ),
    ]);
    let strict = checkgate(
        dir.path(),
        &["check", "--policy", "strict.toml", "--pr-body", "empty.md"],
    );
    assert_eq!(strict.code, 1);
    assert_eq!(
        strict.stdout,
        "pull request description: 0 of 0 items checked\n\
         \x20 FAIL  all items — no task items found in pull request description\n\
         checkgate: FAIL: 1 of 1 requirements failing\n"
    );
    let lenient = checkgate(
        dir.path(),
        &["check", "--policy", "lenient.toml", "--pr-body", "empty.md"],
    );
    assert_eq!(lenient.code, 0, "{}", lenient.stderr);
    assert_eq!(
        lenient.stdout,
        "pull request description: 0 of 0 items checked\n\
         \x20 note: no task items found in pull request description; allow-empty skips its rules\n\
         checkgate: PASS: 0 requirements hold\n"
    );
}

#[test]
fn allow_empty_never_excuses_a_missing_file() {
    let dir = workspace(&[(
        "p.toml",
        "[[checklist]]\npath = \"gone.md\"\nallow-empty = true\n[[checklist.require]]\nall = true\n",
    )]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("checklist gone.md not found"), "{}", out.stdout);
}

#[test]
fn except_items_are_listed_as_optional_in_the_json_report() {
    let dir = workspace(&[
        ("body.md", "- [x] Tests\n- [ ] POST-MERGE: ramp the flag\n"),
        (
            "p.toml",
            "[[checklist]]\nsource = \"pr-body\"\n[[checklist.require]]\nall = true\nexcept = [\"^POST-MERGE:\"]\n",
        ),
    ]);
    let out = checkgate(
        dir.path(),
        &[
            "check",
            "--policy",
            "p.toml",
            "--pr-body",
            "body.md",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v["checklists"][0]["requirements"][0]["optional"],
        serde_json::json!([{"line": 2, "text": "POST-MERGE: ramp the flag", "checked": false}])
    );
}

/// Items record text offsets in 32 bits: `--max-bytes` stops at 2 GiB − 1
/// (`checklist::MAX_BYTES`), as the README says, with clap's usage error.
#[test]
fn max_bytes_stops_where_item_offsets_do() {
    let dir = workspace(&[("c.md", "- [ ] one\n")]);
    let ok = checkgate(dir.path(), &["list", "--max-bytes", "2147483647", "c.md"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(checkgate::checklist::MAX_BYTES, 2_147_483_647);
    for args in [
        ["list", "--max-bytes", "2147483648", "c.md"],
        ["check", "--max-bytes", "2147483648", "c.md"],
    ] {
        let out = checkgate(dir.path(), &args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("2147483648") && out.stderr.contains("--max-bytes"),
            "{}",
            out.stderr
        );
    }
}
