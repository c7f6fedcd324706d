//! Where a local command runs: the repository around the current
//! directory. `check`, `list` and `init` find the root the same way, so a
//! command typed in `docs/` reads and writes the same policy as one typed
//! at the top, and the policy's paths always mean the same files.

use std::path::{Component, Path, PathBuf};

use crate::policy;

/// The current directory and the repository root above it (both absolute,
/// symlinks resolved).
#[derive(Debug, Clone)]
pub struct Repo {
    pub cwd: PathBuf,
    pub root: PathBuf,
}

impl Repo {
    /// The repository around the current directory.
    pub fn find() -> std::io::Result<Repo> {
        let cwd = std::fs::canonicalize(std::env::current_dir()?)?;
        Ok(Repo::around(cwd))
    }

    /// The repository around `cwd`: the nearest directory at or above it
    /// holding `.git` (a directory, or a file in a worktree) or the policy,
    /// `.github/checkgate.toml`; `cwd` itself when there is none.
    pub fn around(cwd: PathBuf) -> Repo {
        let root = cwd
            .ancestors()
            .find(|d| d.join(".git").exists() || d.join(policy::DEFAULT_PATH).is_file())
            .unwrap_or(&cwd)
            .to_path_buf();
        Repo { cwd, root }
    }

    /// The root as a path from the current directory: `.` when they are the
    /// same (so messages stay short), else absolute.
    pub fn root_from_cwd(&self) -> PathBuf {
        if self.root == self.cwd {
            PathBuf::from(".")
        } else {
            self.root.clone()
        }
    }

    /// The policy at its default place under the root, as a path from the
    /// current directory.
    pub fn default_policy(&self) -> PathBuf {
        if self.root == self.cwd {
            PathBuf::from(policy::DEFAULT_PATH)
        } else {
            self.root.join(policy::DEFAULT_PATH)
        }
    }

    /// `path` (from the current directory) as a `/`-separated path from
    /// `root` (itself from the current directory), with `..` where it leaves
    /// `root` (reading it then refuses it). Lexical: `..` is resolved by
    /// name, symlinks are not followed (reading the file checks where it
    /// really leads).
    pub fn relative_to(&self, path: &Path, root: &Path) -> String {
        let file = lexical(&self.cwd.join(path));
        let root = lexical(&self.cwd.join(root));
        let file: Vec<_> = file.components().collect();
        let root: Vec<_> = root.components().collect();
        let shared = file.iter().zip(&root).take_while(|(a, b)| a == b).count();
        let ups = std::iter::repeat_n("..".to_string(), root.len() - shared);
        let downs = file[shared..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        ups.chain(downs).collect::<Vec<_>>().join("/")
    }
}

/// `path` with `.` and `..` components resolved by name.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_nearest_directory_with_git_or_the_policy() {
        let dir = tempfile::tempdir().unwrap();
        let top = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(top.join("a/b/c")).unwrap();
        std::fs::create_dir_all(top.join("a/.github")).unwrap();
        std::fs::write(top.join("a/.github/checkgate.toml"), "").unwrap();
        let repo = Repo::around(top.join("a/b/c"));
        assert_eq!(repo.root, top.join("a"));
        assert_eq!(repo.default_policy(), top.join("a/.github/checkgate.toml"));
        assert_eq!(repo.relative_to(Path::new("../x.md"), &repo.root), "b/x.md");
        assert_eq!(
            repo.relative_to(Path::new("../../../y.md"), Path::new("..")),
            "../../y.md"
        );
        std::fs::create_dir_all(top.join("a/b/.git")).unwrap();
        let repo = Repo::around(top.join("a/b/c"));
        assert_eq!(repo.root, top.join("a/b"));
        let repo = Repo::around(top.join("a/b"));
        assert_eq!(repo.root_from_cwd(), Path::new("."));
        assert_eq!(repo.default_policy(), Path::new(".github/checkgate.toml"));
    }
}
