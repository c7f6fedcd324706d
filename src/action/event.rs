//! The event payload: which pull request, merge group or commit the run judges.

use serde_json::Value;

use super::{ActionError, GithubEnv};

/// What the event asks checkgate to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `pull_request` / `pull_request_target`: comment and check run. The
    /// payload's head and body may be stale; the action reads them fresh.
    PullRequest {
        number: u64,
        head_sha: String,
        body: String,
        /// The base branch as the event saw it: the merge base is asked for
        /// against it in the first round (checked against a fresh read).
        base_ref: Option<String>,
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
    /// An event that does not carry the pull request's head: the pull
    /// requests are resolved through the API and each judged at its head.
    Resolve(Resolve),
}

/// How an event names the pull requests it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolve {
    /// By number (`issue_comment` on a pull request; a `workflow_run` that
    /// lists its pull requests).
    Numbers(Vec<u64>),
    /// By commit: the open pull requests it heads (`status`, `check_run`,
    /// `deployment_status`, a fork's `workflow_run`).
    Commit(String),
    /// Nothing to judge, and why (a comment on a plain issue).
    Nothing(String),
    /// A comment: judged unless it is checkgate's own sticky comment, which
    /// must not set off another run.
    Comment {
        number: u64,
        author: Option<String>,
        body: String,
    },
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
        "pull_request" | "pull_request_target" | "pull_request_review" => {
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
                base_ref: text(pr, "/base/ref"),
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
        "issue_comment" => {
            let number = payload
                .pointer("/issue/number")
                .and_then(Value::as_u64)
                .ok_or(missing("issue.number"))?;
            if payload.pointer("/issue/pull_request").is_none_or(Value::is_null) {
                return Ok(Target::Resolve(Resolve::Nothing(format!(
                    "the comment is on issue #{number}, not a pull request: nothing to judge"
                ))));
            }
            Ok(Target::Resolve(Resolve::Comment {
                number,
                author: text(payload, "/comment/user/login"),
                body: text(payload, "/comment/body").unwrap_or_default(),
            }))
        }
        "workflow_run" | "check_run" => {
            let object = if event == "workflow_run" {
                "/workflow_run"
            } else {
                "/check_run"
            };
            let run = payload
                .pointer(object)
                .filter(|v| v.is_object())
                .ok_or(missing(if event == "workflow_run" {
                    "workflow_run"
                } else {
                    "check_run"
                }))?;
            if event == "check_run" && text(run, "/name").as_deref() == Some(super::CHECK_NAME) {
                return Ok(Target::Resolve(Resolve::Nothing(format!(
                    "the event is about checkgate's own `{}` check run: nothing to judge again",
                    super::CHECK_NAME
                ))));
            }
            let numbers: Vec<u64> = run
                .get("pull_requests")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.get("number").and_then(Value::as_u64))
                .collect();
            if !numbers.is_empty() {
                return Ok(Target::Resolve(Resolve::Numbers(numbers)));
            }
            // A fork's pull requests are not listed: found from the commit.
            let sha = text(run, "/head_sha").ok_or(missing(if event == "workflow_run" {
                "workflow_run.head_sha"
            } else {
                "check_run.head_sha"
            }))?;
            Ok(Target::Resolve(Resolve::Commit(sha)))
        }
        "status" => Ok(Target::Resolve(Resolve::Commit(
            text(payload, "/sha").ok_or(missing("sha"))?,
        ))),
        "deployment_status" => Ok(Target::Resolve(Resolve::Commit(
            text(payload, "/deployment/sha").ok_or(missing("deployment.sha"))?,
        ))),
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

/// The event payload at `GITHUB_EVENT_PATH`, read as a [`Target`].
pub(super) fn read_target(env: &GithubEnv) -> Result<Target, ActionError> {
    let shown = env.event_path.display().to_string();
    let bytes = std::fs::read(&env.event_path).map_err(|source| ActionError::ReadEvent {
        path: shown.clone(),
        source,
    })?;
    let payload: Value =
        serde_json::from_slice(&bytes).map_err(|source| ActionError::ParseEvent { path: shown, source })?;
    parse_event(&env.event_name, &payload)
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
                body: String::new(),
                base_ref: None,
            }
        );
    }

    #[test]
    fn missing_and_unsupported_events_are_named() {
        let e = parse_event("pull_request", &json!({"pull_request": null})).unwrap_err();
        assert_eq!(e.to_string(), "the `pull_request` payload has no pull_request");
        let e = parse_event("gollum", &json!({})).unwrap_err();
        assert!(e.to_string().starts_with("event `gollum` is not supported"), "{e}");
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
}
