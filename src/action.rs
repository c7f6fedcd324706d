//! `checkgate action`: the whole CI job inside a GitHub Actions step.
//!
//! The run reads everything through the GitHub API, never the workspace: the
//! pull request fresh (its head and description may have changed since the
//! event), the files it changes, the policy at the *base* commit (a pull
//! request cannot weaken its own gate), and each checklist at the head and,
//! when the pull request touches it, at the base (for tamper checks). Nothing
//! from the pull request is built or run, so it is safe under
//! `pull_request_target`.
//!
//! It then prints workflow-command annotations, appends the job summary and
//! writes the step outputs, and only then writes to GitHub (the sticky
//! comment and the check run, through [`crate::github`]). So a read-only
//! token can cost the comment, never the verdict: the exit code is decided by
//! the report, and an API failure can only turn a pass into an error (2),
//! never the reverse.
//!
//! The GitHub context arrives as environment variables; [`GithubEnv`] reads
//! them once so tests can pass their own. Output goes to the writers passed in
//! (the step log), never straight to the process's stdout.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use crate::checklist;
use crate::cli::Exit;
use crate::engine::{self, EngineError, MemLoader};
use crate::eval::{Context, Level, Report, Signoffs};
use crate::github::{
    self, Annotation, CheckRun, Client, CommentOutcome, CommentWhen, Content, GithubError, RetryPolicy,
};
use crate::policy::{self, Policy, PolicyError, Source};
use crate::report::{self, MarkdownOptions};

/// The check run's name, and the `title=` of workflow commands.
pub const CHECK_NAME: &str = "checkgate";

/// Annotations published on one check run; past this the rest are counted in
/// its text (each 50 costs a request, and nobody reads the 501st).
pub const MAX_ANNOTATIONS: usize = 500;

/// A token that never prints itself.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.trim().to_string()))
    }
}

/// When to post the sticky pull request comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CommentMode {
    /// On every run.
    Always,
    /// When the gate fails; a comment left by an earlier failure is updated
    /// when the gate passes.
    OnFailure,
    /// Never.
    Never,
}

/// The action's inputs. In a workflow they arrive as `INPUT_<NAME>`
/// (upper-cased, hyphens kept); locally each is also a flag.
#[derive(Debug, Clone, clap::Args)]
pub struct ActionArgs {
    /// Token for the GitHub API (the action passes `github.token`).
    #[arg(long, env = "INPUT_TOKEN", hide_env_values = true)]
    pub token: Option<Secret>,
    /// Policy file, relative to the repository root; read at the pull request's base.
    #[arg(long, env = "INPUT_POLICY", default_value = policy::DEFAULT_PATH)]
    pub policy: PathBuf,
    /// When to post the sticky pull request comment.
    #[arg(long, env = "INPUT_COMMENT", value_enum, default_value_t = CommentMode::Always)]
    pub comment: CommentMode,
    /// Publish a `checkgate` check run with line annotations.
    #[arg(long = "check-run", env = "INPUT_CHECK-RUN", default_value = "true",
          value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub check_run: bool,
    /// Exit 1 when the gate fails (`false`: report only; check run `neutral`).
    #[arg(long, env = "INPUT_FAIL", default_value = "true",
          value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub fail: bool,
    /// Login the sticky comment is posted as; set it when `token` is not the
    /// workflow's `GITHUB_TOKEN` (a personal token or a GitHub App's).
    #[arg(long = "comment-author", env = "INPUT_COMMENT-AUTHOR", default_value = github::ACTIONS_BOT)]
    pub comment_author: String,
    /// Log every API request (method, path, status) to stderr. Also on when
    /// the workflow runs with debug logging (`RUNNER_DEBUG=1`).
    #[arg(long)]
    pub verbose: bool,
}

/// Why the action could not produce a verdict (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("{0} is not set; `checkgate action` runs inside GitHub Actions (use `checkgate check` locally)")]
    MissingEnv(&'static str),
    #[error("GITHUB_REPOSITORY `{0}` is not owner/name")]
    BadRepository(String),
    #[error("cannot read the event payload {path}: {source}")]
    ReadEvent {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the event payload {path} is not JSON: {source}")]
    ParseEvent {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("the `{event}` payload has no {field}")]
    MissingField { event: String, field: &'static str },
    #[error(
        "event `{0}` is not supported; run checkgate on pull_request, pull_request_target, merge_group, push or workflow_dispatch"
    )]
    UnsupportedEvent(String),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("cannot write {what} {path}: {source}")]
    Write {
        what: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Github(#[from] GithubError),
    #[error(
        "no token: `checkgate action` reads the policy and checklists through the GitHub API (set the `token` input)"
    )]
    NoToken,
    #[error("the `policy` input `{0}` must be a path inside the repository")]
    BadPolicyPath(String),
    #[error(
        "{path}: no policy at {git_ref}. checkgate reads the policy from the pull request's base, so a pull request \
         cannot change its own gate: commit the policy to the base branch first"
    )]
    NoPolicy { path: String, git_ref: String },
    #[error("{path} at {git_ref} is a {kind}, not a file")]
    NotAFile {
        path: String,
        git_ref: String,
        kind: String,
    },
    #[error(
        "cannot read the members of team @{team}: {source}. `approved-by` teams need a token that can read \
         organization members (a GitHub App or fine-grained token with Members: read), passed as the `token` input"
    )]
    Team {
        team: String,
        #[source]
        source: GithubError,
    },
}

/// The `GITHUB_*` variables the action reads.
#[derive(Debug, Clone)]
pub struct GithubEnv {
    pub event_name: String,
    pub event_path: PathBuf,
    pub repository: String,
    pub api_url: String,
    pub server_url: String,
    pub step_summary: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// `GITHUB_SHA`: only used when there is no pull request.
    pub sha: Option<String>,
    /// `RUNNER_DEBUG=1`.
    pub debug: bool,
}

impl GithubEnv {
    /// Read the context through `var` (`std::env::var` in production).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<GithubEnv, ActionError> {
        let get = |name| var(name).filter(|v| !v.is_empty());
        let need = |name: &'static str| get(name).ok_or(ActionError::MissingEnv(name));
        Ok(GithubEnv {
            event_name: need("GITHUB_EVENT_NAME")?,
            event_path: need("GITHUB_EVENT_PATH")?.into(),
            repository: need("GITHUB_REPOSITORY")?,
            api_url: get("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
            server_url: get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into()),
            step_summary: get("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: get("GITHUB_OUTPUT").map(PathBuf::from),
            sha: get("GITHUB_SHA"),
            debug: get("RUNNER_DEBUG").as_deref() == Some("1"),
        })
    }
}

/// What the event asks checkgate to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `pull_request` / `pull_request_target`: comment and check run. The
    /// payload's head and body may be stale; the action reads them fresh.
    PullRequest {
        number: u64,
        head_sha: String,
        body: String,
    },
    /// `merge_group`: a check run on the group's head, no comment. `pull` is
    /// the pull request the queue entry is for, from the group's head ref.
    MergeGroup {
        head_sha: String,
        base_sha: String,
        pull: Option<u64>,
    },
    /// `push` / `workflow_dispatch`: verdict, summary and outputs only; the
    /// policy comes from the default branch.
    NoPullRequest { default_branch: Option<String> },
}

/// Read what matters from an event payload. Any field may be null; the ones
/// checkgate cannot do without are errors, the others default.
pub fn parse_event(event: &str, payload: &Value) -> Result<Target, ActionError> {
    let missing = |field| ActionError::MissingField {
        event: event.to_string(),
        field,
    };
    let text = |v: &Value, ptr: &str| v.pointer(ptr).and_then(Value::as_str).map(str::to_string);
    match event {
        "pull_request" | "pull_request_target" => {
            let pr = payload
                .get("pull_request")
                .filter(|v| v.is_object())
                .ok_or(missing("pull_request"))?;
            Ok(Target::PullRequest {
                number: pr
                    .get("number")
                    .and_then(Value::as_u64)
                    .ok_or(missing("pull_request.number"))?,
                // The head commit, not GITHUB_SHA (the test merge commit).
                head_sha: text(pr, "/head/sha").ok_or(missing("pull_request.head.sha"))?,
                body: text(pr, "/body").unwrap_or_default(),
            })
        }
        "merge_group" => Ok(Target::MergeGroup {
            head_sha: text(payload, "/merge_group/head_sha").ok_or(missing("merge_group.head_sha"))?,
            base_sha: text(payload, "/merge_group/base_sha").ok_or(missing("merge_group.base_sha"))?,
            pull: text(payload, "/merge_group/head_ref").and_then(|r| queued_pull(&r)),
        }),
        "push" | "workflow_dispatch" => Ok(Target::NoPullRequest {
            default_branch: text(payload, "/repository/default_branch"),
        }),
        other => Err(ActionError::UnsupportedEvent(other.to_string())),
    }
}

/// The pull request a merge queue branch is for:
/// `refs/heads/gh-readonly-queue/main/pr-123-<sha>` → 123.
pub fn queued_pull(head_ref: &str) -> Option<u64> {
    let last = head_ref.rsplit('/').next()?;
    let rest = last.strip_prefix("pr-")?;
    let (number, sha) = rest.split_once('-')?;
    (!sha.is_empty() && sha.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| number.parse().ok())
        .flatten()
}

/// Run the action from the process environment, as a process exit code.
pub fn run(args: &ActionArgs) -> ExitCode {
    ExitCode::from(execute(args) as u8)
}

/// Run the action from the process environment; the CLI's entry point.
pub fn execute(args: &ActionArgs) -> Exit {
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    let env = match GithubEnv::from_vars(|name| std::env::var(name).ok()) {
        Ok(env) => env,
        Err(e) => return fail(&mut out, &mut err, &e.to_string()),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&mut out, &mut err, &format!("cannot start: {e}")),
    };
    runtime.block_on(run_with(args, &env, RetryPolicy::default(), &mut out, &mut err))
}

/// Run the action with an explicit context; `out` is the step log (workflow
/// commands), `err` gets errors and `--verbose` request lines.
pub async fn run_with(
    args: &ActionArgs,
    env: &GithubEnv,
    retry: RetryPolicy,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    let token = args.token.as_ref().map(Secret::expose).filter(|t| !t.is_empty());
    let redact = |s: &str| match token {
        Some(t) => s.replace(t, "***"),
        None => s.to_string(),
    };
    let (target, client) = match read_target(env).and_then(|t| Ok((t, connect(env, token, retry)?))) {
        Ok(c) => c,
        Err(e) => return fail(out, err, &redact(&e.to_string())),
    };
    let judged = judge(args, env, &client, &target).await;
    let exit = match judged {
        Ok(judged) => report_and_publish(args, env, &client, judged, out, err).await,
        Err(e) => {
            let message = redact(&e.to_string());
            if let Some(path) = &env.step_summary {
                let _ = append(path, &format!("## checkgate could not run\n\n```\n{message}\n```\n"));
            }
            fail(out, err, &message)
        }
    };
    if args.verbose || env.debug {
        for t in client.trace() {
            let status = t
                .status
                .map_or_else(|| "transport error".to_string(), |s| s.to_string());
            let _ = writeln!(err, "checkgate: {} {} -> {status}", t.method, t.path);
        }
    }
    exit
}

fn connect(env: &GithubEnv, token: Option<&str>, retry: RetryPolicy) -> Result<Client<github::Octocrab>, ActionError> {
    let repo =
        github::Repo::parse(&env.repository).ok_or_else(|| ActionError::BadRepository(env.repository.clone()))?;
    let token = token.ok_or(ActionError::NoToken)?;
    let transport = github::Octocrab::new(&env.api_url, Some(token))?;
    Ok(Client::new(transport, repo, retry, Some(token.to_string())))
}

/// The event payload at `GITHUB_EVENT_PATH`, read as a [`Target`].
fn read_target(env: &GithubEnv) -> Result<Target, ActionError> {
    let shown = env.event_path.display().to_string();
    let bytes = std::fs::read(&env.event_path).map_err(|source| ActionError::ReadEvent {
        path: shown.clone(),
        source,
    })?;
    let payload: Value =
        serde_json::from_slice(&bytes).map_err(|source| ActionError::ParseEvent { path: shown, source })?;
    parse_event(&env.event_name, &payload)
}

/// A verdict and where to publish it.
struct Judged {
    report: Report,
    markdown: String,
    /// The pull request to comment on.
    pull: Option<u64>,
    /// The commit judged: the check run goes here.
    head_sha: Option<String>,
}

/// Everything the run learnt from GitHub before evaluating.
struct Facts {
    /// Commit or branch the policy is read at.
    policy_ref: String,
    /// Commit the checklists are read at.
    head_ref: String,
    /// Commit the checklists are compared with for tamper checks.
    base_ref: Option<String>,
    pull: Option<github::PullRequest>,
    files: Option<github::ChangedFiles>,
    /// The changed-file list covers every change from base to head, so a
    /// checklist missing from it is unchanged.
    files_exact: bool,
    notes: Vec<String>,
}

async fn facts<T: github::Transport>(
    env: &GithubEnv,
    client: &Client<T>,
    target: &Target,
) -> Result<Facts, ActionError> {
    let short = |sha: &str| sha.chars().take(7).collect::<String>();
    match target {
        Target::PullRequest { number, head_sha, .. } => {
            // Fresh: a rerun after the author edits the description or pushes
            // sees the pull request as it is now, not as the event saw it.
            let pull = client.get_pull(*number).await?;
            let files = client.list_pull_files(*number).await?;
            let mut notes = Vec::new();
            if pull.head.sha != *head_sha {
                notes.push(format!(
                    "judged the pull request's current head {}; the event was for {}",
                    short(&pull.head.sha),
                    short(head_sha)
                ));
            }
            Ok(Facts {
                policy_ref: pull.base.sha.clone(),
                head_ref: pull.head.sha.clone(),
                base_ref: Some(pull.base.sha.clone()),
                files_exact: !files.truncated,
                files: Some(files),
                pull: Some(pull),
                notes,
            })
        }
        Target::MergeGroup {
            head_sha,
            base_sha,
            pull,
        } => {
            let (pull, files) = match pull {
                Some(n) => (
                    Some(client.get_pull(*n).await?),
                    Some(client.list_pull_files(*n).await?),
                ),
                None => (None, None),
            };
            Ok(Facts {
                policy_ref: base_sha.clone(),
                head_ref: head_sha.clone(),
                base_ref: Some(base_sha.clone()),
                pull,
                files,
                // The group's head may hold other queued pull requests' changes.
                files_exact: false,
                notes: Vec::new(),
            })
        }
        Target::NoPullRequest { default_branch } => Ok(Facts {
            policy_ref: default_branch.clone().ok_or_else(|| ActionError::MissingField {
                event: env.event_name.clone(),
                field: "repository.default_branch",
            })?,
            head_ref: env.sha.clone().ok_or(ActionError::MissingEnv("GITHUB_SHA"))?,
            base_ref: None,
            pull: None,
            files: None,
            files_exact: false,
            notes: Vec::new(),
        }),
    }
}

/// Read the event, the policy at the base and the checklists at the head and
/// base through the API, and evaluate. Nothing is read from the workspace, so
/// a pull request can neither change its own policy nor run code here.
async fn judge<T: github::Transport>(
    args: &ActionArgs,
    env: &GithubEnv,
    client: &Client<T>,
    target: &Target,
) -> Result<Judged, ActionError> {
    let mut facts = facts(env, client, target).await?;
    let policy_path = repo_path(&args.policy)?;
    let changed = |path: &str| facts.files.as_ref().and_then(|f| f.find(path));
    let policy_change = changed(&policy_path).map(|f| f.status.clone().unwrap_or_default());

    let policy_text = match fetch_text(client, &policy_path, &facts.policy_ref, policy::MAX_BYTES).await? {
        Some(text) => text,
        None if policy_change.as_deref() == Some("added") => {
            // The pull request that introduces the gate cannot be judged by it.
            facts.notes.push(format!(
                "this pull request adds the policy {policy_path}; it takes effect after merge (the base has none yet)"
            ));
            return Ok(finish(
                env,
                target,
                &facts,
                Report::new(Vec::new(), facts.notes.clone()),
            ));
        }
        None => {
            return Err(ActionError::NoPolicy {
                path: policy_path,
                git_ref: facts.policy_ref.clone(),
            });
        }
    };
    if policy_change.is_some() {
        facts.notes.push(format!(
            "this pull request changes the policy {policy_path}; it was judged by the base's policy, and the change applies after merge"
        ));
    }
    let policy = Policy::parse(&policy_path, &policy_text)?;

    let mut loader = MemLoader {
        pr_body: facts.pull.as_ref().map(|p| p.body.clone().unwrap_or_default()),
        ..MemLoader::default()
    };
    for cp in &policy.checklists {
        let Source::File(path) = &cp.source else { continue };
        if loader.head.contains_key(path) {
            continue;
        }
        let head = fetch_text(client, path, &facts.head_ref, engine::DEFAULT_MAX_BYTES).await?;
        let unchanged = facts.files_exact && changed(path).is_none();
        if let Some(base_ref) = facts.base_ref.as_ref().filter(|_| !unchanged || head.is_none()) {
            let base = fetch_text(client, path, base_ref, engine::DEFAULT_MAX_BYTES).await?;
            loader.base.insert(path.clone(), base);
        }
        loader.head.insert(path.clone(), head);
    }

    let signoffs = match &facts.pull {
        Some(pull)
            if policy
                .checklists
                .iter()
                .flat_map(|c| &c.requires)
                .any(|r| !r.approved_by.is_empty()) =>
        {
            Some(signoffs(client, &policy, pull).await?)
        }
        _ => None,
    };
    let ctx = Context {
        changed_files: facts.files.as_ref().map(github::ChangedFiles::paths),
        changed_files_truncated: facts.files.as_ref().is_some_and(|f| f.truncated),
        signoffs,
    };
    if ctx.changed_files_truncated {
        facts.notes.push(format!(
            "this pull request changes more than GitHub lists ({} files): when-changed rules that match none of the listed files are applied anyway",
            github::PULL_FILES_LIMIT
        ));
    }
    let mut report = engine::check(&policy, &loader, &ctx)?;
    report.notes.splice(0..0, facts.notes.iter().cloned());
    Ok(finish(env, target, &facts, report))
}

fn finish(env: &GithubEnv, target: &Target, facts: &Facts, report: Report) -> Judged {
    let opts = MarkdownOptions {
        link_base: Some(format!(
            "{}/{}/blob/{}/",
            env.server_url.trim_end_matches('/'),
            env.repository,
            facts.head_ref
        )),
        ..MarkdownOptions::default()
    };
    let markdown = report::markdown(&report, &opts);
    Judged {
        report,
        markdown,
        pull: match target {
            Target::PullRequest { number, .. } => Some(*number),
            _ => None,
        },
        head_sha: match target {
            Target::NoPullRequest { .. } => None,
            _ => Some(facts.head_ref.clone()),
        },
    }
}

/// Who approved the pull request's current head, and which of them belong to
/// the teams the policy names.
async fn signoffs<T: github::Transport>(
    client: &Client<T>,
    policy: &Policy,
    pull: &github::PullRequest,
) -> Result<Signoffs, ActionError> {
    let reviews = client.list_reviews(pull.number).await?;
    let approvers = github::approvers(&reviews, &pull.head.sha);
    let mut teams: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    let named = policy
        .checklists
        .iter()
        .flat_map(|c| &c.requires)
        .flat_map(|r| &r.approved_by)
        .filter_map(|a| a.trim_start_matches('@').split_once('/'));
    for (org, team) in named {
        let key = format!("{org}/{team}").to_ascii_lowercase();
        if teams.contains_key(&key) {
            continue;
        }
        let mut members = Vec::new();
        for login in &approvers {
            match client.is_team_member(org, team, login).await {
                Ok(true) => members.push(login.clone()),
                Ok(false) => {}
                Err(source) => return Err(ActionError::Team { team: key, source }),
            }
        }
        teams.insert(key, members);
    }
    Ok(Signoffs { approvers, teams })
}

/// A policy-relative path as a repository path: `/`-separated, no `..`.
fn repo_path(path: &Path) -> Result<String, ActionError> {
    let text = path.to_string_lossy().replace('\\', "/");
    let trimmed = text.trim_start_matches("./");
    if trimmed.is_empty() || trimmed.starts_with('/') || trimmed.split('/').any(|s| s == "..") {
        return Err(ActionError::BadPolicyPath(text));
    }
    Ok(trimmed.to_string())
}

/// A UTF-8 file at `git_ref`; `None` when it does not exist there.
async fn fetch_text<T: github::Transport>(
    client: &Client<T>,
    path: &str,
    git_ref: &str,
    max_bytes: u64,
) -> Result<Option<String>, ActionError> {
    match client.get_file(path, git_ref, max_bytes).await? {
        Content::File(bytes) => {
            checklist::decode(path, &bytes).map_err(EngineError::from)?;
            Ok(Some(String::from_utf8(bytes).unwrap_or_default()))
        }
        Content::Missing => Ok(None),
        Content::NotAFile(kind) => Err(ActionError::NotAFile {
            path: path.to_string(),
            git_ref: git_ref.to_string(),
            kind,
        }),
        Content::TooLarge(size) => Err(EngineError::Checklist(checklist::ChecklistError::TooLarge {
            path: path.to_string(),
            size,
            limit: max_bytes,
        })
        .into()),
    }
}

/// Annotations, job summary and outputs (always), then the comment and the
/// check run. The exit code comes from the report; an API failure can only
/// turn it into an error (2), never into a pass.
async fn report_and_publish<T: github::Transport>(
    args: &ActionArgs,
    env: &GithubEnv,
    client: &Client<T>,
    judged: Judged,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    let Judged {
        report,
        markdown,
        pull,
        head_sha,
    } = judged;
    // Checklist text is the pull request author's: nothing derived from it
    // may carry the token out.
    let markdown = client.redact(&markdown);
    let _ = out.write_all(client.redact(&report::github_commands(&report)).as_bytes());
    let mut local_error = None;
    if let Some(path) = &env.step_summary
        && let Err(source) = append(path, &format!("{markdown}\n"))
    {
        local_error = Some(ActionError::Write {
            what: "the step summary",
            path: path.display().to_string(),
            source,
        });
    }
    if let Some(path) = &env.output
        && let Err(source) = write_outputs(
            path,
            &outputs(&report)
                .into_iter()
                .map(|(k, v)| (k, client.redact(&v)))
                .collect::<Vec<_>>(),
        )
    {
        local_error = Some(ActionError::Write {
            what: "the step outputs",
            path: path.display().to_string(),
            source,
        });
    }

    let api_error = match publish(args, client, pull, head_sha.as_deref(), &report, &markdown, out).await {
        Ok(()) => None,
        Err(e) if e.is_read_only() => {
            warn(out, &read_only_warning(&client.redact(&e.to_string())));
            if let Some(path) = &env.step_summary {
                let _ = append(
                    path,
                    "> [!WARNING]\n> The token is read-only here, so checkgate posted no comment or check run. \
                     For fork pull requests, use the `pull_request_target` recipe in checkgate's README.\n",
                );
            }
            None
        }
        Err(e) => Some(ActionError::from(e)),
    };
    if let Some(e) = local_error.or(api_error) {
        return fail(out, err, &client.redact(&e.to_string()));
    }
    match (report.passed, args.fail) {
        (true, _) | (false, false) => Exit::Pass,
        (false, true) => Exit::Fail,
    }
}

/// Post the comment and the check run.
async fn publish<T: github::Transport>(
    args: &ActionArgs,
    client: &Client<T>,
    pull: Option<u64>,
    head_sha: Option<&str>,
    report: &Report,
    markdown: &str,
    out: &mut dyn Write,
) -> Result<(), GithubError> {
    let Some(head_sha) = head_sha else {
        return Ok(());
    };
    if let (Some(number), Some(when)) = (pull, comment_when(args.comment)) {
        let identities = vec![args.comment_author.clone()];
        let outcome = github::upsert_sticky_comment(
            client,
            number,
            &identities,
            markdown,
            when,
            !report.passed,
            Some(head_sha),
        )
        .await?;
        match outcome {
            CommentOutcome::Created {
                author: Some(author), ..
            } if !identities.iter().any(|i| i.eq_ignore_ascii_case(&author)) => warn(
                out,
                &format!(
                    "the comment was posted as `{author}`, not `{}`; set the `comment-author` input to `{author}` so later runs update it instead of adding another",
                    args.comment_author
                ),
            ),
            CommentOutcome::Superseded { head } => notice(
                out,
                &format!(
                    "the pull request moved on to {head} while this run judged {head_sha}; the comment is left to the run for the newer commit"
                ),
            ),
            _ => {}
        }
    }
    if args.check_run {
        client
            .publish_check_run(&check_run(report, head_sha, markdown, args.fail))
            .await?;
    }
    Ok(())
}

fn comment_when(mode: CommentMode) -> Option<CommentWhen> {
    match mode {
        CommentMode::Always => Some(CommentWhen::Always),
        CommentMode::OnFailure => Some(CommentWhen::OnFailure),
        CommentMode::Never => None,
    }
}

fn read_only_warning(cause: &str) -> String {
    format!(
        "the token cannot write to this repository ({cause}), so no pull request comment or check run was posted; \
         the exit code, job summary and annotations above still give the verdict. Pull requests from forks get a \
         read-only token under `pull_request`: to comment on them, run checkgate on `pull_request_target` as the \
         checkgate README describes"
    )
}

/// The check run for `report` on `head_sha`.
pub fn check_run(report: &Report, head_sha: &str, markdown: &str, fail: bool) -> CheckRun {
    let mut annotations = annotations(report);
    let omitted = annotations.len().saturating_sub(MAX_ANNOTATIONS);
    annotations.truncate(MAX_ANNOTATIONS);
    CheckRun {
        name: CHECK_NAME.to_string(),
        head_sha: head_sha.to_string(),
        conclusion: match (report.passed, fail) {
            (true, _) => "success",
            (false, true) => "failure",
            (false, false) => "neutral",
        },
        title: report::verdict(report),
        summary: markdown.to_string(),
        text: (omitted > 0).then(|| format!("{omitted} more open item(s) are not annotated; the summary lists them.")),
        annotations,
    }
}

/// One annotation per open item of a failing requirement in a checklist file
/// (`failure` for deny, `warning` for warn); an item failing several rules is
/// annotated once, at its most severe level.
pub fn annotations(report: &Report) -> Vec<Annotation> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for level in [Level::Deny, Level::Warn] {
        for (path, req, item) in report.open_items(level) {
            if path == Source::PrBody.display() || !seen.insert((path, item.line)) {
                continue;
            }
            let message = match &item.note {
                Some(note) => format!("{} ({note}) — {}", item.text, req.message),
                None => format!("open: {} — {}", item.text, req.message),
            };
            out.push(Annotation {
                path: path.to_string(),
                line: item.line.max(1),
                level: match level {
                    Level::Deny => "failure",
                    Level::Warn => "warning",
                },
                title: format!("checkgate: {}", req.rule),
                message,
            });
        }
    }
    out
}

/// The step outputs: `passed`, `checked`, `total`, `open`, `report`.
pub fn outputs(report: &Report) -> Vec<(&'static str, String)> {
    let open: std::collections::HashSet<_> = report.open_items(Level::Deny).map(|(p, _, o)| (p, o.line)).collect();
    vec![
        ("passed", report.passed.to_string()),
        ("checked", report.checked().to_string()),
        ("total", report.total().to_string()),
        ("open", open.len().to_string()),
        ("report", report::json(report)),
    ]
}

/// Append `name<<DELIM` heredocs to a `$GITHUB_OUTPUT` file. The delimiter is
/// random and checked against the value, so no value can end its own block
/// early and inject another output.
pub fn write_outputs(path: &Path, pairs: &[(&str, String)]) -> std::io::Result<()> {
    let mut text = String::new();
    for (name, value) in pairs {
        let delimiter = loop {
            let d = format!("ghadelimiter_{}", random_hex());
            if !value.contains(&d) {
                break d;
            }
        };
        text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    append(path, &text)
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(text.as_bytes())
}

/// 128 random bits, from the standard library's randomly keyed hasher.
fn random_hex() -> String {
    use std::hash::BuildHasher;
    let state = std::collections::hash_map::RandomState::new();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{:016x}{:016x}",
        state.hash_one(nanos),
        state.hash_one(std::process::id())
    )
}

/// GitHub's escaping for a workflow command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn notice(out: &mut dyn Write, message: &str) {
    let _ = writeln!(out, "::notice title={CHECK_NAME}::{}", escape_data(message));
}

fn warn(out: &mut dyn Write, message: &str) {
    let _ = writeln!(out, "::warning title={CHECK_NAME}::{}", escape_data(message));
}

fn fail(out: &mut dyn Write, err: &mut dyn Write, message: &str) -> Exit {
    let _ = writeln!(out, "::error title={CHECK_NAME}::{}", escape_data(message));
    let _ = writeln!(err, "checkgate: error: {message}");
    Exit::Error
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pull_request_with_a_null_body_is_an_empty_checklist_not_an_error() {
        let payload = json!({"pull_request": {"number": 7, "body": null, "head": {"sha": "abc"}}});
        assert_eq!(
            parse_event("pull_request", &payload).unwrap(),
            Target::PullRequest {
                number: 7,
                head_sha: "abc".into(),
                body: String::new()
            }
        );
    }

    #[test]
    fn missing_and_unsupported_events_are_named() {
        let e = parse_event("pull_request", &json!({"pull_request": null})).unwrap_err();
        assert_eq!(e.to_string(), "the `pull_request` payload has no pull_request");
        let e = parse_event("issue_comment", &json!({})).unwrap_err();
        assert!(
            e.to_string().starts_with("event `issue_comment` is not supported"),
            "{e}"
        );
        assert_eq!(
            parse_event("push", &json!({"repository": {"default_branch": "trunk"}})).unwrap(),
            Target::NoPullRequest {
                default_branch: Some("trunk".into())
            }
        );
        let group = json!({"merge_group": {"head_sha": "m", "base_sha": "b",
            "head_ref": "refs/heads/gh-readonly-queue/main/pr-12-f00d"}});
        assert_eq!(
            parse_event("merge_group", &group).unwrap(),
            Target::MergeGroup {
                head_sha: "m".into(),
                base_sha: "b".into(),
                pull: Some(12)
            }
        );
        let e = parse_event("merge_group", &json!({"merge_group": {"head_sha": "m"}})).unwrap_err();
        assert_eq!(e.to_string(), "the `merge_group` payload has no merge_group.base_sha");
    }

    #[test]
    fn queued_pull_reads_only_merge_queue_branch_names() {
        assert_eq!(queued_pull("refs/heads/gh-readonly-queue/main/pr-7-abc123"), Some(7));
        assert_eq!(queued_pull("gh-readonly-queue/release/v1/pr-300-0f"), Some(300));
        for bad in ["refs/heads/main", "pr-7", "pr-x-abc", "pr-7-xyz", "pr--abc"] {
            assert_eq!(queued_pull(bad), None, "{bad}");
        }
    }

    #[test]
    fn policy_paths_stay_inside_the_repository() {
        assert_eq!(
            repo_path(Path::new("./.github/checkgate.toml")).unwrap(),
            ".github/checkgate.toml"
        );
        for bad in ["/etc/passwd", "../x.toml", "a/../../b", ""] {
            assert!(repo_path(Path::new(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_output_value_cannot_close_its_own_heredoc() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let value = "a\nghadelimiter_x\nevil<<EOF".to_string();
        write_outputs(&path, &[("report", value.clone()), ("passed", "true".into())]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        let first = lines.next().unwrap();
        let delimiter = first.strip_prefix("report<<").unwrap();
        assert!(
            delimiter.starts_with("ghadelimiter_") && delimiter.len() > 20,
            "{delimiter}"
        );
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
        assert_eq!(body.join("\n"), value);
        assert!(lines.next().unwrap().starts_with("passed<<"));
    }

    #[test]
    fn the_token_is_not_in_debug_output() {
        let secret: Secret = "ghs_supersecret".parse().unwrap();
        assert_eq!(format!("{secret:?}"), "Secret(***)");
    }
}
