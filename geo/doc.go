// Package geo says where things are: AWS Regions and their Availability
// Zones, CloudFront edge locations and regional edge caches, the countries
// of ISO 3166-1 with their continents, and a latency model that turns
// great-circle distance into round-trip time.
//
// Route 53 latency and geoproximity routing, CloudFront edge selection and
// workload client populations read these tables; the tables are returned as
// copies, so callers cannot change them for each other.
//
// # What it models
//
// Distances are great-circle (haversine) on a sphere of mean Earth radius.
// LatencyModel gives RTT = Base + 2·d·RouteInflation/FiberKmPerMs, a linear
// fit to published inter-Region medians, with optional Jitter for samples.
//
// # What it leaves out, and assumptions
//
//   - Region coordinates are those of the metro the Region is named after;
//     AWS does not publish data-centre sites. Distances between AZs of one
//     Region are not modelled (they are a few tens of km; intra-Region
//     latency belongs to the vpc package).
//   - AWS does not publish which regional edge cache each edge location
//     fills from; each edge is assigned the nearest one by distance.
//   - The edge list is a representative set of metros (over 90 of AWS's
//     600+ points of presence), not the full, changing list. China, GovCloud
//     and Local Zones are absent.
//   - Real paths are not linear in distance (submarine cable routes, peering
//     detours); the model is right to tens of percent, not to the millisecond.
package geo
