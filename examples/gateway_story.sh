#!/usr/bin/env bash
# The Gateway story, end to end, on any machine (the "remote" is a loopback server):
# init online -> network gone -> dry run on the cache with the stale warning -> doctor.
# Run from the repository root after ./scripts/demo (which installs into .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
PIPELEX_HOME=$(mktemp -d)
export PIPELEX_HOME
trap 'rm -rf "$PIPELEX_HOME"' EXIT  # the story's home is temporary: leave nothing behind
echo "PIPELEX_HOME=$PIPELEX_HOME"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

# 1. Online: a loopback server plays the Gateway's remote config.
coproc SERVER { python examples/serve_sample.py; }
read -r URL <&"${SERVER[0]}"
step pipelex init --gateway --accept-terms --remote-config-url "$URL"
pipelex init --gateway --accept-terms --remote-config-url "$URL"
step pipelex run examples/bundles/parallel_review.mthds --dry-run
pipelex run examples/bundles/parallel_review.mthds --dry-run

# 2. The network goes away.
server_stdin=${SERVER[1]}
eval "exec ${server_stdin}>&-"
wait "$SERVER_PID" || true
echo
echo "(the remote config server is gone now)"

# 3. Dry runs keep working on the cache, labelled and warned.
step pipelex run examples/bundles/parallel_review.mthds --dry-run
pipelex run examples/bundles/parallel_review.mthds --dry-run
step pipelex-agent validate examples/bundles
pipelex-agent validate examples/bundles

# 4. doctor says what happened, and exits 0: the cache is doing its job.
step pipelex doctor
pipelex doctor
