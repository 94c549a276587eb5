package main

import (
	"context"
	"fmt"
	"time"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval"
)

// maxFrames bounds the git work one ask spends on a pasted trace.
const maxFrames = 12

// traceEvidence finds, for the files and lines an incident names (a stack
// trace, "file:line"), the changes that last touched them as of --at: blame
// for lines, the file's own history for files. It reads each known
// repository at its last commit before --at, so later changes never count.
func traceEvidence(ctx context.Context, env *environment, j *journal.Store, text string, at time.Time, repoFilter string) map[string]retrieval.Evidence {
	frames := retrieval.ParseFrames(text)
	if len(frames) == 0 {
		return nil
	}
	if len(frames) > maxFrames {
		frames = frames[:maxFrames]
	}
	repos, err := j.Repos(ctx)
	if err != nil {
		return nil
	}
	ev := map[string]retrieval.Evidence{}
	put := func(id string, score float64, reason string) {
		if old, ok := ev[id]; !ok || score > old.Score {
			ev[id] = retrieval.Evidence{Score: score, Reason: reason}
		}
	}
	for _, r := range repos {
		if repoFilter != "" && r.Name != repoFilter {
			continue
		}
		g, err := journal.OpenGit(ctx, r.Path)
		if err != nil {
			continue
		}
		rev, err := g.LastBefore(ctx, at)
		if err != nil || rev == "" {
			continue
		}
		files, err := g.Files(ctx, rev)
		if err != nil {
			continue
		}
		for _, f := range frames {
			path := retrieval.MatchPath(f.Path, files)
			if path == "" {
				continue
			}
			// A line unchanged since its file was created says little about
			// the commit that created it (often an import of everything).
			adder := g.Adder(ctx, rev, path)
			if f.Line > 0 {
				if sha, err := g.BlameLine(ctx, rev, path, f.Line); err == nil {
					if sha == adder {
						put(sha, 0.25, fmt.Sprintf("created %s, whose line %d is named in the incident", path, f.Line))
					} else {
						put(sha, 1, fmt.Sprintf("last changed %s:%d, named in the incident", path, f.Line))
					}
				}
			}
			shas, err := g.FileLog(ctx, rev, path, 5)
			if err != nil {
				continue
			}
			for k, sha := range shas {
				score := 0.5 / float64(k+1)
				if sha == adder {
					score /= 2
				}
				put(sha, score, fmt.Sprintf("changed %s, named in the incident", path))
			}
		}
	}
	env.log.Debug("trace evidence", "frames", len(frames), "entries", len(ev))
	return ev
}
