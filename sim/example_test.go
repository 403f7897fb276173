package sim_test

import (
	"fmt"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// A server that takes 20 ms per request, driven by one request every 10 ms.
func Example() {
	s := sim.New(sim.Config{Seed: 42})
	lat := sim.NewHistogram()
	server := sim.HandlerFunc(func(req *sim.Request, reply func(sim.Response)) {
		s.After(20*time.Millisecond, func() { reply(sim.Response{Status: 200}) })
	})
	s.Every(0, 10*time.Millisecond, func(sim.Time) {
		s.Send(server, &sim.Request{Method: "GET", Path: "/"}, func(r *sim.Request, _ sim.Response) {
			lat.Record(s.Now().Sub(r.Start))
		})
	})
	s.RunFor(time.Second)
	fmt.Println(s.Requests())
	fmt.Println("mean latency:", lat.Mean())
	// Output:
	// generated=101 completed=99 (2xx=99 3xx=0 4xx=0 5xx=0) failed=0 in_flight=2
	// mean latency: 20ms
}

// Timers can be cancelled and rescheduled through their handles.
func ExampleSim_Reschedule() {
	s := sim.New(sim.Config{})
	t := s.After(time.Minute, func() { fmt.Println("fired at", s.Now()) })
	t, _ = s.Reschedule(t, sim.Time(90*time.Second))
	s.Run()
	fmt.Println(s.Pending(t))
	// Output:
	// fired at +1m30s
	// false
}

// Each component draws from its own stream, so the numbers it sees depend
// only on the seed and the stream's name.
func ExampleSim_Stream() {
	a := sim.New(sim.Config{Seed: 1})
	b := sim.New(sim.Config{Seed: 1})
	b.Stream("another-component").Float64()
	fmt.Println(a.Stream("elb").IntN(1000) == b.Stream("elb").IntN(1000))
	// Output: true
}
