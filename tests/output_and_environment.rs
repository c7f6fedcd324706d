//! Issue 20 §4, against the built binary and the local GitHub API: the
//! argument parser's own errors are defused like all other output, nothing
//! rendered as markdown can draw LaTeX, and the runner's files are read and
//! written only when they are regular files, within bounds.

mod support;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{ChangedFile, FakeGitHub, OWNER, Pull, REPO, TOKEN};

const PAYLOAD: &str = "octokit__webhooks__payload-examples__api.github.com__pull_request__opened.payload.json";
/// `pull_request.head.sha` and `base.sha` of that payload.
const HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const BASE: &str = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";

const POLICY: &str = "[[checklist]]\npath = \"docs/READY.md\"\n[[checklist.require]]\nsection = \"Must\"\n";

/// Wait for `child` at most `limit`; a run that outlives it is killed and
/// the test fails (the hang is the bug).
fn finish(mut child: Child, limit: Duration) -> Output {
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "checkgate still ran after {limit:?}: stderr {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `checkgate action` with a `pull_request` job's variables; `vars`
/// override or add to them.
fn action(gh: Option<&FakeGitHub>, dir: &Path, event_path: &Path, vars: &[(&str, &str)]) -> Output {
    let mut cmd: Command = support::action_command(dir);
    let api = gh.map_or_else(|| "http://127.0.0.1:9".to_string(), FakeGitHub::uri);
    cmd.envs([
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_REPOSITORY", &format!("{OWNER}/{REPO}")),
        ("GITHUB_API_URL", &api),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_SHA", HEAD),
        ("GITHUB_EVENT_PATH", &event_path.display().to_string()),
        ("GITHUB_STEP_SUMMARY", &dir.join("summary.md").display().to_string()),
        ("GITHUB_OUTPUT", &dir.join("output").display().to_string()),
        ("INPUT_TOKEN", TOKEN),
    ]);
    cmd.envs(vars.iter().copied());
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    finish(cmd.spawn().expect("spawn checkgate"), Duration::from_secs(60))
}

/// Each line as the runner reads it (a line ends at LF, CR or CR LF).
fn runner_lines(text: &str) -> Vec<&str> {
    text.split(['\n', '\r']).collect()
}

/// No line the runner would obey: `::cmd` at its start, `##[` anywhere.
fn assert_inert(text: &str) {
    for line in runner_lines(text) {
        assert!(
            !line.trim_start().starts_with("::"),
            "a live command: {line:?}\nin {text}"
        );
        assert!(!line.contains("##["), "a live legacy command: {line:?}\nin {text}");
    }
}

/// A value for an input that breaks its line and carries commands.
const HOSTILE: &str = "5\n::error::pwned\r##[add-mask]x\n  ::set-output name=passed::true";

#[test]
fn an_invalid_input_value_cannot_reach_the_runner_through_the_parsers_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let event = dir.path().join("event.json");
    std::fs::write(&event, "{}").expect("event");
    for input in ["TIMEOUT", "REQUEST-TIMEOUT", "FAIL", "CHECK-RUN", "COMMENT"] {
        let var = format!("INPUT_{input}");
        let out = action(None, dir.path(), &event, &[(&var, HOSTILE)]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}: {stderr}");
        assert!(
            stderr.starts_with(
                "error: invalid value '5\n:\u{2060}:error::pwned\\r##\u{2060}[add-mask]x\n  :\u{2060}:set-output"
            ),
            "{var}: {stderr}"
        );
        assert_inert(&stdout);
        assert_inert(&stderr);
    }
    // The message as a user sees it, for one input.
    let out = action(None, dir.path(), &event, &[("INPUT_TIMEOUT", "5\n::error::pwned")]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: invalid value '5\n:\u{2060}:error::pwned' for '--timeout <TIMEOUT>': `5\n\
         :\u{2060}:error::pwned` is not a positive number of seconds\n\nFor more information, try '--help'.\n"
    );
}

#[test]
fn every_flags_parser_error_is_defused_and_the_token_redacted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_checkgate"))
            .args(args)
            .env("INPUT_TOKEN", TOKEN)
            .current_dir(dir.path())
            .output()
            .expect("run checkgate");
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let hostile_token = format!("x\n::error::{TOKEN}");
    for args in [
        vec!["list", "--format", HOSTILE, "a.md"],
        vec!["check", "--max-bytes", HOSTILE],
        vec!["check", "--format", &hostile_token],
        vec!["--nonsense\n::error::x"],
        vec!["list\n##[group]x"],
    ] {
        let (code, stderr) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert_inert(&stderr);
        assert!(!stderr.contains(TOKEN), "{args:?}: the token in {stderr}");
    }
    let (code, stderr) = run(&["check", "--format", &hostile_token]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("error: invalid value 'x\n:\u{2060}:error::***' for '--format <FORMAT>'"),
        "{stderr}"
    );
    // Help and version still go to stdout with exit 0.
    let out = Command::new(env!("CARGO_BIN_EXE_checkgate"))
        .arg("--version")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("checkgate {}\n", env!("CARGO_PKG_VERSION"))
    );
}

/// The pull request of the payload, changing a checklist whose open item
/// is `item`.
fn seed(gh: &FakeGitHub, item: &str) {
    gh.put_file(BASE, ".github/checkgate.toml", POLICY);
    gh.put_file(BASE, "docs/READY.md", "# Ready\n\n## Must\n\n- [x] Tests pass\n");
    gh.put_file(
        HEAD,
        "docs/READY.md",
        &format!("# Ready\n\n## Must\n\n- [x] Tests pass\n- [ ] {item}\n"),
    );
    gh.set_pull(Pull::new(2, HEAD, BASE));
    gh.set_changed_files(vec![ChangedFile::modified("docs/READY.md")]);
}

#[tokio::test]
async fn an_item_cannot_draw_latex_in_the_comment_or_the_check_run() {
    let Some(payload) = support::event(PAYLOAD) else { return };
    let gh = FakeGitHub::start().await;
    let fake = r"$\color{green}{\Huge\textsf{✅ checkgate: all requirements hold}}$ $$x^2$$ ```math";
    seed(&gh, fake);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = action(Some(&gh), dir.path(), &payload, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let comment = gh.marked_comments()[0].body.clone();
    let summary = gh.state().check_runs[0].created["output"]["summary"]
        .as_str()
        .expect("check run summary")
        .to_string();
    let job_summary = std::fs::read_to_string(dir.path().join("summary.md")).expect("summary");
    let shown = concat!(
        r"- <span>$</span>\\color{green}{\\Huge\\textsf{✅ checkgate: all requirements hold}}<span>$</span> ",
        r"<span>$</span><span>$</span>x^2<span>$</span><span>$</span> \`\`\`math · "
    );
    for markdown in [&comment, &summary, &job_summary] {
        assert!(markdown.contains(shown), "{markdown}");
        assert!(
            !markdown.replace("<span>$</span>", "").contains('$'),
            "a bare dollar sign: {markdown}"
        );
        assert!(!markdown.contains("```"), "{markdown}");
    }
}

#[cfg(unix)]
fn fifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn an_event_path_that_is_not_a_regular_file_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pipe = dir.path().join("event.fifo");
    fifo(&pipe);
    for (path, kind) in [
        (pipe.as_path(), "a named pipe (FIFO)"),
        (Path::new("/dev/zero"), "a character device"),
        (dir.path(), "a directory"),
    ] {
        let started = Instant::now();
        // A short `timeout` too: the refusal does not wait for it.
        let out = action(None, dir.path(), path, &[("INPUT_TIMEOUT", "30")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(
            stderr,
            format!(
                "checkgate: error: cannot read the event payload {}: it is {kind}, not a regular file\n",
                path.display()
            )
        );
        assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    }
}

#[test]
fn an_event_payload_over_githubs_limit_is_refused_unread() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("event.json");
    // Sparse: 40 GB that take no space, and would take minutes to read.
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(40 << 30).expect("set_len");
    let out = action(None, dir.path(), &path, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "checkgate: error: cannot read the event payload {}: it is larger than 26214400 bytes (GitHub's limit on an event payload)\n",
            path.display()
        )
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_summary_or_outputs_file_that_is_not_a_regular_file_is_refused_without_hanging() {
    let Some(payload) = support::event(PAYLOAD) else { return };
    for (var, what) in [
        ("GITHUB_STEP_SUMMARY", "the step summary"),
        ("GITHUB_OUTPUT", "the step outputs"),
    ] {
        let gh = FakeGitHub::start().await;
        seed(&gh, "Rollback plan tested");
        let dir = tempfile::tempdir().expect("temp dir");
        let pipe = dir.path().join("pipe");
        fifo(&pipe);
        let out = action(Some(&gh), dir.path(), &payload, &[(var, &pipe.display().to_string())]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}: {stderr}");
        assert_eq!(
            stderr,
            format!(
                "checkgate: error: cannot write {what} {}: it is a named pipe (FIFO), not a regular file\n",
                pipe.display()
            )
        );
        // A FIFO with a reader is refused too, not written to.
        let reader_path = pipe.clone();
        let reader = std::thread::spawn(move || std::fs::read(reader_path));
        let out = action(Some(&gh), dir.path(), &payload, &[(var, &pipe.display().to_string())]);
        assert_eq!(out.status.code(), Some(2));
        // Release the reader: open for writing once, write nothing.
        drop(std::fs::OpenOptions::new().write(true).open(&pipe));
        assert_eq!(reader.join().expect("reader").expect("read"), b"");
    }
}

#[tokio::test]
async fn new_summary_and_outputs_files_are_created() {
    let Some(payload) = support::event(PAYLOAD) else { return };
    let gh = FakeGitHub::start().await;
    seed(&gh, "Rollback plan tested");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = action(Some(&gh), dir.path(), &payload, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        std::fs::read_to_string(dir.path().join("summary.md"))
            .expect("summary")
            .starts_with("## ❌ checkgate")
    );
    assert!(
        std::fs::read_to_string(dir.path().join("output"))
            .expect("outputs")
            .starts_with("passed<<ghadelimiter_")
    );
}

/// A pull request that passes its checklist and changes only `changed`.
fn seed_passing(gh: &FakeGitHub, changed: &[&str]) {
    gh.put_file(BASE, ".github/checkgate.toml", POLICY);
    let ready = "# Ready\n\n## Must\n\n- [x] Tests pass\n";
    gh.put_file(BASE, "docs/READY.md", ready);
    gh.put_file(HEAD, "docs/READY.md", ready);
    gh.set_pull(Pull::new(2, HEAD, BASE));
    gh.set_changed_files(changed.iter().map(|p| ChangedFile::modified(p)).collect());
}

#[tokio::test]
async fn rewriting_a_local_actions_code_is_a_workflow_change_that_fail_false_cannot_soften() {
    let Some(payload) = support::event(PAYLOAD) else { return };
    for (action_file, changed, dir) in [
        ("tools/gate/action.yml", "tools/gate/dist/index.js", "./tools/gate"),
        ("deploy/action.yaml", "deploy/Dockerfile", "./deploy"),
        ("action.yml", "src/entrypoint.sh", "./"),
    ] {
        let gh = FakeGitHub::start().await;
        seed_passing(&gh, &[changed]);
        for sha in [BASE, HEAD] {
            gh.put_file(sha, action_file, "runs:\n  using: node20\n  main: dist/index.js\n");
            gh.put_file(sha, changed, "evil();\n");
        }
        let dir_path = tempfile::tempdir().expect("temp dir");
        let out = action(Some(&gh), dir_path.path(), &payload, &[("INPUT_FAIL", "false")]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{changed}: {stdout}");
        assert!(
            stdout.contains(&format!(
                "::error file=.github/workflows,title=checkgate%3A workflow unchanged by the pull request::this pull \
                 request changes {changed} (code of the local action at {dir}), and GitHub runs `pull_request` \
                 workflows from the pull request itself"
            )),
            "{changed}: {stdout}"
        );
        assert!(
            stdout.contains("::warning title=checkgate::the `fail: false` input is ignored"),
            "{stdout}"
        );
        assert_eq!(gh.state().check_runs[0].created["conclusion"], "failure");
    }
    // Without a local action there, the same change is no workflow change.
    let gh = FakeGitHub::start().await;
    seed_passing(&gh, &["tools/gate/dist/index.js"]);
    let dir_path = tempfile::tempdir().expect("temp dir");
    let out = action(Some(&gh), dir_path.path(), &payload, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}
