//! Publishing a verdict: annotations, job summary and step outputs first, then
//! the sticky comment and the check run.

use super::judge::Judged;
use super::outputs::{Log, outputs};
use super::{ActionArgs, ActionError, CHECK_NAME, CommentMode, MAX_ANNOTATIONS};
use crate::eval::{Level, Report};
use crate::exit::Exit;
use crate::github::{self, Annotation, CheckRun, Client, CommentOutcome, CommentWhen, GithubError};
use crate::policy::Source;
use crate::report;

/// Annotations, job summary and outputs (always), then the comment and the
/// check run. The exit code comes from the report; an API failure can only
/// turn it into an error (2), never into a pass.
pub(super) async fn report_and_publish<T: github::Transport>(
    args: &ActionArgs,
    client: &Client<T>,
    judged: Judged,
    log: &mut Log<'_>,
) -> Exit {
    let Judged {
        report,
        markdown,
        pull,
        head_sha,
        report_only,
        workflow_changed,
        comments,
    } = judged;
    // Checklist text is the pull request author's: nothing derived from it
    // may carry the token out (it was redacted as it was read; this is the
    // second line of defence).
    let markdown = client.redact(&markdown);
    log.commands(&report::github_commands(&report));
    let summary = log.summary(&format!("{markdown}\n"));
    let outputs = log.outputs(&outputs(&report));
    let local_error = summary.and(outputs).err();

    let published = Published {
        pull,
        head_sha: head_sha.as_deref(),
        report_only,
        comments,
    };
    let api_error = match publish(args, client, published, &report, &markdown, log).await {
        Ok(()) => None,
        Err(e) if e.is_read_only() => {
            log.warn(&read_only_warning(&e.to_string()));
            let _ = log.summary(
                "> [!WARNING]\n> The token is read-only here, so checkgate posted no comment or check run. \
                 For fork pull requests, use the `pull_request_target` recipe in checkgate's README.\n",
            );
            None
        }
        Err(e) => Some(ActionError::from(e)),
    };
    if let Some(e) = local_error.or(api_error) {
        return log.fail(&e.to_string());
    }
    // `fail` is a workflow input: when the workflow may be the pull
    // request's own, it cannot soften the verdict.
    let fail = args.fail || workflow_changed;
    if !args.fail && workflow_changed && !report.passed {
        log.warn(
            "the `fail: false` input is ignored: this pull request changes a workflow, so the input may be the \
             author's; the step fails with the gate (see the workflow-changed finding)",
        );
    }
    match (report.passed, fail) {
        (true, _) | (false, false) => Exit::Pass,
        (false, true) => Exit::Fail,
    }
}

/// Where a verdict goes, and what the base policy says about its conclusion.
struct Published<'a> {
    pull: Option<u64>,
    head_sha: Option<&'a str>,
    report_only: bool,
    /// The comments already listed this run, if any.
    comments: Option<Vec<github::Comment>>,
}

/// Post the comment and the check run. Takes `to` whole: the comments
/// listed earlier in the run are handed on, not copied.
async fn publish<T: github::Transport>(
    args: &ActionArgs,
    client: &Client<T>,
    to: Published<'_>,
    report: &Report<'_>,
    markdown: &str,
    log: &mut Log<'_>,
) -> Result<(), GithubError> {
    let Some(head_sha) = to.head_sha else {
        return Ok(());
    };
    if let (Some(number), Some(when)) = (to.pull, comment_when(args.comment)) {
        let identities = vec![args.comment_author.clone()];
        let outcome = github::upsert_sticky_comment(
            client,
            number,
            &identities,
            markdown,
            when,
            !report.passed,
            Some(head_sha),
            to.comments,
        )
        .await?;
        match outcome {
            CommentOutcome::Created {
                author: Some(author), ..
            } if !identities.iter().any(|i| i.eq_ignore_ascii_case(&author)) => log.warn(
                &format!(
                    "the comment was posted as `{author}`, not `{}`; set the `comment-author` input to `{author}` so later runs update it instead of adding another",
                    args.comment_author
                ),
            ),
            CommentOutcome::Superseded { head } => log.notice(
                &format!(
                    "the pull request moved on to {head} while this run judged {head_sha}; the comment is left to the run for the newer commit"
                ),
            ),
            _ => {}
        }
    }
    if args.check_run {
        client
            .publish_check_run(&check_run(report, head_sha, markdown, to.report_only))
            .await?;
    }
    Ok(())
}

fn comment_when(mode: CommentMode) -> Option<CommentWhen> {
    match mode {
        CommentMode::Always => Some(CommentWhen::Always),
        CommentMode::OnFailure => Some(CommentWhen::OnFailure),
        CommentMode::Never => None,
    }
}

fn read_only_warning(cause: &str) -> String {
    format!(
        "the token cannot write to this repository ({cause}), so no pull request comment or check run was posted; \
         the exit code, job summary and annotations above still give the verdict. Pull requests from forks get a \
         read-only token under `pull_request`: to comment on them, run checkgate on `pull_request_target` as the \
         checkgate README describes"
    )
}

/// The check run for `report` on `head_sha`. A failing gate concludes
/// `failure`, or `neutral` when the base policy says `report-only`: branch
/// protection counts `neutral` as passing, so only the base may choose it.
pub fn check_run(report: &Report, head_sha: &str, markdown: &str, report_only: bool) -> CheckRun {
    let mut annotations = annotations(report);
    let omitted = annotations.len().saturating_sub(MAX_ANNOTATIONS);
    annotations.truncate(MAX_ANNOTATIONS);
    CheckRun {
        name: CHECK_NAME.to_string(),
        head_sha: head_sha.to_string(),
        conclusion: match (report.passed, report_only) {
            (true, _) => "success",
            (false, false) => "failure",
            (false, true) => "neutral",
        },
        title: report::verdict(report),
        summary: markdown.to_string(),
        text: (omitted > 0).then(|| format!("{omitted} more open item(s) are not annotated; the summary lists them.")),
        annotations,
    }
}

/// One annotation per open item of a failing requirement in a checklist file
/// (`failure` for deny, `warning` for warn); an item failing several rules is
/// annotated once, at its most severe level.
pub fn annotations(report: &Report) -> Vec<Annotation> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for level in [Level::Deny, Level::Warn] {
        for (path, req, item) in report.open_items(level) {
            if path == Source::PrBody.display() || !seen.insert((path, item.line)) {
                continue;
            }
            let message = match &item.note {
                Some(note) => format!("{} ({note}) — {}", report::shown_text(&item.text), req.message),
                None => format!("open: {} — {}", report::shown_text(&item.text), req.message),
            };
            out.push(Annotation {
                path: path.to_string(),
                line: item.line.max(1),
                level: match level {
                    Level::Deny => "failure",
                    Level::Warn => "warning",
                },
                title: format!("checkgate: {}", req.rule),
                message,
            });
        }
    }
    out
}
