//! What the action is given: its inputs (flags or `INPUT_*` variables) and
//! the `GITHUB_*` variables that describe the run.

use std::path::PathBuf;
use std::time::Duration;

use super::ActionError;
use crate::github;
use crate::policy;

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
    #[arg(long, env = "INPUT_POLICY", hide_env_values = true, default_value = policy::DEFAULT_PATH)]
    pub policy: PathBuf,
    /// When to post the sticky pull request comment.
    #[arg(long, env = "INPUT_COMMENT", hide_env_values = true, value_enum, default_value_t = CommentMode::Always)]
    pub comment: CommentMode,
    /// Publish a `checkgate` check run with line annotations.
    #[arg(long = "check-run", env = "INPUT_CHECK-RUN", hide_env_values = true, default_value = "true",
          value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub check_run: bool,
    /// Exit 1 when the gate fails (`false`: exit 0 anyway). Only the step's
    /// exit code: the check run's conclusion is the base policy's
    /// (`[action] report-only`), and a pull request that changes a workflow
    /// cannot use this to pass.
    #[arg(long, env = "INPUT_FAIL", hide_env_values = true, default_value = "true",
          value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub fail: bool,
    /// Login the sticky comment is posted as; set it when `token` is not the
    /// workflow's `GITHUB_TOKEN` (a personal token or a GitHub App's).
    #[arg(long = "comment-author", env = "INPUT_COMMENT-AUTHOR", hide_env_values = true, default_value = github::ACTIONS_BOT)]
    pub comment_author: String,
    /// Log every API request (method, path, status) to stderr. Also on when
    /// the workflow runs with debug logging (`RUNNER_DEBUG=1`).
    #[arg(long)]
    pub verbose: bool,
    /// Seconds the whole run may take, all API requests and retry waits
    /// included; past it the run stops with exit 2, naming the request.
    #[arg(long, env = "INPUT_TIMEOUT", hide_env_values = true, default_value = "600", value_parser = seconds)]
    pub timeout: Duration,
    /// Seconds one API request may take, from sending it to the last byte of
    /// the response (a total, not a per-read timeout); past it, exit 2.
    #[arg(long = "request-timeout", env = "INPUT_REQUEST-TIMEOUT", hide_env_values = true,
          default_value = "60", value_parser = seconds)]
    pub request_timeout: Duration,
}

/// A positive number of seconds (`90`, `0.5`), as the timeout inputs take.
pub fn seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("`{text}` is not a positive number of seconds"))
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
    /// `GITHUB_WORKFLOW_REF`: `owner/repo/.github/workflows/x.yml@ref`, the
    /// workflow file this run comes from.
    pub workflow_ref: Option<String>,
}

impl GithubEnv {
    /// The running workflow's path in the repository, from `GITHUB_WORKFLOW_REF`.
    pub fn workflow_path(&self) -> Option<&str> {
        let rest = self.workflow_ref.as_deref()?.strip_prefix(self.repository.as_str())?;
        let path = rest.strip_prefix('/')?.split('@').next()?;
        (!path.is_empty()).then_some(path)
    }

    /// `GITHUB_WORKFLOW_REF` names a workflow file in another repository:
    /// an organization ruleset's required workflow, which runs from its own
    /// repository at the ref the ruleset pins.
    pub fn workflow_elsewhere(&self) -> bool {
        self.workflow_ref.as_deref().is_some_and(|r| {
            let prefix = format!("{}/", self.repository);
            !(r.len() > prefix.len()
                && r.is_char_boundary(prefix.len())
                && r[..prefix.len()].eq_ignore_ascii_case(&prefix))
        })
    }

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
            workflow_ref: get("GITHUB_WORKFLOW_REF"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_not_in_debug_output() {
        let secret: Secret = "ghs_supersecret".parse().unwrap();
        assert_eq!(format!("{secret:?}"), "Secret(***)");
    }
}
