//! One `[[checklist.require]]` (its selector, counts, exceptions,
//! placeholders, level and approvals) walked into a [`Requirement`]; its
//! evidence keys are read by the `evidence` module.

use regex::Regex;
use toml::Spanned;
use toml::de::DeValue;

use super::validate::{Validator, regex_error};
use super::{Count, Diagnostic, Level, REQUIRE_KEYS, Requirement, Selector, WaiverReason};
use crate::normalize;

/// What `filled = true` looks for when the rule names no `placeholders`:
/// a blank to write on (`___`), `[FILL IN]` and `TBD`, in any case.
pub const DEFAULT_PLACEHOLDERS: &[&str] = &[r"_{3,}", r"(?i)\[fill in\]", r"(?i)\btbd\b"];

fn default_placeholders() -> Vec<Regex> {
    DEFAULT_PLACEHOLDERS.iter().filter_map(|p| Regex::new(p).ok()).collect()
}

impl Validator<'_> {
    pub(super) fn requirement(&mut self, value: &Spanned<DeValue>) -> Option<Requirement> {
        let DeValue::Table(table) = value.get_ref() else {
            return None;
        };
        self.unknown_keys(table, REQUIRE_KEYS, "[[checklist.require]]");
        let get = |name: &str| -> Option<&Spanned<DeValue>> { table.get(name) };
        let section = get("section").map(|v| self.section_selector("section", v));
        let item = get("item").map(|v| self.selector_text("item", v));
        let item_regex = get("item-regex").map(|v| {
            // A pattern is matched as written: emoji or symbols alone
            // (`"🔴"`) are a pattern, not an empty selector.
            let s = self.string("item-regex", v)?;
            if s.is_empty() {
                self.error(v.span(), "`item-regex` must not be empty".to_string());
                return None;
            }
            match Regex::new(&s) {
                Ok(r) if r.is_match("") => {
                    self.error(
                        v.span(),
                        format!(
                            "`item-regex` {s:?} matches the empty string, so it selects every item; \
                             look for an empty alternative (a stray `|`) or a pattern that can match nothing (`.*`), \
                             or write `all = true`"
                        ),
                    );
                    None
                }
                Ok(r) => Some(r),
                Err(e) => {
                    self.error(
                        v.span(),
                        format!("`item-regex` is not a valid regex: {}", regex_error(&e)),
                    );
                    None
                }
            }
        });
        let min_checked = get("min-checked").and_then(|v| self.bound("min-checked", v, 1));
        let max_checked = get("max-checked").and_then(|v| self.bound("max-checked", v, 0));
        let comparable = |a: &Count, b: &Count| a.is_percent() == b.is_percent();
        if let (Some((min, _)), Some((max, span))) = (&min_checked, &max_checked)
            && comparable(min, max)
            && max.of(100) < min.of(100)
        {
            self.error(
                span.clone(),
                format!("`max-checked = {max}` is less than `min-checked = {min}`"),
            );
        }
        let all = get("all").map(|v| match v.get_ref() {
            DeValue::Boolean(true) => true,
            DeValue::Boolean(false) => {
                self.error(
                    v.span(),
                    "`all = false` means nothing; remove it, or name a `section`, `item` or `item-regex`".to_string(),
                );
                false
            }
            _ => {
                self.wrong_type("all", v, "`true`");
                false
            }
        });
        let except = get("except").map(|v| self.regexes("except", v, "it makes every item optional"));
        let except_sections = get("except-sections").map(|v| self.section_list("except-sections", v));
        let filled = get("filled").map(|v| match v.get_ref() {
            DeValue::Boolean(b) => Some((*b, v.span())),
            _ => {
                self.wrong_type("filled", v, "a boolean");
                None
            }
        });
        let placeholders = get("placeholders")
            .map(|v| self.regexes("placeholders", v, "every item would count as holding a placeholder"));
        match (&filled, get("placeholders")) {
            (Some(Some((false, _))) | None, Some(p)) => self.error(
                p.span(),
                "`placeholders` needs `filled = true`: they say what an unfilled item looks like".to_string(),
            ),
            (Some(Some((false, span))), None) => self.error(
                span.clone(),
                "`filled = false` means nothing; remove it, or write `filled = true`".to_string(),
            ),
            _ => {}
        }
        let level = get("level").map_or(Some(Level::Deny), |v| {
            self.level("level", v, false).map(|l| l.unwrap_or_default())
        });
        let when_changed = get("when-changed").and_then(|v| self.globs("when-changed", v));
        let approved_by: Vec<String> = get("approved-by")
            .and_then(|v| self.string_array("approved-by", v))
            .map(|list| {
                for entry in list.iter().filter(|e| e.get_ref().trim().starts_with("role:")) {
                    self.error(
                        entry.span(),
                        format!(
                            "`approved-by` entry \"{}\": roles apply only to `authors` of a `pr-comments` checklist; name users or `@org/team`s",
                            entry.get_ref()
                        ),
                    );
                }
                list.into_iter().map(Spanned::into_inner).collect()
            })
            .unwrap_or_default();
        if let (Some(Some((true, span))), false) = (&filled, approved_by.is_empty()) {
            self.error(
                span.clone(),
                "`filled` cannot be combined with `approved-by`: only an approving review satisfies that rule, whatever the item says".to_string(),
            );
        }
        let waivable = self.boolean("waivable", get("waivable"), true);
        let help = get("help").and_then(|v| self.string("help", v));
        let evidence = self.evidence_keys(table);

        let at = self.loc(value.span());
        if all == Some(true) {
            let others: Vec<&str> = ["section", "item", "item-regex"]
                .into_iter()
                .filter(|k| get(k).is_some())
                .collect();
            if !others.is_empty() {
                let span = get("all").map_or(value.span(), Spanned::span);
                self.error(
                    span,
                    format!(
                        "`all` covers every item of the checklist; it cannot be combined with {}",
                        others.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" or ")
                    ),
                );
                return None;
            }
        }
        let selector = match (section, item, item_regex) {
            _ if all == Some(true) => Selector::All,
            (_, None, None) if all == Some(false) => return None,
            (section, Some(item), None) => {
                let text = item?;
                Selector::Item {
                    key: normalize::key(&text),
                    text,
                    within: section.flatten(),
                }
            }
            (section, None, Some(regex)) => Selector::ItemRegex {
                regex: regex?,
                within: section.flatten(),
            },
            (Some(section), None, None) => Selector::Section(section?),
            (_, Some(_), Some(_)) => {
                let span = get("item-regex").map_or(value.span(), Spanned::span);
                self.error(span, "a requirement takes `item` or `item-regex`, not both".to_string());
                return None;
            }
            (None, None, None) => {
                self.error(
                    value.span(),
                    "[[checklist.require]] needs one of `all`, `section`, `item` or `item-regex`".to_string(),
                );
                return None;
            }
        };
        let whole = matches!(selector, Selector::All | Selector::Section(_));
        for key in ["min-checked", "max-checked", "except", "except-sections"] {
            if let Some(v) = get(key)
                && !whole
            {
                self.error(
                    v.span(),
                    format!("`{key}` applies only to an `all` or `section` requirement"),
                );
            }
        }
        if !whole && (min_checked.is_some() || max_checked.is_some() || except.is_some() || except_sections.is_some()) {
            return None;
        }
        let except = match except {
            Some(list) => list?,
            None => Vec::new(),
        };
        let except_sections = match except_sections {
            Some(list) => list?,
            None => Vec::new(),
        };
        if let Selector::Section(sel) = &selector
            && let Some((_, at)) = except_sections.iter().find(|(e, _)| e.keys == sel.keys)
        {
            self.diags.push(Diagnostic {
                file: self.file.to_string(),
                at: *at,
                message: format!(
                    "`except-sections` names the rule's own section \"{}\", which leaves it nothing to require",
                    sel.raw
                ),
            });
            return None;
        }
        let placeholders = match (filled, placeholders) {
            (_, Some(list)) => list?,
            (Some(Some((true, _))), None) => default_placeholders(),
            (Some(None), None) => return None,
            _ => Vec::new(),
        };
        let selector_span = ["all", "section", "item", "item-regex"]
            .iter()
            .find_map(|k| get(k))
            .map_or(value.span(), Spanned::span);
        Some(Requirement {
            selector_at: self.loc(selector_span),
            selector,
            min_checked_at: min_checked.as_ref().map(|(_, span)| self.loc(span.clone())),
            min_checked: min_checked.map(|(n, _)| n),
            max_checked: max_checked.map(|(n, _)| n),
            except,
            except_sections,
            placeholders,
            waiver_reason: WaiverReason::default(),
            level: level?,
            when_changed,
            approved_by,
            evidence: evidence.ok()?,
            waivable,
            help,
            at,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::Policy;
    use crate::policy::tests::errors;

    #[test]
    fn an_item_regex_of_emoji_alone_is_a_pattern_not_an_empty_selector() {
        // Seed 001 marks its critical items with 🔴: the loader used to strip
        // emoji before its emptiness check and refuse the pattern.
        let p = Policy::parse(
            "p.toml",
            "[[checklist]]\npath = \"a.md\"\n[[checklist.require]]\nitem-regex = \"🔴\"\n",
        )
        .expect("a valid pattern");
        assert_eq!(p.checklists[0].requires[0].rule(), "item-regex: 🔴");
        let errs = errors("[[checklist]]\npath = \"a.md\"\n[[checklist.require]]\nitem-regex = \"\"\n");
        assert_eq!(errs, ["p.toml:4:14: `item-regex` must not be empty"]);
    }
}
