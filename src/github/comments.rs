//! The sticky pull request comment: finding checkgate's own comment among
//! the others, creating, updating and de-duplicating it.

use http::Method;
use serde::Deserialize;
use serde_json::json;

use super::client::{Client, Transport};
use super::{GithubError, truncate_chars};

/// The login GitHub Actions' `GITHUB_TOKEN` comments as. Such a token cannot
/// call `GET /user`, so the sticky comment's owner is configured, not asked for.
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// The hidden marker that starts the sticky comment.
pub const MARKER: &str = "<!-- checkgate -->";

/// The sticky comment's second line records the commit it judged:
/// `<!-- checkgate:head SHA -->`.
pub const HEAD_MARKER: &str = "<!-- checkgate:head ";

/// GitHub's limit on an issue comment body, in characters.
pub const COMMENT_MAX_CHARS: usize = 65_536;

/// An issue comment, as much of it as the sticky comment needs.
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    /// The comment's page on github.com.
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub user: Option<User>,
    /// How the author relates to the repository (`OWNER`, `MEMBER`,
    /// `COLLABORATOR`, `CONTRIBUTOR`, …), for `role:` authors.
    #[serde(default)]
    pub author_association: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub login: String,
}

impl Comment {
    pub fn author(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.login.as_str())
    }

    /// The commit a checkgate comment judged, from its second line.
    pub fn head(&self) -> Option<&str> {
        let line = self
            .body
            .as_deref()?
            .strip_prefix(MARKER)?
            .trim_start_matches(['\r', '\n']);
        let sha = line.strip_prefix(HEAD_MARKER)?;
        Some(sha[..sha.find(" -->")?].trim())
    }

    /// Ours: carries the marker *and* was written by one of `identities`.
    /// Anyone can paste the marker; only the author check keeps checkgate
    /// from editing someone else's comment.
    pub fn is_sticky(&self, identities: &[String]) -> bool {
        let marked = self.body.as_deref().is_some_and(|b| b.starts_with(MARKER));
        marked
            && self
                .author()
                .is_some_and(|a| identities.iter().any(|i| i.eq_ignore_ascii_case(a)))
    }
}

impl<T: Transport> Client<T> {
    /// Every comment on an issue or pull request, oldest first, 100 per page.
    pub async fn list_comments(&self, issue: u64) -> Result<Vec<Comment>, GithubError> {
        self.list_all(&self.repo_path(&format!("issues/{issue}/comments")), 300)
            .await
    }

    /// Delete a comment (only ever one of checkgate's own duplicates).
    pub async fn delete_comment(&self, id: u64) -> Result<(), GithubError> {
        let path = self.repo_path(&format!("issues/comments/{id}"));
        match self.send(Method::DELETE, &path, None, true).await {
            // Already gone: another run removed it.
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Create a comment. Not retried when its outcome is unknown: the caller
    /// re-lists (see [`upsert_sticky_comment`]).
    pub async fn create_comment(&self, issue: u64, body: &str) -> Result<Comment, GithubError> {
        let path = self.repo_path(&format!("issues/{issue}/comments"));
        let r = self
            .send(Method::POST, &path, Some(&json!({ "body": body })), false)
            .await?;
        self.decode(Method::POST, &path, &r)
    }

    pub async fn update_comment(&self, id: u64, body: &str) -> Result<Comment, GithubError> {
        let path = self.repo_path(&format!("issues/comments/{id}"));
        let r = self
            .send(Method::PATCH, &path, Some(&json!({ "body": body })), true)
            .await?;
        self.decode(Method::PATCH, &path, &r)
    }
}

/// When to keep a sticky comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentWhen {
    /// Create or update on every run.
    Always,
    /// Create only when the gate fails; an existing comment is still updated
    /// (so a fixed PR does not keep a stale failure).
    OnFailure,
}

/// What [`upsert_sticky_comment`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentOutcome {
    Created {
        id: u64,
        author: Option<String>,
    },
    Updated {
        id: u64,
    },
    /// `on-failure` and the gate passes with no earlier comment.
    Skipped,
    /// The pull request's head moved on to `head` while this run judged an
    /// older commit; the comment is left to the run for the newer head.
    Superseded {
        head: String,
    },
}

/// Create or update the one checkgate comment on `issue`.
///
/// `identities` are the logins whose marked comments are ours; comments by
/// anyone else are never touched. The body records `head_sha`, the commit it
/// judges. Two runs racing on one pull request converge on one comment: after
/// creating, a run lists again, keeps the oldest of its own marked comments,
/// and deletes its own duplicates. A run whose commit is no longer the pull
/// request's head (it sees a comment about another commit and GitHub confirms
/// the head moved) writes nothing, so the newest head's verdict stays.
///
/// Requests in the steady state: one list page per 100 comments and one
/// update (plus one pull request read when the last comment judged another commit).
/// `listed` is a complete list this run already read (for `pr-comments`
/// checklists): the first look uses it instead of listing again, so reading
/// comments as a checklist costs no extra request. Every later look (after a
/// create) lists afresh.
#[allow(clippy::too_many_arguments)]
pub async fn upsert_sticky_comment<T: Transport>(
    client: &Client<T>,
    issue: u64,
    identities: &[String],
    markdown: &str,
    when: CommentWhen,
    failing: bool,
    head_sha: Option<&str>,
    mut listed: Option<Vec<Comment>>,
) -> Result<CommentOutcome, GithubError> {
    let body = sticky_body(markdown, head_sha);
    let mut created: Option<Comment> = None;
    let mut tries = 0;
    loop {
        tries += 1;
        let comments = match listed.take() {
            Some(comments) => comments,
            None => client.list_comments(issue).await?,
        };
        let ours: Vec<&Comment> = comments.iter().filter(|c| c.is_sticky(identities)).collect();
        let Some(keep) = ours.first() else {
            if let Some(c) = created {
                // Ours vanished between create and list: another run cleaned
                // up. It was judging a head at least as new; leave it be.
                return Ok(CommentOutcome::Created {
                    id: c.id,
                    author: c.author().map(str::to_string),
                });
            }
            if when == CommentWhen::OnFailure && !failing {
                return Ok(CommentOutcome::Skipped);
            }
            match client.create_comment(issue, &body).await {
                // List again: a concurrent run may have posted too.
                Ok(c) => created = Some(c),
                // The comment may exist now: look again before posting again.
                Err(e) if e.is_ambiguous() && tries < client.retry.attempts => {
                    let wait = client.retry.backoff;
                    *client.waited.borrow_mut() += wait;
                    tokio::time::sleep(wait.mul_f64(client.retry.time_scale.max(0.0))).await;
                }
                Err(e) => return Err(e),
            }
            continue;
        };
        let created_id = created.as_ref().map(|c| c.id);
        if let Some(head) = head_sha
            && ours.iter().any(|c| c.head().is_some_and(|h| h != head))
        {
            let current = client.get_pull(issue).await?.head.sha;
            if current != head {
                if let Some(id) = created_id.filter(|id| *id != keep.id) {
                    client.delete_comment(id).await?;
                }
                return Ok(CommentOutcome::Superseded { head: current });
            }
        }
        if created_id != Some(keep.id) {
            client.update_comment(keep.id, &body).await?;
        }
        for dup in &ours[1..] {
            client.delete_comment(dup.id).await?;
        }
        return Ok(match created {
            Some(c) if c.id == keep.id => CommentOutcome::Created {
                id: c.id,
                author: c.author().map(str::to_string),
            },
            _ => CommentOutcome::Updated { id: keep.id },
        });
    }
}

/// The marker, the judged commit, then `markdown`, cut to GitHub's comment limit.
pub fn sticky_body(markdown: &str, head_sha: Option<&str>) -> String {
    let body = match head_sha {
        Some(sha) => format!("{MARKER}\n{HEAD_MARKER}{sha} -->\n{markdown}"),
        None => format!("{MARKER}\n{markdown}"),
    };
    truncate_chars(&body, COMMENT_MAX_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_comment_by_someone_else_is_not_ours() {
        let c = |login: &str, body: &str| Comment {
            id: 1,
            body: Some(body.into()),
            html_url: None,
            user: Some(User { login: login.into() }),
            author_association: None,
        };
        let me = vec![ACTIONS_BOT.to_string()];
        assert!(c(ACTIONS_BOT, &format!("{MARKER}\nhi")).is_sticky(&me));
        assert!(!c("mallory", &format!("{MARKER}\nhi")).is_sticky(&me));
        assert!(!c(ACTIONS_BOT, "no marker").is_sticky(&me));
        assert!(
            !Comment {
                id: 2,
                body: None,
                html_url: None,
                user: None,
                author_association: None,
            }
            .is_sticky(&me)
        );
    }

    #[test]
    fn sticky_body_fits_githubs_limit_whatever_the_input() {
        let body = sticky_body(&"é".repeat(200_000), Some("abc"));
        assert_eq!(body.chars().count(), COMMENT_MAX_CHARS);
        assert!(body.starts_with(MARKER));
        assert_eq!(sticky_body("x", None), format!("{MARKER}\nx"));
        let c = Comment {
            id: 1,
            body: Some(sticky_body("x", Some("abc123"))),
            html_url: None,
            user: None,
            author_association: None,
        };
        assert_eq!(c.head(), Some("abc123"));
    }

    #[test]
    fn a_listed_comment_carries_its_authors_association() {
        // `role:` authors are decided from this field of the listing itself,
        // with no request per author.
        let c: Comment = serde_json::from_str(
            r#"{"id": 7, "body": "- [x] a", "user": {"login": "alice"}, "author_association": "COLLABORATOR"}"#,
        )
        .unwrap();
        assert_eq!(c.author_association.as_deref(), Some("COLLABORATOR"));
        let c: Comment = serde_json::from_str(r#"{"id": 8, "user": {"login": "bob"}}"#).unwrap();
        assert_eq!(c.author_association, None);
    }
}
