//! Reading everything a verdict needs through the API (the pull request, its
//! files, the policy at the base, each checklist at head and base, reviews) and
//! evaluating it.
//!
//! For a pull request the reads take two rounds. Round one is one GraphQL
//! query (the pull request fresh, its reviews and comments, the policy and
//! template directories at the base tip, the base branch's rules) beside
//! REST compare (the merge base and the changed files, old names of renames
//! included, which GraphQL lacks). Round two is one GraphQL query for every
//! checklist (and the template) at the head, the merge base and the base tip,
//! beside any team-membership requests. Further pages of 100 and files
//! GraphQL sends no text for are the only further requests.
//!
//! [`facts`] reads the pull request and its files, [`people`] the reviews,
//! team memberships and comments, [`trust`] whether the workflow judging is
//! the pull request's own; this module puts them together and judges.

use super::{ActionArgs, ActionError, GithubEnv, Target, evidence, template};
use crate::engine::{self, MemLoader};
use crate::eval::{Context, Report};
use crate::evidence::Labels;
use crate::github::{self, Client};
use crate::policy::{self, Policy, Source, Template};
use crate::report::{self, MarkdownOptions};

mod facts;
mod people;
mod trust;

use facts::{Facts, facts, queued_facts, read_at, read_text, repo_path};
pub(super) use people::team_members;
use people::{comments, signoffs};
use trust::{local_actions, trusted_action, workflow_finding};

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
    /// The pull request's comments, as this run read them: the sticky
    /// comment reuses the list.
    pub(super) comments: Option<Vec<github::Comment>>,
    /// Whether the base branch requires the check (pull requests only).
    pub(super) enforcement: Option<github::Enforcement>,
    /// The base branch's name, for the enforcement warning.
    pub(super) base_branch: Option<String>,
    /// Other open pull requests whose head is the commit judged: a check
    /// run on the commit speaks for them too.
    pub(super) others: Vec<u64>,
    /// Ids of checkgate's own check runs on the head commit still in
    /// progress (an earlier run left them waiting for evidence): this run's
    /// verdict completes them too.
    pub(super) own_runs: Vec<u64>,
}

/// A pull request the base policy's `[[skip]]` skips, and where to say so.
pub(super) struct SkippedPull {
    pub(super) skipped: crate::skip::Skipped,
    pub(super) pull: u64,
    pub(super) head_sha: String,
    /// The comments read this run; `None`: post no comment (a merge group).
    pub(super) comments: Option<Vec<github::Comment>>,
}

/// What a run found to do.
pub(super) enum Outcome {
    Judged(Box<Judged>),
    /// A `[[skip]]` matched: nothing is judged.
    Skipped(Box<SkippedPull>),
    /// The pull request's head is no longer the commit the event named:
    /// nothing is judged for the old head; a newer run judges `head`.
    Superseded {
        judged: String,
        head: String,
    },
}

/// Read the event, the policy at the base and the checklists at the head and
/// base through the API, and evaluate. Nothing is read from the workspace, so
/// a pull request can neither change its own policy nor run code here.
pub(super) async fn judge<T: github::Transport>(
    args: &ActionArgs,
    env: &GithubEnv,
    client: &Client<T>,
    target: &Target,
) -> Result<Outcome, ActionError> {
    let mut policy_path = repo_path(&args.policy)?;
    let mut facts = match facts(env, client, target, &policy_path).await? {
        Ok(facts) => facts,
        Err(outcome) => return Ok(outcome),
    };
    let prefetched = facts.prefetched.take();
    let policy_at = |default: bool| {
        prefetched
            .as_ref()
            .map(|p| if default { &p.default_policy } else { &p.policy })
    };
    let mut policy_text = read_text(
        client,
        policy_at(false),
        &policy_path,
        &facts.policy_ref,
        policy::MAX_BYTES,
    )
    .await?;
    if policy_text.is_none() && policy_path != policy::DEFAULT_PATH {
        // Under `pull_request` the `policy` input is the pull request's to
        // write: pointing it at a file the base lacks must not escape a
        // policy the base has at the default path.
        if let Some(text) = read_text(
            client,
            policy_at(true),
            policy::DEFAULT_PATH,
            &facts.policy_ref,
            policy::MAX_BYTES,
        )
        .await?
        {
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
            let local = local_actions(env, client, &facts).await?;
            let checklists = workflow_finding(env, &facts, &local, &action).into_iter().collect();
            let report = Report::new(checklists, facts.notes.clone());
            let mut judged = finish(env, target, &facts, &action, report);
            judged.enforcement = prefetched.as_ref().map(|p| p.enforcement.clone());
            judged.others = prefetched.as_ref().map(|p| p.others.clone()).unwrap_or_default();
            judged.comments = prefetched.map(|p| p.comments);
            return Ok(Outcome::Judged(Box::new(judged)));
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
    // A workflow the pull request may have rewritten cannot vouch for a
    // skip either: the `workflow-changed` finding is reported first.
    // What GitHub says of a merge group's queued pull request (its author,
    // labels, …), read once when a `[[skip]]` or a `labels` rule needs it.
    let mut queued: Option<crate::facts::PullFacts> = None;
    if !policy.skips.is_empty()
        && workflow_finding(env, &facts, &local_actions(env, client, &facts).await?, &policy.action).is_none()
    {
        // A queued pull request is skipped in the merge queue as it was on
        // its own: read what GitHub says of it (one more query).
        if let (Target::MergeGroup { pull, .. }, None) = (target, &prefetched) {
            queued = Some(queued_facts(client, *pull, &facts.head_ref, &policy_path).await?);
        }
        if let Some(pull_facts) = prefetched.as_ref().map(|p| &p.facts).or(queued.as_ref())
            && let Some(skipped) = skip(client, &policy, pull_facts).await?
        {
            return Ok(Outcome::Skipped(Box::new(SkippedPull {
                skipped,
                pull: pull_facts.number,
                head_sha: facts.head_ref.clone(),
                // A merge group gets a check run and no comment.
                comments: prefetched.as_ref().map(|p| p.comments.clone()),
            })));
        }
    }

    let mut loader = MemLoader {
        pr_body: facts
            .pull
            .as_ref()
            .map(|p| client.redact(p.body.as_deref().unwrap_or_default())),
        ..MemLoader::default()
    };

    // The templates' paths first (from round one's listings, or a further
    // read in the rare layouts those do not cover), so round two reads them.
    let mut template_paths: Vec<(Template, Option<String>)> = Vec::new();
    if facts.pull.is_some() {
        for cp in policy.checklists.iter().filter(|c| c.source == Source::PrBody) {
            if cp.template == Template::Off || template_paths.iter().any(|(t, _)| *t == cp.template) {
                continue;
            }
            let path = match &cp.template {
                Template::Off => None,
                Template::Path(path) => Some(path.clone()),
                Template::Auto => {
                    template::find(client, &facts.policy_ref, prefetched.as_ref().map(|p| &p.listings)).await?
                }
            };
            template_paths.push((cp.template.clone(), path));
        }
    }

    // Round two: every checklist, at every commit it is compared at, in one
    // query, beside the team memberships the sign-off rules need.
    let mut paths: Vec<String> = Vec::new();
    for cp in &policy.checklists {
        if let Source::File(path) = &cp.source
            && !paths.contains(path)
        {
            paths.push(path.clone());
        }
    }
    for path in template_paths.iter().filter_map(|(_, p)| p.as_ref()) {
        if !paths.contains(path) {
            paths.push(path.clone());
        }
    }
    let mut refs: Vec<&str> = vec![facts.head_ref.as_str()];
    refs.extend(facts.base_ref.as_deref());
    refs.extend(facts.tip_ref.as_deref());
    if !refs.contains(&facts.policy_ref.as_str()) && !template_paths.is_empty() {
        refs.push(facts.policy_ref.as_str());
    }
    let read_files = async {
        if paths.is_empty() {
            Ok(std::collections::HashMap::new())
        } else {
            client.files_at(&refs, &paths, engine::DEFAULT_MAX_BYTES).await
        }
    };
    let wants_signoffs = policy
        .checklists
        .iter()
        .flat_map(|c| &c.requires)
        .any(|r| !r.approved_by.is_empty());
    let read_signoffs = async {
        match (&facts.pull, wants_signoffs) {
            (Some(pull), true) => {
                let reviews = prefetched.as_ref().map(|p| p.reviews.clone());
                signoffs(client, &policy, pull, reviews).await.map(Some)
            }
            _ => Ok(None),
        }
    };
    let wants_comments = policy
        .checklists
        .iter()
        .any(|c| matches!(c.source, Source::PrComments { .. }));
    let read_comments = async {
        match (&facts.pull, wants_comments) {
            (Some(pull), true) => {
                let listed = prefetched.as_ref().map(|p| p.comments.clone());
                comments(client, &policy, pull.number, &args.comment_author, listed)
                    .await
                    .map(Some)
            }
            _ => Ok(None),
        }
    };
    let read_evidence = evidence::read(client, &policy, &facts.head_ref);
    // The labels a `labels` rule judges: round one's, or, in the merge
    // queue, the queued pull request's (read beside the checklists), then
    // the memberships `labeled-by` teams need.
    let read_labels = async {
        let labels = match (&prefetched, &queued, target) {
            (Some(p), _, _) => Some(p.facts.labels.clone()),
            (None, Some(q), _) => Some(q.labels.clone()),
            (None, None, Target::MergeGroup { pull, .. }) if evidence::wants_labels(&policy) => {
                Some(queued_facts(client, *pull, &facts.head_ref, &policy_path).await?.labels)
            }
            _ => None,
        };
        let teams = evidence::label_teams(client, &policy, labels.as_deref().unwrap_or_default()).await?;
        Ok::<_, ActionError>((labels, teams))
    };
    // The local actions' directories (under `pull_request`) go out beside
    // the checklists and the evidence.
    let (files, signoffs, read_comments, local, head_evidence, labels) = tokio::join!(
        read_files,
        read_signoffs,
        read_comments,
        local_actions(env, client, &facts),
        read_evidence,
        read_labels
    );
    let local = local?;
    let files = files?;
    let signoffs = signoffs?;
    let mut head_evidence = head_evidence?;
    let (labels, label_teams) = labels?;
    let mut teams = std::collections::HashMap::new();
    let mut listed = prefetched.as_ref().map(|p| p.comments.clone());
    if let Some((comments, members, raw)) = read_comments? {
        loader.comments = Some(comments);
        teams = members;
        listed = Some(raw);
    }

    for path in policy.checklists.iter().filter_map(|c| match &c.source {
        Source::File(path) => Some(path),
        _ => None,
    }) {
        if loader.head.contains_key(path) {
            continue;
        }
        let head = read_at(client, &files, &facts.head_ref, path).await?;
        // The base copy is compared every run, whatever the changed-file
        // list says (a symlink's target changes where its link does not).
        if let Some(base_ref) = &facts.base_ref {
            let base = read_at(client, &files, base_ref, path).await?;
            loader.base.insert(path.clone(), base);
        }
        if let Some(tip_ref) = &facts.tip_ref {
            let tip = read_at(client, &files, tip_ref, path).await?;
            loader.tip.insert(path.clone(), tip);
        }
        loader.head.insert(path.clone(), head);
    }
    for (template, path) in template_paths {
        let text = match &path {
            Some(path) => {
                let text = read_at(client, &files, &facts.policy_ref, path).await?;
                match (text, &template) {
                    (Some(text), _) => Some(text),
                    (None, Template::Path(_)) => {
                        return Err(ActionError::NoTemplate {
                            path: path.clone(),
                            git_ref: facts.policy_ref.clone(),
                        });
                    }
                    (None, _) => None,
                }
            }
            None => None,
        };
        loader.templates.insert(template, text);
    }

    if let Some(ev) = head_evidence.as_mut() {
        ev.labels = match (labels, target) {
            (Some(labels), _) => Labels::Read(labels),
            (None, Target::NoPullRequest { .. }) => Labels::NoPullRequest,
            (None, _) => Labels::Unread,
        };
    }
    // One team may be named for comments and for labels: its members among
    // both sets of logins count.
    for (team, members) in label_teams {
        teams.entry(team).or_default().extend(members);
    }
    let default_policy = prefetched.as_ref().map(|p| &p.default_policy);
    // Read before judging: `evidence-untrusted` is obeyed as the trusted
    // `[action]` table says, like `workflow-changed`.
    let action = trusted_action(client, env, &facts, &local, &policy, &policy_path, default_policy).await;
    let ctx = Context {
        changed_files: facts.files.as_ref().map(github::ChangedFiles::paths),
        changed_files_truncated: facts.files.as_ref().is_some_and(|f| f.truncated),
        signoffs,
        teams,
        evidence: head_evidence,
        evidence_untrusted: action.evidence_untrusted,
        without_pull_request: matches!(target, Target::NoPullRequest { .. }),
    };
    if let Some(note) = facts.files.as_ref().and_then(github::ChangedFiles::incomplete_note) {
        facts.notes.push(note);
    }
    let mut report = engine::check(&policy, &loader, &ctx)?;
    report.notes.splice(0..0, facts.notes.iter().cloned());
    if let Some(found) = workflow_finding(env, &facts, &local, &action) {
        report.checklists.insert(0, found);
        report = Report::new(report.checklists, report.notes);
    }
    let mut judged = finish(env, target, &facts, &action, report);
    judged.own_runs = ctx
        .evidence
        .as_ref()
        .map(|ev| evidence::own_runs(ev, super::CHECK_NAME))
        .unwrap_or_default();
    judged.comments = listed;
    judged.others = prefetched.as_ref().map(|p| p.others.clone()).unwrap_or_default();
    judged.enforcement = prefetched.map(|p| p.enforcement);
    Ok(Outcome::Judged(Box::new(judged)))
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
        enforcement: None,
        base_branch: facts.pull.as_ref().and_then(|p| p.base.git_ref.clone()),
        others: Vec::new(),
        own_runs: Vec::new(),
    }
}

/// The `[[skip]]` that holds for the pull request, after looking up the
/// team memberships its `@org/team` entries need (of the author and of
/// whoever applied a label; one request per team and login).
async fn skip<T: github::Transport>(
    client: &Client<T>,
    policy: &Policy,
    pull: &crate::facts::PullFacts,
) -> Result<Option<crate::skip::Skipped>, ActionError> {
    let mut logins: Vec<String> = pull.author.iter().map(|a| a.login.clone()).collect();
    logins.extend(pull.labels.iter().filter_map(|l| l.applied_by.clone()));
    logins.sort_unstable();
    logins.dedup();
    let teams = team_members(client, crate::skip::teams(policy), &logins).await?;
    Ok(crate::skip::find(policy, pull, &teams))
}
