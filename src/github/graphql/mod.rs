//! GitHub's GraphQL API: the reads that describe a pull request and what
//! its commits hold, in as few round trips as the data allows.
//!
//! The operations live in `queries.graphql`; graphql_client's derive checks
//! them at build time against `schema.graphql`, GitHub's published schema
//! pruned to what they reach (tests/graphql_schema.rs re-prunes the
//! published schema and compares), so a misspelt field is a compile error.
//!
//! A response is judged whole: `errors` beside `data` is a failed read (a
//! partial answer is never judged as complete), except errors confined to
//! a field the caller names as optional (a base branch's rules, which a
//! token may not see). GitHub's GraphQL rate limit (`RATE_LIMITED`) is
//! retried under the same rules and budget as REST's; HTTP-level failures
//! (5xx, secondary-limit 403s) already are, by [`Client::send`].

#![allow(clippy::upper_case_acronyms)] // The schema's scalar names.

mod commit;
mod convert;
mod evidence;
mod files;
mod labels;
mod pull;
mod resolve;

pub use convert::{Listed, PathAt};
pub use pull::{Enforcement, PullSnapshot};
pub use resolve::PullHead;

use graphql_client::GraphQLQuery;
use http::Method;
use serde::Deserialize;
use serde_json::Value;

use super::client::{Client, MAX_RESPONSE_BYTES, Transport};
use super::{GithubError, truncate_chars};
use crate::sanitize;

/// Where GraphQL requests go, relative to the GraphQL root (see
/// [`graphql_root`]).
pub const GRAPHQL_PATH: &str = "/graphql";

/// The root GraphQL requests are sent under, for the REST API root
/// `api_url`: GitHub Enterprise Server serves REST at `https://HOST/api/v3`
/// and GraphQL at `https://HOST/api/graphql`; github.com (and GHE.com) serve
/// both under one root (`https://api.github.com/graphql`).
pub fn graphql_root(api_url: &str) -> String {
    let trimmed = api_url.trim_end_matches('/');
    match trimmed.strip_suffix("/v3") {
        Some(root) if root.ends_with("/api") => root.to_string(),
        _ => trimmed.to_string(),
    }
}

type GitObjectID = String;
type URI = String;

/// GitHub's `BigInt`: a whole number sent as a string (ids past 2³¹ are
/// common). A number is accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BigInt(pub u64);

impl<'de> Deserialize<'de> for BigInt {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(u64),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(BigInt(n)),
            Raw::Text(t) => t
                .parse()
                .map(BigInt)
                .map_err(|_| serde::de::Error::custom(format!("`{t}` is not a whole number"))),
        }
    }
}

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "src/github/graphql/schema.graphql",
    query_path = "src/github/graphql/queries.graphql",
    response_derives = "Debug"
)]
pub struct PullRead;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "src/github/graphql/schema.graphql",
    query_path = "src/github/graphql/queries.graphql",
    response_derives = "Debug"
)]
pub struct ReviewsPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "src/github/graphql/schema.graphql",
    query_path = "src/github/graphql/queries.graphql",
    response_derives = "Debug"
)]
pub struct LabelEventsPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "src/github/graphql/schema.graphql",
    query_path = "src/github/graphql/queries.graphql",
    response_derives = "Debug"
)]
pub struct PullHeadRead;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "src/github/graphql/schema.graphql",
    query_path = "src/github/graphql/queries.graphql",
    response_derives = "Debug"
)]
pub struct CommentsPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "src/github/graphql/schema.graphql",
    query_path = "src/github/graphql/queries.graphql",
    response_derives = "Debug"
)]
pub struct FilesAt;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "src/github/graphql/schema.graphql",
    query_path = "src/github/graphql/queries.graphql",
    response_derives = "Debug"
)]
pub struct PullsAt;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "src/github/graphql/schema.graphql",
    query_path = "src/github/graphql/queries.graphql",
    response_derives = "Debug"
)]
pub struct HeadEvidence;

/// One entry of a GraphQL response's `errors`.
#[derive(Debug, Deserialize)]
struct GraphqlError {
    #[serde(default)]
    message: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    path: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    errors: Option<Vec<GraphqlError>>,
}

impl<T: Transport> Client<T> {
    /// Run one GraphQL operation. `optional` names fields whose errors do not
    /// fail the read: their messages are returned beside the data, and the
    /// field is null in it.
    pub(super) async fn graphql<Q: GraphQLQuery>(
        &self,
        variables: Q::Variables,
        optional: &[&str],
        limit: u64,
    ) -> Result<(Q::ResponseData, Vec<String>), GithubError> {
        let query = Q::build_query(variables);
        let operation = query.operation_name;
        let body =
            serde_json::to_value(&query).map_err(|e| self.decode_error(Method::POST, GRAPHQL_PATH, &e.to_string()))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let r = self
                .send_limited(Method::POST, GRAPHQL_PATH, Some(&body), true, limit)
                .await?;
            let envelope: Envelope = self.decode(Method::POST, GRAPHQL_PATH, &r)?;
            let errors = envelope.errors.unwrap_or_default();
            if let Some(limited) = errors.iter().find(|e| e.kind.as_deref() == Some("RATE_LIMITED")) {
                let header = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
                let wait = match (header("retry-after"), header("x-ratelimit-reset")) {
                    (Some(after), _) => after.parse().ok().map(std::time::Duration::from_secs),
                    (None, Some(reset)) if header("x-ratelimit-remaining") == Some("0") => {
                        reset.parse::<u64>().ok().map(|reset| {
                            let now = std::time::SystemTime::now()
                                .duration_since(std::time::UNIX_EPOCH)
                                .map_or(0, |d| d.as_secs());
                            std::time::Duration::from_secs(reset.saturating_sub(now).saturating_add(1))
                        })
                    }
                    _ => None,
                };
                let why = format!("GraphQL RATE_LIMITED: {}", self.error_text(&limited.message));
                self.pause(&Method::POST, GRAPHQL_PATH, attempt, wait, why).await?;
                continue;
            }
            let (tolerated, fatal): (Vec<GraphqlError>, Vec<GraphqlError>) =
                errors.into_iter().partition(|e| is_optional(e, optional));
            if !fatal.is_empty() {
                let messages: Vec<String> = fatal.iter().map(|e| self.error_text(&e.message)).collect();
                return Err(GithubError::Graphql {
                    operation: operation.to_string(),
                    message: truncate_chars(&messages.join("; "), 300),
                    partial: envelope.data.as_ref().is_some_and(|d| !d.is_null()),
                });
            }
            let data = envelope
                .data
                .filter(|d| !d.is_null())
                .ok_or_else(|| self.decode_error(Method::POST, GRAPHQL_PATH, &format!("{operation}: no data")))?;
            let data: Q::ResponseData = serde_json::from_value(data)
                .map_err(|e| self.decode_error(Method::POST, GRAPHQL_PATH, &format!("{operation}: {e}")))?;
            let notes = tolerated.iter().map(|e| self.error_text(&e.message)).collect();
            return Ok((data, notes));
        }
    }

    /// A server's error text as one redacted, defused line.
    fn error_text(&self, message: &str) -> String {
        let text = sanitize::line(&self.redact(message).replace(['\r', '\n'], " ")).into_owned();
        let text = if text.trim().is_empty() {
            "(no message)".to_string()
        } else {
            text
        };
        truncate_chars(&text, 300)
    }
}

/// Whether an error is confined to one of the `optional` fields.
fn is_optional(e: &GraphqlError, optional: &[&str]) -> bool {
    e.kind.as_deref() != Some("RATE_LIMITED")
        && e.path
            .as_ref()
            .is_some_and(|p| p.iter().any(|seg| seg.as_str().is_some_and(|s| optional.contains(&s))))
}

/// The response limit for GraphQL reads that carry no file text.
pub(super) const LIST_LIMIT: u64 = MAX_RESPONSE_BYTES;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enterprise_server_serves_graphql_beside_its_rest_root() {
        assert_eq!(graphql_root("https://api.github.com"), "https://api.github.com");
        assert_eq!(graphql_root("https://ghe.example/api/v3"), "https://ghe.example/api");
        assert_eq!(graphql_root("https://ghe.example/api/v3/"), "https://ghe.example/api");
        assert_eq!(graphql_root("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }

    #[test]
    fn big_ints_arrive_as_strings_or_numbers() {
        let id: BigInt = serde_json::from_str("\"3000000001\"").unwrap();
        assert_eq!(id, BigInt(3_000_000_001));
        let id: BigInt = serde_json::from_str("3000000001").unwrap();
        assert_eq!(id, BigInt(3_000_000_001));
        assert!(serde_json::from_str::<BigInt>("\"12x\"").is_err());
    }
}
