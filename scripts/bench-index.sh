#!/usr/bin/env bash
# bench-index: how fast `analyst index` captures and indexes a git history,
# against `git log -p --no-merges` over the same repository in the same run;
# the time of a re-run over the indexed repository; and what the post-commit
# hook adds to a commit. A benchmark, not a test: it prints figures.
#
# usage: scripts/bench-index.sh [REPO] [HOOK_COMMITS]
#   REPO          a git repository (work tree or bare); default: $REPO, else
#                 the iproute2 mirror under ../.mirror if present
#   HOOK_COMMITS  commits per side of the hook benchmark (default 30)
# env: RUNS (default 3), BIN (an analyst binary; default: built here)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=${1:-${REPO:-}}
if [ -z "$REPO" ]; then
	for c in ../.mirror/iproute2+iproute2/repo ../../.mirror/iproute2+iproute2/repo; do
		[ -d "$c" ] && REPO=$(cd "$c" && pwd) && break
	done
fi
[ -n "$REPO" ] || { echo "bench-index: give a repository: scripts/bench-index.sh REPO" >&2; exit 2; }
N=${2:-30}
RUNS=${RUNS:-3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench-index.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
BIN=${BIN:-}
if [ -z "$BIN" ]; then
	BIN=$TMP/analyst
	go build -trimpath -o "$BIN" ./cmd/analyst
fi

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "repository: $REPO ($(git -C "$REPO" rev-list --count --no-merges HEAD) commits)"
gl=() ix=()
for i in $(seq "$RUNS"); do
	t0=$(now); git -C "$REPO" log -p --no-merges HEAD >/dev/null; t1=$(now)
	gl+=("$(secs "$t0" "$t1")")
	rm -rf "$TMP/home"
	t0=$(now); "$BIN" --home "$TMP/home" index --no-ollama --repo "$REPO" 2>/dev/null; t1=$(now)
	ix+=("$(secs "$t0" "$t1")")
done
t0=$(now); "$BIN" --home "$TMP/home" index --no-ollama --repo "$REPO" 2>/dev/null; t1=$(now)
rerun=$(secs "$t0" "$t1")
mg=$(printf '%s\n' "${gl[@]}" | median)
mi=$(printf '%s\n' "${ix[@]}" | median)
echo "git log -p --no-merges: ${gl[*]} s (median $mg s)"
echo "analyst index:          ${ix[*]} s (median $mi s)"
awk -v g="$mg" -v i="$mi" 'BEGIN { printf "speed ratio (git log / index): %.2f (goal >= 0.67)\n", g / i }'
echo "re-run over the indexed repository: $rerun s"

# The hook: N commits in a scratch repository without the hook, then N with it.
H=$TMP/hookrepo
git init -q "$H"
git -C "$H" config user.email bench@example.com
git -C "$H" config user.name bench
export ANALYST_HOME=$TMP/hookhome
# The hook records the commit, then matches the risk classes in a detached
# process; commits are minutes apart in life, so each waits for the last
# one's check to end, and only the commit itself is timed.
settle() {
	while pgrep -f "^$BIN .*hook warn" >/dev/null; do sleep 0.02; done
}
commit_times() {
	for i in $(seq "$N"); do
		echo "$1 $i" >>"$H/file.txt"
		git -C "$H" add file.txt
		settle
		t0=$(now); git -C "$H" commit -q -m "$1 change $i"; t1=$(now)
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }'
	done
	settle
}
without=$(commit_times plain | median)
(cd "$H" && PATH=$(dirname "$BIN"):$PATH "$BIN" hook install >/dev/null 2>&1) ||
	{ echo "bench-index: could not install the hook" >&2; exit 1; }
with=$(PATH=$(dirname "$BIN"):$PATH commit_times hooked | median)
recorded=$("$BIN" log --repo "$(basename "$H")" 2>/dev/null | grep -c 'hooked change' || true)
echo "commit without hook: median $without ms; with hook: median $with ms ($recorded of $N recorded)"
awk -v a="$without" -v b="$with" 'BEGIN { printf "hook adds: %.1f ms per commit (median; goal <= 20)\n", b - a }'
