package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstartIsDeterministicAndConserves(t *testing.T) {
	var a, b bytes.Buffer
	require.NoError(t, run(&a, 1, 100, 8*time.Millisecond, time.Minute))
	require.NoError(t, run(&b, 1, 100, 8*time.Millisecond, time.Minute))
	assert.Equal(t, a.String(), b.String())
	assert.Contains(t, a.String(), "utilization ρ = 0.80")
	assert.Error(t, run(&a, 1, -1, time.Millisecond, time.Minute))
}
