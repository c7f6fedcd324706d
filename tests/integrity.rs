//! Gate integrity: each test is an attempt by a pull request to weaken its
//! own gate, made against the local GitHub API of tests/support, and shows
//! the attempt failing with a message that says why.

mod support;

use std::path::PathBuf;

use checkgate::action::{self, ActionArgs};
use checkgate::cli::Exit;
use checkgate::github::RetryPolicy;
use serde_json::{Value, json};
use support::{BOT, ChangedFile, FakeGitHub, OWNER, Pull, REPO, Scripted};

const HEAD: &str = "1111111111111111111111111111111111111111";
const BASE: &str = "2222222222222222222222222222222222222222";
const POLICY_PATH: &str = ".github/checkgate.toml";
const PR: u64 = 7;

const POLICY: &str = r#"
[[checklist]]
path = "READY.md"
[[checklist.require]]
section = "Must"
[[checklist.require]]
item = "Rollback plan tested"
"#;

const BASE_LIST: &str = "# Ready\n## Must\n- [x] Tests pass\n- [ ] Rollback plan tested\n- [ ] Runbook written\n";

/// One run of the action, with what it left behind.
struct Ran {
    exit: Exit,
    out: String,
    err: String,
    summary: String,
    report: Value,
}

impl Ran {
    fn comment_and_summary(&self) -> String {
        format!("{}\n{}", self.out, self.summary)
    }

    /// The requirement reports of the first checklist, as (code, message).
    fn findings(&self) -> Vec<(String, String)> {
        self.report["checklists"][0]["requirements"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["code"].as_str().unwrap_or_default().to_string(),
                    r["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }
}

/// A repository whose base has `POLICY` and `BASE_LIST`, and pull request 7
/// from HEAD onto BASE changing READY.md to `head_list`.
fn repo(gh: &FakeGitHub, head_list: &str) {
    gh.put_file(BASE, POLICY_PATH, POLICY);
    gh.put_file(BASE, "READY.md", BASE_LIST);
    gh.put_file(HEAD, POLICY_PATH, POLICY);
    gh.put_file(HEAD, "READY.md", head_list);
    gh.set_pull(Pull::new(PR, HEAD, BASE));
    gh.set_changed_files(vec![ChangedFile::modified("READY.md")]);
}

fn payload(head: &str, body: Option<&str>) -> Value {
    json!({
        "action": "synchronize",
        "number": PR,
        "pull_request": {
            "number": PR,
            "body": body,
            "head": { "sha": head, "ref": "feature" },
            "base": { "sha": BASE, "ref": "main" },
        },
        "repository": { "default_branch": "main" },
    })
}

fn args() -> ActionArgs {
    ActionArgs {
        policy: PathBuf::from(POLICY_PATH),
        ..support::action_args()
    }
}

async fn run_event(gh: &FakeGitHub, event: &str, payload: &Value) -> Ran {
    run_with_args(gh, event, payload, &args()).await
}

async fn run_with_args(gh: &FakeGitHub, event: &str, payload: &Value, args: &ActionArgs) -> Ran {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = support::action_env(gh, dir.path(), event, payload, HEAD);
    let retry = RetryPolicy {
        time_scale: 0.0,
        ..RetryPolicy::default()
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let exit = action::run_with(args, &env, retry, &mut out, &mut err).await;
    let outputs = std::fs::read_to_string(dir.path().join("output")).unwrap_or_default();
    let report = outputs
        .split_once("report<<")
        .and_then(|(_, rest)| {
            let (delimiter, body) = rest.split_once('\n')?;
            Some(body.split(&format!("\n{delimiter}")).next()?.to_string())
        })
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or(Value::Null);
    gh.assert_valid();
    Ran {
        exit,
        out: String::from_utf8(out).expect("utf-8"),
        err: String::from_utf8(err).expect("utf-8"),
        summary: std::fs::read_to_string(dir.path().join("summary.md")).unwrap_or_default(),
        report,
    }
}

async fn run(gh: &FakeGitHub) -> Ran {
    run_event(gh, "pull_request", &payload(HEAD, None)).await
}

// 1. The policy comes from the base ------------------------------------------

#[tokio::test]
async fn a_pull_request_that_loosens_the_policy_is_judged_by_the_base_policy() {
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    // The attack: drop every requirement in the pull request's own policy.
    gh.put_file(
        HEAD,
        POLICY_PATH,
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nall = true\nlevel = \"warn\"\n",
    );
    gh.set_changed_files(vec![ChangedFile::modified(POLICY_PATH)]);
    let ran = run(&gh).await;

    assert_eq!(ran.exit, Exit::Fail, "{}", ran.err);
    assert!(
        gh.read_at(BASE, POLICY_PATH),
        "the policy is read at the base: {:?}",
        gh.request_lines()
    );
    assert!(!gh.read_at(HEAD, POLICY_PATH), "the head's policy is never read");
    let comment = &gh.marked_comments()[0].body;
    assert!(
        comment.contains("this pull request changes the policy .github/checkgate.toml; it was judged by the base's policy, and the change applies after merge"),
        "{comment}"
    );
}

#[tokio::test]
async fn the_pull_request_that_adds_the_first_policy_passes_with_a_note() {
    let gh = FakeGitHub::start().await;
    gh.put_file(HEAD, POLICY_PATH, POLICY);
    gh.put_file(HEAD, "READY.md", BASE_LIST);
    gh.set_pull(Pull::new(PR, HEAD, BASE));
    gh.set_changed_files(vec![ChangedFile::added(POLICY_PATH)]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    assert!(
        ran.summary
            .contains("this pull request adds the policy .github/checkgate.toml; it takes effect after merge"),
        "{}",
        ran.summary
    );
}

#[tokio::test]
async fn a_base_without_a_policy_is_an_error_not_a_pass() {
    let gh = FakeGitHub::start().await;
    gh.put_file(HEAD, POLICY_PATH, POLICY);
    gh.put_file(HEAD, "READY.md", BASE_LIST);
    gh.set_pull(Pull::new(PR, HEAD, BASE));
    gh.set_changed_files(vec![ChangedFile::modified("READY.md")]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error);
    assert!(
        ran.err.contains(&format!(
            ".github/checkgate.toml: no policy at {BASE}. checkgate reads the policy from the pull request's base"
        )),
        "{}",
        ran.err
    );
}

#[tokio::test]
async fn the_workspace_is_never_read() {
    // A checkout of the pull request (or anything else in the current
    // directory) cannot stand in for what GitHub serves.
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join(".github")).expect("mkdir");
    std::fs::write(
        dir.path().join(POLICY_PATH),
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nall = true\nlevel = \"warn\"\n",
    )
    .expect("write");
    let cwd = std::env::current_dir().expect("cwd");
    assert_ne!(cwd, dir.path());
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert!(gh.read_at(HEAD, "READY.md"));
}

// 2. Tamper detection against the base ----------------------------------------

#[tokio::test]
async fn deleting_an_open_required_item_fails_and_names_its_base_line() {
    let gh = FakeGitHub::start().await;
    // Runbook written (open, line 5 at the base) is quietly deleted.
    repo(&gh, "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n");
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    let removed = ran.report["checklists"][0]["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .find(|r| r["code"] == "item-removed")
        .cloned()
        .unwrap_or_else(|| panic!("no item-removed finding: {:#}", ran.report));
    assert_eq!(removed["open"][0]["line"], 5);
    assert_eq!(removed["open"][0]["text"], "Runbook written");
    assert_eq!(removed["level"], "deny");
    assert!(ran.summary.contains("Runbook written"), "{}", ran.summary);
}

#[tokio::test]
async fn rewording_a_required_item_is_the_same_as_deleting_it() {
    let gh = FakeGitHub::start().await;
    repo(
        &gh,
        "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n- [x] Runbook written (maybe later)\n",
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert!(
        ran.findings().iter().any(|(code, _)| code == "item-removed"),
        "{:?}",
        ran.findings()
    );
}

#[tokio::test]
async fn removing_the_required_section_fails() {
    let gh = FakeGitHub::start().await;
    repo(&gh, "# Ready\n## Later\n- [x] Tests pass\n- [x] Rollback plan tested\n");
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    let codes: Vec<String> = ran.findings().into_iter().map(|(c, _)| c).collect();
    assert!(codes.contains(&"section-not-found".to_string()), "{codes:?}");
    assert!(codes.contains(&"section-removed".to_string()), "{codes:?}");
}

#[tokio::test]
async fn unticking_a_box_ticked_at_the_base_is_reported_at_the_configured_level() {
    let gh = FakeGitHub::start().await;
    let head = "# Ready\n## Must\n- [ ] Tests pass\n- [x] Rollback plan tested\n- [x] Runbook written\n";
    repo(&gh, head);
    let ran = run(&gh).await;
    // Must now fails anyway (Tests pass is open); the untick is named too, at
    // the default level, warn.
    let untick = ran.report["checklists"][0]["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .find(|r| r["code"] == "item-unticked")
        .cloned()
        .unwrap_or_else(|| panic!("no item-unticked finding: {:#}", ran.report));
    assert_eq!(untick["level"], "warn");
    assert_eq!(untick["open"][0]["text"], "Tests pass");

    // `untick = "deny"` makes it fail the gate on its own, even for an item
    // no requirement covers.
    let gh = FakeGitHub::start().await;
    repo(
        &gh,
        "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n- [x] Runbook written\n## Extra\n- [ ] Demo\n",
    );
    gh.put_file(
        BASE,
        POLICY_PATH,
        &format!("{POLICY}\n[[checklist]]\npath = \"READY.md\"\nuntick = \"deny\"\n"),
    );
    gh.put_file(BASE, "READY.md", &format!("{BASE_LIST}## Extra\n- [x] Demo\n"));
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    let denied: Vec<Value> = ran.report["checklists"]
        .as_array()
        .expect("checklists")
        .iter()
        .flat_map(|c| c["requirements"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["code"] == "item-unticked" && r["level"] == "deny")
        .collect();
    assert_eq!(denied.len(), 1, "{:#}", ran.report);
}

#[tokio::test]
async fn deleting_the_checklist_file_fails_with_that_message() {
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    gh.delete_file(HEAD, "READY.md");
    gh.set_changed_files(vec![ChangedFile::removed("READY.md")]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(
        ran.findings(),
        [(
            "checklist-missing".to_string(),
            "checklist READY.md not found at the head: this pull request deletes or renames it (it exists at the base)"
                .to_string()
        )]
    );
}

#[tokio::test]
async fn renaming_the_checklist_file_fails_with_that_message() {
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    gh.delete_file(HEAD, "READY.md");
    gh.put_file(HEAD, "OLD-READY.md", BASE_LIST);
    gh.set_changed_files(vec![ChangedFile::renamed("READY.md", "OLD-READY.md")]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert!(
        ran.findings()[0].1.contains("this pull request deletes or renames it"),
        "{:?}",
        ran.findings()
    );
}

// 3. The pull request description, read fresh ---------------------------------

const BODY_POLICY: &str = "[[checklist]]\nsource = \"pr-body\"\n[[checklist.require]]\nitem = \"I tested this\"\n";

#[tokio::test]
async fn a_rerun_sees_the_description_as_it_is_now_not_the_event_payload() {
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    gh.put_file(BASE, POLICY_PATH, BODY_POLICY);
    // The event was sent when the box was ticked; the author has since unticked it.
    gh.update_pull(|p| p.body = Some("## Checklist\r\n- [ ] I tested this\r\n".into()));
    let stale = payload(HEAD, Some("## Checklist\n- [x] I tested this\n"));
    let ran = run_event(&gh, "pull_request", &stale).await;
    assert_eq!(ran.exit, Exit::Fail, "the stale payload's tick does not count");

    // And the other way round: ticked now, unticked in the payload (CRLF).
    gh.update_pull(|p| p.body = Some("## Checklist\r\n- [x] I tested this\r\n".into()));
    let stale = payload(HEAD, Some("## Checklist\n- [ ] I tested this\n"));
    let ran = run_event(&gh, "pull_request", &stale).await;
    assert_eq!(ran.exit, Exit::Pass, "{:#}", ran.report);
}

#[tokio::test]
async fn a_null_description_is_an_empty_checklist() {
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    gh.put_file(BASE, POLICY_PATH, BODY_POLICY);
    gh.update_pull(|p| p.body = None);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(ran.findings()[0].0, "item-not-found");
}

#[tokio::test]
async fn a_run_for_an_old_commit_judges_nothing_and_completes_its_check_run_as_superseded() {
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    let old = "3333333333333333333333333333333333333333";
    gh.put_file(
        old,
        "READY.md",
        "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n- [x] Runbook written\n",
    );
    // The event names an old commit whose checklist passes; the pull request
    // has moved on to HEAD, which does not.
    // Issue 20 §2: its check run (created `in_progress` at the start) is
    // completed as superseded, not success, and nothing else is written.
    let ran = run_event(&gh, "pull_request", &payload(old, None)).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    let runs = gh.state().check_runs.clone();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].created["head_sha"], old);
    assert_eq!(runs[0].created["conclusion"], "cancelled");
    assert_eq!(
        runs[0].created["output"]["title"],
        "superseded: a newer run judges 1111111"
    );
    assert!(gh.marked_comments().is_empty());
    assert!(
        ran.out.contains(
            "::notice title=checkgate::the pull request moved on to 1111111 after this run's event (for 3333333): nothing is judged for 3333333, and a newer run judges 1111111"
        ),
        "{}",
        ran.out
    );
}

// 4. Conditional requirements ----------------------------------------------------

const MIGRATION_POLICY: &str = r#"
[[checklist]]
path = "READY.md"
[[checklist.require]]
section = "Must"
when-changed = ["migrations/**", "src/db/**"]
"#;

#[tokio::test]
async fn when_changed_applies_a_rule_only_when_matching_files_change() {
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    gh.put_file(BASE, POLICY_PATH, MIGRATION_POLICY);
    gh.set_changed_files(vec![ChangedFile::modified("README.md")]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{:#}", ran.report);
    assert!(
        ran.summary.contains("no changed file matches when-changed"),
        "{}",
        ran.summary
    );

    gh.set_changed_files(vec![
        ChangedFile::modified("README.md"),
        ChangedFile::added("migrations/0042_add_index.sql"),
    ]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail, "{:#}", ran.report);
}

#[tokio::test]
async fn past_githubs_3000_file_limit_the_rule_is_applied_and_the_report_says_so() {
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    gh.put_file(BASE, POLICY_PATH, MIGRATION_POLICY);
    // 3,500 changed files; the migration is beyond what GitHub lists.
    let mut files: Vec<ChangedFile> = (0..3_499)
        .map(|i| ChangedFile::modified(&format!("docs/page{i}.md")))
        .collect();
    files.push(ChangedFile::added("migrations/0042.sql"));
    gh.set_changed_files(files);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail, "{:#}", ran.report);
    assert!(
        ran.report["notes"][0]
            .as_str()
            .unwrap_or_default()
            .starts_with("this pull request changes more than GitHub lists (3000 files)"),
        "{:#}",
        ran.report
    );
    assert!(ran.summary.contains("more than GitHub lists"), "{}", ran.summary);
    let pages = gh.request_lines().iter().filter(|l| l.contains("/files?")).count();
    assert_eq!(pages, 30, "paginated to the limit, no further");
}

// 5. Waivers that leave a trace ---------------------------------------------------

#[tokio::test]
async fn waivers_need_a_reason_and_are_listed_where_reviewers_see_them() {
    let gh = FakeGitHub::start().await;
    repo(
        &gh,
        "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n- [x] ~~Runbook written~~ N/A: no new service\n",
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{:#}", ran.report);
    assert_eq!(ran.report["checklists"][0]["waived"][0]["reason"], "no new service");
    let comment = &gh.marked_comments()[0].body;
    assert!(comment.contains("no new service"), "{comment}");

    // No reason: the waiver is an open item.
    let gh = FakeGitHub::start().await;
    repo(
        &gh,
        "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n- [x] ~~Runbook written~~ N/A\n",
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert!(
        ran.comment_and_summary().contains("waived without a reason"),
        "{}",
        ran.summary
    );
}

#[tokio::test]
async fn waivable_false_forbids_waivers() {
    let gh = FakeGitHub::start().await;
    repo(
        &gh,
        "# Ready\n## Must\n- [x] Tests pass\n- [x] ~~Rollback plan tested~~ N/A: trust me\n- [x] Runbook written\n",
    );
    gh.put_file(
        BASE,
        POLICY_PATH,
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nitem = \"Rollback plan tested\"\nwaivable = false\n",
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(ran.findings()[0].0, "waiver-forbidden");
}

// 6. Sign-offs that mean something ------------------------------------------------

const SIGNOFF_POLICY: &str = r#"
[[checklist]]
path = "READY.md"
[[checklist.require]]
item = "Security review"
approved-by = ["@acme/security", "alice"]
"#;

/// The author ticked the sign-off box themselves.
const TICKED: &str = "# Ready\n## Sign-off\n- [x] Security review\n";

async fn signoff_case(gh: &FakeGitHub) {
    repo(gh, TICKED);
    gh.put_file(BASE, "READY.md", TICKED);
    gh.put_file(BASE, POLICY_PATH, SIGNOFF_POLICY);
    gh.add_team_member("acme", "security", "carol");
}

#[tokio::test]
async fn ticking_a_sign_off_box_is_not_a_sign_off() {
    let gh = FakeGitHub::start().await;
    signoff_case(&gh).await;
    gh.add_review("bob", "APPROVED", HEAD); // not authorised
    gh.add_review("alice", "APPROVED", "4444444444444444444444444444444444444444"); // an older commit
    gh.add_review("carol", "APPROVED", HEAD);
    gh.add_review("carol", "DISMISSED", HEAD); // dismissed
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(
        ran.findings(),
        [(
            "signoff-missing".to_string(),
            "needs an approving review from one of: @acme/security, alice".to_string()
        )]
    );
    // The reviews come with the pull request, in round one's query.
    assert!(gh.request_lines().iter().any(|l| l.ends_with(" PullRead")));
}

#[tokio::test]
async fn an_approval_of_the_head_by_a_team_member_signs_off_and_is_named() {
    let gh = FakeGitHub::start().await;
    signoff_case(&gh).await;
    gh.add_review("carol", "APPROVED", HEAD);
    gh.add_review("bob", "APPROVED", HEAD);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{:#}", ran.report);
    assert_eq!(ran.findings()[0].1, "signed off by @carol");
    assert!(
        gh.request_lines()
            .contains(&"GET /orgs/acme/teams/security/memberships/carol".to_string()),
        "{:?}",
        gh.request_lines()
    );
}

#[tokio::test]
async fn an_approval_by_a_named_user_signs_off() {
    let gh = FakeGitHub::start().await;
    signoff_case(&gh).await;
    gh.add_review("alice", "APPROVED", HEAD);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{:#}", ran.report);
    assert_eq!(ran.findings()[0].1, "signed off by @alice");
}

#[tokio::test]
async fn a_token_that_cannot_read_teams_is_an_error_with_a_fix_not_a_verdict() {
    let gh = FakeGitHub::start().await;
    signoff_case(&gh).await;
    gh.add_review("carol", "APPROVED", HEAD);
    gh.state().teams_forbidden = true;
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error);
    assert!(
        ran.err.contains("cannot read the members of team @acme/security"),
        "{}",
        ran.err
    );
    assert!(ran.err.contains("Members: read"), "{}", ran.err);
}

// 7. Merge queue ------------------------------------------------------------------

#[tokio::test]
async fn a_merge_group_is_judged_at_its_head_with_the_base_policy() {
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    let group = "5555555555555555555555555555555555555555";
    // The group's head drops the open item the pull request had.
    gh.put_file(
        group,
        "READY.md",
        "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n",
    );
    gh.put_file(
        group,
        POLICY_PATH,
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nall = true\nlevel = \"warn\"\n",
    );
    let event = json!({"action": "checks_requested", "merge_group": {
        "head_sha": group, "base_sha": BASE,
        "head_ref": format!("refs/heads/gh-readonly-queue/main/pr-{PR}-{HEAD}")}});
    let ran = run_event(&gh, "merge_group", &event).await;
    assert_eq!(ran.exit, Exit::Fail, "{:#}", ran.report);
    assert!(
        ran.findings().iter().any(|(c, _)| c == "item-removed"),
        "{:?}",
        ran.findings()
    );
    let runs = gh.state().check_runs.clone();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].created["head_sha"], group);
    assert_eq!(runs[0].created["status"], "completed");
    assert_eq!(runs[0].created["conclusion"], "failure");
    assert!(gh.marked_comments().is_empty(), "no comment on a merge group");
}

// 8. Concurrency ------------------------------------------------------------------

#[tokio::test]
async fn two_simultaneous_runs_leave_exactly_one_comment() {
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    let mallory = gh.add_comment("mallory", "<!-- checkgate -->\nfake all-clear");
    // Hold both first listings (round one's query) back so each run sees no
    // comment of its own and creates one.
    for _ in 0..2 {
        gh.script(Scripted::graphql_view("PullRead", |_| {}).delayed(200));
    }
    let (a, b) = tokio::join!(run(&gh), run(&gh));
    assert_eq!((a.exit, b.exit), (Exit::Fail, Exit::Fail), "{}\n{}", a.err, b.err);

    let ours: Vec<_> = gh.state().comments.iter().filter(|c| c.login == BOT).cloned().collect();
    assert_eq!(ours.len(), 1, "{ours:#?}");
    assert!(ours[0].body.contains("Runbook written"), "{}", ours[0].body);
    let posts = gh
        .request_lines()
        .iter()
        .filter(|l| l.starts_with("POST") && l.ends_with("/comments"))
        .count();
    assert_eq!(posts, 2, "both runs did create one: the race happened");
    let theirs = gh.state().comments.iter().find(|c| c.id == mallory).cloned();
    assert_eq!(
        theirs.map(|c| c.body),
        Some("<!-- checkgate -->\nfake all-clear".to_string())
    );
}

#[tokio::test]
async fn a_run_for_a_superseded_head_does_not_overwrite_the_newer_verdict() {
    let gh = FakeGitHub::start().await;
    repo(
        &gh,
        "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n- [x] Runbook written\n",
    );
    // The run for the new head finishes first: the gate passes.
    let newer = run(&gh).await;
    assert_eq!(newer.exit, Exit::Pass);
    let comment = gh.marked_comments()[0].clone();

    // A slow run that read the pull request before the push (its first read
    // still saw the old head, whose checklist fails) finishes last. Round
    // one's answer is computed from the state before the push.
    let old = "6666666666666666666666666666666666666666";
    gh.put_file(old, "READY.md", BASE_LIST);
    let stale = old.to_string();
    gh.script(Scripted::graphql_view("PullRead", move |s| {
        if let Some(p) = s.pull.as_mut() {
            p.head_sha = stale.clone();
        }
    }));
    let ran = run_event(&gh, "pull_request", &payload(old, None)).await;
    assert_eq!(ran.exit, Exit::Fail, "its own commit still fails");
    assert!(
        ran.out
            .contains("::notice title=checkgate::the pull request moved on to"),
        "{}",
        ran.out
    );

    let now = gh.marked_comments();
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].body, comment.body, "the newer head's verdict stays");
    assert!(now[0].body.contains(&format!("<!-- checkgate:head {HEAD} -->")));
}

// 9. The pull request edits its own workflow (issue 8 §1.1) -------------------------

/// A head checklist with every required item ticked: only the workflow change
/// can fail the gate.
const DONE_LIST: &str = "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n- [x] Runbook written\n";

const WORKFLOW: &str = ".github/workflows/checkgate.yml";

fn workflow_message(changed: &str, own: bool) -> String {
    let own = if own {
        format!(" (including {WORKFLOW}, the workflow running checkgate)")
    } else {
        String::new()
    };
    format!(
        "this pull request changes {changed}{own}, and GitHub runs `pull_request` workflows from the pull request \
         itself: the checkgate step that judged it, and its inputs, may be the author's. A maintainer should review \
         the workflow change before merging; to keep the gate trustworthy for such pull requests, run checkgate on \
         `pull_request_target`, which always runs the default branch's workflow"
    )
}

#[tokio::test]
async fn a_pull_request_that_edits_its_own_workflow_fails_with_workflow_changed() {
    let gh = FakeGitHub::start().await;
    repo(&gh, DONE_LIST);
    gh.set_changed_files(vec![ChangedFile::modified("READY.md"), ChangedFile::modified(WORKFLOW)]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail, "{}", ran.err);
    assert_eq!(
        ran.findings(),
        [("workflow-changed".to_string(), workflow_message(WORKFLOW, true))]
    );
    assert_eq!(ran.report["checklists"][0]["path"], WORKFLOW);
    assert_eq!(gh.state().check_runs[0].created["conclusion"], "failure");
    assert!(ran.out.contains(&format!("::error file={WORKFLOW},title=checkgate%3A workflow unchanged by the pull request::this pull request changes")), "{}", ran.out);
}

#[tokio::test]
async fn fail_false_from_an_edited_workflow_is_ignored_with_a_warning() {
    let gh = FakeGitHub::start().await;
    repo(&gh, DONE_LIST);
    gh.set_changed_files(vec![ChangedFile::modified(WORKFLOW)]);
    let mut args = args();
    args.fail = false;
    let ran = run_with_args(&gh, "pull_request", &payload(HEAD, None), &args).await;
    assert_eq!(ran.exit, Exit::Fail, "{}", ran.err);
    assert!(
        ran.out.contains(
            "::warning title=checkgate::the `fail: false` input is ignored: this pull request changes a workflow, so \
             the input may be the author's; the step fails with the gate (see the workflow-changed finding)\n"
        ),
        "{}",
        ran.out
    );
    assert_eq!(gh.state().check_runs[0].created["conclusion"], "failure");
}

#[tokio::test]
async fn local_actions_renames_and_deletions_of_workflows_count_as_workflow_changes() {
    for (changed, named) in [
        (
            ChangedFile::modified(".github/actions/setup/action.yml"),
            ".github/actions/setup/action.yml",
        ),
        (
            ChangedFile::modified("tools/gate/action.yaml"),
            "tools/gate/action.yaml",
        ),
        (
            ChangedFile::removed(".github/workflows/other.yml"),
            ".github/workflows/other.yml",
        ),
        // Renamed away: the old name is a workflow.
        (
            ChangedFile::renamed(".github/workflows/ci.yml", "docs/ci.yml.txt"),
            ".github/workflows/ci.yml",
        ),
        (ChangedFile::added(".GitHub/Workflows/x.yml"), ".GitHub/Workflows/x.yml"),
    ] {
        let gh = FakeGitHub::start().await;
        repo(&gh, DONE_LIST);
        gh.set_changed_files(vec![changed]);
        let ran = run(&gh).await;
        assert_eq!(ran.exit, Exit::Fail, "{named}: {}", ran.err);
        assert_eq!(
            ran.findings(),
            [("workflow-changed".to_string(), workflow_message(named, false))],
            "{named}"
        );
    }
}

#[tokio::test]
async fn the_base_policy_sets_the_workflow_changed_level_and_may_make_the_check_neutral() {
    let gh = FakeGitHub::start().await;
    repo(&gh, DONE_LIST);
    gh.put_file(
        BASE,
        POLICY_PATH,
        &format!("[action]\nworkflow-changed = \"warn\"\n{POLICY}"),
    );
    gh.set_changed_files(vec![ChangedFile::modified(WORKFLOW)]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    assert_eq!(ran.report["checklists"][0]["requirements"][0]["level"], "warn");
    assert_eq!(gh.state().check_runs[0].created["conclusion"], "success");

    // report-only at the base: a failing gate concludes neutral; the head's
    // copy of the policy saying so would change nothing.
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    gh.put_file(BASE, POLICY_PATH, &format!("[action]\nreport-only = true\n{POLICY}"));
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail, "the `fail` input still decides the exit code");
    assert_eq!(gh.state().check_runs[0].created["conclusion"], "neutral");

    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    gh.put_file(HEAD, POLICY_PATH, &format!("[action]\nreport-only = true\n{POLICY}"));
    gh.set_changed_files(vec![ChangedFile::modified(POLICY_PATH)]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(gh.state().check_runs[0].created["conclusion"], "failure");
}

#[tokio::test]
async fn pull_request_target_runs_the_base_workflow_so_a_workflow_change_is_not_flagged() {
    let gh = FakeGitHub::start().await;
    repo(&gh, DONE_LIST);
    gh.set_changed_files(vec![ChangedFile::modified(WORKFLOW)]);
    let ran = run_event(&gh, "pull_request_target", &payload(HEAD, None)).await;
    assert_eq!(ran.exit, Exit::Pass, "{:#}", ran.report);
}

#[tokio::test]
async fn a_merge_group_whose_pull_request_edits_a_workflow_is_flagged() {
    let gh = FakeGitHub::start().await;
    repo(&gh, DONE_LIST);
    let group = "5555555555555555555555555555555555555555";
    gh.put_file(group, "READY.md", DONE_LIST);
    gh.set_changed_files(vec![ChangedFile::modified(WORKFLOW)]);
    let event = json!({"action": "checks_requested", "merge_group": {
        "head_sha": group, "base_sha": BASE,
        "head_ref": format!("refs/heads/gh-readonly-queue/main/pr-{PR}-{HEAD}")}});
    let ran = run_event(&gh, "merge_group", &event).await;
    assert_eq!(ran.exit, Exit::Fail, "{:#}", ran.report);
    let (code, message) = &ran.findings()[0];
    assert_eq!(code, "workflow-changed");
    assert!(
        message.contains(
            "GitHub runs `merge_group` workflows from the merge group's head, which includes this pull request"
        ),
        "{message}"
    );
}

/// Issue 8 §1.1: with `policy:` pointed at a file the pull request adds, the
/// base had "no policy", and the first-policy exemption passed the gate.
#[tokio::test]
async fn pointing_the_policy_input_at_a_new_file_does_not_escape_the_default_policy() {
    let gh = FakeGitHub::start().await;
    repo(&gh, BASE_LIST);
    gh.put_file(HEAD, "ci/lenient.toml", "[[checklist]]\npath = \"READY.md\"\n");
    gh.set_changed_files(vec![ChangedFile::added("ci/lenient.toml")]);
    let mut args = args();
    args.policy = PathBuf::from("ci/lenient.toml");
    let ran = run_with_args(&gh, "pull_request", &payload(HEAD, None), &args).await;
    assert_eq!(ran.exit, Exit::Fail, "{}", ran.err);
    assert!(
        ran.summary.contains(
            "the base has no policy at ci/lenient.toml \\(the \\`policy\\` input\\) but has .github/checkgate.toml; judged by that one"
        ),
        "{}",
        ran.summary
    );
    assert_eq!(ran.findings()[0].0, "open-item");
}

#[tokio::test]
async fn adding_the_first_policy_does_not_excuse_a_workflow_change() {
    let gh = FakeGitHub::start().await;
    gh.put_file(HEAD, POLICY_PATH, POLICY);
    gh.put_file(HEAD, "READY.md", BASE_LIST);
    gh.set_pull(Pull::new(PR, HEAD, BASE));
    gh.set_changed_files(vec![ChangedFile::added(POLICY_PATH), ChangedFile::added(WORKFLOW)]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail, "{}", ran.err);
    assert_eq!(ran.findings()[0].0, "workflow-changed");
}

// 10. Stale branches (issue 8 §1.3) -------------------------------------------------

const MERGE_BASE: &str = "3333333333333333333333333333333333333333";

/// The checklist when the branch was made: everything required was done.
const OLD_LIST: &str = "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n";

/// The base branch since then: a new open required item.
const TIP_LIST: &str = "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n- [ ] Security review\n";

/// Pull request 7 branched at MERGE_BASE; the base branch has since moved
/// on to BASE, whose checklist is `TIP_LIST`.
fn stale_repo(gh: &FakeGitHub, head_list: &str, changed: Vec<ChangedFile>) {
    gh.put_file(MERGE_BASE, POLICY_PATH, POLICY);
    gh.put_file(MERGE_BASE, "READY.md", OLD_LIST);
    gh.put_file(BASE, POLICY_PATH, POLICY);
    gh.put_file(BASE, "READY.md", TIP_LIST);
    gh.put_file(HEAD, POLICY_PATH, POLICY);
    gh.put_file(HEAD, "READY.md", head_list);
    gh.set_pull(Pull::new(PR, HEAD, BASE));
    gh.set_behind(BASE, MERGE_BASE);
    gh.set_changed_files(changed);
}

/// Issue 8 §1.3: the base copy was read only when the pull request touched
/// the checklist, so a branch made before the base gained an open required
/// item passed on its old copy, and merging it would land that item open.
#[tokio::test]
async fn a_stale_branch_missing_a_required_item_the_base_gained_fails_with_merge_or_rebase() {
    let gh = FakeGitHub::start().await;
    stale_repo(&gh, OLD_LIST, vec![ChangedFile::modified("src/lib.rs")]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail, "{:#}", ran.report);
    assert_eq!(
        ran.findings(),
        [
            ("ok".to_string(), "all 2 items checked".to_string()),
            ("ok".to_string(), "checked".to_string()),
            (
                "behind-base".to_string(),
                "the base has 1 required item this branch does not; merge or rebase".to_string()
            ),
        ]
    );
    let behind = &ran.report["checklists"][0]["requirements"][2];
    assert_eq!(behind["rule"], "up to date with the base branch");
    assert_eq!(behind["open"][0]["text"], "Security review");
    assert_eq!(behind["open"][0]["line"], 5);
    assert!(!ran.comment_and_summary().contains("tamper"), "not called tampering");
    // The policy and the checklist are read at the base branch's tip, and
    // (issue 20: every run, whatever the changed-file list says) the
    // checklist at the merge base too.
    assert!(
        gh.request_lines()
            .contains(&format!("GET /repos/{OWNER}/{REPO}/compare/main...{HEAD}?per_page=1"))
    );
    assert!(gh.read_at(BASE, POLICY_PATH), "{:#?}", gh.request_lines());
    assert!(gh.read_at(BASE, "READY.md"), "{:#?}", gh.request_lines());
    assert!(gh.read_at(MERGE_BASE, "READY.md"), "{:#?}", gh.request_lines());
}

#[tokio::test]
async fn what_the_pull_request_removed_is_tampering_even_on_a_stale_branch() {
    let gh = FakeGitHub::start().await;
    stale_repo(
        &gh,
        "# Ready\n## Must\n- [x] Tests pass\n",
        vec![ChangedFile::modified("READY.md")],
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    let findings = ran.findings();
    let codes: Vec<&str> = findings.iter().map(|(c, _)| c.as_str()).collect();
    assert!(codes.contains(&"item-removed"), "{findings:?}");
    assert!(
        findings.contains(&(
            "behind-base".to_string(),
            "the base has 1 required item this branch does not; merge or rebase".to_string()
        )),
        "only the item the base gained is the branch's staleness: {findings:?}"
    );
    // Tamper checks compare with the merge base, not the moved base.
    assert!(gh.read_at(MERGE_BASE, "READY.md"));
}

#[tokio::test]
async fn a_branch_that_merged_the_base_passes() {
    let gh = FakeGitHub::start().await;
    let merged = "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n- [x] Security review\n";
    stale_repo(&gh, merged, vec![ChangedFile::modified("READY.md")]);
    gh.state().merge_base = None;
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{:#}", ran.report);
}

#[tokio::test]
async fn stale_is_set_by_the_base_policy() {
    let gh = FakeGitHub::start().await;
    stale_repo(&gh, OLD_LIST, vec![ChangedFile::modified("src/lib.rs")]);
    let policy = POLICY.replace("path = \"READY.md\"", "path = \"READY.md\"\nstale = \"warn\"");
    gh.put_file(BASE, POLICY_PATH, &policy);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{:#}", ran.report);
    assert_eq!(ran.report["checklists"][0]["requirements"][2]["level"], "warn");
}

#[tokio::test]
async fn a_checklist_the_base_added_after_the_branch_was_made_says_merge_or_rebase() {
    let gh = FakeGitHub::start().await;
    stale_repo(&gh, OLD_LIST, vec![ChangedFile::modified("src/lib.rs")]);
    gh.delete_file(MERGE_BASE, "READY.md");
    gh.delete_file(HEAD, "READY.md");
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(
        ran.findings(),
        [(
            "checklist-missing".to_string(),
            "checklist READY.md not found at the head: the base branch added it after this branch was created; merge or rebase"
                .to_string()
        )]
    );
}

// 11. The description and the pull request template (issue 8 §1.2) ------------------

const TEMPLATE_POLICY: &str = "[[checklist]]\nsource = \"pr-body\"\n[[checklist.require]]\nsection = \"Checklist\"\n";

const TEMPLATE: &str = "## Summary\n\n## Checklist\n- [ ] Tests added\n- [ ] Docs updated\n";

/// A base whose policy gates the description and whose template is
/// `templates` (path, text); pull request 7's description is `body`.
fn body_repo(gh: &FakeGitHub, policy: &str, templates: &[(&str, &str)], body: &str) {
    gh.put_file(BASE, POLICY_PATH, policy);
    for (path, text) in templates {
        gh.put_file(BASE, path, text);
    }
    let mut pull = Pull::new(PR, HEAD, BASE);
    pull.body = Some(body.to_string());
    gh.set_pull(pull);
    gh.set_changed_files(vec![ChangedFile::modified("src/lib.rs")]);
}

/// Issue 8 §1.2: with `source = "pr-body"`, deleting the template's unticked
/// lines from the description made the required section pass.
#[tokio::test]
async fn deleting_template_items_from_the_description_fails_as_tampering() {
    let gh = FakeGitHub::start().await;
    body_repo(
        &gh,
        TEMPLATE_POLICY,
        &[(".github/pull_request_template.md", TEMPLATE)],
        "## Summary\nFix.\n\n## Checklist\n- [x] Tests added\n",
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail, "{:#}", ran.report);
    assert_eq!(
        ran.findings(),
        [
            (
                "item-removed".to_string(),
                "1 item required at the base deleted or reworded in this pull request".to_string()
            ),
            ("ok".to_string(), "checked".to_string()),
        ]
    );
    assert_eq!(
        ran.report["checklists"][0]["requirements"][0]["open"][0]["text"],
        "Docs updated"
    );
    // Round one's query lists the root and .github; round two reads the
    // template with the checklists: no REST tree listing.
    let lines = gh.request_lines();
    assert!(gh.read_at(BASE, ".github/pull_request_template.md"), "{lines:#?}");
    assert!(!lines.iter().any(|l| l.contains("/git/trees/")), "{lines:#?}");
}

#[tokio::test]
async fn dropping_the_templates_required_section_is_section_removed() {
    let gh = FakeGitHub::start().await;
    body_repo(
        &gh,
        TEMPLATE_POLICY,
        &[(".github/pull_request_template.md", TEMPLATE)],
        "Just a fix.\n",
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    let codes: Vec<String> = ran.findings().into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, ["section-removed", "section-not-found"]);
}

#[tokio::test]
async fn the_template_is_found_where_github_looks_in_any_case() {
    // A template the description fully keeps: finding it instead would pass.
    let kept = "## Checklist\n- [ ] Tests added\n";
    let cases: &[(&[(&str, &str)], &str)] = &[
        // .github wins over the root; the root's template would not fail.
        (
            &[
                (".github/pull_request_template.md", TEMPLATE),
                ("pull_request_template.md", kept),
            ],
            "item-removed",
        ),
        (&[("PULL_REQUEST_TEMPLATE.md", TEMPLATE)], "item-removed"),
        (&[("docs/Pull_Request_Template.txt", TEMPLATE)], "item-removed"),
        (&[(".GitHub/pull_request_template", TEMPLATE)], "item-removed"),
        // A folder's first file by name.
        (
            &[
                (".github/PULL_REQUEST_TEMPLATE/b_feature.md", kept),
                (".github/PULL_REQUEST_TEMPLATE/a_default.md", TEMPLATE),
            ],
            "item-removed",
        ),
        // A single template comes before any folder.
        (
            &[
                ("docs/PULL_REQUEST_TEMPLATE/a.md", TEMPLATE),
                ("pull_request_template.md", kept),
            ],
            "ok",
        ),
        // Not a template name.
        (&[("docs/pull_request_template.md.bak", TEMPLATE)], "ok"),
    ];
    for (templates, first_code) in cases {
        let gh = FakeGitHub::start().await;
        body_repo(&gh, TEMPLATE_POLICY, templates, "## Checklist\n- [x] Tests added\n");
        let ran = run(&gh).await;
        assert_eq!(ran.findings()[0].0, *first_code, "{templates:?}: {:#}", ran.report);
    }
}

#[tokio::test]
async fn template_names_a_baseline_or_turns_it_off() {
    let body = "## Checklist\n- [x] Tests added\n";
    let named = TEMPLATE_POLICY.replace(
        "source = \"pr-body\"",
        "source = \"pr-body\"\ntemplate = \"docs/CHECKLIST.md\"",
    );
    let gh = FakeGitHub::start().await;
    body_repo(&gh, &named, &[("docs/CHECKLIST.md", TEMPLATE)], body);
    let ran = run(&gh).await;
    assert_eq!(ran.findings()[0].0, "item-removed");
    assert!(
        !gh.request_lines().iter().any(|l| l.contains("/git/trees/")),
        "no search"
    );

    let gh = FakeGitHub::start().await;
    body_repo(&gh, &named, &[], body);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error);
    assert!(
        ran.err.contains(&format!(
            "docs/CHECKLIST.md: the policy's `template` does not exist at the base ({BASE})"
        )),
        "{}",
        ran.err
    );

    let off = TEMPLATE_POLICY.replace("source = \"pr-body\"", "source = \"pr-body\"\ntemplate = false");
    let gh = FakeGitHub::start().await;
    body_repo(&gh, &off, &[(".github/pull_request_template.md", TEMPLATE)], body);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{:#}", ran.report);
    assert!(!gh.request_lines().iter().any(|l| l.contains("/git/trees/")));
}

/// A hostile workflow edit can point `policy:` at any policy-shaped file the
/// base already has (a test fixture, an example) whose `[action]` table
/// switches `workflow-changed` off or asks for `neutral`. When the workflow
/// may be the author's, only the base's default-path policy decides those.
#[tokio::test]
async fn a_policy_input_chosen_by_an_edited_workflow_cannot_switch_off_workflow_changed() {
    let gh = FakeGitHub::start().await;
    repo(&gh, DONE_LIST);
    let lenient = "[action]\nworkflow-changed = \"off\"\nreport-only = true\n[[checklist]]\npath = \"READY.md\"\n\
                   [[checklist.require]]\nitem = \"Tests pass\"\n";
    gh.put_file(BASE, "tests/fixtures/lenient.toml", lenient);
    gh.set_changed_files(vec![ChangedFile::modified(WORKFLOW)]);
    let mut args = args();
    args.policy = PathBuf::from("tests/fixtures/lenient.toml");
    let ran = run_with_args(&gh, "pull_request", &payload(HEAD, None), &args).await;
    assert_eq!(ran.exit, Exit::Fail, "{}", ran.err);
    assert_eq!(ran.findings()[0].0, "workflow-changed");
    assert_eq!(gh.state().check_runs[0].created["conclusion"], "failure", "not neutral");

    // The default-path policy's own choice is honoured.
    let gh = FakeGitHub::start().await;
    repo(&gh, DONE_LIST);
    gh.put_file(
        BASE,
        POLICY_PATH,
        &format!("[action]\nworkflow-changed = \"warn\"\n{POLICY}"),
    );
    gh.put_file(BASE, "tests/fixtures/lenient.toml", lenient);
    gh.set_changed_files(vec![ChangedFile::modified(WORKFLOW)]);
    let ran = run_with_args(&gh, "pull_request", &payload(HEAD, None), &args).await;
    assert_eq!(ran.exit, Exit::Pass, "{:#}", ran.report);
    assert_eq!(ran.report["checklists"][0]["requirements"][0]["level"], "warn");

    // Under pull_request_target the input is the base's: it is obeyed.
    let gh = FakeGitHub::start().await;
    repo(&gh, DONE_LIST);
    gh.put_file(BASE, "tests/fixtures/lenient.toml", lenient);
    gh.set_changed_files(vec![ChangedFile::modified(WORKFLOW)]);
    let ran = run_with_args(&gh, "pull_request_target", &payload(HEAD, None), &args).await;
    assert_eq!(ran.exit, Exit::Pass, "{:#}", ran.report);
}
