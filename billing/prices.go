package billing

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// ErrUnknownPrice is wrapped by lookups of a (service, usage type) that the
// table has no rate for.
var ErrUnknownPrice = errors.New("billing: unknown price")

// Price is the rate of one usage type of one service.
type Price struct {
	// Service is the AWS product code, such as "AmazonEC2".
	Service string
	// UsageType is AWS's usage type, such as "DataTransfer-Regional-Bytes".
	UsageType string
	// Unit is what Rate is per: "Hrs", "GB", "Requests", "GB-Mo", ...
	Unit string
	// Rate is USD per Unit.
	Rate float64
	// Note says where the figure comes from or what it assumes.
	Note string
}

type priceKey struct{ service, usageType string }

// PriceTable maps (service, usage type) to a Price. The zero value is not
// usable; build one with NewPriceTable or DefaultPrices.
type PriceTable struct {
	m map[priceKey]Price
}

// NewPriceTable returns an empty table.
func NewPriceTable() *PriceTable { return &PriceTable{m: map[priceKey]Price{}} }

// Usage types of the default price table. Services that charge these use
// the same names, so one override reprices every service.
const (
	UsageDataTransferRegional = "DataTransfer-Regional-Bytes"
	UsageDataTransferOut      = "DataTransfer-Out-Bytes"
	UsageDataTransferInter    = "DataTransfer-InterRegion-Bytes"
	UsagePublicIPv4           = "PublicIPv4:InUseAddress"
	UsageNatGatewayHours      = "NatGateway-Hours"
	UsageNatGatewayBytes      = "NatGateway-Bytes"
	UsageVpcEndpointHours     = "VpcEndpoint-Hours"
	UsageVpcEndpointBytes     = "VpcEndpoint-Bytes"
	UsageCPUCreditsT3         = "CPUCredits:t3"
	UsageCPUCreditsT4g        = "CPUCredits:t4g"
)

// Product codes of the services the default table prices.
const (
	ServiceEC2 = "AmazonEC2"
	ServiceVPC = "AmazonVPC"
)

// DefaultPrices returns a fresh table of us-east-1 list prices for the
// charges several services share. Figures come from the AWS pricing pages
// as collected in nimbus's AWS notes (prices change; override with Set):
//
//   - data transfer across AZs in a region: $0.01/GB in each direction;
//   - data transfer out to the internet: $0.09/GB (first 10 TB tier; tiers
//     and the 100 GB free allowance are not modelled);
//   - data transfer between US regions: $0.02/GB [unverified per pair];
//   - public IPv4 address: $0.005/hour (since February 2024);
//   - NAT gateway: $0.045/hour and $0.045/GB processed;
//   - interface VPC endpoint: $0.01/AZ-hour and $0.01/GB (first PB);
//   - unlimited-mode surplus CPU credits of Linux T3/T4g: $0.05 per
//     vCPU-hour, that is per 60 credits.
func DefaultPrices() *PriceTable {
	t := NewPriceTable()
	for _, p := range []Price{
		{ServiceEC2, UsageDataTransferRegional, UnitGB, 0.01, "cross-AZ, charged in each direction"},
		{ServiceEC2, UsageDataTransferOut, UnitGB, 0.09, "internet egress, first 10 TB/month tier"},
		{ServiceEC2, UsageDataTransferInter, UnitGB, 0.02, "inter-region within the US [unverified per pair]"},
		{ServiceVPC, UsagePublicIPv4, UnitHours, 0.005, "every public IPv4 address, from 2024-02-01"},
		{ServiceEC2, UsageNatGatewayHours, UnitHours, 0.045, "NAT gateway provisioned hour"},
		{ServiceEC2, UsageNatGatewayBytes, UnitGB, 0.045, "NAT gateway data processed"},
		{ServiceVPC, UsageVpcEndpointHours, UnitHours, 0.01, "interface endpoint per AZ-hour, partial hours billed in full"},
		{ServiceVPC, UsageVpcEndpointBytes, UnitGB, 0.01, "interface endpoint data processed, first PB tier"},
		{ServiceEC2, UsageCPUCreditsT3, "vCPU-Hours", 0.05, "T3 unlimited surplus credits, Linux"},
		{ServiceEC2, UsageCPUCreditsT4g, "vCPU-Hours", 0.05, "T4g unlimited surplus credits, Linux [unverified: the doc example is T3]"},
	} {
		t.m[priceKey{p.Service, p.UsageType}] = p
	}
	return t
}

// Set adds or replaces a price. It rejects empty names and negative or NaN
// rates.
func (t *PriceTable) Set(p Price) error {
	switch {
	case p.Service == "" || p.UsageType == "":
		return fmt.Errorf("billing: price %q/%q: Service and UsageType must be set: %w", p.Service, p.UsageType, ErrInvalidUsage)
	case p.Rate < 0 || math.IsNaN(p.Rate) || math.IsInf(p.Rate, 0):
		return fmt.Errorf("billing: price %s/%s: Rate %v is not a finite non-negative number: %w", p.Service, p.UsageType, p.Rate, ErrInvalidUsage)
	}
	t.m[priceKey{p.Service, p.UsageType}] = p
	return nil
}

// Lookup returns the price of a usage type of a service.
func (t *PriceTable) Lookup(service, usageType string) (Price, bool) {
	p, ok := t.m[priceKey{service, usageType}]
	return p, ok
}

// Rate returns the rate of a usage type of a service, or an error wrapping
// ErrUnknownPrice.
func (t *PriceTable) Rate(service, usageType string) (float64, error) {
	p, ok := t.Lookup(service, usageType)
	if !ok {
		return 0, fmt.Errorf("billing: no price for %s %s: %w", service, usageType, ErrUnknownPrice)
	}
	return p.Rate, nil
}

// Prices returns every price, sorted by service and usage type.
func (t *PriceTable) Prices() []Price {
	out := make([]Price, 0, len(t.m))
	for _, p := range t.m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return out[i].UsageType < out[j].UsageType
	})
	return out
}

// Clone returns an independent copy, for what-if runs with other prices.
func (t *PriceTable) Clone() *PriceTable {
	c := NewPriceTable()
	for k, p := range t.m {
		c.m[k] = p
	}
	return c
}
