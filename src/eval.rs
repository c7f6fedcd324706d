//! Judge parsed checklists against a policy. Pure: no I/O, no printing.
//!
//! The output, [`Report`] (in `eval/report.rs`), is the contract every
//! renderer and the GitHub layer read; its JSON form (`checkgate check
//! --format json`) is documented on its types and only ever grows new
//! fields. Item and heading keys are in `eval/keys.rs`, each rule's verdict
//! in `eval/rules.rs`; this module walks a checklist's rules and its
//! tamper, untick and nesting checks.

mod ahead;
mod evidence;
mod keys;
mod nesting;
mod report;
mod rules;

use std::borrow::Cow;

use crate::checklist::{Checklist, Item};
use crate::identity;
use crate::policy::{ChecklistPolicy, Diagnostic, Policy, Requirement, Selector};

pub use crate::policy::Level;
pub use report::{ChecklistReport, Code, More, OpenItem, OptionalItem, Report, RequirementReport, WaivedItem};

use keys::Keys;
use nesting::parent_ticked_children_open;
use rules::*;

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
    /// The action is judging a commit no pull request is for (`push`,
    /// `workflow_dispatch`): a rule that needs a pull request's facts says
    /// so, rather than how to give them on the command line.
    pub without_pull_request: bool,
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

/// Why `req` is not judged in this run (its files unchanged, its sign-off
/// or evidence not readable here), as the note that says so.
fn not_judged_here(req: &Requirement, ctx: &Context) -> Option<String> {
    if !changed_matches(&req.when_changed, ctx) {
        return Some(format!("skipped {}: no changed file matches when-changed", req.rule()));
    }
    if !req.approved_by.is_empty() && ctx.signoffs.is_none() {
        return Some(format!(
            "not checked here: {} needs an approving review from {} on the pull request",
            req.rule(),
            req.approved_by.join(", ")
        ));
    }
    evidence::unavailable(req, ctx)
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
    // On a large checklist the rules' verdicts are worked out ahead, on
    // several threads; they are reported below in policy order all the same.
    let mut skipped: Vec<Option<String>> = cp.requires.iter().map(|req| not_judged_here(req, ctx)).collect();
    let wanted: Vec<usize> = if empty_allowed {
        Vec::new()
    } else {
        (0..cp.requires.len()).filter(|&i| skipped[i].is_none()).collect()
    };
    let mut ahead = match ahead::threads_for(head, wanted.len()) {
        1 => Vec::new(),
        threads => ahead::verdicts(head, subject.base, &cp.requires, &wanted, threads),
    };
    for (i, req) in cp.requires.iter().enumerate() {
        if let Some(note) = skipped[i].take() {
            notes.push(note);
            continue;
        }
        // An allowed-empty checklist skips its rules, but not the tamper
        // checks: emptying a checklist must not be a way to pass it.
        let verdict = if empty_allowed {
            None
        } else {
            let judged = match ahead.get_mut(i).and_then(Option::take) {
                Some((verdict, found)) => {
                    diags.extend(found);
                    verdict
                }
                None => requirement(&keys, base_keys.as_ref(), req, &mut diags),
            };
            match judged {
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
