//! Markdown bytes → items → verdict → every report format: the path a pull
//! request's checklist takes. Bytes before the first NUL are the head, bytes
//! after it the base, so tamper and untick detection see two versions.
//!
//! Besides "no panic", the target checks what the rest of checkgate relies on:
//! item lines lie inside the file and parents and sections point backwards,
//! the report's JSON is written as serde_json writes it, and `list --format
//! json` reads back as the items it lists.
#![no_main]

use std::sync::LazyLock;

use checkgate::checklist::{self, Checklist};
use checkgate::engine::{self, EngineError, Loader};
use checkgate::eval::Context;
use checkgate::policy::{Policy, Source};
use checkgate::report::{self, MarkdownOptions};
use libfuzzer_sys::fuzz_target;

const POLICY: &str = r#"
version = 1
[[checklist]]
path = "FUZZ.md"
tamper = "deny"
untick = "warn"
[[checklist.require]]
section = "Must Have"
[[checklist.require]]
section = "Security"
min-checked = 1
[[checklist.require]]
item = "Rollback plan tested"
waivable = true
[[checklist.require]]
item-regex = "(?i)load test"
level = "warn"
[[checklist.require]]
item = "Security review"
approved-by = ["@acme/security", "alice"]
"#;

static FUZZ_POLICY: LazyLock<Policy> =
    LazyLock::new(|| Policy::parse("fuzz.toml", POLICY).expect("the fuzz target's own policy is valid"));

struct Versions {
    head: String,
    base: Option<String>,
}

impl Loader for Versions {
    fn head(&self, _source: &Source) -> Result<Option<String>, EngineError> {
        Ok(Some(self.head.clone()))
    }
    fn base(&self, _source: &Source) -> Result<Option<String>, EngineError> {
        Ok(self.base.clone())
    }
}

fn check_invariants(list: &Checklist, text: &str) {
    let lines = text.split('\n').count();
    for (index, item) in list.items.iter().enumerate() {
        assert!(
            item.line() >= 1 && item.line() <= lines,
            "item line {} outside 1..={lines}",
            item.line()
        );
        if let Some(parent) = item.parent() {
            assert!(parent < index, "parent {parent} of item {index} is not before it");
            assert!(list.items[parent].depth() < item.depth(), "parent is not shallower");
        }
        if let Some(section) = item.section() {
            assert!(section < list.sections.len());
        }
        let _ = list.section_path(item.section());
        let _ = list.waiver(item);
        let _ = checkgate::normalize::key(list.text(item));
    }
    for (index, section) in list.sections.iter().enumerate() {
        assert!(section.parent.is_none_or(|p| p < index));
    }
    // `list --format json` reads back as the items: the same texts, lines
    // and section paths.
    let written = report::json::write_list(Vec::new(), list).expect("write to a vector");
    let value: serde_json::Value = serde_json::from_slice(&written).expect("the list is JSON");
    let items = value["items"].as_array().expect("items");
    assert_eq!(items.len(), list.items.len());
    for (item, read) in list.items.iter().zip(items) {
        assert_eq!(read["text"].as_str(), Some(list.text(item)));
        assert_eq!(read["line"].as_u64(), Some(item.line() as u64));
        let path: Vec<&str> = read["section"]
            .as_array()
            .expect("section")
            .iter()
            .map(|t| t.as_str().expect("title"))
            .collect();
        assert_eq!(path, list.section_path(item.section()));
    }
}

fuzz_target!(|data: &[u8]| {
    let (head, base) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let Ok(head) = checklist::decode("FUZZ.md", head) else {
        return;
    };
    let base = base.and_then(|b| checklist::decode("FUZZ.md", b).ok());
    let list = checklist::parse("FUZZ.md", head);
    check_invariants(&list, head.strip_prefix('\u{feff}').map_or(head, |_| head));

    let loader = Versions {
        head: head.to_string(),
        base: base.map(str::to_string),
    };
    if let Ok(report) = engine::check(&FUZZ_POLICY, &loader, &Context::default()) {
        let _ = report::text(&report);
        assert_eq!(
            report::json(&report),
            checkgate::sanitize::to_json(&report),
            "the JSON writer must write what serde_json writes"
        );
        let _ = report::github_commands(&report);
        let markdown = report::markdown(&report, &MarkdownOptions::default());
        assert!(
            markdown.chars().count() <= 65_536,
            "the comment must fit GitHub's limit"
        );
    }
});
