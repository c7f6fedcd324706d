//! A pull request named by number (`issue_comment`, a `workflow_run` that
//! lists its pull requests), as it is now: open or not, and its head, which
//! is what gets judged. Events that name a commit go through
//! [`Client::open_pulls_at`] instead.

use super::{LIST_LIMIT, PullHeadRead, pull_head_read};
use crate::github::GithubError;
use crate::github::client::{Client, Transport};

/// An open pull request and where it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullHead {
    pub number: u64,
    pub head_sha: String,
    pub base_ref: String,
}

impl pull_head_read::PullHead {
    fn open(self) -> Option<PullHead> {
        matches!(self.state, pull_head_read::PullRequestState::OPEN).then(|| PullHead {
            number: u64::try_from(self.number).unwrap_or_default(),
            head_sha: self.head_ref_oid,
            base_ref: self.base_ref_name,
        })
    }
}

impl<T: Transport> Client<T> {
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
