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
//! The check run is created `in_progress` beside the first reads and
//! completed at the end; a run whose pull request has moved on to another
//! head judges nothing and completes its check run as superseded. Every
//! other way a run can end completes it too: an error (the deadline's
//! included) as `failure` with the error, and the runner cancelling the
//! step (SIGINT/SIGTERM) as `cancelled`.
//!
//! It then prints workflow-command annotations, appends the job summary and
//! writes the step outputs, and only then writes to GitHub (the sticky
//! comment and the check run, at the same time, through [`crate::github`]). So a read-only
//! token can cost the comment, never the verdict: the exit code is decided by
//! the report, and an API failure can only turn a pass into an error (2),
//! never the reverse.
//!
//! The GitHub context arrives as environment variables; [`GithubEnv`] reads
//! them once so tests can pass their own. Output goes to the writers passed in
//! (the step log), never straight to the process's stdout.

mod env;
mod event;
mod evidence;
mod judge;
mod outputs;
mod publish;
pub mod runner_files;
mod template;
pub mod workflow;

pub use env::{ActionArgs, CommentMode, GithubEnv, Secret};
pub use event::{Resolve, Target, parse_event, queued_pull};
pub use outputs::{outputs, write_outputs};
pub use publish::{annotations, check_run};

use std::io::Write;
use std::process::ExitCode;

use crate::engine::EngineError;
use crate::exit::Exit;
use crate::github::{self, Client, GithubError, RetryPolicy};
use crate::policy::PolicyError;

use crate::sanitize::Redactor;
use event::read_target;
use judge::{Outcome, judge};
use outputs::Log;
use publish::{Sibling, report_and_publish, superseded};

/// The check run's name, and the `title=` of workflow commands.
pub const CHECK_NAME: &str = "checkgate";

/// Annotations published on one check run; past this the rest are counted in
/// its text (each 50 costs a request, and nobody reads the 501st).
pub const MAX_ANNOTATIONS: usize = 500;

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
        source: runner_files::RunnerFileError,
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
        "the `merge_group` head_ref `{0}` does not name a queued pull request (`…/pr-<number>-<sha>`); without it the description and sign-off rules cannot be judged"
    )]
    NotAQueueBranch(String),
    #[error(
        "event `{0}` is not supported; run checkgate on pull_request_target, pull_request, pull_request_review, \
         issue_comment, workflow_run, check_run, status, deployment_status, merge_group, push or workflow_dispatch"
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
        source: runner_files::RunnerFileError,
    },
    #[error(transparent)]
    Github(#[from] GithubError),
    #[error(
        "no token: `checkgate action` reads the policy and checklists through the GitHub API (set the `token` input)"
    )]
    NoToken,
    #[error(
        "the token contains a character an HTTP header cannot carry (a line break or another control character); check the `token` input"
    )]
    BadToken,
    #[error("the `policy` input `{0}` must be a path inside the repository")]
    BadPolicyPath(String),
    #[error(
        "{path}: no policy at {git_ref}. checkgate reads the policy from the pull request's base, so a pull request \
         cannot change its own gate: commit the policy to the base branch first"
    )]
    NoPolicy { path: String, git_ref: String },
    #[error("{path}: the policy's `template` does not exist at the base ({git_ref})")]
    NoTemplate { path: String, git_ref: String },
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

/// Run the action from the process environment, as a process exit code.
pub fn run(args: &ActionArgs) -> ExitCode {
    ExitCode::from(execute(args) as u8)
}

/// Run the action from the process environment; the CLI's entry point.
pub fn execute(args: &ActionArgs) -> Exit {
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    let token = args.token.as_ref().map(Secret::expose);
    let mut log = Log::new(&mut out, &mut err, Redactor::new(token));
    let env = match GithubEnv::from_vars(|name| std::env::var(name).ok()) {
        Ok(env) => env,
        Err(e) => return log.fail(&e.to_string()),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return log.fail(&format!("cannot start: {e}")),
    };
    runtime.block_on(async {
        // Registered before the first request: from here on the runner's
        // cancellation completes the check run instead of killing the step.
        let cancel = cancellation();
        run_until(args, &env, RetryPolicy::default(), &mut out, &mut err, cancel).await
    })
}

/// Resolves when the runner cancels the step: it sends SIGINT (Ctrl-C on
/// Windows), then SIGTERM (Ctrl-Break) 7.5 s later, then kills the process
/// tree (GitHub Docs, *Workflow cancellation reference*). Never resolves
/// where the handlers cannot be installed: the default (the process ends)
/// then stands.
fn cancellation() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::interrupt()).and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
    };
    #[cfg(windows)]
    let signals = tokio::signal::windows::ctrl_c().and_then(|c| Ok((c, tokio::signal::windows::ctrl_break()?)));
    async move {
        #[cfg(any(unix, windows))]
        if let Ok((mut first, mut second)) = signals {
            tokio::select! {
                _ = first.recv() => {}
                _ = second.recv() => {}
            }
            return;
        }
        std::future::pending::<()>().await;
    }
}

/// Run the action with an explicit context; `out` is the step log (workflow
/// commands), `err` gets errors and `--verbose` request lines. Everything
/// written anywhere goes through one `Log`, which redacts and defuses it.
pub async fn run_with(
    args: &ActionArgs,
    env: &GithubEnv,
    retry: RetryPolicy,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Exit {
    run_until(args, env, retry, out, err, std::future::pending()).await
}

/// [`run_with`], cancelled when `cancel` resolves (the runner cancelling the
/// step): the check run this run created is completed `cancelled`, never
/// left in progress, and the run ends with exit 2 and no verdict.
pub async fn run_until(
    args: &ActionArgs,
    env: &GithubEnv,
    retry: RetryPolicy,
    out: &mut dyn Write,
    err: &mut dyn Write,
    cancel: impl std::future::Future<Output = ()>,
) -> Exit {
    let cancel = std::pin::pin!(cancel);
    let mut cancel = Cancel {
        signal: cancel,
        fired: false,
    };
    let token = args.token.as_ref().map(Secret::expose).filter(|t| !t.is_empty());
    let mut log = Log::new(out, err, Redactor::new(token)).with_files(env.step_summary.clone(), env.output.clone());
    let deadlines = github::Deadlines {
        request: args.request_timeout,
        run: args.timeout,
    };
    let connected =
        read_target(env, args.timeout).and_then(|t| Ok((t, connect(env, token, retry)?.with_deadlines(deadlines))));
    let (target, client) = match connected {
        Ok(c) => c,
        Err(e) => return log.fail(&e.to_string()),
    };
    let exit = match target {
        Target::Resolve(how) => {
            let resolved = tokio::select! {
                resolved = resolve(&client, args, &how) => Some(resolved),
                () = cancel.fired() => None,
            };
            match resolved {
                // Nothing created yet: nothing to complete.
                None => publish::cancelled(&client, None, &mut log).await,
                Some(Ok(targets)) if targets.is_empty() => {
                    log.notice(&nothing_to_judge(&how));
                    Exit::Pass
                }
                Some(Ok(targets)) => {
                    // Each pull request is judged on its own; the step's exit is
                    // the worst of them.
                    let mut worst = Exit::Pass;
                    for target in &targets {
                        let exit = run_target(args, env, &client, target, &mut log, &mut cancel).await;
                        if exit as u8 > worst as u8 {
                            worst = exit;
                        }
                        if cancel.fired {
                            break;
                        }
                    }
                    worst
                }
                Some(Err(e)) => log.fail(&e.to_string()),
            }
        }
        target => run_target(args, env, &client, &target, &mut log, &mut cancel).await,
    };
    if args.verbose || env.debug {
        for t in client.trace() {
            let status = t
                .status
                .map_or_else(|| "transport error".to_string(), |s| s.to_string());
            log.stderr(&format!("checkgate: {} {} -> {status}", t.method, t.path));
        }
    }
    exit
}

/// The runner's cancellation, remembered once it has come.
struct Cancel<'a, F> {
    signal: std::pin::Pin<&'a mut F>,
    fired: bool,
}

impl<F: std::future::Future<Output = ()>> Cancel<'_, F> {
    /// Resolves when the run is cancelled, and at once after that.
    async fn fired(&mut self) {
        if !self.fired {
            self.signal.as_mut().await;
            self.fired = true;
        }
    }
}

/// Judge one pull request, merge group or commit and publish the verdict.
/// Every path that created the check run completes it: with the verdict,
/// `skipped`, `cancelled` (superseded, or the run cancelled), or `failure`
/// with the error that ended the run.
async fn run_target<T: github::Transport, F: std::future::Future<Output = ()>>(
    args: &ActionArgs,
    env: &GithubEnv,
    client: &Client<T>,
    target: &Target,
    log: &mut Log<'_>,
    cancel: &mut Cancel<'_, F>,
) -> Exit {
    // The check run goes up `in_progress` beside the first reads, so an older
    // verdict on the commit does not stand while this one is computed.
    let check_head = match target {
        Target::PullRequest { head_sha, .. } | Target::MergeGroup { head_sha, .. } => Some(head_sha.clone()),
        Target::NoPullRequest { .. } | Target::Resolve(_) => None,
    };
    let mut start = std::pin::pin!(async {
        match (&check_head, args.check_run) {
            (Some(head), true) => Some(client.start_check_run(CHECK_NAME, head).await),
            _ => None,
        }
    });
    // On the heap: the judging future is large, and a test thread's stack is not.
    let mut work = Box::pin(async {
        match judge(args, env, client, target).await? {
            Outcome::Judged(judged) => {
                let siblings = siblings(args, env, client, &judged).await?;
                Ok::<_, ActionError>(Judgement::Judged(judged, siblings))
            }
            Outcome::Superseded { judged, head } => Ok(Judgement::Superseded(judged, head)),
            Outcome::Skipped(skipped) => Ok(Judgement::Skipped(skipped)),
        }
    });
    let (mut started, mut outcome) = (None, None);
    while started.is_none() || outcome.is_none() {
        // Biased: the check run's creation is sent before a cancellation
        // already there is seen, so the run it makes is always known.
        tokio::select! {
            biased;
            s = &mut start, if started.is_none() => started = Some(s),
            o = &mut work, if outcome.is_none() => outcome = Some(o),
            () = cancel.fired() => break,
        }
    }
    let (started, outcome) = match (started, outcome) {
        (Some(started), Some(outcome)) => (started, outcome),
        (started, _) => {
            // Cancelled while judging. A check run being created is waited
            // for (briefly), so that it too is completed, not left running.
            let id = match started {
                Some(started) => started,
                None => {
                    client.grace_to_finish();
                    tokio::time::timeout(github::FINISH_GRACE, &mut start)
                        .await
                        .ok()
                        .flatten()
                }
            };
            return publish::cancelled(client, id.and_then(Result::ok), log).await;
        }
    };
    let started_id = started.as_ref().and_then(|s| s.as_ref().ok().copied());
    let publishing = Box::pin(async {
        match outcome {
            Ok(Judgement::Judged(judged, siblings)) => {
                report_and_publish(args, client, *judged, siblings, started, log).await
            }
            Ok(Judgement::Superseded(judged, head)) => superseded(client, &judged, &head, started, log).await,
            Ok(Judgement::Skipped(skipped)) => publish::skipped(args, client, *skipped, started, log).await,
            Err(e) => publish::failed(client, &e.to_string(), started_id, log).await,
        }
    });
    let finished = tokio::select! {
        exit = publishing => Some(exit),
        () = cancel.fired() => None,
    };
    match finished {
        Some(exit) => exit,
        None => publish::cancelled(client, started_id, log).await,
    }
}

/// What judging one target came to, with the verdicts of the other pull
/// requests its commit heads.
enum Judgement {
    Judged(Box<judge::Judged>, Vec<Sibling>),
    Superseded(String, String),
    Skipped(Box<judge::SkippedPull>),
}

/// The pull requests a [`Target::Resolve`] event concerns, as targets
/// naming each one's current head (never `GITHUB_SHA`).
async fn resolve<T: github::Transport>(
    client: &Client<T>,
    args: &ActionArgs,
    how: &Resolve,
) -> Result<Vec<Target>, ActionError> {
    let heads = match how {
        Resolve::Nothing(_) => Vec::new(),
        // The lowest-numbered: its check run on the commit speaks for every
        // other pull request the commit heads (see `siblings`).
        Resolve::Commit(sha) => client
            .open_pulls_at(sha)
            .await?
            .into_iter()
            .take(1)
            .map(|number| github::graphql::PullHead {
                number,
                head_sha: sha.clone(),
                base_ref: String::new(),
            })
            .collect(),
        Resolve::Comment { number, author, body } => {
            let comment = github::Comment {
                id: 0,
                body: Some(body.clone()),
                html_url: None,
                user: author.clone().map(|login| github::User { login }),
                author_association: None,
            };
            if comment.is_sticky(std::slice::from_ref(&args.comment_author)) {
                Vec::new()
            } else {
                client.open_pull(*number).await?.into_iter().collect()
            }
        }
        Resolve::Numbers(numbers) => {
            let mut heads = Vec::new();
            for n in numbers {
                heads.extend(client.open_pull(*n).await?);
            }
            heads
        }
    };
    // One run per head: pull requests that share it are judged together.
    let mut seen = std::collections::HashSet::new();
    Ok(heads
        .into_iter()
        .filter(|p| seen.insert(p.head_sha.clone()))
        .map(|p| Target::PullRequest {
            number: p.number,
            head_sha: p.head_sha,
            body: String::new(),
            base_ref: (!p.base_ref.is_empty()).then_some(p.base_ref),
        })
        .collect())
}

/// The notice for an event that concerns no open pull request.
fn nothing_to_judge(how: &Resolve) -> String {
    match how {
        Resolve::Nothing(why) => why.clone(),
        Resolve::Commit(sha) => format!("no open pull request has {sha} as its head: nothing to judge"),
        Resolve::Comment { number, .. } => {
            format!("the comment on #{number} is checkgate's own (or #{number} is closed): nothing to judge")
        }
        Resolve::Numbers(numbers) => {
            let list: Vec<String> = numbers.iter().map(|n| format!("#{n}")).collect();
            format!("{} is not open: nothing to judge", list.join(", "))
        }
    }
}

/// The verdict for each other open pull request whose head is the commit
/// judged: a check run on a commit speaks for every pull request it heads,
/// so each is judged by its own base's policy (issue 20 §2).
async fn siblings<T: github::Transport>(
    args: &ActionArgs,
    env: &GithubEnv,
    client: &Client<T>,
    judged: &judge::Judged,
) -> Result<Vec<Sibling>, ActionError> {
    let Some(head) = judged.head_sha.as_deref() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for &number in &judged.others {
        let target = Target::PullRequest {
            number,
            head_sha: head.to_string(),
            body: String::new(),
            base_ref: None,
        };
        // Only the pull requests GitHub lists for the commit: theirs are not followed.
        match judge(args, env, client, &target).await {
            Ok(Outcome::Judged(other)) => out.push(Sibling {
                number,
                base: other.base_branch.clone().unwrap_or_default(),
                verdict: Some((other.report.passed, other.report_only)),
            }),
            // Moved on, or not gated by its own base policy: nothing to list.
            Ok(Outcome::Superseded { .. } | Outcome::Skipped(_)) => {}
            // A branch with no policy is not gated: nothing to judge there.
            // (Anyone can open a pull request from the same commit.)
            Err(ActionError::NoPolicy { .. }) => out.push(Sibling {
                number,
                base: String::new(),
                verdict: None,
            }),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

fn connect(env: &GithubEnv, token: Option<&str>, retry: RetryPolicy) -> Result<Client<github::Octocrab>, ActionError> {
    let repo =
        github::Repo::parse(&env.repository).ok_or_else(|| ActionError::BadRepository(env.repository.clone()))?;
    let token = token.ok_or(ActionError::NoToken)?;
    // A line break or control character cannot go in a header; octocrab
    // would panic building the request.
    if http::HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
        return Err(ActionError::BadToken);
    }
    let transport = github::Octocrab::new(&env.api_url, Some(token))?;
    Ok(Client::new(transport, repo, retry, Some(token.to_string())))
}
