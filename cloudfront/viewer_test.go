package cloudfront

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/nimbus-sim/nimbus/sim"
)

// cachedRig is one IAD edge in front of an origin whose answers are cached
// for a year, so every request after the first is an edge hit.
func cachedRig(t *testing.T, cfg Config, delay time.Duration) *rig {
	s := sim.New(sim.Config{Seed: 1})
	o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 1000, Headers: []sim.Header{{Name: "Cache-Control", Value: "max-age=31536000"}}})
	o.delay = delay
	cfg.Edges = []string{"IAD"}
	return newRigOn(t, s, cfg, simpleDist(o))
}

// idleLen walks an edge's idle list, checking its links, that it holds
// only idle connections, and that it is sorted by last use.
func idleLen(t require.TestingT, n *node) int {
	k := 0
	var prev *viewerConn
	for c := n.idle.head; c != nil; prev, c = c, c.next {
		require.Same(t, prev, c.prev)
		require.Zero(t, c.inflight)
		if prev != nil {
			require.LessOrEqual(t, prev.last, c.last)
		}
		k++
	}
	require.Same(t, prev, n.idle.tail)
	return k
}

// TestViewerKeepAlive: a viewer's next request skips the TCP and TLS
// handshakes while its connection has been idle for at most
// ViewerKeepAlive (measured from the last answer), and pays them again
// after; traffic from other viewers, which prunes the edge's expired
// connections, changes nothing. The handshakes cost (1 + TLSRoundTrips)
// RTTs: 2 RTTs for HTTPS with TLS 1.3.
func TestViewerKeepAlive(t *testing.T) {
	const ka = DefaultViewerKeepAlive
	tests := []struct {
		gap       time.Duration // from the first answer to the second request
		handshake bool
	}{
		{time.Second, false},
		{ka - time.Nanosecond, false},
		{ka, false}, // idle for exactly the keep-alive: still open
		{ka + time.Nanosecond, true},
		{10 * time.Minute, true},
	}
	for _, tt := range tests {
		for _, others := range []bool{false, true} {
			t.Run(fmt.Sprintf("gap %v, other viewers %v", tt.gap, others), func(t *testing.T) {
				r := cachedRig(t, Config{}, 0)
				_, rtt := r.cf.EdgeFor(ashburn, "")
				require.Positive(t, rtt)
				c := viewer(1, ashburn)
				r.get(0, viewer(2, ashburn), "/a") // fills the cache
				r.s.Run()
				first := r.get(time.Second, c, "/a")
				r.s.Run()
				require.True(t, first.done)
				end := first.req.Start.Add(first.latency)
				if others {
					// A distinct viewer every 100 ms until the second
					// request: each of their requests sweeps the edge.
					for i, at := 0, end; at < end.Add(tt.gap); i, at = i+1, at.Add(100*time.Millisecond) {
						r.get(time.Duration(at), viewer(uint64(100+i), ashburn), "/a")
					}
				}
				second := r.get(time.Duration(end.Add(tt.gap)), c, "/a")
				r.s.Run()
				require.True(t, second.done)
				// The same hit from a connection certainly kept: 1 s after
				// the second answer.
				ref := r.get(time.Duration(second.req.Start.Add(second.latency+time.Second)), c, "/a")
				r.s.Run()
				require.True(t, ref.done)
				assert.Equal(t, "Hit from cloudfront", xcache(second))
				assert.Equal(t, ref.latency+2*rtt, first.latency, "a new viewer pays the handshakes")
				want := ref.latency
				if tt.handshake {
					want += 2 * rtt
				}
				assert.Equal(t, want, second.latency)
			})
		}
	}
}

// TestViewerConnInFlightKept: a connection with a request in flight is in
// use however long ago it was opened, so pruning leaves it alone; the
// viewer's next request within the keep-alive of the answer reuses it.
func TestViewerConnInFlightKept(t *testing.T) {
	// The origin takes 20 s, four keep-alives of 5 s.
	r := cachedRig(t, Config{ViewerKeepAlive: 5 * time.Second}, 20*time.Second)
	_, rtt := r.cf.EdgeFor(ashburn, "")
	c := viewer(1, ashburn)
	slow := r.get(0, c, "/slow")
	// Other viewers sweep the edge while the slow request is in flight.
	for i := range 15 {
		r.get(time.Duration(i+1)*time.Second, viewer(uint64(10+i), ashburn), "/other")
	}
	r.s.Run()
	require.True(t, slow.done)
	end := slow.req.Start.Add(slow.latency)
	assert.Greater(t, slow.latency, 20*time.Second)
	next := r.get(time.Duration(end.Add(4*time.Second)), c, "/slow")
	r.s.Run()
	ref := r.get(time.Duration(next.req.Start.Add(next.latency+time.Second)), c, "/slow")
	r.s.Run()
	assert.Equal(t, "Hit from cloudfront", xcache(next))
	assert.Equal(t, ref.latency, next.latency, "no new handshake: the connection was kept")
	// A fresh viewer pays the 2 RTTs on the same hit.
	fresh := r.get(time.Duration(r.s.Now())+time.Second, viewer(99, ashburn), "/slow")
	r.s.Run()
	assert.Equal(t, ref.latency+2*rtt, fresh.latency)
}

// TestViewerTableBounded: over a long run in which every request comes
// from a new viewer, an edge keeps only the connections that can still be
// reused: at most rate × (ViewerKeepAlive + the longest response) + 2
// (one arrival at each end of the window), here 100/s × 60 s ≈ 6,000 of
// the 180,000 viewers. The lower bound shows the table really holds a
// keep-alive's worth of viewers, so the bound is tight.
func TestViewerTableBounded(t *testing.T) {
	const (
		rate = 100 // distinct viewers per second, evenly spaced
		ka   = DefaultViewerKeepAlive
	)
	run := 30 * time.Minute
	if testing.Short() {
		run = 5 * time.Minute
	}
	r := cachedRig(t, Config{}, 0)
	edge := r.cf.edges[0]
	var (
		n, maxLen  int
		maxLatency time.Duration
	)
	total := int(run / (time.Second / rate))
	for i := range total {
		at := time.Duration(i) * (time.Second / rate)
		r.s.Schedule(sim.Time(at), func() {
			req := &sim.Request{Client: viewer(uint64(i+1), ashburn), Method: "GET", Host: r.d.DomainName(), Path: "/a"}
			r.s.Send(r.d, req, func(req *sim.Request, _ sim.Response) {
				n++
				maxLatency = max(maxLatency, r.s.Now().Sub(req.Start))
			})
			maxLen = max(maxLen, len(edge.viewers)) // right after the Serve that swept
		})
	}
	r.s.Run()
	require.Equal(t, total, n)
	bound := int(float64(rate)*(ka+maxLatency).Seconds()) + 2
	t.Logf("%d viewers: at most %d connections kept (bound %d, longest response %v)", total, maxLen, bound, maxLatency)
	assert.LessOrEqual(t, maxLen, bound, "longest response %v", maxLatency)
	assert.GreaterOrEqual(t, maxLen, int(rate*ka.Seconds()), "the keep-alive window is full")
	assert.LessOrEqual(t, len(edge.viewers), bound)
	assert.Equal(t, len(edge.viewers), idleLen(t, edge), "every connection is idle at the end")
}

// TestViewerKeepAliveModel checks the pruned connection table against the
// plain rule it replaces, for random request times around the keep-alive
// and overlapping requests: a request opens a connection (and pays 2 RTTs)
// iff its viewer has none, or the last use — its opening or an answer
// delivered on it — is more than ViewerKeepAlive ago.
func TestViewerKeepAliveModel(t *testing.T) {
	const ka = 5 * time.Second
	rapid.Check(t, func(rt *rapid.T) {
		s := sim.New(sim.Config{Seed: 1})
		o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 1000, Headers: []sim.Header{{Name: "Cache-Control", Value: "max-age=31536000"}}})
		cf, err := New(s, Config{Edges: []string{"IAD"}, ViewerKeepAlive: ka})
		require.NoError(rt, err)
		d, err := cf.CreateDistribution(simpleDist(o))
		require.NoError(rt, err)
		_, rtt := cf.EdgeFor(ashburn, "")
		send := func(c sim.Client, done func(*sim.Request, sim.Response)) {
			s.Send(d, &sim.Request{Client: c, Method: "GET", Host: d.DomainName(), Path: "/a"}, done)
		}
		var hit time.Duration // a hit's latency on an open connection
		send(viewer(1000, ashburn), nil)
		s.Run() // the miss that fills the cache
		send(viewer(1000, ashburn), func(req *sim.Request, _ sim.Response) { hit = s.Now().Sub(req.Start) })
		s.Run()
		require.Positive(rt, hit)

		last := map[uint64]sim.Time{} // the simple model: never pruned
		gaps := []time.Duration{0, time.Millisecond, 10 * time.Millisecond, ka - 20*time.Millisecond, ka - time.Nanosecond, ka, ka + time.Nanosecond, 2 * ka}
		at := s.Now()
		for i, n := 0, rapid.IntRange(1, 60).Draw(rt, "requests"); i < n; i++ {
			at = at.Add(gaps[rapid.IntRange(0, len(gaps)-1).Draw(rt, "gap")])
			c := viewer(uint64(rapid.IntRange(1, 4).Draw(rt, "viewer")), ashburn)
			s.Schedule(at, func() {
				l, ok := last[c.ID]
				opens := !ok || s.Now().Sub(l) > ka
				if opens {
					last[c.ID] = s.Now()
				}
				send(c, func(req *sim.Request, _ sim.Response) {
					last[c.ID] = s.Now()
					want := hit
					if opens {
						want += 2 * rtt
					}
					assert.Equal(rt, want, s.Now().Sub(req.Start), "viewer %d at %v", c.ID, req.Start)
				})
			})
		}
		s.Run()
		edge := cf.edges[0]
		assert.Equal(rt, len(edge.viewers), idleLen(rt, edge), "all idle at the end")
		for id, c := range edge.viewers {
			assert.LessOrEqual(rt, at.Sub(c.last), ka, "viewer %d kept past its keep-alive", id)
		}
	})
}
