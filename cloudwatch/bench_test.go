package cloudwatch

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/google/btree"

	"github.com/nimbus-sim/nimbus/sim"
)

// BenchmarkPutMetricData measures datapoints stored per second into existing
// series: through Publish (identity lookup per datum) and a Series handle,
// with and without the publication-delay queue. Timestamps advance 10 µs per
// datapoint, so buckets fill and turn over as in a busy minute.
func BenchmarkPutMetricData(b *testing.B) {
	for _, delay := range []time.Duration{-1, DefaultPublicationDelay} {
		for _, mode := range []string{"Publish", "Series"} {
			b.Run(fmt.Sprintf("%s/delay=%v", mode, max(delay, 0)), func(b *testing.B) {
				s := sim.New(sim.Config{Seed: 1})
				cw, _ := New(s, Config{PublicationDelay: delay})
				dims := []Dimension{{"LoadBalancer", "app/web/50dc6c495c0c9188"}, {"TargetGroup", "targetgroup/web/6d0ecf831eec9f09"}}
				h := cw.Series("AWS/ApplicationELB", "TargetResponseTime", dims, UnitSeconds)
				d := MetricDatum{MetricName: "TargetResponseTime", Dimensions: dims, Unit: UnitSeconds}
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					if i%1000 == 999 {
						s.RunFor(10 * time.Millisecond)
					}
					v := 0.01 + float64(i%997)*1e-4
					if mode == "Series" {
						h.Put(s.Now(), v)
					} else {
						d.Timestamp, d.Value = s.Now(), v
						cw.Publish("AWS/ApplicationELB", d)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "datapoints/s")
			})
		}
	}
}

// BenchmarkAlarmEvaluate runs 1,000 alarms (3 of 3, 1-minute periods, each
// on its own instance metric) evaluated every minute over one simulated day,
// with every metric published once a minute. One op is one simulated day;
// the target is under a second of host time.
func BenchmarkAlarmEvaluate(b *testing.B) {
	const alarms = 1000
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		s := sim.New(sim.Config{Seed: 1})
		cw, _ := New(s, Config{})
		handles := make([]*Series, alarms)
		for i := range handles {
			dims := []Dimension{{"InstanceId", fmt.Sprintf("i-%017x", i)}}
			handles[i] = cw.Series("AWS/EC2", "CPUUtilization", dims, UnitPercent)
			_, err := cw.PutMetricAlarm(AlarmConfig{AlarmName: fmt.Sprintf("cpu-high-%d", i), Namespace: "AWS/EC2",
				MetricName: "CPUUtilization", Dimensions: dims, Statistic: Average, Period: 60, EvaluationPeriods: 3,
				Threshold: 70, ComparisonOperator: GreaterThanThreshold})
			if err != nil {
				b.Fatal(err)
			}
		}
		r := s.Stream("bench/cpu")
		s.Every(sim.Time(time.Minute), time.Minute, func(now sim.Time) {
			for _, h := range handles {
				h.Put(now-sim.Time(time.Minute), 40+40*r.Float64())
			}
		})
		b.StartTimer()
		s.RunUntil(sim.Time(24 * time.Hour))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(alarms*1440), "ns/evaluation")
}

// BenchmarkPercentileSeriesMemory measures the memory a busy percentile
// series holds per stored datapoint (bucket) at each retention tier. One op
// publishes a day of a TargetResponseTime series the way elb does (one
// Values datum of 6,000 samples, 100 requests/s, at the end of each minute;
// log-normal around 50 ms with σ = 0.9, so that a minute spans about 3
// decades), with timestamps aged so that they land in the 1-minute,
// 5-minute or 1-hour tier, and compacts. B/datapoint is the live heap the
// tier releases when it is dropped (buckets, chunks, tree nodes and
// distributions) divided by its buckets; MB/series@90d weighs the tiers as
// a 90-day series holds them (21,600 1-minute, 13,824 5-minute and 648
// 1-hour buckets).
func BenchmarkPercentileSeriesMemory(b *testing.B) {
	const perMinute = 6000
	var perTier [3]float64
	for ti, tc := range []struct {
		name string
		age  time.Duration
	}{{"1m", 0}, {"5m", 20 * day}, {"1h", 70 * day}} {
		b.Run("tier="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				b.StopTimer()
				s := sim.New(sim.Config{Seed: 1})
				s.RunUntil(sim.Time(90 * day))
				cw, _ := New(s, Config{})
				r := sim.NewStream(1, "bench/latency")
				dims := []Dimension{{"LoadBalancer", "app/web/50dc6c495c0c9188"}}
				xs := make([]float64, perMinute)
				b.StartTimer()
				s.Every(s.Now()+sim.Time(time.Minute), time.Minute, func(now sim.Time) {
					cw.Publish("AWS/ApplicationELB", MetricDatum{MetricName: "TargetResponseTime", Dimensions: dims,
						Timestamp: now - sim.Time(time.Minute) - sim.Time(tc.age), Values: latencies(r, xs), Unit: UnitSeconds})
				})
				s.RunFor(day + time.Minute)
				cw.compact()
				b.StopTimer()
				tr := &cw.lookup("AWS/ApplicationELB", "TargetResponseTime", dims, "", false, false).tiers[ti]
				n := tr.n
				held := heapAlloc()
				*tr = tier{tierSpec: tr.tierSpec, tree: btree.NewG(btreeDegree, chunkLess)}
				perTier[ti] = float64(held-heapAlloc()) / float64(n)
				runtime.KeepAlive(cw)
				b.StartTimer()
			}
			b.ReportMetric(perTier[ti], "B/datapoint")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(perMinute*1440), "ns/sample")
			if ti == 2 {
				b.ReportMetric((21600*perTier[0]+13824*perTier[1]+648*perTier[2])/1e6, "MB/series@90d")
			}
		})
	}
}

// heapAlloc returns the live heap after a collection.
func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
