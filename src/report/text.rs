//! The terminal report (`check`'s default format): a verdict line per
//! checklist and a line per requirement, open item and piece of evidence,
//! each line defused.

use super::markdown::evidence_state;
use super::*;

/// Terminal output: failing requirements with `file:line` of each open item.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    text_lines(report, |line| {
        out.push_str(line);
        out.push('\n');
    });
    out
}

/// [`text`], written to stdout a line at a time, each line defused as
/// [`emit`] does: no copy of the whole report is made.
pub fn emit_text(report: &Report) {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut result = Ok(());
    text_lines(report, |line| {
        if result.is_ok() {
            // A line of the report may hold line breaks of its own (a
            // multi-line `help`): each part is defused as its own line.
            result = sanitize::write_text(&mut out, line).and_then(|()| out.write_all(b"\n"));
        }
    });
    let _ = result.and_then(|()| out.flush());
}

/// The lines of [`text`], without their line ends, each made in one reused
/// buffer.
pub(super) fn text_lines(report: &Report, mut emit: impl FnMut(&str)) {
    let mut line = String::new();
    let mut put = |line: &mut String| {
        emit(line);
        line.clear();
    };
    for c in &report.checklists {
        let noun = if c.total == 1 { "item" } else { "items" };
        let _ = write!(line, "{}: {} of {} {noun} checked", c.path, c.checked, c.total);
        put(&mut line);
        for r in &c.requirements {
            // The message carries the counts ("1 of 2 items open"); a
            // separate "(1/2)" would repeat them and read "(0/0)" on a
            // missing section.
            let _ = write!(line, "  {:<4}  {} — {}", status(r), r.rule, r.message);
            put(&mut line);
            for e in &r.evidence {
                let _ = write!(line, "        evidence: {:<9} {}", evidence_state(e.state), e.message);
                if let Some(url) = &e.url {
                    line.push_str("  ");
                    line.push_str(url);
                }
                put(&mut line);
            }
            if r.passed {
                optional_lines(&mut line, &c.path, &r.optional, &mut put);
                continue;
            }
            for o in &r.open {
                line.push_str("        ");
                match o.url() {
                    // An item in a pull request comment: where to find it.
                    Some(url) => line.push_str(url),
                    None => {
                        line.push_str(&c.path);
                        line.push(':');
                        line.push_str(itoa::Buffer::new().format(o.line));
                    }
                }
                line.push_str("  ");
                line.push_str(shown_text(&o.text));
                if let Some(note) = &o.note {
                    line.push_str("  [");
                    line.push_str(note);
                    line.push(']');
                }
                put(&mut line);
            }
            if let Some(help) = &r.help {
                let _ = write!(line, "        help: {help}");
                put(&mut line);
            }
            optional_lines(&mut line, &c.path, &r.optional, &mut put);
        }
        for w in &c.waived {
            let reason = w.reason.as_deref().unwrap_or("no reason given");
            let _ = write!(
                line,
                "  n/a   {}:{}  {} — {reason}",
                c.path,
                w.line,
                shown_text(&w.text)
            );
            put(&mut line);
        }
        for n in &c.notes {
            let _ = write!(line, "  note: {n}");
            put(&mut line);
        }
    }
    for n in &report.notes {
        let _ = write!(line, "note: {n}");
        put(&mut line);
    }
    let _ = write!(line, "checkgate: {}", verdict(report));
    put(&mut line);
}

/// The items an `except` pattern took out of a rule, after its open items:
/// listed, never required.
pub(super) fn optional_lines(
    line: &mut String,
    path: &str,
    optional: &[OptionalItem],
    put: &mut impl FnMut(&mut String),
) {
    for o in optional {
        let mark = if o.checked { 'x' } else { ' ' };
        let _ = write!(line, "        optional  {path}:{}  [{mark}] {}", o.line, o.text);
        put(line);
    }
}
