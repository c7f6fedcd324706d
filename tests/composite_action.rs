//! The composite action (`action.yml` and `action/install.sh`) run the way a
//! GitHub runner runs it, against local servers.
//!
//! A small stand-in runner parses action.yml, substitutes the `${{ }}`
//! contexts the action uses (`inputs`, `github`, `runner`, `steps`), runs each
//! `run:` step with `bash --noprofile --norc -eo pipefail` (GitHub's `bash`
//! shell), and between steps honours `GITHUB_OUTPUT`, `GITHUB_ENV` and
//! `GITHUB_PATH`, both `name=value` and `name<<DELIMITER` forms. A wiremock
//! server plays the release host: it serves archives of the freshly built
//! binary in the layout release.yml publishes, with their `SHA256SUMS`. The
//! end-to-end runs point the binary at the local GitHub API of tests/support.
//!
//! Steps run with a PATH of only the tools the script needs (no `gh`, no
//! `cargo` unless a test puts a fake one there), so no test builds or
//! downloads anything real. Unix only: bash and the tar/zip tools stand in
//! for all three runner operating systems, and `RUNNER_OS`/`RUNNER_ARCH` are
//! set to each of them.
#![cfg(unix)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use regex::Regex;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use support::{FakeGitHub, OWNER, Pull, REPO, TOKEN};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const BINARY: &str = env!("CARGO_BIN_EXE_checkgate");
/// `github.action_repository` as the runner would set it.
const ACTION_REPOSITORY: &str = "OWNER/checkgate";

/// runner.os, runner.arch, the release target the action must pick.
const PLATFORMS: [(&str, &str, &str); 5] = [
    ("Linux", "X64", "x86_64-unknown-linux-musl"),
    ("Linux", "ARM64", "aarch64-unknown-linux-musl"),
    ("macOS", "X64", "x86_64-apple-darwin"),
    ("macOS", "ARM64", "aarch64-apple-darwin"),
    ("Windows", "X64", "x86_64-pc-windows-msvc"),
];

/// What the runner reads from action.yml. Steps deny unknown fields, so a
/// `uses:` step (another action) does not parse.
#[derive(Debug, Deserialize)]
struct ActionYml {
    inputs: BTreeMap<String, Input>,
    outputs: BTreeMap<String, OutputDef>,
    runs: Runs,
}

#[derive(Debug, Deserialize)]
struct Input {
    default: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OutputDef {
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Runs {
    using: String,
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    name: String,
    id: String,
    shell: String,
    #[serde(default)]
    env: BTreeMap<String, String>,
    run: String,
}

fn action_yml() -> ActionYml {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let text = std::fs::read_to_string(&path).expect("read action.yml");
    serde_norway::from_str(&text).expect("action.yml is a composite action of run steps")
}

/// One step as it ran.
#[derive(Debug)]
struct StepRun {
    id: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl StepRun {
    /// Lines the runner would read as workflow commands.
    fn commands(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| l.trim_start().starts_with("::") || l.contains("##["))
            .collect()
    }
}

/// The whole action as it ran: its steps (up to the first failure), the
/// action's outputs, and what the steps added to PATH.
#[derive(Debug)]
struct ActionRun {
    steps: Vec<StepRun>,
    step_outputs: BTreeMap<String, BTreeMap<String, String>>,
    outputs: BTreeMap<String, String>,
    path_added: Vec<String>,
}

impl ActionRun {
    fn step(&self, id: &str) -> &StepRun {
        self.steps
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("step {id} did not run: {:#?}", self.steps))
    }

    fn output(&self, step: &str, name: &str) -> Option<&str> {
        self.step_outputs.get(step)?.get(name).map(String::as_str)
    }
}

/// A stand-in for the GitHub runner, for one job.
struct Runner {
    action: ActionYml,
    os: String,
    arch: String,
    with: BTreeMap<String, String>,
    github: BTreeMap<String, String>,
    /// The job's environment: `GITHUB_*` variables the binary reads.
    job_env: BTreeMap<String, String>,
    /// PATH before any step adds to it.
    path: Vec<PathBuf>,
    temp: PathBuf,
    tool_cache: PathBuf,
    files: PathBuf,
}

impl Runner {
    /// A job on `os`/`arch` whose temp and tool cache live in `dir`.
    fn new(dir: &Path, os: &str, arch: &str) -> Runner {
        let temp = dir.join("runner-temp");
        let tool_cache = dir.join("tool-cache");
        let files = dir.join("file-commands");
        for d in [&temp, &tool_cache, &files] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        let github = BTreeMap::from([
            ("token".to_string(), TOKEN.to_string()),
            ("action_repository".to_string(), ACTION_REPOSITORY.to_string()),
            ("action_path".to_string(), env!("CARGO_MANIFEST_DIR").to_string()),
        ]);
        Runner {
            action: action_yml(),
            os: os.to_string(),
            arch: arch.to_string(),
            with: BTreeMap::new(),
            github,
            job_env: BTreeMap::new(),
            path: vec![tools()],
            temp,
            tool_cache,
            files,
        }
    }

    fn with(mut self, input: &str, value: &str) -> Runner {
        assert!(
            self.action.inputs.contains_key(input),
            "action.yml has no input {input}"
        );
        self.with.insert(input.to_string(), value.to_string());
        self
    }

    /// The value of one `${{ expr }}`. Anything beyond a plain context value
    /// panics, so action.yml cannot grow an expression this runner would get
    /// wrong.
    fn evaluate(
        &self,
        expr: &str,
        inputs: &BTreeMap<String, String>,
        steps: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> String {
        let parts: Vec<&str> = expr.split('.').collect();
        let value = match parts.as_slice() {
            ["inputs", name] => inputs.get(*name),
            ["github", name] => self.github.get(*name),
            ["runner", "os"] => Some(&self.os),
            ["runner", "arch"] => Some(&self.arch),
            ["steps", id, "outputs", name] => steps.get(*id).and_then(|o| o.get(*name)),
            _ => panic!("the stand-in runner does not evaluate `${{{{ {expr} }}}}`"),
        };
        value.cloned().unwrap_or_default()
    }

    fn substitute(
        &self,
        text: &str,
        inputs: &BTreeMap<String, String>,
        steps: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> String {
        let expression = Regex::new(r"\$\{\{\s*(.*?)\s*\}\}").expect("regex");
        expression
            .replace_all(text, |c: &regex::Captures<'_>| self.evaluate(&c[1], inputs, steps))
            .into_owned()
    }

    /// Run every step, or those up to and including `last`.
    fn run(&self, last: Option<&str>) -> ActionRun {
        self.run_steps(last, None)
    }

    /// Run every step, cancelling the workflow run during the `gate` step
    /// once `when` holds, as GitHub's runner cancels a step.
    fn run_cancelled(&self, when: &dyn Fn() -> bool) -> ActionRun {
        self.run_steps(None, Some(when))
    }

    fn run_steps(&self, last: Option<&str>, cancel: Option<&dyn Fn() -> bool>) -> ActionRun {
        let (none, no_steps) = (BTreeMap::new(), BTreeMap::new());
        let inputs: BTreeMap<String, String> = self
            .action
            .inputs
            .iter()
            .map(|(name, input)| {
                let value = match self.with.get(name) {
                    Some(v) => v.clone(),
                    None => self.substitute(input.default.as_deref().unwrap_or(""), &none, &no_steps),
                };
                (name.clone(), value)
            })
            .collect();
        assert_eq!(self.action.runs.using, "composite");

        let mut run = ActionRun {
            steps: Vec::new(),
            step_outputs: BTreeMap::new(),
            outputs: BTreeMap::new(),
            path_added: Vec::new(),
        };
        let mut env_added: BTreeMap<String, String> = BTreeMap::new();
        for (index, step) in self.action.runs.steps.iter().enumerate() {
            assert_eq!(step.shell, "bash", "step {}", step.name);
            let script = self.temp.join(format!("step-{index}.sh"));
            std::fs::write(&script, self.substitute(&step.run, &inputs, &run.step_outputs)).expect("write step");
            let file = |name: &str| {
                let p = self.files.join(format!("{name}-{index}"));
                std::fs::write(&p, "").expect("create file command");
                p
            };
            let (output_file, env_file, path_file) = (file("output"), file("env"), file("path"));
            let path: Vec<String> = run
                .path_added
                .iter()
                .rev()
                .cloned()
                .chain(self.path.iter().map(|p| p.display().to_string()))
                .collect();

            let mut cmd = Command::new(tools().join("bash"));
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script)
                .current_dir(&self.temp)
                .env_clear()
                .envs(&self.job_env)
                .env("PATH", path.join(":"))
                .env("HOME", &self.temp)
                .env("RUNNER_OS", &self.os)
                .env("RUNNER_ARCH", &self.arch)
                .env("RUNNER_TEMP", &self.temp)
                .env("RUNNER_TOOL_CACHE", &self.tool_cache)
                .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_ENV", &env_file)
                .env("GITHUB_PATH", &path_file)
                .envs(&env_added);
            for (name, value) in &step.env {
                cmd.env(name, self.substitute(value, &inputs, &run.step_outputs));
            }
            let started = Instant::now();
            let out = match cancel {
                Some(when) if step.id == "gate" => cancelled(cmd, when),
                _ => cmd.output().expect("run bash"),
            };
            let elapsed = started.elapsed();

            let read = |p: &Path| std::fs::read_to_string(p).expect("read file command");
            run.step_outputs
                .insert(step.id.clone(), file_command(&read(&output_file)).into_iter().collect());
            env_added.extend(file_command(&read(&env_file)));
            run.path_added
                .extend(read(&path_file).lines().filter(|l| !l.is_empty()).map(str::to_string));
            let failed = !out.status.success();
            run.steps.push(StepRun {
                id: step.id.clone(),
                code: out.status.code(),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                elapsed,
            });
            if failed || last == Some(step.id.as_str()) {
                break;
            }
        }
        for (name, output) in &self.action.outputs {
            let value = self.substitute(&output.value, &inputs, &run.step_outputs);
            run.outputs.insert(name.clone(), value);
        }
        run
    }
}

/// Run a step the way GitHub's runner cancels it (*Workflow cancellation
/// reference*): once `when` holds, SIGINT to the step's entry process (the
/// shell running its `run:`), SIGTERM 7.5 s later, the process killed 2.5 s
/// after that.
fn cancelled(mut cmd: Command, when: &dyn Fn() -> bool) -> std::process::Output {
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("run bash");
    let waiting = Instant::now();
    while !when() && child.try_wait().expect("wait").is_none() {
        assert!(
            waiting.elapsed() < Duration::from_secs(60),
            "the step never got that far"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = child.id().to_string();
    let signal = |name: &str| {
        Command::new("kill").args([name, &pid]).status().expect("kill");
    };
    signal("-INT");
    let sent = Instant::now();
    let mut terminated = false;
    while child.try_wait().expect("wait").is_none() {
        if !terminated && sent.elapsed() > Duration::from_millis(7_500) {
            signal("-TERM");
            terminated = true;
        }
        if sent.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().expect("step output")
}

/// `GITHUB_OUTPUT`/`GITHUB_ENV` lines as the runner reads them: `name=value`,
/// or `name<<DELIMITER`, the value's lines, then `DELIMITER` alone.
fn file_command(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                pairs.push((line[..e].to_string(), line[e + 1..].to_string()));
            }
            (_, Some(h)) => {
                let delimiter = &line[h + 2..];
                let mut value = Vec::new();
                loop {
                    match lines.next() {
                        Some(l) if l == delimiter => break,
                        Some(l) => value.push(l),
                        None => panic!("no closing delimiter {delimiter} in:\n{text}"),
                    }
                }
                pairs.push((line[..h].to_string(), value.join("\n")));
            }
            _ => panic!("malformed file command line {line:?}"),
        }
    }
    pairs
}

/// A directory of links to exactly the programs the steps may use.
fn tools() -> PathBuf {
    static TOOLS: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TOOLS
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("composite-action-tools");
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("mkdir tools");
            let system = std::env::var("PATH").unwrap_or_default();
            let programs = [
                "bash",
                "sh",
                "env",
                "curl",
                "tar",
                "gzip",
                "unzip",
                "sed",
                "awk",
                "head",
                "tail",
                "tr",
                "cat",
                "mkdir",
                "mktemp",
                "rm",
                "cp",
                "mv",
                "chmod",
                "touch",
                "dirname",
                "sha256sum",
                "shasum",
            ];
            for program in programs {
                if let Some(found) = std::env::split_paths(&system)
                    .map(|d| d.join(program))
                    .find(|p| p.is_file())
                {
                    std::os::unix::fs::symlink(found, dir.join(program)).expect("link tool");
                }
            }
            dir
        })
        .clone()
}

fn has_tool(name: &str) -> bool {
    tools().join(name).exists()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A release asset: its file name and bytes.
type Asset = (String, Vec<u8>);

/// The release asset for `target` as release.yml packs it, holding
/// `program` (bytes) as `checkgate-v<version>-<target>/checkgate[.exe]`.
fn pack(work: &Path, target: &str, program: &[u8]) -> Asset {
    let top = format!("checkgate-v{VERSION}-{target}");
    if target.contains("windows") {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        zip.start_file(format!("{top}/checkgate.exe"), options)
            .expect("zip entry");
        zip.write_all(program).expect("zip write");
        (format!("{top}.zip"), zip.finish().expect("zip finish").into_inner())
    } else {
        let staging = work.join("staging").join(target);
        std::fs::create_dir_all(staging.join(&top)).expect("mkdir staging");
        let exe = staging.join(&top).join("checkgate");
        std::fs::write(&exe, program).expect("write staged binary");
        std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
        let archive = work.join(format!("{top}.tar.gz"));
        let status = Command::new("sh")
            .args(["-c", r#"tar -cf - -C "$1" "$2" | gzip -1 > "$3""#, "sh"])
            .arg(&staging)
            .arg(&top)
            .arg(&archive)
            .status()
            .expect("tar");
        assert!(status.success(), "tar failed");
        (format!("{top}.tar.gz"), std::fs::read(&archive).expect("read archive"))
    }
}

/// A `SHA256SUMS` file listing `assets` (name, bytes), as release.yml writes it.
fn sha256sums(assets: &[Asset]) -> String {
    assets
        .iter()
        .map(|(n, b)| format!("{}  {n}\n", sha256_hex(b)))
        .collect()
}

/// A release host serving `assets` under `/v<version>/`, and `sums` as their
/// `SHA256SUMS` when given.
async fn release_host(assets: &[Asset], sums: Option<&str>) -> MockServer {
    let server = MockServer::start().await;
    let mut files: Vec<Asset> = assets.to_vec();
    if let Some(sums) = sums {
        files.push(("SHA256SUMS".to_string(), sums.as_bytes().to_vec()));
    }
    for (name, bytes) in files {
        Mock::given(method("GET"))
            .and(path(format!("/v{VERSION}/{name}")))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes))
            .mount(&server)
            .await;
    }
    server
}

/// A release host serving `asset`, listed in its SHA256SUMS.
async fn release_of(asset: &Asset) -> MockServer {
    release_host(
        std::slice::from_ref(asset),
        Some(&sha256sums(std::slice::from_ref(asset))),
    )
    .await
}

async fn requested(server: &MockServer) -> Vec<String> {
    let requests = server.received_requests().await.expect("recording is on");
    requests.iter().map(|r| r.url.path().to_string()).collect()
}

/// The binary the release archives hold: the freshly built one, or, to time
/// the install step with a release-sized binary, `CHECKGATE_RELEASE_BINARY`
/// (e.g. `target/dist/checkgate`; docs/performance.md).
fn release_binary() -> Vec<u8> {
    let path = std::env::var_os("CHECKGATE_RELEASE_BINARY").map_or_else(|| PathBuf::from(BINARY), PathBuf::from);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The genuine release asset for `target`, packed once per test process
/// (the debug binary is large, and several tests serve the same archive).
fn genuine(target: &str) -> Asset {
    static PACKED: std::sync::OnceLock<std::sync::Mutex<BTreeMap<String, Asset>>> = std::sync::OnceLock::new();
    let mut packed = PACKED.get_or_init(Default::default).lock().expect("not poisoned");
    packed
        .entry(target.to_string())
        .or_insert_with(|| {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("composite-action-releases");
            std::fs::create_dir_all(&dir).expect("mkdir");
            pack(&dir, target, &release_binary())
        })
        .clone()
}

/// The install step succeeded and put `checkgate` at `expected` and its
/// directory on PATH.
fn assert_installed(run: &ActionRun, expected: &Path) {
    let install = run.step("install");
    assert_eq!(install.code, Some(0), "{install:#?}");
    assert_eq!(
        run.output("install", "path"),
        Some(expected.to_str().expect("utf-8 path"))
    );
    let dir = expected.parent().expect("parent").display().to_string();
    assert_eq!(run.path_added, [dir], "GITHUB_PATH");
    for line in install.commands() {
        assert!(
            line.starts_with("::warning title=checkgate install::"),
            "unexpected command {line:?}"
        );
    }
}

/// Run the action and expect the install step to stop with exactly one
/// `::error::`, this `message`, and no step after it.
fn assert_refused(runner: &Runner, message: &str) -> ActionRun {
    let run = runner.run(None);
    let install = run.step("install");
    assert_eq!(install.code, Some(2), "{install:#?}");
    assert_eq!(run.steps.len(), 1, "a step ran after the refusal");
    assert_eq!(
        install.commands(),
        [format!("::error title=checkgate install::{message}")]
    );
    assert_eq!(run.output("install", "path"), None);
    assert!(run.path_added.is_empty(), "{:?}", run.path_added);
    run
}

#[tokio::test]
async fn each_runner_os_and_arch_downloads_its_own_asset_checked_against_sha256sums() {
    let binary = release_binary();
    // Every asset of the release is listed in SHA256SUMS; only the runner's
    // own is served, so fetching another would fail the step.
    let all: Vec<Asset> = PLATFORMS.iter().map(|(_, _, t)| genuine(t)).collect();
    let sums = sha256sums(&all);
    for (os, arch, target) in PLATFORMS {
        if os == "Windows" && !has_tool("unzip") {
            println!(
                "SKIPPED: {}: {os}/{arch}: no unzip on this machine",
                std::thread::current()
                    .name()
                    .unwrap_or("each_runner_os_and_arch_downloads_its_own_asset")
            );
            continue;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let mine: Vec<Asset> = all.iter().filter(|(n, _)| n.contains(target)).cloned().collect();
        let host = release_host(&mine, Some(&sums)).await;
        let runner = Runner::new(dir.path(), os, arch).with("download-url", &host.uri());

        let run = runner.run(Some("install"));

        let asset = &mine[0].0;
        assert!(
            asset.ends_with(if os == "Windows" { ".zip" } else { ".tar.gz" }),
            "{asset}"
        );
        assert_eq!(
            requested(&host).await,
            [format!("/v{VERSION}/SHA256SUMS"), format!("/v{VERSION}/{asset}")],
            "{os}/{arch}"
        );
        let exe = if os == "Windows" { "checkgate.exe" } else { "checkgate" };
        let arch_dir = arch.to_lowercase();
        let cached = runner.tool_cache.join(format!("checkgate/{VERSION}/{arch_dir}/{exe}"));
        assert_installed(&run, &cached);
        assert!(
            runner
                .tool_cache
                .join(format!("checkgate/{VERSION}/{arch_dir}.complete"))
                .is_file()
        );
        assert_eq!(std::fs::read(&cached).expect("cached binary"), binary);
        let stdout = &run.step("install").stdout;
        let listed = sums
            .lines()
            .find_map(|l| l.strip_suffix(&format!("  {asset}")))
            .expect("listed");
        assert!(
            stdout.contains(&format!("checkgate: {asset} matches SHA256SUMS ({listed})")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("checkgate: using checkgate {VERSION} at ")),
            "{stdout}"
        );
        println!(
            "install step, {os}/{arch}, download from the local server: {} ms",
            run.step("install").elapsed.as_millis()
        );
    }
}

#[tokio::test]
async fn a_second_run_uses_the_tool_cache_and_downloads_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let asset = genuine("x86_64-unknown-linux-musl");
    let host = release_of(&asset).await;
    let runner = Runner::new(dir.path(), "Linux", "X64").with("download-url", &host.uri());
    let cached = runner.tool_cache.join(format!("checkgate/{VERSION}/x64/checkgate"));

    let first = runner.run(Some("install"));
    assert_installed(&first, &cached);
    assert_eq!(requested(&host).await.len(), 2);

    let second = runner.run(Some("install"));
    assert_installed(&second, &cached);
    assert_eq!(requested(&host).await.len(), 2, "the second run downloaded something");
    let stdout = &second.step("install").stdout;
    assert!(
        stdout.contains(&format!("checkgate: found checkgate {VERSION} in the tool cache")),
        "{stdout}"
    );
    println!(
        "install step: {} ms with a download, {} ms from the tool cache",
        first.step("install").elapsed.as_millis(),
        second.step("install").elapsed.as_millis()
    );
}

/// A Linux/X64 job whose release archive's `checkgate` is a script that
/// leaves `marker` behind if anything ever runs it.
struct Trap {
    runner: Runner,
    asset: Asset,
    marker: PathBuf,
    host: MockServer,
}

/// The trap, served with a SHA256SUMS listing `listed` (or the trapped
/// archive itself).
async fn trap(dir: &Path, listed: Option<Asset>) -> Trap {
    let marker = dir.join("trapped-binary-ran");
    let script = format!("#!/bin/sh\ntouch '{}'\necho checkgate {VERSION}\n", marker.display());
    let asset = pack(dir, "x86_64-unknown-linux-musl", script.as_bytes());
    let sums = sha256sums(&[listed.unwrap_or_else(|| asset.clone())]);
    let host = release_host(std::slice::from_ref(&asset), Some(&sums)).await;
    let runner = Runner::new(dir, "Linux", "X64").with("download-url", &host.uri());
    Trap {
        runner,
        asset,
        marker,
        host,
    }
}

#[tokio::test]
async fn a_tampered_archive_is_refused_and_never_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The host serves the tampered archive; SHA256SUMS lists the genuine one.
    let genuine = genuine("x86_64-unknown-linux-musl");
    let trap = trap(dir.path(), Some(genuine.clone())).await;

    assert_refused(
        &trap.runner,
        &format!(
            "{}: SHA-256 mismatch: SHA256SUMS of v{VERSION} says {}, the download is {}; refusing to run it",
            trap.asset.0,
            sha256_hex(&genuine.1),
            sha256_hex(&trap.asset.1)
        ),
    );
    assert!(!trap.marker.exists(), "the tampered binary ran");
    assert!(
        !trap.runner.tool_cache.join(format!("checkgate/{VERSION}")).exists(),
        "it reached the tool cache"
    );
}

#[tokio::test]
async fn an_archive_missing_from_sha256sums_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let other = pack(dir.path(), "aarch64-unknown-linux-musl", b"not this one");
    let trap = trap(dir.path(), Some(other)).await;

    assert_refused(
        &trap.runner,
        &format!(
            "{}: no line for it in the SHA256SUMS of v{VERSION} ({}/v{VERSION}/SHA256SUMS); refusing to run it",
            trap.asset.0,
            trap.host.uri()
        ),
    );
    assert!(!trap.marker.exists(), "the unlisted binary ran");
}

/// The tampering tests above would notice a run: with a SHA256SUMS that
/// matches the trapped archive, the script runs it (and, as the trap prints
/// the expected version, installs it).
#[tokio::test]
async fn the_trap_in_the_tampering_tests_does_fire_when_the_archive_is_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trap = trap(dir.path(), None).await;

    let run = trap.runner.run(Some("install"));

    assert!(trap.marker.exists(), "{:#?}", run.steps);
    assert_eq!(run.step("install").code, Some(0), "{:#?}", run.steps);
}

/// A `cargo` that records its arguments in `log` and "builds" by copying the
/// freshly built binary to `<--root>/bin/checkgate`.
fn fake_cargo(dir: &Path, log: &Path) -> PathBuf {
    let bin = dir.join("fake-cargo");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{log}'\nwhile [ $# -gt 0 ]; do\n  if [ \"$1\" = --root ]; then root=$2; fi\n  shift\ndone\nmkdir -p \"$root/bin\" && cp '{BINARY}' \"$root/bin/checkgate\"\n",
        log = log.display()
    );
    let cargo = bin.join("cargo");
    std::fs::write(&cargo, script).expect("write fake cargo");
    std::fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    bin
}

#[tokio::test]
async fn without_a_release_it_warns_and_builds_from_the_action_source() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = release_host(&[], None).await;
    let log = dir.path().join("cargo-args");
    let mut runner = Runner::new(dir.path(), "Linux", "X64").with("download-url", &host.uri());
    runner.path.push(fake_cargo(dir.path(), &log));

    let run = runner.run(Some("install"));

    assert_eq!(requested(&host).await, [format!("/v{VERSION}/SHA256SUMS")]);
    let built = runner.temp.join("checkgate-source-build/bin/checkgate");
    assert_installed(&run, &built);
    let args = std::fs::read_to_string(&log).expect("cargo ran");
    let root = runner.temp.join("checkgate-source-build").display().to_string();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "install",
            "--locked",
            "--path",
            env!("CARGO_MANIFEST_DIR"),
            "--root",
            &root,
            "--bin",
            "checkgate"
        ]
    );
    let warning = run.step("install").commands();
    assert_eq!(warning.len(), 1, "{warning:?}");
    assert!(
        warning[0].starts_with(&format!(
            "::warning title=checkgate install::no release v{VERSION} at {}/v{VERSION} (a fork or a branch without a release?): building checkgate {VERSION} from the action's source with cargo install --locked; that takes several minutes",
            host.uri()
        )),
        "{}",
        warning[0]
    );
    assert!(
        !runner.tool_cache.join("checkgate").exists(),
        "a source build went into the tool cache"
    );
}

#[tokio::test]
async fn without_a_release_or_cargo_it_stops_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = release_host(&[], None).await;

    let runner = Runner::new(dir.path(), "macOS", "ARM64").with("download-url", &host.uri());

    assert_refused(
        &runner,
        &format!(
            "no release v{VERSION} at {}/v{VERSION} (a fork or a branch without a release?), and cargo is not installed to build checkgate {VERSION} from source: install Rust (https://rustup.rs) in an earlier step, or point download-url at a mirror that has the release",
            host.uri()
        ),
    );
}

#[test]
fn download_urls_must_be_https_or_this_machine_and_cannot_inject_commands() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (url, shown) in [
        ("http://mirror.example/releases", "http://mirror.example/releases"),
        (
            "http://127.0.0.1@evil.example/releases",
            "http://127.0.0.1@evil.example/releases",
        ),
        (
            "http://localhost.evil.example/releases",
            "http://localhost.evil.example/releases",
        ),
        (
            "ftp://x/\n::warning::injected ##[error]legacy\r::set-env name=A::B",
            "ftp://x/%0A::warning::injected #%23[error]legacy%0D::set-env name=A::B",
        ),
        ("100%\n", "100%25%0A"),
    ] {
        let kind = if url.starts_with("http://") {
            "must be https:// (plain http:// only for 127.0.0.1 or localhost)"
        } else {
            "must be an https:// URL (or http://127.0.0.1, http://localhost, file://)"
        };
        let runner = Runner::new(dir.path(), "Linux", "X64").with("download-url", url);
        let run = assert_refused(&runner, &format!("download-url {kind}: {shown}"));
        let install = run.step("install");
        assert_eq!(install.stdout.lines().count(), 1, "{}", install.stdout);
    }
}

#[test]
fn the_action_is_run_steps_and_passes_every_input_the_binary_reads() {
    let action = action_yml();
    assert_eq!(action.runs.using, "composite");
    let gate = action
        .runs
        .steps
        .iter()
        .find(|s| s.id == "gate")
        .expect("a step with id gate");

    let help = Command::new(BINARY)
        .args(["action", "--help"])
        .env_clear()
        .output()
        .expect("checkgate action --help");
    let help = String::from_utf8_lossy(&help.stdout);
    let read: BTreeSet<String> = Regex::new(r"\[env: (INPUT_[A-Z0-9_-]+)")
        .expect("regex")
        .captures_iter(&help)
        .map(|c| c[1].to_string())
        .collect();
    assert!(read.contains("INPUT_POLICY"), "{help}");
    let passed: BTreeSet<String> = gate.env.keys().filter(|k| k.starts_with("INPUT_")).cloned().collect();
    if let Some(variable) = read.difference(&passed).next() {
        let input = variable["INPUT_".len()..].to_lowercase();
        panic!(
            "the binary reads {variable} but action.yml does not pass it: declare `{input}` under `inputs:` \
             and add `{variable}: ${{{{ inputs.{input} }}}}` to the env of the `gate` step"
        );
    }
    assert_eq!(
        read, passed,
        "action.yml passes INPUT_ variables the binary does not read"
    );
    for (variable, value) in gate.env.iter().filter(|(k, _)| k.starts_with("INPUT_")) {
        let input = variable["INPUT_".len()..].to_lowercase();
        assert_eq!(value, &format!("${{{{ inputs.{input} }}}}"), "{variable}");
        assert!(
            action.inputs.contains_key(&input),
            "{variable} names an undeclared input"
        );
    }
    let declared: BTreeSet<&str> = action.inputs.keys().map(String::as_str).collect();
    let used: BTreeSet<String> = passed.iter().map(|v| v["INPUT_".len()..].to_lowercase()).collect();
    let unused: Vec<&&str> = declared
        .iter()
        .filter(|i| !used.contains(**i) && **i != "download-url")
        .collect();
    assert!(unused.is_empty(), "inputs that reach nothing: {unused:?}");

    let outputs: Vec<&str> = action.outputs.keys().map(String::as_str).collect();
    assert_eq!(outputs, ["checked", "open", "passed", "pending", "report", "total"]);
    for (name, output) in &action.outputs {
        assert_eq!(output.value, format!("${{{{ steps.gate.outputs.{name} }}}}"), "{name}");
    }
}

const PAYLOAD: &str = "octokit__webhooks__payload-examples__api.github.com__pull_request__opened.payload.json";
/// `pull_request.head.sha` and `pull_request.base.sha` of that payload.
const HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const BASE: &str = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";

/// A `pull_request` job against `gh`: the job's GITHUB_* variables.
fn pull_request_job(runner: &mut Runner, gh: &FakeGitHub, payload: &Path, dir: &Path) {
    let workspace = dir.join("workspace");
    std::fs::create_dir_all(&workspace).expect("mkdir workspace");
    for (name, value) in [
        ("GITHUB_ACTIONS", "true".to_string()),
        ("GITHUB_EVENT_NAME", "pull_request".to_string()),
        ("GITHUB_EVENT_PATH", payload.display().to_string()),
        ("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}")),
        ("GITHUB_REPOSITORY_OWNER", OWNER.to_string()),
        ("GITHUB_API_URL", gh.uri()),
        ("GITHUB_SERVER_URL", "https://github.com".to_string()),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567".to_string()),
        ("GITHUB_REF", "refs/pull/2/merge".to_string()),
        ("GITHUB_WORKSPACE", workspace.display().to_string()),
        ("GITHUB_STEP_SUMMARY", dir.join("summary.md").display().to_string()),
    ] {
        runner.job_env.insert(name.to_string(), value);
    }
}

/// Pull request 2 of the payload, its base policy requiring the `Must`
/// section of `docs/READY.md`, which reads `checklist` at the head.
fn seed_pull_2(gh: &FakeGitHub, checklist: &str) {
    let policy = "[[checklist]]\npath = \"docs/READY.md\"\n[[checklist.require]]\nsection = \"Must\"\n";
    gh.put_file(BASE, ".github/checkgate.toml", policy);
    gh.put_file(HEAD, "docs/READY.md", checklist);
    gh.set_pull(Pull::new(2, HEAD, BASE));
}

#[tokio::test]
async fn the_action_installs_the_release_and_posts_the_verdict() {
    let Some(payload) = support::event(PAYLOAD) else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let asset = genuine("x86_64-unknown-linux-musl");
    let host = release_of(&asset).await;

    let gh = FakeGitHub::start().await;
    seed_pull_2(
        &gh,
        "# Ready\n\n## Must\n\n- [x] Tests pass\n- [ ] Rollback plan tested\n",
    );

    let mut runner = Runner::new(dir.path(), "Linux", "X64").with("download-url", &host.uri());
    pull_request_job(&mut runner, &gh, &payload, dir.path());
    let run = runner.run(None);

    let gate = run.step("gate");
    assert_eq!(gate.code, Some(1), "the failing gate fails the step: {gate:#?}");
    assert_eq!(run.outputs["passed"], "false");
    assert_eq!(run.outputs["checked"], "1");
    assert_eq!(run.outputs["total"], "2");
    assert_eq!(run.outputs["open"], "1");
    let report: serde_json::Value = serde_json::from_str(&run.outputs["report"]).expect("report is JSON");
    assert_eq!(report["checklists"][0]["path"], "docs/READY.md");
    let lines = gh.request_lines();
    // The writes: the check run created `in_progress` and completed, and the
    // comment (GraphQL reads are POSTs too, and are not writes).
    let is_write = |l: &&String| !l.starts_with("GET") && !l.starts_with("POST /graphql");
    let mut writes: Vec<&String> = lines.iter().filter(is_write).collect();
    writes.sort();
    let id = gh.state().check_runs[0].id;
    assert_eq!(
        writes,
        [
            &format!("PATCH /repos/{OWNER}/{REPO}/check-runs/{id}"),
            &format!("POST /repos/{OWNER}/{REPO}/check-runs"),
            &format!("POST /repos/{OWNER}/{REPO}/issues/2/comments"),
        ],
        "{lines:#?}"
    );
    assert_eq!(gh.state().check_runs[0].created["conclusion"], "failure");
    gh.assert_valid();
    assert!(
        gate.stdout.contains("::error file=docs/READY.md,line=6,"),
        "{}",
        gate.stdout
    );

    // The inputs reach the binary: `fail: false` makes the same verdict exit
    // 0 and `comment: never` posts no comment; the binary now comes from the
    // tool cache.
    let mut runner = runner.with("fail", "false").with("comment", "never");
    runner.job_env.insert(
        "GITHUB_STEP_SUMMARY".to_string(),
        dir.path().join("summary2.md").display().to_string(),
    );
    let before = gh.request_lines().len();
    let run = runner.run(None);
    assert_eq!(run.step("gate").code, Some(0), "{:#?}", run.steps);
    assert_eq!(run.outputs["passed"], "false");
    let lines = gh.request_lines();
    let new: Vec<&String> = lines[before..].iter().filter(is_write).collect();
    let id = gh.state().check_runs[1].id;
    assert_eq!(
        new,
        [
            &format!("POST /repos/{OWNER}/{REPO}/check-runs"),
            &format!("PATCH /repos/{OWNER}/{REPO}/check-runs/{id}")
        ],
        "comment: never"
    );
    // Only the base policy can make the check run neutral.
    assert_eq!(gh.state().check_runs[1].created["conclusion"], "failure");
    assert_eq!(requested(&host).await.len(), 2, "the second run downloaded again");
    for step in &run.steps {
        assert!(
            !step.stdout.contains(TOKEN) && !step.stderr.contains(TOKEN),
            "the token leaked"
        );
    }
}

/// A cancelled workflow run (a newer run for the pull request, through the
/// README's concurrency group) interrupts the gate step: the runner's
/// SIGINT reaches checkgate, which completes its check run as superseded
/// at once. It reached only the step's shell before (checkgate ran on,
/// and a step killed before the end left its check run `in_progress`).
#[tokio::test]
async fn a_cancelled_step_completes_its_check_run_as_superseded() {
    let Some(payload) = support::event(PAYLOAD) else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let asset = genuine("x86_64-unknown-linux-musl");
    let host = release_of(&asset).await;
    let gh = FakeGitHub::start().await;
    seed_pull_2(&gh, "# Ready\n\n## Must\n\n- [x] Tests pass\n");
    // The checklists' read hangs: the cancellation comes while it does.
    gh.script(support::Scripted::graphql_view("FilesAt", |_| {}).delayed(30_000));

    let mut runner = Runner::new(dir.path(), "Linux", "X64").with("download-url", &host.uri());
    pull_request_job(&mut runner, &gh, &payload, dir.path());
    let run = runner.run_cancelled(&|| gh.request_lines().iter().any(|l| l.ends_with(" FilesAt")));

    let gate = run.step("gate");
    assert_eq!(gate.code, Some(2), "{gate:#?}");
    assert!(
        gate.elapsed < Duration::from_millis(7_500),
        "ended on SIGINT: {gate:#?}"
    );
    let runs = gh.state().check_runs.clone();
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(runs[0].created["status"], "completed");
    assert_eq!(runs[0].created["conclusion"], "cancelled");
    assert_eq!(
        runs[0].created["output"]["title"],
        "superseded: this run was cancelled before its verdict"
    );
    assert!(gh.marked_comments().is_empty(), "no verdict posted");
    gh.assert_valid();
}

/// release.yml builds exactly the targets the action downloads, with the
/// `dist` profile; the README's `uses:` lines name the major tag release.yml
/// moves for this version; the pre-commit hook runs `checkgate check`.
#[test]
fn the_release_the_readme_and_the_hook_agree_with_the_action() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |name: &str| std::fs::read_to_string(root.join(name)).expect(name);

    let release: serde_norway::Value = serde_norway::from_str(&read(".github/workflows/release.yml")).expect("yaml");
    let built: BTreeSet<&str> = release["jobs"]["binaries"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .expect("a matrix of targets")
        .iter()
        .map(|entry| entry["target"].as_str().expect("target"))
        .collect();
    let downloaded: BTreeSet<&str> = PLATFORMS.iter().map(|(_, _, target)| *target).collect();
    assert_eq!(built, downloaded);
    assert!(read(".github/workflows/release.yml").contains("cargo build --profile dist --locked"));
    assert!(read("Dockerfile").contains("cargo build --profile dist --locked"));

    let major = format!("v{}", VERSION.split('.').next().expect("major"));
    let readme = ["README.md", "docs/action.md", "docs/policy.md"].map(read).join("\n");
    let uses: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- uses: OWNER/checkgate@"))
        .collect();
    assert!(!uses.is_empty());
    assert!(
        uses.iter().all(|tag| *tag == major),
        "README uses {uses:?}, the release tag is {major}"
    );

    let hooks: serde_norway::Value = serde_norway::from_str(&read(".pre-commit-hooks.yaml")).expect("yaml");
    let hook = &hooks[0];
    assert_eq!(hook["id"].as_str(), Some("checkgate"));
    assert_eq!(hook["entry"].as_str(), Some("checkgate check"));
    let files = Regex::new(hook["files"].as_str().expect("files")).expect("regex");
    for path in ["docs/READY.md", "README.md", ".github/checkgate.toml"] {
        assert!(files.is_match(path), "{path}");
    }
    for path in ["src/main.rs", ".github/checkgate.toml.bak", "docs/md"] {
        assert!(!files.is_match(path), "{path}");
    }
}
