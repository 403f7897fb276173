package s3

import (
	"fmt"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// BenchmarkGet measures simulated GETs through the bucket's handler: a
// generator event sends anonymous GETs at a fixed interval of virtual
// time, drawn from a hot set of 10,000 keys over 1,000 prefixes (under the
// rate limits), to a public-read bucket; each GET is authorized by the
// policy, admitted by its prefix's token bucket and answered after a
// sampled latency (default model: about 36 ms mean) or, in the nolatency
// case, at once. The GETs/s metric counts completed GETs per second of
// host time; in-flight is the mean number of GETs awaiting their reply.
//
// The in-flight count sets the cost: each GET's state is touched again
// when its reply fires, and with tens of thousands in flight that state
// has left the CPU caches by then. 1,000 in flight is a busy bucket
// (28,000 GET/s); 36,000 is a million GET/s on one bucket.
func BenchmarkGet(b *testing.B) {
	for _, tc := range []struct {
		name  string
		perf  Performance
		every time.Duration
	}{
		{"inflight=1000", Performance{}, 36 * time.Microsecond},
		{"inflight=36000", Performance{}, time.Microsecond},
		{"nolatency", Performance{NoLatency: true}, time.Microsecond},
	} {
		b.Run(tc.name, func(b *testing.B) { benchGet(b, tc.perf, tc.every) })
	}
}

func benchGet(b *testing.B, perf Performance, every time.Duration) {
	s := sim.New(sim.Config{Seed: 1})
	svc, _ := New(s, Config{Performance: perf})
	bk, _ := svc.CreateBucket(BucketConfig{Name: "bench", PublicAccessBlock: &PublicAccessBlock{}})
	if err := bk.PutBucketPolicy(PublicReadPolicy(bk.ARN())); err != nil {
		b.Fatal(err)
	}
	const nkeys = 10_000
	paths := make([]string, nkeys)
	for i := range paths {
		k := fmt.Sprintf("p%04d/obj-%03d.jpg", i%1000, i/1000)
		paths[i] = "/" + k
		bk.PutObject(k, PutObjectInput{Size: 20_000})
	}
	// The client recycles finished requests (Request.Reset), so the
	// figure is the cost of S3 and the event loop rather than of the load
	// generator's allocations.
	var free []*sim.Request
	ok := 0
	done := func(req *sim.Request, r sim.Response) {
		if r.Status == 200 {
			ok++
		}
		free = append(free, req)
	}
	r := s.Stream("bench/keys")
	sent, inflight := 0, uint64(0)
	var gen func()
	gen = func() {
		if sent == b.N {
			return
		}
		sent++
		inflight += s.Requests().InFlight()
		var req *sim.Request
		if n := len(free); n > 0 {
			req, free = free[n-1], free[:n-1]
			req.Reset()
		} else {
			req = &sim.Request{Hops: make([]sim.Hop, 0, 1)}
		}
		req.Method, req.Path = "GET", paths[r.IntN(nkeys)]
		s.Send(bk, req, done)
		s.After(every, gen)
	}
	b.ReportAllocs()
	b.ResetTimer()
	s.After(0, gen)
	for ok < b.N && s.Step() {
	}
	b.StopTimer()
	if ok != b.N {
		b.Fatalf("%d of %d GETs succeeded", ok, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "GETs/s")
	b.ReportMetric(float64(inflight)/float64(sent), "in-flight")
}

// BenchmarkGetDirect measures the owner's GetObject API call (no event
// loop, no latency or access model) on a million keys.
func BenchmarkGetDirect(b *testing.B) {
	s := sim.New(sim.Config{Seed: 1})
	svc, _ := New(s, Config{})
	bk, _ := svc.CreateBucket(BucketConfig{Name: "bench"})
	keys := make([]string, 1_000_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("p%04d/obj-%03d.jpg", i%10000, i/10000)
		bk.PutObject(keys[i], PutObjectInput{Size: 20_000})
	}
	var in GetObjectInput
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, _, err, _ := bk.getObject(keys[i%len(keys)], &in, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "GETs/s")
}

var listBench struct {
	bucket *Bucket
	keys   int
}

// BenchmarkList lists 1,000-key pages at random points of a bucket holding
// 10 million keys (1,000 tenants × 10,000 objects), flat and with a
// delimiter. Building the bucket takes a while and a few GB; it happens
// once per process, only when this benchmark runs.
func BenchmarkList(b *testing.B) {
	const tenants, perTenant = 1000, 10_000
	if listBench.bucket == nil {
		s := sim.New(sim.Config{Seed: 1})
		svc, _ := New(s, Config{})
		bk, _ := svc.CreateBucket(BucketConfig{Name: "ten-million"})
		for t := range tenants {
			for o := range perTenant {
				if _, err := bk.PutObject(fmt.Sprintf("tenant-%04d/obj-%05d", t, o), PutObjectInput{Size: 1}); err != nil {
					b.Fatal(err)
				}
			}
		}
		listBench.bucket, listBench.keys = bk, bk.Len()
	}
	bk := listBench.bucket
	if listBench.keys != tenants*perTenant {
		b.Fatalf("%d keys", listBench.keys)
	}
	r := sim.NewStream(1, "bench/list")
	b.Run("flat", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			out, _ := bk.ListObjectsV2(ListObjectsV2Input{StartAfter: fmt.Sprintf("tenant-%04d/obj-%05d", r.IntN(tenants), r.IntN(perTenant-1000))})
			if out.KeyCount != 1000 {
				b.Fatal(out.KeyCount)
			}
		}
		b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "keys/s")
	})
	b.Run("delimiter", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			out, _ := bk.ListObjectsV2(ListObjectsV2Input{Delimiter: "/", MaxKeys: 100, StartAfter: fmt.Sprintf("tenant-%04d", r.IntN(tenants-100))})
			if len(out.CommonPrefixes) != 100 {
				b.Fatal(len(out.CommonPrefixes))
			}
		}
	})
}

// BenchmarkServe measures the bucket's own handler cost for an anonymous
// GET of a public object with latency off: policy, rate limit, lookup,
// response headers and the hop, without the event loop or Sim.Send.
func BenchmarkServe(b *testing.B) {
	s := sim.New(sim.Config{Seed: 1})
	svc, _ := New(s, Config{Performance: Performance{NoLatency: true, NoRateLimits: true}})
	bk, _ := svc.CreateBucket(BucketConfig{Name: "bench", PublicAccessBlock: &PublicAccessBlock{}})
	if err := bk.PutBucketPolicy(PublicReadPolicy(bk.ARN())); err != nil {
		b.Fatal(err)
	}
	paths := make([]string, 10_000)
	for i := range paths {
		k := fmt.Sprintf("p%04d/obj-%03d.jpg", i%1000, i/1000)
		paths[i] = "/" + k
		bk.PutObject(k, PutObjectInput{Size: 20_000})
	}
	req := &sim.Request{Method: "GET"}
	ok := 0
	reply := func(r sim.Response) {
		if r.Status == 200 {
			ok++
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req.Path, req.Hops = paths[i%len(paths)], req.Hops[:0]
		bk.Serve(req, reply)
	}
	if ok != b.N {
		b.Fatal(ok)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "GETs/s")
}
