//! The action's side of evidence: one read of what GitHub shows about the
//! head commit for every rule of the policy (nothing when no rule asks), the
//! team memberships `labeled-by` needs, and checkgate's own check runs left
//! waiting on the commit by earlier runs.

use super::ActionError;
use super::judge::team_members;
use crate::evidence::Evidence;
use crate::facts::AppliedLabel;
use crate::github::{self, Client};
use crate::policy::{EvidenceKeys, Policy};

fn keys(policy: &Policy) -> impl Iterator<Item = &EvidenceKeys> {
    policy
        .checklists
        .iter()
        .flat_map(|c| &c.requires)
        .filter_map(|r| r.evidence.as_ref())
}

/// What GitHub shows about `head_sha`, when some rule asks GitHub: one
/// query (and one per further page of 100 check runs and statuses) when a
/// rule names `checks` or `deployed`, none for `labels` alone (round one
/// read them).
pub(super) async fn read<T: github::Transport>(
    client: &Client<T>,
    policy: &Policy,
    head_sha: &str,
) -> Result<Option<Evidence>, ActionError> {
    if !keys(policy).any(EvidenceKeys::needs_github) {
        return Ok(None);
    }
    let mut environments: Vec<String> = Vec::new();
    for env in keys(policy).flat_map(|k| &k.deployed) {
        if !environments.contains(env) {
            environments.push(env.clone());
        }
    }
    if !keys(policy).any(|k| !k.checks.is_empty() || !k.deployed.is_empty()) {
        return Ok(Some(Evidence {
            head_sha: head_sha.to_string(),
            ..Evidence::default()
        }));
    }
    Ok(Some(client.head_evidence(head_sha, &environments).await?))
}

/// Whether a rule names `labels`: a merge group then reads its queued pull
/// request's labels.
pub(super) fn wants_labels(policy: &Policy) -> bool {
    keys(policy).any(|k| !k.labels.is_empty())
}

/// `org/team` (lower case) → which of the label actors belong to it, for
/// the teams `labeled-by` names (no request when it names none).
pub(super) async fn label_teams<T: github::Transport>(
    client: &Client<T>,
    policy: &Policy,
    labels: &[AppliedLabel],
) -> Result<std::collections::HashMap<String, Vec<String>>, ActionError> {
    let mut actors: Vec<String> = labels.iter().filter_map(|l| l.applied_by.clone()).collect();
    actors.sort_unstable();
    actors.dedup();
    team_members(client, keys(policy).flat_map(|k| &k.labeled_by), &actors).await
}

/// Check runs named `name` on the commit that are not completed.
pub(super) fn own_runs(evidence: &Evidence, name: &str) -> Vec<u64> {
    evidence
        .check_runs
        .iter()
        .filter(|r| r.name == name && r.status != "completed" && r.id != 0)
        .map(|r| r.id)
        .collect()
}
