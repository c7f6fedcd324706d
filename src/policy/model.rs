//! The validated policy that the rest of checkgate reads: levels,
//! selectors, counts, requirements, checklists, `[action]` and `[[skip]]`.

use std::fmt;

use globset::GlobSet;
use regex::Regex;
use serde::Serialize;

use super::{EvidenceKeys, Location};

/// How much a failing requirement matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Fails the gate (exit 1, failing check run).
    #[default]
    Deny,
    /// Reported, never fails the gate.
    Warn,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Deny => "deny",
            Level::Warn => "warn",
        }
    }
}

/// `A > B`: a section whose heading path ends with A then B.
#[derive(Debug, Clone)]
pub struct SectionSelector {
    pub raw: String,
    /// Normalised components, outermost first.
    pub keys: Vec<String>,
}

/// What a requirement is about.
#[derive(Debug, Clone)]
pub enum Selector {
    /// Every item of the checklist (`all = true`).
    All,
    /// Every item of a section (and its subsections), or `min-checked` of them.
    Section(SectionSelector),
    /// One item by its text, optionally only within a section.
    Item {
        text: String,
        key: String,
        within: Option<SectionSelector>,
    },
    /// Every item whose text matches; at least one must exist.
    ItemRegex {
        regex: Regex,
        within: Option<SectionSelector>,
    },
}

/// Glob patterns over changed file paths (`when-changed`).
#[derive(Debug, Clone)]
pub struct Globs {
    pub patterns: Vec<String>,
    pub set: GlobSet,
}

impl Globs {
    pub fn matches_any<'a>(&self, mut paths: impl Iterator<Item = &'a str>) -> bool {
        paths.any(|p| self.set.is_match(p))
    }
}

/// A `min-checked` / `max-checked` bound: a number of items, or a share of
/// the items the rule counts (`"80%"`), rounded up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Items(usize),
    /// A whole percentage, 0 to 100.
    Percent(u8),
}

impl Count {
    /// The number of items this bound stands for among `total`.
    pub fn of(self, total: usize) -> usize {
        match self {
            Count::Items(n) => n,
            // In u64, so that a share of a huge list cannot overflow on 32-bit targets.
            Count::Percent(p) => usize::try_from((total as u64 * u64::from(p)).div_ceil(100)).unwrap_or(total),
        }
    }

    pub fn is_percent(self) -> bool {
        matches!(self, Count::Percent(_))
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Count::Items(n) => write!(f, "{n}"),
            Count::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Whether a waiver (`~~item~~ N/A: why`) must give a reason
/// (`[[checklist]] waiver-reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaiverReason {
    /// A waiver without a reason leaves the item open.
    #[default]
    Required,
    /// A struck-out item (`~~item~~`, with or without `N/A`) is not
    /// applicable, reason or not.
    Optional,
}

/// One `[[checklist.require]]`.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub selector: Selector,
    pub min_checked: Option<Count>,
    /// At most this many items checked (`max-checked`; radio groups).
    pub max_checked: Option<Count>,
    /// Items whose plain text matches one of these are optional for this
    /// rule (`except`; only with `all` or `section`).
    pub except: Vec<Regex>,
    /// Items in these sections (and their subsections) are optional for
    /// this rule (`except-sections`; only with `all` or `section`), each with
    /// where it is written.
    pub except_sections: Vec<(SectionSelector, Location)>,
    /// `filled = true`: an item whose text matches one of these still holds
    /// a placeholder and is open. Empty when the rule does not ask.
    pub placeholders: Vec<Regex>,
    /// Whether a waiver needs a reason (the checklist's `waiver-reason`).
    pub waiver_reason: WaiverReason,
    pub level: Level,
    pub when_changed: Option<Globs>,
    /// Users (`alice`) and teams (`@org/team`) whose approving review satisfies it.
    pub approved_by: Vec<String>,
    /// What GitHub must show before a ticked item of this rule counts.
    pub evidence: Option<EvidenceKeys>,
    pub waivable: bool,
    pub help: Option<String>,
    /// Where the requirement starts in the policy file.
    pub at: Location,
    /// Where the selector (`section`, `item` or `item-regex`) is written.
    pub selector_at: Location,
    /// Where `min-checked` is written, for errors found during evaluation.
    pub min_checked_at: Option<Location>,
}

impl Requirement {
    /// The rule as a maintainer would recognise it, e.g. `section: Security`.
    pub fn rule(&self) -> String {
        let within = |w: &Option<SectionSelector>| match w {
            Some(s) => format!(" (in section: {})", s.raw),
            None => String::new(),
        };
        let counts = match (self.min_checked, self.max_checked) {
            (None, Some(Count::Items(0))) => " (none checked)".to_string(),
            (Some(min), Some(max)) if min == max => format!(" (exactly {min} checked)"),
            (Some(min), Some(max)) => format!(" ({min} to {max} checked)"),
            (Some(min), None) => format!(" (min-checked {min})"),
            (None, Some(max)) => format!(" (max-checked {max})"),
            (None, None) => String::new(),
        };
        match &self.selector {
            Selector::All => format!("all items{counts}"),
            Selector::Section(s) => format!("section: {}{counts}", s.raw),
            Selector::Item { text, within: w, .. } => format!("item: {text}{}", within(w)),
            Selector::ItemRegex { regex, within: w } => format!("item-regex: {}{}", regex.as_str(), within(w)),
        }
    }
}

/// Where a checklist's markdown comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file, relative to the repository root.
    File(String),
    /// The pull request's description.
    PrBody,
    /// The pull request's conversation comments written by `authors`
    /// (logins, `@org/team`, `name[bot]`).
    PrComments { authors: Vec<String> },
}

impl Source {
    /// The path shown in reports.
    pub fn display(&self) -> &str {
        match self {
            Source::File(p) => p,
            Source::PrBody => "pull request description",
            Source::PrComments { .. } => "pull request comments",
        }
    }
}

/// Where a `source = "pr-body"` checklist's baseline comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Template {
    /// The repository's pull request template at the base, found where GitHub looks.
    #[default]
    Auto,
    /// This file at the base.
    Path(String),
    /// No baseline: the description alone is judged.
    Off,
}

/// One `[[checklist]]`.
#[derive(Debug, Clone)]
pub struct ChecklistPolicy {
    pub source: Source,
    pub when_changed: Option<Globs>,
    /// Level for required items/sections deleted or reworded since the base.
    pub tamper: Option<Level>,
    /// Level for items ticked at the base and unticked at the head.
    pub untick: Option<Level>,
    /// Level for required items the base branch gained after the pull
    /// request branched off (the branch is stale: merge or rebase).
    pub stale: Option<Level>,
    /// The baseline of a description checklist (always `Off` for files).
    pub template: Template,
    /// `allow-empty = true`: a checklist with no task items passes with a note.
    pub allow_empty: bool,
    /// Level of `parent-ticked-children-open` (`nesting`); `None` is off.
    pub nesting: Option<Level>,
    /// Whether waivers need a reason (`waiver-reason`).
    pub waiver_reason: WaiverReason,
    pub requires: Vec<Requirement>,
    pub at: Location,
}

/// The `[action]` table: how `checkgate action` treats what the pull request
/// controls besides its checklists. Read at the base like the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPolicy {
    /// Level of the `workflow-changed` finding (a `pull_request` run whose
    /// pull request changes a workflow or a local action); `None` is off.
    pub workflow_changed: Option<Level>,
    /// A failing gate's check run concludes `neutral` instead of `failure`.
    pub report_only: bool,
    /// Level of the `evidence-untrusted` finding (a check run made by a
    /// workflow the pull request changes); `None` is off.
    pub evidence_untrusted: Option<Level>,
}

impl Default for ActionPolicy {
    fn default() -> Self {
        ActionPolicy {
            workflow_changed: Some(Level::Deny),
            report_only: false,
            evidence_untrusted: Some(Level::Deny),
        }
    }
}

/// One `[[skip]]`: when every key it sets holds for a pull request (as
/// GitHub describes it, never its files or description), the gate is
/// skipped. Unset keys do not constrain.
#[derive(Debug, Clone)]
pub struct Skip {
    /// Who opened the pull request: logins, `name[bot]` apps, `@org/team`s.
    pub authors: Vec<String>,
    pub draft: Option<bool>,
    /// Labels the pull request must carry, every one of them.
    pub labels: Vec<String>,
    /// Who must have applied each of `labels` (the newest `labeled` event).
    pub labeled_by: Vec<String>,
    /// Base branch globs.
    pub base: Option<Globs>,
    /// Head branch globs.
    pub head: Option<Globs>,
    pub reason: Option<String>,
    pub at: Location,
}

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The path used in messages.
    pub file: String,
    pub checklists: Vec<ChecklistPolicy>,
    pub action: ActionPolicy,
    /// `[[skip]]` tables, in file order.
    pub skips: Vec<Skip>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_percentage_counts_a_share_of_the_items_rounded_up() {
        assert_eq!(Count::Percent(80).of(6), 5);
        assert_eq!(Count::Percent(80).of(5), 4);
        assert_eq!(Count::Percent(50).of(5), 3);
        assert_eq!(Count::Percent(1).of(1000), 10);
        assert_eq!(Count::Percent(1).of(1001), 11);
        assert_eq!(Count::Percent(100).of(7), 7);
        assert_eq!(Count::Percent(0).of(7), 0);
        assert_eq!(Count::Percent(80).of(0), 0);
        assert_eq!(Count::Items(3).of(100), 3);
        assert_eq!(
            (Count::Percent(80).to_string(), Count::Items(2).to_string()),
            ("80%".into(), "2".into())
        );
    }
}
