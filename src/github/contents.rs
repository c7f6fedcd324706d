//! Reading one file at a commit through the contents API (and the blobs
//! API for files over 1 MB), never more than a size limit.

use http::Method;
use serde::Deserialize;
use serde_json::Value;

use super::client::{Client, Transport};
use super::{GithubError, encode_path, encode_segment, truncate_chars};
use crate::sanitize;

/// A file read through the contents API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    File(Vec<u8>),
    /// No such path at that ref.
    Missing,
    /// A directory, symlink or submodule: the kind GitHub reports.
    NotAFile(String),
    /// Larger than the limit, in bytes.
    TooLarge(u64),
}

/// The contents API inlines files up to this size; larger ones come through
/// the blobs API.
const INLINE_MAX_BYTES: u64 = 1024 * 1024;

/// Most bytes read of a contents or blob response for a file of at most
/// `max_bytes`: base64 (4/3, plus GitHub's line breaks) and the JSON around it.
fn response_limit(max_bytes: u64) -> u64 {
    max_bytes.saturating_mul(14) / 10 + 64 * 1024
}

impl<T: Transport> Client<T> {
    /// The file at `path` in commit or branch `git_ref`, through the contents
    /// API (the blobs API for files over 1 MB, which the contents API sends
    /// without their content). Never reads more than `max_bytes`.
    pub async fn get_file(&self, path: &str, git_ref: &str, max_bytes: u64) -> Result<Content, GithubError> {
        #[derive(Deserialize)]
        struct Entry {
            #[serde(rename = "type")]
            kind: String,
            #[serde(default)]
            size: u64,
            #[serde(default)]
            sha: String,
            #[serde(default)]
            content: Option<String>,
            #[serde(default)]
            encoding: Option<String>,
        }
        let url = format!(
            "{}?ref={}",
            self.repo_path(&format!("contents/{}", encode_path(path))),
            encode_segment(git_ref)
        );
        // A contents response never carries more than an inlined file, so a
        // huge one is refused early whatever `max_bytes` allows.
        let limit = response_limit(max_bytes.min(INLINE_MAX_BYTES));
        let r = match self.send_limited(Method::GET, &url, None, true, limit).await {
            Ok(r) => r,
            Err(e) if e.is_not_found() => return Ok(Content::Missing),
            Err(e) => return Err(e),
        };
        let value: Value = self.decode(Method::GET, &url, &r)?;
        if value.is_array() {
            return Ok(Content::NotAFile("directory".into()));
        }
        let entry: Entry =
            serde_json::from_value(value).map_err(|e| self.decode_error(Method::GET, &url, &e.to_string()))?;
        if entry.kind != "file" {
            // The kind is the server's word: one short line of it at most.
            return Ok(Content::NotAFile(truncate_chars(
                &sanitize::line(&self.redact(&entry.kind)),
                40,
            )));
        }
        if entry.size > max_bytes {
            return Ok(Content::TooLarge(entry.size));
        }
        let (encoded, encoding, from) = match (entry.content, entry.encoding.as_deref()) {
            (Some(c), Some("base64")) => (c, "base64".to_string(), url),
            _ => {
                // Over 1 MB: the contents API leaves `content` empty.
                #[derive(Deserialize)]
                struct Blob {
                    content: String,
                    encoding: String,
                }
                let blob_url = self.repo_path(&format!("git/blobs/{}", encode_segment(&entry.sha)));
                let limit = response_limit(max_bytes);
                let r = self.send_limited(Method::GET, &blob_url, None, true, limit).await?;
                let blob: Blob = self.decode(Method::GET, &blob_url, &r)?;
                (blob.content, blob.encoding, blob_url)
            }
        };
        if encoding != "base64" {
            return Err(self.decode_error(Method::GET, &from, &format!("unexpected content encoding `{encoding}`")));
        }
        let compact: Vec<u8> = encoded.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, compact)
            .map_err(|e| self.decode_error(Method::GET, &from, &format!("content is not base64: {e}")))?;
        if bytes.len() as u64 > max_bytes {
            return Ok(Content::TooLarge(bytes.len() as u64));
        }
        Ok(Content::File(bytes))
    }
}
