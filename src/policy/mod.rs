//! `checkgate.toml` → a validated [`Policy`].
//!
//! Two phases, as cargo-deny does: the TOML is parsed into a spanned document
//! tree, then [`validate`] walks it by hand and turns it into a [`Policy`]
//! with compiled regexes and globs and normalised selectors. Walking the tree
//! ourselves, rather than deriving `Deserialize`, lets us report **every**
//! problem at once — unknown keys, wrong types, bad regexes, empty selectors —
//! each with `file:line:column` and the key it concerns. A serde derive stops
//! at the first error.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Serialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::input::Bounded;
use crate::normalize;

mod evidence;
pub use evidence::{EVIDENCE_KEYS, EvidenceKeys};

/// How much a failing requirement matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Fails the gate (exit 1, failing check run).
    #[default]
    Deny,
    /// Reported, never fails the gate.
    Warn,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Deny => "deny",
            Level::Warn => "warn",
        }
    }
}

/// The policy path used when `--policy` is not given.
pub const DEFAULT_PATH: &str = ".github/checkgate.toml";

/// A position in the policy file, 1-based; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub fn of(text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        Location { line, column }
    }
}

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub at: Location,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.at.line, self.at.column, self.message)
    }
}

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: cannot read policy: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: policy is not valid UTF-8")]
    NotUtf8 { path: String },
    #[error("{}", join_lines(.0))]
    Invalid(Vec<Diagnostic>),
}

fn join_lines(diags: &[Diagnostic]) -> String {
    diags.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

/// `A > B`: a section whose heading path ends with A then B.
#[derive(Debug, Clone)]
pub struct SectionSelector {
    pub raw: String,
    /// Normalised components, outermost first.
    pub keys: Vec<String>,
}

/// What a requirement is about.
#[derive(Debug, Clone)]
pub enum Selector {
    /// Every item of the checklist (`all = true`).
    All,
    /// Every item of a section (and its subsections), or `min-checked` of them.
    Section(SectionSelector),
    /// One item by its text, optionally only within a section.
    Item {
        text: String,
        key: String,
        within: Option<SectionSelector>,
    },
    /// Every item whose text matches; at least one must exist.
    ItemRegex {
        regex: Regex,
        within: Option<SectionSelector>,
    },
}

/// Glob patterns over changed file paths (`when-changed`).
#[derive(Debug, Clone)]
pub struct Globs {
    pub patterns: Vec<String>,
    pub set: GlobSet,
}

impl Globs {
    pub fn matches_any<'a>(&self, mut paths: impl Iterator<Item = &'a str>) -> bool {
        paths.any(|p| self.set.is_match(p))
    }
}

/// A `min-checked` / `max-checked` bound: a number of items, or a share of
/// the items the rule counts (`"80%"`), rounded up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Items(usize),
    /// A whole percentage, 0 to 100.
    Percent(u8),
}

impl Count {
    /// The number of items this bound stands for among `total`.
    pub fn of(self, total: usize) -> usize {
        match self {
            Count::Items(n) => n,
            // In u64, so that a share of a huge list cannot overflow on 32-bit targets.
            Count::Percent(p) => usize::try_from((total as u64 * u64::from(p)).div_ceil(100)).unwrap_or(total),
        }
    }

    pub fn is_percent(self) -> bool {
        matches!(self, Count::Percent(_))
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Count::Items(n) => write!(f, "{n}"),
            Count::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Whether a waiver (`~~item~~ N/A: why`) must give a reason
/// (`[[checklist]] waiver-reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaiverReason {
    /// A waiver without a reason leaves the item open.
    #[default]
    Required,
    /// A struck-out item (`~~item~~`, with or without `N/A`) is not
    /// applicable, reason or not.
    Optional,
}

/// One `[[checklist.require]]`.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub selector: Selector,
    pub min_checked: Option<Count>,
    /// At most this many items checked (`max-checked`; radio groups).
    pub max_checked: Option<Count>,
    /// Items whose plain text matches one of these are optional for this
    /// rule (`except`; only with `all` or `section`).
    pub except: Vec<Regex>,
    /// Items in these sections (and their subsections) are optional for
    /// this rule (`except-sections`; only with `all` or `section`), each with
    /// where it is written.
    pub except_sections: Vec<(SectionSelector, Location)>,
    /// `filled = true`: an item whose text matches one of these still holds
    /// a placeholder and is open. Empty when the rule does not ask.
    pub placeholders: Vec<Regex>,
    /// Whether a waiver needs a reason (the checklist's `waiver-reason`).
    pub waiver_reason: WaiverReason,
    pub level: Level,
    pub when_changed: Option<Globs>,
    /// Users (`alice`) and teams (`@org/team`) whose approving review satisfies it.
    pub approved_by: Vec<String>,
    /// What GitHub must show before a ticked item of this rule counts.
    pub evidence: Option<EvidenceKeys>,
    pub waivable: bool,
    pub help: Option<String>,
    /// Where the requirement starts in the policy file.
    pub at: Location,
    /// Where the selector (`section`, `item` or `item-regex`) is written.
    pub selector_at: Location,
    /// Where `min-checked` is written, for errors found during evaluation.
    pub min_checked_at: Option<Location>,
}

impl Requirement {
    /// The rule as a maintainer would recognise it, e.g. `section: Security`.
    pub fn rule(&self) -> String {
        let within = |w: &Option<SectionSelector>| match w {
            Some(s) => format!(" (in section: {})", s.raw),
            None => String::new(),
        };
        let counts = match (self.min_checked, self.max_checked) {
            (None, Some(Count::Items(0))) => " (none checked)".to_string(),
            (Some(min), Some(max)) if min == max => format!(" (exactly {min} checked)"),
            (Some(min), Some(max)) => format!(" ({min} to {max} checked)"),
            (Some(min), None) => format!(" (min-checked {min})"),
            (None, Some(max)) => format!(" (max-checked {max})"),
            (None, None) => String::new(),
        };
        match &self.selector {
            Selector::All => format!("all items{counts}"),
            Selector::Section(s) => format!("section: {}{counts}", s.raw),
            Selector::Item { text, within: w, .. } => format!("item: {text}{}", within(w)),
            Selector::ItemRegex { regex, within: w } => format!("item-regex: {}{}", regex.as_str(), within(w)),
        }
    }
}

/// Where a checklist's markdown comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file, relative to the repository root.
    File(String),
    /// The pull request's description.
    PrBody,
    /// The pull request's conversation comments written by `authors`
    /// (logins, `@org/team`, `name[bot]`).
    PrComments { authors: Vec<String> },
}

impl Source {
    /// The path shown in reports.
    pub fn display(&self) -> &str {
        match self {
            Source::File(p) => p,
            Source::PrBody => "pull request description",
            Source::PrComments { .. } => "pull request comments",
        }
    }
}

/// Where a `source = "pr-body"` checklist's baseline comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Template {
    /// The repository's pull request template at the base, found where GitHub looks.
    #[default]
    Auto,
    /// This file at the base.
    Path(String),
    /// No baseline: the description alone is judged.
    Off,
}

/// One `[[checklist]]`.
#[derive(Debug, Clone)]
pub struct ChecklistPolicy {
    pub source: Source,
    pub when_changed: Option<Globs>,
    /// Level for required items/sections deleted or reworded since the base.
    pub tamper: Option<Level>,
    /// Level for items ticked at the base and unticked at the head.
    pub untick: Option<Level>,
    /// Level for required items the base branch gained after the pull
    /// request branched off (the branch is stale: merge or rebase).
    pub stale: Option<Level>,
    /// The baseline of a description checklist (always `Off` for files).
    pub template: Template,
    /// `allow-empty = true`: a checklist with no task items passes with a note.
    pub allow_empty: bool,
    /// Level of `parent-ticked-children-open` (`nesting`); `None` is off.
    pub nesting: Option<Level>,
    /// Whether waivers need a reason (`waiver-reason`).
    pub waiver_reason: WaiverReason,
    pub requires: Vec<Requirement>,
    pub at: Location,
}

/// The `[action]` table: how `checkgate action` treats what the pull request
/// controls besides its checklists. Read at the base like the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPolicy {
    /// Level of the `workflow-changed` finding (a `pull_request` run whose
    /// pull request changes a workflow or a local action); `None` is off.
    pub workflow_changed: Option<Level>,
    /// A failing gate's check run concludes `neutral` instead of `failure`.
    pub report_only: bool,
    /// Level of the `evidence-untrusted` finding (a check run made by a
    /// workflow the pull request changes); `None` is off.
    pub evidence_untrusted: Option<Level>,
}

impl Default for ActionPolicy {
    fn default() -> Self {
        ActionPolicy {
            workflow_changed: Some(Level::Deny),
            report_only: false,
            evidence_untrusted: Some(Level::Deny),
        }
    }
}

/// One `[[skip]]`: when every key it sets holds for a pull request (as
/// GitHub describes it, never its files or description), the gate is
/// skipped. Unset keys do not constrain.
#[derive(Debug, Clone)]
pub struct Skip {
    /// Who opened the pull request: logins, `name[bot]` apps, `@org/team`s.
    pub authors: Vec<String>,
    pub draft: Option<bool>,
    /// Labels the pull request must carry, every one of them.
    pub labels: Vec<String>,
    /// Who must have applied each of `labels` (the newest `labeled` event).
    pub labeled_by: Vec<String>,
    /// Base branch globs.
    pub base: Option<Globs>,
    /// Head branch globs.
    pub head: Option<Globs>,
    pub reason: Option<String>,
    pub at: Location,
}

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The path used in messages.
    pub file: String,
    pub checklists: Vec<ChecklistPolicy>,
    pub action: ActionPolicy,
    /// `[[skip]]` tables, in file order.
    pub skips: Vec<Skip>,
}

/// Why a string is not a plain repository path: the form GitHub's API and
/// its changed-file lists use (`docs/READY.md`: relative, `/`-separated, no
/// `.` or `..` segments). Anything else could read outside the repository,
/// or name the same file differently from the changed-file list and so skip
/// the checks that compare with it.
pub fn path_problem(path: &str) -> Option<&'static str> {
    let bytes = path.as_bytes();
    Some(if path.is_empty() {
        "it is empty"
    } else if path
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        "it contains a control character"
    } else if path.contains('\\') {
        "it contains a backslash; separate directories with `/`"
    } else if path.starts_with('/') {
        "it is absolute; write it relative to the repository root"
    } else if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        "it starts with a drive letter; write it relative to the repository root"
    } else if path.contains(['?', '#', '%']) {
        "it contains `?`, `#` or `%`, which a URL would read as a query, a fragment or an escape"
    } else if path.ends_with('/') {
        "it ends with `/`; name a file"
    } else if path.split('/').any(|s| s == "..") {
        "it has a `..` segment"
    } else if path.split('/').any(|s| s == ".") {
        "it has a `.` segment; write `docs/X.md`, not `./docs/X.md`"
    } else if path.split('/').any(str::is_empty) {
        "it has an empty segment (`//`)"
    } else {
        return None;
    })
}

/// Why a `when-changed` glob can never match a repository path. Globs keep
/// their own syntax (`?`, `\\` escapes), so only the shape is checked.
pub fn glob_problem(glob: &str) -> Option<&'static str> {
    Some(if glob.chars().any(char::is_control) {
        "it contains a control character"
    } else if glob.starts_with('/') {
        "it is absolute, and changed paths are relative to the repository root"
    } else if glob.ends_with('/') {
        "it ends with `/`, and changed paths name files; write `dir/**`"
    } else if glob.split('/').any(|s| s == ".." || s == ".") {
        "it has a `.` or `..` segment, which no changed path has"
    } else if glob.contains("//") {
        "it has an empty segment (`//`)"
    } else {
        return None;
    })
}

/// Largest policy file read; real ones are a few kilobytes.
pub const MAX_BYTES: u64 = 1024 * 1024;

pub const TOP_KEYS: &[&str] = &["version", "action", "checklist", "skip"];
pub const SKIP_KEYS: &[&str] = &["authors", "draft", "labels", "labeled-by", "base", "head", "reason"];
pub const ACTION_KEYS: &[&str] = &["workflow-changed", "report-only", "evidence-untrusted"];
pub const CHECKLIST_KEYS: &[&str] = &[
    "path",
    "source",
    "authors",
    "when-changed",
    "tamper",
    "untick",
    "allow-empty",
    "require",
    "stale",
    "template",
    "nesting",
    "waiver-reason",
];
pub const REQUIRE_KEYS: &[&str] = &[
    "all",
    "except",
    "section",
    "item",
    "item-regex",
    "min-checked",
    "max-checked",
    "level",
    "when-changed",
    "approved-by",
    "waivable",
    "help",
    "except-sections",
    "filled",
    "placeholders",
    "checks",
    "changed",
    "deployed",
    "labels",
    "labeled-by",
];

impl Policy {
    /// Read and validate a policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let shown = path.display().to_string();
        let io = |kind, message: String| PolicyError::Read {
            path: shown.clone(),
            source: std::io::Error::new(kind, message),
        };
        let bytes = match crate::input::read_bounded(path, MAX_BYTES) {
            Ok(b) => b,
            Err(Bounded::Io(source)) => {
                return Err(PolicyError::Read {
                    path: shown.clone(),
                    source,
                });
            }
            Err(Bounded::NotFound) => return Err(io(std::io::ErrorKind::NotFound, "no such file".into())),
            Err(Bounded::IsDirectory) => return Err(io(std::io::ErrorKind::Other, "is a directory".into())),
            Err(Bounded::NotRegular) => {
                return Err(io(
                    std::io::ErrorKind::Other,
                    "not a regular file (a device, FIFO or socket)".into(),
                ));
            }
            Err(Bounded::TooLarge(size)) => {
                return Err(io(
                    std::io::ErrorKind::Other,
                    format!("{size} bytes is over the {MAX_BYTES}-byte policy limit"),
                ));
            }
        };
        let text = String::from_utf8(bytes).map_err(|_| PolicyError::NotUtf8 { path: shown.clone() })?;
        Policy::parse(&shown, &text)
    }

    /// Validate policy text; `file` names it in messages.
    pub fn parse(file: &str, text: &str) -> Result<Policy, PolicyError> {
        let mut v = Validator {
            file,
            text,
            diags: Vec::new(),
            no_requirements: None,
        };
        let (doc, errors) = DeTable::parse_recoverable(text);
        if !errors.is_empty() {
            for e in errors {
                let at = e.span().map_or(0, |s| s.start);
                v.error(at..at, format!("invalid TOML: {}", e.message().trim_end()));
            }
            return Err(v.finish());
        }
        let policy = v.policy(doc.get_ref());
        // Only once everything else is right: an unedited `init` policy is
        // valid TOML that would pass every pull request.
        if v.diags.is_empty()
            && let Some(span) = v.no_requirements.take()
        {
            v.error(
                span,
                "no [[checklist.require]] in this policy, so it would pass every pull request; \
                 uncomment a requirement `checkgate init` wrote, or add one (e.g. `all = true`)"
                    .to_string(),
            );
        }
        match policy {
            Some(p) if v.diags.is_empty() => Ok(p),
            _ => Err(v.finish()),
        }
    }
}

/// Why a branch-name glob can never match a branch name as GitHub gives it
/// (`release/1.x`: no `refs/heads/`, no leading or trailing `/`).
fn branch_glob_problem(glob: &str) -> Option<&'static str> {
    if glob.starts_with("refs/") {
        Some("branch names are given without `refs/heads/`")
    } else if glob.starts_with('/') || glob.ends_with('/') {
        Some("branch names never start or end with `/`")
    } else {
        None
    }
}

/// A GitHub login: letters, digits and inner hyphens, at most 39 characters.
fn valid_login(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 39
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A login, an app's `name[bot]`, or a team `@org/team-slug`.
fn valid_author(s: &str) -> bool {
    if let Some(team) = s.strip_prefix('@') {
        return match team.split_once('/') {
            Some((org, slug)) => {
                valid_login(org)
                    && !slug.is_empty()
                    && slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            }
            None => valid_login(team),
        };
    }
    valid_login(s.strip_suffix("[bot]").unwrap_or(s))
}

/// The roles `authors` can name as `role:NAME`, lowest first.
pub const ROLES: &[&str] = &["write", "maintain", "admin"];

/// Whether a comment whose `author_association` is `association` counts
/// for `role:NAME` (one of [`ROLES`]). The association says how the author
/// relates to the repository, not their permission, so only what it
/// guarantees is taken: `OWNER` owns the repository (every role);
/// `MEMBER` (of the owning organisation) and `COLLABORATOR` (invited to the
/// repository) are granted access by a maintainer, which `role:write`
/// accepts; maintain and admin cannot be told apart from write for them.
/// `CONTRIBUTOR` only means a commit of theirs was merged once: anyone can
/// become one, so it never counts.
pub fn role_allows(role: &str, association: &str) -> bool {
    match association {
        "OWNER" => ROLES.contains(&role),
        "MEMBER" | "COLLABORATOR" => role == "write",
        _ => false,
    }
}

/// The last line of a regex error, e.g. `unclosed group`.
fn regex_error(e: &regex::Error) -> String {
    let detail = e.to_string();
    detail
        .lines()
        .last()
        .unwrap_or("")
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}

/// What `filled = true` looks for when the rule names no `placeholders`:
/// a blank to write on (`___`), `[FILL IN]` and `TBD`, in any case.
pub const DEFAULT_PLACEHOLDERS: &[&str] = &[r"_{3,}", r"(?i)\[fill in\]", r"(?i)\btbd\b"];

fn default_placeholders() -> Vec<Regex> {
    DEFAULT_PLACEHOLDERS.iter().filter_map(|p| Regex::new(p).ok()).collect()
}

struct Validator<'a> {
    file: &'a str,
    text: &'a str,
    diags: Vec<Diagnostic>,
    /// The first `[[checklist]]` when no checklist has a requirement.
    no_requirements: Option<Range<usize>>,
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
    fn error(&mut self, span: Range<usize>, message: String) {
        self.diags.push(Diagnostic {
            file: self.file.to_string(),
            at: Location::of(self.text, span.start),
            message,
        });
    }

    fn finish(mut self) -> PolicyError {
        self.diags.sort_by_key(|d| (d.at.line, d.at.column));
        PolicyError::Invalid(self.diags)
    }

    fn loc(&self, span: Range<usize>) -> Location {
        Location::of(self.text, span.start)
    }

    fn unknown_keys(&mut self, table: &DeTable, known: &[&str], what: &str) {
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

    fn wrong_type(&mut self, key: &str, value: &Spanned<DeValue>, expected: &str) {
        self.error(
            value.span(),
            format!("`{key}` must be {expected}, found {}", type_name(value.get_ref())),
        );
    }

    fn string(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.wrong_type(key, value, "a string");
                None
            }
        }
    }

    /// A string that must say something once normalised.
    fn selector_text(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<String> {
        let s = self.string(key, value)?;
        if normalize::key(&s).is_empty() {
            self.error(value.span(), format!("`{key}` must not be empty"));
            return None;
        }
        Some(s)
    }

    /// A string that must be a plain repository path.
    fn repo_path(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<String> {
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

    fn section_selector(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<SectionSelector> {
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

    fn level(&mut self, key: &str, value: &Spanned<DeValue>, allow_off: bool) -> Option<Option<Level>> {
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

    fn string_array(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<Vec<Spanned<String>>> {
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
    fn bound(&mut self, key: &str, v: &Spanned<DeValue>, least: usize) -> Option<(Count, Range<usize>)> {
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
    fn regexes(&mut self, key: &str, value: &Spanned<DeValue>, why: &str) -> Option<Vec<Regex>> {
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
    fn section_list(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<Vec<(SectionSelector, Location)>> {
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

    fn boolean(&mut self, key: &str, value: Option<&Spanned<DeValue>>, default: bool) -> bool {
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
    fn authors(&mut self, value: &Spanned<DeValue>) -> Option<Vec<String>> {
        self.accounts("authors", value)
    }

    /// A list of GitHub logins, `name[bot]` apps and `@org/team` teams.
    fn accounts(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<Vec<String>> {
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

    fn globs(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<Globs> {
        self.globs_with(key, value, glob_problem)
    }

    /// Globs checked by `problem`, a reason a pattern can never match.
    fn globs_with(
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

    fn table_array<'t, 'i>(&mut self, key: &str, value: &'t Spanned<DeValue<'i>>) -> Vec<&'t Spanned<DeValue<'i>>> {
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

    fn policy(&mut self, doc: &DeTable) -> Option<Policy> {
        self.unknown_keys(doc, TOP_KEYS, "the policy");
        if let Some(v) = doc.get("version") {
            match v.get_ref() {
                DeValue::Integer(i) if i.as_str() == "1" => {}
                DeValue::Integer(i) => {
                    self.error(
                        v.span(),
                        format!("unsupported policy `version` {i}; this checkgate understands version 1"),
                    );
                }
                _ => self.wrong_type("version", v, "an integer"),
            }
        }
        let mut checklists = Vec::new();
        match doc.get("checklist") {
            Some(value) => {
                let tables = self.table_array("checklist", value);
                // Counted on the raw tables, so a requirement with an error
                // of its own does not also trigger this one.
                let has_require = tables.iter().any(|t| match t.get_ref() {
                    DeValue::Table(t) => t.get("require").is_some(),
                    _ => false,
                });
                if !has_require {
                    self.no_requirements = tables.first().map(|t| t.span());
                }
                for table in tables {
                    if let Some(c) = self.checklist(table) {
                        checklists.push(c);
                    }
                }
            }
            None => self.error(
                0..0,
                "policy has no [[checklist]]; add one with a `path` to the checklist to gate".to_string(),
            ),
        }
        let action = match doc.get("action") {
            Some(value) => self.action(value),
            None => ActionPolicy::default(),
        };
        let mut skips = Vec::new();
        if let Some(value) = doc.get("skip") {
            for table in self.table_array("skip", value) {
                skips.extend(self.skip(table));
            }
        }
        Some(Policy {
            file: self.file.to_string(),
            checklists,
            action,
            skips,
        })
    }

    fn skip(&mut self, value: &Spanned<DeValue>) -> Option<Skip> {
        let DeValue::Table(table) = value.get_ref() else {
            return None;
        };
        let at = self.loc(value.span());
        self.unknown_keys(table, SKIP_KEYS, "[[skip]]");
        let errors = self.diags.len();
        let get = |name: &str| -> Option<&Spanned<DeValue>> { table.get(name) };
        let authors = get("authors").map(|v| self.accounts("authors", v));
        let draft = match get("draft").map(|v| (v, v.get_ref())) {
            None => None,
            Some((_, DeValue::Boolean(b))) => Some(*b),
            Some((v, _)) => {
                self.wrong_type("draft", v, "a boolean");
                None
            }
        };
        let labels = get("labels").map(|v| self.string_array("labels", v));
        let labeled_by = get("labeled-by").map(|v| self.accounts("labeled-by", v));
        let base = get("base").map(|v| self.globs_with("base", v, branch_glob_problem));
        let head = get("head").map(|v| self.globs_with("head", v, branch_glob_problem));
        let reason = match get("reason") {
            None => None,
            Some(v) => match self.string("reason", v) {
                Some(r) if r.trim().is_empty() => {
                    self.error(v.span(), "`reason` must not be empty".to_string());
                    None
                }
                r => r.map(|r| r.trim().to_string()),
            },
        };
        if let (Some(v), None) = (get("labeled-by"), get("labels")) {
            self.error(
                v.span(),
                "`labeled-by` needs `labels` in the same [[skip]]: it says who may have applied them".to_string(),
            );
        }
        let conditions = ["authors", "draft", "labels", "base", "head"];
        if !conditions.iter().any(|k| get(k).is_some()) {
            self.error(
                value.span(),
                "[[skip]] has no condition, so it would skip every pull request; give it `authors`, `draft`, \
                 `labels`, `base` or `head`"
                    .to_string(),
            );
        }
        if self.diags.len() > errors {
            return None;
        }
        Some(Skip {
            authors: authors.flatten().unwrap_or_default(),
            draft,
            labels: labels
                .flatten()
                .map(|l| l.into_iter().map(|s| s.into_inner().trim().to_string()).collect())
                .unwrap_or_default(),
            labeled_by: labeled_by.flatten().unwrap_or_default(),
            base: base.flatten(),
            head: head.flatten(),
            reason,
            at,
        })
    }

    fn action(&mut self, value: &Spanned<DeValue>) -> ActionPolicy {
        let mut action = ActionPolicy::default();
        let DeValue::Table(table) = value.get_ref() else {
            self.wrong_type("action", value, "a table ([action])");
            return action;
        };
        self.unknown_keys(table, ACTION_KEYS, "[action]");
        if let Some(v) = table.get("workflow-changed")
            && let Some(level) = self.level("workflow-changed", v, true)
        {
            action.workflow_changed = level;
        }
        if let Some(v) = table.get("evidence-untrusted")
            && let Some(level) = self.level("evidence-untrusted", v, true)
        {
            action.evidence_untrusted = level;
        }
        match table.get("report-only").map(|v| (v, v.get_ref())) {
            None => {}
            Some((_, DeValue::Boolean(b))) => action.report_only = *b,
            Some((v, _)) => self.wrong_type("report-only", v, "a boolean"),
        }
        action
    }

    fn checklist(&mut self, value: &Spanned<DeValue>) -> Option<ChecklistPolicy> {
        let DeValue::Table(table) = value.get_ref() else {
            return None;
        };
        let at = self.loc(value.span());
        self.unknown_keys(table, CHECKLIST_KEYS, "[[checklist]]");
        let get = |name: &str| -> Option<&Spanned<DeValue>> { table.get(name) };

        let path = get("path").and_then(|v| self.repo_path("path", v));
        let source = match get("source") {
            None => Some("file".to_string()),
            Some(v) => self.string("source", v),
        };
        let authors = get("authors").map(|v| self.authors(v));
        let source = match (source.as_deref(), path) {
            (Some("file"), Some(p)) => Some(Source::File(p)),
            (Some("file"), None) => {
                if get("path").is_none() {
                    self.error(
                        value.span(),
                        "[[checklist]] needs a `path` (or `source = \"pr-body\"` or `\"pr-comments\"`)".to_string(),
                    );
                }
                None
            }
            (Some("pr-body"), None) => Some(Source::PrBody),
            (Some("pr-comments"), None) => match &authors {
                Some(Some(list)) => Some(Source::PrComments { authors: list.clone() }),
                Some(None) => None,
                None => {
                    let span = get("source").map_or(value.span(), Spanned::span);
                    self.error(
                        span,
                        "`source = \"pr-comments\"` needs `authors`: the logins, `@org/team`s or `name[bot]`s whose comments count (anyone can post a comment full of ticked boxes)".to_string(),
                    );
                    None
                }
            },
            (Some(kind @ ("pr-body" | "pr-comments")), Some(_)) => {
                let span = get("path").map_or(value.span(), Spanned::span);
                self.error(span, format!("`path` cannot be combined with `source = \"{kind}\"`"));
                None
            }
            (Some(other), _) => {
                let span = get("source").map_or(value.span(), Spanned::span);
                self.error(
                    span,
                    format!("`source` must be \"file\", \"pr-body\" or \"pr-comments\", found \"{other}\""),
                );
                None
            }
            (None, _) => None,
        };
        if let Some(v) = get("authors")
            && !matches!(source, Some(Source::PrComments { .. }))
            && source.is_some()
        {
            self.error(
                v.span(),
                "`authors` applies only to `source = \"pr-comments\"`".to_string(),
            );
        }
        let allow_empty = self.boolean("allow-empty", get("allow-empty"), false);
        let when_changed = get("when-changed").and_then(|v| self.globs("when-changed", v));
        let tamper = match get("tamper") {
            Some(v) => self.level("tamper", v, true).unwrap_or(Some(Level::Deny)),
            None => Some(Level::Deny),
        };
        let untick = match get("untick") {
            Some(v) => self.level("untick", v, true).unwrap_or(Some(Level::Warn)),
            None => Some(Level::Warn),
        };
        let stale = match get("stale") {
            Some(v) => self.level("stale", v, true).unwrap_or(Some(Level::Deny)),
            None => Some(Level::Deny),
        };
        let template = match get("template") {
            None => Template::Auto,
            Some(v) if source.as_ref().is_some_and(|s| *s != Source::PrBody) => {
                self.error(
                    v.span(),
                    "`template` applies only to `source = \"pr-body\"`: a file checklist's baseline is its own copy at the base".to_string(),
                );
                Template::Off
            }
            Some(v) => match v.get_ref() {
                DeValue::Boolean(true) => Template::Auto,
                DeValue::Boolean(false) => Template::Off,
                DeValue::String(_) => self.repo_path("template", v).map_or(Template::Off, Template::Path),
                _ => {
                    self.wrong_type("template", v, "a path or `false`");
                    Template::Off
                }
            },
        };
        let nesting = match get("nesting") {
            Some(v) => self.level("nesting", v, true).unwrap_or(Some(Level::Warn)),
            None => Some(Level::Warn),
        };
        let waiver_reason = match get("waiver-reason") {
            None => WaiverReason::Required,
            Some(v) => match self.string("waiver-reason", v).as_deref() {
                Some("required") | None => WaiverReason::Required,
                Some("optional") => WaiverReason::Optional,
                Some(other) => {
                    self.error(
                        v.span(),
                        format!("`waiver-reason` must be \"required\" or \"optional\", found \"{other}\""),
                    );
                    WaiverReason::Required
                }
            },
        };
        let mut requires = Vec::new();
        if let Some(reqs) = get("require") {
            for r in self.table_array("checklist.require", reqs) {
                if let Some(mut req) = self.requirement(r) {
                    req.waiver_reason = waiver_reason;
                    requires.push(req);
                }
            }
        }
        Some(ChecklistPolicy {
            when_changed,
            tamper,
            untick,
            stale,
            template: if source.as_ref() == Some(&Source::PrBody) {
                template
            } else {
                Template::Off
            },
            source: source?,
            allow_empty,
            nesting,
            waiver_reason,
            requires,
            at,
        })
    }

    fn requirement(&mut self, value: &Spanned<DeValue>) -> Option<Requirement> {
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
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match Policy::parse("p.toml", text) {
            Ok(_) => panic!("expected errors"),
            Err(PolicyError::Invalid(d)) => d.iter().map(ToString::to_string).collect(),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn full_policy_parses() {
        let p = Policy::parse(
            "p.toml",
            r#"
version = 1
[[checklist]]
path = "docs/READY.md"
[[checklist.require]]
section = "Go-Live Criteria > Must Have"
[[checklist.require]]
section = "Security Review"
min-checked = 2
[[checklist.require]]
item = "Rollback plan tested"
[[checklist.require]]
item-regex = "(?i)backup .* tested"
level = "warn"
"#,
        )
        .unwrap();
        let reqs = &p.checklists[0].requires;
        assert_eq!(reqs.len(), 4);
        assert_eq!(reqs[0].rule(), "section: Go-Live Criteria > Must Have");
        assert_eq!(reqs[1].min_checked, Some(Count::Items(2)));
        assert_eq!(reqs[3].level, Level::Warn);
        assert_eq!(reqs[0].at.line, 5);
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let errs = errors(
            r#"[[checklist]]
path = "a.md"
colour = "red"
[[checklist.require]]
section = ""
[[checklist.require]]
item-regex = "(unclosed"
[[checklist.require]]
section = "S"
min-checked = "two"
"#,
        );
        assert_eq!(errs.len(), 4, "{errs:#?}");
        assert!(errs[0].starts_with("p.toml:3:1: unknown key `colour` in [[checklist]]"));
        assert_eq!(errs[1], "p.toml:5:11: `section` must not be empty");
        assert!(
            errs[2].starts_with("p.toml:7:14: `item-regex` is not a valid regex"),
            "{}",
            errs[2]
        );
        assert_eq!(
            errs[3],
            "p.toml:10:15: `min-checked` must be an integer or a whole percentage such as \"80%\", found \"two\""
        );
    }

    #[test]
    fn a_percentage_counts_a_share_of_the_items_rounded_up() {
        assert_eq!(Count::Percent(80).of(6), 5);
        assert_eq!(Count::Percent(80).of(5), 4);
        assert_eq!(Count::Percent(50).of(5), 3);
        assert_eq!(Count::Percent(1).of(1000), 10);
        assert_eq!(Count::Percent(1).of(1001), 11);
        assert_eq!(Count::Percent(100).of(7), 7);
        assert_eq!(Count::Percent(0).of(7), 0);
        assert_eq!(Count::Percent(80).of(0), 0);
        assert_eq!(Count::Items(3).of(100), 3);
        assert_eq!(
            (Count::Percent(80).to_string(), Count::Items(2).to_string()),
            ("80%".into(), "2".into())
        );
    }

    #[test]
    fn only_the_associations_that_grant_access_count_for_a_role() {
        let counted = |role: &str| -> Vec<&str> {
            [
                "OWNER",
                "MEMBER",
                "COLLABORATOR",
                "CONTRIBUTOR",
                "FIRST_TIME_CONTRIBUTOR",
                "FIRST_TIMER",
                "MANNEQUIN",
                "NONE",
                "owner",
                "",
            ]
            .into_iter()
            .filter(|a| role_allows(role, a))
            .collect()
        };
        assert_eq!(counted("write"), ["OWNER", "MEMBER", "COLLABORATOR"]);
        assert_eq!(counted("maintain"), ["OWNER"]);
        assert_eq!(counted("admin"), ["OWNER"]);
        assert_eq!(counted("triage"), Vec::<&str>::new());
    }

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

    #[test]
    fn plain_repository_paths_pass_and_lookalikes_do_not() {
        for ok in [
            "READY.md",
            "docs/READY.md",
            ".github/pull_request_template.md",
            "a b/ü.md",
            "..md",
            "x/...",
            ".x",
        ] {
            assert_eq!(path_problem(ok), None, "{ok}");
        }
        for bad in [
            "", "..", ".", "a/..", "./a", "a/./b", "/a", "a\\b", "a//b", "a/", "a?b", "a#b", "a%b", "c:x", "a\tb",
            "a\u{7f}b",
        ] {
            assert!(path_problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(glob_problem("src/**/*.rs"), None);
        assert_eq!(glob_problem("file\\?.md"), None, "globs keep their escapes");
        for bad in ["/src/**", "src/", "./src/**", "a/../b", "a//b"] {
            assert!(glob_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn the_action_table_and_template_default_safely() {
        let p = Policy::parse(
            "p.toml",
            "[[checklist]]\nsource = \"pr-body\"\n[[checklist.require]]\nall = true\n[[checklist]]\npath = \"a.md\"\n",
        )
        .unwrap();
        assert_eq!(p.action, ActionPolicy::default());
        assert_eq!(p.action.workflow_changed, Some(Level::Deny));
        assert!(!p.action.report_only);
        assert_eq!(p.checklists[0].template, Template::Auto);
        assert_eq!(
            p.checklists[1].template,
            Template::Off,
            "a file checklist has no template"
        );
        assert_eq!(p.checklists[1].stale, Some(Level::Deny));
        let p = Policy::parse(
            "p.toml",
            "[action]\nworkflow-changed = \"warn\"\nreport-only = true\n[[checklist]]\nsource = \"pr-body\"\ntemplate = \"docs/T.md\"\n[[checklist.require]]\nall = true\n[[checklist]]\nsource = \"pr-body\"\ntemplate = false\n",
        )
        .unwrap();
        assert_eq!(p.action.workflow_changed, Some(Level::Warn));
        assert!(p.action.report_only);
        assert_eq!(p.checklists[0].template, Template::Path("docs/T.md".into()));
        assert_eq!(p.checklists[1].template, Template::Off);
    }

    #[test]
    fn skip_problems_are_all_reported_with_their_place() {
        let errs = errors(
            r#"[[checklist]]
path = "a.md"
[[checklist.require]]
all = true
[[skip]]
reason = "nothing to match"
[[skip]]
authors = ["dependabot[bot]", "not a login"]
draft = "yes"
colour = "red"
[[skip]]
labeled-by = ["@acme/maintainers"]
base = ["/release/**"]
[[skip]]
labels = []
reason = " "
"#,
        );
        assert_eq!(
            errs,
            [
                "p.toml:5:1: [[skip]] has no condition, so it would skip every pull request; give it `authors`, \
                 `draft`, `labels`, `base` or `head`",
                "p.toml:8:31: `authors` entry \"not a login\" is not a GitHub login, `name[bot]` or `@org/team`",
                "p.toml:9:9: `draft` must be a boolean, found a string",
                "p.toml:10:1: unknown key `colour` in [[skip]]; expected one of: authors, draft, labels, labeled-by, \
                 base, head, reason",
                "p.toml:12:14: `labeled-by` needs `labels` in the same [[skip]]: it says who may have applied them",
                "p.toml:13:9: `base` glob \"/release/**\" can never match: branch names never start or end with `/`",
                "p.toml:15:10: `labels` must list at least one entry",
                "p.toml:16:10: `reason` must not be empty",
            ]
        );
        let p = Policy::parse(
            "p.toml",
            "[[checklist]]\npath = \"a.md\"\n[[checklist.require]]\nall = true\n[skip]\ndraft = true\n",
        );
        assert_eq!(
            p.unwrap_err().to_string(),
            "p.toml:5:1: `skip` must be an array of tables: write [[skip]], not [skip]"
        );
    }
}
