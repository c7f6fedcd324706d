//! `checkgate.toml` → a validated [`Policy`].
//!
//! Two phases, as cargo-deny does: the TOML is parsed into a spanned document
//! tree, then the validator (`policy/validate.rs`) walks it by hand and turns it into a [`Policy`]
//! with compiled regexes and globs and normalised selectors. Walking the tree
//! ourselves, rather than deriving `Deserialize`, lets us report **every**
//! problem at once — unknown keys, wrong types, bad regexes, empty selectors —
//! each with `file:line:column` and the key it concerns. A serde derive stops
//! at the first error.
//!
//! Each child owns one part of that: `model` the validated types,
//! `diagnostic` the problems and their places, `names` which paths, globs
//! and accounts are accepted, `validate` the validator and the typed
//! values it reads, `tables` the document's tables, `require` one
//! requirement and `evidence` its evidence keys.

use std::path::Path;

use toml::de::DeTable;

use crate::input::Bounded;

mod diagnostic;
mod evidence;
mod model;
mod names;
mod require;
mod tables;
mod validate;

pub use diagnostic::{Diagnostic, Location, PolicyError};
pub use evidence::{EVIDENCE_KEYS, EvidenceKeys};
pub use model::{
    ActionPolicy, ChecklistPolicy, Count, Globs, Level, Policy, Requirement, SectionSelector, Selector, Skip, Source,
    Template, WaiverReason,
};
pub use names::{ROLES, glob_problem, path_problem, role_allows};
pub use require::DEFAULT_PLACEHOLDERS;
use validate::Validator;

/// The policy path used when `--policy` is not given.
pub const DEFAULT_PATH: &str = ".github/checkgate.toml";

/// Largest policy file read; real ones are a few kilobytes.
pub const MAX_BYTES: u64 = 1024 * 1024;

pub const TOP_KEYS: &[&str] = &["version", "action", "checklist", "skip"];
pub const SKIP_KEYS: &[&str] = &["authors", "draft", "labels", "labeled-by", "base", "head", "reason"];
pub const ACTION_KEYS: &[&str] = &["workflow-changed", "report-only", "evidence-untrusted"];
pub const CHECKLIST_KEYS: &[&str] = &[
    "path",
    "source",
    "authors",
    "when-changed",
    "tamper",
    "untick",
    "allow-empty",
    "require",
    "stale",
    "template",
    "nesting",
    "waiver-reason",
];
pub const REQUIRE_KEYS: &[&str] = &[
    "all",
    "except",
    "section",
    "item",
    "item-regex",
    "min-checked",
    "max-checked",
    "level",
    "when-changed",
    "approved-by",
    "waivable",
    "help",
    "except-sections",
    "filled",
    "placeholders",
    "checks",
    "changed",
    "deployed",
    "labels",
    "labeled-by",
];

impl Policy {
    /// Read and validate a policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let shown = path.display().to_string();
        let io = |kind, message: String| PolicyError::Read {
            path: shown.clone(),
            source: std::io::Error::new(kind, message),
        };
        let bytes = match crate::input::read_bounded(path, MAX_BYTES) {
            Ok(b) => b,
            Err(Bounded::Io(source)) => {
                return Err(PolicyError::Read {
                    path: shown.clone(),
                    source,
                });
            }
            Err(Bounded::NotFound) => return Err(io(std::io::ErrorKind::NotFound, "no such file".into())),
            Err(Bounded::IsDirectory) => return Err(io(std::io::ErrorKind::Other, "is a directory".into())),
            Err(Bounded::NotRegular) => {
                return Err(io(
                    std::io::ErrorKind::Other,
                    "not a regular file (a device, FIFO or socket)".into(),
                ));
            }
            Err(Bounded::TooLarge(size)) => {
                return Err(io(
                    std::io::ErrorKind::Other,
                    format!("{size} bytes is over the {MAX_BYTES}-byte policy limit"),
                ));
            }
        };
        let text = String::from_utf8(bytes).map_err(|_| PolicyError::NotUtf8 { path: shown.clone() })?;
        Policy::parse(&shown, &text)
    }

    /// Validate policy text; `file` names it in messages.
    pub fn parse(file: &str, text: &str) -> Result<Policy, PolicyError> {
        let mut v = Validator {
            file,
            text,
            diags: Vec::new(),
            no_requirements: None,
        };
        let (doc, errors) = DeTable::parse_recoverable(text);
        if !errors.is_empty() {
            for e in errors {
                let at = e.span().map_or(0, |s| s.start);
                v.error(at..at, format!("invalid TOML: {}", e.message().trim_end()));
            }
            return Err(v.finish());
        }
        let policy = v.policy(doc.get_ref());
        // Only once everything else is right: an unedited `init` policy is
        // valid TOML that would pass every pull request.
        if v.diags.is_empty()
            && let Some(span) = v.no_requirements.take()
        {
            v.error(
                span,
                "no [[checklist.require]] in this policy, so it would pass every pull request; \
                 uncomment a requirement `checkgate init` wrote, or add one (e.g. `all = true`)"
                    .to_string(),
            );
        }
        match policy {
            Some(p) if v.diags.is_empty() => Ok(p),
            _ => Err(v.finish()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn errors(text: &str) -> Vec<String> {
        match Policy::parse("p.toml", text) {
            Ok(_) => panic!("expected errors"),
            Err(PolicyError::Invalid(d)) => d.iter().map(ToString::to_string).collect(),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn full_policy_parses() {
        let p = Policy::parse(
            "p.toml",
            r#"
version = 1
[[checklist]]
path = "docs/READY.md"
[[checklist.require]]
section = "Go-Live Criteria > Must Have"
[[checklist.require]]
section = "Security Review"
min-checked = 2
[[checklist.require]]
item = "Rollback plan tested"
[[checklist.require]]
item-regex = "(?i)backup .* tested"
level = "warn"
"#,
        )
        .unwrap();
        let reqs = &p.checklists[0].requires;
        assert_eq!(reqs.len(), 4);
        assert_eq!(reqs[0].rule(), "section: Go-Live Criteria > Must Have");
        assert_eq!(reqs[1].min_checked, Some(Count::Items(2)));
        assert_eq!(reqs[3].level, Level::Warn);
        assert_eq!(reqs[0].at.line, 5);
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let errs = errors(
            r#"[[checklist]]
path = "a.md"
colour = "red"
[[checklist.require]]
section = ""
[[checklist.require]]
item-regex = "(unclosed"
[[checklist.require]]
section = "S"
min-checked = "two"
"#,
        );
        assert_eq!(errs.len(), 4, "{errs:#?}");
        assert!(errs[0].starts_with("p.toml:3:1: unknown key `colour` in [[checklist]]"));
        assert_eq!(errs[1], "p.toml:5:11: `section` must not be empty");
        assert!(
            errs[2].starts_with("p.toml:7:14: `item-regex` is not a valid regex"),
            "{}",
            errs[2]
        );
        assert_eq!(
            errs[3],
            "p.toml:10:15: `min-checked` must be an integer or a whole percentage such as \"80%\", found \"two\""
        );
    }
}
