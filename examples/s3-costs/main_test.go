package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var short = Workload{Days: 60, PerDay: 20, Size: 8 << 20, HotRead: 0.3, HotDays: 5, ColdReads: 5, Seed: 1}

// TestStandardByHand: for all-Standard storage the bill is plain
// arithmetic: each day's uploads (at 06:00) are billed from then to the end
// at $0.023 per GB-month of 730 hours, every PUT at $0.005 and every GET at
// $0.0004 per 1,000.
func TestStandardByHand(t *testing.T) {
	res, err := Simulate(Strategies[0], short)
	require.NoError(t, err)
	gib := float64(short.Size) / (1 << 30)
	storage := 0.0
	for d := range short.Days {
		hours := float64(short.Days*24 - (24*d + 6))
		storage += float64(short.PerDay) * gib * hours / 730 * 0.023
	}
	assert.InEpsilon(t, storage, res.Storage, 1e-9)
	puts := float64(short.Days * short.PerDay)
	assert.InEpsilon(t, puts*0.005/1000+float64(res.Reads)*0.0004/1000, res.Requests, 1e-9)
	assert.Zero(t, res.Retrieval+res.EarlyDelete+res.Monitoring)
	assert.InEpsilon(t, res.Total, res.Cumulative[short.Days-1], 1e-9)
	assert.Positive(t, res.Reads)
}

// TestStrategiesCompare checks the relations the README teaches, over 60
// days (objects reach IA and Glacier IR after 30 days, Glacier after 90 so
// not yet).
func TestStrategiesCompare(t *testing.T) {
	var rs []Result
	for _, st := range Strategies {
		r, err := Simulate(st, short)
		require.NoError(t, err)
		rs = append(rs, r)
	}
	std, lc, it, gir := rs[0], rs[1], rs[2], rs[3]
	assert.Equal(t, std.Reads, lc.Reads, "no object is archived yet: every read is served at once")
	assert.Zero(t, lc.Delayed)
	assert.Less(t, lc.Storage, std.Storage)
	assert.Less(t, gir.Storage, lc.Storage, "Glacier IR stores for $0.004 vs Standard-IA's $0.0125")
	assert.Greater(t, gir.Retrieval, lc.Retrieval, "but reads cost $0.03/GB vs $0.01/GB")
	assert.Positive(t, lc.Retrieval)
	// Intelligent-Tiering: $0.0025 per 1,000 monitored objects per month.
	monitoring := 0.0
	for d := range short.Days {
		monitoring += float64(short.PerDay) * float64(short.Days*24-(24*d+6)) / 730 * 0.0025 / 1000
	}
	assert.InEpsilon(t, monitoring, it.Monitoring, 1e-9)
	assert.Less(t, it.Storage, std.Storage, "objects idle 30 days move to the IA tier")

	again, err := Simulate(Strategies[1], short)
	require.NoError(t, err)
	assert.Equal(t, lc, again, "deterministic")
}

// TestRunShort runs the program for 100 days, long enough for Glacier
// transitions and restores, and checks the table and the chart.
func TestRunShort(t *testing.T) {
	chart := filepath.Join(t.TempDir(), "costs.png")
	var out bytes.Buffer
	require.NoError(t, run([]string{"-days", "100", "-per-day", "10", "-chart", chart}, &out))
	for _, st := range Strategies {
		assert.Contains(t, out.String(), st.Name)
	}
	assert.Contains(t, out.String(), "cheapest:")
	info, err := os.Stat(chart)
	require.NoError(t, err)
	assert.Greater(t, info.Size(), int64(10_000))
	png, _ := os.ReadFile(chart)
	assert.Equal(t, "\x89PNG", string(png[:4]))

	require.Error(t, run([]string{"-days", "0"}, &out))
	require.Error(t, run([]string{"-hot-read", "2"}, &out))
}
