//! Paths at commits: every checklist at the head, the merge base and the
//! base tip in one query (eight paths a query; more go out as further
//! queries at the same time, not after).

use std::collections::HashMap;

use super::convert::PathAt;
use super::{FilesAt, files_at};
use crate::github::GithubError;
use crate::github::client::{Client, MAX_RESPONSE_BYTES, Transport};

/// Paths one query reads at each commit.
const SLOTS: usize = 8;

impl<T: Transport> Client<T> {
    /// Each of `paths` at each of `refs` (commits or other revision
    /// expressions; three a query), keyed by (ref, path). A ref that names
    /// no commit is an error. `max_bytes` bounds each file.
    pub async fn files_at(
        &self,
        refs: &[&str],
        paths: &[String],
        max_bytes: u64,
    ) -> Result<HashMap<(String, String), PathAt>, GithubError> {
        let reads = refs
            .chunks(3)
            .flat_map(|refs| paths.chunks(SLOTS).map(move |chunk| (refs, chunk)))
            .map(|(refs, chunk)| self.files_chunk(refs, chunk, max_bytes));
        let mut out = HashMap::new();
        for part in futures_util::future::try_join_all(reads).await? {
            out.extend(part);
        }
        Ok(out)
    }

    async fn files_chunk(
        &self,
        refs: &[&str],
        paths: &[String],
        max_bytes: u64,
    ) -> Result<HashMap<(String, String), PathAt>, GithubError> {
        let slot = |i: usize| paths.get(i).cloned().unwrap_or_default();
        let used = |i: usize| i < paths.len();
        let at = |i: usize| refs.get(i).map(|r| r.to_string()).unwrap_or_default();
        let variables = files_at::Variables {
            owner: self.repo.owner.clone(),
            name: self.repo.name.clone(),
            at0: at(0),
            at1: at(1),
            with1: refs.len() > 1,
            at2: at(2),
            with2: refs.len() > 2,
            p0: slot(0),
            p1: slot(1),
            u1: used(1),
            p2: slot(2),
            u2: used(2),
            p3: slot(3),
            u3: used(3),
            p4: slot(4),
            u4: used(4),
            p5: slot(5),
            u5: used(5),
            p6: slot(6),
            u6: used(6),
            p7: slot(7),
            u7: used(7),
        };
        // Room for every file GraphQL may inline, and the JSON around it.
        let limit = MAX_RESPONSE_BYTES.max(
            max_bytes
                .min(MAX_RESPONSE_BYTES)
                .saturating_mul((refs.len() * paths.len()) as u64)
                .saturating_add(1024 * 1024),
        );
        let (data, _) = self.graphql::<FilesAt>(variables, &[], limit).await?;
        let repo = data
            .repository
            .ok_or_else(|| self.graphql_missing(&format!("repository {}/{}", self.repo.owner, self.repo.name)))?;
        let mut out = HashMap::new();
        for (i, object) in [repo.at0, repo.at1, repo.at2].into_iter().enumerate().take(refs.len()) {
            let git_ref = refs[i];
            let Some(files_at::Paths {
                on: files_at::PathsOn::Commit(commit),
                ..
            }) = object
            else {
                return Err(self.graphql_missing(&format!("commit {git_ref}")));
            };
            let entries = [
                commit.f0, commit.f1, commit.f2, commit.f3, commit.f4, commit.f5, commit.f6, commit.f7,
            ];
            for (path, entry) in paths.iter().zip(entries) {
                out.insert((git_ref.to_string(), path.clone()), PathAt::from(entry));
            }
        }
        Ok(out)
    }
}
