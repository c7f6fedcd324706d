//! Judge parsed checklists against a policy. Pure: no I/O, no printing.
//!
//! The output, [`Report`], is the contract every renderer and the GitHub layer
//! read; its JSON form (`checkgate check --format json`) is documented on the
//! types below and only ever grows new fields.

use std::borrow::Cow;

use serde::Serialize;

pub use crate::policy::Level;

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
            url: self.url.map(own),
            code: self.code,
            evidence: self.evidence,
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::checklist::parse;
    use crate::policy::Policy;

    fn policy(rules: &str) -> Policy {
        Policy::parse("p.toml", &format!("[[checklist]]\npath = \"c.md\"\n{rules}")).expect("valid policy")
    }

    fn judge(rules: &str, head: &str, base: Option<&str>, ctx: &Context) -> ChecklistReport<'static> {
        let p = policy(rules);
        let head = parse("c.md", head);
        let base = base.map(|b| parse("c.md", b));
        let subject = Subject {
            head: Some(&head),
            base: base.as_ref(),
            tip: None,
            looked_for: None,
            authored: false,
        };
        evaluate_checklist(&p.checklists[0], subject, ctx)
            .expect("no policy errors")
            .into_owned()
    }

    const MUST: &str = "[[checklist.require]]\nsection = \"Must\"\n";

    #[test]
    fn deleting_an_open_item_of_a_required_section_is_caught_against_the_base() {
        let base = "## Must\n- [x] a\n- [ ] b\n";
        let head = "## Must\n- [x] a\n";
        let r = judge(MUST, head, Some(base), &Context::default());
        let removed = r
            .requirements
            .iter()
            .find(|r| r.code == Code::ItemRemoved)
            .expect("tamper finding");
        assert_eq!(removed.level, Level::Deny);
        assert_eq!(removed.open[0].line, 3, "named with its base line");
        assert_eq!(removed.open[0].text, "b");
        // Without the base, the same head passes: that is why the action reads it.
        let r = judge(MUST, head, None, &Context::default());
        assert!(r.requirements.iter().all(|r| r.passed));
    }

    #[test]
    fn rewording_a_required_item_is_caught() {
        let rule = "[[checklist.require]]\nitem = \"Rollback plan tested\"\n";
        let r = judge(
            rule,
            "- [x] Rollback plan written\n",
            Some("- [ ] Rollback plan tested\n"),
            &Context::default(),
        );
        assert_eq!(r.requirements[0].code, Code::ItemRemoved);
        assert_eq!(r.requirements[1].code, Code::ItemNotFound);
    }

    #[test]
    fn emptying_a_required_section_is_section_removed() {
        let r = judge(
            MUST,
            "## Must\nnothing here\n",
            Some("## Must\n- [ ] a\n"),
            &Context::default(),
        );
        assert_eq!(r.requirements[0].code, Code::SectionRemoved);
        assert_eq!(r.requirements[1].code, Code::SectionEmpty);
    }

    #[test]
    fn unticking_is_reported_at_the_configured_level() {
        let r = judge(
            MUST,
            "## Must\n- [ ] a\n",
            Some("## Must\n- [x] a\n"),
            &Context::default(),
        );
        let untick = r
            .requirements
            .iter()
            .find(|r| r.code == Code::ItemUnticked)
            .expect("untick");
        assert_eq!(untick.level, Level::Warn);
        let p = format!("untick = \"deny\"\n{MUST}");
        let r = judge(
            &p,
            "## Must\n- [ ] a\n",
            Some("## Must\n- [x] a\n"),
            &Context::default(),
        );
        let untick = r
            .requirements
            .iter()
            .find(|r| r.code == Code::ItemUnticked)
            .expect("untick");
        assert_eq!(untick.level, Level::Deny);
    }

    fn unticked(r: &ChecklistReport) -> Vec<usize> {
        r.requirements
            .iter()
            .filter(|r| r.code == Code::ItemUnticked)
            .flat_map(|r| r.open.iter().map(|o| o.line))
            .collect()
    }

    #[test]
    fn an_open_second_copy_of_a_ticked_item_is_not_unticked() {
        let base = "## Must\n- [x] Run tests\n- [ ] Run tests\n";
        let r = judge(MUST, base, Some(base), &Context::default());
        assert_eq!(unticked(&r), Vec::<usize>::new());
        // Unticking the first copy reports that copy alone.
        let head = "## Must\n- [ ] Run tests\n- [ ] Run tests\n";
        let r = judge(MUST, head, Some(base), &Context::default());
        assert_eq!(unticked(&r), vec![2]);
    }

    #[test]
    fn the_same_text_ticked_under_another_heading_at_the_base_is_not_unticked_here() {
        let base = "## Backend\n- [x] Tests added\n## Frontend\n- [ ] Tests added\n";
        let r = judge(
            MUST.replace("Must", "Frontend").as_str(),
            base,
            Some(base),
            &Context::default(),
        );
        assert_eq!(unticked(&r), Vec::<usize>::new());
        // Unticking it under Backend is reported, at its line.
        let head = "## Backend\n- [ ] Tests added\n## Frontend\n- [ ] Tests added\n";
        let r = judge(
            MUST.replace("Must", "Frontend").as_str(),
            head,
            Some(base),
            &Context::default(),
        );
        assert_eq!(unticked(&r), vec![2]);
    }

    #[test]
    fn waivers_need_a_reason_and_permission() {
        let head = "## Must\n- [x] ~~Load test~~ N/A: no API change\n- [ ] ~~Soak~~ N/A\n";
        let r = judge(MUST, head, None, &Context::default());
        assert_eq!(r.requirements[0].code, Code::WaiverWithoutReason);
        assert_eq!(r.requirements[0].open.len(), 1);
        assert_eq!(r.requirements[0].open[0].text, "Soak");
        assert_eq!(r.waived.len(), 2);
        let strict = "[[checklist.require]]\nsection = \"Must\"\nwaivable = false\n";
        let r = judge(
            strict,
            "## Must\n- [x] ~~Load test~~ N/A: no API change\n",
            None,
            &Context::default(),
        );
        assert_eq!(r.requirements[0].code, Code::WaiverForbidden);
    }

    #[test]
    fn signoff_needs_an_approval_from_an_allowed_reviewer_not_a_ticked_box() {
        let rule =
            "[[checklist.require]]\nitem = \"Security sign-off\"\napproved-by = [\"@acme/security\", \"alice\"]\n";
        let ticked = "- [x] Security sign-off\n";
        let mut ctx = Context {
            signoffs: Some(Signoffs {
                approvers: vec!["mallory".into()],
                teams: [("acme/security".to_string(), vec!["bob".to_string()])].into(),
            }),
            ..Context::default()
        };
        let r = judge(rule, ticked, None, &ctx);
        assert_eq!(r.requirements[0].code, Code::SignoffMissing);
        assert_eq!(
            r.requirements[0].message,
            "needs an approving review from one of: @acme/security, alice"
        );
        ctx.signoffs.as_mut().unwrap().approvers.push("Bob".into());
        let r = judge(rule, "- [ ] Security sign-off\n", None, &ctx);
        assert!(r.requirements[0].passed);
        assert_eq!(r.requirements[0].message, "signed off by @Bob");
    }

    #[test]
    fn when_changed_applies_rules_only_to_matching_changes() {
        let rule = "[[checklist.require]]\nsection = \"Must\"\nwhen-changed = [\"migrations/**\"]\n";
        let head = "## Must\n- [ ] a\n";
        let ctx = |files: &[&str]| Context {
            changed_files: Some(files.iter().map(|s| s.to_string()).collect()),
            ..Context::default()
        };
        let r = judge(rule, head, None, &ctx(&["src/main.rs"]));
        assert!(r.requirements.is_empty());
        assert!(r.notes[0].starts_with("skipped section: Must"));
        let r = judge(rule, head, None, &ctx(&["migrations/0001.sql"]));
        assert_eq!(r.requirements[0].code, Code::OpenItem);
        // Unknown changes (a local run): the rule applies.
        let r = judge(rule, head, None, &Context::default());
        assert_eq!(r.requirements[0].code, Code::OpenItem);
    }

    const ALL: &str = "[[checklist.require]]\nall = true\n";

    #[test]
    fn all_requires_every_item_of_the_checklist() {
        let r = judge(ALL, "- [x] a\n## S\n- [ ] b\n  - [x] c\n", None, &Context::default());
        assert_eq!(r.requirements[0].rule, "all items");
        assert_eq!(r.requirements[0].code, Code::OpenItem);
        assert_eq!(r.requirements[0].message, "1 of 3 items open");
        assert_eq!(r.requirements[0].open[0].text, "b");
        let r = judge(ALL, "- [x] a\n- [x] b\n", None, &Context::default());
        assert!(r.requirements[0].passed);
        assert_eq!(r.requirements[0].message, "all 2 items checked");
    }

    #[test]
    fn all_over_a_checklist_without_items_fails_with_no_items() {
        let r = judge(ALL, "Just prose, no boxes.\n", None, &Context::default());
        assert_eq!(r.requirements[0].code, Code::NoItems);
        assert_eq!(r.requirements[0].message, "no task items found in c.md");
        assert!(!r.requirements[0].passed);
    }

    #[test]
    fn allow_empty_passes_an_empty_checklist_with_a_note_and_skips_its_rules() {
        let rules = format!("allow-empty = true\n{ALL}{MUST}");
        let r = judge(&rules, "No boxes here.\n", None, &Context::default());
        assert!(r.requirements.is_empty());
        assert_eq!(r.notes, ["no task items found in c.md; allow-empty skips its rules"]);
        // With items, the rules apply as usual.
        let r = judge(&rules, "## Must\n- [ ] a\n", None, &Context::default());
        assert_eq!(r.requirements.len(), 2);
        assert!(r.requirements.iter().all(|r| r.code == Code::OpenItem));
    }

    #[test]
    fn allow_empty_does_not_hide_items_deleted_since_the_base() {
        let rules = format!("allow-empty = true\n{MUST}");
        let r = judge(&rules, "nothing\n", Some("## Must\n- [ ] a\n"), &Context::default());
        assert_eq!(r.requirements.len(), 1);
        assert_eq!(r.requirements[0].code, Code::SectionRemoved);
    }

    #[test]
    fn except_makes_matching_items_optional_and_lists_them() {
        let rule = "[[checklist.require]]\nall = true\nexcept = [\"(?i)optional\", \"^POST-MERGE:\"]\n";
        let head = "- [x] Tests\n- [ ] Docs (optional)\n- [ ] POST-MERGE: ramp the flag\n";
        let r = judge(rule, head, None, &Context::default());
        let req = &r.requirements[0];
        assert!(req.passed, "{req:?}");
        assert_eq!((req.checked, req.total), (1, 1));
        let optional: Vec<(&str, bool)> = req.optional.iter().map(|o| (o.text.as_ref(), o.checked)).collect();
        assert_eq!(
            optional,
            [("Docs (optional)", false), ("POST-MERGE: ramp the flag", false)]
        );
        let section = "[[checklist.require]]\nsection = \"Must\"\nexcept = [\"^Nice\"]\n";
        let r = judge(
            section,
            "## Must\n- [x] a\n- [ ] Nice to have\n",
            None,
            &Context::default(),
        );
        assert!(r.requirements[0].passed);
        assert_eq!(r.requirements[0].optional[0].line, 3);
    }

    #[test]
    fn an_excepted_item_deleted_since_the_base_is_not_tampering() {
        let rule = "[[checklist.require]]\nall = true\nexcept = [\"(?i)optional\"]\n";
        let r = judge(
            rule,
            "- [x] a\n",
            Some("- [x] a\n- [ ] b (optional)\n"),
            &Context::default(),
        );
        assert!(r.requirements.iter().all(|r| r.passed), "{:?}", r.requirements);
    }

    #[test]
    fn max_checked_with_min_checked_is_a_radio_group() {
        let rule = "[[checklist.require]]\nsection = \"Type\"\nmin-checked = 1\nmax-checked = 1\n";
        let none = judge(rule, "## Type\n- [ ] Bug\n- [ ] Feature\n", None, &Context::default());
        assert_eq!(none.requirements[0].rule, "section: Type (exactly 1 checked)");
        assert_eq!(none.requirements[0].code, Code::TooFewChecked);
        assert_eq!(none.requirements[0].message, "0 of 2 checked; exactly 1 required");
        let two = judge(rule, "## Type\n- [x] Bug\n- [x] Feature\n", None, &Context::default());
        assert_eq!(two.requirements[0].code, Code::TooManyChecked);
        assert_eq!(two.requirements[0].message, "2 of 2 checked; exactly 1 allowed");
        assert_eq!(two.requirements[0].open.len(), 2, "the checked items are listed");
        let one = judge(rule, "## Type\n- [ ] Bug\n- [x] Feature\n", None, &Context::default());
        assert!(one.requirements[0].passed);
        assert_eq!(one.requirements[0].message, "1 of 2 checked");
    }

    #[test]
    fn max_checked_alone_allows_none_and_min_checked_works_with_all() {
        let rule = "[[checklist.require]]\nall = true\nmax-checked = 1\n";
        let r = judge(rule, "- [ ] a\n- [ ] b\n", None, &Context::default());
        assert!(r.requirements[0].passed);
        assert_eq!(r.requirements[0].rule, "all items (max-checked 1)");
        let rule = "[[checklist.require]]\nall = true\nmin-checked = 2\n";
        let r = judge(rule, "- [x] a\n- [ ] b\n- [x] c\n", None, &Context::default());
        assert!(r.requirements[0].passed);
        assert_eq!(r.requirements[0].rule, "all items (min-checked 2)");
        let r = judge(rule, "- [x] a\n- [ ] b\n- [ ] c\n", None, &Context::default());
        assert_eq!(r.requirements[0].code, Code::TooFewChecked);
    }

    #[test]
    fn shortcode_emoji_headings_and_items_match_plain_selectors() {
        // backstage's PR template: `section = "Checklist"` found nothing (issue 10 §2).
        let head = "#### :heavy_check_mark: Checklist\n- [x] :memo: Docs updated\n- [ ] Tests :white_check_mark:\n";
        let r = judge(
            "[[checklist.require]]\nsection = \"Checklist\"\n[[checklist.require]]\nitem = \"Docs updated\"\n",
            head,
            None,
            &Context::default(),
        );
        assert_eq!(r.requirements[0].code, Code::OpenItem);
        assert_eq!(
            r.requirements[0].open[0].text, "Tests :white_check_mark:",
            "shown as written"
        );
        assert!(r.requirements[1].passed, "{:?}", r.requirements[1]);
    }

    #[test]
    fn misspelled_sections_and_items_get_the_closest_suggestions() {
        let head = "## Sign-off\n- [ ] Rollback plan tested\n## Signals\n- [x] x\n";
        let r = judge(
            "[[checklist.require]]\nsection = \"Sign off\"\n",
            head,
            None,
            &Context::default(),
        );
        assert_eq!(
            r.requirements[0].message,
            "required section \"Sign off\" not found; did you mean \"Sign-off\"?"
        );
        let r = judge(
            "[[checklist.require]]\nitem = \"Rollback plan test\"\n",
            head,
            None,
            &Context::default(),
        );
        assert_eq!(
            r.requirements[0].message,
            "required item \"Rollback plan test\" not found; did you mean \"Rollback plan tested\"?"
        );
        let r = judge(
            "[[checklist.require]]\nsection = \"Deployment\"\n",
            head,
            None,
            &Context::default(),
        );
        assert_eq!(r.requirements[0].message, "required section \"Deployment\" not found");
    }

    #[test]
    fn padding_needs_a_scope_at_the_base_to_compare_with() {
        let rule = "[[checklist.require]]\nsection = \"Type\"\nmin-checked = 1\nmax-checked = 1\n";
        // The base has no such section: the author's list is the list.
        let r = judge(
            rule,
            "## Type\n- [x] Chore\n",
            Some("## Other\n- [ ] x\n"),
            &Context::default(),
        );
        assert!(r.requirements[0].passed, "{:?}", r.requirements);
        assert_eq!(r.requirements[0].message, "1 of 1 checked");
        // With the section at the base, an added option is not counted.
        let r = judge(
            rule,
            "## Type\n- [ ] Bug\n- [x] Chore\n",
            Some("## Type\n- [ ] Bug\n"),
            &Context::default(),
        );
        assert_eq!(r.requirements[0].code, Code::TooFewChecked);
        assert_eq!(
            r.requirements[0].message,
            "0 of 1 checked; exactly 1 required; 1 item added by this pull request: not counted"
        );
        // Rules that do not count keep every item required.
        let r = judge(
            MUST,
            "## Must\n- [ ] a\n- [ ] b\n",
            Some("## Must\n- [ ] a\n"),
            &Context::default(),
        );
        assert_eq!(r.requirements[0].message, "2 of 2 items open");
    }

    #[test]
    fn codes_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {}", code.as_str());
            assert!(!code.description().is_empty());
        }
    }
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

use std::cell::{OnceCell, RefCell};

use crate::checklist::{Checklist, Item, SectionPath};
use crate::identity::{self, Identity};
use crate::normalize;

mod evidence;
use crate::policy::{ChecklistPolicy, Diagnostic, Policy, Requirement, SectionSelector, Selector};
use crate::policy::{Count, WaiverReason};

/// Facts about the pull request that some requirements depend on. Everything
/// is optional: a local run knows none of it.
#[derive(Debug, Default, Clone)]
pub struct Context {
    /// Paths the pull request changes; `None` when unknown (local runs), in
    /// which case `when-changed` rules apply.
    pub changed_files: Option<Vec<String>>,
    /// True when `changed_files` was cut off at GitHub's 3,000-file limit.
    pub changed_files_truncated: bool,
    /// Approving reviews on the head commit; `None` when unknown.
    pub signoffs: Option<Signoffs>,
    /// `org/team` (lower case, no `@`) → the comment authors of a
    /// `pr-comments` checklist who belong to it (and the label actors of a
    /// `labeled-by` rule).
    pub teams: std::collections::HashMap<String, Vec<String>>,
    /// What GitHub shows about the head commit; `None` when unknown (local
    /// runs), in which case rules with evidence keys other than `changed`
    /// are skipped with a note.
    pub evidence: Option<crate::evidence::Evidence>,
    /// Level of the `evidence-untrusted` finding; `None` is off.
    pub evidence_untrusted: Option<Level>,
}

/// Whether `login` is one of `authors`: a login or `name[bot]` (any case),
/// or a member of an `@org/team` per `teams`.
pub fn authored_by(login: &str, authors: &[String], teams: &std::collections::HashMap<String, Vec<String>>) -> bool {
    authors.iter().any(|a| {
        let a = a.trim_start_matches('@');
        if a.contains('/') {
            teams
                .get(&a.to_ascii_lowercase())
                .is_some_and(|m| m.iter().any(|x| x.eq_ignore_ascii_case(login)))
        } else {
            a.eq_ignore_ascii_case(login)
        }
    })
}

/// Whether a comment whose author has `association` with the repository
/// counts for a `role:NAME` entry of `authors` ([`crate::policy::role_allows`]).
pub fn has_role(association: Option<&str>, authors: &[String]) -> bool {
    let Some(association) = association else { return false };
    authors
        .iter()
        .filter_map(|a| a.strip_prefix("role:"))
        .any(|role| crate::policy::role_allows(role, association))
}

/// Who approved the pull request's head commit, and team memberships.
#[derive(Debug, Default, Clone)]
pub struct Signoffs {
    /// Logins with an approving, non-dismissed review on the head commit.
    pub approvers: Vec<String>,
    /// `org/team` (lower case, no `@`) → member logins.
    pub teams: std::collections::HashMap<String, Vec<String>>,
}

impl Signoffs {
    /// Approvers who count for `approved-by`.
    pub fn matching(&self, allowed: &[String]) -> Vec<String> {
        self.approvers
            .iter()
            .filter(|login| authored_by(login, allowed, &self.teams))
            .cloned()
            .collect()
    }
}

/// A checklist at the head, with the same checklist at the base when known.
pub struct Subject<'a> {
    /// `None` when the file does not exist at the head.
    pub head: Option<&'a Checklist>,
    /// Where the pull request started (the merge base): what it changed is
    /// the difference from here. `None` when unknown or when unchanged.
    pub base: Option<&'a Checklist>,
    /// The base branch's tip, when it has moved on since the merge base:
    /// what the pull request would merge into.
    pub tip: Option<&'a Checklist>,
    /// Where a missing head was looked for (`looked for /repo/X.md`).
    pub looked_for: Option<String>,
    /// The head is the checklist as the policy's author could see it (a
    /// local file, or one the pull request does not change): a selector
    /// that matches nothing there is the policy's mistake, as is one that
    /// matches nothing at the base or the base branch's tip.
    pub authored: bool,
}

/// Normalised keys of a checklist's headings and items, computed on first use.
struct Keys<'a> {
    list: &'a Checklist,
    sections: OnceCell<Vec<String>>,
    /// Keys of the headings that are not ASCII (`None` for the rest, which
    /// [`normalize::key_is`] compares in place).
    non_ascii_sections: OnceCell<Vec<Option<String>>>,
    items: OnceCell<Vec<String>>,
    /// Each heading's path of keys, joined ([`identity::join_path`]).
    paths: OnceCell<Vec<String>>,
    /// A buffer for keying one text at a time ([`Keys::item_key_is`]).
    scratch: RefCell<String>,
}

impl<'a> Keys<'a> {
    fn new(list: &'a Checklist) -> Keys<'a> {
        Keys {
            list,
            sections: OnceCell::new(),
            non_ascii_sections: OnceCell::new(),
            items: OnceCell::new(),
            paths: OnceCell::new(),
            scratch: RefCell::new(String::new()),
        }
    }

    /// Item `index`'s [`Identity`]: its heading path and its key.
    fn identity(&self, index: usize) -> Identity<'_> {
        let paths = self.paths.get_or_init(|| {
            let keys = self.sections();
            let mut paths: Vec<String> = Vec::with_capacity(keys.len());
            for (i, s) in self.list.sections.iter().enumerate() {
                // A parent comes before its subsections.
                let parent = s.parent.filter(|&p| p < i).map_or("", |p| paths[p].as_str());
                let joined = identity::join_path(parent, &keys[i]);
                paths.push(joined);
            }
            paths
        });
        Identity {
            section: self.list.items[index].section().map_or("", |s| paths[s].as_str()),
            item: &self.items()[index],
        }
    }

    fn identities(&self, items: &[(usize, &Item)]) -> Vec<Identity<'_>> {
        items.iter().map(|(i, _)| self.identity(*i)).collect()
    }

    /// Whether heading `i` has key `want`.
    fn section_key_is(&self, i: usize, want: &str, scratch: &mut String) -> bool {
        let title = &self.list.sections[i].title;
        if title.is_ascii() {
            return normalize::key_is(title, want, scratch);
        }
        let keys = self.non_ascii_sections.get_or_init(|| {
            let sections = &self.list.sections;
            sections
                .iter()
                .map(|s| (!s.title.is_ascii()).then(|| normalize::key(&s.title)))
                .collect()
        });
        keys[i].as_deref() == Some(want)
    }

    fn sections(&self) -> &[String] {
        self.sections
            .get_or_init(|| self.list.sections.iter().map(|s| normalize::key(&s.title)).collect())
    }

    /// Whether item `index` has key `want`: from the keys of every item when
    /// they are already made, otherwise computed in a scratch buffer so that
    /// one `item` rule does not allocate a key per item.
    fn item_key_is(&self, index: usize, item: &Item, want: &str) -> bool {
        if let Some(all) = self.items.get() {
            return all[index] == want;
        }
        normalize::key_is(self.list.text(item), want, &mut self.scratch.borrow_mut())
    }

    fn items(&self) -> &[String] {
        self.items.get_or_init(|| {
            self.list
                .items
                .iter()
                .map(|i| normalize::key(self.list.text(i)))
                .collect()
        })
    }

    /// Sections whose heading path ends with the selector's components.
    /// ASCII headings are compared with [`normalize::key_is`], which rejects
    /// most at their first letter; the others are keyed once.
    fn find_sections(&self, sel: &SectionSelector) -> Vec<usize> {
        let sections = &self.list.sections;
        let mut scratch = String::new();
        (0..sections.len())
            .filter(|&s| {
                let mut cur = Some(s);
                for want in sel.keys.iter().rev() {
                    match cur {
                        Some(i) if self.section_key_is(i, want, &mut scratch) => {
                            cur = sections[i].parent;
                        }
                        _ => return false,
                    }
                }
                true
            })
            .collect()
    }

    /// Resolve an optional section scope: `Ok(None)` means the whole checklist,
    /// `Err(Resolve::NotFound)` that the section is missing.
    fn scope(&self, within: Option<&SectionSelector>, req: &Requirement) -> Result<Option<usize>, Resolve> {
        let Some(sel) = within else { return Ok(None) };
        let found = self.find_sections(sel);
        match found.as_slice() {
            [] => Err(Resolve::NotFound),
            [one] => Ok(Some(*one)),
            many => Err(Resolve::Ambiguous(ambiguous(self.list, sel, many, req))),
        }
    }

    /// `; did you mean "Sign-off"?` for the headings the selector may have
    /// meant ([`crate::suggest::sections`]), or nothing when none is close.
    fn suggest_section(&self, sel: &SectionSelector) -> String {
        crate::suggest::did_you_mean(&crate::suggest::sections(&sel.keys, self.list, self.sections()))
    }

    /// The same for an item's text, among the items in `scope`.
    fn suggest_item(&self, want: &str, scope: Option<usize>) -> String {
        let keys = self.items();
        let candidates = self
            .in_scope(scope)
            .map(|(i, item)| (keys[i].as_str(), self.list.text(item)));
        crate::suggest::did_you_mean(&crate::suggest::texts(want, candidates))
    }

    /// The items in a section and its subsections (every item for `None`),
    /// with their indices.
    fn in_scope(&self, scope: Option<usize>) -> impl Iterator<Item = (usize, &'a Item)> + Clone + '_ {
        self.list.items_within(scope)
    }
}

enum Resolve {
    NotFound,
    Ambiguous(Diagnostic),
}

fn ambiguous(list: &Checklist, sel: &SectionSelector, found: &[usize], req: &Requirement) -> Diagnostic {
    let places: Vec<String> = found
        .iter()
        .map(|&s| {
            let path = list.section_path(Some(s)).join(" > ");
            format!("line {} \"{path}\"", list.sections[s].line)
        })
        .collect();
    Diagnostic {
        file: String::new(),
        at: req.selector_at,
        message: format!(
            "section \"{}\" matches {} sections in {}: {}; name more of the heading path, e.g. \"Parent > {}\"",
            sel.raw,
            found.len(),
            list.path,
            places.join(", "),
            sel.raw
        ),
    }
}

fn open_item<'a>(list: &'a Checklist, item: &Item, note: Option<&'static str>) -> OpenItem<'a> {
    noted_item(list, item, note.map(Cow::Borrowed))
}

fn noted_item<'a>(list: &'a Checklist, item: &Item, note: Option<Cow<'a, str>>) -> OpenItem<'a> {
    OpenItem {
        line: item.line(),
        text: Cow::Borrowed(list.text(item)),
        section: list.section_at(item.section()),
        note,
        url: list.link_of(item).map(Cow::Borrowed),
        code: list.code_spans(item),
        evidence: Vec::new(),
    }
}

/// Whether an item is marked not applicable under `mode`: `~~name~~ N/A…`,
/// and where reasons are optional also a plain struck-out `~~name~~`.
fn waived_under(item: &Item, mode: WaiverReason) -> bool {
    item.waived() || (mode == WaiverReason::Optional && item.struck())
}

/// Whether an item counts as done under `mode`: ticked, or waived (with a
/// reason unless reasons are optional).
fn satisfied_under(item: &Item, mode: WaiverReason) -> bool {
    match mode {
        WaiverReason::Required => item.satisfied(),
        WaiverReason::Optional => item.checked || waived_under(item, mode),
    }
}

/// The first placeholder of `req` (`filled = true`) the item's text still holds.
fn placeholder<'t>(text: &'t str, req: &Requirement) -> Option<&'t str> {
    req.placeholders.iter().find_map(|r| r.find(text)).map(|m| m.as_str())
}

/// Why an item in a requirement's scope is not done, if it is not.
fn open_reason<'a>(list: &'a Checklist, item: &Item, req: &Requirement) -> Option<(Code, Option<Cow<'a, str>>)> {
    let waived = waived_under(item, req.waiver_reason);
    if !waived && let Some(blank) = placeholder(list.text(item), req) {
        return Some((
            Code::UnfilledPlaceholder,
            Some(Cow::Owned(format!("placeholder \"{blank}\" not filled in"))),
        ));
    }
    match (waived, satisfied_under(item, req.waiver_reason)) {
        (true, _) if !req.waivable => Some((
            Code::WaiverForbidden,
            Some(Cow::Borrowed("waived, but this requirement does not allow waivers")),
        )),
        (true, false) => Some((
            Code::WaiverWithoutReason,
            Some(Cow::Borrowed("waived without a reason: write `N/A: <why>`")),
        )),
        (_, true) => None,
        (false, false) => Some((Code::OpenItem, None)),
    }
}

struct Verdict<'a> {
    code: Code,
    open: Vec<OpenItem<'a>>,
    message: String,
    checked: usize,
    total: usize,
    optional: Vec<OptionalItem<'a>>,
    /// For a selector that matched nothing: the message in two parts, so a
    /// policy error can say where it looked between them.
    unmatched: Option<(String, String)>,
    /// Items counted as done because they are ticked (not waived), for a
    /// rule with evidence keys: the claims the evidence checks.
    ticked: Vec<OpenItem<'a>>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Judge a set of items that must all be done.
fn all_done<'a, 'i>(list: &'a Checklist, items: impl Iterator<Item = &'i Item>, req: &Requirement) -> Verdict<'a> {
    // Room for every item at once: pages past the open ones are never touched.
    let mut open = Vec::with_capacity(items.size_hint().1.unwrap_or(0));
    let mut code = Code::Ok;
    let mut total = 0;
    let mut checked = 0;
    let mut ticked = Vec::new();
    for item in items {
        total += 1;
        match open_reason(list, item, req) {
            None => {
                checked += 1;
                if req.evidence.is_some() && !item.waived() {
                    ticked.push(open_item(list, item, None));
                }
            }
            Some((c, note)) => {
                if code == Code::Ok || c != Code::OpenItem {
                    code = c;
                }
                open.push(noted_item(list, item, note));
            }
        }
    }
    let message = if open.is_empty() {
        match total {
            1 => "checked".to_string(),
            n => format!("all {n} items checked"),
        }
    } else {
        format!("{} of {} open", open.len(), plural(total, "item", "items"))
    };
    Verdict {
        code,
        open,
        message,
        checked,
        total,
        optional: Vec::new(),
        unmatched: None,
        ticked,
    }
}

fn not_found<'a>(code: Code, message: String) -> Verdict<'a> {
    Verdict {
        code,
        open: Vec::new(),
        message,
        checked: 0,
        total: 0,
        optional: Vec::new(),
        unmatched: None,
        ticked: Vec::new(),
    }
}

/// A selector that matched nothing: `lead` says what (`required section
/// "X" not found`), `near` what it may have meant (`; did you mean "Y"?`).
fn unmatched<'a>(code: Code, lead: String, near: String) -> Verdict<'a> {
    Verdict {
        message: format!("{lead}{near}"),
        unmatched: Some((lead, near)),
        ..not_found(code, String::new())
    }
}

/// Whether an `except` pattern or an `except-sections` section makes an
/// item optional for a rule.
fn is_optional(list: &Checklist, item: &Item, req: &Requirement) -> bool {
    (!req.except.is_empty()
        && req
            .except
            .iter()
            .any(|r| normalize::pattern_matches(r, list.text(item))))
        || (!req.except_sections.is_empty() && in_excepted_section(list, item.section(), req))
}

/// Whether section `section` is, or is inside, a section an
/// `except-sections` selector names.
fn in_excepted_section(list: &Checklist, section: Option<usize>, req: &Requirement) -> bool {
    let mut cur = section;
    while let Some(s) = cur {
        if req.except_sections.iter().any(|(sel, _)| path_ends_with(list, s, sel)) {
            return true;
        }
        cur = list.sections[s].parent;
    }
    false
}

/// Whether the heading path of section `s` ends with the selector's parts.
fn path_ends_with(list: &Checklist, s: usize, sel: &SectionSelector) -> bool {
    let mut cur = Some(s);
    for want in sel.keys.iter().rev() {
        match cur {
            Some(i) if normalize::key(&list.sections[i].title) == *want => cur = list.sections[i].parent,
            _ => return false,
        }
    }
    true
}

/// A policy error for each `except-sections` selector that names two or
/// more sections within `scope` (the whole checklist for `None`).
fn ambiguous_except_sections(keys: &Keys, scope: Option<usize>, req: &Requirement, diags: &mut Vec<Diagnostic>) {
    for (sel, at) in &req.except_sections {
        let found: Vec<usize> = keys
            .find_sections(sel)
            .into_iter()
            .filter(|&s| scope.is_none_or(|outer| keys.list.section_within(Some(s), outer)))
            .collect();
        if found.len() > 1 {
            let mut d = ambiguous(keys.list, sel, &found, req);
            d.at = *at;
            d.message = format!("`except-sections`: {}", d.message);
            diags.push(d);
        }
    }
}

/// The section a rule looks in: its `section`, or the one its `item` or
/// `item-regex` is within; `None` for the whole checklist.
fn within(req: &Requirement) -> Option<&SectionSelector> {
    match &req.selector {
        Selector::All => None,
        Selector::Section(sel) => Some(sel),
        Selector::Item { within, .. } | Selector::ItemRegex { within, .. } => within.as_ref(),
    }
}

/// The items a rule's selector picks in `scope` (its [`within`] section,
/// resolved): every item there for `all` and `section`, those with its key
/// for `item`, those its pattern matches for `item-regex`; `except` is left
/// to [`is_optional`]. The verdict, the tamper checks, `behind-base` and
/// the padding rule all select with this, so one text decides all four.
fn selected<'k, 'a>(
    keys: &'k Keys<'a>,
    req: &'k Requirement,
    scope: Option<usize>,
) -> impl Iterator<Item = (usize, &'a Item)> + Clone + 'k {
    keys.in_scope(scope).filter(move |(i, item)| match &req.selector {
        Selector::All | Selector::Section(_) => true,
        Selector::Item { key, .. } => keys.item_key_is(*i, item, key),
        Selector::ItemRegex { regex, .. } => normalize::pattern_matches(regex, keys.list.text(item)),
    })
}

/// The items a rule requires in a checklist, in document order: selected
/// and not optional. None where its section is missing or ambiguous.
fn required<'a>(keys: &Keys<'a>, req: &Requirement) -> Vec<(usize, &'a Item)> {
    match keys.scope(within(req), req) {
        Ok(scope) => selected(keys, req, scope)
            .filter(|(_, item)| !is_optional(keys.list, item, req))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Why an item is listed but not counted by a counting rule.
const NOT_COUNTED: &str = "added by this pull request: not counted";

/// Indices of the items a counting rule (`min-checked`, `max-checked`)
/// requires at the head that the pull request added: those with no
/// counterpart among the items the rule requires at the base. Ticking boxes
/// of one's own must not meet a count. Empty without a base, for other
/// rules, and when the rule requires nothing at the base (the author writes
/// the whole list then).
fn added_by_pull(base: Option<&Keys>, head: &Keys, req: &Requirement) -> std::collections::HashSet<usize> {
    let counting = req.min_checked.is_some() || req.max_checked.is_some();
    let Some(base) = base.filter(|_| counting) else {
        return Default::default();
    };
    let at_base = required(base, req);
    if at_base.is_empty() {
        return Default::default();
    }
    unpaired(head, required(head, req), base, &at_base)
        .into_iter()
        .map(|(i, _)| i)
        .collect()
}

/// Those of `items` (of `from`'s checklist) without a counterpart among
/// `there` (of `to`'s), pairing the two as multisets ([`identity::pair`]).
fn unpaired<'f>(
    from: &Keys<'f>,
    items: Vec<(usize, &'f Item)>,
    to: &Keys,
    there: &[(usize, &Item)],
) -> Vec<(usize, &'f Item)> {
    let paired = identity::pair(&from.identities(&items), &to.identities(there));
    items
        .into_iter()
        .zip(paired)
        .filter_map(|(item, p)| p.is_none().then_some(item))
        .collect()
}

/// Judge the items of an `all` or `section` rule: every required one done, or
/// between `min-checked` and `max-checked` of them checked; `added` (from
/// [`added_by_pull`]) are listed, never counted. `scope` names them in
/// policy errors.
/// The items come as an iterator walked once per use, so that a rule over
/// a whole large checklist collects nothing but its open items.
fn counted<'a, 'i>(
    list: &'a Checklist,
    items: impl Iterator<Item = (usize, &'i Item)> + Clone,
    req: &Requirement,
    added: &std::collections::HashSet<usize>,
    scope: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Verdict<'a>> {
    let in_rule = items.clone().filter(|(_, i)| !is_optional(list, i, req));
    let required = in_rule.clone().filter(|(j, _)| !added.contains(j)).map(|(_, i)| i);
    // Each pass over the items matches `except` again: none when no item was added.
    let padding: Vec<&Item> = if added.is_empty() {
        Vec::new()
    } else {
        in_rule
            .clone()
            .filter(|(j, _)| added.contains(j))
            .map(|(_, i)| i)
            .collect()
    };
    let optional: Vec<OptionalItem> = items
        .map(|(_, i)| i)
        .filter(|i| is_optional(list, i, req))
        .map(|i| OptionalItem {
            line: i.line(),
            text: Cow::Borrowed(list.text(i)),
            checked: satisfied_under(i, req.waiver_reason),
            section: list.section_at(i.section()),
        })
        .collect();
    let counting = req.min_checked.is_some() || req.max_checked.is_some();
    // A percentage is a share of the items the rule counts (added ones aside).
    let required_count = if counting { required.clone().count() } else { 0 };
    let (min, max) = (
        req.min_checked.map(|c| c.of(required_count)),
        req.max_checked.map(|c| c.of(required_count)),
    );
    if let (Some(lo), Some(hi)) = (min, max)
        && hi < lo
    {
        diags.push(Diagnostic {
            file: String::new(),
            at: req.min_checked_at.unwrap_or(req.at),
            message: format!(
                "`min-checked = {}` is {lo} and `max-checked = {}` is {hi} of the {} in {scope}, so nothing can pass",
                req.min_checked.map_or(String::new(), |c| c.to_string()),
                req.max_checked.map_or(String::new(), |c| c.to_string()),
                plural(required_count, "item", "items"),
            ),
        });
        return None;
    }
    // Against what the checklist lists, added items included: a policy
    // error is the maintainer's to fix, and adding boxes must not cause one
    // (a count short of them is `too-few-checked`).
    if let Some(min) = min
        && !req.min_checked.is_some_and(Count::is_percent)
        && min > in_rule.clone().count()
    {
        diags.push(Diagnostic {
            file: String::new(),
            at: req.min_checked_at.unwrap_or(req.at),
            message: format!(
                "`min-checked = {min}` is more than the {} in {scope}",
                plural(in_rule.count(), "item", "items")
                    + if req.except.is_empty() {
                        ""
                    } else {
                        " not matched by `except`"
                    }
            ),
        });
        return None;
    }
    let mut v = all_done(list, required.clone(), req);
    v.optional = optional;
    if min.is_none() && max.is_none() {
        return Some(v);
    }
    // A percentage shows the share it asks for and the count it makes.
    let shown = |count: Option<Count>, n: usize| match count {
        Some(c @ Count::Percent(_)) => format!("{c} ({n})"),
        _ => n.to_string(),
    };
    let wanted = match (min, max) {
        (Some(a), Some(b)) if a == b => format!("exactly {}", shown(req.min_checked, a)),
        (Some(a), Some(b)) => format!("{} to {}", shown(req.min_checked, a), shown(req.max_checked, b)),
        (Some(a), None) => format!("at least {}", shown(req.min_checked, a)),
        (None, Some(0)) => "none".to_string(),
        (None, Some(b)) => format!("at most {}", shown(req.max_checked, b)),
        (None, None) => String::new(),
    };
    let (checked, total) = (v.checked, v.total);
    let share = if req.min_checked.is_some_and(Count::is_percent) || req.max_checked.is_some_and(Count::is_percent) {
        format!(" ({}%)", (checked as u64 * 100).checked_div(total as u64).unwrap_or(0))
    } else {
        String::new()
    };
    if min.is_some_and(|m| checked < m) {
        v.code = Code::TooFewChecked;
        v.message = format!("{checked} of {total} checked{share}; {wanted} required");
    } else if max.is_some_and(|m| checked > m) {
        v.code = Code::TooManyChecked;
        v.message = format!("{checked} of {total} checked{share}; {wanted} allowed");
        // The checked items are the ones to reconsider.
        v.open = required
            .filter(|i| satisfied_under(i, req.waiver_reason))
            .map(|i| open_item(list, i, Some("checked")))
            .collect();
    } else {
        v.code = Code::Ok;
        v.open.clear();
        v.message = format!("{checked} of {total} checked{share}");
    }
    if !padding.is_empty() {
        v.message = format!(
            "{}; {} {NOT_COUNTED}",
            v.message,
            plural(padding.len(), "item", "items")
        );
        if v.code != Code::Ok {
            v.open
                .extend(padding.into_iter().map(|i| open_item(list, i, Some(NOT_COUNTED))));
        }
    }
    Some(v)
}

/// Evaluate one requirement against the head checklist; `base` is the
/// checklist the pull request started from, when known (for padding).
fn requirement<'a>(
    keys: &Keys<'a>,
    base: Option<&Keys>,
    req: &Requirement,
    diags: &mut Vec<Diagnostic>,
) -> Option<Verdict<'a>> {
    let list = keys.list;
    let resolve = |within: Option<&SectionSelector>, diags: &mut Vec<Diagnostic>| match keys.scope(within, req) {
        Ok(s) => Some(Ok(s)),
        Err(Resolve::NotFound) => Some(Err(())),
        Err(Resolve::Ambiguous(d)) => {
            diags.push(d);
            None
        }
    };
    let verdict = match &req.selector {
        Selector::All => {
            if list.items.is_empty() {
                not_found(Code::NoItems, format!("no task items found in {}", list.path))
            } else {
                ambiguous_except_sections(keys, None, req, diags);
                let added = added_by_pull(base, keys, req);
                counted(list, keys.in_scope(None), req, &added, &list.path, diags)?
            }
        }
        Selector::Section(sel) => match resolve(Some(sel), diags)? {
            Err(()) => unmatched(
                Code::SectionNotFound,
                format!("required section \"{}\" not found", sel.raw),
                keys.suggest_section(sel),
            ),
            Ok(scope) => {
                let items = keys.in_scope(scope);
                if items.clone().next().is_none() {
                    not_found(
                        Code::SectionEmpty,
                        format!("required section \"{}\" contains no items", sel.raw),
                    )
                } else {
                    ambiguous_except_sections(keys, scope, req, diags);
                    let added = added_by_pull(base, keys, req);
                    let scope = format!("section \"{}\" of {}", sel.raw, list.path);
                    counted(list, items, req, &added, &scope, diags)?
                }
            }
        },
        Selector::Item { text, key, within } => match resolve(within.as_ref(), diags)? {
            Err(()) => unmatched(
                Code::SectionNotFound,
                format!(
                    "section \"{}\" of required item \"{text}\" not found",
                    within.as_ref().map_or("", |w| w.raw.as_str()),
                ),
                within.as_ref().map_or(String::new(), |w| keys.suggest_section(w)),
            ),
            Ok(scope) => {
                let matched: Vec<&Item> = selected(keys, req, scope).map(|(_, item)| item).collect();
                if matched.is_empty() {
                    let near = keys.suggest_item(key, scope);
                    unmatched(Code::ItemNotFound, format!("required item \"{text}\" not found"), near)
                } else {
                    all_done(list, matched.into_iter(), req)
                }
            }
        },
        Selector::ItemRegex { regex, within } => match resolve(within.as_ref(), diags)? {
            Err(()) => unmatched(
                Code::SectionNotFound,
                format!(
                    "section \"{}\" of `item-regex` {} not found",
                    within.as_ref().map_or("", |w| w.raw.as_str()),
                    regex.as_str(),
                ),
                within.as_ref().map_or(String::new(), |w| keys.suggest_section(w)),
            ),
            Ok(scope) => {
                let matched: Vec<&Item> = selected(keys, req, scope).map(|(_, item)| item).collect();
                if matched.is_empty() {
                    unmatched(
                        Code::NoItemMatched,
                        format!("no item matches `item-regex` {}", regex.as_str()),
                        String::new(),
                    )
                } else {
                    all_done(list, matched.into_iter(), req)
                }
            }
        },
    };
    Some(verdict)
}

/// A policy error for a selector that matched nothing at the head, when it
/// matches nothing in any of `views` either (each the checklist as the
/// policy's author could see it, with where that is): the author could have
/// checked it, so it is their mistake, not the pull request's. `None` when
/// there is no such view (a description without a template, a file the pull
/// request adds) or one of them has what the selector names.
fn policy_mistake(views: &[(&Keys, String)], req: &Requirement, lead: &str, near: &str) -> Option<Diagnostic> {
    let mut first = None;
    for (keys, place) in views {
        let mut ignored = Vec::new();
        let unmatched = requirement(keys, None, req, &mut ignored).and_then(|v| v.unmatched)?;
        first.get_or_insert((unmatched, place));
    }
    let ((_, view_near), place) = first?;
    // The suggestions come from what the author could see.
    let near = if view_near.is_empty() { near } else { &view_near };
    Some(Diagnostic {
        file: String::new(),
        at: req.selector_at,
        message: format!("{lead} in {place}{near}"),
    })
}

/// A required item at the base that its rule no longer requires at the
/// head, with the head item of the same identity when there is one.
struct Removed<'b, 'h> {
    item: &'b Item,
    /// The item reworded out of the rule's reach (`Load :stopwatch: test`
    /// against `(?i)load test`), moved out of its section, or made optional
    /// by `except`: same headings and key, no longer required.
    now: Option<&'h Item>,
}

/// Items a requirement required at the base that it does not require at
/// the head: the base's required items, selected by the same code as the
/// verdict's, paired as a multiset with the head's ([`identity::pair`]).
fn removed_since_base<'b, 'h>(base: &Keys<'b>, head: &Keys<'h>, req: &Requirement) -> Vec<Removed<'b, 'h>> {
    let at_base = required(base, req);
    if at_base.is_empty() {
        return Vec::new();
    }
    let at_head = required(head, req);
    let gone = unpaired(base, at_base, head, &at_head);
    if gone.is_empty() {
        return Vec::new();
    }
    // Where each went: an item of the same identity that the rule no
    // longer requires (its required items were all offered above).
    let required_here: std::collections::HashSet<usize> = at_head.iter().map(|(i, _)| *i).collect();
    let others: Vec<(usize, &'h Item)> = head
        .in_scope(None)
        .filter(|(i, _)| !required_here.contains(i))
        .collect();
    let now = identity::pair(&base.identities(&gone), &head.identities(&others));
    gone.into_iter()
        .zip(now)
        .map(|((_, item), j)| Removed {
            item,
            now: j.map(|j| others[j].1),
        })
        .collect()
}

fn signoff(req: &Requirement, ctx: &Context) -> Option<(bool, String)> {
    if req.approved_by.is_empty() {
        return None;
    }
    let wanted = req.approved_by.join(", ");
    let signoffs = ctx.signoffs.as_ref()?;
    let who = signoffs.matching(&req.approved_by);
    Some(if who.is_empty() {
        (false, format!("needs an approving review from one of: {wanted}"))
    } else {
        (
            true,
            format!(
                "signed off by {}",
                who.iter().map(|w| format!("@{w}")).collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

fn changed_matches(globs: &Option<crate::policy::Globs>, ctx: &Context) -> bool {
    match (globs, &ctx.changed_files) {
        // A cut-off list may hide a match: apply the rule rather than risk a false pass.
        (Some(g), Some(files)) => ctx.changed_files_truncated || g.matches_any(files.iter().map(String::as_str)),
        _ => true,
    }
}

/// Judge one checklist (`None` when the file does not exist).
pub fn evaluate_checklist<'a>(
    cp: &ChecklistPolicy,
    subject: Subject<'a>,
    ctx: &Context,
) -> Result<ChecklistReport<'a>, Vec<Diagnostic>> {
    let path = cp.source.display().to_string();
    let mut notes = Vec::new();
    if !changed_matches(&cp.when_changed, ctx) {
        notes.push(format!(
            "skipped: no changed file matches when-changed ({})",
            cp.when_changed
                .as_ref()
                .map_or(String::new(), |g| g.patterns.join(", "))
        ));
        return Ok(ChecklistReport {
            path,
            total: 0,
            checked: 0,
            requirements: Vec::new(),
            waived: Vec::new(),
            notes,
        });
    }
    let Some(head) = subject.head else {
        let existed = if subject.base.is_some() {
            " at the head: this pull request deletes or renames it (it exists at the base)"
        } else if subject.tip.is_some() {
            " at the head: the base branch added it after this branch was created; merge or rebase"
        } else if ctx.changed_files.is_some() {
            " (deleted or renamed by this pull request?)"
        } else {
            ""
        };
        return Ok(ChecklistReport {
            path: path.clone(),
            total: 0,
            checked: 0,
            requirements: vec![RequirementReport {
                rule: format!("checklist: {path}"),
                level: Level::Deny,
                passed: false,
                code: Code::ChecklistMissing,
                open: Vec::new(),
                message: match &subject.looked_for {
                    Some(looked) => format!("checklist {path} not found{existed}; {looked}"),
                    None => format!("checklist {path} not found{existed}"),
                },
                checked: 0,
                total: 0,
                help: None,
                optional: Vec::new(),
                evidence: Vec::new(),
            }],
            waived: Vec::new(),
            notes,
        });
    };
    let keys = Keys::new(head);
    let base_keys = subject.base.map(Keys::new);
    let tip_keys = subject.tip.map(Keys::new);
    let mut behind = Behind::default();
    let empty_allowed = cp.allow_empty && head.items.is_empty();
    if empty_allowed {
        notes.push(format!("no task items found in {path}; allow-empty skips its rules"));
    }
    let mut diags = Vec::new();
    let mut requirements = Vec::new();
    for req in &cp.requires {
        if !changed_matches(&req.when_changed, ctx) {
            notes.push(format!("skipped {}: no changed file matches when-changed", req.rule()));
            continue;
        }
        if !req.approved_by.is_empty() && ctx.signoffs.is_none() {
            notes.push(format!(
                "not checked here: {} needs an approving review from {} on the pull request",
                req.rule(),
                req.approved_by.join(", ")
            ));
            continue;
        }
        if let Some(note) = evidence::unavailable(req, ctx) {
            notes.push(note);
            continue;
        }
        // An allowed-empty checklist skips its rules, but not the tamper
        // checks: emptying a checklist must not be a way to pass it.
        let verdict = if empty_allowed {
            None
        } else {
            match requirement(&keys, base_keys.as_ref(), req, &mut diags) {
                Some(v) => Some(v),
                None => continue,
            }
        };
        if let Some((lead, near)) = verdict.as_ref().and_then(|v| v.unmatched.as_ref()) {
            let mut views: Vec<(&Keys, String)> = Vec::new();
            if subject.authored {
                views.push((&keys, path.clone()));
            }
            if let Some(base) = &base_keys {
                views.push((
                    base,
                    match cp.source {
                        crate::policy::Source::PrBody => "the pull request template".to_string(),
                        _ => format!("{path} at the base"),
                    },
                ));
            }
            if let Some(tip) = &tip_keys {
                views.push((tip, format!("{path} on the base branch")));
            }
            if let Some(d) = policy_mistake(&views, req, lead, near) {
                diags.push(d);
                continue;
            }
        }
        let section_gone = match &verdict {
            Some(v) => matches!(v.code, Code::SectionNotFound | Code::SectionEmpty),
            None => matches!(req.selector, Selector::Section(_)),
        };
        if let Some(level) = cp.tamper
            && let Some(base_keys) = &base_keys
        {
            let removed = removed_since_base(base_keys, &keys, req);
            if !removed.is_empty() {
                let base = base_keys.list;
                requirements.push(RequirementReport {
                    rule: format!("nothing removed since base: {}", req.rule()),
                    level: if req.level == Level::Warn { Level::Warn } else { level },
                    passed: false,
                    code: if section_gone {
                        Code::SectionRemoved
                    } else {
                        Code::ItemRemoved
                    },
                    open: removed
                        .iter()
                        .map(|r| {
                            let mut open = open_item(base, r.item, Some("at base; deleted or reworded here"));
                            if let Some(now) = r.now {
                                open.note = Some(Cow::Owned(format!(
                                    "at base; line {} here reads \"{}\", which this rule does not require",
                                    now.line(),
                                    head.text(now)
                                )));
                            }
                            open
                        })
                        .collect(),
                    message: format!(
                        "{} required at the base deleted or reworded in this pull request",
                        plural(removed.len(), "item", "items")
                    ),
                    checked: 0,
                    total: removed.len(),
                    help: None,
                    optional: Vec::new(),
                    evidence: Vec::new(),
                });
            }
        }
        if cp.stale.is_some()
            && let Some(tip_keys) = &tip_keys
        {
            behind.add(tip_keys, &keys, base_keys.as_ref(), req);
        }
        // `allow-empty` skips a rule's boxes, never its sign-off: a rule
        // with `approved-by` needs its approval whether or not its box exists.
        let verdict = verdict.or_else(|| signoff(req, ctx).map(|_| not_found(Code::Ok, String::new())));
        let Some(mut v) = verdict else { continue };
        let judged = evidence::apply(&mut v, req, ctx);
        if let Some((ok, message)) = signoff(req, ctx)
            && (judged.is_none() || v.code == Code::Ok)
        {
            let found = !matches!(
                v.code,
                Code::SectionNotFound | Code::ItemNotFound | Code::NoItemMatched | Code::SectionEmpty | Code::NoItems
            );
            if found {
                v.code = if ok { Code::Ok } else { Code::SignoffMissing };
                v.message = message;
                if ok {
                    v.open.clear();
                }
            }
        }
        requirements.push(RequirementReport {
            rule: req.rule(),
            level: req.level,
            passed: v.code == Code::Ok,
            code: v.code,
            open: v.open,
            message: v.message,
            checked: v.checked,
            total: v.total,
            help: req.help.clone(),
            optional: v.optional,
            evidence: judged.as_ref().map(|j| j.entries.clone()).unwrap_or_default(),
        });
        if let Some(untrusted) = judged.and_then(|j| evidence::untrusted(&j, &v.ticked, req, ctx)) {
            requirements.push(untrusted);
        }
    }
    if let (Some(level), Some(tip)) = (cp.stale, subject.tip)
        && let Some(report) = behind.report(tip, level)
    {
        requirements.push(report);
    }
    if let (Some(level), Some(base), Some(base_keys)) = (cp.untick, subject.base, &base_keys) {
        // Each item is paired with its counterpart at the base by the one
        // identity the other tamper checks use (headings and key, as
        // multisets): a second, open copy of a ticked item, or the same
        // text ticked under another heading, is not "unticked".
        let head_items: Vec<(usize, &Item)> = head.items.iter().enumerate().collect();
        let base_items: Vec<(usize, &Item)> = base.items.iter().enumerate().collect();
        let paired = identity::pair(&keys.identities(&head_items), &base_keys.identities(&base_items));
        let unticked: Vec<OpenItem> = head_items
            .iter()
            .zip(paired)
            .filter(|((_, i), at_base)| {
                !i.checked && !waived_under(i, cp.waiver_reason) && at_base.is_some_and(|b| base.items[b].checked)
            })
            .map(|((_, i), _)| open_item(head, i, Some("checked at the base")))
            .collect();
        if !unticked.is_empty() {
            requirements.push(RequirementReport {
                rule: "no item unticked since base".to_string(),
                level,
                passed: false,
                code: Code::ItemUnticked,
                message: format!(
                    "{} checked at the base unchecked here",
                    plural(unticked.len(), "item", "items")
                ),
                checked: 0,
                total: unticked.len(),
                open: unticked,
                help: None,
                optional: Vec::new(),
                evidence: Vec::new(),
            });
        }
    }
    if let Some(level) = cp.nesting
        && !empty_allowed
        && let Some(report) = parent_ticked_children_open(head, cp.waiver_reason, level)
    {
        requirements.push(report);
    }
    // A description or comments without a baseline are the pull request's
    // own text: what they hold says nothing about the policy.
    let authored = match subject.base {
        Some(base) => Some(base),
        None => matches!(cp.source, crate::policy::Source::File(_)).then_some(head),
    };
    if let Some(list) = authored {
        selects_everything(cp, list, subject.base.is_some(), &mut diags);
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let waived = head
        .items
        .iter()
        .filter_map(|i| {
            let waiver = head
                .waiver(i)
                .or_else(|| waived_under(i, cp.waiver_reason).then_some(crate::checklist::Waiver { reason: None }));
            waiver.map(|w| WaivedItem {
                line: i.line(),
                text: Cow::Borrowed(head.text(i)),
                reason: w.reason.map(Cow::Borrowed),
            })
        })
        .collect();
    Ok(ChecklistReport {
        path,
        total: head.items.len(),
        checked: head.checked(),
        requirements,
        waived,
        notes,
    })
}

/// How many open sub-items a `parent-ticked-children-open` note names; a
/// parent with thousands would otherwise repeat them all on one line.
const NAMED_CHILDREN: usize = 10;

/// `parent-ticked-children-open`: each ticked item (not waived) with direct
/// sub-items that are not done, on the parent's line, naming them.
fn parent_ticked_children_open(list: &Checklist, mode: WaiverReason, level: Level) -> Option<RequirementReport<'_>> {
    let mut open_children: std::collections::BTreeMap<usize, Vec<&str>> = std::collections::BTreeMap::new();
    for item in &list.items {
        if let Some(parent) = item.parent()
            && !satisfied_under(item, mode)
        {
            open_children.entry(parent).or_default().push(list.text(item));
        }
    }
    let open: Vec<OpenItem> = open_children
        .into_iter()
        .filter_map(|(p, children)| {
            let parent = list.items.get(p)?;
            (parent.checked && !waived_under(parent, mode)).then(|| {
                let mut named: Vec<String> = children
                    .iter()
                    .take(NAMED_CHILDREN)
                    .map(|c| format!("\"{c}\""))
                    .collect();
                if children.len() > NAMED_CHILDREN {
                    named.push(format!("and {} more", children.len() - NAMED_CHILDREN));
                }
                noted_item(
                    list,
                    parent,
                    Some(Cow::Owned(format!(
                        "ticked, but {} open: {}",
                        plural(children.len(), "sub-item is", "sub-items are"),
                        named.join(", ")
                    ))),
                )
            })
        })
        .collect();
    if open.is_empty() {
        return None;
    }
    Some(RequirementReport {
        rule: "no ticked item with open sub-items".to_string(),
        level,
        passed: false,
        code: Code::ParentTickedChildrenOpen,
        message: format!(
            "{} ticked with open sub-items",
            plural(open.len(), "item is", "items are")
        ),
        checked: 0,
        total: open.len(),
        open,
        help: None,
        optional: Vec::new(),
        evidence: Vec::new(),
    })
}

/// A policy error for an `item-regex` that matches every item of a
/// checklist of two or more: it is `all = true` in disguise, and most often
/// an empty alternative. Judged on `list`, the copy the policy's author
/// controls (the base when there is one).
fn selects_everything(cp: &ChecklistPolicy, list: &Checklist, at_base: bool, diags: &mut Vec<Diagnostic>) {
    if list.items.len() < 2 {
        return;
    }
    for req in &cp.requires {
        if let Selector::ItemRegex { regex, .. } = &req.selector
            && list.items.iter().all(|i| regex.is_match(list.text(i)))
        {
            diags.push(Diagnostic {
                file: String::new(),
                at: req.selector_at,
                message: format!(
                    "`item-regex` {:?} matches every one of the {} items of {}{}, so it selects them all; \
                     write `all = true` if that is meant, or narrow the pattern",
                    regex.as_str(),
                    list.items.len(),
                    list.path,
                    if at_base { " at the base" } else { "" }
                ),
            });
        }
    }
}

/// Required items at the base branch's tip that the head lacks and the pull
/// request did not remove: the base gained them after the branch was made.
#[derive(Default)]
struct Behind<'t> {
    items: Vec<&'t Item>,
    /// Lines of `items`, so that each is listed once.
    lines: std::collections::HashSet<usize>,
    /// Some deny-level rule requires one of them.
    denied: bool,
}

impl<'t> Behind<'t> {
    /// What `req` requires at the tip and does not find required at the
    /// head, less what it required at the merge base (the pull request
    /// removed those itself: that is the tamper check's finding).
    fn add(&mut self, tip: &Keys<'t>, head: &Keys, base: Option<&Keys>, req: &Requirement) {
        let at_tip = required(tip, req);
        if at_tip.is_empty() {
            return;
        }
        let mut missing = unpaired(tip, at_tip, head, &required(head, req));
        if let Some(base) = base {
            missing = unpaired(tip, missing, base, &required(base, req));
        }
        for (_, item) in missing {
            self.denied |= req.level == Level::Deny;
            if self.lines.insert(item.line()) {
                self.items.push(item);
            }
        }
    }

    fn report(mut self, tip: &'t Checklist, level: Level) -> Option<RequirementReport<'t>> {
        if self.items.is_empty() {
            return None;
        }
        self.items.sort_by_key(|i| i.line());
        let n = self.items.len();
        Some(RequirementReport {
            rule: "up to date with the base branch".to_string(),
            level: if self.denied { level } else { Level::Warn },
            passed: false,
            code: Code::BehindBase,
            open: self
                .items
                .iter()
                .map(|i| open_item(tip, i, Some("on the base branch, added after this branch was made")))
                .collect(),
            message: format!(
                "the base has {} this branch does not; merge or rebase",
                plural(n, "required item", "required items")
            ),
            checked: 0,
            total: n,
            help: None,
            optional: Vec::new(),
            evidence: Vec::new(),
        })
    }
}

/// Fill in the policy file name on diagnostics found during evaluation.
pub fn attribute(policy: &Policy, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .map(|d| Diagnostic {
            file: policy.file.clone(),
            ..d
        })
        .collect()
}
