//! The runner's own files, named by environment variables: the event payload
//! (`GITHUB_EVENT_PATH`, read) and the job summary and step outputs
//! (`GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`, appended).
//!
//! A variable can name anything: a named pipe, whose open waits for a writer
//! that never comes (past the `timeout` input, which only bounds API
//! requests); `/dev/zero`, read until memory runs out; a directory. So each
//! file is opened without waiting (`O_NONBLOCK`), checked to be a regular
//! file on the handle itself (no race between a check and the open), and the
//! event is read to a size bound and within the run's deadline. An output
//! file may also be new: it is created.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// Most bytes of an event payload read: GitHub caps webhook payloads at
/// 25 MB, and the runner writes the payload it received.
pub const MAX_EVENT_BYTES: u64 = 25 * 1024 * 1024;

/// Why a runner file was refused or could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RunnerFileError {
    #[error("it is {0}, not a regular file")]
    NotRegular(&'static str),
    #[error("it is larger than {limit} bytes (GitHub's limit on an event payload)")]
    TooLarge { limit: u64 },
    #[error("reading it took longer than the run's deadline of {} s (the `timeout` input)", .0.as_secs_f64())]
    Deadline(Duration),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What kind of file `meta` describes, in words, when it is not a regular file.
fn irregular(meta: &std::fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Open `path` without waiting on it, and refuse anything but a regular file
/// (judged before the open, for a clear message, and again on the handle,
/// in case the path changed in between).
fn open_regular(path: &Path, options: &mut OpenOptions) -> Result<File, RunnerFileError> {
    match std::fs::metadata(path) {
        Ok(meta) => {
            if let Some(kind) = irregular(&meta) {
                return Err(RunnerFileError::NotRegular(kind));
            }
        }
        // A new outputs file is created below; a missing event fails there.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A FIFO's open would otherwise wait for the other end.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    match irregular(&file.metadata()?) {
        Some(kind) => Err(RunnerFileError::NotRegular(kind)),
        None => Ok(file),
    }
}

/// The event payload at `path`: a regular file of at most
/// [`MAX_EVENT_BYTES`], read within `deadline`.
pub fn read_event(path: &Path, deadline: Duration) -> Result<Vec<u8>, RunnerFileError> {
    let path = path.to_path_buf();
    within(deadline, move || read_bounded(&path, MAX_EVENT_BYTES))
}

fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, RunnerFileError> {
    let file = open_regular(path, OpenOptions::new().read(true))?;
    if file.metadata()?.len() > limit {
        return Err(RunnerFileError::TooLarge { limit });
    }
    let mut bytes = Vec::new();
    // The file may grow after the check: read one byte past the limit at most.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(RunnerFileError::TooLarge { limit });
    }
    Ok(bytes)
}

/// Append `text` to the summary or outputs file at `path`, creating it when
/// it does not exist; anything but a regular file is refused.
pub fn append(path: &Path, text: &str) -> Result<(), RunnerFileError> {
    use std::io::Write;
    let mut file = open_regular(path, OpenOptions::new().create(true).append(true))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

/// Run `read` on a thread of its own and wait at most `deadline` for it: a
/// read from a stalled file system cannot hold the run past its deadline.
/// The thread is left behind on a timeout; the process exits soon after.
pub fn within<T: Send + 'static>(
    deadline: Duration,
    read: impl FnOnce() -> Result<T, RunnerFileError> + Send + 'static,
) -> Result<T, RunnerFileError> {
    let (send, receive) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("checkgate-runner-file".into())
        .spawn(move || {
            let _ = send.send(read());
        });
    if let Err(e) = spawned {
        return Err(RunnerFileError::Io(e));
    }
    match receive.recv_timeout(deadline) {
        Ok(result) => result,
        Err(_) => Err(RunnerFileError::Deadline(deadline)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_blocks_is_abandoned_at_the_deadline() {
        let started = std::time::Instant::now();
        let result = within(Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_secs(30));
            Ok(())
        });
        assert_eq!(
            result.unwrap_err().to_string(),
            "reading it took longer than the run's deadline of 0.05 s (the `timeout` input)"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_file_over_the_bound_is_refused_and_one_at_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_bounded(&path, 10).unwrap(), b"0123456789");
        assert_eq!(
            read_bounded(&path, 9).unwrap_err().to_string(),
            "it is larger than 9 bytes (GitHub's limit on an event payload)"
        );
    }

    #[test]
    fn a_directory_is_refused_for_reading_and_appending() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_bounded(dir.path(), 10).unwrap_err().to_string(),
            "it is a directory, not a regular file"
        );
        assert!(append(dir.path(), "x").is_err());
        let new = dir.path().join("new-output");
        append(&new, "a=1\n").unwrap();
        append(&new, "b=2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&new).unwrap(), "a=1\nb=2\n");
    }
}
