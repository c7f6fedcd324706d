//! Reading everything a verdict needs through the API (the pull request, its
//! files, the policy at the base, each checklist at head and base, reviews) and
//! evaluating it.

use std::path::Path;

use super::{ActionArgs, ActionError, GithubEnv, Target, template, workflow};
use crate::checklist;
use crate::engine::{self, EngineError, MemLoader};
use crate::eval::{Context, Report, Signoffs};
use crate::github::{self, Client, Content};
use crate::policy::{self, Policy, Source, Template};
use crate::report::{self, MarkdownOptions};

/// A verdict and where to publish it.
pub(super) struct Judged {
    pub(super) report: Report<'static>,
    pub(super) markdown: String,
    /// The pull request to comment on.
    pub(super) pull: Option<u64>,
    /// The commit judged: the check run goes here.
    pub(super) head_sha: Option<String>,
    /// The base policy lets a failing gate's check run conclude `neutral`.
    pub(super) report_only: bool,
    /// A deny-level `workflow-changed` finding: the workflow's own inputs
    /// (`fail`) cannot be trusted to soften the verdict.
    pub(super) workflow_changed: bool,
    /// The pull request's comments, when a `pr-comments` checklist made the
    /// run list them: the sticky comment reuses the list.
    pub(super) comments: Option<Vec<github::Comment>>,
}

/// Everything the run learnt from GitHub before evaluating.
struct Facts {
    /// Commit or branch the policy is read at.
    policy_ref: String,
    /// Commit the checklists are read at.
    head_ref: String,
    /// Commit the checklists are compared with for tamper checks: where the
    /// pull request's branch left its base (the merge base).
    base_ref: Option<String>,
    /// The base branch's tip, when it has moved on since the merge base: the
    /// checklists there are what the pull request would merge into.
    tip_ref: Option<String>,
    pull: Option<github::PullRequest>,
    files: Option<github::ChangedFiles>,
    /// The changed-file list covers every change from base to head, so a
    /// checklist missing from it is unchanged.
    files_exact: bool,
    notes: Vec<String>,
}

async fn facts<T: github::Transport>(
    env: &GithubEnv,
    client: &Client<T>,
    target: &Target,
) -> Result<Facts, ActionError> {
    let short = |sha: &str| sha.chars().take(7).collect::<String>();
    match target {
        Target::PullRequest { number, head_sha, .. } => {
            // Fresh: a rerun after the author edits the description or pushes
            // sees the pull request as it is now, not as the event saw it.
            let pull = client.get_pull(*number).await?;
            let mut files = client.list_pull_files(*number).await?;
            files.expect(pull.changed_files);
            // The payload's (and the API's) `base.sha` is the base branch as
            // it was at some past event, not the merge base and not its tip.
            let base_branch = pull.base.git_ref.clone().unwrap_or_else(|| pull.base.sha.clone());
            let cmp = client.compare(&base_branch, &pull.head.sha).await?;
            let mut notes = Vec::new();
            if pull.head.sha != *head_sha {
                notes.push(format!(
                    "judged the pull request's current head {}; the event was for {}",
                    short(&pull.head.sha),
                    short(head_sha)
                ));
            }
            Ok(Facts {
                policy_ref: cmp.base_tip.clone(),
                head_ref: pull.head.sha.clone(),
                base_ref: Some(cmp.merge_base.clone()),
                tip_ref: (cmp.behind_by > 0 && cmp.base_tip != cmp.merge_base).then(|| cmp.base_tip.clone()),
                files_exact: !files.truncated,
                files: Some(files),
                pull: Some(pull),
                notes,
            })
        }
        Target::MergeGroup {
            head_sha,
            base_sha,
            pull,
        } => {
            let (pull, files) = match pull {
                Some(n) => {
                    let pull = client.get_pull(*n).await?;
                    let mut files = client.list_pull_files(*n).await?;
                    files.expect(pull.changed_files);
                    (Some(pull), Some(files))
                }
                None => (None, None),
            };
            Ok(Facts {
                policy_ref: base_sha.clone(),
                head_ref: head_sha.clone(),
                base_ref: Some(base_sha.clone()),
                // The group's head is built on its base: nothing to be behind.
                tip_ref: None,
                pull,
                files,
                // The group's head may hold other queued pull requests' changes.
                files_exact: false,
                notes: Vec::new(),
            })
        }
        Target::NoPullRequest { default_branch } => Ok(Facts {
            policy_ref: default_branch.clone().ok_or_else(|| ActionError::MissingField {
                event: env.event_name.clone(),
                field: "repository.default_branch",
            })?,
            head_ref: env.sha.clone().ok_or(ActionError::MissingEnv("GITHUB_SHA"))?,
            base_ref: None,
            tip_ref: None,
            pull: None,
            files: None,
            files_exact: false,
            notes: Vec::new(),
        }),
    }
}

/// Read the event, the policy at the base and the checklists at the head and
/// base through the API, and evaluate. Nothing is read from the workspace, so
/// a pull request can neither change its own policy nor run code here.
pub(super) async fn judge<T: github::Transport>(
    args: &ActionArgs,
    env: &GithubEnv,
    client: &Client<T>,
    target: &Target,
) -> Result<Judged, ActionError> {
    let mut facts = facts(env, client, target).await?;
    let local = local_actions(env, client, &facts).await?;
    let mut policy_path = repo_path(&args.policy)?;
    let mut policy_text = fetch_text(client, &policy_path, &facts.policy_ref, policy::MAX_BYTES).await?;
    if policy_text.is_none() && policy_path != policy::DEFAULT_PATH {
        // Under `pull_request` the `policy` input is the pull request's to
        // write: pointing it at a file the base lacks must not escape a
        // policy the base has at the default path.
        if let Some(text) = fetch_text(client, policy::DEFAULT_PATH, &facts.policy_ref, policy::MAX_BYTES).await? {
            facts.notes.push(format!(
                "the base has no policy at {policy_path} (the `policy` input) but has {}; judged by that one",
                policy::DEFAULT_PATH
            ));
            policy_path = policy::DEFAULT_PATH.to_string();
            policy_text = Some(text);
        }
    }
    let changed = |path: &str| facts.files.as_ref().and_then(|f| f.find(path));
    let policy_change = changed(&policy_path).map(|f| f.status.clone().unwrap_or_default());

    let policy_text = match policy_text {
        Some(text) => text,
        None if policy_change.as_deref() == Some("added") => {
            // The pull request that introduces the gate cannot be judged by
            // it; a workflow it changes still can be.
            facts.notes.push(format!(
                "this pull request adds the policy {policy_path}; it takes effect after merge (the base has none yet)"
            ));
            let action = policy::ActionPolicy::default();
            let checklists = workflow_finding(env, &facts, &local, &action).into_iter().collect();
            let report = Report::new(checklists, facts.notes.clone());
            return Ok(finish(env, target, &facts, &action, report));
        }
        None => {
            return Err(ActionError::NoPolicy {
                path: policy_path,
                git_ref: facts.policy_ref.clone(),
            });
        }
    };
    if policy_change.is_some() {
        facts.notes.push(format!(
            "this pull request changes the policy {policy_path}; it was judged by the base's policy, and the change applies after merge"
        ));
    }
    let policy = Policy::parse(&policy_path, &policy_text)?;

    let mut loader = MemLoader {
        pr_body: facts
            .pull
            .as_ref()
            .map(|p| client.redact(p.body.as_deref().unwrap_or_default())),
        ..MemLoader::default()
    };
    for cp in &policy.checklists {
        let Source::File(path) = &cp.source else { continue };
        if loader.head.contains_key(path) {
            continue;
        }
        let head = fetch_text(client, path, &facts.head_ref, engine::DEFAULT_MAX_BYTES).await?;
        let unchanged = facts.files_exact && changed(path).is_none();
        if let Some(base_ref) = facts.base_ref.as_ref().filter(|_| !unchanged || head.is_none()) {
            let base = fetch_text(client, path, base_ref, engine::DEFAULT_MAX_BYTES).await?;
            loader.base.insert(path.clone(), base);
        }
        if let Some(tip_ref) = &facts.tip_ref {
            let tip = fetch_text(client, path, tip_ref, engine::DEFAULT_MAX_BYTES).await?;
            loader.tip.insert(path.clone(), tip);
        }
        loader.head.insert(path.clone(), head);
    }

    if facts.pull.is_some() {
        for cp in policy.checklists.iter().filter(|c| c.source == Source::PrBody) {
            if cp.template == Template::Off || loader.templates.contains_key(&cp.template) {
                continue;
            }
            let text = baseline(client, &cp.template, &facts.policy_ref).await?;
            loader.templates.insert(cp.template.clone(), text);
        }
    }

    let signoffs = match &facts.pull {
        Some(pull)
            if policy
                .checklists
                .iter()
                .flat_map(|c| &c.requires)
                .any(|r| !r.approved_by.is_empty()) =>
        {
            Some(signoffs(client, &policy, pull).await?)
        }
        _ => None,
    };
    let mut teams = std::collections::HashMap::new();
    let mut listed = None;
    if let Some(pull) = facts.pull.as_ref().filter(|_| {
        policy
            .checklists
            .iter()
            .any(|c| matches!(c.source, Source::PrComments { .. }))
    }) {
        let (comments, members, raw) = comments(client, &policy, pull.number, &args.comment_author).await?;
        loader.comments = Some(comments);
        teams = members;
        listed = Some(raw);
    }
    let ctx = Context {
        changed_files: facts.files.as_ref().map(github::ChangedFiles::paths),
        changed_files_truncated: facts.files.as_ref().is_some_and(|f| f.truncated),
        signoffs,
        teams,
    };
    if let Some(note) = facts.files.as_ref().and_then(github::ChangedFiles::incomplete_note) {
        facts.notes.push(note);
    }
    let mut report = engine::check(&policy, &loader, &ctx)?;
    report.notes.splice(0..0, facts.notes.iter().cloned());
    let action = trusted_action(client, env, &facts, &local, &policy, &policy_path).await;
    if let Some(found) = workflow_finding(env, &facts, &local, &action) {
        report.checklists.insert(0, found);
        report = Report::new(report.checklists, report.notes);
    }
    let mut judged = finish(env, target, &facts, &action, report);
    judged.comments = listed;
    Ok(judged)
}

/// Whether the workflow running this may be the pull request's own.
fn workflow_touched(env: &GithubEnv, facts: &Facts, local: &workflow::LocalActions) -> bool {
    matches!(env.event_name.as_str(), "pull_request" | "merge_group")
        && facts.files.as_ref().is_some_and(|f| {
            f.truncated
                || (local.incomplete && !f.files.is_empty())
                || f.paths().iter().any(|p| workflow::is_workflow_change(p, local))
        })
}

/// The local actions (directories holding an `action.yml`) at the base's
/// tip and the head, on the events whose workflow may be the pull request's, when
/// the pull request changes files that are not already workflow files (one
/// request per commit).
async fn local_actions<T: github::Transport>(
    env: &GithubEnv,
    client: &Client<T>,
    facts: &Facts,
) -> Result<workflow::LocalActions, ActionError> {
    let none = workflow::LocalActions::default();
    if !workflow_touched(env, facts, &none)
        && matches!(env.event_name.as_str(), "pull_request" | "merge_group")
        && facts.files.as_ref().is_some_and(|f| !f.files.is_empty())
    {
        // The base as the workflow sees it: its tip, which the merge commit
        // (or the merge group's head) is built on.
        let refs = [facts.policy_ref.as_str(), facts.head_ref.as_str()];
        return Ok(workflow::local_actions(client, &refs).await?);
    }
    Ok(none)
}

/// The `[action]` table to obey. When the workflow may be the pull
/// request's, so may its `policy` input: a policy it points at, other than
/// the default, cannot switch off `workflow-changed` or make the check
/// neutral. The base's default-path policy decides then (one more request),
/// or the defaults when it is absent or invalid.
async fn trusted_action<T: github::Transport>(
    client: &Client<T>,
    env: &GithubEnv,
    facts: &Facts,
    local: &workflow::LocalActions,
    policy: &Policy,
    policy_path: &str,
) -> policy::ActionPolicy {
    if policy_path == policy::DEFAULT_PATH || !workflow_touched(env, facts, local) {
        return policy.action.clone();
    }
    match fetch_text(client, policy::DEFAULT_PATH, &facts.policy_ref, policy::MAX_BYTES).await {
        Ok(Some(text)) => Policy::parse(policy::DEFAULT_PATH, &text)
            .map(|p| p.action)
            .unwrap_or_default(),
        _ => policy::ActionPolicy::default(),
    }
}

/// The `workflow-changed` finding, on the events whose workflow file may come
/// from the pull request.
fn workflow_finding(
    env: &GithubEnv,
    facts: &Facts,
    local: &workflow::LocalActions,
    action: &policy::ActionPolicy,
) -> Option<crate::eval::ChecklistReport<'static>> {
    if !matches!(env.event_name.as_str(), "pull_request" | "merge_group") {
        return None;
    }
    let files = facts.files.as_ref()?;
    workflow::finding(
        &files.paths(),
        files.truncated,
        local,
        action.workflow_changed?,
        &env.event_name,
        env.workflow_path(),
    )
}

fn finish(
    env: &GithubEnv,
    target: &Target,
    facts: &Facts,
    action: &policy::ActionPolicy,
    report: Report<'static>,
) -> Judged {
    let workflow_changed = report
        .checklists
        .iter()
        .flat_map(|c| &c.requirements)
        .any(|r| r.code == crate::eval::Code::WorkflowChanged && r.level == policy::Level::Deny);
    let opts = MarkdownOptions {
        link_base: Some(format!(
            "{}/{}/blob/{}/",
            env.server_url.trim_end_matches('/'),
            env.repository,
            facts.head_ref
        )),
        ..MarkdownOptions::default()
    };
    let markdown = report::markdown(&report, &opts);
    Judged {
        report,
        markdown,
        pull: match target {
            Target::PullRequest { number, .. } => Some(*number),
            _ => None,
        },
        head_sha: match target {
            Target::NoPullRequest { .. } => None,
            _ => Some(facts.head_ref.clone()),
        },
        report_only: action.report_only,
        workflow_changed,
        comments: None,
    }
}

/// Who approved the pull request's current head, and which of them belong to
/// the teams the policy names.
async fn signoffs<T: github::Transport>(
    client: &Client<T>,
    policy: &Policy,
    pull: &github::PullRequest,
) -> Result<Signoffs, ActionError> {
    let reviews = client.list_reviews(pull.number).await?;
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
async fn team_members<'a, T: github::Transport>(
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
async fn comments<T: github::Transport>(
    client: &Client<T>,
    policy: &Policy,
    number: u64,
    comment_author: &str,
) -> Result<
    (
        Vec<engine::PrComment>,
        std::collections::HashMap<String, Vec<String>>,
        Vec<github::Comment>,
    ),
    ActionError,
> {
    let identities = vec![comment_author.to_string()];
    let listed = client.list_comments(number).await?;
    let comments: Vec<engine::PrComment> = listed
        .iter()
        .filter(|c| !c.is_sticky(&identities))
        .filter_map(|c| {
            Some(engine::PrComment {
                author: c.author()?.to_string(),
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

/// A policy-relative path as a repository path: `/`-separated, no `..`.
fn repo_path(path: &Path) -> Result<String, ActionError> {
    let text = path.to_string_lossy().replace('\\', "/");
    let trimmed = text.trim_start_matches("./");
    if policy::path_problem(trimmed).is_some() {
        return Err(ActionError::BadPolicyPath(text));
    }
    Ok(trimmed.to_string())
}

/// The pull request template `template` names, at the base `git_ref`. A
/// template the policy names must exist; GitHub's may not.
async fn baseline<T: github::Transport>(
    client: &Client<T>,
    template: &Template,
    git_ref: &str,
) -> Result<Option<String>, ActionError> {
    let path = match template {
        Template::Off => return Ok(None),
        Template::Path(path) => path.clone(),
        Template::Auto => match template::find(client, git_ref).await? {
            Some(path) => path,
            None => return Ok(None),
        },
    };
    match fetch_text(client, &path, git_ref, engine::DEFAULT_MAX_BYTES).await? {
        Some(text) => Ok(Some(text)),
        None if matches!(template, Template::Path(_)) => Err(ActionError::NoTemplate {
            path,
            git_ref: git_ref.to_string(),
        }),
        None => Ok(None),
    }
}

/// A UTF-8 file at `git_ref`, redacted (before anything escapes, renders or
/// cuts it); `None` when it does not exist there.
async fn fetch_text<T: github::Transport>(
    client: &Client<T>,
    path: &str,
    git_ref: &str,
    max_bytes: u64,
) -> Result<Option<String>, ActionError> {
    match client.get_file(path, git_ref, max_bytes).await? {
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
