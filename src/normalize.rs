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

/// Undo UTF-8 that was decoded as Windows-1252 or Mac Roman and re-encoded
/// (`ðŸ”´` → `🔴`, `‚úÖ` → `✅`). Only complete, valid UTF-8 sequences are
/// repaired, so genuine accented text such as `Élan` is left alone.
pub fn repair_mojibake(s: &str) -> std::borrow::Cow<'_, str> {
    // Mojibake of UTF-8 starts with the stand-in of a lead byte (0xC2..=0xF4)
    // in one of the tables: text with no such character needs no repair.
    if s.is_ascii()
        || !s.chars().any(|c| {
            byte_of(&CP1252_HIGH, c)
                .or(byte_of(&MAC_ROMAN_HIGH, c))
                .and_then(utf8_len)
                .is_some()
        })
    {
        return std::borrow::Cow::Borrowed(s);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let mut repaired = false;
        for table in [&CP1252_HIGH, &MAC_ROMAN_HIGH] {
            let Some(lead) = byte_of(table, chars[i]) else { continue };
            let Some(len) = utf8_len(lead) else { continue };
            if i + len > chars.len() {
                continue;
            }
            let mut bytes = [lead, 0, 0, 0];
            let all_mapped = (1..len).all(|k| match byte_of(table, chars[i + k]) {
                Some(b) => {
                    bytes[k] = b;
                    true
                }
                None => false,
            });
            if !all_mapped {
                continue;
            }
            if let Ok(decoded) = std::str::from_utf8(&bytes[..len]) {
                out.push_str(decoded);
                i += len;
                repaired = true;
                break;
            }
        }
        if !repaired {
            out.push(chars[i]);
            i += 1;
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
    fn empty_and_symbol_only_text_has_an_empty_key() {
        assert_eq!(key(""), "");
        assert_eq!(key(" ✅ 🔴 "), "");
    }
}
