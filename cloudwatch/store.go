package cloudwatch

import (
	"cmp"
	"hash/maphash"
	"slices"
	"time"

	"github.com/google/btree"

	"github.com/nimbus-sim/nimbus/sim"
)

const day = 24 * time.Hour

// tierSpec is one storage resolution and how long data stays at it (AWS:
// sub-minute 3 h, 1-minute 15 days, 5-minute 63 days, 1-hour 455 days).
type tierSpec struct {
	res, keep time.Duration
}

var (
	highResTiers  = []tierSpec{{time.Second, 3 * time.Hour}, {time.Minute, 15 * day}, {5 * time.Minute, 63 * day}, {time.Hour, 455 * day}}
	standardTiers = highResTiers[1:]
)

// bucket aggregates the samples whose timestamps fall in [start, start+res).
type bucket struct {
	start sim.Time
	agg
}

// chunkLen is how many consecutive bucket periods one tree item covers. A
// series published every period appends to its newest chunk, so the tree
// sees one insert per chunkLen periods instead of one per period.
const chunkLen = 64

// chunk holds the buckets starting in [start, start+chunkLen·res), in time
// order.
type chunk struct {
	start sim.Time
	bs    []*bucket
}

// chunkRef is a tree item: the start is kept beside the pointer so that
// searches compare within the node, without touching the chunks.
type chunkRef struct {
	start sim.Time
	c     *chunk
}

func chunkLess(a, b chunkRef) bool { return a.start < b.start }

// tier holds one resolution's buckets ordered by time, in a B-tree of
// chunks. hot is the bucket written last, so a stream of datapoints for the
// current period skips the search; newest is the newest chunk, which holds
// the last few periods that alarm evaluations read. dirty lists the buckets
// written since the last compaction, which seals them (agg.seal): buckets
// take writes in a dense form and are stored packed.
type tier struct {
	tierSpec
	tree   *btree.BTreeG[chunkRef]
	hot    *bucket
	newest *chunk
	n      int      // buckets held
	slab   []bucket // unused buckets, allocated together
	slabN  int      // size of the last slab
	dirty  []*bucket
}

// btreeDegree is the B-tree node degree; 32 keeps nodes about a cache page.
const btreeDegree = 32

// maxSlab bounds how many buckets are allocated at once: 4 buckets (under
// 512 bytes) are one small object without a malloc header, which measured
// cheaper than larger slabs. Buckets die oldest first, so a slab is freed
// soon after its last bucket is rolled up.
const maxSlab = 4

func (tr *tier) span() time.Duration { return tr.res * chunkLen }

// newBucket returns an empty bucket whose first sample is stored inline.
func (tr *tier) newBucket(start sim.Time) *bucket {
	if len(tr.slab) == 0 {
		tr.slabN = min(max(2*tr.slabN, 1), maxSlab)
		tr.slab = make([]bucket, tr.slabN)
	}
	b := &tr.slab[0]
	tr.slab = tr.slab[1:]
	b.start = start
	b.raw = b.inline[:0:1]
	tr.dirty = append(tr.dirty, b)
	return b
}

// seal seals the buckets written since the last call. The hot bucket may be
// written again: writes to sealed buckets go through bucketAt, which puts
// them back on the dirty list.
func (tr *tier) seal(buf *[]byte) {
	for _, b := range tr.dirty {
		b.seal(buf)
		b.sealed = true
	}
	clear(tr.dirty)
	tr.dirty = tr.dirty[:0]
	tr.hot = nil
}

// bucketAt returns the bucket containing t, creating it if needed.
func (tr *tier) bucketAt(t sim.Time) *bucket {
	if h := tr.hot; h != nil && t >= h.start && t < h.start+sim.Time(tr.res) {
		return h
	}
	start := floorTime(t, tr.res)
	c := tr.newest
	if c == nil || start < c.start || start >= c.start+sim.Time(tr.span()) {
		key := floorTime(start, tr.span())
		if r, ok := tr.tree.Get(chunkRef{start: key}); ok {
			c = r.c
		} else {
			c = &chunk{start: key, bs: make([]*bucket, 0, 8)}
			tr.tree.ReplaceOrInsert(chunkRef{key, c})
			if tr.newest == nil || key > tr.newest.start {
				tr.newest = c
			}
		}
	}
	i := len(c.bs)
	if i > 0 && c.bs[i-1].start >= start {
		var found bool
		i, found = slices.BinarySearchFunc(c.bs, start, func(x *bucket, t sim.Time) int { return cmp.Compare(x.start, t) })
		if found {
			b := c.bs[i]
			if b.sealed {
				b.sealed = false
				tr.dirty = append(tr.dirty, b)
			}
			tr.hot = b
			return b
		}
	}
	b := tr.newBucket(start)
	c.bs = slices.Insert(c.bs, i, b)
	tr.n++
	tr.hot = b
	return b
}

// oldest returns the oldest bucket, or nil.
func (tr *tier) oldest() *bucket {
	r, ok := tr.tree.Min()
	if !ok {
		return nil
	}
	return r.c.bs[0]
}

// deleteMin removes the oldest bucket.
func (tr *tier) deleteMin() *bucket {
	r, _ := tr.tree.Min()
	c := r.c
	b := c.bs[0]
	c.bs[0] = nil
	c.bs = c.bs[1:]
	tr.n--
	if len(c.bs) == 0 {
		tr.tree.DeleteMin()
		if tr.newest == c {
			tr.newest = nil
		}
	}
	if tr.hot == b {
		tr.hot = nil
	}
	return b
}

// ascend calls fn for the buckets starting in [start, end), in time order.
func (tr *tier) ascend(start, end sim.Time, fn func(b *bucket)) {
	if tr.n == 0 {
		return
	}
	if c := tr.newest; c != nil && start >= c.start {
		// Queries of recent data ask for the last few buckets: walk back.
		i := len(c.bs)
		for i > 0 && c.bs[i-1].start >= start {
			i--
		}
		for _, b := range c.bs[i:] {
			if b.start >= end {
				return
			}
			fn(b)
		}
		return
	}
	tr.tree.AscendGreaterOrEqual(chunkRef{start: floorTime(start, tr.span())}, func(r chunkRef) bool {
		if r.start >= end {
			return false
		}
		for _, b := range r.c.bs {
			if b.start >= end {
				return false
			}
			if b.start >= start {
				fn(b)
			}
		}
		return true
	})
}

// floorTime rounds t down to a multiple of d since the epoch.
func floorTime(t sim.Time, d time.Duration) sim.Time {
	r := t % sim.Time(d)
	if r < 0 {
		r += sim.Time(d)
	}
	return t - r
}

// series is one metric: its identity and its tiers, finest first.
type series struct {
	Metric
	unit    Unit
	highRes bool
	hash    uint64
	next    *series // hash-collision chain
	stage   *stage  // newest stage waiting out the publication delay
	tiers   []tier
	last    sim.Time // newest datapoint timestamp
	seen    bool     // a datapoint has been stored
	dead    bool     // expired and unlinked from the index
}

func newSeries(ns, name string, dims []Dimension, unit Unit, highRes bool, h uint64) *series {
	if unit == "" {
		unit = UnitNone
	}
	d := slices.Clone(dims)
	slices.SortFunc(d, func(a, b Dimension) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Value, b.Value))
	})
	s := &series{Metric: Metric{Namespace: ns, MetricName: name, Dimensions: d}, unit: unit, highRes: highRes, hash: h}
	specs := standardTiers
	if highRes {
		specs = highResTiers
	}
	s.tiers = make([]tier, len(specs))
	for i, sp := range specs {
		s.tiers[i] = tier{tierSpec: sp, tree: btree.NewG(btreeDegree, chunkLess)}
	}
	return s
}

// matches reports whether the series has this identity (dimensions in any
// order).
func (s *series) matches(ns, name string, dims []Dimension) bool {
	if s.Namespace != ns || s.MetricName != name || len(s.Dimensions) != len(dims) {
		return false
	}
	for i, d := range dims {
		// Publishers usually pass dimensions in the stored (sorted) order.
		if s.Dimensions[i] == d {
			continue
		}
		if !slices.Contains(s.Dimensions, d) {
			return false
		}
	}
	return true
}

// slot returns the aggregate a datapoint at t goes into, or nil when t is
// older than every retention: the finest tier whose retention covers t.
func (s *series) slot(t, now sim.Time) *agg {
	if h := s.tiers[0].hot; h != nil && t >= h.start && t < h.start+sim.Time(s.tiers[0].res) {
		return &h.agg
	}
	for i := range s.tiers {
		tr := &s.tiers[i]
		if t >= now-sim.Time(tr.keep) {
			return &tr.bucketAt(t).agg
		}
	}
	return nil
}

func (s *series) touch(t sim.Time) {
	if !s.seen || t > s.last {
		s.last, s.seen = t, true
	}
}

// compact rolls buckets that have outlived their tier's retention into the
// next coarser tier, drops those past the last one and seals the buckets
// written since the last compaction (buf is scratch space). It reports
// whether the series holds no data any more.
func (s *series) compact(now sim.Time, buf *[]byte) bool {
	empty := true
	for i := range s.tiers {
		tr := &s.tiers[i]
		cutoff := now - sim.Time(tr.keep)
		for {
			o := tr.oldest()
			if o == nil || o.start+sim.Time(tr.res) > cutoff {
				break
			}
			b := tr.deleteMin()
			if i+1 < len(s.tiers) {
				s.tiers[i+1].bucketAt(b.start).merge(&b.agg)
			}
		}
		tr.seal(buf)
		if tr.n > 0 {
			empty = false
		}
	}
	return empty
}

// aggregate merges the buckets in [start, start+n·period) into out[k] by
// period; distributions are merged only when dist is set.
func (s *series) aggregate(start sim.Time, period time.Duration, out []agg, dist bool) {
	end := start + sim.Time(period)*sim.Time(len(out))
	for i := range s.tiers {
		s.tiers[i].ascend(start, end, func(b *bucket) {
			k := int((b.start - start) / sim.Time(period))
			if dist {
				out[k].merge(&b.agg)
			} else if b.n > 0 {
				out[k].addStats(b.n, b.sum, b.min, b.max)
			}
		})
	}
}

// mix64 is the splitmix64 finaliser, spreading a hash's bits.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// hashKey hashes a metric identity without allocating. Dimensions are
// combined by addition so that their order does not matter.
func hashKey(seed maphash.Seed, ns, name string, dims []Dimension) uint64 {
	h := mix64(maphash.String(seed, ns)) ^ maphash.String(seed, name)
	for _, d := range dims {
		h += mix64(maphash.String(seed, d.Name)*0x9e3779b97f4a7c15 ^ maphash.String(seed, d.Value))
	}
	return h
}
