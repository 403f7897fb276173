package cloudwatch

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/google/btree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"
	"pgregory.net/rapid"

	"github.com/nimbus-sim/nimbus/sim"
)

// drawSketch draws a dense sketch: values of both signs and zeros over up
// to 12 decades, mostly unit counts, some in the thousands, sometimes on
// top of a busy minute of 20,000 log-normal samples. In one sketch of four
// some counts are up to 2^53, in another some are fractional: both switch
// the encoding to float64 counts.
func drawSketch(t *rapid.T, label string) *sketch {
	k := &sketch{}
	center := rapid.Float64Range(-8, 8).Draw(t, label+"center")
	spread := rapid.Float64Range(0, 6).Draw(t, label+"spread")
	exotic := rapid.IntRange(0, 3).Draw(t, label+"exotic") // 2: huge counts, 3: fractional ones
	if rapid.Bool().Draw(t, label+"busy") {
		// A busy minute: smooth counts in the hundreds, which code as
		// differences.
		r := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, label+"seed"), 1))
		for range 20000 {
			k.add(math.Pow(10, center+0.4*r.NormFloat64()), 1)
		}
	}
	for range rapid.IntRange(0, 200).Draw(t, label+"n") {
		v := math.Pow(10, center+spread*rapid.Float64Range(-1, 1).Draw(t, label+"v"))
		switch rapid.IntRange(0, 9).Draw(t, label+"sign") {
		case 0:
			v = -v
		case 1:
			v = 0
		}
		c := 1.0
		switch kind := rapid.IntRange(0, 29).Draw(t, label+"kind"); {
		case kind == 0 && exotic == 2:
			c = float64(rapid.Int64Range(2, maxExactCount-1).Draw(t, label+"big"))
		case kind == 0 && exotic == 3:
			c = rapid.Float64Range(0.01, 100).Draw(t, label+"fraction")
		case kind < 5:
			c = float64(rapid.IntRange(2, 5000).Draw(t, label+"count"))
		}
		k.add(v, c)
	}
	return k
}

func cloneSketch(k *sketch) *sketch {
	return &sketch{pos: logStore{k.pos.off, slices.Clone(k.pos.counts)}, neg: logStore{k.neg.off, slices.Clone(k.neg.counts)}, zero: k.zero}
}

func requireSameSketch(t require.TestingT, want, got *sketch, msg string) {
	require.Equal(t, want.zero, got.zero, msg)
	for _, s := range []struct {
		name      string
		want, got *logStore
	}{{"pos", &want.pos, &got.pos}, {"neg", &want.neg, &got.neg}} {
		require.Equal(t, s.want.counts, s.got.counts, "%s %s counts", msg, s.name)
		if len(s.want.counts) > 0 {
			require.Equal(t, s.want.off, s.got.off, "%s %s offset", msg, s.name)
		}
	}
}

// denseEach lists a dense sketch's non-empty buckets in ascending value
// order, the way agg.each walks them.
func denseEach(k *sketch) [][2]float64 {
	var out [][2]float64
	for j := len(k.neg.counts) - 1; j >= 0; j-- {
		if c := k.neg.counts[j]; c != 0 {
			out = append(out, [2]float64{-sketchValue(k.neg.off + int32(j)), c})
		}
	}
	if k.zero != 0 {
		out = append(out, [2]float64{0, k.zero})
	}
	for j, c := range k.pos.counts {
		if c != 0 {
			out = append(out, [2]float64{sketchValue(k.pos.off + int32(j)), c})
		}
	}
	return out
}

// TestPackedSketchRoundTrip is a property test of the packed encoding: it
// is lossless (unpacking gives every count back bit for bit, and packing
// that again gives the same bytes), walking it gives the dense sketch's
// buckets in the same order, and merging it into a sketch equals merging
// the dense sketch, so roll-ups of sealed buckets are exact with respect
// to the sketch.
func TestPackedSketchRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := drawSketch(t, "a")
		p := string(k.appendPacked(nil))
		var u sketch
		u.addPacked(p)
		requireSameSketch(t, k, &u, "unpacked")
		require.Equal(t, p, string(u.appendPacked(nil)), "repacked")

		var walked [][2]float64
		eachPacked(p, func(v, c float64) bool {
			walked = append(walked, [2]float64{v, c})
			return true
		})
		require.Equal(t, denseEach(k), walked)

		other := drawSketch(t, "b")
		dense, packed := cloneSketch(other), cloneSketch(other)
		dense.merge(k)
		packed.addPacked(p)
		requireSameSketch(t, dense, packed, "merged")
	})
}

// TestPackedSketchEncoding pins the encoding's sizes on small cases: a
// lone sample costs a few bytes, fractional or huge counts switch every
// count to float64, and an outlier 10 decades away costs a bit per empty
// 2% step plus 7 per block of 32, not 8 bytes per step. Header: flags, a
// zero count, then per sign a length and a start index (zigzag varints:
// 0.05 is index -151, 3 is 56, 1e-5 is -581, 1 is 0).
func TestPackedSketchEncoding(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []float64
		counts []float64
		floats bool
		bytes  int
	}{
		// 5 header bytes; a block header and the count 1 as Rice k = 0
		// (a zero, then the closing one): 9 bits.
		{"one sample", []float64{0.05}, []float64{1}, false, 5 + 2},
		{"zero and negative", []float64{0, -3}, []float64{4, 1}, false, 5 + 2},
		// 1 and 2 are 36 steps apart: 37 counts of 8 bytes.
		{"fractional count", []float64{1, 2}, []float64{1, 0.5}, true, 4 + 8*37},
		{"count ≥ 2^53", []float64{1}, []float64{maxExactCount}, true, 4 + 8},
		// 1,164 steps (a 2-byte length and start): 1,162 empty ones of 1
		// bit, 2 counts of 2 bits, 37 block headers: 1,425 bits.
		{"outlier 10 decades away", []float64{1e-5, 1e5}, []float64{1, 1}, false, 6 + 179},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var k sketch
			for i, v := range tc.values {
				k.add(v, tc.counts[i])
			}
			p := string(k.appendPacked(nil))
			assert.Equal(t, tc.floats, p[0]&packFloats != 0)
			assert.Len(t, p, tc.bytes)
			var u sketch
			u.addPacked(p)
			requireSameSketch(t, &k, &u, tc.name)
		})
	}
}

// latencies fills xs with log-normal response times around 50 ms with
// σ = 0.9 (a minute of 6,000 spans about 3 decades) and returns it.
func latencies(r *rand.Rand, xs []float64) []float64 {
	for i := range xs {
		xs[i] = 0.05 * math.Exp(0.9*r.NormFloat64())
	}
	return xs
}

// TestRollupsKeepSketchesExact publishes two hours of latencies (1 to 3,000
// samples a minute), seals them, writes late samples into a sealed bucket,
// then ages the data into the 5-minute and 1-hour tiers. At every stage,
// every period's percentiles and trimmed means equal, bit for bit, those
// of one dense sketch fed every sample of the period: sealing and the
// 60 s → 300 s → 3600 s roll-ups lose nothing. Percentiles are exact up to
// rawLimit samples and within 1% of gonum's beyond.
func TestRollupsKeepSketchesExact(t *testing.T) {
	s, cw := newTestCW(t, noDelay)
	s.RunFor(2 * time.Hour)
	r := sim.NewStream(3, "test/latency")
	perMinute := []int{1, 40, 64, 65, 500, 3000}
	samples := map[sim.Time][]float64{} // by minute
	publish := func(minute int, xs []float64) {
		ts := sim.Time(minute) * sim.Time(time.Minute)
		samples[ts] = append(samples[ts], xs...)
		cw.Publish("MyApp", MetricDatum{MetricName: "Latency", Timestamp: ts + sim.Time(time.Second), Values: xs, Unit: UnitSeconds})
	}
	for m := range 120 {
		publish(m, latencies(r, make([]float64, perMinute[m%len(perMinute)])))
	}
	cw.compact()
	publish(5, latencies(r, make([]float64, 200))) // into a sealed, packed bucket
	publish(6, latencies(r, make([]float64, 10)))  // a sealed raw bucket turns into a sketch
	cw.compact()

	allSealed := func(stage string) {
		ser := cw.lookup("MyApp", "Latency", nil, "", false, false)
		for i := range ser.tiers {
			ser.tiers[i].ascend(0, sim.Time(2*time.Hour), func(b *bucket) {
				require.True(t, b.sealed && (b.sk == nil || b.sk.dense == nil), "%s: bucket at %v sealed", stage, b.start)
			})
		}
	}
	allSealed("1-minute tier")
	for _, period := range []int{60, 300, 3600} {
		checkStats(t, cw, samples, "1-minute tier", period)
	}
	s.RunFor(16 * day)
	cw.compact()
	allSealed("5-minute tier")
	require.Zero(t, cw.lookup("MyApp", "Latency", nil, "", false, false).tiers[0].n, "rolled up")
	for _, period := range []int{300, 3600} {
		checkStats(t, cw, samples, "5-minute tier", period)
	}
	s.RunFor(50 * day)
	cw.compact()
	allSealed("1-hour tier")
	checkStats(t, cw, samples, "1-hour tier", 3600)
}

// checkStats compares the store's extended statistics of every period of
// MyApp Latency's first two hours with those of a dense agg fed the
// period's samples (samples by minute), and its percentiles with gonum's.
func checkStats(t *testing.T, cw *CloudWatch, samples map[sim.Time][]float64, stage string, period int) {
	t.Helper()
	for _, names := range [][]string{{"p0.1", "p10", "p50", "p90", "p99"}, {"p99.9", "IQM", "TM(10%:90%)", "WM(:99%)", "TC(0.02:0.1)"}} {
		dps, err := cw.GetMetricStatistics(GetMetricStatisticsInput{Namespace: "MyApp", MetricName: "Latency",
			StartTime: 0, EndTime: sim.Time(2 * time.Hour), Period: period, ExtendedStatistics: names})
		require.NoError(t, err, stage)
		require.Len(t, dps, 7200/period, stage)
		checkPeriods(t, dps, samples, stage, period, names)
	}
}

func checkPeriods(t *testing.T, dps []Datapoint, samples map[sim.Time][]float64, stage string, period int, names []string) {
	t.Helper()
	for _, dp := range dps {
		var xs []float64
		var ref agg
		for ts := dp.Timestamp; ts < dp.Timestamp+sim.Time(period)*sim.Time(time.Second); ts += sim.Time(time.Minute) {
			for _, v := range samples[ts] {
				ref.add(v)
				xs = append(xs, v)
			}
		}
		slices.Sort(xs)
		for _, name := range names {
			st, err := parseStatistic(name)
			require.NoError(t, err)
			want, _ := ref.value(&st)
			require.Equal(t, want, dp.ExtendedStatistics[name], "%s: %s at %v, period %d", stage, name, dp.Timestamp, period)
			if st.kind != kPercentile {
				continue
			}
			exact := stat.Quantile(st.p, stat.Empirical, xs, nil)
			if len(xs) <= rawLimit {
				require.Equal(t, exact, want, "%s: %s of %d samples", stage, name, len(xs))
			} else {
				require.InEpsilon(t, exact, want, 0.01, "%s: %s of %d samples", stage, name, len(xs))
			}
		}
	}
}

// packedSizeBound bounds the length of k's packed encoding from its counts.
// The header takes at most 27 bytes (flags; a zero count; per sign a length
// and an index, 3 + 5 bytes). A block of n counts with mean m costs its 7
// header bits plus, with Rice parameter K = bits.Len(⌊m⌋) + 1 (which
// riceParam tries, and it keeps the cheapest), n(K+1) bits and Σ c>>K <
// n·m/2^K < n/2 bits of quotients.
func packedSizeBound(k *sketch) int {
	neg := slices.Clone(k.neg.counts)
	slices.Reverse(neg)
	var bitCount float64
	for _, counts := range [][]float64{neg, k.pos.counts} {
		for b := range slices.Chunk(counts, packBlock) {
			var sum float64
			for _, c := range b {
				sum += c
			}
			n := float64(len(b))
			bitCount += packHeaderBits + n*float64(bits.Len64(uint64(sum/n))+2) + n/2
		}
	}
	return 27 + int(math.Ceil(bitCount/8))
}

// TestSealedBucketMemory measures the heap a tier of sealed buckets of busy
// latencies holds (6,000 samples a minute spanning about 3 decades, as
// BenchmarkPercentileSeriesMemory) and checks it against a bound computed
// from each bucket's counts: the bucket (in its slab), its pointer in a
// chunk, 8 bytes for chunks and B-tree nodes, and packedSizeBound rounded
// up to a Go size class (at most 1/8 + 8 bytes more). It also checks that
// the bucket takes at most an eighth of its dense counts alone (8 bytes
// per 2% step).
func TestSealedBucketMemory(t *testing.T) {
	minutes := 360
	if testing.Short() {
		minutes = 120
	}
	s, cw := newTestCW(t, Config{})
	r := sim.NewStream(1, "test/latency")
	s.Every(sim.Time(time.Minute), time.Minute, func(now sim.Time) {
		cw.Publish("AWS/ApplicationELB", MetricDatum{MetricName: "TargetResponseTime", Timestamp: now - sim.Time(time.Minute),
			Values: latencies(r, make([]float64, 6000)), Unit: UnitSeconds})
	})
	s.RunFor(time.Duration(minutes)*time.Minute + time.Minute)
	cw.compact()
	tr := &cw.lookup("AWS/ApplicationELB", "TargetResponseTime", nil, "", false, false).tiers[0]
	require.Equal(t, minutes, tr.n)
	var bound, dense float64
	tr.ascend(0, s.Now(), func(b *bucket) {
		require.NotNil(t, b.sk)
		require.NotEmpty(t, b.sk.packed)
		var k sketch
		k.addPacked(b.sk.packed)
		p := packedSizeBound(&k)
		bound += float64(unsafe.Sizeof(*b)+unsafe.Sizeof(*b.sk)) + 8 + 8 + float64(p+p/8+8)
		dense += 8 * float64(len(k.pos.counts))
	})
	bound /= float64(minutes)
	dense /= float64(minutes)
	held := heapAlloc()
	*tr = tier{tierSpec: tr.tierSpec, tree: btree.NewG(btreeDegree, chunkLess)}
	perBucket := float64(held-heapAlloc()) / float64(minutes)
	t.Logf("%.0f B per sealed bucket, bound %.0f, dense counts %.0f", perBucket, bound, dense)
	assert.LessOrEqual(t, perBucket, bound)
	assert.LessOrEqual(t, perBucket, dense/8)
}
