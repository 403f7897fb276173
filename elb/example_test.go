package elb_test

import (
	"fmt"
	"time"

	"github.com/nimbus-sim/nimbus/elb"
	"github.com/nimbus-sim/nimbus/sim"
)

// An ALB across two zones sends /api/* to one target group and answers
// everything else with a fixed 404; round robin spreads the API requests.
func Example() {
	s := sim.New(sim.Config{Seed: 1})
	lb, _ := elb.New(s, elb.Config{Name: "web", AvailabilityZones: []string{"us-east-1a", "us-east-1b"}})
	api, _ := elb.NewTargetGroup(s, elb.Application, elb.TargetGroupConfig{Name: "api"})
	_, err := lb.AddListener(elb.ListenerConfig{
		DefaultAction: elb.Action{Type: elb.FixedResponse, StatusCode: 404},
		Rules: []elb.Rule{{Priority: 10,
			Conditions: []elb.Condition{{Field: elb.PathPattern, Values: []string{"/api/*"}}},
			Action:     elb.Action{Type: elb.Forward, TargetGroups: []elb.WeightedTargetGroup{{TargetGroup: api, Weight: 1}}}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, az := range []string{"us-east-1a", "us-east-1b", "us-east-1a"} {
		id := fmt.Sprintf("i-%d", i)
		_ = api.Register(elb.HandlerTarget(id, az, sim.Fixed(sim.Response{Status: 200, From: id})))
	}
	// One passed health check makes a new ALB target healthy; the node in
	// the second zone first checks 15 s (half the interval) after the first.
	s.RunFor(16 * time.Second)
	count := map[string]int{}
	for i := 0; i < 7; i++ {
		path := "/api/items"
		if i == 6 {
			path = "/nowhere"
		}
		s.Send(lb, &sim.Request{Method: "GET", Path: path}, func(_ *sim.Request, r sim.Response) {
			count[fmt.Sprint(r.Status, " ", r.From)]++
		})
	}
	s.RunFor(time.Second)
	fmt.Println(count["200 i-0"], count["200 i-1"], count["200 i-2"], count["404 elb:web"])
	// Output: 2 2 2 1
}
