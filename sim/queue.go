package sim

import "math/bits"

// The pending-event queue is a hybrid chosen by size, measured with
// BenchmarkHold against a bare binary heap (BenchmarkHoldBinaryHeap):
//
//   - Up to bigAt pending events it is a calendar (calendar.go): fastest
//     while its slots and bucket heads stay in cache (31 M events/s at
//     1,000 pending against the heap's 17 M).
//   - Beyond that it is a ladder of value buckets (ladder.go): with a
//     million pending the calendar's walk through its slots costs a cache
//     miss per event, one after another, and runs no faster than a heap;
//     the ladder files and reads events in runs.
//
// The queue moves its events from one to the other when the pending count
// crosses bigAt upwards or smallAt downwards (the gap keeps it from
// switching back and forth). Both keep the same slots, generations and
// sequence numbers, so handles and equal-time order survive a move.
type queue struct {
	cal calendar
	lad ladder
	big bool // events are in lad
	seq uint64

	bigAt, smallAt int // switch points; fields so tests can move them
}

const (
	defaultBigAt   = 1 << 18 // 262,144 pending
	defaultSmallAt = 1 << 16 // 65,536 pending
)

func (q *queue) init() {
	q.cal.init()
	q.bigAt, q.smallAt = defaultBigAt, defaultSmallAt
}

func (q *queue) len() int {
	if q.big {
		return q.lad.live
	}
	return q.cal.live
}

func (q *queue) push(at Time, fn func()) Timer {
	seq := q.seq
	q.seq++
	if q.big {
		return q.lad.push(at, fn, seq)
	}
	t := q.cal.push(at, fn, seq)
	if q.cal.live > q.bigAt {
		q.toLadder()
	}
	return t
}

func (q *queue) pop(limit Time) (Time, func(), bool) {
	if !q.big {
		return q.cal.pop(limit)
	}
	at, fn, ok := q.lad.pop(limit)
	if ok && q.lad.live < q.smallAt {
		q.toCalendar()
	}
	return at, fn, ok
}

func (q *queue) when(t Timer) (Time, bool) {
	if q.big {
		return q.lad.when(t)
	}
	return q.cal.when(t)
}

func (q *queue) cancel(t Timer) bool {
	_, ok := q.take(t)
	return ok
}

// take cancels a pending timer and returns its function.
func (q *queue) take(t Timer) (func(), bool) {
	if q.big {
		return q.lad.take(t)
	}
	return q.cal.take(t)
}

// toLadder moves every pending event from the calendar into a new ladder,
// slot for slot. A free or cancelled slot's generation moves on, so no
// handle of a fired or cancelled event becomes pending again.
func (q *queue) toLadder() {
	c := &q.cal
	l := &q.lad
	*l = ladder{}
	l.init()
	l.gens = make([]uint32, len(c.slots))
	for i := range c.slots {
		sl := &c.slots[i]
		if sl.fn == nil { // free, or cancelled and waiting in a bucket
			g := nextGen(sl.gen)
			l.gens[i] = g
			l.free = append(l.free, freeSlot{uint32(i), g})
			continue
		}
		l.gens[i] = sl.gen
		l.add(&l.top, &event{at: sl.at, seq: sl.seq, fn: sl.fn, slot: uint32(i), gen: sl.gen})
	}
	l.live = c.live
	*c = calendar{}
	q.big = true
}

// toCalendar moves every pending event from the ladder into a new
// calendar, slot for slot.
func (q *queue) toCalendar() {
	l := &q.lad
	c := &q.cal
	*c = calendar{}
	c.init()
	c.slots = make([]slot, len(l.gens))
	for i, g := range l.gens {
		c.slots[i].gen = g
	}
	var live []uint32
	keep := func(e *event) {
		if l.stale(e) {
			return
		}
		c.slots[e.slot] = slot{at: e.at, seq: e.seq, fn: e.fn, gen: e.gen}
		live = append(live, e.slot)
	}
	for i := range l.cur {
		keep(&l.cur[i])
	}
	for k := l.next; k < len(l.win); k++ {
		l.drain(&l.win[k], keep)
	}
	l.drain(&l.top, keep)
	for i := range c.slots {
		if c.slots[i].fn == nil {
			c.free = append(c.free, uint32(i))
		}
	}
	c.live = len(live)
	c.far = append(c.far, live...)
	// Start with buckets about perBucket mean gaps wide; retune refines.
	shift := uint(0)
	if len(live) > 1 {
		lo, hi := MaxTime, Time(0)
		for _, i := range live {
			lo, hi = min(lo, c.slots[i].at), max(hi, c.slots[i].at)
		}
		if w := uint64(hi-lo) / uint64(len(live)) * perBucket; w > 1 {
			shift = min(uint(bits.Len64(w)-1), 40) // retune's cap
		}
	}
	c.want = shift
	c.rebuild(shift)
	*l = ladder{}
	q.big = false
}
