//! Every check run a run creates is completed, whatever ends the run: the
//! runner cancelling the step (a newer run for the pull request, through the
//! workflow's concurrency group, or a person), an error after the check run
//! was created, the run's deadline passing, or GitHub refusing the verdict's
//! completion. None is left `in_progress` on the commit (issue 20 §2: an
//! old verdict must not stand, and neither must a run that never ends).

mod support;

use std::time::Duration;

use checkgate::cli::Exit;
use serde_json::{Value, json};
use support::typical::{HEAD, payload, set_up};
use support::{FakeGitHub, Ran, Scripted, StoredCheckRun, TOKEN};

/// The typical pull request's run, cancelled when `cancel` resolves.
async fn run_until(gh: &FakeGitHub, cancel: impl std::future::Future<Output = ()>) -> Ran {
    support::run_action_until(gh, "pull_request", &payload(), &support::action_args(), HEAD, cancel).await
}

/// Resolves once the server has seen a request whose line ends with `what`:
/// the runner's cancellation, arriving while that request is answered.
async fn once_seen(gh: &FakeGitHub, what: &str) {
    while !gh.request_lines().iter().any(|l| l.ends_with(what)) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The one check run the run created, as it ended.
fn only_check_run(gh: &FakeGitHub) -> StoredCheckRun {
    let runs = gh.state().check_runs.clone();
    assert_eq!(runs.len(), 1, "{runs:#?}");
    let run = runs[0].clone();
    assert_eq!(run.created["head_sha"], HEAD);
    assert_eq!(
        run.created["status"], "completed",
        "left in progress: {:#}",
        run.created
    );
    assert!(run.started, "created in progress at the start, then completed");
    run
}

/// The summary of the one check run, completed as failed because the run
/// ended in an error.
fn failure_summary(gh: &FakeGitHub) -> String {
    let run = only_check_run(gh);
    assert_eq!(run.created["conclusion"], "failure");
    assert_eq!(run.created["output"]["title"], "checkgate could not run");
    run.created["output"]["summary"].as_str().unwrap().to_string()
}

const CANCELLED_TITLE: &str = "superseded: this run was cancelled before its verdict";

fn assert_cancelled(gh: &FakeGitHub, ran: &Ran) {
    assert_eq!(ran.exit, Exit::Error, "no verdict");
    let run = only_check_run(gh);
    assert_eq!(run.created["conclusion"], "cancelled");
    assert_eq!(run.created["output"]["title"], CANCELLED_TITLE);
    assert!(
        run.created["output"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("this workflow run was cancelled before checkgate reached a verdict"),
        "{:#}",
        run.created
    );
    assert!(
        ran.out.contains("::warning title=checkgate::this workflow run was cancelled before checkgate reached a verdict: a newer run for the same pull request cancels older ones"),
        "{}",
        ran.out
    );
    assert!(ran.summary.starts_with("## checkgate: cancelled\n"), "{}", ran.summary);
    // The cancelled run posts no verdict anywhere else.
    assert_eq!(gh.marked_comments()[0].body.lines().last(), Some("old verdict"));
    gh.assert_valid();
}

/// Cancelled while judging (after round one answered, before round two
/// did): what broke was a check run left `in_progress` for good.
#[tokio::test]
async fn a_run_cancelled_while_judging_completes_its_check_run_as_superseded() {
    let gh = FakeGitHub::start().await;
    set_up(&gh);
    gh.script(Scripted::graphql_view("FilesAt", |_| {}).delayed(10_000));
    let ran = run_until(&gh, once_seen(&gh, " FilesAt")).await;
    assert_cancelled(&gh, &ran);
}

/// Cancelled before GitHub answered the check run's creation: the answer
/// is waited for, and the run it created completed too.
#[tokio::test]
async fn a_run_cancelled_before_its_check_run_was_created_still_completes_it() {
    let gh = FakeGitHub::start().await;
    set_up(&gh);
    gh.set_latency(Duration::from_millis(200));
    let ran = run_until(&gh, std::future::ready(())).await;
    assert_cancelled(&gh, &ran);
}

/// The runner's cancellation reaches a run that is publishing: the check
/// run still ends completed (by the verdict or as cancelled), never running.
#[tokio::test]
async fn a_run_cancelled_while_publishing_leaves_no_check_run_in_progress() {
    let gh = FakeGitHub::start().await;
    set_up(&gh);
    // The comment's update is held back: the cancellation comes during it.
    let comment = gh.marked_comments()[0].id;
    gh.script(Scripted::json("PATCH", &format!("/issues/comments/{comment}"), 200, json!({})).delayed(10_000));
    let ran = run_until(&gh, once_seen(&gh, &format!("/issues/comments/{comment}"))).await;
    assert_eq!(ran.exit, Exit::Error);
    let run = only_check_run(&gh);
    assert!(
        ["success", "cancelled"].contains(&run.created["conclusion"].as_str().unwrap()),
        "{:#}",
        run.created
    );
}

/// An error after the check run was created completes it as failed with
/// the error: redacted, and unable to render (a GraphQL error message of
/// the server's choosing with a fence, a mention, a link and math).
#[tokio::test]
async fn an_error_after_the_check_run_is_created_completes_it_as_failed_redacted_and_defused() {
    let gh = FakeGitHub::start().await;
    set_up(&gh);
    let hostile = format!("```\n@everyone [click](https://evil.example) $\\Huge x$ {TOKEN}\n```");
    gh.script(Scripted::graphql_body(
        "FilesAt",
        200,
        json!({ "data": null, "errors": [{ "type": "INTERNAL", "message": hostile }] }),
    ));
    let ran = run_until(&gh, std::future::pending()).await;
    assert_eq!(ran.exit, Exit::Error);
    let summary = failure_summary(&gh);
    assert_eq!(
        summary,
        "````\nGraphQL FilesAt: ``` @everyone [click](https://evil.example) $\\Huge x$ *** ```\n````\n"
    );
    for text in [&summary, &ran.summary, &ran.out, &ran.err] {
        assert!(!text.contains(TOKEN), "{text}");
    }
    gh.assert_valid();
}

/// The run's deadline passing is an error like any other: the check run is
/// completed as failed, in a short grace after the deadline, instead of the
/// completion being refused by the same deadline.
#[tokio::test]
async fn a_run_past_its_deadline_still_completes_its_check_run() {
    let gh = FakeGitHub::start().await;
    set_up(&gh);
    gh.script(Scripted::graphql_view("FilesAt", |_| {}).delayed(5_000));
    let mut args = support::action_args();
    args.timeout = Duration::from_secs(1);
    let ran = support::run_action(&gh, "pull_request", &payload(), &args, HEAD).await;
    assert_eq!(ran.exit, Exit::Error);
    let summary = failure_summary(&gh);
    assert!(
        summary.contains("the run's deadline of 1 s (the `timeout` input) passed during this request"),
        "{summary}"
    );
}

/// GitHub refuses the verdict's completion (a 422 on the output, say): the
/// check run is completed as failed with that error rather than left
/// running, and the step fails with it.
#[tokio::test]
async fn a_verdict_github_refuses_is_replaced_by_a_failure_naming_the_refusal() {
    let gh = FakeGitHub::start().await;
    set_up(&gh);
    gh.set_next_id(3000);
    gh.script(Scripted::new(
        "PATCH",
        "/check-runs/3001",
        422,
        "Invalid request.\n\nFor 'properties/output', nil is not an object.",
    ));
    let ran = run_until(&gh, std::future::pending()).await;
    assert_eq!(ran.exit, Exit::Error);
    let summary = failure_summary(&gh);
    assert!(summary.contains("422"), "{summary}");
    assert!(summary.contains("nil is not an object"), "{summary}");
    let patches: Vec<Value> = gh
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.target.contains("/check-runs/"))
        .filter_map(|r| r.body.clone())
        .collect();
    assert_eq!(patches.len(), 2, "the verdict, then the failure: {patches:#?}");
    assert_eq!(patches[0]["conclusion"], "success");
}

/// Cancelled while finding the pull requests a commit's event concerns:
/// nothing was created, so nothing is left; the run ends at once.
#[tokio::test]
async fn a_run_cancelled_before_it_found_its_pull_request_creates_nothing() {
    let gh = FakeGitHub::start().await;
    set_up(&gh);
    gh.script(Scripted::graphql_view("PullsAt", |_| {}).delayed(10_000));
    let ran = support::run_action_until(
        &gh,
        "status",
        &json!({ "sha": HEAD, "state": "success", "context": "ci/test" }),
        &support::action_args(),
        HEAD,
        once_seen(&gh, " PullsAt"),
    )
    .await;
    assert_eq!(ran.exit, Exit::Error);
    assert!(ran.summary.starts_with("## checkgate: cancelled\n"), "{}", ran.summary);
    assert!(gh.state().check_runs.is_empty());
    assert_eq!(gh.request_lines(), ["POST /graphql PullsAt"]);
}
