//! One identity for a checklist item across two versions of a checklist
//! (merge base and head, template and description, base tip and head): the
//! keys of its enclosing headings and its own [`crate::normalize::key`].
//!
//! Versions are compared as multisets, never as sets: "Tests added" under
//! *Backend* and again under *Frontend* are two items, and deleting one
//! copy leaves one unmatched. The tamper checks, `behind-base` and the
//! padding rule all pair items with [`pair`], so one notion of "the same
//! item" decides each of them.

use std::collections::HashMap;

/// An item's identity: the keys of its heading path, joined, and its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identity<'k> {
    pub section: &'k str,
    pub item: &'k str,
}

/// Join heading keys, outermost first, into the `section` of an
/// [`Identity`] (a separator no key can hold: keys are printable text).
pub fn join_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}\u{1f}{key}")
    }
}

/// Pair each identity of `from` with a distinct one of `to`: first one
/// under the same headings with the same key, then, for those left, one
/// with the same key under other headings (a heading renamed or an item
/// moved). Each of `to` is taken at most once, in document order. Returns
/// for each of `from` the index in `to` it took, `None` when none was left.
pub fn pair(from: &[Identity], to: &[Identity]) -> Vec<Option<usize>> {
    let mut exact: HashMap<Identity, Vec<usize>> = HashMap::new();
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    // Reversed, so that popping takes the first in document order.
    for (i, id) in to.iter().enumerate().rev() {
        exact.entry(*id).or_default().push(i);
        by_key.entry(id.item).or_default().push(i);
    }
    let mut taken = vec![false; to.len()];
    let mut paired: Vec<Option<usize>> = from
        .iter()
        .map(|id| {
            let j = exact.get_mut(id)?.pop()?;
            taken[j] = true;
            Some(j)
        })
        .collect();
    for (id, slot) in from.iter().zip(paired.iter_mut()) {
        if slot.is_some() {
            continue;
        }
        let Some(candidates) = by_key.get_mut(id.item) else {
            continue;
        };
        while let Some(j) = candidates.pop() {
            if !taken[j] {
                taken[j] = true;
                *slot = Some(j);
                break;
            }
        }
    }
    paired
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id<'k>(section: &'k str, item: &'k str) -> Identity<'k> {
        Identity { section, item }
    }

    #[test]
    fn copies_under_two_headings_are_two_items() {
        let base = [id("backend", "tests added"), id("frontend", "tests added")];
        let head = [id("backend", "tests added")];
        assert_eq!(pair(&base, &head), [Some(0), None]);
        // The same text twice under one heading counts twice too.
        let base = [id("", "a"), id("", "a")];
        assert_eq!(pair(&base, &[id("", "a")]), [Some(0), None]);
    }

    #[test]
    fn exact_matches_go_first_then_the_same_text_elsewhere() {
        let base = [id("old", "a"), id("x", "b")];
        let head = [id("x", "b"), id("new", "a")];
        assert_eq!(pair(&base, &head), [Some(1), Some(0)]);
        // An exact match is not taken by an earlier key-only match.
        let base = [id("s", "a"), id("t", "a")];
        let head = [id("t", "a"), id("u", "a")];
        assert_eq!(pair(&base, &head), [Some(1), Some(0)]);
    }

    #[test]
    fn heading_paths_join_without_colliding() {
        assert_eq!(join_path("", "a"), "a");
        assert_ne!(join_path("a", "b c"), join_path("a b", "c"));
    }
}
