//! The [`Validator`]: it collects every problem with its place in the
//! file, and reads the typed values (strings, levels, counts, regexes, globs,
//! accounts) that the policy's tables are made of.

use std::ops::Range;

use globset::{Glob, GlobSetBuilder};
use regex::Regex;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::names::valid_author;
use super::{
    Count, Diagnostic, Globs, Level, Location, PolicyError, ROLES, SectionSelector, glob_problem, path_problem,
};
use crate::normalize;

/// The last line of a regex error, e.g. `unclosed group`.
pub(super) fn regex_error(e: &regex::Error) -> String {
    let detail = e.to_string();
    detail
        .lines()
        .last()
        .unwrap_or("")
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}

pub(super) struct Validator<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
    pub(super) diags: Vec<Diagnostic>,
    /// The first `[[checklist]]` when no checklist has a requirement.
    pub(super) no_requirements: Option<Range<usize>>,
}

fn type_name(v: &DeValue) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

impl Validator<'_> {
    pub(super) fn error(&mut self, span: Range<usize>, message: String) {
        self.diags.push(Diagnostic {
            file: self.file.to_string(),
            at: Location::of(self.text, span.start),
            message,
        });
    }

    pub(super) fn finish(mut self) -> PolicyError {
        self.diags.sort_by_key(|d| (d.at.line, d.at.column));
        PolicyError::Invalid(self.diags)
    }

    pub(super) fn loc(&self, span: Range<usize>) -> Location {
        Location::of(self.text, span.start)
    }

    pub(super) fn unknown_keys(&mut self, table: &DeTable, known: &[&str], what: &str) {
        for (key, _) in table.iter() {
            if !known.contains(&key.get_ref().as_ref()) {
                let hint = match crate::suggest::closest_key(key.get_ref(), known) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("expected one of: {}", known.join(", ")),
                };
                self.error(key.span(), format!("unknown key `{}` in {what}; {hint}", key.get_ref()));
            }
        }
    }

    pub(super) fn wrong_type(&mut self, key: &str, value: &Spanned<DeValue>, expected: &str) {
        self.error(
            value.span(),
            format!("`{key}` must be {expected}, found {}", type_name(value.get_ref())),
        );
    }

    pub(super) fn string(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.wrong_type(key, value, "a string");
                None
            }
        }
    }

    /// A string that must say something once normalised.
    pub(super) fn selector_text(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<String> {
        let s = self.string(key, value)?;
        if normalize::key(&s).is_empty() {
            self.error(value.span(), format!("`{key}` must not be empty"));
            return None;
        }
        Some(s)
    }

    /// A string that must be a plain repository path.
    pub(super) fn repo_path(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<String> {
        let s = self.selector_text(key, value)?;
        let path = s.trim();
        match path_problem(path) {
            Some(why) => {
                self.error(
                    value.span(),
                    format!("`{key}` {path:?} is not a plain repository path: {why}"),
                );
                None
            }
            None => Some(path.to_string()),
        }
    }

    pub(super) fn section_selector(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<SectionSelector> {
        let raw = self.string(key, value)?;
        let keys: Vec<String> = raw.split('>').map(normalize::key).collect();
        if keys.iter().any(String::is_empty) {
            let msg = if keys.len() == 1 {
                format!("`{key}` must not be empty")
            } else {
                format!("`{key}` has an empty part in \"{raw}\"; write headings separated by `>`")
            };
            self.error(value.span(), msg);
            return None;
        }
        Some(SectionSelector { raw, keys })
    }

    pub(super) fn level(&mut self, key: &str, value: &Spanned<DeValue>, allow_off: bool) -> Option<Option<Level>> {
        let s = self.string(key, value)?;
        match s.as_str() {
            "deny" => Some(Some(Level::Deny)),
            "warn" => Some(Some(Level::Warn)),
            "off" if allow_off => Some(None),
            other => {
                let choices = if allow_off {
                    "\"deny\", \"warn\" or \"off\""
                } else {
                    "\"deny\" or \"warn\""
                };
                self.error(value.span(), format!("`{key}` must be {choices}, found \"{other}\""));
                None
            }
        }
    }

    pub(super) fn string_array(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<Vec<Spanned<String>>> {
        let (out, ok) = self.string_entries(key, value)?;
        ok.then_some(out)
    }

    /// The string entries of an array, reporting the others; `false` when
    /// some entry was wrong, so callers can still check the good ones.
    fn string_entries(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<(Vec<Spanned<String>>, bool)> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(key, value, "an array of strings");
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() => out.push(Spanned::new(item.span(), s.to_string())),
                DeValue::String(_) => {
                    self.error(item.span(), format!("`{key}` entries must not be empty"));
                    ok = false;
                }
                other => {
                    self.error(
                        item.span(),
                        format!("`{key}` must be an array of strings, found {} in it", type_name(other)),
                    );
                    ok = false;
                }
            }
        }
        if out.is_empty() && ok {
            self.error(value.span(), format!("`{key}` must list at least one entry"));
            return None;
        }
        Some((out, ok))
    }

    /// `min-checked` / `max-checked`: an integer of at least `least`, or a
    /// whole percentage (`"80%"`) of at least `least` percent.
    pub(super) fn bound(&mut self, key: &str, v: &Spanned<DeValue>, least: usize) -> Option<(Count, Range<usize>)> {
        let DeValue::String(s) = v.get_ref() else {
            if let DeValue::Integer(i) = v.get_ref() {
                return match i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()) {
                    Ok(n) if n >= least as i64 => Some((Count::Items(n as usize), v.span())),
                    _ => {
                        self.error(v.span(), format!("`{key}` must be at least {least}, found {i}"));
                        None
                    }
                };
            }
            self.wrong_type(key, v, "an integer or a percentage such as \"80%\"");
            return None;
        };
        let digits = s.trim().strip_suffix('%');
        match digits.map(|d| (d, d.parse::<u32>())) {
            Some((d, Ok(p))) if d.bytes().all(|b| b.is_ascii_digit()) && p <= 100 && p as usize >= least => {
                Some((Count::Percent(p as u8), v.span()))
            }
            Some((d, Ok(_))) if d.bytes().all(|b| b.is_ascii_digit()) => {
                self.error(
                    v.span(),
                    format!("`{key}` must be a percentage from {least}% to 100%, found \"{s}\""),
                );
                None
            }
            _ => {
                self.error(
                    v.span(),
                    format!("`{key}` must be an integer or a whole percentage such as \"80%\", found \"{s}\""),
                );
                None
            }
        }
    }

    /// An array of regexes (`except`, `placeholders`); one that matches the
    /// empty string would match every item, so it is refused with `why`.
    pub(super) fn regexes(&mut self, key: &str, value: &Spanned<DeValue>, why: &str) -> Option<Vec<Regex>> {
        let (patterns, ok) = self.string_entries(key, value)?;
        let mut out = Vec::new();
        for p in &patterns {
            match Regex::new(p.get_ref()) {
                Ok(r) if r.is_match("") => self.error(
                    p.span(),
                    format!(
                        "`{key}` pattern {:?} matches the empty string, so {why}; \
                         look for an empty alternative (a stray `|`) or a pattern that can match nothing (`.*`)",
                        p.get_ref()
                    ),
                ),
                Ok(r) => out.push(r),
                Err(e) => self.error(p.span(), format!("`{key}` has an invalid regex: {}", regex_error(&e))),
            }
        }
        (ok && out.len() == patterns.len()).then_some(out)
    }

    /// `except-sections`: section selectors, each with where it is written.
    pub(super) fn section_list(
        &mut self,
        key: &str,
        value: &Spanned<DeValue>,
    ) -> Option<Vec<(SectionSelector, Location)>> {
        let list = self.string_array(key, value)?;
        let mut out = Vec::new();
        let mut ok = true;
        for entry in &list {
            let spanned = Spanned::new(entry.span(), DeValue::String(entry.get_ref().clone().into()));
            match self.section_selector(key, &spanned) {
                Some(sel) => out.push((sel, self.loc(entry.span()))),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    pub(super) fn boolean(&mut self, key: &str, value: Option<&Spanned<DeValue>>, default: bool) -> bool {
        match value.map(|v| (v, v.get_ref())) {
            None => default,
            Some((_, DeValue::Boolean(b))) => *b,
            Some((v, _)) => {
                self.wrong_type(key, v, "a boolean");
                default
            }
        }
    }

    /// `authors`: GitHub logins, `name[bot]` apps and `@org/team` teams.
    pub(super) fn authors(&mut self, value: &Spanned<DeValue>) -> Option<Vec<String>> {
        self.accounts("authors", value)
    }

    /// A list of GitHub logins, `name[bot]` apps and `@org/team` teams.
    pub(super) fn accounts(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<Vec<String>> {
        let list = self.string_array(key, value)?;
        let mut ok = true;
        for entry in &list {
            if let Some(role) = entry.get_ref().trim().strip_prefix("role:") {
                if !ROLES.contains(&role) {
                    self.error(
                        entry.span(),
                        format!(
                            "`authors` entry \"{}\" is not a role a comment shows; use \"role:write\", \"role:maintain\" or \"role:admin\"",
                            entry.get_ref()
                        ),
                    );
                    ok = false;
                }
                continue;
            }
            if !valid_author(entry.get_ref().trim()) {
                self.error(
                    entry.span(),
                    format!(
                        "`{key}` entry \"{}\" is not a GitHub login, `name[bot]` or `@org/team`",
                        entry.get_ref()
                    ),
                );
                ok = false;
            }
        }
        ok.then(|| list.into_iter().map(|s| s.into_inner().trim().to_string()).collect())
    }

    pub(super) fn globs(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<Globs> {
        self.globs_with(key, value, glob_problem)
    }

    /// Globs checked by `problem`, a reason a pattern can never match.
    pub(super) fn globs_with(
        &mut self,
        key: &str,
        value: &Spanned<DeValue>,
        problem: fn(&str) -> Option<&'static str>,
    ) -> Option<Globs> {
        let patterns = self.string_array(key, value)?;
        let mut builder = GlobSetBuilder::new();
        let mut ok = true;
        for p in &patterns {
            if let Some(why) = problem(p.get_ref()) {
                self.error(
                    p.span(),
                    format!("`{key}` glob {:?} can never match: {why}", p.get_ref()),
                );
                ok = false;
                continue;
            }
            match Glob::new(p.get_ref()) {
                Ok(g) => {
                    builder.add(g);
                    // `dir/**` also matches `dir` itself: a submodule's
                    // gitlink is one changed path with no files below it.
                    if let Some(dir) = p.get_ref().strip_suffix("/**")
                        && let Ok(g) = Glob::new(dir)
                    {
                        builder.add(g);
                    }
                }
                Err(e) => {
                    self.error(p.span(), format!("`{key}` has an invalid glob: {}", e.kind()));
                    ok = false;
                }
            }
        }
        let set = builder.build().ok()?;
        ok.then(|| Globs {
            patterns: patterns.into_iter().map(Spanned::into_inner).collect(),
            set,
        })
    }

    pub(super) fn table_array<'t, 'i>(
        &mut self,
        key: &str,
        value: &'t Spanned<DeValue<'i>>,
    ) -> Vec<&'t Spanned<DeValue<'i>>> {
        match value.get_ref() {
            DeValue::Array(items) => {
                let mut out = Vec::new();
                for item in items.iter() {
                    if matches!(item.get_ref(), DeValue::Table(_)) {
                        out.push(item);
                    } else {
                        self.error(
                            item.span(),
                            format!(
                                "`{key}` must be an array of tables ([[{key}]]), found {} in it",
                                type_name(item.get_ref())
                            ),
                        );
                    }
                }
                out
            }
            DeValue::Table(_) => {
                self.error(
                    value.span(),
                    format!("`{key}` must be an array of tables: write [[{key}]], not [{key}]"),
                );
                Vec::new()
            }
            _ => {
                self.wrong_type(key, value, "an array of tables");
                Vec::new()
            }
        }
    }
}
