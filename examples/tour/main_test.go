package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's tour must stay true: it runs, every request is answered, and
// the dashboard is written.
func TestTour(t *testing.T) {
	if testing.Short() {
		t.Skip("an hour of traffic at 200 req/s")
	}
	png := filepath.Join(t.TempDir(), "tour.png")
	var out bytes.Buffer
	require.NoError(t, tour(&out, png))
	assert.Contains(t, out.String(), "generated=695884 completed=695884")
	assert.Contains(t, out.String(), "cost AmazonEC2")
	st, err := os.Stat(png)
	require.NoError(t, err)
	assert.Greater(t, st.Size(), int64(10000))
}
