//! `check` on each real seed checklist with a policy written for it: the
//! verdict we expect and the exact lines of the open items.

mod common;

use std::path::Path;

use common::{checkgate, workspace};

/// Check seed `prefix` (copied in as `READY.md`) against `policy`; returns the
/// exit code and the JSON report.
fn check_seed(prefix: &str, policy: &str, edit: impl Fn(String) -> String) -> Option<(i32, serde_json::Value)> {
    let seed = common::seed(prefix)?;
    let text = edit(std::fs::read_to_string(&seed).expect("read seed"));
    let dir = workspace(&[("docs/READY.md", &text), (".github/checkgate.toml", policy)]);
    let out = checkgate(dir.path(), &["check", "--format", "json"]);
    assert_ne!(out.code, 2, "{}", out.stderr);
    Some((out.code, serde_json::from_str(&out.stdout).expect("json report")))
}

fn open_lines(report: &serde_json::Value, req: usize) -> Vec<u64> {
    report["checklists"][0]["requirements"][req]["open"]
        .as_array()
        .expect("open array")
        .iter()
        .map(|o| o["line"].as_u64().unwrap())
        .collect()
}

fn req(report: &serde_json::Value, i: usize) -> &serde_json::Value {
    &report["checklists"][0]["requirements"][i]
}

const HEAD: &str = "[[checklist]]\npath = \"docs/READY.md\"\n";

#[test]
fn seed_000_go_live_must_have_fails_on_three_lines() {
    let policy = format!(
        "{HEAD}[[checklist.require]]\nsection = \"Go-Live Criteria > Must Have\"\n\
         [[checklist.require]]\nsection = \"Security Review\"\nmin-checked = 2\n\
         [[checklist.require]]\nsection = \"Pre-Production Validation\"\n\
         [[checklist.require]]\nsection = \"Core Functionality\"\n"
    );
    let Some((code, r)) = check_seed("000", &policy, |s| s) else {
        return;
    };
    assert_eq!(code, 1);
    assert_eq!(r["checklists"][0]["total"], 119);
    assert_eq!(r["checklists"][0]["checked"], 29);
    assert_eq!(open_lines(&r, 0), vec![208, 209, 210]);
    assert_eq!(req(&r, 0)["message"], "3 of 6 items open");
    assert_eq!(req(&r, 1)["code"], "too-few-checked");
    assert_eq!(req(&r, 1)["message"], "0 of 8 checked; at least 2 required");
    assert_eq!(
        req(&r, 2)["passed"],
        true,
        "everything under Pre-Production Validation is ticked"
    );
    assert_eq!(
        req(&r, 3)["passed"],
        true,
        "`✅ Core Functionality` matches `Core Functionality`"
    );
}

#[test]
fn seed_000_passes_once_the_open_items_are_ticked() {
    let policy = format!("{HEAD}[[checklist.require]]\nsection = \"Go-Live Criteria > Must Have\"\n");
    let tick = |s: String| {
        ["Rollback plan tested", "Runbook completed", "Team trained"]
            .iter()
            .fold(s, |s, t| s.replace(&format!("- [ ] {t}"), &format!("- [x] {t}")))
    };
    let Some((code, r)) = check_seed("000", &policy, tick) else {
        return;
    };
    assert_eq!(code, 0);
    assert_eq!(r["passed"], true);
}

#[test]
fn seed_000_deleting_the_open_items_does_not_pass_a_required_item() {
    let policy = format!("{HEAD}[[checklist.require]]\nitem = \"Rollback plan tested\"\n");
    let Some(seed) = common::seed("000") else {
        return;
    };
    let text = std::fs::read_to_string(&seed)
        .expect("read seed")
        .replace("- [ ] Rollback plan tested\n", "");
    let dir = workspace(&[("docs/READY.md", &text), (".github/checkgate.toml", &policy)]);
    // Issue 18 §3: locally the checklist on disk is what the policy is
    // checked against, so an item missing from it is a policy error (exit
    // 2), never a pass; against the base (`--base`, the action) deleting it
    // is `item-removed` (tests/git_base.rs).
    let out = checkgate(dir.path(), &["check"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(
        out.stderr,
        ".github/checkgate.toml:4:8: required item \"Rollback plan tested\" not found in docs/READY.md\n\
         checkgate: error: .github/checkgate.toml does not fit the checklist: 1 problem(s)\n"
    );
}

#[test]
fn seed_001_nested_go_live_items_under_a_bold_parent() {
    let policy = format!(
        "{HEAD}[[checklist.require]]\nsection = \"Final Validation > Go-Live Checklist\"\n\
         [[checklist.require]]\nitem = \"all critical issues RESOLVED\"\n"
    );
    let Some((code, r)) = check_seed("001", &policy, |s| s) else {
        return;
    };
    assert_eq!(code, 1);
    assert_eq!(open_lines(&r, 0), (285..=292).collect::<Vec<_>>());
    assert_eq!(open_lines(&r, 1), vec![286]);
}

#[test]
fn seed_002_mojibake_headings_match_plain_selectors() {
    let policy = format!(
        "{HEAD}[[checklist.require]]\nsection = \"Pre-Deployment Checklist > Security & Credentials\"\n\
         [[checklist.require]]\nsection = \"Sign-Off\"\nlevel = \"warn\"\n"
    );
    let Some((code, r)) = check_seed("002", &policy, |s| s) else {
        return;
    };
    assert_eq!(code, 1);
    assert_eq!(open_lines(&r, 0), (9..=16).collect::<Vec<_>>());
    assert_eq!(req(&r, 1)["level"], "warn");
    assert_eq!(open_lines(&r, 1), (326..=331).collect::<Vec<_>>());
}

#[test]
fn seed_003_fenced_fake_items_are_not_counted() {
    let policy = format!("{HEAD}[[checklist.require]]\nsection = \"Security Review\"\n");
    let Some((code, r)) = check_seed("003", &policy, |s| s) else {
        return;
    };
    assert_eq!(code, 1);
    assert_eq!(r["checklists"][0]["total"], 139);
    assert_eq!(open_lines(&r, 0), (121..=125).collect::<Vec<_>>());
}

#[test]
fn seed_004_ordered_deployment_steps() {
    let policy = format!(
        "{HEAD}[[checklist.require]]\nsection = \"Launch > Deployment Steps\"\n\
         [[checklist.require]]\nitem-regex = \"(?i)^database migration\"\nsection = \"Deployment Steps\"\n"
    );
    let Some((code, r)) = check_seed("004", &policy, |s| s) else {
        return;
    };
    assert_eq!(code, 1);
    assert_eq!(open_lines(&r, 0), vec![299, 304, 311, 316, 323]);
    assert_eq!(open_lines(&r, 1), vec![299, 304]);
}

#[test]
fn seeds_parse_without_error_through_list() {
    let Some(corpus) = common::corpus() else { return };
    let out = checkgate(
        Path::new("."),
        &["list", "--format", "json", corpus.join("seeds").to_str().unwrap()],
    );
    // A directory is not a checklist: a clear error, exit 2.
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.ends_with("is a directory, not a checklist file\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn seed_001_nested_items_in_loose_lists_name_their_parent() {
    // Items separated by blank lines sit in paragraphs; the parent link was
    // lost there, and 157 of seed 001's 172 nested items had none.
    let Some(seed) = common::seed("001") else { return };
    let out = checkgate(Path::new("."), &["list", "--format", "json", seed.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let items = v["items"].as_array().expect("items");
    let nested: Vec<&serde_json::Value> = items.iter().filter(|i| i["depth"].as_u64() > Some(0)).collect();
    assert_eq!(nested.len(), 172);
    let orphans: Vec<u64> = nested
        .iter()
        .filter(|i| i["parent"].is_null())
        .map(|i| i["line"].as_u64().unwrap())
        .collect();
    assert_eq!(orphans, Vec::<u64>::new(), "nested items without a parent");
    // Each parent is an earlier, shallower item.
    for item in &nested {
        let parent_line = item["parent"].as_u64().unwrap();
        let parent = items
            .iter()
            .find(|p| p["line"].as_u64() == Some(parent_line))
            .expect("parent is an item");
        assert!(parent_line < item["line"].as_u64().unwrap());
        assert!(parent["depth"].as_u64() < item["depth"].as_u64());
    }
}

/// Issue 10 §5: a skipped corpus test printed `SKIPPED` into captured output
/// and counted as a pass. Under CI it is an error; elsewhere the notice says
/// what did not run.
#[test]
fn absent_shared_data_is_a_failure_under_ci_and_a_visible_skip_elsewhere() {
    let gone = std::path::Path::new("/nonexistent/shared/corpus");
    // Issue 18 §4: 19 `SKIPPED` lines named no test; each names its own.
    let me = common::test_name();
    assert!(
        me.ends_with("absent_shared_data_is_a_failure_under_ci_and_a_visible_skip_elsewhere"),
        "{me}"
    );
    assert_eq!(
        common::skip_message(&me, gone, true),
        Err(format!(
            "{me}: /nonexistent/shared/corpus is absent under CI=true; put the shared data beside the repository instead of skipping"
        ))
    );
    assert_eq!(
        common::skip_message(&me, gone, false),
        Ok(format!(
            "SKIPPED: {me}: /nonexistent/shared/corpus is absent, so this test did not run (under CI=true it fails)"
        ))
    );
}
