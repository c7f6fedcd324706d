//! The walk over pulldown-cmark's events, one at a time: the state kept
//! between them and what each one changes ([`Walk::see`]).

use pulldown_cmark::{Event, Tag, TagEnd};

use super::model::*;
use super::parse::*;

/// The walk's state between events: the checklist so far, the list items
/// and the heading or task item still open, and what the next event can
/// tell about a box.
pub(super) struct Walk<'s> {
    /// The whole source, for line numbers and item text.
    source: &'s str,
    /// The source without a byte-order mark: what pulldown-cmark parses.
    pub(super) text: &'s str,
    /// The length of the byte-order mark `text` starts after (0 or 3).
    bom: usize,
    list: Checklist,
    lines: Lines<'s>,
    open: Vec<OpenListItem>,
    current_section: Option<usize>,
    collect: Collect,
    item_line: usize,
    expect: Expect,
    /// The raw text of the pending item's paragraph: one buffer for all items.
    raw: String,
    /// A top-level paragraph being read as a possible label.
    label: Option<Label>,
    /// A label whose paragraph has ended, waiting to see whether a list follows.
    ended_label: Option<(usize, String)>,
}

impl<'s> Walk<'s> {
    pub(super) fn new(path: &str, source: &'s str) -> Walk<'s> {
        // A byte-order mark would stop a first-line heading from being a heading.
        let (text, bom) = match source.strip_prefix('\u{feff}') {
            Some(rest) => (rest, 3),
            None => (source, 0),
        };
        Walk {
            source,
            text,
            bom,
            list: Checklist {
                path: path.to_string(),
                ..Checklist::default()
            },
            lines: Lines {
                text: source.as_bytes(),
                offset: 0,
                line: 1,
            },
            open: Vec::new(),
            current_section: None,
            collect: Collect::None,
            item_line: 0,
            expect: Expect::Nothing,
            raw: String::new(),
            label: None,
            ended_label: None,
        }
    }

    /// Take in the next of pulldown-cmark's events over [`Walk::text`].
    pub(super) fn see(&mut self, event: Event<'s>, range: std::ops::Range<usize>) {
        let Walk {
            source,
            text,
            bom,
            list,
            lines,
            open,
            current_section,
            collect,
            item_line,
            expect,
            raw,
            label,
            ended_label,
        } = self;
        let (source, text, bom): (&str, &str, usize) = (source, text, *bom);
        if let Some((line, title)) = ended_label.take()
            && matches!(event, Event::Start(Tag::List(_)))
        {
            push_section(list, current_section, LABEL_LEVEL, line, title);
        }
        match (&mut *label, &event) {
            (None, Event::Start(Tag::Paragraph)) if open.is_empty() => {
                *label = Some(Label {
                    line: lines.line_of(range.start + bom),
                    text: String::new(),
                    state: LabelState::Start,
                });
            }
            (Some(l), Event::End(TagEnd::Paragraph)) => {
                *ended_label = l.title().map(|t| (l.line, t));
                *label = None;
            }
            (Some(l), e) => l.see(e),
            (None, _) => {}
        }
        // Any block boundary ends the item's first paragraph.
        if let Collect::Item(_) = *collect {
            let ends = match &event {
                Event::Start(tag) => !is_inline(tag),
                Event::End(end) => !is_inline_end(end),
                Event::Rule => true,
                _ => false,
            };
            if ends && let Collect::Item(pending) = std::mem::replace(collect, Collect::None) {
                finish_item(list, source, open, pending, raw);
            }
        }
        // Is there a box at the start of the item's first paragraph?
        let found_box = match std::mem::replace(expect, Expect::Nothing) {
            Expect::Nothing => None,
            Expect::FirstBlock if matches!(event, Event::Start(Tag::Paragraph)) => {
                *expect = Expect::BoxInParagraph(range.start);
                None
            }
            Expect::FirstBlock | Expect::BoxInParagraph(_) if let Event::TaskListMarker(checked) = event => {
                Some((checked, range.end))
            }
            Expect::FirstBlock if is_inline_event(&event) => box_at(text, range.start),
            Expect::FirstBlock => None,
            Expect::BoxInParagraph(start) => box_at(text, start),
        };
        if let Some((checked, box_end)) = found_box {
            let parent = open.last().and_then(|o| o.enclosing_task);
            *collect = Collect::Item(PendingItem {
                item: Item {
                    line: narrow(*item_line),
                    checked,
                    text: Span::default(),
                    section: index(*current_section),
                    depth: narrow(open.len().saturating_sub(1)),
                    parent: index(parent),
                    waived: Waived::No,
                    code: false,
                },
                strike: Strike::Start,
                box_end,
                pieces: 0,
                verbatim: None,
                code: false,
                content: false,
            });
            raw.clear();
        }
        if let Collect::Item(pending) = &mut *collect
            && range.start >= pending.box_end
            && is_inline_event(&event)
            && !matches!(event, Event::Text(_) | Event::SoftBreak | Event::HardBreak)
            && !text[range.clone()].trim_ascii().is_empty()
        {
            pending.content = true;
        }
        let is_code = matches!(event, Event::Code(_));
        match event {
            Event::Start(Tag::Item) => {
                *item_line = lines.line_of(range.start + bom);
                let enclosing_task = open.last().and_then(|o| o.task.or(o.enclosing_task));
                open.push(OpenListItem {
                    task: None,
                    enclosing_task,
                });
                *expect = Expect::FirstBlock;
            }
            Event::End(TagEnd::Item) => {
                open.pop();
            }
            Event::TaskListMarker(_) => {
                // A marker that is not an item's box (it opens a heading, say)
                // is literal text, as GitHub shows it.
                if found_box.is_none()
                    && let Collect::Heading { text: heading, .. } = &mut *collect
                {
                    heading.push_str(&text[range]);
                    heading.push(' ');
                }
            }
            Event::Start(Tag::Heading { level, .. }) => {
                *collect = Collect::Heading {
                    level: level as u8,
                    line: lines.line_of(range.start + bom),
                    text: String::new(),
                };
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Collect::Heading { level, line, text } = std::mem::replace(collect, Collect::None) {
                    push_section(list, current_section, level, line, collapse(&text));
                }
            }
            Event::Start(Tag::Strikethrough) => {
                if let Collect::Item(PendingItem { strike, .. }) = &mut *collect
                    && matches!(strike, Strike::Start)
                {
                    *strike = Strike::Inside(String::new());
                }
            }
            Event::End(TagEnd::Strikethrough) => {
                if let Collect::Item(PendingItem { strike, .. }) = &mut *collect
                    && let Strike::Inside(name) = strike
                {
                    *strike = Strike::After(std::mem::take(name));
                }
            }
            Event::Text(s) | Event::Code(s) => match &mut *collect {
                Collect::Heading { text, .. } => text.push_str(&s),
                Collect::Item(pending) => {
                    pending.code |= is_code;
                    let s = after_box(&s, range, pending.box_end, text);
                    match &mut pending.strike {
                        Strike::Start if !s.trim().is_empty() => pending.strike = Strike::No,
                        Strike::Inside(name) => name.push_str(s),
                        _ => {}
                    }
                    if !s.is_empty() {
                        pending.pieces += 1;
                        pending.verbatim = offset_in(source, s);
                    }
                    raw.push_str(s);
                }
                Collect::None => {}
            },
            Event::SoftBreak | Event::HardBreak => match &mut *collect {
                Collect::Heading { text, .. } => text.push(' '),
                Collect::Item(pending) => {
                    pending.pieces += 1;
                    raw.push(' ');
                }
                Collect::None => {}
            },
            _ => {}
        }
    }

    /// The checklist, once every event has been seen.
    pub(super) fn finish(mut self) -> Checklist {
        if let Collect::Item(pending) = std::mem::replace(&mut self.collect, Collect::None) {
            finish_item(&mut self.list, self.source, &mut self.open, pending, &self.raw);
        }
        self.list
    }
}
