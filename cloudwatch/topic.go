package cloudwatch

import (
	"fmt"

	"github.com/nimbus-sim/nimbus/sim"
)

// Topic is a minimal SNS-like topic: an AlarmAction that fans a
// notification out to its subscribers, synchronously and in subscription
// order.
type Topic struct {
	name string
	subs []func(Notification)
	sent int
}

// Notification is what a Topic delivers for an alarm state change, with the
// fields of CloudWatch's SNS message.
type Notification struct {
	// Subject is `ALARM: "name"` (the new state and the alarm name).
	Subject string
	// AlarmName names the alarm that changed state.
	AlarmName string
	// NewStateValue and OldStateValue are the states after and before.
	NewStateValue, OldStateValue StateValue
	// NewStateReason is the alarm's state reason.
	NewStateReason string
	// StateChangeTime is the virtual instant of the change.
	StateChangeTime sim.Time
	// Threshold is the alarm's threshold and Value the newest datapoint of
	// the evaluation (NaN when none, and for composite alarms).
	Threshold, Value float64
}

// NewTopic returns a topic with no subscribers.
func NewTopic(name string) *Topic { return &Topic{name: name} }

// Name returns the topic's name.
func (t *Topic) Name() string { return t.name }

// Subscribe adds a subscriber.
func (t *Topic) Subscribe(fn func(Notification)) { t.subs = append(t.subs, fn) }

// Published returns how many notifications the topic has sent.
func (t *Topic) Published() int { return t.sent }

// Execute publishes a's state change to every subscriber.
func (t *Topic) Execute(a *Alarm, c StateChange) {
	t.sent++
	n := Notification{
		Subject:   fmt.Sprintf("%s: %q", c.NewState, a.Name()),
		AlarmName: a.Name(), NewStateValue: c.NewState, OldStateValue: c.OldState,
		NewStateReason: c.Reason, StateChangeTime: c.Time, Threshold: c.Threshold, Value: c.Value,
	}
	for _, fn := range t.subs {
		fn(n)
	}
}
