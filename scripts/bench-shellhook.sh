#!/usr/bin/env bash
# bench-shellhook: what the shell-hook snippet adds to each prompt in an
# interactive bash, measured against the same commands without it in the
# same run: for a command not on the list (the shell's pattern test and one
# `history 1`), and for a listed one (the snippet also starts analyst,
# detached). A benchmark, not a test: it prints figures.
#
# usage: scripts/bench-shellhook.sh [N]   N commands per run (default 200)
# env: RUNS (default 3), BIN (an analyst binary; default: built here)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
RUNS=${RUNS:-3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench-shellhook.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
BIN=${BIN:-}
if [ -z "$BIN" ]; then
	BIN=$TMP/analyst
	go build -trimpath -o "$BIN" ./cmd/analyst
fi
mkdir -p "$TMP/bin"
printf '#!/bin/sh\nexit 0\n' >"$TMP/bin/kubectl"
printf '#!/bin/sh\nexit 0\n' >"$TMP/bin/noop"
chmod +x "$TMP/bin/kubectl" "$TMP/bin/noop"
"$BIN" --home "$TMP/home" shell-hook bash >"$TMP/snippet.bash"
# The same snippet with a recorder that does nothing: the shell's own cost.
sed "s|^__analyst_bin=.*|__analyst_bin='$TMP/bin/noop'|" "$TMP/snippet.bash" >"$TMP/noop.bash"

now() { date +%s%N; }
session() { # command rcfile-args…: microseconds for N lines in bash -i
	local line=$1 s
	shift
	s=$(now)
	for i in $(seq "$N"); do echo "$line $i"; done |
		PATH="$TMP/bin:$PATH" HOME="$TMP" HISTFILE=/dev/null bash "$@" -i >/dev/null 2>&1
	echo $((($(now) - s) / 1000))
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A res
for _ in $(seq "$RUNS"); do
	for line in true "kubectl get pods"; do
		plain=$(session "$line" --norc)
		res["$line/noop"]+="$(((($(session "$line" --rcfile "$TMP/noop.bash") - plain)) / N)) "
		res["$line/real"]+="$(((($(session "$line" --rcfile "$TMP/snippet.bash") - plain)) / N)) "
	done
done
echo "per prompt, added by the snippet (median of $RUNS runs of $N commands, microseconds; goal <= 10000):"
echo "  command not listed ('true'):                 $(printf '%s\n' ${res["true/real"]} | median)"
echo "  listed ('kubectl'), recorder doing nothing:  $(printf '%s\n' ${res["kubectl get pods/noop"]} | median)"
echo "  listed ('kubectl'), analyst recording:       $(printf '%s\n' ${res["kubectl get pods/real"]} | median)  (back to back, so the detached analysts compete with the shell for CPU)"
echo "recorded: $("$BIN" --home "$TMP/home" log --kind shell | wc -l) entries"
