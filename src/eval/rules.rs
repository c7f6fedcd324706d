//! One rule's verdict on a checklist: the items it selects and requires,
//! which of them are open and why, what `except` makes optional, what a
//! pull request added to pad a count, and what it removed since the base.

use std::borrow::Cow;

use super::keys::{Keys, Resolve, ambiguous};
use super::{Code, More, OpenItem, OptionalItem};
use crate::checklist::{Checklist, Item};
use crate::identity;
use crate::normalize;
use crate::policy::{Count, Diagnostic, Requirement, SectionSelector, Selector, WaiverReason};

pub(super) fn open_item<'a>(list: &'a Checklist, item: &Item, note: Option<&'static str>) -> OpenItem<'a> {
    noted_item(list, item, note.map(Cow::Borrowed))
}

pub(super) fn noted_item<'a>(list: &'a Checklist, item: &Item, note: Option<Cow<'a, str>>) -> OpenItem<'a> {
    OpenItem {
        line: item.line(),
        text: Cow::Borrowed(list.text(item)),
        section: list.section_at(item.section()),
        note,
        more: more(list.link_of(item).map(Cow::Borrowed), list.code_spans(item)),
    }
}

/// An open item's rarer parts, boxed only when it has any.
fn more<'a>(url: Option<Cow<'a, str>>, code: Vec<std::ops::Range<usize>>) -> Option<Box<More<'a>>> {
    (url.is_some() || !code.is_empty()).then(|| {
        Box::new(More {
            url,
            code,
            evidence: Vec::new(),
        })
    })
}

/// Whether an item is marked not applicable under `mode`: `~~name~~ N/A…`,
/// and where reasons are optional also a plain struck-out `~~name~~`.
pub(super) fn waived_under(item: &Item, mode: WaiverReason) -> bool {
    item.waived() || (mode == WaiverReason::Optional && item.struck())
}

/// Whether an item counts as done under `mode`: ticked, or waived (with a
/// reason unless reasons are optional).
pub(super) fn satisfied_under(item: &Item, mode: WaiverReason) -> bool {
    match mode {
        WaiverReason::Required => item.satisfied(),
        WaiverReason::Optional => item.checked || waived_under(item, mode),
    }
}

/// The first placeholder of `req` (`filled = true`) the item's text still holds.
pub(super) fn placeholder<'t>(text: &'t str, req: &Requirement) -> Option<&'t str> {
    req.placeholders.iter().find_map(|r| r.find(text)).map(|m| m.as_str())
}

/// Why an item in a requirement's scope is not done, if it is not.
pub(super) fn open_reason<'a>(
    list: &'a Checklist,
    item: &Item,
    req: &Requirement,
) -> Option<(Code, Option<Cow<'a, str>>)> {
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

#[derive(Debug, PartialEq)]
pub(super) struct Verdict<'a> {
    pub(super) code: Code,
    pub(super) open: Vec<OpenItem<'a>>,
    pub(super) message: String,
    pub(super) checked: usize,
    pub(super) total: usize,
    pub(super) optional: Vec<OptionalItem<'a>>,
    /// For a selector that matched nothing: the message in two parts, so a
    /// policy error can say where it looked between them.
    pub(super) unmatched: Option<(String, String)>,
    /// Items counted as done because they are ticked (not waived), for a
    /// rule with evidence keys: the claims the evidence checks.
    pub(super) ticked: Vec<OpenItem<'a>>,
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Judge a set of items that must all be done.
pub(super) fn all_done<'a, 'i>(
    list: &'a Checklist,
    items: impl Iterator<Item = &'i Item>,
    req: &Requirement,
) -> Verdict<'a> {
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

pub(super) fn not_found<'a>(code: Code, message: String) -> Verdict<'a> {
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
pub(super) fn unmatched<'a>(code: Code, lead: String, near: String) -> Verdict<'a> {
    Verdict {
        message: format!("{lead}{near}"),
        unmatched: Some((lead, near)),
        ..not_found(code, String::new())
    }
}

/// Whether an `except` pattern or an `except-sections` section makes an
/// item optional for a rule.
pub(super) fn is_optional(list: &Checklist, item: &Item, req: &Requirement) -> bool {
    (!req.except.is_empty()
        && req
            .except
            .iter()
            .any(|r| normalize::pattern_matches(r, list.text(item))))
        || (!req.except_sections.is_empty() && in_excepted_section(list, item.section(), req))
}

/// Whether section `section` is, or is inside, a section an
/// `except-sections` selector names.
pub(super) fn in_excepted_section(list: &Checklist, section: Option<usize>, req: &Requirement) -> bool {
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
pub(super) fn path_ends_with(list: &Checklist, s: usize, sel: &SectionSelector) -> bool {
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
pub(super) fn ambiguous_except_sections(
    keys: &Keys,
    scope: Option<usize>,
    req: &Requirement,
    diags: &mut Vec<Diagnostic>,
) {
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
pub(super) fn within(req: &Requirement) -> Option<&SectionSelector> {
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
pub(super) fn selected<'k, 'a>(
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
pub(super) fn required<'a>(keys: &Keys<'a>, req: &Requirement) -> Vec<(usize, &'a Item)> {
    match keys.scope(within(req), req) {
        Ok(scope) => selected(keys, req, scope)
            .filter(|(_, item)| !is_optional(keys.list, item, req))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Why an item is listed but not counted by a counting rule.
pub(super) const NOT_COUNTED: &str = "added by this pull request: not counted";

/// Indices of the items a counting rule (`min-checked`, `max-checked`)
/// requires at the head that the pull request added: those with no
/// counterpart among the items the rule requires at the base. Ticking boxes
/// of one's own must not meet a count. Empty without a base, for other
/// rules, and when the rule requires nothing at the base (the author writes
/// the whole list then).
pub(super) fn added_by_pull(base: Option<&Keys>, head: &Keys, req: &Requirement) -> std::collections::HashSet<usize> {
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
pub(super) fn unpaired<'f>(
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
pub(super) fn counted<'a, 'i>(
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
pub(super) fn requirement<'a>(
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
pub(super) fn policy_mistake(
    views: &[(&Keys, String)],
    req: &Requirement,
    lead: &str,
    near: &str,
) -> Option<Diagnostic> {
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
pub(super) struct Removed<'b, 'h> {
    pub(super) item: &'b Item,
    /// The item reworded out of the rule's reach (`Load :stopwatch: test`
    /// against `(?i)load test`), moved out of its section, or made optional
    /// by `except`: same headings and key, no longer required.
    pub(super) now: Option<&'h Item>,
}

/// Items a requirement required at the base that it does not require at
/// the head: the base's required items, selected by the same code as the
/// verdict's, paired as a multiset with the head's ([`identity::pair`]).
pub(super) fn removed_since_base<'b, 'h>(base: &Keys<'b>, head: &Keys<'h>, req: &Requirement) -> Vec<Removed<'b, 'h>> {
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
