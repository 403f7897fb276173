package billing

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var rewrite = flag.Bool("rewrite", false, "rewrite golden files under testdata/")

// sample builds a small two-service ledger: two tagged instances and a bucket.
func sample(t *testing.T) *Ledger {
	l := NewLedger()
	api := Resource{Service: ServiceEC2, ID: "i-api", Region: "us-east-1", Tags: map[string]string{"team": "api", "env": "prod"}}
	batch := Resource{Service: ServiceEC2, ID: "i-batch", Region: "us-east-1", Tags: map[string]string{"team": "data"}}
	bucket := Resource{Service: "AmazonS3", ID: "logs", Region: "us-east-1"}
	add := func(li LineItem, err error) {
		require.NoError(t, err)
		l.Add(li)
	}
	add(api.PerSecond("BoxUsage:m5.large", 0, at(2*time.Hour), time.Minute, 0.096))                    // $0.192
	add(batch.PerSecond("BoxUsage:c5.large", at(time.Hour), at(3*time.Hour), time.Minute, 0.085))      // $0.17
	add(bucket.PerRequest("Requests-Tier1", at(30*time.Minute), at(30*time.Minute), 2000, 0.005/1000)) // $0.01
	add(api.PerGB(UsageDataTransferOut, at(90*time.Minute), at(90*time.Minute), 10<<30, 0.09))         // $0.90
	return l
}

func TestReports(t *testing.T) {
	l := sample(t)
	assert.InDelta(t, 0.192+0.17+0.01+0.9, l.Total(), 1e-12)

	assert.Equal(t, []string{"AmazonEC2", "AmazonS3"}, keys(l.ByService()))
	assert.InDelta(t, 0.192+0.17+0.9, l.ByService()[0].USD, 1e-12)

	byRes := l.ByResource()
	assert.Equal(t, []string{"i-api", "i-batch", "logs"}, keys(byRes))
	assert.InDelta(t, 1.092, byRes[0].USD, 1e-12)

	byTeam := l.ByTag("team")
	assert.Equal(t, []string{"", "api", "data"}, keys(byTeam), "untagged usage groups under the empty key")
	assert.InDelta(t, 0.01, byTeam[0].USD, 1e-12)
	assert.InDelta(t, 1.092, byTeam[1].USD, 1e-12)
	assert.InDelta(t, 0.17, byTeam[2].USD, 1e-12)

	// Every report partitions the total.
	for name, rep := range map[string][]Cost{"service": l.ByService(), "resource": l.ByResource(),
		"tag": byTeam, "usage": l.ByUsageType(), "region": l.ByRegion()} {
		var sum float64
		for _, c := range rep {
			sum += c.USD
		}
		assert.InDelta(t, l.Total(), sum, 1e-12, name)
	}
}

func TestWindowProrates(t *testing.T) {
	l := sample(t)
	for _, tc := range []struct {
		name     string
		from, to time.Duration
		want     float64
	}{
		// i-api runs 0–2 h ($0.192), i-batch 1–3 h ($0.17); the request charge
		// is at 30 min ($0.01), the transfer at 90 min ($0.90).
		{"first hour", 0, time.Hour, 0.096 + 0.01},
		{"second hour", time.Hour, 2 * time.Hour, 0.096 + 0.085 + 0.9},
		{"third hour", 2 * time.Hour, 3 * time.Hour, 0.085},
		{"half-open end excludes an instant at to", 0, 30 * time.Minute, 0.048},
		{"whole span", 0, 3 * time.Hour, 0.192 + 0.17 + 0.01 + 0.9},
		{"before anything", -time.Hour, 0, 0},
		{"after everything", 3 * time.Hour, 4 * time.Hour, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := l.Window(at(tc.from), at(tc.to))
			assert.InDelta(t, tc.want, w.Total(), 1e-12)
			for _, li := range w.Items() {
				assert.GreaterOrEqual(t, li.Start, at(tc.from))
				assert.LessOrEqual(t, li.End, at(tc.to))
			}
		})
	}
	// Consecutive windows partition the total.
	var sum float64
	for h := 0; h < 3; h++ {
		sum += l.Window(at(time.Duration(h)*time.Hour), at(time.Duration(h+1)*time.Hour)).Total()
	}
	assert.InDelta(t, l.Total(), sum, 1e-12)
}

func TestFilter(t *testing.T) {
	l := sample(t)
	s3 := l.Filter(func(li LineItem) bool { return li.Service == "AmazonS3" })
	require.Equal(t, 1, s3.Len())
	assert.Equal(t, "logs", s3.Items()[0].ResourceID)
}

func TestWriteCSVGolden(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, sample(t).WriteCSV(&buf, time.Time{}))
	golden := filepath.Join("testdata", "ledger.csv")
	if *rewrite {
		require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), buf.String())
}

func TestWriteCSVStableOrder(t *testing.T) {
	// The same items added in another order export the same bytes.
	a, b := sample(t), NewLedger()
	items := a.Items()
	for i := len(items) - 1; i >= 0; i-- {
		b.Add(items[i])
	}
	var x, y bytes.Buffer
	require.NoError(t, a.WriteCSV(&x, sim.DefaultEpoch))
	require.NoError(t, b.WriteCSV(&y, sim.DefaultEpoch))
	assert.Equal(t, x.String(), y.String())
}

func keys(cs []Cost) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Key
	}
	return out
}
