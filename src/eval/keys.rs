//! Normalised keys of a checklist's headings and items, made on first use
//! and compared without allocating where they can be; a rule's section
//! scope is resolved by them.

use std::cell::{OnceCell, RefCell};

use crate::checklist::{Checklist, Item};
use crate::identity::{self, Identity};
use crate::normalize;
use crate::policy::{Diagnostic, Requirement, SectionSelector};

/// Normalised keys of a checklist's headings and items, computed on first use.
pub(super) struct Keys<'a> {
    pub(super) list: &'a Checklist,
    pub(super) sections: OnceCell<Vec<String>>,
    /// Keys of the headings that are not ASCII (`None` for the rest, which
    /// [`normalize::key_is`] compares in place).
    pub(super) non_ascii_sections: OnceCell<Vec<Option<String>>>,
    pub(super) items: OnceCell<Vec<String>>,
    /// Each heading's path of keys, joined ([`identity::join_path`]).
    pub(super) paths: OnceCell<Vec<String>>,
    /// A buffer for keying one text at a time ([`Keys::item_key_is`]).
    pub(super) scratch: RefCell<String>,
}

impl<'a> Keys<'a> {
    pub(super) fn new(list: &'a Checklist) -> Keys<'a> {
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
    pub(super) fn identity(&self, index: usize) -> Identity<'_> {
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

    pub(super) fn identities(&self, items: &[(usize, &Item)]) -> Vec<Identity<'_>> {
        items.iter().map(|(i, _)| self.identity(*i)).collect()
    }

    /// Whether heading `i` has key `want`.
    pub(super) fn section_key_is(&self, i: usize, want: &str, scratch: &mut String) -> bool {
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

    pub(super) fn sections(&self) -> &[String] {
        self.sections
            .get_or_init(|| self.list.sections.iter().map(|s| normalize::key(&s.title)).collect())
    }

    /// Whether item `index` has key `want`: from the keys of every item when
    /// they are already made, otherwise computed in a scratch buffer so that
    /// one `item` rule does not allocate a key per item.
    pub(super) fn item_key_is(&self, index: usize, item: &Item, want: &str) -> bool {
        if let Some(all) = self.items.get() {
            return all[index] == want;
        }
        normalize::key_is(self.list.text(item), want, &mut self.scratch.borrow_mut())
    }

    pub(super) fn items(&self) -> &[String] {
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
    pub(super) fn find_sections(&self, sel: &SectionSelector) -> Vec<usize> {
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
    pub(super) fn scope(&self, within: Option<&SectionSelector>, req: &Requirement) -> Result<Option<usize>, Resolve> {
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
    pub(super) fn suggest_section(&self, sel: &SectionSelector) -> String {
        crate::suggest::did_you_mean(&crate::suggest::sections(&sel.keys, self.list, self.sections()))
    }

    /// The same for an item's text, among the items in `scope`.
    pub(super) fn suggest_item(&self, want: &str, scope: Option<usize>) -> String {
        let keys = self.items();
        let candidates = self
            .in_scope(scope)
            .map(|(i, item)| (keys[i].as_str(), self.list.text(item)));
        crate::suggest::did_you_mean(&crate::suggest::texts(want, candidates))
    }

    /// The items in a section and its subsections (every item for `None`),
    /// with their indices.
    pub(super) fn in_scope(&self, scope: Option<usize>) -> impl Iterator<Item = (usize, &'a Item)> + Clone + '_ {
        self.list.items_within(scope)
    }
}

pub(super) enum Resolve {
    NotFound,
    Ambiguous(Diagnostic),
}

pub(super) fn ambiguous(list: &Checklist, sel: &SectionSelector, found: &[usize], req: &Requirement) -> Diagnostic {
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
