//! Whether the workflow running checkgate may be the pull request's own:
//! workflow files and local actions it changes, and the finding that says so.

use super::facts::{Facts, read_text};
use crate::action::{ActionError, GithubEnv, workflow};
use crate::github::{self, Client, PathAt};
use crate::policy::{self, Policy};

/// Whether the workflow running this may be the pull request's own.
pub(super) fn workflow_touched(env: &GithubEnv, facts: &Facts, local: &workflow::LocalActions) -> bool {
    workflow_may_be_the_pulls(env)
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
pub(super) async fn local_actions<T: github::Transport>(
    env: &GithubEnv,
    client: &Client<T>,
    facts: &Facts,
) -> Result<workflow::LocalActions, ActionError> {
    let none = workflow::LocalActions::default();
    if !workflow_touched(env, facts, &none)
        && workflow_may_be_the_pulls(env)
        && facts.files.as_ref().is_some_and(|f| !f.files.is_empty())
    {
        // The base as the workflow sees it: its tip, which the merge commit
        // (or the merge group's head) is built on.
        let refs = [facts.policy_ref.as_str(), facts.head_ref.as_str()];
        return Ok(workflow::local_actions(client, &refs).await?);
    }
    Ok(none)
}

/// Whether GitHub may have taken the running workflow file from the pull
/// request: on `pull_request`, `pull_request_review` and `merge_group`,
/// unless the file lives in another repository (an organization ruleset's
/// required workflow, pinned there, which the pull request cannot change).
pub(super) fn workflow_may_be_the_pulls(env: &GithubEnv) -> bool {
    matches!(
        env.event_name.as_str(),
        "pull_request" | "pull_request_review" | "merge_group"
    ) && !env.workflow_elsewhere()
}

/// The `[action]` table to obey. When the workflow may be the pull
/// request's, so may its `policy` input: a policy it points at, other than
/// the default, cannot switch off `workflow-changed` or make the check
/// neutral. The base's default-path policy decides then (one more request),
/// or the defaults when it is absent or invalid.
pub(super) async fn trusted_action<T: github::Transport>(
    client: &Client<T>,
    env: &GithubEnv,
    facts: &Facts,
    local: &workflow::LocalActions,
    policy: &Policy,
    policy_path: &str,
    prefetched: Option<&PathAt>,
) -> policy::ActionPolicy {
    if policy_path == policy::DEFAULT_PATH || !workflow_touched(env, facts, local) {
        return policy.action.clone();
    }
    match read_text(
        client,
        prefetched,
        policy::DEFAULT_PATH,
        &facts.policy_ref,
        policy::MAX_BYTES,
    )
    .await
    {
        Ok(Some(text)) => Policy::parse(policy::DEFAULT_PATH, &text)
            .map(|p| p.action)
            .unwrap_or_default(),
        _ => policy::ActionPolicy::default(),
    }
}

/// The `workflow-changed` finding, on the events whose workflow file may come
/// from the pull request.
pub(super) fn workflow_finding(
    env: &GithubEnv,
    facts: &Facts,
    local: &workflow::LocalActions,
    action: &policy::ActionPolicy,
) -> Option<crate::eval::ChecklistReport<'static>> {
    if !workflow_may_be_the_pulls(env) {
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
