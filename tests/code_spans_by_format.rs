//! Code spans are found only for the report that shows them: `check
//! --format markdown` shows an item's inline code as code, and the other
//! formats, which skip finding them, print the same plain text as before.

use std::process::Command;

fn check(dir: &std::path::Path, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_checkgate"))
        .args(["check", "--policy", "policy.toml", "--root", ".", "--format", format])
        .current_dir(dir)
        .output()
        .expect("checkgate runs");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn markdown_shows_code_spans_and_text_and_json_show_the_plain_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("policy.toml"),
        "version = 1\n\n[[checklist]]\npath = \"CHECKLIST.md\"\n\n[[checklist.require]]\nall = true\n",
    )
    .expect("policy");
    std::fs::write(
        dir.path().join("CHECKLIST.md"),
        "# Release\n- [ ] run `cargo test` first\n- [ ] plain item\n",
    )
    .expect("checklist");
    let markdown = check(dir.path(), "markdown");
    assert!(markdown.contains("run `cargo test` first"), "{markdown}");
    let text = check(dir.path(), "text");
    assert!(text.contains("CHECKLIST.md:2  run cargo test first"), "{text}");
    assert!(!text.contains('`'), "{text}");
    let json = check(dir.path(), "json");
    assert!(json.contains(r#""text":"run cargo test first""#), "{json}");
    assert!(!json.contains('`'), "{json}");
}
