//! The markdown of the pull request comment and the job summary: requirement
//! tables, open items by section with links to their lines, evidence, all
//! escaped so nothing renders live, within a size budget GitHub accepts.

use super::*;

/// Escape text from a checklist for markdown: no HTML, no links, no
/// `@mentions`, no table breakage.
///
/// Markdown escapes are not enough against links: GitHub turns bare URLs
/// (`https://…`, `www.…`) and references (`#12`, `org/repo#4`, `GH-3`,
/// `@login`) into links and cross-references after rendering, in the text
/// itself. So a zero-width space (`ZWSP`) goes where each pattern needs its
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
pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A zero-width space, as an entity so it survives any editor.
pub(super) const ZWSP: &str = "&#8203;";

pub(super) fn link_path(path: &str) -> String {
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

pub(super) fn reference(path: &str, line: usize, opts: &MarkdownOptions) -> String {
    let label = format!("{}#L{line}", escape_markdown(path));
    match (&opts.link_base, path == Source::PrBody.display()) {
        (Some(base), false) => format!("[{label}]({base}{}#L{line})", link_path(path)),
        _ => label,
    }
}

/// Whether a URL an app reported (a check run's details, a status's target)
/// may be a link in the comment: `https://` and nothing that could end the
/// link or the line early.
pub(super) fn safe_url(url: &str) -> bool {
    url.starts_with("https://") && url.chars().all(|c| c.is_ascii_graphic() && !"<>\"`\\[]".contains(c))
}

pub(super) fn evidence_icon(state: EvidenceState) -> &'static str {
    match state {
        EvidenceState::Passed => "✅",
        EvidenceState::Failed => "❌",
        EvidenceState::Pending => "⏳",
        EvidenceState::Untrusted => "⚠️",
    }
}

pub(super) fn evidence_state(state: EvidenceState) -> &'static str {
    match state {
        EvidenceState::Passed => "passed",
        EvidenceState::Failed => "failed",
        EvidenceState::Pending => "pending",
        EvidenceState::Untrusted => "untrusted",
    }
}

pub(super) fn icon(r: &RequirementReport) -> &'static str {
    match (r.passed, r.level) {
        (true, _) => "✅",
        (false, _) if r.code == Code::EvidencePending => "⏳",
        (false, Level::Deny) => "❌",
        (false, Level::Warn) => "⚠️",
    }
}

/// Appends lines while they fit in a budget; counts what did not.
pub(super) struct Budget {
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
pub(super) fn open_by_section<'r, 'a>(
    c: &'r ChecklistReport<'a>,
) -> BTreeMap<(usize, String), Vec<(&'r OpenItem<'a>, Level)>> {
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
pub(super) fn optional_items(b: &mut Budget, c: &ChecklistReport, opts: &MarkdownOptions) {
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
pub(super) fn folded(b: &mut Budget, summary: &str, lines: impl Iterator<Item = String>) {
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
                    item_markdown(shown_text(&o.text), o.code()),
                    match o.url() {
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
