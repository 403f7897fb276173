package cloudwatch

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

// TestTimeTicks checks the dashboard time axis: hourly ticks labelled with
// the time over 6 hours, midnight ticks labelled with the date over days.
func TestTimeTicks(t *testing.T) {
	epoch := sim.DefaultEpoch.Unix()
	tt := timeTicker{loc: time.UTC}
	var labels []string
	for _, tk := range tt.Ticks(float64(epoch), float64(epoch+6*3600)) {
		labels = append(labels, tk.Label)
	}
	assert.Equal(t, []string{"00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00"}, labels)
	labels = nil
	for _, tk := range tt.Ticks(float64(epoch+3600), float64(epoch+5*86400)) {
		labels = append(labels, tk.Label)
	}
	assert.Equal(t, []string{"Jan 2", "Jan 3", "Jan 4", "Jan 5", "Jan 6"}, labels)
	ny, err := time.LoadLocation("America/New_York")
	if err == nil { // ticks fall on local hours
		tk := timeTicker{loc: ny}.Ticks(float64(epoch), float64(epoch+4*3600))
		require.NotEmpty(t, tk)
		assert.Equal(t, "19:00", tk[0].Label)
	}
}

// TestLowSampleCountPercentile: with EvaluateLowSampleCountPercentile
// "ignore", a p99 alarm keeps its state while a minute has fewer than
// 10/(1-0.99) = 1,000 samples, and evaluates once it has enough.
func TestLowSampleCountPercentile(t *testing.T) {
	for _, tc := range []struct {
		samples int
		mode    string
		want    StateValue
	}{
		{100, "ignore", StateInsufficientData},
		{100, "evaluate", StateAlarm},
		{1000, "ignore", StateAlarm},
	} {
		s, cw := newTestCW(t, noDelay)
		h := cw.Series("MyApp", "Latency", nil, UnitMilliseconds)
		s.Every(0, time.Minute, func(now sim.Time) {
			for i := range tc.samples {
				h.Put(now, float64(100+i%50))
			}
		})
		_, err := cw.PutMetricAlarm(AlarmConfig{AlarmName: "p99", Namespace: "MyApp", MetricName: "Latency", ExtendedStatistic: "p99",
			Period: 60, EvaluationPeriods: 1, Threshold: 120, ComparisonOperator: GreaterThanThreshold, EvaluateLowSampleCountPercentile: tc.mode})
		require.NoError(t, err)
		s.RunUntil(sim.Time(3 * time.Minute))
		a, _ := cw.Alarm("p99")
		assert.Equal(t, tc.want, a.State(), "%d samples, %s", tc.samples, tc.mode)
	}
}

// TestSeriesExpiry: a metric with no data for 455 days (the longest
// retention) is dropped from the store, so short-lived instances' metrics do
// not accumulate over a long run.
func TestSeriesExpiry(t *testing.T) {
	s, cw := newTestCW(t, noDelay)
	cw.Publish("AWS/EC2", MetricDatum{MetricName: "CPUUtilization", Dimensions: []Dimension{{"InstanceId", "i-short"}}, Value: 5})
	keep := cw.Series("AWS/EC2", "CPUUtilization", []Dimension{{"InstanceId", "i-long"}}, UnitPercent)
	s.Every(0, day, func(now sim.Time) { keep.Put(now, 1) })
	s.RunUntil(sim.Time(400 * day))
	require.Len(t, cw.all, 2)
	s.RunUntil(sim.Time(457 * day))
	assert.Len(t, cw.all, 1)
	assert.Nil(t, cw.lookup("AWS/EC2", "CPUUtilization", []Dimension{{"InstanceId", "i-short"}}, "", false, false))
	// The long-lived series holds hourly buckets only for its last 455 days.
	assert.LessOrEqual(t, keep.s.tiers[2].n, 456)
	// A handle on a metric that expires recreates it.
	short := cw.Series("AWS/EC2", "CPUUtilization", []Dimension{{"InstanceId", "i-short"}}, UnitPercent)
	short.Put(s.Now(), 7)
	s.RunUntil(sim.Time(1000 * day))
	require.True(t, short.s.dead)
	short.Put(s.Now(), 7)
	assert.Len(t, cw.ListMetrics(ListMetricsInput{Dimensions: []DimensionFilter{{Name: "InstanceId", Value: "i-short"}}}), 1)
}

// TestDynamoDBAlwaysIgnores: alarms on AWS/DynamoDB metrics treat missing
// data as ignore whatever is configured, as AWS documents.
func TestDynamoDBAlwaysIgnores(t *testing.T) {
	s, cw := newTestCW(t, noDelay)
	a, err := cw.PutMetricAlarm(AlarmConfig{AlarmName: "throttles", Namespace: "AWS/DynamoDB", MetricName: "ThrottledRequests",
		Statistic: Sum, Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: GreaterThanOrEqualToThreshold,
		TreatMissingData: TreatBreaching})
	require.NoError(t, err)
	s.RunUntil(sim.Time(10 * time.Minute))
	assert.Equal(t, StateInsufficientData, a.State())
}

// TestHighResolutionAlarm: a 10-second alarm on a high-resolution metric is
// evaluated every 10 s, so it reacts within seconds.
func TestHighResolutionAlarm(t *testing.T) {
	s, cw := newTestCW(t, noDelay)
	h := cw.HighResolutionSeries("MyApp", "QueueDepth", nil, UnitCount)
	s.Every(0, time.Second, func(now sim.Time) {
		v := 5.0
		if now >= sim.Time(2*time.Minute) {
			v = 500
		}
		h.Put(now, v)
	})
	a, err := cw.PutMetricAlarm(AlarmConfig{AlarmName: "queue", Namespace: "MyApp", MetricName: "QueueDepth", Statistic: Maximum,
		Period: 10, EvaluationPeriods: 2, Threshold: 100, ComparisonOperator: GreaterThanThreshold})
	require.NoError(t, err)
	s.RunUntil(sim.Time(2 * time.Minute))
	assert.Equal(t, StateOK, a.State())
	// Periods [120, 130) and [130, 140) breach; the 140 s evaluation sees both.
	s.RunUntil(sim.Time(130 * time.Second))
	assert.Equal(t, StateOK, a.State())
	s.RunUntil(sim.Time(140 * time.Second))
	assert.Equal(t, StateAlarm, a.State())
	assert.Equal(t, sim.Time(140*time.Second), a.StateUpdated())
}

// TestEvaluationOffset: with evaluations 40 s into each minute, a datapoint
// published at a minute's end and visible 30 s later is evaluated in the
// same minute, 20 s sooner than the next whole minute.
func TestEvaluationOffset(t *testing.T) {
	s, cw := newTestCW(t, Config{EvaluationOffset: 40 * time.Second})
	publishEachMinute(s, cw, "AWS/EC2", "CPUUtilization", cpuDims, func(k int) float64 {
		return map[bool]float64{true: 90, false: 20}[k >= 2]
	})
	a, err := cw.PutMetricAlarm(cpuAlarm("cpu-high", 3, 3))
	require.NoError(t, err)
	// Minute 4 is published at 5:00, visible at 5:30, evaluated at 5:40.
	s.RunUntil(sim.Time(5*time.Minute + 39*time.Second))
	assert.Equal(t, StateOK, a.State())
	s.RunUntil(sim.Time(5*time.Minute + 40*time.Second))
	assert.Equal(t, StateAlarm, a.State())
	assert.Equal(t, sim.Time(5*time.Minute+40*time.Second), a.StateUpdated())
}

// TestAnomalyDetectionBand trains the band on 14 days of a daily pattern
// with day-to-day noise: the band at each minute is the mean ± 2 standard
// deviations of the same minute on the previous days (checked against a
// direct computation), and an anomaly-detection alarm fires when the metric
// leaves it.
func TestAnomalyDetectionBand(t *testing.T) {
	s, cw := newTestCW(t, noDelay)
	lb := []Dimension{{"LoadBalancer", "app/web/1"}}
	h := cw.Series("AWS/ApplicationELB", "RequestCount", lb, UnitCount)
	value := func(m int) float64 { // day d, minute of day: pattern + (d mod 3) noise
		d, mod := m/1440, m%1440
		return 1000 + float64(mod%60)*10 + float64(d%3)*20
	}
	const days = 15
	spike := days*1440 + 30
	s.Every(sim.Time(time.Minute), time.Minute, func(now sim.Time) {
		m := int(now/sim.Time(time.Minute)) - 1
		v := value(m)
		if m >= spike && m < spike+3 {
			v *= 3 // an anomaly 30 minutes into day 15
		}
		h.Put(now-sim.Time(time.Minute), v)
	})
	m1 := MetricDataQuery{ID: "m1", MetricStat: &MetricStat{Metric: Metric{"AWS/ApplicationELB", "RequestCount", lb}, Period: 60, Stat: Sum}}
	ad := MetricDataQuery{ID: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1, 2)", Label: "expected"}
	a, err := cw.PutMetricAlarm(AlarmConfig{AlarmName: "traffic-anomaly", Metrics: []MetricDataQuery{m1, ad}, ThresholdMetricID: "ad1",
		EvaluationPeriods: 2, ComparisonOperator: LessThanLowerOrGreaterThanUpperThreshold})
	require.NoError(t, err)
	s.RunUntil(sim.Time(spike) * sim.Time(time.Minute))
	assert.Equal(t, StateOK, a.State(), "normal days stay in the band")
	assert.Contains(t, a.History()[1].Reason, "were not outside the band (ad1)")

	start := sim.Time(days*1440+10) * sim.Time(time.Minute)
	res, err := cw.GetMetricData(GetMetricDataInput{StartTime: start, EndTime: start + sim.Time(5*time.Minute), Queries: []MetricDataQuery{m1, ad}})
	require.NoError(t, err)
	require.Len(t, res, 3)
	assert.Equal(t, []string{"RequestCount", "expected (lower)", "expected (upper)"}, []string{res[0].Label, res[1].Label, res[2].Label})
	for k := range 5 {
		m := days*1440 + 10 + k
		var xs []float64
		for d := 1; d <= 14; d++ {
			xs = append(xs, value(m-d*1440))
		}
		mean, sd := 0.0, 0.0
		for _, x := range xs {
			mean += x / 14
		}
		for _, x := range xs {
			sd += (x - mean) * (x - mean) / 14
		}
		sd = math.Sqrt(sd)
		assert.InDelta(t, mean-2*sd, res[1].Values[k], 1e-9)
		assert.InDelta(t, mean+2*sd, res[2].Values[k], 1e-9)
	}

	s.RunUntil(sim.Time(spike+3) * sim.Time(time.Minute))
	assert.Equal(t, StateAlarm, a.State(), "two anomalous minutes")
	s.RunUntil(sim.Time(spike+6) * sim.Time(time.Minute))
	assert.Equal(t, StateOK, a.State())

	// A fresh metric has no band: the alarm lacks data.
	_, err = cw.PutMetricAlarm(AlarmConfig{AlarmName: "new", ThresholdMetricID: "ad1", EvaluationPeriods: 1,
		ComparisonOperator: GreaterThanUpperThreshold, Metrics: []MetricDataQuery{
			{ID: "m1", MetricStat: &MetricStat{Metric: Metric{"MyApp", "Fresh", nil}, Period: 60, Stat: Sum}},
			{ID: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1)"}}})
	require.NoError(t, err)
	cw.Publish("MyApp", MetricDatum{MetricName: "Fresh", Timestamp: s.Now(), Value: 1})
	s.RunFor(3 * time.Minute)
	fresh, _ := cw.Alarm("new")
	assert.Equal(t, StateInsufficientData, fresh.State())

	_, err = cw.PutMetricAlarm(AlarmConfig{AlarmName: "bad", ThresholdMetricID: "m1", EvaluationPeriods: 1,
		ComparisonOperator: GreaterThanUpperThreshold, Metrics: []MetricDataQuery{m1}})
	assert.ErrorContains(t, err, "not an ANOMALY_DETECTION_BAND expression")
}
