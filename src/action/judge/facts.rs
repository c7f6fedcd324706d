//! What a run learns from GitHub before it judges: the pull request (fresh,
//! or the merge group's queued one), its files and the refs the policy and
//! checklists are read at, and the reading of one file at a ref.

use std::collections::HashMap;
use std::path::Path;

use super::Outcome;
use crate::action::{ActionError, GithubEnv, Target};
use crate::checklist;
use crate::engine::{self, EngineError};
use crate::github::{self, Client, Content, PathAt};
use crate::policy;

/// What round one read through GraphQL for a pull request, handed on.
pub(super) struct Prefetched {
    pub(super) policy: PathAt,
    pub(super) default_policy: PathAt,
    pub(super) listings: std::collections::HashMap<String, Vec<github::Listed>>,
    pub(super) reviews: Vec<github::Review>,
    pub(super) comments: Vec<github::Comment>,
    pub(super) enforcement: github::Enforcement,
    /// What GitHub says of the pull request, for `[[skip]]`.
    pub(super) facts: crate::facts::PullFacts,
    pub(super) others: Vec<u64>,
}

/// Everything the run learnt from GitHub before evaluating.
pub(super) struct Facts {
    /// Commit or branch the policy is read at.
    pub(super) policy_ref: String,
    /// Commit the checklists are read at.
    pub(super) head_ref: String,
    /// Commit the checklists are compared with for tamper checks: where the
    /// pull request's branch left its base (the merge base).
    pub(super) base_ref: Option<String>,
    /// The base branch's tip, when it has moved on since the merge base: the
    /// checklists there are what the pull request would merge into.
    pub(super) tip_ref: Option<String>,
    pub(super) pull: Option<github::PullRequest>,
    pub(super) files: Option<github::ChangedFiles>,
    pub(super) notes: Vec<String>,
    pub(super) prefetched: Option<Prefetched>,
}

pub(super) async fn facts<T: github::Transport>(
    env: &GithubEnv,
    client: &Client<T>,
    target: &Target,
    policy_path: &str,
) -> Result<Result<Facts, Outcome>, ActionError> {
    match target {
        Target::PullRequest {
            number,
            head_sha,
            base_ref,
            ..
        } => {
            // Round one: the pull request fresh (a rerun after the author
            // edits the description sees it as it is now) beside the merge
            // base and the changed files, asked for against the event's base
            // branch (checked below against the fresh read).
            let compare = async {
                match base_ref {
                    Some(branch) => client.compare(branch, head_sha).await.map(Some),
                    None => Ok(None),
                }
            };
            let (snapshot, cmp) = tokio::join!(
                client.read_pull(
                    *number,
                    head_sha,
                    policy_path,
                    policy::DEFAULT_PATH,
                    super::super::CHECK_NAME
                ),
                compare
            );
            let snapshot = snapshot?;
            if snapshot.pull.head.sha != *head_sha {
                return Ok(Err(Outcome::Superseded {
                    judged: head_sha.clone(),
                    head: snapshot.pull.head.sha.clone(),
                }));
            }
            let base_branch = snapshot.pull.base.git_ref.clone().unwrap_or_default();
            let cmp = match cmp? {
                Some(cmp) if base_ref.as_deref() == Some(base_branch.as_str()) => cmp,
                // Retargeted since the event: one more round.
                _ => client.compare(&base_branch, head_sha).await?,
            };
            let mut files = match cmp.files.clone() {
                Some(files) => github::ChangedFiles {
                    files,
                    truncated: false,
                    expected: None,
                },
                // Past what compare lists: the pull request's own list.
                None => client.list_pull_files(*number).await?,
            };
            files.expect(snapshot.pull.changed_files);
            let tip = snapshot.pull.base.sha.clone();
            let github::PullSnapshot {
                pull,
                reviews,
                comments,
                policy,
                default_policy,
                listings,
                enforcement,
                facts: pull_facts,
                others,
                ..
            } = snapshot;
            Ok(Ok(Facts {
                policy_ref: tip.clone(),
                head_ref: head_sha.clone(),
                base_ref: Some(cmp.merge_base.clone()),
                tip_ref: (tip != cmp.merge_base).then_some(tip),
                files: Some(files),
                pull: Some(pull),
                notes: Vec::new(),
                prefetched: Some(Prefetched {
                    policy,
                    default_policy,
                    listings,
                    reviews,
                    comments,
                    enforcement,
                    facts: pull_facts,
                    others,
                }),
            }))
        }
        Target::MergeGroup {
            head_sha,
            base_sha,
            pull,
        } => {
            let number = *pull;
            let pull = client.get_pull(number).await?;
            let mut files = client.list_pull_files(number).await?;
            files.expect(pull.changed_files);
            Ok(Ok(Facts {
                policy_ref: base_sha.clone(),
                head_ref: head_sha.clone(),
                base_ref: Some(base_sha.clone()),
                // The group's head is built on its base: nothing to be behind.
                tip_ref: None,
                pull: Some(pull),
                files: Some(files),
                notes: Vec::new(),
                prefetched: None,
            }))
        }
        Target::NoPullRequest { default_branch } => Ok(Ok(Facts {
            policy_ref: default_branch.clone().ok_or_else(|| ActionError::MissingField {
                event: env.event_name.clone(),
                field: "repository.default_branch",
            })?,
            head_ref: env.sha.clone().ok_or(ActionError::MissingEnv("GITHUB_SHA"))?,
            base_ref: None,
            tip_ref: None,
            pull: None,
            files: None,
            notes: Vec::new(),
            prefetched: None,
        })),
        // Resolved into pull requests before anything is judged.
        Target::Resolve(_) => Err(ActionError::UnsupportedEvent(env.event_name.clone())),
    }
}

/// What GitHub says of a merge group's queued pull request `number` (one
/// query; `head` is the group's head, whose pull requests it also lists).
pub(super) async fn queued_facts<T: github::Transport>(
    client: &Client<T>,
    number: u64,
    head: &str,
    policy_path: &str,
) -> Result<crate::facts::PullFacts, ActionError> {
    let read = client
        .read_pull(
            number,
            head,
            policy_path,
            policy::DEFAULT_PATH,
            super::super::CHECK_NAME,
        )
        .await?;
    Ok(read.facts)
}

/// A policy-relative path as a repository path: `/`-separated, no `..`.
pub(super) fn repo_path(path: &Path) -> Result<String, ActionError> {
    let text = path.to_string_lossy().replace('\\', "/");
    let trimmed = text.trim_start_matches("./");
    if policy::path_problem(trimmed).is_some() {
        return Err(ActionError::BadPolicyPath(text));
    }
    Ok(trimmed.to_string())
}

/// The text of `path` at `git_ref`, up to checklist size: from what the
/// checklists' query read (`files`), else through REST ([`read_text`]).
pub(super) async fn read_at<T: github::Transport>(
    client: &Client<T>,
    files: &HashMap<(String, String), PathAt>,
    git_ref: &str,
    path: &str,
) -> Result<Option<String>, ActionError> {
    let at = files.get(&(git_ref.to_string(), path.to_string()));
    read_text(client, at, path, git_ref, engine::DEFAULT_MAX_BYTES).await
}

/// A UTF-8 file at `git_ref`, redacted (before anything escapes, renders or
/// cuts it); `None` when it does not exist there. `at` is what GraphQL said
/// of it, when it was read that way; otherwise it is read through REST.
pub(super) async fn read_text<T: github::Transport>(
    client: &Client<T>,
    at: Option<&PathAt>,
    path: &str,
    git_ref: &str,
    max_bytes: u64,
) -> Result<Option<String>, ActionError> {
    let content = match at {
        Some(at) => client.content_of(at, path, git_ref, max_bytes).await?,
        None => client.get_file(path, git_ref, max_bytes).await?,
    };
    match content {
        Content::File(bytes) => {
            checklist::decode(path, &bytes).map_err(EngineError::from)?;
            Ok(Some(client.redact(&String::from_utf8(bytes).unwrap_or_default())))
        }
        Content::Missing => Ok(None),
        Content::NotAFile(kind) => Err(ActionError::NotAFile {
            path: path.to_string(),
            git_ref: git_ref.to_string(),
            kind,
        }),
        Content::TooLarge(size) => Err(EngineError::Checklist(checklist::ChecklistError::TooLarge {
            path: path.to_string(),
            size,
            limit: max_bytes,
        })
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_paths_stay_inside_the_repository() {
        assert_eq!(
            repo_path(Path::new("./.github/checkgate.toml")).unwrap(),
            ".github/checkgate.toml"
        );
        for bad in ["/etc/passwd", "../x.toml", "a/../../b", ""] {
            assert!(repo_path(Path::new(bad)).is_err(), "{bad}");
        }
    }
}
