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
mod markdown;
mod text;

pub use markdown::{MarkdownOptions, escape_markdown, item_markdown, markdown};
pub use text::{emit_text, text};

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
                more: None,
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
