//! What every byte checkgate prints or posts passes through: the token
//! [`Redactor`] and the defusing of text the Actions runner would obey.
//!
//! The runner reads a step's stdout and stderr line by line (a line ends at
//! LF, CR or CR LF) and obeys `::command::` at the start of a line (after
//! whitespace) and the legacy `##[command]` anywhere in it. Checklist text,
//! policy headings, file paths, logins and API responses all reach checkgate's
//! messages, so the rule is applied where text leaves, not where it is made:
//!
//! - [`line`](fn@line) makes one line, or one value quoted in a line (a heading in an
//!   error, an API error message, a login), inert: line breaks (LF, CR, VT,
//!   FF, NEL, U+2028, U+2029) and other control characters are shown escaped
//!   (`\n`, `\u{2028}`), `##[` becomes `##⁠[` and a leading `::` becomes
//!   `:⁠:` (both with U+2060 WORD JOINER, which no parser treats as
//!   whitespace); [`text`] does it to each line of a multi-line text;
//! - [`command`] is the only way to build a `::command::` line: its
//!   properties and message are escaped as GitHub documents and defused too;
//! - [`json`] defuses serialised JSON without changing what it decodes to.
//!
//! The order on every path is **redact, then escape, then truncate**: text
//! from a checklist or a server is redacted as it is read, before markdown
//! escaping could split the token (`ghs\_…`) or truncation could cut it, and
//! every sink redacts again.

use std::borrow::Cow;

use base64::Engine;
use regex::Regex;

/// U+2060 WORD JOINER: invisible, not whitespace, breaks `::` and `##[`.
const JOINER: char = '\u{2060}';

/// Whether `c` would end a line for some reader, or is a control character
/// that has no business in a log line. Tab stays.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Whether `s` surely needs nothing from [`line`]: no control character but
/// tab, no `#`, no byte that can start a C1 control or U+2028/9 (`C2`,
/// `E2`), and no `::` at its start. One branch-free pass over the bytes;
/// text it is unsure of gets the exact check.
fn is_plain(s: &str) -> bool {
    let suspect = s.bytes().fold(false, |any, c| {
        any | ((c < 0x20) & (c != b'\t')) | (c == 0x7f) | (c == 0xc2) | (c == 0xe2) | (c == b'#')
    });
    !suspect && !s.trim_start().starts_with("::")
}

/// Whether `s` has a character [`is_unsafe`] or a LF, found on the UTF-8
/// bytes: C0 controls and DEL are single bytes, the C1 controls are
/// `C2 80..=9F`, U+2028 and U+2029 are `E2 80 A8` and `E2 80 A9`.
fn has_unsafe_or_newline(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| match c {
        b'\t' => false,
        0..=0x1f | 0x7f => true,
        0xc2 => matches!(b.get(i + 1), Some(0x80..=0x9f)),
        0xe2 => b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xa8 | 0xa9)),
        _ => false,
    })
}

fn escaped(c: char) -> String {
    match c {
        '\n' => "\\n".to_string(),
        '\r' => "\\r".to_string(),
        c => format!("\\u{{{:x}}}", c as u32),
    }
}

/// One line of plain output, or one value quoted inside a line (a heading in
/// an error, an API error message, a `type` field), made inert: every line
/// break and control character but tab is shown escaped (`\n`, `\r`,
/// `\u{2028}`), `##[` and a leading `::` are broken with a word joiner.
pub fn line(s: &str) -> Cow<'_, str> {
    if is_plain(s) {
        return Cow::Borrowed(s);
    }
    let needs = has_unsafe_or_newline(s) || s.contains("##[") || s.trim_start().starts_with("::");
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) || c == '\n' {
            out.push_str(&escaped(c));
            continue;
        }
        if c == '[' && out.ends_with("##") {
            out.push(JOINER);
        }
        out.push(c);
    }
    // Escaping first means no separator is left to count as leading whitespace.
    let lead = out.len() - out.trim_start().len();
    if out[lead..].starts_with("::") {
        out.insert(lead + 1, JOINER);
    }
    Cow::Owned(out)
}

/// Multi-line plain output (a report, a summary), each line made inert by
/// [`line`](fn@line); its LFs are kept.
pub fn text(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    // Writing to a vector cannot fail.
    let _ = write_text(&mut out, s);
    String::from_utf8(out).unwrap_or_default()
}

/// [`text`], written to `out` line by line without copying lines that need
/// nothing.
pub fn write_text(out: &mut impl std::io::Write, s: &str) -> std::io::Result<()> {
    // One line needing nothing: the common case.
    if is_plain(s) {
        return out.write_all(s.as_bytes());
    }
    let mut lines = s.split('\n');
    if let Some(first) = lines.next() {
        out.write_all(line(first).as_bytes())?;
    }
    for l in lines {
        out.write_all(b"\n")?;
        out.write_all(line(l).as_bytes())?;
    }
    Ok(())
}

/// GitHub's escaping for a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// GitHub's escaping for a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A workflow command line (`::name k=v,k=v::message`, LF-terminated).
/// Values are escaped as GitHub documents and then defused, so nothing in
/// them can start or smuggle another command.
pub fn command(name: &str, properties: &[(&str, &str)], message: &str) -> String {
    let props = properties
        .iter()
        .map(|(k, v)| format!("{k}={}", defuse_escaped(&escape_property(v))))
        .collect::<Vec<_>>()
        .join(",");
    let space = if props.is_empty() { "" } else { " " };
    format!("::{name}{space}{props}::{}\n", defuse_escaped(&escape_data(message)))
}

/// After GitHub's `%` escaping no CR or LF is left; the other separators and
/// `##[` still need defusing. `::` inside a command is harmless.
fn defuse_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&escaped(c));
            continue;
        }
        if c == '[' && out.ends_with("##") {
            out.push(JOINER);
        }
        out.push(c);
    }
    out
}

/// Serialised JSON, defused without changing its value: inside strings (the
/// only place these can occur) `##[`, `::`, DEL, the C1 controls and U+2028/9
/// are written as `\u` escapes, which every JSON reader decodes back.
pub fn json(s: &str) -> String {
    let mut out = DefusingWriter::new(Vec::with_capacity(s.len()));
    // Writing to a vector cannot fail.
    let _ = out.write_all(s.as_bytes()).and_then(|()| out.finish());
    String::from_utf8(out.inner).unwrap_or_default()
}

/// `value` as compact JSON written to `out`, defused as [`json`] does it,
/// while it is serialised: nothing is built in memory first.
pub fn write_json<W: std::io::Write, T: serde::Serialize + ?Sized>(out: W, value: &T) -> serde_json::Result<()> {
    // serde_json writes token by token: buffer before defusing, so that the
    // searches run over large pieces.
    let mut buffered = std::io::BufWriter::with_capacity(JSON_PIECE, DefusingWriter::new(out));
    serde_json::to_writer(&mut buffered, value)?;
    let mut defusing = buffered
        .into_inner()
        .map_err(|e| serde_json::Error::io(e.into_error()))?;
    defusing.finish().map_err(serde_json::Error::io)
}

/// How much raw JSON [`write_json`] and [`JsonOut`] gather before defusing
/// it: the searches run over large pieces.
const JSON_PIECE: usize = 1 << 16;

/// JSON written as raw bytes into [`JsonOut::buf`] and passed on to `out`
/// defused, as [`json`] does it, in pieces of about 64 KiB: for writers
/// that build the JSON themselves ([`crate::report::json`](mod@crate::report::json)).
pub struct JsonOut<W: std::io::Write> {
    /// Raw JSON not passed on yet; append to it, then call [`JsonOut::wrote`].
    pub buf: Vec<u8>,
    out: DefusingWriter<W>,
}

impl<W: std::io::Write> JsonOut<W> {
    pub fn new(out: W) -> Self {
        JsonOut {
            buf: Vec::with_capacity(JSON_PIECE + (JSON_PIECE >> 2)),
            out: DefusingWriter::new(out),
        }
    }

    /// Pass what `buf` holds on once it is a piece's worth.
    #[inline]
    pub fn wrote(&mut self) -> std::io::Result<()> {
        if self.buf.len() >= JSON_PIECE {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Pass on what `buf` holds, then `bytes` (JSON made elsewhere), as
    /// if they had been appended to `buf`: the defusing is the same
    /// however the bytes are split.
    pub fn pass(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.write_all(bytes)
    }

    /// Pass the rest on and flush; gives `out` back.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.write_all(&self.buf)?;
        self.out.finish()?;
        Ok(self.out.inner)
    }
}

/// `value` as compact, defused JSON ([`write_json`]).
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    match write_json(&mut out, value) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => json(&serde_json::json!({ "error": e.to_string() }).to_string()),
    }
}

use std::io::Write as _;

/// Defuses serialised JSON as it passes through, in whatever pieces it is
/// written. JSON's own punctuation never makes `::` or `##[` (a `"` always
/// stands between a string and a `:` or `[`), so every match is inside a
/// string and escaping it keeps the value. The bytes are searched with
/// SIMD (`memchr`); a piece's last bytes that could begin a match are held
/// back until the next piece or [`DefusingWriter::finish`].
struct DefusingWriter<W: std::io::Write> {
    inner: W,
    colons: memchr::memmem::Finder<'static>,
    hashes: memchr::memmem::Finder<'static>,
    /// Bytes held back from the end of the last piece (at most two).
    held: Vec<u8>,
    /// The last two bytes written, for a match that began before them.
    prev: [u8; 2],
}

impl<W: std::io::Write> DefusingWriter<W> {
    fn new(inner: W) -> Self {
        DefusingWriter {
            inner,
            colons: memchr::memmem::Finder::new(b"::"),
            hashes: memchr::memmem::Finder::new(b"##["),
            held: Vec::new(),
            prev: [0, 0],
        }
    }

    /// Write what is held back: the end of the JSON.
    fn finish(&mut self) -> std::io::Result<()> {
        let held = std::mem::take(&mut self.held);
        self.defuse(&held)?;
        self.inner.flush()
    }

    /// Write `b` defused; `self.prev` holds the last two bytes written.
    fn defuse(&mut self, b: &[u8]) -> std::io::Result<()> {
        // `b[from..]` is not written yet.
        let mut from = 0;
        // A match that began before `b`: its first two bytes, one at a time.
        let mut at = 0;
        while at < b.len().min(2) {
            let (hit, len) = hit(last_two(self.prev, &b[from..at]), b, at);
            if hit {
                from = self.escape(b, from, at, len)?;
                at = from;
            } else {
                at += 1;
            }
        }
        // Then the next of each kind of match, found with SIMD searches; a
        // kind is searched again only once `at` has passed its last find
        // (an escape of another kind cannot touch a match of this one).
        let mut next: [Option<usize>; 3] = [None; 3];
        let mut searched_to = [0usize; 3];
        loop {
            for kind in 0..3 {
                if next[kind].is_some_and(|t| t >= at) || (next[kind].is_none() && searched_to[kind] > at) {
                    continue;
                }
                // A pattern may begin up to two bytes before `at`, never
                // before `from` (what lies before is written, escapes and all).
                let back = |n: usize| at.saturating_sub(n).max(from);
                next[kind] = match kind {
                    0 => self.colons.find(&b[back(1)..]).map(|p| back(1) + p + 1),
                    1 => self.hashes.find(&b[back(2)..]).map(|p| back(2) + p + 2),
                    _ => memchr::memchr3(0x7f, 0xc2, 0xe2, &b[at..]).map(|p| at + p),
                };
                searched_to[kind] = if next[kind].is_none() { b.len() + 1 } else { 0 };
            }
            let Some(pos) = next.iter().flatten().copied().min() else {
                break;
            };
            let (hit, len) = hit(last_two(self.prev, &b[from..pos]), b, pos);
            if hit {
                from = self.escape(b, from, pos, len)?;
                at = from;
            } else {
                at = pos + 1;
            }
        }
        self.prev = last_two(self.prev, &b[from..]);
        self.inner.write_all(&b[from..])
    }

    /// Write `b[from..at]`, then the `\u` escape of the `len`-byte character
    /// at `at`; returns where the unwritten rest starts.
    fn escape(&mut self, b: &[u8], from: usize, at: usize, len: usize) -> std::io::Result<usize> {
        let code = match len {
            2 => u32::from(b[at + 1]),
            3 => 0x2000 + u32::from(b[at + 2]) - 0x80,
            _ => u32::from(b[at]),
        };
        self.inner.write_all(&b[from..at])?;
        write!(self.inner, "\\u{code:04x}")?;
        // The escape ends in hex digits: neither `#` nor `:`.
        self.prev = [0, 0];
        Ok(at + len)
    }
}

/// The last two bytes of output `prev` (its last two) followed by `then`.
fn last_two(prev: [u8; 2], then: &[u8]) -> [u8; 2] {
    match then {
        [] => prev,
        [one] => [prev[1], *one],
        [.., a, b] => [*a, *b],
    }
}

/// Whether the bytes at `at` of `b`, after the output `before` (its last two
/// bytes), must be escaped, and how many bytes they are.
fn hit(before: [u8; 2], b: &[u8], at: usize) -> (bool, usize) {
    match b[at] {
        b'[' => (before == *b"##", 1),
        b':' => (before[1] == b':', 1),
        0x7f => (true, 1),
        0xc2 => (matches!(b.get(at + 1), Some(0x80..=0x9f)), 2),
        0xe2 => (
            b.get(at + 1) == Some(&0x80) && matches!(b.get(at + 2), Some(0xa8 | 0xa9)),
            3,
        ),
        _ => (false, 1),
    }
}

impl<W: std::io::Write> std::io::Write for DefusingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let joined;
        let data: &[u8] = if self.held.is_empty() {
            buf
        } else {
            joined = [std::mem::take(&mut self.held).as_slice(), buf].concat();
            &joined
        };
        // Hold back an end that may be the start of a match.
        let keep = match data {
            [.., 0xe2, 0x80] => 2,
            [.., 0xe2 | 0xc2] => 1,
            _ => 0,
        };
        let (now, later) = data.split_at(data.len() - keep);
        self.defuse(now)?;
        self.held.extend_from_slice(later);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Replaces a secret, and the encodings of it that a checklist, a server or a
/// proxy could echo, with `***`:
///
/// - the literal token, each character optionally backslash-escaped (markdown)
///   or written as `%HH` (URL encoding, either case) or `\u00HH` (JSON);
/// - base64, standard and URL-safe alphabets, at each of the three byte
///   alignments the token can have inside a longer encoded string (the
///   characters that depend on the token alone), padded or not.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    pattern: Option<Regex>,
}

/// Base64 runs shorter than this are not redacted: too likely to occur by chance.
const MIN_BASE64_CORE: usize = 12;

impl Redactor {
    /// A redactor for `secret`; an empty or absent secret redacts nothing.
    pub fn new(secret: Option<&str>) -> Redactor {
        let Some(secret) = secret.filter(|s| !s.is_empty()) else {
            return Redactor::default();
        };
        let mut alternatives = vec![Self::literal(secret)];
        for engine in [
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            for offset in 0..3 {
                let core = base64_core(&engine, secret.as_bytes(), offset);
                if core.len() >= MIN_BASE64_CORE {
                    alternatives.push(regex::escape(&core));
                }
            }
        }
        alternatives.sort();
        alternatives.dedup();
        // The pattern is built from escaped pieces; it cannot fail to compile
        // short of the size limit, which a token never approaches. Should it,
        // redaction falls back to the literal.
        let pattern = Regex::new(&alternatives.join("|")).or_else(|_| Regex::new(&regex::escape(secret)));
        Redactor { pattern: pattern.ok() }
    }

    fn literal(secret: &str) -> String {
        let mut out = String::new();
        for c in secret.chars() {
            let mut forms = vec![regex::escape(&c.to_string())];
            if c.is_ascii_punctuation() {
                forms[0] = format!(r"\\?{}", forms[0]);
            }
            let mut utf8 = [0u8; 4];
            let hex: Vec<String> = c
                .encode_utf8(&mut utf8)
                .bytes()
                .map(|b| format!("(?i:%{b:02x})"))
                .collect();
            forms.push(hex.concat());
            if (c as u32) < 0x1_0000 {
                forms.push(format!(r"(?i:\\u{:04x})", c as u32));
            }
            out.push_str(&format!("(?:{})", forms.join("|")));
        }
        out
    }

    /// Whether there is a secret to redact.
    pub fn is_active(&self) -> bool {
        self.pattern.is_some()
    }

    /// `text` with every form of the secret replaced by `***`.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.pattern {
            Some(p) => p.replace_all(text, "***"),
            None => Cow::Borrowed(text),
        }
    }

    /// Every string in a JSON value, redacted.
    pub fn redact_json(&self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(s) => Value::String(self.redact(s).into_owned()),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.redact_json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.redact(k).into_owned(), self.redact_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// The base64 characters that encode `secret` alone when it starts `offset`
/// bytes into a 3-byte group: the same whatever bytes surround it.
fn base64_core(engine: &base64::engine::GeneralPurpose, secret: &[u8], offset: usize) -> String {
    let mut padded = vec![0u8; offset];
    padded.extend_from_slice(secret);
    let encoded = engine.encode(&padded);
    let bits_start = 8 * offset;
    let bits_end = 8 * (offset + secret.len());
    let first = bits_start.div_ceil(6);
    let last = bits_end / 6;
    encoded.get(first..last).unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ghs_FAKEtoken0123456789checkgateSECRET";

    #[test]
    fn lines_cannot_carry_workflow_commands() {
        assert_eq!(line("plain text"), "plain text");
        assert_eq!(line("::set-output name=x::y"), ":\u{2060}:set-output name=x::y");
        assert_eq!(line("  ::error::x"), "  :\u{2060}:error::x");
        assert_eq!(
            line("heading ##[set-output name=passed;]true"),
            "heading ##\u{2060}[set-output name=passed;]true"
        );
        assert_eq!(
            line("a\rb\u{2028}c\u{2029}d\u{85}e\u{b}f\u{c}g\u{1b}[31m"),
            "a\\rb\\u{2028}c\\u{2029}d\\u{85}e\\u{b}f\\u{c}g\\u{1b}[31m"
        );
        assert_eq!(line("a: b :: c"), "a: b :: c");
        assert_eq!(line("file\n::error::x"), "file\\n::error::x");
        assert_eq!(
            text("ok\n::warning::x\n  ##[group]y"),
            "ok\n:\u{2060}:warning::x\n  ##\u{2060}[group]y"
        );
    }

    #[test]
    fn commands_escape_and_defuse_their_values() {
        assert_eq!(
            command(
                "error",
                &[("file", "a,b:c.md"), ("title", "t")],
                "50%\nnext ##[x]\u{2028}"
            ),
            "::error file=a%2Cb%3Ac.md,title=t::50%25%0Anext ##\u{2060}[x]\\u{2028}\n"
        );
        assert_eq!(command("notice", &[], "::x"), "::notice::::x\n");
    }

    #[test]
    fn the_byte_scan_finds_exactly_the_characters_line_escapes() {
        // Every character from U+0000 to U+3000 and a few beyond, alone and
        // inside text: the byte scan agrees with the character rule, and the
        // one-pass check never lets such a character through.
        let chars = (0..=0x3000u32)
            .chain([0xfeff, 0x1f680, 0x10ffff])
            .filter_map(char::from_u32);
        for c in chars {
            let expected = is_unsafe(c) || c == '\n';
            for text in [c.to_string(), format!("ab{c}cd")] {
                assert_eq!(has_unsafe_or_newline(&text), expected, "U+{:04X}", c as u32);
                // The quicker pass may doubt more, never less.
                assert!(!(expected && is_plain(&text)), "U+{:04X} passed as plain", c as u32);
            }
        }
    }

    #[test]
    fn json_is_defused_but_decodes_to_the_same_value() {
        let value = serde_json::json!({"text": "##[set-output name=x]y ::error::z \u{2028}\u{85}\u{7f}"});
        let out = json(&value.to_string());
        assert!(
            !out.contains("##[") && !out.contains("::") && !out.contains('\u{2028}'),
            "{out}"
        );
        assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap(), value);
    }

    /// The rule `json` follows, one character at a time: what the byte pass
    /// must reproduce.
    fn json_by_characters(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match c {
                '[' if out.ends_with("##") => out.push_str("\\u005b"),
                ':' if out.ends_with(':') => out.push_str("\\u003a"),
                c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                    out.push_str(&format!("\\u{:04x}", c as u32))
                }
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn the_json_byte_pass_follows_the_character_rule() {
        let chars = (0x20..=0x3000u32)
            .chain([0xfeff, 0x1f680, 0x10ffff])
            .filter_map(char::from_u32);
        for c in chars {
            for text in [format!("{c}"), format!("#{c}#[:{c}:"), format!("##{c}[::{c}")] {
                assert_eq!(json(&text), json_by_characters(&text), "U+{:04X}", c as u32);
            }
        }
        for text in ["##[", "###[[", ":::", "a::b", "é::ü##[", "\u{85}::\u{2028}##[x"] {
            assert_eq!(json(text), json_by_characters(text), "{text:?}");
        }
    }

    #[test]
    fn json_written_in_pieces_is_defused_as_a_whole() {
        // Matches and multi-byte characters split between writes.
        let text = "a::b:::c##[d###[[\u{85}e\u{2028}f\u{7f}:\u{2029}#\u{9f}#[g::";
        let expected = json_by_characters(text);
        for size in 1..=5 {
            let mut out = DefusingWriter::new(Vec::new());
            for piece in text.as_bytes().chunks(size) {
                out.write_all(piece).unwrap();
            }
            out.finish().unwrap();
            assert_eq!(
                String::from_utf8(out.inner).unwrap(),
                expected,
                "pieces of {size} bytes"
            );
        }
    }

    #[test]
    fn json_streamed_while_serialising_is_defused_like_the_whole_string() {
        // Patterns split by serde_json's own escapes, at a string's start and
        // end, in keys, and back to back.
        let value = serde_json::json!({
            "##[k": ["::", "a::b", "#\n#[", "##\"[", ":\t:", "###[[", ":::", "\u{9f}\u{2029}", "x##", "[y"],
            "n": 1,
        });
        let streamed = to_json(&value);
        assert_eq!(streamed, json(&value.to_string()));
        assert!(!streamed.contains("##[") && !streamed.contains("::"), "{streamed}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&streamed).unwrap(), value);
    }

    #[test]
    fn the_token_is_redacted_in_every_promised_encoding() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE};
        let r = Redactor::new(Some(TOKEN));
        let escaped_md = TOKEN.replace('_', "\\_");
        let percent: String = TOKEN.bytes().map(|b| format!("%{b:02X}")).collect();
        let percent_lower = percent.to_lowercase();
        let json_escaped: String = TOKEN.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
        let mut cases = vec![TOKEN.to_string(), escaped_md, percent, percent_lower, json_escaped];
        for prefix in ["", "x", "xy", "x-access-token:"] {
            let plain = format!("{prefix}{TOKEN}!");
            cases.push(STANDARD.encode(&plain));
            cases.push(URL_SAFE.encode(&plain));
        }
        for case in cases {
            let text = format!("before {case} after");
            let out = r.redact(&text);
            assert!(out.contains("***"), "not redacted: {case}");
            assert!(!out.contains("0123456789"), "{out}");
            // No 12-character run of the original survives.
            assert!(
                !out.contains(&case[case.len() / 2..case.len() / 2 + 12]),
                "{case} -> {out}"
            );
        }
        assert_eq!(r.redact("nothing here"), "nothing here");
        assert_eq!(Redactor::new(None).redact(TOKEN), TOKEN);
    }

    #[test]
    fn json_values_are_redacted_string_by_string() {
        let r = Redactor::new(Some(TOKEN));
        let v = serde_json::json!({"body": format!("a {TOKEN}"), "n": 1, "list": [TOKEN]});
        assert_eq!(
            r.redact_json(&v),
            serde_json::json!({"body": "a ***", "n": 1, "list": ["***"]})
        );
    }
}
