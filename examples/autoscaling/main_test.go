package main

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShortHorizon runs the three modes over 6 measured hours: predictive
// scaling gets its minimum 24 h of history, and the scaled fleets must cost
// less than the fixed one sized for the peak while staying within a few
// minutes of its SLO record.
func TestShortHorizon(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	// An eighth of the default rate with eight times the work per request:
	// the same CPU load on the fleet at an eighth of the events.
	args := []string{"-json", "-hours", "6", "-out", dir, "-peak", "2", "-trough", "0.25", "-work", "4s", "-slo", "24s"}
	require.Equal(t, 0, realMain(args, &out, &errOut), errOut.String())
	var rs []Result
	require.NoError(t, json.Unmarshal(out.Bytes(), &rs))
	require.Len(t, rs, 3)
	fixed, tt, pred := rs[0], rs[1], rs[2]
	assert.Equal(t, "fixed", fixed.Mode)
	assert.Equal(t, 8, fixed.MaxInService)
	assert.InDelta(t, 8, fixed.MeanInService, 0.1)
	// 8 × c7g.large ($0.0725/h) × 6 h = $3.48, plus the ALB's hours and LCUs.
	assert.Greater(t, fixed.CostUSD, 3.48)
	assert.Less(t, fixed.CostUSD, 3.48+6*0.0225+6*0.008*3)
	for _, r := range []Result{tt, pred} {
		assert.Less(t, r.CostUSD, fixed.CostUSD, r.Mode)
		assert.Less(t, r.MeanInService, fixed.MeanInService, r.Mode)
		assert.Greater(t, r.Requests, uint64(0))
		assert.LessOrEqual(t, r.SLOMinutes, fixed.SLOMinutes+15, r.Mode)
		st, err := os.Stat(r.Dashboard)
		require.NoError(t, err)
		assert.Greater(t, st.Size(), int64(10000))
	}
	assert.Equal(t, 1, realMain([]string{"-history", "3"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "needs -history ≥ 24")
}
