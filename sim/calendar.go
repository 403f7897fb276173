package sim

import "math/bits"

// calendar is the queue for small and middling sizes: a calendar queue
// (Brown, 1988) with an overflow heap. An event costs one bucket insert
// and one pop from a heap of a few entries, all in cache up to about a
// hundred thousand events.
//
//   - Time is cut into buckets of width 2^shift ns. Bucket curEpoch's events
//     sit in cur, a small binary heap ordered by (at, seq); so does any event
//     scheduled at or before the end of that bucket.
//   - Events of the next nb-1 buckets sit in unsorted singly linked lists
//     threaded through the slot arena (heads[epoch & mask]).
//   - Events further out sit in far, a binary heap, and move into buckets
//     as the window advances.
//
// Width and bucket count adapt to the observed gap between events and to
// the queue length, so any arrival pattern keeps a handful of events per
// bucket. Cancelled events stay where they are, marked, and are dropped
// when reached or when they outnumber live ones (then the queue is rebuilt).

// slot holds one scheduled event in 32 bytes. Handles name a slot and its
// generation, so a stale handle never touches a reused slot. A slot in the
// structure with a nil fn was cancelled; free slots are only on the free list.
type slot struct {
	at   Time
	seq  uint64
	fn   func()
	next uint32 // next slot in the same bucket list
	gen  uint32
}

// entry is a cur-heap element: an event's ordering key and its slot.
type entry struct {
	at  Time
	seq uint64
	i   uint32
}

func (a entry) less(b entry) bool { return a.at < b.at || (a.at == b.at && a.seq < b.seq) }

const (
	none         = ^uint32(0)
	minBuckets   = 64
	sampleEvery  = 1024 // pops between width checks
	perBucket    = 4    // target events per bucket
	minCancelled = 1024 // cancelled entries tolerated before compaction
)

type calendar struct {
	slots []slot
	free  []uint32
	live  int // pending, not cancelled
	dead  int // cancelled, still in the structure

	shift    uint
	heads    []uint32
	mask     int64
	inBucket int     // entries in bucket lists
	curEpoch int64   // epoch whose events are in cur
	cur      []entry // heap of the current bucket, keys copied so sifting never touches slots
	far      []uint32

	pops     int
	want     uint // bucket width the last sample asked for
	rebuilds int  // for tests: how often the queue was refiled
	widen    uint // extra doublings of the bucket width (0–2), grown when far is long
	sampleAt Time // time of the pop that started the current sample
}

func (q *calendar) init() {
	q.shift, q.want = 10, 10
	q.resize(minBuckets)
}

func (q *calendar) resize(nb int) {
	q.heads = make([]uint32, nb)
	for i := range q.heads {
		q.heads[i] = none
	}
	q.mask = int64(nb - 1)
}

func (q *calendar) alloc(at Time, fn func(), seq uint64) uint32 {
	var i uint32
	if n := len(q.free); n > 0 {
		i = q.free[n-1]
		q.free = q.free[:n-1]
	} else {
		q.slots = append(q.slots, slot{})
		i = uint32(len(q.slots) - 1)
	}
	sl := &q.slots[i]
	sl.gen++
	if sl.gen == 0 {
		sl.gen = 1
	}
	sl.at, sl.seq, sl.fn = at, seq, fn
	return i
}

func (q *calendar) release(i uint32) {
	sl := &q.slots[i]
	sl.fn = nil
	q.free = append(q.free, i)
}

func (q *calendar) push(at Time, fn func(), seq uint64) Timer {
	i := q.alloc(at, fn, seq)
	q.live++
	q.place(i)
	if 4*(q.live+q.dead)/perBucket > 2*len(q.heads) {
		// Grown past the window the bucket count was sized for: the same
		// test as 2*len(q.heads) < buckets(n), without buckets' loop.
		q.rebuild(q.want)
	}
	return Timer{at: at, fn: fn, slot: i, gen: q.slots[i].gen}
}

// place files slot i into cur, a bucket or far by its epoch.
func (q *calendar) place(i uint32) {
	e := int64(q.slots[i].at) >> q.shift
	switch {
	case e <= q.curEpoch:
		q.curPush(entry{q.slots[i].at, q.slots[i].seq, i})
	case e-q.curEpoch <= q.mask:
		b := e & q.mask
		q.slots[i].next = q.heads[b]
		q.heads[b] = i
		q.inBucket++
	default:
		q.far = q.heapPush(q.far, i)
	}
}

func (q *calendar) valid(t Timer) bool {
	return t.gen != 0 && int(t.slot) < len(q.slots) && q.slots[t.slot].gen == t.gen && q.slots[t.slot].fn != nil
}

func (q *calendar) when(t Timer) (Time, bool) {
	if !q.valid(t) {
		return 0, false
	}
	return q.slots[t.slot].at, true
}

// take cancels a pending timer and returns its function.
func (q *calendar) take(t Timer) (func(), bool) {
	if !q.valid(t) {
		return nil, false
	}
	sl := &q.slots[t.slot]
	fn := sl.fn
	sl.fn = nil
	q.live--
	q.dead++
	if q.dead > minCancelled && q.dead > q.live {
		q.rebuild(q.want)
	}
	return fn, true
}

// pop removes and returns the earliest pending event due at or before limit.
func (q *calendar) pop(limit Time) (Time, func(), bool) {
	for {
		if len(q.cur) > 0 {
			top := q.cur[0]
			if top.at > limit {
				return 0, nil, false
			}
			q.curPop()
			i := top.i
			sl := &q.slots[i]
			if sl.fn == nil {
				q.dead--
				q.release(i)
				continue
			}
			at, fn := sl.at, sl.fn
			q.live--
			q.release(i)
			q.pops++
			if q.pops == sampleEvery {
				q.retune(at)
			}
			return at, fn, true
		}
		if !q.advance(limit) {
			return 0, nil, false
		}
	}
}

// advance moves curEpoch to the next bucket that holds events and loads it
// into cur. It returns false when no event can be due at or before limit.
func (q *calendar) advance(limit Time) bool {
	if q.inBucket == 0 {
		for len(q.far) > 0 && q.slots[q.far[0]].fn == nil {
			i := q.far[0]
			q.far = q.heapPop(q.far)
			q.dead--
			q.release(i)
		}
		if len(q.far) == 0 || q.slots[q.far[0]].at > limit {
			return false
		}
		q.curEpoch = int64(q.slots[q.far[0]].at) >> q.shift
		q.migrate()
		return true
	}
	for {
		next := q.curEpoch + 1
		if Time(next<<q.shift) > limit || next<<q.shift < 0 {
			return false
		}
		q.curEpoch = next
		q.migrate()
		b := next & q.mask
		if q.heads[b] != none {
			for i := q.heads[b]; i != none; {
				sl := &q.slots[i]
				q.cur = append(q.cur, entry{sl.at, sl.seq, i})
				q.inBucket--
				i = sl.next
			}
			q.heads[b] = none
			for j := len(q.cur)/2 - 1; j >= 0; j-- {
				q.curDown(j)
			}
			return true
		}
		if len(q.cur) > 0 {
			return true
		}
	}
}

// migrate moves far events that the window now covers into place.
func (q *calendar) migrate() {
	end := q.curEpoch + q.mask
	if end < q.curEpoch { // the window reaches past MaxTime
		end = int64(MaxTime)
	}
	for len(q.far) > 0 {
		i := q.far[0]
		if int64(q.slots[i].at)>>q.shift > end {
			return
		}
		q.far = q.heapPop(q.far)
		if q.slots[i].fn == nil {
			q.dead--
			q.release(i)
			continue
		}
		q.place(i)
	}
}

// retune picks the bucket width from the mean gap between the last
// sampleEvery pops, and rebuilds when it is off by more than a factor of 4.
func (q *calendar) retune(at Time) {
	gap := int64(at-q.sampleAt) / sampleEvery
	q.pops, q.sampleAt = 0, at
	want := uint(0)
	if w := gap * perBucket; w > 1 {
		want = uint(bits.Len64(uint64(w)) - 1)
	}
	if want > 40 {
		want = 40
	}
	q.want = want
	// Rebuild when width or bucket count is off by a factor of 4, or when
	// too many events wait in far: then double the bucket width, at most
	// twice (wider buckets beat more buckets: fewer heads to walk and a
	// smaller head array, measured with BenchmarkHold).
	// Each trigger changes the layout, so any arrival pattern costs
	// amortised O(1) per event.
	n := q.live + q.dead
	nb, fit := len(q.heads), buckets(n)
	target := want + q.widen
	switch {
	case target+2 < q.shift || target > q.shift+2 || nb > 4*fit || 4*nb < fit:
		q.rebuild(target)
	case len(q.far) > n/32 && n > minBuckets && q.widen < 2:
		q.widen++
		q.rebuild(want + q.widen)
	}
}

// rebuild refiles every live event with a new width and a bucket count
// sized to the queue, dropping cancelled ones.
func (q *calendar) rebuild(shift uint) {
	q.rebuilds++
	all := make([]uint32, 0, q.live)
	keep := func(i uint32) {
		if q.slots[i].fn == nil {
			q.release(i)
			return
		}
		all = append(all, i)
	}
	for _, e := range q.cur {
		keep(e.i)
	}
	for _, i := range q.far {
		keep(i)
	}
	for b, h := range q.heads {
		for i := h; i != none; {
			next := q.slots[i].next
			keep(i)
			i = next
		}
		q.heads[b] = none
	}
	q.dead, q.inBucket = 0, 0
	q.cur, q.far = q.cur[:0], q.far[:0]
	if nb := buckets(len(all)); nb != len(q.heads) {
		q.resize(nb)
	}
	q.shift = shift
	// The window starts at the earliest event, so nothing lands behind it.
	if len(all) > 0 {
		min := q.slots[all[0]].at
		for _, i := range all[1:] {
			if q.slots[i].at < min {
				min = q.slots[i].at
			}
		}
		q.curEpoch = int64(min) >> shift
	}
	for _, i := range all {
		q.place(i)
	}
}

// buckets returns the bucket count for n events. With buckets about
// perBucket mean gaps wide, 4n/perBucket buckets span four mean residence
// times (Little's law: n × gap), so under exponential-like spreads fewer than
// 2% of events wait in far.
func buckets(n int) int {
	nb := minBuckets
	for nb < 4*n/perBucket {
		nb <<= 1
	}
	return nb
}

func (q *calendar) less(a, b uint32) bool {
	x, y := &q.slots[a], &q.slots[b]
	return x.at < y.at || (x.at == y.at && x.seq < y.seq)
}

func (q *calendar) heapPush(h []uint32, i uint32) []uint32 {
	h = append(h, i)
	q.up(h, len(h)-1)
	return h
}

func (q *calendar) up(h []uint32, j int) {
	for j > 0 {
		p := (j - 1) / 2
		if !q.less(h[j], h[p]) {
			break
		}
		h[j], h[p] = h[p], h[j]
		j = p
	}
}

func (q *calendar) heapPop(h []uint32) []uint32 {
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	q.down(h, 0)
	return h
}

func (q *calendar) down(h []uint32, j int) {
	n := len(h)
	for {
		l := 2*j + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.less(h[r], h[l]) {
			m = r
		}
		if !q.less(h[m], h[j]) {
			return
		}
		h[j], h[m] = h[m], h[j]
		j = m
	}
}

func (q *calendar) curPush(e entry) {
	h := append(q.cur, e)
	j := len(h) - 1
	for j > 0 {
		p := (j - 1) / 2
		if !h[j].less(h[p]) {
			break
		}
		h[j], h[p] = h[p], h[j]
		j = p
	}
	q.cur = h
}

func (q *calendar) curPop() {
	n := len(q.cur) - 1
	q.cur[0] = q.cur[n]
	q.cur = q.cur[:n]
	q.curDown(0)
}

func (q *calendar) curDown(j int) {
	h := q.cur
	n := len(h)
	for {
		l := 2*j + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h[r].less(h[l]) {
			m = r
		}
		if !h[m].less(h[j]) {
			return
		}
		h[j], h[m] = h[m], h[j]
		j = m
	}
}
