package ec2

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDedicatedHost(t *testing.T) {
	w := newWorld(t, 1)
	_, err := w.e.AllocateHost(HostSpec{InstanceFamily: "m5", AZ: "us-east-1a"})
	require.ErrorIs(t, err, ErrInvalidConfig, "VCPUs is required")

	// $5.069/h is an example figure for an m5 host, not a catalog price.
	h, err := w.e.AllocateHost(HostSpec{InstanceFamily: "m5", AZ: "us-east-1a", VCPUs: 96, HourlyPrice: 5.069,
		Tags: map[string]string{"cc": "42"}})
	require.NoError(t, err)
	big := w.launch(t, LaunchSpec{InstanceType: "m5.12xlarge", Host: h})
	w.launch(t, LaunchSpec{InstanceType: "m5.12xlarge", Host: h})
	used, total := h.Capacity()
	assert.Equal(t, 96, used)
	assert.Equal(t, 96, total)
	assert.Same(t, h, big.Host())

	for _, tc := range []struct {
		name string
		spec LaunchSpec
		err  error
	}{
		{"host full", LaunchSpec{InstanceType: "m5.large", Host: h}, ErrInsufficientHostCapacity},
		{"other family", LaunchSpec{InstanceType: "c5.large", Host: h}, ErrInvalidConfig},
		{"other AZ", LaunchSpec{InstanceType: "m5.large", Host: h, Subnet: w.b}, ErrInvalidConfig},
		{"spot on a host", LaunchSpec{InstanceType: "m5.large", Host: h, Market: MarketSpot}, ErrInvalidConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.spec.Subnet == nil {
				tc.spec.Subnet = w.a
			}
			_, err := w.e.Launch(tc.spec)
			require.ErrorIs(t, err, tc.err)
			used, _ := h.Capacity()
			assert.Equal(t, 96, used, "a failed launch takes no capacity")
		})
	}

	w.at(time.Hour)
	require.ErrorIs(t, h.Release(), ErrIncorrectState)
	require.NoError(t, big.Terminate())
	w.at(time.Hour + time.Minute) // terminated after 5 s
	w.launch(t, LaunchSpec{InstanceType: "m5.4xlarge", Host: h})
	used, _ = h.Capacity()
	assert.Equal(t, 48+16, used, "a terminated instance frees its vCPUs")
	for _, i := range w.e.Instances() {
		require.NoError(t, i.Terminate())
	}
	w.at(2 * time.Hour)
	require.NoError(t, h.Release())
	require.NoError(t, h.Release(), "releasing twice is a no-op")

	assert.Empty(t, w.items("BoxUsage:"), "instances on a host are not billed")
	var hours float64
	for _, li := range w.items("HostUsage:m5") {
		hours += li.Quantity
		assert.Equal(t, h.ID(), li.ResourceID)
		assert.Equal(t, "42", li.Tags["cc"])
	}
	assert.InDelta(t, 2, hours, 1e-12, "billed from allocation to release")
}
