package autoscaling

import (
	"math"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// BenchmarkChooseVictim: the termination decision in a 100-instance group
// over three AZs (Default policy).
func BenchmarkChooseVictim(b *testing.B) {
	w := newWorld(b, 1)
	g := w.group(b, GroupConfig{MinSize: 0, MaxSize: 100, DesiredCapacity: Int(100)})
	w.s.RunFor(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if g.chooseVictim(nil) == nil {
			b.Fatal("no victim")
		}
	}
}

// BenchmarkForecast: fitting 14 days of hourly load (hour-of-week profile
// and trend) and forecasting 48 hours.
func BenchmarkForecast(b *testing.B) {
	var hours []int64
	var load []float64
	for h := int64(0); h < 14*24; h++ {
		hours = append(hours, h)
		load = append(load, 100+0.1*float64(h)+20*math.Sin(2*math.Pi*float64(h)/24))
	}
	b.ReportAllocs()
	for b.Loop() {
		m := fitSeasonal(hours, load, true, true)
		for h := int64(336); h < 384; h++ {
			_ = m.at(h)
		}
	}
}

// BenchmarkGroupDay: a day of a 10-instance group with a target-tracking
// policy on a custom metric and metrics collection, without request
// traffic: the control-plane cost of a group per simulated day.
func BenchmarkGroupDay(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		w := newWorld(b, 1)
		g := w.group(b, GroupConfig{MinSize: 2, MaxSize: 20, DesiredCapacity: Int(10), MetricsCollection: true})
		perInstance(w, g, "a", func(t sim.Time) float64 { return 500 + 400*math.Sin(2*math.Pi*time.Duration(t).Hours()/24) })
		if _, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "a", PolicyType: TargetTrackingScaling,
			TargetTrackingConfiguration: &TargetTrackingConfiguration{TargetValue: 100,
				CustomizedMetricSpecification: &CustomizedMetricSpecification{Namespace: "App", MetricName: "a"}}}); err != nil {
			b.Fatal(err)
		}
		w.s.RunUntil(sim.Time(24 * time.Hour))
	}
}
