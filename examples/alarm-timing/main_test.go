package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runJSON(t *testing.T, args ...string) Result {
	t.Helper()
	var out, errOut bytes.Buffer
	require.Equal(t, 0, realMain(append([]string{"-json"}, args...), &out, &errOut), errOut.String())
	var r Result
	require.NoError(t, json.Unmarshal(out.Bytes(), &r))
	return r
}

// TestDetectionAddsUp checks the README's arithmetic: detection takes M
// minutes of breaching data plus the publication delay rounded up to the
// next whole-minute evaluation; the scaling policy is invoked on entry and
// every minute after while the alarm stays in ALARM.
func TestDetectionAddsUp(t *testing.T) {
	for _, tc := range []struct {
		m, n  int
		delay string
		want  float64
	}{{3, 3, "30s", 4}, {3, 3, "0s", 3}, {1, 1, "0s", 1}, {2, 5, "90s", 4}, {5, 5, "30s", 6}} {
		t.Run(fmt.Sprintf("%dof%d/delay=%s", tc.m, tc.n, tc.delay), func(t *testing.T) {
			r := runJSON(t, "-m", fmt.Sprint(tc.m), "-n", fmt.Sprint(tc.n), "-delay", tc.delay)
			assert.Equal(t, tc.want, r.DetectionMin)
			assert.Equal(t, tc.want, r.PredictedMin)
			assert.Equal(t, 30-int(float64(r.StepAtMin)+tc.want)+1, r.ScalingInvokes)
		})
	}
}

func TestDashboardFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "charts") // created by the example
	var out, errOut bytes.Buffer
	require.Equal(t, 0, realMain([]string{"-out", dir}, &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), "detected after 4.00 min (predicted 4.00)")
	for _, f := range []string{"dashboard.png", "dashboard.svg"} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.Greater(t, st.Size(), int64(1000))
	}
	assert.Equal(t, 1, realMain([]string{"-m", "4", "-n", "3"}, &out, &errOut), "DatapointsToAlarm > EvaluationPeriods is refused")
	assert.Contains(t, errOut.String(), "DatapointsToAlarm 4 must be between 1 and EvaluationPeriods 3")
}
