//! A local GitHub REST API for the action tests.
//!
//! One wiremock responder plays the part of GitHub for the endpoints checkgate
//! uses (issue comments and check runs), keeps their state, records every
//! request, and checks each one — method, path, query and JSON body — against
//! GitHub's published OpenAPI description in `../shared/corpus/openapi/`.
//! Tests can queue scripted replies (a 500, a rate limit) in front of the
//! normal behaviour.
//!
//! It also serves what the action reads: files at refs (contents and blobs
//! APIs), one pull request with its changed files and reviews, and team
//! memberships. The few endpoints outside the shared OpenAPI subset are
//! checked against [`UNDESCRIBED`], a table written from GitHub's REST docs.
//!
//! GraphQL (`POST /graphql`, or `/api/graphql` beside an Enterprise Server's
//! `/api/v3`) is executed against the same state by `graphql.rs`: every
//! query is validated against GitHub's schema and answered in its shape.
#![allow(dead_code)]

#[path = "../common/mod.rs"]
mod common;
mod graphql;
#[path = "../../tools/prune-schema/src/prune.rs"]
mod schema_prune;

pub use graphql::Rules;

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The action's arguments as action.yml's defaults give them, with [`TOKEN`]
/// and the policy at its default path.
pub fn action_args() -> checkgate::action::ActionArgs {
    checkgate::action::ActionArgs {
        token: Some(TOKEN.parse().expect("infallible")),
        policy: PathBuf::from(".github/checkgate.toml"),
        comment: checkgate::action::CommentMode::Always,
        check_run: true,
        fail: true,
        comment_author: BOT.to_string(),
        verbose: false,
        timeout: Duration::from_secs(600),
        request_timeout: Duration::from_secs(60),
    }
}

/// `checkgate action` (the built binary) in `dir`, with none of this
/// process's `GITHUB_*`, `INPUT_*` or `RUNNER_*` variables: tests running
/// inside GitHub Actions must not leak the real job's context in.
pub fn action_command(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_checkgate"));
    cmd.arg("action").current_dir(dir);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("GITHUB_") || name.starts_with("INPUT_") || name.starts_with("RUNNER_") {
            cmd.env_remove(&name);
        }
    }
    cmd
}

pub const OWNER: &str = "Codertocat";
pub const REPO: &str = "Hello-World";
/// The context of an action run against `gh`: the event `payload` written to
/// `dir`, the step summary and outputs files in `dir`, `GITHUB_SHA` = `sha`.
pub fn action_env(
    gh: &FakeGitHub,
    dir: &Path,
    event: &str,
    payload: &Value,
    sha: &str,
) -> checkgate::action::GithubEnv {
    let event_path = dir.join("event.json");
    std::fs::write(&event_path, payload.to_string()).expect("write event");
    checkgate::action::GithubEnv {
        event_name: event.to_string(),
        event_path,
        repository: format!("{OWNER}/{REPO}"),
        api_url: gh.uri(),
        server_url: "https://github.example".to_string(),
        step_summary: Some(dir.join("summary.md")),
        output: Some(dir.join("output")),
        sha: Some(sha.to_string()),
        debug: false,
        workflow_ref: Some(format!(
            "{OWNER}/{REPO}/.github/workflows/checkgate.yml@refs/pull/7/merge"
        )),
    }
}

/// One run of the action against `gh`, with what it left behind.
pub struct Ran {
    pub exit: checkgate::cli::Exit,
    pub out: String,
    pub err: String,
    /// The `$GITHUB_OUTPUT` file's text.
    pub outputs: String,
    pub summary: String,
    /// The `report` step output, parsed (`Null` when there was none).
    pub report: Value,
}

impl Ran {
    /// Step output `name` ([`output_value`]).
    pub fn output(&self, name: &str) -> Option<String> {
        output_value(&self.outputs, name)
    }

    /// The `report` step output, which the run must have written.
    pub fn written_report(&self) -> &Value {
        assert!(!self.report.is_null(), "no report output:\n{}", self.outputs);
        &self.report
    }

    /// Everything the run wrote anywhere a user could see it.
    pub fn everything(&self) -> String {
        format!("{}\n{}\n{}\n{}", self.out, self.err, self.outputs, self.summary)
    }

    /// The finding codes of every checklist, in order.
    pub fn codes(&self) -> Vec<String> {
        self.report["checklists"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["requirements"].as_array().cloned().unwrap_or_default())
            .map(|r| r["code"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// The requirement reports of checklist `at`, as (code, message).
    pub fn findings_of(&self, at: usize) -> Vec<(String, String)> {
        self.report["checklists"][at]["requirements"]
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

    /// The first requirement of checklist `at` with finding `code`.
    pub fn finding(&self, at: usize, code: &str) -> Value {
        self.report["checklists"][at]["requirements"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["code"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("no {code} finding in {:#}", self.report))
    }
}

/// Run the action once for `event` with `payload` (`GITHUB_SHA` = `sha`),
/// with retries that do not wait, and collect what it printed and wrote.
pub async fn run_action(
    gh: &FakeGitHub,
    event: &str,
    payload: &Value,
    args: &checkgate::action::ActionArgs,
    sha: &str,
) -> Ran {
    run_action_until(gh, event, payload, args, sha, std::future::pending()).await
}

/// [`run_action`], with the runner cancelling the step when `cancel`
/// resolves.
pub async fn run_action_until(
    gh: &FakeGitHub,
    event: &str,
    payload: &Value,
    args: &checkgate::action::ActionArgs,
    sha: &str,
    cancel: impl std::future::Future<Output = ()>,
) -> Ran {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = action_env(gh, dir.path(), event, payload, sha);
    let ran = run_in(&env, args, dir.path(), cancel).await;
    gh.assert_valid();
    ran
}

/// Run the action once with `env` (its runner files in `dir`), with retries
/// that do not wait, the runner cancelling the step when `cancel` resolves;
/// collect what it printed and wrote (the runner files accumulate, as a
/// job's do, across runs in one `dir`).
pub async fn run_in(
    env: &checkgate::action::GithubEnv,
    args: &checkgate::action::ActionArgs,
    dir: &Path,
    cancel: impl std::future::Future<Output = ()>,
) -> Ran {
    let retry = checkgate::github::RetryPolicy {
        time_scale: 0.0,
        ..checkgate::github::RetryPolicy::default()
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let exit = checkgate::action::run_until(args, env, retry, &mut out, &mut err, cancel).await;
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let outputs = read("output");
    let summary = read("summary.md");
    let report = output_value(&outputs, "report")
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or(Value::Null);
    Ran {
        exit,
        out: String::from_utf8(out).expect("utf-8"),
        err: String::from_utf8(err).expect("utf-8"),
        outputs,
        summary,
        report,
    }
}

/// The value of step output `name` in a `$GITHUB_OUTPUT` file's text
/// (`name<<DELIM` heredocs), if it was written.
pub fn output_value(outputs: &str, name: &str) -> Option<String> {
    let mut lines = outputs.lines();
    while let Some(line) = lines.next() {
        if let Some(delimiter) = line.strip_prefix(&format!("{name}<<")) {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
            return Some(value.join("\n"));
        }
    }
    None
}

/// A recognisable fake token: tests assert it never shows up anywhere.
pub const TOKEN: &str = "ghs_FAKEtoken0123456789checkgateSECRET";
pub const BOT: &str = "github-actions[bot]";

/// `../shared`, when the shared data sits beside the repository.
pub fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        common::skip(&dir);
        None
    }
}

/// A real webhook payload from the shared corpus.
pub fn event(name: &str) -> Option<PathBuf> {
    let path = shared()?.join("corpus/events").join(name);
    if path.is_file() {
        Some(path)
    } else {
        common::skip(&path);
        None
    }
}

#[derive(Debug, Clone)]
pub struct StoredComment {
    pub id: u64,
    pub body: String,
    pub login: String,
    /// The author's `author_association` with the repository.
    pub association: String,
}

#[derive(Debug, Clone)]
pub struct StoredCheckRun {
    pub id: u64,
    /// The run as created, or, for one created `in_progress` and completed
    /// later, as completed.
    pub created: Value,
    /// Updates after that: further batches of annotations.
    pub updates: Vec<Value>,
    /// Created `in_progress` before it was completed.
    pub started: bool,
}

impl StoredCheckRun {
    /// Every annotation sent, in order, over the create and its updates.
    pub fn annotations(&self) -> Vec<Value> {
        std::iter::once(&self.created)
            .chain(&self.updates)
            .filter_map(|b| b.pointer("/output/annotations").and_then(Value::as_array))
            .flatten()
            .cloned()
            .collect()
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// A GraphQL request's operation name.
    pub operation: Option<String>,
    /// When the request arrived.
    pub at: std::time::Instant,
    /// Path and query, e.g. `/repos/o/r/issues/1/comments?per_page=100&page=1`.
    pub target: String,
    pub body: Option<Value>,
    pub authorization: Option<String>,
}

impl Seen {
    /// `GET /path?query`: handy for comparing whole request lists.
    pub fn line(&self) -> String {
        match &self.operation {
            Some(op) => format!("{} {} {op}", self.method, self.target),
            None => format!("{} {}", self.method, self.target),
        }
    }
}

/// A reply queued in front of the normal behaviour for the first request
/// matching `method` and whose path ends with `path_suffix`.
#[derive(Debug, Clone)]
pub struct Scripted {
    pub method: &'static str,
    pub path_suffix: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// Also perform the request (a write that succeeded although the reply says 5xx).
    pub apply: bool,
    /// Hold the reply back this long.
    pub delay: Option<Duration>,
    /// Only a GraphQL request for this operation.
    pub operation: Option<String>,
    /// For GraphQL: answer the query from the state as this changes it
    /// (the server's state itself is left as it is), instead of `body`.
    pub view: Option<View>,
    /// For a GraphQL view: errors sent beside the data (a partial answer).
    pub errors: Vec<Value>,
}

/// A change to the state one GraphQL answer is computed from.
#[derive(Clone)]
pub struct View(pub Arc<dyn Fn(&mut State) + Send + Sync>);

impl std::fmt::Debug for View {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("View(..)")
    }
}

impl Scripted {
    pub fn new(method: &'static str, path_suffix: &str, status: u16, message: &str) -> Scripted {
        Scripted {
            method,
            path_suffix: path_suffix.to_string(),
            status,
            headers: Vec::new(),
            body: json!({ "message": message, "documentation_url": "https://docs.github.com/rest" }),
            apply: false,
            delay: None,
            operation: None,
            view: None,
            errors: Vec::new(),
        }
    }

    /// Send `error` beside the data of a GraphQL view: a partial answer.
    pub fn with_error(mut self, error: Value) -> Scripted {
        self.errors.push(error);
        self
    }

    /// A GraphQL answer to the next `operation` query, computed from the
    /// state as `change` leaves it.
    pub fn graphql_view(operation: &str, change: impl Fn(&mut State) + Send + Sync + 'static) -> Scripted {
        Scripted {
            operation: Some(operation.to_string()),
            view: Some(View(Arc::new(change))),
            ..Scripted::new("POST", "/graphql", 200, "")
        }
    }

    /// A whole GraphQL response body for the next `operation` query.
    pub fn graphql_body(operation: &str, status: u16, body: Value) -> Scripted {
        Scripted {
            operation: Some(operation.to_string()),
            ..Scripted::json("POST", "/graphql", status, body)
        }
    }

    /// A reply with a whole JSON body of the test's choosing.
    pub fn json(method: &'static str, path_suffix: &str, status: u16, body: Value) -> Scripted {
        Scripted {
            body,
            ..Scripted::new(method, path_suffix, status, "")
        }
    }

    /// Hold the reply back for `ms` milliseconds.
    pub fn delayed(mut self, ms: u64) -> Scripted {
        self.delay = Some(Duration::from_millis(ms));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Scripted {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn applied(mut self) -> Scripted {
        self.apply = true;
        self
    }
}

/// A path at a ref.
#[derive(Debug, Clone)]
pub enum Entry {
    File(Vec<u8>),
    Symlink(String),
    Dir,
}

/// The pull request the server knows.
#[derive(Debug, Clone)]
pub struct Pull {
    pub number: u64,
    pub head_sha: String,
    pub base_sha: String,
    pub head_ref: String,
    pub base_ref: String,
    pub body: Option<String>,
    pub state: String,
    pub author: String,
    /// `changed_files` as served; `None` counts the files set on the server.
    pub changed_files: Option<u64>,
    pub draft: bool,
    /// The labels on the pull request now.
    pub labels: Vec<String>,
    /// Every `labeled` event, oldest first: the label and who applied it
    /// (`None`: a deleted account).
    pub label_events: Vec<(String, Option<String>)>,
    /// Commits the pull request held before its head: GitHub still
    /// associates them with it.
    pub earlier_heads: Vec<String>,
}

impl Pull {
    pub fn new(number: u64, head_sha: &str, base_sha: &str) -> Pull {
        Pull {
            number,
            head_sha: head_sha.to_string(),
            base_sha: base_sha.to_string(),
            head_ref: "feature".to_string(),
            base_ref: "main".to_string(),
            body: None,
            state: "open".to_string(),
            author: "octocat".to_string(),
            changed_files: None,
            draft: false,
            labels: Vec::new(),
            label_events: Vec::new(),
            earlier_heads: Vec::new(),
        }
    }
}

/// One entry of a pull request's files.
#[derive(Debug, Clone)]
pub struct ChangedFile {
    pub filename: String,
    pub status: String,
    pub previous_filename: Option<String>,
}

impl ChangedFile {
    fn with(filename: &str, status: &str) -> ChangedFile {
        ChangedFile {
            filename: filename.to_string(),
            status: status.to_string(),
            previous_filename: None,
        }
    }
    pub fn modified(filename: &str) -> ChangedFile {
        ChangedFile::with(filename, "modified")
    }
    pub fn added(filename: &str) -> ChangedFile {
        ChangedFile::with(filename, "added")
    }
    pub fn removed(filename: &str) -> ChangedFile {
        ChangedFile::with(filename, "removed")
    }
    pub fn renamed(from: &str, to: &str) -> ChangedFile {
        ChangedFile {
            previous_filename: Some(from.to_string()),
            ..ChangedFile::with(to, "renamed")
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoredReview {
    pub id: u64,
    pub login: String,
    pub state: String,
    pub commit_id: String,
}

#[derive(Debug, Default)]
pub struct State {
    pub comments: Vec<StoredComment>,
    pub check_runs: Vec<StoredCheckRun>,
    pub requests: Vec<Seen>,
    pub script: VecDeque<Scripted>,
    /// Requests that break GitHub's OpenAPI description.
    pub violations: Vec<String>,
    /// Writes answer 403 "Resource not accessible by integration".
    pub read_only: bool,
    /// When set, error bodies echo the Authorization header (a hostile proxy).
    pub echo_auth: bool,
    /// (ref, path) → file. A request without `ref` reads ref `main`.
    pub files: HashMap<(String, String), Entry>,
    pub pull: Option<Pull>,
    pub changed_files: Vec<ChangedFile>,
    pub reviews: Vec<StoredReview>,
    /// (org, team slug), lower case → member logins.
    pub teams: HashMap<(String, String), Vec<String>>,
    /// Team memberships answer 403, as for a `GITHUB_TOKEN`.
    pub teams_forbidden: bool,
    /// Branch → tip commit, for the compare API; a branch not listed here is
    /// the pull request's base branch at its `base_sha`.
    pub branch_tips: HashMap<String, String>,
    /// The merge base the compare API reports; by default the base tip (a
    /// branch that is not behind).
    pub merge_base: Option<String>,
    /// Trees listings say `truncated: true`.
    pub trees_truncated: bool,
    /// The base branch's rules.
    pub rules: Rules,
    /// Commits GraphQL's `object(expression:)` finds besides those holding files.
    pub known_commits: Vec<String>,
    /// Added to every answer (a network round trip).
    pub latency: Option<Duration>,
    /// GraphQL says every page of comments has another after it.
    pub endless_comments: bool,
    /// Further pull requests (sharing the files, reviews and comments above).
    pub other_pulls: Vec<Pull>,
    /// Check runs other apps and workflows made on commits (checkgate's own
    /// are `check_runs`); GraphQL's status-check rollup shows both.
    pub commit_checks: Vec<FakeCheck>,
    /// Commit statuses, newest last.
    pub statuses: Vec<FakeStatus>,
    /// Deployments, oldest first.
    pub deployments: Vec<FakeDeployment>,
    next_id: u64,
}

/// A check run on a commit, made by another app or workflow.
#[derive(Debug, Clone)]
pub struct FakeCheck {
    pub sha: String,
    pub id: u64,
    pub name: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    pub conclusion: Option<String>,
    pub app: String,
    pub workflow_path: Option<String>,
}

/// A commit status.
#[derive(Debug, Clone)]
pub struct FakeStatus {
    pub sha: String,
    pub context: String,
    pub state: String,
}

/// A deployment of a commit and its latest status.
#[derive(Debug, Clone)]
pub struct FakeDeployment {
    pub sha: String,
    pub id: u64,
    pub environment: String,
    pub state: Option<String>,
}

pub struct FakeGitHub {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
}

impl FakeGitHub {
    pub async fn start() -> FakeGitHub {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            next_id: 1000,
            ..State::default()
        }));
        Mock::given(wiremock::matchers::any())
            .respond_with(Handler(state.clone()))
            .mount(&server)
            .await;
        FakeGitHub { server, state }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("state lock")
    }

    /// Add a comment by `login` to pull request `number`.
    pub fn add_comment(&self, login: &str, body: &str) -> u64 {
        self.add_comment_as(login, "NONE", body)
    }

    /// Add a comment by `login`, whose `author_association` is `association`
    /// (`OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, `NONE`, …).
    pub fn add_comment_as(&self, login: &str, association: &str, body: &str) -> u64 {
        let mut s = self.state();
        s.next_id += 1;
        let id = s.next_id;
        s.comments.push(StoredComment {
            id,
            body: body.to_string(),
            login: login.to_string(),
            association: association.to_string(),
        });
        id
    }

    pub fn put_file(&self, git_ref: &str, path: &str, text: &str) {
        self.put_bytes(git_ref, path, text.as_bytes());
    }

    pub fn put_bytes(&self, git_ref: &str, path: &str, bytes: &[u8]) {
        self.state()
            .files
            .insert((git_ref.to_string(), path.to_string()), Entry::File(bytes.to_vec()));
    }

    pub fn put_symlink(&self, git_ref: &str, path: &str, target: &str) {
        self.state().files.insert(
            (git_ref.to_string(), path.to_string()),
            Entry::Symlink(target.to_string()),
        );
    }

    pub fn put_dir(&self, git_ref: &str, path: &str) {
        self.state()
            .files
            .insert((git_ref.to_string(), path.to_string()), Entry::Dir);
    }

    pub fn delete_file(&self, git_ref: &str, path: &str) {
        self.state().files.remove(&(git_ref.to_string(), path.to_string()));
    }

    pub fn set_pull(&self, pull: Pull) {
        self.state().pull = Some(pull);
    }

    pub fn update_pull(&self, f: impl FnOnce(&mut Pull)) {
        if let Some(p) = self.state().pull.as_mut() {
            f(p);
        }
    }

    /// `by` applies `label` to the pull request (a `labeled` event).
    pub fn add_label(&self, label: &str, by: &str) {
        self.update_pull(|p| {
            if !p.labels.iter().any(|l| l == label) {
                p.labels.push(label.to_string());
            }
            p.label_events.push((label.to_string(), Some(by.to_string())));
        });
    }

    /// `label` is taken off the pull request.
    pub fn remove_label(&self, label: &str) {
        self.update_pull(|p| p.labels.retain(|l| l != label));
    }

    pub fn set_changed_files(&self, files: Vec<ChangedFile>) {
        self.state().changed_files = files;
    }

    /// A check run `name` on `sha` by GitHub Actions, from
    /// `.github/workflows/ci.yml`: `completed` with `conclusion`, or
    /// `in_progress` without one. Returns its id.
    pub fn add_check(&self, sha: &str, name: &str, conclusion: Option<&str>) -> u64 {
        let mut s = self.state();
        s.next_id += 1;
        let id = s.next_id;
        s.commit_checks.push(FakeCheck {
            sha: sha.to_string(),
            id,
            name: name.to_string(),
            status: if conclusion.is_some() {
                "completed"
            } else {
                "in_progress"
            }
            .to_string(),
            conclusion: conclusion.map(str::to_string),
            app: "github-actions".to_string(),
            workflow_path: Some(".github/workflows/ci.yml".to_string()),
        });
        id
    }

    /// A commit status `context` on `sha` in `state`.
    pub fn add_status(&self, sha: &str, context: &str, state: &str) {
        self.state().statuses.push(FakeStatus {
            sha: sha.to_string(),
            context: context.to_string(),
            state: state.to_string(),
        });
    }

    /// A deployment of `sha` to `environment` whose latest status is `state`.
    pub fn add_deployment(&self, sha: &str, environment: &str, state: Option<&str>) {
        let mut s = self.state();
        s.next_id += 1;
        let id = s.next_id;
        s.deployments.push(FakeDeployment {
            sha: sha.to_string(),
            id,
            environment: environment.to_string(),
            state: state.map(str::to_string),
        });
    }

    pub fn add_review(&self, login: &str, state: &str, commit_id: &str) {
        let mut s = self.state();
        s.next_id += 1;
        let id = s.next_id;
        s.reviews.push(StoredReview {
            id,
            login: login.to_string(),
            state: state.to_string(),
            commit_id: commit_id.to_string(),
        });
    }

    pub fn add_team_member(&self, org: &str, team_slug: &str, login: &str) {
        self.state()
            .teams
            .entry((org.to_ascii_lowercase(), team_slug.to_ascii_lowercase()))
            .or_default()
            .push(login.to_string());
    }

    /// The base branch moved on to `tip` after the pull request branched
    /// off at `merge_base`.
    pub fn set_behind(&self, tip: &str, merge_base: &str) {
        let mut s = self.state();
        let branch = s.pull.as_ref().map_or("main".to_string(), |p| p.base_ref.clone());
        s.branch_tips.insert(branch, tip.to_string());
        s.merge_base = Some(merge_base.to_string());
    }

    pub fn script(&self, reply: Scripted) {
        self.state().script.push_back(reply);
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state().requests.clone()
    }

    pub fn request_lines(&self) -> Vec<String> {
        self.requests().iter().map(Seen::line).collect()
    }

    /// Whether the run read `path` at `git_ref`: through REST contents, a
    /// `FilesAt` query, or (the policy at the base tip) the `PullRead` query.
    pub fn read_at(&self, git_ref: &str, path: &str) -> bool {
        let s = self.state();
        let tip = s.pull.as_ref().map(|p| {
            s.branch_tips
                .get(&p.base_ref)
                .cloned()
                .unwrap_or_else(|| p.base_sha.clone())
        });
        s.requests.iter().any(|r| {
            let v = r.body.as_ref().map(|b| &b["variables"]);
            match (r.operation.as_deref(), v) {
                (Some("FilesAt"), Some(v)) => {
                    let refs = [("at0", None), ("at1", Some("with1")), ("at2", Some("with2"))];
                    let at = refs
                        .iter()
                        .any(|(a, w)| v[*a] == git_ref && w.is_none_or(|w| v[w] == true));
                    let has = (0..8).any(|i| v[format!("p{i}")] == path && (i == 0 || v[format!("u{i}")] == true));
                    at && has
                }
                (Some("PullRead"), Some(v)) => {
                    tip.as_deref() == Some(git_ref) && (v["policy"] == path || v["defaultPolicy"] == path)
                }
                _ => r.target.ends_with(&format!("contents/{}?ref={git_ref}", path)),
            }
        })
    }

    /// Ids handed out from now on start after `n` (GitHub's ids are past 2³¹).
    pub fn set_next_id(&self, n: u64) {
        self.state().next_id = n;
    }

    /// Add `latency` to every answer, as a network round trip would.
    pub fn set_latency(&self, latency: Duration) {
        self.state().latency = Some(latency);
    }

    /// The requests grouped into round trips: a request that arrives while
    /// no answer of the current round can have come back (within half the
    /// latency of the round's first) belongs to it; any later one waited for
    /// an answer. Needs [`FakeGitHub::set_latency`].
    pub fn round_trips(&self) -> Vec<Vec<String>> {
        let s = self.state();
        let latency = s.latency.expect("round trips are counted with a latency set");
        let mut requests: Vec<&Seen> = s.requests.iter().collect();
        requests.sort_by_key(|r| r.at);
        let mut rounds: Vec<(std::time::Instant, Vec<String>)> = Vec::new();
        for r in requests {
            match rounds.last_mut() {
                Some((start, lines)) if r.at.duration_since(*start) < latency / 2 => lines.push(r.line()),
                _ => rounds.push((r.at, vec![r.line()])),
            }
        }
        rounds.into_iter().map(|(_, lines)| lines).collect()
    }

    /// Comments carrying checkgate's marker.
    pub fn marked_comments(&self) -> Vec<StoredComment> {
        self.state()
            .comments
            .iter()
            .filter(|c| c.body.starts_with("<!-- checkgate -->"))
            .cloned()
            .collect()
    }

    /// Panics with every OpenAPI violation seen, if any.
    pub fn assert_valid(&self) {
        let s = self.state();
        assert!(
            s.violations.is_empty(),
            "requests break GitHub's OpenAPI description:\n{}",
            s.violations.join("\n")
        );
        for r in &s.requests {
            assert_eq!(
                r.authorization.as_deref(),
                Some(format!("Bearer {TOKEN}").as_str()),
                "{}",
                r.line()
            );
        }
    }
}

struct Handler(Arc<Mutex<State>>);

fn reply(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=utf-8")
        .set_body_string(body.to_string())
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    reply(
        status,
        &json!({ "message": message, "documentation_url": "https://docs.github.com/rest" }),
    )
}

impl Respond for Handler {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().expect("state lock");
        let method = request.method.to_string();
        let path = request.url.path().to_string();
        let target = match request.url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        let body: Option<Value> = if request.body.is_empty() {
            None
        } else {
            match serde_json::from_slice(&request.body) {
                Ok(v) => Some(v),
                Err(e) => {
                    s.violations.push(format!("{method} {target}: body is not JSON: {e}"));
                    None
                }
            }
        };
        let authorization = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        // An Enterprise Server's REST root is `/api/v3`, its GraphQL `/api/graphql`.
        let path = match path.strip_prefix("/api/v3/") {
            Some(rest) => format!("/{rest}"),
            None if path == "/api/graphql" => "/graphql".to_string(),
            None => path,
        };
        if path == "/graphql" {
            return graphql_request(&mut s, &method, target, body, authorization);
        }
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        if let Some(problems) = check_undescribed(&method, &path, &query, body.as_ref()) {
            s.violations.extend(problems);
        } else if let Some(api) = openapi() {
            s.violations.extend(api.check(&method, &path, &query, body.as_ref()));
        }
        s.requests.push(Seen {
            method: method.clone(),
            operation: None,
            at: std::time::Instant::now(),
            target: target.clone(),
            body: body.clone(),
            authorization: authorization.clone(),
        });

        let scripted = s
            .script
            .iter()
            .position(|r| r.method == method && r.operation.is_none() && path.ends_with(&r.path_suffix))
            .and_then(|i| s.script.remove(i));
        if let Some(r) = &scripted {
            if r.apply {
                let _ = route(&mut s, &method, &path, request, body.as_ref());
            }
            let mut body = r.body.clone();
            if s.echo_auth {
                body["message"] = json!(format!("bad credentials: {}", authorization.unwrap_or_default()));
            }
            let mut t = reply(r.status, &body);
            for (k, v) in &r.headers {
                t = t.insert_header(k.as_str(), v.as_str());
            }
            if let Some(delay) = r.delay {
                t = t.set_delay(delay);
            }
            return t;
        }
        let t = route(&mut s, &method, &path, request, body.as_ref());
        match s.latency {
            Some(latency) => t.set_delay(latency),
            None => t,
        }
    }
}

/// `POST /graphql`: the query executed against the state (or a scripted view
/// of it), or a scripted body.
fn graphql_request(
    s: &mut State,
    method: &str,
    target: String,
    body: Option<Value>,
    authorization: Option<String>,
) -> ResponseTemplate {
    let operation = body
        .as_ref()
        .and_then(|b| b["operationName"].as_str())
        .map(str::to_string);
    s.requests.push(Seen {
        method: method.to_string(),
        operation: operation.clone(),
        at: std::time::Instant::now(),
        target: target.clone(),
        body: body.clone(),
        authorization,
    });
    if method != "POST" {
        s.violations.push(format!("{method} {target}: GraphQL takes POST"));
        return error(404, "Not Found");
    }
    let Some(body) = body else {
        s.violations.push(format!("{method} {target}: no body"));
        return error(400, "Problems parsing JSON");
    };
    let scripted = s
        .script
        .iter()
        .position(|r| {
            r.method == "POST" && r.path_suffix == "/graphql" && (r.operation.is_none() || r.operation == operation)
        })
        .and_then(|i| s.script.remove(i));
    let delay = scripted.as_ref().and_then(|r| r.delay).or(s.latency);
    let answer = match &scripted {
        Some(r) if r.view.is_none() => {
            let mut t = reply(r.status, &r.body);
            for (k, v) in &r.headers {
                t = t.insert_header(k.as_str(), v.as_str());
            }
            t
        }
        _ => {
            let view = scripted.as_ref().and_then(|r| r.view.clone());
            let result = match view {
                Some(View(change)) => {
                    let mut copy = s.clone_state();
                    change(&mut copy);
                    graphql::execute(&copy, &body)
                }
                None => graphql::execute(s, &body),
            };
            let extra = scripted.as_ref().map(|r| r.errors.clone()).unwrap_or_default();
            match result {
                Ok(mut v) if !extra.is_empty() => {
                    let mut errors = v["errors"].as_array().cloned().unwrap_or_default();
                    errors.extend(extra);
                    v["errors"] = Value::Array(errors);
                    reply(200, &v)
                }
                Ok(v) => reply(200, &v),
                Err(problem) => {
                    s.violations.push(format!("POST /graphql: {problem}"));
                    reply(200, &json!({ "errors": [{ "message": problem }] }))
                }
            }
        }
    };
    match delay {
        Some(d) => answer.set_delay(d),
        None => answer,
    }
}

impl State {
    /// Every pull request the server knows.
    pub fn pulls(&self) -> impl Iterator<Item = &Pull> {
        self.pull.iter().chain(&self.other_pulls)
    }

    /// A copy of what the server knows, for a scripted view.
    fn clone_state(&self) -> State {
        State {
            comments: self.comments.clone(),
            files: self.files.clone(),
            pull: self.pull.clone(),
            changed_files: self.changed_files.clone(),
            reviews: self.reviews.clone(),
            teams: self.teams.clone(),
            branch_tips: self.branch_tips.clone(),
            merge_base: self.merge_base.clone(),
            rules: self.rules.clone(),
            known_commits: self.known_commits.clone(),
            other_pulls: self.other_pulls.clone(),
            commit_checks: self.commit_checks.clone(),
            statuses: self.statuses.clone(),
            deployments: self.deployments.clone(),
            ..State::default()
        }
    }
}

fn route(s: &mut State, method: &str, path: &str, request: &Request, body: Option<&Value>) -> ResponseTemplate {
    let decoded: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(|seg| {
            percent_encoding::percent_decode_str(seg)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    let param = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let ["orgs", org, "teams", team, "memberships", login] = segments.as_slice() {
        if method != "GET" {
            return error(404, "Not Found");
        }
        if s.teams_forbidden {
            return error(403, "Resource not accessible by integration");
        }
        let members = s
            .teams
            .get(&(org.to_ascii_lowercase(), team.to_ascii_lowercase()))
            .cloned()
            .unwrap_or_default();
        return if members.iter().any(|m| m.eq_ignore_ascii_case(login)) {
            reply(
                200,
                &json!({
                    "url": format!("https://api.github.com/organizations/1/team/1/memberships/{login}"),
                    "role": "member",
                    "state": "active",
                }),
            )
        } else {
            error(404, "Not Found")
        };
    }
    let repo_ok = segments.len() >= 3 && segments[0] == "repos" && segments[1] == OWNER && segments[2] == REPO;
    if !repo_ok {
        return error(404, "Not Found");
    }
    let writes = method != "GET";
    if writes && s.read_only {
        return error(403, "Resource not accessible by integration");
    }
    match (method, &segments[3..]) {
        ("GET", ["contents", rest @ ..]) if !rest.is_empty() => {
            let git_ref = param("ref").unwrap_or_else(|| "main".to_string());
            contents(s, &git_ref, &rest.join("/"))
        }
        ("GET", ["git", "blobs", sha]) => {
            let found = s.files.values().find_map(|e| match e {
                Entry::File(bytes) if blob_sha(bytes) == *sha => Some(bytes.clone()),
                _ => None,
            });
            match found {
                Some(bytes) => reply(
                    200,
                    &json!({
                        "sha": sha, "node_id": "B_x", "size": bytes.len(),
                        "url": format!("https://api.github.com/repos/{OWNER}/{REPO}/git/blobs/{sha}"),
                        "content": wrapped_base64(&bytes), "encoding": "base64",
                    }),
                ),
                None => error(404, "Not Found"),
            }
        }
        ("GET", ["compare", basehead @ ..]) if !basehead.is_empty() => {
            let basehead = basehead.join("/");
            let Some((base, head)) = basehead.split_once("...") else {
                return error(404, "Not Found");
            };
            let tip = match (s.branch_tips.get(base), s.pulls().find(|p| p.base_ref == base)) {
                (Some(tip), _) => tip.clone(),
                (None, Some(p)) => p.base_sha.clone(),
                _ => base.to_string(),
            };
            let merge_base = s.merge_base.clone().unwrap_or_else(|| tip.clone());
            let behind_by = u64::from(merge_base != tip);
            let commit = |sha: &str| json!({ "sha": sha, "url": format!("https://api.github.com/repos/{OWNER}/{REPO}/commits/{sha}") });
            reply(
                200,
                &json!({
                    "url": format!("https://api.github.com/repos/{OWNER}/{REPO}/compare/{basehead}"),
                    "html_url": format!("https://github.com/{OWNER}/{REPO}/compare/{basehead}"),
                    "base_commit": commit(&tip), "merge_base_commit": commit(&merge_base),
                    "status": if behind_by > 0 { "diverged" } else { "ahead" },
                    "ahead_by": 1, "behind_by": behind_by, "total_commits": 1,
                    "commits": [commit(head)],
                    // GitHub lists at most 300 files here.
                    "files": s.changed_files.iter().take(300).map(file_json).collect::<Vec<_>>(),
                }),
            )
        }
        ("GET", ["git", "trees", sha]) if query.iter().any(|(k, _)| k == "recursive") => trees_recursive(s, sha),
        ("GET", ["git", "trees", sha]) => trees(s, sha),
        ("GET", ["pulls", n]) => match &s.pull {
            Some(p) if p.number.to_string() == *n => {
                let mut v = pull_json(p);
                // GitHub counts the files itself; a test may make it disagree.
                v["changed_files"] = json!(p.changed_files.unwrap_or(s.changed_files.len() as u64));
                reply(200, &v)
            }
            _ => error(404, "Not Found"),
        },
        ("GET", ["pulls", n, "files"]) => {
            if s.pull.as_ref().map(|p| p.number.to_string()).as_deref() != Some(*n) {
                return error(404, "Not Found");
            }
            // GitHub lists at most 3,000 files.
            let all: Vec<Value> = s.changed_files.iter().take(3_000).map(file_json).collect();
            paginate(path, &query, &all)
        }
        ("GET", ["pulls", n, "reviews"]) => {
            if s.pull.as_ref().map(|p| p.number.to_string()).as_deref() != Some(*n) {
                return error(404, "Not Found");
            }
            let all: Vec<Value> = s.reviews.iter().map(review_json).collect();
            paginate(path, &query, &all)
        }
        ("DELETE", ["issues", "comments", id]) => {
            let Some(at) = s.comments.iter().position(|c| c.id.to_string() == *id) else {
                return error(404, "Not Found");
            };
            if s.comments[at].login != BOT {
                return error(403, "test server: deleted someone else's comment");
            }
            s.comments.remove(at);
            ResponseTemplate::new(204)
        }
        ("GET", ["issues", _, "comments"]) => {
            let all: Vec<Value> = s.comments.iter().map(comment_json).collect();
            paginate(path, &query, &all)
        }
        ("POST", ["issues", _, "comments"]) => {
            s.next_id += 1;
            let c = StoredComment {
                id: s.next_id,
                body: body_text(body),
                login: BOT.to_string(),
                association: "NONE".to_string(),
            };
            s.comments.push(c.clone());
            reply(201, &comment_json(&c))
        }
        ("PATCH", ["issues", "comments", id]) => {
            let Some(c) = s.comments.iter_mut().find(|c| c.id.to_string() == *id) else {
                return error(404, "Not Found");
            };
            if c.login != BOT {
                // The real API would allow an admin's token to do this; the
                // test server refuses so a test notices the attempt.
                return error(403, "test server: edited someone else's comment");
            }
            c.body = body_text(body);
            let c = c.clone();
            reply(200, &comment_json(&c))
        }
        ("POST", ["check-runs"]) => {
            s.next_id += 1;
            let id = s.next_id;
            let created = body.cloned().unwrap_or(Value::Null);
            s.check_runs.push(StoredCheckRun {
                id,
                created: created.clone(),
                updates: Vec::new(),
                started: false,
            });
            reply(
                201,
                &json!({ "id": id, "name": created["name"], "head_sha": created["head_sha"] }),
            )
        }
        ("PATCH", ["check-runs", id]) => {
            let Some(run) = s.check_runs.iter_mut().find(|r| r.id.to_string() == *id) else {
                return error(404, "Not Found");
            };
            let update = body.cloned().unwrap_or(Value::Null);
            if update["status"] == "completed" && run.created["status"] == "in_progress" {
                // Completing a run created `in_progress`: `created` then
                // holds the run as completed, as if created that way.
                if let (Some(created), Some(fields)) = (run.created.as_object_mut(), update.as_object()) {
                    for (k, v) in fields {
                        created.insert(k.clone(), v.clone());
                    }
                }
                run.started = true;
            } else {
                run.updates.push(update);
            }
            reply(200, &json!({ "id": run.id }))
        }
        _ => error(404, "Not Found"),
    }
}

/// One page of `all` with GitHub's `Link` header.
fn paginate(path: &str, query: &[(String, String)], all: &[Value]) -> ResponseTemplate {
    let get = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let per_page = get("per_page").unwrap_or(30).clamp(1, 100);
    let page = get("page").unwrap_or(1).max(1);
    let pages = all.len().div_ceil(per_page).max(1);
    let slice: Vec<Value> = all.iter().skip((page - 1) * per_page).take(per_page).cloned().collect();
    let mut t = reply(200, &Value::Array(slice));
    if pages > 1 {
        let base = format!("https://api.github.com/repositories/1296269{path}?per_page={per_page}");
        let mut links = Vec::new();
        if page < pages {
            links.push(format!("<{base}&page={}>; rel=\"next\"", page + 1));
            links.push(format!("<{base}&page={pages}>; rel=\"last\""));
        }
        if page > 1 {
            links.push(format!("<{base}&page=1>; rel=\"first\""));
        }
        t = t.insert_header("link", links.join(", ").as_str());
    }
    t
}

/// A deterministic stand-in for a git blob sha.
pub fn blob_sha(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    let a = h.finish();
    bytes.len().hash(&mut h);
    let b = h.finish();
    format!("{a:016x}{b:016x}{:08x}", (a ^ b) as u32)
}

/// Base64 wrapped at 60 columns, as the contents API sends it.
fn wrapped_base64(bytes: &[u8]) -> String {
    let text = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
    let mut out = String::new();
    for (i, chunk) in text.as_bytes().chunks(60).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
    }
    out.push('\n');
    out
}

/// A tree sha standing for directory `dir` at `git_ref`.
pub fn tree_sha(git_ref: &str, dir: &str) -> String {
    let hex: String = format!("{git_ref}:{dir}").bytes().map(|b| format!("{b:02x}")).collect();
    format!("t{hex}")
}

/// `GET git/trees/{sha}` as GitHub answers it, not recursive: `sha` is a
/// commit (the root directory) or a [`tree_sha`].
fn trees(s: &State, sha: &str) -> ResponseTemplate {
    let (git_ref, dir) = match sha.strip_prefix('t') {
        Some(hex) if hex.len() % 2 == 0 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
                .collect();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            match text.split_once(':') {
                Some((r, d)) => (r.to_string(), d.to_string()),
                None => return error(404, "Not Found"),
            }
        }
        _ => (sha.to_string(), String::new()),
    };
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut entries: Vec<(String, Value)> = Vec::new();
    for ((r, p), entry) in &s.files {
        let Some(rest) = p.strip_prefix(&prefix).filter(|_| r == &git_ref) else {
            continue;
        };
        let (name, deeper) = match rest.split_once('/') {
            Some((name, _)) => (name, true),
            None => (rest, false),
        };
        if name.is_empty() || entries.iter().any(|(n, _)| n == name) {
            continue;
        }
        let full = format!("{prefix}{name}");
        let v = match (deeper, entry) {
            (true, _) | (false, Entry::Dir) => {
                json!({ "path": name, "mode": "040000", "type": "tree", "sha": tree_sha(&git_ref, &full) })
            }
            (false, Entry::File(bytes)) => {
                json!({ "path": name, "mode": "100644", "type": "blob", "sha": blob_sha(bytes), "size": bytes.len() })
            }
            (false, Entry::Symlink(target)) => {
                json!({ "path": name, "mode": "120000", "type": "blob", "sha": blob_sha(target.as_bytes()), "size": target.len() })
            }
        };
        entries.push((name.to_string(), v));
    }
    if entries.is_empty() && !dir.is_empty() {
        return error(404, "Not Found");
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    reply(
        200,
        &json!({
            "sha": sha,
            "url": format!("https://api.github.com/repos/{OWNER}/{REPO}/git/trees/{sha}"),
            "tree": entries.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
            "truncated": s.trees_truncated,
        }),
    )
}

/// `GET git/trees/{sha}?recursive=1` as GitHub answers it for a commit:
/// every file at that ref and every directory above one, with full paths.
fn trees_recursive(s: &State, sha: &str) -> ResponseTemplate {
    let mut entries: std::collections::BTreeMap<String, Value> = std::collections::BTreeMap::new();
    for ((r, p), entry) in &s.files {
        if r != sha {
            continue;
        }
        let mut dir = String::new();
        for part in p
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, dirs)| dirs)
        {
            dir = if dir.is_empty() {
                part.to_string()
            } else {
                format!("{dir}/{part}")
            };
            entries.entry(dir.clone()).or_insert_with(
                || json!({ "path": dir, "mode": "040000", "type": "tree", "sha": tree_sha(sha, &dir) }),
            );
        }
        let v = match entry {
            Entry::Dir => json!({ "path": p, "mode": "040000", "type": "tree", "sha": tree_sha(sha, p) }),
            Entry::File(bytes) => {
                json!({ "path": p, "mode": "100644", "type": "blob", "sha": blob_sha(bytes), "size": bytes.len() })
            }
            Entry::Symlink(target) => {
                json!({ "path": p, "mode": "120000", "type": "blob", "sha": blob_sha(target.as_bytes()), "size": target.len() })
            }
        };
        entries.insert(p.clone(), v);
    }
    reply(
        200,
        &json!({
            "sha": sha,
            "url": format!("https://api.github.com/repos/{OWNER}/{REPO}/git/trees/{sha}"),
            "tree": entries.into_values().collect::<Vec<_>>(),
            "truncated": s.trees_truncated,
        }),
    )
}

/// `GET contents/{path}?ref=` as GitHub answers it.
fn contents(s: &State, git_ref: &str, path: &str) -> ResponseTemplate {
    let api = format!("https://api.github.com/repos/{OWNER}/{REPO}");
    let name = path.rsplit('/').next().unwrap_or(path).to_string();
    let meta = |kind: &str, size: usize, sha: &str| {
        json!({
            "type": kind, "size": size, "name": name, "path": path, "sha": sha,
            "url": format!("{api}/contents/{path}?ref={git_ref}"),
            "git_url": format!("{api}/git/blobs/{sha}"),
            "html_url": format!("https://github.com/{OWNER}/{REPO}/blob/{git_ref}/{path}"),
            "download_url": format!("https://raw.githubusercontent.com/{OWNER}/{REPO}/{git_ref}/{path}"),
            "_links": {
                "self": format!("{api}/contents/{path}?ref={git_ref}"),
                "git": format!("{api}/git/blobs/{sha}"),
                "html": format!("https://github.com/{OWNER}/{REPO}/blob/{git_ref}/{path}"),
            },
        })
    };
    match s.files.get(&(git_ref.to_string(), path.to_string())) {
        Some(Entry::File(bytes)) => {
            let sha = blob_sha(bytes);
            let mut v = meta("file", bytes.len(), &sha);
            if bytes.len() > 1024 * 1024 {
                v["content"] = json!("");
                v["encoding"] = json!("none");
            } else {
                v["content"] = json!(wrapped_base64(bytes));
                v["encoding"] = json!("base64");
            }
            reply(200, &v)
        }
        Some(Entry::Symlink(target)) => {
            let mut v = meta("symlink", target.len(), &blob_sha(target.as_bytes()));
            v["target"] = json!(target);
            reply(200, &v)
        }
        Some(Entry::Dir) => reply(200, &json!([])),
        None => {
            let prefix = format!("{path}/");
            let children: Vec<Value> = s
                .files
                .keys()
                .filter(|(r, p)| r == git_ref && p.starts_with(&prefix))
                .map(|(_, p)| json!({ "type": "file", "name": p, "path": p }))
                .collect();
            if children.is_empty() {
                error(404, "Not Found")
            } else {
                reply(200, &Value::Array(children))
            }
        }
    }
}

fn pull_json(p: &Pull) -> Value {
    let user = json!({ "login": p.author, "id": 1, "type": "User" });
    let repo = json!({ "id": 1296269, "name": REPO, "full_name": format!("{OWNER}/{REPO}") });
    json!({
        "url": format!("https://api.github.com/repos/{OWNER}/{REPO}/pulls/{}", p.number),
        "id": 1, "node_id": "PR_x", "number": p.number, "state": p.state, "locked": false,
        "title": "Change", "body": p.body, "user": user,
        "head": { "sha": p.head_sha, "ref": p.head_ref, "label": format!("{OWNER}:{}", p.head_ref), "repo": repo, "user": user },
        "base": { "sha": p.base_sha, "ref": p.base_ref, "label": format!("{OWNER}:{}", p.base_ref), "repo": repo, "user": user },
        "html_url": format!("https://github.com/{OWNER}/{REPO}/pull/{}", p.number),
        "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
    })
}

fn file_json(f: &ChangedFile) -> Value {
    let mut v = json!({
        "sha": blob_sha(f.filename.as_bytes()), "filename": f.filename, "status": f.status,
        "additions": 1, "deletions": 0, "changes": 1,
        "blob_url": format!("https://github.com/{OWNER}/{REPO}/blob/x/{}", f.filename),
        "raw_url": format!("https://github.com/{OWNER}/{REPO}/raw/x/{}", f.filename),
        "contents_url": format!("https://api.github.com/repos/{OWNER}/{REPO}/contents/{}", f.filename),
    });
    if let Some(old) = &f.previous_filename {
        v["previous_filename"] = json!(old);
    }
    v
}

fn review_json(r: &StoredReview) -> Value {
    json!({
        "id": r.id, "node_id": "PRR_x",
        "user": { "login": r.login, "id": 2, "type": "User" },
        "body": "", "state": r.state, "commit_id": r.commit_id,
        "submitted_at": "2024-01-01T00:00:00Z",
        "html_url": format!("https://github.com/{OWNER}/{REPO}/pull/1#pullrequestreview-{}", r.id),
        "author_association": "MEMBER",
    })
}

/// Endpoints checkgate calls that the shared OpenAPI subset leaves out, as
/// GitHub's REST docs describe them: (method, path template, query params).
/// - List reviews for a pull request: docs.github.com/rest/pulls/reviews
/// - Get team membership for a user: docs.github.com/rest/teams/members
/// - Get a blob: docs.github.com/rest/git/blobs
/// - Compare two commits: docs.github.com/rest/commits/commits
/// - Get a tree: docs.github.com/rest/git/trees (`recursive` is a string flag)
pub const UNDESCRIBED: &[(&str, &str, &[&str])] = &[
    ("GET", "/repos/{owner}/{repo}/compare/{basehead}", &["per_page", "page"]),
    ("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}", &["recursive"]),
    (
        "GET",
        "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        &["per_page", "page"],
    ),
    ("GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}", &[]),
    ("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}", &[]),
];

/// `Some(problems)` when the request is for an [`UNDESCRIBED`] endpoint.
fn check_undescribed(
    method: &str,
    path: &str,
    query: &[(String, String)],
    body: Option<&Value>,
) -> Option<Vec<String>> {
    let actual: Vec<&str> = path.split('/').collect();
    let (_, template, params) = UNDESCRIBED.iter().find(|(m, template, _)| {
        let parts: Vec<&str> = template.split('/').collect();
        *m == method
            && parts.len() == actual.len()
            && parts
                .iter()
                .zip(&actual)
                .all(|(t, a)| if t.starts_with('{') { !a.is_empty() } else { t == a })
    })?;
    let mut problems = Vec::new();
    for (name, value) in query {
        if !params.contains(&name.as_str()) {
            problems.push(format!("{method} {template}: undeclared query parameter {name}"));
        } else if value.parse::<u32>().is_err() {
            problems.push(format!(
                "{method} {template}: query parameter {name} `{value}` is not an integer"
            ));
        }
    }
    if body.is_some() {
        problems.push(format!("{method} {template}: this operation takes no body"));
    }
    Some(problems)
}

fn body_text(body: Option<&Value>) -> String {
    body.and_then(|b| b.get("body"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn comment_json(c: &StoredComment) -> Value {
    json!({
        "id": c.id,
        "node_id": "IC_x",
        // Every scenario comments on pull request 42.
        "html_url": format!("https://github.com/{OWNER}/{REPO}/pull/42#issuecomment-{}", c.id),
        "body": c.body,
        "user": { "login": c.login, "id": 41898282, "type": if c.login.ends_with("[bot]") { "Bot" } else { "User" } },
        "author_association": c.association,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
    })
}

// ---------------------------------------------------------------------------
// OpenAPI checking: the JSON-schema subset GitHub's description uses for these
// endpoints (type/nullable, required, properties, additionalProperties, enum,
// items, maxItems, maxLength, oneOf, anyOf).

pub struct OpenApi {
    doc: Value,
}

/// The shared OpenAPI description, loaded once; `None` (with a message) when absent.
pub fn openapi() -> Option<&'static OpenApi> {
    static API: OnceLock<Option<OpenApi>> = OnceLock::new();
    API.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/openapi/github-subset.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(OpenApi {
                doc: serde_json::from_str(&text).expect("the OpenAPI description is JSON"),
            }),
            Err(_) => {
                common::skip(&path);
                None
            }
        }
    })
    .as_ref()
}

impl OpenApi {
    /// Every way the request breaks the description.
    pub fn check(&self, method: &str, path: &str, query: &[(String, String)], body: Option<&Value>) -> Vec<String> {
        let at = format!("{method} {path}");
        let Some((template, params)) = self.match_path(path) else {
            return vec![format!("{at}: no such path in the description")];
        };
        let Some(op) = self.doc["paths"][template.as_str()].get(method.to_ascii_lowercase()) else {
            return vec![format!("{at}: {template} has no {method}")];
        };
        let mut problems = Vec::new();
        let declared = op["parameters"].as_array().cloned().unwrap_or_default();
        for (name, value) in params.iter().map(|(n, v)| (n.as_str(), v.as_str())) {
            match declared.iter().find(|p| p["name"] == name && p["in"] == "path") {
                Some(p) => scalar(
                    &p["schema"],
                    value,
                    &format!("{at}: path parameter {name}"),
                    &mut problems,
                ),
                None => problems.push(format!("{at}: undeclared path parameter {name}")),
            }
        }
        for (name, value) in query {
            match declared
                .iter()
                .find(|p| p["name"] == name.as_str() && p["in"] == "query")
            {
                Some(p) => scalar(
                    &p["schema"],
                    value,
                    &format!("{at}: query parameter {name}"),
                    &mut problems,
                ),
                None => problems.push(format!("{at}: undeclared query parameter {name}")),
            }
        }
        let schema = op.pointer("/requestBody/content/application~1json/schema");
        match (schema, body) {
            (Some(schema), Some(body)) => validate(schema, body, &format!("{at}: body"), &mut problems),
            (Some(_), None) if op["requestBody"]["required"] == true => {
                problems.push(format!("{at}: the request body is required"))
            }
            (None, Some(_)) => problems.push(format!("{at}: this operation takes no body")),
            _ => {}
        }
        problems
    }

    fn match_path(&self, path: &str) -> Option<(String, Vec<(String, String)>)> {
        let actual: Vec<&str> = path.split('/').collect();
        let paths = self.doc["paths"].as_object()?;
        paths.keys().find_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            // A trailing `x-multi-segment` parameter (contents/{path}) takes
            // the rest of the path, slashes and all.
            let multi = parts
                .last()
                .and_then(|p| p.strip_prefix('{'))
                .and_then(|p| p.strip_suffix('}'))
                .filter(|name| self.is_multi_segment(template, name));
            if parts.len() != actual.len() && !(multi.is_some() && actual.len() > parts.len()) {
                return None;
            }
            let mut params = Vec::new();
            for (i, (t, a)) in parts.iter().zip(&actual).enumerate() {
                match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    Some(name) if multi == Some(name) && i == parts.len() - 1 => {
                        let rest = actual[i..].join("/");
                        if rest.is_empty() || actual[i..].iter().any(|s| s.is_empty()) {
                            return None;
                        }
                        params.push((name.to_string(), rest));
                    }
                    Some(name) if !a.is_empty() => params.push((name.to_string(), a.to_string())),
                    Some(_) => return None,
                    None if t == a => {}
                    None => return None,
                }
            }
            Some((template.clone(), params))
        })
    }

    fn is_multi_segment(&self, template: &str, name: &str) -> bool {
        self.doc["paths"][template]
            .as_object()
            .into_iter()
            .flat_map(|ops| ops.values())
            .filter_map(|op| op["parameters"].as_array())
            .flatten()
            .any(|p| p["name"] == name && p["in"] == "path" && p["x-multi-segment"] == true)
    }
}

/// A path or query value against a scalar schema.
fn scalar(schema: &Value, value: &str, at: &str, problems: &mut Vec<String>) {
    let ok = match schema["type"].as_str() {
        Some("integer") => value.parse::<i64>().is_ok(),
        Some("boolean") => value == "true" || value == "false",
        _ => true,
    };
    if !ok {
        problems.push(format!("{at}: `{value}` is not a {}", schema["type"]));
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.iter().any(|v| v.as_str() == Some(value))
    {
        problems.push(format!("{at}: `{value}` is not one of {}", schema["enum"]));
    }
}

/// `value` against `schema`, appending a message per problem.
pub fn validate(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if value.is_null() && schema["nullable"] == true {
        return;
    }
    if let Some(t) = schema["type"].as_str() {
        let ok = match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => true,
        };
        if !ok {
            problems.push(format!("{at}: expected {t}, got {value}"));
            return;
        }
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {}", schema["enum"]));
    }
    if let (Some(max), Some(s)) = (schema["maxLength"].as_u64(), value.as_str()) {
        let len = s.encode_utf16().count() as u64;
        if len > max {
            problems.push(format!("{at}: {len} characters, more than maxLength {max}"));
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(max) = schema["maxItems"].as_u64()
            && items.len() as u64 > max
        {
            problems.push(format!("{at}: {} items, more than maxItems {max}", items.len()));
        }
        if schema.get("items").is_some() {
            for (i, item) in items.iter().enumerate() {
                validate(&schema["items"], item, &format!("{at}[{i}]"), problems);
            }
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(name) {
                problems.push(format!("{at}: missing required property {name}"));
            }
        }
        let properties = schema["properties"].as_object();
        for (name, v) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(s) => validate(s, v, &format!("{at}.{name}"), problems),
                None => match &schema["additionalProperties"] {
                    Value::Bool(false) => problems.push(format!("{at}: unknown property {name}")),
                    s @ Value::Object(_) => validate(s, v, &format!("{at}.{name}"), problems),
                    _ => {}
                },
            }
        }
    }
    let passes = |s: &Value| {
        let mut p = Vec::new();
        validate(s, value, at, &mut p);
        p.is_empty()
    };
    if let Some(any) = schema["anyOf"].as_array()
        && !any.iter().any(passes)
    {
        problems.push(format!("{at}: matches none of anyOf"));
    }
    if let Some(one) = schema["oneOf"].as_array() {
        let n = one.iter().filter(|s| passes(s)).count();
        if n != 1 {
            problems.push(format!("{at}: matches {n} of oneOf, not exactly one"));
        }
    }
}

/// The ordinary pull request of issue 17, which the request and round-trip
/// counts are measured on: it changes the policy and its one checklist file,
/// its description is a checklist with a repository template, one rule needs
/// an approval (given), and checkgate's comment is already there.
pub mod typical {
    use super::{BOT, ChangedFile, FakeGitHub, Pull};

    pub const HEAD: &str = "1111111111111111111111111111111111111111";
    pub const BASE: &str = "2222222222222222222222222222222222222222";
    pub const PR: u64 = 42;
    const POLICY: &str = "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Must\"\n\
                          approved-by = [\"alice\"]\n\n[[checklist]]\nsource = \"pr-body\"\n\
                          [[checklist.require]]\nsection = \"Checklist\"\n";
    const TEMPLATE: &str = "## Summary\n\n## Checklist\n- [ ] Tests added\n- [ ] Docs updated\n";
    const READY: &str = "# Ready\n## Must\n- [x] Tests pass\n- [x] Rollback plan tested\n";

    /// Set the server up with the typical pull request.
    pub fn set_up(gh: &FakeGitHub) {
        gh.put_file(BASE, ".github/checkgate.toml", POLICY);
        gh.put_file(BASE, ".github/pull_request_template.md", TEMPLATE);
        gh.put_file(
            BASE,
            "READY.md",
            "# Ready\n## Must\n- [ ] Tests pass\n- [ ] Rollback plan tested\n",
        );
        gh.put_file(HEAD, ".github/checkgate.toml", &format!("{POLICY}# a comment\n"));
        gh.put_file(HEAD, ".github/pull_request_template.md", TEMPLATE);
        gh.put_file(HEAD, "READY.md", READY);
        let mut pull = Pull::new(PR, HEAD, BASE);
        pull.body = Some("## Summary\nFix.\n\n## Checklist\n- [x] Tests added\n- [x] Docs updated\n".into());
        gh.set_pull(pull);
        gh.set_changed_files(vec![
            ChangedFile::modified(".github/checkgate.toml"),
            ChangedFile::modified("READY.md"),
        ]);
        gh.add_review("alice", "APPROVED", HEAD);
        gh.add_comment(
            BOT,
            &format!("<!-- checkgate -->\n<!-- checkgate:head {HEAD} -->\nold verdict"),
        );
    }

    /// Its `pull_request` event.
    pub fn payload() -> serde_json::Value {
        serde_json::json!({
            "action": "synchronize",
            "number": PR,
            "pull_request": {
                "number": PR,
                "body": "stale",
                "head": { "sha": HEAD, "ref": "feature" },
                "base": { "sha": BASE, "ref": "main" },
            },
            "repository": { "default_branch": "main" },
        })
    }
}
