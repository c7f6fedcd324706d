//! `checkgate action` against a local GitHub API (tests/support): the
//! scenarios of the action issue, run in-process with retries' sleeps scaled
//! to zero, each asserting the exact requests GitHub would have seen. The
//! policy and checklists live on the fake server (the action reads them
//! through the contents API), not in a workspace.

mod support;

use std::time::Duration;

use checkgate::action::{self, ActionArgs, CommentMode, GithubEnv, Target};
use checkgate::cli::Exit;
use checkgate::github::{self, Client, Repo, RetryPolicy};
use serde_json::{Value, json};
use support::{BOT, FakeGitHub, OWNER, Pull, REPO, Ran, Scripted, TOKEN};

const HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const BASE: &str = "b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4";
const MERGE: &str = "0000000000000000000000000000000000000001";

const POLICY: &str = r#"
[[checklist]]
path = "READY.md"
[[checklist.require]]
section = "Must"
[[checklist.require]]
section = "Nice"
level = "warn"
"#;

const FAILING: &str =
    "# Ready\n## Must\n- [x] Tests pass\n- [ ] Rollback plan tested\n- [ ] Runbook written\n## Nice\n- [ ] Dashboard\n";
const PASSING: &str =
    "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n- [x] Runbook written\n## Nice\n- [x] Dashboard\n";

fn fast() -> RetryPolicy {
    RetryPolicy {
        time_scale: 0.0,
        ..RetryPolicy::default()
    }
}

fn pr_payload(body: Option<&str>) -> Value {
    json!({
        "action": "opened",
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
    /// The policy at the base, `checklist` at the head (and the base, for a
    /// pull request that does not touch it), pull request 42 open from HEAD
    /// onto BASE, as GitHub would serve them.
    fn new(gh: &FakeGitHub, event: &str, payload: &Value, checklist: &str) -> Case {
        let dir = tempfile::tempdir().expect("temp dir");
        for git_ref in [BASE, "main"] {
            gh.put_file(git_ref, ".github/checkgate.toml", POLICY);
            gh.put_file(git_ref, "READY.md", checklist);
        }
        for git_ref in [HEAD, MERGE] {
            gh.put_file(git_ref, "READY.md", checklist);
        }
        let mut pull = Pull::new(42, HEAD, BASE);
        pull.body = payload
            .pointer("/pull_request/body")
            .and_then(Value::as_str)
            .map(str::to_string);
        gh.set_pull(pull);
        let env = support::action_env(gh, dir.path(), event, payload, MERGE);
        let args = support::action_args();
        Case { dir, env, args }
    }

    fn pr(gh: &FakeGitHub, checklist: &str) -> Case {
        Case::new(gh, "pull_request", &pr_payload(Some("body")), checklist)
    }

    async fn run(&self) -> Ran {
        support::run_in(&self.env, &self.args, self.dir.path(), std::future::pending()).await
    }
}

/// What every pull request run does first, in two rounds: the check run
/// created `in_progress`, how its branch relates to the base branch now
/// (with the changed files) and the pull request fresh with the policy at
/// the base (one GraphQL query); then the checklists (another).
fn reads() -> Vec<String> {
    vec![
        post_check_run(),
        format!("GET /repos/{OWNER}/{REPO}/compare/main...{HEAD}?per_page=1"),
        graphql("PullRead"),
        graphql("FilesAt"),
    ]
}

/// `lines` in order, for requests that go out at the same time.
fn sorted(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

fn graphql(operation: &str) -> String {
    format!("POST /graphql {operation}")
}

/// Completing the run's check run (the newest one).
fn complete_check_run(gh: &FakeGitHub) -> String {
    let id = gh.state().check_runs.last().map_or(0, |r| r.id);
    format!("PATCH /repos/{OWNER}/{REPO}/check-runs/{id}")
}

/// `reads()` then `rest`.
fn after_reads(rest: &[String]) -> Vec<String> {
    reads().into_iter().chain(rest.iter().cloned()).collect()
}

fn comments_page(page: usize) -> String {
    format!("GET /repos/{OWNER}/{REPO}/issues/42/comments?per_page=100&page={page}")
}
fn post_comment() -> String {
    format!("POST /repos/{OWNER}/{REPO}/issues/42/comments")
}
fn patch_comment(id: u64) -> String {
    format!("PATCH /repos/{OWNER}/{REPO}/issues/comments/{id}")
}
fn post_check_run() -> String {
    format!("POST /repos/{OWNER}/{REPO}/check-runs")
}

#[tokio::test]
async fn first_run_posts_one_comment_and_a_check_run_on_the_head_sha() {
    let gh = FakeGitHub::start().await;
    let ran = Case::pr(&gh, FAILING).run().await;

    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(
        gh.request_lines(),
        // After creating, list again in case a concurrent run posted too.
        after_reads(&[complete_check_run(&gh), post_comment(), comments_page(1)])
    );
    gh.assert_valid();

    let comments = gh.marked_comments();
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0].body.contains("Rollback plan tested"),
        "{}",
        comments[0].body
    );
    assert!(
        comments[0].body.contains(&format!(
            "https://github.example/{OWNER}/{REPO}/blob/{HEAD}/READY.md#L4"
        )),
        "links point at the head commit: {}",
        comments[0].body
    );

    let runs = gh.state().check_runs.clone();
    assert_eq!(runs.len(), 1);
    let created = &runs[0].created;
    assert_eq!(created["name"], "checkgate");
    assert_eq!(
        created["head_sha"], HEAD,
        "the PR head, not GITHUB_SHA (the merge commit)"
    );
    assert_eq!(created["status"], "completed");
    assert_eq!(created["conclusion"], "failure");
    let levels: Vec<(String, u64)> = runs[0]
        .annotations()
        .iter()
        .map(|a| {
            (
                a["annotation_level"].as_str().unwrap_or_default().to_string(),
                a["start_line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        levels,
        [
            ("failure".to_string(), 4),
            ("failure".to_string(), 5),
            ("warning".to_string(), 7)
        ]
    );
    assert!(runs[0].annotations().iter().all(|a| a["path"] == "READY.md"));

    assert_eq!(ran.output("passed").as_deref(), Some("false"));
    assert_eq!(ran.output("checked").as_deref(), Some("1"));
    assert_eq!(ran.output("total").as_deref(), Some("4"));
    assert_eq!(ran.output("open").as_deref(), Some("2"));
    let report: Value = serde_json::from_str(&ran.output("report").expect("report output")).expect("JSON report");
    assert_eq!(report["passed"], false);
    assert!(ran.summary.contains("Rollback plan tested"), "{}", ran.summary);
    assert!(ran.out.contains("::error file=READY.md,line=4,"), "{}", ran.out);
}

#[tokio::test]
async fn rerun_updates_the_same_comment_in_six_requests() {
    let gh = FakeGitHub::start().await;
    let case = Case::pr(&gh, FAILING);
    assert_eq!(case.run().await.exit, Exit::Fail);
    let first = gh.marked_comments();
    gh.state().requests.clear();

    gh.put_file(HEAD, "READY.md", PASSING);
    let ran = case.run().await;

    assert_eq!(ran.exit, Exit::Pass);
    // The steady state the README quotes: five reads, then list the comments
    // once, update once, one check run.
    assert_eq!(
        gh.request_lines(),
        after_reads(&[complete_check_run(&gh), patch_comment(first[0].id)])
    );
    gh.assert_valid();
    let now = gh.marked_comments();
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].id, first[0].id);
    assert_ne!(now[0].body, first[0].body, "the comment shows the new verdict");
    assert_eq!(
        gh.state().check_runs.last().map(|r| r.created["conclusion"].clone()),
        Some(json!("success"))
    );
}

/// `source = "pr-comments"` reads the comments the sticky-comment step lists
/// anyway: one list serves both, so the checklist costs no request. Only the
/// named author's boxes count; someone else's, and checkgate's own report
/// (which quotes open items as boxes), never do.
#[tokio::test]
async fn pr_comments_count_only_named_authors_and_share_the_comment_list() {
    let gh = FakeGitHub::start().await;
    let case = Case::pr(&gh, FAILING);
    gh.put_file(
        BASE,
        ".github/checkgate.toml",
        "[[checklist]]\nsource = \"pr-comments\"\nauthors = [\"alice\"]\n[[checklist.require]]\nall = true\n",
    );
    let alice = gh.add_comment(
        "alice",
        "QA sign-off:\n- [x] Deployed to staging\n- [ ] Smoke-tested on staging\n",
    );
    gh.add_comment("mallory", "- [ ] Mallory's box\n");
    let ours = gh.add_comment(BOT, "<!-- checkgate -->\n- [ ] A box in checkgate's own report\n");

    let ran = case.run().await;

    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(
        sorted(gh.request_lines()),
        sorted(vec![
            post_check_run(),
            format!("GET /repos/{OWNER}/{REPO}/compare/main...{HEAD}?per_page=1"),
            graphql("PullRead"),
            complete_check_run(&gh),
            patch_comment(ours),
        ])
    );
    gh.assert_valid();
    let report: Value = serde_json::from_str(&ran.output("report").expect("report output")).expect("json");
    let text = report.to_string();
    assert!(text.contains("Smoke-tested on staging"), "{text}");
    assert!(
        text.contains(&format!("pull/42#issuecomment-{alice}")),
        "the item links to its comment: {text}"
    );
    assert!(!text.contains("Mallory"), "{text}");
    assert!(!text.contains("checkgate's own report"), "{text}");
    assert_eq!(report["checklists"][0]["checked"], json!(1));
    assert_eq!(report["checklists"][0]["total"], json!(2));
}

/// Issue 19 §2: `authors = ["role:write"]` counts the comments whose
/// `author_association` (in the list already read) is OWNER, MEMBER or
/// COLLABORATOR: no request per author. A CONTRIBUTOR's boxes never count.
#[tokio::test]
async fn pr_comments_by_role_use_the_listed_association_and_no_extra_request() {
    let gh = FakeGitHub::start().await;
    let case = Case::pr(&gh, FAILING);
    gh.put_file(
        BASE,
        ".github/checkgate.toml",
        "[[checklist]]\nsource = \"pr-comments\"\nauthors = [\"role:write\"]\n[[checklist.require]]\nall = true\n",
    );
    gh.add_comment_as("maintainer", "MEMBER", "- [x] Deployed to staging\n");
    gh.add_comment_as("outside-helper", "COLLABORATOR", "- [ ] Smoke-tested on staging\n");
    gh.add_comment_as("drive-by", "CONTRIBUTOR", "- [ ] Contributor's box\n");
    gh.add_comment_as("stranger", "NONE", "- [ ] Stranger's box\n");
    let ours = gh.add_comment(BOT, "<!-- checkgate -->\n- [ ] A box in checkgate's own report\n");

    let ran = case.run().await;

    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(
        sorted(gh.request_lines()),
        sorted(vec![
            post_check_run(),
            format!("GET /repos/{OWNER}/{REPO}/compare/main...{HEAD}?per_page=1"),
            graphql("PullRead"),
            complete_check_run(&gh),
            patch_comment(ours),
        ])
    );
    gh.assert_valid();
    let report: Value = serde_json::from_str(&ran.output("report").expect("report output")).expect("json");
    let open: Vec<&str> = report["checklists"][0]["requirements"][0]["open"]
        .as_array()
        .expect("open items")
        .iter()
        .map(|o| o["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(open, ["Smoke-tested on staging"]);
    assert_eq!(report["checklists"][0]["checked"], json!(1));
    assert_eq!(report["checklists"][0]["total"], json!(2));
}

#[tokio::test]
async fn the_sticky_comment_is_found_among_250_and_nobody_elses_is_touched() {
    let gh = FakeGitHub::start().await;
    let mut ours = 0;
    for i in 0..250 {
        if i == 230 {
            ours = gh.add_comment(BOT, "<!-- checkgate -->\nold report");
        } else if i % 50 == 7 {
            // Someone pasting the marker does not make the comment ours.
            gh.add_comment("mallory", "<!-- checkgate -->\nfake report");
        } else if i % 50 == 8 {
            gh.add_comment(BOT, "another workflow's bot comment");
        } else {
            gh.add_comment("alice", &format!("comment {i}"));
        }
    }
    let before = gh.state().comments.clone();
    let ran = Case::pr(&gh, FAILING).run().await;

    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(
        gh.request_lines(),
        vec![
            post_check_run(),
            format!("GET /repos/{OWNER}/{REPO}/compare/main...{HEAD}?per_page=1"),
            graphql("PullRead"),
            graphql("CommentsPage"),
            graphql("CommentsPage"),
            graphql("FilesAt"),
            complete_check_run(&gh),
            patch_comment(ours),
        ]
    );
    gh.assert_valid();
    let after = gh.state().comments.clone();
    assert_eq!(after.len(), 250);
    for (b, a) in before.iter().zip(&after) {
        if a.id == ours {
            assert!(a.body.contains("Rollback plan tested"));
        } else {
            assert_eq!(a.body, b.body, "comment {} was edited", a.id);
        }
    }
}

#[tokio::test]
async fn a_read_only_token_still_gives_the_verdict_and_one_warning() {
    let gh = FakeGitHub::start().await;
    gh.state().read_only = true;
    let ran = Case::pr(&gh, FAILING).run().await;

    assert_eq!(ran.exit, Exit::Fail, "never a false pass");
    // Creating the check run was refused at the start; the comment is refused too.
    assert_eq!(gh.request_lines(), after_reads(&[post_comment()]));
    gh.assert_valid();
    let warnings: Vec<&str> = ran
        .out
        .lines()
        .filter(|l| l.starts_with("::warning title=checkgate::"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", ran.out);
    assert!(warnings[0].contains("pull_request_target"), "{}", warnings[0]);
    assert!(
        warnings[0].contains("Resource not accessible by integration"),
        "{}",
        warnings[0]
    );
    assert!(
        ran.out.contains("::error file=READY.md,line=4,"),
        "annotations still printed: {}",
        ran.out
    );
    assert!(ran.summary.contains("Rollback plan tested"));
    assert_eq!(ran.output("passed").as_deref(), Some("false"));
    assert!(ran.err.is_empty(), "{}", ran.err);
}

#[tokio::test]
async fn a_read_only_token_on_a_passing_pr_passes_with_the_warning() {
    let gh = FakeGitHub::start().await;
    gh.state().read_only = true;
    let ran = Case::pr(&gh, PASSING).run().await;
    assert_eq!(ran.exit, Exit::Pass);
    assert_eq!(ran.out.matches("::warning title=checkgate::").count(), 1, "{}", ran.out);
    assert_eq!(ran.output("passed").as_deref(), Some("true"));
}

#[tokio::test]
async fn a_500_is_retried_then_succeeds() {
    let gh = FakeGitHub::start().await;
    gh.script(Scripted::new("GET", "/issues/42/comments", 500, "Server Error"));
    gh.script(Scripted::new("POST", "/check-runs", 502, "Bad Gateway"));
    let ran = Case::pr(&gh, FAILING).run().await;

    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(
        sorted(gh.request_lines()),
        sorted(vec![
            post_check_run(),
            format!("GET /repos/{OWNER}/{REPO}/compare/main...{HEAD}?per_page=1"),
            graphql("PullRead"),
            // The 502 on creating the check run, retried.
            post_check_run(),
            graphql("FilesAt"),
            complete_check_run(&gh),
            post_comment(),
            // The 500 on listing after creating, retried.
            comments_page(1),
            comments_page(1),
        ])
    );
    gh.assert_valid();
    assert_eq!(gh.marked_comments().len(), 1);
    assert_eq!(gh.state().check_runs.len(), 1);
}

#[tokio::test]
async fn a_comment_post_that_succeeded_behind_a_502_is_not_posted_twice() {
    let gh = FakeGitHub::start().await;
    // GitHub created the comment but the reply was lost.
    gh.script(Scripted::new("POST", "/issues/42/comments", 502, "Bad Gateway").applied());
    let ran = Case::pr(&gh, FAILING).run().await;

    assert_eq!(ran.exit, Exit::Fail);
    let id = gh.marked_comments()[0].id;
    assert_eq!(
        gh.request_lines(),
        after_reads(&[
            complete_check_run(&gh),
            post_comment(),
            comments_page(1),
            patch_comment(id)
        ])
    );
    assert_eq!(gh.marked_comments().len(), 1);
    gh.assert_valid();
}

#[tokio::test]
async fn a_secondary_rate_limit_is_waited_out_as_retry_after_says() {
    let gh = FakeGitHub::start().await;
    gh.script(
        Scripted::new(
            "POST",
            "/check-runs",
            403,
            "You have exceeded a secondary rate limit. Please wait a few minutes.",
        )
        .header("retry-after", "7"),
    );
    let client = Client::new(
        github::Octocrab::new(&gh.uri(), Some(TOKEN)).expect("client"),
        Repo::parse(&format!("{OWNER}/{REPO}")).expect("repo"),
        fast(),
        Some(TOKEN.to_string()),
    );
    let report = checkgate::eval::Report::new(Vec::new(), Vec::new());
    let run = action::check_run(&report, HEAD, "all good", false);
    client.publish_check_run(&run).await.expect("published after waiting");

    assert_eq!(client.waited(), Duration::from_secs(7));
    assert_eq!(gh.request_lines(), [post_check_run(), post_check_run()]);
    assert_eq!(gh.state().check_runs.len(), 1);
    gh.assert_valid();
}

#[tokio::test]
async fn a_primary_rate_limit_is_waited_out_until_its_reset() {
    let gh = FakeGitHub::start().await;
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 20;
    gh.script(
        Scripted::new("GET", "/comments", 429, "API rate limit exceeded")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", &reset.to_string()),
    );
    let client = Client::new(
        github::Octocrab::new(&gh.uri(), Some(TOKEN)).expect("client"),
        Repo::parse(&format!("{OWNER}/{REPO}")).expect("repo"),
        fast(),
        Some(TOKEN.to_string()),
    );
    client.list_comments(42).await.expect("listed after waiting");
    let waited = client.waited().as_secs();
    assert!((19..=22).contains(&waited), "waited {waited} s for a reset 20 s away");
    assert_eq!(gh.request_lines(), [comments_page(1), comments_page(1)]);
}

#[tokio::test]
async fn a_wait_longer_than_the_budget_gives_up_at_once_with_exit_2() {
    let gh = FakeGitHub::start().await;
    gh.script(
        Scripted::new("GET", "/comments", 403, "You have exceeded a secondary rate limit")
            .header("retry-after", "3600"),
    );
    let ran = Case::pr(&gh, PASSING).run().await;

    assert_eq!(ran.exit, Exit::Error, "an API failure is never a pass");
    assert_eq!(
        gh.request_lines(),
        after_reads(&[complete_check_run(&gh), post_comment(), comments_page(1)])
    );
    assert!(ran.err.contains("exceeds the retry budget"), "{}", ran.err);
    // The verdict was still recorded before the API gave up.
    assert_eq!(ran.output("passed").as_deref(), Some("true"));
}

#[tokio::test]
async fn persistent_5xx_stops_after_a_few_tries() {
    let gh = FakeGitHub::start().await;
    for _ in 0..10 {
        gh.script(Scripted::new("GET", "/comments", 503, "Service Unavailable"));
    }
    let ran = Case::pr(&gh, PASSING).run().await;
    assert_eq!(ran.exit, Exit::Error);
    let mut writes = vec![complete_check_run(&gh), post_comment()];
    writes.extend(vec![comments_page(1); 4]);
    assert_eq!(gh.request_lines(), after_reads(&writes));
    assert!(
        ran.err
            .contains("gave up after 4 attempt(s): HTTP 503: Service Unavailable"),
        "{}",
        ran.err
    );
}

#[tokio::test]
async fn annotations_past_50_go_in_batches_of_50() {
    let gh = FakeGitHub::start().await;
    let items: String = (0..120).map(|i| format!("- [ ] step {i}\n")).collect();
    // The policy's warn-level "Nice" is there: a section the base's
    // checklist lacks is a policy error (issue 18 §3), not this test's point.
    let ran = Case::pr(&gh, &format!("# Ready\n## Must\n{items}## Nice\n- [x] Dashboard\n"))
        .run()
        .await;

    assert_eq!(ran.exit, Exit::Fail);
    let runs = gh.state().check_runs.clone();
    let id = runs[0].id;
    let patch = format!("PATCH /repos/{OWNER}/{REPO}/check-runs/{id}");
    assert_eq!(
        sorted(gh.request_lines()),
        // The comment and the check run go out together.
        sorted(after_reads(&[
            patch.clone(),
            post_comment(),
            patch.clone(),
            comments_page(1),
            patch
        ]))
    );
    gh.assert_valid();
    let sizes: Vec<usize> = std::iter::once(&runs[0].created)
        .chain(&runs[0].updates)
        .map(|b| b["output"]["annotations"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    let lines: Vec<u64> = runs[0]
        .annotations()
        .iter()
        .filter_map(|a| a["start_line"].as_u64())
        .collect();
    assert_eq!(lines, (3..123).collect::<Vec<u64>>());
    assert_eq!(ran.output("open").as_deref(), Some("120"));
}

#[tokio::test]
async fn an_oversized_checklist_stays_within_githubs_limits() {
    let gh = FakeGitHub::start().await;
    let long = "x".repeat(300);
    let items: String = (0..5_000).map(|i| format!("- [ ] item {i} {long}\n")).collect();
    let ran = Case::pr(&gh, &format!("# Ready\n## Must\n{items}## Nice\n- [x] Dashboard\n"))
        .run()
        .await;

    assert_eq!(ran.exit, Exit::Fail);
    gh.assert_valid(); // includes maxLength 65535 on the check run summary
    let comment = &gh.marked_comments()[0].body;
    assert!(
        comment.chars().count() <= github::COMMENT_MAX_CHARS,
        "{}",
        comment.chars().count()
    );
    let runs = gh.state().check_runs.clone();
    let summary = runs[0].created["output"]["summary"].as_str().unwrap_or_default();
    assert!(summary.chars().count() <= github::CHECK_OUTPUT_MAX_CHARS);
    assert_eq!(runs[0].annotations().len(), action::MAX_ANNOTATIONS);
    assert!(
        runs[0].created["output"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("4500 more")
    );
    assert!(ran.summary.chars().count() <= 65_536, "the job summary is one report");
    assert_eq!(ran.output("open").as_deref(), Some("5000"));
}

#[tokio::test]
async fn the_token_appears_nowhere_even_when_the_server_echoes_it() {
    let gh = FakeGitHub::start().await;
    gh.state().echo_auth = true;
    gh.script(Scripted::new("GET", "/comments", 401, "Bad credentials"));
    let mut case = Case::pr(&gh, FAILING);
    case.args.verbose = true;
    let ran = case.run().await;

    assert_eq!(ran.exit, Exit::Error);
    assert!(ran.err.contains("HTTP 401: bad credentials: Bearer ***"), "{}", ran.err);
    assert!(
        ran.err.contains(&format!("checkgate: {} -> 401", comments_page(1))),
        "{}",
        ran.err
    );
    assert!(!ran.everything().contains(TOKEN), "token leaked:\n{}", ran.everything());
    assert!(!format!("{:?}", case.args).contains(TOKEN));
}

#[tokio::test]
async fn a_checklist_quoting_the_token_does_not_publish_it() {
    let gh = FakeGitHub::start().await;
    let ran = Case::pr(
        &gh,
        &format!("# Ready\n## Must\n- [ ] leak {TOKEN} here\n## Nice\n- [x] Dashboard\n"),
    )
    .run()
    .await;
    assert_eq!(ran.exit, Exit::Fail);
    assert!(ran.out.contains("leak *** here"), "{}", ran.out);
    assert!(!ran.everything().contains(TOKEN), "{}", ran.everything());
    for r in gh.requests() {
        let body = r.body.as_ref().map(Value::to_string).unwrap_or_default();
        assert!(!body.contains(TOKEN), "{}: {body}", r.line());
    }
    assert_eq!(gh.requests().len(), reads().len() + 3);
}

#[tokio::test]
async fn on_failure_posts_nothing_for_a_passing_pr_without_a_comment() {
    let gh = FakeGitHub::start().await;
    let mut case = Case::pr(&gh, PASSING);
    case.args.comment = CommentMode::OnFailure;
    assert_eq!(case.run().await.exit, Exit::Pass);
    assert_eq!(gh.request_lines(), after_reads(&[complete_check_run(&gh)]));
}

#[tokio::test]
async fn on_failure_updates_a_stale_failure_comment_when_the_pr_passes() {
    let gh = FakeGitHub::start().await;
    let mut case = Case::pr(&gh, FAILING);
    case.args.comment = CommentMode::OnFailure;
    assert_eq!(case.run().await.exit, Exit::Fail);
    let id = gh.marked_comments()[0].id;
    gh.state().requests.clear();
    gh.put_file(HEAD, "READY.md", PASSING);

    assert_eq!(case.run().await.exit, Exit::Pass);
    assert_eq!(
        gh.request_lines(),
        after_reads(&[complete_check_run(&gh), patch_comment(id)])
    );
    assert!(!gh.marked_comments()[0].body.contains("Rollback plan tested"));
}

#[tokio::test]
async fn comment_never_and_check_run_false_make_no_writes() {
    let gh = FakeGitHub::start().await;
    let mut case = Case::pr(&gh, FAILING);
    case.args.comment = CommentMode::Never;
    case.args.check_run = false;
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(gh.request_lines(), reads()[1..]);
}

/// Issue 8 §1.1: `fail: false` made the check run `neutral`, which branch
/// protection counts as passing, and the input is the workflow's, which a
/// `pull_request` author controls. Now it changes only the exit code.
#[tokio::test]
async fn fail_false_changes_only_the_exit_code_and_the_check_run_still_fails() {
    let gh = FakeGitHub::start().await;
    let mut case = Case::pr(&gh, FAILING);
    case.args.fail = false;
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Pass);
    assert_eq!(ran.output("passed").as_deref(), Some("false"));
    assert_eq!(gh.state().check_runs[0].created["conclusion"], "failure");
}

#[tokio::test]
async fn merge_group_gets_a_check_run_on_the_group_head_and_no_comment() {
    let gh = FakeGitHub::start().await;
    let group = "feedbeef00000000000000000000000000000000";
    gh.put_file(group, "READY.md", PASSING);
    let payload = json!({"action": "checks_requested", "merge_group": {
        "head_sha": group, "base_sha": BASE,
        "head_ref": format!("refs/heads/gh-readonly-queue/main/pr-42-{HEAD}")}});
    let ran = Case::new(&gh, "merge_group", &payload, FAILING).run().await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    assert_eq!(
        gh.request_lines(),
        [
            post_check_run(),
            format!("GET /repos/{OWNER}/{REPO}/pulls/42"),
            format!("GET /repos/{OWNER}/{REPO}/pulls/42/files?per_page=100&page=1"),
            format!("GET /repos/{OWNER}/{REPO}/contents/.github/checkgate.toml?ref={BASE}"),
            graphql("FilesAt"),
            complete_check_run(&gh),
        ]
    );
    gh.assert_valid();
    let runs = gh.state().check_runs.clone();
    assert_eq!(runs[0].created["head_sha"], group);
    assert_eq!(runs[0].created["status"], "completed", "never left pending");
}

#[tokio::test]
async fn push_and_workflow_dispatch_read_the_default_branch_policy_and_publish_nothing() {
    for event in ["push", "workflow_dispatch"] {
        let gh = FakeGitHub::start().await;
        let payload = json!({"ref": "refs/heads/main", "repository": {"default_branch": "main"}});
        let ran = Case::new(&gh, event, &payload, FAILING).run().await;
        assert_eq!(ran.exit, Exit::Fail, "{event}: {}", ran.err);
        assert_eq!(
            gh.request_lines(),
            [
                format!("GET /repos/{OWNER}/{REPO}/contents/.github/checkgate.toml?ref=main"),
                graphql("FilesAt"),
            ],
            "{event}"
        );
        assert!(
            ran.summary.contains(&format!("blob/{MERGE}/READY.md")),
            "{event}: {}",
            ran.summary
        );
        assert_eq!(ran.output("passed").as_deref(), Some("false"));
    }
}

#[tokio::test]
async fn an_unsupported_event_exits_2_with_a_clear_message() {
    let gh = FakeGitHub::start().await;
    let ran = Case::new(&gh, "gollum", &json!({"action": "created"}), PASSING)
        .run()
        .await;
    assert_eq!(ran.exit, Exit::Error);
    assert!(
        ran.err
            .contains("event `gollum` is not supported; run checkgate on pull_request_target, pull_request"),
        "{}",
        ran.err
    );
    assert_eq!(gh.request_lines(), Vec::<String>::new());
    assert_eq!(ran.output("passed"), None, "no verdict, no outputs");
}

#[tokio::test]
async fn a_bad_policy_exits_2_and_says_so_in_the_summary() {
    let gh = FakeGitHub::start().await;
    let case = Case::pr(&gh, PASSING);
    gh.put_file(BASE, ".github/checkgate.toml", "[[checklist]]\nbogus = 1\n");
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Error);
    assert!(ran.summary.starts_with("## checkgate could not run"), "{}", ran.summary);
    assert!(ran.err.contains(".github/checkgate.toml:2:1"), "{}", ran.err);
    // The check run created at the start is completed with the error.
    assert_eq!(gh.request_lines(), [&reads()[..3], &[complete_check_run(&gh)]].concat());
}

#[tokio::test]
async fn a_null_pr_body_is_an_empty_checklist_and_fails_a_body_requirement() {
    let gh = FakeGitHub::start().await;
    let case = Case::new(&gh, "pull_request", &pr_payload(None), PASSING);
    gh.put_file(
        BASE,
        ".github/checkgate.toml",
        "[[checklist]]\nsource = \"pr-body\"\n[[checklist.require]]\nitem = \"I tested this\"\n",
    );
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Fail, "a missing description never passes");
    // A description has no file to annotate.
    assert!(gh.state().check_runs[0].annotations().is_empty());
}

/// Every pull_request payload in the shared corpus yields its head SHA and
/// number; the others are refused by name.
#[test]
fn real_payloads_parse() {
    let Some(shared) = support::shared() else { return };
    let dir = shared.join("corpus/events");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("events dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if !name.ends_with(".json") {
            continue;
        }
        let mut payload: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        // Probot fixtures wrap the payload: {"name": event, "payload": {...}}.
        if let (Some(_), Some(inner)) = (payload.get("name"), payload.get("payload")) {
            payload = inner.clone();
        }
        let event = [
            "pull_request",
            "check_run",
            "issue_comment",
            "workflow_run",
            "deployment_status",
            "status",
        ]
        .into_iter()
        .find(|e| name.contains(e))
        .unwrap_or("unknown");
        match action::parse_event(event, &payload) {
            Ok(Target::PullRequest {
                number, head_sha, body, ..
            }) => {
                assert_eq!(
                    Some(number),
                    payload.pointer("/pull_request/number").and_then(Value::as_u64),
                    "{name}"
                );
                assert_eq!(
                    Some(head_sha.as_str()),
                    payload.pointer("/pull_request/head/sha").and_then(Value::as_str)
                );
                if payload.pointer("/pull_request/body") == Some(&Value::Null) {
                    assert_eq!(body, "", "{name}");
                }
            }
            // Resolved to pull requests through the API (tests/lifecycle.rs).
            Ok(Target::Resolve(_)) if event != "pull_request" => {}
            Ok(other) => panic!("{name}: {other:?}"),
            Err(e) => {
                assert_ne!(event, "pull_request", "{name}: {e}");
                assert!(e.to_string().contains("not supported"));
            }
        }
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} payloads in {}", dir.display());
}

#[tokio::test]
async fn a_checklist_over_1_mb_is_read_through_the_blobs_api() {
    let gh = FakeGitHub::start().await;
    let filler = "Background paragraph that is not a task item.\n\n".repeat(30_000);
    let big = format!("{FAILING}\n## Appendix\n{filler}");
    assert!(big.len() > 1024 * 1024);
    let ran = Case::pr(&gh, &big).run().await;
    assert_eq!(ran.exit, Exit::Fail, "{}", ran.err);
    let blob = format!(
        "GET /repos/{OWNER}/{REPO}/git/blobs/{}",
        support::blob_sha(big.as_bytes())
    );
    assert_eq!(gh.request_lines()[5], blob, "{:#?}", gh.request_lines());
    assert_eq!(ran.output("open").as_deref(), Some("2"));
    gh.assert_valid();
}

#[tokio::test]
async fn a_symlink_or_directory_where_the_checklist_should_be_is_an_error() {
    for (kind, setup) in [("symlink", 0), ("directory", 1)] {
        let gh = FakeGitHub::start().await;
        let case = Case::pr(&gh, PASSING);
        gh.delete_file(HEAD, "READY.md");
        if setup == 0 {
            gh.put_symlink(HEAD, "READY.md", "/proc/self/environ");
        } else {
            gh.put_file(HEAD, "READY.md/inner.md", PASSING);
        }
        let ran = case.run().await;
        assert_eq!(ran.exit, Exit::Error, "{kind}");
        assert!(
            ran.err.contains(&format!("READY.md at {HEAD} is a {kind}, not a file")),
            "{kind}: {}",
            ran.err
        );
    }
}

/// Issue 18 §3: the policy at the base names a section ("Nice") that the
/// checklist never had, and the pull request leaves the checklist as it is
/// at the base: the maintainer's typo is a policy error (exit 2) with the
/// suggestion, not every pull request's failure.
#[tokio::test]
async fn a_section_missing_from_an_unchanged_checklist_is_a_policy_error() {
    let gh = FakeGitHub::start().await;
    let ran = Case::pr(
        &gh,
        "# Ready\n## Must\n- [x] Tests pass\n## Nice to have\n- [ ] Dashboard\n",
    )
    .run()
    .await;
    assert_eq!(ran.exit, Exit::Error, "{}", ran.everything());
    assert!(
        ran.err.contains(
            ".github/checkgate.toml:7:11: required section \"Nice\" not found in READY.md at the base; did you mean \"Nice to have\"?"
        ),
        "{}",
        ran.err
    );
    assert_eq!(ran.output("passed"), None, "no verdict on a policy error");
}

/// Issue 18 §3: a section the base has and the pull request removes stays
/// the pull request's failure (`section-removed` with the tamper check), and
/// a section missing from the checklist at both ends of a pull request that
/// edits it is the policy's error, judged at the base.
#[tokio::test]
async fn a_section_the_pull_request_removes_stays_its_failure() {
    let gh = FakeGitHub::start().await;
    let case = Case::pr(&gh, PASSING);
    gh.put_file(
        HEAD,
        "READY.md",
        "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n- [x] Runbook written\n",
    );
    gh.set_changed_files(vec![support::ChangedFile::modified("READY.md")]);
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Pass, "Nice is warn-level: {}", ran.everything());
    let report: Value = serde_json::from_str(&ran.output("report").expect("report")).expect("json");
    let codes: Vec<&str> = report["checklists"][0]["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert!(codes.contains(&"section-not-found"), "{codes:?}");

    let gh = FakeGitHub::start().await;
    let case = Case::pr(&gh, "# Ready\n## Must\n- [x] Tests pass\n");
    gh.put_file(HEAD, "READY.md", "# Ready\n## Must\n- [x] Tests pass\n- [x] Docs\n");
    gh.set_changed_files(vec![support::ChangedFile::modified("READY.md")]);
    let ran = case.run().await;
    assert_eq!(ran.exit, Exit::Error, "{}", ran.everything());
    assert!(
        ran.err
            .contains("required section \"Nice\" not found in READY.md at the base"),
        "{}",
        ran.err
    );
}
