//go:build !race

package main

// raceEnabled: the race detector is off; the stress tests run at full size.
const raceEnabled = false
