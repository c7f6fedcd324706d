//! `checkgate check --base REF`: the base side of the action's integrity
//! checks, from a local git repository. Checklists at the base come from
//! `git show REF:path` and the changed files from `git diff --name-only REF`
//! (the working tree against the base) plus the untracked files `git status`
//! lists, so a local run previews the tamper,
//! untick and `when-changed` findings the action will report.

use std::process::Command;

use crate::checklist;
use crate::engine::{DirLoader, EngineError, Loader};
use crate::policy::Source;

/// Why git could not answer.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("--base needs git: cannot run it: {0}")]
    Spawn(std::io::Error),
    #[error("--base {git_ref}: {message}")]
    Failed { git_ref: String, message: String },
}

/// A working tree with a base revision to compare against.
pub struct GitBase {
    pub dir: DirLoader,
    pub git_ref: String,
}

impl GitBase {
    fn git(&self, args: &[&str]) -> Result<std::process::Output, GitError> {
        Command::new("git")
            .arg("-C")
            .arg(&self.dir.root)
            .args(args)
            .output()
            .map_err(GitError::Spawn)
    }

    fn failed(&self, output: &std::process::Output) -> GitError {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr
            .lines()
            .map(|l| l.trim_start_matches("fatal: ").trim())
            .find(|l| !l.is_empty())
            .unwrap_or("git failed")
            .to_string();
        GitError::Failed {
            git_ref: self.git_ref.clone(),
            message,
        }
    }

    /// Check that the ref names a commit, so a typo is an error rather than
    /// a base where every file is missing.
    pub fn verify(&self) -> Result<(), GitError> {
        let spec = format!("{}^{{commit}}", self.git_ref);
        let output = self.git(&["rev-parse", "--verify", "--quiet", &spec])?;
        if output.status.success() {
            Ok(())
        } else {
            Err(GitError::Failed {
                git_ref: self.git_ref.clone(),
                message: "not a commit in this repository".to_string(),
            })
        }
    }

    /// Paths changed between the base and the working tree, relative to the
    /// root directory (renames appear under both names), and the untracked
    /// files `git status` shows as new (not ignored): a file counts as soon
    /// as it is written, not once it is staged.
    pub fn changed_files(&self) -> Result<Vec<String>, GitError> {
        let mut paths = self.paths(&["diff", "--name-only", "--relative", "-z", &self.git_ref, "--"])?;
        paths.extend(self.paths(&["ls-files", "--others", "--exclude-standard", "-z", "--", "."])?);
        Ok(paths)
    }

    /// The NUL-separated paths a git command prints.
    fn paths(&self, args: &[&str]) -> Result<Vec<String>, GitError> {
        let output = self.git(args)?;
        if !output.status.success() {
            return Err(self.failed(&output));
        }
        Ok(output
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect())
    }

    /// Whether `path` exists in the base commit.
    fn exists_at_base(&self, path: &str) -> Result<bool, GitError> {
        let spec = format!("{}:./{path}", self.git_ref);
        let output = self.git(&["cat-file", "-e", &spec])?;
        Ok(output.status.success())
    }
}

impl Loader for GitBase {
    fn head(&self, source: &Source) -> Result<Option<String>, EngineError> {
        self.dir.head(source)
    }

    fn looked_for(&self, source: &Source) -> Option<String> {
        self.dir.looked_for(source)
    }

    fn head_is_authored(&self, source: &Source) -> bool {
        self.dir.head_is_authored(source)
    }

    fn base(&self, source: &Source) -> Result<Option<String>, EngineError> {
        let Source::File(path) = source else { return Ok(None) };
        let to_engine = |e: GitError| EngineError::Source(e.to_string());
        if !self.exists_at_base(path).map_err(to_engine)? {
            return Ok(None);
        }
        let spec = format!("{}:./{path}", self.git_ref);
        let output = self.git(&["show", &spec]).map_err(to_engine)?;
        if !output.status.success() {
            return Err(to_engine(self.failed(&output)));
        }
        let shown = format!("{path} (at {})", self.git_ref);
        Ok(Some(checklist::decode_owned(&shown, output.stdout)?))
    }
}
