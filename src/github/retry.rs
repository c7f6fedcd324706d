//! GitHub's retry rules for integrations: back off on 5xx, 429 and
//! secondary-rate-limit 403s, honour `retry-after` and `x-ratelimit-reset`,
//! and give up after a few tries or when the waits exceed a budget.

use std::time::Duration;

use http::Method;
use serde_json::Value;

use super::client::{Client, MAX_RESPONSE_BYTES, RawResponse, Trace, Transport, TransportError};
use super::{GithubError, truncate_chars};
use crate::sanitize;

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

/// Whether a failed attempt may be tried again.
enum Verdict {
    Done(RawResponse),
    Retry { wait: Option<Duration>, why: String },
    Fail(GithubError),
}

impl<T: Transport> Client<T> {
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
        self.send_limited(method, path, body, replayable, MAX_RESPONSE_BYTES)
            .await
    }

    /// [`Client::send`], reading at most `limit` bytes of the response.
    pub async fn send_limited(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        replayable: bool,
        limit: u64,
    ) -> Result<RawResponse, GithubError> {
        // Never send the token in a body, whatever the checklists contained.
        let scrubbed: Option<Value> = body.map(|b| self.redactor.redact_json(b));
        let body = scrubbed.as_ref();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .within_deadlines(&method, path, self.transport.send(method.clone(), path, body, limit))
                .await;
            self.trace.borrow_mut().push(Trace {
                method: method.clone(),
                path: path.to_string(),
                status: result.as_ref().ok().and_then(|r| r.as_ref().ok()).map(|r| r.status),
            });
            let result = result?;
            let (wait, why) = match self.judge(&method, path, result, replayable) {
                Verdict::Done(r) => return Ok(r),
                Verdict::Fail(e) => return Err(e),
                Verdict::Retry { wait, why } => (wait, why),
            };
            self.pause(&method, path, attempt, wait, why).await?;
        }
    }

    /// Wait before try `attempt + 1` of `method path`, which failed for
    /// `why`: `wait` when GitHub named one, else an exponential back-off.
    /// An error instead when the tries, the retry budget or the run's
    /// deadline would be exceeded.
    pub(super) async fn pause(
        &self,
        method: &Method,
        path: &str,
        attempt: u32,
        wait: Option<Duration>,
        why: String,
    ) -> Result<(), GithubError> {
        let wait = wait.unwrap_or_else(|| self.retry.backoff.saturating_mul(1 << (attempt - 1).min(8)));
        let waited = *self.waited.borrow();
        // Saturating: a server's `retry-after` may be any u64.
        let over_budget = waited.saturating_add(wait) > self.retry.budget;
        if attempt >= self.retry.attempts || over_budget {
            return Err(GithubError::GaveUp {
                method: method.clone(),
                path: path.to_string(),
                attempts: attempt,
                last: if over_budget {
                    format!("{why} (next wait of {} s exceeds the retry budget)", wait.as_secs())
                } else {
                    why
                },
            });
        }
        *self.waited.borrow_mut() += wait;
        let sleep = wait.mul_f64(self.retry.time_scale.max(0.0));
        if self
            .run_ends
            .get()
            .is_some_and(|end| tokio::time::Instant::now().checked_add(sleep).is_none_or(|t| t > end))
        {
            return Err(GithubError::RunDeadline {
                method: method.clone(),
                path: path.to_string(),
                after: self.deadlines.run,
            });
        }
        tokio::time::sleep(sleep).await;
        Ok(())
    }

    /// `request`, abandoned when the request's deadline or the run's passes
    /// (whichever comes first), with an error naming the request.
    async fn within_deadlines<R>(
        &self,
        method: &Method,
        path: &str,
        request: impl std::future::Future<Output = R>,
    ) -> Result<R, GithubError> {
        let run_left = self
            .run_ends
            .get()
            .map(|end| end.saturating_duration_since(tokio::time::Instant::now()));
        let (limit, run_first) = match run_left {
            Some(left) if left < self.deadlines.request => (left, true),
            _ => (self.deadlines.request, false),
        };
        if limit == Duration::MAX {
            return Ok(request.await);
        }
        match tokio::time::timeout(limit, request).await {
            Ok(r) => Ok(r),
            Err(_) if run_first => Err(GithubError::RunDeadline {
                method: method.clone(),
                path: path.to_string(),
                after: self.deadlines.run,
            }),
            Err(_) => Err(GithubError::RequestDeadline {
                method: method.clone(),
                path: path.to_string(),
                after: self.deadlines.request,
            }),
        }
    }

    fn judge(
        &self,
        method: &Method,
        path: &str,
        result: Result<RawResponse, TransportError>,
        replayable: bool,
    ) -> Verdict {
        let r = match result {
            Ok(r) => r,
            Err(TransportError::TooLarge { limit }) => {
                return Verdict::Fail(GithubError::TooLarge {
                    method: method.clone(),
                    path: path.to_string(),
                    limit,
                });
            }
            Err(TransportError::Failed(message)) => {
                let message = truncate_chars(&sanitize::line(&self.redact(&message)), 300);
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
        let message = self.error_message(&r.body);
        let header = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let retry_after = header("retry-after").and_then(|v| v.parse::<u64>().ok());
        let exhausted = header("x-ratelimit-remaining") == Some("0");
        let reset_wait = header("x-ratelimit-reset")
            .and_then(|v| v.parse::<u64>().ok())
            .map(|reset| Duration::from_secs(reset.saturating_sub(unix_now()).saturating_add(1)));
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
}

impl<T: Transport> Client<T> {
    /// GitHub's `message` field of an error body, or the body: redacted
    /// before and after decoding (a JSON-escaped token decodes to a plain
    /// one), then flattened onto one line, then cut.
    fn error_message(&self, body: &str) -> String {
        let body = self.redact(body);
        let from_json = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string));
        let message = self.redact(from_json.as_deref().unwrap_or(body.trim()));
        let message = if message.is_empty() { "(no message)" } else { &message };
        truncate_chars(&sanitize::line(&message.replace(['\r', '\n'], " ")), 300)
    }
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
    fn error_message_prefers_githubs_message_field() {
        struct Never;
        impl Transport for Never {
            async fn send(&self, _: Method, _: &str, _: Option<&Value>, _: u64) -> Result<RawResponse, TransportError> {
                Err(TransportError::Failed("unused".into()))
            }
        }
        let client = Client::new(
            Never,
            super::super::Repo::parse("o/r").unwrap(),
            RetryPolicy::default(),
            None,
        );
        let error_message = |body: &str| client.error_message(body);
        assert_eq!(
            error_message(r#"{"message":"Resource not accessible by integration","documentation_url":"x"}"#),
            "Resource not accessible by integration"
        );
        assert_eq!(error_message("  "), "(no message)");
        assert_eq!(error_message("<html>\nbad gateway"), "<html> bad gateway");
    }
}
