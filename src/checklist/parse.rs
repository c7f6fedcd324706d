//! The walk over pulldown-cmark's events that finds task items as GitHub
//! shows them: boxes at the start of an item's first paragraph, headings and
//! bold labels as sections, waivers, and each item's text.

use pulldown_cmark::{Event, Options, Tag, TagEnd};

use super::model::*;

/// Maps byte offsets to 1-based line numbers. Offsets arrive almost always in
/// increasing order, so a forward cursor makes the whole walk linear.
pub(super) struct Lines<'a> {
    pub(super) text: &'a [u8],
    pub(super) offset: usize,
    pub(super) line: usize,
}

impl Lines<'_> {
    pub(super) fn line_of(&mut self, offset: usize) -> usize {
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        let end = offset.min(self.text.len());
        self.line += newlines(&self.text[self.offset..end]);
        self.offset = end;
        self.line
    }
}

/// The line feeds in `bytes`. Counted in blocks of at most 255 bytes, each
/// into a byte, so that the comparison runs over whole vector registers:
/// counting straight into a `usize` widens every byte to 64 bits first and
/// costs several instructions per byte (40 million on a 10 MB checklist).
pub(super) fn newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|block| usize::from(block.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
        .sum()
}

/// Markdown extensions github.com enables that can change what is a list item.
///
/// Not pulldown-cmark's task-list extension: it takes the box off the line
/// before judging the rest, so `- [ ] | a |` over `|---|` becomes a table
/// (GitHub, judging the line with its box, sees three cells against two and
/// shows a paragraph that opens with a box: a task). Boxes are found instead
/// at the start of each item's first paragraph (`box_at`), as GitHub does.
pub fn parser_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// A list item that is still open while the events of its content arrive.
pub(super) struct OpenListItem {
    /// Its index in [`Checklist::items`] once it is known to be a task item.
    pub(super) task: Option<usize>,
    /// The nearest enclosing task item: the parent of a task in this item.
    pub(super) enclosing_task: Option<usize>,
}

/// What the next event can tell about a task box.
#[derive(Clone, Copy)]
pub(super) enum Expect {
    Nothing,
    /// A list item has just started: its first event says what its first
    /// block is.
    FirstBlock,
    /// The item's first block is a paragraph (of a loose list) starting at
    /// this offset; the box, if any, comes next.
    BoxInParagraph(usize),
}

/// The level given to a bold-paragraph section (`**Testing:**` followed by a
/// list): below every heading, so any heading or the next such paragraph
/// ends it.
pub const LABEL_LEVEL: u8 = 7;

/// A top-level paragraph that may be a section label: only strong text,
/// an optional `:` after it.
pub(super) struct Label {
    pub(super) line: usize,
    pub(super) text: String,
    pub(super) state: LabelState,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum LabelState {
    /// Nothing seen yet.
    Start,
    /// Inside the strong text, this many levels deep.
    Inside(u32),
    /// After the strong text: only a `:` may follow.
    After,
    /// Something else is in the paragraph: not a label.
    No,
}

impl Label {
    /// Follow one event of the paragraph.
    pub(super) fn see(&mut self, event: &Event) {
        use LabelState::*;
        self.state = match (self.state, event) {
            (No, _) => No,
            (Start, Event::Start(Tag::Strong)) => Inside(1),
            (Inside(d), Event::Start(Tag::Strong)) => Inside(d + 1),
            (Inside(1), Event::End(TagEnd::Strong)) => After,
            (Inside(d), Event::End(TagEnd::Strong)) => Inside(d - 1),
            (Inside(d), Event::Text(t) | Event::Code(t)) => {
                self.text.push_str(t);
                Inside(d)
            }
            (Inside(d), Event::SoftBreak | Event::HardBreak) => {
                self.text.push(' ');
                Inside(d)
            }
            (Inside(d), Event::Start(tag)) if is_inline(tag) => Inside(d),
            (Inside(d), Event::End(end)) if is_inline_end(end) => Inside(d),
            (After, Event::Text(t)) if t.trim() == ":" || t.trim().is_empty() => After,
            _ => No,
        };
    }

    /// The section title, when the paragraph was a label.
    pub(super) fn title(&self) -> Option<String> {
        if self.state != LabelState::After {
            return None;
        }
        let title = collapse(&self.text);
        let title = title.strip_suffix(':').unwrap_or(&title).trim_end().to_string();
        (!title.is_empty()).then_some(title)
    }
}

/// Where inline text currently goes.
pub(super) enum Collect {
    None,
    Heading { level: u8, line: usize, text: String },
    Item(PendingItem),
}

/// A task box seen at the start of an item's first paragraph. Whether it is
/// a task item is known only at the end of that paragraph: GitHub requires
/// text after the box.
pub(super) struct PendingItem {
    pub(super) item: Item,
    pub(super) strike: Strike,
    /// Source offset where the box ends: text before it is the box itself,
    /// when pulldown-cmark did not recognise the box and shows it as text.
    pub(super) box_end: usize,
    /// Pieces of text (and line breaks) the paragraph has had so far.
    pub(super) pieces: u32,
    /// Where the first piece is in the source, when it is a slice of it:
    /// a one-piece text can then be kept as a range of the source.
    pub(super) verbatim: Option<usize>,
    /// The paragraph has an inline code span.
    pub(super) code: bool,
    /// Something other than text follows the box (an inline HTML comment,
    /// an image): a task even when its plain text is empty, as on GitHub.
    pub(super) content: bool,
}

/// Progress towards recognising `~~name~~ N/A: reason` at the start of an item.
pub(super) enum Strike {
    /// Nothing but whitespace seen yet.
    Start,
    Inside(String),
    After(String),
    /// The item does not start with struck-out text.
    No,
}

/// A task box at `at` in `text`, by GitHub's rule: `[ ]`, `[x]`, `[X]` or
/// `[<TAB>]`, then whitespace (a line ending counts). Called only where the
/// event stream shows the first paragraph of a list item begins, for the
/// boxes pulldown-cmark does not report (after a blank first line or a link
/// reference definition). Returns the state and the offset after the box.
pub(super) fn box_at(text: &str, at: usize) -> Option<(bool, usize)> {
    // In a tight list the first event of `- \[ ] x` starts after the
    // backslash, which escapes the bracket: no box.
    if at > 0 && text.as_bytes()[at - 1] == b'\\' {
        return None;
    }
    let b = text.as_bytes().get(at..at + 4)?;
    if b[0] != b'[' || b[2] != b']' || !matches!(b[3], b' ' | b'\t' | b'\n' | b'\r') {
        return None;
    }
    match b[1] {
        b' ' | b'\t' => Some((false, at + 3)),
        b'x' | b'X' => Some((true, at + 3)),
        _ => None,
    }
}

/// Whether an event belongs to a paragraph's inline content, so that, as the
/// first event of a list item, it shows that the item starts with a (tight)
/// paragraph.
pub(super) fn is_inline_event(event: &Event) -> bool {
    match event {
        Event::Start(tag) => is_inline(tag),
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineHtml(_)
        | Event::InlineMath(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::FootnoteReference(_)
        | Event::TaskListMarker(_) => true,
        _ => false,
    }
}

/// Collapse runs of whitespace to one space and trim the ends.
pub(super) fn collapse(s: &str) -> String {
    let mut out = String::new();
    collapse_into(s, &mut out);
    out
}

/// [`collapse`], appending to `out` (the checklist's text arena).
pub(super) fn collapse_into(s: &str, out: &mut String) {
    // Most item text has single spaces: one scan, one copy.
    let s = s.trim_ascii();
    if is_collapsed(s) {
        out.push_str(s);
        return;
    }
    let start = out.len();
    for word in s.split_whitespace() {
        if out.len() > start {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// Whether `s` is surely what [`collapse`] makes of it: no whitespace at its
/// ends, none but single spaces inside. Judged on bytes, conservatively: a
/// C0 control or a byte from `C2` to `E3` (which covers the lead bytes of
/// every non-ASCII whitespace character) sends the text the slow way, which
/// gives the same result for it.
pub(super) fn is_collapsed(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    // Branch-free over the bytes so that it vectorises: any C0 control
    // (tab and line ends among them), lead byte C2..=E3, or two spaces in a
    // row. (`str::contains` would set up a substring search per text.)
    let suspect = b.iter().fold(false, |any, &c| {
        any | (c < 0x20) | (c.wrapping_sub(0xc2) <= 0xe3 - 0xc2)
    });
    let doubled = b
        .iter()
        .zip(b.iter().skip(1))
        .fold(false, |any, (&x, &y)| any | ((x == b' ') & (y == b' ')));
    !suspect && !doubled
}

/// Where the reason starts in `rest`, the collapsed text after a struck-out
/// name, when `rest` starts with `N/A` (`rest.len()` when no reason follows).
pub(super) fn waiver_reason(rest: &str) -> Option<usize> {
    let trimmed = rest.trim_start();
    let head = trimmed.get(..3)?;
    if !head.eq_ignore_ascii_case("n/a") {
        return None;
    }
    // `rest` is collapsed: what follows the separators is too.
    let reason = trimmed[3..].trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | '–' | '—'));
    Some(rest.len() - reason.len())
}

/// Parse a markdown document into its task-list items.
///
/// An item is a task when, as on github.com, its first block is a paragraph
/// that opens with a box followed by whitespace and then more content in
/// that paragraph (text, or only an inline HTML comment: empty text). The
/// box is found at the paragraph's first source offset; pulldown-cmark runs
/// without its task-list extension, which would judge the line without its
/// box ([`parser_options`]).
pub fn parse(path: &str, source: &str) -> Checklist {
    parse_owned(path, source.to_string())
}

/// [`parse`], keeping `source` in the checklist: most item text is then a
/// range of it rather than a copy.
pub fn parse_owned(path: &str, source: String) -> Checklist {
    let mut list = parse_into(path, &source);
    list.source = source;
    list
}

/// The parse itself; the caller puts `source` in the checklist afterwards.
pub(super) fn parse_into(path: &str, source: &str) -> Checklist {
    super::feed::feed(super::walk::Walk::new(path, source))
}

/// Open a section at `level` (a heading's, or [`LABEL_LEVEL`]), nested in
/// the innermost open section of a lower level.
pub(super) fn push_section(list: &mut Checklist, current: &mut Option<usize>, level: u8, line: usize, title: String) {
    let mut parent = *current;
    while let Some(p) = parent {
        if list.sections[p].level < level {
            break;
        }
        parent = list.sections[p].parent;
    }
    list.sections.push(Section {
        json: std::sync::OnceLock::new(),
        line,
        level,
        shortened: shorten(&title),
        title,
        parent,
    });
    *current = Some(list.sections.len() - 1);
}

/// The part of an inline text event after a box that pulldown-cmark showed
/// as text (`[`, ` `, `]`): everything before `box_end` is the box.
pub(super) fn after_box<'s>(s: &'s str, range: std::ops::Range<usize>, box_end: usize, source: &str) -> &'s str {
    if range.start >= box_end {
        return s;
    }
    if range.end <= box_end {
        return "";
    }
    // The event straddles the box's end: the box is literal source text, so
    // the event's text starts with it.
    let boxed = &source[range.start..box_end];
    s.strip_prefix(boxed).unwrap_or("")
}

/// Record a pending item as a task item when its paragraph has content after
/// the box; GitHub shows a box with nothing after it as a literal "[ ]". A
/// box followed only by an inline HTML comment (`- [ ] <!-- fill in -->`)
/// is a task whose text is empty.
pub(super) fn finish_item(
    list: &mut Checklist,
    source: &str,
    open: &mut [OpenListItem],
    pending: PendingItem,
    raw: &str,
) {
    let PendingItem {
        mut item,
        strike,
        pieces,
        verbatim,
        box_end,
        code,
        content,
    } = pending;
    let trimmed = raw.trim_ascii();
    let span = match verbatim {
        // The text as written: a range of the source, no copy.
        Some(at) if pieces == 1 && is_collapsed(trimmed) => {
            let start = at + (trimmed.as_ptr() as usize - raw.as_ptr() as usize);
            Span::of(start, start + trimmed.len())
        }
        _ => {
            let start = list.text.len();
            collapse_into(raw, &mut list.text);
            Span::of(source.len() + start, source.len() + list.text.len())
        }
    };
    if span.start == span.end && !content {
        return;
    }
    item.text = span;
    if let Strike::After(name) = strike {
        let name = collapse(&name);
        let full = resolve(source, &list.text, span);
        if !name.is_empty() && full == name {
            item.waived = Waived::Struck;
        } else if !name.is_empty()
            && let Some(rest) = full.strip_prefix(name.as_str())
            && let Some(at) = waiver_reason(rest)
        {
            let (start, end) = (span.start as usize, span.end as usize);
            let reason = start + name.len() + at;
            item.text = Span::of(start, start + name.len());
            // A reason must say something a reader can see: `N/A:` and a
            // zero-width space is no reason.
            let visible = reason < end && crate::normalize::has_visible_word(&full[reason - start..]);
            item.waived = if visible {
                list.reasons.push((narrow(list.items.len()), Span::of(reason, end)));
                Waived::WithReason
            } else {
                Waived::WithoutReason
            };
        }
    }
    if let Some(o) = open.last_mut() {
        o.task = Some(list.items.len());
    }
    if code {
        list.code_items.push((narrow(list.items.len()), narrow(box_end)));
        item.code = true;
    }
    list.items.push(item);
}

/// Where `piece` is in `source`, when it is a slice of it (pulldown-cmark
/// lends most text straight from the document).
pub(super) fn offset_in(source: &str, piece: &str) -> Option<usize> {
    let offset = (piece.as_ptr() as usize).checked_sub(source.as_ptr() as usize)?;
    (offset + piece.len() <= source.len()).then_some(offset)
}

pub(super) fn is_inline(tag: &Tag) -> bool {
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

pub(super) fn is_inline_end(end: &TagEnd) -> bool {
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
