//! The repository's history as a gate needs it: where a pull request's branch
//! left its base and how far the base has moved since (the compare API), and
//! what a directory holds at a commit (the git trees API).

use http::Method;
use serde::Deserialize;

use super::client::{Client, Transport};
use super::pulls::ChangedFile;
use super::{GithubError, encode_segment};

/// How a pull request's head relates to its base branch now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The base branch's current tip: what the pull request would merge into.
    pub base_tip: String,
    /// The newest commit both sides share: what the pull request changed
    /// is the difference between it and the head.
    pub merge_base: String,
    /// Commits on the base branch that the head does not have.
    pub behind_by: u64,
    /// What changed from the merge base to the head (old names of renames
    /// included), when GitHub listed all of it: it lists at most
    /// [`COMPARE_FILES_LIMIT`], so a list that long may be cut.
    pub files: Option<Vec<ChangedFile>>,
}

/// The compare API lists at most this many changed files.
pub const COMPARE_FILES_LIMIT: usize = 300;

/// One entry of a git tree.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TreeEntry {
    pub path: String,
    /// `blob`, `tree` or `commit` (a submodule).
    #[serde(rename = "type")]
    pub kind: String,
    pub sha: String,
}

impl<T: Transport> Client<T> {
    /// Compare the base branch `base` (a branch name or commit) with commit
    /// `head`, three-dot: one request, whatever the distance (commits are
    /// cut to one page of one; the files come whole on the first page, up to
    /// [`COMPARE_FILES_LIMIT`]). Three-dot is the pull request's own diff.
    /// `base` is one path segment (`release%2F1.x`), as GitHub's
    /// `{basehead}` parameter is.
    pub async fn compare(&self, base: &str, head: &str) -> Result<Comparison, GithubError> {
        #[derive(Deserialize)]
        struct Sha {
            sha: String,
        }
        #[derive(Deserialize)]
        struct Raw {
            base_commit: Sha,
            merge_base_commit: Sha,
            behind_by: u64,
            #[serde(default)]
            files: Option<Vec<ChangedFile>>,
        }
        let path = format!(
            "{}?per_page=1",
            self.repo_path(&format!("compare/{}...{}", encode_segment(base), encode_segment(head)))
        );
        let r = self.send(Method::GET, &path, None, true).await?;
        let raw: Raw = self.decode(Method::GET, &path, &r)?;
        Ok(Comparison {
            base_tip: raw.base_commit.sha,
            merge_base: raw.merge_base_commit.sha,
            behind_by: raw.behind_by,
            files: raw.files.filter(|f| f.len() < COMPARE_FILES_LIMIT),
        })
    }

    /// The entries of the tree `tree` (a commit or tree sha), not recursive.
    /// A listing GitHub cut short is an error: a missing entry could be the
    /// one looked for.
    pub async fn tree(&self, tree: &str) -> Result<Vec<TreeEntry>, GithubError> {
        #[derive(Deserialize)]
        struct Raw {
            tree: Vec<TreeEntry>,
            #[serde(default)]
            truncated: bool,
        }
        let path = self.repo_path(&format!("git/trees/{}", encode_segment(tree)));
        let r = self.send(Method::GET, &path, None, true).await?;
        let raw: Raw = self.decode(Method::GET, &path, &r)?;
        if raw.truncated {
            return Err(self.decode_error(Method::GET, &path, "GitHub cut the tree listing short"));
        }
        Ok(raw.tree)
    }
}
