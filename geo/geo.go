package geo

import (
	"math"
	"sort"
	"strings"
)

// EarthRadiusKm is the mean Earth radius (IUGG R1) used by DistanceKm.
const EarthRadiusKm = 6371.0088

// Point is a position on the Earth in degrees (WGS 84 latitude and longitude).
type Point struct{ Lat, Lon float64 }

// DistanceKm returns the great-circle distance between a and b in
// kilometres, by the haversine formula on a sphere of radius EarthRadiusKm.
// The spherical model is within about 0.5% of the WGS 84 ellipsoid.
func DistanceKm(a, b Point) float64 {
	const rad = math.Pi / 180
	φ1, φ2 := a.Lat*rad, b.Lat*rad
	dφ := φ2 - φ1
	dλ := (b.Lon - a.Lon) * rad
	s1, s2 := math.Sin(dφ/2), math.Sin(dλ/2)
	h := s1*s1 + math.Cos(φ1)*math.Cos(φ2)*s2*s2
	if h > 1 { // rounding near antipodes
		h = 1
	}
	return 2 * EarthRadiusKm * math.Asin(math.Sqrt(h))
}

// Region is an AWS Region.
type Region struct {
	// Code is the Region code, such as "us-east-1".
	Code string
	// Name is the console display name, such as "US East (N. Virginia)".
	Name string
	// Location approximates the Region's data centres by its metro area;
	// AWS does not publish exact sites.
	Location Point
	// AZs are the Availability Zone names offered to new accounts, such as
	// "us-east-1a", in order.
	AZs []string
}

// Regions returns every Region, sorted by Code. The slice and the AZ lists
// are fresh copies the caller may modify.
func Regions() []Region {
	out := make([]Region, len(regions))
	for i, r := range regions {
		out[i] = cloneRegion(r)
	}
	return out
}

// LookupRegion returns the Region with the given code.
func LookupRegion(code string) (Region, bool) {
	i := sort.Search(len(regions), func(i int) bool { return regions[i].Code >= code })
	if i < len(regions) && regions[i].Code == code {
		return cloneRegion(regions[i]), true
	}
	return Region{}, false
}

// RegionOfAZ returns the Region that holds the Availability Zone named az,
// such as "eu-west-1b". Local Zone and zone-ID forms are not recognised.
func RegionOfAZ(az string) (Region, bool) {
	if len(az) < 2 {
		return Region{}, false
	}
	r, ok := LookupRegion(az[:len(az)-1])
	if !ok {
		return Region{}, false
	}
	for _, z := range r.AZs {
		if z == az {
			return r, true
		}
	}
	return Region{}, false
}

func cloneRegion(r Region) Region {
	r.AZs = append([]string(nil), r.AZs...)
	return r
}

// EdgeLocation is a CloudFront point of presence, named by the metro (IATA
// airport) code that appears in the x-amz-cf-pop header, such as "IAD".
type EdgeLocation struct {
	// Code is the metro code, such as "FRA".
	Code string
	// City is the metro's name, such as "Frankfurt am Main".
	City string
	// Country is the ISO 3166-1 alpha-2 code of the metro's country.
	Country string
	// Location is the metro's airport.
	Location Point
	// RegionalEdgeCache is the Region code of the regional edge cache the
	// edge fills from, such as "eu-central-1". AWS does not publish this
	// mapping; the data assigns each edge the nearest regional edge cache by
	// great-circle distance (an assumption).
	RegionalEdgeCache string
}

// EdgeLocations returns every edge location, sorted by Code.
func EdgeLocations() []EdgeLocation { return append([]EdgeLocation(nil), edges...) }

// LookupEdge returns the edge location with the given metro code
// (case-insensitive).
func LookupEdge(code string) (EdgeLocation, bool) {
	code = strings.ToUpper(code)
	i := sort.Search(len(edges), func(i int) bool { return edges[i].Code >= code })
	if i < len(edges) && edges[i].Code == code {
		return edges[i], true
	}
	return EdgeLocation{}, false
}

// RegionalEdgeCaches returns the Region codes that host a CloudFront
// regional edge cache, sorted.
func RegionalEdgeCaches() []string { return append([]string(nil), recRegions...) }

// Country is a country or territory of ISO 3166-1.
type Country struct {
	// Code is the ISO 3166-1 alpha-2 code, such as "JP".
	Code string
	// Name is the short English name.
	Name string
	// Continent is the continent code Route 53 geolocation uses: AF, AN, AS,
	// EU, NA, OC or SA.
	Continent string
	// Location is an approximate geographic centre.
	Location Point
}

// Countries returns every ISO 3166-1 country, sorted by Code.
func Countries() []Country { return append([]Country(nil), countries...) }

// LookupCountry returns the country with the given alpha-2 code
// (case-insensitive).
func LookupCountry(code string) (Country, bool) {
	code = strings.ToUpper(code)
	i := sort.Search(len(countries), func(i int) bool { return countries[i].Code >= code })
	if i < len(countries) && countries[i].Code == code {
		return countries[i], true
	}
	return Country{}, false
}

// Continents returns the seven continent codes, sorted.
func Continents() []string { return []string{"AF", "AN", "AS", "EU", "NA", "OC", "SA"} }
