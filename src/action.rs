//! `checkgate action`: the whole CI job inside a GitHub Actions step.
//!
//! Everything that needs no network happens first and always: evaluate the
//! policy against the checked-out workspace, print workflow-command
//! annotations, append the job summary and write the step outputs. Only then
//! does the run talk to GitHub (the sticky comment and the check run, through
//! [`crate::github`]). So a read-only token, an outage or a rate limit can cost
//! the comment, never the verdict: the exit code is decided by the report, and
//! an API failure can only turn a pass into an error (2), never the reverse.
//!
//! The GitHub context arrives as environment variables; [`GithubEnv`] reads
//! them once so tests can pass their own. Output goes to the writers passed in
//! (the step log), never straight to the process's stdout.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use crate::cli::Exit;
use crate::engine::{self, DirLoader, EngineError};
use crate::eval::{Context, Level, Report};
use crate::github::{self, Annotation, CheckRun, Client, CommentOutcome, CommentWhen, GithubError, RetryPolicy};
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
    /// Policy file, relative to the workspace.
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
}

/// The `GITHUB_*` variables the action reads.
#[derive(Debug, Clone)]
pub struct GithubEnv {
    pub event_name: String,
    pub event_path: PathBuf,
    pub repository: String,
    pub api_url: String,
    pub server_url: String,
    pub workspace: PathBuf,
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
            workspace: get("GITHUB_WORKSPACE").map_or_else(|| PathBuf::from("."), PathBuf::from),
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
    /// `pull_request` / `pull_request_target`: comment and check run.
    PullRequest {
        number: u64,
        head_sha: String,
        body: String,
    },
    /// `merge_group`: a check run on the group's head, no comment.
    MergeGroup { head_sha: String },
    /// `push` / `workflow_dispatch`: verdict, summary and outputs only.
    NoPullRequest,
}

impl Target {
    fn head_sha(&self) -> Option<&str> {
        match self {
            Target::PullRequest { head_sha, .. } | Target::MergeGroup { head_sha } => Some(head_sha),
            Target::NoPullRequest => None,
        }
    }
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
        }),
        "push" | "workflow_dispatch" => Ok(Target::NoPullRequest),
        other => Err(ActionError::UnsupportedEvent(other.to_string())),
    }
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
    let evaluated = match evaluate(args, env) {
        Ok(e) => e,
        Err(e) => {
            let message = redact(&e.to_string());
            if let Some(path) = &env.step_summary {
                let _ = append(path, &format!("## checkgate could not run\n\n```\n{message}\n```\n"));
            }
            return fail(out, err, &message);
        }
    };
    let Evaluated {
        target,
        report,
        markdown,
    } = evaluated;
    // Checklists come from the workspace, which a pull request controls (a
    // symlink to /proc/self/environ, say): nothing derived from them may
    // carry the token out.
    let markdown = redact(&markdown);
    let _ = out.write_all(redact(&report::github_commands(&report)).as_bytes());
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
                .map(|(k, v)| (k, redact(&v)))
                .collect::<Vec<_>>(),
        )
    {
        local_error = Some(ActionError::Write {
            what: "the step outputs",
            path: path.display().to_string(),
            source,
        });
    }

    let api_error = publish(args, env, retry, token, &target, &report, &markdown, out, err).await;

    if let Some(e) = local_error {
        return fail(out, err, &redact(&e.to_string()));
    }
    if let Some(e) = api_error {
        return fail(out, err, &redact(&e.to_string()));
    }
    match (report.passed, args.fail) {
        (true, _) | (false, false) => Exit::Pass,
        (false, true) => Exit::Fail,
    }
}

struct Evaluated {
    target: Target,
    report: Report,
    markdown: String,
}

fn evaluate(args: &ActionArgs, env: &GithubEnv) -> Result<Evaluated, ActionError> {
    let shown = env.event_path.display().to_string();
    let bytes = std::fs::read(&env.event_path).map_err(|source| ActionError::ReadEvent {
        path: shown.clone(),
        source,
    })?;
    let payload: Value =
        serde_json::from_slice(&bytes).map_err(|source| ActionError::ParseEvent { path: shown, source })?;
    let target = parse_event(&env.event_name, &payload)?;
    github::Repo::parse(&env.repository).ok_or_else(|| ActionError::BadRepository(env.repository.clone()))?;
    let policy = Policy::load(&env.workspace.join(&args.policy))?;
    let loader = DirLoader {
        root: env.workspace.clone(),
        max_bytes: engine::DEFAULT_MAX_BYTES,
        // A pull request with no description is judged as an empty checklist.
        pr_body: match &target {
            Target::PullRequest { body, .. } => Some(body.clone()),
            _ => None,
        },
    };
    let report = engine::check(&policy, &loader, &Context::default())?;
    let sha = target.head_sha().map(str::to_string).or_else(|| env.sha.clone());
    let opts = MarkdownOptions {
        link_base: sha.map(|sha| {
            format!(
                "{}/{}/blob/{sha}/",
                env.server_url.trim_end_matches('/'),
                env.repository
            )
        }),
        ..MarkdownOptions::default()
    };
    let markdown = report::markdown(&report, &opts);
    Ok(Evaluated {
        target,
        report,
        markdown,
    })
}

/// Post the comment and the check run. Returns the error that should make the
/// run exit 2, if any; a read-only token is not one (it gets a warning).
#[allow(clippy::too_many_arguments)]
async fn publish(
    args: &ActionArgs,
    env: &GithubEnv,
    retry: RetryPolicy,
    token: Option<&str>,
    target: &Target,
    report: &Report,
    markdown: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Option<ActionError> {
    let head_sha = target.head_sha()?;
    let wants_comment = matches!(target, Target::PullRequest { .. }) && args.comment != CommentMode::Never;
    if !wants_comment && !args.check_run {
        return None;
    }
    let Some(token) = token else {
        warn(
            out,
            "no token: skipped the pull request comment and the check run (set the `token` input)",
        );
        return None;
    };
    let repo = github::Repo::parse(&env.repository)?;
    let transport = match github::Octocrab::new(&env.api_url, Some(token)) {
        Ok(t) => t,
        Err(e) => return Some(e.into()),
    };
    let client = Client::new(transport, repo, retry, Some(token.to_string()));
    let result = publish_with(args, &client, target, head_sha, report, markdown, out).await;
    if args.verbose || env.debug {
        for t in client.trace() {
            let status = t
                .status
                .map_or_else(|| "transport error".to_string(), |s| s.to_string());
            let _ = writeln!(err, "checkgate: {} {} -> {status}", t.method, t.path);
        }
    }
    match result {
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
        Err(e) => Some(e.into()),
    }
}

async fn publish_with<T: github::Transport>(
    args: &ActionArgs,
    client: &Client<T>,
    target: &Target,
    head_sha: &str,
    report: &Report,
    markdown: &str,
    out: &mut dyn Write,
) -> Result<(), GithubError> {
    if let (Target::PullRequest { number, .. }, Some(when)) = (target, comment_when(args.comment)) {
        let identities = vec![args.comment_author.clone()];
        let outcome =
            github::upsert_sticky_comment(client, *number, &identities, markdown, when, !report.passed).await?;
        if let CommentOutcome::Created {
            author: Some(author), ..
        } = outcome
            && !identities.iter().any(|i| i.eq_ignore_ascii_case(&author))
        {
            warn(
                out,
                &format!(
                    "the comment was posted as `{author}`, not `{}`; set the `comment-author` input to `{author}` so later runs update it instead of adding another",
                    args.comment_author
                ),
            );
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
        assert_eq!(parse_event("push", &json!({})).unwrap(), Target::NoPullRequest);
        assert_eq!(
            parse_event("merge_group", &json!({"merge_group": {"head_sha": "m"}})).unwrap(),
            Target::MergeGroup { head_sha: "m".into() }
        );
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
