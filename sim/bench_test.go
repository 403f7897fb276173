package sim

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// BenchmarkHold is the classic hold model: the queue holds `pending` events
// and each event, when it fires, schedules one more at now + Exp(1 s).
func BenchmarkHold(b *testing.B) {
	for _, pending := range []int{1000, 100000, 1000000} {
		b.Run(fmt.Sprintf("pending=%d", pending), func(b *testing.B) {
			before := heapInUse()
			s := New(Config{Seed: 1})
			r := s.Stream("hold")
			var fn func()
			fn = func() { s.After(time.Duration(r.ExpFloat64()*1e9), fn) }
			for i := 0; i < pending; i++ {
				s.After(time.Duration(r.ExpFloat64()*1e9), fn)
			}
			// Warm up so the queue reaches its steady-state shape.
			for i := 0; i < pending; i++ {
				s.Step()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Step()
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(heapInUse()-before)/float64(pending), "B/pending")
			runtime.KeepAlive(s)
		})
	}
}

// BenchmarkCancel schedules a timer and cancels it, as health checks and
// request timeouts do, with 10,000 other events pending.
func BenchmarkCancel(b *testing.B) {
	s := New(Config{Seed: 1})
	r := s.Stream("cancel")
	noop := func() {}
	for i := 0; i < 10000; i++ {
		s.After(time.Duration(r.ExpFloat64()*1e9), noop)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := s.After(time.Duration(r.ExpFloat64()*1e9), noop)
		s.Cancel(t)
		if i%64 == 0 {
			s.Step() // let lazily deleted slots drain as they come due
			s.After(time.Duration(r.ExpFloat64()*1e9), noop)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// heapInUse returns the live heap after a collection, in bytes.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
