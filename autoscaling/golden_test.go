package autoscaling

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// TestActivitiesGolden compares the activity log of a scripted scenario
// (manual scale-out, a scheduled scale-in, a health replacement) with
// testdata/activities.golden; run with -update to rewrite it.
func TestActivitiesGolden(t *testing.T) {
	w := newWorld(t, 99)
	g := w.group(t, GroupConfig{MinSize: 1, MaxSize: 6, DesiredCapacity: Int(2)})
	_, err := g.PutScheduledUpdateGroupAction(ScheduledActionConfig{ScheduledActionName: "shrink",
		StartTime: w.s.Epoch().Add(20 * time.Minute), DesiredCapacity: Int(3)})
	require.NoError(t, err)
	w.s.After(5*time.Minute, func() { require.NoError(t, g.SetDesiredCapacity(5, false)) })
	w.s.After(30*time.Minute, func() { require.NoError(t, g.SetInstanceHealth(g.Instances()[0].ID(), false)) })
	w.s.RunUntil(sim.Time(40 * time.Minute))
	var b strings.Builder
	acts := g.DescribeScalingActivities()
	for i := len(acts) - 1; i >= 0; i-- {
		a := acts[i]
		fmt.Fprintf(&b, "%v\t%v\t%s\t%s\n\t%s\n", time.Duration(a.StartTime), time.Duration(a.EndTime), a.StatusCode, a.Description, a.Cause)
	}
	path := filepath.Join("testdata", "activities.golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), b.String())
}
