//! The process exit codes every subcommand returns, below both `cli` and
//! `action` so neither has to import the other for them.

/// Process exit codes, as documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The gate passes (or the command succeeded).
    Pass = 0,
    /// At least one deny-level requirement fails.
    Fail = 1,
    /// Usage, policy, I/O or API error; no verdict.
    Error = 2,
}
