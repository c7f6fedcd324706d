//! The only module that talks to the network: GitHub's REST API, through
//! octocrab, behind the one-method [`Transport`] trait.
//!
//! Octocrab only moves bytes here (its typed models are not used and its own
//! retry layer is compiled out): every request goes through [`Client::send`],
//! which owns the retry rules GitHub documents for integrations — back off on
//! 5xx, 429 and secondary-rate-limit 403s, honour `retry-after` and
//! `x-ratelimit-reset`, and stop after a few tries or a minute in total. A
//! `POST` whose outcome is unknown (a 5xx or a dropped connection) is *not*
//! repeated here: [`upsert_sticky_comment`] re-lists the comments first, so a
//! comment that was in fact created is updated rather than duplicated.
//!
//! Reads go through GraphQL where one query can replace many REST requests
//! ([`graphql`]); what GraphQL cannot give (the merge base, renames' old
//! names, file bytes it sends no text for) and every write stay REST.
//!
//! The token is handed to octocrab once and never formatted; every message
//! that could carry server text is passed through [`Client::redact`] in case a
//! server (or a proxy) echoes it back.

mod checks;
mod client;
mod comments;
mod contents;
pub mod graphql;
mod history;
mod pulls;
mod retry;

pub use checks::{ANNOTATIONS_PER_REQUEST, Annotation, CHECK_OUTPUT_MAX_CHARS, CheckRun};
pub use client::{
    Client, Deadlines, FINISH_GRACE, MAX_RESPONSE_BYTES, Octocrab, RawResponse, Trace, Transport, TransportError,
};
pub use comments::{
    ACTIONS_BOT, COMMENT_MAX_CHARS, Comment, CommentOutcome, CommentWhen, HEAD_MARKER, MARKER, User, sticky_body,
    upsert_sticky_comment,
};
pub use contents::Content;
pub use graphql::{Enforcement, Listed, PathAt, PullSnapshot};
pub use history::{COMPARE_FILES_LIMIT, Comparison, TreeEntry};
pub use pulls::{ChangedFile, ChangedFiles, Commitish, PULL_FILES_LIMIT, PullRequest, Review, approvers};
pub use retry::RetryPolicy;

use http::Method;

/// Why a GitHub request failed. Messages never contain the token.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("invalid GitHub API URL `{0}`")]
    BaseUri(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("{method} {path}: HTTP {status}: {message}")]
    Status {
        method: Method,
        path: String,
        status: u16,
        message: String,
    },
    /// The request may or may not have reached GitHub.
    #[error("{method} {path}: {message}")]
    Transport {
        method: Method,
        path: String,
        message: String,
    },
    #[error("{method} {path}: gave up after {attempts} attempt(s): {last}")]
    GaveUp {
        method: Method,
        path: String,
        attempts: u32,
        last: String,
    },
    /// A list had more pages than checkgate reads; judging part of it could pass what the rest fails.
    #[error(
        "GET {path}: the list goes on past the {read} entries checkgate reads; it cannot be judged from part of the list"
    )]
    Incomplete { path: String, read: usize },
    /// The same, for a list read through GraphQL.
    #[error(
        "GraphQL {field}: the list goes on past the {read} entries checkgate reads; it cannot be judged from part of the list"
    )]
    IncompleteQuery { field: String, read: usize },
    #[error("{method} {path}: the response is larger than {limit} bytes; checkgate stopped reading there")]
    TooLarge { method: Method, path: String, limit: u64 },
    #[error(
        "{method} {path}: no complete response within {} s (the `request-timeout` input); the server is too slow or stalled",
        seconds(*.after)
    )]
    RequestDeadline {
        method: Method,
        path: String,
        after: std::time::Duration,
    },
    #[error(
        "{method} {path}: the run's deadline of {} s (the `timeout` input) passed during this request",
        seconds(*.after)
    )]
    RunDeadline {
        method: Method,
        path: String,
        after: std::time::Duration,
    },
    /// GitHub answered a GraphQL query with `errors`: the read failed, even
    /// where part of the data came with them.
    #[error("GraphQL {operation}: {message}{}", if *.partial { " (GitHub sent part of the answer; checkgate never judges from part of one)" } else { "" })]
    Graphql {
        operation: String,
        message: String,
        partial: bool,
    },
    #[error("{method} {path}: unexpected response: {message}")]
    Decode {
        method: Method,
        path: String,
        message: String,
    },
}

/// A duration as a plain number of seconds: `2`, `0.5`.
fn seconds(d: std::time::Duration) -> String {
    format!("{}", d.as_secs_f64())
}

impl GithubError {
    /// The token may not write here: a fork pull request under `pull_request`,
    /// a Dependabot run, or a workflow without the needed `permissions`.
    pub fn is_read_only(&self) -> bool {
        matches!(self, GithubError::Status { status: 403, message, .. }
            if message.contains("Resource not accessible by"))
    }

    /// GitHub answered 404: the file, ref, pull request or membership does not exist
    /// (or the token may not see it, which GitHub also reports as 404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, GithubError::Status { status: 404, .. })
    }

    /// The request may have taken effect although no success was seen.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            GithubError::Transport { .. } => true,
            GithubError::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// An owner/name pair, e.g. from `GITHUB_REPOSITORY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl Repo {
    pub fn parse(full: &str) -> Option<Repo> {
        let (owner, name) = full.split_once('/')?;
        let valid = |s: &str| !s.is_empty() && !s.contains('/') && !s.contains(['?', '#', '%', ' ']);
        (valid(owner) && valid(name)).then(|| Repo {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }
}

/// Percent-encode one path segment or query value.
pub fn encode_segment(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    utf8_percent_encode(s, KEEP).to_string()
}

/// Percent-encode a repository path, keeping its `/` separators.
pub fn encode_path(path: &str) -> String {
    path.split('/').map(encode_segment).collect::<Vec<_>>().join("/")
}

/// At most `max` characters of `s`, ending in an ellipsis when cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_parse_rejects_what_would_break_a_path() {
        assert_eq!(
            Repo::parse("o/r"),
            Some(Repo {
                owner: "o".into(),
                name: "r".into()
            })
        );
        for bad in ["", "o", "o/", "/r", "o/r/x", "o/r?x", "o r/x"] {
            assert_eq!(Repo::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn paths_are_percent_encoded_but_keep_their_slashes() {
        assert_eq!(encode_path("docs/Ready list #1.md"), "docs/Ready%20list%20%231.md");
        assert_eq!(encode_segment("feature/x?y"), "feature%2Fx%3Fy");
    }
}
