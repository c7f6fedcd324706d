//! The policy file's format as plain serde types, for its JSON Schema.
//!
//! [`crate::policy`] validates a policy by walking the TOML tree itself so it
//! can report every problem at once; these types say the same thing
//! declaratively, and `checkgate.schema.json` (what taplo / Even Better TOML
//! read through a `#:schema` directive for completion and hover docs) is
//! derived from them with schemars. Their doc comments become the schema's
//! descriptions. Tests keep them from drifting apart from the validator: the
//! schema's keys must equal the validator's key lists, every example policy
//! must deserialise into [`PolicyFile`] (`deny_unknown_fields`) and validate
//! against the schema, and the committed schema must equal a fresh one.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;

/// A checkgate policy: which checklists gate a pull request and what they
/// require. Usually `.github/checkgate.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "checkgate policy")]
pub struct PolicyFile {
    /// Policy format version. Optional; only 1 exists.
    #[schemars(range(min = 1, max = 1))]
    pub version: Option<u32>,
    /// How `checkgate action` treats what the pull request controls besides
    /// its checklists.
    pub action: Option<ActionTable>,
    /// One `[[checklist]]` per checklist to gate. At least one is required.
    #[schemars(length(min = 1))]
    pub checklist: Vec<ChecklistTable>,
    /// `[[skip]]` tables: a pull request any one of them matches is not
    /// judged; its check run concludes `skipped`. Only what GitHub says of
    /// the pull request counts, never its files or description.
    pub skip: Option<Vec<SkipTable>>,
}

/// One `[[skip]]`: every key it sets must hold (AND); at least one of
/// `authors`, `draft`, `labels`, `base` or `head` is required.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SkipTable {
    /// Who opened the pull request: logins, `name[bot]` apps and `@org/team` teams.
    #[schemars(length(min = 1))]
    pub authors: Option<Vec<String>>,
    /// `true`: the pull request is a draft (it is judged again once ready for review).
    pub draft: Option<bool>,
    /// The pull request carries every one of these labels.
    #[schemars(length(min = 1))]
    pub labels: Option<Vec<String>>,
    /// With `labels`: each label's newest `labeled` event was made by one of
    /// these logins, apps or `@org/team` teams.
    #[schemars(length(min = 1))]
    pub labeled_by: Option<Vec<String>>,
    /// Base branch globs (`release/**`), without `refs/heads/`.
    #[schemars(length(min = 1))]
    pub base: Option<Vec<String>>,
    /// Head branch globs (`hotfix/**`), without `refs/heads/`.
    #[schemars(length(min = 1))]
    pub head: Option<Vec<String>>,
    /// Why: the check run's title becomes `skipped: <reason>`.
    pub reason: Option<String>,
}

/// `deny` fails the gate, `warn` reports without failing, `off` disables.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LevelOrOff {
    Deny,
    Warn,
    Off,
}

/// `deny` fails the gate; `warn` is reported but never fails it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RuleLevel {
    Deny,
    Warn,
}

/// The `[action]` table.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ActionTable {
    /// Level of the `workflow-changed` finding: a `pull_request` run whose
    /// pull request changes a workflow or a local action. Default "deny".
    pub workflow_changed: Option<LevelOrOff>,
    /// A failing gate's check run concludes `neutral` instead of `failure`.
    /// Default false.
    pub report_only: Option<bool>,
    /// Level of the `evidence-untrusted` finding: a `checks` entry satisfied
    /// by a check run whose GitHub Actions workflow file the pull request
    /// changes. Default "deny".
    pub evidence_untrusted: Option<LevelOrOff>,
}

/// Where a checklist's markdown comes from.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// The file at `path`.
    File,
    /// The pull request's description.
    PrBody,
    /// The task items in the pull request's conversation comments by `authors`.
    PrComments,
}

/// A template file, `true` for the repository's pull request template (the
/// default), or `false` for none.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Template {
    Path(String),
    Switch(bool),
}

fn only_true(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "boolean", "const": true})
}

/// One `[[checklist]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ChecklistTable {
    /// The checklist file, relative to the repository root (a plain path: no
    /// `..`, `./`, leading `/` or backslash). Required unless `source` is
    /// "pr-body" or "pr-comments".
    pub path: Option<String>,
    /// "file" (default), "pr-body" (the pull request description) or
    /// "pr-comments" (task items in conversation comments by `authors`).
    pub source: Option<SourceKind>,
    /// With `source = "pr-comments"` (required there): whose comments count —
    /// logins, `name[bot]` apps, `@org/team` teams, and `role:write`,
    /// `role:maintain` or `role:admin` (from each comment's author
    /// association).
    #[schemars(length(min = 1))]
    pub authors: Option<Vec<String>>,
    /// Apply this checklist only when the pull request changes a file
    /// matching one of these globs.
    #[schemars(length(min = 1))]
    pub when_changed: Option<Vec<String>>,
    /// Level of the tamper checks: a required item or section present at the
    /// base but deleted, reworded or emptied. Default "deny".
    pub tamper: Option<LevelOrOff>,
    /// Level for items checked at the base and unchecked in the pull
    /// request. Default "warn".
    pub untick: Option<LevelOrOff>,
    /// A checklist with no task items at all passes with a note; its rules
    /// are skipped. Default false (an `all` rule over no items fails).
    pub allow_empty: Option<bool>,
    /// The rules this checklist must satisfy.
    pub require: Option<Vec<RequireTable>>,
    /// Level for required items the base branch gained after the pull
    /// request branched off. Default "deny".
    pub stale: Option<LevelOrOff>,
    /// With `source = "pr-body"`: the description's baseline for the tamper
    /// checks: a file, `true` for the repository's pull request template
    /// (the default), `false` for none.
    pub template: Option<Template>,
    /// Level of `parent-ticked-children-open`: a ticked item whose sub-items
    /// are open. Default "warn".
    pub nesting: Option<LevelOrOff>,
    /// "required" (default): a waiver needs a reason (`~~item~~ N/A: why`).
    /// "optional": a struck-out item, with or without `N/A` or a reason, is
    /// not applicable.
    pub waiver_reason: Option<WaiverReasonKind>,
}

/// Whether a waiver must give a reason.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WaiverReasonKind {
    Required,
    Optional,
}

/// A number of items, or a whole percentage of the items the rule counts
/// (`"80%"`, rounded up).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Bound {
    Items(u32),
    Percent(String),
}

fn min_bound(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"anyOf": [
        {"type": "integer", "minimum": 1},
        {"type": "string", "pattern": "^(100|[1-9][0-9]?)%$"}
    ]})
}

fn max_bound(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"anyOf": [
        {"type": "integer", "minimum": 0},
        {"type": "string", "pattern": "^(100|[1-9]?[0-9])%$"}
    ]})
}

/// One `[[checklist.require]]`: exactly one of `all`, `section`, `item` or
/// `item-regex` (`item`/`item-regex` may add `section` to look inside it).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RequireTable {
    /// Every task item of the checklist must be checked.
    #[serde(default)]
    #[schemars(schema_with = "only_true")]
    pub all: Option<bool>,
    /// With `all` or `section`: items whose plain text matches any of these
    /// regexes are optional for this rule (listed as optional in reports).
    #[schemars(length(min = 1))]
    pub except: Option<Vec<String>>,
    /// A section by heading (`A > B` for a heading path): every item in it
    /// and its subsections must be checked. With `item`/`item-regex`: where
    /// to look.
    pub section: Option<String>,
    /// An item that must exist and be checked.
    pub item: Option<String>,
    /// Every item whose plain text matches this regex must be checked; at
    /// least one must exist.
    pub item_regex: Option<String>,
    /// With `all` or `section`: at least this many items checked (at least
    /// 1), or this share of them (`"80%"`, rounded up), instead of all.
    #[serde(default)]
    #[schemars(schema_with = "min_bound")]
    pub min_checked: Option<Bound>,
    /// With `all` or `section`: at most this many items checked, or this
    /// share of them (with `min-checked`, a range; equal values make a
    /// radio group; 0 means none may be checked).
    #[serde(default)]
    #[schemars(schema_with = "max_bound")]
    pub max_checked: Option<Bound>,
    /// "deny" (default) fails the gate; "warn" only reports.
    pub level: Option<RuleLevel>,
    /// Apply this rule only when the pull request changes a matching file.
    #[schemars(length(min = 1))]
    pub when_changed: Option<Vec<String>>,
    /// Users or `@org/team`s: only an approving review from one of them
    /// satisfies this rule, never a ticked box.
    #[schemars(length(min = 1))]
    pub approved_by: Option<Vec<String>>,
    /// `false`: a waived item (`~~text~~ N/A: why`) counts as open. Default true.
    pub waivable: Option<bool>,
    /// Shown under the failing rule in every report, e.g. who to ask.
    pub help: Option<String>,
    /// With `all` or `section`: items in these sections (selectors as for
    /// `section`) and their subsections are optional for this rule.
    #[schemars(length(min = 1))]
    pub except_sections: Option<Vec<String>>,
    /// An item whose text still holds a placeholder (`placeholders`, by
    /// default `___`, `[FILL IN]` and `TBD` in any case) is open.
    #[serde(default)]
    #[schemars(schema_with = "only_true")]
    pub filled: Option<bool>,
    /// With `filled = true`: regexes for an unfilled placeholder, instead
    /// of the defaults.
    #[schemars(length(min = 1))]
    pub placeholders: Option<Vec<String>>,
    /// Evidence: a ticked item counts only when every named check run (any
    /// app) and commit status context concluded `success` on the pull
    /// request's head commit (the newest run of each name).
    #[schemars(length(min = 1))]
    pub checks: Option<Vec<String>>,
    /// Evidence: a ticked item counts only when the pull request changes a
    /// file matching one of these globs.
    #[schemars(length(min = 1))]
    pub changed: Option<Vec<String>>,
    /// Evidence: a ticked item counts only when each named environment has
    /// a deployment of the head commit whose latest status is `success`.
    #[schemars(length(min = 1))]
    pub deployed: Option<Vec<String>>,
    /// Evidence: a ticked item counts only when the pull request carries
    /// every named label.
    #[schemars(length(min = 1))]
    pub labels: Option<Vec<String>>,
    /// With `labels`: the newest `labeled` event of each label must be by
    /// one of these (logins, `name[bot]` apps, `@org/team` teams).
    #[schemars(length(min = 1))]
    pub labeled_by: Option<Vec<String>>,
}

/// The policy's JSON Schema, as committed in `checkgate.schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(PolicyFile);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy;

    /// The property names of a table in the schema.
    fn keys(schema: &serde_json::Value, def: Option<&str>) -> Vec<String> {
        let node = match def {
            Some(name) => &schema["$defs"][name],
            None => schema,
        };
        let mut keys: Vec<String> = node["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    fn sorted(list: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn schema_keys_are_the_validators_keys() {
        let schema: serde_json::Value = serde_json::from_str(&schema_json()).unwrap();
        assert_eq!(keys(&schema, None), sorted(policy::TOP_KEYS));
        assert_eq!(keys(&schema, Some("ActionTable")), sorted(policy::ACTION_KEYS));
        assert_eq!(keys(&schema, Some("ChecklistTable")), sorted(policy::CHECKLIST_KEYS));
        assert_eq!(keys(&schema, Some("RequireTable")), sorted(policy::REQUIRE_KEYS));
        assert_eq!(keys(&schema, Some("SkipTable")), sorted(policy::SKIP_KEYS));
    }
}
