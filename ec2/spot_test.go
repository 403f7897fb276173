package ec2

import (
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpotPriceProcess(t *testing.T) {
	const hours = 2000
	prices := func(seed uint64, every time.Duration) []float64 {
		w := newWorld(t, seed)
		var out []float64
		for h := 0; h < hours; h++ {
			w.s.RunUntil(sim.Time(time.Duration(h)*time.Hour + 30*time.Minute))
			if time.Duration(h)*time.Hour%every != 0 {
				continue
			}
			p, err := w.e.SpotPrice("m5.large", "us-east-1a")
			require.NoError(t, err)
			out = append(out, p)
		}
		return out
	}
	ps := prices(1, time.Hour)
	var sum float64
	for _, p := range ps {
		assert.Greater(t, p, 0.0)
		assert.LessOrEqual(t, p, 0.096, "never above on-demand")
		sum += p
	}
	// Long-run mean: (1 − 0.65) × $0.096, times the log-normal correction
	// exp(σ²/(2(1 − φ²))) = exp(0.0025/0.38) ≈ 1.0066; the sample mean of
	// 2000 correlated hours (correlation time ~10 h) is within ~2%.
	want := 0.35 * 0.096 * 1.0066
	assert.InDelta(t, 0, relErr(sum/hours, want), 0.05)
	assert.NotEqual(t, ps[0], ps[1], "the price moves every PriceInterval")

	// Lazily stepped: asking only every 100 hours gives the same prices.
	sparse := prices(1, 100*time.Hour)
	for k, p := range sparse {
		assert.Equal(t, ps[k*100], p)
	}
	assert.NotEqual(t, ps, prices(2, time.Hour), "another seed, another path")

	w := newWorld(t, 1)
	_, err := w.e.SpotPrice("m5.giant", "us-east-1a")
	require.ErrorIs(t, err, ErrUnknownInstanceType)
}

func TestSpotInterruptionNotice(t *testing.T) {
	for _, behavior := range []InterruptionBehavior{InterruptTerminate, InterruptStop, InterruptHibernate} {
		t.Run(string(behavior), func(t *testing.T) {
			w := newWorld(t, 3, func(c *Config) {
				c.Spot.InterruptionsPerHour = 0.5
				c.Spot.RebalanceLead = Constant(5 * time.Minute)
			})
			i := w.launch(t, LaunchSpec{InstanceType: "m5.large", Market: MarketSpot, InterruptionBehavior: behavior,
				HibernationEnabled: behavior == InterruptHibernate})
			w.at(48 * time.Hour)

			var rebalance, warning, stop Event
			for _, ev := range w.events {
				switch {
				case ev.Kind == EventRebalanceRecommendation && rebalance.Kind == "":
					rebalance = ev
				case ev.Kind == EventInterruptionWarning && warning.Kind == "":
					warning = ev
				case ev.Kind == EventStateChange && ev.Previous == StateRunning && stop.Kind == "":
					stop = ev
				}
			}
			require.NotEmpty(t, warning.Kind, "no interruption in 48 h at 0.5/h")
			assert.Equal(t, behavior, warning.Action)
			assert.LessOrEqual(t, rebalance.Time, warning.Time, "the rebalance recommendation comes first")
			assert.Equal(t, max(sim.Time(10*time.Second), warning.Time.Add(-5*time.Minute)), rebalance.Time)
			if behavior == InterruptHibernate {
				assert.Equal(t, warning.Time, stop.Time, "hibernation starts at the notice")
				assert.Equal(t, StateStopped, i.State())
				return
			}
			assert.Equal(t, warning.InterruptAt, warning.Time.Add(2*time.Minute))
			assert.Equal(t, warning.InterruptAt, stop.Time, "interrupted two minutes after the notice")
			want := map[InterruptionBehavior]State{InterruptTerminate: StateTerminated, InterruptStop: StateStopped}[behavior]
			assert.Equal(t, want, i.State())
			for _, li := range w.items("SpotUsage:m5.large") {
				assert.Less(t, li.Rate, 0.096)
				assert.Greater(t, li.Rate, 0.0)
			}
			assert.NotEmpty(t, w.items("SpotUsage:m5.large"))
		})
	}
}

func TestSpotPriceAboveMaxInterrupts(t *testing.T) {
	w := newWorld(t, 5, func(c *Config) {
		c.Spot.InterruptionsPerHour = -1 // price-driven interruptions only
		c.Spot.Volatility = 0.3
	})
	p0, err := w.e.SpotPrice("c5.large", "us-east-1b")
	require.NoError(t, err)
	maxPrice := p0 * 1.2
	i := w.launch(t, LaunchSpec{InstanceType: "c5.large", Subnet: w.b, Market: MarketSpot, SpotMaxPrice: maxPrice})
	var warned sim.Time = -1
	w.e.Subscribe(func(ev Event) {
		if ev.Kind == EventInterruptionWarning {
			warned = ev.Time
			at, ok := ev.Instance.InterruptionNotice()
			assert.True(t, ok)
			assert.Equal(t, ev.Time.Add(2*time.Minute), at)
		}
	})
	for h := 1; h <= 500 && warned < 0; h++ {
		w.at(time.Duration(h) * time.Hour)
		p, _ := w.e.SpotPrice("c5.large", "us-east-1b")
		if warned < 0 {
			require.LessOrEqual(t, p, maxPrice, "no warning while the price is under the maximum")
		} else {
			assert.Greater(t, p, maxPrice, "warned when the price passed the maximum")
			assert.Equal(t, sim.Time(time.Duration(h)*time.Hour), warned)
		}
	}
	require.GreaterOrEqual(t, warned, sim.Time(0), "the price never passed 1.2× its start in 500 h")
	w.s.RunFor(3 * time.Minute)
	assert.Equal(t, StateTerminated, i.State())
}

func TestSpotBillingFollowsThePrice(t *testing.T) {
	w := newWorld(t, 1, func(c *Config) { c.Spot.InterruptionsPerHour = -1 })
	i := w.launch(t, LaunchSpec{InstanceType: "m5.large", Market: MarketSpot})
	var hourly []float64
	for h := 0; h < 3; h++ {
		w.at(time.Duration(h)*time.Hour + 30*time.Minute)
		p, _ := w.e.SpotPrice("m5.large", "us-east-1a")
		hourly = append(hourly, p)
	}
	w.at(3 * time.Hour)
	items := w.items("SpotUsage:m5.large")
	require.Len(t, items, 3)
	for k, li := range items {
		assert.Equal(t, hourly[k], li.Rate, "hour %d billed at that hour's price", k)
		assert.Equal(t, i.ID(), li.ResourceID)
	}
	assert.InDelta(t, 1-10.0/3600, items[0].Quantity, 1e-12)
}
