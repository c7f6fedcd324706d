//! The people a verdict depends on: approving reviews, team memberships and
//! the comments of a `pr-comments` checklist.

use crate::action::ActionError;
use crate::engine;
use crate::eval::Signoffs;
use crate::github::{self, Client};
use crate::policy::{Policy, Source};

/// Who approved the pull request's current head, and which of them belong to
/// the teams the policy names.
pub(super) async fn signoffs<T: github::Transport>(
    client: &Client<T>,
    policy: &Policy,
    pull: &github::PullRequest,
    listed: Option<Vec<github::Review>>,
) -> Result<Signoffs, ActionError> {
    let reviews = match listed {
        Some(reviews) => reviews,
        None => client.list_reviews(pull.number).await?,
    };
    let approvers = github::approvers(&reviews, &pull.head.sha);
    let named = policy
        .checklists
        .iter()
        .flat_map(|c| &c.requires)
        .flat_map(|r| &r.approved_by);
    let teams = team_members(client, named, &approvers).await?;
    Ok(Signoffs { approvers, teams })
}

/// `org/team` (lower case) → which of `logins` belong to it, for each
/// `@org/team` among `named`: one membership request per team and login.
pub(in crate::action) async fn team_members<'a, T: github::Transport>(
    client: &Client<T>,
    named: impl Iterator<Item = &'a String>,
    logins: &[String],
) -> Result<std::collections::HashMap<String, Vec<String>>, ActionError> {
    let mut teams: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (org, team) in named.filter_map(|a| a.trim_start_matches('@').split_once('/')) {
        let key = format!("{org}/{team}").to_ascii_lowercase();
        if teams.contains_key(&key) {
            continue;
        }
        let mut members = Vec::new();
        for login in logins {
            match client.is_team_member(org, team, login).await {
                Ok(true) => members.push(login.clone()),
                Ok(false) => {}
                Err(source) => return Err(ActionError::Team { team: key, source }),
            }
        }
        teams.insert(key, members);
    }
    Ok(teams)
}

/// The pull request's conversation comments for `pr-comments` checklists
/// (checkgate's own excluded, bodies redacted), which of their authors
/// belong to the teams those checklists name, and the list as GitHub gave it
/// (for the sticky comment, so it is read once).
pub(super) async fn comments<T: github::Transport>(
    client: &Client<T>,
    policy: &Policy,
    number: u64,
    comment_author: &str,
    listed: Option<Vec<github::Comment>>,
) -> Result<
    (
        Vec<engine::PrComment>,
        std::collections::HashMap<String, Vec<String>>,
        Vec<github::Comment>,
    ),
    ActionError,
> {
    let identities = vec![comment_author.to_string()];
    let listed = match listed {
        Some(listed) => listed,
        None => client.list_comments(number).await?,
    };
    let comments: Vec<engine::PrComment> = listed
        .iter()
        .filter(|c| !c.is_sticky(&identities))
        .filter_map(|c| {
            Some(engine::PrComment {
                author: c.author()?.to_string(),
                association: c.author_association.clone(),
                url: c.html_url.clone().unwrap_or_default(),
                body: client.redact(c.body.as_deref().unwrap_or_default()),
            })
        })
        .collect();
    let named = policy
        .checklists
        .iter()
        .filter_map(|c| match &c.source {
            Source::PrComments { authors } => Some(authors),
            _ => None,
        })
        .flatten();
    let mut logins: Vec<String> = comments.iter().map(|c| c.author.clone()).collect();
    logins.sort_unstable();
    logins.dedup();
    let teams = team_members(client, named, &logins).await?;
    Ok((comments, teams, listed))
}
