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
        "p.toml:3:1: unknown key `colour` in [[checklist]]; expected one of: path, source, when-changed, tamper, untick, require\n\
         checkgate: error: p.toml has 1 problem(s)\n",
    );
}

#[test]
fn wrong_types_are_reported_with_the_key() {
    policy_error(
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"T > Sec\"\nmin-checked = \"two\"\n[[checklist.require]]\nsection = 7\n",
        "p.toml:5:15: `min-checked` must be an integer, found a string\n\
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
        "p.toml:1:1: [[checklist]] needs a `path` (or `source = \"pr-body\"`)\n\
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
         p.toml:4:1: unknown key `extra` in [[checklist]]; expected one of: path, source, when-changed, tamper, untick, require\n\
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
    assert_eq!(
        out.stderr,
        "checkgate: error: nope.toml: cannot read policy: no such file\n"
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn non_utf8_checklist_names_line_and_column() {
    let dir = workspace(&[("p.toml", "[[checklist]]\npath = \"c.md\"\n")]);
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
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"T > Sec\"\n[[checklist.require]]\nitem = \"gone\"\nlevel = \"warn\"\n",
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
         \x20 FAIL  section: T > Sec (1/2) — 1 of 2 items open\n\
         \x20       c.md:4  b\n\
         \x20 warn  item: gone (0/0) — required item \"gone\" not found\n\
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
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--format", "json"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let req = &v["checklists"][0]["requirements"][0];
    assert_eq!(req["code"], "item-not-found");
    assert_eq!(req["message"], "required item \"Rollback plan tested\" not found");
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

#[test]
fn list_of_a_missing_file_is_an_error() {
    let dir = workspace(&[]);
    let out = checkgate(dir.path(), &["list", "nope.md"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "checkgate: error: nope.md: no such file\n");
}

#[test]
fn init_prints_one_requirement_per_top_level_section_and_it_parses() {
    let dir = workspace(&[("c.md", CHECKLIST)]);
    let out = checkgate(dir.path(), &["init", "c.md"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "# checkgate policy for c.md, generated by `checkgate init`.\n\
         # Uncomment the requirements to enforce; see the README's policy reference.\n\
         version = 1\n\n[[checklist]]\npath = \"c.md\"\n\
         \n# line 2: 2 items, 1 checked\n# [[checklist.require]]\n# section = \"Sec\"\n\
         \n# line 5: 1 item, 0 checked\n# [[checklist.require]]\n# section = \"Other\"\n"
    );
    let written = checkgate(dir.path(), &["init", "c.md", "--write", "--policy", "p.toml"]);
    assert_eq!(written.code, 0);
    let checked = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    let again = checkgate(dir.path(), &["init", "c.md", "--write", "--policy", "p.toml"]);
    assert_eq!(again.code, 2, "never overwrites without --force");
    assert_eq!(
        again.stderr,
        "checkgate: error: p.toml already exists; pass --force to overwrite it\n"
    );
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
fn every_finding_code_has_a_docs_entry_and_every_policy_key_is_in_the_readme() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let codes = std::fs::read_to_string(root.join("docs/codes.md")).unwrap();
    for code in checkgate::eval::Code::ALL {
        assert!(
            codes.contains(&format!("## `{}`", code.as_str())),
            "docs/codes.md lacks {}",
            code.as_str()
        );
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let keys = checkgate::policy::TOP_KEYS
        .iter()
        .chain(checkgate::policy::CHECKLIST_KEYS)
        .chain(checkgate::policy::REQUIRE_KEYS);
    for key in keys {
        assert!(
            readme.contains(&format!("`{key}`")),
            "README does not document policy key `{key}`"
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
            .contains("note: skipped the pull request description checklist")
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
    assert!(out.stdout.starts_with("draft.md: 1 of 1 items checked"));
}

#[test]
fn a_missing_policy_checklist_fails_the_gate() {
    let dir = workspace(&[("p.toml", "[[checklist]]\npath = \"gone.md\"\n")]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("FAIL  checklist: gone.md (0/0) — checklist gone.md not found"),
        "{}",
        out.stdout
    );
}
