package route53

import (
	"math"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewValidation(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	tests := []struct {
		name  string
		s     *sim.Sim
		cfg   Config
		field string // named in the error; "" means valid
	}{
		{"defaults", s, Config{}, ""},
		{"nil sim", nil, Config{}, "nil *sim.Sim"},
		{"unknown region", s, Config{Region: "mars-north-1"}, "Config.Region"},
		{"too few checkers", s, Config{Checkers: 2}, "Config.Checkers"},
		{"too many checkers", s, Config{Checkers: 257}, "Config.Checkers"},
		{"threshold 100", s, Config{HealthyThresholdPercent: 100}, "Config.HealthyThresholdPercent"},
		{"negative threshold", s, Config{HealthyThresholdPercent: -1}, "Config.HealthyThresholdPercent"},
		{"NaN threshold", s, Config{HealthyThresholdPercent: math.NaN()}, "Config.HealthyThresholdPercent"},
		{"negative alarm poll", s, Config{AlarmPollInterval: -time.Second}, "Config.AlarmPollInterval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.s, tt.cfg)
			if tt.field == "" {
				require.NoError(t, err)
				assert.NotNil(t, r)
				return
			}
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.ErrorContains(t, err, tt.field)
			assert.Nil(t, r)
		})
	}
}

// TestNilArguments: nil readers, writers, resources and VPCs are errors
// wrapping ErrInvalidConfig, not panics.
func TestNilArguments(t *testing.T) {
	_, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	_, err := r.ImportZoneFile(z.ID(), nil)
	assert.ErrorIs(t, err, ErrInvalidConfig)
	assert.ErrorIs(t, r.ExportZoneFile(z.ID(), nil), ErrInvalidConfig)
	assert.ErrorIs(t, r.RegisterAliasTarget(nil), ErrInvalidConfig)
	assert.ErrorIs(t, r.RegisterResource(nil, nil), ErrInvalidConfig)
	_, err = r.VPCResolver(nil)
	assert.ErrorIs(t, err, ErrInvalidConfig)
	assert.Equal(t, 2, z.ResourceRecordSetCount(), "nothing changed")
}
