package billing_test

import (
	"fmt"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
)

// A 90-minute c7g.large run and 50 GB served to the internet, reported by
// team tag and for the first hour only.
func Example() {
	ledger := billing.NewLedger()
	prices := billing.DefaultPrices()
	web := billing.Resource{Service: billing.ServiceEC2, ID: "i-0web", Region: "us-east-1",
		Tags: map[string]string{"team": "web"}}

	start, end := sim.Time(0), sim.Time(90*time.Minute)
	box, _ := web.PerSecond("BoxUsage:c7g.large", start, end, time.Minute, 0.0725)
	ledger.Add(box)
	rate, _ := prices.Rate(billing.ServiceEC2, billing.UsageDataTransferOut)
	egress, _ := web.PerGB(billing.UsageDataTransferOut, end, end, 50<<30, rate)
	ledger.Add(egress)

	fmt.Printf("total $%.5f\n", ledger.Total())
	for _, c := range ledger.ByTag("team") {
		fmt.Printf("team=%s $%.5f\n", c.Key, c.USD)
	}
	fmt.Printf("first hour $%.5f\n", ledger.Window(0, sim.Time(time.Hour)).Total())
	// Output:
	// total $4.60875
	// team=web $4.60875
	// first hour $0.07250
}
