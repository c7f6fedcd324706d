//! Attacks by a hostile pull request author or a hostile server, made against
//! the local GitHub API of tests/support or the built binary (issue 8): a
//! list that cannot be read completely is never trusted (§1.4); text they
//! control never becomes a workflow command (§2.5), never carries the token
//! out in any encoding (§2.6), and never makes the bot link or
//! cross-reference anything (§2.7); and no server can stall, flood or crash a
//! run (§3.8–3.10).

mod support;

use base64::Engine;
use checkgate::action::{self, ActionArgs, GithubEnv};
use checkgate::cli::Exit;
use checkgate::github::RetryPolicy;
use serde_json::{Value, json};
use support::{ChangedFile, FakeGitHub, Pull, Scripted, TOKEN};

const HEAD: &str = "3333333333333333333333333333333333333333";
const BASE: &str = "4444444444444444444444444444444444444444";
const PR: u64 = 9;

const POLICY: &str = "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Must\"\n";

/// One run and everything it left where a user (or the runner) reads it.
struct Ran {
    exit: Exit,
    out: String,
    err: String,
    summary: String,
    outputs: String,
    /// Every body checkgate sent to GitHub (comments, check runs).
    posted: String,
}

impl Ran {
    fn everything(&self) -> String {
        [&self.out, &self.err, &self.summary, &self.outputs, &self.posted]
            .map(String::as_str)
            .join("\n")
    }

    /// The runner obeys `::cmd::` at a line's start and `##[cmd]` anywhere;
    /// a line ends at LF, CR or CR LF. The only commands allowed are
    /// checkgate's own, whose properties are escaped (no `:` left in them).
    fn assert_no_smuggled_command(&self) {
        let own = regex::Regex::new(r"^::(error|warning|notice) [^:]*::").expect("regex");
        for (channel, text) in [
            ("stdout", &self.out),
            ("stderr", &self.err),
            ("summary", &self.summary),
            ("outputs", &self.outputs),
        ] {
            for line in text.split(['\n', '\r']) {
                assert!(!line.contains("##["), "{channel}: legacy command in {line:?}");
                if line.trim_start().starts_with("::") {
                    assert!(
                        channel == "stdout" && own.is_match(line),
                        "{channel}: command in {line:?}"
                    );
                }
                for c in ['\u{2028}', '\u{2029}', '\u{85}', '\u{b}', '\u{c}'] {
                    assert!(!line.contains(c), "{channel}: separator {c:?} in {line:?}");
                }
            }
        }
    }
}

fn args() -> ActionArgs {
    ActionArgs {
        verbose: true,
        ..support::action_args()
    }
}

/// The base has the policy and `base_list`, the head `head_list`; pull
/// request 9 changes READY.md.
fn repo(gh: &FakeGitHub, base_list: &str, head_list: &str) {
    gh.put_file(BASE, ".github/checkgate.toml", POLICY);
    gh.put_file(BASE, "READY.md", base_list);
    gh.put_file(HEAD, "READY.md", head_list);
    gh.set_pull(Pull::new(PR, HEAD, BASE));
    gh.set_changed_files(vec![ChangedFile::modified("READY.md")]);
}

async fn run_args(gh: &FakeGitHub, args: &ActionArgs) -> Ran {
    let dir = tempfile::tempdir().expect("temp dir");
    let payload = json!({"number": PR, "pull_request": {"number": PR, "body": null,
        "head": {"sha": HEAD}, "base": {"sha": BASE}}});
    let env: GithubEnv = support::action_env(gh, dir.path(), "pull_request", &payload, HEAD);
    let retry = RetryPolicy {
        time_scale: 0.0,
        ..RetryPolicy::default()
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let exit = action::run_with(args, &env, retry, &mut out, &mut err).await;
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    let posted = gh
        .requests()
        .iter()
        .filter_map(|r| r.body.as_ref().map(Value::to_string))
        .collect::<Vec<_>>()
        .join("\n");
    Ran {
        exit,
        out: String::from_utf8(out).expect("utf-8"),
        err: String::from_utf8(err).expect("utf-8"),
        summary: read("summary.md"),
        outputs: read("output"),
        posted,
    }
}

async fn run(gh: &FakeGitHub) -> Ran {
    run_args(gh, &args()).await
}

const READY: &str = "# Ready\n## Must\n- [x] Tests pass\n- [ ] Rollback plan\n";

// §2.5 Nothing printed is a command ---------------------------------------------

#[tokio::test]
async fn an_ambiguous_heading_quoted_in_an_error_cannot_set_an_output() {
    // The pull request makes `section = "Must"` ambiguous with a heading that
    // carries a legacy command; the error quotes the heading path.
    let gh = FakeGitHub::start().await;
    let head = "# A ##[set-output name=passed;]true\n## Must\n- [ ] x\n# B\u{2028}::set-output name=passed::true\n## Must\n- [ ] y\n";
    repo(&gh, READY, head);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error, "{}", ran.err);
    ran.assert_no_smuggled_command();
    assert!(
        ran.err.contains(
            "section \"Must\" matches 2 sections in READY.md: line 2 \"A ##\u{2060}[set-output name=passed;]true > Must\", \
             line 5 \"B ::set-output name=passed::true > Must\""
        ),
        "{}",
        ran.err
    );
}

#[tokio::test]
async fn a_contents_type_with_line_breaks_is_flattened() {
    let gh = FakeGitHub::start().await;
    repo(&gh, READY, READY);
    // Bytes GraphQL sends no text for are read through REST contents.
    gh.put_bytes(HEAD, "READY.md", b"\xff\xfe");
    gh.script(Scripted::json(
        "GET",
        "/contents/READY.md",
        200,
        json!({"type": "submodule\n::set-output name=passed::true\r##[error]x", "size": 1, "sha": "x",
               "name": "READY.md", "path": "READY.md"}),
    ));
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error);
    ran.assert_no_smuggled_command();
    assert!(
        ran.err.contains(&format!(
            "checkgate: error: READY.md at {HEAD} is a submodule\\n::set-output name=passed::tr…, not a file"
        )),
        "{}",
        ran.err
    );
}

#[tokio::test]
async fn an_api_error_body_cannot_issue_commands() {
    let gh = FakeGitHub::start().await;
    repo(&gh, READY, READY);
    gh.script(Scripted::new(
        "POST",
        "/graphql",
        422,
        "nope\u{2029}::add-mask::x ##[set-output name=passed;]true\u{85}\u{1b}[2J",
    ));
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error);
    ran.assert_no_smuggled_command();
    assert!(
        ran.err
            .contains("HTTP 422: nope\\u{2029}::add-mask::x ##\u{2060}[set-output name=passed;]true\\u{85}\\u{1b}[2J"),
        "{}",
        ran.err
    );
}

#[tokio::test]
async fn a_login_from_the_server_cannot_issue_commands() {
    let gh = FakeGitHub::start().await;
    repo(&gh, READY, READY);
    gh.script(
        Scripted::json(
            "POST",
            &format!("/issues/{PR}/comments"),
            201,
            // 1001 is the check run created at the start.
            json!({"id": 1002, "body": "<!-- checkgate -->", "user": {"login": "evil ##[set-output name=passed;]true"}}),
        )
        .applied(),
    );
    let ran = run(&gh).await;
    ran.assert_no_smuggled_command();
    assert!(
        ran.out
            .contains("the comment was posted as `evil ##\u{2060}[set-output name=passed;]true`"),
        "{}",
        ran.out
    );
}

#[tokio::test]
async fn item_text_cannot_issue_commands_in_any_channel() {
    let gh = FakeGitHub::start().await;
    let head = "# Ready\n## Must\n- [ ] ##[set-output name=passed;]true :: ::error::x \u{2028}::warning::y\n";
    repo(&gh, head, head);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    ran.assert_no_smuggled_command();
    // The report output still decodes to the item's own text.
    let report = ran.outputs.split_once("report<<").expect("report output").1;
    let json_text = report.split_once('\n').expect("delimiter").1;
    let value: Value = serde_json::Deserializer::from_str(json_text)
        .into_iter()
        .next()
        .expect("json")
        .expect("valid json");
    assert_eq!(
        value.pointer("/checklists/0/requirements/0/open/0/text"),
        Some(&json!("##[set-output name=passed;]true :: ::error::x ::warning::y"))
    );
}

// §2.6 The token, in any encoding, is redacted first -----------------------------

/// The token written the ways a checklist, a server or a proxy could.
fn encodings() -> Vec<(&'static str, String)> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    let mut out = vec![
        ("literal", TOKEN.to_string()),
        ("percent", TOKEN.bytes().map(|b| format!("%{b:02X}")).collect()),
        ("percent-lower", TOKEN.bytes().map(|b| format!("%{b:02x}")).collect()),
        (
            "json-escaped",
            TOKEN.chars().map(|c| format!("\\u{:04x}", c as u32)).collect(),
        ),
    ];
    for (name, prefix) in [
        ("base64", ""),
        ("base64+1", "x"),
        ("base64+2", "xy"),
        ("basic-auth", "x-access-token:"),
    ] {
        out.push((name, STANDARD.encode(format!("{prefix}{TOKEN}"))));
        out.push((name, URL_SAFE.encode(format!("{prefix}{TOKEN}?>"))));
    }
    out
}

/// The middle of an encoding: always inside the part that encodes the token.
fn middle(encoded: &str) -> &str {
    let at = encoded.len() / 2;
    &encoded[at - 8..at + 8]
}

/// No 10-character run of `secret` is left in `text`.
fn assert_gone(what: &str, secret: &str, text: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for w in chars.windows(10) {
        let piece: String = w.iter().collect();
        assert!(!text.contains(&piece), "{what}: `{piece}` survived in\n{text}");
    }
}

#[tokio::test]
async fn a_checklist_quoting_the_token_in_any_encoding_publishes_none_of_it() {
    for (name, encoded) in encodings() {
        let gh = FakeGitHub::start().await;
        // `_` is escaped by the markdown renderer: redaction must come first.
        let head = format!("# Ready\n## Must\n- [ ] rotate {encoded} now\n");
        repo(&gh, READY, &head);
        let ran = run(&gh).await;
        assert_eq!(ran.exit, Exit::Fail, "{name}: {}", ran.err);
        // Redacted, then escaped: `***` reaches the markdown as `\*\*\*`
        // (with the one or two base64 characters either side that mix in a
        // neighbour).
        assert!(
            ran.summary.contains("rotate ") && ran.summary.contains("\\*\\*\\*"),
            "{name}: {}",
            ran.summary
        );
        assert!(
            !ran.everything().contains(middle(&encoded)),
            "{name}: {}",
            ran.everything()
        );
        assert_gone(name, TOKEN, &ran.everything());
        assert_gone(name, &TOKEN.replace('_', "\\_"), &ran.everything());
    }
}

#[tokio::test]
async fn a_token_past_300_characters_of_an_error_body_is_redacted_before_the_cut() {
    for (name, encoded) in encodings() {
        let gh = FakeGitHub::start().await;
        repo(&gh, READY, READY);
        let message = format!("{}{encoded} trailing", "x".repeat(290));
        gh.script(Scripted::new("POST", "/graphql", 422, &message));
        let ran = run(&gh).await;
        assert_eq!(ran.exit, Exit::Error, "{name}");
        assert!(ran.err.contains(&"x".repeat(200)), "{name}: {}", ran.err);
        assert!(
            !ran.everything().contains(middle(&encoded)),
            "{name}: {}",
            ran.everything()
        );
        // What survives the cut is no prefix of the token either.
        assert!(!ran.everything().contains(&TOKEN[..6]), "{name}: {}", ran.everything());
    }
}

// §1.4 A list that cannot be read completely is never trusted --------------------

#[tokio::test]
async fn a_flood_of_comment_reviews_cannot_hide_a_change_request() {
    // alice approves, 3,000 comment-only reviews follow, then alice requests
    // changes: the deciding review is past the 30 pages checkgate reads.
    let gh = FakeGitHub::start().await;
    repo(&gh, READY, READY);
    let policy =
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nitem = \"Tests pass\"\napproved-by = [\"alice\"]\n";
    gh.put_file(BASE, ".github/checkgate.toml", policy);
    gh.add_review("alice", "APPROVED", HEAD);
    for _ in 0..3_000 {
        gh.add_review("mallory", "COMMENTED", HEAD);
    }
    gh.add_review("alice", "CHANGES_REQUESTED", HEAD);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error, "{}", ran.out);
    assert!(
        ran.err.contains(
            "checkgate: error: GraphQL pullRequest.reviews: the list goes on past the 3000 entries checkgate reads; it cannot be judged from part of the list"
        ),
        "{}",
        ran.err
    );
}

#[tokio::test]
async fn a_file_list_shorter_than_the_pull_requests_count_applies_every_when_changed_rule() {
    // GitHub says 5 files change but lists one (no further page): the file
    // that triggers the rule may be among the four missing.
    let gh = FakeGitHub::start().await;
    repo(&gh, READY, READY);
    let policy = "[[checklist]]\npath = \"READY.md\"\nwhen-changed = [\"migrations/**\"]\n[[checklist.require]]\nsection = \"Must\"\n";
    gh.put_file(BASE, ".github/checkgate.toml", policy);
    gh.update_pull(|p| p.changed_files = Some(5));
    gh.set_changed_files(vec![ChangedFile::modified("docs/x.md")]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail, "{}", ran.err);
    assert!(
        ran.summary.contains(
            "GitHub listed 1 of the 5 files this pull request changes: the list is incomplete, so every when-changed rule is applied and every checklist is compared with the base"
        ),
        "{}",
        ran.summary
    );
    // The same list, complete, skips the rule: the count is what decides.
    gh.update_pull(|p| p.changed_files = None);
    assert_eq!(run(&gh).await.exit, Exit::Pass);
}

#[tokio::test]
async fn a_comment_list_past_the_pages_read_is_an_error_not_a_second_comment() {
    let gh = FakeGitHub::start().await;
    repo(&gh, READY, READY);
    // Every page says there is another.
    gh.state().endless_comments = true;
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error);
    assert!(
        ran.err
            .contains("GraphQL pullRequest.comments: the list goes on past the 0 entries checkgate reads"),
        "{}",
        ran.err
    );
    assert!(gh.marked_comments().is_empty());
}

// §3 Bounded in time, memory and input; no panics ----------------------------------

/// The built binary as a runner starts it, with `extra` environment on top.
fn run_binary(gh: &FakeGitHub, extra: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let payload = dir.path().join("event.json");
    let event = json!({"number": PR, "pull_request": {"number": PR, "body": null,
        "head": {"sha": HEAD}, "base": {"sha": BASE}}});
    std::fs::write(&payload, event.to_string()).expect("write event");
    let mut cmd = support::action_command(dir.path());
    cmd.envs([
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", &payload.display().to_string()),
        ("GITHUB_REPOSITORY", &format!("{}/{}", support::OWNER, support::REPO)),
        ("GITHUB_API_URL", &gh.uri()),
        ("GITHUB_SHA", HEAD),
        ("INPUT_TOKEN", TOKEN),
    ]);
    cmd.envs(extra.iter().copied());
    let output = cmd.output().expect("run checkgate");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_token_with_a_line_break_or_control_character_is_an_error_not_a_panic() {
    let gh = FakeGitHub::start().await;
    repo(&gh, READY, READY);
    for bad in ["ghs_a\nb", "ghs_a\rb", "ghs_a\u{7f}b", "ghs_a\u{1}b"] {
        let (code, out, err) = run_binary(&gh, &[("INPUT_TOKEN", bad)]);
        assert_eq!(code, Some(2), "{bad:?}: {err}");
        assert_eq!(
            err,
            "checkgate: error: the token contains a character an HTTP header cannot carry (a line break or another control character); check the `token` input\n",
            "{bad:?}"
        );
        assert!(out.starts_with("::error title=checkgate::the token contains"), "{out}");
    }
    assert!(gh.requests().is_empty(), "nothing is sent with a bad token");
}

#[tokio::test]
async fn a_retry_after_too_large_for_a_duration_is_an_error_not_a_panic() {
    let gh = FakeGitHub::start().await;
    repo(&gh, READY, READY);
    // A 5xx first, so a wait is already on the books when the huge one comes.
    gh.script(Scripted::new("POST", "/graphql", 502, "bad gateway"));
    gh.script(Scripted::new("POST", "/graphql", 429, "slow down").header("retry-after", "18446744073709551615"));
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error);
    assert!(
        ran.err.contains(
            "POST /graphql: gave up after 2 attempt(s): HTTP 429: slow down (next wait of 18446744073709551615 s exceeds the retry budget)"
        ),
        "{}",
        ran.err
    );
}

/// A server on its own thread that answers every request with `head` (status
/// line and headers) and then whatever `body` writes until the client goes
/// away. Returns its URL and how many body bytes it got out.
fn raw_server(
    head: &'static str,
    body: fn(&mut std::net::TcpStream) -> std::io::Result<usize>,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = sent.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                request.push(byte[0]);
            }
            if stream.write_all(head.as_bytes()).is_err() {
                continue;
            }
            // Bounded so a broken client cannot keep the thread for ever.
            for _ in 0..100_000 {
                match body(&mut stream) {
                    Ok(n) => counter.fetch_add(n as u64, Ordering::Relaxed),
                    Err(_) => break,
                };
            }
        }
    });
    (url, sent)
}

/// One byte, then a pause: each read succeeds, the response never ends.
fn drip(stream: &mut std::net::TcpStream) -> std::io::Result<usize> {
    use std::io::Write;
    stream.write_all(b" ")?;
    stream.flush()?;
    std::thread::sleep(std::time::Duration::from_millis(200));
    Ok(1)
}

/// An endless body, 64 KiB at a time.
fn flood(stream: &mut std::net::TcpStream) -> std::io::Result<usize> {
    use std::io::Write;
    stream.write_all(&[b' '; 64 * 1024])?;
    Ok(64 * 1024)
}

const STREAMING: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n";

#[tokio::test]
async fn a_server_dripping_one_byte_at_a_time_meets_the_request_deadline() {
    let gh = FakeGitHub::start().await;
    let (url, _) = raw_server(STREAMING, drip);
    let (code, out, err) = run_binary(&gh, &[("GITHUB_API_URL", &url), ("INPUT_REQUEST-TIMEOUT", "1")]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        "checkgate: error: POST /graphql: no complete response within 1 s (the `request-timeout` input); the server is too slow or stalled\n"
    );
    assert!(out.starts_with("::error title=checkgate::POST /graphql"), "{out}");
}

#[tokio::test]
async fn a_server_dripping_one_byte_at_a_time_meets_the_run_deadline() {
    let gh = FakeGitHub::start().await;
    let (url, _) = raw_server(STREAMING, drip);
    let env = [
        ("GITHUB_API_URL", url.as_str()),
        ("INPUT_TIMEOUT", "0.5"),
        ("INPUT_REQUEST-TIMEOUT", "120"),
    ];
    let (code, _, err) = run_binary(&gh, &env);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        "checkgate: error: POST /graphql: the run's deadline of 0.5 s (the `timeout` input) passed during this request\n"
    );
}

#[tokio::test]
async fn a_timeout_that_is_not_a_number_of_seconds_is_a_usage_error() {
    let gh = FakeGitHub::start().await;
    let (code, _, err) = run_binary(&gh, &[("INPUT_TIMEOUT", "ten minutes")]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains(
            "invalid value 'ten minutes' for '--timeout <TIMEOUT>': `ten minutes` is not a positive number of seconds"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn an_endless_response_is_abandoned_at_the_limit_not_buffered() {
    let gh = FakeGitHub::start().await;
    let (url, sent) = raw_server(STREAMING, flood);
    let (code, _, err) = run_binary(&gh, &[("GITHUB_API_URL", &url)]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        "checkgate: error: POST /graphql: the response is larger than 33554432 bytes; checkgate stopped reading there\n"
    );
    // What the server got out before checkgate hung up: the limit plus what
    // the sockets buffer, not the endless rest.
    let sent = sent.load(std::sync::atomic::Ordering::Relaxed);
    assert!(sent < 48 * 1024 * 1024, "{sent} bytes sent");
}

#[tokio::test]
async fn a_huge_contents_response_for_a_small_file_is_refused_at_its_own_limit() {
    // A 100-byte file served inside a 4 MB response: a contents response
    // carries at most an inlined file (1 MB), far below the general limit.
    let gh = FakeGitHub::start().await;
    repo(&gh, READY, READY);
    // Bytes GraphQL sends no text for are read through REST contents.
    gh.put_bytes(HEAD, "READY.md", b"\xff\xfe");
    let padding = " ".repeat(4 * 1024 * 1024);
    gh.script(Scripted::json(
        "GET",
        "/contents/READY.md",
        200,
        json!({"type": "file", "size": 100, "sha": "x", "encoding": "base64",
               "content": base64::engine::general_purpose::STANDARD.encode(READY), "padding": padding}),
    ));
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Error);
    assert!(ran.err.contains("/contents/READY.md?ref="), "{}", ran.err);
    assert!(
        ran.err
            .contains(": the response is larger than 1533542 bytes; checkgate stopped reading there"),
        "{}",
        ran.err
    );
}

// §2.7 The bot's comment links nothing ----------------------------------------------

#[tokio::test]
async fn item_text_cannot_make_the_bots_comment_link_or_cross_reference() {
    let gh = FakeGitHub::start().await;
    let head =
        "# Ready\n## Must\n- [ ] see https://evil.example/x, www.evil.example, fixes #12, org/repo#4, GH-3, @alice\n";
    repo(&gh, head, head);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, Exit::Fail);
    let comment = &gh.marked_comments()[0].body;
    let check_run = gh.state().check_runs[0].created["output"]["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let escaped = "see https:&#8203;//evil.example/x, www&#8203;.evil.example, fixes \\#&#8203;12, \
                   org/repo\\#&#8203;4, GH&#8203;-3, @&#8203;alice";
    // (`&#8203;` itself is the one `#` before a digit allowed.)
    let links = regex::Regex::new(r"https?://evil|www\.evil|(^|[^&])#\d|GH-\d|@alice").expect("regex");
    for (what, markdown) in [
        ("comment", comment),
        ("check run", &check_run),
        ("summary", &ran.summary),
    ] {
        assert!(markdown.contains(escaped), "{what}: {markdown}");
        assert!(!links.is_match(markdown), "{what}: {markdown}");
    }
}

#[test]
fn the_command_line_defuses_what_it_prints_too() {
    // `checkgate check` in a workflow step: its stdout and stderr are read by
    // the runner just the same.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join(".github")).expect("mkdir");
    std::fs::write(dir.path().join(".github/checkgate.toml"), POLICY).expect("policy");
    let ambiguous = "# A ##[set-output name=passed;]true\n## Must\n- [ ] x\n# B\n## Must\n- [ ] y\n";
    std::fs::write(dir.path().join("READY.md"), ambiguous).expect("checklist");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_checkgate"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("run checkgate");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = run(&["check"]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        ".github/checkgate.toml:4:11: section \"Must\" matches 2 sections in READY.md: \
         line 2 \"A ##\u{2060}[set-output name=passed;]true > Must\", line 5 \"B > Must\"; \
         name more of the heading path, e.g. \"Parent > Must\"\n\
         checkgate: error: .github/checkgate.toml does not fit the checklist: 1 problem(s)\n"
    );

    let open = "# Ready\n## Must\n- [ ] ::set-output name=passed::true ##[error]x\n";
    std::fs::write(dir.path().join("READY.md"), open).expect("checklist");
    for format in ["text", "json", "markdown", "github"] {
        let (code, out, _) = run(&["check", "--format", format]);
        assert_eq!(code, Some(1), "{format}");
        assert!(!out.contains("##["), "{format}: {out}");
        for line in out.lines() {
            assert!(
                !line.trim_start().starts_with("::") || line.starts_with("::error file=READY.md,"),
                "{format}: {line}"
            );
        }
    }
}
