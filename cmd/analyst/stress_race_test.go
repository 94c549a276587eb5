//go:build race

package main

// raceEnabled: the race detector is on, so every process is several times
// slower; the stress tests scale down.
const raceEnabled = true
