//! Which strings the policy accepts as repository paths, `when-changed`
//! and branch globs, GitHub accounts and `role:` names.

/// Why a string is not a plain repository path: the form GitHub's API and
/// its changed-file lists use (`docs/READY.md`: relative, `/`-separated, no
/// `.` or `..` segments). Anything else could read outside the repository,
/// or name the same file differently from the changed-file list and so skip
/// the checks that compare with it.
pub fn path_problem(path: &str) -> Option<&'static str> {
    let bytes = path.as_bytes();
    Some(if path.is_empty() {
        "it is empty"
    } else if path
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        "it contains a control character"
    } else if path.contains('\\') {
        "it contains a backslash; separate directories with `/`"
    } else if path.starts_with('/') {
        "it is absolute; write it relative to the repository root"
    } else if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        "it starts with a drive letter; write it relative to the repository root"
    } else if path.contains(['?', '#', '%']) {
        "it contains `?`, `#` or `%`, which a URL would read as a query, a fragment or an escape"
    } else if path.ends_with('/') {
        "it ends with `/`; name a file"
    } else if path.split('/').any(|s| s == "..") {
        "it has a `..` segment"
    } else if path.split('/').any(|s| s == ".") {
        "it has a `.` segment; write `docs/X.md`, not `./docs/X.md`"
    } else if path.split('/').any(str::is_empty) {
        "it has an empty segment (`//`)"
    } else {
        return None;
    })
}

/// Why a `when-changed` glob can never match a repository path. Globs keep
/// their own syntax (`?`, `\\` escapes), so only the shape is checked.
pub fn glob_problem(glob: &str) -> Option<&'static str> {
    Some(if glob.chars().any(char::is_control) {
        "it contains a control character"
    } else if glob.starts_with('/') {
        "it is absolute, and changed paths are relative to the repository root"
    } else if glob.ends_with('/') {
        "it ends with `/`, and changed paths name files; write `dir/**`"
    } else if glob.split('/').any(|s| s == ".." || s == ".") {
        "it has a `.` or `..` segment, which no changed path has"
    } else if glob.contains("//") {
        "it has an empty segment (`//`)"
    } else {
        return None;
    })
}

/// Why a branch-name glob can never match a branch name as GitHub gives it
/// (`release/1.x`: no `refs/heads/`, no leading or trailing `/`).
pub(super) fn branch_glob_problem(glob: &str) -> Option<&'static str> {
    if glob.starts_with("refs/") {
        Some("branch names are given without `refs/heads/`")
    } else if glob.starts_with('/') || glob.ends_with('/') {
        Some("branch names never start or end with `/`")
    } else {
        None
    }
}

/// A GitHub login: letters, digits and inner hyphens, at most 39 characters.
fn valid_login(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 39
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A login, an app's `name[bot]`, or a team `@org/team-slug`.
pub(super) fn valid_author(s: &str) -> bool {
    if let Some(team) = s.strip_prefix('@') {
        return match team.split_once('/') {
            Some((org, slug)) => {
                valid_login(org)
                    && !slug.is_empty()
                    && slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            }
            None => valid_login(team),
        };
    }
    valid_login(s.strip_suffix("[bot]").unwrap_or(s))
}

/// The roles `authors` can name as `role:NAME`, lowest first.
pub const ROLES: &[&str] = &["write", "maintain", "admin"];

/// Whether a comment whose `author_association` is `association` counts
/// for `role:NAME` (one of [`ROLES`]). The association says how the author
/// relates to the repository, not their permission, so only what it
/// guarantees is taken: `OWNER` owns the repository (every role);
/// `MEMBER` (of the owning organisation) and `COLLABORATOR` (invited to the
/// repository) are granted access by a maintainer, which `role:write`
/// accepts; maintain and admin cannot be told apart from write for them.
/// `CONTRIBUTOR` only means a commit of theirs was merged once: anyone can
/// become one, so it never counts.
pub fn role_allows(role: &str, association: &str) -> bool {
    match association {
        "OWNER" => ROLES.contains(&role),
        "MEMBER" | "COLLABORATOR" => role == "write",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_associations_that_grant_access_count_for_a_role() {
        let counted = |role: &str| -> Vec<&str> {
            [
                "OWNER",
                "MEMBER",
                "COLLABORATOR",
                "CONTRIBUTOR",
                "FIRST_TIME_CONTRIBUTOR",
                "FIRST_TIMER",
                "MANNEQUIN",
                "NONE",
                "owner",
                "",
            ]
            .into_iter()
            .filter(|a| role_allows(role, a))
            .collect()
        };
        assert_eq!(counted("write"), ["OWNER", "MEMBER", "COLLABORATOR"]);
        assert_eq!(counted("maintain"), ["OWNER"]);
        assert_eq!(counted("admin"), ["OWNER"]);
        assert_eq!(counted("triage"), Vec::<&str>::new());
    }

    #[test]
    fn plain_repository_paths_pass_and_lookalikes_do_not() {
        for ok in [
            "READY.md",
            "docs/READY.md",
            ".github/pull_request_template.md",
            "a b/ü.md",
            "..md",
            "x/...",
            ".x",
        ] {
            assert_eq!(path_problem(ok), None, "{ok}");
        }
        for bad in [
            "", "..", ".", "a/..", "./a", "a/./b", "/a", "a\\b", "a//b", "a/", "a?b", "a#b", "a%b", "c:x", "a\tb",
            "a\u{7f}b",
        ] {
            assert!(path_problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(glob_problem("src/**/*.rs"), None);
        assert_eq!(glob_problem("file\\?.md"), None, "globs keep their escapes");
        for bad in ["/src/**", "src/", "./src/**", "a/../b", "a//b"] {
            assert!(glob_problem(bad).is_some(), "{bad}");
        }
    }
}
