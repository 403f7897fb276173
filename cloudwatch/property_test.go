package cloudwatch

import (
	"math"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/nimbus-sim/nimbus/sim"
)

// TestStoreMatchesSimpleModel is a property test of the store's fast paths
// (identity cache, hot buckets, the recent-bucket window, publication-delay
// stages, roll-ups): random datapoints, published at random instants with
// timestamps around them (out of order too), must give the same per-period
// statistics as a brute-force computation over the list of datapoints.
func TestStoreMatchesSimpleModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		delay := rapid.SampledFrom([]time.Duration{-1, 30 * time.Second, 2 * time.Minute}).Draw(t, "delay")
		s := sim.New(sim.Config{Seed: 1})
		cw, err := New(s, Config{PublicationDelay: delay, CompactionInterval: 10 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		names := []string{"A", "B"}
		dims := [][]Dimension{nil, {{"X", "1"}}, {{"X", "1"}, {"Y", "2"}}}
		type point struct {
			name string
			dim  int
			ts   sim.Time
			v    float64
		}
		var pts []point
		steps := rapid.IntRange(1, 120).Draw(t, "steps")
		for range steps {
			advance := time.Duration(rapid.IntRange(0, 90).Draw(t, "advance")) * time.Second
			if rapid.IntRange(0, 20).Draw(t, "jump") == 0 { // now and then skip days: roll-ups
				advance = time.Duration(rapid.IntRange(0, 20*24).Draw(t, "hours")) * time.Hour
			}
			s.RunFor(advance)
			p := point{
				name: rapid.SampledFrom(names).Draw(t, "name"),
				dim:  rapid.IntRange(0, len(dims)-1).Draw(t, "dim"),
				ts:   s.Now() - sim.Time(rapid.IntRange(-60, 600).Draw(t, "age"))*sim.Time(time.Second),
				v:    float64(rapid.IntRange(-5, 100).Draw(t, "v")),
			}
			pts = append(pts, p)
			// Dimensions in a fresh slice, in reverse order half of the time.
			d := slices.Clone(dims[p.dim])
			if rapid.Bool().Draw(t, "reverse") {
				slices.Reverse(d)
			}
			if rapid.Bool().Draw(t, "handle") {
				cw.Series("NS", p.name, d, UnitCount).Put(p.ts, p.v)
			} else {
				cw.Publish("NS", MetricDatum{MetricName: p.name, Dimensions: d, Timestamp: p.ts, Value: p.v, Unit: UnitCount})
			}
		}
		s.RunFor(3 * time.Minute) // every delay has elapsed
		lo := slices.MinFunc(pts, func(a, b point) int { return int(a.ts - b.ts) }).ts
		start := floorTime(lo, time.Hour)
		end := floorTime(s.Now(), time.Hour) + sim.Time(2*time.Hour)
		if (end-start)/sim.Time(time.Hour) > maxStatDatapoints {
			start = end - maxStatDatapoints*sim.Time(time.Hour)
			pts = slices.DeleteFunc(pts, func(p point) bool { return p.ts < start })
		}
		for _, name := range names {
			for di, d := range dims {
				dps, err := cw.GetMetricStatistics(GetMetricStatisticsInput{Namespace: "NS", MetricName: name, Dimensions: d,
					StartTime: start, EndTime: end, Period: 3600,
					Statistics: []string{SampleCount, Sum, Minimum, Maximum}, ExtendedStatistics: []string{"p50"}})
				if err != nil {
					t.Fatal(err)
				}
				want := map[sim.Time][]float64{}
				for _, p := range pts {
					if p.name == name && p.dim == di {
						k := start + (p.ts-start)/sim.Time(time.Hour)*sim.Time(time.Hour)
						want[k] = append(want[k], p.v)
					}
				}
				if len(dps) != len(want) {
					t.Fatalf("%s %v: %d datapoints, want %d", name, d, len(dps), len(want))
				}
				for _, dp := range dps {
					vs := want[dp.Timestamp]
					slices.Sort(vs)
					sum := 0.0
					for _, v := range vs {
						sum += v
					}
					p50 := vs[int(math.Ceil(0.5*float64(len(vs))))-1]
					tol := 0.0 // exact up to rawLimit samples, 1% beyond
					if len(vs) > rawLimit {
						tol = 0.01 * math.Abs(p50)
					}
					if dp.SampleCount != float64(len(vs)) || dp.Sum != sum || dp.Minimum != vs[0] || dp.Maximum != vs[len(vs)-1] ||
						math.Abs(dp.ExtendedStatistics["p50"]-p50) > tol {
						t.Fatalf("%s %v at %v: got %+v, want n=%d sum=%v min=%v max=%v p50=%v", name, d, dp.Timestamp, dp,
							len(vs), sum, vs[0], vs[len(vs)-1], p50)
					}
				}
			}
		}
	})
}
