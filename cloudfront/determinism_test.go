package cloudfront

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
)

// scenario runs a small mixed workload — viewers around the world, Zipf
// paths, three tiers, an origin with random latency, an invalidation — and
// returns everything observable: the trace, the access log, the stats and
// the bill.
func scenario(t *testing.T, seed uint64) string {
	var trace, log bytes.Buffer
	s := sim.New(sim.Config{Seed: seed, Trace: &trace})
	jitter := s.Stream("test/origin")
	o := &origin{s: s, respond: func(req *sim.Request) sim.Response {
		return sim.Response{Status: 200, Bytes: 2000 + int64(len(req.Path))*10, Headers: []sim.Header{{Name: "Cache-Control", Value: "max-age=30"}, {Name: "ETag", Value: "e"}}}
	}}
	delayed := sim.HandlerFunc(func(req *sim.Request, reply func(sim.Response)) {
		d := time.Duration(jitter.ExpFloat64() * float64(20*time.Millisecond))
		s.After(d, func() { o.Serve(req, reply) })
	})
	dc := simpleDist(delayed)
	dc.Origins[0].OriginShield = OriginShield{Enabled: true, Region: "us-east-1"}
	dc.AccessLog = &log
	b := &recordingBiller{}
	r := newRigOn(t, s, Config{Edges: []string{"IAD", "SEA", "CDG", "NRT"}, EdgeCacheBytes: 20 * 2300, Billing: b}, dc)
	places := []geo.Point{ashburn, seattle, paris, tokyo}
	z := newZipfSampler(ZipfPopularity(50, 0.9))
	rng := s.Stream("test/viewers")
	for range 400 {
		at := time.Duration(rng.Float64() * float64(2*time.Minute))
		c := viewer(uint64(rng.IntN(40)+1), places[rng.IntN(len(places))])
		r.get(at, c, fmt.Sprintf("/o/%d", z.pick(rng)))
	}
	s.Schedule(sim.Time(time.Minute), func() {
		_, err := r.d.CreateInvalidation("det", "/o/1*")
		require.NoError(t, err)
	})
	s.Run()
	r.cf.Flush()
	require.NoError(t, r.d.FlushLog())
	require.NoError(t, s.Requests().Check())
	require.Equal(t, uint64(400), s.Requests().Completed())
	return fmt.Sprintf("%s\n%s\n%+v\n%+v\n%.12f", trace.String(), log.String(), r.d.Stats(), r.cf.Caches(), b.cost())
}

func TestDeterminism(t *testing.T) {
	a, b := scenario(t, 42), scenario(t, 42)
	require.Equal(t, a, b, "same seed, same run")
	assert.NotEqual(t, a, scenario(t, 43), "another seed gives another run")
}
