//! The policy document's tables (the top level, `[action]`, `[[skip]]` and
//! `[[checklist]]`) walked into a [`Policy`].

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::names::branch_glob_problem;
use super::validate::Validator;
use super::{
    ACTION_KEYS, ActionPolicy, CHECKLIST_KEYS, ChecklistPolicy, Level, Policy, SKIP_KEYS, Skip, Source, TOP_KEYS,
    Template, WaiverReason,
};

impl Validator<'_> {
    pub(super) fn policy(&mut self, doc: &DeTable) -> Option<Policy> {
        self.unknown_keys(doc, TOP_KEYS, "the policy");
        if let Some(v) = doc.get("version") {
            match v.get_ref() {
                DeValue::Integer(i) if i.as_str() == "1" => {}
                DeValue::Integer(i) => {
                    self.error(
                        v.span(),
                        format!("unsupported policy `version` {i}; this checkgate understands version 1"),
                    );
                }
                _ => self.wrong_type("version", v, "an integer"),
            }
        }
        let mut checklists = Vec::new();
        match doc.get("checklist") {
            Some(value) => {
                let tables = self.table_array("checklist", value);
                // Counted on the raw tables, so a requirement with an error
                // of its own does not also trigger this one.
                let has_require = tables.iter().any(|t| match t.get_ref() {
                    DeValue::Table(t) => t.get("require").is_some(),
                    _ => false,
                });
                if !has_require {
                    self.no_requirements = tables.first().map(|t| t.span());
                }
                for table in tables {
                    if let Some(c) = self.checklist(table) {
                        checklists.push(c);
                    }
                }
            }
            None => self.error(
                0..0,
                "policy has no [[checklist]]; add one with a `path` to the checklist to gate".to_string(),
            ),
        }
        let action = match doc.get("action") {
            Some(value) => self.action(value),
            None => ActionPolicy::default(),
        };
        let mut skips = Vec::new();
        if let Some(value) = doc.get("skip") {
            for table in self.table_array("skip", value) {
                skips.extend(self.skip(table));
            }
        }
        Some(Policy {
            file: self.file.to_string(),
            checklists,
            action,
            skips,
        })
    }

    fn skip(&mut self, value: &Spanned<DeValue>) -> Option<Skip> {
        let DeValue::Table(table) = value.get_ref() else {
            return None;
        };
        let at = self.loc(value.span());
        self.unknown_keys(table, SKIP_KEYS, "[[skip]]");
        let errors = self.diags.len();
        let get = |name: &str| -> Option<&Spanned<DeValue>> { table.get(name) };
        let authors = get("authors").map(|v| self.accounts("authors", v));
        let draft = match get("draft").map(|v| (v, v.get_ref())) {
            None => None,
            Some((_, DeValue::Boolean(b))) => Some(*b),
            Some((v, _)) => {
                self.wrong_type("draft", v, "a boolean");
                None
            }
        };
        let labels = get("labels").map(|v| self.string_array("labels", v));
        let labeled_by = get("labeled-by").map(|v| self.accounts("labeled-by", v));
        let base = get("base").map(|v| self.globs_with("base", v, branch_glob_problem));
        let head = get("head").map(|v| self.globs_with("head", v, branch_glob_problem));
        let reason = match get("reason") {
            None => None,
            Some(v) => match self.string("reason", v) {
                Some(r) if r.trim().is_empty() => {
                    self.error(v.span(), "`reason` must not be empty".to_string());
                    None
                }
                r => r.map(|r| r.trim().to_string()),
            },
        };
        if let (Some(v), None) = (get("labeled-by"), get("labels")) {
            self.error(
                v.span(),
                "`labeled-by` needs `labels` in the same [[skip]]: it says who may have applied them".to_string(),
            );
        }
        let conditions = ["authors", "draft", "labels", "base", "head"];
        if !conditions.iter().any(|k| get(k).is_some()) {
            self.error(
                value.span(),
                "[[skip]] has no condition, so it would skip every pull request; give it `authors`, `draft`, \
                 `labels`, `base` or `head`"
                    .to_string(),
            );
        }
        if self.diags.len() > errors {
            return None;
        }
        Some(Skip {
            authors: authors.flatten().unwrap_or_default(),
            draft,
            labels: labels
                .flatten()
                .map(|l| l.into_iter().map(|s| s.into_inner().trim().to_string()).collect())
                .unwrap_or_default(),
            labeled_by: labeled_by.flatten().unwrap_or_default(),
            base: base.flatten(),
            head: head.flatten(),
            reason,
            at,
        })
    }

    fn action(&mut self, value: &Spanned<DeValue>) -> ActionPolicy {
        let mut action = ActionPolicy::default();
        let DeValue::Table(table) = value.get_ref() else {
            self.wrong_type("action", value, "a table ([action])");
            return action;
        };
        self.unknown_keys(table, ACTION_KEYS, "[action]");
        if let Some(v) = table.get("workflow-changed")
            && let Some(level) = self.level("workflow-changed", v, true)
        {
            action.workflow_changed = level;
        }
        if let Some(v) = table.get("evidence-untrusted")
            && let Some(level) = self.level("evidence-untrusted", v, true)
        {
            action.evidence_untrusted = level;
        }
        match table.get("report-only").map(|v| (v, v.get_ref())) {
            None => {}
            Some((_, DeValue::Boolean(b))) => action.report_only = *b,
            Some((v, _)) => self.wrong_type("report-only", v, "a boolean"),
        }
        action
    }

    fn checklist(&mut self, value: &Spanned<DeValue>) -> Option<ChecklistPolicy> {
        let DeValue::Table(table) = value.get_ref() else {
            return None;
        };
        let at = self.loc(value.span());
        self.unknown_keys(table, CHECKLIST_KEYS, "[[checklist]]");
        let get = |name: &str| -> Option<&Spanned<DeValue>> { table.get(name) };

        let path = get("path").and_then(|v| self.repo_path("path", v));
        let source = match get("source") {
            None => Some("file".to_string()),
            Some(v) => self.string("source", v),
        };
        let authors = get("authors").map(|v| self.authors(v));
        let source = match (source.as_deref(), path) {
            (Some("file"), Some(p)) => Some(Source::File(p)),
            (Some("file"), None) => {
                if get("path").is_none() {
                    self.error(
                        value.span(),
                        "[[checklist]] needs a `path` (or `source = \"pr-body\"` or `\"pr-comments\"`)".to_string(),
                    );
                }
                None
            }
            (Some("pr-body"), None) => Some(Source::PrBody),
            (Some("pr-comments"), None) => match &authors {
                Some(Some(list)) => Some(Source::PrComments { authors: list.clone() }),
                Some(None) => None,
                None => {
                    let span = get("source").map_or(value.span(), Spanned::span);
                    self.error(
                        span,
                        "`source = \"pr-comments\"` needs `authors`: the logins, `@org/team`s or `name[bot]`s whose comments count (anyone can post a comment full of ticked boxes)".to_string(),
                    );
                    None
                }
            },
            (Some(kind @ ("pr-body" | "pr-comments")), Some(_)) => {
                let span = get("path").map_or(value.span(), Spanned::span);
                self.error(span, format!("`path` cannot be combined with `source = \"{kind}\"`"));
                None
            }
            (Some(other), _) => {
                let span = get("source").map_or(value.span(), Spanned::span);
                self.error(
                    span,
                    format!("`source` must be \"file\", \"pr-body\" or \"pr-comments\", found \"{other}\""),
                );
                None
            }
            (None, _) => None,
        };
        if let Some(v) = get("authors")
            && !matches!(source, Some(Source::PrComments { .. }))
            && source.is_some()
        {
            self.error(
                v.span(),
                "`authors` applies only to `source = \"pr-comments\"`".to_string(),
            );
        }
        let allow_empty = self.boolean("allow-empty", get("allow-empty"), false);
        let when_changed = get("when-changed").and_then(|v| self.globs("when-changed", v));
        let tamper = match get("tamper") {
            Some(v) => self.level("tamper", v, true).unwrap_or(Some(Level::Deny)),
            None => Some(Level::Deny),
        };
        let untick = match get("untick") {
            Some(v) => self.level("untick", v, true).unwrap_or(Some(Level::Warn)),
            None => Some(Level::Warn),
        };
        let stale = match get("stale") {
            Some(v) => self.level("stale", v, true).unwrap_or(Some(Level::Deny)),
            None => Some(Level::Deny),
        };
        let template = match get("template") {
            None => Template::Auto,
            Some(v) if source.as_ref().is_some_and(|s| *s != Source::PrBody) => {
                self.error(
                    v.span(),
                    "`template` applies only to `source = \"pr-body\"`: a file checklist's baseline is its own copy at the base".to_string(),
                );
                Template::Off
            }
            Some(v) => match v.get_ref() {
                DeValue::Boolean(true) => Template::Auto,
                DeValue::Boolean(false) => Template::Off,
                DeValue::String(_) => self.repo_path("template", v).map_or(Template::Off, Template::Path),
                _ => {
                    self.wrong_type("template", v, "a path or `false`");
                    Template::Off
                }
            },
        };
        let nesting = match get("nesting") {
            Some(v) => self.level("nesting", v, true).unwrap_or(Some(Level::Warn)),
            None => Some(Level::Warn),
        };
        let waiver_reason = match get("waiver-reason") {
            None => WaiverReason::Required,
            Some(v) => match self.string("waiver-reason", v).as_deref() {
                Some("required") | None => WaiverReason::Required,
                Some("optional") => WaiverReason::Optional,
                Some(other) => {
                    self.error(
                        v.span(),
                        format!("`waiver-reason` must be \"required\" or \"optional\", found \"{other}\""),
                    );
                    WaiverReason::Required
                }
            },
        };
        let mut requires = Vec::new();
        if let Some(reqs) = get("require") {
            for r in self.table_array("checklist.require", reqs) {
                if let Some(mut req) = self.requirement(r) {
                    req.waiver_reason = waiver_reason;
                    requires.push(req);
                }
            }
        }
        Some(ChecklistPolicy {
            when_changed,
            tamper,
            untick,
            stale,
            template: if source.as_ref() == Some(&Source::PrBody) {
                template
            } else {
                Template::Off
            },
            source: source?,
            allow_empty,
            nesting,
            waiver_reason,
            requires,
            at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::tests::errors;

    #[test]
    fn the_action_table_and_template_default_safely() {
        let p = Policy::parse(
            "p.toml",
            "[[checklist]]\nsource = \"pr-body\"\n[[checklist.require]]\nall = true\n[[checklist]]\npath = \"a.md\"\n",
        )
        .unwrap();
        assert_eq!(p.action, ActionPolicy::default());
        assert_eq!(p.action.workflow_changed, Some(Level::Deny));
        assert!(!p.action.report_only);
        assert_eq!(p.checklists[0].template, Template::Auto);
        assert_eq!(
            p.checklists[1].template,
            Template::Off,
            "a file checklist has no template"
        );
        assert_eq!(p.checklists[1].stale, Some(Level::Deny));
        let p = Policy::parse(
            "p.toml",
            "[action]\nworkflow-changed = \"warn\"\nreport-only = true\n[[checklist]]\nsource = \"pr-body\"\ntemplate = \"docs/T.md\"\n[[checklist.require]]\nall = true\n[[checklist]]\nsource = \"pr-body\"\ntemplate = false\n",
        )
        .unwrap();
        assert_eq!(p.action.workflow_changed, Some(Level::Warn));
        assert!(p.action.report_only);
        assert_eq!(p.checklists[0].template, Template::Path("docs/T.md".into()));
        assert_eq!(p.checklists[1].template, Template::Off);
    }

    #[test]
    fn skip_problems_are_all_reported_with_their_place() {
        let errs = errors(
            r#"[[checklist]]
path = "a.md"
[[checklist.require]]
all = true
[[skip]]
reason = "nothing to match"
[[skip]]
authors = ["dependabot[bot]", "not a login"]
draft = "yes"
colour = "red"
[[skip]]
labeled-by = ["@acme/maintainers"]
base = ["/release/**"]
[[skip]]
labels = []
reason = " "
"#,
        );
        assert_eq!(
            errs,
            [
                "p.toml:5:1: [[skip]] has no condition, so it would skip every pull request; give it `authors`, \
                 `draft`, `labels`, `base` or `head`",
                "p.toml:8:31: `authors` entry \"not a login\" is not a GitHub login, `name[bot]` or `@org/team`",
                "p.toml:9:9: `draft` must be a boolean, found a string",
                "p.toml:10:1: unknown key `colour` in [[skip]]; expected one of: authors, draft, labels, labeled-by, \
                 base, head, reason",
                "p.toml:12:14: `labeled-by` needs `labels` in the same [[skip]]: it says who may have applied them",
                "p.toml:13:9: `base` glob \"/release/**\" can never match: branch names never start or end with `/`",
                "p.toml:15:10: `labels` must list at least one entry",
                "p.toml:16:10: `reason` must not be empty",
            ]
        );
        let p = Policy::parse(
            "p.toml",
            "[[checklist]]\npath = \"a.md\"\n[[checklist.require]]\nall = true\n[skip]\ndraft = true\n",
        );
        assert_eq!(
            p.unwrap_err().to_string(),
            "p.toml:5:1: `skip` must be an array of tables: write [[skip]], not [skip]"
        );
    }
}
