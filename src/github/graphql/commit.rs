//! From a commit to the open pull requests whose head it is: what a check
//! run on that commit speaks for. Round one of a pull request's judgement
//! reads it alongside; other events start from it ([`Client::open_pulls_at`]).

use super::{LIST_LIMIT, PullsAt, pull_read, pulls_at};
use crate::github::GithubError;
use crate::github::client::{Client, Transport};

/// What GitHub lists for a commit: every pull request associated with it,
/// the open ones whose head it is kept.
pub(super) struct OpenPulls(pub Result<Vec<u64>, String>);

macro_rules! open_pulls_from {
    ($module:ident) => {
        impl OpenPulls {
            fn $module(commit: Option<$module::PullsAtCommit>, head: &str) -> OpenPulls {
                let Some($module::PullsAtCommit::Commit(commit)) = commit else {
                    return OpenPulls(Err(format!("GitHub's answer has no commit {head}")));
                };
                let Some(pulls) = commit.associated_pull_requests else {
                    return OpenPulls(Ok(Vec::new()));
                };
                let nodes: Vec<_> = pulls.nodes.into_iter().flatten().flatten().collect();
                if i64::try_from(nodes.len()).unwrap_or(i64::MAX) < pulls.total_count {
                    return OpenPulls(Err(format!(
                        "GitHub lists {} pull requests for commit {head}; checkgate reads {}",
                        pulls.total_count,
                        nodes.len()
                    )));
                }
                let mut open: Vec<u64> = nodes
                    .into_iter()
                    .filter(|p| matches!(p.state, $module::PullRequestState::OPEN) && p.head_ref_oid == head)
                    .filter_map(|p| u64::try_from(p.number).ok())
                    .collect();
                open.sort_unstable();
                open.dedup();
                OpenPulls(Ok(open))
            }
        }
    };
}

open_pulls_from!(pull_read);
open_pulls_from!(pulls_at);

impl OpenPulls {
    /// The numbers, or the decode error the client reports.
    pub(super) fn into_result<T: Transport>(self, client: &Client<T>) -> Result<Vec<u64>, GithubError> {
        self.0
            .map_err(|e| client.decode_error(http::Method::POST, super::GRAPHQL_PATH, &e))
    }

    pub(super) fn from_pull_read(commit: Option<pull_read::PullsAtCommit>, head: &str) -> OpenPulls {
        OpenPulls::pull_read(commit, head)
    }
}

impl<T: Transport> Client<T> {
    /// The open pull requests whose head is commit `head`, by number.
    pub async fn open_pulls_at(&self, head: &str) -> Result<Vec<u64>, GithubError> {
        let variables = pulls_at::Variables {
            owner: self.repo.owner.clone(),
            name: self.repo.name.clone(),
            head: head.to_string(),
        };
        let (data, _) = self.graphql::<PullsAt>(variables, &[], LIST_LIMIT).await?;
        let commit = data.repository.and_then(|r| r.commit);
        OpenPulls::pulls_at(commit, head).into_result(self)
    }
}
