package billing

import "github.com/nimbus-sim/nimbus/sim"

// LineItem is one priced piece of usage, like a row of the AWS Cost and
// Usage Report. Its cost is Quantity × Rate (USD).
type LineItem struct {
	// Start and End bound the usage in virtual time; End == Start for
	// instantaneous charges such as requests.
	Start, End sim.Time
	// Service is the AWS product code, such as "AmazonEC2" or "AmazonS3".
	Service string
	// ResourceID identifies the resource, such as "i-0abc..." or a bucket.
	ResourceID string
	// UsageType is AWS's usage type, such as "BoxUsage:c7g.large" or
	// "DataTransfer-Regional-Bytes".
	UsageType string
	// Region is the AWS region code, such as "us-east-1".
	Region string
	// Quantity is the amount used, in Unit.
	Quantity float64
	// Unit is the quantity's unit, such as "Hrs", "GB", "Requests", "GB-Mo".
	Unit string
	// Rate is the price in USD per Unit.
	Rate float64
	// Tags are the resource's cost-allocation tags.
	Tags map[string]string
}

// Cost returns Quantity × Rate in USD.
func (li LineItem) Cost() float64 { return li.Quantity * li.Rate }
