//! The event → pull requests step: which open pull requests an event
//! concerns, and each one's head *now*. Events about a commit (`status`,
//! `check_run`, `workflow_run`, `deployment_status`) name no pull request
//! that GitHub guarantees (a fork's `workflow_run` lists none), so the
//! commit's associated pull requests are asked for and kept when open and
//! headed by that commit; events that name a pull request by number
//! (`issue_comment`) get its current head. One query either way.

use super::{CommitPulls, LIST_LIMIT, PullHeadRead, commit_pulls, pull_head_read};
use crate::github::GithubError;
use crate::github::client::{Client, Transport};

/// An open pull request and where it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullHead {
    pub number: u64,
    pub head_sha: String,
    pub base_ref: String,
}

macro_rules! pull_head_from {
    ($module:ident) => {
        impl $module::PullHead {
            fn open(self) -> Option<PullHead> {
                matches!(self.state, $module::PullRequestState::OPEN).then(|| PullHead {
                    number: u64::try_from(self.number).unwrap_or_default(),
                    head_sha: self.head_ref_oid,
                    base_ref: self.base_ref_name,
                })
            }
        }
    };
}

pull_head_from!(commit_pulls);
pull_head_from!(pull_head_read);

impl<T: Transport> Client<T> {
    /// The open pull requests whose head is `commit`, lowest number first.
    /// A commit GitHub does not know heads none.
    pub async fn open_pulls_at(&self, commit: &str) -> Result<Vec<PullHead>, GithubError> {
        let variables = commit_pulls::Variables {
            owner: self.repo.owner.clone(),
            name: self.repo.name.clone(),
            oid: commit.to_string(),
        };
        let (data, _) = self.graphql::<CommitPulls>(variables, &[], LIST_LIMIT).await?;
        let repository = data.repository.ok_or_else(|| self.graphql_missing("the repository"))?;
        let Some(commit_pulls::CommitPullsRepositoryObject::Commit(found)) = repository.object else {
            return Ok(Vec::new());
        };
        let pulls = found
            .associated_pull_requests
            .ok_or_else(|| self.graphql_missing(&format!("the pull requests associated with {commit}")))?;
        if pulls.total_count > 100 {
            return Err(GithubError::IncompleteQuery {
                field: "Commit.associatedPullRequests".into(),
                read: 100,
            });
        }
        let mut open: Vec<PullHead> = pulls
            .nodes
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(commit_pulls::PullHead::open)
            .filter(|p| p.head_sha == commit)
            .collect();
        open.sort_by_key(|p| p.number);
        open.dedup_by_key(|p| p.number);
        Ok(open)
    }

    /// Pull request `number` as it is now, when it is open.
    pub async fn open_pull(&self, number: u64) -> Result<Option<PullHead>, GithubError> {
        let variables = pull_head_read::Variables {
            owner: self.repo.owner.clone(),
            name: self.repo.name.clone(),
            number: i64::try_from(number).unwrap_or(i64::MAX),
        };
        let (data, _) = self.graphql::<PullHeadRead>(variables, &[], LIST_LIMIT).await?;
        let pull = data
            .repository
            .and_then(|r| r.pull_request)
            .ok_or_else(|| self.graphql_missing(&format!("pull request #{number}")))?;
        Ok(pull.open())
    }
}
