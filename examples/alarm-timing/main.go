// Command alarm-timing shows how long a CloudWatch alarm takes to notice a
// load step, and why: datapoints to alarm, the publication delay and the
// once-a-minute evaluation each add time. See README.md.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

func main() { os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr)) }

type options struct {
	step, minutes, n, m int
	delay               time.Duration
	treat               string
	out                 string
	seed                uint64
}

// Result is what a run reports (the -json output).
type Result struct {
	// StepAtMin is the minute the load steps up.
	StepAtMin int `json:"step_at_min"`
	// AlarmAtMin is when the alarm first entered ALARM (-1: never).
	AlarmAtMin float64 `json:"alarm_at_min"`
	// DetectionMin is AlarmAtMin - StepAtMin (-1: never).
	DetectionMin float64 `json:"detection_min"`
	// PredictedMin is the README's formula: M + ceil(delay in minutes).
	PredictedMin float64 `json:"predicted_min"`
	// Transitions lists the alarm's state changes.
	Transitions []string `json:"transitions"`
	// ScalingInvokes counts calls of the scaling policy (entry + repeats).
	ScalingInvokes int `json:"scaling_invocations"`
}

func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alarm-timing", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.step, "step", 10, "minute at which CPU steps from 30% to 85%")
	fs.IntVar(&o.minutes, "minutes", 30, "minutes to simulate")
	fs.IntVar(&o.n, "n", 3, "EvaluationPeriods (1-minute periods)")
	fs.IntVar(&o.m, "m", 3, "DatapointsToAlarm")
	fs.DurationVar(&o.delay, "delay", cloudwatch.DefaultPublicationDelay, "publication delay (0 = none)")
	fs.StringVar(&o.treat, "treat", "missing", "TreatMissingData")
	fs.StringVar(&o.out, "out", "", "directory to write dashboard.png and dashboard.svg into")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed (CPU noise)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	res, err := run(o)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *asJSON {
		b, _ := json.Marshal(res)
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	fmt.Fprintf(stdout, "load step at minute %d; alarm %d of %d, publication delay %v\n", o.step, o.m, o.n, o.delay)
	for _, t := range res.Transitions {
		fmt.Fprintln(stdout, " ", t)
	}
	fmt.Fprintf(stdout, "detected after %.2f min (predicted %.2f); scaling policy invoked %d times\n",
		res.DetectionMin, res.PredictedMin, res.ScalingInvokes)
	return 0
}

// counter is a stand-in scaling policy: it counts invocations.
type counter struct{ n int }

// PolicyARN names the stand-in policy.
func (c *counter) PolicyARN() string { return "scale-out" }

// Execute counts one invocation.
func (c *counter) Execute(*cloudwatch.Alarm, cloudwatch.StateChange) { c.n++ }

func run(o options) (Result, error) {
	s := sim.New(sim.Config{Seed: o.seed})
	delay := o.delay
	if delay == 0 {
		delay = -1 // the Config's way to say "none"
	}
	cw, err := cloudwatch.New(s, cloudwatch.Config{PublicationDelay: delay})
	if err != nil {
		return Result{}, err
	}
	dims := []cloudwatch.Dimension{{Name: "AutoScalingGroupName", Value: "web"}}
	cpu := cw.Series("AWS/EC2", "CPUUtilization", dims, cloudwatch.UnitPercent)
	noise := s.Stream("examples/alarm-timing/cpu")
	// Each minute's average CPU is published at the end of the minute, as
	// EC2 detailed monitoring does.
	s.Every(sim.Time(time.Minute), time.Minute, func(now sim.Time) {
		minute := int(now/sim.Time(time.Minute)) - 1
		v := 30.0
		if minute >= o.step {
			v = 85
		}
		cpu.Put(now-sim.Time(time.Minute), v+4*noise.Float64()-2)
	})
	pol := &counter{}
	alarm, err := cw.PutMetricAlarm(cloudwatch.AlarmConfig{
		AlarmName: "web-cpu-high", Namespace: "AWS/EC2", MetricName: "CPUUtilization", Dimensions: dims,
		Statistic: cloudwatch.Average, Period: 60, EvaluationPeriods: o.n, DatapointsToAlarm: o.m, Threshold: 70,
		ComparisonOperator: cloudwatch.GreaterThanThreshold, TreatMissingData: cloudwatch.TreatMissingData(o.treat),
		AlarmActions: []cloudwatch.AlarmAction{pol},
	})
	if err != nil {
		return Result{}, err
	}
	s.RunUntil(sim.Time(o.minutes) * sim.Time(time.Minute))

	res := Result{StepAtMin: o.step, AlarmAtMin: -1, DetectionMin: -1, ScalingInvokes: pol.n}
	for _, h := range alarm.History() {
		if h.Type != "StateUpdate" {
			continue
		}
		res.Transitions = append(res.Transitions, fmt.Sprintf("%v %s -> %s", h.Timestamp, h.OldState, h.NewState))
		if h.NewState == cloudwatch.StateAlarm && res.AlarmAtMin < 0 {
			res.AlarmAtMin = h.Timestamp.Duration().Minutes()
			res.DetectionMin = res.AlarmAtMin - float64(o.step)
		}
	}
	// The M-th breaching minute is published at step+M and visible after
	// the delay; the next whole-minute evaluation sees it.
	res.PredictedMin = float64(o.m) + math.Ceil(o.delay.Minutes())

	if o.out != "" {
		d := cloudwatch.Dashboard{Name: "alarm-timing", Start: 0, End: s.Now(), Columns: 1, Widgets: []cloudwatch.Widget{{
			Title: "CPU utilization and the alarm threshold", Alarms: []*cloudwatch.Alarm{alarm},
			Queries: []cloudwatch.MetricDataQuery{{ID: "cpu", Label: "web average", MetricStat: &cloudwatch.MetricStat{
				Metric: cloudwatch.Metric{Namespace: "AWS/EC2", MetricName: "CPUUtilization", Dimensions: dims}, Period: 60, Stat: cloudwatch.Average}}},
		}}}
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return res, err
		}
		for _, f := range []string{cloudwatch.FormatPNG, cloudwatch.FormatSVG} {
			file, err := os.Create(filepath.Join(o.out, "dashboard."+f))
			if err != nil {
				return res, err
			}
			err = cw.RenderDashboard(d, file, f)
			if cerr := file.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return res, err
			}
		}
	}
	return res, nil
}
