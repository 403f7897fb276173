package billing

import (
	"sort"

	"github.com/nimbus-sim/nimbus/sim"
)

// Ledger collects line items in the order they are added.
type Ledger struct {
	items []LineItem
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger { return &Ledger{} }

// Add records one line item.
func (l *Ledger) Add(li LineItem) { l.items = append(l.items, li) }

// Items returns the recorded line items; the slice must not be modified.
func (l *Ledger) Items() []LineItem { return l.items }

// Len returns the number of line items.
func (l *Ledger) Len() int { return len(l.items) }

// Cost is the USD total of one group of a report.
type Cost struct {
	// Key is the group's value: a service, a resource ID, a tag value.
	Key string
	// USD is the sum of the group's line-item costs.
	USD float64
}

// Total returns the sum of every item's cost in USD.
func (l *Ledger) Total() float64 {
	var sum float64
	for _, li := range l.items {
		sum += li.Cost()
	}
	return sum
}

// GroupBy sums costs by key(item), sorted by key. Sums follow the order
// items were added, so equal ledgers give bit-identical reports.
func (l *Ledger) GroupBy(key func(LineItem) string) []Cost {
	idx := map[string]int{}
	var out []Cost
	for _, li := range l.items {
		k := key(li)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Cost{Key: k})
		}
		out[i].USD += li.Cost()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// ByService returns costs per AWS product code, sorted.
func (l *Ledger) ByService() []Cost { return l.GroupBy(func(li LineItem) string { return li.Service }) }

// ByResource returns costs per resource ID, sorted.
func (l *Ledger) ByResource() []Cost {
	return l.GroupBy(func(li LineItem) string { return li.ResourceID })
}

// ByUsageType returns costs per usage type, sorted.
func (l *Ledger) ByUsageType() []Cost {
	return l.GroupBy(func(li LineItem) string { return li.UsageType })
}

// ByRegion returns costs per region, sorted.
func (l *Ledger) ByRegion() []Cost { return l.GroupBy(func(li LineItem) string { return li.Region }) }

// ByTag returns costs per value of the cost-allocation tag key, sorted; items
// without the tag are grouped under the empty key, as Cost Explorer's
// "No tag key" group.
func (l *Ledger) ByTag(key string) []Cost {
	return l.GroupBy(func(li LineItem) string { return li.Tags[key] })
}

// Filter returns a ledger of the items keep accepts, in their order.
func (l *Ledger) Filter(keep func(LineItem) bool) *Ledger {
	out := NewLedger()
	for _, li := range l.items {
		if keep(li) {
			out.items = append(out.items, li)
		}
	}
	return out
}

// Window returns a ledger of the usage inside [from, to). An item that
// straddles an edge is clipped to the window and its quantity prorated by
// the share of its duration inside; an instantaneous item (End == Start) is
// kept whole when from ≤ Start < to. Per-second minimums and whole-hour
// rounding are spread evenly over the item's span.
func (l *Ledger) Window(from, to sim.Time) *Ledger {
	out := NewLedger()
	for _, li := range l.items {
		if li.End == li.Start {
			if li.Start >= from && li.Start < to {
				out.items = append(out.items, li)
			}
			continue
		}
		s, e := max(li.Start, from), min(li.End, to)
		if e <= s {
			continue
		}
		if s != li.Start || e != li.End {
			li.Quantity *= float64(e-s) / float64(li.End-li.Start)
			li.Start, li.End = s, e
		}
		out.items = append(out.items, li)
	}
	return out
}
