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
//! The token is handed to octocrab once and never formatted; every message
//! that could carry server text is passed through [`Client::redact`] in case a
//! server (or a proxy) echoes it back.

use std::cell::RefCell;
use std::time::Duration;

use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

/// The login GitHub Actions' `GITHUB_TOKEN` comments as. Such a token cannot
/// call `GET /user`, so the sticky comment's owner is configured, not asked for.
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// The hidden marker that starts the sticky comment.
pub const MARKER: &str = "<!-- checkgate -->";

/// The sticky comment's second line records the commit it judged:
/// `<!-- checkgate:head SHA -->`.
pub const HEAD_MARKER: &str = "<!-- checkgate:head ";

/// GitHub's limit on an issue comment body, in characters.
pub const COMMENT_MAX_CHARS: usize = 65_536;
/// GitHub's limit on a check run's output title, summary and text, in characters.
pub const CHECK_OUTPUT_MAX_CHARS: usize = 65_535;
/// GitHub accepts at most this many annotations per check-run request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;

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
    #[error("{method} {path}: unexpected response: {message}")]
    Decode {
        method: Method,
        path: String,
        message: String,
    },
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

/// A response as the retry logic needs it.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

/// Sends one request; no retries, no interpretation of the status.
#[allow(async_fn_in_trait)] // Runs on a current-thread runtime: no `Send` bound is wanted.
pub trait Transport {
    /// `path` is relative to the API root and may carry a query string.
    /// `Err` is a transport failure (connection, timeout), described in words.
    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<RawResponse, String>;
}

/// [`Transport`] over octocrab, pointed at `GITHUB_API_URL`.
pub struct Octocrab {
    inner: octocrab::Octocrab,
}

impl Octocrab {
    /// A client for `api_url` (`https://api.github.com`, or a GitHub
    /// Enterprise Server's `https://HOST/api/v3`) authenticated with `token`.
    pub fn new(api_url: &str, token: Option<&str>) -> Result<Octocrab, GithubError> {
        let mut builder = octocrab::Octocrab::builder()
            .base_uri(api_url)
            .map_err(|_| GithubError::BaseUri(api_url.to_string()))?
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(30)));
        if let Some(token) = token {
            builder = builder.personal_token(token.to_string());
        }
        // octocrab's error text is generic; it never includes the token.
        let inner = builder.build().map_err(|e| GithubError::Client(e.to_string()))?;
        Ok(Octocrab { inner })
    }
}

impl Transport for Octocrab {
    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<RawResponse, String> {
        let request = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::ACCEPT, "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header(
                http::header::USER_AGENT,
                concat!("checkgate/", env!("CARGO_PKG_VERSION")),
            );
        let request = self.inner.build_request(request, body).map_err(|e| e.to_string())?;
        let response = self.inner.execute(request).await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = self.inner.body_to_string(response).await.map_err(|e| e.to_string())?;
        Ok(RawResponse { status, headers, body })
    }
}

/// How hard to retry. The budget counts the waits GitHub asks for, so a
/// `retry-after: 3600` gives up at once instead of sleeping for an hour.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Tries per request, the first included.
    pub attempts: u32,
    /// Most time spent waiting between tries, over the whole run.
    pub budget: Duration,
    /// First back-off when GitHub names no wait; doubled on each retry.
    pub backoff: Duration,
    /// Multiplies every real sleep (tests use 0; waits are still accounted).
    pub time_scale: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            budget: Duration::from_secs(60),
            backoff: Duration::from_secs(1),
            time_scale: 1.0,
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

/// An issue comment, as much of it as the sticky comment needs.
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub user: Option<User>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub login: String,
}

impl Comment {
    pub fn author(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.login.as_str())
    }

    /// The commit a checkgate comment judged, from its second line.
    pub fn head(&self) -> Option<&str> {
        let line = self
            .body
            .as_deref()?
            .strip_prefix(MARKER)?
            .trim_start_matches(['\r', '\n']);
        let sha = line.strip_prefix(HEAD_MARKER)?;
        Some(sha[..sha.find(" -->")?].trim())
    }

    /// Ours: carries the marker *and* was written by one of `identities`.
    /// Anyone can paste the marker; only the author check keeps checkgate
    /// from editing someone else's comment.
    pub fn is_sticky(&self, identities: &[String]) -> bool {
        let marked = self.body.as_deref().is_some_and(|b| b.starts_with(MARKER));
        marked
            && self
                .author()
                .is_some_and(|a| identities.iter().any(|i| i.eq_ignore_ascii_case(a)))
    }
}

/// GitHub returns at most this many files for a pull request.
pub const PULL_FILES_LIMIT: usize = 3_000;

/// A pull request, as much of it as checkgate needs.
#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    pub head: Commitish,
    pub base: Commitish,
}

/// A pull request's `head` or `base`.
#[derive(Debug, Clone, Deserialize)]
pub struct Commitish {
    pub sha: String,
    #[serde(rename = "ref", default)]
    pub git_ref: Option<String>,
}

/// One file of a pull request's diff.
#[derive(Debug, Clone, Deserialize)]
pub struct ChangedFile {
    pub filename: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub previous_filename: Option<String>,
}

/// The files a pull request changes.
#[derive(Debug, Clone, Default)]
pub struct ChangedFiles {
    pub files: Vec<ChangedFile>,
    /// The list stopped at GitHub's [`PULL_FILES_LIMIT`].
    pub truncated: bool,
}

impl ChangedFiles {
    /// Every path the pull request touches, old names of renames included.
    pub fn paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in &self.files {
            out.push(f.filename.clone());
            if let Some(old) = &f.previous_filename {
                out.push(old.clone());
            }
        }
        out
    }

    /// The entry for `path`, by its new or its old name.
    pub fn find(&self, path: &str) -> Option<&ChangedFile> {
        self.files
            .iter()
            .find(|f| f.filename == path || f.previous_filename.as_deref() == Some(path))
    }
}

/// A pull request review.
#[derive(Debug, Clone, Deserialize)]
pub struct Review {
    #[serde(default)]
    pub user: Option<User>,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`.
    pub state: String,
    #[serde(default)]
    pub commit_id: Option<String>,
}

/// Logins whose latest deciding review approves `head_sha` and was not
/// dismissed. A comment-only review does not change a reviewer's decision;
/// a later change request or dismissal withdraws an approval; an approval of
/// an earlier commit does not count.
pub fn approvers(reviews: &[Review], head_sha: &str) -> Vec<String> {
    let mut latest: Vec<(String, &Review)> = Vec::new();
    for r in reviews {
        let Some(login) = r.user.as_ref().map(|u| u.login.clone()) else {
            continue;
        };
        if matches!(r.state.as_str(), "COMMENTED" | "PENDING") {
            continue;
        }
        match latest.iter_mut().find(|(l, _)| l.eq_ignore_ascii_case(&login)) {
            Some(slot) => slot.1 = r,
            None => latest.push((login, r)),
        }
    }
    latest
        .into_iter()
        .filter(|(_, r)| r.state == "APPROVED" && r.commit_id.as_deref() == Some(head_sha))
        .map(|(l, _)| l)
        .collect()
}

/// A file read through the contents API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    File(Vec<u8>),
    /// No such path at that ref.
    Missing,
    /// A directory, symlink or submodule: the kind GitHub reports.
    NotAFile(String),
    /// Larger than the limit, in bytes.
    TooLarge(u64),
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

/// What one check-run annotation says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub path: String,
    pub line: usize,
    /// `failure`, `warning` or `notice`.
    pub level: &'static str,
    pub title: String,
    pub message: String,
}

impl Annotation {
    fn to_json(&self) -> Value {
        json!({
            "path": self.path,
            "start_line": self.line,
            "end_line": self.line,
            "annotation_level": self.level,
            "title": truncate_chars(&self.title, 255),
            "message": truncate_chars(&self.message, 4_000),
        })
    }
}

/// A completed check run to publish.
#[derive(Debug, Clone)]
pub struct CheckRun {
    pub name: String,
    pub head_sha: String,
    /// `success`, `failure` or `neutral`.
    pub conclusion: &'static str,
    pub title: String,
    pub summary: String,
    pub text: Option<String>,
    pub annotations: Vec<Annotation>,
}

/// One request as made, for `--verbose` and the request-count test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub method: Method,
    pub path: String,
    /// Status, or `None` for a transport failure.
    pub status: Option<u16>,
}

/// A repository-scoped GitHub client with GitHub's retry rules.
pub struct Client<T> {
    transport: T,
    repo: Repo,
    retry: RetryPolicy,
    secret: Option<String>,
    waited: RefCell<Duration>,
    trace: RefCell<Vec<Trace>>,
}

/// Whether a failed attempt may be tried again.
enum Verdict {
    Done(RawResponse),
    Retry { wait: Option<Duration>, why: String },
    Fail(GithubError),
}

impl<T: Transport> Client<T> {
    /// `secret` is only used to scrub messages; pass the token given to the transport.
    pub fn new(transport: T, repo: Repo, retry: RetryPolicy, secret: Option<String>) -> Client<T> {
        Client {
            transport,
            repo,
            retry,
            secret: secret.filter(|s| !s.is_empty()),
            waited: RefCell::new(Duration::ZERO),
            trace: RefCell::new(Vec::new()),
        }
    }

    /// Every request made so far.
    pub fn trace(&self) -> Vec<Trace> {
        self.trace.borrow().clone()
    }

    /// Total time spent (or, with `time_scale` 0, accounted) waiting to retry.
    pub fn waited(&self) -> Duration {
        *self.waited.borrow()
    }

    /// Replace the token (and common encodings of it) wherever it appears.
    pub fn redact(&self, text: &str) -> String {
        match &self.secret {
            Some(secret) => text.replace(secret.as_str(), "***"),
            None => text.to_string(),
        }
    }

    fn repo_path(&self, rest: &str) -> String {
        format!("/repos/{}/{}/{rest}", self.repo.owner, self.repo.name)
    }

    /// Send with retries. `replayable` is false for a `POST` that must not be
    /// repeated when its outcome is unknown (5xx, transport failure); rate-limit
    /// refusals are always replayed, since GitHub did nothing with them.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        replayable: bool,
    ) -> Result<RawResponse, GithubError> {
        // Never send the token in a body, whatever the checklists contained.
        let scrubbed: Option<Value> = match (body, &self.secret) {
            (Some(b), Some(secret)) if b.to_string().contains(secret.as_str()) => {
                serde_json::from_str(&self.redact(&b.to_string())).ok()
            }
            _ => None,
        };
        let body = scrubbed.as_ref().or(body);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.transport.send(method.clone(), path, body).await;
            self.trace.borrow_mut().push(Trace {
                method: method.clone(),
                path: path.to_string(),
                status: result.as_ref().ok().map(|r| r.status),
            });
            let (wait, why) = match self.judge(&method, path, result, replayable) {
                Verdict::Done(r) => return Ok(r),
                Verdict::Fail(e) => return Err(e),
                Verdict::Retry { wait, why } => (wait, why),
            };
            let wait = wait.unwrap_or_else(|| self.retry.backoff.saturating_mul(1 << (attempt - 1).min(8)));
            let waited = *self.waited.borrow();
            if attempt >= self.retry.attempts || waited + wait > self.retry.budget {
                return Err(GithubError::GaveUp {
                    method,
                    path: path.to_string(),
                    attempts: attempt,
                    last: if waited + wait > self.retry.budget {
                        format!("{why} (next wait of {} s exceeds the retry budget)", wait.as_secs())
                    } else {
                        why
                    },
                });
            }
            *self.waited.borrow_mut() += wait;
            tokio::time::sleep(wait.mul_f64(self.retry.time_scale.max(0.0))).await;
        }
    }

    fn judge(&self, method: &Method, path: &str, result: Result<RawResponse, String>, replayable: bool) -> Verdict {
        let r = match result {
            Ok(r) => r,
            Err(message) => {
                let message = self.redact(&message);
                return if replayable {
                    Verdict::Retry {
                        wait: None,
                        why: format!("transport: {message}"),
                    }
                } else {
                    Verdict::Fail(GithubError::Transport {
                        method: method.clone(),
                        path: path.to_string(),
                        message,
                    })
                };
            }
        };
        if (200..300).contains(&r.status) {
            return Verdict::Done(r);
        }
        let message = self.redact(&error_message(&r.body));
        let header = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let retry_after = header("retry-after").and_then(|v| v.parse::<u64>().ok());
        let exhausted = header("x-ratelimit-remaining") == Some("0");
        let reset_wait = header("x-ratelimit-reset")
            .and_then(|v| v.parse::<u64>().ok())
            .map(|reset| Duration::from_secs(reset.saturating_sub(unix_now()) + 1));
        let rate_limited = r.status == 429
            || (r.status == 403
                && (retry_after.is_some() || exhausted || message.to_ascii_lowercase().contains("rate limit")));
        let why = format!("HTTP {}: {message}", r.status);
        if rate_limited {
            let wait = match (retry_after, exhausted) {
                (Some(s), _) => Some(Duration::from_secs(s)),
                (None, true) => reset_wait,
                // A secondary limit without a hint: GitHub asks for at least a minute.
                (None, false) if r.status == 403 => Some(Duration::from_secs(60)),
                (None, false) => None,
            };
            return Verdict::Retry { wait, why };
        }
        if r.status >= 500 && replayable {
            return Verdict::Retry {
                wait: retry_after.map(Duration::from_secs),
                why,
            };
        }
        Verdict::Fail(GithubError::Status {
            method: method.clone(),
            path: path.to_string(),
            status: r.status,
            message,
        })
    }

    fn decode<D: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        r: &RawResponse,
    ) -> Result<D, GithubError> {
        serde_json::from_str(&r.body).map_err(|e| GithubError::Decode {
            method,
            path: path.to_string(),
            message: e.to_string(),
        })
    }

    /// Every comment on an issue or pull request, oldest first, 100 per page.
    pub async fn list_comments(&self, issue: u64) -> Result<Vec<Comment>, GithubError> {
        let (all, _) = self
            .list_pages(&self.repo_path(&format!("issues/{issue}/comments")), 300)
            .await?;
        Ok(all)
    }

    /// GET every page of a list endpoint, 100 per page, up to `max_pages`.
    /// Stops at GitHub's last page (no `rel="next"` link), or, if a server
    /// sends no `Link` header at all, at the first short page. The flag is
    /// true when `max_pages` ran out while GitHub still offered more.
    async fn list_pages<D: serde::de::DeserializeOwned>(
        &self,
        base: &str,
        max_pages: u32,
    ) -> Result<(Vec<D>, bool), GithubError> {
        let mut all = Vec::new();
        for page in 1..=max_pages {
            let path = format!("{base}?per_page=100&page={page}");
            let r = self.send(Method::GET, &path, None, true).await?;
            let items: Vec<D> = self.decode(Method::GET, &path, &r)?;
            let full = items.len() >= 100;
            all.extend(items);
            let more = match r.headers.get(http::header::LINK).and_then(|v| v.to_str().ok()) {
                Some(link) => link.split(',').any(|part| part.contains("rel=\"next\"")),
                None => full,
            };
            if !more {
                return Ok((all, false));
            }
        }
        Ok((all, true))
    }

    /// A pull request, fresh (not the event payload's copy).
    pub async fn get_pull(&self, number: u64) -> Result<PullRequest, GithubError> {
        let path = self.repo_path(&format!("pulls/{number}"));
        let r = self.send(Method::GET, &path, None, true).await?;
        self.decode(Method::GET, &path, &r)
    }

    /// The files a pull request changes. GitHub lists at most
    /// [`PULL_FILES_LIMIT`]; `truncated` says the list may be cut there.
    pub async fn list_pull_files(&self, number: u64) -> Result<ChangedFiles, GithubError> {
        let pages = (PULL_FILES_LIMIT / 100) as u32;
        let (files, more): (Vec<ChangedFile>, bool) = self
            .list_pages(&self.repo_path(&format!("pulls/{number}/files")), pages)
            .await?;
        let truncated = more || files.len() >= PULL_FILES_LIMIT;
        Ok(ChangedFiles { files, truncated })
    }

    /// Every review of a pull request, oldest first.
    pub async fn list_reviews(&self, number: u64) -> Result<Vec<Review>, GithubError> {
        let (all, _) = self
            .list_pages(&self.repo_path(&format!("pulls/{number}/reviews")), 30)
            .await?;
        Ok(all)
    }

    /// Whether `login` is an active member of `org`'s team `team` (404: no).
    pub async fn is_team_member(&self, org: &str, team: &str, login: &str) -> Result<bool, GithubError> {
        #[derive(Deserialize)]
        struct Membership {
            #[serde(default)]
            state: Option<String>,
        }
        let path = format!(
            "/orgs/{}/teams/{}/memberships/{}",
            encode_segment(org),
            encode_segment(team),
            encode_segment(login)
        );
        match self.send(Method::GET, &path, None, true).await {
            Ok(r) => {
                let m: Membership = self.decode(Method::GET, &path, &r)?;
                // A pending invitation is not membership.
                Ok(m.state.as_deref() != Some("pending"))
            }
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The file at `path` in commit or branch `git_ref`, through the contents
    /// API (the blobs API for files over 1 MB, which the contents API sends
    /// without their content). Never reads more than `max_bytes`.
    pub async fn get_file(&self, path: &str, git_ref: &str, max_bytes: u64) -> Result<Content, GithubError> {
        #[derive(Deserialize)]
        struct Entry {
            #[serde(rename = "type")]
            kind: String,
            #[serde(default)]
            size: u64,
            #[serde(default)]
            sha: String,
            #[serde(default)]
            content: Option<String>,
            #[serde(default)]
            encoding: Option<String>,
        }
        let url = format!(
            "{}?ref={}",
            self.repo_path(&format!("contents/{}", encode_path(path))),
            encode_segment(git_ref)
        );
        let r = match self.send(Method::GET, &url, None, true).await {
            Ok(r) => r,
            Err(e) if e.is_not_found() => return Ok(Content::Missing),
            Err(e) => return Err(e),
        };
        let value: Value = self.decode(Method::GET, &url, &r)?;
        if value.is_array() {
            return Ok(Content::NotAFile("directory".into()));
        }
        let entry: Entry = serde_json::from_value(value).map_err(|e| GithubError::Decode {
            method: Method::GET,
            path: url.clone(),
            message: e.to_string(),
        })?;
        if entry.kind != "file" {
            return Ok(Content::NotAFile(entry.kind));
        }
        if entry.size > max_bytes {
            return Ok(Content::TooLarge(entry.size));
        }
        let (encoded, encoding, from) = match (entry.content, entry.encoding.as_deref()) {
            (Some(c), Some("base64")) => (c, "base64".to_string(), url),
            _ => {
                // Over 1 MB: the contents API leaves `content` empty.
                #[derive(Deserialize)]
                struct Blob {
                    content: String,
                    encoding: String,
                }
                let blob_url = self.repo_path(&format!("git/blobs/{}", encode_segment(&entry.sha)));
                let r = self.send(Method::GET, &blob_url, None, true).await?;
                let blob: Blob = self.decode(Method::GET, &blob_url, &r)?;
                (blob.content, blob.encoding, blob_url)
            }
        };
        if encoding != "base64" {
            return Err(GithubError::Decode {
                method: Method::GET,
                path: from,
                message: format!("unexpected content encoding `{encoding}`"),
            });
        }
        let compact: Vec<u8> = encoded.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, compact).map_err(|e| {
            GithubError::Decode {
                method: Method::GET,
                path: from,
                message: format!("content is not base64: {e}"),
            }
        })?;
        if bytes.len() as u64 > max_bytes {
            return Ok(Content::TooLarge(bytes.len() as u64));
        }
        Ok(Content::File(bytes))
    }

    /// Delete a comment (only ever one of checkgate's own duplicates).
    pub async fn delete_comment(&self, id: u64) -> Result<(), GithubError> {
        let path = self.repo_path(&format!("issues/comments/{id}"));
        match self.send(Method::DELETE, &path, None, true).await {
            // Already gone: another run removed it.
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Create a comment. Not retried when its outcome is unknown: the caller
    /// re-lists (see [`upsert_sticky_comment`]).
    pub async fn create_comment(&self, issue: u64, body: &str) -> Result<Comment, GithubError> {
        let path = self.repo_path(&format!("issues/{issue}/comments"));
        let r = self
            .send(Method::POST, &path, Some(&json!({ "body": body })), false)
            .await?;
        self.decode(Method::POST, &path, &r)
    }

    pub async fn update_comment(&self, id: u64, body: &str) -> Result<Comment, GithubError> {
        let path = self.repo_path(&format!("issues/comments/{id}"));
        let r = self
            .send(Method::PATCH, &path, Some(&json!({ "body": body })), true)
            .await?;
        self.decode(Method::PATCH, &path, &r)
    }

    /// Create a completed check run; annotations beyond the first 50 go in
    /// follow-up updates of 50 each, as the Checks API requires. Returns the id.
    pub async fn publish_check_run(&self, run: &CheckRun) -> Result<u64, GithubError> {
        #[derive(Deserialize)]
        struct Created {
            id: u64,
        }
        let title = truncate_chars(&run.title, 1_000);
        let summary = truncate_chars(&run.summary, CHECK_OUTPUT_MAX_CHARS);
        let output = |batch: &[Annotation]| {
            let mut o = json!({
                "title": title,
                "summary": summary,
                "annotations": batch.iter().map(Annotation::to_json).collect::<Vec<_>>(),
            });
            if let Some(text) = &run.text {
                o["text"] = json!(truncate_chars(text, CHECK_OUTPUT_MAX_CHARS));
            }
            o
        };
        let mut batches = run.annotations.chunks(ANNOTATIONS_PER_REQUEST);
        let first = batches.next().unwrap_or_default();
        let path = self.repo_path("check-runs");
        let body = json!({
            "name": run.name,
            "head_sha": run.head_sha,
            "status": "completed",
            "conclusion": run.conclusion,
            "output": output(first),
        });
        // A duplicate check run is harmless (GitHub shows the newest of a name
        // per commit), so unlike a comment this POST is retried on 5xx.
        let r = self.send(Method::POST, &path, Some(&body), true).await?;
        let created: Created = self.decode(Method::POST, &path, &r)?;
        let update = self.repo_path(&format!("check-runs/{}", created.id));
        for batch in batches {
            self.send(Method::PATCH, &update, Some(&json!({ "output": output(batch) })), true)
                .await?;
        }
        Ok(created.id)
    }
}

/// When to keep a sticky comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentWhen {
    /// Create or update on every run.
    Always,
    /// Create only when the gate fails; an existing comment is still updated
    /// (so a fixed PR does not keep a stale failure).
    OnFailure,
}

/// What [`upsert_sticky_comment`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentOutcome {
    Created {
        id: u64,
        author: Option<String>,
    },
    Updated {
        id: u64,
    },
    /// `on-failure` and the gate passes with no earlier comment.
    Skipped,
    /// The pull request's head moved on to `head` while this run judged an
    /// older commit; the comment is left to the run for the newer head.
    Superseded {
        head: String,
    },
}

/// Create or update the one checkgate comment on `issue`.
///
/// `identities` are the logins whose marked comments are ours; comments by
/// anyone else are never touched. The body records `head_sha`, the commit it
/// judges. Two runs racing on one pull request converge on one comment: after
/// creating, a run lists again, keeps the oldest of its own marked comments,
/// and deletes its own duplicates. A run whose commit is no longer the pull
/// request's head (it sees a comment about another commit and GitHub confirms
/// the head moved) writes nothing, so the newest head's verdict stays.
///
/// Requests in the steady state: one list page per 100 comments and one
/// update (plus one pull request read when the last comment judged another commit).
pub async fn upsert_sticky_comment<T: Transport>(
    client: &Client<T>,
    issue: u64,
    identities: &[String],
    markdown: &str,
    when: CommentWhen,
    failing: bool,
    head_sha: Option<&str>,
) -> Result<CommentOutcome, GithubError> {
    let body = sticky_body(markdown, head_sha);
    let mut created: Option<Comment> = None;
    let mut tries = 0;
    loop {
        tries += 1;
        let comments = client.list_comments(issue).await?;
        let ours: Vec<&Comment> = comments.iter().filter(|c| c.is_sticky(identities)).collect();
        let Some(keep) = ours.first() else {
            if let Some(c) = created {
                // Ours vanished between create and list: another run cleaned
                // up. It was judging a head at least as new; leave it be.
                return Ok(CommentOutcome::Created {
                    id: c.id,
                    author: c.author().map(str::to_string),
                });
            }
            if when == CommentWhen::OnFailure && !failing {
                return Ok(CommentOutcome::Skipped);
            }
            match client.create_comment(issue, &body).await {
                // List again: a concurrent run may have posted too.
                Ok(c) => created = Some(c),
                // The comment may exist now: look again before posting again.
                Err(e) if e.is_ambiguous() && tries < client.retry.attempts => {
                    let wait = client.retry.backoff;
                    *client.waited.borrow_mut() += wait;
                    tokio::time::sleep(wait.mul_f64(client.retry.time_scale.max(0.0))).await;
                }
                Err(e) => return Err(e),
            }
            continue;
        };
        let created_id = created.as_ref().map(|c| c.id);
        if let Some(head) = head_sha
            && ours.iter().any(|c| c.head().is_some_and(|h| h != head))
        {
            let current = client.get_pull(issue).await?.head.sha;
            if current != head {
                if let Some(id) = created_id.filter(|id| *id != keep.id) {
                    client.delete_comment(id).await?;
                }
                return Ok(CommentOutcome::Superseded { head: current });
            }
        }
        if created_id != Some(keep.id) {
            client.update_comment(keep.id, &body).await?;
        }
        for dup in &ours[1..] {
            client.delete_comment(dup.id).await?;
        }
        return Ok(match created {
            Some(c) if c.id == keep.id => CommentOutcome::Created {
                id: c.id,
                author: c.author().map(str::to_string),
            },
            _ => CommentOutcome::Updated { id: keep.id },
        });
    }
}

/// The marker, the judged commit, then `markdown`, cut to GitHub's comment limit.
pub fn sticky_body(markdown: &str, head_sha: Option<&str>) -> String {
    let body = match head_sha {
        Some(sha) => format!("{MARKER}\n{HEAD_MARKER}{sha} -->\n{markdown}"),
        None => format!("{MARKER}\n{markdown}"),
    };
    truncate_chars(&body, COMMENT_MAX_CHARS)
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

/// GitHub's `message` field of an error body, or the start of the body.
fn error_message(body: &str) -> String {
    let from_json = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string));
    let message = from_json.unwrap_or_else(|| body.trim().to_string());
    let message = if message.is_empty() {
        "(no message)".to_string()
    } else {
        message
    };
    truncate_chars(&message.replace(['\r', '\n'], " "), 300)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
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
    fn a_marked_comment_by_someone_else_is_not_ours() {
        let c = |login: &str, body: &str| Comment {
            id: 1,
            body: Some(body.into()),
            user: Some(User { login: login.into() }),
        };
        let me = vec![ACTIONS_BOT.to_string()];
        assert!(c(ACTIONS_BOT, &format!("{MARKER}\nhi")).is_sticky(&me));
        assert!(!c("mallory", &format!("{MARKER}\nhi")).is_sticky(&me));
        assert!(!c(ACTIONS_BOT, "no marker").is_sticky(&me));
        assert!(
            !Comment {
                id: 2,
                body: None,
                user: None
            }
            .is_sticky(&me)
        );
    }

    #[test]
    fn sticky_body_fits_githubs_limit_whatever_the_input() {
        let body = sticky_body(&"é".repeat(200_000), Some("abc"));
        assert_eq!(body.chars().count(), COMMENT_MAX_CHARS);
        assert!(body.starts_with(MARKER));
        assert_eq!(sticky_body("x", None), format!("{MARKER}\nx"));
        let c = Comment {
            id: 1,
            body: Some(sticky_body("x", Some("abc123"))),
            user: None,
        };
        assert_eq!(c.head(), Some("abc123"));
    }

    fn review(login: &str, state: &str, commit: &str) -> Review {
        Review {
            user: Some(User { login: login.into() }),
            state: state.into(),
            commit_id: Some(commit.into()),
        }
    }

    #[test]
    fn only_a_standing_approval_of_the_head_signs_off() {
        let reviews = [
            review("alice", "APPROVED", "head"),
            review("alice", "COMMENTED", "head"),
            review("bob", "APPROVED", "old"),
            review("carol", "APPROVED", "head"),
            review("carol", "DISMISSED", "head"),
            review("dave", "APPROVED", "head"),
            review("dave", "CHANGES_REQUESTED", "head"),
            review("erin", "CHANGES_REQUESTED", "head"),
            review("erin", "APPROVED", "head"),
        ];
        assert_eq!(approvers(&reviews, "head"), ["alice", "erin"]);
    }

    #[test]
    fn paths_are_percent_encoded_but_keep_their_slashes() {
        assert_eq!(encode_path("docs/Ready list #1.md"), "docs/Ready%20list%20%231.md");
        assert_eq!(encode_segment("feature/x?y"), "feature%2Fx%3Fy");
    }

    #[test]
    fn error_message_prefers_githubs_message_field() {
        assert_eq!(
            error_message(r#"{"message":"Resource not accessible by integration","documentation_url":"x"}"#),
            "Resource not accessible by integration"
        );
        assert_eq!(error_message("  "), "(no message)");
        assert_eq!(error_message("<html>\nbad gateway"), "<html> bad gateway");
    }
}
