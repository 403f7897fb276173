package cloudfront

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
)

func groupDist(primary, secondary sim.Handler, criteria ...int) DistributionConfig {
	return DistributionConfig{
		Origins: []Origin{{ID: "primary", Handler: primary, Region: "us-east-1", ResponseTimeout: 5 * time.Second},
			{ID: "secondary", Handler: secondary, Region: "us-west-2"}},
		OriginGroups:         []OriginGroup{{ID: "group", PrimaryOriginID: "primary", SecondaryOriginID: "secondary", FailoverCriteria: criteria}},
		DefaultCacheBehavior: CacheBehavior{TargetOriginID: "group", AllowedMethods: AllMethods},
	}
}

// TestOriginFailover: with the primary answering 503, GETs succeed from
// the secondary; a POST never fails over.
func TestOriginFailover(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	primary := fixedOrigin(s, sim.Response{Status: 503, Reason: "ServiceUnavailable", From: "primary"})
	secondary := fixedOrigin(s, sim.Response{Status: 200, Bytes: 100, From: "secondary"})
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, groupDist(primary, secondary, 500, 502, 503, 504))
	var gets []*answer
	for i := range 5 {
		gets = append(gets, r.get(time.Duration(i)*time.Minute, viewer(1, ashburn), "/page"))
	}
	post := r.send(0, viewer(2, ashburn), "POST", "/form", "")
	s.Run()
	assert.Equal(t, "secondary", gets[0].resp.From)
	for _, a := range gets {
		assert.Equal(t, 200, a.resp.Status)
		assert.Equal(t, int64(100), a.resp.Bytes)
	}
	assert.Equal(t, 503, post.resp.Status, "POST is not retried on the secondary")
	// The first GET fails over; the rest are hits (the secondary's answer
	// is cached for a day).
	st := r.d.Stats()
	assert.Equal(t, uint64(1), st.OriginFailovers)
	assert.Len(t, primary.seen, 2)
	assert.Len(t, secondary.seen, 1)
	assert.Equal(t, uint64(4), st.Hits)
}

// TestFailoverOnTimeout: a primary that never answers times out after its
// ResponseTimeout and the secondary serves; without a group the viewer
// gets 504.
func TestFailoverOnTimeout(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	silent := sim.HandlerFunc(func(*sim.Request, func(sim.Response)) {})
	secondary := fixedOrigin(s, sim.Response{Status: 200, Bytes: 1, From: "secondary"})
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, groupDist(silent, secondary))
	a := r.get(0, viewer(1, ashburn), "/x")
	s.Run()
	assert.Equal(t, 200, a.resp.Status)
	assert.Greater(t, a.latency, 5*time.Second, "waited the primary's ResponseTimeout")
	assert.Less(t, a.latency, 6*time.Second)
	assert.Equal(t, uint64(1), r.d.Stats().OriginTimeouts)

	s2 := sim.New(sim.Config{Seed: 1})
	dc := simpleDist(silent)
	dc.Origins[0].ResponseTimeout = 2 * time.Second
	r2 := newRigOn(t, s2, Config{Edges: []string{"IAD"}}, dc)
	b := r2.get(0, viewer(1, ashburn), "/x")
	s2.Run()
	assert.Equal(t, 504, b.resp.Status)
	assert.Equal(t, "OriginResponseTimeout", b.resp.Reason)
}

// TestConnectionAttempts: an origin that drops every request is tried
// ConnectionAttempts times, ConnectionTimeout apart, then 502.
func TestConnectionAttempts(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	down := fixedOrigin(s, sim.Response{Status: 0, Reason: "ConnectionRefused"})
	dc := simpleDist(down)
	dc.Origins[0].ConnectionTimeout = 2 * time.Second
	dc.Origins[0].ConnectionAttempts = 3
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, dc)
	a := r.get(0, viewer(1, ashburn), "/x")
	s.Run()
	assert.Equal(t, 502, a.resp.Status)
	assert.Len(t, down.seen, 3)
	// Three attempts of 2 s each, plus the viewer's own round trips.
	assert.GreaterOrEqual(t, a.latency, 6*time.Second)
	assert.Less(t, a.latency, 6*time.Second+200*time.Millisecond)
}

// TestRequestCollapsing: concurrent misses for one key at one edge make a
// single origin request; different keys are all forwarded.
func TestRequestCollapsing(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 1000})
	o.delay = 100 * time.Millisecond
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, simpleDist(o))
	var as []*answer
	for i := range 10 {
		as = append(as, r.get(time.Duration(i)*time.Millisecond, viewer(uint64(i+1), ashburn), "/hot"))
	}
	r.get(0, viewer(20, ashburn), "/other")
	s.Run()
	for _, a := range as {
		assert.Equal(t, 200, a.resp.Status)
	}
	assert.Len(t, o.seen, 2)
	assert.Equal(t, uint64(9), r.d.Stats().CollapsedRequests)
	assert.Equal(t, uint64(2), r.d.Stats().OriginRequests)
}

// TestTiers: a second edge behind the same regional edge cache is served
// by the REC; with the REC tier off it goes to the origin; Origin Shield
// consolidates edges behind different RECs into one origin fetch.
func TestTiers(t *testing.T) {
	run := func(cfg Config, shield bool, viewers ...geo.Point) (*rig, *origin) {
		s := sim.New(sim.Config{Seed: 1})
		o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 1000})
		dc := simpleDist(o)
		if shield {
			dc.Origins[0].OriginShield = OriginShield{Enabled: true, Region: "us-east-1"}
		}
		r := newRigOn(t, s, cfg, dc)
		for i, p := range viewers {
			r.get(time.Duration(i)*time.Second, viewer(uint64(i+1), p), "/obj")
		}
		s.Run()
		return r, o
	}
	edges := Config{Edges: []string{"IAD", "EWR", "SEA", "CDG"}}
	r, o := run(edges, false, ashburn, newark)
	recIAD, _ := geo.LookupEdge("IAD")
	recEWR, _ := geo.LookupEdge("EWR")
	require.Equal(t, recIAD.RegionalEdgeCache, recEWR.RegionalEdgeCache, "test assumes IAD and EWR share a REC")
	assert.Len(t, o.seen, 1)
	assert.Equal(t, uint64(1), r.d.Stats().RegionalHits)

	_, o = run(Config{Edges: edges.Edges, DisableRegionalEdgeCaches: true}, false, ashburn, newark)
	assert.Len(t, o.seen, 2)

	// Three RECs (IAD's, SEA's, CDG's) without a shield: three fetches.
	_, o = run(edges, false, ashburn, seattle, paris)
	assert.Len(t, o.seen, 3)
	r, o = run(edges, true, ashburn, seattle, paris)
	assert.Len(t, o.seen, 1)
	assert.Equal(t, uint64(2), r.d.Stats().RegionalHits)
	// Billed where the shield is an extra layer: the RECs outside us-east-1.
	sea, _ := geo.LookupEdge("SEA")
	cdg, _ := geo.LookupEdge("CDG")
	extra := uint64(0)
	for _, e := range []geo.EdgeLocation{recIAD, sea, cdg} {
		if e.RegionalEdgeCache != "us-east-1" {
			extra++
		}
	}
	assert.Equal(t, extra, r.d.Stats().OriginShieldRequests)
}

// TestConnectionModel checks latencies against the formulas: a cold HTTPS
// request costs TCP + TLS 1.3 + request = 3 viewer RTTs, plus processing
// at the edge; a dynamic request through CloudFront beats going straight
// to a distant origin because the edge's origin connection is warm.
func TestConnectionModel(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 100})
	dc := simpleDist(o)
	dc.CacheBehaviors = []CacheBehavior{{PathPattern: "/api/*", TargetOriginID: "web", CachePolicy: &CachingDisabled, AllowedMethods: AllMethods}}
	lat := geo.DefaultLatency()
	r := newRigOn(t, s, Config{Edges: []string{"IAD", "NRT"}, Latency: lat}, dc)
	c := viewer(1, tokyo)
	edge, rttViewer := r.cf.EdgeFor(tokyo, PriceClassAll)
	require.Equal(t, "NRT", edge)
	nrt, _ := geo.LookupEdge("NRT")
	east, _ := geo.LookupRegion("us-east-1")
	rttOrigin := lat.RTT(nrt.Location, east.Location)
	proc := DefaultEdgeProcessing

	cold := r.get(0, c, "/api/a")           // cold viewer, cold origin connection
	warm := r.get(time.Second, c, "/api/b") // both connections warm
	s.Run()
	// Cold: viewer 3 RTTs; edge → origin TCP + TLS + request = 3 RTTs.
	assert.Equal(t, 3*rttViewer+proc+3*rttOrigin, cold.latency)
	// Warm: one viewer RTT, one origin RTT.
	assert.Equal(t, rttViewer+proc+rttOrigin, warm.latency)
	// Going straight to the origin costs 3 long RTTs for a new connection.
	direct := 3 * lat.RTT(tokyo, east.Location)
	assert.Less(t, warm.latency, direct)
	assert.Less(t, 3*rttViewer+proc+rttOrigin, direct, "even a new viewer connection wins once the edge's origin connection is warm")

	// Keep-alive lapses after 5 s of idleness.
	s2 := sim.New(sim.Config{Seed: 1})
	r2 := newRigOn(t, s2, Config{Edges: []string{"NRT"}, Latency: lat}, simpleDist(fixedOrigin(s2, sim.Response{Status: 200})))
	r2.d.behaviors[0].policy = CachingDisabled
	a := r2.get(0, viewer(1, tokyo), "/x")
	b := r2.get(10*time.Second, viewer(2, tokyo), "/x")
	s2.Run()
	assert.Equal(t, a.latency, b.latency, "origin connection went cold again")
}
