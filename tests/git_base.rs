//! `checkgate check --base REF`: the action's base comparisons, previewed
//! from a local git repository.

mod common;

use common::{checkgate, git, workspace};

const POLICY: &str = "[[checklist]]\npath = \"READY.md\"\nuntick = \"deny\"\n[[checklist.require]]\nsection = \"Must\"\n\
    [[checklist.require]]\nsection = \"Db\"\nwhen-changed = [\"migrations/**\"]\n";
const BASE: &str = "# Ready\n## Must\n- [x] Tests pass\n- [ ] Runbook written\n## Db\n- [ ] Migration rehearsed\n";

/// A repository whose one commit holds the policy and `BASE`.
fn repo() -> tempfile::TempDir {
    let dir = workspace(&[("p.toml", POLICY), ("READY.md", BASE)]);
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

#[test]
fn deleting_an_open_item_passes_alone_but_fails_against_the_base() {
    let dir = repo();
    std::fs::write(
        dir.path().join("READY.md"),
        "# Ready\n## Must\n- [x] Tests pass\n## Db\n- [ ] Migration rehearsed\n",
    )
    .expect("edit");
    let plain = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(plain.code, 1, "Db applies when changes are unknown: {}", plain.stdout);

    let out = checkgate(
        dir.path(),
        &["check", "--policy", "p.toml", "--base", "main", "--format", "json"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let reqs = report["checklists"][0]["requirements"]
        .as_array()
        .expect("requirements")
        .clone();
    let removed = reqs.iter().find(|r| r["code"] == "item-removed").expect("item-removed");
    assert_eq!(removed["open"][0]["line"], 4, "the base line");
    assert_eq!(removed["open"][0]["text"], "Runbook written");
    // No migration changed, so the Db rule is skipped as in the action.
    assert!(!reqs.iter().any(|r| r["rule"] == "section: Db"), "{reqs:#?}");
}

#[test]
fn unticking_and_changed_files_come_from_the_working_tree() {
    let dir = repo();
    std::fs::write(
        dir.path().join("READY.md"),
        "# Ready\n## Must\n- [ ] Tests pass\n- [x] Runbook written\n## Db\n- [ ] Migration rehearsed\n",
    )
    .expect("edit");
    std::fs::create_dir_all(dir.path().join("migrations")).expect("mkdir");
    std::fs::write(dir.path().join("migrations/001.sql"), "select 1;\n").expect("write");
    git(dir.path(), &["add", "migrations"]);
    let out = checkgate(
        dir.path(),
        &["check", "--policy", "p.toml", "--base", "main", "--format", "json"],
    );
    assert_eq!(out.code, 1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let codes: Vec<&str> = report["checklists"][0]["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .filter(|r| r["passed"] == false)
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert_eq!(codes, ["open-item", "open-item", "item-unticked"], "{report:#}");
}

#[test]
fn a_bad_base_ref_is_an_error() {
    let dir = repo();
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--base", "no-such-branch"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "checkgate: error: --base no-such-branch: not a commit in this repository\n"
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn base_outside_a_git_repository_is_an_error() {
    let dir = workspace(&[("p.toml", POLICY), ("READY.md", BASE)]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--base", "main"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("checkgate: error: --base main: "),
        "{}",
        out.stderr
    );
}

/// Issue 20 §1: boxes the branch added to a `min-checked` section are not
/// counted against the base, locally as in the action.
#[test]
fn boxes_added_since_the_base_do_not_count_towards_min_checked() {
    let security = "# Ready\n## Security\n- [ ] Threat model\n- [x] Secrets scan\n";
    let policy = "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Security\"\nmin-checked = 2\n";
    let dir = workspace(&[("p.toml", policy), ("READY.md", security)]);
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    std::fs::write(
        dir.path().join("READY.md"),
        format!("{security}- [x] Read the security guide\n"),
    )
    .expect("edit");
    let plain = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(plain.code, 0, "without a base every box counts: {}", plain.stdout);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--base", "main"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "  FAIL  section: Security (min-checked 2) — 1 of 2 checked; at least 2 required; 1 item added by this pull request: not counted\n\
             \x20       READY.md:3  Threat model\n\
             \x20       READY.md:5  Read the security guide  [added by this pull request: not counted]\n"
        ),
        "{}",
        out.stdout
    );
}
/// Issue 15 §5: locally, evidence that needs GitHub is skipped with a note
/// naming its keys, and `changed` is judged from `git diff REF`.
#[test]
fn evidence_rules_locally_skip_what_needs_github_and_judge_changed_with_base() {
    let dir = repo();
    let policy = "[[checklist]]\npath = \"READY.md\"\n\
        [[checklist.require]]\nitem = \"Tests pass\"\nchecks = [\"test\"]\n\
        [[checklist.require]]\nitem = \"Runbook written\"\nchanged = [\"docs/RUNBOOK.md\"]\n";
    std::fs::write(dir.path().join("e.toml"), policy).expect("write");
    std::fs::write(
        dir.path().join("READY.md"),
        "# Ready\n## Must\n- [x] Tests pass\n- [x] Runbook written\n## Db\n- [ ] Migration rehearsed\n",
    )
    .expect("edit");
    let plain = checkgate(dir.path(), &["check", "--policy", "e.toml", "--format", "json"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let report: serde_json::Value = serde_json::from_str(&plain.stdout).expect("json");
    assert_eq!(
        report["checklists"][0]["notes"],
        serde_json::json!([
            "not checked here: item: Tests pass needs evidence from GitHub (checks: test)",
            "not checked here: item: Runbook written needs the files the pull request changes (changed: docs/RUNBOOK.md; locally, pass --base REF)"
        ])
    );
    let out = checkgate(dir.path(), &["check", "--policy", "e.toml", "--base", "main"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "  FAIL  item: Runbook written — ticked, but the pull request changes no file matching `docs/RUNBOOK.md`"
        ),
        "{}",
        out.stdout
    );
    std::fs::create_dir_all(dir.path().join("docs")).expect("mkdir");
    std::fs::write(dir.path().join("docs/RUNBOOK.md"), "# Runbook\n").expect("write");
    git(dir.path(), &["add", "docs"]);
    let out = checkgate(dir.path(), &["check", "--policy", "e.toml", "--base", "main"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("        evidence: passed    the pull request changes docs/RUNBOOK.md"),
        "{}",
        out.stdout
    );
}
