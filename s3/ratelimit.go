package s3

import (
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// prefixState is the request-rate model of one key prefix: a token bucket
// for reads and one for writes, refilled at the per-partition rate times
// the number of partitions S3 has split the prefix into.
type prefixState struct {
	tokens       [2]float64 // read, write
	last         sim.Time
	partitions   int
	hotSince     sim.Time // start of the current run of throttling
	lastThrottle sim.Time
	hot          bool
}

// prefixOf returns the part of key that names its rate-limit prefix: up to
// and including the last delimiter.
func (b *Bucket) prefixOf(key string) string {
	d := b.svc.cfg.Performance.PrefixDelimiter
	if i := strings.LastIndex(key, d); i >= 0 {
		return key[:i+len(d)]
	}
	return ""
}

// admit applies the per-prefix request-rate limit and reports whether the
// request may proceed (false means 503 SlowDown). A prefix throttled with
// no break longer than a second for SplitAfter splits, doubling its
// capacity, up to MaxPartitions.
func (b *Bucket) admit(key string, write bool, now sim.Time) bool {
	p := &b.svc.cfg.Performance
	if p.NoRateLimits {
		return true
	}
	rates := [2]float64{p.ReadRate, p.WriteRate}
	burst := p.Burst.Seconds()
	// An existing key remembers its prefix's state, sparing the prefix
	// lookup; a read also leaves the entry for the request's own lookup.
	e := b.index[key]
	if e != nil && !write {
		b.hot = e
	}
	var st *prefixState
	if e != nil {
		st = e.ps
	}
	if st == nil {
		pre := b.prefixOf(key)
		if st = b.prefixes[pre]; st == nil {
			st = &prefixState{partitions: 1, last: now}
			st.tokens[0], st.tokens[1] = rates[0]*burst, rates[1]*burst
			b.prefixes[pre] = st
		}
		if e != nil {
			e.ps = st
		}
	}
	if dt := now.Sub(st.last).Seconds(); dt > 0 {
		for i := range st.tokens {
			capacity := rates[i] * float64(st.partitions) * burst
			st.tokens[i] = min(capacity, st.tokens[i]+dt*rates[i]*float64(st.partitions))
		}
		st.last = now
	}
	i := 0
	if write {
		i = 1
	}
	if st.tokens[i] >= 1 {
		st.tokens[i]--
		return true
	}
	if !st.hot || now.Sub(st.lastThrottle) > time.Second {
		st.hot, st.hotSince = true, now
	}
	st.lastThrottle = now
	if p.SplitAfter > 0 && now.Sub(st.hotSince) >= p.SplitAfter && st.partitions < p.MaxPartitions {
		st.partitions = min(2*st.partitions, p.MaxPartitions)
		st.hotSince = now
		if b.svc.s.Tracing() {
			b.svc.s.Trace("s3", "PartitionSplit", b.cfg.Name+"/"+b.prefixOf(key), sim.F("partitions", st.partitions))
		}
	}
	return false
}

// Partitions returns how many partitions S3 has split a key's prefix into
// (1 until sustained throttling splits it).
func (b *Bucket) Partitions(key string) int {
	if st := b.prefixes[b.prefixOf(key)]; st != nil {
		return st.partitions
	}
	return 1
}
