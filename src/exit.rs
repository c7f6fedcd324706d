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

/// Turn a panic into a report and exit 2. The release build aborts on panic
/// (`panic = "abort"`), which would otherwise end the step with a bare
/// SIGABRT and no word of why; this hook runs first, says what broke (on
/// stderr, and as an `::error::` in a workflow), and exits with the
/// documented error code. Installed by `main`, never by the library.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        use std::io::Write;
        let token = std::env::var("INPUT_TOKEN").ok();
        let message = panic_report(info, token.as_deref());
        if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
            let command = crate::sanitize::command("error", &[("title", "checkgate")], &message);
            let _ = std::io::stdout().write_all(command.as_bytes());
        }
        let _ = writeln!(std::io::stderr(), "checkgate: error: {message}");
        std::process::exit(Exit::Error as i32);
    }));
}

/// What the panic hook says: where, what, and that it is a bug; redacted
/// and on one line.
pub fn panic_report(info: &std::panic::PanicHookInfo<'_>, token: Option<&str>) -> String {
    let payload = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    let place = info
        .location()
        .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
    let redacted = crate::sanitize::Redactor::new(token).redact(&payload).into_owned();
    format!(
        "internal error{place}: {}. This is a bug in checkgate, not in your pull request or policy; please report it with this message",
        crate::sanitize::line(&redacted)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_report_is_one_redacted_line_naming_the_place() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = seen.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            *sink.lock().unwrap() = panic_report(info, Some("ghs_secret123"));
        }));
        let _ = std::panic::catch_unwind(|| panic!("bad value ghs_secret123\n::set-output name=x::y"));
        std::panic::set_hook(previous);
        let report = seen.lock().unwrap().clone();
        assert!(report.starts_with("internal error at src/exit.rs:"), "{report}");
        assert!(
            report.ends_with(
                ": bad value ***\\n::set-output name=x::y. This is a bug in checkgate, not in your pull request or policy; please report it with this message"
            ),
            "{report}"
        );
    }
}
