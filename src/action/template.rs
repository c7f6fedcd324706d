//! Finding the repository's pull request template at the base: the baseline
//! a `source = "pr-body"` checklist is compared with, so deleting the
//! template's unticked lines from the description is tampering, as it is in
//! a file.
//!
//! GitHub looks for `pull_request_template` (any case, with or without an
//! extension such as `.md` or `.txt`) in `.github/`, the root and `docs/`,
//! and for several templates in a `PULL_REQUEST_TEMPLATE/` folder in any of
//! those. GitHub does not document which wins when there are several; this
//! takes a single template before a folder, and `.github/`, then the root,
//! then `docs/`, and from a folder its first file by name. For a pull
//! request, round one's GraphQL query already listed the root, `.github/`
//! and `docs/`; another directory costs one GraphQL query, and without those
//! listings the root comes from the git trees API.

use std::collections::HashMap;

use crate::github::{self, Client, GithubError, Listed, PathAt};

const NAME: &str = "pull_request_template";

/// `pull_request_template`, `PULL_REQUEST_TEMPLATE.md`, `…​.txt`: GitHub's
/// name for a template, compared without case.
fn is_template_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == NAME
        || lower
            .strip_prefix(NAME)
            .is_some_and(|ext| ext.starts_with('.') && !ext[1..].contains('.'))
}

fn find_entry<'e>(entries: &'e [Listed], kind: &str, matches: impl Fn(&str) -> bool) -> Option<&'e Listed> {
    entries.iter().find(|e| e.kind == kind && matches(&e.name))
}

/// The entries of directory `dir` (`""`: the root) at `git_ref`: from
/// `listed` when round one read it, else from GitHub.
async fn list<T: github::Transport>(
    client: &Client<T>,
    git_ref: &str,
    listed: Option<&HashMap<String, Vec<Listed>>>,
    dir: &str,
) -> Result<Vec<Listed>, GithubError> {
    if let Some(entries) = listed.and_then(|l| l.get(dir)) {
        return Ok(entries.clone());
    }
    if dir.is_empty() {
        return Ok(client
            .tree(git_ref)
            .await?
            .into_iter()
            .map(|e| Listed {
                name: e.path,
                kind: e.kind,
            })
            .collect());
    }
    let read = client.files_at(&[git_ref], &[dir.to_string()], 0).await?;
    Ok(match read.into_values().next() {
        Some(PathAt::Dir(entries)) => entries,
        _ => Vec::new(),
    })
}

/// The template's path at `git_ref` (a commit), or `None` when the
/// repository has none. `listed`: directory listings already read there.
pub async fn find<T: github::Transport>(
    client: &Client<T>,
    git_ref: &str,
    listed: Option<&HashMap<String, Vec<Listed>>>,
) -> Result<Option<String>, GithubError> {
    let root = list(client, git_ref, listed, "").await?;
    // (directory path, its entries), in the order GitHub's locations are tried.
    let mut dirs: Vec<(String, Vec<Listed>)> = Vec::new();
    for dir in [".github", "", "docs"] {
        let (prefix, entries) = if dir.is_empty() {
            (String::new(), root.clone())
        } else {
            match find_entry(&root, "tree", |n| n.eq_ignore_ascii_case(dir)) {
                Some(e) => (format!("{}/", e.name), list(client, git_ref, listed, &e.name).await?),
                None => continue,
            }
        };
        if let Some(file) = find_entry(&entries, "blob", is_template_name) {
            return Ok(Some(format!("{prefix}{}", file.name)));
        }
        dirs.push((prefix, entries));
    }
    for (prefix, entries) in &dirs {
        let Some(folder) = find_entry(entries, "tree", |n| n.eq_ignore_ascii_case(NAME)) else {
            continue;
        };
        let path = format!("{prefix}{}", folder.name);
        let mut files: Vec<Listed> = list(client, git_ref, listed, &path)
            .await?
            .into_iter()
            .filter(|e| e.kind == "blob")
            .collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(first) = files.first() {
            return Ok(Some(format!("{path}/{}", first.name)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_are_githubs_in_any_case_with_one_extension() {
        for yes in [
            "pull_request_template.md",
            "PULL_REQUEST_TEMPLATE.md",
            "Pull_Request_Template.txt",
            "pull_request_template",
        ] {
            assert!(is_template_name(yes), "{yes}");
        }
        for no in [
            "pull_request_template.md.bak",
            "pull_request_templates.md",
            "issue_template.md",
            "template.md",
        ] {
            assert!(!is_template_name(no), "{no}");
        }
    }
}
