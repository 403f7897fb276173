package geo_test

import (
	"fmt"

	"github.com/nimbus-sim/nimbus/geo"
)

func Example() {
	virginia, _ := geo.LookupRegion("us-east-1")
	ireland, _ := geo.LookupRegion("eu-west-1")
	fmt.Println(virginia.Name, virginia.AZs)
	fmt.Printf("%.0f km\n", geo.DistanceKm(virginia.Location, ireland.Location))
	fmt.Println(geo.DefaultLatency().RTT(virginia.Location, ireland.Location).Round(100000))

	fra, _ := geo.LookupEdge("FRA")
	de, _ := geo.LookupCountry(fra.Country)
	fmt.Println(fra.City, de.Name, de.Continent, "fills from", fra.RegionalEdgeCache)
	// Output:
	// US East (N. Virginia) [us-east-1a us-east-1b us-east-1c us-east-1d us-east-1e us-east-1f]
	// 5466 km
	// 76.3ms
	// Frankfurt am Main Germany EU fills from eu-central-1
}
