//! Findings → what people read: terminal text, JSON, the markdown of the PR
//! comment and job summary, and GitHub workflow-command annotations.
//!
//! Every renderer is a pure function from a [`Report`] to a `String`; the CLI
//! decides where it goes. The markdown is built against a size budget so a
//! checklist with thousands of open items still yields a comment GitHub
//! accepts, summarised at an item boundary rather than cut mid-item.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::eval::{ChecklistReport, Code, Level, OpenItem, OptionalItem, Report, RequirementReport};
use crate::evidence::State as EvidenceState;
use crate::policy::Source;
use crate::sanitize;

pub mod json;

/// The JSON report (`check --format json`): [`Report`] serialised as is.
///
/// ```json
/// {"passed": false, "checklists": [{"path": "docs/READY.md", "total": 119, "checked": 29,
///   "requirements": [{"rule": "section: Go-Live Criteria > Must Have", "level": "deny",
///     "passed": false, "code": "open-item", "open": [{"line": 221, "text": "Rollback plan tested",
///     "section": ["Go-Live Criteria", "Must Have"]}], "message": "3 of 6 items open",
///     "checked": 3, "total": 6}]}]}
/// ```
///
/// Strings are defused ([`sanitize::json`]): `##[`, `::`, U+2028/9 and the
/// C1 controls are `\u` escapes, so echoing the JSON in a workflow cannot
/// issue a command; it decodes to the same values.
pub fn json(report: &Report) -> String {
    // Writing to a vector cannot fail; the writer makes UTF-8 of UTF-8.
    let out = json::write_report(Vec::new(), report).unwrap_or_default();
    String::from_utf8(out).unwrap_or_default()
}

/// GitHub's limit on one step output is 1 MB; the action's `report` output
/// stays at or under this many bytes.
pub const REPORT_OUTPUT_MAX_BYTES: usize = 1_000_000;

/// The JSON report, at most `max_bytes` long. When the whole report is
/// longer, each requirement's `open` and `optional` lists and each
/// checklist's `waived` list keep only their first entries (the same number
/// for every list, as many as fit), and fields say what was left out:
/// `"truncated": true` and `"omitted": {"open": N, "optional": N, "waived": N}`
/// at the top, `open_omitted` / `optional_omitted` / `waived_omitted` beside
/// each cut list. Every count (`checked`, `total`, `message`) still describes
/// the whole checklist. If even empty lists do not fit, the value is only the
/// verdict and the totals.
pub fn json_bounded(report: &Report, max_bytes: usize) -> String {
    let full = json(report);
    if full.len() <= max_bytes {
        return full;
    }
    let Ok(value) = serde_json::to_value(report) else {
        return full;
    };
    // Serialised length of every entry of every list that may be cut.
    let mut lists: Vec<Vec<usize>> = Vec::new();
    for c in value["checklists"].as_array().into_iter().flatten() {
        let reqs = c["requirements"].as_array().into_iter().flatten();
        for list in reqs.flat_map(|r| [&r["open"], &r["optional"]]).chain([&c["waived"]]) {
            let entries = list.as_array().into_iter().flatten();
            lists.push(entries.map(|e| e.to_string().len()).collect());
        }
    }
    let skeleton = keep_first(&value, 0).len();
    // An upper bound on the length with `keep` entries per list: the
    // skeleton, the kept entries and their commas, and room for each cut
    // list's count field.
    let estimate = |keep: usize| {
        skeleton
            + lists
                .iter()
                .map(|l| l.iter().take(keep).map(|n| n + 1).sum::<usize>())
                .sum::<usize>()
    };
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    let (mut lo, mut hi) = (0, longest);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if estimate(mid) <= max_bytes {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    // The skeleton already counts every list as cut, so the bound holds; check
    // it anyway, halving until it fits.
    let mut keep = lo;
    loop {
        let candidate = keep_first(&value, keep);
        if candidate.len() <= max_bytes {
            return candidate;
        }
        if keep == 0 {
            break;
        }
        keep /= 2;
    }
    let summary = serde_json::json!({
        "passed": report.passed,
        "checked": report.checked(),
        "total": report.total(),
        "truncated": true,
        "omitted": {"checklists": report.checklists.len()},
    });
    summary.to_string()
}

/// `value` (a serialised [`Report`]) with every item list cut to `keep`
/// entries and the counts of what was cut.
fn keep_first(value: &serde_json::Value, keep: usize) -> String {
    use serde_json::Value;
    let mut v = value.clone();
    let mut omitted = [0usize; 3];
    let mut cut = |obj: &mut Value, field: &str, slot: usize| {
        if let Some(list) = obj[field].as_array_mut()
            && list.len() > keep
        {
            let n = list.len() - keep;
            list.truncate(keep);
            omitted[slot] += n;
            obj[format!("{field}_omitted")] = Value::from(n);
        }
    };
    for c in v["checklists"].as_array_mut().into_iter().flatten() {
        for r in c["requirements"].as_array_mut().into_iter().flatten() {
            cut(r, "open", 0);
            cut(r, "optional", 1);
        }
        cut(c, "waived", 2);
    }
    v["truncated"] = Value::Bool(true);
    v["omitted"] = serde_json::json!({"open": omitted[0], "optional": omitted[1], "waived": omitted[2]});
    v.to_string()
}

/// How reports show an item whose plain text is empty (a box followed only
/// by an HTML comment, `- [ ] <!-- fill in -->`): its line says where.
pub const NO_TEXT: &str = "(no text)";

/// An item's text as reports show it: [`NO_TEXT`] when it is empty. JSON
/// keeps the text as it is.
pub fn shown_text(text: &str) -> &str {
    if text.is_empty() { NO_TEXT } else { text }
}

fn status(r: &RequirementReport) -> &'static str {
    match (r.passed, r.level) {
        (true, _) => "ok",
        (false, Level::Deny) if r.code == Code::EvidencePending => "wait",
        (false, Level::Deny) => "FAIL",
        (false, Level::Warn) => "warn",
    }
}

/// One failing deny-level count and one warning count over a report.
fn tally(report: &Report) -> (usize, usize, usize) {
    let reqs = report.checklists.iter().flat_map(|c| &c.requirements);
    let (mut total, mut failing, mut warnings) = (0, 0, 0);
    for r in reqs {
        total += 1;
        if !r.passed {
            match r.level {
                Level::Deny => failing += 1,
                Level::Warn => warnings += 1,
            }
        }
    }
    (total, failing, warnings)
}

/// A one-line verdict, e.g. `FAIL: 2 of 5 requirements failing, 1 warning`.
pub fn verdict(report: &Report) -> String {
    let (total, failing, warnings) = tally(report);
    let warn = match warnings {
        0 => String::new(),
        1 => ", 1 warning".to_string(),
        n => format!(", {n} warnings"),
    };
    if report.pending {
        return format!("PENDING: waiting for: {}", report.waiting_for().join(", "));
    }
    if report.checklists.is_empty() {
        // Every checklist was skipped (a description without a pull
        // request): a pass, but not one anything earned.
        return "PASS: nothing was checked".to_string();
    }
    if report.passed {
        let holds = if total == 1 {
            "1 requirement holds".to_string()
        } else {
            format!("{total} requirements hold")
        };
        format!("PASS: {holds}{warn}")
    } else {
        format!("FAIL: {failing} of {total} requirements failing{warn}")
    }
}

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
fn text_lines(report: &Report, mut emit: impl FnMut(&str)) {
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
                match &o.url {
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
fn optional_lines(line: &mut String, path: &str, optional: &[OptionalItem], put: &mut impl FnMut(&mut String)) {
    for o in optional {
        let mark = if o.checked { 'x' } else { ' ' };
        let _ = write!(line, "        optional  {path}:{}  [{mark}] {}", o.line, o.text);
        put(line);
    }
}

/// Escape text from a checklist for markdown: no HTML, no links, no
/// `@mentions`, no table breakage.
///
/// Markdown escapes are not enough against links: GitHub turns bare URLs
/// (`https://…`, `www.…`) and references (`#12`, `org/repo#4`, `GH-3`,
/// `@login`) into links and cross-references after rendering, in the text
/// itself. So a zero-width space ([`ZWSP`]) goes where each pattern needs its
/// two halves adjacent: after `@`, after `#` before a digit, between `GH` and
/// `-digit`, after the `:` of `://`, and before the `.` of `www.`. The text
/// reads the same; the bot links nothing and notifies nobody.
///
/// GitHub also renders LaTeX between `$…$`, `$$…$$` and in ```` ```math ````
/// blocks, so `$\color{green}{…}$` in an item could draw a fake verdict.
/// Backticks are escaped (no fence can open), and each `$` is wrapped as
/// `<span>$</span>`, the form GitHub documents for a literal dollar sign
/// outside math (a backslash escape does not stop its math renderer).
pub fn escape_markdown(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let next_is_digit = |i: usize| chars.get(i + 1).is_some_and(char::is_ascii_digit);
    let follows = |i: usize, word: &str| {
        let n = word.chars().count();
        i >= n
            && chars[i - n..i]
                .iter()
                .zip(word.chars())
                .all(|(c, w)| c.eq_ignore_ascii_case(&w))
    };
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => {
                out.push('@');
                out.push_str(ZWSP);
            }
            '#' if next_is_digit(i) => {
                out.push_str("\\#");
                out.push_str(ZWSP);
            }
            '-' if next_is_digit(i) && follows(i, "gh") => {
                out.push_str(ZWSP);
                out.push('-');
            }
            ':' if chars.get(i + 1..i + 3) == Some(&['/', '/']) => {
                out.push(':');
                out.push_str(ZWSP);
            }
            '.' if follows(i, "www") => {
                out.push_str(ZWSP);
                out.push('.');
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            '$' => out.push_str("<span>$</span>"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// An item's text for markdown: escaped as [`escape_markdown`] escapes it,
/// except the ranges in `code`, which were inline code in the checklist and
/// stay code spans. Code spans are inert on GitHub (no links, mentions, math
/// or HTML inside), so their text needs no escaping; the fence is one
/// backtick longer than any run inside, and line breaks are spaces.
pub fn item_markdown(text: &str, code: &[std::ops::Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut at = 0;
    for range in code {
        let Some(inside) = text.get(range.clone()).filter(|_| range.start >= at) else {
            // Ranges that do not fit the text: show it all plain.
            return escape_markdown(text);
        };
        out.push_str(&escape_markdown(&text[at..range.start]));
        let inside = inside.replace(['\n', '\r'], " ");
        let longest = inside.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat(longest + 1);
        // A space keeps a backtick at either end from joining the fence.
        let pad = if inside.starts_with('`') || inside.ends_with('`') {
            " "
        } else {
            ""
        };
        // GitHub reads $`…`$ as math; the text around a span is escaped, and
        // an escaped dollar (`<span>$</span>`) never touches the fence.
        let _ = write!(out, "{fence}{pad}{inside}{pad}{fence}");
        at = range.end;
    }
    out.push_str(&escape_markdown(&text[at..]));
    out
}

/// `1 waived item`, `2 waived items`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A zero-width space, as an entity so it survives any editor.
const ZWSP: &str = "&#8203;";

fn link_path(path: &str) -> String {
    path.replace('%', "%25")
        .replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
}

/// Rendering options for [`markdown`].
#[derive(Debug, Clone)]
pub struct MarkdownOptions {
    /// Prefix that turns `path#L12` into a link, e.g.
    /// `https://github.com/o/r/blob/<sha>/`. Without it references are plain text.
    pub link_base: Option<String>,
    /// Hard cap on the body, in characters.
    pub max_chars: usize,
    /// Open items shown per section before the rest fold into `<details>`.
    pub fold_after: usize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            link_base: None,
            max_chars: 60_000,
            fold_after: 10,
        }
    }
}

fn reference(path: &str, line: usize, opts: &MarkdownOptions) -> String {
    let label = format!("{}#L{line}", escape_markdown(path));
    match (&opts.link_base, path == Source::PrBody.display()) {
        (Some(base), false) => format!("[{label}]({base}{}#L{line})", link_path(path)),
        _ => label,
    }
}

/// Whether a URL an app reported (a check run's details, a status's target)
/// may be a link in the comment: `https://` and nothing that could end the
/// link or the line early.
fn safe_url(url: &str) -> bool {
    url.starts_with("https://") && url.chars().all(|c| c.is_ascii_graphic() && !"<>\"`\\[]".contains(c))
}

fn evidence_icon(state: EvidenceState) -> &'static str {
    match state {
        EvidenceState::Passed => "✅",
        EvidenceState::Failed => "❌",
        EvidenceState::Pending => "⏳",
        EvidenceState::Untrusted => "⚠️",
    }
}

fn evidence_state(state: EvidenceState) -> &'static str {
    match state {
        EvidenceState::Passed => "passed",
        EvidenceState::Failed => "failed",
        EvidenceState::Pending => "pending",
        EvidenceState::Untrusted => "untrusted",
    }
}

fn icon(r: &RequirementReport) -> &'static str {
    match (r.passed, r.level) {
        (true, _) => "✅",
        (false, _) if r.code == Code::EvidencePending => "⏳",
        (false, Level::Deny) => "❌",
        (false, Level::Warn) => "⚠️",
    }
}

/// Appends lines while they fit in a budget; counts what did not.
struct Budget {
    out: String,
    limit: usize,
    dropped: usize,
}

impl Budget {
    fn push(&mut self, line: &str) -> bool {
        if self.dropped > 0 || self.out.chars().count() + line.chars().count() + 1 > self.limit {
            self.dropped += 1;
            return false;
        }
        self.out.push_str(line);
        self.out.push('\n');
        true
    }
}

/// Open items of a checklist's failing requirements grouped by section,
/// de-duplicated by line (an item can fail several rules).
fn open_by_section<'r, 'a>(c: &'r ChecklistReport<'a>) -> BTreeMap<(usize, String), Vec<(&'r OpenItem<'a>, Level)>> {
    let mut seen = std::collections::HashSet::new();
    let mut groups: BTreeMap<(usize, String), Vec<(&OpenItem<'a>, Level)>> = BTreeMap::new();
    let mut order: BTreeMap<String, usize> = BTreeMap::new();
    let mut failing: Vec<&RequirementReport> = c.requirements.iter().filter(|r| !r.passed).collect();
    failing.sort_by_key(|r| r.level == Level::Warn);
    // A document title shared by every open item adds nothing to each group.
    let mut firsts = failing
        .iter()
        .flat_map(|r| &r.open)
        .map(|o| o.section.titles().first().copied());
    let shared_root = match firsts.next() {
        Some(Some(first)) if firsts.all(|f| f == Some(first)) => 1,
        _ => 0,
    };
    for r in failing {
        for o in &r.open {
            if !seen.insert((o.line, o.text.as_ref())) {
                continue;
            }
            let section = o.section.titles();
            let path = section.get(shared_root..).unwrap_or_default();
            let title = match (path.is_empty(), section.is_empty()) {
                (_, true) => "(no heading)".to_string(),
                (true, false) => section.join(" › "),
                (false, false) => path.join(" › "),
            };
            let rank = *order.entry(title.clone()).or_insert(o.line);
            groups.entry((rank, title)).or_default().push((o, r.level));
        }
    }
    groups
}

/// The items `except` patterns took out of a checklist's rules, once each,
/// folded: they are listed so nobody wonders why an open box did not count.
fn optional_items(b: &mut Budget, c: &ChecklistReport, opts: &MarkdownOptions) {
    let mut seen = std::collections::HashSet::new();
    let items: Vec<_> = c
        .requirements
        .iter()
        .flat_map(|r| &r.optional)
        .filter(|o| seen.insert(o.line))
        .collect();
    if items.is_empty() {
        return;
    }
    let summary = format!(
        "{}, not required (matched by <code>except</code>)",
        count(items.len(), "optional item", "optional items")
    );
    let lines = items.into_iter().map(|o| {
        let state = if o.checked { "checked" } else { "not checked" };
        format!(
            "- {} — {state} · {}",
            escape_markdown(&o.text),
            reference(&c.path, o.line, opts)
        )
    });
    folded(b, &summary, lines);
}

/// A list folded under a `<details>` summary.
fn folded(b: &mut Budget, summary: &str, lines: impl Iterator<Item = String>) {
    b.push("");
    b.push(&format!("<details><summary>{summary}</summary>"));
    b.push("");
    for line in lines {
        b.push(&line);
    }
    b.push("");
    b.push("</details>");
}

/// The PR comment and job summary body. Never longer than `opts.max_chars`.
pub fn markdown(report: &Report, opts: &MarkdownOptions) -> String {
    // Leave room for the closing summary line.
    let reserve = 400;
    let mut b = Budget {
        out: String::new(),
        limit: opts.max_chars.saturating_sub(reserve),
        dropped: 0,
    };
    let (total, failing, warnings) = tally(report);
    let headline = if report.pending {
        let waiting: Vec<String> = report.waiting_for().iter().map(|n| escape_markdown(n)).collect();
        format!(
            "## ⏳ checkgate: waiting for: {}\n\nNothing has failed. The check run stays in progress until this evidence reports on the head commit; the run it triggers then completes it.",
            waiting.join(", ")
        )
    } else if report.checklists.is_empty() {
        "## ✅ checkgate: nothing was checked".to_string()
    } else if report.passed {
        match total {
            1 => "## ✅ checkgate: the 1 requirement holds".to_string(),
            n => format!("## ✅ checkgate: all {n} requirements hold"),
        }
    } else {
        format!("## ❌ checkgate: {failing} of {total} requirements failing")
    };
    b.push(&headline);
    match warnings {
        0 => true,
        1 => b.push("\n⚠️ 1 warning-level requirement is not met (it does not block the merge)."),
        n => b.push(&format!(
            "\n⚠️ {n} warning-level requirements are not met (they do not block the merge)."
        )),
    };
    b.push("");
    b.push("| Checklist | Checked | Requirements |");
    b.push("|---|---|---|");
    for c in &report.checklists {
        let failed = c
            .requirements
            .iter()
            .filter(|r| !r.passed && r.level == Level::Deny)
            .count();
        let waiting = c
            .requirements
            .iter()
            .filter(|r| !r.passed && r.level == Level::Deny && r.code == Code::EvidencePending)
            .count();
        let state = if failed == 0 {
            format!("✅ {} hold", c.requirements.len())
        } else if failed == waiting {
            format!("⏳ {waiting} of {} waiting for evidence", c.requirements.len())
        } else {
            format!("❌ {failed} of {} failing", c.requirements.len())
        };
        b.push(&format!(
            "| {} | {} / {} | {state} |",
            escape_markdown(&c.path),
            c.checked,
            c.total
        ));
    }
    for c in &report.checklists {
        b.push("");
        b.push(&format!("### {}", escape_markdown(&c.path)));
        b.push("");
        if !c.requirements.is_empty() {
            b.push("| | Requirement | Result |");
            b.push("|---|---|---|");
            for r in &c.requirements {
                b.push(&format!(
                    "| {} | {} | {} |",
                    icon(r),
                    escape_markdown(&r.rule),
                    escape_markdown(&r.message)
                ));
            }
        }
        let with_evidence: Vec<&RequirementReport> = c.requirements.iter().filter(|r| !r.evidence.is_empty()).collect();
        if !with_evidence.is_empty() {
            b.push("");
            b.push("**Evidence** (what GitHub shows for the ticked items)");
            b.push("");
            for r in with_evidence {
                for e in &r.evidence {
                    let link = match e.url.as_deref().filter(|u| safe_url(u)) {
                        Some(url) => format!(" · [details]({})", link_path(url)),
                        None => String::new(),
                    };
                    b.push(&format!(
                        "- {} {} — {}{link}",
                        evidence_icon(e.state),
                        escape_markdown(&e.message),
                        escape_markdown(&r.rule),
                    ));
                }
            }
        }
        for r in c.requirements.iter().filter(|r| !r.passed) {
            if let Some(help) = &r.help {
                b.push("");
                b.push(&format!(
                    "> **{}**: {}",
                    escape_markdown(&r.rule),
                    escape_markdown(help)
                ));
            }
        }
        let groups = open_by_section(c);
        if !groups.is_empty() {
            b.push("");
            b.push("**Open items**");
        }
        for ((_, title), items) in groups {
            // A section whose open items are all warnings says so once.
            let all_warn = items.iter().all(|(_, level)| *level == Level::Warn);
            b.push("");
            b.push(&format!(
                "**{}**{}",
                escape_markdown(&title),
                if all_warn { " (warning)" } else { "" }
            ));
            b.push("");
            for (i, (o, level)) in items.iter().enumerate() {
                if i == opts.fold_after {
                    b.push("<details><summary>");
                    b.push(&format!("{} more in this section", items.len() - opts.fold_after));
                    b.push("</summary>");
                    b.push("");
                }
                let mark = if *level == Level::Warn && !all_warn {
                    " (warning)"
                } else {
                    ""
                };
                let note = o
                    .note
                    .as_deref()
                    .map(|n| format!(" — {}", escape_markdown(n)))
                    .unwrap_or_default();
                // A plain bullet: `- [ ]` would render a checkbox anyone
                // with write access could tick inside the bot's comment.
                b.push(&format!(
                    "- {}{mark}{note} · {}",
                    item_markdown(shown_text(&o.text), &o.code),
                    match &o.url {
                        Some(url) => format!("[comment]({})", link_path(url)),
                        None => reference(&c.path, o.line, opts),
                    }
                ));
            }
            if items.len() > opts.fold_after {
                b.push("");
                b.push("</details>");
            }
        }
        optional_items(&mut b, c, opts);
        if !c.waived.is_empty() {
            let lines = c.waived.iter().map(|w| {
                let reason = w
                    .reason
                    .as_deref()
                    .map_or("**no reason given**".to_string(), escape_markdown);
                format!(
                    "- {} — {reason} · {}",
                    escape_markdown(shown_text(&w.text)),
                    reference(&c.path, w.line, opts)
                )
            });
            folded(&mut b, &count(c.waived.len(), "waived item", "waived items"), lines);
        }
        for n in &c.notes {
            b.push("");
            b.push(&format!("_{}_", escape_markdown(n)));
        }
    }
    for n in &report.notes {
        b.push("");
        b.push(&format!("_{}_", escape_markdown(n)));
    }
    let mut out = b.out;
    if b.dropped > 0 {
        // A fold may have been opened and not closed: close it so the rest of
        // the comment renders.
        if out.matches("<details>").count() > out.matches("</details>").count() {
            out.push_str("\n</details>\n");
        }
        let _ = write!(
            out,
            "\n**This report is too long for one comment; {} {} not shown.** Run `checkgate check` for the full list.\n",
            count(b.dropped, "more line", "more lines"),
            if b.dropped == 1 { "is" } else { "are" }
        );
    }
    out
}

/// Write rendered output to stdout, each line defused ([`sanitize::text`]):
/// in a workflow, stdout is a command channel. A closed pipe
/// (`checkgate list | head`) is not an error worth reporting.
pub fn emit(rendered: &str) {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let _ = sanitize::write_text(&mut out, rendered).and_then(|()| out.flush());
}

/// Write one line of defused JSON to stdout: `write` writes it (with
/// [`json::write_report`] or [`json::write_list`]) straight into the
/// output buffer.
pub fn emit_json(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    // Rust's stdout is line-buffered: it searches every piece written to it
    // for its last line end, which for one line of JSON means reading the
    // whole output once more. On Unix the JSON goes to the same file
    // descriptor through a buffer of its own (after what stdout holds, with
    // its lock held); elsewhere (a Windows console needs stdout's own
    // conversion) it goes through stdout.
    #[cfg(unix)]
    if let Some(fd) = out.flush().ok().and_then(|()| {
        use std::os::fd::AsFd;
        out.as_fd().try_clone_to_owned().ok()
    }) {
        // Smaller than the 64 KiB pieces the JSON writers defuse: a piece
        // goes to the file without a copy, the few bytes of an escape are
        // gathered here.
        let mut direct = std::io::BufWriter::with_capacity(1 << 13, std::fs::File::from(fd));
        let _ = write(&mut direct)
            .and_then(|()| direct.write_all(b"\n"))
            .and_then(|()| direct.flush());
        return;
    }
    let _ = write(&mut out)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
}

/// Write workflow commands built by [`github_commands`] to stdout as they are.
pub fn emit_commands(commands: &str) {
    write_stdout(commands);
}

fn write_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Write an error message to stderr, one line per line of `message`, each
/// defused: it may quote a heading, a path or a server's words.
pub fn emit_error(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{}", sanitize::text(message));
}

/// Workflow commands that annotate each open item's line in the PR's diff.
pub fn github_commands(report: &Report) -> String {
    let mut out = String::new();
    for c in &report.checklists {
        let is_file = c.path != Source::PrBody.display();
        for r in c.requirements.iter().filter(|r| !r.passed) {
            let command = match (r.level, r.code) {
                (_, Code::EvidencePending) => "notice",
                (Level::Deny, _) => "error",
                (Level::Warn, _) => "warning",
            };
            let title = format!("checkgate: {}", r.rule);
            if r.open.is_empty() {
                let props: &[(&str, &str)] = if is_file {
                    &[("file", &c.path), ("title", &title)]
                } else {
                    &[("title", &title)]
                };
                out.push_str(&sanitize::command(command, props, &r.message));
                continue;
            }
            for o in &r.open {
                let what = match &o.note {
                    // An evidence note is the rule's message: said once.
                    Some(n) if *n == r.message => format!("{} — {n}", shown_text(&o.text)),
                    Some(n) => format!("{} ({n}) — {}", shown_text(&o.text), r.message),
                    None => format!("open: {} — {}", shown_text(&o.text), r.message),
                };
                let line = o.line.to_string();
                let props: &[(&str, &str)] = if is_file {
                    &[("file", &c.path), ("line", &line), ("title", &title)]
                } else {
                    &[("title", &title)]
                };
                out.push_str(&sanitize::command(command, props, &what));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_stay_code_and_inert() {
        let text = "run pytest -v then $x$ and a`b";
        assert_eq!(
            item_markdown(text, &[4..13, 20..21, 27..30]),
            "run `pytest -v` then <span>$</span>`x`<span>$</span> and ``a`b``"
        );
        // Ranges that do not fit the text leave it plain, escaped as before.
        assert_eq!(
            item_markdown("a `b` @c", std::slice::from_ref(&(5..99))),
            escape_markdown("a `b` @c")
        );
        assert_eq!(item_markdown("`edge`", std::slice::from_ref(&(0..6))), "`` `edge` ``");
    }

    fn report(open: usize) -> Report<'static> {
        let items = (0..open)
            .map(|i| OpenItem {
                line: i + 10,
                text: format!("item {i} @alice <b>x</b>").into(),
                section: vec!["Top".to_string(), "Must Have".to_string()].into(),
                note: None,
                url: None,
                code: Vec::new(),
                evidence: vec![],
            })
            .collect();
        Report::new(
            vec![ChecklistReport {
                path: "docs/READY.md".into(),
                total: open + 1,
                checked: 1,
                requirements: vec![RequirementReport {
                    rule: "section: Must Have".into(),
                    level: Level::Deny,
                    passed: open == 0,
                    code: if open == 0 { Code::Ok } else { Code::OpenItem },
                    open: items,
                    message: format!("{open} of {} items open", open + 1),
                    checked: 1,
                    total: open + 1,
                    help: None,
                    optional: vec![],
                    evidence: vec![],
                }],
                waived: vec![],
                notes: vec![],
            }],
            vec![],
        )
    }

    #[test]
    fn markdown_escapes_mentions_and_html() {
        let md = markdown(&report(1), &MarkdownOptions::default());
        assert!(md.contains("@&#8203;alice"), "{md}");
        assert!(md.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(!md.contains("<b>"));
        assert!(md.contains("docs/READY.md#L10"));
    }

    #[test]
    fn markdown_links_with_a_base() {
        let opts = MarkdownOptions {
            link_base: Some("https://github.com/o/r/blob/abc/".into()),
            ..MarkdownOptions::default()
        };
        let md = markdown(&report(1), &opts);
        assert!(
            md.contains("](https://github.com/o/r/blob/abc/docs/READY.md#L10)"),
            "{md}"
        );
    }

    #[test]
    fn long_lists_fold_and_huge_ones_stay_under_the_limit() {
        let md = markdown(&report(15), &MarkdownOptions::default());
        assert!(md.contains("<details><summary>"));
        assert!(md.contains("5 more in this section"));
        let huge = markdown(&report(20_000), &MarkdownOptions::default());
        assert!(huge.chars().count() <= 60_000, "{}", huge.chars().count());
        assert!(huge.contains("too long for one comment"));
        assert_eq!(huge.matches("<details>").count(), huge.matches("</details>").count());
        // Summarised at an item boundary: every item line is whole.
        for line in huge.lines().filter(|l| l.starts_with("- item")) {
            assert!(line.ends_with(')') || line.contains("#L"), "{line}");
        }
    }

    #[test]
    fn the_report_output_stays_under_githubs_limit_and_says_what_it_left_out() {
        // 10,000 open items made a 1.3 MB `report` output; GitHub allows 1 MB.
        let big = report(20_000);
        assert!(json(&big).len() > REPORT_OUTPUT_MAX_BYTES);
        let out = json_bounded(&big, REPORT_OUTPUT_MAX_BYTES);
        assert!(out.len() <= REPORT_OUTPUT_MAX_BYTES, "{}", out.len());
        let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(v["truncated"], true);
        assert_eq!(v["passed"], false);
        let req = &v["checklists"][0]["requirements"][0];
        let kept = req["open"].as_array().unwrap().len();
        assert!(kept > 1000, "as many items as fit: {kept}");
        assert_eq!(kept as u64 + req["open_omitted"].as_u64().unwrap(), 20_000);
        assert_eq!(v["omitted"]["open"], req["open_omitted"]);
        assert_eq!(req["total"], 20_001, "counts still describe the whole checklist");
        assert_eq!(req["open"][0]["line"], 10, "the first items are kept");
        // A small report is the plain JSON report.
        assert_eq!(json_bounded(&report(3), REPORT_OUTPUT_MAX_BYTES), json(&report(3)));
        // A cap below even the skeleton leaves the verdict and totals.
        let tiny: serde_json::Value = serde_json::from_str(&json_bounded(&big, 100)).unwrap();
        assert_eq!(tiny["truncated"], true);
        assert_eq!(tiny["total"], 20_001);
    }

    #[test]
    fn github_annotations_escape_properties_and_data() {
        let mut r = report(1);
        r.checklists[0].requirements[0].rule = "section: A, B: C".into();
        r.checklists[0].requirements[0].open[0].text = "50% done\nnext".into();
        let out = github_commands(&r);
        assert_eq!(
            out,
            "::error file=docs/READY.md,line=10,title=checkgate%3A section%3A A%2C B%3A C::open: 50%25 done%0Anext — 1 of 2 items open\n"
        );
    }

    #[test]
    fn verdict_counts_failures_and_warnings() {
        assert_eq!(verdict(&report(0)), "PASS: 1 requirement holds");
        assert_eq!(verdict(&report(2)), "FAIL: 1 of 1 requirements failing");
    }

    /// Issue 8 §2.7: item text made the bot's comment link URLs and
    /// cross-reference issues although this module said it did not.
    #[test]
    fn markdown_never_links_urls_or_references() {
        let cases = [
            ("see https://evil.example/x", "see https:&#8203;//evil.example/x"),
            ("HTTP://A.B", "HTTP:&#8203;//A.B"),
            ("go to www.evil.example", "go to www&#8203;.evil.example"),
            ("fixes #12 and org/repo#4", "fixes \\#&#8203;12 and org/repo\\#&#8203;4"),
            ("GH-3 and gh-45", "GH&#8203;-3 and gh&#8203;-45"),
            (
                "ping @alice, mail bob@example.com",
                "ping @&#8203;alice, mail bob@&#8203;example.com",
            ),
            ("heading # title, a-1, www, x:/y", "heading \\# title, a-1, www, x:/y"),
        ];
        for (text, want) in cases {
            assert_eq!(escape_markdown(text), want, "{text}");
        }
        let md = markdown(&report(1), &MarkdownOptions::default());
        assert!(!md.contains("@alice"), "{md}");
    }
}
