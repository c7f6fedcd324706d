//! "Did you mean …?" for a selector or key that names nothing.
//!
//! Edit distance alone misses the mistakes people make most: naming the
//! start of a heading (`Security` for "Security & Credentials"), a word of
//! it, or misspelling one part of a heading path (`Deployment Checklst >
//! Security`). A candidate is therefore scored part by part: the same key,
//! a prefix, every word present, or close by Damerau-Levenshtein. The text
//! suggested is what to paste into the policy: the heading path as the
//! matcher reads it (mojibake repaired, no emoji), as many parts as the
//! selector has, or the whole path when fewer would be ambiguous.

use crate::checklist::Checklist;
use crate::normalize;

/// How alike two keys must be (0..1, normalised Damerau-Levenshtein) to be
/// offered as a correction.
const SIMILARITY: f64 = 0.7;

/// At most this many suggestions.
const MAX: usize = 3;

/// How well `key` answers `want` (both normalised keys): 0 when not at all.
fn part_score(want: &str, key: &str) -> f64 {
    if want.is_empty() || key.is_empty() {
        return 0.0;
    }
    if want == key {
        return 1.0;
    }
    let prefix = key.starts_with(want) && key[want.len()..].starts_with([' ', '-', ':', '&', '/']);
    if prefix {
        return 0.95;
    }
    let words: Vec<&str> = key.split([' ', '-', '/']).collect();
    if want.split(' ').all(|w| words.contains(&w)) {
        return 0.9;
    }
    // The similarity is at most the ratio of the lengths: texts far apart
    // in length are not compared (a huge heading would cost its square).
    let (a, b) = (want.chars().count(), key.chars().count());
    let (short, long) = (a.min(b), a.max(b));
    if (short as f64) < SIMILARITY * long as f64 {
        return 0.0;
    }
    let close = strsim::normalized_damerau_levenshtein(want, key);
    if close >= SIMILARITY { close * 0.89 } else { 0.0 }
}

/// Up to `MAX` headings of `list` that `want` (a selector's keys,
/// outermost first) may have meant, best first, as selector text. `keys`
/// are the keys of `list`'s headings.
pub fn sections(want: &[String], list: &Checklist, keys: &[String]) -> Vec<String> {
    let path = |mut at: Option<usize>| {
        let mut out = Vec::new();
        while let Some(i) = at {
            out.push(i);
            at = list.sections[i].parent;
        }
        out.reverse();
        out
    };
    let mut scored: Vec<(f64, usize, Vec<usize>)> = Vec::new();
    for s in 0..list.sections.len() {
        let full = path(Some(s));
        if full.len() < want.len() {
            continue;
        }
        let tail = &full[full.len() - want.len()..];
        let score = want
            .iter()
            .zip(tail)
            .map(|(w, &i)| part_score(w, &keys[i]))
            .fold(1.0, f64::min);
        if score > 0.0 {
            scored.push((score, s, full));
        }
    }
    // Best first; among equals, in the order of the document.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut shown: Vec<String> = Vec::new();
    // Each candidate costs a pass over the headings; thousands of identical
    // headings must not cost thousands of passes.
    for (_, _, full) in scored.into_iter().take(MAX * 8) {
        let text = unambiguous(list, keys, &full, want.len());
        if !shown.contains(&text) {
            shown.push(text);
        }
        if shown.len() == MAX {
            break;
        }
    }
    shown
}

/// The last `parts` headings of `full` as a selector, or more of the path
/// when another heading would match those parts as well.
fn unambiguous(list: &Checklist, keys: &[String], full: &[usize], parts: usize) -> String {
    let ends_with = |s: usize, tail: &[usize]| {
        let mut at = Some(s);
        for &t in tail.iter().rev() {
            match at {
                Some(i) if keys[i] == keys[t] => at = list.sections[i].parent,
                _ => return false,
            }
        }
        true
    };
    let mut n = parts.max(1);
    while n < full.len() {
        let tail = &full[full.len() - n..];
        if (0..list.sections.len()).filter(|&s| ends_with(s, tail)).count() <= 1 {
            break;
        }
        n += 1;
    }
    full[full.len() - n.min(full.len())..]
        .iter()
        .map(|&i| normalize::selector_text(&list.sections[i].title))
        .collect::<Vec<_>>()
        .join(" > ")
}

/// Up to `MAX` texts among `candidates` (key, text as written) that `want`
/// (a key) may have meant, best first, as selector text.
pub fn texts<'a>(want: &str, candidates: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut scored: Vec<(f64, usize, &str)> = candidates
        .enumerate()
        .map(|(at, (key, text))| (part_score(want, key), at, text))
        .filter(|(score, _, _)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut shown: Vec<String> = Vec::new();
    for (_, _, text) in scored {
        let text = normalize::selector_text(text);
        if !shown.contains(&text) {
            shown.push(text);
        }
        if shown.len() == MAX {
            break;
        }
    }
    shown
}

/// `; did you mean "A"?`, `; did you mean "A", "B" or "C"?`, or nothing.
pub fn did_you_mean(shown: &[String]) -> String {
    let quoted: Vec<String> = shown.iter().map(|s| format!("\"{s}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
    }
}

/// The known key closest to an unknown one (`minchecked` → `min-checked`),
/// ignoring case, `-` and `_`.
pub fn closest_key<'k>(unknown: &str, known: &[&'k str]) -> Option<&'k str> {
    let bare = |s: &str| s.to_ascii_lowercase().replace(['-', '_'], "");
    let want = bare(unknown);
    known
        .iter()
        .map(|k| (strsim::normalized_damerau_levenshtein(&want, &bare(k)), *k))
        .filter(|(score, _)| *score >= SIMILARITY)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::parse;

    fn keys(selector: &str) -> Vec<String> {
        selector.split('>').map(normalize::key).collect()
    }

    fn sections(want: &[String], list: &Checklist) -> Vec<String> {
        let keys: Vec<String> = list.sections.iter().map(|s| normalize::key(&s.title)).collect();
        super::sections(want, list, &keys)
    }

    #[test]
    fn prefix_word_and_segment_matches_are_suggested_as_whole_paths() {
        let list = parse(
            "c.md",
            "# Deployment Checklist\n## Security & Credentials\n- [ ] a\n## Security Audit\n- [ ] b\n\
             ## Security Review\n- [ ] c\n## Application security\n- [ ] d\n# ‚úÖ Sign-Off\n- [ ] e\n",
        );
        assert_eq!(
            sections(&keys("Security"), &list),
            ["Security & Credentials", "Security Audit", "Security Review"]
        );
        assert_eq!(sections(&keys("Application"), &list), ["Application security"]);
        assert_eq!(sections(&keys("Sign Of"), &list), ["Sign-Off"]);
        assert!(sections(&keys("Billing"), &list).is_empty());
        let list = parse(
            "c.md",
            "# Deployment Checklist\n## Security\n- [ ] a\n# Release\n## Security\n- [ ] b\n",
        );
        // A misspelt part of a path: the whole corrected path.
        assert_eq!(
            sections(&keys("Deployment Checklst > Security"), &list),
            ["Deployment Checklist > Security"]
        );
        assert_eq!(sections(&keys("Releese > Security"), &list), ["Release > Security"]);
        // One part that would be ambiguous is suggested with its parent.
        assert_eq!(
            sections(&keys("Securty"), &list),
            ["Deployment Checklist > Security", "Release > Security"]
        );
    }

    #[test]
    fn unknown_keys_get_the_closest_known_key() {
        let known = ["section", "item", "min-checked", "max-checked", "level"];
        assert_eq!(closest_key("minchecked", &known), Some("min-checked"));
        assert_eq!(closest_key("min_checked", &known), Some("min-checked"));
        assert_eq!(closest_key("sectoin", &known), Some("section"));
        assert_eq!(closest_key("colour", &known), None);
    }
}
