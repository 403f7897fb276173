package main

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShortHorizon runs the three modes over 4 measured hours: predictive
// scaling gets its minimum 24 h of history, and the scaled fleets must cost
// less than the fixed one sized for the peak while staying within a few
// minutes of its SLO record.
func TestShortHorizon(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	// A quarter of the default rate with four times the work per request:
	// the same CPU load on the fleet at a quarter of the events.
	args := []string{"-json", "-hours", "4", "-out", dir, "-peak", "4", "-trough", "0.5", "-work", "2s", "-slo", "12s"}
	if testing.Short() { // predictive scaling needs a simulated day of history
		args = append(args, "-modes", "fixed,target-tracking")
	}
	require.Equal(t, 0, realMain(args, &out, &errOut), errOut.String())
	var rs []Result
	require.NoError(t, json.Unmarshal(out.Bytes(), &rs))
	fixed, tt := rs[0], rs[1]
	scaled := []Result{tt}
	if !testing.Short() {
		require.Len(t, rs, 3)
		scaled = append(scaled, rs[2])
		assert.Equal(t, "predictive", rs[2].Mode)
	}
	assert.Equal(t, "fixed", fixed.Mode)
	assert.Equal(t, 8, fixed.MaxInService)
	assert.InDelta(t, 8, fixed.MeanInService, 0.1)
	// 8 × c7g.large ($0.0725/h) × 4 h = $2.32, plus the ALB's $0.0225 per
	// hour and a few LCUs ($0.008 per LCU-hour).
	assert.Greater(t, fixed.CostUSD, 2.32)
	assert.Less(t, fixed.CostUSD, 2.32+4*0.0225+4*0.008*3)
	for _, r := range scaled {
		assert.Less(t, r.CostUSD, fixed.CostUSD, r.Mode)
		assert.Less(t, r.MeanInService, fixed.MeanInService, r.Mode)
		assert.Greater(t, r.Requests, uint64(0))
		assert.LessOrEqual(t, r.SLOMinutes, fixed.SLOMinutes+15, r.Mode)
		st, err := os.Stat(r.Dashboard)
		require.NoError(t, err)
		assert.Greater(t, st.Size(), int64(10000))
	}
	assert.Equal(t, 2, realMain([]string{"-modes", "fixed,magic", "-out", ""}, &out, &errOut))
	assert.Equal(t, 1, realMain([]string{"-history", "3", "-modes", "predictive", "-out", ""}, &out, &errOut))
	assert.Contains(t, errOut.String(), "needs -history ≥ 24")
}
