package ec2

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTerminatedVisibility: a terminated instance stays in Instances and
// Instance for TerminatedVisibility after it reaches terminated (default
// one hour, as DescribeInstances), then neither lists nor finds it; the
// caller's *Instance still reports its final state. Whether the listing
// was read in between does not change what a read at a given instant sees.
func TestTerminatedVisibility(t *testing.T) {
	for _, tc := range []struct {
		vis    time.Duration // Config.TerminatedVisibility
		window time.Duration // the effective one
	}{
		{0, time.Hour},
		{10 * time.Minute, 10 * time.Minute},
		{time.Nanosecond, time.Nanosecond},
	} {
		for _, probe := range []bool{false, true} {
			t.Run(fmt.Sprintf("visibility %v, read meanwhile %v", tc.vis, probe), func(t *testing.T) {
				w := newWorld(t, 1, func(c *Config) { c.TerminatedVisibility = tc.vis })
				a := w.launch(t, LaunchSpec{InstanceType: "c7g.large"})
				b := w.launch(t, LaunchSpec{InstanceType: "c7g.large"})
				w.at(20 * time.Second) // running since 10 s
				require.NoError(t, a.Terminate())
				// Shutting down takes ShuttingDownTime (Constant 5 s).
				gone := 25*time.Second + tc.window
				if probe {
					w.at(25 * time.Second)
					require.Equal(t, StateTerminated, a.State())
					assert.Equal(t, []*Instance{a, b}, w.e.Instances())
				}
				w.at(gone - time.Nanosecond)
				assert.Equal(t, []*Instance{a, b}, w.e.Instances(), "still visible")
				got, ok := w.e.Instance(a.ID())
				assert.True(t, ok)
				assert.Same(t, a, got)

				w.at(gone)
				assert.Equal(t, []*Instance{b}, w.e.Instances(), "forgotten")
				_, ok = w.e.Instance(a.ID())
				assert.False(t, ok)
				assert.Equal(t, StateTerminated, a.State(), "the caller's pointer still works")
				assert.Equal(t, 2, w.e.Launches())
				assert.Equal(t, []State{StatePending, StateRunning, StateShuttingDown, StateTerminated}, w.states(a))
			})
		}
	}
}

// TestForgettingKeepsBillsAndMetrics: forgetting a terminated instance
// changes none of its line items or datapoints. Two runs differ only in
// TerminatedVisibility (the default hour against a century); both bill
// the instance's 1,800 s running (10 s → 30 min 10 s) at the c7g.large
// rate and its public IPv4 from launch to terminated (1,815 s at
// $0.005/h), and publish the same metrics.
func TestForgettingKeepsBillsAndMetrics(t *testing.T) {
	run := func(vis time.Duration) (*world, *Instance, string) {
		w := newWorld(t, 7, func(c *Config) { c.TerminatedVisibility = vis })
		i := w.launch(t, LaunchSpec{InstanceType: "c7g.large", AssociatePublicIP: true, DetailedMonitoring: true})
		ip := i.PublicIP().String()
		other := w.launch(t, LaunchSpec{InstanceType: "c7g.large"})
		w.at(time.Minute)
		for k := range 100 {
			w.s.After(time.Duration(k)*time.Second, func() { w.send(i, 500*time.Millisecond) })
		}
		w.at(30*time.Minute + 10*time.Second)
		require.NoError(t, i.Terminate())
		w.at(4 * time.Hour)
		require.NoError(t, other.Terminate())
		w.at(5*time.Hour + 10*time.Second)
		w.e.SettleBilling()
		return w, i, ip
	}
	forgets, i, ip := run(0)
	keeps, _, _ := run(100 * 365 * 24 * time.Hour)
	assert.Empty(t, forgets.e.Instances(), "both forgotten an hour after terminating")
	assert.Len(t, keeps.e.Instances(), 2)

	assert.Equal(t, keeps.ledger.Items(), forgets.ledger.Items())
	assert.Equal(t, keeps.rec.data, forgets.rec.data)
	var hours, ipHours float64
	for _, li := range forgets.ledger.Items() {
		if li.ResourceID == i.ID() {
			hours += li.Quantity
		}
		if li.ResourceID == ip {
			ipHours += li.Quantity
		}
	}
	assert.InDelta(t, 1800.0/3600, hours, 1e-12)
	assert.InDelta(t, 1815.0/3600, ipHours, 1e-12)
	// Detailed monitoring: one datapoint a minute from 1 min to 30 min.
	assert.Len(t, forgets.rec.series("CPUUtilization", i.ID()), 31)
}

// TestChurnKeepsListingBounded: a day of launching one instance a minute
// and terminating each ten minutes later lists, at any instant, only the
// instances still alive or terminated within the hour: at most
// (10 min + 5 s shutting down + 60 min) / 1 min ≈ 70 of the 1,440, and the
// internal listing holds at most twice that (it is compacted once half of
// it is forgotten).
func TestChurnKeepsListingBounded(t *testing.T) {
	w := newWorld(t, 1)
	const n = 24 * 60
	life := 10 * time.Minute
	var launched []*Instance
	for k := range n {
		w.s.After(time.Duration(k)*time.Minute, func() {
			i := w.launch(t, LaunchSpec{InstanceType: "c7g.large"})
			launched = append(launched, i)
			w.s.After(life, func() { require.NoError(t, i.Terminate()) })
		})
	}
	// visible: launched by now, and not terminated (at launch + life + 5 s)
	// an hour ago or more.
	visible := func(now time.Duration) []*Instance {
		var out []*Instance
		for k, i := range launched {
			if end := time.Duration(k)*time.Minute + life + 5*time.Second + time.Hour; end > now {
				out = append(out, i)
			}
		}
		return out
	}
	maxListed := 0
	for now := 13 * time.Second; now < 26*time.Hour; now += 7*time.Minute + 13*time.Second {
		w.at(now)
		got := w.e.Instances()
		require.Equal(t, visible(now), got, "at %v", now)
		maxListed = max(maxListed, len(got))
		assert.LessOrEqual(t, len(w.e.instances), 2*len(got)+1, "at %v", now)
	}
	assert.Equal(t, 71, maxListed, "70 min 5 s of launches, one a minute")
	w.at(26 * time.Hour)
	assert.Equal(t, visible(26*time.Hour), w.e.Instances())
	assert.Equal(t, n, w.e.Launches())
	assert.Equal(t, n, len(launched))
}
