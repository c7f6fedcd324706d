//! The read layer as issue 17 and issue 20 §2 ask for it, against the local
//! GitHub (which executes every GraphQL query against GitHub's schema):
//! round trips and requests counted on the typical pull request, the traps
//! of GitHub's GraphQL API (64-bit ids, partial answers, its rate limit,
//! Enterprise Server's path), the enforcement warning of issue 18, and reads
//! bound to the commit judged.

mod support;

use std::time::Duration;

use checkgate::cli::Exit;
use checkgate::github::RetryPolicy;
use serde_json::{Value, json};
use support::typical::{BASE, HEAD};
use support::{BOT, FakeGitHub, OWNER, REPO, Ran, Rules, Scripted};

async fn run_at(gh: &FakeGitHub, api_url: Option<String>, payload: &Value) -> Ran {
    let dir = tempfile::tempdir().expect("temp dir");
    // The recommended workflow's event (`pull_request` adds the local actions' listings).
    let mut env = support::action_env(gh, dir.path(), "pull_request_target", payload, HEAD);
    if let Some(url) = api_url {
        env.api_url = url;
    }
    let ran = support::run_in(&env, &support::action_args(), dir.path(), std::future::pending()).await;
    gh.assert_valid();
    ran
}

async fn run(gh: &FakeGitHub) -> Ran {
    run_at(gh, None, &support::typical::payload()).await
}

fn repo_path(rest: &str) -> String {
    format!("/repos/{OWNER}/{REPO}/{rest}")
}

// Issue 17: round trips and requests ------------------------------------------------

#[tokio::test]
async fn a_typical_pull_request_takes_three_round_trips_four_rest_requests_and_two_queries() {
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    gh.set_latency(Duration::from_millis(100));
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{}\n{}", ran.err, ran.summary);

    let comment = gh.marked_comments()[0].id;
    let check_run = gh.state().check_runs[0].id;
    let mut rounds = gh.round_trips();
    for round in &mut rounds {
        round.sort();
    }
    assert_eq!(
        rounds,
        [
            // Sorted: they go out together.
            vec![
                format!("GET {}", repo_path(&format!("compare/main...{HEAD}?per_page=1"))),
                "POST /graphql PullRead".to_string(),
                format!("POST {}", repo_path("check-runs")),
            ],
            vec!["POST /graphql FilesAt".to_string()],
            vec![
                format!("PATCH {}", repo_path(&format!("check-runs/{check_run}"))),
                format!("PATCH {}", repo_path(&format!("issues/comments/{comment}"))),
            ],
        ]
    );
    let lines = gh.request_lines();
    let graphql = lines.iter().filter(|l| l.starts_with("POST /graphql")).count();
    assert_eq!((lines.len() - graphql, graphql), (4, 2), "{lines:#?}");
    let run = gh.state().check_runs[0].clone();
    assert!(run.started, "created in_progress first");
    assert_eq!(run.created["conclusion"], "success");
}

#[tokio::test]
async fn a_base_that_moved_on_reads_the_tip_in_the_same_second_round() {
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    let tip = "5555555555555555555555555555555555555555";
    for path in [".github/checkgate.toml", ".github/pull_request_template.md", "READY.md"] {
        let text = gh.state().files[&(BASE.to_string(), path.to_string())].clone();
        gh.state().files.insert((tip.to_string(), path.to_string()), text);
    }
    gh.set_behind(tip, BASE);
    gh.set_latency(Duration::from_millis(100));
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{}\n{}", ran.err, ran.summary);
    assert_eq!(gh.round_trips().len(), 3, "{:#?}", gh.round_trips());
    // One query read the checklist at the head, the merge base and the tip.
    for at in [HEAD, BASE, tip] {
        assert!(gh.read_at(at, "READY.md"), "{at}");
    }
    assert!(gh.read_at(tip, ".github/pull_request_template.md"));
}

// GitHub's GraphQL traps ------------------------------------------------------------

#[tokio::test]
async fn a_comment_id_past_2_to_the_31_is_updated_by_its_full_id() {
    // `databaseId` is a 32-bit Int: comment ids passed it long ago.
    let gh = FakeGitHub::start().await;
    gh.set_next_id(3_000_000_000);
    support::typical::set_up(&gh);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    let id = gh.marked_comments()[0].id;
    assert!(id > 1 << 31, "{id}");
    assert!(
        gh.request_lines()
            .contains(&format!("PATCH {}", repo_path(&format!("issues/comments/{id}")))),
        "{:#?}",
        gh.request_lines()
    );
    assert_eq!(gh.marked_comments().len(), 1, "updated, not posted again");
}

#[tokio::test]
async fn a_partial_graphql_answer_is_a_failed_read_never_judged() {
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    // The data comes, but GitHub says the reviews could not be read: the
    // approval in it must not count.
    gh.script(Scripted::graphql_view("PullRead", |_| {}).with_error(json!({
        "type": "FORBIDDEN",
        "path": ["repository", "pullRequest", "reviews"],
        "message": "Resource not accessible by integration",
    })));
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error, "{}", ran.out);
    assert_eq!(
        ran.err,
        "checkgate: error: GraphQL PullRead: Resource not accessible by integration (GitHub sent part of the answer; checkgate never judges from part of one)\n"
    );
    // The check run created at the start is not left running, nor passed.
    let run = gh.state().check_runs[0].clone();
    assert_eq!(run.created["conclusion"], "failure");
    assert_eq!(run.created["output"]["title"], "checkgate could not run");
    assert_eq!(gh.marked_comments()[0].body.lines().last(), Some("old verdict"));
}

#[tokio::test]
async fn a_graphql_rate_limit_is_waited_out_and_the_query_sent_again() {
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 20;
    gh.script(
        Scripted::graphql_body(
            "PullRead",
            200,
            json!({ "errors": [{ "type": "RATE_LIMITED", "message": "API rate limit exceeded for installation ID 1." }] }),
        )
        .header("x-ratelimit-remaining", "0")
        .header("x-ratelimit-reset", &reset.to_string()),
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    let reads = gh.request_lines().iter().filter(|l| l.ends_with(" PullRead")).count();
    assert_eq!(reads, 2);
}

#[tokio::test]
async fn a_graphql_rate_limit_past_the_retry_budget_is_exit_2_at_once() {
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    gh.script(
        Scripted::graphql_body(
            "PullRead",
            200,
            json!({ "errors": [{ "type": "RATE_LIMITED", "message": "API rate limit exceeded" }] }),
        )
        .header("retry-after", "3600"),
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error);
    assert_eq!(
        ran.err,
        "checkgate: error: POST /graphql: gave up after 1 attempt(s): GraphQL RATE_LIMITED: API rate limit exceeded (next wait of 3600 s exceeds the retry budget)\n"
    );
}

#[tokio::test]
async fn a_secondary_rate_limit_on_graphql_is_retried_like_rest() {
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    gh.script(
        Scripted::new("POST", "/graphql", 403, "You have exceeded a secondary rate limit").header("retry-after", "5"),
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    let reads = gh
        .request_lines()
        .iter()
        .filter(|l| l.starts_with("POST /graphql"))
        .count();
    assert_eq!(reads, 3, "PullRead twice, FilesAt once");
}

#[tokio::test]
async fn enterprise_server_is_read_at_api_graphql_beside_api_v3() {
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    let ran = run_at(&gh, Some(format!("{}/api/v3", gh.uri())), &support::typical::payload()).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    let lines = gh.request_lines();
    assert!(lines.contains(&"POST /api/graphql PullRead".to_string()), "{lines:#?}");
    assert!(lines.contains(&"POST /api/graphql FilesAt".to_string()), "{lines:#?}");
    assert!(
        lines.contains(&format!(
            "GET /api/v3{}",
            repo_path(&format!("compare/main...{HEAD}?per_page=1"))
        )),
        "{lines:#?}"
    );
}

// Issue 18: whether the gate is enforced ----------------------------------------------

const NOT_REQUIRED: &str = "checkgate is not a required check on `main`: this verdict does not block merging";
const UNVERIFIED: &str = "could not verify that the check is required";

#[tokio::test]
async fn a_rule_requiring_the_check_adds_no_warning() {
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    let comment = gh.marked_comments()[0].body.clone();
    for text in [&ran.summary, &comment] {
        assert!(!text.contains(NOT_REQUIRED) && !text.contains(UNVERIFIED), "{text}");
    }
}

#[tokio::test]
async fn no_rule_requiring_the_check_is_said_in_the_summary_and_once_in_the_comment() {
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    gh.state().rules = Rules::Required(vec!["build".to_string()]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    assert_eq!(ran.summary.matches(NOT_REQUIRED).count(), 1, "{}", ran.summary);
    let comment = gh.marked_comments()[0].body.clone();
    assert_eq!(comment.matches(NOT_REQUIRED).count(), 1, "{comment}");
    assert!(
        comment.ends_with(&format!("> [!WARNING]\n> {NOT_REQUIRED}\n")),
        "{comment}"
    );
}

#[tokio::test]
async fn rules_the_token_cannot_read_are_said_in_the_summary_only() {
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    gh.state().rules = Rules::Unreadable;
    let ran = run(&gh).await;
    // An unreadable optional field is not a failed read: the verdict stands.
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    assert!(
        ran.summary.contains(
            "> [!NOTE]\n> checkgate could not verify that the check is required on the base branch (its rules are not readable with this token)\n"
        ),
        "{}",
        ran.summary
    );
    let comment = gh.marked_comments()[0].body.clone();
    assert!(
        !comment.contains(UNVERIFIED) && !comment.contains(NOT_REQUIRED),
        "{comment}"
    );
}

// Issue 20 §2: reads bound to the commit judged ----------------------------------------

#[tokio::test]
async fn the_base_copy_is_compared_even_when_the_file_list_leaves_the_checklist_out() {
    // The changed-file list names a symlink's target, not the link: the
    // checklist looks unchanged, yet its open item is gone at the head.
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    gh.put_file(
        BASE,
        "READY.md",
        "# Ready\n## Must\n- [ ] Tests pass\n- [ ] Security review\n",
    );
    gh.put_file(HEAD, "READY.md", "# Ready\n## Must\n- [x] Tests pass\n");
    gh.set_changed_files(vec![support::ChangedFile::modified("docs/elsewhere.md")]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail, "{}", ran.err);
    assert!(ran.codes().contains(&"item-removed".to_string()), "{:?}", ran.codes());
}

#[tokio::test]
async fn a_symlinked_checklist_at_the_base_is_refused_like_at_the_head() {
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    gh.put_symlink(BASE, "READY.md", "docs/ready-target.md");
    gh.put_file(BASE, "docs/ready-target.md", "# Ready\n## Must\n- [ ] Tests pass\n");
    gh.set_changed_files(vec![support::ChangedFile::modified("docs/ready-target.md")]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error);
    assert_eq!(
        ran.err,
        format!("checkgate: error: READY.md at {BASE} is a symlink, not a file\n")
    );
}

#[tokio::test]
async fn a_bot_login_graphql_spells_without_its_suffix_still_finds_the_sticky_comment() {
    // GraphQL names `github-actions[bot]` `github-actions` (a Bot): the
    // comment is still recognised as ours and updated, not posted again.
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    let ours: Vec<_> = gh.state().comments.iter().filter(|c| c.login == BOT).cloned().collect();
    assert_eq!(ours.len(), 1);
    assert!(
        !gh.request_lines()
            .iter()
            .any(|l| l.starts_with("POST") && l.ends_with("/comments"))
    );
}

#[tokio::test]
async fn a_commit_heading_two_pull_requests_gets_the_strictest_verdict_of_both() {
    // Issue 20 §2: #42 → main fails, #43 → release/1.x (a laxer policy)
    // passes, and both post `checkgate` on the same commit. The run for #43
    // judges #42 too, so the check reads failure whichever run is newest.
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    // #42's sign-off is missing; #43's base asks for none.
    gh.state().reviews.clear();
    gh.put_file(
        HEAD,
        "READY.md",
        "# Ready\n## Must\n- [x] Tests pass\n- [ ] Rollback plan tested\n",
    );
    let release = "6666666666666666666666666666666666666666";
    gh.put_file(
        release,
        ".github/checkgate.toml",
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Must\"\nlevel = \"warn\"\n",
    );
    gh.put_file(
        release,
        "READY.md",
        "# Ready\n## Must\n- [ ] Tests pass\n- [ ] Rollback plan tested\n",
    );
    let mut other = support::Pull::new(43, HEAD, release);
    other.base_ref = "release/1.x".to_string();
    gh.state().other_pulls.push(other);
    let mut payload = support::typical::payload();
    payload["number"] = json!(43);
    payload["pull_request"]["number"] = json!(43);
    payload["pull_request"]["base"] = json!({ "sha": release, "ref": "release/1.x" });

    let ran = run_at(&gh, None, &payload).await;
    assert_eq!(ran.output("passed").as_deref(), Some("true"), "#43 itself passes");
    assert_eq!(ran.exit, Exit::Fail, "the commit's check fails with #42: {}", ran.err);
    let run = gh.state().check_runs[0].clone();
    assert_eq!(run.created["conclusion"], "failure");
    let summary = run.created["output"]["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        summary.ends_with(
            "\n### This commit is the head of 2 open pull requests\n\nThe check's conclusion is the strictest of their verdicts.\n\n\
             | Pull request | Base | Verdict |\n|---|---|---|\n\
             | pull request 43 | `release/1.x` | ✅ passes |\n\
             | pull request 42 | `main` | ❌ fails |\n"
        ),
        "{summary}"
    );
    assert_eq!(gh.state().check_runs.len(), 1, "one check run, for the commit");
}

#[tokio::test]
async fn the_open_pull_requests_a_commit_heads_are_found_in_one_query() {
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    let mut other = support::Pull::new(43, HEAD, BASE);
    other.base_ref = "release/1.x".to_string();
    gh.state().other_pulls.push(other);
    let mut closed = support::Pull::new(44, HEAD, BASE);
    closed.state = "closed".to_string();
    gh.state().other_pulls.push(closed);
    gh.state()
        .other_pulls
        .push(support::Pull::new(45, "7777777777777777777777777777777777777777", BASE));
    let client = checkgate::github::Client::new(
        checkgate::github::Octocrab::new(&gh.uri(), Some(support::TOKEN)).expect("client"),
        checkgate::github::Repo::parse(&format!("{OWNER}/{REPO}")).expect("repo"),
        RetryPolicy::default(),
        None,
    );
    assert_eq!(client.open_pulls_at(HEAD).await.expect("read"), [42, 43]);
    assert_eq!(gh.request_lines(), ["POST /graphql PullsAt"]);
    gh.assert_valid();
}

#[tokio::test]
async fn a_pull_request_from_the_same_commit_into_an_ungated_branch_is_listed_not_an_error() {
    // Anyone can open a pull request from the same commit: one into a branch
    // with no policy has no verdict, and cannot turn this run into an error.
    let gh = FakeGitHub::start().await;
    support::typical::set_up(&gh);
    let scratch = "8888888888888888888888888888888888888888";
    gh.put_file(scratch, "README.md", "scratch\n");
    let mut other = support::Pull::new(43, HEAD, scratch);
    other.base_ref = "scratch".to_string();
    gh.state().other_pulls.push(other);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Pass, "{}", ran.err);
    let run = gh.state().check_runs[0].clone();
    assert_eq!(run.created["conclusion"], "success");
    let summary = run.created["output"]["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        summary.ends_with(
            "| pull request 42 | `main` | ✅ passes |\n| pull request 43 | — | not gated: no policy at its base |\n"
        ),
        "{summary}"
    );
}
