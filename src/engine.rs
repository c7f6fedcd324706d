//! Glue between the pure stages: read checklists for a policy, parse them,
//! evaluate, and collect a [`Report`]. The only I/O here is reading files
//! through a [`Loader`], so the action can read them from the GitHub API and
//! the CLI from disk with the same code.

use std::path::{Path, PathBuf};

use crate::checklist::{self, Checklist, ChecklistError};
use crate::eval::{self, Context, Report, Subject};
use crate::input::{Bounded, read_bounded};
use crate::policy::{Diagnostic, Policy, Source, Template};

/// Why a check could not produce a verdict.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: no such file; {looked_for}")]
    NotFound { path: String, looked_for: String },
    #[error("{path}: is a directory, not a checklist file")]
    IsDirectory { path: String },
    #[error("{path}: not a regular file (a device, FIFO or socket); checklists must be files")]
    NotRegular { path: String },
    #[error(
        "{path}: resolves to {resolved}, outside --root {root}; checklists are read only from inside the repository"
    )]
    OutsideRoot {
        path: String,
        resolved: String,
        root: String,
    },
    #[error("--root {root}: {source}")]
    Root {
        root: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Checklist(#[from] ChecklistError),
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Policy(Vec<Diagnostic>),
    #[error("{0}")]
    Source(String),
}

/// Default cap on one checklist's size; GitHub itself refuses to render
/// markdown files much larger than this.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Where checklist markdown comes from.
pub trait Loader {
    /// The markdown at the head; `Ok(None)` when the file does not exist.
    fn head(&self, source: &Source) -> Result<Option<String>, EngineError>;
    /// The markdown at the base, when a base is known.
    fn base(&self, _source: &Source) -> Result<Option<String>, EngineError> {
        Ok(None)
    }
    /// The markdown at the base branch's tip, when the branch is behind it
    /// (otherwise the tip is the base).
    fn tip(&self, _source: &Source) -> Result<Option<String>, EngineError> {
        Ok(None)
    }
    /// The pull request template a description checklist is compared with.
    fn template(&self, _template: &Template) -> Result<Option<String>, EngineError> {
        Ok(None)
    }
    /// The pull request's conversation comments; `None` without one.
    fn comments(&self) -> Option<&[PrComment]> {
        None
    }
    /// Where a missing checklist was looked for, for its message
    /// (e.g. `looked for /repo/docs/X.md`); `None` when that says nothing new.
    fn looked_for(&self, _source: &Source) -> Option<String> {
        None
    }
    /// Whether the head of `source` is the checklist as the policy's author
    /// could see it (a file on disk locally; in the action, a file the pull
    /// request does not change), so that a selector matching nothing in it
    /// is a policy error rather than the pull request's failure.
    fn head_is_authored(&self, _source: &Source) -> bool {
        false
    }
}

/// `looked for /abs/path` for `rel` under `root`, naming `--root` when it is
/// a relative path other than the current directory (an absolute root, such
/// as the repository root found above the current directory, is already in
/// the path shown).
pub fn looked_for(root: &Path, rel: &Path) -> String {
    let joined = root.join(rel);
    let shown = std::path::absolute(&joined).unwrap_or(joined);
    if root == Path::new(".") || root.as_os_str().is_empty() || root.is_absolute() {
        format!("looked for {}", shown.display())
    } else {
        format!("looked for {} (--root {})", shown.display(), root.display())
    }
}

/// Reads checklist files from a directory (the repository root locally).
pub struct DirLoader {
    pub root: PathBuf,
    pub max_bytes: u64,
    /// Markdown to use for `source = "pr-body"` checklists (`--pr-body FILE`).
    pub pr_body: Option<String>,
}

/// Read a markdown file from disk: size-limited, UTF-8 checked.
pub fn read_markdown(path: &Path, shown: &str, max_bytes: u64) -> Result<Option<String>, EngineError> {
    let bytes = match read_bounded(path, max_bytes) {
        Ok(b) => b,
        Err(Bounded::NotFound) => return Ok(None),
        Err(Bounded::IsDirectory) => {
            return Err(EngineError::IsDirectory {
                path: shown.to_string(),
            });
        }
        Err(Bounded::NotRegular) => {
            return Err(EngineError::NotRegular {
                path: shown.to_string(),
            });
        }
        Err(Bounded::TooLarge(size)) => {
            return Err(ChecklistError::TooLarge {
                path: shown.to_string(),
                size,
                limit: max_bytes,
            }
            .into());
        }
        Err(Bounded::Io(source)) => {
            return Err(EngineError::Read {
                path: shown.to_string(),
                source,
            });
        }
    };
    Ok(Some(checklist::decode_owned(shown, bytes)?))
}

impl DirLoader {
    /// `rel` under the root, resolved through `..` and symlinks, or an error
    /// when it resolves outside the root; `Ok(None)` when it does not exist.
    /// A policy path cannot hold `..` or be absolute (see
    /// [`crate::policy::path_problem`]), but a symlink in the repository, or a
    /// file named on the command line, could still lead elsewhere.
    pub fn resolve(&self, rel: &str) -> Result<Option<PathBuf>, EngineError> {
        let shown_root = self.root.display().to_string();
        let root = std::fs::canonicalize(&self.root).map_err(|source| EngineError::Root {
            root: shown_root.clone(),
            source,
        })?;
        let resolved = match std::fs::canonicalize(self.root.join(rel)) {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(EngineError::Read {
                    path: rel.to_string(),
                    source,
                });
            }
        };
        if !resolved.starts_with(&root) {
            return Err(EngineError::OutsideRoot {
                path: rel.to_string(),
                resolved: resolved.display().to_string(),
                root: shown_root,
            });
        }
        Ok(Some(resolved))
    }
}

impl Loader for DirLoader {
    fn head_is_authored(&self, source: &Source) -> bool {
        // Locally, the checklist on disk is the one the policy was written
        // against; a description is the pull request author's.
        matches!(source, Source::File(_))
    }

    fn looked_for(&self, source: &Source) -> Option<String> {
        match source {
            Source::File(p) => Some(looked_for(&self.root, Path::new(p))),
            _ => None,
        }
    }

    fn head(&self, source: &Source) -> Result<Option<String>, EngineError> {
        match source {
            Source::File(p) => match self.resolve(p)? {
                // Read what was checked, not the path again.
                Some(path) => read_markdown(&path, p, self.max_bytes),
                None => Ok(None),
            },
            Source::PrBody => Ok(self.pr_body.clone()),
            Source::PrComments { .. } => Ok(None),
        }
    }
}

/// Checklists already in memory, keyed by repository path: what the action
/// fetched from the GitHub API at the head and base commits.
#[derive(Debug, Default, Clone)]
pub struct MemLoader {
    /// Path → markdown at the head (`None`: the file does not exist there).
    pub head: std::collections::HashMap<String, Option<String>>,
    /// Path → markdown at the base; a path absent here has no known base.
    pub base: std::collections::HashMap<String, Option<String>>,
    /// Path → markdown at the base branch's tip, for a branch behind it.
    pub tip: std::collections::HashMap<String, Option<String>>,
    pub pr_body: Option<String>,
    /// A description checklist's `template` → the template's markdown at
    /// the base (`None`: the repository has none).
    pub templates: std::collections::HashMap<Template, Option<String>>,
    /// The pull request's conversation comments, oldest first, without
    /// checkgate's own; `None` without a pull request.
    pub comments: Option<Vec<PrComment>>,
    /// Checklist paths the pull request does not change: their head is the
    /// base, as the policy's author saw it ([`Loader::head_is_authored`]).
    pub unchanged: std::collections::HashSet<String>,
}

/// A pull request conversation comment, as `source = "pr-comments"` reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrComment {
    pub author: String,
    /// The comment's `author_association` (`OWNER`, `MEMBER`, …), for
    /// `role:` authors; `None` when GitHub gave none.
    pub association: Option<String>,
    /// The comment's `html_url`: reports link each of its items here.
    pub url: String,
    pub body: String,
}

impl Loader for MemLoader {
    fn head(&self, source: &Source) -> Result<Option<String>, EngineError> {
        Ok(match source {
            Source::File(p) => self.head.get(p).cloned().flatten(),
            Source::PrBody => self.pr_body.clone(),
            Source::PrComments { .. } => None,
        })
    }

    fn base(&self, source: &Source) -> Result<Option<String>, EngineError> {
        Ok(match source {
            Source::File(p) => self.base.get(p).cloned().flatten(),
            Source::PrBody | Source::PrComments { .. } => None,
        })
    }

    fn tip(&self, source: &Source) -> Result<Option<String>, EngineError> {
        Ok(match source {
            Source::File(p) => self.tip.get(p).cloned().flatten(),
            Source::PrBody | Source::PrComments { .. } => None,
        })
    }

    fn template(&self, template: &Template) -> Result<Option<String>, EngineError> {
        Ok(self.templates.get(template).cloned().flatten())
    }

    fn comments(&self) -> Option<&[PrComment]> {
        self.comments.as_deref()
    }

    fn head_is_authored(&self, source: &Source) -> bool {
        matches!(source, Source::File(p) if self.unchanged.contains(p))
    }
}

/// The checklists of a policy, read and parsed: what a [`Report`] borrows
/// its item text and headings from.
#[derive(Debug, Default)]
pub struct Loaded {
    entries: Vec<Entry>,
    notes: Vec<String>,
}

/// One policy checklist's documents.
#[derive(Debug)]
struct Entry {
    /// Index in [`Policy::checklists`].
    at: usize,
    head: Option<Checklist>,
    base: Option<Checklist>,
    tip: Option<Checklist>,
    looked_for: Option<String>,
    authored: bool,
}

impl Loaded {
    /// Find no code spans in any of the checklists: for a report that does
    /// not show them ([`Checklist::skip_code_spans`]).
    pub fn skip_code_spans(&mut self) {
        for entry in &mut self.entries {
            for list in [&mut entry.head, &mut entry.base, &mut entry.tip].into_iter().flatten() {
                list.skip_code_spans();
            }
        }
    }
}

/// Read and parse every checklist of `policy`: at the head, and at the base
/// and the base's tip when the loader has them.
pub fn load(policy: &Policy, loader: &dyn Loader, ctx: &Context) -> Result<Loaded, EngineError> {
    let mut loaded = Loaded::default();
    for (at, cp) in policy.checklists.iter().enumerate() {
        let shown = cp.source.display();
        let head_md = loader.head(&cp.source)?;
        if cp.source == Source::PrBody && head_md.is_none() {
            loaded.notes.push(
                "not checked: the pull request description, because there is no pull request here; \
                 to check a description locally, save it to a file and pass --pr-body FILE"
                    .to_string(),
            );
            continue;
        }
        let head: Option<Checklist> = match &cp.source {
            Source::PrComments { authors } => {
                let Some(comments) = loader.comments() else {
                    loaded
                        .notes
                        .push("skipped the pull request comments checklist: no pull request".to_string());
                    continue;
                };
                let chosen = comments
                    .iter()
                    .filter(|c| {
                        eval::authored_by(&c.author, authors, &ctx.teams)
                            || eval::has_role(c.association.as_deref(), authors)
                    })
                    .map(|c| (c.body.as_str(), c.url.as_str()));
                Some(Checklist::gather(shown, chosen))
            }
            _ => head_md.map(|md| checklist::parse_owned(shown, md)),
        };
        let base_md = match cp.source {
            // The description's baseline is the repository's template.
            Source::PrBody if cp.template != Template::Off => loader.template(&cp.template)?,
            _ => loader.base(&cp.source)?,
        };
        let base = base_md.map(|md| checklist::parse_owned(shown, md));
        let tip = loader.tip(&cp.source)?.map(|md| checklist::parse_owned(shown, md));
        let looked_for = if head.is_none() {
            loader.looked_for(&cp.source)
        } else {
            None
        };
        loaded.entries.push(Entry {
            at,
            head,
            base,
            tip,
            looked_for,
            authored: loader.head_is_authored(&cp.source),
        });
    }
    Ok(loaded)
}

/// Evaluate the loaded checklists against `policy` (the one they were
/// loaded for); the report borrows from `loaded`.
pub fn evaluate<'a>(policy: &Policy, loaded: &'a Loaded, ctx: &Context) -> Result<Report<'a>, EngineError> {
    let mut reports = Vec::new();
    let mut diags = Vec::new();
    for entry in &loaded.entries {
        let Some(cp) = policy.checklists.get(entry.at) else {
            continue;
        };
        let subject = Subject {
            head: entry.head.as_ref(),
            base: entry.base.as_ref(),
            tip: entry.tip.as_ref(),
            looked_for: entry.looked_for.clone(),
            authored: entry.authored,
        };
        match eval::evaluate_checklist(cp, subject, ctx) {
            Ok(r) => reports.push(r),
            Err(d) => diags.extend(eval::attribute(policy, d)),
        }
    }
    if !diags.is_empty() {
        return Err(EngineError::Policy(diags));
    }
    Ok(Report::new(reports, loaded.notes.clone()))
}

/// Parse and evaluate every checklist of `policy`, into a report that owns
/// its text ([`load`] and [`evaluate`] without the copy).
pub fn check(policy: &Policy, loader: &dyn Loader, ctx: &Context) -> Result<Report<'static>, EngineError> {
    let loaded = load(policy, loader, ctx)?;
    evaluate(policy, &loaded, ctx).map(Report::into_owned)
}

/// Evaluate `policy` against checklist files under `root`.
pub fn check_dir(policy: &Policy, root: &Path) -> Result<Report<'static>, EngineError> {
    let loader = DirLoader {
        root: root.to_path_buf(),
        max_bytes: DEFAULT_MAX_BYTES,
        pr_body: None,
    };
    check(policy, &loader, &Context::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Code;

    fn comment(author: &str, id: u32, body: &str) -> PrComment {
        PrComment {
            author: author.to_string(),
            association: None,
            url: format!("https://github.com/o/r/pull/1#issuecomment-{id}"),
            body: body.to_string(),
        }
    }

    #[test]
    fn pr_comments_count_only_the_named_authors_and_link_each_item() {
        let policy = Policy::parse(
            "p.toml",
            "[[checklist]]\nsource = \"pr-comments\"\nauthors = [\"alice\", \"@acme/qa\", \"release-bot[bot]\"]\n\
             [[checklist.require]]\nall = true\n",
        )
        .unwrap();
        let loader = MemLoader {
            comments: Some(vec![
                comment("alice", 1, "## QA\n- [x] Smoke test\n"),
                // Anyone can post ticked boxes; only the named authors count.
                comment("mallory", 2, "- [x] Everything\n- [ ] Unrelated\n"),
                comment("Bob", 3, "- [ ] Exploratory test\n"),
                comment("release-bot[bot]", 4, "- [x] Release notes\n"),
            ]),
            ..MemLoader::default()
        };
        let ctx = Context {
            teams: [("acme/qa".to_string(), vec!["bob".to_string()])].into(),
            ..Context::default()
        };
        let report = check(&policy, &loader, &ctx).unwrap();
        let c = &report.checklists[0];
        assert_eq!((c.path.as_str(), c.checked, c.total), ("pull request comments", 2, 3));
        let r = &c.requirements[0];
        assert_eq!(r.code, Code::OpenItem);
        assert_eq!(r.open.len(), 1);
        assert_eq!(r.open[0].text, "Exploratory test");
        assert_eq!(r.open[0].line, 1, "lines count within the comment");
        assert_eq!(r.open[0].url(), Some("https://github.com/o/r/pull/1#issuecomment-3"));
        // Without the team's membership, Bob's comment does not count.
        let report = check(&policy, &loader, &Context::default()).unwrap();
        assert!(report.passed, "{report:?}");
        // No pull request (a local run): skipped with a note.
        let report = check(&policy, &MemLoader::default(), &Context::default()).unwrap();
        assert_eq!(
            report.notes,
            ["skipped the pull request comments checklist: no pull request"]
        );
    }

    /// Issue 18 §3: a selector that matches nothing is the policy's error
    /// where its author could have checked it, and the pull request's
    /// failure where the base has what it names.
    #[test]
    fn unmatched_selectors_are_policy_errors_only_where_the_author_could_see() {
        let policy = Policy::parse(
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"Review\"\n\
             [[checklist]]\nsource = \"pr-body\"\ntemplate = \".github/pull_request_template.md\"\n\
             [[checklist.require]]\nsection = \"Testing\"\n",
        )
        .unwrap();
        let file = |head: &str, base: Option<&str>, unchanged: bool| MemLoader {
            head: [("c.md".to_string(), Some(head.to_string()))].into(),
            base: base
                .map(|b| [("c.md".to_string(), Some(b.to_string()))].into())
                .unwrap_or_default(),
            unchanged: if unchanged {
                ["c.md".to_string()].into()
            } else {
                Default::default()
            },
            pr_body: Some("## Testing\n- [x] ok\n".to_string()),
            templates: [(
                Template::Path(".github/pull_request_template.md".to_string()),
                Some("## Testing\n- [ ] ok\n".to_string()),
            )]
            .into(),
            ..MemLoader::default()
        };
        let ctx = Context::default();
        // Unchanged by the pull request and lacking the section: the policy's error.
        let Err(EngineError::Policy(d)) = check(&policy, &file("## Reviews\n- [ ] a\n", None, true), &ctx) else {
            panic!("a policy error")
        };
        assert_eq!(
            d[0].to_string(),
            "p.toml:4:11: required section \"Review\" not found in c.md; did you mean \"Reviews\"?"
        );
        // Changed, and the base lacks it too: the policy's error, judged at the base.
        let Err(EngineError::Policy(d)) = check(
            &policy,
            &file("## Other\n- [ ] a\n", Some("## Reviews\n- [ ] a\n"), false),
            &ctx,
        ) else {
            panic!("a policy error")
        };
        assert_eq!(
            d[0].to_string(),
            "p.toml:4:11: required section \"Review\" not found in c.md at the base; did you mean \"Reviews\"?"
        );
        // The base has it and the pull request removed it: its failure.
        let report = check(
            &policy,
            &file("## Other\n- [ ] a\n", Some("## Review\n- [ ] a\n"), false),
            &ctx,
        )
        .unwrap();
        let codes: Vec<Code> = report.checklists[0].requirements.iter().map(|r| r.code).collect();
        assert_eq!(codes, [Code::SectionRemoved, Code::SectionNotFound]);
        // No base known (a push, say): a failure, as before.
        let report = check(&policy, &file("## Other\n- [ ] a\n", None, false), &ctx).unwrap();
        assert_eq!(report.checklists[0].requirements[0].code, Code::SectionNotFound);
        // A description whose template lacks the section: the policy's error.
        let mut loader = file("## Review\n- [ ] a\n", None, true);
        loader.pr_body = Some("## Other\n- [x] ok\n".to_string());
        loader.templates = [(
            Template::Path(".github/pull_request_template.md".to_string()),
            Some("## Other\n- [ ] ok\n".to_string()),
        )]
        .into();
        let Err(EngineError::Policy(d)) = check(&policy, &loader, &ctx) else {
            panic!("a policy error")
        };
        assert_eq!(
            d[0].to_string(),
            "p.toml:9:11: required section \"Testing\" not found in the pull request template"
        );
        // The template has it, the description dropped it: the author's failure.
        loader.templates = [(
            Template::Path(".github/pull_request_template.md".to_string()),
            Some("## Testing\n- [ ] ok\n".to_string()),
        )]
        .into();
        let report = check(&policy, &loader, &ctx).unwrap();
        let codes: Vec<Code> = report.checklists[1].requirements.iter().map(|r| r.code).collect();
        assert!(codes.contains(&Code::SectionNotFound), "{codes:?}");
    }

    #[test]
    fn gathered_comments_keep_sections_and_parents_per_comment() {
        let list = Checklist::gather("c", [("## A\n- [x] a\n  - [ ] a1\n", "u1"), ("## B\n- [ ] b\n", "u2")]);
        assert_eq!(list.items.len(), 3);
        assert_eq!(list.items[1].parent(), Some(0));
        assert_eq!(list.section_path(list.items[2].section()), ["B"]);
        assert_eq!(list.link_of(&list.items[1]), Some("u1"));
        assert_eq!(list.link_of(&list.items[2]), Some("u2"));
    }
}
