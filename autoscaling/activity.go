package autoscaling

import (
	"fmt"

	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// ActivityStatus is a scaling activity's StatusCode.
type ActivityStatus string

// Activity status codes (a subset of AWS's).
const (
	StatusInProgress                      ActivityStatus = "InProgress"
	StatusWaitingForELBConnectionDraining ActivityStatus = "WaitingForELBConnectionDraining"
	StatusSuccessful                      ActivityStatus = "Successful"
	StatusFailed                          ActivityStatus = "Failed"
	StatusCancelled                       ActivityStatus = "Cancelled"
)

// Activity is one scaling activity, as DescribeScalingActivities returns it.
type Activity struct {
	// ActivityID is unique in the run.
	ActivityID string
	// AutoScalingGroupName is the group's name.
	AutoScalingGroupName string
	// Description says what the activity does ("Launching a new EC2
	// instance: i-...").
	Description string
	// Cause says why, in AWS's wording.
	Cause string
	// StartTime is when it began; EndTime when it ended (0 while running).
	StartTime, EndTime sim.Time
	// StatusCode is its status; StatusMessage explains a failure.
	StatusCode    ActivityStatus
	StatusMessage string
	// Progress is 0 until the activity ends, then 100.
	Progress int
}

// DescribeScalingActivities returns the group's activities, newest first.
func (g *Group) DescribeScalingActivities() []Activity {
	out := make([]Activity, len(g.activities))
	for i, a := range g.activities {
		out[len(out)-1-i] = *a
	}
	return out
}

func (g *Group) activity(desc, cause string) *Activity {
	a := &Activity{ActivityID: g.s.NewID("act"), AutoScalingGroupName: g.name, Description: desc,
		Cause: cause, StartTime: g.s.Now(), StatusCode: StatusInProgress}
	g.activities = append(g.activities, a)
	return a
}

func (g *Group) endActivity(a *Activity, st ActivityStatus, msg string) {
	a.StatusCode, a.StatusMessage, a.EndTime, a.Progress = st, msg, g.s.Now(), 100
}

func (g *Group) failedActivity(desc string, err error) {
	a := g.activity(desc, g.cause)
	g.endActivity(a, StatusFailed, err.Error())
	if g.s.Tracing() {
		g.s.Trace("autoscaling", "LaunchFailed", g.name, sim.F("error", err.Error()))
	}
}

// groupMetrics are the AWS/AutoScaling group metrics, in publishing order.
var groupMetrics = []string{"GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances",
	"GroupPendingInstances", "GroupStandbyInstances", "GroupTerminatingInstances", "GroupTotalInstances"}

// publish sends the group metrics, one sample per minute.
func (g *Group) publish(now sim.Time) {
	cw := g.a.cfg.CloudWatch
	var pending, inService, terminating, warmed, warmTotal int
	for _, in := range g.instances {
		switch {
		case in.warm():
			warmTotal++
			if in.state != WarmedPending {
				warmed++
			}
		case in.state == InService:
			inService++
		case in.pending():
			pending++
		case in.state != Terminated:
			terminating++
		}
	}
	vals := []int{g.min, g.max, g.desired, inService, pending, 0, terminating, pending + inService + terminating}
	names := groupMetrics
	if g.pool != nil {
		names = append(names[:len(names):len(names)], "WarmPoolWarmedCapacity", "WarmPoolTotalCapacity")
		vals = append(vals, warmed, warmTotal)
	}
	for i, name := range names {
		cw.Publish(Namespace, cloudwatch.MetricDatum{MetricName: name, Dimensions: g.dims, Timestamp: now,
			Value: float64(vals[i]), Unit: cloudwatch.UnitNone})
	}
}

func (g *Group) String() string { return fmt.Sprintf("autoscaling group %q", g.name) }
