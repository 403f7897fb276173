package autoscaling

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// dailyLoad is requests per minute: 3,000 ± 2,000 with the peak at 14:00.
func dailyLoad(t sim.Time) float64 {
	h := time.Duration(t).Hours()
	return 3000 + 2000*math.Cos(2*math.Pi*(h-14)/24)
}

func TestPredictiveScaling(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 20, DesiredCapacity: Int(1)})
	load := w.cw.Series("App", "Requests", nil, cloudwatch.UnitCount)
	w.s.Every(0, time.Minute, func(now sim.Time) { load.Put(now, dailyLoad(now)) })
	spec := PredictiveScalingMetricSpecification{TargetValue: 500,
		CustomizedLoadMetricSpecification: &CustomizedMetricSpecification{Namespace: "App", MetricName: "Requests"}}
	p, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "forecast", PolicyType: PredictiveScaling,
		PredictiveScalingConfiguration: &PredictiveScalingConfiguration{Mode: ForecastAndScale,
			MetricSpecifications: []PredictiveScalingMetricSpecification{spec}}})
	require.NoError(t, err)
	w.s.RunUntil(sim.Time(23 * time.Hour))
	assert.Empty(t, p.Forecast(), "no forecast before 24 h of history")
	assert.Equal(t, 1, g.DesiredCapacity())
	w.s.RunUntil(sim.Time(3*24*time.Hour) + sim.Time(time.Minute))
	fc := p.Forecast()
	require.Len(t, fc, 48)
	for _, fp := range fc {
		// The hourly mean of a cosine is within 0.3% of its mid-hour value.
		want := dailyLoad(fp.Timestamp + sim.Time(30*time.Minute))
		assert.InDelta(t, want, fp.Load, 0.02*want, "hour %v", time.Duration(fp.Timestamp))
		assert.Equal(t, int(math.Ceil(fp.Load/500-1e-9)), fp.Capacity)
	}
	// Predictive scaling never scales in: set desired to 1 by hand, then
	// 03:55 on day 4 (buffer 300 s) raises it for the 04:00 hour, whose
	// mean load is about 1,414 req/min / 500 → 3.
	w.s.RunUntil(sim.Time(3*24*time.Hour + 3*time.Hour + 50*time.Minute))
	require.NoError(t, g.SetDesiredCapacity(1, false))
	w.s.RunUntil(sim.Time(3*24*time.Hour + 3*time.Hour + 54*time.Minute))
	assert.Equal(t, 1, g.DesiredCapacity())
	w.s.RunUntil(sim.Time(3*24*time.Hour + 3*time.Hour + 55*time.Minute))
	assert.Equal(t, 3, g.DesiredCapacity())
	assert.Equal(t, 3, g.floor)

	_, err = g.PutScalingPolicy(PolicyConfig{PolicyName: "second", PolicyType: PredictiveScaling,
		PredictiveScalingConfiguration: &PredictiveScalingConfiguration{Mode: ForecastAndScale,
			MetricSpecifications: []PredictiveScalingMetricSpecification{spec}}})
	require.ErrorIs(t, err, ErrInvalidConfig, "only one predictive policy may scale")
	_, err = g.PutScalingPolicy(PolicyConfig{PolicyName: "buffer", PolicyType: PredictiveScaling,
		PredictiveScalingConfiguration: &PredictiveScalingConfiguration{SchedulingBufferTime: Duration(time.Hour),
			MetricSpecifications: []PredictiveScalingMetricSpecification{spec}}})
	require.ErrorIs(t, err, ErrInvalidConfig)
}

func TestPredictiveMaxCapacity(t *testing.T) {
	for _, c := range []struct {
		behavior string
		want     int
	}{{HonorMaxCapacity, 6}, {IncreaseMaxCapacity, 10}} {
		w := newWorld(t, 1)
		g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 6, DesiredCapacity: Int(1)})
		load := w.cw.Series("App", "Requests", nil, cloudwatch.UnitCount)
		w.s.Every(0, time.Minute, func(now sim.Time) { load.Put(now, dailyLoad(now)) })
		_, err := g.PutScalingPolicy(PolicyConfig{PolicyName: "forecast", PolicyType: PredictiveScaling,
			PredictiveScalingConfiguration: &PredictiveScalingConfiguration{Mode: ForecastAndScale,
				MaxCapacityBreachBehavior: c.behavior, MaxCapacityBuffer: 10,
				MetricSpecifications: []PredictiveScalingMetricSpecification{{TargetValue: 500,
					CustomizedLoadMetricSpecification: &CustomizedMetricSpecification{Namespace: "App", MetricName: "Requests"}}}}})
		require.NoError(t, err)
		w.s.RunUntil(sim.Time(2*24*time.Hour + 13*time.Hour + 56*time.Minute))
		assert.Equal(t, c.want, g.DesiredCapacity(), c.behavior)
	}
}

func TestFitSeasonalTrend(t *testing.T) {
	var hours []int64
	var load []float64
	for h := int64(0); h < 7*24; h++ {
		hours = append(hours, h)
		load = append(load, 100+0.5*float64(h)+20*math.Sin(2*math.Pi*float64(h)/24))
	}
	m := fitSeasonal(hours, load, false, true)
	assert.InDelta(t, 0.5, m.slope, 0.01)
	for h := int64(168); h < 216; h++ {
		want := 100 + 0.5*float64(h) + 20*math.Sin(2*math.Pi*float64(h)/24)
		assert.InDelta(t, want, m.at(h), 1, "hour %d", h)
	}
}
