//! Where an item's plain text came from inline code (`` `pytest -v` ``).
//!
//! The parser keeps an item's text plain, as GitHub's task list shows it to
//! a reader and as policies match it. The pull request comment shows code
//! as code again: code spans are inert on GitHub (no links, mentions or
//! math inside them), so they need no escaping. Rather than carry span
//! offsets through every item, the parser notes which items had code, and
//! this module reads the item's line again when a report asks. The result
//! is used only when the line gives back exactly the item's text; anything
//! else (a paragraph over several lines, a waiver) keeps the plain text.

use std::ops::Range;

use pulldown_cmark::{Event, Parser};

/// Byte ranges of `text` that were code spans in `line` (the item's first
/// line after its box), or nothing when `line` does not read back as `text`.
pub fn spans(line: &str, text: &str) -> Vec<Range<usize>> {
    let mut out = String::with_capacity(text.len());
    let mut ranges = Vec::new();
    // Whitespace is collapsed across pieces, as the parser collapses it.
    let mut space = false;
    let push = |piece: &str, out: &mut String, space: &mut bool| {
        for c in piece.chars() {
            if c.is_whitespace() {
                *space = true;
            } else {
                if *space && !out.is_empty() {
                    out.push(' ');
                }
                *space = false;
                out.push(c);
            }
        }
    };
    for event in Parser::new_ext(line, crate::checklist::parser_options()) {
        match event {
            Event::Text(s) => push(&s, &mut out, &mut space),
            Event::Code(s) => {
                if space && !out.is_empty() && !s.trim().is_empty() {
                    out.push(' ');
                    space = false;
                }
                let start = out.len();
                push(&s, &mut out, &mut space);
                if out.len() > start {
                    ranges.push(start..out.len());
                }
            }
            Event::SoftBreak | Event::HardBreak => space = true,
            _ => {}
        }
    }
    if out == text { ranges } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_are_found_where_the_line_reads_back_as_the_text() {
        let text = "All tests passing (pytest tests/ -v --cov=src)";
        assert_eq!(
            spans(" All tests passing (`pytest tests/ -v --cov=src`)", text),
            vec![19..45]
        );
        assert_eq!(&text[19..45], "pytest tests/ -v --cov=src");
        assert_eq!(spans(" `a` and ``b ` c``", "a and b ` c"), vec![0..1, 6..11]);
        // A line that is not the whole text (a paragraph over two lines, a
        // waiver) gives nothing: the text stays plain.
        assert_eq!(
            spans(" first `line`", "first line and more"),
            Vec::<Range<usize>>::new()
        );
    }
}
