package sim

import (
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// refEvent is an event of the reference model: a plain sorted list.
type refEvent struct {
	at  Time
	seq int
	id  int
}

// TestQueueMatchesReference drives the queue (calendar, ladder, or both
// with moves between them) and a deliberately simple sorted-slice model with the same random operations (bursts at one
// instant, near and far timers, cancels, reschedules, partial runs) and
// requires the same firing order.
func TestQueueMatchesReference(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := New(Config{})
		if rapid.Bool().Draw(rt, "hybrid") {
			// Move between calendar and ladder at small sizes, so both
			// structures and the moves between them meet every operation.
			s.q.bigAt = rapid.IntRange(1, 64).Draw(rt, "bigAt")
			s.q.smallAt = rapid.IntRange(0, s.q.bigAt).Draw(rt, "smallAt")
		}
		var ref []refEvent
		var fired, refFired []int
		handles := map[int]Timer{}
		seq, nextID := 0, 0
		schedule := func(at Time) {
			id := nextID
			nextID++
			handles[id] = s.Schedule(at, func() { fired = append(fired, id) })
			ref = append(ref, refEvent{at, seq, id})
			seq++
		}
		refPop := func(limit Time) bool {
			sort.Slice(ref, func(i, j int) bool {
				return ref[i].at < ref[j].at || (ref[i].at == ref[j].at && ref[i].seq < ref[j].seq)
			})
			if len(ref) == 0 || ref[0].at > limit {
				return false
			}
			refFired = append(refFired, ref[0].id)
			ref = ref[1:]
			return true
		}
		refCancel := func(id int) bool {
			for i, e := range ref {
				if e.id == id {
					ref = append(ref[:i], ref[i+1:]...)
					return true
				}
			}
			return false
		}
		scale := rapid.SampledFrom([]int64{1, 1000, 1e6, 1e9, 1e12}).Draw(rt, "scale")
		steps := rapid.IntRange(1, 400).Draw(rt, "steps")
		for k := 0; k < steps; k++ {
			switch op := rapid.IntRange(0, 9).Draw(rt, "op"); {
			case op <= 3: // near future, many ties when scale is small
				schedule(s.Now() + Time(rapid.Int64Range(0, 8).Draw(rt, "d")*scale))
			case op == 4: // burst at one instant
				at := s.Now() + Time(rapid.Int64Range(0, 3).Draw(rt, "d")*scale)
				for n := rapid.IntRange(1, 50).Draw(rt, "n"); n > 0; n-- {
					schedule(at)
				}
			case op == 5: // far future
				schedule(s.Now() + Time(rapid.Int64Range(1000, 1e6).Draw(rt, "far")*scale))
			case op == 6 && nextID > 0:
				id := rapid.IntRange(0, nextID-1).Draw(rt, "cancel")
				require.Equal(rt, refCancel(id), s.Cancel(handles[id]), "cancel %d", id)
			case op == 7 && nextID > 0:
				id := rapid.IntRange(0, nextID-1).Draw(rt, "resched")
				at := s.Now() + Time(rapid.Int64Range(0, 20).Draw(rt, "d")*scale)
				nt, ok := s.Reschedule(handles[id], at)
				require.Equal(rt, refCancel(id), ok)
				if ok {
					handles[id] = nt
					ref = append(ref, refEvent{at, seq, id})
					seq++
				}
			case op == 8:
				n := rapid.IntRange(1, 100).Draw(rt, "pops")
				for ; n > 0; n-- {
					require.Equal(rt, refPop(MaxTime), s.Step())
				}
			default:
				end := s.Now() + Time(rapid.Int64Range(0, 10).Draw(rt, "until")*scale)
				for refPop(end) {
				}
				s.RunUntil(end)
				require.Equal(rt, end, s.Now())
			}
			require.Equal(rt, len(ref), s.Len())
		}
		for refPop(MaxTime) {
		}
		s.Run()
		require.Equal(rt, refFired, fired)
	})
}

// TestQueueLargeShapes pushes the calendar through its rebuilds, and the
// ladder through its cuts and its moves back to the calendar: a dense hold
// model, then a collapse to a few sparse timers.
func TestQueueLargeShapes(t *testing.T) {
	for _, ladder := range []bool{false, true} {
		t.Run(map[bool]string{false: "calendar", true: "ladder"}[ladder], func(t *testing.T) {
			largeShapes(t, ladder)
		})
	}
}

func largeShapes(t *testing.T, ladder bool) {
	n := 200000
	if testing.Short() {
		n = 20000
	}
	s := New(Config{Seed: 7})
	if ladder {
		s.q.bigAt, s.q.smallAt = 1000, 100
	}
	r := s.Stream("shape")
	var last Time
	var fn func()
	count := 0
	fn = func() {
		if s.Now() < last {
			t.Fatalf("time went backwards: %v after %v", s.Now(), last)
		}
		last = s.Now()
		count++
		if count < 5*n {
			s.After(time.Duration(r.ExpFloat64()*1e6), fn)
		}
	}
	for i := 0; i < n; i++ {
		s.After(time.Duration(r.ExpFloat64()*1e6), fn)
	}
	s.Run()
	assert.Equal(t, 5*n+n-1, count)
	// Sparse, hour-apart timers after a dense phase must still fire in order.
	var got []Time
	for i := 5; i >= 1; i-- {
		s.After(time.Duration(i)*time.Hour, func() { got = append(got, s.Now()) })
	}
	s.Run()
	require.Len(t, got, 5)
	assert.True(t, sort.SliceIsSorted(got, func(i, j int) bool { return got[i] < got[j] }))
}

func TestCancelledTimersDoNotAccumulate(t *testing.T) {
	s := New(Config{})
	noop := func() {}
	for i := 0; i < 100000; i++ {
		s.Cancel(s.After(time.Hour, noop))
	}
	assert.Equal(t, 0, s.Len())
	// Compaction keeps the structure bounded by the live count.
	assert.LessOrEqual(t, s.q.cal.dead, minCancelled)
	assert.False(t, s.Step())
}

// TestFarTimersDoNotCauseRebuildStorms mixes dense short timers with many
// far-future ones (hourly billing, health checks): the queue must not
// rebuild over and over because far holds many events.
func TestFarTimersDoNotCauseRebuildStorms(t *testing.T) {
	s := New(Config{Seed: 1})
	r := s.Stream("storm")
	noop := func() {}
	for i := 0; i < 50000; i++ {
		s.After(time.Duration(24+r.IntN(1000))*time.Hour, noop)
	}
	var fn func()
	fn = func() { s.After(time.Duration(r.ExpFloat64()*1e6), fn) }
	for i := 0; i < 1000; i++ {
		s.After(time.Duration(r.ExpFloat64()*1e6), fn)
	}
	before := s.q.cal.rebuilds
	for i := 0; i < 500000; i++ {
		s.Step()
	}
	assert.Less(t, s.q.cal.rebuilds-before, 10)
}

// TestMemoryPerPendingEvent: the queue keeps at most 64 bytes of heap per
// pending event (the foundation issue's budget) at 100,000 pending, after
// filling and running the hold model; BenchmarkHold reports the same
// figure at every size.
func TestMemoryPerPendingEvent(t *testing.T) {
	const pending = 100_000
	before := heapInUse()
	s := New(Config{Seed: 1})
	r := s.Stream("hold")
	var fn func()
	fn = func() { s.After(time.Duration(r.ExpFloat64()*1e9), fn) }
	for range pending {
		s.After(time.Duration(r.ExpFloat64()*1e9), fn)
	}
	for range 2 * pending {
		s.Step()
	}
	perEvent := float64(heapInUse()-before) / pending
	assert.LessOrEqual(t, perEvent, 64.0)
	assert.Greater(t, perEvent, 32.0, "at least the 32-byte slot")
	runtime.KeepAlive(s)
}

// TestQueueMovesKeepHandles: handles taken before the queue moves between
// calendar and ladder still work after it: a far timer set while small is
// cancelled while large, one set while large is rescheduled once small
// again, and fired handles stay not pending.
func TestQueueMovesKeepHandles(t *testing.T) {
	s := New(Config{Seed: 3})
	s.q.bigAt, s.q.smallAt = 50, 10
	noop := func() {}
	early := s.After(time.Hour, noop)
	fired := s.After(time.Nanosecond, noop)
	require.True(t, s.Step())
	var many []Timer
	for i := range 60 {
		many = append(many, s.After(time.Duration(i+1)*time.Millisecond, noop))
	}
	require.True(t, s.q.big, "60 pending passes bigAt")
	assert.False(t, s.Pending(fired))
	lateAt := s.Now() + Time(2*time.Hour)
	late := s.After(2*time.Hour, noop)
	assert.True(t, s.Cancel(early))
	assert.False(t, s.Cancel(early))
	s.RunFor(55 * time.Millisecond)
	require.False(t, s.q.big, "fewer than smallAt pending")
	assert.False(t, s.Pending(many[0]))
	assert.True(t, s.Pending(many[59]))
	at, ok := s.When(late)
	require.True(t, ok)
	assert.Equal(t, lateAt, at)
	moved, ok := s.Reschedule(late, Time(3*time.Hour))
	require.True(t, ok)
	assert.False(t, s.Pending(late))
	var order []Time
	s.Schedule(Time(3*time.Hour), func() { order = append(order, s.Now()) })
	s.Run()
	assert.False(t, s.Pending(moved))
	assert.Equal(t, []Time{Time(3 * time.Hour)}, order)
	assert.Equal(t, 0, s.Len())
}

// TestLadderSweepsCancelled: with the queue in its ladder, cancelling most
// of many timers sweeps the cancelled ones out (the lists stay bounded by
// the live count) and the rest fire in order, each once.
func TestLadderSweepsCancelled(t *testing.T) {
	s := New(Config{Seed: 5})
	s.q.bigAt, s.q.smallAt = 100, 0
	r := s.Stream("sweep")
	var fired []int
	var handles []Timer
	for i := range 6000 {
		handles = append(handles, s.After(time.Duration(r.IntN(1000))*time.Millisecond, func() { fired = append(fired, i) }))
	}
	require.True(t, s.q.big)
	kept := 0
	for i, h := range handles {
		if i%5 == 0 {
			kept++
			continue
		}
		require.True(t, s.Cancel(h))
	}
	assert.Equal(t, kept, s.Len())
	assert.Positive(t, s.q.lad.rebuilds, "a sweep ran")
	assert.LessOrEqual(t, s.q.lad.dead, s.q.lad.live+minCancelled)
	var last Time
	for s.Step() {
		require.GreaterOrEqual(t, s.Now(), last)
		last = s.Now()
	}
	require.Len(t, fired, kept)
	seen := map[int]bool{}
	for _, i := range fired {
		require.Zero(t, i%5, "a cancelled timer fired")
		require.False(t, seen[i])
		seen[i] = true
	}
}

// TestLadderRecutsACrowdedCur: a window cut around two events a year apart
// has one bucket spanning the year, so the events that follow all land in
// cur; past curCap the ladder cuts a new window from them, and they still
// fire in order, each once, without recutting over and over.
func TestLadderRecutsACrowdedCur(t *testing.T) {
	s := New(Config{Seed: 9})
	s.q.bigAt, s.q.smallAt = 1, 0
	r := s.Stream("recut")
	var got []Time
	record := func() { got = append(got, s.Now()) }
	s.After(time.Second, record)
	s.After(365*24*time.Hour, record)
	require.True(t, s.q.big)
	require.True(t, s.Step(), "the first event cuts the window: one bucket over the year")
	const n = 20000
	for range n {
		s.After(time.Duration(r.Int64N(int64(time.Hour))), record)
	}
	assert.Positive(t, s.q.lad.rebuilds, "cur passed curCap and the window was recut")
	assert.Less(t, s.q.lad.rebuilds, 10, "no recut storm")
	s.Run()
	require.Len(t, got, n+2)
	assert.True(t, sort.SliceIsSorted(got, func(i, j int) bool { return got[i] < got[j] }))
}

// TestEventAtMaxTime: an event at MaxTime (a "never" sentinel) fires last,
// also after the calendar has narrowed its buckets to 1 ns (a burst at one
// instant) and after a move back from the ladder; the window's end used to
// overflow there and the queue spun forever.
func TestEventAtMaxTime(t *testing.T) {
	for _, viaLadder := range []bool{false, true} {
		s := New(Config{})
		if viaLadder {
			s.q.bigAt, s.q.smallAt = 100, 50
		}
		n, total := 0, 3000
		if viaLadder {
			total = 200
		}
		for range total {
			s.Schedule(1000, func() { n++ })
		}
		for i := 0; i < 2500 || s.q.big; i++ {
			s.Step()
		}
		last := Time(0)
		s.Schedule(MaxTime, func() { n++; last = s.Now() })
		s.Run()
		assert.Equal(t, total+1, n)
		assert.Equal(t, MaxTime, last)
	}
}

// TestLadderBurstsDoNotRecut: bursts of thousands of events at one instant
// over a large queue land in cur, where a recut cannot spread them; the
// ladder must not refile everything for each burst.
func TestLadderBurstsDoNotRecut(t *testing.T) {
	s := New(Config{Seed: 1})
	s.q.bigAt, s.q.smallAt = 1000, 0
	r := s.Stream("bursts")
	noop := func() {}
	for range 50000 {
		s.After(time.Duration(1+r.IntN(3600))*time.Second, noop)
	}
	require.True(t, s.q.big)
	bursts := 0
	var tick func()
	tick = func() {
		if bursts++; bursts > 40 {
			return
		}
		for range 6000 {
			s.After(0, noop)
		}
		s.After(500*time.Millisecond, tick)
	}
	s.After(0, tick)
	before := s.q.lad.rebuilds
	s.RunFor(25 * time.Second)
	assert.Equal(t, 41, bursts)
	assert.LessOrEqual(t, s.q.lad.rebuilds-before, 2, "recuts for 40 bursts")
}
