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
)

// Bounds of one explanation call. The context window is set explicitly (the
// server's default is small and silently cuts prompts); the prompt is cut to
// fit it with room for the reply.
const (
	chatNumCtx      = 8192
	chatNumPredict  = 1024
	chatPromptChars = 16000 // about 5,000 tokens of mixed prose and code
	chatTimeout     = 120 * time.Second
	explainSuspects = 5 // how many of the ranked suspects the model sees
)

// explain asks the chat model which suspects explain the incident and fills
// why, confidence and summary in out. It returns warnings instead of failing:
// a model is a helper, and retrieval results stand without it.
func explain(ctx context.Context, env *environment, j *journal.Store, out *askJSON) []string {
	c, host, ok := env.ollama()
	if !ok {
		return []string{"Ollama is turned off in the config: showing retrieval only"}
	}
	if !reachable(ctx, c) {
		return []string{fmt.Sprintf("Ollama unreachable at %s: showing retrieval only", host)}
	}
	if len(out.Suspects) == 0 {
		return nil
	}
	model := env.config.ChatModel
	in := prompts.ExplainInput{Incident: out.Query, At: out.At, Keep: 3}
	for _, s := range out.Suspects[:min(len(out.Suspects), explainSuspects)] {
		e, err := j.Get(ctx, s.ID)
		if err != nil {
			continue
		}
		excerpt := e.Body
		if e.Diff != "" {
			excerpt += "\n" + e.Diff
		}
		in.Suspects = append(in.Suspects, prompts.Suspect{ID: s.ID, Kind: s.Kind, Title: s.Title, Time: s.Time,
			Repo: s.Repo, Reasons: append([]string(nil), s.Reasons...), Excerpt: excerpt})
	}
	system, user, err := prompts.Explain(in, chatPromptChars)
	if err != nil {
		return []string{fmt.Sprintf("preparing the model prompt failed (%v): showing retrieval only", err)}
	}
	stream := false
	req := &api.ChatRequest{
		Model:    model,
		Messages: []api.Message{{Role: "system", Content: system}, {Role: "user", Content: user}},
		Stream:   &stream,
		Format:   prompts.ExplainSchema,
		Options:  map[string]any{"num_ctx": chatNumCtx, "num_predict": chatNumPredict, "temperature": 0, "seed": 1},
	}
	cctx, cancel := context.WithTimeout(ctx, chatTimeout)
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
		switch {
		case errors.As(err, &se) && se.StatusCode == 404:
			return []string{fmt.Sprintf("chat model %s is not pulled: showing retrieval only (run 'ollama pull %s')", model, model)}
		case errors.As(err, &se) && se.StatusCode == 400:
			return []string{fmt.Sprintf("%s cannot chat (%s): showing retrieval only", model, strings.TrimSpace(se.ErrorMessage))}
		case errors.Is(cctx.Err(), context.DeadlineExceeded):
			return []string{fmt.Sprintf("the model gave no answer within %s: showing retrieval only", chatTimeout)}
		}
		return []string{fmt.Sprintf("the model failed (%v): showing retrieval only", err)}
	}
	if doneReason == "length" {
		return []string{"the model's answer was cut short by its token limit: showing retrieval only"}
	}
	var ex prompts.Explanation
	if err := json.Unmarshal([]byte(reply.String()), &ex); err != nil {
		return []string{"the model's answer was not valid JSON: showing retrieval only"}
	}
	out.Models.Chat = model
	var warnings []string
	byID := map[string]*suspectJSON{}
	for i := range out.Suspects {
		byID[out.Suspects[i].ID] = &out.Suspects[i]
	}
	for _, es := range ex.Suspects {
		s, ok := byID[es.ID]
		if !ok {
			warnings = append(warnings, fmt.Sprintf("the model cited %q, which is not among the suspects: ignored", oneLine(es.ID, 40)))
			continue
		}
		conf := min(max(es.Confidence, 0), 1)
		s.Confidence = &conf
		s.Why = strings.TrimSpace(es.Why)
	}
	out.Summary = strings.TrimSpace(ex.Summary)
	if ex.None && out.Summary == "" {
		out.Summary = "The model found none of these changes a plausible cause."
	}
	return warnings
}
