package ec2

import (
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One vCPU of an m5.large (2 vCPUs) kept busy is 50% CPUUtilization.
func TestMetricsBasicAndDetailed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		detailed bool
		period   time.Duration
		samples  float64
	}{
		{"basic monitoring: 5-minute datapoints of five samples", false, 5 * time.Minute, 5},
		{"detailed monitoring: 1-minute datapoints", true, time.Minute, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, 1)
			i := w.launch(t, LaunchSpec{InstanceType: "m5.large", DetailedMonitoring: tc.detailed,
				Server: ServerConfig{ResponseBytes: 5000}})
			w.at(30 * time.Second)
			// Closed loop of one request (1000 bytes in, 5000 out, 1 s of work).
			w.saturate(i, 1, time.Second)
			w.at(time.Hour)

			cpu := w.rec.series("CPUUtilization", i.ID())
			require.NotEmpty(t, cpu)
			for k, d := range cpu {
				assert.Equal(t, sim.Time(0), d.Timestamp%sim.Time(tc.period), "timestamps on period boundaries")
				assert.Equal(t, cloudwatch.UnitPercent, d.Unit)
				assert.Equal(t, []cloudwatch.Dimension{{Name: "InstanceId", Value: i.ID()}}, d.Dimensions)
				if k == 0 {
					continue // the first period holds pending and boot
				}
				sv := d.StatisticValues
				assert.Equal(t, tc.samples, sv.SampleCount)
				assert.InDelta(t, 50, sv.Sum/sv.SampleCount, 1e-9)
				assert.InDelta(t, 50, sv.Maximum, 1e-9)
			}
			assert.Len(t, cpu, int(time.Hour/tc.period), "one datapoint per period, the last published at the hour")
			assert.InDelta(t, 50, i.CPUUtilization(10*time.Minute), 1e-9)

			var in, out float64
			for _, d := range w.rec.series("NetworkIn", i.ID()) {
				in += d.StatisticValues.Sum
			}
			for _, d := range w.rec.series("NetworkOut", i.ID()) {
				out += d.StatisticValues.Sum
			}
			// Requests arrive at 30 s, 31 s, ... and finish a second later;
			// the hour's datapoint is published before the events at the
			// hour itself, so it holds arrivals 30–3599 s and answers
			// 31–3599 s.
			assert.Equal(t, 3570*1000.0, in)
			assert.Equal(t, 3569*5000.0, out)
			assert.Empty(t, w.rec.series("CPUCreditBalance", i.ID()), "no credit metrics for fixed-performance types")
		})
	}
}

func TestMetricDimensionsForAutoScaling(t *testing.T) {
	w := newWorld(t, 1)
	i := w.launch(t, LaunchSpec{InstanceType: "c7g.large", DetailedMonitoring: true})
	asg := cloudwatch.Dimension{Name: "AutoScalingGroupName", Value: "web"}
	i.AddMetricDimensions(asg)
	w.at(3 * time.Minute)
	var grouped int
	for _, d := range w.rec.data {
		if len(d.Dimensions) == 1 && d.Dimensions[0] == asg && d.MetricName == "CPUUtilization" {
			grouped++
		}
	}
	assert.Equal(t, 3, grouped)
	i.RemoveMetricDimensions("AutoScalingGroupName")
	before := len(w.rec.data)
	w.at(4 * time.Minute)
	for _, d := range w.rec.data[before:] {
		assert.Equal(t, "InstanceId", d.Dimensions[0].Name)
	}
}

func TestCPUUtilizationWindow(t *testing.T) {
	w := newWorld(t, 1)
	i := w.launch(t, LaunchSpec{InstanceType: "c5.xlarge"}) // 4 vCPUs
	w.at(30 * time.Second)
	w.at(10 * time.Minute)
	w.saturate(i, 3, time.Second) // 75% from 10 min on
	w.at(20 * time.Minute)
	assert.InDelta(t, 75, i.CPUUtilization(10*time.Minute), 1e-9)
	// The window is cut to the first run (10 s): 75% × 600 s / 1190 s.
	assert.InDelta(t, 75*600.0/1190, i.CPUUtilization(20*time.Minute), 1e-9)
	assert.InDelta(t, 75, i.CPUUtilization(90*time.Second), 1e-9, "windows need not align with minutes")
	assert.Zero(t, i.CPUUtilization(0))
}

// CPUUtilization reaches back 24 hours; longer windows are cut to that.
func TestCPUUtilizationHistoryWraps(t *testing.T) {
	w := newWorld(t, 1)
	i := w.launch(t, LaunchSpec{InstanceType: "m5.large"})
	w.at(24 * time.Hour)
	w.saturate(i, 1, time.Second) // 50% for the 25th hour
	w.at(25 * time.Hour)
	assert.InDelta(t, 50, i.CPUUtilization(time.Hour), 1e-9)
	assert.InDelta(t, 50.0/24, i.CPUUtilization(24*time.Hour), 1e-9)
	assert.InDelta(t, 50.0/24, i.CPUUtilization(48*time.Hour), 1e-9, "cut to the 24 h kept")
}
