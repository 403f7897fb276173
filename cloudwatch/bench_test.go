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
