//! checkgate against GitHub's renderer on every real checklist in the shared
//! corpus: `../shared/tools/gfm-oracle --github` (cmark-gfm plus github.com's
//! documented differences) must agree with us on each item's line and checked
//! state, including the task-list edge cases of `corpus/edge/` (a box with
//! nothing after it, a box in a heading, after a blank first line, ...).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use checkgate::checklist;

/// (line → checked) as the oracle sees the file, or `None` when the oracle
/// cannot run here.
fn oracle(tool: &Path, file: &Path) -> Option<BTreeMap<usize, bool>> {
    Some(
        oracle_items(tool, file)?
            .into_iter()
            .map(|(line, checked, _)| (line, checked))
            .collect(),
    )
}

/// (line, checked, text) of each item as the oracle sees the file, or `None`
/// when the oracle cannot run here.
fn oracle_items(tool: &Path, file: &Path) -> Option<Vec<(usize, bool, String)>> {
    let out = Command::new("python3")
        .arg(tool)
        .arg("--github")
        .arg(file)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("gfm-oracle failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("oracle JSON");
    let items = v["items"].as_array().expect("items array");
    Some(
        items
            .iter()
            .map(|i| {
                (
                    i["line"].as_u64().expect("line") as usize,
                    i["checked"].as_bool().expect("checked"),
                    i["text"].as_str().expect("text").to_string(),
                )
            })
            .collect(),
    )
}

#[test]
fn agrees_with_github_on_every_corpus_item() {
    let Some(corpus) = common::corpus() else { return };
    let tool = corpus.join("../tools/gfm-oracle");
    let files = common::corpus_files(&corpus);
    assert!(files.len() >= 40, "corpus unexpectedly small: {}", files.len());
    let mut disagreements = Vec::new();
    let mut compared = 0;
    for file in &files {
        let Some(expected) = oracle(&tool, file) else {
            if std::env::var_os("CI").is_some() {
                panic!("gfm-oracle could not run in CI (is cmark-gfm installed?)");
            }
            eprintln!(
                "SKIPPED: {}: gfm-oracle could not run (apt-get install -y cmark-gfm)",
                common::test_name()
            );
            return;
        };
        let bytes = std::fs::read(file).expect("read corpus file");
        let text = checklist::decode("x", &bytes).expect("corpus is UTF-8");
        let ours: BTreeMap<usize, bool> = checklist::parse("x", text)
            .items
            .iter()
            .map(|i| (i.line(), i.checked))
            .collect();
        let name = file.file_name().unwrap().to_string_lossy();
        for (line, checked) in &expected {
            compared += 1;
            match ours.get(line) {
                Some(c) if c == checked => {}
                Some(c) => disagreements.push(format!("{name}:{line}: oracle checked={checked}, ours {c}")),
                None => disagreements.push(format!("{name}:{line}: oracle has an item, we do not")),
            }
        }
        for line in ours.keys().filter(|l| !expected.contains_key(l)) {
            disagreements.push(format!("{name}:{line}: we have an item, the oracle does not"));
        }
    }
    eprintln!("compared {compared} items in {} files", files.len());
    assert!(compared > 1000, "too few items compared: {compared}");
    // Issue 18 §4: the README's intro quoted stale figures. The figures live
    // in one place, docs/policy.md, and this run checks them.
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policy.md")).unwrap();
    let thousands = |n: usize| {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let stated = format!(
        "over the {} files of `../shared/corpus` (seeds,\nchecklists and the edge cases in `edge/`): {} items, 0 disagreements.",
        files.len(),
        thousands(compared)
    );
    assert!(docs.contains(&stated), "docs/policy.md should say: {stated}");
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// Our own edge cases (`tests/fixtures/edge/`, in the shape of the corpus's
/// `edge/`): every item's line, state and text as the oracle gives them. They
/// hold the boxes a parser that judges the line without its box misses
/// (issue 20 §5): a box whose line is not a table, a box continued on a lazy
/// line, a box followed only by an inline HTML comment.
#[test]
fn agrees_with_github_on_our_own_edge_fixtures() {
    let Some(corpus) = common::corpus() else { return };
    let tool = corpus.join("../tools/gfm-oracle");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edge");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read fixtures")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    let mut compared = 0;
    for file in &files {
        let Some(expected) = oracle_items(&tool, file) else {
            assert!(
                !common::in_ci(),
                "gfm-oracle could not run in CI (is cmark-gfm installed?)"
            );
            eprintln!("SKIPPED: agrees_with_github_on_our_own_edge_fixtures: gfm-oracle could not run");
            return;
        };
        let text = std::fs::read_to_string(file).expect("read fixture");
        let list = checklist::parse("x", &text);
        let ours: Vec<(usize, bool, String)> = list
            .items
            .iter()
            .map(|i| (i.line(), i.checked, list.text(i).to_string()))
            .collect();
        assert_eq!(ours, expected, "{}", file.display());
        compared += expected.len();
    }
    assert!(compared >= 12, "only {compared} fixture items compared");
}

#[test]
fn seed_item_counts_match_the_corpus_readme() {
    let Some(_) = common::corpus() else { return };
    let expected = [
        ("000", 119, Some(29)),
        ("001", 234, None),
        ("002", 119, None),
        ("003", 139, None),
        ("004", 212, None),
    ];
    for (prefix, total, checked) in expected {
        let path = common::seed(prefix).expect("seed present");
        let bytes = std::fs::read(&path).unwrap();
        let list = checklist::parse("s", checklist::decode("s", &bytes).unwrap());
        assert_eq!(list.items.len(), total, "seed {prefix}");
        if let Some(c) = checked {
            assert_eq!(list.checked(), c, "seed {prefix}");
        }
    }
}

/// `eval` reads a section's items as one slice of the item list
/// (`Checklist::items_within`); on every real and edge-case document that
/// slice holds exactly the items whose heading chain reaches the section.
#[test]
fn every_sections_items_are_one_slice_in_the_corpus() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let mut sections = 0;
    for dir in ["seeds", "checklists", "edge"] {
        let mut files: Vec<_> = std::fs::read_dir(corpus.join(dir))
            .expect("read corpus dir")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).expect("read corpus file");
            let Ok(text) = checklist::decode("x", &bytes) else {
                continue;
            };
            let list = checklist::parse("x", text);
            for s in 0..list.sections.len() {
                let by_walk: Vec<usize> = (0..list.items.len())
                    .filter(|&i| list.section_within(list.items[i].section(), s))
                    .collect();
                let by_slice: Vec<usize> = list.items_within(Some(s)).map(|(i, _)| i).collect();
                assert_eq!(by_slice, by_walk, "{} section {s}", file.display());
                sections += 1;
            }
        }
    }
    assert!(sections > 100, "only {sections} sections in the corpus");
}
