package s3

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

// drive sends GETs at rate per second for d, cycling over keys, and counts
// SlowDown answers for requests sent at or after from.
func drive(s *sim.Sim, h sim.Handler, host string, keys []string, rate float64, d, from time.Duration) (sent, slow, lateSent, lateSlow int) {
	interval := time.Duration(float64(time.Second) / rate)
	start := s.Now()
	i, total := 0, int(rate*d.Seconds()+0.5)
	var tk *sim.Ticker
	tk = s.Every(start, interval, func(now sim.Time) {
		if sent == total {
			tk.Stop()
			return
		}
		late := now.Sub(start) >= from
		req := &sim.Request{Method: "GET", Host: host, Path: "/" + keys[i%len(keys)]}
		i++
		sent++
		if late {
			lateSent++
		}
		s.Send(h, req, func(_ *sim.Request, r sim.Response) {
			if r.Reason == "SlowDown" {
				slow++
				if late {
					lateSlow++
				}
			}
		})
	})
	s.RunFor(d + 10*time.Second) // send, then drain replies
	return
}

func rateBucket(t *testing.T, perf Performance, keys ...string) (*sim.Sim, *Service, *Bucket, *recorder) {
	t.Helper()
	rec := &recorder{}
	s := sim.New(sim.Config{Seed: 7})
	svc, err := New(s, Config{Performance: perf, Metrics: rec})
	require.NoError(t, err)
	b, err := svc.CreateBucket(BucketConfig{Name: "hot", RequestMetrics: true, PublicAccessBlock: &PublicAccessBlock{}})
	require.NoError(t, err)
	require.NoError(t, b.PutBucketPolicy(PublicReadPolicy(b.ARN())))
	putKeys(t, b, keys...)
	return s, svc, b, rec
}

// TestRateLimitOnePrefix: 11,000 GET/s on one prefix is twice the 5,500/s
// a partitioned prefix sustains, so once the one-second burst is spent,
// half the requests get 503 SlowDown.
func TestRateLimitOnePrefix(t *testing.T) {
	keys := []string{"images/a.jpg", "images/b.jpg", "images/c.jpg"}
	s, _, b, rec := rateBucket(t, Performance{}, keys...)
	sent, slow, lateSent, lateSlow := drive(s, b, b.RegionalDomainName(), keys, 11000, 10*time.Second, 2*time.Second)
	require.Equal(t, 110000, sent)
	// Over 10 s: 5,500 burst tokens + 10 s × 5,500/s admitted.
	assert.InDelta(t, 110000-60500, slow, 5)
	assert.InDelta(t, 0.5, float64(lateSlow)/float64(lateSent), 0.001, "steady state")
	assert.Equal(t, 1, b.Partitions("images/a.jpg"), "15 minutes of throttling have not passed")
	require.NoError(t, s.Requests().Check())
	assert.Equal(t, uint64(slow), s.Requests().CompletedClass(5))
	// Request metrics (published at the end of each minute) count every
	// request and the 503s.
	s.RunFor(time.Minute)
	assert.Equal(t, float64(sent), rec.sum("AllRequests", "hot"))
	assert.Equal(t, float64(sent), rec.sum("GetRequests", "hot"))
	assert.Equal(t, float64(slow), rec.sum("5xxErrors", "hot"))
	assert.Zero(t, rec.sum("4xxErrors", "hot"))
}

// TestRateLimitTwoPrefixes: the same 11,000 GET/s spread over two prefixes
// is 5,500/s each, within the limit: no SlowDown.
func TestRateLimitTwoPrefixes(t *testing.T) {
	keys := []string{"left/a.jpg", "right/a.jpg"}
	s, _, b, _ := rateBucket(t, Performance{}, keys...)
	sent, slow, _, _ := drive(s, b, b.RegionalDomainName(), keys, 11000, 10*time.Second, 0)
	assert.Equal(t, 110000, sent)
	assert.Zero(t, slow)
}

// TestPartitionSplit: with SplitAfter shortened to 5 s, sustained
// throttling splits the prefix, doubling its capacity to 11,000/s, after
// which no request is throttled.
func TestPartitionSplit(t *testing.T) {
	keys := []string{"p/a", "p/b"}
	// The one-second burst is spent at 1 s, so the prefix splits at 6 s.
	s, _, b, _ := rateBucket(t, Performance{SplitAfter: 5 * time.Second}, keys...)
	_, slow, lateSent, lateSlow := drive(s, b, b.RegionalDomainName(), keys, 11000, 14*time.Second, 9*time.Second)
	assert.Equal(t, 2, b.Partitions("p/x"))
	assert.Positive(t, slow)
	assert.Positive(t, lateSent)
	assert.Zero(t, lateSlow)
}

func TestWritesHaveTheirOwnLimit(t *testing.T) {
	s, _, b, _ := rateBucket(t, Performance{NoLatency: true})
	owner := sim.Header{Name: HeaderPrincipal, Value: "123456789012"}
	slow := 0
	for i := range 4000 {
		req := &sim.Request{Method: "PUT", Path: fmt.Sprintf("/w/%d", i), Bytes: 10, Headers: []sim.Header{owner}}
		if send(s, b, req).Reason == "SlowDown" {
			slow++
		}
	}
	assert.Equal(t, 500, slow, "4,000 PUTs at one instant: 3,500 tokens")
	assert.Equal(t, 200, send(s, b, &sim.Request{Method: "GET", Path: "/w/1"}).Status, "reads are not throttled by writes")
}

// TestExistingAndMissingKeysShareAPrefix: GETs of stored keys (whose
// entries remember their prefix) and of missing keys (404s, found by the
// prefix itself) draw on one token bucket; a DELETE and re-PUT of a key
// in between keeps the accounting.
func TestExistingAndMissingKeysShareAPrefix(t *testing.T) {
	s, _, b, _ := rateBucket(t, Performance{NoLatency: true}, "p/a")
	owner := sim.Header{Name: HeaderPrincipal, Value: "123456789012"}
	status := map[int]int{}
	for i := range 6000 {
		path := "/p/a"
		switch i % 3 {
		case 1:
			path = "/p/missing"
		case 2:
			path = fmt.Sprintf("/p/other-%d", i)
		}
		status[send(s, b, &sim.Request{Method: "GET", Path: path}).Status]++
		if i == 3000 {
			require.Equal(t, 204, send(s, b, &sim.Request{Method: "DELETE", Path: "/p/a", Headers: []sim.Header{owner}}).Status)
			require.Equal(t, 200, send(s, b, &sim.Request{Method: "PUT", Path: "/p/a", Bytes: 1, Headers: []sim.Header{owner}}).Status)
		}
	}
	assert.Equal(t, 500, status[503], "6,000 GETs at one instant on one prefix: 5,500 tokens")
	assert.Equal(t, 6000, status[200]+status[403]+status[404]+status[503])
	assert.Equal(t, 404, send(s, b, &sim.Request{Method: "GET", Path: "/q/a"}).Status, "another prefix has its own tokens")
}

func TestPrefixOf(t *testing.T) {
	for _, tc := range []struct{ delim, key, want string }{
		{"/", "a/b/c.jpg", "a/b/"},
		{"/", "c.jpg", ""},
		{"/", "a/", "a/"},
		{"--", "tenant--7--obj", "tenant--7--"},
		{"--", "obj-1", ""},
	} {
		_, _, b := newTestBucket(t, Config{Performance: Performance{PrefixDelimiter: tc.delim}}, "prefixes")
		assert.Equal(t, tc.want, b.prefixOf(tc.key), "%q in %q", tc.delim, tc.key)
	}
}
