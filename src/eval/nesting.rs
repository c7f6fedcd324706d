//! The `parent-ticked-children-open` check: a ticked item whose own
//! sub-items are not all done.

use std::borrow::Cow;

use super::rules::{noted_item, plural, satisfied_under, waived_under};
use super::{Code, Level, OpenItem, RequirementReport};
use crate::checklist::Checklist;
use crate::policy::WaiverReason;

/// How many open sub-items a `parent-ticked-children-open` note names; a
/// parent with thousands would otherwise repeat them all on one line.
const NAMED_CHILDREN: usize = 10;

/// `parent-ticked-children-open`: each ticked item (not waived) with direct
/// sub-items that are not done, on the parent's line, naming them.
pub(super) fn parent_ticked_children_open(
    list: &Checklist,
    mode: WaiverReason,
    level: Level,
) -> Option<RequirementReport<'_>> {
    let mut open_children: std::collections::BTreeMap<usize, Vec<&str>> = std::collections::BTreeMap::new();
    let ticked = |p: usize| list.items.get(p).is_some_and(|p| p.checked && !waived_under(p, mode));
    for item in &list.items {
        // Only a ticked parent's open sub-items are reported: the rest are
        // not gathered at all (most parents of a long checklist are open).
        if let Some(parent) = item.parent()
            && !satisfied_under(item, mode)
            && ticked(parent)
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
