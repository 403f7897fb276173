package sim

import (
	"strconv"
	"time"
)

// Time is a virtual instant: nanoseconds since the run's epoch. Durations
// between instants are time.Duration.
type Time int64

// MaxTime is the latest representable instant.
const MaxTime Time = 1<<63 - 1

// DefaultEpoch is the wall-clock instant that Time 0 maps to when a Config
// gives none: midnight UTC on 2026-01-01, a Thursday.
var DefaultEpoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Add returns t+d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Seconds returns t in seconds since the epoch.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// Duration returns t as the duration since the epoch.
func (t Time) Duration() time.Duration { return time.Duration(t) }

// Before reports whether t is earlier than u.
func (t Time) Before(u Time) bool { return t < u }

// String formats t as an offset from the epoch, such as "+1h30m0s".
func (t Time) String() string {
	if t < 0 {
		return "-" + time.Duration(-t).String()
	}
	return "+" + time.Duration(t).String()
}

// AppendText appends the decimal nanosecond count, for compact logs.
func (t Time) AppendText(b []byte) ([]byte, error) { return strconv.AppendInt(b, int64(t), 10), nil }
