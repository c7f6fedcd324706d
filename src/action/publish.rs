//! Publishing a verdict: annotations, job summary and step outputs first, then
//! the sticky comment and the check run.

use super::judge::{Judged, SkippedPull};
use super::outputs::{Log, outputs};
use super::{ActionArgs, ActionError, CHECK_NAME, CommentMode, MAX_ANNOTATIONS};
use crate::eval::{Code, Level, Report};
use crate::exit::Exit;
use crate::github::{self, Annotation, CheckRun, Client, CommentOutcome, CommentWhen, GithubError};
use crate::policy::Source;
use crate::report;
use crate::sanitize;

/// Annotations, job summary and outputs (always), then the comment and the
/// check run. The exit code comes from the report; an API failure can only
/// turn it into an error (2), never into a pass.
pub(super) async fn report_and_publish<T: github::Transport>(
    args: &ActionArgs,
    client: &Client<T>,
    judged: Judged,
    siblings: Vec<Sibling>,
    started: Option<Result<u64, GithubError>>,
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
        enforcement,
        base_branch,
        own_runs,
        ..
    } = judged;
    // Checklist text is the pull request author's: nothing derived from it
    // may carry the token out (it was redacted as it was read; this is the
    // second line of defence).
    let markdown = client.redact(&markdown);
    let (summary_note, comment_note) = enforcement_notes(enforcement.as_ref(), base_branch.as_deref());
    log.commands(&report::github_commands(&report));
    let summary = log.summary(&format!("{markdown}\n{}", summary_note.unwrap_or_default()));
    let outputs = log.outputs(&outputs(&report));
    let local_error = summary.and(outputs).err();

    let published = Published {
        pull,
        head_sha: head_sha.as_deref(),
        report_only,
        comments,
        started,
        comment_note,
        siblings: &siblings,
        base_branch: base_branch.as_deref().unwrap_or_default(),
        own_runs,
    };
    // Whether a check run now holds the merge in progress while evidence is
    // pending: only then may a pending step exit 0.
    let holds = args.check_run && head_sha.is_some();
    let (api_error, held) = match publish(args, client, published, &report, &markdown, log).await {
        Ok(()) => (None, holds),
        Err(e) if e.is_read_only() => {
            log.warn(&read_only_warning(&e.to_string()));
            let _ = log.summary(
                "> [!WARNING]\n> The token is read-only here, so checkgate posted no comment or check run. \
                 For fork pull requests, use the `pull_request_target` recipe in checkgate's README.\n",
            );
            (None, false)
        }
        Err(e) => (Some(ActionError::from(e)), false),
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
    let waiting = report.waiting_for().join(", ");
    if report.pending && held {
        log.notice(&format!(
            "waiting for: {waiting}. Nothing failed, and the evidence above is not there yet: the {CHECK_NAME} check run \
             stays in progress until a later run (on the event that reports it) completes it"
        ));
        return Exit::Pass;
    }
    if report.pending {
        // Fail closed: with no check run left in progress, a passing step
        // would let the merge through before the evidence is in.
        log.warn(&format!(
            "waiting for: {waiting}. No {CHECK_NAME} check run holds the merge while it waits (`check-run: false`, \
             a read-only token, or no commit to post on), so the step fails until the evidence is in"
        ));
    }
    // The step fails with the check run: with every pull request the commit heads.
    let passed = report.passed && siblings.iter().all(Sibling::passed);
    match (passed, fail) {
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
    /// The check run created `in_progress` at the start, if any.
    started: Option<Result<u64, GithubError>>,
    /// Said once in the comment, after the report.
    comment_note: Option<String>,
    /// The other open pull requests this commit heads, judged.
    siblings: &'a [Sibling],
    base_branch: &'a str,
    /// checkgate's check runs on the head that earlier runs left in
    /// progress: completed with this verdict, so none stays stuck.
    own_runs: Vec<u64>,
}

/// Another open pull request whose head is the commit judged, and its verdict.
#[derive(Debug, Clone)]
pub(super) struct Sibling {
    pub(super) number: u64,
    pub(super) base: String,
    /// Passed, and whether its base policy is `report-only`; `None` when its
    /// base has no policy (not gated).
    pub(super) verdict: Option<(bool, bool)>,
}

impl Sibling {
    fn passed(&self) -> bool {
        self.verdict.is_none_or(|(passed, _)| passed)
    }
}

/// A check run's conclusion, strictest last.
fn conclusion(passed: bool, report_only: bool) -> &'static str {
    match (passed, report_only) {
        (true, _) => "success",
        (false, false) => "failure",
        (false, true) => "neutral",
    }
}

/// The strictest of `run`'s conclusion and the siblings': a check run on a
/// commit speaks for every pull request it heads. The summary lists each.
fn speak_for_siblings(run: &mut CheckRun, own: (u64, &str), passed: bool, siblings: &[Sibling]) {
    if siblings.is_empty() {
        return;
    }
    let rank = |c: &str| match c {
        "failure" => 2,
        "neutral" => 1,
        _ => 0,
    };
    let own_verdict = if passed { "✅ passes" } else { "❌ fails" };
    let mut rows = vec![(own.0, own.1.to_string(), run.conclusion, own_verdict)];
    rows.extend(siblings.iter().map(|s| match s.verdict {
        Some((passed, report_only)) => (
            s.number,
            s.base.clone(),
            conclusion(passed, report_only),
            if passed { "✅ passes" } else { "❌ fails" },
        ),
        None => (s.number, s.base.clone(), "success", "not gated: no policy at its base"),
    }));
    if let Some(strictest) = rows.iter().map(|r| r.2).max_by_key(|c| rank(c)) {
        run.conclusion = strictest;
    }
    let mut table = format!(
        "\n### This commit is the head of {} open pull requests\n\nThe check's conclusion is the strictest of their verdicts.\n\n| Pull request | Base | Verdict |\n|---|---|---|\n",
        rows.len()
    );
    for (number, base, _, verdict) in rows {
        table.push_str(&format!(
            "| pull request {number} | {} | {verdict} |\n",
            if base.is_empty() {
                "—".to_string()
            } else {
                code_span(&base)
            }
        ));
    }
    run.summary.push_str(&table);
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
    let identities = vec![args.comment_author.clone()];
    let body = match &to.comment_note {
        Some(note) => format!("{markdown}\n{note}"),
        None => markdown.to_string(),
    };
    // The comment and the check run are independent: they go out together.
    let comment = async {
        match (to.pull, comment_when(args.comment)) {
            (Some(number), Some(when)) => github::upsert_sticky_comment(
                client,
                number,
                &identities,
                &body,
                when,
                !report.passed,
                Some(head_sha),
                to.comments,
            )
            .await
            .map(Some),
            _ => Ok(None),
        }
    };
    let check = async {
        if !args.check_run {
            return Ok(());
        }
        let mut run = check_run(report, head_sha, markdown, to.report_only);
        if let Some(number) = to.pull {
            speak_for_siblings(&mut run, (number, to.base_branch), report.passed, to.siblings);
        }
        let started = match to.started {
            Some(Ok(id)) => Some(id),
            Some(Err(e)) if e.is_read_only() => return Err(e),
            _ => None,
        };
        let earlier = to.own_runs.iter().filter(|id| Some(**id) != started);
        if report.pending {
            // Left in progress: a required check blocks without showing red.
            let held = match client.hold_check_run(started, &run).await {
                Ok(held) => held,
                Err(e) => {
                    // Not left in progress without the output that says why.
                    if let Some(id) = started {
                        fail_check_run(client, id, &e.to_string()).await;
                    }
                    return Err(e);
                }
            };
            let superseded = CheckRun {
                conclusion: "cancelled",
                title: "superseded: a newer checkgate run on this commit waits for the evidence".to_string(),
                summary: format!("The check run {held} of this commit carries the verdict."),
                text: None,
                annotations: Vec::new(),
                ..run.clone()
            };
            for id in earlier.filter(|id| **id != held) {
                client.complete_check_run(*id, &superseded).await?;
            }
            return Ok(());
        }
        match started {
            Some(id) => finish(client, id, &run).await?,
            // Not created at the start: create it completed now.
            None => {
                client.publish_check_run(&run).await?;
            }
        }
        // The runs an earlier run left waiting take the verdict too.
        for id in earlier {
            client.complete_check_run(*id, &run).await?;
        }
        Ok(())
    };
    let (comment, check) = tokio::join!(comment, check);
    let outcome = comment?;
    check?;
    match outcome {
        Some(CommentOutcome::Created {
            author: Some(author), ..
        }) if !identities.iter().any(|i| i.eq_ignore_ascii_case(&author)) => log.warn(&format!(
            "the comment was posted as `{author}`, not `{}`; set the `comment-author` input to `{author}` so later runs update it instead of adding another",
            args.comment_author
        )),
        Some(CommentOutcome::Superseded { head }) => log.notice(&format!(
            "the pull request moved on to {head} while this run judged {head_sha}; the comment is left to the run for the newer commit"
        )),
        _ => {}
    }
    Ok(())
}

/// What to say of the gate's enforcement: in the job summary, and once in
/// the comment. Whether the rules say nothing or could not be read, the
/// comment says nothing it cannot stand behind.
fn enforcement_notes(
    enforcement: Option<&github::Enforcement>,
    branch: Option<&str>,
) -> (Option<String>, Option<String>) {
    match (enforcement, branch) {
        (Some(github::Enforcement::NotRequired), Some(branch)) => {
            let note = format!(
                "> [!WARNING]\n> {CHECK_NAME} is not a required check on {}: this verdict does not block merging\n",
                code_span(branch)
            );
            (Some(note.clone()), Some(note))
        }
        (Some(github::Enforcement::Unknown(_)), _) => (
            Some(format!(
                "> [!NOTE]\n> {CHECK_NAME} could not verify that the check is required on the base branch (its rules are not readable with this token)\n"
            )),
            None,
        ),
        _ => (None, None),
    }
}

/// `text` as an inline code span, whatever backticks it holds: code spans
/// render nothing inside them (no mentions, links or math).
fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    if longest == 0 {
        return format!("`{text}`");
    }
    let fence = "`".repeat(longest + 1);
    format!("{fence} {text} {fence}")
}

/// The run's event named a commit that is no longer the pull request's
/// head: judge nothing for it, complete its check run as superseded, and
/// leave the comment to the run for the new head.
pub(super) async fn superseded<T: github::Transport>(
    client: &Client<T>,
    judged: &str,
    head: &str,
    started: Option<Result<u64, GithubError>>,
    log: &mut Log<'_>,
) -> Exit {
    let short = |sha: &str| sha.chars().take(7).collect::<String>();
    let message = format!(
        "the pull request moved on to {} after this run's event (for {}): nothing is judged for {}, and a newer run judges {}",
        short(head),
        short(judged),
        short(judged),
        short(head)
    );
    log.notice(&message);
    let _ = log.summary(&format!(
        "## checkgate: superseded\n\n{}\n",
        report::escape_markdown(&message)
    ));
    if let Some(Ok(id)) = started {
        let run = CheckRun {
            name: CHECK_NAME.to_string(),
            head_sha: judged.to_string(),
            conclusion: "cancelled",
            title: format!("superseded: a newer run judges {}", short(head)),
            summary: report::escape_markdown(&message),
            text: None,
            annotations: Vec::new(),
        };
        if let Err(e) = finish(client, id, &run).await
            && !e.is_read_only()
        {
            return log.fail(&e.to_string());
        }
    }
    Exit::Pass
}

/// Complete check run `id` with `run`. When GitHub refuses that (other than
/// for a read-only token), complete it as failed with the error instead:
/// a check run this run created is never left in progress. The first
/// error is returned either way.
async fn finish<T: github::Transport>(client: &Client<T>, id: u64, run: &CheckRun) -> Result<(), GithubError> {
    match client.complete_check_run(id, run).await {
        Err(e) if !e.is_read_only() => {
            fail_check_run(client, id, &e.to_string()).await;
            Err(e)
        }
        done => done,
    }
}

/// Complete check run `id` as failed with the error `message`, redacted
/// and inert, within a short grace past the run's deadline (best effort:
/// the step reports the error anyway).
async fn fail_check_run<T: github::Transport>(client: &Client<T>, id: u64, message: &str) {
    client.grace_to_finish();
    let run = CheckRun {
        name: CHECK_NAME.to_string(),
        head_sha: String::new(),
        conclusion: "failure",
        title: "checkgate could not run".to_string(),
        summary: fenced(&sanitize::line(&client.redact(message))),
        text: None,
        annotations: Vec::new(),
    };
    let _ = client.complete_check_run(id, &run).await;
}

/// `text` as a fenced code block, whatever backticks it holds: nothing in
/// it renders (no mentions, links or math), and it cannot close the fence.
fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}\n{text}\n{fence}\n")
}

/// The run ended in an error after its check run may have been created:
/// say so in the job summary and complete the check run (`started`) as
/// failed with the error, redacted and defused; exit 2.
pub(super) async fn failed<T: github::Transport>(
    client: &Client<T>,
    message: &str,
    started: Option<u64>,
    log: &mut Log<'_>,
) -> Exit {
    let _ = log.summary(&format!(
        "## checkgate could not run\n\n{}",
        fenced(&sanitize::line(&client.redact(message)))
    ));
    if let Some(id) = started {
        // Not left running: the step's error is the verdict, even when the
        // error was the run's deadline passing.
        fail_check_run(client, id, message).await;
    }
    log.fail(message)
}

/// What a run cancelled before its verdict says.
const CANCELLED: &str = "this workflow run was cancelled before checkgate reached a verdict: a newer run \
     for the same pull request cancels older ones (the workflow's `concurrency` group), or someone cancelled it. \
     The newest run's check run carries the verdict; if none follows, re-run the workflow";

/// The runner cancelled the step: complete the check run it created
/// (`started`) as `cancelled`, superseded, rather than leave it in
/// progress; no verdict, exit 2.
pub(super) async fn cancelled<T: github::Transport>(
    client: &Client<T>,
    started: Option<u64>,
    log: &mut Log<'_>,
) -> Exit {
    log.warn(CANCELLED);
    let _ = log.summary(&format!(
        "## checkgate: cancelled\n\n{}\n",
        report::escape_markdown(CANCELLED)
    ));
    if let Some(id) = started {
        client.grace_to_finish();
        let run = CheckRun {
            name: CHECK_NAME.to_string(),
            head_sha: String::new(),
            conclusion: "cancelled",
            title: "superseded: this run was cancelled before its verdict".to_string(),
            summary: report::escape_markdown(CANCELLED),
            text: None,
            annotations: Vec::new(),
        };
        if let Err(e) = client.complete_check_run(id, &run).await
            && !e.is_read_only()
        {
            log.warn(&format!("the cancelled run's check run could not be completed: {e}"));
        }
    }
    Exit::Error
}

/// A `[[skip]]` matched: the check run concludes `skipped` (a required
/// check counts it as passing), an existing sticky comment is updated to say
/// so (never created), and the outputs say `skipped=true`, `passed=true`.
pub(super) async fn skipped<T: github::Transport>(
    args: &ActionArgs,
    client: &Client<T>,
    run: SkippedPull,
    started: Option<Result<u64, GithubError>>,
    log: &mut Log<'_>,
) -> Exit {
    let SkippedPull {
        skipped,
        pull,
        head_sha,
        comments,
    } = run;
    let why = format!("{} (the [[skip]] at {})", skipped.because.join("; "), skipped.at);
    log.notice(&format!("{}: {why}", skipped.title));
    let markdown = format!(
        "## {CHECK_NAME}: {}\n\nNot judged: {}\n",
        report::escape_markdown(&skipped.title),
        report::escape_markdown(&why)
    );
    let summary = log.summary(&markdown);
    let outputs = log.outputs(&[("skipped", "true".to_string()), ("passed", "true".to_string())]);
    if let Err(e) = summary.and(outputs) {
        return log.fail(&e.to_string());
    }
    let identities = vec![args.comment_author.clone()];
    let comment = async {
        match (comment_when(args.comment), comments) {
            // Updated when there is one, so a stale failure does not stand;
            // a skipped pull request never gets a new comment.
            (Some(_), Some(comments)) => github::upsert_sticky_comment(
                client,
                pull,
                &identities,
                &markdown,
                CommentWhen::OnFailure,
                false,
                Some(&head_sha),
                Some(comments),
            )
            .await
            .map(|_| ()),
            _ => Ok(()),
        }
    };
    let check = async {
        if !args.check_run {
            return Ok(());
        }
        let run = CheckRun {
            name: CHECK_NAME.to_string(),
            head_sha: head_sha.clone(),
            conclusion: "skipped",
            title: skipped.title.clone(),
            summary: markdown.clone(),
            text: None,
            annotations: Vec::new(),
        };
        match started {
            Some(Ok(id)) => finish(client, id, &run).await,
            Some(Err(e)) if e.is_read_only() => Err(e),
            _ => client.publish_check_run(&run).await.map(|_| ()),
        }
    };
    let (comment, check) = tokio::join!(comment, check);
    match comment.and(check) {
        Ok(()) => Exit::Pass,
        Err(e) if e.is_read_only() => {
            log.warn(&read_only_warning(&e.to_string()));
            Exit::Pass
        }
        Err(e) => log.fail(&e.to_string()),
    }
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
        title: if report.pending {
            format!("waiting for: {}", report.waiting_for().join(", "))
        } else {
            report::verdict(report)
        },
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
                Some(note) if *note == req.message => format!("{} — {note}", report::shown_text(&item.text)),
                Some(note) => format!("{} ({note}) — {}", report::shown_text(&item.text), req.message),
                None => format!("open: {} — {}", report::shown_text(&item.text), req.message),
            };
            out.push(Annotation {
                path: path.to_string(),
                line: item.line.max(1),
                level: match (level, req.code) {
                    (_, Code::EvidencePending) => "notice",
                    (Level::Deny, _) => "failure",
                    (Level::Warn, _) => "warning",
                },
                title: format!("checkgate: {}", req.rule),
                message,
            });
        }
    }
    out
}
