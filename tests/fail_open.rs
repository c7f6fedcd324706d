//! Issue 20 §5, against the built binary: boxes GitHub shows that a parser
//! judging the line without its box would miss, so an open item would go
//! ungated. Each is an open item here, and the report names its line (an
//! item with no text as "(no text)").

mod common;

const POLICY: &str = "[[checklist]]\npath = \"PULL_REQUEST_TEMPLATE.md\"\n[[checklist.require]]\nall = true\n";

/// A template with one of each: a comment-only box, a box continued on a
/// lazy line (ticked), and a box whose line with the box is not a table.
const TEMPLATE: &str = "# Before merging\n\n- [x] Tests pass\n- [ ] <!-- describe the rollback plan -->\n\
                        - [x]\nDocs updated\n- [ ] | Migration | Owner |\n  |---|---|\n";

fn project(template: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join(".github")).expect("mkdir");
    std::fs::write(dir.path().join(".github/checkgate.toml"), POLICY).expect("policy");
    std::fs::write(dir.path().join("PULL_REQUEST_TEMPLATE.md"), template).expect("template");
    dir
}

#[test]
fn boxes_github_shows_are_gated_and_an_empty_one_is_shown_as_no_text() {
    let dir = project(TEMPLATE);
    let out = common::checkgate(dir.path(), &["check"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        "PULL_REQUEST_TEMPLATE.md: 2 of 4 items checked\n\
         \x20 FAIL  all items — 2 of 4 items open\n\
         \x20       PULL_REQUEST_TEMPLATE.md:4  (no text)\n\
         \x20       PULL_REQUEST_TEMPLATE.md:7  | Migration | Owner | |---|---|\n\
         checkgate: FAIL: 1 of 1 requirements failing\n"
    );
    let out = common::checkgate(dir.path(), &["check", "--format", "github"]);
    assert_eq!(
        out.stdout.lines().next(),
        Some(
            "::error file=PULL_REQUEST_TEMPLATE.md,line=4,title=checkgate%3A all items::open: (no text) — 2 of 4 items open"
        )
    );
    let out = common::checkgate(dir.path(), &["check", "--format", "markdown"]);
    assert!(
        out.stdout
            .contains("- \\(no text\\) · PULL\\_REQUEST\\_TEMPLATE.md#L4\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn ticking_the_boxes_github_shows_passes_the_gate() {
    let ticked = TEMPLATE.replace("- [ ]", "- [x]");
    let dir = project(&ticked);
    let out = common::checkgate(dir.path(), &["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("PULL_REQUEST_TEMPLATE.md: 4 of 4 items checked\n"),
        "{}",
        out.stdout
    );
}
