package cloudwatch

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// A packed sketch is a sealed bucket's sketch in a compact, immutable,
// lossless encoding: unpacking gives back every bucket count bit for bit,
// so merging packed sketches is exactly merging the dense ones. A dense
// sketch holds a float64 for each 2% step between the smallest and the
// largest value of a sign (about 2.8 KB for 1 ms to 1 s, more while its
// arrays have room to grow); packed, the counts of a busy minute take a few
// bits each. The layout:
//
//	uvarint flags     bit 0: counts stored as float64; bit 1: zero count follows
//	zero count        uvarint, or 8 bytes with bit 0 (little-endian float64 bits)
//	uvarint negLen    buckets from the highest negative index down (ascending values)
//	varint  negHigh   only when negLen > 0
//	uvarint posLen    buckets from the lowest positive index up
//	varint  posLow    only when posLen > 0
//	counts            negLen then posLen of them, empty buckets included
//
// Counts are integers below 2^53 unless Values/Counts gave fractional
// ones; then every count is 8 bytes. Integer counts form a bit stream (least
// significant bit first) in blocks of packBlock buckets, restarting with
// each sign: a 7-bit header, whose bit 0 is set when the block codes zigzag
// differences from the previous bucket's count (the smooth middle of a
// distribution) rather than the counts themselves (sparse tails), and whose
// bits 1–6 are a Rice parameter k; then each value v as v>>k zeros, a one
// and the low k bits of v. Empty stretches between outliers cost a bit per
// bucket and 7 per block. A busy minute of latencies over 3 decades (6,000
// samples, 336 steps) packs into about 175 bytes, some 4 bits a step.
const (
	packBlock      = 32
	packFloats     = 1
	packZero       = 2
	packHeaderBits = 7
	// maxExactCount bounds the counts stored as integers: float64 holds
	// every integer up to 2^53.
	maxExactCount = 1 << 53
)

// appendPacked appends k's packed encoding to buf.
func (k *sketch) appendPacked(buf []byte) []byte {
	floats := !exactCount(k.zero)
	for _, s := range []*logStore{&k.neg, &k.pos} {
		for _, c := range s.counts {
			floats = floats || !exactCount(c)
		}
	}
	var flags uint64
	if floats {
		flags |= packFloats
	}
	if k.zero != 0 {
		flags |= packZero
	}
	buf = binary.AppendUvarint(buf, flags)
	if k.zero != 0 {
		buf = appendCount(buf, k.zero, floats)
	}
	neg, pos := k.neg.counts, k.pos.counts
	buf = binary.AppendUvarint(buf, uint64(len(neg)))
	if len(neg) > 0 {
		buf = binary.AppendVarint(buf, int64(k.neg.off)+int64(len(neg))-1)
	}
	buf = binary.AppendUvarint(buf, uint64(len(pos)))
	if len(pos) > 0 {
		buf = binary.AppendVarint(buf, int64(k.pos.off))
	}
	negAt := func(j int) float64 { return neg[len(neg)-1-j] }
	posAt := func(j int) float64 { return pos[j] }
	if floats {
		for j := range neg {
			buf = appendCount(buf, negAt(j), true)
		}
		for j := range pos {
			buf = appendCount(buf, posAt(j), true)
		}
		return buf
	}
	w := bitWriter{buf: buf}
	w.packCounts(len(neg), negAt)
	w.packCounts(len(pos), posAt)
	return w.flush()
}

// exactCount reports whether c is stored as an integer.
func exactCount(c float64) bool { return c >= 0 && c < maxExactCount && c == math.Trunc(c) }

func appendCount(buf []byte, c float64, floats bool) []byte {
	if floats {
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(c))
	}
	return binary.AppendUvarint(buf, uint64(c))
}

// packCounts writes n integer counts in blocks, each with the shorter of
// its codings.
func (w *bitWriter) packCounts(n int, at func(j int) float64) {
	var prev uint64
	for b := 0; b < n; b += packBlock {
		e := min(b+packBlock, n)
		var direct, delta [packBlock]uint64
		p := prev
		for j := b; j < e; j++ {
			c := uint64(at(j))
			direct[j-b], delta[j-b] = c, zigzag(c-p)
			p = c
		}
		prev = p
		dk, dCost := riceParam(direct[:e-b])
		zk, zCost := riceParam(delta[:e-b])
		vs, k, mode := direct[:e-b], dk, uint64(0)
		if zCost < dCost {
			vs, k, mode = delta[:e-b], zk, 1
		}
		w.write(mode|uint64(k)<<1, packHeaderBits)
		for _, v := range vs {
			w.rice(v, k)
		}
	}
}

// riceParam returns the Rice parameter k that codes vs in the fewest bits,
// and that number. A value costs v>>k + 1 + k bits, so the best k lies near
// log2 of the mean: only the four around it are tried.
func riceParam(vs []uint64) (k uint, cost int) {
	var sum uint64
	for _, v := range vs {
		sum += v
	}
	k0 := uint(bits.Len64(sum / uint64(len(vs))))
	cost = math.MaxInt
	for c := max(k0, 2) - 2; c <= k0+1; c++ {
		t := len(vs) * int(c+1)
		for _, v := range vs {
			t += int(v >> c)
		}
		if t < cost {
			k, cost = c, t
		}
	}
	return k, cost
}

// zigzag maps the difference d (two's complement) to an unsigned integer
// that is small when |d| is.
func zigzag(d uint64) uint64 { return d<<1 ^ uint64(int64(d)>>63) }

func unzigzag(u uint64) uint64 { return u>>1 ^ -(u & 1) }

// bitWriter appends bit fields to buf, least significant bit first.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint // bits held in acc, fewer than 8 between writes
}

// rice appends v's Rice code with parameter k: v>>k in unary (that many
// zeros, then a one), then the low k bits of v.
func (w *bitWriter) rice(v uint64, k uint) {
	for q := v >> k; q > 0; {
		z := min(q, 56)
		w.write(0, uint(z))
		q -= z
	}
	w.write(1, 1)
	w.write(v&(1<<k-1), k)
}

// write appends the low width bits of v (width ≤ 56, v < 2^width).
func (w *bitWriter) write(v uint64, width uint) {
	w.acc |= v << w.n
	w.n += width
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

func (w *bitWriter) flush() []byte {
	if w.n > 0 {
		w.buf = append(w.buf, byte(w.acc))
	}
	return w.buf
}

// packReader decodes a packed sketch.
type packReader struct {
	s      string
	pos    int
	floats bool
	// The bit stream of integer counts and the block being read.
	acc    uint64
	nbits  uint
	left   int
	delta  bool
	k      uint
	prev   uint64
	negLen int
	posLen int
	negHi  int32
	posLo  int32
	zero   float64
}

// newPackReader reads p's header.
func newPackReader(p string) packReader {
	r := packReader{s: p}
	flags := r.uvarint()
	r.floats = flags&packFloats != 0
	if flags&packZero != 0 {
		r.zero = r.count()
	}
	if r.negLen = int(r.uvarint()); r.negLen > 0 {
		r.negHi = int32(unzigzag(r.uvarint()))
	}
	if r.posLen = int(r.uvarint()); r.posLen > 0 {
		r.posLo = int32(unzigzag(r.uvarint()))
	}
	return r
}

func (r *packReader) uvarint() uint64 {
	var x uint64
	for shift := uint(0); ; shift += 7 {
		b := r.s[r.pos]
		r.pos++
		x |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return x
		}
	}
}

// count reads a count from the byte-aligned part: the zero count or, with
// float counts, any count.
func (r *packReader) count() float64 {
	if !r.floats {
		return float64(r.uvarint())
	}
	var u uint64
	for i := range 8 {
		u |= uint64(r.s[r.pos+i]) << (8 * i)
	}
	r.pos += 8
	return math.Float64frombits(u)
}

// startStore restarts the block coding for the next sign's counts.
func (r *packReader) startStore() { r.left, r.prev = 0, 0 }

// next returns the next bucket's count.
func (r *packReader) next() float64 {
	if r.floats {
		return r.count()
	}
	if r.left == 0 {
		h := r.bits(packHeaderBits)
		r.delta, r.k, r.left = h&1 == 1, uint(h>>1), packBlock
	}
	r.left--
	v := r.unary()<<r.k | r.bits(r.k)
	if r.delta {
		v = r.prev + unzigzag(v)
	}
	r.prev = v
	return float64(v)
}

// fill loads at least one more byte of the bit stream into acc, and as many
// as fit. Reading past the end is a bug in the encoder: it panics.
func (r *packReader) fill() {
	r.acc |= uint64(r.s[r.pos]) << r.nbits
	r.pos++
	r.nbits += 8
	for r.nbits <= 56 && r.pos < len(r.s) {
		r.acc |= uint64(r.s[r.pos]) << r.nbits
		r.pos++
		r.nbits += 8
	}
}

func (r *packReader) bits(width uint) uint64 {
	for r.nbits < width {
		r.fill()
	}
	v := r.acc & (1<<width - 1)
	r.acc >>= width
	r.nbits -= width
	return v
}

// unary reads a count of zeros ended by a one.
func (r *packReader) unary() uint64 {
	var q uint64
	for {
		if r.nbits == 0 {
			r.fill()
		}
		if tz := uint(bits.TrailingZeros64(r.acc)); tz < r.nbits {
			r.acc >>= tz + 1
			r.nbits -= tz + 1
			return q + uint64(tz)
		}
		q += uint64(r.nbits)
		r.acc, r.nbits = 0, 0
	}
}

// addPacked adds a packed sketch's counts to k.
func (k *sketch) addPacked(p string) {
	r := newPackReader(p)
	k.zero += r.zero
	if r.negLen > 0 {
		lo := r.negHi - int32(r.negLen) + 1
		k.neg.cover(lo, r.negHi)
		r.startStore()
		for j := range r.negLen {
			k.neg.counts[r.negHi-int32(j)-k.neg.off] += r.next()
		}
	}
	if r.posLen > 0 {
		k.pos.cover(r.posLo, r.posLo+int32(r.posLen)-1)
		r.startStore()
		for j := range r.posLen {
			k.pos.counts[r.posLo+int32(j)-k.pos.off] += r.next()
		}
	}
}

// cover extends the store to indices lo..hi, so that counts can be added
// there directly.
func (s *logStore) cover(lo, hi int32) {
	s.add(lo, 0)
	s.add(hi, 0)
}

// eachPacked calls fn with a packed sketch's bucket values in ascending
// order and their counts, skipping empty buckets, until fn returns false.
func eachPacked(p string, fn func(v, c float64) bool) {
	r := newPackReader(p)
	r.startStore()
	for j := range r.negLen {
		if c := r.next(); c != 0 && !fn(-sketchValue(r.negHi-int32(j)), c) {
			return
		}
	}
	if r.zero != 0 && !fn(0, r.zero) {
		return
	}
	r.startStore()
	for j := range r.posLen {
		if c := r.next(); c != 0 && !fn(sketchValue(r.posLo+int32(j)), c) {
			return
		}
	}
}
