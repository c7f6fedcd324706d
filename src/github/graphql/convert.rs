//! What a path at a commit is, from the `FileEntry` fragment each operation
//! carries (graphql_client generates one copy per operation; one macro
//! reads them all).

use super::super::client::{Client, Transport};
use super::super::{Content, GithubError, truncate_chars};
use crate::sanitize;

/// Git's mode for a symbolic link.
const SYMLINK_MODE: i64 = 0o120000;
/// Git's mode for a submodule.
const SUBMODULE_MODE: i64 = 0o160000;

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    /// `blob`, `tree` or `commit` (a submodule).
    pub kind: String,
}

/// A path at a commit, as GraphQL describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathAt {
    Missing,
    /// A file; `text` is `None` when GitHub sent no text for it (binary or
    /// cut short), so its bytes are read through REST.
    File {
        text: Option<String>,
        size: u64,
    },
    Dir(Vec<Listed>),
    /// A symlink or submodule: the kind.
    Other(String),
}

macro_rules! path_at_from {
    ($module:ident) => {
        impl From<Option<super::$module::FileEntry>> for PathAt {
            fn from(entry: Option<super::$module::FileEntry>) -> PathAt {
                use super::$module::FileEntryObject as Object;
                let Some(e) = entry else { return PathAt::Missing };
                if e.mode == SYMLINK_MODE {
                    return PathAt::Other("symlink".into());
                }
                if e.mode == SUBMODULE_MODE || e.type_ == "commit" {
                    return PathAt::Other("submodule".into());
                }
                match e.object {
                    Some(Object::Blob(b)) => PathAt::File {
                        text: b.text.filter(|_| !b.is_truncated && b.is_binary != Some(true)),
                        size: u64::try_from(b.byte_size).unwrap_or(0),
                    },
                    Some(Object::Tree(t)) => PathAt::Dir(
                        t.entries
                            .unwrap_or_default()
                            .into_iter()
                            .map(|l| Listed {
                                name: l.name,
                                kind: l.type_,
                            })
                            .collect(),
                    ),
                    _ => PathAt::Other(e.type_),
                }
            }
        }
    };
}

path_at_from!(pull_read);
path_at_from!(files_at);

impl<T: Transport> Client<T> {
    /// The file `at` describes (`path` at `git_ref`), never more than
    /// `max_bytes`: what GraphQL sent, or, for a file it sent no text for,
    /// its bytes through REST.
    pub async fn content_of(
        &self,
        at: &PathAt,
        path: &str,
        git_ref: &str,
        max_bytes: u64,
    ) -> Result<Content, GithubError> {
        Ok(match at {
            PathAt::Missing => Content::Missing,
            PathAt::Dir(_) => Content::NotAFile("directory".into()),
            // The kind is the server's word: one short line of it at most.
            PathAt::Other(kind) => Content::NotAFile(truncate_chars(&sanitize::line(&self.redact(kind)), 40)),
            PathAt::File { size, .. } if *size > max_bytes => Content::TooLarge(*size),
            PathAt::File { text: Some(text), .. } if text.len() as u64 <= max_bytes => {
                Content::File(text.clone().into_bytes())
            }
            PathAt::File { .. } => self.get_file(path, git_ref, max_bytes).await?,
        })
    }
}
