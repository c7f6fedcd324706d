//! Round one of judging a pull request: the pull request fresh, its
//! reviews and comments (every page), and what the base branch holds at its
//! tip, from one query (plus one per further page of 100).

use std::collections::HashMap;

use super::convert::{Listed, PathAt};
use super::labels::LabelEvents;
use super::{CommentsPage, LIST_LIMIT, PullRead, ReviewsPage, comments_page, pull_read, reviews_page};
use crate::facts::{Account, AccountKind, PullFacts};
use crate::github::GithubError;
use crate::github::client::{Client, Transport};
use crate::github::comments::{Comment, User};
use crate::github::pulls::{Commitish, PullRequest, Review};

/// Pages of 100 reviews read at most (as many as REST reads).
const REVIEW_PAGES: u32 = 30;
/// Pages of 100 comments read at most.
const COMMENT_PAGES: u32 = 300;

/// Whether the base branch requires checkgate's check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enforcement {
    Required,
    NotRequired,
    /// The rules could not be read: why.
    Unknown(String),
}

/// A pull request and its base branch's tip, as round one reads them.
#[derive(Debug, Clone)]
pub struct PullSnapshot {
    /// `head.sha` is the head now; `base.sha` the base branch's tip now.
    pub pull: PullRequest,
    pub draft: bool,
    /// The author, draft flag, labels (with who applied each) and branches.
    pub facts: PullFacts,
    /// Every review, oldest first.
    pub reviews: Vec<Review>,
    /// Every conversation comment, oldest first.
    pub comments: Vec<Comment>,
    /// The policy path asked for, and the default path, at the base tip.
    pub policy: PathAt,
    pub default_policy: PathAt,
    /// Directory listings at the base tip: `""` (the root), and `.github`
    /// and `docs` where they are directories.
    pub listings: HashMap<String, Vec<Listed>>,
    pub enforcement: Enforcement,
}

/// A login as REST spells it: GraphQL names a bot `x`, REST `x[bot]`.
pub(super) fn login(login: String, bot: bool) -> String {
    if bot && !login.ends_with("[bot]") {
        format!("{login}[bot]")
    } else {
        login
    }
}

macro_rules! reviews_from {
    ($module:ident) => {
        impl From<$module::ReviewPageNodes> for Review {
            fn from(r: $module::ReviewPageNodes) -> Review {
                use $module::PullRequestReviewState as S;
                let state = match r.state {
                    S::APPROVED => "APPROVED".to_string(),
                    S::CHANGES_REQUESTED => "CHANGES_REQUESTED".to_string(),
                    S::COMMENTED => "COMMENTED".to_string(),
                    S::DISMISSED => "DISMISSED".to_string(),
                    S::PENDING => "PENDING".to_string(),
                    S::Other(other) => other,
                };
                Review {
                    user: r.author.map(|a| User {
                        login: login(a.login, matches!(a.on, $module::ReviewPageNodesAuthorOn::Bot)),
                    }),
                    state,
                    commit_id: r.commit.map(|c| c.oid),
                }
            }
        }
    };
}

macro_rules! comments_from {
    ($module:ident) => {
        impl TryFrom<$module::CommentPageNodes> for Comment {
            type Error = String;
            fn try_from(c: $module::CommentPageNodes) -> Result<Comment, String> {
                Ok(Comment {
                    id: c.full_database_id.ok_or("a comment without fullDatabaseId")?.0,
                    body: Some(c.body),
                    html_url: Some(c.url),
                    user: c.author.map(|a| User {
                        login: login(a.login, matches!(a.on, $module::CommentPageNodesAuthorOn::Bot)),
                    }),
                })
            }
        }
    };
}

reviews_from!(pull_read);
reviews_from!(reviews_page);
comments_from!(pull_read);
comments_from!(comments_page);

/// Where a paginated list stands.
struct List<T> {
    items: Vec<T>,
    total: i64,
    next: Option<String>,
    pages: u32,
}

impl<T> List<T> {
    fn more(&self) -> bool {
        self.next.is_some()
    }
}

impl<T: Transport> Client<T> {
    /// Round one for pull request `number`: see [`PullSnapshot`]. The
    /// policy is read at `policy` and at `default_policy`; `required_check`
    /// is the check name the base branch's rules are searched for.
    pub async fn read_pull(
        &self,
        number: u64,
        policy: &str,
        default_policy: &str,
        required_check: &str,
    ) -> Result<PullSnapshot, GithubError> {
        let variables = pull_read::Variables {
            owner: self.repo.owner.clone(),
            name: self.repo.name.clone(),
            number: i64::try_from(number).unwrap_or(i64::MAX),
            policy: policy.to_string(),
            default_policy: default_policy.to_string(),
        };
        let (data, unreadable) = self
            .graphql::<PullRead>(variables, &["rules", "refUpdateRule"], LIST_LIMIT)
            .await?;
        let what = format!("pull request #{number}");
        let pr = data
            .repository
            .and_then(|r| r.pull_request)
            .ok_or_else(|| self.graphql_missing(&what))?;
        let base = pr
            .base_ref
            .ok_or_else(|| self.graphql_missing(&format!("the base branch `{}` of {what}", pr.base_ref_name)))?;
        let target = base
            .target
            .ok_or_else(|| self.graphql_missing(&format!("the tip of `{}`", base.name)))?;
        let pull_read::PullReadRepositoryPullRequestBaseRefTargetOn::Commit(tip) = target.on else {
            return Err(self.graphql_missing(&format!("a commit at the tip of `{}`", base.name)));
        };

        let enforcement = if !unreadable.is_empty() {
            Enforcement::Unknown(unreadable.join("; "))
        } else {
            let by_rules = base.rules.as_ref().is_some_and(|rules| {
                rules.nodes.iter().flatten().flatten().any(|rule| {
                    matches!(&rule.parameters,
                        Some(pull_read::PullReadRepositoryPullRequestBaseRefRulesNodesParameters::RequiredStatusChecksParameters(p))
                            if p.required_status_checks.iter().any(|c| c.context == required_check))
                })
            });
            let by_protection = base.ref_update_rule.as_ref().is_some_and(|r| {
                r.required_status_check_contexts
                    .iter()
                    .flatten()
                    .flatten()
                    .any(|c| c == required_check)
            });
            match (&base.rules, by_rules || by_protection) {
                (_, true) => Enforcement::Required,
                (Some(rules), false) if rules.total_count > 100 => Enforcement::Unknown(format!(
                    "the branch has {} rules; checkgate reads 100",
                    rules.total_count
                )),
                (None, false) => Enforcement::Unknown("GitHub sent no rules".into()),
                (Some(_), false) => Enforcement::NotRequired,
            }
        };

        let mut listings = HashMap::new();
        listings.insert(
            String::new(),
            tip.tree
                .entries
                .unwrap_or_default()
                .into_iter()
                .map(|l| Listed {
                    name: l.name,
                    kind: l.type_,
                })
                .collect(),
        );
        for (dir, entry) in [(".github", tip.dot_github), ("docs", tip.docs)] {
            if let PathAt::Dir(entries) = PathAt::from(entry) {
                listings.insert(dir.to_string(), entries);
            }
        }

        let reviews = pr
            .reviews
            .ok_or_else(|| self.graphql_missing(&format!("the reviews of {what}")))?;
        let mut reviews = List {
            items: reviews
                .nodes
                .into_iter()
                .flatten()
                .flatten()
                .map(Review::from)
                .collect(),
            total: reviews.total_count,
            next: reviews
                .page_info
                .has_next_page
                .then(|| reviews.page_info.end_cursor.unwrap_or_default()),
            pages: 1,
        };
        let mut comments = List {
            items: convert_comments(
                self,
                pr.comments.nodes.into_iter().flatten().flatten().map(Comment::try_from),
            )?,
            total: pr.comments.total_count,
            next: pr
                .comments
                .page_info
                .has_next_page
                .then(|| pr.comments.page_info.end_cursor.unwrap_or_default()),
            pages: 1,
        };
        let head = pr.head_ref_oid;
        let author = pr.author.map(|a| {
            let kind = AccountKind::from_typename(match a.on {
                pull_read::PullReadRepositoryPullRequestAuthorOn::Bot => "Bot",
                pull_read::PullReadRepositoryPullRequestAuthorOn::User => "User",
                pull_read::PullReadRepositoryPullRequestAuthorOn::Organization => "Organization",
                pull_read::PullReadRepositoryPullRequestAuthorOn::Mannequin => "Mannequin",
                pull_read::PullReadRepositoryPullRequestAuthorOn::EnterpriseUserAccount => "EnterpriseUserAccount",
            });
            Account {
                login: login(a.login, kind == AccountKind::Bot),
                kind,
            }
        });
        if pr.labels.as_ref().is_some_and(|l| l.total_count > 100) {
            return Err(GithubError::IncompleteQuery {
                field: "pullRequest.labels".into(),
                read: 100,
            });
        }
        let label_names: Vec<String> = pr
            .labels
            .map(|l| l.nodes.into_iter().flatten().flatten().map(|l| l.name).collect())
            .unwrap_or_default();
        let labels = self
            .label_actors(number, &head, label_names, LabelEvents::from(pr.timeline_items))
            .await?;
        let facts = PullFacts {
            number,
            author,
            draft: pr.is_draft,
            labels,
            base_branch: base.name.clone(),
            head_branch: pr.head_ref_name,
        };
        while reviews.more() || comments.more() {
            for (list, max, name) in [
                (reviews.pages, REVIEW_PAGES, "reviews"),
                (comments.pages, COMMENT_PAGES, "comments"),
            ] {
                let going = if name == "reviews" {
                    reviews.more()
                } else {
                    comments.more()
                };
                if going && list >= max {
                    return Err(GithubError::IncompleteQuery {
                        field: format!("pullRequest.{name}"),
                        read: if name == "reviews" {
                            reviews.items.len()
                        } else {
                            comments.items.len()
                        },
                    });
                }
            }
            let number = i64::try_from(number).unwrap_or(i64::MAX);
            let (owner, name) = (self.repo.owner.clone(), self.repo.name.clone());
            let review_page = async {
                match &reviews.next {
                    Some(after) => {
                        let variables = reviews_page::Variables {
                            owner: owner.clone(),
                            name: name.clone(),
                            number,
                            after: after.clone(),
                        };
                        let (page, _) = self.graphql::<ReviewsPage>(variables, &[], LIST_LIMIT).await?;
                        let pr = page
                            .repository
                            .and_then(|r| r.pull_request)
                            .ok_or_else(|| self.graphql_missing(&what))?;
                        Ok::<_, GithubError>(Some((pr.head_ref_oid, pr.reviews)))
                    }
                    None => Ok(None),
                }
            };
            let comment_page = async {
                match &comments.next {
                    Some(after) => {
                        let variables = comments_page::Variables {
                            owner: owner.clone(),
                            name: name.clone(),
                            number,
                            after: after.clone(),
                        };
                        let (page, _) = self.graphql::<CommentsPage>(variables, &[], LIST_LIMIT).await?;
                        let pr = page
                            .repository
                            .and_then(|r| r.pull_request)
                            .ok_or_else(|| self.graphql_missing(&what))?;
                        Ok::<_, GithubError>(Some((pr.head_ref_oid, pr.comments)))
                    }
                    None => Ok(None),
                }
            };
            let (review_page, comment_page) = tokio::try_join!(review_page, comment_page)?;
            if let Some((oid, page)) = review_page {
                if oid != head {
                    return Err(self.graphql_moved(&what, &head, &oid));
                }
                let p = page.ok_or_else(|| self.graphql_missing(&format!("the reviews of {what}")))?;
                reviews
                    .items
                    .extend(p.nodes.into_iter().flatten().flatten().map(Review::from));
                reviews.next = p
                    .page_info
                    .has_next_page
                    .then(|| p.page_info.end_cursor.unwrap_or_default());
                reviews.pages += 1;
            }
            if let Some((oid, p)) = comment_page {
                if oid != head {
                    return Err(self.graphql_moved(&what, &head, &oid));
                }
                comments.items.extend(convert_comments(
                    self,
                    p.nodes.into_iter().flatten().flatten().map(Comment::try_from),
                )?);
                comments.next = p
                    .page_info
                    .has_next_page
                    .then(|| p.page_info.end_cursor.unwrap_or_default());
                comments.pages += 1;
            }
        }
        for (name, read, total) in [
            ("reviews", reviews.items.len(), reviews.total),
            ("comments", comments.items.len(), comments.total),
        ] {
            if i64::try_from(read).unwrap_or(i64::MAX) < total {
                return Err(self.decode_error(
                    http::Method::POST,
                    super::GRAPHQL_PATH,
                    &format!("GitHub listed {read} of the {total} {name} of {what}; checkgate does not judge from part of a list"),
                ));
            }
        }

        Ok(PullSnapshot {
            pull: PullRequest {
                number,
                state: Some(format!("{:?}", pr.state).to_ascii_lowercase()),
                body: Some(pr.body),
                head: Commitish {
                    sha: head,
                    git_ref: None,
                },
                base: Commitish {
                    sha: target.oid,
                    git_ref: Some(base.name),
                },
                changed_files: u64::try_from(pr.changed_files).ok(),
            },
            draft: pr.is_draft,
            facts,
            reviews: reviews.items,
            comments: comments.items,
            policy: PathAt::from(tip.policy),
            default_policy: PathAt::from(tip.default_policy),
            listings,
            enforcement,
        })
    }

    /// GitHub's answer lacks `what`.
    pub(super) fn graphql_missing(&self, what: &str) -> GithubError {
        self.decode_error(
            http::Method::POST,
            super::GRAPHQL_PATH,
            &format!("GitHub's answer has no {what}"),
        )
    }

    pub(super) fn graphql_moved(&self, what: &str, from: &str, to: &str) -> GithubError {
        self.decode_error(
            http::Method::POST,
            super::GRAPHQL_PATH,
            &format!(
                "the head of {what} moved from {from} to {to} while checkgate read it; the run for {to} judges it"
            ),
        )
    }
}

fn convert_comments<T: Transport>(
    client: &Client<T>,
    comments: impl Iterator<Item = Result<Comment, String>>,
) -> Result<Vec<Comment>, GithubError> {
    comments
        .map(|c| c.map_err(|e| client.decode_error(http::Method::POST, super::GRAPHQL_PATH, &e)))
        .collect()
}
