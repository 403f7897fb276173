// Package billing is nimbus's cost ledger: priced usage recorded as line
// items, like the rows of the AWS Cost and Usage Report, and reports over
// them.
//
// Services price their own usage and add LineItems to a Ledger through a
// consumer-declared interface (`type Biller interface{ Add(billing.LineItem) }`;
// nil means no billing). The helpers on Resource build line items for the
// charging schemes AWS uses:
//
//   - PerSecond: per-second billing with a minimum (EC2 Linux: 60 s each time
//     an instance enters running), priced per hour;
//   - PerHour: each started hour billed in full (VPC endpoints, NAT gateway
//     hours when metered by the hour);
//   - PerGB: data transfer and data processed;
//   - PerRequest: request charges (S3, CloudFront, Route 53 queries);
//   - PerGBMonth: storage, prorated by the time it is held.
//
// PriceTable holds rates keyed by (service, usage type); DefaultPrices
// returns the cross-service us-east-1 list prices nimbus uses (data transfer,
// public IPv4, NAT gateway, endpoints, burstable surplus credits), which
// users override with Set. Prices change: the defaults are documented
// assumptions, not truths.
//
// Reports are plain functions of a ledger: Total, ByService, ByResource,
// ByUsageType, ByRegion, ByTag (cost allocation tags) and GroupBy; Window
// restricts a ledger to a virtual-time window, prorating items that straddle
// its edges by time. Every report is sorted by key and sums in the order
// items were added, so a run reproduces its report exactly. WriteCSV exports
// the items in a stable order.
//
// # What it leaves out
//
// Tiered prices (the first 10 TB of data transfer out cost more than the
// next 40 TB), free tiers, credits, taxes, refunds and currency are not
// modelled: a line item has one rate. A service that needs tiering computes
// the rate itself. Units follow the CUR: "Hrs", "GB", "Requests", "GB-Mo";
// a GB is 2^30 bytes, as AWS bills it, and a month is 730 hours.
package billing
