package ec2

import (
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// saturate keeps k requests of the given work inside h from now on: a
// closed loop that loads k vCPUs to 100%.
func (w *world) saturate(h sim.Handler, k int, work time.Duration) {
	var again func(*sim.Request, sim.Response)
	again = func(_ *sim.Request, resp sim.Response) {
		if resp.Status == 200 {
			w.s.Send(h, &sim.Request{Work: work, Bytes: 1000}, again)
		}
	}
	for n := 0; n < k; n++ {
		w.s.Send(h, &sim.Request{Work: work, Bytes: 1000}, again)
	}
}

// throttledAt returns the first instant (to the second, from `from`) at
// which i is throttled, checking once a second for up to limit.
func (w *world) throttledAt(i *Instance, from sim.Time, limit time.Duration) sim.Time {
	for t := from; t < from.Add(limit); t = t.Add(time.Second) {
		w.s.RunUntil(t)
		if i.Throttled() {
			return t
		}
	}
	return -1
}

// TestT3MicroCreditExhaustion: a t3.micro (standard mode) earns 12 credits
// an hour up to 24 hours' worth (288). At 100% on both vCPUs it spends 2
// credits a minute (120 an hour) while still earning 12, so a full balance
// lasts 288 / (120 − 12) h = 160 min. Then it runs at its 10% baseline per
// vCPU: CPUUtilization 10%, a second of work takes ten.
func TestT3MicroCreditExhaustion(t *testing.T) {
	w := newWorld(t, 1)
	i := w.launch(t, LaunchSpec{InstanceType: "t3.micro", CreditSpecification: CreditStandard, DetailedMonitoring: true})
	require.Equal(t, CreditStandard, i.CreditMode())

	// Idle for a day and an hour: the balance reaches the 24-hour cap.
	start := sim.Time(25 * time.Hour)
	w.s.RunUntil(start)
	bal, surplus := i.CPUCredits()
	assert.InDelta(t, 288, bal, 1e-6, "capped at 24 h of earnings")
	assert.Zero(t, surplus)

	w.saturate(i, 2, time.Second)
	got := w.throttledAt(i, start, 4*time.Hour)
	require.Positive(t, got, "never ran out of credits")
	want := start.Add(160 * time.Minute)
	assert.InDelta(t, 0, got.Sub(want).Seconds(), 1.0, "exhausted at %v, expected %v", got, want)

	// At baseline: 10% CPU, credits in balance (earned 0.2/min, spent 0.2/min).
	w.s.RunUntil(got.Add(30 * time.Minute))
	assert.InDelta(t, 10, i.CPUUtilization(20*time.Minute), 0.01)
	bal, _ = i.CPUCredits()
	assert.Less(t, bal, 0.2, "held near zero")
	lat := w.send(i, time.Second)
	w.s.RunUntil(got.Add(40 * time.Minute))
	require.True(t, lat.done)
	assert.GreaterOrEqual(t, lat.latency, 10*time.Second, "a vCPU-second takes ≥ 10 s at a 10% baseline")

	// The metrics agree: CPUCreditBalance falls from 288 to ~0, and minutes
	// at baseline show CPUUtilization 10.
	balance := w.rec.series("CPUCreditBalance", i.ID())
	require.NotEmpty(t, balance)
	first := balance[0]
	assert.InDelta(t, first.StatisticValues.Maximum, first.StatisticValues.Minimum, 1e-9)
	last := balance[len(balance)-1].StatisticValues
	assert.Less(t, last.Maximum, 0.2)
	cpu := w.rec.series("CPUUtilization", i.ID())
	assert.InDelta(t, 10, cpu[len(cpu)-1].StatisticValues.Sum, 0.01)
	usage := w.rec.series("CPUCreditUsage", i.ID())
	assert.InDelta(t, 0.2, usage[len(usage)-1].StatisticValues.Sum, 1e-6, "0.2 credits a minute at baseline")
}

// TestT2LaunchCredits: a t2.micro in standard mode gets 30 launch credits
// (30 per vCPU), spent first. At 100% on its one vCPU it spends 1 credit a
// minute: launch credits last 30 min, during which it earns 0.1/min = 3
// credits, which last 3 / 0.9 = 3.33 min more.
func TestT2LaunchCredits(t *testing.T) {
	w := newWorld(t, 1)
	i := w.launch(t, LaunchSpec{InstanceType: "t2.micro"})
	require.Equal(t, CreditStandard, i.CreditMode(), "T2 defaults to standard")
	start := sim.Time(10 * time.Second) // running
	w.s.RunUntil(start)
	bal, _ := i.CPUCredits()
	assert.InDelta(t, 30, bal, 1e-9)
	w.s.RunUntil(sim.Time(30 * time.Second)) // booted
	w.saturate(i, 1, time.Second)
	got := w.throttledAt(i, w.s.Now(), time.Hour)
	// The 20 s of boot earned 0.1/min × 1/3 min, added to the 3 credits.
	booted := 0.1 / 3
	want := sim.Time(30 * time.Second).Add(30*time.Minute + time.Duration((3+booted)/0.9*float64(time.Minute)))
	assert.InDelta(t, 0, got.Sub(want).Seconds(), 1.0)
}

// TestT3Unlimited: in unlimited mode a saturated t3.micro never throttles;
// it accrues surplus at 120 − 12 = 108 credits an hour. Surplus beyond the
// 24-hour cap (288) is charged at the end of each hour, the rest when the
// instance terminates, at $0.05 per vCPU-hour (60 credits).
func TestT3Unlimited(t *testing.T) {
	w := newWorld(t, 1)
	i := w.launch(t, LaunchSpec{InstanceType: "t3.micro"})
	require.Equal(t, CreditUnlimited, i.CreditMode(), "T3 defaults to unlimited")
	w.s.RunUntil(sim.Time(30 * time.Second))
	w.saturate(i, 2, time.Second)
	loadStart := w.s.Now()
	w.s.RunUntil(sim.Time(3*time.Hour + 30*time.Second))
	assert.False(t, i.Throttled())
	assert.InDelta(t, 100, i.CPUUtilization(time.Hour), 1e-6)
	// The 20 s of boot earned 0.2/min × 1/3 min before the load started.
	booted := 0.2 / 3
	_, surplus := i.CPUCredits()
	assert.InDelta(t, 288+108*30.0/3600, surplus, 1e-6, "surplus past the cap was charged at the 3 h settlement")
	early := w.items("CPUCredits:t3")
	require.Len(t, early, 1)
	// At the 3 h settlement (load for 3 h − 30 s), surplus = 108 × 2.99167 h.
	assert.InDelta(t, (108*(3-30.0/3600)-booted-288)/60, early[0].Quantity, 1e-6)

	require.NoError(t, i.Terminate())
	var credits, cost float64
	for _, li := range w.items("CPUCredits:t3") {
		credits += li.Quantity * 60
		cost += li.Cost()
		assert.Equal(t, 0.05, li.Rate)
	}
	wantCredits := 108*w.s.Now().Sub(loadStart).Hours() - booted
	assert.InDelta(t, wantCredits, credits, 1e-6, "all surplus billed by termination")
	assert.InDelta(t, wantCredits/60*0.05, cost, 1e-9)
}

func TestCreditsKeptAcrossStop(t *testing.T) {
	for _, tc := range []struct {
		typ      string
		stopped  time.Duration
		wantKept bool
	}{
		{"t3.micro", 6 * 24 * time.Hour, true},  // T3 keeps credits for 7 days
		{"t3.micro", 8 * 24 * time.Hour, false}, // ... not longer
		{"t2.micro", time.Hour, false},          // T2 loses them on stop
	} {
		t.Run(tc.typ+"/"+tc.stopped.String(), func(t *testing.T) {
			w := newWorld(t, 1)
			i := w.launch(t, LaunchSpec{InstanceType: tc.typ, CreditSpecification: CreditStandard})
			w.at(10*time.Second + 10*time.Hour)
			before, _ := i.CPUCredits()
			require.NoError(t, i.Stop())
			w.at(10*time.Hour + time.Minute)
			w.s.RunFor(tc.stopped)
			require.NoError(t, i.Start())
			w.s.RunFor(10 * time.Second) // running again
			after, _ := i.CPUCredits()
			launch := i.Type().LaunchCreditsPerVCPU * float64(i.Type().VCPUs)
			if tc.wantKept {
				assert.InDelta(t, before, after-launch, 1e-6)
			} else {
				assert.InDelta(t, launch, after, 1e-6)
			}
		})
	}
}
