//! The local GitHub's GraphQL endpoint. Each query is parsed and validated
//! against GitHub's published schema (`../shared`, or the pruned copy the
//! client is built against when that is absent) and then *executed* against
//! the server's state with apollo-compiler's executor: the response has
//! exactly the shape the query asked for, and every leaf is coerced to the
//! schema's type, so no test can hand the client JSON its query never asked
//! for. A query that breaks the schema is recorded as a violation.

use std::sync::OnceLock;

use apollo_compiler::resolvers::{Execution, FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::{Value, json};

#[path = "graphql_checks.rs"]
mod checks;

use super::{Entry, OWNER, Pull, REPO, State, StoredComment, StoredReview, blob_sha, tree_sha};

/// GitHub's schema: the published one when `../shared` is present.
fn schema() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let published = root.join("../shared/corpus/graphql/schema.graphql");
        match std::fs::read_to_string(&published) {
            Ok(text) => super::schema_prune::load_published(&text),
            Err(_) => {
                super::common::skip(&published);
                let text =
                    std::fs::read_to_string(root.join("src/github/graphql/schema.graphql")).expect("the pruned schema");
                Schema::parse_and_validate(text, "schema.graphql").expect("the pruned schema is valid")
            }
        }
    })
}

/// GitHub truncates a blob's `text` past some size; the local server at this one.
pub const TEXT_LIMIT: usize = 1024 * 1024;

/// Execute a GraphQL request body against `s`. `Err` carries violations.
pub fn execute(s: &State, body: &Value) -> Result<Value, String> {
    let query = body["query"].as_str().ok_or("a GraphQL request without `query`")?;
    let operation = body["operationName"].as_str();
    let doc = ExecutableDocument::parse_and_validate(schema(), query, "query.graphql")
        .map_err(|e| format!("the query breaks GitHub's schema: {}", e.errors))?;
    let variables: serde_json_bytes::Value =
        serde_json::from_value(body.get("variables").cloned().unwrap_or(json!({}))).map_err(|e| e.to_string())?;
    let empty = serde_json_bytes::Map::new();
    let variables = variables.as_object().unwrap_or(&empty);
    let response = Execution::new(schema(), &doc)
        .operation_name(operation)
        .map_err(|e| format!("{e:?}"))?
        .raw_variable_values(variables)
        .execute_sync(&Query(s))
        .map_err(|e| format!("{e:?}"))?;
    serde_json::to_value(&response).map_err(|e| e.to_string())
}

fn arg_str<'a>(info: &'a ResolveInfo<'a>, name: &str) -> Option<&'a str> {
    info.arguments().get(name).and_then(|v| v.as_str())
}

fn arg_i64(info: &ResolveInfo<'_>, name: &str) -> Option<i64> {
    info.arguments().get(name).and_then(|v| v.as_i64())
}

fn leaf<'a>(v: impl serde::Serialize) -> ResolvedValue<'a> {
    ResolvedValue::leaf(serde_json_bytes::to_value(v).expect("json"))
}

fn unknown(info: &ResolveInfo<'_>, ty: &str) -> FieldError {
    FieldError {
        message: format!("the local GitHub does not resolve {ty}.{}", info.field_name()),
    }
}

struct Query<'a>(&'a State);

impl ObjectValue for Query<'_> {
    fn type_name(&self) -> &str {
        "Query"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "repository" => {
                let ok = arg_str(info, "owner") == Some(OWNER) && arg_str(info, "name") == Some(REPO);
                if !ok {
                    return Err(FieldError {
                        message: "Could not resolve to a Repository with the name given.".into(),
                    });
                }
                Ok(ResolvedValue::object(Repository(self.0)))
            }
            _ => Err(unknown(info, "Query")),
        }
    }
}

struct Repository<'a>(&'a State);

/// The commit a branch name or sha names.
fn resolve_ref(s: &State, expression: &str) -> Option<String> {
    if let Some(tip) = s.branch_tips.get(expression) {
        return Some(tip.clone());
    }
    if let Some(p) = s.pulls().find(|p| p.base_ref == expression) {
        return Some(p.base_sha.clone());
    }
    let known = s.files.keys().any(|(r, _)| r == expression)
        || s.pulls().any(|p| p.head_sha == expression || p.base_sha == expression)
        || s.branch_tips.values().any(|t| t == expression)
        || s.merge_base.as_deref() == Some(expression)
        || s.known_commits.iter().any(|c| c == expression);
    known.then(|| expression.to_string())
}

impl ObjectValue for Repository<'_> {
    fn type_name(&self) -> &str {
        "Repository"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let s = self.0;
        match info.field_name() {
            "pullRequest" => {
                let number = arg_i64(info, "number");
                match s.pulls().find(|p| Some(p.number as i64) == number) {
                    Some(p) => Ok(ResolvedValue::object(PullRequest(s, p))),
                    None => Err(FieldError {
                        message: format!(
                            "Could not resolve to a PullRequest with the number of {}.",
                            number.unwrap_or_default()
                        ),
                    }),
                }
            }
            "object" => {
                let expression = arg_str(info, "expression")
                    .or_else(|| arg_str(info, "oid"))
                    .unwrap_or_default();
                Ok(ResolvedValue::nullable_object(
                    resolve_ref(s, expression).map(|oid| Commit(s, oid)),
                ))
            }
            _ => Err(unknown(info, "Repository")),
        }
    }
}

struct PullRequest<'a>(&'a State, &'a Pull);

/// A page of `all` after cursor `after` (an index), `first` long.
fn page(info: &ResolveInfo<'_>, len: usize) -> (usize, usize) {
    let first = arg_i64(info, "first").unwrap_or(100).clamp(0, 100) as usize;
    let start = arg_str(info, "after")
        .and_then(|c| c.strip_prefix("cursor:"))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    (start.min(len), (start + first).min(len))
}

impl ObjectValue for PullRequest<'_> {
    fn type_name(&self) -> &str {
        "PullRequest"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let (s, p) = (self.0, self.1);
        match info.field_name() {
            "number" => Ok(leaf(p.number)),
            "state" => Ok(leaf(match p.state.as_str() {
                "closed" => "CLOSED",
                "merged" => "MERGED",
                _ => "OPEN",
            })),
            "isDraft" => Ok(leaf(p.draft)),
            "headRefName" => Ok(leaf(&p.head_ref)),
            "labels" => {
                let (from, to) = page(info, p.labels.len());
                Ok(ResolvedValue::object(Connection {
                    ty: "LabelConnection",
                    endless: false,
                    total: p.labels.len(),
                    from,
                    to,
                    nodes: Nodes::Labels(&p.labels[from..to]),
                }))
            }
            "timelineItems" => {
                let wanted = info
                    .arguments()
                    .get("itemTypes")
                    .and_then(|v| v.as_array())
                    .is_some_and(|types| types.iter().all(|t| t.as_str() == Some("LABELED_EVENT")));
                if !wanted {
                    return Err(FieldError {
                        message: "the local GitHub serves only LABELED_EVENT timeline items".into(),
                    });
                }
                let len = p.label_events.len();
                let before = arg_str(info, "before")
                    .and_then(|c| c.strip_prefix("cursor:"))
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(len)
                    .min(len);
                let last = arg_i64(info, "last").unwrap_or(100).clamp(0, 100) as usize;
                let from = before.saturating_sub(last);
                Ok(ResolvedValue::object(Timeline(&p.label_events[from..before], from)))
            }
            "body" => Ok(leaf(p.body.clone().unwrap_or_default())),
            "headRefOid" => Ok(leaf(&p.head_sha)),
            "baseRefName" => Ok(leaf(&p.base_ref)),
            "changedFiles" => Ok(leaf(p.changed_files.unwrap_or(s.changed_files.len() as u64))),
            "author" => Ok(ResolvedValue::object(Actor(p.author.clone()))),
            "reviews" => {
                let (from, to) = page(info, s.reviews.len());
                Ok(ResolvedValue::object(Connection {
                    ty: "PullRequestReviewConnection",
                    endless: false,
                    total: s.reviews.len(),
                    from,
                    to,
                    nodes: Nodes::Reviews(&s.reviews[from..to]),
                }))
            }
            "comments" if s.endless_comments => Ok(ResolvedValue::object(Connection {
                ty: "IssueCommentConnection",
                total: 0,
                from: 0,
                to: 0,
                nodes: Nodes::Comments(&[]),
                endless: true,
            })),
            "comments" => {
                let (from, to) = page(info, s.comments.len());
                Ok(ResolvedValue::object(Connection {
                    ty: "IssueCommentConnection",
                    endless: false,
                    total: s.comments.len(),
                    from,
                    to,
                    nodes: Nodes::Comments(&s.comments[from..to]),
                }))
            }
            "baseRef" => Ok(ResolvedValue::object(Ref(s, p))),
            _ => Err(unknown(info, "PullRequest")),
        }
    }
}

enum Nodes<'a> {
    Reviews(&'a [StoredReview]),
    Comments(&'a [StoredComment]),
    Labels(&'a [String]),
}

/// A page of `labeled` events, and the index of its first.
struct Timeline<'a>(&'a [(String, Option<String>)], usize);

impl ObjectValue for Timeline<'_> {
    fn type_name(&self) -> &str {
        "PullRequestTimelineItemsConnection"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "pageInfo" => Ok(ResolvedValue::object(PageInfo {
                next: None,
                previous: (self.1 > 0).then(|| format!("cursor:{}", self.1)),
            })),
            "nodes" => {
                Ok(ResolvedValue::list(self.0.iter().map(|(label, actor)| {
                    ResolvedValue::object(LabeledEvent(label, actor))
                })))
            }
            _ => Err(unknown(info, "PullRequestTimelineItemsConnection")),
        }
    }
}

struct LabeledEvent<'a>(&'a str, &'a Option<String>);

impl ObjectValue for LabeledEvent<'_> {
    fn type_name(&self) -> &str {
        "LabeledEvent"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "actor" => Ok(ResolvedValue::nullable_object(self.1.clone().map(Actor))),
            "label" => Ok(ResolvedValue::object(Label(self.0))),
            _ => Err(unknown(info, "LabeledEvent")),
        }
    }
}

struct Label<'a>(&'a str);

impl ObjectValue for Label<'_> {
    fn type_name(&self) -> &str {
        "Label"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "name" => Ok(leaf(self.0)),
            _ => Err(unknown(info, "Label")),
        }
    }
}

struct Connection<'a> {
    ty: &'static str,
    total: usize,
    from: usize,
    to: usize,
    nodes: Nodes<'a>,
    /// Always another page.
    endless: bool,
}

impl ObjectValue for Connection<'_> {
    fn type_name(&self) -> &str {
        self.ty
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "totalCount" => Ok(leaf(self.total)),
            "pageInfo" => Ok(ResolvedValue::object(PageInfo {
                next: (self.endless || self.to < self.total).then(|| format!("cursor:{}", self.to)),
                previous: None,
            })),
            "nodes" => Ok(match self.nodes {
                Nodes::Reviews(r) => ResolvedValue::list(r.iter().map(|r| ResolvedValue::object(Review(r)))),
                Nodes::Comments(c) => ResolvedValue::list(c.iter().map(|c| ResolvedValue::object(IssueComment(c)))),
                Nodes::Labels(l) => ResolvedValue::list(l.iter().map(|l| ResolvedValue::object(Label(l)))),
            }),
            _ => Err(unknown(info, self.ty)),
        }
    }
}

struct PageInfo {
    next: Option<String>,
    /// The cursor before this page, when there are earlier items.
    previous: Option<String>,
}

impl ObjectValue for PageInfo {
    fn type_name(&self) -> &str {
        "PageInfo"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "hasNextPage" => Ok(leaf(self.next.is_some())),
            "endCursor" => Ok(leaf(&self.next)),
            "hasPreviousPage" => Ok(leaf(self.previous.is_some())),
            "startCursor" => Ok(leaf(&self.previous)),
            _ => Err(unknown(info, "PageInfo")),
        }
    }
}

/// A user, or a bot (a login ending in `[bot]`, which GraphQL spells without it).
struct Actor(String);

impl ObjectValue for Actor {
    fn type_name(&self) -> &str {
        if self.0.ends_with("[bot]") { "Bot" } else { "User" }
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "login" => Ok(leaf(self.0.trim_end_matches("[bot]"))),
            _ => Err(unknown(info, "Actor")),
        }
    }
}

struct Review<'a>(&'a StoredReview);

impl ObjectValue for Review<'_> {
    fn type_name(&self) -> &str {
        "PullRequestReview"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "state" => Ok(leaf(&self.0.state)),
            "author" => Ok(ResolvedValue::object(Actor(self.0.login.clone()))),
            "commit" => Ok(ResolvedValue::object(Oid(self.0.commit_id.clone()))),
            _ => Err(unknown(info, "PullRequestReview")),
        }
    }
}

/// A commit known only by its oid.
struct Oid(String);

impl ObjectValue for Oid {
    fn type_name(&self) -> &str {
        "Commit"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "oid" => Ok(leaf(&self.0)),
            _ => Err(unknown(info, "Commit")),
        }
    }
}

struct IssueComment<'a>(&'a StoredComment);

impl ObjectValue for IssueComment<'_> {
    fn type_name(&self) -> &str {
        "IssueComment"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let c = self.0;
        match info.field_name() {
            // GitHub's BigInt travels as a string.
            "fullDatabaseId" => Ok(leaf(c.id.to_string())),
            "body" => Ok(leaf(&c.body)),
            "url" => Ok(leaf(format!(
                "https://github.com/{OWNER}/{REPO}/pull/42#issuecomment-{}",
                c.id
            ))),
            "author" => Ok(ResolvedValue::object(Actor(c.login.clone()))),
            "authorAssociation" => Ok(leaf(&c.association)),
            _ => Err(unknown(info, "IssueComment")),
        }
    }
}

struct Ref<'a>(&'a State, &'a Pull);

impl ObjectValue for Ref<'_> {
    fn type_name(&self) -> &str {
        "Ref"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let (s, p) = (self.0, self.1);
        match info.field_name() {
            "name" => Ok(leaf(&p.base_ref)),
            "target" => {
                let tip = s
                    .branch_tips
                    .get(&p.base_ref)
                    .cloned()
                    .unwrap_or_else(|| p.base_sha.clone());
                Ok(ResolvedValue::object(Commit(s, tip)))
            }
            "rules" => match &s.rules {
                Rules::Unreadable => Err(FieldError {
                    message: "Resource not accessible by integration".into(),
                }),
                Rules::Required(contexts) => Ok(ResolvedValue::object(RuleConnection(contexts))),
            },
            "refUpdateRule" => Ok(ResolvedValue::nullable_object(None::<Oid>)),
            _ => Err(unknown(info, "Ref")),
        }
    }
}

/// The base branch's rules as the local server serves them; by default a
/// ruleset requires `checkgate`.
#[derive(Debug, Clone)]
pub enum Rules {
    /// Rules that require these status checks (none: no rule).
    Required(Vec<String>),
    /// The token may not read them.
    Unreadable,
}

struct RuleConnection<'a>(&'a [String]);

impl ObjectValue for RuleConnection<'_> {
    fn type_name(&self) -> &str {
        "RepositoryRuleConnection"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let rules: Vec<&String> = self.0.iter().collect();
        match info.field_name() {
            "totalCount" => Ok(leaf(usize::from(!rules.is_empty()))),
            "nodes" => Ok(ResolvedValue::list(
                (!rules.is_empty()).then(|| ResolvedValue::object(Rule(self.0))),
            )),
            _ => Err(unknown(info, "RepositoryRuleConnection")),
        }
    }
}

struct Rule<'a>(&'a [String]);

impl ObjectValue for Rule<'_> {
    fn type_name(&self) -> &str {
        "RepositoryRule"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "type" => Ok(leaf("REQUIRED_STATUS_CHECKS")),
            "parameters" => Ok(ResolvedValue::object(RequiredChecks(self.0))),
            _ => Err(unknown(info, "RepositoryRule")),
        }
    }
}

struct RequiredChecks<'a>(&'a [String]);

impl ObjectValue for RequiredChecks<'_> {
    fn type_name(&self) -> &str {
        "RequiredStatusChecksParameters"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "requiredStatusChecks" => Ok(ResolvedValue::list(
                self.0.iter().map(|c| ResolvedValue::object(CheckConfig(c))),
            )),
            _ => Err(unknown(info, "RequiredStatusChecksParameters")),
        }
    }
}

struct CheckConfig<'a>(&'a str);

impl ObjectValue for CheckConfig<'_> {
    fn type_name(&self) -> &str {
        "StatusCheckConfiguration"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "context" => Ok(leaf(self.0)),
            _ => Err(unknown(info, "StatusCheckConfiguration")),
        }
    }
}

/// A commit whose files are those stored under `oid`.
struct Commit<'a>(&'a State, String);

/// What `path` is at `git_ref`: a stored entry, or a directory other paths sit in.
fn entry_at(s: &State, git_ref: &str, path: &str) -> Option<Entry> {
    if let Some(e) = s.files.get(&(git_ref.to_string(), path.to_string())) {
        return Some(e.clone());
    }
    let prefix = format!("{path}/");
    s.files
        .keys()
        .any(|(r, p)| r == git_ref && p.starts_with(&prefix))
        .then_some(Entry::Dir)
}

impl ObjectValue for Commit<'_> {
    fn type_name(&self) -> &str {
        "Commit"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let (s, oid) = (self.0, &self.1);
        match info.field_name() {
            "oid" => Ok(leaf(oid)),
            "file" => {
                let path = arg_str(info, "path").unwrap_or_default().trim_matches('/').to_string();
                Ok(ResolvedValue::nullable_object(
                    entry_at(s, oid, &path).map(|e| TreeEntry(s, oid.clone(), path, e)),
                ))
            }
            "tree" => Ok(ResolvedValue::object(Tree(s, oid.clone(), String::new()))),
            "statusCheckRollup" => Ok(checks::rollup(s, oid).unwrap_or(ResolvedValue::null())),
            "deployments" => Ok(checks::deployments(s, oid, info)),
            // The pull requests whose head this commit is.
            "associatedPullRequests" => Ok(ResolvedValue::object(PullList(
                s,
                s.pulls()
                    .filter(|p| p.head_sha == *oid || p.earlier_heads.contains(oid))
                    .collect(),
            ))),
            _ => Err(unknown(info, "Commit")),
        }
    }
}

struct TreeEntry<'a>(&'a State, String, String, Entry);

impl ObjectValue for TreeEntry<'_> {
    fn type_name(&self) -> &str {
        "TreeEntry"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let (s, git_ref, path, entry) = (self.0, &self.1, &self.2, &self.3);
        match info.field_name() {
            "name" => Ok(leaf(path.rsplit('/').next().unwrap_or(path))),
            "path" => Ok(leaf(path)),
            "type" => Ok(leaf(match entry {
                Entry::Dir => "tree",
                _ => "blob",
            })),
            "mode" => Ok(leaf(match entry {
                Entry::Dir => 0o040000,
                Entry::Symlink(_) => 0o120000,
                Entry::File(_) => 0o100644,
            })),
            "size" => Ok(leaf(match entry {
                Entry::File(b) => b.len(),
                Entry::Symlink(t) => t.len(),
                Entry::Dir => 0,
            })),
            "object" => Ok(match entry {
                Entry::Dir => ResolvedValue::object(Tree(s, git_ref.clone(), path.clone())),
                Entry::File(bytes) => ResolvedValue::object(Blob(bytes.clone())),
                Entry::Symlink(target) => ResolvedValue::object(Blob(target.as_bytes().to_vec())),
            }),
            _ => Err(unknown(info, "TreeEntry")),
        }
    }
}

struct Blob(Vec<u8>);

impl ObjectValue for Blob {
    fn type_name(&self) -> &str {
        "Blob"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let text = std::str::from_utf8(&self.0).ok().filter(|t| !t.contains('\0'));
        match info.field_name() {
            "oid" => Ok(leaf(blob_sha(&self.0))),
            "byteSize" => Ok(leaf(self.0.len())),
            "isBinary" => Ok(leaf(text.is_none())),
            "isTruncated" => Ok(leaf(self.0.len() > TEXT_LIMIT)),
            "text" => Ok(leaf(text.map(|t| {
                let mut end = t.len().min(TEXT_LIMIT);
                while !t.is_char_boundary(end) {
                    end -= 1;
                }
                &t[..end]
            }))),
            _ => Err(unknown(info, "Blob")),
        }
    }
}

struct Tree<'a>(&'a State, String, String);

impl ObjectValue for Tree<'_> {
    fn type_name(&self) -> &str {
        "Tree"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        let (s, git_ref, dir) = (self.0, &self.1, &self.2);
        match info.field_name() {
            "oid" => Ok(leaf(tree_sha(git_ref, dir))),
            "entries" => {
                let prefix = if dir.is_empty() {
                    String::new()
                } else {
                    format!("{dir}/")
                };
                let mut names: Vec<String> = s
                    .files
                    .keys()
                    .filter(|(r, p)| r == git_ref && p.starts_with(&prefix))
                    .filter_map(|(_, p)| p[prefix.len()..].split('/').next().map(str::to_string))
                    .filter(|n| !n.is_empty())
                    .collect();
                names.sort();
                names.dedup();
                Ok(ResolvedValue::list(names.into_iter().map(move |name| {
                    let full = format!("{prefix}{name}");
                    let entry = entry_at(s, git_ref, &full).unwrap_or(Entry::Dir);
                    ResolvedValue::object(TreeEntry(s, git_ref.clone(), full, entry))
                })))
            }
            _ => Err(unknown(info, "Tree")),
        }
    }
}

impl Default for Rules {
    fn default() -> Rules {
        Rules::Required(vec!["checkgate".to_string()])
    }
}

struct PullList<'a>(&'a State, Vec<&'a Pull>);

impl ObjectValue for PullList<'_> {
    fn type_name(&self) -> &str {
        "PullRequestConnection"
    }
    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "totalCount" => Ok(leaf(self.1.len())),
            "nodes" => Ok(ResolvedValue::list(
                self.1.iter().map(|p| ResolvedValue::object(PullRequest(self.0, p))),
            )),
            _ => Err(unknown(info, "PullRequestConnection")),
        }
    }
}
