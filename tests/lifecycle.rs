//! The pull request's life, against the local GitHub: `[[skip]]` (a skipped
//! check run, outputs, a stale comment updated, never a new one), and every
//! event that can change a verdict resolved to its open pull requests, each
//! judged at its current head with the check run posted there (never on
//! `GITHUB_SHA`, which is the default branch for most of these events).

mod support;

use checkgate::action::GithubEnv;
use checkgate::cli::Exit;
use checkgate::github::MARKER;
use serde_json::{Value, json};
use support::{BOT, FakeGitHub, OWNER, Pull, REPO, Ran};

const HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const BASE: &str = "b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4";
/// The default branch's tip: `GITHUB_SHA` for `pull_request_target`,
/// `issue_comment`, `workflow_run`, `check_run`, `status` and
/// `deployment_status`. Nothing may be judged or posted here.
const DEFAULT_TIP: &str = "dddddddddddddddddddddddddddddddddddddddd";

const POLICY: &str = r#"
[[checklist]]
path = "READY.md"
[[checklist.require]]
section = "Must"
"#;

const FAILING: &str = "# Ready\n## Must\n- [x] Tests pass\n- [ ] Rollback plan tested\n";
const PASSING: &str = "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n";

/// Pull request 42 from HEAD onto `main` (at BASE), with `policy` at the
/// base and `checklist` at the head and base. The default branch's tip
/// (DEFAULT_TIP) holds a policy that would pass anything.
fn seed(gh: &FakeGitHub, policy: &str, checklist: &str) {
    for git_ref in [BASE, "main"] {
        gh.put_file(git_ref, ".github/checkgate.toml", policy);
        gh.put_file(git_ref, "READY.md", checklist);
    }
    gh.put_file(HEAD, "READY.md", checklist);
    gh.put_file(
        DEFAULT_TIP,
        ".github/checkgate.toml",
        "[[checklist]]\npath = \"NOTHING.md\"\nallow-empty = true\n[[checklist.require]]\nall = true\n",
    );
    gh.set_pull(Pull::new(42, HEAD, BASE));
}

async fn run_env(env: &GithubEnv, dir: &std::path::Path) -> Ran {
    support::run_in(env, &support::action_args(), dir, std::future::pending()).await
}

async fn run(gh: &FakeGitHub, event: &str, payload: &Value) -> Ran {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = support::action_env(gh, dir.path(), event, payload, DEFAULT_TIP);
    run_env(&env, dir.path()).await
}

/// Each check run as (head, conclusion, title).
fn check_runs(gh: &FakeGitHub) -> Vec<(String, String, String)> {
    gh.state()
        .check_runs
        .iter()
        .map(|r| {
            let text = |ptr: &str| r.created.pointer(ptr).and_then(Value::as_str).unwrap_or("").to_string();
            (text("/head_sha"), text("/conclusion"), text("/output/title"))
        })
        .collect()
}

fn conclusions(gh: &FakeGitHub) -> Vec<(String, String)> {
    check_runs(gh).into_iter().map(|(h, c, _)| (h, c)).collect()
}

fn on_head(conclusion: &str) -> (String, String) {
    (HEAD.to_string(), conclusion.to_string())
}

fn pr_event(action: &str) -> Value {
    json!({
        "action": action,
        "number": 42,
        "pull_request": {
            "number": 42,
            "body": "",
            "head": { "sha": HEAD, "ref": "feature" },
            "base": { "sha": BASE, "ref": "main" },
        },
    })
}

// ---- [[skip]] ----------------------------------------------------------

const SKIP_BOTS: &str = r#"
[[checklist]]
path = "READY.md"
[[checklist.require]]
section = "Must"

[[skip]]
authors = ["dependabot[bot]"]
reason = "dependency updates carry no release checklist"
"#;

#[tokio::test]
async fn a_bot_authors_pull_request_is_skipped_with_a_skipped_check_run_and_outputs() {
    let gh = FakeGitHub::start().await;
    seed(&gh, SKIP_BOTS, FAILING);
    gh.update_pull(|p| p.author = "dependabot[bot]".into());
    let ran = run(&gh, "pull_request_target", &pr_event("opened")).await;

    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    assert_eq!(
        check_runs(&gh),
        [(
            HEAD.to_string(),
            "skipped".to_string(),
            "skipped: dependency updates carry no release checklist".to_string()
        )]
    );
    assert_eq!(ran.output("skipped").as_deref(), Some("true"));
    assert_eq!(ran.output("passed").as_deref(), Some("true"));
    assert!(
        ran.out
            .contains("opened by dependabot[bot] (the [[skip]] at .github/checkgate.toml:7:1)"),
        "{}",
        ran.out
    );
    assert!(
        ran.summary.contains("checkgate: skipped: dependency updates"),
        "{}",
        ran.summary
    );
    // No comment is created for a skipped pull request.
    assert!(gh.marked_comments().is_empty());
    gh.assert_valid();

    // A person's pull request is judged as usual.
    let gh = FakeGitHub::start().await;
    seed(&gh, SKIP_BOTS, FAILING);
    let ran = run(&gh, "pull_request_target", &pr_event("opened")).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(conclusions(&gh), [on_head("failure")]);
    assert_eq!(ran.output("skipped"), None);
}

#[tokio::test]
async fn a_team_authors_pull_request_is_skipped_only_for_members() {
    let policy = format!("{POLICY}\n[[skip]]\nauthors = [\"@acme/release-bots\"]\n");
    for (author, expected) in [("shipit", "skipped"), ("octocat", "failure")] {
        let gh = FakeGitHub::start().await;
        seed(&gh, &policy, FAILING);
        gh.add_team_member("acme", "release-bots", "shipit");
        gh.update_pull(|p| p.author = author.into());
        run(&gh, "pull_request_target", &pr_event("opened")).await;
        assert_eq!(conclusions(&gh), [on_head(expected)], "{author}");
        let titles = check_runs(&gh);
        if expected == "skipped" {
            assert_eq!(titles[0].2, "skipped by the [[skip]] at .github/checkgate.toml:7:1");
        }
        gh.assert_valid();
    }
}

#[tokio::test]
async fn a_draft_is_skipped_and_judged_once_ready_for_review() {
    let policy = format!("{POLICY}\n[[skip]]\ndraft = true\n");
    let gh = FakeGitHub::start().await;
    seed(&gh, &policy, FAILING);
    gh.update_pull(|p| p.draft = true);
    let ran = run(&gh, "pull_request_target", &pr_event("opened")).await;
    assert_eq!(ran.exit, Exit::Pass);
    assert_eq!(conclusions(&gh), [on_head("skipped")]);

    gh.update_pull(|p| p.draft = false);
    let ran = run(&gh, "pull_request_target", &pr_event("ready_for_review")).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(conclusions(&gh), [on_head("skipped"), on_head("failure")]);
    gh.assert_valid();
}

#[tokio::test]
async fn a_label_skips_only_when_applied_by_someone_listed_and_removing_it_rejudges() {
    let policy = format!("{POLICY}\n[[skip]]\nlabels = [\"no-checklist\"]\nlabeled-by = [\"@acme/maintainers\"]\n");
    // Applied by a maintainer: skipped.
    let gh = FakeGitHub::start().await;
    seed(&gh, &policy, FAILING);
    gh.add_team_member("acme", "maintainers", "alice");
    gh.add_label("no-checklist", "alice");
    run(&gh, "pull_request_target", &pr_event("labeled")).await;
    assert_eq!(conclusions(&gh), [on_head("skipped")]);
    // Taken off again: judged.
    gh.remove_label("no-checklist");
    let ran = run(&gh, "pull_request_target", &pr_event("unlabeled")).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(conclusions(&gh), [on_head("skipped"), on_head("failure")]);
    gh.assert_valid();

    // Applied by the author, who is no maintainer: judged.
    let gh = FakeGitHub::start().await;
    seed(&gh, &policy, FAILING);
    gh.add_team_member("acme", "maintainers", "alice");
    gh.add_label("no-checklist", "octocat");
    let ran = run(&gh, "pull_request_target", &pr_event("labeled")).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(conclusions(&gh), [on_head("failure")]);
    // Re-applied later by the maintainer: the newest labeled event counts.
    gh.add_label("no-checklist", "alice");
    run(&gh, "pull_request_target", &pr_event("labeled")).await;
    assert_eq!(conclusions(&gh), [on_head("failure"), on_head("skipped")]);
}

#[tokio::test]
async fn base_and_head_globs_skip_together() {
    let policy = format!("{POLICY}\n[[skip]]\nbase = [\"release/**\"]\nhead = [\"hotfix/**\"]\n");
    for (base, head, expected) in [
        ("release/1.x", "hotfix/cve-1", "skipped"),
        ("release/1.x", "feature", "failure"),
        ("main", "hotfix/cve-1", "failure"),
    ] {
        let gh = FakeGitHub::start().await;
        seed(&gh, &policy, FAILING);
        gh.put_file(BASE, ".github/checkgate.toml", &policy);
        gh.update_pull(|p| {
            p.base_ref = base.into();
            p.head_ref = head.into();
        });
        let mut payload = pr_event("opened");
        payload["pull_request"]["base"]["ref"] = json!(base);
        run(&gh, "pull_request_target", &payload).await;
        assert_eq!(conclusions(&gh), [on_head(expected)], "{base} <- {head}");
    }
}

#[tokio::test]
async fn a_previously_failing_sticky_comment_is_updated_to_say_skipped() {
    let policy = format!("{POLICY}\n[[skip]]\nlabels = [\"no-checklist\"]\n");
    let gh = FakeGitHub::start().await;
    seed(&gh, &policy, FAILING);
    let ran = run(&gh, "pull_request_target", &pr_event("opened")).await;
    assert_eq!(ran.exit, Exit::Fail);
    let before = gh.marked_comments();
    assert_eq!(before.len(), 1);
    assert!(before[0].body.contains("Rollback plan tested"), "{}", before[0].body);

    gh.add_label("no-checklist", "octocat");
    let ran = run(&gh, "pull_request_target", &pr_event("labeled")).await;
    assert_eq!(ran.exit, Exit::Pass);
    let after = gh.marked_comments();
    assert_eq!(after.len(), 1, "updated, not added");
    assert_eq!(after[0].id, before[0].id);
    assert!(after[0].body.starts_with(MARKER), "{}", after[0].body);
    assert!(
        after[0]
            .body
            .contains("## checkgate: skipped by the \\[\\[skip\\]\\] at .github/checkgate.toml:7:1"),
        "{}",
        after[0].body
    );
    assert!(!after[0].body.contains("Rollback plan tested"), "{}", after[0].body);
    assert_eq!(after[0].login, BOT);
    gh.assert_valid();
}

#[tokio::test]
async fn a_skipped_pull_request_is_skipped_in_the_merge_queue_too_without_a_comment() {
    let gh = FakeGitHub::start().await;
    seed(&gh, SKIP_BOTS, FAILING);
    gh.update_pull(|p| p.author = "dependabot[bot]".into());
    let group = "feedbeef00000000000000000000000000000000";
    gh.put_file(group, "READY.md", FAILING);
    let payload = json!({"action": "checks_requested", "merge_group": {
        "head_sha": group, "base_sha": BASE,
        "head_ref": format!("refs/heads/gh-readonly-queue/main/pr-42-{HEAD}")}});
    let ran = run(&gh, "merge_group", &payload).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    assert_eq!(
        check_runs(&gh),
        [(
            group.to_string(),
            "skipped".to_string(),
            "skipped: dependency updates carry no release checklist".to_string()
        )]
    );
    assert!(gh.marked_comments().is_empty());
    gh.assert_valid();

    // Someone else's pull request is judged in the queue as before.
    let gh = FakeGitHub::start().await;
    seed(&gh, SKIP_BOTS, FAILING);
    gh.put_file(group, "READY.md", FAILING);
    let ran = run(&gh, "merge_group", &payload).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(conclusions(&gh), [(group.to_string(), "failure".to_string())]);
}

#[tokio::test]
async fn a_skip_does_not_hide_a_workflow_change_under_pull_request() {
    let policy = format!("{POLICY}\n[[skip]]\ndraft = true\n");
    let gh = FakeGitHub::start().await;
    seed(&gh, &policy, PASSING);
    gh.update_pull(|p| p.draft = true);
    gh.set_changed_files(vec![support::ChangedFile::modified(".github/workflows/checkgate.yml")]);
    let ran = run(&gh, "pull_request", &pr_event("opened")).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(conclusions(&gh), [on_head("failure")]);
    assert!(
        ran.summary.contains("workflow unchanged by the pull request"),
        "{}",
        ran.summary
    );
    // Under pull_request_target the workflow is the default branch's: skipped.
    let ran = run(&gh, "pull_request_target", &pr_event("opened")).await;
    assert_eq!(ran.exit, Exit::Pass);
    assert_eq!(conclusions(&gh), [on_head("failure"), on_head("skipped")]);
}

#[tokio::test]
async fn an_authors_branch_name_in_the_skip_message_mentions_and_links_nothing() {
    let policy = format!("{POLICY}\n[[skip]]\nhead = [\"hotfix/**\"]\n");
    let gh = FakeGitHub::start().await;
    seed(&gh, &policy, FAILING);
    // A stale failure comment, so the skip updates it with the branch name.
    run(&gh, "pull_request_target", &pr_event("opened")).await;
    let branch = "hotfix/@acme/everyone-see-https://evil.example/#12";
    gh.update_pull(|p| p.head_ref = branch.into());
    let ran = run(&gh, "pull_request_target", &pr_event("synchronize")).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    let comment = gh.marked_comments()[0].body.clone();
    for shown in [&ran.summary, &comment] {
        assert!(shown.contains("from"), "{shown}");
        assert!(!shown.contains("@acme"), "a live mention: {shown}");
        assert!(!shown.contains("https://evil"), "a live link: {shown}");
        assert!(!shown.contains("#12"), "a live reference: {shown}");
    }
}

#[test]
fn a_local_check_never_skips() {
    // `checkgate check` knows no author, draft flag or labels: a policy
    // whose every [[skip]] would match a pull request still judges the files.
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = format!("{POLICY}\n[[skip]]\ndraft = false\n[[skip]]\nbase = [\"**\"]\n");
    std::fs::write(dir.path().join("p.toml"), policy).expect("policy");
    std::fs::write(dir.path().join("READY.md"), FAILING).expect("checklist");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_checkgate"))
        .args(["check", "--policy", "p.toml"])
        .current_dir(dir.path())
        .output()
        .expect("run checkgate");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("Rollback plan tested"), "{stdout}");
}

// ---- events ------------------------------------------------------------

fn comment_event(on_pull: bool, login: &str, body: &str) -> Value {
    let mut issue = json!({ "number": 42 });
    if on_pull {
        issue["pull_request"] = json!({ "url": format!("https://api.github.com/repos/{OWNER}/{REPO}/pulls/42") });
    }
    json!({
        "action": "created",
        "issue": issue,
        "comment": { "user": { "login": login }, "body": body },
    })
}

#[tokio::test]
async fn a_comment_on_the_pull_request_judges_it_at_its_head_not_github_sha() {
    let gh = FakeGitHub::start().await;
    seed(&gh, POLICY, PASSING);
    let ran = run(&gh, "issue_comment", &comment_event(true, "alice", "looks good")).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    assert_eq!(conclusions(&gh), [on_head("success")]);
    assert!(!gh.read_at(DEFAULT_TIP, ".github/checkgate.toml"));
    gh.assert_valid();
}

#[tokio::test]
async fn a_comment_on_a_plain_issue_exits_0_with_a_notice_and_writes_nothing() {
    let gh = FakeGitHub::start().await;
    seed(&gh, POLICY, FAILING);
    let ran = run(&gh, "issue_comment", &comment_event(false, "alice", "hi")).await;
    assert_eq!(ran.exit, Exit::Pass);
    assert!(
        ran.out
            .contains("::notice title=checkgate::the comment is on issue #42, not a pull request: nothing to judge"),
        "{}",
        ran.out
    );
    assert_eq!(gh.request_lines(), Vec::<String>::new());
    assert_eq!(ran.outputs, "");
}

#[tokio::test]
async fn checkgates_own_comment_does_not_set_off_another_run() {
    let gh = FakeGitHub::start().await;
    seed(&gh, POLICY, FAILING);
    let body = format!("{MARKER}\n## checkgate: 1 open item");
    let ran = run(&gh, "issue_comment", &comment_event(true, BOT, &body)).await;
    assert_eq!(ran.exit, Exit::Pass);
    assert!(ran.out.contains("checkgate's own"), "{}", ran.out);
    assert_eq!(gh.request_lines(), Vec::<String>::new());
    // The marker in someone else's comment does not stop the run.
    let ran = run(&gh, "issue_comment", &comment_event(true, "mallory", &body)).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(conclusions(&gh), [on_head("failure")]);
}

fn workflow_run_event(pull_requests: Value) -> Value {
    json!({
        "action": "completed",
        "workflow_run": {
            "name": "checkgate-trigger",
            "event": "pull_request_review",
            "head_sha": HEAD,
            "pull_requests": pull_requests,
        },
    })
}

const SIGNOFF: &str = r#"
[[checklist]]
path = "READY.md"
[[checklist.require]]
section = "Must"
approved-by = ["alice"]
"#;

#[tokio::test]
async fn an_approval_turns_the_gate_green_and_a_dismissal_turns_it_red_again() {
    let gh = FakeGitHub::start().await;
    seed(&gh, SIGNOFF, PASSING);
    let listed = json!([{ "number": 42, "head": { "sha": HEAD }, "base": { "ref": "main" } }]);
    let ran = run(&gh, "workflow_run", &workflow_run_event(listed.clone())).await;
    assert_eq!(ran.exit, Exit::Fail);

    gh.add_review("alice", "APPROVED", HEAD);
    let ran = run(&gh, "workflow_run", &workflow_run_event(listed.clone())).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);

    gh.state().reviews[0].state = "DISMISSED".into();
    let ran = run(&gh, "workflow_run", &workflow_run_event(listed)).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(
        conclusions(&gh),
        [on_head("failure"), on_head("success"), on_head("failure")]
    );
    gh.assert_valid();
}

#[tokio::test]
async fn a_forks_workflow_run_lists_no_pull_request_and_is_found_from_its_commit() {
    let gh = FakeGitHub::start().await;
    seed(&gh, POLICY, PASSING);
    gh.update_pull(|p| p.head_ref = "patch-1".into());
    let ran = run(&gh, "workflow_run", &workflow_run_event(json!([]))).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    assert_eq!(conclusions(&gh), [on_head("success")]);
    let lines = gh.request_lines();
    assert!(lines[0].contains("PullsAt"), "{lines:#?}");
    gh.assert_valid();
}

#[tokio::test]
async fn check_run_status_and_deployment_status_judge_the_pull_request_the_commit_heads() {
    let events = [
        (
            "check_run",
            json!({"action": "completed", "check_run": {"name": "test", "head_sha": HEAD, "pull_requests": []}}),
        ),
        ("status", json!({"sha": HEAD, "context": "ci/test", "state": "success"})),
        (
            "deployment_status",
            json!({"deployment": {"sha": HEAD, "environment": "staging"}, "deployment_status": {"state": "success"}}),
        ),
    ];
    for (event, payload) in events {
        let gh = FakeGitHub::start().await;
        seed(&gh, POLICY, FAILING);
        let ran = run(&gh, event, &payload).await;
        assert_eq!(ran.exit, Exit::Fail, "{event}: {}", ran.err);
        assert_eq!(conclusions(&gh), [on_head("failure")], "{event}");
        gh.assert_valid();
    }
}

#[tokio::test]
async fn a_commit_that_heads_no_open_pull_request_exits_0_and_writes_nothing() {
    let gh = FakeGitHub::start().await;
    seed(&gh, POLICY, FAILING);
    // HEAD was the pull request's head once; it has moved on since.
    gh.update_pull(|p| {
        p.earlier_heads.push(HEAD.into());
        p.head_sha = "ffffffffffffffffffffffffffffffffffffffff".into();
    });
    let ran = run(&gh, "status", &json!({"sha": HEAD, "state": "success"})).await;
    assert_eq!(ran.exit, Exit::Pass);
    assert!(
        ran.out
            .contains(&format!("no open pull request has {HEAD} as its head")),
        "{}",
        ran.out
    );
    assert!(gh.state().check_runs.is_empty());
    assert!(gh.marked_comments().is_empty());
}

#[tokio::test]
async fn checkgates_own_check_run_does_not_set_off_another_run() {
    let gh = FakeGitHub::start().await;
    seed(&gh, POLICY, FAILING);
    let payload = json!({"action": "completed", "check_run": {"name": "checkgate", "head_sha": HEAD}});
    let ran = run(&gh, "check_run", &payload).await;
    assert_eq!(ran.exit, Exit::Pass);
    assert_eq!(gh.request_lines(), Vec::<String>::new());
}

#[tokio::test]
async fn a_closed_pull_requests_comment_judges_nothing() {
    let gh = FakeGitHub::start().await;
    seed(&gh, POLICY, FAILING);
    gh.update_pull(|p| p.state = "closed".into());
    let ran = run(&gh, "issue_comment", &comment_event(true, "alice", "late")).await;
    assert_eq!(ran.exit, Exit::Pass);
    assert!(gh.state().check_runs.is_empty());
}

// ---- policy source -----------------------------------------------------

#[tokio::test]
async fn a_pull_request_into_release_is_judged_by_releases_policy_not_the_default_branchs() {
    // `pull_request_target` runs main's workflow with GITHUB_SHA/GITHUB_REF
    // at main; main's policy would pass this pull request, release/1.x's fails it.
    let gh = FakeGitHub::start().await;
    seed(&gh, POLICY, FAILING);
    gh.update_pull(|p| p.base_ref = "release/1.x".into());
    gh.put_file(
        "main",
        ".github/checkgate.toml",
        "[[checklist]]\npath = \"NOTHING.md\"\nallow-empty = true\n[[checklist.require]]\nall = true\n",
    );
    let mut payload = pr_event("edited");
    payload["pull_request"]["base"]["ref"] = json!("release/1.x");
    let ran = run(&gh, "pull_request_target", &payload).await;
    assert_eq!(ran.exit, Exit::Fail, "{}", ran.err);
    assert_eq!(conclusions(&gh), [on_head("failure")]);
    assert!(gh.read_at(BASE, ".github/checkgate.toml"));
    assert!(!gh.read_at("main", ".github/checkgate.toml"));
    assert!(!gh.read_at(DEFAULT_TIP, ".github/checkgate.toml"));
}

#[tokio::test]
async fn no_event_picks_the_policy_by_github_sha_or_github_ref() {
    // GITHUB_SHA names a commit whose policy passes everything; every
    // pull request event must read the policy at the base tip instead.
    let comment = comment_event(true, "alice", "ok");
    let listed = workflow_run_event(json!([{ "number": 42 }]));
    let events: [(&str, Value); 8] = [
        ("pull_request_target", pr_event("synchronize")),
        ("pull_request", pr_event("synchronize")),
        ("pull_request_review", pr_event("submitted")),
        ("issue_comment", comment),
        ("workflow_run", listed),
        (
            "check_run",
            json!({"check_run": {"name": "test", "head_sha": HEAD, "pull_requests": []}}),
        ),
        ("status", json!({"sha": HEAD})),
        ("deployment_status", json!({"deployment": {"sha": HEAD}})),
    ];
    for (event, payload) in events {
        let gh = FakeGitHub::start().await;
        seed(&gh, POLICY, FAILING);
        let ran = run(&gh, event, &payload).await;
        assert_eq!(ran.exit, Exit::Fail, "{event}: {}", ran.err);
        assert_eq!(conclusions(&gh), [on_head("failure")], "{event}");
        assert!(!gh.read_at(DEFAULT_TIP, ".github/checkgate.toml"), "{event}");
        assert!(
            gh.request_lines().iter().all(|l| !l.contains(DEFAULT_TIP)),
            "{event}: {:#?}",
            gh.request_lines()
        );
    }
}

// ---- where the workflow comes from -------------------------------------

#[tokio::test]
async fn an_organization_rulesets_required_workflow_is_not_the_pull_requests() {
    for (workflow_ref, finding) in [
        // A ruleset's required workflow, pinned in the organization's repository.
        ("acme/.github/.github/workflows/checkgate.yml@refs/heads/main", false),
        // The repository's own file, which a `pull_request` run takes from the pull request.
        (
            &*format!("{OWNER}/{REPO}/.github/workflows/checkgate.yml@refs/pull/42/merge"),
            true,
        ),
    ] {
        let gh = FakeGitHub::start().await;
        seed(&gh, POLICY, PASSING);
        gh.set_changed_files(vec![support::ChangedFile::modified(".github/workflows/ci.yml")]);
        let dir = tempfile::tempdir().expect("temp dir");
        let mut env = support::action_env(&gh, dir.path(), "pull_request", &pr_event("opened"), DEFAULT_TIP);
        env.workflow_ref = Some(workflow_ref.to_string());
        let ran = run_env(&env, dir.path()).await;
        assert_eq!(
            ran.summary.contains("workflow unchanged by the pull request"),
            finding,
            "{workflow_ref}: {}",
            ran.summary
        );
        assert_eq!(
            ran.exit,
            if finding { Exit::Fail } else { Exit::Pass },
            "{workflow_ref}"
        );
        // The policy still comes from the target repository's base.
        assert!(gh.read_at(BASE, ".github/checkgate.toml"));
    }
}

#[tokio::test]
async fn a_pull_request_review_run_may_be_the_pull_requests_own_workflow() {
    let gh = FakeGitHub::start().await;
    seed(&gh, POLICY, PASSING);
    gh.set_changed_files(vec![support::ChangedFile::modified(".github/workflows/trigger.yml")]);
    let ran = run(&gh, "pull_request_review", &pr_event("submitted")).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert!(
        ran.summary
            .contains("GitHub runs \\`pull\\_request\\_review\\` workflows from the pull request itself"),
        "{}",
        ran.summary
    );
}

// ---- cost ----------------------------------------------------------------

/// docs/action.md ("Per hour") counts a steady-state run (checkgate's
/// comment already there) in REST requests, the budget GITHUB_TOKEN has
/// 1,000 of per hour per repository, and an event that names a commit or a
/// comment one GraphQL request more.
#[tokio::test]
async fn a_steady_state_run_costs_four_rest_requests_and_a_resolved_event_one_graphql_more() {
    let gh = FakeGitHub::start().await;
    seed(&gh, POLICY, PASSING);
    run(&gh, "pull_request_target", &pr_event("edited")).await;
    let split = |gh: &FakeGitHub, from: usize| {
        let lines = gh.request_lines()[from..].to_vec();
        let (graphql, rest): (Vec<String>, Vec<String>) = lines.into_iter().partition(|l| l.contains("/graphql"));
        (graphql, rest)
    };
    let before = gh.request_lines().len();
    let ran = run(&gh, "pull_request_target", &pr_event("edited")).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    let (graphql, rest) = split(&gh, before);
    assert_eq!(rest.len(), 4, "{rest:#?}");
    assert_eq!(graphql.len(), 2, "{graphql:#?}");

    let before = gh.request_lines().len();
    run(&gh, "issue_comment", &comment_event(true, "alice", "ok")).await;
    let (graphql, rest) = split(&gh, before);
    assert_eq!((graphql.len(), rest.len()), (3, 4), "{graphql:#?} {rest:#?}");
    let before = gh.request_lines().len();
    run(&gh, "status", &json!({"sha": HEAD})).await;
    let (graphql, rest) = split(&gh, before);
    assert_eq!((graphql.len(), rest.len()), (3, 4), "{graphql:#?} {rest:#?}");
}
