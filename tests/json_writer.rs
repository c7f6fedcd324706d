//! The JSON writers of `report::json` against serde_json: the same bytes for
//! every checklist of the shared corpus (`list --format json` and a report
//! with every kind of list), for a report that sets every optional field,
//! and for strings holding every character that JSON escapes or that
//! defusing rewrites.

mod common;

use std::borrow::Cow;

use checkgate::checklist::{self, Checklist, SectionPath, Waiver};
use checkgate::eval::{ChecklistReport, Code, More, OpenItem, OptionalItem, Report, RequirementReport, WaivedItem};
use checkgate::evidence::{Entry, Kind, State};
use checkgate::policy::{Level, Policy};
use checkgate::{engine, report, sanitize};
use serde::Serialize;

/// `list --format json` as it was serialised with serde before the writer:
/// the reference the writer must match.
#[derive(Serialize)]
struct ListedItem<'a> {
    line: usize,
    checked: bool,
    text: &'a str,
    section: SectionPath<'a>,
    depth: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiver: Option<Waiver<'a>>,
}

#[derive(Serialize)]
struct ListedFile<'a> {
    path: &'a str,
    items: Vec<ListedItem<'a>>,
}

fn serde_list(list: &Checklist) -> String {
    let items = list
        .items
        .iter()
        .map(|i| ListedItem {
            line: i.line(),
            checked: i.checked,
            text: list.text(i),
            section: list.section_at(i.section()),
            depth: i.depth(),
            parent: i.parent().map(|p| list.items[p].line()),
            waiver: list.waiver(i),
        })
        .collect();
    sanitize::to_json(&ListedFile {
        path: &list.path,
        items,
    })
}

fn written_list(list: &Checklist) -> String {
    String::from_utf8(report::json::write_list(Vec::new(), list).expect("write to a vector")).expect("UTF-8")
}

/// A policy whose rules leave open, optional and waived items in any
/// checklist with items, so that every list of the report is written.
const POLICY: &str = r##"
version = 1

[[checklist]]
path = "READY.md"

[[checklist.require]]
all = true
level = "warn"
help = "Ask \"#oncall\" :: if an item is blocked."

[[checklist.require]]
all = true
except = ["(?i)^[a-m]"]
"##;

#[test]
fn every_corpus_checklist_lists_and_reports_as_serde_json_writes_it() {
    let Some(corpus) = common::corpus() else { return };
    let policy = Policy::parse("checkgate.toml", POLICY).expect("policy");
    let files = common::corpus_files(&corpus);
    assert!(files.len() >= 5, "the corpus has checklists");
    let (mut open, mut reports) = (0, 0);
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        let list = checklist::parse(&file.display().to_string(), &text);
        assert_eq!(written_list(&list), serde_list(&list), "list of {}", file.display());

        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("READY.md"), &text).expect("write");
        // A checklist without items makes the rules policy errors.
        let report = match engine::check_dir(&policy, dir.path()) {
            Ok(report) => report,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                continue;
            }
        };
        reports += 1;
        open += report.checklists[0].requirements[0].open.len();
        assert_eq!(
            report::json(&report),
            sanitize::to_json(&report),
            "report of {}",
            file.display()
        );
    }
    assert!(reports * 2 > files.len(), "{reports} reports of {} files", files.len());
    assert!(open > 100, "the reports list open items ({open})");
}

fn entry(name: &str) -> Entry {
    Entry {
        kind: Kind::Check,
        name: name.to_string(),
        state: State::Failed,
        url: Some("https://github.com/o/r/actions/runs/1".to_string()),
        message: format!("check `{name}` failed"),
    }
}

/// Characters JSON escapes, characters defusing rewrites, and neighbours
/// of each.
const AWKWARD: &str =
    "a\"b\\c\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1f} ~\u{7f}\u{80}\u{9f}\u{a0}é✅\u{2028}\u{2029}::x##[y]$z$ @team";

#[test]
fn a_report_with_every_optional_field_is_written_as_serde_json_writes_it() {
    let md = "# Ready ✅\n## Must \"Have\"\n- [ ] one\n- [x] ~~two~~ N/A: later\n";
    let list = checklist::parse("READY.md", md);
    let open = OpenItem {
        line: 3,
        text: Cow::Borrowed(AWKWARD),
        section: list.section_at(list.items[0].section()),
        note: Some(Cow::Borrowed("waived without a reason: write `N/A: <why>`")),
        more: Some(Box::new(More {
            url: Some(Cow::Borrowed("https://github.com/o/r/pull/1#issuecomment-1")),
            code: vec![0..1, 2..3],
            evidence: vec![entry("test"), entry(AWKWARD)],
        })),
    };
    let bare = OpenItem {
        line: 9,
        text: Cow::Owned(String::new()),
        section: SectionPath::Titles(Vec::new()),
        note: None,
        more: None,
    };
    // Boxed, but with nothing in it: written as without it.
    let empty_more = OpenItem {
        more: Some(Box::default()),
        ..bare.clone()
    };
    let owned_titles = OpenItem {
        section: SectionPath::Titles(vec![AWKWARD.to_string(), "Must".to_string()]),
        ..bare.clone()
    };
    let requirement = RequirementReport {
        rule: format!("section: {AWKWARD}"),
        level: Level::Warn,
        passed: false,
        code: Code::WaiverWithoutReason,
        open: vec![open, bare.clone(), owned_titles, empty_more],
        message: "3 of 4 items open".to_string(),
        checked: 1,
        total: 4,
        help: Some(AWKWARD.to_string()),
        optional: vec![
            OptionalItem {
                line: 4,
                text: Cow::Borrowed("two"),
                checked: true,
                section: list.section_at(list.items[1].section()),
            },
            OptionalItem {
                line: 5,
                text: Cow::Borrowed(AWKWARD),
                checked: false,
                section: SectionPath::Titles(Vec::new()),
            },
        ],
        evidence: vec![entry("build")],
    };
    let plain = RequirementReport {
        rule: "item: one".to_string(),
        level: Level::Deny,
        passed: true,
        code: Code::Ok,
        open: Vec::new(),
        message: "checked".to_string(),
        checked: 1,
        total: 1,
        help: None,
        optional: Vec::new(),
        evidence: Vec::new(),
    };
    let checklist = ChecklistReport {
        path: format!("docs/{AWKWARD}.md"),
        total: 4,
        checked: 1,
        requirements: vec![requirement, plain],
        waived: vec![
            WaivedItem {
                line: 4,
                text: Cow::Borrowed("two"),
                reason: Some(Cow::Borrowed(AWKWARD)),
            },
            WaivedItem {
                line: 6,
                text: Cow::Borrowed("three"),
                reason: None,
            },
        ],
        notes: vec![AWKWARD.to_string()],
    };
    let empty = ChecklistReport {
        path: "empty.md".to_string(),
        total: 0,
        checked: 0,
        requirements: Vec::new(),
        waived: Vec::new(),
        notes: Vec::new(),
    };
    for (pending, notes) in [(true, vec!["skipped: draft".to_string()]), (false, Vec::new())] {
        let report = Report {
            passed: false,
            pending,
            checklists: vec![checklist.clone(), empty.clone()],
            notes,
        };
        let written = report::json(&report);
        assert_eq!(written, sanitize::to_json(&report));
        // And it is defused: no command, no separator a reader could split on.
        assert!(!written.contains("::") && !written.contains("##[") && !written.contains('\u{2028}'));
        // The owned copy writes the same.
        assert_eq!(report::json(&report.clone().into_owned()), written);
    }
}

/// Every character below U+0800 and a spread above, at every offset from
/// an eight-byte boundary and in runs, escaped as serde_json escapes it.
#[test]
fn strings_are_escaped_as_serde_json_escapes_them() {
    let mut chars: Vec<char> = (0u32..0x800).filter_map(char::from_u32).collect();
    chars.extend(['\u{2028}', '\u{2029}', '\u{feff}', '✅', '\u{10ffff}', '😀']);
    for &c in &chars {
        for pad in 0..9 {
            for tail in 0..9 {
                let s = format!("{}{c}{}", "x".repeat(pad), "y".repeat(tail));
                let mut written = Vec::new();
                report::json::write_string(&mut written, &s);
                let expected = serde_json::to_string(&s).expect("serialise");
                assert_eq!(
                    String::from_utf8(written).expect("UTF-8"),
                    expected,
                    "{c:?} after {pad}, before {tail}"
                );
            }
        }
    }
    // Runs of characters to escape, and escapes in every lane of a chunk.
    let runs = "\"\\\u{0}\n\"\"\\\\\u{1f}\u{1f}abcdefgh\u{7f}\u{7f}ij\"".repeat(5);
    let mut written = Vec::new();
    report::json::write_string(&mut written, &runs);
    assert_eq!(
        String::from_utf8(written).expect("UTF-8"),
        serde_json::to_string(&runs).expect("serialise")
    );
}

/// A report of one failing `all` rule over `READY.md` with these items:
/// what the long-array tests write.
fn one_rule_report<'a>(
    open: Vec<OpenItem<'a>>,
    optional: Vec<OptionalItem<'a>>,
    waived: Vec<WaivedItem<'a>>,
) -> Report<'a> {
    let total = open.len();
    Report {
        passed: false,
        pending: false,
        checklists: vec![ChecklistReport {
            path: "READY.md".to_string(),
            total,
            checked: 0,
            requirements: vec![RequirementReport {
                rule: "all".to_string(),
                level: Level::Deny,
                passed: false,
                code: Code::OpenItem,
                open,
                message: format!("{total} open"),
                checked: 0,
                total,
                help: None,
                optional,
                evidence: Vec::new(),
            }],
            waived,
            notes: Vec::new(),
        }],
        notes: Vec::new(),
    }
}

/// Arrays long enough to be written on two threads (from 16,384 items, in
/// chunks of 2,048) come out as serde_json writes them: every length
/// around the thresholds, odd and even chunk counts, a part chunk last.
#[test]
fn long_arrays_written_on_two_threads_are_written_as_serde_json_writes_them() {
    let md = "# Ready ✅\n## Must \"Have\"\n- [ ] one\n";
    let list = checklist::parse("READY.md", md);
    let texts = [
        AWKWARD,
        "plain",
        "",
        "ends with a colon:",
        ":starts with one",
        "##[group]x",
    ];
    for len in [16_383, 16_384, 16_385, 18_432, 20_480, 20_481, 41_000] {
        let open: Vec<OpenItem> = (0..len)
            .map(|n| OpenItem {
                line: n + 1,
                text: Cow::Borrowed(texts[n % texts.len()]),
                section: match n % 3 {
                    0 => list.section_at(list.items[0].section()),
                    1 => SectionPath::Titles(vec![texts[n % texts.len()].to_string()]),
                    _ => SectionPath::Titles(Vec::new()),
                },
                note: (n % 4 == 0).then_some(Cow::Borrowed(texts[(n + 1) % texts.len()])),
                more: (n % 5 == 0 || n % 1_000 == 0).then(|| {
                    Box::new(More {
                        url: (n % 5 == 0).then_some(Cow::Borrowed("https://github.com/o/r/pull/1#issuecomment-1")),
                        code: Vec::new(),
                        evidence: if n % 1_000 == 0 {
                            vec![entry("build")]
                        } else {
                            Vec::new()
                        },
                    })
                }),
            })
            .collect();
        let optional: Vec<OptionalItem> = (0..len)
            .map(|n| OptionalItem {
                line: n,
                text: Cow::Borrowed(texts[n % texts.len()]),
                checked: n % 2 == 0,
                section: SectionPath::Titles(Vec::new()),
            })
            .collect();
        let waived: Vec<WaivedItem> = (0..len)
            .map(|n| WaivedItem {
                line: n,
                text: Cow::Borrowed("w"),
                reason: (n % 2 == 0).then_some(Cow::Borrowed(AWKWARD)),
            })
            .collect();
        let report = one_rule_report(open, optional, waived);
        let written = report::json(&report);
        // `assert!`, not `assert_eq!`: a difference would print megabytes.
        assert!(
            written == sanitize::to_json(&report),
            "{len} items differ from serde_json"
        );
        assert!(
            !written.contains("::") && !written.contains("##["),
            "{len} items: not defused"
        );
    }
}

/// A reader that goes away (a closed pipe) while a long array is written on
/// two threads: the write fails with its error, and neither thread waits
/// for the other for ever.
#[test]
fn a_closed_output_stops_both_threads_of_a_long_array() {
    struct Closes(usize);
    impl std::io::Write for Closes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.0);
            self.0 -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let open: Vec<OpenItem<'static>> = (0..60_000)
        .map(|n| OpenItem {
            line: n + 1,
            text: Cow::Borrowed("an open item"),
            section: SectionPath::Titles(Vec::new()),
            note: None,
            more: None,
        })
        .collect();
    let report = one_rule_report(open, Vec::new(), Vec::new());
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Early, in the first chunks, and late, near the end.
        let early = report::json::write_report(Closes(100_000), &report)
            .err()
            .map(|e| e.kind());
        let late = report::json::write_report(Closes(2_000_000), &report)
            .err()
            .map(|e| e.kind());
        let _ = done.send((early, late));
    });
    let (early, late) = finished
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the writer returned");
    assert_eq!(early, Some(std::io::ErrorKind::BrokenPipe));
    assert_eq!(late, Some(std::io::ErrorKind::BrokenPipe));
}
