//! What a parsed checklist is: its items (28 bytes each, text kept as
//! ranges of the document), its sections and their paths as reports show
//! them, and waivers.

use serde::Serialize;

use super::parse::parse;

/// Longest heading title, in bytes, that reports repeat in full. A section
/// path is printed with every item under it, so a 100 KB heading over 5,000
/// items would otherwise make a 500 MB report.
pub const SHOWN_TITLE_MAX: usize = 200;

/// A heading that opens a section.
#[derive(Debug, Clone)]
pub struct Section {
    pub line: usize,
    pub level: u8,
    /// The heading's plain text, in full (selectors match against it).
    pub title: String,
    /// Index of the enclosing section in [`Checklist::sections`].
    pub parent: Option<usize>,
    /// The title cut to [`SHOWN_TITLE_MAX`] bytes with an ellipsis, when it
    /// is longer; made once so that reports can borrow it.
    pub(super) shortened: Option<String>,
    /// The JSON array of the shown titles of this section's path, made the
    /// first time an item under it is written ([`SectionPath::write_json`])
    /// and then copied as is.
    pub(super) json: std::sync::OnceLock<Box<[u8]>>,
}

impl PartialEq for Section {
    fn eq(&self, other: &Self) -> bool {
        (self.line, self.level, &self.title, self.parent) == (other.line, other.level, &other.title, other.parent)
    }
}

impl Eq for Section {}

impl Section {
    /// The title as reports show it: in full, or cut with `…` when longer
    /// than [`SHOWN_TITLE_MAX`] bytes.
    pub fn shown_title(&self) -> &str {
        self.shortened.as_deref().unwrap_or(&self.title)
    }
}

pub(super) fn shorten(title: &str) -> Option<String> {
    if title.len() <= SHOWN_TITLE_MAX {
        return None;
    }
    let mut end = SHOWN_TITLE_MAX;
    while !title.is_char_boundary(end) {
        end -= 1;
    }
    Some(format!("{}…", title[..end].trim_end()))
}

/// The headings enclosing an item, outermost first, as reports show them
/// ([`Section::shown_title`]): a place in a checklist's section table, so an
/// open item copies nothing, or titles of its own.
#[derive(Debug, Clone)]
pub enum SectionPath<'a> {
    In {
        sections: &'a [Section],
        innermost: Option<usize>,
    },
    Titles(Vec<String>),
}

impl<'a> SectionPath<'a> {
    /// The titles, outermost first.
    pub fn titles(&self) -> Vec<&str> {
        match self {
            SectionPath::In { sections, innermost } => shown_path(sections, *innermost),
            SectionPath::Titles(titles) => titles.iter().map(String::as_str).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            SectionPath::In { innermost, .. } => innermost.is_none(),
            SectionPath::Titles(titles) => titles.is_empty(),
        }
    }

    /// The same path, owning its titles.
    pub fn into_owned(self) -> SectionPath<'static> {
        match self {
            SectionPath::Titles(titles) => SectionPath::Titles(titles),
            borrowed => SectionPath::Titles(borrowed.titles().into_iter().map(str::to_string).collect()),
        }
    }
}

/// The shown titles of section `innermost` and the sections enclosing it in
/// `sections`, outermost first.
pub(super) fn shown_path(sections: &[Section], innermost: Option<usize>) -> Vec<&str> {
    let mut path = Vec::new();
    let mut cur = innermost;
    while let Some(i) = cur {
        path.push(sections[i].shown_title());
        cur = sections[i].parent;
    }
    path.reverse();
    path
}

impl From<Vec<String>> for SectionPath<'_> {
    fn from(titles: Vec<String>) -> Self {
        SectionPath::Titles(titles)
    }
}

impl PartialEq for SectionPath<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.titles() == other.titles()
    }
}

impl Eq for SectionPath<'_> {}

impl SectionPath<'_> {
    /// Append the titles as a JSON array, as serde_json writes them. A path
    /// in the section table is written once per heading and copied for
    /// every item under it.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            SectionPath::In {
                sections,
                innermost: Some(i),
            } => out.extend_from_slice(path_json(sections, *i)),
            SectionPath::In { innermost: None, .. } => out.extend_from_slice(b"[]"),
            SectionPath::Titles(titles) => crate::report::json::strings(out, titles),
        }
    }
}

/// Section `i`'s path as a JSON array of shown titles, made once from its
/// parent's: `[…parent's titles,"title"]`.
pub(super) fn path_json(sections: &[Section], i: usize) -> &[u8] {
    sections[i].json.get_or_init(|| {
        let section = &sections[i];
        let mut json = Vec::new();
        // A parent comes before its subsections (which also ends the recursion).
        match section.parent.filter(|&p| p < i) {
            Some(p) => {
                let parent = path_json(sections, p);
                json.reserve(parent.len() + section.shown_title().len() + 3);
                json.extend_from_slice(&parent[..parent.len() - 1]);
                if parent.len() > 2 {
                    json.push(b',');
                }
            }
            None => json.push(b'['),
        }
        crate::report::json::write_string(&mut json, section.shown_title());
        json.push(b']');
        json.into_boxed_slice()
    })
}

impl Serialize for SectionPath<'_> {
    /// A list of titles, outermost first.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.titles())
    }
}

/// An item marked not applicable: `- [x] ~~Load test~~ N/A: no API change`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Waiver<'a> {
    /// The reason after `N/A`; `None` when the author gave none, which makes
    /// the waiver void (the item stays open).
    pub reason: Option<&'a str>,
}

/// The longest checklist, in bytes, that [`parse`] records exactly: items
/// keep text offsets in 32 bits, into the document and then the arena of
/// rewritten text (never longer than the document). The readers refuse
/// larger files ([`super::ChecklistError::TooLarge`]); `--max-bytes` cannot go
/// above it.
pub const MAX_BYTES: u64 = (u32::MAX / 2) as u64;

/// A byte range of a [`Checklist`]'s text: offsets below the document's
/// length are in the document, the rest in the arena after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) start: u32,
    pub(super) end: u32,
}

impl Span {
    pub(super) fn of(start: usize, end: usize) -> Span {
        Span {
            start: narrow(start),
            end: narrow(end),
        }
    }
}

/// An offset or count as stored in an [`Item`]; inputs are at most
/// [`MAX_BYTES`] long, so it fits.
pub(super) fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The text of `span`: in `source` below its length, else in `arena`.
pub(super) fn resolve<'s>(source: &'s str, arena: &'s str, span: Span) -> &'s str {
    let (start, end) = (span.start as usize, span.end as usize);
    let text = if start < source.len() {
        source.get(start..end)
    } else {
        arena.get(start - source.len()..end - source.len())
    };
    text.unwrap_or("")
}

/// `u32::MAX` stands for "none" in an [`Item`]'s index fields.
pub(super) const NONE: u32 = u32::MAX;

pub(super) fn index(i: Option<usize>) -> u32 {
    i.map_or(NONE, narrow)
}

pub(super) fn unindex(i: u32) -> Option<usize> {
    (i != NONE).then_some(i as usize)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Waived {
    No,
    WithoutReason,
    WithReason,
    /// All of the text is struck out, with no `N/A` after it: a waiver only
    /// where the policy does not ask for reasons (`waiver-reason`).
    Struck,
}

/// One task-list item: 28 bytes, its text a range of the document or of the
/// checklist's arena ([`Checklist::text`]), its section and parent indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub(super) line: u32,
    pub(super) text: Span,
    pub(super) section: u32,
    pub(super) parent: u32,
    pub(super) depth: u32,
    pub checked: bool,
    pub(super) waived: Waived,
    /// Whether its text had an inline code span (an entry in
    /// [`Checklist::code_items`]), so that most items skip the lookup.
    pub(super) code: bool,
}

impl Item {
    /// 1-based line of the item's list marker.
    pub fn line(&self) -> usize {
        self.line as usize
    }

    /// Index of the innermost enclosing heading in [`Checklist::sections`].
    pub fn section(&self) -> Option<usize> {
        unindex(self.section)
    }

    /// Index of the nearest enclosing task item in [`Checklist::items`].
    pub fn parent(&self) -> Option<usize> {
        unindex(self.parent)
    }

    /// How many list items enclose this one.
    pub fn depth(&self) -> usize {
        self.depth as usize
    }

    /// Whether the item is marked not applicable (`~~name~~ N/A: reason`).
    pub fn waived(&self) -> bool {
        matches!(self.waived, Waived::WithoutReason | Waived::WithReason)
    }

    /// Whether all of the item's text is struck out (`~~name~~`, no `N/A`).
    pub fn struck(&self) -> bool {
        self.waived == Waived::Struck
    }

    /// Whether the item counts as done: ticked, or waived with a reason.
    pub fn satisfied(&self) -> bool {
        match self.waived {
            Waived::No | Waived::Struck => self.checked,
            Waived::WithoutReason => false,
            Waived::WithReason => true,
        }
    }
}

/// The parsed items and sections of one markdown document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checklist {
    pub path: String,
    pub items: Vec<Item>,
    pub sections: Vec<Section>,
    /// The markdown itself: most items' text is a range of it, as written.
    pub(super) source: String,
    /// Item text that differs from the source (collapsed whitespace, inline
    /// markup and entities resolved), one after another.
    pub(super) text: String,
    /// `(item index, reason)` of each waiver with a reason, by item index.
    pub(super) reasons: Vec<(u32, Span)>,
    /// `(item index, source offset after its box)` of each item whose text
    /// has an inline code span, by item index ([`Checklist::code_spans`]).
    pub(super) code_items: Vec<(u32, u32)>,
    /// For a checklist gathered from several documents (pull request
    /// comments): `(first item index, link)` per document, in item order.
    pub links: Vec<(usize, String)>,
    /// Set when no report will show code spans ([`Checklist::skip_code_spans`]).
    pub(super) no_code_spans: bool,
}

impl Checklist {
    /// One checklist from several markdown documents, each with a link (pull
    /// request comments and their `html_url`): items and sections in order,
    /// lines counted within each document.
    pub fn gather<'a>(path: &str, documents: impl IntoIterator<Item = (&'a str, &'a str)>) -> Checklist {
        let mut all = Checklist {
            path: path.to_string(),
            ..Checklist::default()
        };
        // The gathered checklist has no one source: every text goes to its arena.
        let mut copy = |text: &str| {
            let start = all.text.len();
            all.text.push_str(text);
            Span::of(start, all.text.len())
        };
        let mut items = Vec::new();
        let mut sections = Vec::new();
        let mut reasons = Vec::new();
        let mut links = Vec::new();
        for (markdown, link) in documents {
            let one = parse(path, markdown);
            let (first_item, first_section) = (items.len(), sections.len());
            links.push((first_item, link.to_string()));
            for (at, item) in one.items.iter().enumerate() {
                if let Some(Waiver { reason: Some(reason) }) = one.waiver(item) {
                    reasons.push((narrow(first_item + at), copy(reason)));
                }
                items.push(Item {
                    text: copy(one.text(item)),
                    section: index(item.section().map(|s| s + first_section)),
                    parent: index(item.parent().map(|p| p + first_item)),
                    ..item.clone()
                });
            }
            sections.extend(one.sections.into_iter().map(|mut s| {
                s.parent = s.parent.map(|p| p + first_section);
                s
            }));
        }
        Checklist {
            items,
            sections,
            reasons,
            links,
            ..all
        }
    }

    /// The link of the document an item of [`Checklist::gather`] came from
    /// (`item` a reference into this checklist's items, as for
    /// [`Checklist::waiver`]).
    pub fn link_of(&self, item: &Item) -> Option<&str> {
        if self.links.is_empty() {
            return None;
        }
        let index = self.index_of(item)?;
        let at = self.links.partition_point(|(first, _)| *first <= index);
        self.links.get(at.checked_sub(1)?).map(|(_, link)| link.as_str())
    }
}

impl Checklist {
    /// An item's plain text (for a waived item, its struck-out name).
    pub fn text(&self, item: &Item) -> &str {
        resolve(&self.source, &self.text, item.text)
    }

    /// An item's waiver, when it is marked not applicable. `item` must be
    /// one of this checklist's own [`Checklist::items`] (a reference into
    /// it, not a copy): a reason is found by the item's place in the list.
    pub fn waiver(&self, item: &Item) -> Option<Waiver<'_>> {
        match item.waived {
            Waived::No | Waived::Struck => None,
            Waived::WithoutReason => Some(Waiver { reason: None }),
            Waived::WithReason => {
                let at = narrow(self.index_of(item)?);
                let found = self.reasons.binary_search_by_key(&at, |(i, _)| *i).ok()?;
                Some(Waiver {
                    reason: Some(resolve(&self.source, &self.text, self.reasons[found].1)),
                })
            }
        }
    }

    /// Byte ranges of `item`'s text that were inline code spans, so that a
    /// report can show them as code again; empty when it had none, or when
    /// its first line alone does not give back its text (the text is then
    /// shown plain, as before).
    pub fn code_spans(&self, item: &Item) -> Vec<std::ops::Range<usize>> {
        if self.no_code_spans || self.code_items.is_empty() || !item.code {
            return Vec::new();
        }
        let Some(at) = self.index_of(item) else {
            return Vec::new();
        };
        let Ok(found) = self.code_items.binary_search_by_key(&narrow(at), |(i, _)| *i) else {
            return Vec::new();
        };
        // The parser's offsets are past a byte-order mark.
        let bom = if self.source.starts_with('\u{feff}') { 3 } else { 0 };
        let start = self.code_items[found].1 as usize + bom;
        let rest = self.source.get(start..).unwrap_or_default();
        let line = rest.split(['\n', '\r']).next().unwrap_or_default();
        crate::code_span::spans(line, self.text(item))
    }

    /// Find no code spans from now on ([`Checklist::code_spans`] gives
    /// none): for a report that shows item text plain (text, JSON, workflow
    /// commands), which spares parsing each open item's line again.
    pub fn skip_code_spans(&mut self) {
        self.no_code_spans = true;
    }

    /// The index of an item of this checklist in [`Checklist::items`].
    pub(super) fn index_of(&self, item: &Item) -> Option<usize> {
        let size = std::mem::size_of::<Item>();
        let offset = (item as *const Item as usize).checked_sub(self.items.as_ptr() as usize)?;
        let at = offset / size;
        (offset % size == 0 && at < self.items.len()).then_some(at)
    }

    /// Section titles from outermost to innermost for a section index, as
    /// reports show them ([`Section::shown_title`]).
    pub fn section_path(&self, section: Option<usize>) -> Vec<&str> {
        shown_path(&self.sections, section)
    }

    /// The headings enclosing a section index, borrowed from this checklist.
    pub fn section_at(&self, section: Option<usize>) -> SectionPath<'_> {
        SectionPath::In {
            sections: &self.sections,
            innermost: section,
        }
    }

    /// The items of section `section` and its subsections (every item for
    /// `None`), with their indices in [`Checklist::items`]. In one document
    /// they are one slice of the list, found by binary search: sections nest
    /// in document order, so a section's subsections follow it, and items
    /// are in document order. A checklist gathered from several documents
    /// (each restarting without a heading) is filtered item by item.
    pub fn items_within(&self, section: Option<usize>) -> impl Iterator<Item = (usize, &Item)> + Clone {
        let gathered = !self.links.is_empty();
        let range = match section {
            Some(s) if !gathered => {
                let end = (s + 1..self.sections.len())
                    .find(|&t| !self.section_within(Some(t), s))
                    .unwrap_or(self.sections.len());
                let key = |i: &Item| i.section().map_or(0, |s| s + 1);
                let first = self.items.partition_point(|i| key(i) < s + 1);
                let last = self.items.partition_point(|i| key(i) < end + 1);
                first..last.max(first)
            }
            _ => 0..self.items.len(),
        };
        let start = range.start;
        self.items[range]
            .iter()
            .enumerate()
            .map(move |(i, item)| (start + i, item))
            .filter(move |(_, item)| !gathered || section.is_none_or(|s| self.section_within(item.section(), s)))
    }

    /// Whether section `inner` is `outer` or nested below it.
    pub fn section_within(&self, inner: Option<usize>, outer: usize) -> bool {
        let mut cur = inner;
        while let Some(i) = cur {
            if i == outer {
                return true;
            }
            cur = self.sections[i].parent;
        }
        false
    }

    pub fn checked(&self) -> usize {
        self.items.iter().filter(|i| i.checked).count()
    }
}
