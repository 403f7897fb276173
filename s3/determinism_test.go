package s3

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// scenario runs a mixed workload (Poisson GETs and PUTs over hot and cold
// prefixes, versioning, a restore, a lifecycle rule, a day of billing) and
// returns the trace and a log of every answer with its latency.
func scenario(t *testing.T, seed uint64) (trace, answers, bill string) {
	var tr, log bytes.Buffer
	s := sim.New(sim.Config{Seed: seed, Trace: &tr})
	ledger := billing.NewLedger()
	svc, err := New(s, Config{Billing: ledger, Performance: Performance{SplitAfter: 2 * time.Second}})
	require.NoError(t, err)
	b, err := svc.CreateBucket(BucketConfig{Name: "det", Tags: map[string]string{"app": "det"}})
	require.NoError(t, err)
	require.NoError(t, b.PutBucketVersioning(VersioningEnabled))
	require.NoError(t, b.PutBucketLifecycleConfiguration([]LifecycleRule{{ID: "gl", Transitions: []Transition{{1, Glacier}}}}))
	_, err = b.PutObject("cold/tape", PutObjectInput{Size: 1 << 20, StorageClass: Glacier})
	require.NoError(t, err)
	require.NoError(t, b.RestoreObject("cold/tape", RestoreInput{Days: 1, Tier: RestoreExpedited}))
	r := s.Stream("test/arrivals")
	var next func()
	n := 0
	next = func() {
		n++
		if n > 60000 {
			return
		}
		method, key := "GET", fmt.Sprintf("hot/%d", r.IntN(20))
		if r.IntN(10) == 0 {
			method, key = "PUT", fmt.Sprintf("warm/%d", r.IntN(50))
		}
		req := &sim.Request{Method: method, Path: "/" + key, Bytes: int64(r.IntN(1 << 20)), Headers: []sim.Header{ownerHeader}}
		s.Send(b, req, func(req *sim.Request, resp sim.Response) {
			fmt.Fprintf(&log, "%d %s %s %d %s %d\n", req.ID, req.Method, req.Path, resp.Status, resp.Reason, s.Now()-req.Start)
		})
		s.After(time.Duration(r.ExpFloat64()*float64(time.Second)/8000), next)
	}
	for i := range 20 {
		_, err := b.PutObject(fmt.Sprintf("hot/%d", i), PutObjectInput{Size: int64(1000 * (i + 1))})
		require.NoError(t, err)
	}
	next()
	s.RunFor(2 * day)
	svc.Flush()
	require.NoError(t, s.Requests().Check())
	require.NoError(t, s.TraceErr())
	var bl bytes.Buffer
	for _, li := range ledger.Items() {
		fmt.Fprintf(&bl, "%s %s %s %.9g %s %.9g\n", li.Start, li.End, li.UsageType, li.Quantity, li.Unit, li.Rate)
	}
	return tr.String(), log.String(), bl.String()
}

func TestDeterminism(t *testing.T) {
	tr1, log1, bill1 := scenario(t, 42)
	tr2, log2, bill2 := scenario(t, 42)
	require.Equal(t, tr1, tr2)
	require.Equal(t, log1, log2)
	require.Equal(t, bill1, bill2)
	tr3, log3, _ := scenario(t, 43)
	assert.NotEqual(t, log1, log3, "latencies and arrivals come from the seed")
	assert.NotEqual(t, tr1, tr3, "the restore completes at a seeded time")
	assert.Contains(t, tr1, `"event":"PartitionSplit"`)
	assert.Contains(t, log1, " 503 SlowDown ")

	golden := filepath.Join("testdata", "scenario_seed42.golden")
	got := tr1 + "---\n" + bill1
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run with -update to create")
	assert.Equal(t, string(want), got)
}
