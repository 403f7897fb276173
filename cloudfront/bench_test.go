package cloudfront

import (
	"testing"

	"github.com/nimbus-sim/nimbus/sim"
)

// BenchmarkEdgeHit measures simulated cache hits per second of host time:
// viewer requests from warm connections for objects already at the edge,
// each going through Send, edge selection, the cache lookup, the two events
// of the request's trip and the books.
func BenchmarkEdgeHit(b *testing.B) {
	s := sim.New(sim.Config{Seed: 1})
	o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 10000, Headers: []sim.Header{{Name: "Cache-Control", Value: "max-age=31536000"}}})
	cf, err := New(s, Config{Edges: []string{"IAD", "EWR", "ORD"}})
	if err != nil {
		b.Fatal(err)
	}
	d, err := cf.CreateDistribution(simpleDist(o))
	if err != nil {
		b.Fatal(err)
	}
	const batch = 1024
	paths := []string{"/a.js", "/b.css", "/c.png", "/d.html"}
	reqs := make([]sim.Request, batch)
	c := viewer(1, ashburn)
	for i := range reqs {
		reqs[i] = sim.Request{Client: c, Method: "GET", Host: d.DomainName(), Path: paths[i%len(paths)], Hops: make([]sim.Hop, 0, 1)}
	}
	send := func(n int) {
		for i := range reqs[:n] {
			r := &reqs[i]
			r.ID, r.Hops = 0, r.Hops[:0]
			s.Send(d, r, nil)
		}
		s.Run()
	}
	send(len(paths)) // fill the cache
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		send(min(batch, b.N-done))
	}
	b.StopTimer()
	if st := d.Stats(); st.Hits < uint64(b.N) {
		b.Fatalf("%d hits for %d requests", st.Hits, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hits/s")
}
