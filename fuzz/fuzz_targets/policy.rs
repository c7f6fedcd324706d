//! Policy text → validated policy → verdict on a fixed checklist. A policy
//! can come from a pull request's own branch, so the loader must refuse
//! anything with diagnostics, never panic.
#![no_main]

use checkgate::checklist;
use checkgate::engine::{self, EngineError, Loader};
use checkgate::eval::{Context, Signoffs};
use checkgate::policy::{Policy, Source};
use checkgate::report::{self, MarkdownOptions};
use libfuzzer_sys::fuzz_target;

const CHECKLIST: &str = "# Release\n\n## Must Have\n\n- [x] Rollback plan tested\n- [ ] Load test at 2x peak\n\
    - [x] ~~Canary~~ N/A: US only\n\n## Security\n\n1. [ ] Security review: @acme/security\n   - [x] Secrets rotated\n";

struct Fixed;

impl Loader for Fixed {
    fn head(&self, _source: &Source) -> Result<Option<String>, EngineError> {
        Ok(Some(CHECKLIST.to_string()))
    }
    fn base(&self, _source: &Source) -> Result<Option<String>, EngineError> {
        Ok(Some(CHECKLIST.replace("[x]", "[ ]")))
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let policy = match Policy::parse("fuzz.toml", text) {
        Ok(policy) => policy,
        Err(err) => {
            let _ = err.to_string();
            return;
        }
    };
    let _ = checklist::parse("x.md", CHECKLIST);
    let ctx = Context {
        changed_files: Some(vec!["src/main.rs".into(), "docs/READY.md".into()]),
        changed_files_truncated: false,
        signoffs: Some(Signoffs {
            approvers: vec!["alice".into()],
            teams: [("acme/security".to_string(), vec!["bob".to_string()])].into(),
        }),
        // Fields added to the context later keep their defaults here.
        ..Context::default()
    };
    for ctx in [Context::default(), ctx] {
        match engine::check(&policy, &Fixed, &ctx) {
            Ok(report) => {
                let _ = report::text(&report);
                let _ = report::json(&report);
                let _ = report::github_commands(&report);
                let _ = report::markdown(&report, &MarkdownOptions::default());
            }
            Err(err) => {
                let _ = err.to_string();
            }
        }
    }
});
