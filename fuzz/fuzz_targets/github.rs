//! Bytes → a script of HTTP responses → every read the action decodes from
//! GitHub. GitHub (or a proxy, or an Enterprise Server of another version) can
//! answer anything, so each read is served the scripted responses in turn
//! through a fake [`Transport`] and must end in a value or an error, never a
//! panic.
//!
//! Besides "no panic", the target checks that no read turns a partial or
//! failed answer into a value the verdict would use:
//! - a value comes from a 2xx answer (a 404 only where it means "absent":
//!   a missing file, a non-member);
//! - a list that GitHub says goes on (`Link: rel="next"`) is never taken
//!   whole; a list read to its end is not marked incomplete by mistake;
//! - a file is never larger than the limit asked for;
//! - no message quotes the token, and none is more than one line.
//!
//! Script format: responses separated by NUL bytes. A response's first byte
//! picks its status and headers ([`response`]); the rest is its body.
//!
//! Each read is one [`Read`]. The GraphQL reads (the pull request, files at
//! commits, the pull requests a commit heads, one pull request's head) are
//! checked besides: an answer with `errors` (with or without `data`) is
//! never a value ([`Served::has_graphql_errors`]), except where the error is
//! about the base branch's rules alone, which the pull request read reports
//! as unreadable instead of failing.
#![no_main]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use checkgate::github::{Client, Content, RawResponse, Repo, RetryPolicy, Transport, TransportError};
use http::Method;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const SECRET: &str = "ghs_fuzzSecretToken0123456789";

/// Statuses a response can have: mostly successes, and each kind of failure
/// the client treats differently (not found, forbidden, rate limited,
/// server error, redirect, unexpected).
const STATUSES: [u16; 16] = [
    200, 200, 200, 200, 201, 204, 206, 301, 304, 403, 404, 404, 422, 429, 500, 502,
];

/// One response as the script gives it, and what the client was served.
#[derive(Debug, Clone)]
struct Served {
    status: u16,
    next: bool,
    body: String,
}

impl Served {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A GraphQL answer with `errors` other than about `allowed` (a field
    /// name anywhere in an error's `path`): a failed read, even with `data`.
    fn has_graphql_errors(&self, allowed: Option<&str>) -> bool {
        let Ok(body) = serde_json::from_str::<Value>(&self.body) else {
            return false;
        };
        match body.get("errors") {
            None | Some(Value::Null) => false,
            Some(Value::Array(errors)) => errors.iter().any(|e| {
                let about_allowed = allowed.is_some_and(|field| {
                    e.get("path")
                        .and_then(Value::as_array)
                        .is_some_and(|path| path.iter().any(|p| p.as_str() == Some(field)))
                });
                !about_allowed
            }),
            // `errors` that is not a list is not an answer to take data from.
            Some(_) => true,
        }
    }
}

/// The response for one chunk of the script. First byte: bits 0-3 the
/// status, bit 4 a `Link` header, bit 5 with it `rel="next"`, bit 6 a
/// `retry-after: 0`, bit 7 `x-ratelimit-remaining: 0`.
fn response(chunk: &[u8]) -> Option<(Served, RawResponse)> {
    let (&control, body) = chunk.split_first()?;
    let status = STATUSES[(control & 0x0f) as usize];
    let link = control & 0x10 != 0;
    let next = link && control & 0x20 != 0;
    let mut headers = http::HeaderMap::new();
    if link {
        let value = if next {
            "<https://api.github.example/x?page=2>; rel=\"next\", <https://api.github.example/x?page=9>; rel=\"last\""
        } else {
            "<https://api.github.example/x?page=1>; rel=\"first\""
        };
        headers.insert(http::header::LINK, http::HeaderValue::from_static(value));
    }
    if control & 0x40 != 0 {
        headers.insert("retry-after", http::HeaderValue::from_static("0"));
    }
    if control & 0x80 != 0 {
        headers.insert("x-ratelimit-remaining", http::HeaderValue::from_static("0"));
    }
    let body = String::from_utf8_lossy(body).into_owned();
    let served = Served {
        status,
        next,
        body: body.clone(),
    };
    Some((served, RawResponse { status, headers, body }))
}

/// Serves the script's responses in order; an exhausted script is a
/// dropped connection.
struct Script {
    queue: RefCell<VecDeque<(Served, RawResponse)>>,
    served: Rc<RefCell<Vec<Served>>>,
}

impl Transport for Script {
    async fn send(&self, _: Method, _: &str, _: Option<&Value>, limit: u64) -> Result<RawResponse, TransportError> {
        let Some((served, raw)) = self.queue.borrow_mut().pop_front() else {
            return Err(TransportError::Failed("connection closed".into()));
        };
        if raw.body.len() as u64 > limit {
            return Err(TransportError::TooLarge { limit });
        }
        self.served.borrow_mut().push(served);
        Ok(raw)
    }
}

/// The reads the action makes, in the order it makes them.
#[derive(Debug, Clone, Copy)]
enum Read {
    Pull,
    Files,
    Compare,
    Tree,
    File,
    Reviews,
    Team,
    Comments,
    PullGraphql,
    FilesAt,
    PullsAt,
    PullHead,
}

impl Read {
    /// For a GraphQL read, the one field whose errors may leave a value.
    fn graphql(self) -> Option<Option<&'static str>> {
        match self {
            Read::PullGraphql => Some(Some("rules")),
            Read::FilesAt | Read::PullsAt | Read::PullHead => Some(None),
            _ => None,
        }
    }
}

const READS: [Read; 12] = [
    Read::Pull,
    Read::Files,
    Read::Compare,
    Read::Tree,
    Read::File,
    Read::Reviews,
    Read::Team,
    Read::Comments,
    Read::PullGraphql,
    Read::FilesAt,
    Read::PullsAt,
    Read::PullHead,
];

/// Most bytes a file read may return in this target.
const FILE_LIMIT: u64 = 4096;

/// What a read gave, reduced to what the checks need.
enum Outcome {
    /// A value from answers that must all have succeeded (the last one 2xx).
    Value,
    /// A whole list: the last page must not say that more follow.
    List {
        incomplete: bool,
    },
    /// A value a 404 may stand for (a missing file, a non-member).
    Absent,
    File(usize),
    Error(String),
}

async fn read(client: &Client<Script>, read: Read) -> Outcome {
    let error = |e: checkgate::github::GithubError| Outcome::Error(e.to_string());
    match read {
        Read::Pull => client.get_pull(7).await.map_or_else(error, |_| Outcome::Value),
        Read::Files => client.list_pull_files(7).await.map_or_else(error, |f| Outcome::List {
            incomplete: f.truncated,
        }),
        Read::Compare => client
            .compare("main", "abc")
            .await
            .map_or_else(error, |_| Outcome::Value),
        Read::Tree => client.tree("abc").await.map_or_else(error, |_| Outcome::Value),
        Read::File => match client.get_file("docs/READY.md", "abc", FILE_LIMIT).await {
            Ok(Content::File(bytes)) => Outcome::File(bytes.len()),
            Ok(Content::Missing) => Outcome::Absent,
            Ok(_) => Outcome::Value,
            Err(e) => error(e),
        },
        Read::Reviews => client
            .list_reviews(7)
            .await
            .map_or_else(error, |_| Outcome::List { incomplete: false }),
        Read::Team => match client.is_team_member("acme", "security", "alice").await {
            Ok(true) => Outcome::Value,
            Ok(false) => Outcome::Absent,
            Err(e) => error(e),
        },
        Read::Comments => client
            .list_comments(7)
            .await
            .map_or_else(error, |_| Outcome::List { incomplete: false }),
        Read::PullGraphql => client
            .read_pull(
                7,
                "abc",
                ".github/checkgate.toml",
                ".github/checkgate.toml",
                "checkgate",
            )
            .await
            .map_or_else(error, |_| Outcome::Value),
        Read::FilesAt => client
            .files_at(&["abc"], &["docs/READY.md".to_string()], FILE_LIMIT)
            .await
            .map_or_else(error, |_| Outcome::Value),
        Read::PullsAt => client.open_pulls_at("abc").await.map_or_else(error, |_| Outcome::Value),
        Read::PullHead => client.open_pull(7).await.map_or_else(error, |_| Outcome::Value),
    }
}

/// The checks on one read, given the responses it was served.
fn check(read: Read, outcome: &Outcome, served: &[Served]) {
    let last = served.last();
    match outcome {
        Outcome::Error(message) => {
            assert!(!message.contains(SECRET), "{read:?}: the token in a message: {message}");
            assert!(
                !message.contains(['\n', '\r']),
                "{read:?}: a message of several lines: {message:?}"
            );
        }
        Outcome::Value | Outcome::File(_) => {
            let last = last.expect("a value needs an answer");
            assert!(last.ok(), "{read:?}: a value from HTTP {}", last.status);
            // (Earlier answers may be retried rate limits, which carry
            // `errors` too; the last one is what the value came from.)
            if let Some(allowed) = read.graphql() {
                assert!(
                    !last.has_graphql_errors(allowed),
                    "{read:?}: a value from a GraphQL answer with errors: {}",
                    last.body
                );
            }
            if let Outcome::File(len) = outcome {
                assert!(*len as u64 <= FILE_LIMIT, "{read:?}: {len} bytes over the limit");
            }
        }
        Outcome::Absent => {
            let last = last.expect("an answer");
            assert!(
                last.ok() || last.status == 404,
                "{read:?}: absent from HTTP {}",
                last.status
            );
        }
        Outcome::List { incomplete } => {
            let last = last.expect("a list needs an answer");
            assert!(last.ok(), "{read:?}: a list ending in HTTP {}", last.status);
            if !incomplete {
                assert!(!last.next, "{read:?}: a list taken whole while GitHub says more follow");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // A paused clock: the client's back-off sleeps (scaled to zero, but each
    // still a timer tick) advance it at once instead of waiting.
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
    else {
        return;
    };
    let served = Rc::new(RefCell::new(Vec::new()));
    let transport = Script {
        queue: RefCell::new(data.split(|&b| b == 0).filter_map(response).collect()),
        served: served.clone(),
    };
    // Real back-off waits (accounted against the budget), on the paused clock.
    let retry = RetryPolicy::default();
    let client = Client::new(
        transport,
        Repo::parse("o/r").expect("valid"),
        retry,
        Some(SECRET.into()),
    );
    for r in READS {
        let before = served.borrow().len();
        let outcome = runtime.block_on(read(&client, r));
        check(r, &outcome, &served.borrow()[before..]);
    }
});
