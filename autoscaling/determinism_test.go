package autoscaling

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/workload"
)

// scenario runs a traced target-tracking group with an AZ failure and
// returns the trace and the activity log.
func scenario(t testing.TB, seed uint64, horizon time.Duration) string {
	var trace bytes.Buffer
	s := sim.New(sim.Config{Seed: seed, Trace: &trace})
	cw, err := cloudwatch.New(s, cloudwatch.Config{})
	require.NoError(t, err)
	ec, err := ec2.New(s, ec2.Config{Metrics: cw})
	require.NoError(t, err)
	as, err := New(s, Config{EC2: ec, CloudWatch: cw})
	require.NoError(t, err)
	w := &world{s: s, cw: cw, ec: ec, as: as}
	w.sns = newWorld(t, seed).sns
	w.lt, err = as.CreateLaunchTemplate("web", ec2.LaunchSpec{InstanceType: "c7g.large", DetailedMonitoring: true})
	require.NoError(t, err)
	w.withALB(t)
	g := w.group(t, GroupConfig{MinSize: 2, MaxSize: 8, DesiredCapacity: Int(3), TargetGroups: []TargetGroup{w.tg},
		HealthCheckType: HealthCheckELB, DefaultInstanceWarmup: Duration(3 * time.Minute), MetricsCollection: true})
	_, err = g.PutScalingPolicy(PolicyConfig{PolicyName: "cpu", PolicyType: TargetTrackingScaling,
		TargetTrackingConfiguration: &TargetTrackingConfiguration{TargetValue: 50,
			PredefinedMetricSpecification: &PredefinedMetricSpecification{PredefinedMetricType: ASGAverageCPUUtilization}}})
	require.NoError(t, err)
	w.load(t, workload.Diurnal{Peak: 60, Trough: 10, PeakHour: 0.5}, 40*time.Millisecond)
	s.After(horizon/4, func() { ec.FailAZ("us-east-1b") })
	s.After(horizon/2, func() { ec.RecoverAZ("us-east-1b") })
	s.RunUntil(sim.Time(horizon))
	var out bytes.Buffer
	out.Write(trace.Bytes())
	for _, a := range g.DescribeScalingActivities() {
		fmt.Fprintf(&out, "%s %v %v %s %s\n", a.Description, a.StartTime, a.EndTime, a.StatusCode, a.Cause)
	}
	return out.String()
}

func TestDeterminism(t *testing.T) {
	horizon := 40 * time.Minute
	if testing.Short() {
		horizon = 8 * time.Minute
	}
	a, b := scenario(t, 42, horizon), scenario(t, 42, horizon)
	require.Equal(t, a, b, "same seed, same trace and activities")
	assert.Contains(t, a, `"autoscaling"`)
	assert.NotEqual(t, a, scenario(t, 43, horizon), "a different seed differs")
}

// The elb import keeps the world helper's types in this file's scope.
var _ = elb.Application
