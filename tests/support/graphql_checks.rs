//! The evidence GraphQL shows on a commit: its status-check rollup (check
//! runs, those checkgate created among them, and commit statuses) and its
//! deployments, executed against the server's state like the rest of
//! `graphql.rs`.

use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};

use super::super::{FakeCheck, FakeDeployment, FakeStatus, OWNER, REPO, State};
use super::{leaf, page, unknown};

/// A check run as GraphQL shows it, from either list the server keeps.
#[derive(Clone)]
struct Run {
    id: u64,
    name: String,
    status: String,
    conclusion: Option<String>,
    app: String,
    workflow_path: Option<String>,
}

enum Context<'a> {
    Run(Run),
    Status(&'a FakeStatus),
}

/// Every check run and status on `oid`, check runs first in creation order.
fn contexts<'a>(s: &'a State, oid: &str) -> Vec<Context<'a>> {
    let mut out: Vec<Context> = s
        .commit_checks
        .iter()
        .filter(|c| c.sha == oid)
        .map(|c: &FakeCheck| {
            Context::Run(Run {
                id: c.id,
                name: c.name.clone(),
                status: c.status.clone(),
                conclusion: c.conclusion.clone(),
                app: c.app.clone(),
                workflow_path: c.workflow_path.clone(),
            })
        })
        .collect();
    for r in s.check_runs.iter().filter(|r| r.created["head_sha"] == oid) {
        let last_status = r
            .updates
            .iter()
            .rev()
            .find_map(|u| u["status"].as_str())
            .or(r.created["status"].as_str())
            .unwrap_or("completed");
        out.push(Context::Run(Run {
            id: r.id,
            name: r.created["name"].as_str().unwrap_or_default().to_string(),
            status: last_status.to_string(),
            conclusion: r.created["conclusion"].as_str().map(str::to_string),
            app: "github-actions".to_string(),
            workflow_path: Some(".github/workflows/checkgate.yml".to_string()),
        }));
    }
    out.sort_by_key(|c| match c {
        Context::Run(r) => r.id,
        Context::Status(_) => u64::MAX,
    });
    out.extend(s.statuses.iter().filter(|st| st.sha == oid).map(Context::Status));
    out
}

pub(super) fn rollup<'a>(s: &'a State, oid: &str) -> Option<ResolvedValue<'a>> {
    let all = contexts(s, oid);
    (!all.is_empty()).then(|| ResolvedValue::object(Rollup(all)))
}

pub(super) fn deployments<'a>(s: &'a State, oid: &str, info: &ResolveInfo<'_>) -> ResolvedValue<'a> {
    let wanted: Vec<String> = info
        .arguments()
        .get("environments")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let mut found: Vec<&FakeDeployment> = s
        .deployments
        .iter()
        .filter(|d| d.sha == oid && (wanted.is_empty() || wanted.contains(&d.environment)))
        .collect();
    let last = info.arguments().get("last").and_then(|v| v.as_i64()).unwrap_or(100) as usize;
    if found.len() > last {
        found.drain(..found.len() - last);
    }
    ResolvedValue::object(Deployments(found))
}

struct Rollup<'a>(Vec<Context<'a>>);

impl ObjectValue for Rollup<'_> {
    fn type_name(&self) -> &str {
        "StatusCheckRollup"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "contexts" => {
                let (from, to) = page(info, self.0.len());
                Ok(ResolvedValue::object(Contexts { all: &self.0, from, to }))
            }
            _ => Err(unknown(info, "StatusCheckRollup")),
        }
    }
}

struct Contexts<'a, 'b> {
    all: &'b [Context<'a>],
    from: usize,
    to: usize,
}

impl ObjectValue for Contexts<'_, '_> {
    fn type_name(&self) -> &str {
        "StatusCheckRollupContextConnection"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "pageInfo" => Ok(ResolvedValue::object(super::PageInfo {
                next: (self.to < self.all.len()).then(|| format!("cursor:{}", self.to)),
                previous: None,
            })),
            "nodes" => Ok(ResolvedValue::list(self.all[self.from..self.to].iter().map(
                |c| match c {
                    Context::Run(r) => ResolvedValue::object(CheckRun(r.clone())),
                    Context::Status(st) => ResolvedValue::object(StatusContext(st)),
                },
            ))),
            _ => Err(unknown(info, "StatusCheckRollupContextConnection")),
        }
    }
}

struct CheckRun(Run);

impl ObjectValue for CheckRun {
    fn type_name(&self) -> &str {
        "CheckRun"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let r = &self.0;
        let url = format!("https://github.com/{OWNER}/{REPO}/runs/{}", r.id);
        match info.field_name() {
            "databaseId" => Ok(leaf(r.id)),
            "name" => Ok(leaf(&r.name)),
            "status" => Ok(leaf(r.status.to_ascii_uppercase())),
            "conclusion" => Ok(leaf(r.conclusion.as_ref().map(|c| c.to_ascii_uppercase()))),
            "detailsUrl" | "url" => Ok(leaf(url)),
            "checkSuite" => Ok(ResolvedValue::object(Suite(r.clone()))),
            _ => Err(unknown(info, "CheckRun")),
        }
    }
}

struct Suite(Run);

impl ObjectValue for Suite {
    fn type_name(&self) -> &str {
        "CheckSuite"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "app" => Ok(ResolvedValue::object(Named("App", "slug", self.0.app.clone()))),
            "workflowRun" => Ok(ResolvedValue::nullable_object(
                self.0.workflow_path.clone().map(|p| Named("WorkflowRun", "file", p)),
            )),
            _ => Err(unknown(info, "CheckSuite")),
        }
    }
}

/// An object with one field: a leaf, or (for a `WorkflowRun`'s `file`) a
/// `WorkflowRunFile` with that `path`.
struct Named(&'static str, &'static str, String);

impl ObjectValue for Named {
    fn type_name(&self) -> &str {
        self.0
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match (self.0, info.field_name()) {
            ("WorkflowRun", "file") => Ok(ResolvedValue::object(Named("WorkflowRunFile", "path", self.2.clone()))),
            (_, field) if field == self.1 => Ok(leaf(&self.2)),
            _ => Err(unknown(info, self.0)),
        }
    }
}

struct StatusContext<'a>(&'a FakeStatus);

impl ObjectValue for StatusContext<'_> {
    fn type_name(&self) -> &str {
        "StatusContext"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "context" => Ok(leaf(&self.0.context)),
            "state" => Ok(leaf(self.0.state.to_ascii_uppercase())),
            "targetUrl" => Ok(leaf(format!("https://ci.example/{}", self.0.context))),
            _ => Err(unknown(info, "StatusContext")),
        }
    }
}

struct Deployments<'a>(Vec<&'a FakeDeployment>);

impl ObjectValue for Deployments<'_> {
    fn type_name(&self) -> &str {
        "DeploymentConnection"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "nodes" => Ok(ResolvedValue::list(
                self.0.iter().map(|d| ResolvedValue::object(Deployment(d))),
            )),
            _ => Err(unknown(info, "DeploymentConnection")),
        }
    }
}

struct Deployment<'a>(&'a FakeDeployment);

impl ObjectValue for Deployment<'_> {
    fn type_name(&self) -> &str {
        "Deployment"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let d = self.0;
        match info.field_name() {
            "databaseId" => Ok(leaf(d.id)),
            "environment" => Ok(leaf(&d.environment)),
            "latestStatus" => Ok(ResolvedValue::nullable_object(
                d.state.as_ref().map(|s| DeploymentStatus(s.clone(), d.id)),
            )),
            _ => Err(unknown(info, "Deployment")),
        }
    }
}

struct DeploymentStatus(String, u64);

impl ObjectValue for DeploymentStatus {
    fn type_name(&self) -> &str {
        "DeploymentStatus"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "state" => Ok(leaf(self.0.to_ascii_uppercase())),
            "logUrl" => Ok(leaf(format!("https://deploy.example/{}", self.1))),
            _ => Err(unknown(info, "DeploymentStatus")),
        }
    }
}
