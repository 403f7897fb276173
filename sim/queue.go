package sim

// slot holds one scheduled event in the arena. Handles name a slot and its
// generation, so a stale handle never touches a reused slot.
type slot struct {
	at    Time
	seq   uint64
	fn    func()
	gen   uint32
	state uint8
}

const (
	slotFree uint8 = iota
	slotPending
	slotCancelled
)

// queue is the pending-event set ordered by (at, seq).
type queue struct {
	slots []slot
	free  []uint32
	seq   uint64
	live  int
	heap  []uint32
}

func (q *queue) init() {}

func (q *queue) alloc(at Time, fn func()) uint32 {
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
	sl.at, sl.seq, sl.fn, sl.state = at, q.seq, fn, slotPending
	q.seq++
	return i
}

func (q *queue) release(i uint32) {
	sl := &q.slots[i]
	sl.fn = nil
	sl.state = slotFree
	q.free = append(q.free, i)
}

func (q *queue) push(at Time, fn func()) Timer {
	i := q.alloc(at, fn)
	q.live++
	q.heapPush(i)
	return Timer{slot: i, gen: q.slots[i].gen}
}

func (q *queue) valid(t Timer) bool {
	return t.gen != 0 && int(t.slot) < len(q.slots) && q.slots[t.slot].gen == t.gen && q.slots[t.slot].state == slotPending
}

func (q *queue) when(t Timer) (Time, bool) {
	if !q.valid(t) {
		return 0, false
	}
	return q.slots[t.slot].at, true
}

func (q *queue) cancel(t Timer) bool {
	_, ok := q.take(t)
	return ok
}

// take cancels a pending timer and returns its function.
func (q *queue) take(t Timer) (func(), bool) {
	if !q.valid(t) {
		return nil, false
	}
	sl := &q.slots[t.slot]
	fn := sl.fn
	sl.fn = nil
	sl.state = slotCancelled
	q.live--
	return fn, true
}

// pop removes and returns the earliest pending event due at or before limit.
func (q *queue) pop(limit Time) (Time, func(), bool) {
	for len(q.heap) > 0 {
		i := q.heap[0]
		sl := &q.slots[i]
		if sl.state == slotCancelled {
			q.heapPop()
			q.release(i)
			continue
		}
		if sl.at > limit {
			return 0, nil, false
		}
		q.heapPop()
		at, fn := sl.at, sl.fn
		q.live--
		q.release(i)
		return at, fn, true
	}
	return 0, nil, false
}

func (q *queue) less(a, b uint32) bool {
	x, y := &q.slots[a], &q.slots[b]
	return x.at < y.at || (x.at == y.at && x.seq < y.seq)
}

func (q *queue) heapPush(i uint32) {
	h := append(q.heap, i)
	j := len(h) - 1
	for j > 0 {
		p := (j - 1) / 2
		if !q.less(h[j], h[p]) {
			break
		}
		h[j], h[p] = h[p], h[j]
		j = p
	}
	q.heap = h
}

func (q *queue) heapPop() {
	h := q.heap
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	j := 0
	for {
		l := 2*j + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q.less(h[r], h[l]) {
			m = r
		}
		if !q.less(h[m], h[j]) {
			break
		}
		h[j], h[m] = h[m], h[j]
		j = m
	}
	q.heap = h
}
