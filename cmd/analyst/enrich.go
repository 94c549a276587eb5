package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/prompts"
	"github.com/analyst-dev/analyst/retrieval"
)

// Bounds of enrichment: one short answer per change, each call bounded, and
// a cap per run so the nightly job finishes (the rest waits for the next).
const (
	enrichNumCtx      = 4096
	enrichNumPredict  = 400
	enrichPromptChars = 8000
	defaultEnrichMax  = 200
)

// enrichTimeout bounds one enrichment call (a variable for tests).
var enrichTimeout = 90 * time.Second

// enrichStats says what an enrichment pass did.
type enrichStats struct {
	made, failed, left int
}

// enrichEntries asks the chat model, for up to limit entries (newest first)
// that have no enrichment from it for their current content, what the change
// alters and how its failure would look, and stores the answers beside the
// entries. It stops at the first sign of a dead server; other failures skip
// the entry. Problems come back as warnings: enrichment never fails an index.
func enrichEntries(ctx context.Context, env *environment, j *journal.Store, limit int) (enrichStats, []string) {
	var st enrichStats
	c, host, ok := env.ollama()
	if !ok {
		return st, []string{"Ollama is turned off in the config: no enrichment"}
	}
	if !reachable(ctx, c) {
		return st, []string{fmt.Sprintf("Ollama unreachable at %s: no enrichment this time", host)}
	}
	model := env.config.ChatModel
	if _, err := c.Show(ctx, &api.ShowRequest{Model: model}); err != nil {
		var se api.StatusError
		if errors.As(err, &se) && se.StatusCode == 404 {
			return st, []string{fmt.Sprintf("chat model %s is not pulled: no enrichment (run 'ollama pull %s')", model, model)}
		}
		return st, []string{fmt.Sprintf("asking Ollama about %s failed (%v): no enrichment", model, err)}
	}
	done, err := j.EnrichmentHashes(ctx, model)
	if err != nil {
		return st, []string{err.Error()}
	}
	var todo []journal.Entry
	err = j.List(ctx, journal.Filter{}, func(e journal.Entry) error {
		if h, ok := done[e.ID]; ok && h == retrieval.ContentHash(&e) {
			return nil
		}
		if len(todo) < limit {
			todo = append(todo, e)
		} else {
			st.left++
		}
		return nil
	})
	if err != nil {
		return st, []string{err.Error()}
	}
	var warnings []string
	for i := range todo {
		e := &todo[i]
		if env.interactive() {
			fmt.Fprintf(env.stderr, "\ranalyst: enriching %d/%d", i+1, len(todo))
		}
		text, err := enrichOne(ctx, c, model, e)
		if err != nil {
			if errors.Is(err, errServerGone) || ctx.Err() != nil {
				st.left += len(todo) - i
				warnings = append(warnings, fmt.Sprintf("Ollama at %s stopped answering: enriched %d, the rest waits for the next run", host, st.made))
				break
			}
			st.failed++
			env.log.Debug("enrichment failed", "id", shortID(e.ID), "err", err)
			continue
		}
		en := journal.Enrichment{EntryID: e.ID, Model: model, Hash: retrieval.ContentHash(e), Made: time.Now().UTC(), Text: text}
		if err := j.PutEnrichment(ctx, en); err != nil {
			return st, append(warnings, err.Error())
		}
		st.made++
	}
	if env.interactive() && len(todo) > 0 {
		fmt.Fprintln(env.stderr)
	}
	if st.failed > 0 {
		warnings = append(warnings, fmt.Sprintf("%s gave no usable answer for %d changes: they stay unenriched (retried next run)", model, st.failed))
	}
	return st, warnings
}

// errServerGone marks a failure of the server, not of one change.
var errServerGone = errors.New("server gone")

// enrichOne asks the model about one change and returns the text to store.
func enrichOne(ctx context.Context, c *api.Client, model string, e *journal.Entry) (string, error) {
	excerpt := e.Body
	if e.Diff != "" {
		excerpt += "\n" + e.Diff
	}
	system, user, err := prompts.Enrich(prompts.EnrichInput{Kind: e.Kind, Title: e.Title, Time: formatTime(e.Time), Repo: e.Repo,
		Paths: strings.Join(e.Paths, " "), Excerpt: excerpt}, enrichPromptChars)
	if err != nil {
		return "", err
	}
	stream := false
	req := &api.ChatRequest{
		Model:    model,
		Messages: []api.Message{{Role: "system", Content: system}, {Role: "user", Content: user}},
		Stream:   &stream,
		Format:   prompts.EnrichSchema,
		Options:  map[string]any{"num_ctx": enrichNumCtx, "num_predict": enrichNumPredict, "temperature": 0, "seed": 1},
	}
	cctx, cancel := context.WithTimeout(ctx, enrichTimeout)
	defer cancel()
	var reply strings.Builder
	var doneReason string
	err = c.Chat(cctx, req, func(r api.ChatResponse) error {
		reply.WriteString(r.Message.Content)
		if r.Done {
			doneReason = r.DoneReason
		}
		return nil
	})
	if err != nil {
		var se api.StatusError
		if errors.As(err, &se) {
			return "", err // the server answered: a problem with this change or model
		}
		return "", fmt.Errorf("%w: %v", errServerGone, err)
	}
	if doneReason == "length" {
		return "", errors.New("answer cut short by the token limit")
	}
	var en prompts.Enrichment
	if err := json.Unmarshal([]byte(reply.String()), &en); err != nil {
		return "", fmt.Errorf("answer is not the requested JSON: %w", err)
	}
	text := en.Text()
	if text == "" {
		return "", errors.New("empty answer")
	}
	return text, nil
}
