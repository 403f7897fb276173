package billing

import (
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var web = Resource{Service: ServiceEC2, ID: "i-1", Region: "us-east-1", Tags: map[string]string{"team": "web"}}

func at(d time.Duration) sim.Time { return sim.Time(d) }

func TestPerSecond(t *testing.T) {
	// c7g.large at $0.0725/h, as the EC2 per-second billing rules apply:
	// rounded up to the second, 60 s minimum per running period.
	for _, tc := range []struct {
		name    string
		d       time.Duration
		wantSec int64
	}{
		{"under the minimum bills 60 s", 10 * time.Second, 60},
		{"exactly the minimum", time.Minute, 60},
		{"partial second rounds up", 90*time.Second + time.Millisecond, 91},
		{"one hour", time.Hour, 3600},
		{"zero length still bills the minimum", 0, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			li, err := web.PerSecond("BoxUsage:c7g.large", at(time.Hour), at(time.Hour+tc.d), time.Minute, 0.0725)
			require.NoError(t, err)
			assert.Equal(t, UnitHours, li.Unit)
			assert.InDelta(t, float64(tc.wantSec)/3600, li.Quantity, 1e-15)
			assert.InDelta(t, float64(tc.wantSec)/3600*0.0725, li.Cost(), 1e-15)
			assert.Equal(t, "web", li.Tags["team"])
		})
	}
}

func TestHelpers(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		name     string
		li       func() (LineItem, error)
		qty      float64
		unit     string
		wantCost float64
	}{
		{"per hour rounds started hours up", func() (LineItem, error) {
			return web.PerHour(UsageVpcEndpointHours, 0, at(90*time.Minute), 0.01)
		}, 2, UnitHours, 0.02},
		{"per hour of nothing is free", func() (LineItem, error) {
			return web.PerHour(UsageVpcEndpointHours, at(time.Hour), at(time.Hour), 0.01)
		}, 0, UnitHours, 0},
		{"per GB counts 2^30 bytes", func() (LineItem, error) {
			return web.PerGB(UsageDataTransferOut, 0, 0, 5<<30, 0.09)
		}, 5, UnitGB, 0.45},
		{"per request", func() (LineItem, error) {
			return web.PerRequest("Requests-Tier1", 0, at(time.Hour), 10000, 0.005/1000)
		}, 10000, UnitRequests, 0.05},
		{"a GB for a 730-hour month is one GB-month", func() (LineItem, error) {
			return web.PerGBMonth("TimedStorage-ByteHrs", 0, at(730*time.Hour), 1<<30, 0.023)
		}, 1, UnitGBMonth, 0.023},
		{"100 GB for a day", func() (LineItem, error) {
			return web.PerGBMonth("TimedStorage-ByteHrs", 0, at(day), 100<<30, 0.023)
		}, 100 * 24 / 730.0, UnitGBMonth, 100 * 24 / 730.0 * 0.023},
	} {
		t.Run(tc.name, func(t *testing.T) {
			li, err := tc.li()
			require.NoError(t, err)
			assert.InDelta(t, tc.qty, li.Quantity, 1e-12)
			assert.Equal(t, tc.unit, li.Unit)
			assert.InDelta(t, tc.wantCost, li.Cost(), 1e-12)
		})
	}
}

func TestHelpersRejectBadInput(t *testing.T) {
	for name, f := range map[string]func() (LineItem, error){
		"end before start": func() (LineItem, error) { return web.PerSecond("x", at(time.Hour), 0, time.Minute, 1) },
		"negative rate":    func() (LineItem, error) { return web.PerHour("x", 0, at(time.Hour), -1) },
		"negative bytes":   func() (LineItem, error) { return web.PerGB("x", 0, 0, -1, 0.09) },
		"negative count":   func() (LineItem, error) { return web.PerRequest("x", 0, 0, -5, 1) },
		"negative minimum": func() (LineItem, error) { return web.PerSecond("x", 0, 0, -time.Second, 1) },
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f()
			require.ErrorIs(t, err, ErrInvalidUsage)
			assert.Contains(t, err.Error(), "i-1")
		})
	}
}

func TestPriceTable(t *testing.T) {
	pt := DefaultPrices()
	r, err := pt.Rate(ServiceVPC, UsagePublicIPv4)
	require.NoError(t, err)
	assert.Equal(t, 0.005, r, "public IPv4 is $0.005/h since Feb 2024")

	_, err = pt.Rate(ServiceEC2, "NoSuchUsage")
	require.ErrorIs(t, err, ErrUnknownPrice)

	what := pt.Clone()
	require.NoError(t, what.Set(Price{Service: ServiceVPC, UsageType: UsagePublicIPv4, Unit: UnitHours, Rate: 0.004}))
	r, _ = what.Rate(ServiceVPC, UsagePublicIPv4)
	assert.Equal(t, 0.004, r)
	r, _ = pt.Rate(ServiceVPC, UsagePublicIPv4)
	assert.Equal(t, 0.005, r, "Clone is independent")

	require.ErrorIs(t, pt.Set(Price{Service: "S", UsageType: "U", Rate: -1}), ErrInvalidUsage)
	require.ErrorIs(t, pt.Set(Price{UsageType: "U", Rate: 1}), ErrInvalidUsage)

	ps := pt.Prices()
	require.NotEmpty(t, ps)
	for i := 1; i < len(ps); i++ {
		a, b := ps[i-1], ps[i]
		assert.True(t, a.Service < b.Service || (a.Service == b.Service && a.UsageType < b.UsageType), "sorted")
	}
}
