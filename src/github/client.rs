//! The HTTP side of the client: the [`Transport`] trait, its octocrab
//! implementation, and [`Client`], which scopes requests to one repository,
//! records them, scrubs the token from messages and decodes JSON bodies.
//!
//! Every response is bounded in size (the body is read frame by frame and
//! abandoned at the limit, never buffered whole first) and every request in
//! time (see [`Deadlines`]).

use std::cell::RefCell;
use std::time::Duration;

use http::Method;
use serde_json::Value;

use super::retry::RetryPolicy;
use super::{GithubError, Repo, truncate_chars};
use crate::sanitize::{self, Redactor};

/// A response as the retry logic needs it.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

/// Most bytes read of any response but a file's contents: a page of 100
/// comments of GitHub's largest size fits with room to spare.
pub const MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// Why a request got no usable response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// Connection, TLS or protocol failure, described in words.
    Failed(String),
    /// The body went past `limit` bytes; reading stopped there.
    TooLarge { limit: u64 },
}

/// Sends one request; no retries, no interpretation of the status.
#[allow(async_fn_in_trait)] // Runs on a current-thread runtime: no `Send` bound is wanted.
pub trait Transport {
    /// `path` is relative to the API root and may carry a query string.
    /// Reads at most `limit` bytes of the body.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        limit: u64,
    ) -> Result<RawResponse, TransportError>;
}

/// How long a request, and the whole run, may take. A per-read timeout
/// alone lets a server that sends a byte every few seconds keep a run alive
/// for ever; these are totals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Deadlines {
    /// From sending a request to the last byte of its response.
    pub request: Duration,
    /// From the client's creation to the end of its last request.
    pub run: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            request: Duration::from_secs(60),
            run: Duration::from_secs(600),
        }
    }
}

/// [`Transport`] over octocrab, pointed at `GITHUB_API_URL`.
pub struct Octocrab {
    inner: octocrab::Octocrab,
    /// The same, rooted where GitHub serves GraphQL (see [`super::graphql::graphql_root`]).
    graphql: octocrab::Octocrab,
}

impl Octocrab {
    /// A client for `api_url` (`https://api.github.com`, or a GitHub
    /// Enterprise Server's `https://HOST/api/v3`) authenticated with `token`.
    pub fn new(api_url: &str, token: Option<&str>) -> Result<Octocrab, GithubError> {
        let build = |root: &str| {
            let mut builder = octocrab::Octocrab::builder()
                .base_uri(root)
                .map_err(|_| GithubError::BaseUri(api_url.to_string()))?
                .set_connect_timeout(Some(Duration::from_secs(10)))
                .set_read_timeout(Some(Duration::from_secs(30)));
            if let Some(token) = token {
                builder = builder.personal_token(token.to_string());
            }
            // octocrab's error text is generic; it never includes the token.
            builder.build().map_err(|e| GithubError::Client(e.to_string()))
        };
        Ok(Octocrab {
            inner: build(api_url)?,
            graphql: build(&super::graphql::graphql_root(api_url))?,
        })
    }
}

impl Transport for Octocrab {
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        limit: u64,
    ) -> Result<RawResponse, TransportError> {
        use http_body_util::BodyExt;
        let failed = |e: octocrab::Error| TransportError::Failed(e.to_string());
        let request = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::ACCEPT, "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header(
                http::header::USER_AGENT,
                concat!("checkgate/", env!("CARGO_PKG_VERSION")),
            );
        let client = if path == super::graphql::GRAPHQL_PATH {
            &self.graphql
        } else {
            &self.inner
        };
        let request = client.build_request(request, body).map_err(failed)?;
        let response = client.execute(request).await.map_err(failed)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let declared = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(TransportError::TooLarge { limit });
        }
        let mut body = response.into_body();
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(failed)?;
            if let Some(data) = frame.data_ref() {
                if (bytes.len() + data.len()) as u64 > limit {
                    return Err(TransportError::TooLarge { limit });
                }
                bytes.extend_from_slice(data);
            }
        }
        let body = String::from_utf8(bytes)
            .map_err(|_| TransportError::Failed("the response body is not UTF-8".to_string()))?;
        Ok(RawResponse { status, headers, body })
    }
}

/// How long a run that ended without a verdict (an error, its deadline, a
/// cancellation) still has to complete its check run. The runner gives a
/// cancelled step 7.5 s after SIGINT before SIGTERM.
pub const FINISH_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

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
    pub(super) transport: T,
    pub(super) repo: Repo,
    pub(super) retry: RetryPolicy,
    pub(super) redactor: Redactor,
    pub(super) waited: RefCell<Duration>,
    pub(super) trace: RefCell<Vec<Trace>>,
    pub(super) deadlines: Deadlines,
    /// When the run's deadline passes (moved by [`Client::grace_to_finish`]).
    pub(super) run_ends: std::cell::Cell<Option<tokio::time::Instant>>,
}

impl<T: Transport> Client<T> {
    /// `secret` is only used to scrub messages; pass the token given to the transport.
    pub fn new(transport: T, repo: Repo, retry: RetryPolicy, secret: Option<String>) -> Client<T> {
        Client {
            transport,
            repo,
            retry,
            redactor: Redactor::new(secret.as_deref()),
            waited: RefCell::new(Duration::ZERO),
            trace: RefCell::new(Vec::new()),
            deadlines: Deadlines {
                request: Duration::MAX,
                run: Duration::MAX,
            },
            run_ends: std::cell::Cell::new(None),
        }
    }

    /// Hold every request, and the run as a whole (counted from now), to
    /// `deadlines`.
    pub fn with_deadlines(mut self, deadlines: Deadlines) -> Client<T> {
        self.deadlines = deadlines;
        self.run_ends
            .set(tokio::time::Instant::now().checked_add(deadlines.run));
        self
    }

    /// Give the run at least [`FINISH_GRACE`] from now, past its deadline
    /// if need be, to complete the check run it created: a run that ends in
    /// an error (the deadline's own included) or is cancelled must not leave
    /// its check run in progress.
    pub fn grace_to_finish(&self) {
        let Some(until) = tokio::time::Instant::now().checked_add(FINISH_GRACE) else {
            return;
        };
        if self.run_ends.get().is_some_and(|end| end < until) {
            self.run_ends.set(Some(until));
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

    /// Replace the token (and the encodings [`Redactor`] knows) wherever it appears.
    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text).into_owned()
    }

    /// The redactor for this client's token.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// A [`GithubError::Decode`] whose message (which may quote the body) is
    /// redacted, then flattened onto one line, then cut.
    pub(super) fn decode_error(&self, method: Method, path: &str, message: &str) -> GithubError {
        GithubError::Decode {
            method,
            path: path.to_string(),
            message: truncate_chars(&sanitize::line(&self.redact(message)), 300),
        }
    }

    pub(super) fn repo_path(&self, rest: &str) -> String {
        format!("/repos/{}/{}/{rest}", self.repo.owner, self.repo.name)
    }

    pub(super) fn decode<D: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        r: &RawResponse,
    ) -> Result<D, GithubError> {
        serde_json::from_str(&r.body).map_err(|e| self.decode_error(method, path, &e.to_string()))
    }

    /// Every item of a list endpoint; an error (never a partial list) when
    /// GitHub still offers pages after `max_pages`. A reader of a partial list
    /// could miss what decides the verdict (a later change request among
    /// thousands of comment-only reviews).
    pub(super) async fn list_all<D: serde::de::DeserializeOwned>(
        &self,
        base: &str,
        max_pages: u32,
    ) -> Result<Vec<D>, GithubError> {
        match self.list_pages(base, max_pages).await? {
            (all, false) => Ok(all),
            (all, true) => Err(GithubError::Incomplete {
                path: base.to_string(),
                read: all.len(),
            }),
        }
    }

    /// GET every page of a list endpoint, 100 per page, up to `max_pages`.
    /// Stops at GitHub's last page (no `rel="next"` link), or, if a server
    /// sends no `Link` header at all, at the first short page. The flag is
    /// true when `max_pages` ran out while GitHub still offered more.
    pub(super) async fn list_pages<D: serde::de::DeserializeOwned>(
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
}
