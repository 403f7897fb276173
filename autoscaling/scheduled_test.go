package autoscaling

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

func TestScheduledActions(t *testing.T) {
	w := newWorld(t, 1)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 10, DesiredCapacity: Int(1)})
	epoch := w.s.Epoch()
	// 09:00 in New York is 14:00 UTC in winter (EST, UTC−5).
	up, err := g.PutScheduledUpdateGroupAction(ScheduledActionConfig{ScheduledActionName: "business-hours",
		Recurrence: "0 9 * * MON-FRI", TimeZone: "America/New_York", MinSize: Int(4), DesiredCapacity: Int(4)})
	require.NoError(t, err)
	down, err := g.PutScheduledUpdateGroupAction(ScheduledActionConfig{ScheduledActionName: "night",
		Recurrence: "0 18 * * *", TimeZone: "America/New_York", MinSize: Int(1), DesiredCapacity: Int(1),
		EndTime: epoch.Add(30 * time.Hour)})
	require.NoError(t, err)
	once, err := g.PutScheduledUpdateGroupAction(ScheduledActionConfig{ScheduledActionName: "once",
		StartTime: epoch.Add(20 * time.Hour), MaxSize: Int(8)})
	require.NoError(t, err)

	next, ok := up.NextRun()
	require.True(t, ok)
	wall := w.s.Wall(next)
	assert.Equal(t, 14, wall.UTC().Hour(), "09:00 EST")
	assert.NotEqual(t, time.Saturday, wall.Weekday())
	assert.NotEqual(t, time.Sunday, wall.Weekday())
	w.s.RunUntil(next)
	assert.Equal(t, 4, g.DesiredCapacity())
	assert.Equal(t, 4, g.MinSize())
	w.s.RunUntil(next + sim.Time(9*time.Hour))
	assert.Equal(t, 1, g.DesiredCapacity(), "18:00 EST scales back")
	w.s.RunUntil(sim.Time(48 * time.Hour))
	assert.Equal(t, 1, down.Runs(), "EndTime stops the recurrence")
	assert.Equal(t, 1, once.Runs())
	assert.Equal(t, 8, g.MaxSize())

	for _, c := range []struct {
		name string
		cfg  ScheduledActionConfig
		want string
	}{
		{"cron", ScheduledActionConfig{ScheduledActionName: "x", Recurrence: "61 * * * *", DesiredCapacity: Int(1)}, "Recurrence"},
		{"zone", ScheduledActionConfig{ScheduledActionName: "x", Recurrence: "0 * * * *", TimeZone: "Mars/Olympus", DesiredCapacity: Int(1)}, "TimeZone"},
		{"nothing", ScheduledActionConfig{ScheduledActionName: "x", Recurrence: "0 * * * *"}, "at least one"},
		{"min>max", ScheduledActionConfig{ScheduledActionName: "x", Recurrence: "0 * * * *", MinSize: Int(3), MaxSize: Int(2)}, "MinSize 3 > MaxSize 2"},
		{"past", ScheduledActionConfig{ScheduledActionName: "x", StartTime: epoch, DesiredCapacity: Int(1)}, "in the past"},
	} {
		_, err := g.PutScheduledUpdateGroupAction(c.cfg)
		require.ErrorIs(t, err, ErrInvalidConfig, c.name)
		assert.Contains(t, err.Error(), c.want, c.name)
	}
}

func FuzzParseRecurrence(f *testing.F) {
	for _, s := range []string{"0 9 * * MON-FRI", "*/5 * * * *", "@daily", "0 0 1 1 *", "61 * * * *", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		sch, err := ParseRecurrence(expr)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidConfig)
			return
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if next := sch.Next(from); !next.IsZero() {
			assert.True(t, next.After(from), "%q: Next %v not after %v", expr, next, from)
		}
	})
}
