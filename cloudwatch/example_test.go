package cloudwatch_test

import (
	"fmt"
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// scaleOut stands in for an Auto Scaling step policy.
type scaleOut struct{}

func (scaleOut) PolicyARN() string { return "web-scale-out" }
func (scaleOut) Execute(a *cloudwatch.Alarm, c cloudwatch.StateChange) {
	fmt.Printf("%v %s: scale out (CPU %.0f%%, repeat %t)\n", c.Time, a.Name(), c.Value, c.Repeat)
}

// A CPU alarm (3 of 3 one-minute datapoints above 70%) that invokes a
// scaling policy: on entering ALARM and again every minute while in ALARM,
// as CloudWatch does for Auto Scaling actions. Minutes 5-7 breach; minute 7
// is published at 8:00 and visible at 8:30 (the publication delay), so the
// alarm fires at the 9:00 evaluation, and the good minute 9 ends it at
// 11:00.
func Example() {
	s := sim.New(sim.Config{Seed: 1})
	cw, _ := cloudwatch.New(s, cloudwatch.Config{}) // 30 s publication delay
	dims := []cloudwatch.Dimension{{Name: "AutoScalingGroupName", Value: "web"}}
	cpu := cw.Series("AWS/EC2", "CPUUtilization", dims, cloudwatch.UnitPercent)

	// CPU is 40% for 5 minutes, then 90% for 4 minutes; each minute's
	// average is published at the end of the minute.
	s.Every(sim.Time(time.Minute), time.Minute, func(now sim.Time) {
		minute := int(now/sim.Time(time.Minute)) - 1
		v := 40.0
		if minute >= 5 && minute < 9 {
			v = 90
		}
		cpu.Put(now-sim.Time(time.Minute), v)
	})
	alarm, err := cw.PutMetricAlarm(cloudwatch.AlarmConfig{
		AlarmName: "web-cpu-high", Namespace: "AWS/EC2", MetricName: "CPUUtilization", Dimensions: dims,
		Statistic: cloudwatch.Average, Period: 60, EvaluationPeriods: 3, Threshold: 70,
		ComparisonOperator: cloudwatch.GreaterThanThreshold, AlarmActions: []cloudwatch.AlarmAction{scaleOut{}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	s.RunUntil(sim.Time(15 * time.Minute))
	for _, h := range alarm.History() {
		if h.Type == "StateUpdate" {
			fmt.Printf("%v %s -> %s\n", h.Timestamp, h.OldState, h.NewState)
		}
	}
	// Output:
	// +9m0s web-cpu-high: scale out (CPU 90%, repeat false)
	// +10m0s web-cpu-high: scale out (CPU 90%, repeat true)
	// +2m0s INSUFFICIENT_DATA -> OK
	// +9m0s OK -> ALARM
	// +11m0s ALARM -> OK
}
