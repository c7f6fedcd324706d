//! The rules' verdicts on a large checklist, worked out ahead on several
//! threads; [`super::evaluate_checklist`] then reports them in policy order,
//! exactly as if it had judged each rule in turn.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::keys::Keys;
use super::rules::{Verdict, requirement};
use crate::checklist::Checklist;
use crate::policy::{Diagnostic, Requirement, Selector};

/// Below this many items a checklist is judged on one thread: starting
/// threads costs more than the rules do (tens of microseconds against
/// well under a millisecond).
pub(super) const PARALLEL_FROM: usize = 20_000;

/// What [`requirement`] returned for one rule, and the policy errors it pushed.
pub(super) type Ahead<'a> = (Option<Verdict<'a>>, Vec<Diagnostic>);

/// The verdicts of the rules `wanted` (indices into `reqs`) on `head`, each
/// against `base` as [`requirement`] judges it, worked out on up to
/// `threads` threads; indexed like `reqs`, `None` where a rule was not
/// wanted. Each thread keeps its own [`Keys`], so nothing is shared but the
/// checklists, which are only read.
pub(super) fn verdicts<'a>(
    head: &'a Checklist,
    base: Option<&Checklist>,
    reqs: &[Requirement],
    wanted: &[usize],
    threads: usize,
) -> Vec<Option<Ahead<'a>>> {
    // The rules that walk every item first, so that the longest starts
    // first and the rest fill the other threads.
    let mut order = wanted.to_vec();
    order.sort_by_key(|&i| match reqs[i].selector {
        Selector::All => 0,
        Selector::ItemRegex { .. } => 1,
        Selector::Item { .. } => 2,
        Selector::Section(_) => 3,
    });
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<Ahead<'a>>>> = Mutex::new((0..reqs.len()).map(|_| None).collect());
    let work = || {
        let keys = Keys::new(head);
        let base_keys = base.map(Keys::new);
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let mut diags = Vec::new();
            let verdict = requirement(&keys, base_keys.as_ref(), &reqs[i], &mut diags);
            // A poisoned lock only means another worker panicked, which
            // the scope below passes on; the results are still whole.
            done.lock().unwrap_or_else(|e| e.into_inner())[i] = Some((verdict, diags));
        }
    };
    std::thread::scope(|s| {
        // A thread the system will not start is no loss: this one takes
        // whatever rules are left.
        for _ in 1..threads.min(order.len()) {
            let _ = std::thread::Builder::new().spawn_scoped(s, work);
        }
        work();
    });
    done.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// How many threads to judge `head`'s `rules` on: one for a small checklist
/// or a single rule, otherwise as many as the machine offers, up to one a rule.
pub(super) fn threads_for(head: &Checklist, rules: usize) -> usize {
    if head.items.len() < PARALLEL_FROM || rules < 2 {
        return 1;
    }
    crate::threads::cores().min(rules)
}

#[cfg(test)]
mod tests_support {
    use super::PARALLEL_FROM;

    /// A checklist past [`PARALLEL_FROM`]: numbered sections of items, some
    /// ticked, some waived, one section title twice (an ambiguous selector).
    pub(super) fn large(ticked_every: usize) -> String {
        let mut md = String::from("# Release\n## Twice\n- [ ] a\n## Twice\n- [ ] b\n");
        for s in 0..(PARALLEL_FROM / 100 + 5) {
            md.push_str(&format!("## Part {s}\n"));
            for i in 0..100 {
                let mark = if i % ticked_every == 0 { 'x' } else { ' ' };
                match i % 7 {
                    3 => md.push_str(&format!("- [ ] ~~Item {s}.{i}~~ N/A: not here\n")),
                    _ => md.push_str(&format!("- [{mark}] Item {s}.{i} load test\n")),
                }
            }
        }
        md
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::large;
    use super::*;
    use crate::checklist::parse;
    use crate::policy::Policy;

    const RULES: &str = r#"
[[checklist]]
path = "c.md"
[[checklist.require]]
section = "Part 3"
[[checklist.require]]
section = "Twice"
[[checklist.require]]
section = "Part 7"
min-checked = 20
[[checklist.require]]
item = "Item 5.1 load test"
[[checklist.require]]
item = "No such item"
[[checklist.require]]
item-regex = "(?i)LOAD TEST$"
[[checklist.require]]
all = true
except = ["Item 9\\."]
level = "warn"
"#;

    #[test]
    fn verdicts_worked_out_ahead_are_the_verdicts_of_one_rule_at_a_time() {
        let policy = Policy::parse("p.toml", RULES).expect("valid policy");
        let reqs = &policy.checklists[0].requires;
        let head = parse("c.md", &large(2));
        let base = parse("c.md", &large(3));
        assert!(head.items.len() >= PARALLEL_FROM);
        let wanted: Vec<usize> = (0..reqs.len()).collect();
        let in_turn: Vec<(Option<Verdict>, Vec<Diagnostic>)> = {
            let (keys, base_keys) = (Keys::new(&head), Keys::new(&base));
            reqs.iter()
                .map(|req| {
                    let mut diags = Vec::new();
                    (requirement(&keys, Some(&base_keys), req, &mut diags), diags)
                })
                .collect()
        };
        // Each kind of answer is among them: a policy error, a rule that
        // found nothing, open items, counted items.
        assert!(in_turn[1].0.is_none() && !in_turn[1].1.is_empty(), "ambiguous section");
        assert!(in_turn[4].0.as_ref().is_some_and(|v| v.unmatched.is_some()));
        assert!(in_turn[6].0.as_ref().is_some_and(|v| v.open.len() > PARALLEL_FROM / 3));
        assert!(
            in_turn[6].0.as_ref().is_some_and(|v| !v.optional.is_empty()),
            "`except`"
        );
        for threads in [1, 2, 3, 8] {
            let ahead = verdicts(&head, Some(&base), reqs, &wanted, threads);
            let ahead: Vec<_> = ahead.into_iter().map(|a| a.expect("every rule wanted")).collect();
            assert_eq!(ahead, in_turn, "{threads} threads");
        }
    }

    #[test]
    fn only_the_rules_wanted_are_worked_out() {
        let policy = Policy::parse("p.toml", RULES).expect("valid policy");
        let reqs = &policy.checklists[0].requires;
        let head = parse("c.md", &large(2));
        let ahead = verdicts(&head, None, reqs, &[0, 5], 2);
        let worked: Vec<usize> = (0..reqs.len()).filter(|&i| ahead[i].is_some()).collect();
        assert_eq!(worked, [0, 5]);
    }

    #[test]
    fn a_small_checklist_or_a_single_rule_is_judged_on_one_thread() {
        let small = parse("c.md", "- [ ] a\n");
        assert_eq!(threads_for(&small, 5), 1);
        let head = parse("c.md", &large(2));
        assert_eq!(threads_for(&head, 1), 1);
        assert_eq!(threads_for(&head, 5), crate::threads::cores().min(5));
    }
}

/// The same through [`super::evaluate_checklist`]: policy errors come out in
/// the policy's order, whichever thread found them first.
#[cfg(test)]
mod through_the_checklist {
    use super::tests_support::*;
    use crate::checklist::parse;
    use crate::eval::{Context, Subject, evaluate_checklist};
    use crate::policy::Policy;

    #[test]
    fn policy_errors_of_a_large_checklist_come_in_policy_order() {
        let rules = r#"
[[checklist]]
path = "c.md"
[[checklist.require]]
section = "Twice"
[[checklist.require]]
all = true
[[checklist.require]]
item-regex = "b"
section = "Twice"
"#;
        let policy = Policy::parse("p.toml", rules).expect("valid policy");
        let head = parse("c.md", &large(2));
        let subject = Subject {
            head: Some(&head),
            base: None,
            tip: None,
            looked_for: None,
            authored: false,
        };
        let diags = evaluate_checklist(&policy.checklists[0], subject, &Context::default()).expect_err("ambiguous");
        let lines: Vec<usize> = diags.iter().map(|d| d.at.line).collect();
        assert_eq!(lines, [5, 10], "{diags:?}");
    }
}
