package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runJSON(t *testing.T, args ...string) (Result, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := realMain(append([]string{"-json", "-rps", "5"}, args...), &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	var keys map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &keys))
	for _, k := range []string{"primary_failed_at_s", "dns_switched_at_s", "clients_all_switched_at_s", "failed_requests"} {
		assert.Contains(t, keys, k)
	}
	var res Result
	require.NoError(t, json.Unmarshal(out.Bytes(), &res))
	return res, out.String()
}

// TestFailoverAddsUp checks the README's arithmetic: the check turns
// unhealthy within (threshold−1 … threshold) × interval of the failure
// (plus a probe's round trip from the farthest checker region, < 1 s),
// Route 53 answers with the secondary from then on, and clients of honest
// resolvers leave the primary within one TTL of that; stale resolvers add
// up to their hold.
func TestFailoverAddsUp(t *testing.T) {
	for _, tc := range []struct {
		ttl, interval, threshold int
		stale                    float64
	}{{60, 30, 3, 0}, {10, 10, 1, 0}, {30, 10, 3, 0.1}} {
		t.Run(fmt.Sprintf("ttl=%d/interval=%d/threshold=%d/stale=%v", tc.ttl, tc.interval, tc.threshold, tc.stale), func(t *testing.T) {
			res, _ := runJSON(t, "-ttl", fmt.Sprint(tc.ttl), "-interval", fmt.Sprint(tc.interval),
				"-threshold", fmt.Sprint(tc.threshold), "-stale-resolvers", fmt.Sprint(tc.stale))
			detect := res.HealthCheckUnhealthyAt - res.PrimaryFailedAt
			assert.GreaterOrEqual(t, detect, float64((tc.threshold-1)*tc.interval))
			assert.LessOrEqual(t, detect, float64(tc.threshold*tc.interval)+1)
			assert.GreaterOrEqual(t, res.DNSSwitchedAt, res.HealthCheckUnhealthyAt)
			assert.LessOrEqual(t, res.DNSSwitchedAt, res.HealthCheckUnhealthyAt+float64(tc.ttl)+1)
			lag := res.ClientsAllSwitchedAt - res.HealthCheckUnhealthyAt
			if tc.stale == 0 {
				assert.LessOrEqual(t, lag, float64(tc.ttl)+1, "honest resolvers follow within one TTL")
			} else {
				assert.Equal(t, 6, res.StaleResolverCount, "round(0.1 × 60)")
				assert.Greater(t, lag, float64(tc.ttl)+60, "stale resolvers hold the primary past the TTL")
				assert.LessOrEqual(t, lag, float64(tc.ttl)+15*60+1)
			}
			// Only requests sent to the dead primary fail: fewer than all
			// requests between the failure and the last one sent there
			// (3 countries × 5 requests/s), and more than none.
			window := res.ClientsAllSwitchedAt - res.PrimaryFailedAt
			assert.Greater(t, res.FailedRequests, uint64(0))
			assert.Less(t, float64(res.FailedRequests), 15*window*1.2+20)
		})
	}
}

func TestDeterministicAndText(t *testing.T) {
	_, a := runJSON(t, "-seed", "7")
	_, b := runJSON(t, "-seed", "7")
	_, c := runJSON(t, "-seed", "8")
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)

	var out bytes.Buffer
	require.Equal(t, 0, realMain([]string{"-rps", "2", "-interval", "10"}, &out, &out))
	assert.True(t, strings.Contains(out.String(), "the health check turns unhealthy"), out.String())

	var errOut bytes.Buffer
	assert.Equal(t, 2, realMain([]string{"-interval", "20"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "RequestInterval 20 is not 10 or 30")
	assert.Equal(t, 2, realMain([]string{"-threshold", "0.5"}, &out, &errOut))
}
