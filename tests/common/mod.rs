//! Shared helpers for the integration tests: run the built binary, find the
//! shared corpus.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run `checkgate` with `args` in `dir`.
pub fn checkgate(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_checkgate"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run checkgate");
    Output {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `../shared/corpus`, when the shared data sits beside the repository.
pub fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(&dir);
        None
    }
}

/// The markdown files of the corpus's `seeds/`, `checklists/` and `edge/`,
/// sorted.
pub fn corpus_files(corpus: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["seeds", "checklists", "edge"] {
        let entries = std::fs::read_dir(corpus.join(dir)).expect("read corpus dir");
        files.extend(
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "md")),
        );
    }
    files.sort();
    files
}

/// Whether the tests run in CI (`CI=true`, as `.ci/run` and GitHub set it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// What to say when shared data at `path` is absent for `test`: a skip
/// notice naming the test, or under CI (where `../shared` must be beside the
/// repository) an error.
pub fn skip_message(test: &str, path: &Path, ci: bool) -> Result<String, String> {
    if ci {
        Err(format!(
            "{test}: {} is absent under CI=true; put the shared data beside the repository instead of skipping",
            path.display()
        ))
    } else {
        Ok(format!(
            "SKIPPED: {test}: {} is absent, so this test did not run (under CI=true it fails)",
            path.display()
        ))
    }
}

/// The running test's name: libtest runs each test on a thread named after
/// it.
pub fn test_name() -> String {
    std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .unwrap_or("(unnamed test)")
        .to_string()
}

/// Report absent shared data. libtest captures `eprintln!` of a passing test,
/// so a skip would read as a pass: the notice goes straight to the process's
/// stderr, which the test summary shows, and CI fails instead.
pub fn skip(path: &Path) {
    match skip_message(&test_name(), path, in_ci()) {
        Ok(notice) => {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr().lock(), "{notice}");
        }
        Err(error) => panic!("{error}"),
    }
}

/// The seed checklist whose file name starts with `prefix`.
pub fn seed(prefix: &str) -> Option<PathBuf> {
    let dir = corpus()?.join("seeds");
    std::fs::read_dir(&dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(prefix)))
}

/// A temporary directory holding `files` (path, contents).
pub fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, contents) in files {
        let full = dir.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, contents).expect("write");
    }
    dir
}

/// Run git in `dir` with a fixed identity and no signing; it must succeed.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
