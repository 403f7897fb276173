package cloudfront

import (
	"github.com/nimbus-sim/nimbus/geo"
)

// Geography is a CloudFront pricing region ("edge zone"): prices for data
// transfer and requests depend on where the serving edge is.
type Geography string

// Pricing geographies, named by the prefix AWS uses in usage types.
const (
	// GeoUS is the United States, Mexico and Canada.
	GeoUS Geography = "US"
	// GeoEU is Europe and Israel.
	GeoEU Geography = "EU"
	// GeoZA is South Africa, Kenya, Nigeria and the Middle East.
	GeoZA Geography = "ZA"
	// GeoSA is South America.
	GeoSA Geography = "SA"
	// GeoJP is Japan.
	GeoJP Geography = "JP"
	// GeoAU is Australia and New Zealand.
	GeoAU Geography = "AU"
	// GeoAP is the rest of Asia Pacific (Hong Kong, Singapore, Korea...).
	GeoAP Geography = "AP"
	// GeoIN is India.
	GeoIN Geography = "IN"
)

// geographies in a fixed order, for per-geography counters.
var geographies = [...]Geography{GeoUS, GeoEU, GeoZA, GeoSA, GeoJP, GeoAU, GeoAP, GeoIN}

func geoIndex(g Geography) int {
	for i, x := range geographies {
		if x == g {
			return i
		}
	}
	return 0
}

// GeographyOf returns the pricing geography of a country code.
func GeographyOf(country string) Geography {
	switch country {
	case "US", "CA", "MX":
		return GeoUS
	case "JP":
		return GeoJP
	case "AU", "NZ":
		return GeoAU
	case "IN":
		return GeoIN
	case "IL":
		return GeoEU
	case "ZA", "KE", "NG", "AE", "BH", "QA", "OM", "KW", "SA", "JO", "EG":
		return GeoZA
	}
	c, _ := geo.LookupCountry(country)
	switch c.Continent {
	case "EU":
		return GeoEU
	case "SA":
		return GeoSA
	case "AF":
		return GeoZA
	case "OC":
		return GeoAU
	case "AS":
		return GeoAP
	}
	return GeoUS
}

// inPriceClass reports whether edges in g serve a distribution of the
// price class.
func inPriceClass(g Geography, class string) bool {
	switch class {
	case PriceClass100:
		return g == GeoUS || g == GeoEU
	case PriceClass200:
		return g != GeoSA && g != GeoAU
	}
	return true
}

// Prices is CloudFront's price table in USD. Maps are keyed by pricing
// geography; a geography missing from a map is charged the GeoUS price.
type Prices struct {
	// DataTransferOutPerGB is the first-10-TB tier price per GB served to
	// viewers. Volume tiers beyond 10 TB per month are not modelled.
	DataTransferOutPerGB map[Geography]float64
	// HTTPRequestsPer10k and HTTPSRequestsPer10k are per 10,000 requests.
	HTTPRequestsPer10k, HTTPSRequestsPer10k map[Geography]float64
	// OriginShieldPer10k is per 10,000 requests where Origin Shield is an
	// extra layer, keyed by the Origin Shield Region's geography.
	OriginShieldPer10k map[Geography]float64
	// InvalidationPerPath is charged per path beyond FreeInvalidationPaths
	// per account per calendar month (a wildcard is one path).
	InvalidationPerPath   float64
	FreeInvalidationPaths int
	// FunctionsPerMillion is CloudFront Functions' price per million
	// invocations.
	FunctionsPerMillion float64
	// FieldLevelEncryptionPer10k is charged per 10,000 requests with
	// field-level encryption, on top of the request fee.
	FieldLevelEncryptionPer10k float64
	// LambdaEdgePerMillion and LambdaEdgePerGBSecond are Lambda@Edge's
	// request and duration prices.
	LambdaEdgePerMillion, LambdaEdgePerGBSecond float64
}

// DefaultPrices returns list prices as of 2023 (aws.amazon.com/cloudfront/
// pricing). The US figures, invalidations and functions are from
// /work/shared/aws; the other geographies' figures and the Origin Shield
// price outside the US are [unverified] and meant to be overridden. The
// always-free tier (1 TB, 10 M requests per month) is not applied: it is
// per account, and the ledger shows gross usage.
func DefaultPrices() Prices {
	return Prices{
		DataTransferOutPerGB: map[Geography]float64{GeoUS: 0.085, GeoEU: 0.085, GeoZA: 0.110, GeoSA: 0.110,
			GeoJP: 0.114, GeoAU: 0.114, GeoAP: 0.120, GeoIN: 0.109},
		HTTPRequestsPer10k: map[Geography]float64{GeoUS: 0.0075, GeoEU: 0.0090, GeoZA: 0.0160, GeoSA: 0.0160,
			GeoJP: 0.0090, GeoAU: 0.0090, GeoAP: 0.0090, GeoIN: 0.0090},
		HTTPSRequestsPer10k: map[Geography]float64{GeoUS: 0.0100, GeoEU: 0.0120, GeoZA: 0.0220, GeoSA: 0.0220,
			GeoJP: 0.0120, GeoAU: 0.0125, GeoAP: 0.0120, GeoIN: 0.0120},
		OriginShieldPer10k:         map[Geography]float64{GeoUS: 0.0075, GeoEU: 0.0075, GeoJP: 0.0090, GeoAP: 0.0090, GeoAU: 0.0090, GeoSA: 0.0160, GeoIN: 0.0090, GeoZA: 0.0160},
		InvalidationPerPath:        0.005,
		FreeInvalidationPaths:      1000,
		FunctionsPerMillion:        0.10,
		FieldLevelEncryptionPer10k: 0.02,
		LambdaEdgePerMillion:       0.60,
		LambdaEdgePerGBSecond:      0.00005001,
	}
}

func price(m map[Geography]float64, g Geography) float64 {
	if p, ok := m[g]; ok {
		return p
	}
	return m[GeoUS]
}
