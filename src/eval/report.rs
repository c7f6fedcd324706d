//! What evaluation finds: the report every renderer and the GitHub layer
//! read (its JSON is `check --format json`'s contract), and the stable codes
//! of its findings.

use std::borrow::Cow;

use serde::Serialize;

use crate::checklist::SectionPath;
use crate::policy::Level;

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
    /// More items checked than `max-checked`.
    TooManyChecked,
    /// An `all` rule found no task items in the checklist.
    NoItems,
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
    /// Required items the base branch gained after the pull request branched off.
    BehindBase,
    /// The pull request changes a workflow or local action, so the run judging
    /// it may be running the pull request's own workflow.
    WorkflowChanged,
    /// A ticked item has sub-items that are still open.
    ParentTickedChildrenOpen,
    /// A `filled = true` rule's item still holds a placeholder.
    UnfilledPlaceholder,
    /// A ticked item's evidence failed on the head commit.
    EvidenceFailed,
    /// A ticked item's evidence is not there yet on the head commit.
    EvidencePending,
    /// A ticked item's check run was made by a workflow the pull request changes.
    EvidenceUntrusted,
}

impl Code {
    pub const ALL: &'static [Code] = &[
        Code::Ok,
        Code::OpenItem,
        Code::TooFewChecked,
        Code::TooManyChecked,
        Code::NoItems,
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
        Code::BehindBase,
        Code::WorkflowChanged,
        Code::ParentTickedChildrenOpen,
        Code::UnfilledPlaceholder,
        Code::EvidenceFailed,
        Code::EvidencePending,
        Code::EvidenceUntrusted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Ok => "ok",
            Code::OpenItem => "open-item",
            Code::TooFewChecked => "too-few-checked",
            Code::TooManyChecked => "too-many-checked",
            Code::NoItems => "no-items",
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
            Code::BehindBase => "behind-base",
            Code::WorkflowChanged => "workflow-changed",
            Code::ParentTickedChildrenOpen => "parent-ticked-children-open",
            Code::UnfilledPlaceholder => "unfilled-placeholder",
            Code::EvidenceFailed => "evidence-failed",
            Code::EvidencePending => "evidence-pending",
            Code::EvidenceUntrusted => "evidence-untrusted",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Code::Ok => "the requirement holds",
            Code::OpenItem => "required items are not checked",
            Code::TooFewChecked => "fewer items are checked than `min-checked` asks for",
            Code::TooManyChecked => "more items are checked than `max-checked` allows",
            Code::NoItems => "an `all` rule found no task items in the checklist",
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
            Code::BehindBase => "the base branch has required items this branch lacks",
            Code::WorkflowChanged => "the pull request changes the workflow that judges it",
            Code::ParentTickedChildrenOpen => "a ticked item has open sub-items",
            Code::UnfilledPlaceholder => "an item still holds a placeholder to fill in",
            Code::EvidenceFailed => "an item is ticked, but GitHub shows its evidence failed",
            Code::EvidencePending => "an item is ticked, and its evidence is not there yet",
            Code::EvidenceUntrusted => "an item's evidence comes from a workflow the pull request changes",
        }
    }
}

/// An item that keeps a requirement from holding. Its text and section path
/// borrow from the parsed checklist; [`Report::into_owned`] copies them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenItem<'a> {
    /// 1-based line of the item's list marker (at the base, for tamper findings).
    pub line: usize,
    pub text: Cow<'a, str>,
    /// Enclosing headings, outermost first.
    #[serde(skip_serializing_if = "SectionPath::is_empty")]
    pub section: SectionPath<'a>,
    /// Why this item is open when it is not simply unchecked
    /// (e.g. "waived without a reason").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Cow<'a, str>>,
    /// What only some open items have: a link, code spans, evidence. Boxed,
    /// so that the many items without it (every open item of a rule over a
    /// large checklist) take 96 bytes each instead of 160.
    #[serde(flatten)]
    pub more: Option<Box<More<'a>>>,
}

/// The parts of an [`OpenItem`] that only some open items have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct More<'a> {
    /// The comment the item is in (`source = "pr-comments"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Cow<'a, str>>,
    /// Byte ranges of `text` that were inline code, for the markdown report.
    #[serde(skip)]
    pub code: Vec<std::ops::Range<usize>>,
    /// What GitHub shows for the claim behind this item (rules with
    /// evidence keys).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<crate::evidence::Entry>,
}

impl<'a> OpenItem<'a> {
    /// The comment the item is in, if it is in one.
    pub fn url(&self) -> Option<&str> {
        self.more.as_ref().and_then(|m| m.url.as_deref())
    }

    /// Byte ranges of the text that were inline code.
    pub fn code(&self) -> &[std::ops::Range<usize>] {
        self.more.as_ref().map_or(&[], |m| &m.code)
    }

    /// What GitHub shows for the claim behind the item.
    pub fn evidence(&self) -> &[crate::evidence::Entry] {
        self.more.as_ref().map_or(&[], |m| &m.evidence)
    }

    /// [`OpenItem::more`], made when the item has none yet.
    pub fn more_mut(&mut self) -> &mut More<'a> {
        self.more.get_or_insert_with(Box::default)
    }
}

/// An item an `except` pattern makes optional for a rule: listed, never required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionalItem<'a> {
    pub line: usize,
    pub text: Cow<'a, str>,
    pub checked: bool,
    /// Enclosing headings, outermost first.
    #[serde(skip_serializing_if = "SectionPath::is_empty")]
    pub section: SectionPath<'a>,
}

/// The verdict on one `[[checklist.require]]` (or one tamper check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementReport<'a> {
    /// The rule as written, e.g. `section: Go-Live Criteria > Must Have`.
    pub rule: String,
    pub level: Level,
    pub passed: bool,
    pub code: Code,
    /// Items that keep the requirement from holding.
    pub open: Vec<OpenItem<'a>>,
    /// One line for humans, e.g. `3 of 6 items open`.
    pub message: String,
    /// Checked and total items the rule covers.
    pub checked: usize,
    pub total: usize,
    /// The maintainer's `help` text from the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Items in the rule's scope that an `except` pattern makes optional.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub optional: Vec<OptionalItem<'a>>,
    /// What GitHub shows for the rule's evidence keys, which every item the
    /// rule counts is judged by: `kind`, `name`, `state`, `url`, `message`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<crate::evidence::Entry>,
}

/// A waived item, listed separately from checked ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaivedItem<'a> {
    pub line: usize,
    pub text: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Cow<'a, str>>,
}

/// The verdict on one checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistReport<'a> {
    pub path: String,
    pub total: usize,
    pub checked: usize,
    pub requirements: Vec<RequirementReport<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waived: Vec<WaivedItem<'a>>,
    /// Context worth showing (e.g. "skipped: no changed file matches when-changed").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The verdict on every checklist of a policy, borrowing item text and
/// headings from the parsed checklists (`Report<'static>` owns them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report<'a> {
    /// True when every deny-level requirement holds.
    pub passed: bool,
    /// Not passed yet: every failing deny-level requirement waits for
    /// evidence (`evidence-pending`), and nothing else fails.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
    pub checklists: Vec<ChecklistReport<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

fn own(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

impl OpenItem<'_> {
    pub fn into_owned(self) -> OpenItem<'static> {
        OpenItem {
            line: self.line,
            text: own(self.text),
            section: self.section.into_owned(),
            note: self.note.map(own),
            more: self.more.map(|m| {
                Box::new(More {
                    url: m.url.map(own),
                    code: m.code,
                    evidence: m.evidence,
                })
            }),
        }
    }
}

impl ChecklistReport<'_> {
    /// The same report, owning every string it borrowed.
    pub fn into_owned(self) -> ChecklistReport<'static> {
        ChecklistReport {
            path: self.path,
            total: self.total,
            checked: self.checked,
            requirements: self
                .requirements
                .into_iter()
                .map(|r| RequirementReport {
                    rule: r.rule,
                    level: r.level,
                    passed: r.passed,
                    code: r.code,
                    open: r.open.into_iter().map(OpenItem::into_owned).collect(),
                    message: r.message,
                    checked: r.checked,
                    total: r.total,
                    help: r.help,
                    optional: r
                        .optional
                        .into_iter()
                        .map(|o| OptionalItem {
                            line: o.line,
                            text: own(o.text),
                            checked: o.checked,
                            section: o.section.into_owned(),
                        })
                        .collect(),
                    evidence: r.evidence,
                })
                .collect(),
            waived: self
                .waived
                .into_iter()
                .map(|w| WaivedItem {
                    line: w.line,
                    text: own(w.text),
                    reason: w.reason.map(own),
                })
                .collect(),
            notes: self.notes,
        }
    }
}

impl<'a> Report<'a> {
    /// Build a report, deriving `passed` from its requirements.
    pub fn new(checklists: Vec<ChecklistReport<'a>>, notes: Vec<String>) -> Report<'a> {
        let failing = || {
            checklists
                .iter()
                .flat_map(|c| &c.requirements)
                .filter(|r| !r.passed && r.level == Level::Deny)
        };
        let passed = failing().next().is_none();
        let pending = !passed && failing().all(|r| r.code == Code::EvidencePending);
        Report {
            passed,
            pending,
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
    /// The same report, owning every string it borrowed.
    pub fn into_owned(self) -> Report<'static> {
        Report {
            passed: self.passed,
            pending: self.pending,
            checklists: self.checklists.into_iter().map(ChecklistReport::into_owned).collect(),
            notes: self.notes,
        }
    }

    /// What a pending report waits for: the names of its pending evidence,
    /// each once, in report order. Empty unless [`Report::pending`].
    pub fn waiting_for(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        if !self.pending {
            return names;
        }
        let pending = self
            .checklists
            .iter()
            .flat_map(|c| &c.requirements)
            .filter(|r| !r.passed && r.level == Level::Deny)
            .flat_map(|r| &r.evidence)
            .filter(|e| e.state == crate::evidence::State::Pending);
        for e in pending {
            if !names.contains(&e.name.as_str()) {
                names.push(&e.name);
            }
        }
        names
    }

    pub fn open_items(&self, level: Level) -> impl Iterator<Item = (&str, &RequirementReport<'a>, &OpenItem<'a>)> {
        self.checklists.iter().flat_map(move |c| {
            c.requirements
                .iter()
                .filter(move |r| !r.passed && r.level == level)
                .flat_map(move |r| r.open.iter().map(move |o| (c.path.as_str(), r, o)))
        })
    }
}
