package geo

import "sort"

// edges lists CloudFront edge metros (outside mainland China) by the code
// CloudFront uses in x-amz-cf-pop, with the metro's main airport as the
// location. The RegionalEdgeCache of each is filled in by withNearestREC.
var edges = withNearestREC([]EdgeLocation{
	// North America
	{Code: "ATL", City: "Atlanta", Country: "US", Location: Point{33.64, -84.43}},
	{Code: "BOS", City: "Boston", Country: "US", Location: Point{42.36, -71.01}},
	{Code: "DEN", City: "Denver", Country: "US", Location: Point{39.86, -104.67}},
	{Code: "DFW", City: "Dallas", Country: "US", Location: Point{32.90, -97.04}},
	{Code: "EWR", City: "Newark", Country: "US", Location: Point{40.69, -74.17}},
	{Code: "HIO", City: "Hillsboro", Country: "US", Location: Point{45.54, -122.95}},
	{Code: "IAD", City: "Ashburn", Country: "US", Location: Point{38.94, -77.46}},
	{Code: "IAH", City: "Houston", Country: "US", Location: Point{29.98, -95.34}},
	{Code: "JAX", City: "Jacksonville", Country: "US", Location: Point{30.49, -81.69}},
	{Code: "JFK", City: "New York", Country: "US", Location: Point{40.64, -73.78}},
	{Code: "LAX", City: "Los Angeles", Country: "US", Location: Point{33.94, -118.41}},
	{Code: "MCI", City: "Kansas City", Country: "US", Location: Point{39.30, -94.71}},
	{Code: "MIA", City: "Miami", Country: "US", Location: Point{25.79, -80.29}},
	{Code: "MSP", City: "Minneapolis", Country: "US", Location: Point{44.88, -93.22}},
	{Code: "ORD", City: "Chicago", Country: "US", Location: Point{41.98, -87.90}},
	{Code: "PHL", City: "Philadelphia", Country: "US", Location: Point{39.87, -75.24}},
	{Code: "PHX", City: "Phoenix", Country: "US", Location: Point{33.43, -112.01}},
	{Code: "PDX", City: "Portland", Country: "US", Location: Point{45.59, -122.60}},
	{Code: "SEA", City: "Seattle", Country: "US", Location: Point{47.45, -122.31}},
	{Code: "SFO", City: "San Francisco", Country: "US", Location: Point{37.62, -122.38}},
	{Code: "SLC", City: "Salt Lake City", Country: "US", Location: Point{40.79, -111.98}},
	{Code: "HNL", City: "Honolulu", Country: "US", Location: Point{21.32, -157.92}},
	{Code: "ANC", City: "Anchorage", Country: "US", Location: Point{61.17, -150.00}},
	{Code: "YUL", City: "Montreal", Country: "CA", Location: Point{45.47, -73.74}},
	{Code: "YTO", City: "Toronto", Country: "CA", Location: Point{43.68, -79.63}},
	{Code: "YVR", City: "Vancouver", Country: "CA", Location: Point{49.19, -123.18}},
	{Code: "QRO", City: "Querétaro", Country: "MX", Location: Point{20.62, -100.19}},
	{Code: "MEX", City: "Mexico City", Country: "MX", Location: Point{19.44, -99.07}},
	// South America
	{Code: "BOG", City: "Bogotá", Country: "CO", Location: Point{4.70, -74.14}},
	{Code: "EZE", City: "Buenos Aires", Country: "AR", Location: Point{-34.82, -58.54}},
	{Code: "FOR", City: "Fortaleza", Country: "BR", Location: Point{-3.78, -38.53}},
	{Code: "GIG", City: "Rio de Janeiro", Country: "BR", Location: Point{-22.81, -43.25}},
	{Code: "GRU", City: "São Paulo", Country: "BR", Location: Point{-23.43, -46.47}},
	{Code: "LIM", City: "Lima", Country: "PE", Location: Point{-12.02, -77.11}},
	{Code: "SCL", City: "Santiago", Country: "CL", Location: Point{-33.39, -70.79}},
	// Europe
	{Code: "AMS", City: "Amsterdam", Country: "NL", Location: Point{52.31, 4.76}},
	{Code: "ARN", City: "Stockholm", Country: "SE", Location: Point{59.65, 17.92}},
	{Code: "ATH", City: "Athens", Country: "GR", Location: Point{37.94, 23.94}},
	{Code: "BCN", City: "Barcelona", Country: "ES", Location: Point{41.30, 2.08}},
	{Code: "BRU", City: "Brussels", Country: "BE", Location: Point{50.90, 4.48}},
	{Code: "BUD", City: "Budapest", Country: "HU", Location: Point{47.44, 19.26}},
	{Code: "CDG", City: "Paris", Country: "FR", Location: Point{49.01, 2.55}},
	{Code: "CPH", City: "Copenhagen", Country: "DK", Location: Point{55.62, 12.65}},
	{Code: "DUB", City: "Dublin", Country: "IE", Location: Point{53.42, -6.27}},
	{Code: "DUS", City: "Düsseldorf", Country: "DE", Location: Point{51.29, 6.77}},
	{Code: "FCO", City: "Rome", Country: "IT", Location: Point{41.80, 12.25}},
	{Code: "FRA", City: "Frankfurt am Main", Country: "DE", Location: Point{50.04, 8.56}},
	{Code: "HAM", City: "Hamburg", Country: "DE", Location: Point{53.63, 9.99}},
	{Code: "HEL", City: "Helsinki", Country: "FI", Location: Point{60.32, 24.96}},
	{Code: "LHR", City: "London", Country: "GB", Location: Point{51.47, -0.45}},
	{Code: "LIS", City: "Lisbon", Country: "PT", Location: Point{38.77, -9.13}},
	{Code: "MAD", City: "Madrid", Country: "ES", Location: Point{40.47, -3.56}},
	{Code: "MAN", City: "Manchester", Country: "GB", Location: Point{53.35, -2.27}},
	{Code: "MRS", City: "Marseille", Country: "FR", Location: Point{43.44, 5.22}},
	{Code: "MUC", City: "Munich", Country: "DE", Location: Point{48.35, 11.79}},
	{Code: "MXP", City: "Milan", Country: "IT", Location: Point{45.63, 8.72}},
	{Code: "OSL", City: "Oslo", Country: "NO", Location: Point{60.19, 11.10}},
	{Code: "OTP", City: "Bucharest", Country: "RO", Location: Point{44.57, 26.08}},
	{Code: "PRG", City: "Prague", Country: "CZ", Location: Point{50.10, 14.26}},
	{Code: "SOF", City: "Sofia", Country: "BG", Location: Point{42.70, 23.41}},
	{Code: "TXL", City: "Berlin", Country: "DE", Location: Point{52.37, 13.50}},
	{Code: "VIE", City: "Vienna", Country: "AT", Location: Point{48.11, 16.57}},
	{Code: "WAW", City: "Warsaw", Country: "PL", Location: Point{52.17, 20.97}},
	{Code: "ZAG", City: "Zagreb", Country: "HR", Location: Point{45.74, 16.07}},
	{Code: "ZRH", City: "Zurich", Country: "CH", Location: Point{47.46, 8.55}},
	{Code: "IST", City: "Istanbul", Country: "TR", Location: Point{41.26, 28.74}},
	// Middle East and Africa
	{Code: "BAH", City: "Manama", Country: "BH", Location: Point{26.27, 50.63}},
	{Code: "CAI", City: "Cairo", Country: "EG", Location: Point{30.12, 31.41}},
	{Code: "CPT", City: "Cape Town", Country: "ZA", Location: Point{-33.97, 18.60}},
	{Code: "DXB", City: "Dubai", Country: "AE", Location: Point{25.25, 55.36}},
	{Code: "FJR", City: "Fujairah", Country: "AE", Location: Point{25.11, 56.32}},
	{Code: "JED", City: "Jeddah", Country: "SA", Location: Point{21.68, 39.16}},
	{Code: "JNB", City: "Johannesburg", Country: "ZA", Location: Point{-26.14, 28.25}},
	{Code: "LOS", City: "Lagos", Country: "NG", Location: Point{6.58, 3.32}},
	{Code: "NBO", City: "Nairobi", Country: "KE", Location: Point{-1.32, 36.93}},
	{Code: "TLV", City: "Tel Aviv", Country: "IL", Location: Point{32.01, 34.89}},
	// Asia Pacific
	{Code: "AKL", City: "Auckland", Country: "NZ", Location: Point{-37.01, 174.79}},
	{Code: "BKK", City: "Bangkok", Country: "TH", Location: Point{13.69, 100.75}},
	{Code: "BLR", City: "Bengaluru", Country: "IN", Location: Point{13.20, 77.71}},
	{Code: "BNE", City: "Brisbane", Country: "AU", Location: Point{-27.38, 153.12}},
	{Code: "BOM", City: "Mumbai", Country: "IN", Location: Point{19.09, 72.87}},
	{Code: "CCU", City: "Kolkata", Country: "IN", Location: Point{22.65, 88.45}},
	{Code: "CGK", City: "Jakarta", Country: "ID", Location: Point{-6.13, 106.66}},
	{Code: "DEL", City: "New Delhi", Country: "IN", Location: Point{28.56, 77.10}},
	{Code: "HAN", City: "Hanoi", Country: "VN", Location: Point{21.22, 105.81}},
	{Code: "HKG", City: "Hong Kong", Country: "HK", Location: Point{22.31, 113.92}},
	{Code: "HYD", City: "Hyderabad", Country: "IN", Location: Point{17.24, 78.43}},
	{Code: "ICN", City: "Seoul", Country: "KR", Location: Point{37.46, 126.44}},
	{Code: "KIX", City: "Osaka", Country: "JP", Location: Point{34.43, 135.23}},
	{Code: "KUL", City: "Kuala Lumpur", Country: "MY", Location: Point{2.75, 101.71}},
	{Code: "MAA", City: "Chennai", Country: "IN", Location: Point{12.99, 80.17}},
	{Code: "MEL", City: "Melbourne", Country: "AU", Location: Point{-37.67, 144.84}},
	{Code: "MNL", City: "Manila", Country: "PH", Location: Point{14.51, 121.02}},
	{Code: "NRT", City: "Tokyo", Country: "JP", Location: Point{35.77, 140.39}},
	{Code: "PER", City: "Perth", Country: "AU", Location: Point{-31.94, 115.97}},
	{Code: "SGN", City: "Ho Chi Minh City", Country: "VN", Location: Point{10.82, 106.65}},
	{Code: "SIN", City: "Singapore", Country: "SG", Location: Point{1.36, 103.99}},
	{Code: "SYD", City: "Sydney", Country: "AU", Location: Point{-33.95, 151.18}},
	{Code: "TPE", City: "Taipei", Country: "TW", Location: Point{25.08, 121.23}},
})

// withNearestREC sorts es by Code and sets each RegionalEdgeCache to the
// nearest Region in recRegions (ties broken by Region code order).
func withNearestREC(es []EdgeLocation) []EdgeLocation {
	sort.Slice(es, func(i, j int) bool { return es[i].Code < es[j].Code })
	for i := range es {
		best := -1.0
		for _, code := range recRegions {
			r, _ := LookupRegion(code)
			if d := DistanceKm(es[i].Location, r.Location); best < 0 || d < best {
				best, es[i].RegionalEdgeCache = d, code
			}
		}
	}
	return es
}
