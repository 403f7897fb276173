package workload_test

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/workload"
)

// An open-loop Poisson client at 100 requests/s against a handler that
// answers after 20 ms, with paths drawn from a Zipf popularity.
func Example() {
	s := sim.New(sim.Config{Seed: 1})
	server := sim.HandlerFunc(func(req *sim.Request, reply func(sim.Response)) {
		s.After(20*time.Millisecond, func() { reply(sim.Response{Status: 200}) })
	})
	keys, _ := workload.NewKeys(workload.KeysConfig{Prefix: "/img/", N: 1000, ZipfS: 0.8}, s.Stream("example/keys"))
	clients, _ := workload.NewClients([]workload.Population{
		{Name: "germany", Weight: 3, Country: "DE", Prefixes: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}},
		{Name: "japan", Weight: 1, Country: "JP", Prefixes: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}},
	})
	c, err := workload.NewOpenLoop(s, workload.OpenLoopConfig{
		Name: "web", Target: server, Arrivals: workload.PoissonRate(100),
		Until: sim.Time(time.Minute), Shape: workload.Shape{Host: "example.com", Keys: keys}, Clients: clients,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	s.Run()
	st := c.Stats()
	fmt.Println("about 6000 sent:", st.Sent > 5700 && st.Sent < 6300)
	fmt.Println("all answered:", st.Completed == st.Sent, "p50:", st.Latency.Quantile(0.5).Round(time.Millisecond))
	fmt.Println(s.Requests().Check())
	// Output:
	// about 6000 sent: true
	// all answered: true p50: 20ms
	// <nil>
}

// Replaying a CSV request log twice as fast and recording it as JSON Lines.
func ExampleNewReplay() {
	log := `timestamp,client_ip,method,host,path,bytes
2026-01-01T00:00:00Z,192.0.2.1,GET,example.com,/a,120
2026-01-01T00:00:02Z,192.0.2.2,PUT,example.com,/b,4096
`
	s := sim.New(sim.Config{Seed: 1, Epoch: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	rec, _ := workload.NewRecorder(s, os.Stdout, workload.JSONLines)
	_, err := workload.NewReplay(s, workload.ReplayConfig{
		Name: "log", Target: sim.Fixed(sim.Response{Status: 200}),
		Source: workload.NewCSVReader(strings.NewReader(log)), TimeScale: 0.5, Log: rec,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	s.Run()
	_ = rec.Flush()
	// Output:
	// {"timestamp":"2026-01-01T00:00:00Z","client_ip":"192.0.2.1","method":"GET","host":"example.com","path":"/a","bytes":120}
	// {"timestamp":"2026-01-01T00:00:01Z","client_ip":"192.0.2.2","method":"PUT","host":"example.com","path":"/b","bytes":4096}
}

// A bad line is reported with its line number and field.
func ExampleNewJSONLReader() {
	in := `{"timestamp":"2026-01-01T00:00:00Z","client_ip":"192.0.2.1","method":"GET","host":"h","path":"/","bytes":1}
{"timestamp":"2026-01-01T00:00:01Z","client_ip":"192.0.2.1","method":"GET","host":"h","path":"/","bytes":-5}
`
	_, err := workload.ReadAll(workload.NewJSONLReader(strings.NewReader(in)))
	fmt.Println(err)
	// Output:
	// workload: line 2: field bytes: -5 is negative
}

// Ten users who think 0.9 s on average against a server that answers in
// 100 ms: throughput is N / (R + Z) = 10 / 1.0 s = 10 requests/s.
func ExampleNewClosedLoop() {
	s := sim.New(sim.Config{Seed: 7})
	server := sim.HandlerFunc(func(req *sim.Request, reply func(sim.Response)) {
		s.After(100*time.Millisecond, func() { reply(sim.Response{Status: 200}) })
	})
	c, err := workload.NewClosedLoop(s, workload.ClosedLoopConfig{
		Name: "users", Target: server, Users: 10, Think: workload.Exponential{Mean: 0.9},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	s.RunFor(time.Hour)
	x := float64(c.Stats().Completed) / 3600
	fmt.Printf("throughput %.0f/s, response time %v\n", x, c.Stats().Latency.Mean())
	// Output:
	// throughput 10/s, response time 100ms
}

// The bounded Zipf distribution: with s = 1 over 4 keys the probabilities
// are proportional to 1, 1/2, 1/3, 1/4.
func ExampleNewZipf() {
	z, _ := workload.NewZipf(1, 4)
	for k := range z.Len() {
		fmt.Printf("%.3f ", z.Prob(k))
	}
	fmt.Println()
	// Output:
	// 0.480 0.240 0.160 0.120
}
