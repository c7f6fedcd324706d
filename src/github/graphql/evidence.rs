//! The evidence read: what GitHub shows about a commit for the policy's
//! `checks` and `deployed` keys, in one query for every rule (the commit's
//! status-check rollup, a page of 100 check runs and statuses, beside its
//! newest deployments to the named environments), plus one per further page
//! of the rollup.

use serde::Serialize;

use super::{HeadEvidence, LIST_LIMIT, head_evidence};
use crate::evidence::{CheckRunFact, DeploymentFact, Evidence, StatusFact};
use crate::github::GithubError;
use crate::github::client::{Client, Transport};

/// Pages of 100 check runs and statuses read at most.
const CONTEXT_PAGES: u32 = 20;

use head_evidence::HeadEvidenceRepositoryObjectOn as ObjectOn;
use head_evidence::HeadEvidenceRepositoryObjectOnCommitStatusCheckRollupContextsNodes as NodeOn;

/// An enum value as GitHub spells it, in lower case (`IN_PROGRESS` →
/// `in_progress`), as REST and the reports spell it.
fn lower(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s.to_ascii_lowercase(),
        _ => String::new(),
    }
}

impl<T: Transport> Client<T> {
    /// The check runs, statuses and (for `environments`) deployments of
    /// commit `sha`. A commit GitHub does not know is an error; one with
    /// nothing reported yet has empty lists.
    pub async fn head_evidence(&self, sha: &str, environments: &[String]) -> Result<Evidence, GithubError> {
        let mut evidence = Evidence {
            head_sha: sha.to_string(),
            ..Evidence::default()
        };
        let mut after: Option<String> = None;
        for page in 0..CONTEXT_PAGES {
            let variables = head_evidence::Variables {
                owner: self.repo.owner.clone(),
                name: self.repo.name.clone(),
                oid: sha.to_string(),
                after: after.clone(),
                environments: environments.to_vec(),
                with_deployments: page == 0 && !environments.is_empty(),
            };
            let (data, _) = self.graphql::<HeadEvidence>(variables, &[], LIST_LIMIT).await?;
            let object = data.repository.and_then(|r| r.object);
            let Some(ObjectOn::Commit(commit)) = object.map(|o| o.on) else {
                return Err(GithubError::Graphql {
                    operation: "HeadEvidence".to_string(),
                    message: format!("{sha} is not a commit of this repository"),
                    partial: false,
                });
            };
            for d in commit.deployments.and_then(|c| c.nodes).into_iter().flatten().flatten() {
                evidence.deployments.push(DeploymentFact {
                    id: d.database_id.and_then(|id| u64::try_from(id).ok()).unwrap_or_default(),
                    environment: d.environment.unwrap_or_default(),
                    state: d.latest_status.as_ref().map(|s| lower(&s.state)),
                    url: d.latest_status.and_then(|s| s.log_url),
                });
            }
            let Some(rollup) = commit.status_check_rollup else {
                return Ok(evidence);
            };
            let contexts = rollup.contexts;
            for node in contexts.nodes.into_iter().flatten().flatten() {
                match node {
                    NodeOn::CheckRun(run) => evidence.check_runs.push(CheckRunFact {
                        id: run
                            .database_id
                            .and_then(|id| u64::try_from(id).ok())
                            .unwrap_or_default(),
                        app: run.check_suite.app.map(|a| a.slug),
                        workflow_path: run.check_suite.workflow_run.and_then(|w| w.file).map(|f| f.path),
                        status: lower(&run.status),
                        conclusion: run.conclusion.as_ref().map(lower),
                        url: run.details_url.or(Some(run.url)),
                        name: run.name,
                    }),
                    NodeOn::StatusContext(s) => evidence.statuses.push(StatusFact {
                        state: lower(&s.state),
                        url: s.target_url,
                        context: s.context,
                    }),
                }
            }
            match contexts.page_info.end_cursor {
                Some(cursor) if contexts.page_info.has_next_page => after = Some(cursor),
                _ => return Ok(evidence),
            }
        }
        Err(GithubError::Graphql {
            operation: "HeadEvidence".to_string(),
            message: format!(
                "{sha} has more than {} check runs and statuses; checkgate reads at most that many",
                CONTEXT_PAGES * 100
            ),
            partial: true,
        })
    }
}
