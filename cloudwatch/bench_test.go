package cloudwatch

import (
	"fmt"
	"testing"
	"time"

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
