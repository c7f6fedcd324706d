//! A pull request as checkgate judges it: the pull request itself, the
//! files it changes, its reviews, and the team memberships of its reviewers.

use http::Method;
use serde::Deserialize;

use super::client::{Client, Transport};
use super::comments::User;
use super::{GithubError, encode_segment};

/// GitHub returns at most this many files for a pull request.
pub const PULL_FILES_LIMIT: usize = 3_000;

/// A pull request, as much of it as checkgate needs.
#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    pub head: Commitish,
    pub base: Commitish,
    /// How many files GitHub says the pull request changes.
    #[serde(default)]
    pub changed_files: Option<u64>,
}

/// A pull request's `head` or `base`.
#[derive(Debug, Clone, Deserialize)]
pub struct Commitish {
    pub sha: String,
    #[serde(rename = "ref", default)]
    pub git_ref: Option<String>,
}

/// One file of a pull request's diff.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChangedFile {
    pub filename: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub previous_filename: Option<String>,
}

/// The files a pull request changes.
#[derive(Debug, Clone, Default)]
pub struct ChangedFiles {
    pub files: Vec<ChangedFile>,
    /// The list may be incomplete: it stopped at GitHub's
    /// [`PULL_FILES_LIMIT`], or it is shorter than the pull request's
    /// `changed_files`. Every `when-changed` rule then applies.
    pub truncated: bool,
    /// `changed_files` of the pull request, when the list came up short of it.
    pub expected: Option<u64>,
}

impl ChangedFiles {
    /// Hold the list to the count GitHub gives on the pull request: a list
    /// shorter than that (with no further page) is incomplete, not trusted.
    pub fn expect(&mut self, changed_files: Option<u64>) {
        // Past GitHub's limit the shortfall is expected and already noted.
        if let Some(n) = changed_files
            && !self.truncated
            && (self.files.len() as u64) < n
        {
            self.truncated = true;
            self.expected = Some(n);
        }
    }

    /// Why the list is incomplete, for the report's notes.
    pub fn incomplete_note(&self) -> Option<String> {
        match (self.truncated, self.expected) {
            (false, _) => None,
            (true, Some(n)) => Some(format!(
                "GitHub listed {} of the {n} files this pull request changes: the list is incomplete, so every when-changed rule is applied and every checklist is compared with the base",
                self.files.len()
            )),
            (true, None) => Some(format!(
                "this pull request changes more than GitHub lists ({PULL_FILES_LIMIT} files): when-changed rules that match none of the listed files are applied anyway"
            )),
        }
    }

    /// Every path the pull request touches, old names of renames included.
    pub fn paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        for f in &self.files {
            out.push(f.filename.clone());
            if let Some(old) = &f.previous_filename {
                out.push(old.clone());
            }
        }
        out
    }

    /// The entry for `path`, by its new or its old name.
    pub fn find(&self, path: &str) -> Option<&ChangedFile> {
        self.files
            .iter()
            .find(|f| f.filename == path || f.previous_filename.as_deref() == Some(path))
    }
}

/// A pull request review.
#[derive(Debug, Clone, Deserialize)]
pub struct Review {
    #[serde(default)]
    pub user: Option<User>,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`.
    pub state: String,
    #[serde(default)]
    pub commit_id: Option<String>,
}

/// Logins whose latest deciding review approves `head_sha` and was not
/// dismissed. A comment-only review does not change a reviewer's decision;
/// a later change request or dismissal withdraws an approval; an approval of
/// an earlier commit does not count.
pub fn approvers(reviews: &[Review], head_sha: &str) -> Vec<String> {
    let mut latest: Vec<(String, &Review)> = Vec::new();
    for r in reviews {
        let Some(login) = r.user.as_ref().map(|u| u.login.clone()) else {
            continue;
        };
        if matches!(r.state.as_str(), "COMMENTED" | "PENDING") {
            continue;
        }
        match latest.iter_mut().find(|(l, _)| l.eq_ignore_ascii_case(&login)) {
            Some(slot) => slot.1 = r,
            None => latest.push((login, r)),
        }
    }
    latest
        .into_iter()
        .filter(|(_, r)| r.state == "APPROVED" && r.commit_id.as_deref() == Some(head_sha))
        .map(|(l, _)| l)
        .collect()
}

impl<T: Transport> Client<T> {
    /// A pull request, fresh (not the event payload's copy).
    pub async fn get_pull(&self, number: u64) -> Result<PullRequest, GithubError> {
        let path = self.repo_path(&format!("pulls/{number}"));
        let r = self.send(Method::GET, &path, None, true).await?;
        self.decode(Method::GET, &path, &r)
    }

    /// The files a pull request changes. GitHub lists at most
    /// [`PULL_FILES_LIMIT`]; `truncated` says the list may be cut there.
    pub async fn list_pull_files(&self, number: u64) -> Result<ChangedFiles, GithubError> {
        let pages = (PULL_FILES_LIMIT / 100) as u32;
        let (files, more): (Vec<ChangedFile>, bool) = self
            .list_pages(&self.repo_path(&format!("pulls/{number}/files")), pages)
            .await?;
        let truncated = more || files.len() >= PULL_FILES_LIMIT;
        Ok(ChangedFiles {
            files,
            truncated,
            expected: None,
        })
    }

    /// Every review of a pull request, oldest first.
    pub async fn list_reviews(&self, number: u64) -> Result<Vec<Review>, GithubError> {
        self.list_all(&self.repo_path(&format!("pulls/{number}/reviews")), 30)
            .await
    }

    /// Whether `login` is an active member of `org`'s team `team` (404: no).
    pub async fn is_team_member(&self, org: &str, team: &str, login: &str) -> Result<bool, GithubError> {
        #[derive(Deserialize)]
        struct Membership {
            #[serde(default)]
            state: Option<String>,
        }
        let path = format!(
            "/orgs/{}/teams/{}/memberships/{}",
            encode_segment(org),
            encode_segment(team),
            encode_segment(login)
        );
        match self.send(Method::GET, &path, None, true).await {
            Ok(r) => {
                let m: Membership = self.decode(Method::GET, &path, &r)?;
                // Only an active membership counts: a pending invitation,
                // a missing state or one GitHub may add later is not one.
                Ok(m.state.as_deref() == Some("active"))
            }
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(login: &str, state: &str, commit: &str) -> Review {
        Review {
            user: Some(User { login: login.into() }),
            state: state.into(),
            commit_id: Some(commit.into()),
        }
    }

    #[test]
    fn only_a_standing_approval_of_the_head_signs_off() {
        let reviews = [
            review("alice", "APPROVED", "head"),
            review("alice", "COMMENTED", "head"),
            review("bob", "APPROVED", "old"),
            review("carol", "APPROVED", "head"),
            review("carol", "DISMISSED", "head"),
            review("dave", "APPROVED", "head"),
            review("dave", "CHANGES_REQUESTED", "head"),
            review("erin", "CHANGES_REQUESTED", "head"),
            review("erin", "APPROVED", "head"),
        ];
        assert_eq!(approvers(&reviews, "head"), ["alice", "erin"]);
    }
}
