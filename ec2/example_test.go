package ec2_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/ec2"
	"github.com/nimbus-sim/nimbus/sim"
)

// Launch a c7g.large, send it three requests at once and read the bill:
// two vCPUs serve two requests at a time, so the third waits.
func Example() {
	s := sim.New(sim.Config{Seed: 1})
	ledger := billing.NewLedger()
	svc, _ := ec2.New(s, ec2.Config{
		Billing:     ledger,
		PendingTime: ec2.Constant(15 * time.Second),
		BootTime:    ec2.Constant(30 * time.Second),
	})
	subnet, _ := ec2.NewBasicSubnet("subnet-a", "us-east-1a", netip.MustParsePrefix("10.0.1.0/24"))
	inst, err := svc.Launch(ec2.LaunchSpec{InstanceType: "c7g.large", Subnet: subnet,
		Tags: map[string]string{"app": "web"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	s.RunFor(time.Minute)
	fmt.Println(inst.State(), inst.PrivateIP(), inst.Ready())

	for k := 0; k < 3; k++ {
		s.Send(inst, &sim.Request{Work: 200 * time.Millisecond}, func(r *sim.Request, resp sim.Response) {
			fmt.Println(resp.Status, s.Now().Sub(r.Start))
		})
	}
	s.RunFor(time.Minute)
	_ = inst.Terminate()
	s.RunFor(time.Minute)
	for _, c := range ledger.ByTag("app") {
		fmt.Printf("app=%s $%.6f\n", c.Key, c.USD)
	}
	// Output:
	// running 10.0.1.4 true
	// 200 200ms
	// 200 200ms
	// 200 400ms
	// app=web $0.002115
}
