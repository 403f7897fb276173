package sim

import (
	"math/bits"
	"slices"
)

// ladder is the queue for large sizes: events by value in chunked
// buckets over a moving window, with an unsorted overflow list, in the
// spirit of the ladder queue (Tang, Goh and Thng, 2005). With a million
// events pending, the calendar's linked slots cost a cache miss for each
// event reached, one after another; here filing an event writes to the
// tail of one list and reaching it again reads its bucket front to back.
//
//   - cur is a small binary heap of the events due at or before curLast:
//     the bucket being served and anything scheduled into its span.
//   - The window [start, winLast] is cut into buckets of width 2^shift ns,
//     unsorted lists of events; bucket next is the first not yet served.
//   - top holds the events after the window, unsorted. When the window runs
//     out, a new one is cut from top: from its earliest event to about its
//     90th percentile (by a sample), with ladderPerBucket events per bucket, so
//     skewed spreads (exponential delays, far-future timers) keep buckets
//     small; the rest stays in top.
//
// Slots carry only generations: an event's handle is pending while its
// slot's generation matches. A cancelled event stays in its list,
// recognised by its stale generation when reached, and its slot is reused
// only then; when cancelled events outnumber live ones, the lists are swept.

// event is one scheduled event, by value.
type event struct {
	at   Time
	seq  uint64
	fn   func()
	slot uint32
	gen  uint32
}

func (a *event) before(b *event) bool { return a.at < b.at || (a.at == b.at && a.seq < b.seq) }

const (
	chunkLen        = 8  // events per chunk: 256 bytes
	ladderPerBucket = 32 // target events per window bucket
	maxBuckets      = 1 << 20
	sampleSize      = 256  // top events sampled to place the window's end
	minCurCap       = 4096 // cur size beyond which the window is recut
)

// list is a chain of chunks, all full but the tail, which holds tailN
// entries; head and tail are -1 when it is empty. Keeping the tail's fill
// here rather than in the chunk lets add write an event without first
// reading the chunk, which with a million events pending is a cache miss.
type list struct {
	head, tail int32
	n, tailN   int32
}

var emptyList = list{head: -1, tail: -1}

// freeSlot is a reusable slot and the generation its next event gets.
type freeSlot struct {
	slot, gen uint32
}

type ladder struct {
	gens []uint32   // generation of each slot's current or last event
	free []freeSlot // slots whose events fired or whose cancelled entries left
	live int        // pending, not cancelled
	dead int        // cancelled, still in a list or cur

	chunks []([chunkLen]event)
	links  []int32 // each chunk's successor in its list, or -1
	freeCh []int32
	sample []Time // scratch for cut

	cur     []event // heap of events due at or before curLast
	curLast Time
	curCap  int // cur length that makes push recut the window

	win     []list // the window's buckets
	next    int    // first bucket not yet moved into cur
	start   Time   // window start
	shift   uint   // bucket width 2^shift ns
	winLast Time   // window end, inclusive; later events go to top
	top     list

	rebuilds int // recuts forced by a crowded cur, and sweeps: for tests
}

func (q *ladder) init() {
	q.curLast, q.winLast = -1, -1
	q.curCap = minCurCap
	q.top = emptyList
}

// newChunk returns an empty chunk.
func (q *ladder) newChunk() int32 {
	if n := len(q.freeCh); n > 0 {
		c := q.freeCh[n-1]
		q.freeCh = q.freeCh[:n-1]
		q.links[c] = -1
		return c
	}
	q.chunks = append(q.chunks, [chunkLen]event{})
	q.links = append(q.links, -1)
	return int32(len(q.chunks) - 1)
}

// add appends e to list l.
func (q *ladder) add(l *list, e *event) {
	if l.tail < 0 || l.tailN == chunkLen {
		c := q.newChunk()
		if l.tail < 0 {
			l.head = c
		} else {
			q.links[l.tail] = c
		}
		l.tail, l.tailN = c, 0
	}
	q.chunks[l.tail][l.tailN] = *e
	l.tailN++
	l.n++
}

// drain calls f on each event of l in order, returns its chunks to the
// pool (cleared, so their functions can be collected) and empties it.
func (q *ladder) drain(l *list, f func(e *event)) {
	for c := l.head; c >= 0; {
		n := int32(chunkLen)
		if c == l.tail {
			n = l.tailN
		}
		// f may grow q.chunks, so index it afresh rather than hold a pointer.
		for i := range n {
			f(&q.chunks[c][i])
		}
		clear(q.chunks[c][:n])
		q.freeCh = append(q.freeCh, c)
		c = q.links[c]
	}
	*l = emptyList
}

// stale reports whether e was cancelled; if so it releases e's slot.
func (q *ladder) stale(e *event) bool {
	if q.dead == 0 || q.gens[e.slot] == e.gen {
		return false
	}
	q.dead--
	q.free = append(q.free, freeSlot{e.slot, q.gens[e.slot]})
	return true
}

func nextGen(g uint32) uint32 {
	if g++; g == 0 {
		g = 1
	}
	return g
}

func (q *ladder) push(at Time, fn func(), seq uint64) Timer {
	f := freeSlot{gen: 1}
	if n := len(q.free); n > 0 {
		f = q.free[n-1]
		q.free = q.free[:n-1]
	} else {
		q.gens = append(q.gens, 1)
		f.slot = uint32(len(q.gens) - 1)
	}
	slot := f.slot
	e := event{at: at, seq: seq, fn: fn, slot: slot, gen: f.gen}
	q.live++
	q.place(&e)
	if len(q.cur) > q.curCap {
		q.recut()
	}
	return Timer{at: at, fn: fn, slot: slot, gen: e.gen}
}

// place files e into cur, a window bucket or top by its time.
func (q *ladder) place(e *event) {
	switch {
	case e.at <= q.curLast:
		q.cur = pushEvent(q.cur, *e)
	case e.at <= q.winLast:
		q.add(&q.win[(e.at-q.start)>>q.shift], e)
	default:
		q.add(&q.top, e)
	}
}

func (q *ladder) valid(t Timer) bool {
	return t.gen != 0 && int(t.slot) < len(q.gens) && q.gens[t.slot] == t.gen
}

func (q *ladder) when(t Timer) (Time, bool) {
	if !q.valid(t) {
		return 0, false
	}
	return t.at, true
}

// take cancels a pending timer and returns its function.
func (q *ladder) take(t Timer) (func(), bool) {
	if !q.valid(t) {
		return nil, false
	}
	q.gens[t.slot] = nextGen(t.gen)
	q.live--
	q.dead++
	if q.dead > minCancelled && q.dead > q.live {
		q.sweep()
	}
	return t.fn, true
}

// pop removes and returns the earliest pending event due at or before limit.
func (q *ladder) pop(limit Time) (Time, func(), bool) {
	for {
		if len(q.cur) > 0 {
			if q.cur[0].at > limit {
				return 0, nil, false
			}
			e := q.cur[0]
			q.cur = popEvent(q.cur)
			if q.stale(&e) {
				continue
			}
			// The slot's generation moves on, so the handle stops being
			// pending: a plain store, as the current value is e.gen, and
			// the free list carries the new one so push need not read it.
			g := nextGen(e.gen)
			q.gens[e.slot] = g
			q.free = append(q.free, freeSlot{e.slot, g})
			q.live--
			return e.at, e.fn, true
		}
		if !q.advance() {
			return 0, nil, false
		}
	}
}

// advance moves the next non-empty bucket into cur, cutting a new window
// from top when the window is spent. It returns false when nothing is
// pending.
func (q *ladder) advance() bool {
	for {
		for q.next < len(q.win) {
			k := q.next
			q.next++
			q.curLast = q.bucketLast(k)
			l := &q.win[k]
			if l.n == 0 {
				continue
			}
			q.drain(l, func(e *event) {
				if !q.stale(e) {
					q.cur = append(q.cur, *e)
				}
			})
			heapifyEvents(q.cur)
			q.curCap = q.capFor()
			if len(q.cur) > 0 {
				return true
			}
		}
		if q.top.n == 0 {
			return false
		}
		q.cut()
	}
}

// capFor is the cur length past which push recuts the window: twice what
// cur holds, and a quarter of all pending, so that a recut (which refiles
// every pending event) is paid for by as many pushes; bursts at one
// instant, which a recut cannot spread, then cost nothing extra.
func (q *ladder) capFor() int {
	return max(minCurCap, 2*len(q.cur), q.live/4)
}

// bucketLast is the last instant of window bucket k.
func (q *ladder) bucketLast(k int) Time {
	if off := uint64(k+1)<<q.shift - 1; off < uint64(q.winLast-q.start) {
		return q.start + Time(off)
	}
	return q.winLast
}

// cut makes a new window from top, which must be all that is pending
// besides cur: from top's earliest event to about its 90th percentile.
func (q *ladder) cut() {
	n := int(q.top.n)
	stride := max(1, n/sampleSize)
	sample := q.sample[:0]
	lo, i := MaxTime, 0
	for c := q.top.head; c >= 0; c = q.links[c] {
		k := int32(chunkLen)
		if c == q.top.tail {
			k = q.top.tailN
		}
		for _, e := range q.chunks[c][:k] {
			lo = min(lo, e.at)
			if i%stride == 0 {
				sample = append(sample, e.at)
			}
			i++
		}
	}
	slices.Sort(sample)
	q.sample = sample
	hi := max(lo, sample[len(sample)*9/10])
	nb := 1
	for nb < n/ladderPerBucket && nb < maxBuckets {
		nb <<= 1
	}
	spread := uint64(hi-lo) + 1
	shift := uint(0)
	if spread > uint64(nb) {
		shift = uint(bits.Len64((spread - 1) / uint64(nb)))
	}
	q.start, q.shift, q.next = lo, shift, 0
	q.winLast = MaxTime
	if span := uint64(nb) << shift; span-1 <= uint64(MaxTime-lo) {
		q.winLast = lo + Time(span-1)
	}
	if cap(q.win) >= nb {
		q.win = q.win[:nb]
	} else {
		q.win = make([]list, nb)
	}
	for k := range q.win {
		q.win[k] = emptyList
	}
	q.curLast = q.start - 1
	old := q.top
	q.top = emptyList
	q.drain(&old, func(e *event) {
		if !q.stale(e) {
			q.place(e)
		}
	})
}

// recut refiles everything when cur has grown past curCap: cur then spans
// too much time for the events in it (a window cut around a few far-apart
// events, say), so the events are refiled through a new window.
func (q *ladder) recut() {
	q.rebuilds++
	for _, e := range q.cur {
		q.add(&q.top, &e)
	}
	clear(q.cur)
	q.cur = q.cur[:0]
	for k := q.next; k < len(q.win); k++ {
		q.drain(&q.win[k], func(e *event) { q.add(&q.top, e) })
	}
	q.next = len(q.win)
	q.cut()
	q.advance()
	q.curCap = q.capFor()
}

// sweep drops every cancelled event, releasing its slot.
func (q *ladder) sweep() {
	q.rebuilds++
	keep := q.cur[:0]
	for _, e := range q.cur {
		if !q.stale(&e) {
			keep = append(keep, e)
		}
	}
	clear(q.cur[len(keep):])
	q.cur = keep
	heapifyEvents(q.cur)
	refile := func(l *list) {
		old := *l
		*l = emptyList
		q.drain(&old, func(e *event) {
			if !q.stale(e) {
				q.add(l, e)
			}
		})
	}
	for k := q.next; k < len(q.win); k++ {
		refile(&q.win[k])
	}
	refile(&q.top)
}

// pushEvent adds e to the binary heap h.
func pushEvent(h []event, e event) []event {
	h = append(h, e)
	for j := len(h) - 1; j > 0; {
		p := (j - 1) / 2
		if !h[j].before(&h[p]) {
			break
		}
		h[j], h[p] = h[p], h[j]
		j = p
	}
	return h
}

// popEvent removes the least event of the binary heap h.
func popEvent(h []event) []event {
	n := len(h) - 1
	h[0] = h[n]
	h[n] = event{}
	h = h[:n]
	siftEvents(h, 0)
	return h
}

func heapifyEvents(h []event) {
	for j := len(h)/2 - 1; j >= 0; j-- {
		siftEvents(h, j)
	}
}

func siftEvents(h []event, j int) {
	n := len(h)
	for {
		l := 2*j + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h[r].before(&h[l]) {
			m = r
		}
		if !h[m].before(&h[j]) {
			return
		}
		h[j], h[m] = h[m], h[j]
		j = m
	}
}
