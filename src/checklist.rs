//! Markdown bytes → task-list items, as GitHub renders them.
//!
//! The parse is done by pulldown-cmark with GitHub's task-list extension, never
//! by line regexes: a `- [ ]` inside a code fence, an HTML block, an HTML
//! comment or a table cell is not an item because the markdown parser never
//! shows it as one. We walk the event stream once, keeping an explicit stack of
//! open list items (no recursion, so a 100,000-deep list cannot overflow the
//! stack) and the chain of enclosing headings.
//!
//! Each item records the 1-based line of its list marker, its box state, the
//! plain text of its first paragraph, the innermost enclosing heading (from
//! which the section path is derived), its nesting depth and its parent item.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde::Serialize;

/// Why a checklist could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ChecklistError {
    #[error("{path}:{line}:{column}: invalid UTF-8 (byte 0x{byte:02x}); checklists must be UTF-8 encoded{hint}")]
    NotUtf8 {
        path: String,
        line: usize,
        column: usize,
        byte: u8,
        /// A likely cause, when one is recognisable (UTF-16 byte-order marks).
        hint: &'static str,
    },
    #[error("{path}: {size} bytes is over the {limit}-byte input limit (raise it with --max-bytes)")]
    TooLarge { path: String, size: u64, limit: u64 },
}

/// A heading that opens a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub line: usize,
    pub level: u8,
    pub title: String,
    /// Index of the enclosing section in [`Checklist::sections`].
    pub parent: Option<usize>,
}

/// An item marked not applicable: `- [x] ~~Load test~~ N/A: no API change`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    /// The reason after `N/A`; `None` when the author gave none, which makes
    /// the waiver void (the item stays open).
    pub reason: Option<String>,
}

/// One task-list item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub line: usize,
    pub checked: bool,
    /// Plain text of the first paragraph; for a waived item, the struck-out name.
    pub text: String,
    /// Index of the innermost enclosing heading in [`Checklist::sections`].
    pub section: Option<usize>,
    pub depth: usize,
    /// Index of the nearest enclosing task item in [`Checklist::items`].
    pub parent: Option<usize>,
    pub waiver: Option<Waiver>,
}

impl Item {
    /// Whether the item counts as done: ticked, or waived with a reason.
    pub fn satisfied(&self) -> bool {
        match &self.waiver {
            Some(w) => w.reason.is_some(),
            None => self.checked,
        }
    }
}

/// The parsed items and sections of one markdown document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checklist {
    pub path: String,
    pub items: Vec<Item>,
    pub sections: Vec<Section>,
}

impl Checklist {
    /// Section titles from outermost to innermost for a section index.
    pub fn section_path(&self, section: Option<usize>) -> Vec<&str> {
        let mut path = Vec::new();
        let mut cur = section;
        while let Some(i) = cur {
            path.push(self.sections[i].title.as_str());
            cur = self.sections[i].parent;
        }
        path.reverse();
        path
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

/// Decode checklist bytes, rejecting invalid UTF-8 with its position.
pub fn decode<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, ChecklistError> {
    std::str::from_utf8(bytes).map_err(|err| {
        let at = err.valid_up_to();
        let before = &bytes[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        ChecklistError::NotUtf8 {
            path: path.to_string(),
            line,
            column,
            byte: bytes[at],
            hint: if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
                " (this file is UTF-16: save it as UTF-8)"
            } else {
                ""
            },
        }
    })
}

/// Maps byte offsets to 1-based line numbers. Offsets arrive almost always in
/// increasing order, so a forward cursor makes the whole walk linear.
struct Lines<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl Lines<'_> {
    fn line_of(&mut self, offset: usize) -> usize {
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        let end = offset.min(self.text.len());
        self.line += self.text[self.offset..end].iter().filter(|&&b| b == b'\n').count();
        self.offset = end;
        self.line
    }
}

/// Markdown extensions github.com enables that can change what is a list item.
pub fn parser_options() -> Options {
    Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

enum Frame {
    /// An open list item; `Some(index)` when it is a task item.
    Item(Option<usize>),
    Other,
}

/// Where inline text currently goes.
enum Collect {
    None,
    Heading { level: u8, line: usize, text: String },
    Item { index: usize, text: String, strike: Strike },
}

/// Progress towards recognising `~~name~~ N/A: reason` at the start of an item.
enum Strike {
    /// Nothing but whitespace seen yet.
    Start,
    Inside(String),
    After(String),
    /// The item does not start with struck-out text.
    No,
}

/// Collapse runs of whitespace to one space and trim the ends.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Split `rest` of a struck item into a waiver when it starts with `N/A`.
fn waiver_of(rest: &str) -> Option<Waiver> {
    let rest = rest.trim_start();
    let head = rest.get(..3)?;
    if !head.eq_ignore_ascii_case("n/a") {
        return None;
    }
    let reason = rest[3..].trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | '–' | '—'));
    let reason = collapse(reason);
    Some(Waiver {
        reason: (!reason.is_empty()).then_some(reason),
    })
}

/// Parse a markdown document into its task-list items.
pub fn parse(path: &str, source: &str) -> Checklist {
    // A byte-order mark would stop a first-line heading from being a heading.
    let (text, bom) = match source.strip_prefix('\u{feff}') {
        Some(rest) => (rest, 3),
        None => (source, 0),
    };
    let mut list = Checklist {
        path: path.to_string(),
        ..Checklist::default()
    };
    let mut lines = Lines {
        text: source.as_bytes(),
        offset: 0,
        line: 1,
    };
    let mut frames: Vec<Frame> = Vec::new();
    let mut item_depth = 0usize;
    let mut current_section: Option<usize> = None;
    let mut collect = Collect::None;
    let mut pending_item_line: Option<usize> = None;

    for (event, range) in Parser::new_ext(text, parser_options()).into_offset_iter() {
        // Any block boundary ends the item's first paragraph.
        if let Collect::Item { .. } = collect {
            let ends = match &event {
                Event::Start(tag) => !is_inline(tag),
                Event::End(end) => !is_inline_end(end),
                Event::Rule => true,
                _ => false,
            };
            if ends {
                finish_item(&mut list, std::mem::replace(&mut collect, Collect::None));
            }
        }
        match event {
            Event::Start(Tag::Item) => {
                pending_item_line = Some(lines.line_of(range.start + bom));
                frames.push(Frame::Item(None));
                item_depth += 1;
            }
            Event::End(TagEnd::Item) => {
                frames.pop();
                item_depth = item_depth.saturating_sub(1);
            }
            Event::TaskListMarker(checked) => {
                let parent = frames.iter().rev().skip(1).find_map(|f| match f {
                    Frame::Item(Some(i)) => Some(*i),
                    _ => None,
                });
                let line = pending_item_line.unwrap_or_else(|| lines.line_of(range.start + bom));
                let index = list.items.len();
                list.items.push(Item {
                    line,
                    checked,
                    text: String::new(),
                    section: current_section,
                    depth: item_depth.saturating_sub(1),
                    parent,
                    waiver: None,
                });
                if let Some(Frame::Item(slot)) = frames.last_mut() {
                    *slot = Some(index);
                }
                collect = Collect::Item {
                    index,
                    text: String::new(),
                    strike: Strike::Start,
                };
            }
            Event::Start(Tag::Heading { level, .. }) => {
                collect = Collect::Heading {
                    level: level as u8,
                    line: lines.line_of(range.start + bom),
                    text: String::new(),
                };
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Collect::Heading { level, line, text } = std::mem::replace(&mut collect, Collect::None) {
                    let mut parent = current_section;
                    while let Some(p) = parent {
                        if list.sections[p].level < level {
                            break;
                        }
                        parent = list.sections[p].parent;
                    }
                    list.sections.push(Section {
                        line,
                        level,
                        title: collapse(&text),
                        parent,
                    });
                    current_section = Some(list.sections.len() - 1);
                }
            }
            Event::Start(Tag::Strikethrough) => {
                if let Collect::Item { strike, .. } = &mut collect
                    && matches!(strike, Strike::Start)
                {
                    *strike = Strike::Inside(String::new());
                }
            }
            Event::End(TagEnd::Strikethrough) => {
                if let Collect::Item { strike, .. } = &mut collect
                    && let Strike::Inside(name) = strike
                {
                    *strike = Strike::After(std::mem::take(name));
                }
            }
            Event::Text(s) | Event::Code(s) => match &mut collect {
                Collect::Heading { text, .. } => text.push_str(&s),
                Collect::Item { text, strike, .. } => {
                    match strike {
                        Strike::Start if !s.trim().is_empty() => *strike = Strike::No,
                        Strike::Inside(name) => name.push_str(&s),
                        _ => {}
                    }
                    text.push_str(&s);
                }
                Collect::None => {}
            },
            Event::SoftBreak | Event::HardBreak => match &mut collect {
                Collect::Heading { text, .. } | Collect::Item { text, .. } => text.push(' '),
                Collect::None => {}
            },
            Event::Start(tag) if !is_inline(&tag) => frames.push(Frame::Other),
            Event::End(end) if !is_inline_end(&end) => {
                if let Some(Frame::Other) = frames.last() {
                    frames.pop();
                }
            }
            _ => {}
        }
    }
    if let Collect::Item { .. } = collect {
        finish_item(&mut list, collect);
    }
    list
}

fn finish_item(list: &mut Checklist, collect: Collect) {
    let Collect::Item { index, text, strike } = collect else {
        return;
    };
    let full = collapse(&text);
    let item = &mut list.items[index];
    let name = match strike {
        Strike::After(name) => Some(collapse(&name)),
        _ => None,
    };
    if let Some(name) = name.filter(|s| !s.is_empty()) {
        let rest = full.strip_prefix(name.as_str()).unwrap_or("");
        if let Some(waiver) = waiver_of(rest) {
            item.text = name;
            item.waiver = Some(waiver);
            return;
        }
    }
    item.text = full;
}

fn is_inline(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Link { .. }
            | Tag::Image { .. }
            | Tag::Superscript
            | Tag::Subscript
    )
}

fn is_inline_end(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image
            | TagEnd::Superscript
            | TagEnd::Subscript
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(md: &str) -> Vec<(usize, bool, String, usize)> {
        parse("t.md", md)
            .items
            .into_iter()
            .map(|i| (i.line, i.checked, i.text, i.depth))
            .collect()
    }

    #[test]
    fn plain_task_items_with_every_marker() {
        let md = "- [ ] a\n* [x] b\n+ [X] c\n\n1. [ ] d\n2) [x] e\n";
        assert_eq!(
            items(md),
            vec![
                (1, false, "a".into(), 0),
                (2, true, "b".into(), 0),
                (3, true, "c".into(), 0),
                (5, false, "d".into(), 0),
                (6, true, "e".into(), 0),
            ]
        );
    }

    #[test]
    fn code_fences_html_comments_and_indented_code_hide_boxes() {
        let md = "```\n- [ ] fake\n```\n<!-- - [ ] hidden\n- [x] also -->\n\n    - [ ] indented code\n\n- [ ] real\n";
        assert_eq!(items(md), vec![(9, false, "real".into(), 0)]);
    }

    #[test]
    fn table_cells_are_not_items() {
        let md = "| a | b |\n|---|---|\n| - [ ] x | y |\n";
        assert!(items(md).is_empty());
    }

    #[test]
    fn nested_items_under_bold_parent_have_depth_and_parent() {
        let md = "- [ ] top\n  - **Group**\n    - [x] leaf\n";
        let list = parse("t.md", md);
        assert_eq!(list.items.len(), 2);
        assert_eq!(list.items[1].depth, 2);
        assert_eq!(list.items[1].parent, Some(0));
        assert_eq!(list.items[0].parent, None);
    }

    #[test]
    fn blockquote_items_count() {
        assert_eq!(items("> - [x] quoted\n"), vec![(1, true, "quoted".into(), 0)]);
    }

    #[test]
    fn inline_markup_is_stripped_and_whitespace_collapsed() {
        let md = "- [ ] **Bold** `code`  and [link](http://x)\n  continued\n";
        assert_eq!(items(md)[0].2, "Bold code and link continued");
    }

    #[test]
    fn crlf_bom_and_tabs() {
        let md = "\u{feff}# Title\r\n\r\n-\t[x] tabbed\r\n- [ ] two\r\n";
        let list = parse("t.md", md);
        assert_eq!(list.sections[0].title, "Title");
        assert_eq!(
            list.items.iter().map(|i| (i.line, i.checked)).collect::<Vec<_>>(),
            vec![(3, true), (4, false)]
        );
        assert_eq!(list.section_path(list.items[0].section), vec!["Title"]);
    }

    #[test]
    fn section_paths_follow_atx_and_setext_headings() {
        let md = "Top\n===\n\n## A\n### A1\n- [ ] x\n## B\n- [ ] y\n";
        let list = parse("t.md", md);
        assert_eq!(list.section_path(list.items[0].section), vec!["Top", "A", "A1"]);
        assert_eq!(list.section_path(list.items[1].section), vec!["Top", "B"]);
    }

    #[test]
    fn waiver_needs_strikethrough_then_na() {
        let list = parse(
            "t.md",
            "- [x] ~~Load test~~ N/A: no API change\n- [x] ~~Soak~~ N/A\n- [x] ~~old~~ new text\n",
        );
        assert_eq!(list.items[0].text, "Load test");
        assert_eq!(
            list.items[0].waiver,
            Some(Waiver {
                reason: Some("no API change".into())
            })
        );
        assert!(list.items[0].satisfied());
        assert_eq!(list.items[1].waiver, Some(Waiver { reason: None }));
        assert!(!list.items[1].satisfied());
        assert_eq!(list.items[2].waiver, None);
        assert_eq!(list.items[2].text, "old new text");
    }

    #[test]
    fn invalid_utf8_reports_line_and_column() {
        let err = decode("x.md", b"ok\nab\xffc").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.md:2:3: invalid UTF-8 (byte 0xff); checklists must be UTF-8 encoded"
        );
    }

    #[test]
    fn emoji_and_mojibake_text_survive() {
        let list = parse("t.md", "### ðŸ”´ Critical\n- [ ] ‚úÖ done 🚀\n");
        assert_eq!(list.sections[0].title, "ðŸ”´ Critical");
        assert_eq!(list.items[0].text, "‚úÖ done 🚀");
    }
}
