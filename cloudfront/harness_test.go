package cloudfront

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
)

// origin is a test origin in us-east-1 that answers after a delay with
// whatever respond returns, and records the requests it saw.
type origin struct {
	s       *sim.Sim
	delay   time.Duration
	respond func(req *sim.Request) sim.Response
	seen    []*sim.Request
}

func (o *origin) Serve(req *sim.Request, reply func(sim.Response)) {
	o.seen = append(o.seen, req)
	resp := o.respond(req)
	if o.delay == 0 {
		reply(resp)
		return
	}
	o.s.After(o.delay, func() { reply(resp) })
}

func fixedOrigin(s *sim.Sim, resp sim.Response) *origin {
	return &origin{s: s, respond: func(*sim.Request) sim.Response { return resp }}
}

// Places viewers sit, next to edge locations.
var (
	ashburn = geo.Point{Lat: 38.95, Lon: -77.45}  // IAD
	newark  = geo.Point{Lat: 40.70, Lon: -74.18}  // EWR
	tokyo   = geo.Point{Lat: 35.77, Lon: 140.39}  // NRT
	paris   = geo.Point{Lat: 49.01, Lon: 2.55}    // CDG
	seattle = geo.Point{Lat: 47.45, Lon: -122.31} // SEA
)

// viewer is a client at p with a distinct ID.
func viewer(id uint64, p geo.Point) sim.Client {
	return sim.Client{ID: id, IP: netip.AddrFrom4([4]byte{198, 51, 100, byte(id)}), Country: "US", Lat: p.Lat, Lon: p.Lon}
}

type rig struct {
	s  *sim.Sim
	cf *CloudFront
	d  *Distribution
}

func newRigOn(t testing.TB, s *sim.Sim, cfg Config, dc DistributionConfig) *rig {
	t.Helper()
	cf, err := New(s, cfg)
	require.NoError(t, err)
	d, err := cf.CreateDistribution(dc)
	require.NoError(t, err)
	return &rig{s: s, cf: cf, d: d}
}

// get sends a GET for path from client c at instant at and returns a
// pointer the response lands in once the run reaches it.
type answer struct {
	resp    sim.Response
	latency time.Duration
	done    bool
	req     *sim.Request
}

func (r *rig) send(at time.Duration, c sim.Client, method, path, query string, hs ...sim.Header) *answer {
	a := &answer{}
	r.s.Schedule(sim.Time(at), func() {
		req := &sim.Request{Client: c, Method: method, Host: r.d.DomainName(), Path: path, Query: query, Headers: hs, Bytes: 500}
		a.req = req
		r.s.Send(r.d, req, func(req *sim.Request, resp sim.Response) {
			a.resp, a.latency, a.done = resp, r.s.Now().Sub(req.Start), true
		})
	})
	return a
}

func (r *rig) get(at time.Duration, c sim.Client, path string) *answer {
	return r.send(at, c, "GET", path, "")
}

func xcache(a *answer) string {
	v, _ := a.resp.Header("X-Cache")
	return v
}

func simpleDist(h sim.Handler) DistributionConfig {
	return DistributionConfig{
		Origins:              []Origin{{ID: "web", DomainName: "web.example.com", Handler: h, Region: "us-east-1"}},
		DefaultCacheBehavior: CacheBehavior{TargetOriginID: "web"},
	}
}
