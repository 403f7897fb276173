package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runJSON(t *testing.T, args ...string) Result {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(append(args, "-json"), &out))
	var r Result
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&r))
	return r
}

// TestHitRatioNearChe: one edge, LRU, Zipf — the reported hit ratio
// (cold start included, so a little lower) is near Che's approximation.
func TestHitRatioNearChe(t *testing.T) {
	r := runJSON(t, "-objects", "2000", "-cache-objects", "200", "-requests", "40000", "-zipf", "0.8")
	assert.Equal(t, uint64(40000), r.Requests)
	assert.InDelta(t, r.CheHitRatio, r.HitRatio, 0.03)
	assert.LessOrEqual(t, r.HitRatio, r.CheHitRatio+0.01, "cold misses only lower it")
	misses := r.Requests - uint64(r.HitRatio*float64(r.Requests)+0.5)
	assert.Equal(t, misses-r.Collapsed, r.OriginRequests, "with one tier every miss not collapsed goes to the origin")
	assert.Greater(t, r.CostUSD, 0.0)
	assert.GreaterOrEqual(t, r.P99LatencyMs, r.MeanLatencyMs)
}

// TestTiersCutOriginRequests: with viewers at four edges behind different
// regional edge caches, each added tier cuts origin requests, and a
// dynamic request from far away is faster through CloudFront.
func TestTiersCutOriginRequests(t *testing.T) {
	args := []string{"-objects", "2000", "-cache-objects", "200", "-requests", "20000", "-edges", "4"}
	edge := runJSON(t, append(args, "-tiers", "edge")...)
	regional := runJSON(t, append(args, "-tiers", "regional")...)
	shield := runJSON(t, append(args, "-tiers", "shield")...)
	assert.Less(t, regional.OriginRequests, edge.OriginRequests)
	assert.Less(t, shield.OriginRequests, regional.OriginRequests)
	assert.Zero(t, edge.RegionalHits)
	assert.Greater(t, shield.RegionalHits, regional.RegionalHits)
	assert.Less(t, shield.DynamicViaCF, shield.DynamicDirect)
	// The edge caches see the same requests in all three runs; only the
	// timing of fills differs, so their hit ratio barely moves.
	assert.InDelta(t, edge.HitRatio, shield.HitRatio, 0.01)
}

func TestDeterministicAndText(t *testing.T) {
	a := runJSON(t, "-requests", "5000", "-seed", "9")
	b := runJSON(t, "-requests", "5000", "-seed", "9")
	assert.Equal(t, a, b)
	var out bytes.Buffer
	require.NoError(t, run([]string{"-requests", "2000"}, &out))
	assert.True(t, strings.Contains(out.String(), "edge hit ratio"), out.String())
	for _, bad := range [][]string{{"-tiers", "all"}, {"-edges", "0"}, {"-zipf", "0"}, {"-requests", "0"}} {
		assert.Error(t, run(bad, &out), "%v", bad)
	}
}
