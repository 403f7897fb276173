package billing

import (
	"sort"
	"testing"

	"github.com/nimbus-sim/nimbus/sim"
	"pgregory.net/rapid"
)

// Cutting a ledger into consecutive windows never loses or invents cost:
// the windows' totals sum to the total over their span, whatever the items.
func TestWindowsPartitionCost(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		l := NewLedger()
		for k := rapid.IntRange(0, 20).Draw(t, "items"); k > 0; k-- {
			start := rapid.Int64Range(0, 1000).Draw(t, "start")
			length := rapid.Int64Range(0, 500).Draw(t, "length")
			l.Add(LineItem{Start: sim.Time(start), End: sim.Time(start + length), Service: "S",
				Quantity: rapid.Float64Range(0, 100).Draw(t, "qty"), Rate: rapid.Float64Range(0, 10).Draw(t, "rate")})
		}
		cuts := rapid.SliceOfN(rapid.Int64Range(-10, 1600), 1, 8).Draw(t, "cuts")
		sort.Slice(cuts, func(i, j int) bool { return cuts[i] < cuts[j] })
		cuts = append([]int64{-20}, append(cuts, 1601)...)
		var sum float64
		for k := 1; k < len(cuts); k++ {
			sum += l.Window(sim.Time(cuts[k-1]), sim.Time(cuts[k])).Total()
		}
		total := l.Total()
		if d := sum - total; d > 1e-9*(1+total) || d < -1e-9*(1+total) {
			t.Fatalf("windows sum to %v, ledger total %v", sum, total)
		}
	})
}
