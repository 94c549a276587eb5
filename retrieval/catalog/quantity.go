package catalog

import (
	"math"
	"strconv"
	"strings"
)

type unitKind uint8

const (
	unitNumber unitKind = iota
	unitDuration
	unitBytes
	unitCPU
	unitRate
)

var unitNames = map[string]unitKind{
	"":         unitNumber,
	"number":   unitNumber,
	"duration": unitDuration,
	"bytes":    unitBytes,
	"cpu":      unitCPU,
	"rate":     unitRate,
}

// Seconds per duration suffix.
var durationUnits = map[string]float64{
	"ns": 1e-9, "nanosecond": 1e-9, "nanoseconds": 1e-9,
	"us": 1e-6, "µs": 1e-6, "micros": 1e-6, "microsecond": 1e-6, "microseconds": 1e-6,
	"ms": 1e-3, "msec": 1e-3, "msecs": 1e-3, "millis": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3,
	"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
	"m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
	"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
	"d": 86400, "day": 86400, "days": 86400,
	"w": 604800, "week": 604800, "weeks": 604800,
}

// Bytes per size suffix: single letters and kb/mb are decimal as in
// Kubernetes, ki/mi/gi are binary. JVM "512m" compares consistently with
// "1g" because both use the same notation.
var byteUnits = map[string]float64{
	"b": 1, "byte": 1, "bytes": 1,
	"k": 1e3, "kb": 1e3, "ki": 1 << 10, "kib": 1 << 10,
	"m": 1e6, "mb": 1e6, "mi": 1 << 20, "mib": 1 << 20,
	"g": 1e9, "gb": 1e9, "gi": 1 << 30, "gib": 1 << 30,
	"t": 1e12, "tb": 1e12, "ti": 1 << 40, "tib": 1 << 40,
}

// Events per second for rate suffixes ("10r/s", "100/min", "5 rpm").
var rateUnits = map[string]float64{
	"s": 1, "sec": 1, "second": 1, "rps": 1, "qps": 1, "tps": 1, "ps": 1,
	"m": 1.0 / 60, "min": 1.0 / 60, "minute": 1.0 / 60, "rpm": 1.0 / 60, "qpm": 1.0 / 60, "pm": 1.0 / 60,
	"h": 1.0 / 3600, "hr": 1.0 / 3600, "hour": 1.0 / 3600,
	"d": 1.0 / 86400, "day": 1.0 / 86400,
}

// parseQuantity parses a captured value such as "30s", "500m", "1.5Gi",
// "5 * time.Second", "5.minutes" or "10r/s" into a comparable number. key
// supplies the unit of a bare number where the key name implies one
// (timeoutMs, memory_mb).
func parseQuantity(raw string, u unitKind, key string) (float64, bool) {
	s := strings.ToLower(strings.TrimSpace(raw))
	s = strings.Trim(s, "\"'`")
	i := 0
	dot := false
	var num strings.Builder
scan:
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			num.WriteByte(c)
		case c == '_' && num.Len() > 0:
		case c == '.' && !dot && i+1 < len(s) && '0' <= s[i+1] && s[i+1] <= '9':
			dot = true
			num.WriteByte(c)
		default:
			break scan
		}
	}
	if num.Len() == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(num.String(), 64)
	if err != nil {
		return 0, false
	}
	suffix := strings.TrimLeft(s[i:], " *")
	suffix = strings.TrimPrefix(suffix, "time.")
	suffix = strings.TrimPrefix(suffix, "timeunit.")
	suffix = strings.TrimLeft(suffix, ". ")
	switch u {
	case unitNumber:
		return v, true
	case unitDuration:
		word := leadingWord(suffix)
		if word == "" {
			return v * keyDurationHint(key), true
		}
		m, ok := durationUnits[word]
		return v * m, ok
	case unitBytes:
		word := leadingWord(suffix)
		if word == "" {
			return v * keyBytesHint(key), true
		}
		m, ok := byteUnits[word]
		return v * m, ok
	case unitCPU:
		switch leadingWord(suffix) {
		case "":
			return v, true
		case "m":
			return v / 1000, true
		}
		return 0, false
	case unitRate:
		r := strings.TrimLeft(suffix, " ")
		r = strings.TrimPrefix(r, "r")
		r = strings.TrimLeft(r, "/ ")
		r = strings.TrimPrefix(r, "per")
		r = strings.TrimLeft(r, " ")
		word := leadingWord(r)
		if word == "" {
			return v, true
		}
		m, ok := rateUnits[word]
		if !ok {
			m, ok = rateUnits[strings.TrimSuffix(word, "s")]
		}
		return v * m, ok
	}
	return 0, false
}

func leadingWord(s string) string {
	for i, r := range s {
		if !('a' <= r && r <= 'z' || r == 'µ') {
			return s[:i]
		}
	}
	return s
}

func normKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func keyDurationHint(key string) float64 {
	k := normKey(key)
	switch {
	case strings.HasSuffix(k, "ms") || strings.HasSuffix(k, "millis") || strings.HasSuffix(k, "milliseconds") || strings.HasSuffix(k, "msec"):
		return 1e-3
	case strings.HasSuffix(k, "micros") || strings.HasSuffix(k, "microseconds") || strings.HasSuffix(k, "us"):
		return 1e-6
	case strings.HasSuffix(k, "minutes") || strings.HasSuffix(k, "mins"):
		return 60
	case strings.HasSuffix(k, "hours") || strings.HasSuffix(k, "hrs"):
		return 3600
	case strings.HasSuffix(k, "days"):
		return 86400
	}
	return 1
}

func keyBytesHint(key string) float64 {
	k := normKey(key)
	switch {
	case strings.HasSuffix(k, "kb") || strings.HasSuffix(k, "kib"):
		return 1 << 10
	case strings.HasSuffix(k, "mb") || strings.HasSuffix(k, "mib"):
		return 1 << 20
	case strings.HasSuffix(k, "gb") || strings.HasSuffix(k, "gib"):
		return 1 << 30
	}
	return 1
}

// unlimited maps "0 or negative means no limit" values to +Inf.
func unlimited(v float64, zeroIsUnlimited bool) float64 {
	if zeroIsUnlimited && v <= 0 {
		return math.Inf(1)
	}
	return v
}
