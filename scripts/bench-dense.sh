#!/usr/bin/env bash
# bench-dense: what the dense part of the score (an Ollama embedding model's
# vectors) adds, measured with a real sentence encoder where no Ollama
# embedding model can be pulled: scripts/sentence-encoder (the Universal
# Sentence Encoder lite) behind the Ollama API. The symptom scenarios, and
# with REPO a repository's Fixes: history, are ranked with its vectors and,
# in the same run, without them (the ablation's "vectors" row).
# A benchmark, not a test: it prints figures.
#
# With MODEL set, the embedding model MODEL of the Ollama server at
# OLLAMA_HOST is measured instead (MODEL=nomic-embed-text, say).
#
# usage: scripts/bench-dense.sh [REPO]   REPO: a git repository with Fixes: trailers
# env: CASES (a cases file for REPO, as ../shared/bench/fixes makes; default:
#      analyst mines REPO's trailers), BIN (an analyst binary; default: built here),
#      MODEL (an Ollama embedding model; default: the sentence encoder)
set -euo pipefail
cd "$(dirname "$0")/.."
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench-dense.XXXXXX")
ENC=""
cleanup() {
	[ -n "$ENC" ] && kill "$ENC" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
if [ -n "${MODEL:-}" ]; then
	with=(-scenarios.ollama "$MODEL")
else
	(cd scripts/sentence-encoder && [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error)
	with=(-scenarios.encoder)
fi

echo "== symptom scenarios, with the dense vectors and without"
go test -count=1 -v -run 'TestScenarios$' ./cmd/analyst -args "${with[@]}" -scenarios.ablate -scenarios.report |
	sed -n '/^split /,/^ranked with vectors/p;/^without /,/^all but lexical/p'

[ $# -ge 1 ] || exit 0
REPO=$1
BIN=${BIN:-}
if [ -z "$BIN" ]; then
	BIN=$TMP/analyst
	go build -trimpath -o "$BIN" ./cmd/analyst
fi
if [ -n "${MODEL:-}" ]; then
	export ANALYST_EMBED_MODEL=$MODEL
else
	(cd scripts/sentence-encoder && exec node server.js 127.0.0.1:0 >"$TMP/encoder.out") &
	ENC=$!
	for _ in $(seq 100); do grep -q '^listening ' "$TMP/encoder.out" 2>/dev/null && break; sleep 0.2; done
	OLLAMA_HOST=$(sed -n 's/^listening //p' "$TMP/encoder.out")
	export OLLAMA_HOST ANALYST_EMBED_MODEL=use-lite
fi
echo "== $REPO: indexing and embedding with $ANALYST_EMBED_MODEL (the sentence encoder: about 5 entries a second)"
"$BIN" --home "$TMP/home" index --repo "$REPO"
echo "== $REPO: eval with the dense vectors; the vectors row is the same cases without them"
if [ -n "${CASES:-}" ]; then
	"$BIN" --home "$TMP/home" eval --ablate --cases "$CASES"
else
	"$BIN" --home "$TMP/home" eval --ablate --repo "$REPO"
fi
