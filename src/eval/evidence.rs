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
/// GitHub, or without `--base` for `changed`), as a note; `None` when it can.
pub(super) fn unavailable(req: &Requirement, ctx: &Context) -> Option<String> {
    let keys = req.evidence.as_ref()?;
    if keys.needs_github() && ctx.evidence.is_none() {
        return Some(format!(
            "not checked here: {} needs evidence from GitHub ({})",
            req.rule(),
            keys.describe()
        ));
    }
    if keys.changed.is_some() && ctx.changed_files.is_none() {
        return Some(format!(
            "not checked here: {} needs the files the pull request changes ({}; locally, pass --base REF)",
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
        o.evidence = judged.entries.clone();
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
                o.evidence = entries.clone();
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
