//! The committed `checkgate.schema.json` is current, and every example policy
//! in the repository (`examples/**/*.toml`, the `toml` blocks of the README and docs/) is
//! valid three ways: for the validator, for the serde types the schema is
//! derived from, and for the schema itself.
//!
//! Regenerate the schema with `UPDATE_SCHEMA=1 cargo test --test schema`
//! (or `checkgate schema > checkgate.schema.json`).

mod common;

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_schema_is_current() {
    let fresh = checkgate::policy_file::schema_json();
    let path = root().join("checkgate.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &fresh).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "checkgate.schema.json is stale: run `UPDATE_SCHEMA=1 cargo test --test schema` and commit it"
    );
    // The `schema` subcommand prints the same document.
    let out = common::checkgate(root(), &["schema"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, fresh.as_str()));
}

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            toml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

/// The ```` ```toml ```` blocks of a markdown file, with their first line.
pub fn toml_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in markdown.lines().enumerate() {
        match &mut current {
            None if line.trim_start() == "```toml" => current = Some((n + 2, String::new())),
            Some(_) if line.trim_start() == "```" => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// Every example policy in the repository: (where, text).
fn example_policies() -> Vec<(String, String)> {
    let mut files = Vec::new();
    toml_files(&root().join("examples"), &mut files);
    files.sort();
    let mut out: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let shown = f.strip_prefix(root()).unwrap().display().to_string();
            (shown, std::fs::read_to_string(f).expect("read example"))
        })
        .collect();
    for doc in documentation() {
        let text = std::fs::read_to_string(root().join(&doc)).expect("read documentation");
        for (line, block) in toml_blocks(&text) {
            out.push((format!("{doc}:{line}"), block));
        }
    }
    out
}

#[test]
fn every_example_policy_is_valid_for_the_validator_the_types_and_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(&checkgate::policy_file::schema_json()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let examples = example_policies();
    assert!(examples.len() >= 8, "{examples:?}");
    for (name, text) in &examples {
        if let Err(e) = checkgate::policy::Policy::parse(name, text) {
            panic!("{name}: the validator rejects it:\n{e}");
        }
        if let Err(e) = toml::from_str::<checkgate::policy_file::PolicyFile>(text) {
            panic!("{name}: the schema's types reject it: {e}");
        }
        let json: serde_json::Value = toml::from_str(text).expect("TOML");
        let errors: Vec<String> = validator.iter_errors(&json).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: the schema rejects it: {errors:#?}");
    }
}

#[test]
fn the_schema_rejects_what_the_validator_rejects() {
    let schema: serde_json::Value = serde_json::from_str(&checkgate::policy_file::schema_json()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    for bad in [
        "[[checklist]]\npath = \"a.md\"\ncolour = \"red\"\n[[checklist.require]]\nall = true\n",
        "[[checklist]]\npath = \"a.md\"\n[[checklist.require]]\nall = false\n",
        "[[checklist]]\npath = \"a.md\"\n[[checklist.require]]\nsection = \"S\"\nmax-checked = -1\n",
        "[[checklist]]\npath = \"a.md\"\n[[checklist.require]]\nsection = \"S\"\nmin-checked = 0\n",
        "[[checklist]]\npath = \"a.md\"\n[[checklist.require]]\nsection = \"S\"\nmin-checked = \"0%\"\n",
        "[[checklist]]\npath = \"a.md\"\n[[checklist.require]]\nsection = \"S\"\nmin-checked = \"80.5%\"\n",
        "[[checklist]]\npath = \"a.md\"\n[[checklist.require]]\nsection = \"S\"\nmax-checked = \"101%\"\n",
        "[[checklist]]\npath = \"a.md\"\n[[checklist.require]]\nall = true\nfilled = false\n",
        "[[checklist]]\npath = \"a.md\"\nwaiver-reason = \"sometimes\"\n[[checklist.require]]\nall = true\n",
        "[[checklist]]\npath = \"a.md\"\nnesting = \"error\"\n[[checklist.require]]\nall = true\n",
        "[[checklist]]\nsource = \"pr-comment\"\n[[checklist.require]]\nall = true\n",
        "[[checklist]]\nsource = \"pr-body\"\ntemplate = 3\n[[checklist.require]]\nall = true\n",
        "version = 2\n[[checklist]]\npath = \"a.md\"\n[[checklist.require]]\nall = true\n",
    ] {
        assert!(checkgate::policy::Policy::parse("p.toml", bad).is_err(), "{bad}");
        let json: serde_json::Value = toml::from_str(bad).expect("TOML");
        assert!(!validator.is_valid(&json), "the schema accepts:\n{bad}");
    }
}

/// The README and every page of `docs/`, as repository paths.
fn documentation() -> Vec<String> {
    let mut docs = vec!["README.md".to_string()];
    let mut pages: Vec<String> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    pages.sort();
    docs.extend(pages);
    docs
}
