#!/usr/bin/env bash
# Put the checkgate binary of this action's version on the runner, the first
# step of action.yml. In order: the runner's tool cache; the release archive
# for this OS and architecture, checked against the release's SHA256SUMS (and
# its build attestation, where gh can check one) before anything in it runs;
# and, when there is no release for this version, `cargo install` from the
# action's own source. Writes the binary's path to the `path` step output and
# its directory to GITHUB_PATH.
#
# Reads: GITHUB_ACTION_PATH, RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP,
# RUNNER_TOOL_CACHE, GITHUB_OUTPUT, GITHUB_PATH, GITHUB_SERVER_URL, and
# CHECKGATE_DOWNLOAD_URL (the download-url input), CHECKGATE_ACTION_REPOSITORY
# (github.action_repository) and GH_TOKEN (for gh) from action.yml.
#
# Exit 0 with the binary installed, 2 with an `::error::` otherwise (the
# binary's own code for a setup problem).
set -euo pipefail

# Everything printed goes through `say`, `warn` or `die`: the runner reads
# `::command::` at the start of a line and legacy `##[command]` anywhere, and
# the download URL is user input. GitHub's escaping turns CR and LF into
# `%0D`/`%0A`, so no text can start a line of its own; `##[` is broken up.
escape() {
  local s=$1
  s=${s//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  s=${s//'##['/'#%23['}
  printf '%s' "$s"
}
say() { printf 'checkgate: %s\n' "$(escape "$1")"; }
warn() { printf '::warning title=checkgate install::%s\n' "$(escape "$1")"; }
die() {
  printf '::error title=checkgate install::%s\n' "$(escape "$1")"
  exit 2
}

# A path as Windows programs want it in GITHUB_PATH (bash on Windows is Git
# Bash, whose paths are /c/...); unchanged elsewhere.
native_path() {
  if [[ ${RUNNER_OS:-} == Windows ]] && command -v cygpath >/dev/null 2>&1; then
    cygpath -w "$1"
  else
    printf '%s' "$1"
  fi
}
posix_path() {
  if [[ ${RUNNER_OS:-} == Windows ]] && command -v cygpath >/dev/null 2>&1; then
    cygpath -u "$1"
  else
    printf '%s' "$1"
  fi
}

sha256_of() {
  local line
  if command -v sha256sum >/dev/null 2>&1; then
    line=$(sha256sum "$1")
  else
    line=$(shasum -a 256 "$1") # macOS
  fi
  printf '%s' "${line%% *}"
}

[[ -n ${GITHUB_ACTION_PATH:-} ]] || die "GITHUB_ACTION_PATH is not set: run this script as a step of action.yml"
[[ -n ${GITHUB_OUTPUT:-} && -n ${GITHUB_PATH:-} ]] || die "GITHUB_OUTPUT and GITHUB_PATH must be set: run this script as a step of action.yml"
action_path=$(posix_path "$GITHUB_ACTION_PATH")
temp=$(posix_path "${RUNNER_TEMP:-${TMPDIR:-/tmp}}")

# The version is the action's own: `@v0` and `@v0.1.0` check out a commit
# whose Cargo.toml names the release to download.
version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$action_path/Cargo.toml" | head -n 1)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] ||
  die "cannot read the package version from $action_path/Cargo.toml (found \"$version\")"

exe=checkgate
[[ ${RUNNER_OS:-} == Windows ]] && exe=checkgate.exe
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ;;
  *) target= ;;
esac

# Record the binary for the next steps, after checking it runs and is the
# version asked for.
finish() {
  local bin=$1 reported
  reported=$("$bin" --version) || die "$bin does not run"
  [[ $reported == "checkgate $version" ]] ||
    die "$bin reports \"$reported\", expected \"checkgate $version\""
  printf 'path=%s\n' "$bin" >>"$GITHUB_OUTPUT"
  native_path "$(dirname "$bin")" >>"$GITHUB_PATH"
  printf '\n' >>"$GITHUB_PATH"
  say "using $reported at $bin"
  exit 0
}

# No release to download: build from the action's source, if cargo can.
build_from_source() {
  local why=$1 root="$temp/checkgate-source-build"
  command -v cargo >/dev/null 2>&1 ||
    die "$why, and cargo is not installed to build checkgate $version from source: install Rust (https://rustup.rs) in an earlier step, or point download-url at a mirror that has the release"
  # docs/performance.md: a cold `release` build is about 5.5 minutes of CPU.
  warn "$why: building checkgate $version from the action's source with cargo install --locked; that takes several minutes (about 5 CPU-minutes of compiling, spread over the runner's cores)"
  cargo install --locked --path "$action_path" --root "$root" --bin checkgate ||
    die "cargo install of checkgate $version from $action_path failed (its log is above)"
  finish "$root/bin/$exe"
}

[[ -n $target ]] || build_from_source "there is no prebuilt checkgate for ${RUNNER_OS:-?} on ${RUNNER_ARCH:-?}"

# The tool cache layout of actions/tool-cache: <tool>/<version>/<arch> and a
# <arch>.complete marker. Only verified release binaries go there.
arch=$(printf '%s' "$RUNNER_ARCH" | tr '[:upper:]' '[:lower:]')
cache="$(posix_path "${RUNNER_TOOL_CACHE:-$temp}")/checkgate/$version/$arch"
if [[ -f "$cache.complete" && -x "$cache/$exe" ]]; then
  say "found checkgate $version in the tool cache"
  finish "$cache/$exe"
fi

base=${CHECKGATE_DOWNLOAD_URL:-}
if [[ -z $base ]]; then
  repository=${CHECKGATE_ACTION_REPOSITORY:-${GITHUB_ACTION_REPOSITORY:-}}
  [[ -n $repository ]] ||
    build_from_source "the action's repository is unknown (a local \`uses: ./\`?) and download-url is empty"
  base="https://github.com/$repository/releases/download"
fi
base=${base%/}

# HTTPS only, except a mirror on this machine.
case $base in
  https://*) proto='=https' ;;
  http://*)
    authority=${base#http://}
    authority=${authority%%/*}
    [[ $authority =~ ^(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?$ ]] ||
      die "download-url must be https:// (plain http:// only for 127.0.0.1 or localhost): $base"
    proto='=http'
    ;;
  file://*) proto='=file' ;;
  *) die "download-url must be an https:// URL (or http://127.0.0.1, http://localhost, file://): $base" ;;
esac

work=$(mktemp -d "$temp/checkgate-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Download $1 to $2. Returns 1 when the server says the file does not exist;
# stops on any other failure, after curl's retries of transient ones.
fetch() {
  local code status=0
  code=$(curl --proto "$proto" --proto-redir "$proto" --location --fail --silent --show-error \
    --retry 4 --retry-connrefused --connect-timeout 20 --max-time 300 \
    --write-out '%{http_code}' --output "$2" "$1" 2>"$work/curl.err") || status=$?
  ((status == 0)) && return 0
  # 404 over HTTP, 37 (cannot read the file) for file://.
  [[ $code == 404 || ($proto == '=file' && $status == 37) ]] && return 1
  die "cannot download $1 (curl exit $status, HTTP $code): $(head -c 500 "$work/curl.err")"
}

asset="checkgate-v$version-$target.tar.gz"
[[ ${RUNNER_OS} == Windows ]] && asset="checkgate-v$version-$target.zip"
release="$base/v$version"

started=$SECONDS
fetch "$release/SHA256SUMS" "$work/SHA256SUMS" ||
  build_from_source "no release v$version at $release (a fork or a branch without a release?)"
fetch "$release/$asset" "$work/$asset" ||
  build_from_source "release v$version has no $asset"
say "downloaded $release/$asset in $((SECONDS - started)) s"

# Checked before anything from the archive is unpacked or run.
expected=$(tr -d '\r' <"$work/SHA256SUMS" | awk -v name="$asset" '$2 == name || $2 == "*" name { print $1; exit }')
[[ -n $expected ]] || die "$asset: no line for it in the SHA256SUMS of v$version ($release/SHA256SUMS); refusing to run it"
actual=$(sha256_of "$work/$asset")
[[ $(printf '%s' "$expected" | tr 'A-F' 'a-f') == "$actual" ]] ||
  die "$asset: SHA-256 mismatch: SHA256SUMS of v$version says $expected, the download is $actual; refusing to run it"
say "$asset matches SHA256SUMS ($actual)"

# The release workflow attests each archive; gh can check that where the
# release lives on github.com and this job talks to github.com.
if [[ $base == https://github.com/*/*/releases/download && ${GITHUB_SERVER_URL:-https://github.com} == https://github.com ]]; then
  owner_repo=${base#https://github.com/}
  owner_repo=${owner_repo%/releases/download}
  if ! command -v gh >/dev/null 2>&1; then
    say "gh is not installed: attestation not checked"
  elif [[ -z ${GH_TOKEN:-} ]]; then
    say "no token for gh: attestation not checked"
  elif ! gh attestation verify --help >/dev/null 2>&1; then
    say "this gh has no \`attestation verify\`: attestation not checked"
  elif gh attestation verify "$work/$asset" --repo "$owner_repo" >"$work/gh.out" 2>&1; then
    say "$asset: build attestation verified for $owner_repo"
  else
    die "$asset: gh attestation verify --repo $owner_repo failed: $(tail -c 800 "$work/gh.out")"
  fi
fi

mkdir "$work/unpacked"
if [[ $asset == *.zip ]]; then
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$work/$asset" -d "$work/unpacked"
  else
    7z x -y -bd "-o$work/unpacked" "$work/$asset" >/dev/null
  fi
else
  tar -xzf "$work/$asset" -C "$work/unpacked"
fi
unpacked="$work/unpacked/checkgate-v$version-$target/$exe"
[[ -f $unpacked ]] || die "$asset holds no checkgate-v$version-$target/$exe"

# Copy, then rename into place: another job on a self-hosted runner may be
# reading the cache at the same moment.
mkdir -p "$cache"
cp "$unpacked" "$cache/$exe.partial.$$"
chmod 755 "$cache/$exe.partial.$$"
mv -f "$cache/$exe.partial.$$" "$cache/$exe"
touch "$cache.complete"
finish "$cache/$exe"
