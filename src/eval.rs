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

use std::cell::OnceCell;

use crate::checklist::{Checklist, Item, SectionPath};
use crate::normalize;

mod evidence;
use crate::policy::{ChecklistPolicy, Diagnostic, Policy, Requirement, SectionSelector, Selector};

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
}

/// Normalised keys of a checklist's headings and items, computed on first use.
struct Keys<'a> {
    list: &'a Checklist,
    sections: OnceCell<Vec<String>>,
    /// Keys of the headings that are not ASCII (`None` for the rest, which
    /// [`normalize::key_is`] compares in place).
    non_ascii_sections: OnceCell<Vec<Option<String>>>,
    items: OnceCell<Vec<String>>,
}

impl<'a> Keys<'a> {
    fn new(list: &'a Checklist) -> Keys<'a> {
        Keys {
            list,
            sections: OnceCell::new(),
            non_ascii_sections: OnceCell::new(),
            items: OnceCell::new(),
        }
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
    /// they are already made, otherwise computed in `scratch` so that one
    /// `item` rule does not allocate a key per item.
    fn item_key_is(&self, index: usize, item: &Item, want: &str, scratch: &mut String) -> bool {
        if let Some(all) = self.items.get() {
            return all[index] == want;
        }
        normalize::key_is(self.list.text(item), want, scratch)
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

    /// `; did you mean "Sign-off"?` for the headings closest to the
    /// selector's innermost part, or nothing when none is close.
    fn suggest_section(&self, sel: &SectionSelector) -> String {
        let Some(want) = sel.keys.last() else {
            return String::new();
        };
        let keys = self.sections();
        did_you_mean(
            want,
            self.list
                .sections
                .iter()
                .zip(keys)
                .map(|(s, k)| (k.as_str(), s.title.as_str())),
        )
    }

    /// The same for an item's text, among the items in `scope`.
    fn suggest_item(&self, want: &str, scope: Option<usize>) -> String {
        let keys = self.items();
        did_you_mean(
            want,
            self.in_scope(scope)
                .map(|(i, item)| (keys[i].as_str(), self.list.text(item))),
        )
    }

    /// The items in a section and its subsections (every item for `None`),
    /// with their indices.
    fn in_scope(&self, scope: Option<usize>) -> impl Iterator<Item = (usize, &'a Item)> + Clone + '_ {
        self.list.items_within(scope)
    }
}

/// How alike two normalised texts must be (0..1, normalised Damerau-
/// Levenshtein) to be offered as a correction.
const SUGGEST_SIMILARITY: f64 = 0.7;

/// `; did you mean "A"?` / `"A" or "B"?` for up to three candidates (key,
/// shown text) closest to `want`, best first; empty when none is close.
fn did_you_mean<'a>(want: &str, candidates: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut close: Vec<(f64, &str)> = candidates
        .map(|(key, shown)| (strsim::normalized_damerau_levenshtein(want, key), shown))
        .filter(|(score, _)| *score >= SUGGEST_SIMILARITY)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut shown: Vec<&str> = Vec::new();
    for (_, s) in close {
        if !shown.contains(&s) && shown.len() < 3 {
            shown.push(s);
        }
    }
    let quoted: Vec<String> = shown.iter().map(|s| format!("\"{s}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
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
    OpenItem {
        line: item.line(),
        text: Cow::Borrowed(list.text(item)),
        section: list.section_at(item.section()),
        note: note.map(Cow::Borrowed),
        url: list.link_of(item).map(Cow::Borrowed),
        evidence: Vec::new(),
    }
}

/// Why an item in a requirement's scope is not done, if it is not.
fn open_reason(item: &Item, req: &Requirement) -> Option<(Code, Option<&'static str>)> {
    match (item.waived(), item.satisfied()) {
        (true, _) if !req.waivable => Some((
            Code::WaiverForbidden,
            Some("waived, but this requirement does not allow waivers"),
        )),
        (true, false) => Some((
            Code::WaiverWithoutReason,
            Some("waived without a reason: write `N/A: <why>`"),
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
        match open_reason(item, req) {
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
                open.push(open_item(list, item, note));
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
        ticked: Vec::new(),
    }
}

/// Whether an `except` pattern makes an item optional for a rule.
fn is_optional(list: &Checklist, item: &Item, req: &Requirement) -> bool {
    !req.except.is_empty() && req.except.iter().any(|r| r.is_match(list.text(item)))
}

/// Judge the items of an `all` or `section` rule: every required one done, or
/// between `min-checked` and `max-checked` of them checked. `scope` names
/// them in policy errors.
/// The items come as an iterator walked once per use, so that a rule over
/// a whole large checklist collects nothing but its open items.
fn counted<'a, 'i>(
    list: &'a Checklist,
    items: impl Iterator<Item = &'i Item> + Clone,
    req: &Requirement,
    scope: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Verdict<'a>> {
    let required = items.clone().filter(|i| !is_optional(list, i, req));
    let optional: Vec<OptionalItem> = items
        .filter(|i| is_optional(list, i, req))
        .map(|i| OptionalItem {
            line: i.line(),
            text: Cow::Borrowed(list.text(i)),
            checked: i.satisfied(),
            section: list.section_at(i.section()),
        })
        .collect();
    let (min, max) = (req.min_checked, req.max_checked);
    if let Some(min) = min
        && min > required.clone().count()
    {
        diags.push(Diagnostic {
            file: String::new(),
            at: req.min_checked_at.unwrap_or(req.at),
            message: format!(
                "`min-checked = {min}` is more than the {} in {scope}",
                plural(required.clone().count(), "item", "items")
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
    let wanted = match (min, max) {
        (Some(a), Some(b)) if a == b => format!("exactly {a}"),
        (Some(a), Some(b)) => format!("{a} to {b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => String::new(),
    };
    let (checked, total) = (v.checked, v.total);
    if min.is_some_and(|m| checked < m) {
        v.code = Code::TooFewChecked;
        v.message = format!("{checked} of {total} checked; {wanted} required");
    } else if max.is_some_and(|m| checked > m) {
        v.code = Code::TooManyChecked;
        v.message = format!("{checked} of {total} checked; {wanted} allowed");
        // The checked items are the ones to reconsider.
        v.open = required
            .filter(|i| i.satisfied())
            .map(|i| open_item(list, i, Some("checked")))
            .collect();
    } else {
        v.code = Code::Ok;
        v.open.clear();
        v.message = format!("{checked} of {total} checked");
    }
    Some(v)
}

/// Evaluate one requirement against the head checklist.
fn requirement<'a>(keys: &Keys<'a>, req: &Requirement, diags: &mut Vec<Diagnostic>) -> Option<Verdict<'a>> {
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
                counted(list, list.items.iter(), req, &list.path, diags)?
            }
        }
        Selector::Section(sel) => match resolve(Some(sel), diags)? {
            Err(()) => not_found(
                Code::SectionNotFound,
                format!(
                    "required section \"{}\" not found{}",
                    sel.raw,
                    keys.suggest_section(sel)
                ),
            ),
            Ok(scope) => {
                let items = keys.in_scope(scope).map(|(_, i)| i);
                if items.clone().next().is_none() {
                    not_found(
                        Code::SectionEmpty,
                        format!("required section \"{}\" contains no items", sel.raw),
                    )
                } else {
                    let scope = format!("section \"{}\" of {}", sel.raw, list.path);
                    counted(list, items, req, &scope, diags)?
                }
            }
        },
        Selector::Item { text, key, within } => match resolve(within.as_ref(), diags)? {
            Err(()) => not_found(
                Code::SectionNotFound,
                format!(
                    "section \"{}\" of required item \"{text}\" not found{}",
                    within.as_ref().map_or("", |w| w.raw.as_str()),
                    within.as_ref().map_or(String::new(), |w| keys.suggest_section(w))
                ),
            ),
            Ok(scope) => {
                let mut scratch = String::new();
                let matched: Vec<&Item> = keys
                    .in_scope(scope)
                    .filter(|(i, item)| keys.item_key_is(*i, item, key, &mut scratch))
                    .map(|(_, item)| item)
                    .collect();
                if matched.is_empty() {
                    let near = keys.suggest_item(key, scope);
                    not_found(Code::ItemNotFound, format!("required item \"{text}\" not found{near}"))
                } else {
                    all_done(list, matched.into_iter(), req)
                }
            }
        },
        Selector::ItemRegex { regex, within } => match resolve(within.as_ref(), diags)? {
            Err(()) => not_found(
                Code::SectionNotFound,
                format!(
                    "section \"{}\" of `item-regex` {} not found{}",
                    within.as_ref().map_or("", |w| w.raw.as_str()),
                    regex.as_str(),
                    within.as_ref().map_or(String::new(), |w| keys.suggest_section(w))
                ),
            ),
            Ok(scope) => {
                let matched: Vec<&Item> = keys
                    .in_scope(scope)
                    .filter(|(_, item)| regex.is_match(list.text(item)))
                    .map(|(_, item)| item)
                    .collect();
                if matched.is_empty() {
                    not_found(
                        Code::NoItemMatched,
                        format!("no item matches `item-regex` {}", regex.as_str()),
                    )
                } else {
                    all_done(list, matched.into_iter(), req)
                }
            }
        },
    };
    Some(verdict)
}

/// Items a requirement covered at the base that no longer exist at the head.
fn removed_since_base<'b>(base_keys: &Keys<'b>, head_keys: &Keys, req: &Requirement) -> Vec<&'b Item> {
    let scope_of = |keys: &Keys, within: Option<&SectionSelector>| keys.scope(within, req).ok();
    type Filter<'f> = Box<dyn Fn(usize, &Item) -> bool + 'f>;
    let (within, filter): (Option<&SectionSelector>, Filter) = match &req.selector {
        Selector::All => (None, Box::new(|_, item: &Item| !is_optional(base_keys.list, item, req))),
        Selector::Section(sel) => (
            Some(sel),
            Box::new(|_, item: &Item| !is_optional(base_keys.list, item, req)),
        ),
        Selector::Item { key, within, .. } => {
            let base_items = base_keys.items();
            (within.as_ref(), Box::new(move |i, _| &base_items[i] == key))
        }
        Selector::ItemRegex { regex, within } => (
            within.as_ref(),
            Box::new(move |_, item: &Item| regex.is_match(base_keys.list.text(item))),
        ),
    };
    let Some(base_scope) = scope_of(base_keys, within) else {
        return Vec::new();
    };
    let head_scope = scope_of(head_keys, within).flatten();
    let head_has_scope = within.is_none() || head_scope.is_some();
    let head_item_keys: std::collections::HashSet<&str> = if head_has_scope {
        let hk = head_keys.items();
        head_keys.in_scope(head_scope).map(|(i, _)| hk[i].as_str()).collect()
    } else {
        std::collections::HashSet::new()
    };
    let base_item_keys = base_keys.items();
    base_keys
        .in_scope(base_scope)
        .filter(|(i, item)| filter(*i, item))
        .filter(|(i, _)| !head_item_keys.contains(base_item_keys[*i].as_str()))
        .map(|(_, item)| item)
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
            match requirement(&keys, req, &mut diags) {
                Some(v) => Some(v),
                None => continue,
            }
        };
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
                    rule: format!("unchanged at base: {}", req.rule()),
                    level: if req.level == Level::Warn { Level::Warn } else { level },
                    passed: false,
                    code: if section_gone {
                        Code::SectionRemoved
                    } else {
                        Code::ItemRemoved
                    },
                    open: removed
                        .iter()
                        .map(|i| open_item(base, i, Some("at base; deleted or reworded here")))
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
    if let (Some(level), Some(base)) = (cp.untick, subject.base) {
        let head_keys = keys.items();
        let base_item_keys = base_keys.as_ref().map(Keys::items).unwrap_or_default();
        let ticked_at_base: std::collections::HashSet<&str> = base
            .items
            .iter()
            .zip(base_item_keys)
            .filter(|(i, _)| i.checked)
            .map(|(_, k)| k.as_str())
            .collect();
        let unticked: Vec<OpenItem> = head
            .items
            .iter()
            .zip(head_keys)
            .filter(|(i, k)| !i.checked && !i.waived() && ticked_at_base.contains(k.as_str()))
            .map(|(i, _)| open_item(head, i, Some("checked at the base")))
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
    if !diags.is_empty() {
        return Err(diags);
    }
    let waived = head
        .items
        .iter()
        .filter_map(|i| {
            head.waiver(i).map(|w| WaivedItem {
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
    fn add(&mut self, tip: &Keys<'t>, head: &Keys, base: Option<&Keys>, req: &Requirement) {
        // An item also at the merge base was removed by the pull request
        // itself: that is the tamper check's finding, not staleness.
        let at_base: std::collections::HashSet<&str> = base
            .map(|b| b.items().iter().map(String::as_str).collect())
            .unwrap_or_default();
        for item in removed_since_base(tip, head, req) {
            if at_base.contains(normalize::key(tip.list.text(item)).as_str()) {
                continue;
            }
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
