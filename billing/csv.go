package billing

import (
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// CSVHeader is the header row WriteCSV writes.
var CSVHeader = []string{"start", "end", "service", "resource_id", "usage_type", "region", "quantity", "unit", "rate_usd", "cost_usd", "tags"}

// WriteCSV writes the ledger as CSV with CSVHeader: times as RFC 3339 in UTC
// from epoch (the zero time means sim.DefaultEpoch), numbers in their
// shortest exact decimal form, tags as "key=value" pairs sorted by key and
// joined with ";". Rows are sorted by start, end, service, resource, usage
// type and region; ties keep the order items were added, so a run always
// exports the same bytes.
func (l *Ledger) WriteCSV(w io.Writer, epoch time.Time) error {
	if epoch.IsZero() {
		epoch = sim.DefaultEpoch
	}
	items := append([]LineItem(nil), l.items...)
	sort.SliceStable(items, func(i, j int) bool {
		a, b := &items[i], &items[j]
		switch {
		case a.Start != b.Start:
			return a.Start < b.Start
		case a.End != b.End:
			return a.End < b.End
		case a.Service != b.Service:
			return a.Service < b.Service
		case a.ResourceID != b.ResourceID:
			return a.ResourceID < b.ResourceID
		case a.UsageType != b.UsageType:
			return a.UsageType < b.UsageType
		}
		return a.Region < b.Region
	})
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	ts := func(t sim.Time) string { return epoch.Add(time.Duration(t)).UTC().Format(time.RFC3339Nano) }
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	for _, li := range items {
		rec := []string{ts(li.Start), ts(li.End), li.Service, li.ResourceID, li.UsageType, li.Region,
			num(li.Quantity), li.Unit, num(li.Rate), num(li.Cost()), formatTags(li.Tags)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func formatTags(tags map[string]string) string {
	if len(tags) == 0 {
		return ""
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(tags[k])
	}
	return b.String()
}
