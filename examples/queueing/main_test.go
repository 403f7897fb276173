package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunJSON runs the example on an M/M/4 queue at ρ = 0.8 and checks the
// JSON keys the issue requires and that simulation and theory agree. With
// 2×10^5 requests the mean wait's standard deviation across seeds is about
// 3% (see the ec2 queueing tests), so the bound on waits is 15%; utilization
// and P(wait) are averages of far less correlated quantities.
func TestRunJSON(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"-vcpus", "4", "-rps", "32", "-work", "0.1", "-requests", "200000", "-seed", "3", "-json"}, &out))
	var m map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &m))
	for _, k := range []string{"utilization", "mean_wait_s", "mean_response_s", "p50_response_s", "p99_response_s",
		"completed", "theory_mean_wait_s"} {
		assert.Contains(t, m, k)
	}
	num := func(k string) float64 { return m[k].(float64) }
	assert.Equal(t, 200000.0, num("completed"))
	assert.InDelta(t, 0.8, num("utilization"), 0.01)
	assert.InDelta(t, num("theory_p_wait"), num("p_wait"), 0.03, "Erlang C probability of waiting")
	assert.InEpsilon(t, num("theory_mean_wait_s"), num("mean_wait_s"), 0.15)
	assert.InEpsilon(t, num("theory_mean_response_s"), num("mean_response_s"), 0.08)
	assert.InEpsilon(t, num("theory_p50_response_s"), num("p50_response_s"), 0.08)
	assert.InEpsilon(t, num("theory_p99_response_s"), num("p99_response_s"), 0.15)
}

func TestRunTableAndErrors(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"-vcpus", "1", "-rps", "30", "-work", "0.1", "-requests", "2000"}, &out))
	assert.Contains(t, out.String(), "M/M/1 queue")
	assert.Contains(t, out.String(), "unstable", "ρ = 3 has no steady state")

	for _, args := range [][]string{{"-vcpus", "0"}, {"-rps", "-1"}, {"-work", "0"}, {"-requests", "0"}, {"-bogus"},
		{"-work", "1e300"}, {"-vcpus", "100000"}} {
		out.Reset()
		err := run(args, &out)
		require.Error(t, err, strings.Join(args, " "))
	}
}

// The M/M/1 special case of the theory: P(wait) = ρ, Wq = ρ/(μ − λ), and
// response quantiles ln(1/(1−q))/(μ − λ).
func TestTheoryMM1(t *testing.T) {
	m := mmc{c: 1, lambda: 8, mu: 10}
	assert.InDelta(t, 0.8, m.erlangC(), 1e-12)
	assert.InDelta(t, 0.4, m.meanWait(), 1e-12)
	assert.InDelta(t, 2.302585092994046, m.responseQuantile(0.99), 1e-9)
	assert.InDelta(t, 0.34657359027997264, m.responseQuantile(0.5), 1e-9)
	// M/M/2 with a = 1: C = 1/3 (textbook value), Wq = C/(2μ − λ).
	m2 := mmc{c: 2, lambda: 10, mu: 10}
	assert.InDelta(t, 1.0/3, m2.erlangC(), 1e-12)
	assert.InDelta(t, 1.0/30, m2.meanWait(), 1e-12)
}
