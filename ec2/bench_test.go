package ec2

import (
	"fmt"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// BenchmarkInstanceServe pushes Poisson requests with exponential work
// through one instance at ρ = 0.8 and reports simulated requests per second
// of host time (arrival event, service, completion event, reply). Requests
// are recycled from a ring far larger than the queue ever grows, and the
// reply is one closure, so the figure is the instance's own cost.
func BenchmarkInstanceServe(b *testing.B) {
	for _, tc := range []struct {
		vcpus int
		disc  Discipline
	}{{1, FCFS}, {4, FCFS}, {16, FCFS}, {4, ProcessorSharing}} {
		b.Run(fmt.Sprintf("vcpus=%d/%s", tc.vcpus, tc.disc), func(b *testing.B) {
			s := sim.New(sim.Config{Seed: 1})
			cat := NewCatalog()
			typ := testType(tc.vcpus)
			if err := cat.Add(typ); err != nil {
				b.Fatal(err)
			}
			cfg := Config{Catalog: cat}
			fastBoot(&cfg)
			e, err := New(s, cfg)
			if err != nil {
				b.Fatal(err)
			}
			sn, _ := NewBasicSubnet("subnet-a", "us-east-1a", mustPrefix("10.0.0.0/24"))
			inst, err := e.Launch(LaunchSpec{InstanceType: typ.Name, Subnet: sn, Server: ServerConfig{Discipline: tc.disc}})
			if err != nil {
				b.Fatal(err)
			}
			s.RunFor(time.Minute)

			const mean = 10 * time.Millisecond // work per request
			gap := float64(mean) / (0.8 * float64(tc.vcpus))
			arr, work := s.Stream("bench/arrivals"), s.Stream("bench/work")
			reqs := make([]sim.Request, 1<<12)
			done := 0
			reply := func(r sim.Response) {
				done++
				if done == b.N {
					s.Stop()
				}
			}
			sent := 0
			var next func()
			next = func() {
				r := &reqs[sent&(len(reqs)-1)]
				r.Hops = r.Hops[:0]
				r.Work = time.Duration(work.ExpFloat64() * float64(mean))
				sent++
				inst.Serve(r, reply)
				if sent < b.N {
					s.After(time.Duration(arr.ExpFloat64()*gap), next)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			s.After(0, next)
			s.Run()
			b.StopTimer()
			if done != b.N {
				b.Fatalf("done %d of %d", done, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
		})
	}
}
