//! The built `checkgate action` binary as GitHub Actions runs it: a real
//! webhook payload, the full set of `GITHUB_*` and `INPUT_*` variables, and
//! the local GitHub API of tests/support. Asserts the exact requests, the
//! `$GITHUB_OUTPUT` file and the step summary.

mod support;

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use support::{ChangedFile, FakeGitHub, OWNER, Pull, REPO, TOKEN};

const PAYLOAD: &str = "octokit__webhooks__payload-examples__api.github.com__pull_request__opened.payload.json";
/// `pull_request.head.sha` of that payload.
const HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
/// `pull_request.base.sha` of that payload.
const BASE: &str = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
/// What GitHub would put in `GITHUB_SHA`: the test merge commit.
const MERGE_SHA: &str = "0123456789abcdef0123456789abcdef01234567";

const POLICY: &str = "[[checklist]]\npath = \"docs/READY.md\"\n[[checklist.require]]\nsection = \"Must\"\n";
const CHECKLIST: &str = "# Ready\n\n## Must\n\n- [x] Tests pass\n- [ ] Rollback plan tested\n";

/// Run the binary with the environment of a `pull_request` job in `dir`.
fn run_action(gh: &FakeGitHub, dir: &Path, event_name: &str, payload: &Path) -> Output {
    action(gh, dir, event_name, payload).output().expect("run checkgate")
}

/// The binary with the environment of a `pull_request` job in `dir`.
fn action(gh: &FakeGitHub, dir: &Path, event_name: &str, payload: &Path) -> std::process::Command {
    let workspace = dir.join("workspace");
    let mut cmd = support::action_command(&workspace);
    cmd.envs([
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", event_name),
        ("GITHUB_REPOSITORY", &format!("{OWNER}/{REPO}")),
        ("GITHUB_REPOSITORY_OWNER", OWNER),
        ("GITHUB_API_URL", &gh.uri()),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_GRAPHQL_URL", &format!("{}/graphql", gh.uri())),
        ("GITHUB_SHA", MERGE_SHA),
        ("GITHUB_REF", "refs/pull/2/merge"),
        ("GITHUB_HEAD_REF", "changes"),
        ("GITHUB_BASE_REF", "master"),
        ("GITHUB_WORKFLOW", "checklist"),
        ("GITHUB_RUN_ID", "1658821493"),
        ("GITHUB_RUN_NUMBER", "3"),
        ("GITHUB_RUN_ATTEMPT", "1"),
        ("GITHUB_ACTOR", "Codertocat"),
        ("GITHUB_JOB", "checkgate"),
        ("GITHUB_ACTION", "__checkgate"),
        ("GITHUB_WORKSPACE", &workspace.display().to_string()),
        ("GITHUB_EVENT_PATH", &payload.display().to_string()),
        ("GITHUB_STEP_SUMMARY", &dir.join("summary.md").display().to_string()),
        ("GITHUB_OUTPUT", &dir.join("output").display().to_string()),
        ("GITHUB_ENV", &dir.join("env").display().to_string()),
        ("GITHUB_PATH", &dir.join("path").display().to_string()),
        ("RUNNER_OS", "Linux"),
        ("RUNNER_TEMP", &dir.display().to_string()),
        ("INPUT_TOKEN", TOKEN),
        ("INPUT_POLICY", ".github/checkgate.toml"),
        ("INPUT_COMMENT", "always"),
        ("INPUT_CHECK-RUN", "true"),
        ("INPUT_FAIL", "true"),
        ("INPUT_COMMENT-AUTHOR", "github-actions[bot]"),
    ]);
    cmd
}

/// An empty workspace (the action needs no checkout) and, on the server,
/// pull request 2 changing its checklist, with the policy at the base.
fn seed(gh: &FakeGitHub) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("workspace")).expect("mkdir");
    gh.put_file(BASE, ".github/checkgate.toml", POLICY);
    gh.put_file(BASE, "docs/READY.md", "# Ready\n\n## Must\n\n- [x] Tests pass\n");
    gh.put_file(HEAD, "docs/READY.md", CHECKLIST);
    gh.set_pull(Pull::new(2, HEAD, BASE));
    gh.set_changed_files(vec![ChangedFile::modified("docs/READY.md")]);
    dir
}

#[tokio::test]
async fn the_binary_runs_a_real_pull_request_event_end_to_end() {
    let Some(payload) = support::event(PAYLOAD) else { return };
    let gh = FakeGitHub::start().await;
    let dir = seed(&gh);

    let out = run_action(&gh, dir.path(), "pull_request", &payload);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();

    assert_eq!(out.status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
    // Round one: the check run `in_progress`, compare against the event's
    // base branch and the pull request; its base is `main` now, not the
    // payload's `master`, so compare once more; round two: the checklist.
    let mut lines = gh.request_lines();
    lines[..3].sort();
    lines[4..].sort();
    let mut expected = vec![
        format!("GET /repos/{OWNER}/{REPO}/compare/master...{HEAD}?per_page=1"),
        "POST /graphql PullRead".to_string(),
        format!("POST /repos/{OWNER}/{REPO}/check-runs"),
        format!("GET /repos/{OWNER}/{REPO}/compare/main...{HEAD}?per_page=1"),
        "POST /graphql FilesAt".to_string(),
        // Under `pull_request`, the local actions' directories at the base
        // tip and the head, beside the checklists (issue 20 §4).
        format!("GET /repos/{OWNER}/{REPO}/git/trees/{BASE}?recursive=1"),
        format!("GET /repos/{OWNER}/{REPO}/git/trees/{HEAD}?recursive=1"),
        format!("GET /repos/{OWNER}/{REPO}/issues/2/comments?per_page=100&page=1"),
        format!("PATCH /repos/{OWNER}/{REPO}/check-runs/1001"),
        format!("POST /repos/{OWNER}/{REPO}/issues/2/comments"),
    ];
    expected[..3].sort();
    expected[4..].sort();
    assert_eq!(lines, expected);
    gh.assert_valid();

    let comment = gh.marked_comments();
    assert_eq!(comment.len(), 1);
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).expect("step summary");
    assert_eq!(
        comment[0].body,
        format!(
            "<!-- checkgate -->\n<!-- checkgate:head {HEAD} -->\n{}",
            summary.strip_suffix('\n').unwrap_or(&summary)
        ),
        "the comment is the summary behind the markers"
    );
    assert!(
        summary.contains(&format!(
            "https://github.com/{OWNER}/{REPO}/blob/{HEAD}/docs/READY.md#L6"
        )),
        "{summary}"
    );

    let run = gh.state().check_runs[0].created.clone();
    assert_eq!(run["head_sha"], HEAD);
    assert_eq!(run["conclusion"], "failure");
    assert_eq!(run["output"]["annotations"][0]["path"], "docs/READY.md");
    assert_eq!(run["output"]["annotations"][0]["start_line"], 6);

    let outputs = std::fs::read_to_string(dir.path().join("output")).expect("GITHUB_OUTPUT");
    let values = parse_outputs(&outputs);
    let names: Vec<&str> = values.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["passed", "checked", "total", "open", "report", "pending"]);
    assert_eq!(values[0].1, "false");
    assert_eq!(values[1].1, "1");
    assert_eq!(values[2].1, "2");
    assert_eq!(values[3].1, "1");
    let report: Value = serde_json::from_str(&values[4].1).expect("report is JSON");
    assert_eq!(report["checklists"][0]["path"], "docs/READY.md");

    assert!(stdout.contains("::error file=docs/READY.md,line=6,"), "{stdout}");
    for text in [&stdout, &stderr, &outputs, &summary] {
        assert!(!text.contains(TOKEN), "the token leaked: {text}");
    }
}

#[tokio::test]
async fn the_binary_exits_2_on_an_unsupported_event() {
    let Some(payload) =
        support::event("octokit__webhooks__payload-examples__api.github.com__issue_comment__created.payload.json")
    else {
        return;
    };
    let gh = FakeGitHub::start().await;
    let dir = seed(&gh);
    // `issue_comment` is supported now; `watch` (a star) never concerns a pull request.
    let out = run_action(&gh, dir.path(), "watch", &payload);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("event `watch` is not supported"), "{stderr}");
    assert_eq!(gh.request_lines(), Vec::<String>::new());
}

/// SIGTERM (the runner's second signal to a step it cancels, 7.5 s after
/// SIGINT) is a cancellation too: the check run is completed `cancelled`.
#[cfg(unix)]
#[tokio::test]
async fn the_binary_completes_its_check_run_as_cancelled_on_sigterm() {
    let Some(payload) = support::event(PAYLOAD) else { return };
    let gh = FakeGitHub::start().await;
    let dir = seed(&gh);
    gh.script(support::Scripted::graphql_view("FilesAt", |_| {}).delayed(30_000));
    let mut cmd = action(&gh, dir.path(), "pull_request", &payload);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("run checkgate");
    let started = std::time::Instant::now();
    while !gh.request_lines().iter().any(|l| l.ends_with(" FilesAt")) {
        assert!(started.elapsed().as_secs() < 60, "never read the checklists");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        started.elapsed().as_secs() < 20,
        "ended on SIGTERM, not when the read came back"
    );
    let runs = gh.state().check_runs.clone();
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(runs[0].created["conclusion"], "cancelled");
    assert_eq!(
        runs[0].created["output"]["title"],
        "superseded: this run was cancelled before its verdict"
    );
    assert!(
        stdout
            .contains("::warning title=checkgate::this workflow run was cancelled before checkgate reached a verdict"),
        "{stdout}"
    );
    gh.assert_valid();
}

/// `name<<DELIM` … `DELIM` blocks, in order; each delimiter is used once.
fn parse_outputs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut delimiters = std::collections::HashSet::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let (name, delimiter) = line.split_once("<<").expect("heredoc header");
        assert!(delimiter.starts_with("ghadelimiter_"), "{delimiter}");
        assert!(delimiters.insert(delimiter.to_string()), "delimiter reused");
        let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
        out.push((name.to_string(), value.join("\n")));
    }
    out
}
