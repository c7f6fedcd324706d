//! Reading user files without trusting them: a FIFO would block, `/dev/zero`
//! never ends, and a file can grow between `stat` and `read`.

use std::path::Path;

/// Why [`read_bounded`] returned no bytes.
#[derive(Debug)]
pub enum Bounded {
    NotFound,
    IsDirectory,
    /// A FIFO, socket or device (`/dev/zero`): it could block or never end.
    NotRegular,
    /// At least this many bytes, over the limit.
    TooLarge(u64),
    Io(std::io::Error),
}

/// Read a regular file (symlinks followed) of at most `max_bytes`. The limit
/// is enforced on what is read, not only on the size the file system reports,
/// so a file that grows while being read cannot exhaust memory.
pub fn read_bounded(path: &Path, max_bytes: u64) -> Result<Vec<u8>, Bounded> {
    use std::io::Read;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Bounded::NotFound),
        Err(e) => return Err(Bounded::Io(e)),
    };
    if meta.is_dir() {
        return Err(Bounded::IsDirectory);
    }
    if !meta.is_file() {
        return Err(Bounded::NotRegular);
    }
    if meta.len() > max_bytes {
        return Err(Bounded::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(Bounded::Io)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Bounded::Io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(Bounded::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}
