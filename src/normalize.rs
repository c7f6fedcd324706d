//! Text normalisation for matching policy selectors against headings and items.
//!
//! Maintainers write `section = "Security & Credentials"`; checklists say
//! `### 1. Security & Credentials ✅` or, after a trip through a Windows
//! editor, `### ðŸ”´ Security & Credentials`. Matching therefore compares a
//! *key*: mojibake repaired, case folded, leading section numbers and
//! leading/trailing symbols removed, `:shortcode:` emoji dropped, whitespace
//! collapsed. The key is used only for comparison; reports always show the
//! text as written.
//!
//! A shortcode is GitHub's spelling of an emoji (`#### :heavy_check_mark:
//! Checklist`, the backstage PR template). It counts only when it is a name in
//! GitHub's gemoji list (via the `emojis` crate) and stands as a word of its
//! own: one or more `:name:` back to back, bounded by whitespace or the ends of
//! the text. So `:rocket: Launch` is `launch`, while `a:b:c`, `std::fmt` or
//! `:not_an_emoji:` are kept as written.

/// Characters of Windows-1252 for bytes 0x80..=0xFF (undefined bytes map to
/// the C1 control of the same value, as Windows itself decodes them).
const CP1252_HIGH: [char; 128] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{02C6}',
    '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}', '\u{0090}', '\u{2018}',
    '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}',
    '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}', '\u{00A0}', '\u{00A1}', '\u{00A2}', '\u{00A3}',
    '\u{00A4}', '\u{00A5}', '\u{00A6}', '\u{00A7}', '\u{00A8}', '\u{00A9}', '\u{00AA}', '\u{00AB}', '\u{00AC}',
    '\u{00AD}', '\u{00AE}', '\u{00AF}', '\u{00B0}', '\u{00B1}', '\u{00B2}', '\u{00B3}', '\u{00B4}', '\u{00B5}',
    '\u{00B6}', '\u{00B7}', '\u{00B8}', '\u{00B9}', '\u{00BA}', '\u{00BB}', '\u{00BC}', '\u{00BD}', '\u{00BE}',
    '\u{00BF}', '\u{00C0}', '\u{00C1}', '\u{00C2}', '\u{00C3}', '\u{00C4}', '\u{00C5}', '\u{00C6}', '\u{00C7}',
    '\u{00C8}', '\u{00C9}', '\u{00CA}', '\u{00CB}', '\u{00CC}', '\u{00CD}', '\u{00CE}', '\u{00CF}', '\u{00D0}',
    '\u{00D1}', '\u{00D2}', '\u{00D3}', '\u{00D4}', '\u{00D5}', '\u{00D6}', '\u{00D7}', '\u{00D8}', '\u{00D9}',
    '\u{00DA}', '\u{00DB}', '\u{00DC}', '\u{00DD}', '\u{00DE}', '\u{00DF}', '\u{00E0}', '\u{00E1}', '\u{00E2}',
    '\u{00E3}', '\u{00E4}', '\u{00E5}', '\u{00E6}', '\u{00E7}', '\u{00E8}', '\u{00E9}', '\u{00EA}', '\u{00EB}',
    '\u{00EC}', '\u{00ED}', '\u{00EE}', '\u{00EF}', '\u{00F0}', '\u{00F1}', '\u{00F2}', '\u{00F3}', '\u{00F4}',
    '\u{00F5}', '\u{00F6}', '\u{00F7}', '\u{00F8}', '\u{00F9}', '\u{00FA}', '\u{00FB}', '\u{00FC}', '\u{00FD}',
    '\u{00FE}', '\u{00FF}',
];

/// Characters of Mac OS Roman for bytes 0x80..=0xFF.
const MAC_ROMAN_HIGH: [char; 128] = [
    '\u{00C4}', '\u{00C5}', '\u{00C7}', '\u{00C9}', '\u{00D1}', '\u{00D6}', '\u{00DC}', '\u{00E1}', '\u{00E0}',
    '\u{00E2}', '\u{00E4}', '\u{00E3}', '\u{00E5}', '\u{00E7}', '\u{00E9}', '\u{00E8}', '\u{00EA}', '\u{00EB}',
    '\u{00ED}', '\u{00EC}', '\u{00EE}', '\u{00EF}', '\u{00F1}', '\u{00F3}', '\u{00F2}', '\u{00F4}', '\u{00F6}',
    '\u{00F5}', '\u{00FA}', '\u{00F9}', '\u{00FB}', '\u{00FC}', '\u{2020}', '\u{00B0}', '\u{00A2}', '\u{00A3}',
    '\u{00A7}', '\u{2022}', '\u{00B6}', '\u{00DF}', '\u{00AE}', '\u{00A9}', '\u{2122}', '\u{00B4}', '\u{00A8}',
    '\u{2260}', '\u{00C6}', '\u{00D8}', '\u{221E}', '\u{00B1}', '\u{2264}', '\u{2265}', '\u{00A5}', '\u{00B5}',
    '\u{2202}', '\u{2211}', '\u{220F}', '\u{03C0}', '\u{222B}', '\u{00AA}', '\u{00BA}', '\u{03A9}', '\u{00E6}',
    '\u{00F8}', '\u{00BF}', '\u{00A1}', '\u{00AC}', '\u{221A}', '\u{0192}', '\u{2248}', '\u{2206}', '\u{00AB}',
    '\u{00BB}', '\u{2026}', '\u{00A0}', '\u{00C0}', '\u{00C3}', '\u{00D5}', '\u{0152}', '\u{0153}', '\u{2013}',
    '\u{2014}', '\u{201C}', '\u{201D}', '\u{2018}', '\u{2019}', '\u{00F7}', '\u{25CA}', '\u{00FF}', '\u{0178}',
    '\u{2044}', '\u{20AC}', '\u{2039}', '\u{203A}', '\u{FB01}', '\u{FB02}', '\u{2021}', '\u{00B7}', '\u{201A}',
    '\u{201E}', '\u{2030}', '\u{00C2}', '\u{00CA}', '\u{00C1}', '\u{00CB}', '\u{00C8}', '\u{00CD}', '\u{00CE}',
    '\u{00CF}', '\u{00CC}', '\u{00D3}', '\u{00D4}', '\u{F8FF}', '\u{00D2}', '\u{00DA}', '\u{00DB}', '\u{00D9}',
    '\u{0131}', '\u{02C6}', '\u{02DC}', '\u{00AF}', '\u{02D8}', '\u{02D9}', '\u{02DA}', '\u{00B8}', '\u{02DD}',
    '\u{02DB}', '\u{02C7}',
];

/// The byte `c` stands for in `table`, if any. A sorted copy of each table
/// is built once, so a lookup is a binary search rather than a scan.
fn byte_of(table: &[char; 128], c: char) -> Option<u8> {
    use std::sync::OnceLock;
    static SORTED: OnceLock<[Vec<(char, u8)>; 2]> = OnceLock::new();
    if (c as u32) < 0x80 {
        return None;
    }
    let sorted = SORTED.get_or_init(|| {
        [&CP1252_HIGH, &MAC_ROMAN_HIGH].map(|t| {
            let mut v: Vec<(char, u8)> = t.iter().enumerate().map(|(i, &ch)| (ch, (i + 0x80) as u8)).collect();
            v.sort_unstable();
            v
        })
    });
    let which = if std::ptr::eq(table, &CP1252_HIGH) { 0 } else { 1 };
    let v = &sorted[which];
    v.binary_search_by_key(&c, |&(ch, _)| ch).ok().map(|i| v[i].1)
}

fn utf8_len(lead: u8) -> Option<usize> {
    match lead {
        0xC2..=0xDF => Some(2),
        0xE0..=0xEF => Some(3),
        0xF0..=0xF4 => Some(4),
        _ => None,
    }
}

/// The character that the mis-decoded UTF-8 sequence at the start of `s`
/// stood for, and how many bytes of `s` the sequence takes, when it is one
/// in either table.
fn decode_mojibake(s: &str) -> Option<(char, usize)> {
    for table in [&CP1252_HIGH, &MAC_ROMAN_HIGH] {
        let mut chars = s.char_indices();
        let Some(lead) = chars.next().and_then(|(_, c)| byte_of(table, c)) else {
            continue;
        };
        let Some(len) = utf8_len(lead) else { continue };
        let mut bytes = [lead, 0, 0, 0];
        let mut used = 0;
        let all_mapped = (1..len).all(|k| match chars.next() {
            Some((at, c)) => byte_of(table, c).is_some_and(|b| {
                bytes[k] = b;
                used = at + c.len_utf8();
                true
            }),
            None => false,
        });
        if all_mapped && let Some(decoded) = std::str::from_utf8(&bytes[..len]).ok().and_then(|d| d.chars().next()) {
            return Some((decoded, used));
        }
    }
    None
}

/// Whether a byte from 0x80 up is followed by one from 0xC0 up: two
/// non-ASCII characters in a row, in UTF-8. Eight bytes at a time: each
/// byte's top bit, moved onto the next byte, against that byte's top two.
fn has_adjacent_non_ascii(b: &[u8]) -> bool {
    const TOP: u64 = 0x8080_8080_8080_8080;
    let mut carry = 0u64;
    let mut chunks = b.chunks_exact(8);
    let found = chunks.by_ref().any(|c| {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let high = x & TOP;
        let lead = x & (x << 1) & TOP;
        let hit = ((high << 8) | carry) & lead != 0;
        carry = high >> 56;
        hit
    });
    found
        || chunks
            .remainder()
            .iter()
            .fold((carry != 0, false), |(prev, hit), &x| {
                (x >= 0x80, hit || (prev && x >= 0xc0))
            })
            .1
}

/// Undo UTF-8 that was decoded as Windows-1252 or Mac Roman and re-encoded
/// (`ðŸ”´` → `🔴`, `‚úÖ` → `✅`). Only complete, valid UTF-8 sequences are
/// repaired, so genuine accented text such as `Élan` is left alone.
pub fn repair_mojibake(s: &str) -> std::borrow::Cow<'_, str> {
    // Mojibake of UTF-8 is two or more non-ASCII characters in a row (every
    // byte from 0x80 up stands for one in both tables), and so holds a byte
    // from 0x80 up followed by a lead byte (0xC0 up). Then it starts with the
    // stand-in of a lead byte (0xC2..=0xF4) in one of the tables: text with
    // neither needs no repair.
    if s.is_ascii()
        || !has_adjacent_non_ascii(s.as_bytes())
        || !s.chars().any(|c| {
            byte_of(&CP1252_HIGH, c)
                .or(byte_of(&MAC_ROMAN_HIGH, c))
                .and_then(utf8_len)
                .is_some()
        })
    {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii() {
            // A run of ASCII is copied at once: only other characters can
            // stand for bytes of UTF-8.
            let run = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
            out.push_str(&rest[..run]);
            rest = &rest[run..];
            continue;
        }
        match decode_mojibake(rest) {
            Some((decoded, used)) => {
                out.push(decoded);
                rest = &rest[used..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Strip a leading section number: `1.`, `2.3`, `2.3.`, `4)`. A bare number
/// followed by a word (`2024 roadmap`) is part of the title and kept.
fn strip_section_number(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut groups = 0;
    loop {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            break;
        }
        groups += 1;
        if i < bytes.len() && bytes[i] == b'.' && i + 1 < bytes.len() && bytes[i + 1].is_ascii_digit() {
            i += 1;
            continue;
        }
        break;
    }
    if groups == 0 {
        return s;
    }
    let terminated = i < bytes.len() && (bytes[i] == b'.' || bytes[i] == b')');
    if terminated {
        i += 1;
    } else if groups < 2 {
        return s;
    }
    let rest = &s[i..];
    if rest.is_empty() || rest.starts_with(char::is_whitespace) {
        rest
    } else {
        s
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Whether `word` (no whitespace in it) is one or more `:name:` shortcodes of
/// GitHub emoji, back to back: `:x:`, `:+1::tada:`.
fn is_shortcode_run(word: &str) -> bool {
    let Some(inner) = word.strip_prefix(':').and_then(|w| w.strip_suffix(':')) else {
        return false;
    };
    // `::` separates two shortcodes; an empty name (`::`, `:::`) is none.
    !inner.is_empty()
        && inner.split("::").all(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'+' | b'-'))
                && emojis::get_by_shortcode(name).is_some()
        })
}

/// `text` with every whitespace-bounded run of emoji shortcodes removed.
fn drop_shortcodes(text: &str) -> std::borrow::Cow<'_, str> {
    // Most text has no colon at all: nothing to scan.
    if !text.contains(':') || !text.split_whitespace().any(is_shortcode_run) {
        return std::borrow::Cow::Borrowed(text);
    }
    let kept: Vec<&str> = text.split_whitespace().filter(|w| !is_shortcode_run(w)).collect();
    std::borrow::Cow::Owned(kept.join(" "))
}

/// The comparison key of a heading, item text or selector component.
pub fn key(text: &str) -> String {
    let mut out = String::new();
    key_into(text, &mut out);
    out
}

/// [`key`] written into `out` (cleared first), so that comparing many texts
/// against one key can reuse one buffer.
pub fn key_into(text: &str, out: &mut String) {
    out.clear();
    let repaired = repair_mojibake(text);
    let without_shortcodes = drop_shortcodes(&repaired);
    let trimmed = without_shortcodes.trim_matches(|c: char| !is_word_char(c));
    let unnumbered = strip_section_number(trimmed);
    let trimmed = unnumbered.trim_matches(|c: char| !is_word_char(c));
    out.reserve(trimmed.len());
    let ascii = trimmed.is_ascii();
    for word in trimmed.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if ascii {
            out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            out.extend(word.chars().flat_map(char::to_lowercase));
        }
    }
}

/// The form of a heading or item text to write in a policy and to quote in
/// a suggestion: mojibake repaired, emoji (as characters or `:shortcodes:`),
/// other symbols and a section number at its start removed, whitespace
/// collapsed, case and inner punctuation kept (`‚úÖ Sign-Off` → `Sign-Off`). It has the same
/// [`key`] as `text`, so it selects what `text` would; when it would not
/// (or would be empty), `text` is returned as written.
pub fn selector_text(text: &str) -> String {
    let repaired = repair_mojibake(text);
    let without_shortcodes = drop_shortcodes(&repaired);
    let symbol = |c: char| c.is_whitespace() || !(is_word_char(c) || c.is_ascii_punctuation());
    // Section numbers change when a document is renumbered; the matcher
    // ignores them, and so does a selector written from them.
    let trimmed = strip_section_number(without_shortcodes.trim_matches(symbol)).trim_matches(symbol);
    let collapsed = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() || key(&collapsed) != key(text) {
        return text.to_string();
    }
    collapsed
}

/// The text a selector sees: an item's or heading's plain text as shown,
/// with mis-encoded emoji repaired (`ðŸ”´ Fix` is `🔴 Fix`). `item`
/// compares its [`key`]; `item-regex` and `except` match it with
/// [`pattern_matches`].
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    repair_mojibake(text)
}

/// Whether `c` decorates the ends of an item's text: whitespace, or a
/// symbol outside ASCII (an emoji, a check mark, an arrow, a variation
/// selector). ASCII punctuation is text: `(optional)` keeps its brackets.
fn is_decoration(c: char) -> bool {
    c.is_whitespace() || (!c.is_ascii() && !c.is_alphanumeric())
}

/// `text` without the emoji, other symbols outside ASCII and emoji
/// shortcodes at its ends, with its case and the rest kept:
/// `✅ Security: done` → `Security: done`, `:rocket: Fix it.` → `Fix it.`.
fn undecorated(text: &str) -> &str {
    let mut s = text.trim_matches(is_decoration);
    loop {
        let before = s.len();
        if s.starts_with(':') {
            match s.split_once(char::is_whitespace) {
                Some((first, rest)) if is_shortcode_run(first) => s = rest,
                None if is_shortcode_run(s) => s = "",
                _ => {}
            }
        }
        if s.ends_with(':')
            && let Some((rest, last)) = s.rsplit_once(char::is_whitespace)
            && is_shortcode_run(last)
        {
            s = rest;
        }
        s = s.trim_matches(is_decoration);
        if s.len() == before {
            return s;
        }
    }
}

/// Whether a pattern (`item-regex`, `except`) matches an item's text. The
/// pattern is never rewritten; it is matched against the text as shown
/// ([`shown`]) and against that text without the emoji, other symbols
/// outside ASCII and shortcodes at its ends, and either match counts: so `🔴` and `(?i)^fix weather` both match
/// `ðŸ”´ Fix Weather Data Source Access`, and `^Security:` matches
/// `✅ Security: reviewed`.
pub fn pattern_matches(pattern: &regex::Regex, text: &str) -> bool {
    let shown = shown(text);
    if pattern.is_match(&shown) {
        return true;
    }
    // Text that neither starts nor ends with decoration or a colon (of a
    // shortcode) has nothing to drop; and without an assertion (`^`, `$`,
    // `\b`, `\A`, …: each is written with `^`, `$` or a backslash) a pattern
    // that misses a text misses every part of it.
    let plain = |c: char| !is_decoration(c) && c != ':';
    let plain_ends = |s: &str| s.chars().next().is_some_and(plain) && s.chars().next_back().is_some_and(plain);
    let anchored = |p: &str| p.bytes().any(|b| matches!(b, b'^' | b'$' | b'\\'));
    if plain_ends(&shown) || !anchored(pattern.as_str()) {
        return false;
    }
    let core = undecorated(&shown);
    core.len() != shown.len() && pattern.is_match(core)
}

/// Whether `text` holds something a reader can see: a letter or a digit
/// once invisible and format characters (Unicode's default-ignorable code
/// points: zero-width spaces and joiners, the word joiner, the soft hyphen,
/// the Hangul fillers, variation selectors) and written-out character
/// references (`&#8203;`, `&shy;`) are set aside. Blanks that render as
/// nothing (the braille blank) and dash look-alikes are not letters.
pub fn has_visible_word(text: &str) -> bool {
    use std::sync::OnceLock;
    static ENTITY: OnceLock<regex::Regex> = OnceLock::new();
    static VISIBLE: OnceLock<regex::Regex> = OnceLock::new();
    let entity = ENTITY.get_or_init(|| {
        regex::Regex::new(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);").expect("valid pattern")
    });
    let visible = VISIBLE
        .get_or_init(|| regex::Regex::new(r"[\p{L}\p{N}&&\P{Default_Ignorable_Code_Point}]").expect("valid pattern"));
    visible.is_match(&entity.replace_all(text, ""))
}

/// ASCII `s` without the non-word characters at its ends (in ASCII a word
/// character is a letter or a digit).
fn trim_ascii_non_word(s: &str) -> &str {
    s.trim_matches(|c: char| !c.is_ascii_alphanumeric())
}

/// Whether `text`'s [`key`] is `want` (itself a key). ASCII text without a
/// colon, which needs no mojibake repair and has no shortcodes, is compared
/// in place, word by word, without making its key; other text is keyed in
/// `scratch`.
pub fn key_is(text: &str, want: &str, scratch: &mut String) -> bool {
    // Most texts differ in their first letter: the key of a text starts
    // with its first letter or digit, lowercased, when only ASCII goes
    // before it (mojibake repair and case folding change no ASCII, and
    // ASCII other than letters and digits is trimmed), unless a section
    // number (a digit) or a leading shortcode (a colon before it) goes
    // first. The rest of the text may be anything.
    let b = text.as_bytes();
    if let Some(p) = b.iter().position(|c| c.is_ascii_alphanumeric() || !c.is_ascii())
        && b[p].is_ascii_alphabetic()
        && !b[..p].contains(&b':')
        && want.as_bytes().first() != Some(&b[p].to_ascii_lowercase())
    {
        return false;
    }
    let ascii = text.is_ascii();
    if !ascii || text.contains(':') {
        key_into(text, scratch);
        return scratch == want;
    }
    let trimmed = trim_ascii_non_word(strip_section_number(trim_ascii_non_word(text)));
    // The key is the trimmed text with its whitespace collapsed, never longer.
    match trimmed.len().cmp(&want.len()) {
        std::cmp::Ordering::Less => false,
        // Same length: only text already collapsed can match.
        std::cmp::Ordering::Equal => trimmed.eq_ignore_ascii_case(want),
        std::cmp::Ordering::Greater => {
            let mut words = trimmed.split_ascii_whitespace();
            let mut wanted = want.split(' ').filter(|k| !k.is_empty());
            loop {
                match (words.next(), wanted.next()) {
                    (Some(w), Some(k)) if w.eq_ignore_ascii_case(k) => {}
                    (None, None) => return true,
                    _ => return false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `key_is` of each text against the key of each gives what comparing
    /// their keys gives.
    fn assert_key_is_agrees(texts: &[&str]) {
        let mut scratch = String::new();
        for text in texts {
            for other in texts {
                let want = key(other);
                assert_eq!(
                    key_is(text, &want, &mut scratch),
                    key(text) == want,
                    "{text:?} against the key of {other:?}"
                );
            }
        }
    }

    #[test]
    fn selector_text_is_the_repaired_emoji_free_heading_with_the_same_key() {
        for (text, want) in [
            ("‚úÖ Sign-Off", "Sign-Off"),
            ("ðŸ”´ Security & Credentials", "Security & Credentials"),
            (":rocket: Launch  plan ✅", "Launch plan"),
            ("Sign-off (optional)", "Sign-off (optional)"),
            ("1. Security", "Security"),
            ("2024 roadmap", "2024 roadmap"),
            ("✅", "✅"),
        ] {
            assert_eq!(selector_text(text), want, "{text}");
            assert_eq!(key(&selector_text(text)), key(text), "{text}");
        }
    }

    #[test]
    fn key_is_agrees_with_comparing_keys() {
        let texts = [
            "Rollback plan tested",
            "  rollback   PLAN tested.  ",
            "1. Rollback plan tested",
            "2.3) Rollback plan tested!",
            "2024 roadmap",
            "**Rollback** plan",
            ":rocket: Rollback plan tested",
            ":tada: rollback plan tested",
            "- rollback: plan tested",
            "Xrollback plan tested",
            "1) Rollback plan tested",
            "a:b:c",
            "ðŸ”´ Rollback plan tested",
            "Élan vital",
            "",
            "...",
            "Rollback plan tested extra",
            "Rollback plan",
        ];
        assert_key_is_agrees(&texts);
    }

    #[test]
    fn key_is_rejects_by_first_letter_only_what_keys_reject() {
        // The first-letter shortcut also runs on text that is not ASCII
        // after its first letter: it must agree with comparing keys there.
        let texts = [
            "Rollback ðŸ”´ plan tested",
            "rollback plan ✅ tested",
            "- Rollback ‚úÖ",
            "Xrollback ✅",
            "**Ship** it 🚀",
            ":rocket: Rollback ✅",
            "1. Rollback ✅",
            "✅ Rollback",
            "ðŸ”´ Rollback",
            "Élan ✅",
        ];
        assert_key_is_agrees(&texts);
    }

    #[test]
    fn repairs_windows_1252_mojibake() {
        assert_eq!(repair_mojibake("ðŸ”´ Critical"), "🔴 Critical");
    }

    #[test]
    fn repairs_mac_roman_mojibake() {
        assert_eq!(repair_mojibake("‚úÖ Done"), "✅ Done");
    }

    #[test]
    fn repairs_two_byte_mojibake_and_passes_lone_symbols_through_untouched() {
        assert_eq!(repair_mojibake("CafÃ© menu"), "Café menu");
        assert!(matches!(repair_mojibake("✅ done 🚀"), std::borrow::Cow::Borrowed(_)));
        assert!(matches!(repair_mojibake("Élan"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn adjacent_non_ascii_is_found_at_every_offset() {
        let naive = |b: &[u8]| b.windows(2).any(|w| w[0] >= 0x80 && w[1] >= 0xc0);
        for piece in ["ðŸ”´", "é", "✅", "🔴", "✅✅", "Ã©", "a", "é é"] {
            for before in 0..17 {
                for after in [0, 1, 9] {
                    let text = format!("{}{piece}{}", "x".repeat(before), "y".repeat(after));
                    assert_eq!(
                        has_adjacent_non_ascii(text.as_bytes()),
                        naive(text.as_bytes()),
                        "{text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn leaves_real_accents_alone() {
        assert_eq!(repair_mojibake("Élan café"), "Élan café");
    }

    #[test]
    fn section_numbers_symbols_and_case_are_ignored() {
        assert_eq!(key("### 1. Security & Credentials"), "security & credentials");
        assert_eq!(key("1. Security & Credentials"), key("Security & Credentials"));
        assert_eq!(key("2.3 Rollback"), "rollback");
        assert_eq!(key("4) Rollback"), "rollback");
        assert_eq!(key("✅ Core Functionality"), "core functionality");
        assert_eq!(key("ðŸ”´ Must   Have"), "must have");
        assert_eq!(key("‚úÖ Must Have ✅"), "must have");
        assert_eq!(key("Standards checklist:"), "standards checklist");
    }

    #[test]
    fn a_year_is_not_a_section_number() {
        assert_eq!(key("2024 Roadmap"), "2024 roadmap");
        assert_eq!(key("3D printing"), "3d printing");
    }

    #[test]
    fn emoji_shortcodes_are_ignored_like_unicode_emoji() {
        // backstage's PR template heading (issue 10 §2).
        assert_eq!(key("#### :heavy_check_mark: Checklist"), key("Checklist"));
        assert_eq!(key(":rocket: Launch :tada:"), "launch");
        assert_eq!(key(":rocket: Launch"), key("🚀 Launch"));
        assert_eq!(key(":+1::tada: Ship it"), "ship it");
        assert_eq!(key("Ship :white_check_mark: it"), "ship it");
        assert_eq!(key(":heavy_check_mark:"), "");
    }

    #[test]
    fn colon_text_that_is_not_a_shortcode_is_kept() {
        assert_eq!(key("a:b:c"), "a:b:c");
        assert_eq!(key("Use std::fmt"), "use std::fmt");
        assert_eq!(key("x:rocket: y"), "x:rocket: y");
        // Unknown or upper-case names stay words (only the leading symbol is trimmed).
        assert_eq!(key(":not_an_emoji_name: Launch"), "not_an_emoji_name: launch");
        assert_eq!(key(":Rocket: Launch"), "rocket: launch");
        assert_eq!(key(":todo: Launch"), "todo: launch");
        assert_eq!(key(":: Launch"), "launch");
        assert_eq!(key("Time 10:30: start"), "time 10:30: start");
    }

    #[test]
    fn patterns_see_the_text_as_shown_and_without_its_decoration() {
        let re = |p: &str| regex::Regex::new(p).unwrap();
        // Seed 001 line 7: the emoji a maintainer marks critical items with,
        // and an anchored pattern, both match the mis-encoded text.
        let seed = "ðŸ”´ Fix Weather Data Source Access";
        assert!(pattern_matches(&re("🔴"), seed));
        assert!(pattern_matches(&re("(?i)^fix weather"), seed));
        assert!(pattern_matches(&re("^Security:"), "✅ Security: reviewed"));
        assert!(pattern_matches(&re("^Fix it$"), ":rocket: Fix it :tada:"));
        assert!(pattern_matches(&re(r"\(optional\)$"), "Docs (optional)"));
        // Inner text is not rewritten: a shortcode inside stays a word.
        assert!(!pattern_matches(&re("(?i)load test"), "Load :stopwatch: test"));
        assert!(!pattern_matches(&re("GDPR"), "Gdpr reviewed"));
        assert_eq!(undecorated("✅ 🔴 "), "");
        assert_eq!(undecorated(":tada:"), "");
        assert_eq!(undecorated("✅ :rocket: Fix it. :tada:"), "Fix it.");
        assert_eq!(undecorated("Time 10:30:"), "Time 10:30:");
        assert_eq!(undecorated("Docs (optional) ✅\u{fe0f}"), "Docs (optional)");
        assert_eq!(undecorated("a:b:c"), "a:b:c");
    }

    #[test]
    fn a_visible_word_needs_a_letter_or_digit_a_reader_can_see() {
        for invisible in [
            "\u{200B}",
            "\u{2060}",
            "\u{200C}\u{200D}",
            "\u{FEFF}",
            "\u{00AD}",
            "&#8203;",
            "&#x200b;",
            "&shy;",
            "&zwj;&nbsp;",
            "\u{3164}",
            "\u{FFA0}",
            "\u{115F}\u{1160}",
            "\u{2800}",
            "\u{2010}",
            "\u{2012}",
            "\u{2212}",
            "\u{2E3A}",
            "\u{180E}",
            "\u{2063}",
            "\u{E0020}",
            "\u{3000}\u{00A0}",
            "\u{0301}",
            "\u{FE0F}",
            "\u{200B} - \u{2060} . \u{3164}",
            "",
        ] {
            assert!(!has_visible_word(invisible), "{invisible:?} counts as a reason");
        }
        for visible in ["no API change", "42", "無", "Ä", "x\u{200B}", "R&D; later"] {
            assert!(has_visible_word(visible), "{visible:?}");
        }
    }

    #[test]
    fn empty_and_symbol_only_text_has_an_empty_key() {
        assert_eq!(key(""), "");
        assert_eq!(key(" ✅ 🔴 "), "");
    }
}
