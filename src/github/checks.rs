//! The check run: its output and annotations, published in batches of
//! 50 as the Checks API requires.

use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::{Client, Transport};
use super::{GithubError, truncate_chars};

/// GitHub's limit on a check run's output title, summary and text, in characters.
pub const CHECK_OUTPUT_MAX_CHARS: usize = 65_535;
/// GitHub accepts at most this many annotations per check-run request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;

/// What one check-run annotation says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub path: String,
    pub line: usize,
    /// `failure`, `warning` or `notice`.
    pub level: &'static str,
    pub title: String,
    pub message: String,
}

impl Annotation {
    fn to_json(&self) -> Value {
        json!({
            "path": self.path,
            "start_line": self.line,
            "end_line": self.line,
            "annotation_level": self.level,
            "title": truncate_chars(&self.title, 255),
            "message": truncate_chars(&self.message, 4_000),
        })
    }
}

/// A completed check run to publish.
#[derive(Debug, Clone)]
pub struct CheckRun {
    pub name: String,
    pub head_sha: String,
    /// `success`, `failure`, `neutral` or `cancelled` (superseded).
    pub conclusion: &'static str,
    pub title: String,
    pub summary: String,
    pub text: Option<String>,
    pub annotations: Vec<Annotation>,
}

/// What is read of GitHub's answer to creating a check run: its id.
#[derive(Deserialize)]
struct Created {
    id: u64,
}

impl<T: Transport> Client<T> {
    /// Create check run `name` on `head_sha` as `in_progress`, so an older
    /// verdict on that commit does not stand while this run judges it.
    /// Returns the id, for [`Client::complete_check_run`].
    pub async fn start_check_run(&self, name: &str, head_sha: &str) -> Result<u64, GithubError> {
        let path = self.repo_path("check-runs");
        let body = json!({ "name": name, "head_sha": head_sha, "status": "in_progress" });
        // The answer describes the run just created: a small object.
        let r = self
            .send_limited(Method::POST, &path, Some(&body), true, 1024 * 1024)
            .await?;
        let created: Created = self.decode(Method::POST, &path, &r)?;
        Ok(created.id)
    }

    /// Complete the check run `id` (from [`Client::start_check_run`]) with
    /// `run`'s verdict; annotations past the first 50 follow in updates of 50.
    pub async fn complete_check_run(&self, id: u64, run: &CheckRun) -> Result<(), GithubError> {
        let update = self.repo_path(&format!("check-runs/{id}"));
        let mut batches = run.annotations.chunks(ANNOTATIONS_PER_REQUEST);
        let first = batches.next().unwrap_or_default();
        let body = json!({
            "status": "completed",
            "conclusion": run.conclusion,
            "output": output(run, first),
        });
        self.send(Method::PATCH, &update, Some(&body), true).await?;
        self.annotate_further(id, run, batches).await
    }

    /// Leave a check run `in_progress` with `run`'s output (its
    /// `conclusion` is not sent): the run `id` when there is one, else a new
    /// one on `run.head_sha`. A required check that is in progress blocks a
    /// merge without showing red; a later run completes it. Returns the id.
    pub async fn hold_check_run(&self, id: Option<u64>, run: &CheckRun) -> Result<u64, GithubError> {
        let mut batches = run.annotations.chunks(ANNOTATIONS_PER_REQUEST);
        let first = batches.next().unwrap_or_default();
        let id = match id {
            Some(id) => {
                let body = json!({ "status": "in_progress", "output": output(run, first) });
                self.send(
                    Method::PATCH,
                    &self.repo_path(&format!("check-runs/{id}")),
                    Some(&body),
                    true,
                )
                .await?;
                id
            }
            None => {
                let path = self.repo_path("check-runs");
                let body = json!({
                    "name": run.name,
                    "head_sha": run.head_sha,
                    "status": "in_progress",
                    "output": output(run, first),
                });
                let r = self.send(Method::POST, &path, Some(&body), true).await?;
                let created: Created = self.decode(Method::POST, &path, &r)?;
                created.id
            }
        };
        self.annotate_further(id, run, batches).await?;
        Ok(id)
    }

    /// Create a completed check run; annotations beyond the first 50 go in
    /// follow-up updates of 50 each, as the Checks API requires. Returns the id.
    pub async fn publish_check_run(&self, run: &CheckRun) -> Result<u64, GithubError> {
        let mut batches = run.annotations.chunks(ANNOTATIONS_PER_REQUEST);
        let first = batches.next().unwrap_or_default();
        let path = self.repo_path("check-runs");
        let body = json!({
            "name": run.name,
            "head_sha": run.head_sha,
            "status": "completed",
            "conclusion": run.conclusion,
            "output": output(run, first),
        });
        // A duplicate check run is harmless (GitHub shows the newest of a name
        // per commit), so unlike a comment this POST is retried on 5xx.
        let r = self.send(Method::POST, &path, Some(&body), true).await?;
        let created: Created = self.decode(Method::POST, &path, &r)?;
        self.annotate_further(created.id, run, batches).await?;
        Ok(created.id)
    }

    /// Add the annotations past the first request's 50 to check run `id`,
    /// 50 to an update, as the Checks API requires.
    async fn annotate_further(
        &self,
        id: u64,
        run: &CheckRun,
        batches: std::slice::Chunks<'_, Annotation>,
    ) -> Result<(), GithubError> {
        let update = self.repo_path(&format!("check-runs/{id}"));
        for batch in batches {
            self.send(
                Method::PATCH,
                &update,
                Some(&json!({ "output": output(run, batch) })),
                true,
            )
            .await?;
        }
        Ok(())
    }
}

/// A check run's `output` carrying `batch` of its annotations.
fn output(run: &CheckRun, batch: &[Annotation]) -> Value {
    let mut o = json!({
        "title": truncate_chars(&run.title, 1_000),
        "summary": truncate_chars(&run.summary, CHECK_OUTPUT_MAX_CHARS),
        "annotations": batch.iter().map(Annotation::to_json).collect::<Vec<_>>(),
    });
    if let Some(text) = &run.text {
        o["text"] = json!(truncate_chars(text, CHECK_OUTPUT_MAX_CHARS));
    }
    o
}
