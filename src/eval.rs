//! Judge parsed checklists against a policy. Pure: no I/O, no printing.
//!
//! The output, [`Report`], is the contract every renderer and the GitHub layer
//! read; its JSON form (`checkgate check --format json`) is documented on the
//! types below and only ever grows new fields.

use serde::Serialize;

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

/// Stable identifiers of what a requirement found; each has a page in
/// `docs/codes.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// The requirement holds.
    Ok,
    /// Items of a required section (or matched by a required item rule) are open.
    OpenItem,
    /// Fewer items checked than `min-checked`.
    TooFewChecked,
    /// A required section is not in the checklist.
    SectionNotFound,
    /// A required section contains no items.
    SectionEmpty,
    /// A required item is not in the checklist.
    ItemNotFound,
    /// An `item-regex` matched no item.
    NoItemMatched,
    /// A waiver was used where the policy forbids one.
    WaiverForbidden,
    /// A waiver has no reason.
    WaiverWithoutReason,
    /// A sign-off requirement lacks an approving review from an authorised reviewer.
    SignoffMissing,
    /// A required item present at the base was deleted or reworded at the head.
    ItemRemoved,
    /// A required section present at the base was emptied or removed at the head.
    SectionRemoved,
    /// An item ticked at the base is unticked at the head.
    ItemUnticked,
    /// A checklist named by the policy is missing (deleted, renamed, or never added).
    ChecklistMissing,
}

impl Code {
    pub const ALL: &'static [Code] = &[
        Code::Ok,
        Code::OpenItem,
        Code::TooFewChecked,
        Code::SectionNotFound,
        Code::SectionEmpty,
        Code::ItemNotFound,
        Code::NoItemMatched,
        Code::WaiverForbidden,
        Code::WaiverWithoutReason,
        Code::SignoffMissing,
        Code::ItemRemoved,
        Code::SectionRemoved,
        Code::ItemUnticked,
        Code::ChecklistMissing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Ok => "ok",
            Code::OpenItem => "open-item",
            Code::TooFewChecked => "too-few-checked",
            Code::SectionNotFound => "section-not-found",
            Code::SectionEmpty => "section-empty",
            Code::ItemNotFound => "item-not-found",
            Code::NoItemMatched => "no-item-matched",
            Code::WaiverForbidden => "waiver-forbidden",
            Code::WaiverWithoutReason => "waiver-without-reason",
            Code::SignoffMissing => "signoff-missing",
            Code::ItemRemoved => "item-removed",
            Code::SectionRemoved => "section-removed",
            Code::ItemUnticked => "item-unticked",
            Code::ChecklistMissing => "checklist-missing",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Code::Ok => "the requirement holds",
            Code::OpenItem => "required items are not checked",
            Code::TooFewChecked => "fewer items are checked than `min-checked` asks for",
            Code::SectionNotFound => "a required section is not in the checklist",
            Code::SectionEmpty => "a required section contains no items",
            Code::ItemNotFound => "a required item is not in the checklist",
            Code::NoItemMatched => "an `item-regex` requirement matched no item",
            Code::WaiverForbidden => "an item is waived where the policy forbids waivers",
            Code::WaiverWithoutReason => "an item is waived without a reason",
            Code::SignoffMissing => "no approving review from an authorised reviewer",
            Code::ItemRemoved => "a required item at the base was deleted or reworded",
            Code::SectionRemoved => "a required section at the base was emptied or removed",
            Code::ItemUnticked => "an item checked at the base is unchecked at the head",
            Code::ChecklistMissing => "a checklist named by the policy does not exist",
        }
    }
}

/// An item that keeps a requirement from holding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenItem {
    /// 1-based line of the item's list marker (at the base, for tamper findings).
    pub line: usize,
    pub text: String,
    /// Enclosing headings, outermost first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub section: Vec<String>,
    /// Why this item is open when it is not simply unchecked
    /// (e.g. "waived without a reason").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The verdict on one `[[checklist.require]]` (or one tamper check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementReport {
    /// The rule as written, e.g. `section: Go-Live Criteria > Must Have`.
    pub rule: String,
    pub level: Level,
    pub passed: bool,
    pub code: Code,
    /// Items that keep the requirement from holding.
    pub open: Vec<OpenItem>,
    /// One line for humans, e.g. `3 of 6 items open`.
    pub message: String,
    /// Checked and total items the rule covers.
    pub checked: usize,
    pub total: usize,
    /// The maintainer's `help` text from the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// A waived item, listed separately from checked ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaivedItem {
    pub line: usize,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The verdict on one checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistReport {
    pub path: String,
    pub total: usize,
    pub checked: usize,
    pub requirements: Vec<RequirementReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waived: Vec<WaivedItem>,
    /// Context worth showing (e.g. "skipped: no changed file matches when-changed").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The verdict on every checklist of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// True when every deny-level requirement holds.
    pub passed: bool,
    pub checklists: Vec<ChecklistReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Report {
    /// Build a report, deriving `passed` from its requirements.
    pub fn new(checklists: Vec<ChecklistReport>, notes: Vec<String>) -> Report {
        let passed = checklists
            .iter()
            .flat_map(|c| &c.requirements)
            .all(|r| r.passed || r.level == Level::Warn);
        Report {
            passed,
            checklists,
            notes,
        }
    }

    pub fn checked(&self) -> usize {
        self.checklists.iter().map(|c| c.checked).sum()
    }

    pub fn total(&self) -> usize {
        self.checklists.iter().map(|c| c.total).sum()
    }

    /// Open items of failing requirements at `level`, with their checklist path.
    pub fn open_items(&self, level: Level) -> impl Iterator<Item = (&str, &RequirementReport, &OpenItem)> {
        self.checklists.iter().flat_map(move |c| {
            c.requirements
                .iter()
                .filter(move |r| !r.passed && r.level == level)
                .flat_map(move |r| r.open.iter().map(move |o| (c.path.as_str(), r, o)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {}", code.as_str());
            assert!(!code.description().is_empty());
        }
    }
}
