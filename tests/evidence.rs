//! Evidence against the local GitHub (issue 15): each kind of evidence
//! passing, failing and pending; a pending check run left in progress and
//! completed by a later run; an untrusted workflow; what evidence costs in
//! requests. The example policies in `examples/evidence/` are the ones run.

mod support;

use std::time::Duration;

use checkgate::action::{ActionArgs, GithubEnv};
use checkgate::cli::Exit;
use serde_json::{Value, json};
use support::{ChangedFile, FakeGitHub, OWNER, Pull, REPO, Ran};

const HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const BASE: &str = "b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4";
const MERGE: &str = "0000000000000000000000000000000000000001";
const SHORT: &str = "ec26c3e";

const SEED_POLICY: &str = include_str!("../examples/evidence/production-readiness.toml");
const TEMPLATE_POLICY: &str = include_str!("../examples/evidence/pr-template.toml");
const TEMPLATE: &str = include_str!("../examples/evidence/pull_request_template.md");
const CHECKLIST: &str = "docs/PRODUCTION_CHECKLIST.md";

fn pr_payload(body: &str) -> Value {
    json!({
        "action": "synchronize",
        "number": 42,
        "pull_request": {
            "number": 42,
            "body": body,
            "head": { "sha": HEAD, "ref": "feature" },
            "base": { "sha": BASE, "ref": "main" },
        },
    })
}

struct Case {
    dir: tempfile::TempDir,
    env: GithubEnv,
    args: ActionArgs,
}

impl Case {
    /// `policy` at the base, `files` at the head (and the base), pull
    /// request 42 open from HEAD onto BASE with `body`.
    fn new(gh: &FakeGitHub, policy: &str, files: &[(&str, &str)], body: &str) -> Case {
        let dir = tempfile::tempdir().expect("temp dir");
        for git_ref in [BASE, "main"] {
            gh.put_file(git_ref, ".github/checkgate.toml", policy);
        }
        for (path, text) in files {
            for git_ref in [BASE, "main", HEAD, MERGE] {
                gh.put_file(git_ref, path, text);
            }
        }
        let mut pull = Pull::new(42, HEAD, BASE);
        pull.body = Some(body.to_string());
        gh.set_pull(pull);
        gh.set_changed_files(vec![ChangedFile::modified("src/app.py")]);
        // The recommended workflow's event (`pull_request` adds the local
        // actions' listings, issue 20 §4).
        let env = support::action_env(gh, dir.path(), "pull_request_target", &pr_payload(body), MERGE);
        Case {
            dir,
            env,
            args: support::action_args(),
        }
    }

    async fn run(&self) -> Ran {
        let ran = support::run_in(&self.env, &self.args, self.dir.path(), std::future::pending()).await;
        // Each run appends to the same files: keep only this run's.
        let _ = std::fs::remove_file(self.dir.path().join("output"));
        let _ = std::fs::remove_file(self.dir.path().join("summary.md"));
        ran
    }
}

/// Seed 004 with its Code Quality and Testing boxes ticked.
fn seed_004() -> Option<String> {
    let path = support::shared()?.join("corpus/seeds/004_e1d6666878ae9b10.md");
    let text = std::fs::read_to_string(path).ok()?;
    let mut out = String::new();
    let mut ticking = false;
    for line in text.lines() {
        if line.starts_with("### ") {
            ticking = line == "### Code Quality" || line == "### Testing";
        }
        match line.strip_prefix("- [ ] ") {
            Some(rest) if ticking => out.push_str(&format!("- [x] {rest}\n")),
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Some(out)
}

/// The line of the seed's item starting with `prefix`.
fn line_of(text: &str, prefix: &str) -> u64 {
    text.lines().position(|l| l.contains(prefix)).expect("item") as u64 + 1
}

fn all_ci(gh: &FakeGitHub, test: Option<&str>) {
    gh.add_check(HEAD, "test", test);
    for name in ["lint", "typecheck", "security-lint"] {
        gh.add_check(HEAD, name, Some("success"));
    }
}

fn requirement<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["checklists"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["requirements"].as_array().into_iter().flatten())
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {report}"))
}

fn in_progress(gh: &FakeGitHub) -> Vec<u64> {
    gh.state()
        .check_runs
        .iter()
        .filter(|r| r.created["status"] != "completed")
        .map(|r| r.id)
        .collect()
}

#[tokio::test]
async fn seed_004_passes_when_ci_passed_on_the_head() {
    let Some(seed) = seed_004() else { return };
    let gh = FakeGitHub::start().await;
    all_ci(&gh, Some("success"));
    let case = Case::new(&gh, SEED_POLICY, &[(CHECKLIST, &seed)], "");
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.summary);
    assert_eq!(ran.output("passed").as_deref(), Some("true"));
    assert_eq!(ran.output("pending").as_deref(), Some("false"));
    let report = ran.written_report();
    let tests = &report["checklists"][0]["requirements"][2];
    assert_eq!(
        tests["message"],
        format!("all 2 items checked; `test` passed on {SHORT}")
    );
    assert_eq!(tests["evidence"][0]["kind"], "check");
    assert_eq!(tests["evidence"][0]["state"], "passed");
    assert!(
        tests["evidence"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://github.com/")
    );
    assert!(ran.summary.contains("**Evidence**"), "{}", ran.summary);
    let runs = gh.state().check_runs.clone();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].created["conclusion"], "success");
    gh.assert_valid();
}

#[tokio::test]
async fn seed_004_fails_when_a_ticked_claim_failed_in_ci() {
    let Some(seed) = seed_004() else { return };
    let gh = FakeGitHub::start().await;
    all_ci(&gh, Some("failure"));
    let case = Case::new(&gh, SEED_POLICY, &[(CHECKLIST, &seed)], "");
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Fail);
    let report = ran.written_report();
    let failed = requirement(report, "evidence-failed");
    let message = format!("ticked, but check `test` failed on {SHORT}");
    assert_eq!(failed["message"], message.as_str());
    let line = line_of(&seed, "All tests passing");
    assert_eq!(failed["open"][0]["line"], line);
    assert_eq!(failed["open"][0]["evidence"][0]["state"], "failed");
    // The annotation sits on the ticked item's line.
    let run = gh.state().check_runs[0].clone();
    assert_eq!(run.created["conclusion"], "failure");
    let on_line: Vec<Value> = run
        .annotations()
        .into_iter()
        .filter(|a| a["start_line"] == line)
        .collect();
    assert!(
        on_line[0]["message"].as_str().unwrap().contains(&message),
        "{on_line:?}"
    );
    assert!(
        ran.out.contains(&format!("::error file={CHECKLIST},line={line},")),
        "{}",
        ran.out
    );
    insta::assert_snapshot!("failed_comment", gh.marked_comments()[0].body.clone());
    gh.assert_valid();
}

#[tokio::test]
async fn pending_evidence_leaves_the_check_run_in_progress_and_a_later_run_completes_it() {
    let Some(seed) = seed_004() else { return };
    let gh = FakeGitHub::start().await;
    all_ci(&gh, None);
    let case = Case::new(&gh, SEED_POLICY, &[(CHECKLIST, &seed)], "");
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Pass, "pending is not failure");
    assert_eq!(ran.output("pending").as_deref(), Some("true"));
    assert_eq!(ran.output("passed").as_deref(), Some("false"));
    assert!(
        ran.out
            .contains("::notice title=checkgate::waiting for: test. Nothing failed"),
        "{}",
        ran.out
    );
    let report = ran.written_report();
    assert_eq!(report["pending"], true);
    assert_eq!(
        requirement(report, "evidence-pending")["message"],
        format!("waiting for `test` (in progress on {SHORT})")
    );
    let held = in_progress(&gh);
    assert_eq!(held.len(), 1, "one check run, left in progress");
    let run = gh.state().check_runs[0].clone();
    let title = run.updates.last().expect("held with its output")["output"]["title"].clone();
    assert_eq!(title, "waiting for: test");
    let levels: Vec<Value> = run
        .annotations()
        .iter()
        .map(|a| a["annotation_level"].clone())
        .collect();
    assert!(!levels.is_empty() && levels.iter().all(|l| l == "notice"), "{levels:?}");
    let comment = gh.marked_comments()[0].body.clone();
    assert!(comment.contains("## ⏳ checkgate: waiting for: test"), "{comment}");
    assert!(comment.contains("⏳ 2 of 7 waiting for evidence"), "{comment}");
    // What the pull request's author reads while the job runs.
    insta::assert_snapshot!("pending_comment", comment);

    // The test job finishes; the run its completion triggers completes the
    // same check run rather than leaving it stuck beside a new one.
    gh.state().commit_checks.retain(|c| c.name != "test");
    gh.add_check(HEAD, "test", Some("success"));
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Pass);
    assert_eq!(ran.output("pending").as_deref(), Some("false"));
    assert!(in_progress(&gh).is_empty(), "nothing left in progress");
    let runs = gh.state().check_runs.clone();
    let first = runs.iter().find(|r| r.id == held[0]).unwrap();
    assert_eq!(first.created["conclusion"], "success");
    assert!(runs.iter().all(|r| r.created["conclusion"] == "success"));
    gh.assert_valid();
}

#[tokio::test]
async fn a_check_that_never_ran_fails_closed_and_names_what_did() {
    let Some(seed) = seed_004() else { return };
    let gh = FakeGitHub::start().await;
    for name in ["lint", "typecheck", "security-lint"] {
        gh.add_check(HEAD, name, Some("success"));
    }
    let ran = Case::new(&gh, SEED_POLICY, &[(CHECKLIST, &seed)], "").run().await;
    assert_eq!(ran.exit, Exit::Pass);
    assert_eq!(ran.output("passed").as_deref(), Some("false"), "never passes by itself");
    assert_eq!(
        requirement(ran.written_report(), "evidence-pending")["message"],
        format!("waiting for `test` (not reported on {SHORT}; reported: lint, typecheck, security-lint)")
    );
    assert_eq!(in_progress(&gh).len(), 1, "a required check still blocks");
}

#[tokio::test]
async fn the_changelog_box_counts_only_when_the_changelog_changed() {
    let gh = FakeGitHub::start().await;
    let body = TEMPLATE.replace("- [ ] ", "- [x] ");
    let case = Case::new(
        &gh,
        TEMPLATE_POLICY,
        &[(".github/pull_request_template.md", TEMPLATE)],
        &body,
    );
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Fail);
    let report = ran.written_report();
    let failed = requirement(report, "evidence-failed");
    assert_eq!(
        failed["message"],
        "ticked, but the pull request changes no file matching `CHANGELOG.md` or `changelog.d/**`"
    );
    assert_eq!(failed["open"][0]["text"], "Changelog updated");

    gh.set_changed_files(vec![
        ChangedFile::modified("src/app.py"),
        ChangedFile::modified("CHANGELOG.md"),
    ]);
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.summary);
    let report = ran.written_report();
    assert_eq!(
        report["checklists"][0]["requirements"][1]["message"],
        "checked; the pull request changes CHANGELOG.md"
    );

    // Unticked with the changelog changed: still open, and told why.
    let unticked = TEMPLATE.replace("- [ ] Tests", "- [x] Tests");
    gh.update_pull(|p| p.body = Some(unticked.clone()));
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Fail);
    let report = ran.written_report();
    let open = &report["checklists"][0]["requirements"][1];
    assert_eq!(open["code"], "open-item");
    assert_eq!(open["open"][0]["note"], "evidence holds: tick it to attest");
    gh.assert_valid();
}

const DEPLOYED: &str = "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nitem = \"Deployed to staging and smoke-tested\"\ndeployed = [\"staging\"]\n";
const DEPLOYED_LIST: &str = "# Ready\n- [x] Deployed to staging and smoke-tested\n";

#[tokio::test]
async fn a_deployment_passes_fails_and_waits() {
    let gh = FakeGitHub::start().await;
    let case = Case::new(&gh, DEPLOYED, &[("READY.md", DEPLOYED_LIST)], "");
    gh.add_deployment(HEAD, "staging", Some("in_progress"));
    gh.add_deployment(HEAD, "production", Some("success"));
    let ran = case.run().await;
    assert_eq!((ran.exit, ran.output("pending").as_deref()), (Exit::Pass, Some("true")));
    assert_eq!(
        requirement(ran.written_report(), "evidence-pending")["message"],
        format!("waiting for the deployment of {SHORT} to `staging` (in progress)")
    );
    gh.add_deployment(HEAD, "staging", Some("failure"));
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(
        requirement(ran.written_report(), "evidence-failed")["message"],
        format!("ticked, but no successful deployment of {SHORT} to `staging` (the latest is failure)")
    );
    gh.add_deployment(HEAD, "staging", Some("success"));
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Pass);
    assert_eq!(ran.output("pending").as_deref(), Some("false"));
    assert!(in_progress(&gh).is_empty());
    gh.assert_valid();
}

const LABELED: &str = "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nitem = \"QA passed\"\nlabels = [\"qa-passed\"]\nlabeled-by = [\"@acme/qa\"]\n";

#[tokio::test]
async fn a_label_counts_only_when_the_named_team_added_it() {
    let gh = FakeGitHub::start().await;
    let case = Case::new(&gh, LABELED, &[("READY.md", "- [x] QA passed\n")], "");
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(
        requirement(ran.written_report(), "evidence-failed")["message"],
        "ticked, but the pull request has no label `qa-passed`"
    );
    gh.update_pull(|p| {
        p.labels = vec!["qa-passed".into()];
        p.label_events = vec![("qa-passed".into(), Some("alice".into()))];
    });
    let ran = case.run().await;
    assert_eq!(
        requirement(ran.written_report(), "evidence-failed")["message"],
        "ticked, but label `qa-passed` was added by @alice, not by @acme/qa"
    );
    gh.add_team_member("acme", "qa", "bob");
    gh.update_pull(|p| p.label_events.push(("qa-passed".into(), Some("bob".into()))));
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.summary);
    gh.assert_valid();
}

const STATUS: &str =
    "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nitem = \"Tests pass\"\nchecks = [\"ci/jenkins\"]\n";

#[tokio::test]
async fn a_commit_status_is_evidence_too() {
    let gh = FakeGitHub::start().await;
    let case = Case::new(&gh, STATUS, &[("READY.md", "- [x] Tests pass\n")], "");
    gh.add_status(HEAD, "ci/jenkins", "pending");
    let ran = case.run().await;
    assert_eq!(ran.output("pending").as_deref(), Some("true"));
    gh.add_status(HEAD, "ci/jenkins", "error");
    let ran = case.run().await;
    assert_eq!(
        requirement(ran.written_report(), "evidence-failed")["message"],
        format!("ticked, but status `ci/jenkins` errored on {SHORT}")
    );
    gh.add_status(HEAD, "ci/jenkins", "success");
    assert_eq!(case.run().await.exit, Exit::Pass);
    gh.assert_valid();
}

#[tokio::test]
async fn a_check_from_a_workflow_the_pull_request_changes_is_untrusted() {
    let gh = FakeGitHub::start().await;
    // pull_request_target: the run itself is the base's workflow, so only
    // the evidence is in question.
    let mut case = Case::new(
        &gh,
        STATUS.replace("ci/jenkins", "test").as_str(),
        &[("READY.md", "- [x] Tests pass\n")],
        "",
    );
    case.env.event_name = "pull_request_target".into();
    gh.add_check(HEAD, "test", Some("success"));
    gh.set_changed_files(vec![ChangedFile::modified(".github/workflows/ci.yml")]);
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Fail);
    let untrusted = requirement(ran.written_report(), "evidence-untrusted").clone();
    assert_eq!(untrusted["level"], "deny");
    assert_eq!(untrusted["rule"], "trusted evidence: item: Tests pass");
    assert!(
        untrusted["message"]
            .as_str()
            .unwrap()
            .contains("it ran .github/workflows/ci.yml, which this pull request changes"),
        "{untrusted}"
    );
    // The base policy may accept the risk.
    let relaxed = format!(
        "[action]\nevidence-untrusted = \"warn\"\n{}",
        STATUS.replace("ci/jenkins", "test")
    );
    gh.put_file(BASE, ".github/checkgate.toml", &relaxed);
    gh.put_file("main", ".github/checkgate.toml", &relaxed);
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Pass);
    assert_eq!(requirement(ran.written_report(), "evidence-untrusted")["level"], "warn");
}

#[tokio::test]
async fn evidence_costs_one_query_in_the_second_round_whatever_the_rules() {
    let Some(seed) = seed_004() else { return };
    let gh = FakeGitHub::start().await;
    all_ci(&gh, Some("success"));
    gh.add_deployment(HEAD, "staging", Some("success"));
    let policy = format!(
        "{SEED_POLICY}{}",
        DEPLOYED.replace("[[checklist]]\npath = \"READY.md\"\n", "").replace(
            "item = \"Deployed to staging and smoke-tested\"",
            "section = \"Pre-Deployment > Testing\""
        )
    );
    let case = Case::new(&gh, &policy, &[(CHECKLIST, &seed)], "");
    gh.state().latency = Some(Duration::from_millis(100));
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.summary);
    let seen = gh.requests();
    let evidence: Vec<_> = seen
        .iter()
        .filter(|r| r.operation.as_deref() == Some("HeadEvidence"))
        .collect();
    assert_eq!(evidence.len(), 1, "seven rules, one read: {:?}", gh.request_lines());
    let files = seen
        .iter()
        .find(|r| r.operation.as_deref() == Some("FilesAt"))
        .expect("round two");
    let apart = evidence[0].at.max(files.at) - evidence[0].at.min(files.at);
    assert!(
        apart < Duration::from_millis(100),
        "sent together with round two: {apart:?}"
    );
    // Round one (the check run started beside it), round two, then the writes.
    let mut lines = gh.request_lines();
    lines[3..5].sort();
    let checks = format!("/repos/{OWNER}/{REPO}/check-runs");
    let id = gh.state().check_runs[0].id;
    assert_eq!(
        lines,
        [
            format!("POST {checks}"),
            format!("GET /repos/{OWNER}/{REPO}/compare/main...{HEAD}?per_page=1"),
            "POST /graphql PullRead".to_string(),
            "POST /graphql FilesAt".to_string(),
            "POST /graphql HeadEvidence".to_string(),
            format!("PATCH {checks}/{id}"),
            format!("POST /repos/{OWNER}/{REPO}/issues/42/comments"),
            format!("GET /repos/{OWNER}/{REPO}/issues/42/comments?per_page=100&page=1"),
        ]
    );
}

/// A real webhook payload from the shared corpus, edited by `edit`.
fn corpus_event(name: &str, edit: impl Fn(&mut Value)) -> Option<Value> {
    let path = support::event(&format!("octokit__webhooks__payload-examples__api.github.com__{name}"))?;
    let mut payload: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    edit(&mut payload);
    Some(payload)
}

impl Case {
    /// The same case, run on `event` with `payload`.
    fn on(&self, gh: &FakeGitHub, event: &str, payload: &Value) -> Case {
        let dir = tempfile::tempdir().expect("temp dir");
        Case {
            env: support::action_env(gh, dir.path(), event, payload, MERGE),
            dir,
            args: support::action_args(),
        }
    }
}

/// A first run finds `name` still running: pending, one check run held.
async fn pending_first(gh: &FakeGitHub, policy: &str, name: &str, status: bool) -> Case {
    let case = Case::new(gh, policy, &[("READY.md", "- [x] Tests pass\n")], "");
    if status {
        gh.add_status(HEAD, name, "pending");
    } else {
        gh.add_check(HEAD, name, None);
    }
    let ran = case.run().await;
    assert_eq!((ran.exit, ran.output("pending").as_deref()), (Exit::Pass, Some("true")));
    assert_eq!(in_progress(gh).len(), 1);
    case
}

/// After the evidence arrives, the event's run leaves nothing in progress
/// and every checkgate check run on the head concludes `success`.
async fn completed_by(gh: &FakeGitHub, case: &Case, event: &str, payload: &Value) {
    let ran = case.on(gh, event, payload).run().await;
    assert_eq!(ran.exit, Exit::Pass, "{event}: {}", ran.summary);
    assert_eq!(ran.output("pending").as_deref(), Some("false"), "{event}");
    assert!(in_progress(gh).is_empty(), "{event}: the held check run is completed");
    let runs = gh.state().check_runs.clone();
    assert!(runs.len() >= 2, "{event}");
    for run in &runs {
        assert_eq!(run.created["head_sha"], HEAD, "{event}: on the head, never GITHUB_SHA");
        assert_eq!(run.created["conclusion"], "success", "{event}");
    }
    gh.assert_valid();
}

const TEST_CHECK: &str =
    "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nitem = \"Tests pass\"\nchecks = [\"test\"]\n";

fn finish_test(gh: &FakeGitHub) {
    gh.state().commit_checks.retain(|c| c.name != "test");
    gh.add_check(HEAD, "test", Some("success"));
}

#[tokio::test]
async fn a_workflow_run_completes_the_check_run_left_waiting() {
    let gh = FakeGitHub::start().await;
    let case = pending_first(&gh, TEST_CHECK, "test", false).await;
    finish_test(&gh);
    let Some(payload) = corpus_event("workflow_run__completed.with-pull-requests.payload.json", |p| {
        p["workflow_run"]["pull_requests"][0]["number"] = json!(42);
        // The corpus payload lists a pull request of another repository:
        // make it this one's, so the listed number is taken.
        p["repository"]["full_name"] = json!(format!("{OWNER}/{REPO}"));
    }) else {
        return;
    };
    completed_by(&gh, &case, "workflow_run", &payload).await;
}

#[tokio::test]
async fn a_check_run_event_completes_the_check_run_left_waiting() {
    let gh = FakeGitHub::start().await;
    let case = pending_first(&gh, TEST_CHECK, "test", false).await;
    finish_test(&gh);
    let Some(payload) = corpus_event("check_run__completed.payload.json", |p| {
        p["check_run"]["name"] = json!("test");
        p["check_run"]["head_sha"] = json!(HEAD);
        p["check_run"]["pull_requests"][0]["number"] = json!(42);
    }) else {
        return;
    };
    completed_by(&gh, &case, "check_run", &payload).await;
}

#[tokio::test]
async fn a_status_event_completes_the_check_run_left_waiting() {
    let gh = FakeGitHub::start().await;
    let case = pending_first(&gh, STATUS, "ci/jenkins", true).await;
    gh.add_status(HEAD, "ci/jenkins", "success");
    let Some(payload) = corpus_event("status__payload.json", |p| {
        p["sha"] = json!(HEAD);
        p["context"] = json!("ci/jenkins");
    }) else {
        return;
    };
    completed_by(&gh, &case, "status", &payload).await;
}

#[tokio::test]
async fn a_forks_pull_request_is_found_from_its_commit_and_judged_on_its_evidence() {
    let gh = FakeGitHub::start().await;
    let case = pending_first(&gh, TEST_CHECK, "test", false).await;
    gh.update_pull(|p| p.head_ref = "patch-1".into());
    // The test job fails this time: the fork's run turns the gate red.
    gh.state().commit_checks.retain(|c| c.name != "test");
    gh.add_check(HEAD, "test", Some("failure"));
    let Some(payload) = corpus_event("workflow_run__completed.payload.json", |p| {
        p["workflow_run"]["head_sha"] = json!(HEAD);
        assert_eq!(p["workflow_run"]["pull_requests"], json!([]), "a fork's run lists none");
    }) else {
        return;
    };
    let ran = case.on(&gh, "workflow_run", &payload).run().await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(
        requirement(ran.written_report(), "evidence-failed")["message"],
        format!("ticked, but check `test` failed on {SHORT}")
    );
    assert!(in_progress(&gh).is_empty());
    let runs = gh.state().check_runs.clone();
    assert!(runs.iter().all(|r| r.created["conclusion"] == "failure"), "{runs:?}");
    let lines = gh.request_lines();
    assert!(lines.iter().any(|l| l.contains("PullsAt")), "{lines:#?}");
    gh.assert_valid();
}

#[tokio::test]
async fn a_run_still_waiting_keeps_one_check_run_in_progress() {
    let gh = FakeGitHub::start().await;
    let case = pending_first(&gh, TEST_CHECK, "test", false).await;
    let first = in_progress(&gh)[0];
    let ran = case.run().await;
    assert_eq!(ran.output("pending").as_deref(), Some("true"));
    let held = in_progress(&gh);
    assert_eq!(held.len(), 1, "one waits");
    assert_ne!(held[0], first, "the newer run's");
    let runs = gh.state().check_runs.clone();
    let older = runs.iter().find(|r| r.id == first).unwrap();
    assert_eq!(older.created["conclusion"], "cancelled");
    assert!(
        older.created["output"]["title"]
            .as_str()
            .unwrap()
            .starts_with("superseded: a newer checkgate run on this commit waits")
    );
    gh.assert_valid();
}

/// Pending exits 0 only while a check run holds the merge: without one a
/// green step would let the merge through before the evidence is in.
#[tokio::test]
async fn pending_without_a_check_run_to_hold_the_merge_fails_the_step() {
    let gh = FakeGitHub::start().await;
    let mut case = Case::new(&gh, TEST_CHECK, &[("READY.md", "- [x] Tests pass\n")], "");
    gh.add_check(HEAD, "test", None);
    case.args.check_run = false;
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(ran.output("pending").as_deref(), Some("true"));
    assert!(
        ran.out
            .contains("::warning title=checkgate::waiting for: test. No checkgate check run holds the merge"),
        "{}",
        ran.out
    );
    // A read-only token cannot hold it either.
    case.args.check_run = true;
    gh.state().read_only = true;
    assert_eq!(case.run().await.exit, Exit::Fail);
}

// `labels` beyond pull_request events ------------------------------------------

/// The merge group GitHub builds for pull request 42, and its head commit.
const GROUP: &str = "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d";

/// A `merge_group` `checks_requested` payload in the shape GitHub sends
/// (octokit/webhooks' example: the queue branch names the pull request and
/// its head). The shared corpus holds no merge_group payload.
fn merge_group_payload() -> Value {
    json!({
        "action": "checks_requested",
        "merge_group": {
            "head_sha": GROUP,
            "head_ref": format!("refs/heads/gh-readonly-queue/main/pr-42-{HEAD}"),
            "base_sha": BASE,
            "base_ref": "refs/heads/main",
            "head_commit": {
                "id": GROUP,
                "tree_id": "31b122c26a97cf9af023e9ddab94a82c6e77b0ea",
                "message": "Merge pull request #42 from Codertocat/feature",
                "timestamp": "2019-05-15T15:20:30Z",
                "author": { "name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com" },
                "committer": { "name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com" }
            }
        },
        "repository": { "name": REPO, "full_name": format!("{OWNER}/{REPO}"), "default_branch": "main" },
        "sender": { "login": "Codertocat", "type": "User" }
    })
}

/// `labels` in the merge queue judges the queued pull request's labels, as
/// on its own (it failed as "labels were not read", whatever the labels).
#[tokio::test]
async fn a_label_rule_in_the_merge_queue_judges_the_queued_pull_requests_labels() {
    let gh = FakeGitHub::start().await;
    let case = Case::new(&gh, LABELED, &[("READY.md", "- [x] QA passed\n")], "");
    gh.put_file(GROUP, "READY.md", "- [x] QA passed\n");
    let latency = Duration::from_millis(300);
    gh.set_latency(latency);
    let queue = case.on(&gh, "merge_group", &merge_group_payload());
    let group_runs = |gh: &FakeGitHub| -> Vec<(String, String)> {
        gh.state()
            .check_runs
            .iter()
            .map(|r| {
                (
                    r.created["head_sha"].as_str().unwrap_or_default().to_string(),
                    r.created["conclusion"].as_str().unwrap_or("(in progress)").to_string(),
                )
            })
            .collect()
    };

    let ran = queue.run().await;
    assert_eq!(ran.exit, Exit::Fail, "{}", ran.summary);
    assert_eq!(
        requirement(ran.written_report(), "evidence-failed")["message"],
        "ticked, but the pull request has no label `qa-passed`"
    );
    assert_eq!(group_runs(&gh), [(GROUP.to_string(), "failure".to_string())]);
    // One query reads the queued pull request, beside the checklists' (sent
    // before that one could have been answered: no round trip of its own).
    let seen = gh.requests();
    let sent = |op: &str| {
        let at: Vec<_> = seen
            .iter()
            .filter(|r| r.operation.as_deref() == Some(op))
            .map(|r| r.at)
            .collect();
        assert_eq!(at.len(), 1, "{op}: {:#?}", gh.request_lines());
        at[0]
    };
    let (pull, files) = (sent("PullRead"), sent("FilesAt"));
    let apart = pull.max(files) - pull.min(files);
    assert!(apart < latency, "sent together with round two: {apart:?}");

    gh.update_pull(|p| {
        p.labels = vec!["qa-passed".into()];
        p.label_events = vec![("qa-passed".into(), Some("alice".into()))];
    });
    let ran = queue.run().await;
    assert_eq!(
        requirement(ran.written_report(), "evidence-failed")["message"],
        "ticked, but label `qa-passed` was added by @alice, not by @acme/qa"
    );
    gh.add_team_member("acme", "qa", "bob");
    gh.update_pull(|p| p.label_events.push(("qa-passed".into(), Some("bob".into()))));
    let ran = queue.run().await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.summary);
    let report = ran.written_report();
    let qa = &report["checklists"][0]["requirements"][0];
    assert_eq!(qa["evidence"][0]["message"], "label `qa-passed` was added by @bob");
    assert_eq!(
        group_runs(&gh).last().unwrap(),
        &(GROUP.to_string(), "success".to_string())
    );
    assert!(gh.marked_comments().is_empty(), "a merge group gets no comment");
    gh.assert_valid();
}

/// With a `[[skip]]` as well, the queued pull request is read once: the
/// skip's read serves the `labels` rule.
#[tokio::test]
async fn a_merge_group_reads_its_pull_request_once_for_a_skip_and_a_label_rule() {
    let gh = FakeGitHub::start().await;
    let policy = format!("{LABELED}\n[[skip]]\ndraft = true\n");
    let case = Case::new(&gh, &policy, &[("READY.md", "- [x] QA passed\n")], "");
    gh.put_file(GROUP, "READY.md", "- [x] QA passed\n");
    gh.update_pull(|p| {
        p.labels = vec!["qa-passed".into()];
        p.label_events = vec![("qa-passed".into(), Some("bob".into()))];
    });
    gh.add_team_member("acme", "qa", "bob");
    let ran = case.on(&gh, "merge_group", &merge_group_payload()).run().await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.summary);
    let reads = gh.request_lines().iter().filter(|l| l.ends_with(" PullRead")).count();
    assert_eq!(reads, 1, "{:#?}", gh.request_lines());
    gh.assert_valid();
}

/// A `push` payload in the shape GitHub sends: a commit on a branch, no
/// pull request. The shared corpus holds no push payload.
fn push_payload(after: &str) -> Value {
    json!({
        "ref": "refs/heads/main",
        "before": BASE,
        "after": after,
        "created": false,
        "deleted": false,
        "forced": false,
        "base_ref": null,
        "compare": format!("https://github.com/{OWNER}/{REPO}/compare/{}...{}", &BASE[..12], &after[..12]),
        "commits": [],
        "head_commit": { "id": after, "message": "Update READY.md", "timestamp": "2019-05-15T15:20:30Z" },
        "repository": { "name": REPO, "full_name": format!("{OWNER}/{REPO}"), "default_branch": "main" },
        "pusher": { "name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com" },
        "sender": { "login": "Codertocat", "type": "User" }
    })
}

/// A push has no pull request, so no labels: a `labels` rule is not checked
/// there, with a note saying why (as an `approved-by` rule is not), and
/// never read from a pull request the commit may head. The other rules are
/// judged as usual, so the push run still fails on them.
/// On a push there is no pull request, so no changed files: a `changed`
/// rule is not checked, and its note says why in the action's terms, not
/// the command line's.
#[tokio::test]
async fn a_changed_rule_on_a_push_is_not_checked_and_says_why_without_cli_advice() {
    let policy = "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nitem = \"Changelog updated\"\nchanged = [\"CHANGELOG.md\"]\n[[checklist.require]]\nitem = \"Docs updated\"\n";
    let pushed = "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1";
    let gh = FakeGitHub::start().await;
    let _pull_42 = Case::new(
        &gh,
        policy,
        &[("READY.md", "- [x] Changelog updated\n- [x] Docs updated\n")],
        "",
    );
    gh.put_file(pushed, "READY.md", "- [x] Changelog updated\n- [x] Docs updated\n");
    let dir = tempfile::tempdir().expect("temp dir");
    let push = Case {
        env: support::action_env(&gh, dir.path(), "push", &push_payload(pushed), pushed),
        dir,
        args: support::action_args(),
    };
    let ran = push.run().await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.summary);
    let report = ran.written_report();
    assert_eq!(
        report["checklists"][0]["notes"],
        json!([
            "not checked here: item: Changelog updated needs the files the pull request changes \
             (changed: CHANGELOG.md), and this run has no pull request"
        ]),
        "{report:#}"
    );
    assert!(
        !ran.everything().contains("--base"),
        "no command-line advice in the action"
    );
}

#[tokio::test]
async fn a_label_rule_on_a_push_is_not_checked_and_says_why() {
    let policy = format!("{LABELED}[[checklist.require]]\nitem = \"Docs updated\"\n");
    let pushed = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";
    let gh = FakeGitHub::start().await;
    let _pull_42 = Case::new(
        &gh,
        &policy,
        &[("READY.md", "- [x] QA passed\n- [ ] Docs updated\n")],
        "",
    );
    gh.put_file(pushed, "READY.md", "- [x] QA passed\n- [ ] Docs updated\n");
    let dir = tempfile::tempdir().expect("temp dir");
    let push = Case {
        env: support::action_env(&gh, dir.path(), "push", &push_payload(pushed), pushed),
        dir,
        args: support::action_args(),
    };
    let note = "not checked here: item: QA passed needs the pull request's labels (labels: qa-passed; \
                labeled-by: @acme/qa), and this run has no pull request";

    let ran = push.run().await;
    assert_eq!(ran.exit, Exit::Fail, "the docs item is still open: {}", ran.summary);
    let report = ran.written_report();
    assert_eq!(report["checklists"][0]["notes"], json!([note]), "{report:#}");
    let codes: Vec<&str> = report["checklists"][0]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["open-item"], "only the docs rule is judged");
    assert!(
        ran.summary
            .contains("_not checked here: item: QA passed needs the pull request"),
        "{}",
        ran.summary
    );
    gh.put_file(pushed, "READY.md", "- [x] QA passed\n- [x] Docs updated\n");
    let ran = push.run().await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.summary);
    assert_eq!(ran.written_report()["checklists"][0]["notes"], json!([note]));
    // Nothing is read of, or posted to, a pull request.
    let lines = gh.request_lines();
    assert!(
        lines
            .iter()
            .all(|l| !l.contains("PullRead") && !l.contains("PullsAt") && !l.contains("/pulls")),
        "{lines:#?}"
    );
    assert!(gh.state().check_runs.is_empty());
    assert!(gh.marked_comments().is_empty());
    gh.assert_valid();
}
