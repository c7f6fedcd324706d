//! The evidence keys of a `[[checklist.require]]` (`checks`, `changed`,
//! `deployed`, `labels` with `labeled-by`): what GitHub must show about the
//! pull request's head commit before a ticked box counts.
//!
//! A child of `policy` so that it validates with the same [`Validator`]
//! (every problem at once, each at `file:line:column`); what the keys mean
//! when judged lives in [`crate::evidence`].

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::Globs;
use super::names::valid_author;
use super::validate::Validator;

/// The keys of a requirement that ask GitHub whether a tick is true.
#[derive(Debug, Clone, Default)]
pub struct EvidenceKeys {
    /// Check runs (any app) and commit status contexts, by exact name, that
    /// must have concluded `success` on the head commit.
    pub checks: Vec<String>,
    /// The pull request must change a file matching one of these.
    pub changed: Option<Globs>,
    /// Environments with a successful deployment of the head commit.
    pub deployed: Vec<String>,
    /// Labels the pull request must carry.
    pub labels: Vec<String>,
    /// Who may have added each of `labels` (logins, `name[bot]`, `@org/team`);
    /// empty means anyone.
    pub labeled_by: Vec<String>,
}

/// The evidence keys, as written in the policy.
pub const EVIDENCE_KEYS: &[&str] = &["checks", "changed", "deployed", "labels", "labeled-by"];

/// The gate's own check run: never evidence of anything.
const OWN_CHECK: &str = "checkgate";

impl EvidenceKeys {
    /// Whether judging these needs GitHub (everything but `changed`).
    pub fn needs_github(&self) -> bool {
        !self.checks.is_empty() || !self.deployed.is_empty() || !self.labels.is_empty()
    }

    /// The keys as a maintainer wrote them, e.g. `checks: test, lint; changed: CHANGELOG.md`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.checks.is_empty() {
            parts.push(format!("checks: {}", self.checks.join(", ")));
        }
        if let Some(globs) = &self.changed {
            parts.push(format!("changed: {}", globs.patterns.join(", ")));
        }
        if !self.deployed.is_empty() {
            parts.push(format!("deployed: {}", self.deployed.join(", ")));
        }
        if !self.labels.is_empty() {
            parts.push(format!("labels: {}", self.labels.join(", ")));
        }
        if !self.labeled_by.is_empty() {
            parts.push(format!("labeled-by: {}", self.labeled_by.join(", ")));
        }
        parts.join("; ")
    }
}

impl Validator<'_> {
    /// A list of names, each given once.
    fn names(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<Vec<String>> {
        let list = self.string_array(key, value)?;
        let mut out: Vec<String> = Vec::new();
        let mut ok = true;
        for entry in &list {
            let name = entry.get_ref().trim();
            if out.iter().any(|seen| seen == name) {
                self.error(entry.span(), format!("`{key}` names \"{name}\" twice"));
                ok = false;
            } else {
                out.push(name.to_string());
            }
        }
        ok.then_some(out)
    }

    /// The evidence keys of a requirement table: `Ok(None)` when it has
    /// none, `Err(())` when one is wrong (already reported).
    pub(super) fn evidence_keys(&mut self, table: &DeTable) -> Result<Option<EvidenceKeys>, ()> {
        let get = |name: &str| -> Option<&Spanned<DeValue>> { table.get(name) };
        if EVIDENCE_KEYS.iter().all(|k| get(k).is_none()) {
            return Ok(None);
        }
        let mut ok = true;
        let mut keys = EvidenceKeys::default();
        if let Some(v) = get("checks") {
            match self.names("checks", v) {
                Some(names) => {
                    if names.iter().any(|n| n == OWN_CHECK) {
                        self.error(
                            v.span(),
                            format!(
                                "`checks` cannot name `{OWN_CHECK}`: that is this gate's own check run, not evidence"
                            ),
                        );
                        ok = false;
                    }
                    keys.checks = names;
                }
                None => ok = false,
            }
        }
        if let Some(v) = get("changed") {
            keys.changed = self.globs("changed", v);
            ok &= keys.changed.is_some();
        }
        if let Some(v) = get("deployed") {
            match self.names("deployed", v) {
                Some(names) => keys.deployed = names,
                None => ok = false,
            }
        }
        if let Some(v) = get("labels") {
            match self.names("labels", v) {
                Some(names) => keys.labels = names,
                None => ok = false,
            }
        }
        if let Some(v) = get("labeled-by") {
            if get("labels").is_none() {
                self.error(
                    v.span(),
                    "`labeled-by` needs `labels`: it says who may have added them".to_string(),
                );
                ok = false;
            }
            match self.names("labeled-by", v) {
                Some(names) => {
                    let list = self.string_array("labeled-by", v).unwrap_or_default();
                    for entry in &list {
                        if !valid_author(entry.get_ref().trim()) {
                            self.error(
                                entry.span(),
                                format!(
                                    "`labeled-by` entry \"{}\" is not a GitHub login, `name[bot]` or `@org/team`",
                                    entry.get_ref()
                                ),
                            );
                            ok = false;
                        }
                    }
                    keys.labeled_by = names;
                }
                None => ok = false,
            }
        }
        if ok { Ok(Some(keys)) } else { Err(()) }
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::{Level, Policy, PolicyError};

    fn errors(rules: &str) -> Vec<String> {
        match Policy::parse(
            "p.toml",
            &format!("[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\n{rules}"),
        ) {
            Ok(_) => panic!("expected errors"),
            Err(PolicyError::Invalid(d)) => d.iter().map(ToString::to_string).collect(),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn the_four_keys_parse_and_describe_themselves() {
        let p = Policy::parse(
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"Testing\"\nchecks = [\"test\", \"lint\"]\n\
             changed = [\"CHANGELOG.md\"]\ndeployed = [\"staging\"]\nlabels = [\"qa-passed\"]\nlabeled-by = [\"@acme/qa\", \"alice\"]\n",
        )
        .unwrap();
        let keys = p.checklists[0].requires[0].evidence.as_ref().expect("evidence keys");
        assert_eq!(keys.checks, ["test", "lint"]);
        assert_eq!(keys.deployed, ["staging"]);
        assert_eq!(keys.labeled_by, ["@acme/qa", "alice"]);
        assert!(keys.needs_github());
        assert_eq!(
            keys.describe(),
            "checks: test, lint; changed: CHANGELOG.md; deployed: staging; labels: qa-passed; labeled-by: @acme/qa, alice"
        );
        assert_eq!(
            p.action.evidence_untrusted,
            Some(Level::Deny),
            "untrusted evidence is denied by default"
        );
        let p = Policy::parse(
            "p.toml",
            "[action]\nevidence-untrusted = \"off\"\n[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nitem = \"Changelog\"\nchanged = [\"CHANGELOG.md\"]\n",
        )
        .unwrap();
        assert_eq!(p.action.evidence_untrusted, None);
        let keys = p.checklists[0].requires[0].evidence.as_ref().unwrap();
        assert!(!keys.needs_github(), "`changed` is judged from the changed files alone");
        assert!(p.checklists[0].requires[0].rule().ends_with("item: Changelog"));
    }

    #[test]
    fn a_requirement_without_evidence_keys_has_none() {
        let p = Policy::parse(
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\n",
        )
        .unwrap();
        assert!(p.checklists[0].requires[0].evidence.is_none());
    }

    #[test]
    fn bad_evidence_keys_are_errors_at_their_place() {
        assert_eq!(
            errors("all = true\nchecks = []\n"),
            ["p.toml:5:10: `checks` must list at least one entry"]
        );
        assert_eq!(
            errors("all = true\nchecks = \"test\"\n"),
            ["p.toml:5:10: `checks` must be an array of strings, found a string"]
        );
        assert_eq!(
            errors("all = true\nchecks = [\"test\", \"test\"]\n"),
            ["p.toml:5:19: `checks` names \"test\" twice"]
        );
        assert_eq!(
            errors("all = true\nchecks = [\"checkgate\"]\n"),
            ["p.toml:5:10: `checks` cannot name `checkgate`: that is this gate's own check run, not evidence"]
        );
        assert_eq!(
            errors("all = true\nchanged = [\"/CHANGELOG.md\"]\n"),
            [
                "p.toml:5:12: `changed` glob \"/CHANGELOG.md\" can never match: it is absolute, and changed paths are relative to the repository root"
            ]
        );
        assert_eq!(
            errors("all = true\ndeployed = [\"\"]\n"),
            ["p.toml:5:13: `deployed` entries must not be empty"]
        );
        assert_eq!(
            errors("all = true\nlabeled-by = [\"@acme/qa\"]\n"),
            ["p.toml:5:14: `labeled-by` needs `labels`: it says who may have added them"]
        );
        assert_eq!(
            errors("all = true\nlabels = [\"qa\"]\nlabeled-by = [\"not a login\"]\n"),
            ["p.toml:6:15: `labeled-by` entry \"not a login\" is not a GitHub login, `name[bot]` or `@org/team`"]
        );
        assert_eq!(
            errors("all = true\nlabels = 3\n"),
            ["p.toml:5:10: `labels` must be an array of strings, found an integer"]
        );
    }

    #[test]
    fn evidence_untrusted_takes_a_level_or_off() {
        let errs = match Policy::parse(
            "p.toml",
            "[action]\nevidence-untrusted = \"never\"\n[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\n",
        ) {
            Err(PolicyError::Invalid(d)) => d.iter().map(ToString::to_string).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            errs,
            ["p.toml:2:22: `evidence-untrusted` must be \"deny\", \"warn\" or \"off\", found \"never\""]
        );
    }
}
