//! A rule's evidence keys over its verdict: a ticked item counts only when
//! the evidence holds. The rule's verdict is computed as for any rule (a
//! tick is done); this then judges the evidence once for the rule
//! ([`crate::evidence::judge`]) and turns the ticked items it does not hold
//! for back into open ones. Evidence never ticks a box: an unticked item
//! stays open, and is told that the evidence holds.

use std::borrow::Cow;

use super::{Code, Context, OpenItem, RequirementReport, Verdict, authored_by};
use crate::evidence::{self, Changes, Judgement, State};
use crate::policy::Requirement;

/// The note on an unticked item whose evidence holds.
pub const TICK_TO_ATTEST: &str = "evidence holds: tick it to attest";

/// Why a rule with evidence keys cannot be judged here (a local run without
/// GitHub, a `push` run for `labels`, or no changed files for `changed`), as
/// a note; `None` when it can.
pub(super) fn unavailable(req: &Requirement, ctx: &Context) -> Option<String> {
    let keys = req.evidence.as_ref()?;
    if keys.needs_github() && ctx.evidence.is_none() {
        return Some(format!(
            "not checked here: {} needs evidence from GitHub ({})",
            req.rule(),
            keys.describe()
        ));
    }
    // A commit with no pull request has no labels: not checked there, as
    // an `approved-by` rule is not (never judged from an empty list). The
    // same fact decides the `changed` note below.
    if !keys.labels.is_empty() && ctx.without_pull_request {
        return Some(format!(
            "not checked here: {} needs the pull request's labels ({}), and this run has no pull request",
            req.rule(),
            keys.describe()
        ));
    }
    if keys.changed.is_some() && ctx.changed_files.is_none() {
        let advice = if ctx.without_pull_request {
            "), and this run has no pull request"
        } else {
            "; locally, pass --base REF)"
        };
        return Some(format!(
            "not checked here: {} needs the files the pull request changes ({}{advice}",
            req.rule(),
            keys.describe()
        ));
    }
    None
}

fn changes(ctx: &Context) -> Option<Changes<'_>> {
    ctx.changed_files.as_deref().map(|files| Changes {
        files,
        truncated: ctx.changed_files_truncated,
    })
}

/// Judge `req`'s evidence and fold it into `v`; `None` for a rule without
/// evidence keys.
pub(super) fn apply(v: &mut Verdict<'_>, req: &Requirement, ctx: &Context) -> Option<Judgement> {
    let keys = req.evidence.as_ref()?;
    let teams = &ctx.teams;
    let by = |login: &str, allowed: &[String]| authored_by(login, allowed, teams);
    let judged = evidence::judge(keys, ctx.evidence.as_ref(), changes(ctx), &by);
    if judged.holds() {
        for o in v.open.iter_mut().filter(|o| o.note.is_none()) {
            o.note = Some(Cow::Borrowed(TICK_TO_ATTEST));
        }
        let passed: Vec<&str> = judged
            .entries
            .iter()
            .filter(|e| e.state == State::Passed)
            .map(|e| e.message.as_str())
            .collect();
        if v.code == Code::Ok && !passed.is_empty() {
            v.message = format!("{}; {}", v.message, passed.join("; "));
        }
    } else if !v.ticked.is_empty() {
        let failed = judged.failed();
        let (code, message) = if failed {
            (
                Code::EvidenceFailed,
                format!("ticked, but {}", judged.messages(State::Failed)),
            )
        } else {
            (Code::EvidencePending, judged.messages(State::Pending))
        };
        if v.code == Code::Ok {
            v.code = code;
            v.message = message.clone();
        } else {
            v.message = format!("{}; {message}", v.message);
        }
        let note = message;
        v.open.extend(v.ticked.iter().cloned().map(|mut o| {
            o.note = Some(Cow::Owned(note.clone()));
            o
        }));
        v.open.sort_by_key(|o| o.line);
    }
    for o in &mut v.open {
        o.more_mut().evidence = judged.entries.clone();
    }
    Some(judged)
}

/// The `evidence-untrusted` finding of a rule whose ticked items rest on a
/// check run made by a workflow the pull request changes.
pub(super) fn untrusted<'a>(
    judged: &Judgement,
    ticked: &[OpenItem<'a>],
    req: &Requirement,
    ctx: &Context,
) -> Option<RequirementReport<'a>> {
    let level = ctx.evidence_untrusted?;
    if ticked.is_empty() || judged.with(State::Untrusted).next().is_none() {
        return None;
    }
    let message = judged.messages(State::Untrusted);
    let entries: Vec<evidence::Entry> = judged.with(State::Untrusted).cloned().collect();
    Some(RequirementReport {
        rule: format!("trusted evidence: {}", req.rule()),
        level: if req.level == super::Level::Warn {
            super::Level::Warn
        } else {
            level
        },
        passed: false,
        code: Code::EvidenceUntrusted,
        open: ticked
            .iter()
            .cloned()
            .map(|mut o| {
                o.note = Some(Cow::Owned(message.clone()));
                o.more_mut().evidence = entries.clone();
                o
            })
            .collect(),
        message,
        checked: 0,
        total: ticked.len(),
        help: req.help.clone(),
        optional: Vec::new(),
        evidence: entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::parse;
    use crate::eval::{ChecklistReport, Level, Report, Signoffs, Subject, evaluate_checklist};
    use crate::evidence::{CheckRunFact, Evidence};
    use crate::policy::Policy;

    const SHA: &str = "abc1234ffffeeee";

    fn run(id: u64, name: &str, conclusion: Option<&str>) -> CheckRunFact {
        CheckRunFact {
            id,
            name: name.into(),
            app: Some("github-actions".into()),
            workflow_path: Some(".github/workflows/ci.yml".into()),
            status: if conclusion.is_some() {
                "completed"
            } else {
                "in_progress"
            }
            .into(),
            conclusion: conclusion.map(Into::into),
            url: Some(format!("https://github.example/o/r/runs/{id}")),
        }
    }

    fn ctx(runs: Vec<CheckRunFact>, changed: &[&str]) -> Context {
        Context {
            changed_files: Some(changed.iter().map(|s| s.to_string()).collect()),
            evidence: Some(Evidence {
                head_sha: SHA.into(),
                check_runs: runs,
                ..Evidence::default()
            }),
            evidence_untrusted: Some(Level::Deny),
            ..Context::default()
        }
    }

    fn judge(rules: &str, head: &str, ctx: &Context) -> ChecklistReport<'static> {
        let p = Policy::parse("p.toml", &format!("[[checklist]]\npath = \"c.md\"\n{rules}")).expect("valid");
        let head = parse("c.md", head);
        let subject = Subject {
            head: Some(&head),
            base: None,
            tip: None,
            looked_for: None,
            authored: false,
        };
        evaluate_checklist(&p.checklists[0], subject, ctx)
            .expect("no errors")
            .into_owned()
    }

    const TESTS: &str = "[[checklist.require]]\nitem = \"Tests pass\"\nchecks = [\"test\"]\n";

    #[test]
    fn a_ticked_item_whose_evidence_holds_passes_and_says_so() {
        let r = judge(
            TESTS,
            "- [x] Tests pass\n",
            &ctx(vec![run(1, "test", Some("success"))], &[]),
        );
        let req = &r.requirements[0];
        assert!(req.passed);
        assert_eq!(req.code, Code::Ok);
        assert_eq!(req.message, "checked; `test` passed on abc1234");
        assert_eq!(req.evidence.len(), 1);
        assert_eq!(
            req.evidence[0].url.as_deref(),
            Some("https://github.example/o/r/runs/1")
        );
        let json = serde_json::to_value(req).unwrap();
        assert_eq!(
            json["evidence"][0],
            serde_json::json!({"kind": "check", "name": "test", "state": "passed",
                "url": "https://github.example/o/r/runs/1", "message": "`test` passed on abc1234"})
        );
    }

    #[test]
    fn a_ticked_item_whose_evidence_failed_is_evidence_failed() {
        let r = judge(
            TESTS,
            "- [x] Tests pass\n",
            &ctx(vec![run(1, "test", Some("failure"))], &[]),
        );
        let req = &r.requirements[0];
        assert!(!req.passed);
        assert_eq!(req.code, Code::EvidenceFailed);
        assert_eq!(req.message, "ticked, but check `test` failed on abc1234");
        assert_eq!(req.open.len(), 1);
        assert_eq!(req.open[0].text, "Tests pass");
        assert_eq!(
            req.open[0].note.as_deref(),
            Some("ticked, but check `test` failed on abc1234")
        );
        assert_eq!(req.open[0].evidence()[0].state, State::Failed);
        let report = Report::new(vec![r], vec![]);
        assert!(!report.passed && !report.pending);
    }

    #[test]
    fn a_ticked_item_whose_evidence_is_not_there_yet_is_pending_not_failed() {
        let rule = "[[checklist.require]]\nitem = \"Tests pass\"\nchecks = [\"tset\"]\n";
        let r = judge(
            rule,
            "- [x] Tests pass\n",
            &ctx(vec![run(1, "test", Some("success"))], &[]),
        );
        let req = &r.requirements[0];
        assert_eq!(req.code, Code::EvidencePending);
        assert_eq!(
            req.message,
            "waiting for `tset` (not reported on abc1234; reported: test)"
        );
        let report = Report::new(vec![r.clone()], vec![]);
        assert!(!report.passed, "pending is not passed");
        assert!(report.pending);
        assert_eq!(report.waiting_for(), ["tset"]);
        assert_eq!(crate::report::verdict(&report), "PENDING: waiting for: tset");
        // Anything else failing makes it a failure, not a wait.
        let open = judge(
            "[[checklist.require]]\nitem = \"Docs\"\n",
            "- [ ] Docs\n",
            &Context::default(),
        );
        let report = Report::new(vec![r, open], vec![]);
        assert!(!report.pending);
        assert!(report.waiting_for().is_empty());
    }

    #[test]
    fn evidence_never_ticks_a_box() {
        let r = judge(
            TESTS,
            "- [ ] Tests pass\n",
            &ctx(vec![run(1, "test", Some("success"))], &[]),
        );
        let req = &r.requirements[0];
        assert_eq!(req.code, Code::OpenItem);
        assert_eq!(req.open[0].note.as_deref(), Some(TICK_TO_ATTEST));
        assert_eq!(TICK_TO_ATTEST, "evidence holds: tick it to attest");
        // Unticked with failing evidence: open, and not told the evidence holds.
        let r = judge(
            TESTS,
            "- [ ] Tests pass\n",
            &ctx(vec![run(1, "test", Some("failure"))], &[]),
        );
        assert_eq!(r.requirements[0].code, Code::OpenItem);
        assert_eq!(r.requirements[0].open[0].note, None);
    }

    #[test]
    fn a_waived_item_needs_no_evidence_unless_waivers_are_forbidden() {
        let head = "- [x] ~~Tests pass~~ N/A: docs-only change\n";
        let r = judge(TESTS, head, &ctx(vec![run(1, "test", Some("failure"))], &[]));
        assert!(r.requirements[0].passed, "{:?}", r.requirements[0]);
        let strict = format!("{TESTS}waivable = false\n");
        let r = judge(&strict, head, &ctx(vec![], &[]));
        assert_eq!(r.requirements[0].code, Code::WaiverForbidden);
    }

    #[test]
    fn a_check_from_a_workflow_the_pull_request_changes_is_untrusted_at_its_level() {
        let runs = vec![run(1, "test", Some("success"))];
        let mut c = ctx(runs, &[".github/workflows/ci.yml", "src/lib.rs"]);
        let r = judge(TESTS, "- [x] Tests pass\n", &c);
        assert!(r.requirements[0].passed, "the rule's own evidence passed");
        let untrusted = &r.requirements[1];
        assert_eq!(untrusted.code, Code::EvidenceUntrusted);
        assert_eq!(untrusted.level, Level::Deny);
        assert_eq!(untrusted.rule, "trusted evidence: item: Tests pass");
        assert!(
            untrusted
                .message
                .ends_with("a CODEOWNERS review of `.github/` is the way through"),
            "{}",
            untrusted.message
        );
        assert_eq!(untrusted.open[0].text, "Tests pass");
        c.evidence_untrusted = Some(Level::Warn);
        let r = judge(TESTS, "- [x] Tests pass\n", &c);
        assert_eq!(r.requirements[1].level, Level::Warn);
        c.evidence_untrusted = None;
        let r = judge(TESTS, "- [x] Tests pass\n", &c);
        assert_eq!(r.requirements.len(), 1, "off: no finding");
    }

    #[test]
    fn evidence_applies_to_the_items_a_min_checked_rule_counts() {
        let rule = "[[checklist.require]]\nsection = \"Testing\"\nmin-checked = 1\nchecks = [\"test\"]\n";
        let head = "## Testing\n- [x] Unit tests\n- [ ] Load tests\n";
        let r = judge(rule, head, &ctx(vec![run(1, "test", Some("success"))], &[]));
        assert!(r.requirements[0].passed, "{:?}", r.requirements[0]);
        let r = judge(rule, head, &ctx(vec![run(1, "test", Some("cancelled"))], &[]));
        assert_eq!(r.requirements[0].code, Code::EvidenceFailed);
        assert_eq!(
            r.requirements[0].message,
            "ticked, but check `test` was cancelled on abc1234"
        );
        let texts: Vec<&str> = r.requirements[0].open.iter().map(|o| o.text.as_ref()).collect();
        assert_eq!(texts, ["Unit tests"]);
    }

    #[test]
    fn open_items_and_failed_evidence_are_both_reported() {
        let rule = "[[checklist.require]]\nsection = \"Testing\"\nchecks = [\"test\"]\n";
        let head = "## Testing\n- [x] Unit tests\n- [ ] Load tests\n";
        let r = judge(rule, head, &ctx(vec![run(1, "test", Some("failure"))], &[]));
        let req = &r.requirements[0];
        assert_eq!(req.code, Code::OpenItem);
        assert_eq!(
            req.message,
            "1 of 2 items open; ticked, but check `test` failed on abc1234"
        );
        let lines: Vec<usize> = req.open.iter().map(|o| o.line).collect();
        assert_eq!(lines, [2, 3], "in checklist order");
    }

    #[test]
    fn changed_judges_the_changed_files() {
        let rule = "[[checklist.require]]\nitem = \"Changelog updated\"\nchanged = [\"CHANGELOG.md\"]\n";
        let r = judge(rule, "- [x] Changelog updated\n", &ctx(vec![], &["src/a.rs"]));
        assert_eq!(r.requirements[0].code, Code::EvidenceFailed);
        assert_eq!(
            r.requirements[0].message,
            "ticked, but the pull request changes no file matching `CHANGELOG.md`"
        );
        let r = judge(rule, "- [x] Changelog updated\n", &ctx(vec![], &["CHANGELOG.md"]));
        assert!(r.requirements[0].passed);
        assert_eq!(
            r.requirements[0].message,
            "checked; the pull request changes CHANGELOG.md"
        );
        // Locally with --base, changed files are known and no GitHub is needed.
        let local = Context {
            changed_files: Some(vec!["CHANGELOG.md".into()]),
            ..Context::default()
        };
        assert!(judge(rule, "- [x] Changelog updated\n", &local).requirements[0].passed);
    }

    #[test]
    fn locally_evidence_rules_are_skipped_with_a_note() {
        let r = judge(TESTS, "- [x] Tests pass\n", &Context::default());
        assert!(r.requirements.is_empty());
        assert_eq!(
            r.notes,
            ["not checked here: item: Tests pass needs evidence from GitHub (checks: test)"]
        );
        let rule = "[[checklist.require]]\nitem = \"Changelog updated\"\nchanged = [\"CHANGELOG.md\"]\n";
        let r = judge(rule, "- [x] Changelog updated\n", &Context::default());
        assert_eq!(
            r.notes,
            [
                "not checked here: item: Changelog updated needs the files the pull request changes (changed: CHANGELOG.md; locally, pass --base REF)"
            ]
        );
    }

    #[test]
    fn approved_by_and_evidence_must_both_hold() {
        let rule = "[[checklist.require]]\nitem = \"Tests pass\"\nchecks = [\"test\"]\napproved-by = [\"alice\"]\n";
        let mut c = ctx(vec![run(1, "test", Some("success"))], &[]);
        c.signoffs = Some(Signoffs::default());
        let r = judge(rule, "- [x] Tests pass\n", &c);
        assert_eq!(r.requirements[0].code, Code::SignoffMissing);
        c.signoffs = Some(Signoffs {
            approvers: vec!["alice".into()],
            ..Signoffs::default()
        });
        assert!(judge(rule, "- [x] Tests pass\n", &c).requirements[0].passed);
        c.evidence.as_mut().unwrap().check_runs[0].conclusion = Some("failure".into());
        let r = judge(rule, "- [x] Tests pass\n", &c);
        assert_eq!(
            r.requirements[0].code,
            Code::EvidenceFailed,
            "approval does not excuse failed evidence"
        );
    }

    /// What an app reports is the app's to write: a check's name and
    /// details URL reach the comment as text, never as markup or a link
    /// that ends the line.
    #[test]
    fn hostile_check_names_and_urls_stay_text_in_the_comment() {
        let name = "@alice <b>x</b> #12";
        let rule = format!("[[checklist.require]]\nitem = \"Tests pass\"\nchecks = [\"{name}\"]\n");
        let mut bad = run(1, name, Some("success"));
        bad.url = Some("https://ci.example/a\n## injected".into());
        let r = judge(&rule, "- [x] Tests pass\n", &ctx(vec![bad], &[]));
        assert!(r.requirements[0].passed);
        let md = crate::report::markdown(&Report::new(vec![r], vec![]), &Default::default());
        assert!(
            !md.contains("@alice") && !md.contains("<b>") && !md.contains("## injected"),
            "{md}"
        );
        assert!(!md.contains("[details]"), "an unsafe URL is not linked: {md}");
        let mut good = run(2, "test", Some("success"));
        good.url = Some("https://ci.example/runs/2?x=(1)".into());
        let r = judge(TESTS, "- [x] Tests pass\n", &ctx(vec![good], &[]));
        let md = crate::report::markdown(&Report::new(vec![r], vec![]), &Default::default());
        assert!(md.contains("[details](https://ci.example/runs/2?x=%281%29)"), "{md}");
    }
}
