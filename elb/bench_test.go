package elb

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/sim"
)

// BenchmarkALBRequest sends requests through an ALB to 8 c7g.large
// instances (FCFS, 1 ms of work each) at 40% utilisation and reports
// simulated requests per second of host time.
func BenchmarkALBRequest(b *testing.B) {
	for _, alg := range []Algorithm{RoundRobin, LeastOutstandingRequests} {
		b.Run(string(alg), func(b *testing.B) {
			s := sim.New(sim.Config{Seed: 1})
			svc, _ := ec2.New(s, ec2.Config{})
			lb, tg := newALB(b, s, TargetGroupConfig{Algorithm: alg})
			for i := 0; i < 8; i++ {
				sub, _ := ec2.NewBasicSubnet(fmt.Sprintf("subnet-%d", i), zones[i%2], netip.MustParsePrefix(fmt.Sprintf("10.0.%d.0/24", i)))
				inst, err := svc.Launch(ec2.LaunchSpec{InstanceType: "c7g.large", Subnet: sub})
				if err != nil {
					b.Fatal(err)
				}
				_ = tg.Register(inst)
			}
			// Instances answer 35–80 s after launch, so they fail the first
			// two checks of each node and then need five passes at each:
			// the second node, checking 15 s after the first, sees the last
			// of them healthy at 225 s at the latest.
			s.RunFor(4 * time.Minute)
			if h := tg.HealthyCount(); h != 8 {
				b.Fatalf("%d of 8 targets healthy", h)
			}
			r := s.Stream("bench")
			// 8 instances × 2 vCPUs × 1000 req/s each at 40%: 6,400 req/s.
			mean := float64(time.Second) / 6400
			req := make([]sim.Request, 1024)
			n := 0
			var next func()
			next = func() {
				q := &req[n%len(req)]
				q.Reset()
				q.Client, q.Work = sim.Client{ID: uint64(n % 5000)}, time.Millisecond
				s.Send(lb, q, nil)
				n++
				if n < b.N {
					s.After(time.Duration(r.ExpFloat64()*mean), next)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			s.Schedule(s.Now(), next)
			for n < b.N {
				s.RunFor(time.Second)
			}
			s.RunFor(time.Minute)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
			if got := s.Requests().CompletedClass(2); got != uint64(b.N) {
				b.Fatalf("completed %d of %d", got, b.N)
			}
		})
	}
}
