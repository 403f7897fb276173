package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func short(t *testing.T, png string) string {
	var out bytes.Buffer
	require.NoError(t, run(&out, options{seed: 1, instances: 4, slowdown: 2, load: 0.7, work: 20 * time.Millisecond, horizon: 15 * time.Minute, png: png}))
	return out.String()
}

// p99 reads an algorithm's p99 column from the table.
func p99(t *testing.T, out, alg string) time.Duration {
	m := regexp.MustCompile(`(?m)^` + alg + `\s+\[[^\]]*\]\s+\S+\s+(\S+)$`).FindStringSubmatch(out)
	require.NotNil(t, m, "no row for %s in\n%s", alg, out)
	d, err := time.ParseDuration(m[1])
	require.NoError(t, err)
	return d
}

func TestLBAlgorithmsTeachesTheLesson(t *testing.T) {
	png := filepath.Join(t.TempDir(), "d.png")
	out := short(t, png)
	// Round robin overloads the slow instance (a quarter of 245 req/s
	// against its 50 req/s); least outstanding requests steers around it.
	assert.Less(t, 5*p99(t, out, "least-outstanding"), p99(t, out, "round-robin"))
	assert.Less(t, 2*p99(t, out, "anomaly-mitigation"), p99(t, out, "weighted-random"), "mitigation needs a few minutes of error data, and each load-balancer node acts on its own")
	assert.Contains(t, out, "failed=0 in_flight=0")
	m := regexp.MustCompile(`generated=(\d+) completed=(\d+)`).FindStringSubmatch(out)
	require.NotNil(t, m)
	assert.Equal(t, m[1], m[2], "every request answered")
	n, _ := strconv.Atoi(m[1])
	assert.InDelta(t, 4*245*900, n, 4*245*900*0.05, "four fleets at 245 req/s for 15 minutes")
	st, err := os.Stat(png)
	require.NoError(t, err)
	assert.Greater(t, st.Size(), int64(10000))
	assert.Equal(t, out, short(t, png), "deterministic")
	assert.True(t, strings.HasPrefix(out, "4 × c7g.large"))
}

func TestLBAlgorithmsRejectsBadFlags(t *testing.T) {
	assert.Error(t, run(&bytes.Buffer{}, options{instances: 1, slowdown: 2, load: 0.5, work: time.Millisecond, horizon: time.Minute}))
}
