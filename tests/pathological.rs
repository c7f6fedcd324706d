//! Adversarial markdown must never hang, overflow the stack or panic.
//!
//! A pull request author controls the checklist (and the PR body), so anything
//! they can write is an input. The cases follow CommonMark's and cmark's
//! pathological tests (deep nesting, delimiter and bracket bombs, unclosed
//! constructs, reference bombs) plus the shapes that matter for a task-list
//! reader: a million items, a 50 MB line, long runs of `[ ]`, wide tables.
//!
//! Each case runs on a thread with the stack a Linux main thread gets (8 MiB,
//! where the binary does its work) under a watchdog. The watchdog is not a
//! speed test: its deadline is generous, there only so that a hang or a
//! quadratic blowup fails the suite instead of stalling it. Each case also
//! asserts the exact result, so "finished" means "finished correctly".

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use checkgate::checklist::{self, Checklist};
use checkgate::engine::{self, EngineError, Loader};
use checkgate::eval::Context;
use checkgate::policy::{Policy, Source};

/// The main thread's stack on Linux (`ulimit -s` 8192), where `checkgate`
/// parses; a case that needs more would crash the real binary.
const MAIN_STACK: usize = 8 << 20;

/// Far above what any case takes even in a debug build on a busy machine,
/// far below what a quadratic case of these sizes would take.
const DEADLINE: Duration = Duration::from_secs(120);

/// Run `work` on its own thread; fail if it panics, overflows or outlives the
/// deadline.
fn bounded<T: Send + 'static>(name: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    thread::Builder::new()
        .name(name.to_string())
        .stack_size(MAIN_STACK)
        .spawn(move || {
            let _ = tx.send(work());
        })
        .expect("spawn worker thread");
    match rx.recv_timeout(DEADLINE) {
        Ok(value) => {
            eprintln!("{name}: {:.2?}", started.elapsed());
            value
        }
        Err(RecvTimeoutError::Timeout) => {
            panic!("{name}: still running after {DEADLINE:?}: a hang or a superlinear blowup")
        }
        Err(RecvTimeoutError::Disconnected) => panic!("{name}: the parser panicked (see above)"),
    }
}

/// Parse `markdown` under the watchdog.
fn parse(name: &str, markdown: String) -> Checklist {
    bounded(name, move || checklist::parse("bomb.md", &markdown))
}

fn lines_and_states(list: &Checklist) -> Vec<(usize, bool)> {
    list.items.iter().map(|i| (i.line(), i.checked)).collect()
}

#[test]
fn list_nested_100_000_deep_on_one_line() {
    let depth = 100_000;
    let list = parse("nested lists", "- ".repeat(depth) + "[x] deep\n");
    assert_eq!(lines_and_states(&list), vec![(1, true)]);
    assert_eq!(list.text(&list.items[0]), "deep");
    assert_eq!(list.items[0].depth(), depth - 1);
}

#[test]
fn ordered_list_nested_100_000_deep() {
    let depth = 100_000;
    let list = parse("nested ordered lists", "1. ".repeat(depth) + "[ ] deep\n");
    assert_eq!(lines_and_states(&list), vec![(1, false)]);
    assert_eq!(list.items[0].depth(), depth - 1);
}

#[test]
fn task_items_nested_in_each_other_10_000_deep() {
    // Every level is itself a task item, so each has a parent to find.
    let depth = 10_000;
    let list = parse(
        "nested task items",
        "- [ ] a\n".to_string() + &"- [x] ".repeat(depth) + "leaf\n",
    );
    assert_eq!(
        list.items.len(),
        1 + 1,
        "only the innermost box on a line is a task marker"
    );
}

#[test]
fn blockquotes_nested_100_000_deep() {
    let depth = 100_000;
    let list = parse("nested blockquotes", "> ".repeat(depth) + "- [ ] quoted\n");
    assert_eq!(lines_and_states(&list), vec![(1, false)]);
    assert_eq!(list.text(&list.items[0]), "quoted");
}

#[test]
fn blockquotes_without_spaces_100_000_deep() {
    let list = parse(
        "nested blockquotes, no spaces",
        ">".repeat(100_000) + "- [x] q\n- [ ] r\n",
    );
    assert_eq!(list.items.len(), 2);
}

#[test]
fn one_million_items() {
    let n = 1_000_000;
    let mut md = String::with_capacity(n * 24);
    md.push_str("# Checklist\n\n");
    for i in 0..n {
        md.push_str(if i % 3 == 0 { "- [x] item " } else { "- [ ] item " });
        md.push_str(&i.to_string());
        md.push('\n');
    }
    let list = parse("a million items", md);
    assert_eq!(list.items.len(), n);
    assert_eq!(list.checked(), n.div_ceil(3));
    assert_eq!(list.items[n - 1].line(), n + 2);
    assert_eq!(list.text(&list.items[n - 1]), format!("item {}", n - 1));
    assert!(list.items.iter().all(|i| i.section() == Some(0)));
}

#[test]
fn one_million_headings_with_an_item_each() {
    let n = 200_000;
    let mut md = String::new();
    for i in 0..n {
        md.push_str(&format!("{} H{i}\n- [ ] x\n", "#".repeat(1 + i % 6)));
    }
    let list = parse("many headings", md);
    assert_eq!(list.items.len(), n);
    assert_eq!(list.sections.len(), n);
    assert_eq!(
        list.section_path(list.items[5].section()),
        ["H0", "H1", "H2", "H3", "H4", "H5"]
    );
}

#[test]
fn fifty_megabyte_single_line_item() {
    let words = 25 << 20;
    let mut md = String::with_capacity(2 * words + 16);
    md.push_str("- [ ] ");
    for _ in 0..words {
        md.push_str("a ");
    }
    let list = parse("50 MB line", md);
    assert_eq!(lines_and_states(&list), vec![(1, false)]);
    assert_eq!(list.text(&list.items[0]).len(), 2 * words - 1);
}

#[test]
fn long_line_of_boxes() {
    // `[ ]` without a list marker is just text; after one it is one item whose
    // text is the rest of the boxes. 8 MB, not 50: every bracket is a node in
    // pulldown-cmark's tree, about 50 bytes of memory per input byte (linear,
    // but 2.5 GB at 50 MB; docs/performance.md has the figures).
    let runs = 8 << 20 >> 2;
    let list = parse("8 MB of [ ] ", "[ ] ".repeat(runs));
    assert!(list.items.is_empty());
    let list = parse("item of [ ] runs", "- [ ] ".to_string() + &"[ ]".repeat(1 << 20));
    assert_eq!(list.items.len(), 1);
    assert!(list.text(&list.items[0]).starts_with("[ ][ ]"));
}

#[test]
fn long_runs_of_list_markers_and_boxes() {
    let list = parse("- [ ] repeated on a line", "- [ ] ".repeat(100_000));
    // Each `- ` opens a nested item; only the innermost `[ ]` before text is
    // a task marker, the outer ones are text of nothing (no paragraph yet).
    assert!(list.items.len() <= 100_000);
    let list = parse("[x] without marker, many lines", "[x]\n".repeat(1_000_000));
    assert!(list.items.is_empty());
}

#[test]
fn nested_brackets_10_000_deep() {
    let n = 10_000;
    let list = parse(
        "nested brackets",
        format!("- [ ] {}a{}\n", "[".repeat(n), "]".repeat(n)),
    );
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.text(&list.items[0]).len(), 2 * n + 1);
    let n = 100_000;
    let list = parse(
        "nested brackets, larger",
        format!("- [x] {}a{}\n", "[".repeat(n), "]".repeat(n)),
    );
    assert_eq!(lines_and_states(&list), vec![(1, true)]);
}

#[test]
fn nested_links_and_images() {
    let n = 50_000;
    let list = parse(
        "nested links",
        format!("- [ ] {}a{}\n", "[".repeat(n), "](u)".repeat(n)),
    );
    assert_eq!(list.items.len(), 1);
    let list = parse(
        "nested images",
        format!("- [ ] {}a{}\n", "![".repeat(n), "](u)".repeat(n)),
    );
    assert_eq!(list.items.len(), 1);
}

#[test]
fn unclosed_code_fence_hides_every_box_after_it() {
    let n = 200_000;
    let list = parse(
        "unclosed fence",
        "- [ ] before\n\n```\n".to_string() + &"- [ ] fake\n".repeat(n),
    );
    assert_eq!(lines_and_states(&list), vec![(1, false)]);
    let list = parse(
        "unclosed tilde fence in item",
        "- [ ] a\n  ~~~\n".to_string() + &"  - [x] fake\n".repeat(n),
    );
    assert_eq!(list.items.len(), 1);
}

#[test]
fn many_code_fence_openers_of_growing_length() {
    // cmark's "backticks" case: spans of 1, 2, 3 … backticks that never close.
    let mut md = "- [ ] x ".to_string();
    for i in 1..=5_000 {
        md.push('e');
        md.push_str(&"`".repeat(i));
    }
    let list = parse("backtick runs", md);
    assert_eq!(list.items.len(), 1);
}

#[test]
fn emphasis_bombs() {
    let n = 100_000;
    let cases = [
        (
            "nested strong emph",
            format!("{}b{}", "*a **a ".repeat(n), " a** a*".repeat(n)),
        ),
        ("closers without openers", "a_ ".repeat(n)),
        ("openers without closers", "_a ".repeat(n)),
        ("mismatched openers and closers", "*a_ ".repeat(n)),
        ("openers and closers multiple of 3", format!("a**b{}", "c* ".repeat(n))),
        ("link openers and emph closers", "[ a_".repeat(n)),
        ("strikethrough runs", "~~a ~a ".repeat(n)),
        ("mixed delimiter soup", "**x [a*b**c*](d)".repeat(n)),
    ];
    for (name, inline) in cases {
        let list = parse(name, format!("- [ ] {inline}\n"));
        assert_eq!(list.items.len(), 1, "{name}");
        assert!(!list.text(&list.items[0]).is_empty(), "{name}");
    }
}

#[test]
fn bracket_and_link_bombs() {
    let n = 100_000;
    let cases = [
        ("link closers without openers", "a]".repeat(n)),
        ("link openers without closers", "[a".repeat(n)),
        ("pattern [ (](", "[ (](".repeat(n)),
        ("unclosed links A", "[a](<b".repeat(n)),
        ("unclosed links B", "[a](b".repeat(n)),
        ("unclosed autolinks", "<a".repeat(n)),
        ("unclosed html comments", "<!--".repeat(n)),
        ("unclosed processing instructions", "<?".repeat(n)),
        ("entity-like runs", "&#".repeat(n)),
        ("nul bytes", "\0".repeat(n)),
    ];
    for (name, inline) in cases {
        let list = parse(name, format!("- [x] {inline}\n"));
        assert_eq!(lines_and_states(&list), vec![(1, true)], "{name}");
    }
}

#[test]
fn link_reference_bombs() {
    let n = 100_000;
    // One definition used many times.
    // (Space-separated: `[a][a]` would be one full reference link.)
    let md = format!("[a]: http://x\n\n- [ ] {}\n", "[a] ".repeat(n));
    let list = parse("one reference used many times", md);
    assert_eq!(list.items.len(), 1);
    // pulldown-cmark stops expanding references after about as many as the
    // input has bytes (its defence against output bombs); the rest stay text.
    let text = &list.text(&list.items[0]);
    assert!(text.starts_with("a a a "), "{}", &text[..40]);
    assert_eq!(text.split(' ').count(), n);
    assert!(text.split(' ').all(|w| w == "a" || w == "[a]"));
    // Many distinct definitions, each used once.
    let mut md = String::new();
    for i in 0..n {
        md.push_str(&format!("[r{i}]: http://x/{i}\n"));
    }
    md.push_str("\n- [x] ");
    for i in 0..n {
        md.push_str(&format!("[r{i}]"));
    }
    let list = parse("many references", md);
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].line(), n + 2);
    // Definitions whose labels collide after case folding and whitespace
    // collapsing (cmark's hash-collision case in spirit).
    let mut md = String::new();
    for i in 0..n {
        md.push_str(&format!("[{}a]: /{i}\n", " ".repeat(i % 3)));
    }
    md.push_str("\n- [ ] [A] [ a]\n");
    let list = parse("colliding references", md);
    assert_eq!(list.items.len(), 1);
}

#[test]
fn wide_table_with_many_rows() {
    // A GFM table pads every body row to the header's width, so a wide header
    // with many one-cell rows could multiply into cells nobody wrote (cmark-gfm
    // once went quadratic this way). A list item ends the table.
    let cols = 10_000;
    let rows = 10_000;
    let mut md = String::new();
    md.push('|');
    md.push_str(&"a|".repeat(cols));
    md.push_str("\n|");
    md.push_str(&"-|".repeat(cols));
    md.push('\n');
    md.push_str(&"- [ ] x\n".repeat(rows));
    md.push_str("\n- [x] after\n");
    let list = parse("wide table", md);
    assert_eq!(list.items.len(), rows + 1);
    assert_eq!(list.items[0].line(), 3);

    md = String::new();
    md.push('|');
    md.push_str(&"a|".repeat(cols));
    md.push_str("\n|");
    md.push_str(&"-|".repeat(cols));
    md.push('\n');
    md.push_str(&"- [ ] in a cell, not an item |\n".replace("- ", "").repeat(rows));
    md.push_str("\n- [x] after\n");
    let list = parse("wide table, one-cell rows", md);
    assert_eq!(lines_and_states(&list), vec![(rows + 4, true)]);
}

#[test]
fn html_blocks_and_comments_that_never_close() {
    let n = 200_000;
    let list = parse("unclosed comment", "<!--\n".to_string() + &"- [ ] hidden\n".repeat(n));
    assert!(list.items.is_empty());
    let list = parse(
        "unclosed script",
        "<script>\n".to_string() + &"- [ ] hidden\n".repeat(n),
    );
    assert!(list.items.is_empty());
    let list = parse("many divs", "<div>\n".repeat(n) + "\n- [x] visible\n");
    assert_eq!(list.items.len(), 1);
}

#[test]
fn crlf_and_lone_cr_line_endings_at_scale() {
    let n = 200_000;
    let list = parse("crlf", "- [ ] a\r\n".repeat(n));
    assert_eq!(list.items.len(), n);
    assert_eq!(list.items[n - 1].line(), n);
    let list = parse("lone cr", "- [x] a\r".repeat(n));
    assert_eq!(list.items.len(), n);
}

/// Serves one markdown text for every file checklist of a policy.
struct OneFile(String);

impl Loader for OneFile {
    fn head(&self, _source: &Source) -> Result<Option<String>, EngineError> {
        Ok(Some(self.0.clone()))
    }
}

#[test]
fn check_a_million_items_against_a_policy() {
    let n = 1_000_000;
    let mut md = String::from("# Release\n\n## Must Have\n\n");
    for i in 0..n {
        md.push_str(if i % 2 == 0 { "- [x] " } else { "- [ ] " });
        md.push_str("Step ");
        md.push_str(&i.to_string());
        md.push_str(" ✅ ðŸ”´\n");
    }
    let policy = Policy::parse(
        "policy.toml",
        r#"
version = 1
[[checklist]]
path = "BOMB.md"
[[checklist.require]]
section = "Must Have"
[[checklist.require]]
item = "Step 7"
[[checklist.require]]
item-regex = "(?i)step 9+ "
level = "warn"
"#,
    )
    .expect("policy parses");
    let report = bounded("check a million items", move || {
        engine::check(&policy, &OneFile(md), &Context::default()).expect("check runs")
    });
    assert!(!report.passed);
    assert_eq!(report.total(), n);
    assert_eq!(report.checked(), n / 2);
}
