//! The JSON the reports are read as (`check --format json`, the action's
//! `report` output, `list --format json`), written byte by byte as
//! serde_json writes the same values, without a call per field: a report
//! of 150,000 open items is mostly item objects, and serde spends more on
//! their field names and dispatch than on their text.
//!
//! Each writer takes its struct apart field by field (no `..`), so a field
//! added to a report type does not compile until it is written here; the
//! tests compare every writer with serde_json on the corpus and on strings
//! of every kind.

use std::io::{self, Write};

use crate::checklist::Checklist;
use crate::eval::{ChecklistReport, More, OpenItem, OptionalItem, Report, RequirementReport, WaivedItem};
use crate::sanitize::JsonOut;

/// `report` as compact JSON, defused, to `out`.
pub fn write_report<W: Write>(out: W, report: &Report) -> io::Result<W> {
    let mut j = JsonOut::new(out);
    let Report {
        passed,
        pending,
        checklists,
        notes,
    } = report;
    j.buf.extend_from_slice(b"{\"passed\":");
    boolean(&mut j.buf, *passed);
    if *pending {
        j.buf.extend_from_slice(b",\"pending\":true");
    }
    j.buf.extend_from_slice(b",\"checklists\":[");
    for (n, c) in checklists.iter().enumerate() {
        if n > 0 {
            j.buf.push(b',');
        }
        checklist(&mut j, c)?;
    }
    j.buf.push(b']');
    if !notes.is_empty() {
        j.buf.extend_from_slice(b",\"notes\":");
        strings(&mut j.buf, notes);
    }
    j.buf.push(b'}');
    j.finish()
}

/// `list --format json` for one checklist: `{"path": …, "items": [...]}`,
/// the shape `gfm-oracle` prints.
pub fn write_list<W: Write>(out: W, list: &Checklist) -> io::Result<W> {
    let mut j = JsonOut::new(out);
    j.buf.extend_from_slice(b"{\"path\":");
    write_string(&mut j.buf, &list.path);
    j.buf.extend_from_slice(b",\"items\":[");
    for (n, i) in list.items.iter().enumerate() {
        let b = &mut j.buf;
        if n > 0 {
            b.push(b',');
        }
        b.extend_from_slice(b"{\"line\":");
        number(b, i.line());
        b.extend_from_slice(if i.checked {
            b",\"checked\":true,\"text\":"
        } else {
            b",\"checked\":false,\"text\":"
        });
        write_string(b, list.text(i));
        b.extend_from_slice(b",\"section\":");
        list.section_at(i.section()).write_json(b);
        b.extend_from_slice(b",\"depth\":");
        number(b, i.depth());
        if let Some(p) = i.parent() {
            b.extend_from_slice(b",\"parent\":");
            number(b, list.items[p].line());
        }
        if let Some(w) = list.waiver(i) {
            b.extend_from_slice(b",\"waiver\":{\"reason\":");
            match w.reason {
                Some(reason) => write_string(b, reason),
                None => b.extend_from_slice(b"null"),
            }
            b.push(b'}');
        }
        b.push(b'}');
        j.wrote()?;
    }
    j.buf.extend_from_slice(b"]}");
    j.finish()
}

fn checklist<W: Write>(j: &mut JsonOut<W>, c: &ChecklistReport) -> io::Result<()> {
    let ChecklistReport {
        path,
        total,
        checked,
        requirements,
        waived,
        notes,
    } = c;
    let b = &mut j.buf;
    b.extend_from_slice(b"{\"path\":");
    write_string(b, path);
    b.extend_from_slice(b",\"total\":");
    number(b, *total);
    b.extend_from_slice(b",\"checked\":");
    number(b, *checked);
    b.extend_from_slice(b",\"requirements\":[");
    for (n, r) in requirements.iter().enumerate() {
        if n > 0 {
            j.buf.push(b',');
        }
        requirement(j, r)?;
    }
    j.buf.push(b']');
    if !waived.is_empty() {
        j.buf.extend_from_slice(b",\"waived\":");
        array(j, waived, waived_item)?;
    }
    if !notes.is_empty() {
        j.buf.extend_from_slice(b",\"notes\":");
        strings(&mut j.buf, notes);
    }
    j.buf.push(b'}');
    Ok(())
}

fn requirement<W: Write>(j: &mut JsonOut<W>, r: &RequirementReport) -> io::Result<()> {
    let RequirementReport {
        rule,
        level,
        passed,
        code,
        open,
        message,
        checked,
        total,
        help,
        optional,
        evidence,
    } = r;
    let b = &mut j.buf;
    b.extend_from_slice(b"{\"rule\":");
    write_string(b, rule);
    b.extend_from_slice(b",\"level\":");
    write_string(b, level.as_str());
    b.extend_from_slice(b",\"passed\":");
    boolean(b, *passed);
    b.extend_from_slice(b",\"code\":");
    write_string(b, code.as_str());
    b.extend_from_slice(b",\"open\":");
    array(j, open, open_item)?;
    let b = &mut j.buf;
    b.extend_from_slice(b",\"message\":");
    write_string(b, message);
    b.extend_from_slice(b",\"checked\":");
    number(b, *checked);
    b.extend_from_slice(b",\"total\":");
    number(b, *total);
    if let Some(help) = help {
        b.extend_from_slice(b",\"help\":");
        write_string(b, help);
    }
    if !optional.is_empty() {
        j.buf.extend_from_slice(b",\"optional\":");
        array(j, optional, optional_item)?;
    }
    if !evidence.is_empty() {
        j.buf.extend_from_slice(b",\"evidence\":");
        serde_json::to_writer(&mut j.buf, evidence)?;
    }
    j.buf.push(b'}');
    Ok(())
}

fn open_item(b: &mut Vec<u8>, item: &OpenItem) -> io::Result<()> {
    let OpenItem {
        line,
        text,
        section,
        note,
        more,
    } = item;
    line_and_text(b, *line, text);
    if !section.is_empty() {
        b.extend_from_slice(b",\"section\":");
        section.write_json(b);
    }
    if let Some(note) = note {
        b.extend_from_slice(b",\"note\":");
        write_string(b, note);
    }
    if let Some(more) = more {
        let More { url, code: _, evidence } = &**more;
        if let Some(url) = url {
            b.extend_from_slice(b",\"url\":");
            write_string(b, url);
        }
        if !evidence.is_empty() {
            b.extend_from_slice(b",\"evidence\":");
            serde_json::to_writer(&mut *b, evidence)?;
        }
    }
    b.push(b'}');
    Ok(())
}

fn optional_item(b: &mut Vec<u8>, item: &OptionalItem) -> io::Result<()> {
    let OptionalItem {
        line,
        text,
        checked,
        section,
    } = item;
    line_and_text(b, *line, text);
    b.extend_from_slice(b",\"checked\":");
    boolean(b, *checked);
    if !section.is_empty() {
        b.extend_from_slice(b",\"section\":");
        section.write_json(b);
    }
    b.push(b'}');
    Ok(())
}

fn waived_item(b: &mut Vec<u8>, item: &WaivedItem) -> io::Result<()> {
    let WaivedItem { line, text, reason } = item;
    line_and_text(b, *line, text);
    if let Some(reason) = reason {
        b.extend_from_slice(b",\"reason\":");
        write_string(b, reason);
    }
    b.push(b'}');
    Ok(())
}

/// A JSON array of `items`, each written by `write`, passed on a piece at a
/// time: from [`SIDE_BY_SIDE_FROM`] items, with a second thread writing every
/// other chunk of them ([`side_by_side`]), the bytes the same either way.
fn array<W: Write, T: Sync>(j: &mut JsonOut<W>, items: &[T], write: WriteItem<T>) -> io::Result<()> {
    j.buf.push(b'[');
    // The length first: asking for the cores reads the cgroup's files.
    if items.len() >= SIDE_BY_SIDE_FROM && crate::threads::cores() > 1 {
        side_by_side(j, items, write)?;
    } else {
        in_turn(j, items, write)?;
    }
    j.buf.push(b']');
    Ok(())
}

/// How one array element is written.
type WriteItem<T> = fn(&mut Vec<u8>, &T) -> io::Result<()>;

/// Arrays of this many items or more (the open items of a rule over a
/// whole large checklist) are written on two threads: below it, starting
/// a thread costs more than it saves.
const SIDE_BY_SIDE_FROM: usize = 16_384;

/// Items a thread writes at a time: a few hundred kilobytes of JSON.
const CHUNK: usize = 2_048;

/// `items` written one after another on this thread.
fn in_turn<W: Write, T>(j: &mut JsonOut<W>, items: &[T], write: WriteItem<T>) -> io::Result<()> {
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            j.buf.push(b',');
        }
        write(&mut j.buf, item)?;
        j.wrote()?;
    }
    Ok(())
}

/// `items` in chunks of [`CHUNK`]: this thread writes the even chunks and
/// passes them on, a second thread writes the odd ones into buffers that
/// this thread passes on in their turn (and hands back to be filled
/// again). A thread the system will not start leaves them all to this one.
fn side_by_side<W: Write, T: Sync>(j: &mut JsonOut<W>, items: &[T], write: WriteItem<T>) -> io::Result<()> {
    let chunks: Vec<&[T]> = items.chunks(CHUNK).collect();
    let (full, filled) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(2);
    let (empty, emptied) = std::sync::mpsc::channel::<Vec<u8>>();
    let odd = chunks.iter().skip(1).step_by(2).copied().collect::<Vec<_>>();
    let fill = move || {
        for chunk in odd {
            let mut b = emptied.try_recv().unwrap_or_default();
            b.clear();
            // Every odd chunk follows an even one: each item takes its comma.
            let wrote = chunk.iter().try_for_each(|item| {
                b.push(b',');
                write(&mut b, item)
            });
            // This thread has stopped taking them only on an error of its own.
            if full.send(wrote.map(|()| b)).is_err() {
                return;
            }
        }
    };
    std::thread::scope(|s| {
        // Moved in, so that an early return (a write error) drops it and a
        // second thread waiting to hand a chunk over stops instead.
        let filled = filled;
        if std::thread::Builder::new().spawn_scoped(s, fill).is_err() {
            return in_turn(j, items, write);
        }
        for (n, chunk) in chunks.iter().enumerate() {
            if n % 2 == 0 {
                if n > 0 {
                    j.buf.push(b',');
                }
                in_turn(j, chunk, write)?;
            } else {
                let b = filled
                    .recv()
                    .map_err(|_| io::Error::other("the JSON writer's second thread stopped"))??;
                j.pass(&b)?;
                let _ = empty.send(b);
            }
        }
        Ok(())
    })
}

/// The start of an item's object: `{"line":N,"text":"…"`.
fn line_and_text(b: &mut Vec<u8>, line: usize, text: &str) {
    b.extend_from_slice(b"{\"line\":");
    number(b, line);
    b.extend_from_slice(b",\"text\":");
    write_string(b, text);
}

fn boolean(b: &mut Vec<u8>, v: bool) {
    b.extend_from_slice(if v { b"true" } else { b"false" });
}

fn number(b: &mut Vec<u8>, n: usize) {
    b.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// A JSON array of strings.
pub(crate) fn strings<S: AsRef<str>>(b: &mut Vec<u8>, all: impl IntoIterator<Item = S>) {
    b.push(b'[');
    for (n, s) in all.into_iter().enumerate() {
        if n > 0 {
            b.push(b',');
        }
        write_string(b, s.as_ref());
    }
    b.push(b']');
}

/// What serde_json writes for each byte: 0 for the byte itself, else the
/// letter after the backslash (`u` for `\u00XX`).
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the eight bytes of `x` is below 0x20, `"` or `\`
/// (exact: the tests try every byte at every place).
#[inline]
fn any_to_escape(x: u64) -> bool {
    let below_space = x.wrapping_sub(ONES * 0x20) & !x;
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    let zero = |v: u64| v.wrapping_sub(ONES) & !v;
    (below_space | zero(quote) | zero(backslash)) & HIGHS != 0
}

/// `s` as a JSON string, escaped as serde_json escapes it: `"`, `\` and the
/// controls below U+0020 (`\b \t \n \f \r`, the rest `\u00xx`); nothing else.
pub fn write_string(b: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    b.reserve(bytes.len() + 2);
    b.push(b'"');
    let eight = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
    let mut start = 0;
    let mut i = 0;
    // Whether the last eight bytes were looked at for the tail.
    let mut tail = false;
    while i < bytes.len() {
        if i + 8 <= bytes.len() {
            if !any_to_escape(eight(i)) {
                i += 8;
                continue;
            }
        } else if !tail && bytes.len() >= 8 {
            // Fewer than eight bytes left: the last eight (some already
            // seen clean) tell at once whether any of them needs escaping.
            tail = true;
            if !any_to_escape(eight(bytes.len() - 8)) {
                break;
            }
        }
        let byte = bytes[i];
        let escape = ESCAPE[byte as usize];
        i += 1;
        if escape == 0 {
            continue;
        }
        b.extend_from_slice(&bytes[start..i - 1]);
        start = i;
        match escape {
            b'u' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                b.extend_from_slice(b"\\u00");
                b.push(HEX[usize::from(byte >> 4)]);
                b.push(HEX[usize::from(byte & 0xf)]);
            }
            letter => b.extend_from_slice(&[b'\\', letter]),
        }
    }
    b.extend_from_slice(&bytes[start..]);
    b.push(b'"');
}
